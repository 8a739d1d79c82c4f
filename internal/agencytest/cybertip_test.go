package agencytest

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const minimalXML = `<?xml version="1.0" encoding="UTF-8"?>
<report>
  <incidentSummary>
    <incidentType>Child Pornography (possession, manufacture, and distribution)</incidentType>
    <incidentDateTime>2026-03-14T10:00:00Z</incidentDateTime>
  </incidentSummary>
  <reporter><reportingPerson><email>safety@example.com</email></reportingPerson></reporter>
  <additionalInfo>ESP report reference: r-1</additionalInfo>
</report>`

// ctClient talks to a fake CyberTipline the way NCMEC's documentation describes.
type ctClient struct {
	t    *testing.T
	base string
	user string
	pass string
}

func newCT(t *testing.T, opts *CyberTipOptions) (*CyberTip, *ctClient) {
	t.Helper()
	f := NewCyberTip(opts)
	t.Cleanup(func() { f.Close() })
	u, p := f.Credentials()
	return f, &ctClient{t: t, base: f.URL(), user: u, pass: p}
}

type ctAnswer struct {
	status    int
	code      string
	desc      string
	reportID  string
	fileID    string
	hash      string
	requestID string
	body      string
}

func field(body, name string) string {
	i := strings.Index(body, "<"+name+">")
	if i < 0 {
		return ""
	}
	rest := body[i+len(name)+2:]
	j := strings.Index(rest, "</"+name+">")
	if j < 0 {
		return ""
	}
	return rest[:j]
}

func (c *ctClient) do(method, path, ctype string, body io.Reader) (*ctAnswer, error) {
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.SetBasicAuth(c.user, c.pass)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	s := string(b)
	return &ctAnswer{status: resp.StatusCode, code: field(s, "responseCode"), desc: field(s, "responseDescription"),
		reportID: field(s, "reportId"), fileID: field(s, "fileId"), hash: field(s, "hash"),
		requestID: resp.Header.Get("Request-ID"), body: s}, nil
}

func (c *ctClient) must(a *ctAnswer, err error) *ctAnswer {
	c.t.Helper()
	if err != nil {
		c.t.Fatal(err)
	}
	if a.requestID == "" {
		c.t.Error("answer without Request-ID")
	}
	return a
}

func (c *ctClient) submit(doc string) *ctAnswer {
	return c.must(c.do("POST", "/submit", "text/xml; charset=utf-8", strings.NewReader(doc)))
}

func (c *ctClient) form(path, id string) *ctAnswer {
	return c.must(c.do("POST", path, "application/x-www-form-urlencoded", strings.NewReader(url.Values{"id": {id}}.Encode())))
}

func (c *ctClient) upload(id string, data []byte) *ctAnswer {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("id", id)
	w, _ := mw.CreateFormFile("file", "f.bin")
	_, _ = w.Write(data)
	_ = mw.Close()
	return c.must(c.do("POST", "/upload", mw.FormDataContentType(), &b))
}

func (c *ctClient) fileinfo(doc string) *ctAnswer {
	return c.must(c.do("POST", "/fileinfo", "text/xml", strings.NewReader(doc)))
}

func fileDetails(reportID, fileID, extra string) string {
	return fmt.Sprintf(`<fileDetails><reportId>%s</reportId><fileId>%s</fileId>%s</fileDetails>`, reportID, fileID, extra)
}

func TestCyberTipAuth(t *testing.T) {
	_, c := newCT(t, nil)
	c.pass = "wrong"
	a := c.must(c.do("GET", "/status", "", nil))
	if a.status != http.StatusUnauthorized || a.code != "2000" {
		t.Fatalf("got %d %s", a.status, a.code)
	}
	c.pass = "mnr-test-password"
	a = c.must(c.do("GET", "/status", "", nil))
	if a.status != 200 || a.code != "0" || !strings.HasPrefix(a.desc, "Remote User : mnr-test, Remote Ip : ") {
		t.Fatalf("status: %+v", a)
	}
}

func TestCyberTipSchemaEnforcement(t *testing.T) {
	cases := []struct {
		name, doc, code, words string
	}{
		{"minimal", minimalXML, "0", ""},
		{"out of order", strings.Replace(minimalXML,
			"<incidentType>Child Pornography (possession, manufacture, and distribution)</incidentType>\n    <incidentDateTime>2026-03-14T10:00:00Z</incidentDateTime>",
			"<incidentDateTime>2026-03-14T10:00:00Z</incidentDateTime>\n    <incidentType>Child Pornography (possession, manufacture, and distribution)</incidentType>", 1),
			"4100", "out of order"},
		{"legacy incident type", strings.Replace(minimalXML, "Child Pornography (possession, manufacture, and distribution)", "Child Prostitution", 1), "4100", "not one of the allowed values"},
		{"singular typo", strings.Replace(minimalXML, "Child Pornography (possession, manufacture, and distribution)", "Online Enticement of Children for Sexual Act", 1), "4100", "allowed values"},
		{"no zone", strings.Replace(minimalXML, "10:00:00Z", "10:00:00", 1), "4100", "no zone"},
		{"in the future", strings.Replace(minimalXML, "2026-03-14T10:00:00Z", "2999-01-01T00:00:00Z", 1), "4100", "in the past"},
		{"no email", strings.Replace(minimalXML, "<email>safety@example.com</email>", "<firstName>A</firstName>", 1), "4100", "at least one email"},
		{"flag false", strings.Replace(minimalXML, "<incidentDateTime>", "<reportAnnotations><sextortion>false</sextortion></reportAnnotations><incidentDateTime>", 1), "4100", "fixed=true"},
		{"flags out of order", strings.Replace(minimalXML, "<incidentDateTime>", "<reportAnnotations><spam/><sextortion/></reportAnnotations><incidentDateTime>", 1), "4100", "out of order"},
		{"unknown element", strings.Replace(minimalXML, "<additionalInfo>", "<informational/><additionalInfo>", 1), "4100", "not allowed"},
		{"blank escalation", strings.Replace(minimalXML, "<incidentDateTime>", "<escalateToHighPriority>  </escalateToHighPriority><incidentDateTime>", 1), "4100", "blank"},
		{"two channels in one internetDetails", strings.Replace(minimalXML, "<reporter>", "<internetDetails><webPageIncident/><emailIncident/></internetDetails><reporter>", 1), "4100", "exactly one"},
		{"estimatedLocation without country", strings.Replace(minimalXML, "<additionalInfo>", "<personOrUserReported><estimatedLocation><city>X</city></estimatedLocation></personOrUserReported><additionalInfo>", 1), "4100", "countryCode is missing"},
		{"associatedAccount without type", strings.Replace(minimalXML, "<additionalInfo>", "<personOrUserReported><associatedAccount/></personOrUserReported><additionalInfo>", 1), "4100", "@type is required"},
		{"batched with internetDetails", strings.Replace(strings.Replace(minimalXML, "<incidentSummary>", `<batchedReport reason="VIRAL_POTENTIAL_MEME"/><incidentSummary>`, 1), "<reporter>", "<internetDetails><webPageIncident/></internetDetails><reporter>", 1), "4100", "not allowed in a batched report"},
		{"malformed", "<report><incidentSummary>", "4110", "Malformed"},
		{"DTD", `<!DOCTYPE report [<!ENTITY x "y">]>` + minimalXML[strings.Index(minimalXML, "<report>"):], "4110", "DTD"},
		{"namespace", strings.Replace(minimalXML, "<report>", `<report xmlns="urn:x">`, 1), "4110", "namespace"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newCT(t, nil)
			a := c.submit(tc.doc)
			if a.code != tc.code || !strings.Contains(a.desc, tc.words) {
				t.Fatalf("got %d %s %q, want code %s containing %q", a.status, a.code, a.desc, tc.code, tc.words)
			}
			if tc.code != "0" {
				if a.status != http.StatusBadRequest {
					t.Errorf("HTTP %d for a refused document", a.status)
				}
				if len(f.Reports()) != 0 {
					t.Error("a refused report was stored")
				}
				if strings.Contains(a.desc, "safety@example.com") {
					t.Error("the description echoes a value")
				}
			}
		})
	}
}

func TestCyberTipLifecycle(t *testing.T) {
	f, c := newCT(t, nil)
	id := c.submit(minimalXML).reportID
	data := []byte("benign bytes")
	up := c.upload(id, data)
	if up.code != "0" || up.fileID == "" || up.hash != md5hex(data) {
		t.Fatalf("upload: %+v", up)
	}
	if a := c.fileinfo(fileDetails(id, "nope", "")); a.code != "5002" {
		t.Errorf("fileinfo for an unknown file: %s", a.code)
	}
	if a := c.fileinfo(fileDetails(id, up.fileID, "<fileViewedByEsp>false</fileViewedByEsp><exifViewedByEsp>true</exifViewedByEsp>")); a.code != "4100" {
		t.Errorf("exif viewed without file viewed: %s", a.code)
	}
	if a := c.fileinfo(fileDetails(id, up.fileID, "<fileRelevance>Supplemental Reported</fileRelevance><industryClassification>A1</industryClassification>")); a.code != "4100" {
		t.Errorf("supplemental with classification: %s", a.code)
	}
	if a := c.fileinfo(fileDetails(id, up.fileID, "<fileViewedByEsp>true</fileViewedByEsp>")); a.code != "0" {
		t.Fatalf("fileinfo: %+v", a)
	}
	if a := c.fileinfo(fileDetails(id, up.fileID, "")); a.code != "4100" {
		t.Errorf("second fileinfo for the same file: %s", a.code)
	}
	fin := c.form("/finish", id)
	if fin.code != "0" || !strings.Contains(fin.body, "<reportDoneResponse>") || field(fin.body, "fileId") != up.fileID {
		t.Fatalf("finish: %+v", fin)
	}
	for _, step := range []struct{ name, code string }{
		{"finish twice", c.form("/finish", id).code},
		{"retract after finish", c.form("/retract", id).code},
		{"upload after finish", c.upload(id, data).code},
		{"fileinfo after finish", c.fileinfo(fileDetails(id, up.fileID, "")).code},
	} {
		if step.code != "5102" {
			t.Errorf("%s: code %s, want 5102", step.name, step.code)
		}
	}
	id2 := c.submit(minimalXML).reportID
	if a := c.form("/retract", id2); a.code != "0" {
		t.Fatalf("retract: %s", a.code)
	}
	if a := c.form("/retract", id2); a.code != "5101" {
		t.Errorf("retract twice: %s", a.code)
	}
	if a := c.form("/finish", id2); a.code != "5101" {
		t.Errorf("finish after retract: %s", a.code)
	}
	if a := c.form("/finish", "123"); a.code != "5001" {
		t.Errorf("finish of an unknown report: %s", a.code)
	}
	got := f.Finished()
	if len(got) != 1 || got[0].Key != "r-1" || got[0].Files[0].MD5 != md5hex(data) || got[0].Files[0].Details == nil {
		t.Fatalf("finished: %+v", got)
	}
	if n := f.Counts()[CyberTipRetracted]; n != 1 {
		t.Errorf("retracted: %d", n)
	}
	if n := f.FinishedCount(); n != 1 {
		t.Errorf("FinishedCount: %d, want 1 (a second finish and a finish after retract count nothing)", n)
	}
}

func TestCyberTipBatchedFinish(t *testing.T) {
	_, c := newCT(t, nil)
	doc := strings.Replace(minimalXML, "<incidentSummary>", `<batchedReport reason="VIRAL_POTENTIAL_MEME"/><incidentSummary>`, 1)
	doc = strings.Replace(doc, "<additionalInfo>ESP report reference: r-1</additionalInfo>", "", 1)
	id := c.submit(doc).reportID
	if a := c.form("/finish", id); a.status != 400 || a.code != "4100" {
		t.Fatalf("batched finish without a file: %d %s", a.status, a.code)
	}
	up := c.upload(id, []byte("meme"))
	if a := c.fileinfo(fileDetails(id, up.fileID, "<fileRelevance>Reported</fileRelevance><fileAnnotations><infant/></fileAnnotations>")); a.code != "4100" {
		t.Errorf("batched file annotated infant: %s", a.code)
	}
	if a := c.fileinfo(fileDetails(id, up.fileID, "<fileRelevance>Reported</fileRelevance><fileAnnotations><viral/></fileAnnotations>")); a.code != "0" {
		t.Fatalf("batched fileinfo: %+v", a)
	}
	c.upload(id, []byte("second"))
	if a := c.form("/finish", id); a.code != "4100" {
		t.Errorf("batched finish with two files: %s", a.code)
	}
}

func TestCyberTipExpiry(t *testing.T) {
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	f, c := newCT(t, &CyberTipOptions{Now: func() time.Time { return now }})
	id := c.submit(minimalXML).reportID
	now = now.Add(23 * time.Hour)
	c.upload(id, []byte("x")) // a change: the later of 24 h from opening and 1 h from now
	now = now.Add(59 * time.Minute)
	if a := c.upload(id, []byte("y")); a.code != "0" {
		t.Fatalf("upload within the hour: %s", a.code)
	}
	now = now.Add(61 * time.Minute)
	if a := c.form("/finish", id); a.code != "5001" {
		t.Fatalf("finish after deletion: %s", a.code)
	}
	if f.Counts()[CyberTipExpired] != 1 {
		t.Error("report not marked expired")
	}
}

func TestCyberTipFaults(t *testing.T) {
	f, c := newCT(t, &CyberTipOptions{RetryAfter: 2 * time.Second})
	f.Faults().Script("/submit", FaultServerError, FaultRateLimit, FaultDropAfterCommit)
	if a := c.submit(minimalXML); a.status != 503 || a.code != "1000" {
		t.Errorf("5xx: %d %s", a.status, a.code)
	}
	req, _ := http.NewRequest("POST", c.base+"/submit", strings.NewReader(minimalXML))
	req.Header.Set("Content-Type", "text/xml")
	req.SetBasicAuth(c.user, c.pass)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("429: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if len(f.Reports()) != 0 {
		t.Fatal("a faulted request had an effect")
	}
	if _, err := c.do("POST", "/submit", "text/xml", strings.NewReader(minimalXML)); err == nil {
		t.Fatal("drop-after-commit answered")
	}
	if n := len(f.Reports()); n != 1 {
		t.Fatalf("drop-after-commit: %d reports stored, want 1", n)
	}
	inj := f.Faults().Injected()
	if inj[FaultServerError] != 1 || inj[FaultRateLimit] != 1 || inj[FaultDropAfterCommit] != 1 {
		t.Errorf("injected: %v", inj)
	}
}

func TestFaultsRandomIsRepeatable(t *testing.T) {
	run := func() []FaultKind {
		var f Faults
		f.SetRandom(0.3, 42, nil)
		var out []FaultKind
		for range 200 {
			out = append(out, f.next("/submit", true))
		}
		if k := f.next("/status", false); k != "" {
			t.Errorf("random fault on a read-only path: %s", k)
		}
		return out
	}
	a, b := run(), run()
	n := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed, different faults")
		}
		if a[i] != "" {
			n++
		}
	}
	if n < 40 || n > 80 {
		t.Errorf("%d faults in 200 requests at rate 0.3", n)
	}
	var f Faults
	f.Script("*", FaultSlow)
	f.Script("/x", FaultServerError)
	if f.next("/x", true) != FaultServerError || f.next("/y", false) != FaultSlow || f.next("/y", false) != "" {
		t.Error("scripted faults out of order")
	}
}

// TestServeOnListener runs the fake the way the upload scanner does: a handler
// served on a listener of its own.
func TestServeOnListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := NewCyberTipHandler(nil)
	done := make(chan error, 1)
	go func() { done <- f.Serve(l) }()
	c := &ctClient{t: t, base: "http://" + l.Addr().String() + "/ispws", user: "mnr-test", pass: "mnr-test-password"}
	if a := c.submit(minimalXML); a.code != "0" {
		t.Fatalf("submit: %+v", a)
	}
	f.Close()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func md5hex(b []byte) string { return fmt.Sprintf("%x", md5.Sum(b)) }

// FuzzCyberTipDocument feeds the fake's XML reader and validator arbitrary
// documents (the fake also runs outside tests, in the upload scanner's offline
// mode): it must never panic, and a document it accepts must have the schema's
// root.
func FuzzCyberTipDocument(f *testing.F) {
	f.Add([]byte(minimalXML), false)
	f.Add([]byte(fileDetails("1", "f", "<fileAnnotations><viral/></fileAnnotations>")), true)
	f.Add([]byte(`<report><incidentSummary><reportAnnotations><sextortion>1</sextortion></reportAnnotations></incidentSummary></report>`), false)
	f.Fuzz(func(t *testing.T, doc []byte, details bool) {
		now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
		var err error
		if details {
			err = ValidateCyberTipFileDetails(doc, now, true)
		} else {
			err = ValidateCyberTipReport(doc, now)
		}
		if err == nil {
			root, perr := parseXML(doc)
			if perr != nil || (root.name != "report" && root.name != "fileDetails") {
				t.Fatalf("accepted a document whose root is not the schema's: %v", perr)
			}
		}
	})
}
