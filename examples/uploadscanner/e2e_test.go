package main

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mnr-sdk/mnr/internal/pgtest"
)

// scanAnswer is the part of a scan response the tests read.
type scanAnswer struct {
	RequestID string            `json:"request_id"`
	Decision  string            `json:"decision"`
	Format    string            `json:"format"`
	Hashes    map[string]string `json:"hashes"`
	Matches   []matchView       `json:"matches"`
	CaseID    string            `json:"case_id"`
	Evidence  string            `json:"evidence"`
	Reports   []reportView      `json:"reports"`
	Error     *errorDetail      `json:"error"`
}

// scanRaw uploads data as the request body.
func scanRaw(t testing.TB, base string, data []byte) (*http.Response, scanAnswer) {
	t.Helper()
	var a scanAnswer
	resp, _ := do(t, nil, "POST", base+"/v1/scan", map[string]string{"Content-Type": "application/octet-stream"}, bytes.NewReader(data), &a)
	return resp, a
}

// scanMultipart uploads data as the multipart field "file".
func scanMultipart(t testing.TB, base, filename string, data []byte) (*http.Response, scanAnswer) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	var a scanAnswer
	resp, _ := do(t, nil, "POST", base+"/v1/scan", map[string]string{"Content-Type": mw.FormDataContentType()}, &body, &a)
	return resp, a
}

func mustDemo(t testing.TB, name string) []byte {
	t.Helper()
	b, err := demoImage(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEndToEnd starts the real binary the way the README does (no flags but a
// free port), runs the printed curl line, uploads the demo image, its altered
// copy and benign images, and checks cases, reports and metrics.
func TestEndToEnd(t *testing.T) {
	p := startBinary(t, nil)
	exerciseService(t, p)
	if err := p.stop(); err != nil {
		t.Fatalf("graceful shutdown: exit %v; stderr:\n%s", err, p.stderr)
	}
	logs := p.stderr.String()
	for _, want := range []string{"shutting down", "stopped"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

// TestEndToEndPostgres runs the same flow with -store postgres://.
func TestEndToEndPostgres(t *testing.T) {
	url := pgtest.Database(t)
	p := startBinary(t, nil, "-store", url)
	exerciseService(t, p)
	if err := p.stop(); err != nil {
		t.Fatalf("graceful shutdown: exit %v; stderr:\n%s", err, p.stderr)
	}
	if strings.Contains(p.stderr.String(), url) {
		t.Error("the log contains the database URL")
	}
}

func exerciseService(t *testing.T, p *proc) {
	matching := 0
	decisions := map[string]int{} // uploads by decision, for the metrics

	// The README's curl line, verbatim, when curl is installed.
	if !strings.Contains(p.curl, "/v1/scan") {
		t.Fatalf("printed curl line %q does not post to /v1/scan", p.curl)
	}
	if _, err := exec.LookPath("curl"); err == nil {
		cmd := exec.Command("sh", "-c", p.curl)
		cmd.Dir = moduleRoot(t)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("README curl line failed: %v", err)
		}
		var a scanAnswer
		if err := json.Unmarshal(out, &a); err != nil {
			t.Fatalf("curl output %q: %v", out, err)
		}
		if a.Decision != decisionBlock || a.CaseID == "" {
			t.Fatalf("curl upload: decision %q case %q, want block with a case", a.Decision, a.CaseID)
		}
		matching++
		decisions[a.Decision]++
	} else {
		t.Log("curl not installed: the printed curl line is checked by shape only")
	}

	// The README's quick-start commands, verbatim but for the port.
	for _, cmdline := range readmeCurlLines(t) {
		if _, err := exec.LookPath("curl"); err != nil {
			break
		}
		cmd := exec.Command("sh", "-c", strings.ReplaceAll(cmdline, "http://127.0.0.1:8080", p.url))
		cmd.Dir = moduleRoot(t)
		out, err := cmd.Output()
		var a scanAnswer
		if err != nil || json.Unmarshal(out, &a) != nil || a.Decision == "" {
			t.Fatalf("README command %q: %v, output %.200s", cmdline, err, out)
		}
		want := map[string]string{"known.png": decisionBlock, "known-near.jpg": decisionQuarantine, "benign-2.jpg": decisionAllow}
		for name, d := range want {
			if strings.Contains(cmdline, "testdata/"+name) && a.Decision != d {
				t.Errorf("README command %q: decision %q, want %q", cmdline, a.Decision, d)
			}
		}
		if a.Decision != decisionAllow {
			matching++
		}
		decisions[a.Decision]++
	}

	known := mustDemo(t, demoKnown)
	resp, blocked := scanRaw(t, p.url, known)
	if resp.StatusCode != 200 || blocked.Decision != decisionBlock {
		t.Fatalf("known image: %d %+v, want 200 block", resp.StatusCode, blocked)
	}
	matching++
	decisions[blocked.Decision]++
	if blocked.CaseID == "" || blocked.Evidence != blocked.Hashes["sha256"] || len(blocked.Hashes["pdq"]) != 64 || len(blocked.Hashes["md5"]) != 32 {
		t.Errorf("known image answer incomplete: %+v", blocked)
	}
	kinds := map[string]int{}
	for _, m := range blocked.Matches {
		if m.List != "demo" || len(m.Codes) == 0 {
			t.Errorf("match %+v: want list demo with codes", m)
		}
		kinds[m.Kind] = m.Distance
	}
	if d, ok := kinds["pdq"]; !ok || d != 0 {
		t.Errorf("known image: pdq match %v (distance %d), want distance 0", ok, d)
	}
	if _, ok := kinds["sha256"]; !ok {
		t.Errorf("known image: no sha256 match in %+v", blocked.Matches)
	}
	if len(blocked.Reports) != 2 {
		t.Fatalf("known image: %d reports drafted, want cybertip and dsa: %+v", len(blocked.Reports), blocked.Reports)
	}
	for _, r := range blocked.Reports {
		if r.State != "review" {
			t.Errorf("report %s in state %q, want review", r.ID, r.State)
		}
	}

	resp, near := scanMultipart(t, p.url, "holiday.jpg", mustDemo(t, demoNear))
	if resp.StatusCode != 200 || near.Decision != decisionQuarantine || near.CaseID == "" {
		t.Fatalf("near-duplicate: %d %+v, want 200 quarantine with a case", resp.StatusCode, near)
	}
	matching++
	decisions[near.Decision]++
	for _, m := range near.Matches {
		if m.Kind != "pdq" || m.Distance <= 0 || m.Distance > 31 {
			t.Errorf("near-duplicate match %+v: want pdq within 1..31", m)
		}
	}
	t.Logf("near-duplicate PDQ distance: %d", near.Matches[0].Distance)

	for _, name := range []string{"benign-1.png", "benign-2.jpg", "benign-3.png"} {
		resp, a := scanRaw(t, p.url, mustDemo(t, name))
		if resp.StatusCode != 200 || a.Decision != decisionAllow || a.CaseID != "" || len(a.Matches) != 0 {
			t.Errorf("%s: %d %+v, want 200 allow without case", name, resp.StatusCode, a)
		}
		decisions[a.Decision]++
	}
	// The upload is never echoed.
	_, raw := do(t, nil, "POST", p.url+"/v1/scan", nil, bytes.NewReader(mustDemo(t, "benign-1.png")), nil)
	if bytes.Contains(raw, mustDemo(t, "benign-1.png")[:64]) {
		t.Error("scan answer echoes upload bytes")
	}
	decisions[decisionAllow]++

	// Cases: one per matching upload.
	var list struct {
		Cases []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"cases"`
	}
	do(t, nil, "GET", p.url+"/v1/cases", nil, nil, &list)
	if len(list.Cases) != matching {
		t.Fatalf("%d cases, want %d (one per matching upload)", len(list.Cases), matching)
	}
	var detail struct {
		Case struct {
			ID        string `json:"id"`
			Status    string `json:"status"`
			Deadlines []struct {
				ID    string    `json:"id"`
				Due   time.Time `json:"due"`
				State string    `json:"state"`
			} `json:"deadlines"`
		} `json:"case"`
		Audit struct {
			Verified bool `json:"verified"`
			Events   int  `json:"events"`
		} `json:"audit"`
		Scan    *scanRecord  `json:"scan"`
		Reports []reportView `json:"reports"`
	}
	resp, _ = do(t, nil, "GET", p.url+"/v1/cases/"+blocked.CaseID, nil, nil, &detail)
	if resp.StatusCode != 200 || detail.Case.ID != blocked.CaseID || !detail.Audit.Verified || detail.Audit.Events < 1 {
		t.Fatalf("case detail: %d %+v", resp.StatusCode, detail)
	}
	var ncmec bool
	for _, d := range detail.Case.Deadlines {
		ncmec = ncmec || d.ID == "report:NCMEC"
	}
	if !ncmec {
		t.Errorf("case under US has no NCMEC report deadline: %+v", detail.Case.Deadlines)
	}
	if detail.Scan == nil || detail.Scan.Evidence != blocked.Evidence || detail.Scan.Decision != decisionBlock {
		t.Errorf("scan record: %+v", detail.Scan)
	}
	resp, _ = do(t, nil, "GET", p.url+"/v1/cases/no-such-case", nil, nil, nil)
	if resp.StatusCode != 404 {
		t.Errorf("unknown case: %d, want 404", resp.StatusCode)
	}

	// A report in review, by ID.
	var rep reportDetailAnswer
	resp, _ = do(t, nil, "GET", p.url+"/v1/reports/"+blocked.Reports[0].ID, nil, nil, &rep)
	if resp.StatusCode != 200 || rep.State != "review" || rep.CaseRef != blocked.CaseID {
		t.Errorf("report: %d %+v", resp.StatusCode, rep)
	}

	// Record an event through the API.
	var c struct {
		Status string `json:"status"`
	}
	resp, raw = do(t, nil, "POST", p.url+"/v1/cases/"+near.CaseID+"/events", map[string]string{"Content-Type": "application/json"},
		strings.NewReader(`{"id":"ack-1","type":"acknowledged","actor":"e2e"}`), &c)
	if resp.StatusCode != 200 || c.Status != "acknowledged" {
		t.Errorf("record event: %d %s", resp.StatusCode, raw)
	}
	resp, _ = do(t, nil, "POST", p.url+"/v1/cases/"+near.CaseID+"/events", nil, strings.NewReader(`{"id":"x","type":"opened"}`), nil)
	if resp.StatusCode != 400 && resp.StatusCode != 409 {
		t.Errorf("recording an engine-only event: %d, want 400 or 409", resp.StatusCode)
	}

	// Metrics.
	m := scrape(t, p.url)
	want := map[string]float64{
		`uploadscanner_scans_total{decision="block"}`:         float64(decisions[decisionBlock]),
		`uploadscanner_scans_total{decision="quarantine"}`:    float64(decisions[decisionQuarantine]),
		`uploadscanner_scans_total{decision="allow"}`:         float64(decisions[decisionAllow]),
		`uploadscanner_cases_opened_total`:                    float64(matching),
		`uploadscanner_matches_total{kind="pdq",list="demo"}`: float64(matching),
		`uploadscanner_outbox_submissions{state="review"}`:    float64(2 * matching),
		`uploadscanner_hashlist_entries{list="demo"}`:         3,
	}
	for k, v := range want {
		if got, ok := m[k]; !ok || got != v {
			t.Errorf("metric %s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	if got := m[`uploadscanner_scan_duration_seconds_count{decision="allow"}`]; got != float64(decisions[decisionAllow]) {
		t.Errorf("scan latency histogram count(allow) = %v, want %d", got, decisions[decisionAllow])
	}
}

// readmeCurlLines returns the curl commands of the README's sh code blocks that
// need no placeholders (a token or a case ID).
func readmeCurlLines(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	inSh := false
	for _, l := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(l, "```sh"):
			inSh = true
		case strings.HasPrefix(l, "```"):
			inSh = false
		case inSh && strings.HasPrefix(l, "curl ") && !strings.Contains(l, "$") && !strings.Contains(l, "CASE_ID"):
			out = append(out, l)
		}
	}
	if len(out) < 3 {
		t.Fatalf("README has %d runnable curl lines, want the quick start's 3", len(out))
	}
	return out
}

type reportDetailAnswer struct {
	ID        string            `json:"id"`
	Agency    string            `json:"agency"`
	State     string            `json:"state"`
	AgencyIDs map[string]string `json:"agency_ids"`
	CaseRef   string            `json:"case_id"`
	Receipts  []struct {
		Step  string `json:"step"`
		Bytes int    `json:"bytes"`
	} `json:"receipts"`
}

var metricLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$`)

// scrape reads /metrics into a map of "name{labels}" to value.
func scrape(t testing.TB, base string) map[string]float64 {
	t.Helper()
	resp, raw := do(t, nil, "GET", base+"/metrics", nil, nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	out := map[string]float64{}
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		if m := metricLine.FindStringSubmatch(l); m != nil {
			v, err := strconv.ParseFloat(m[2], 64)
			if err == nil {
				out[m[1]] = v
			}
		}
	}
	return out
}

// waitFor polls f every 100ms until it returns true, for at most d.
func waitFor(t testing.TB, d time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
