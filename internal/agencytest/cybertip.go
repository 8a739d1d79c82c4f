package agencytest

import (
	"bytes"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// CyberTip response codes the fake answers with (reference reporting.md §1.5).
const (
	CTSuccess          = 0
	CTServerError      = 1000
	CTAuthRequired     = 2000
	CTInvalidRequest   = 4000
	CTValidationFailed = 4100
	CTMalformedXML     = 4110
	CTMalformedFile    = 4200
	CTReportNotFound   = 5001
	CTFileNotFound     = 5002
	CTAlreadyRetracted = 5101
	CTAlreadyFinished  = 5102
)

// CyberTipReferencePrefix starts the line of the report-level additionalInfo that
// carries the reporting platform's own report reference ("ESP report reference:
// <id>"). The fake reads it to find duplicate reports of the same platform report.
const CyberTipReferencePrefix = "ESP report reference: "

// CyberTipOptions configure a fake CyberTipline. The zero value is usable.
type CyberTipOptions struct {
	// Username and Password are the Basic credentials every request must carry.
	// Defaults: "mnr-test" and "mnr-test-password".
	Username, Password string
	// BasePath is the path prefix of the API. Default "/ispws" (as NCMEC's).
	BasePath string
	// Now is the fake's clock, used for the in-the-past checks and the deletion of
	// unfinished reports. Default time.Now.
	Now func() time.Time
	// MaxXMLBytes bounds /submit and /fileinfo bodies. Default 4 MiB.
	MaxXMLBytes int64
	// MaxUploadBytes bounds one /upload body. Default 64 MiB (NCMEC sets none).
	MaxUploadBytes int64
	// FirstReportID is the first reportId handed out. Default 100001.
	FirstReportID int64
	// SlowDelay is how long FaultSlow holds a request. Default 200ms.
	SlowDelay time.Duration
	// RetryAfter is sent with FaultRateLimit answers, in whole seconds. Default 0.
	RetryAfter time.Duration
}

// CyberTipState is the lifecycle state of a report at the fake.
type CyberTipState string

// Report states.
const (
	CyberTipOpen      CyberTipState = "open"
	CyberTipFinished  CyberTipState = "finished"
	CyberTipRetracted CyberTipState = "retracted"
	CyberTipExpired   CyberTipState = "expired" // deleted by the agency while unfinished
)

// CyberTipFile is one uploaded file as the fake holds it.
type CyberTipFile struct {
	FileID  string
	Name    string // the multipart file name
	Size    int64
	MD5     string // hex MD5 of the bytes received
	Details []byte // the <fileDetails> document, nil if none was sent
}

// CyberTipReport is one report as the fake holds it.
type CyberTipReport struct {
	ReportID   int64
	Key        string // the platform's report reference (see CyberTipReferencePrefix); "" if absent
	XML        []byte // the <report> document as submitted
	Batched    bool
	State      CyberTipState
	Files      []CyberTipFile
	OpenedAt   time.Time
	FinishedAt time.Time
}

type ctReport struct {
	CyberTipReport
	lastChange time.Time
}

// CyberTip is a fake NCMEC CyberTipline Reporting API. It enforces Basic auth, the
// XSD's element order, cardinalities and enumerations, the documented cross-field
// rules, the lifecycle (no upload or file details after finish, retract only before
// finish, finish only once, deletion of unfinished reports after the later of 24 h
// from opening and 1 h from the last change) and the batched-report rules, and it
// injects faults on demand (see [CyberTip.Faults]).
//
// It answers errors the way NCMEC documents them, in two layers: schema and request
// errors with HTTP 400 (401 for auth) and a non-zero responseCode; lifecycle errors
// (report missing, already finished or retracted) with HTTP 200 and a non-zero
// responseCode. Every answer carries a Request-ID header.
//
// A CyberTip is safe for concurrent use.
type CyberTip struct {
	base
	opts CyberTipOptions

	state   sync.Mutex
	nextID  int64
	nextFID int64
	reports map[int64]*ctReport
	order   []int64

	finished atomic.Int64 // reports finished so far (finished is final)
}

// NewCyberTip starts a fake CyberTipline on a loopback httptest server. Close it
// when done. Its API base URL is [CyberTip.URL].
func NewCyberTip(opts *CyberTipOptions) *CyberTip {
	c := NewCyberTipHandler(opts)
	c.start(c)
	return c
}

// NewCyberTipHandler returns a fake CyberTipline that is not serving yet: use it as
// an http.Handler, or call [CyberTip.Serve] with a listener.
func NewCyberTipHandler(opts *CyberTipOptions) *CyberTip {
	var o CyberTipOptions
	if opts != nil {
		o = *opts
	}
	if o.Username == "" {
		o.Username = "mnr-test"
	}
	if o.Password == "" {
		o.Password = "mnr-test-password"
	}
	if o.BasePath == "" {
		o.BasePath = "/ispws"
	}
	o.BasePath = "/" + strings.Trim(o.BasePath, "/")
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxXMLBytes <= 0 {
		o.MaxXMLBytes = 4 << 20
	}
	if o.MaxUploadBytes <= 0 {
		o.MaxUploadBytes = 64 << 20
	}
	if o.FirstReportID <= 0 {
		o.FirstReportID = 100001
	}
	return &CyberTip{
		base:    newBase(o.SlowDelay, o.RetryAfter),
		opts:    o,
		nextID:  o.FirstReportID,
		nextFID: 1,
		reports: make(map[int64]*ctReport),
	}
}

// Serve serves the fake on l until the fake is closed.
func (c *CyberTip) Serve(l net.Listener) error { return c.serveOn(l, c) }

// URL returns the API base URL (server URL plus base path) when the fake was started
// by NewCyberTip, and "" otherwise.
func (c *CyberTip) URL() string {
	if c.srv == nil {
		return ""
	}
	return c.url() + c.opts.BasePath
}

// Credentials returns the Basic credentials the fake expects.
func (c *CyberTip) Credentials() (username, password string) {
	return c.opts.Username, c.opts.Password
}

// Reports returns a copy of every report the fake has seen, in the order they were
// opened.
func (c *CyberTip) Reports() []CyberTipReport {
	c.state.Lock()
	defer c.state.Unlock()
	now := c.opts.Now()
	out := make([]CyberTipReport, 0, len(c.order))
	for _, id := range c.order {
		r := c.reports[id]
		c.expire(r, now)
		cp := r.CyberTipReport
		cp.XML = bytes.Clone(r.XML)
		cp.Files = make([]CyberTipFile, len(r.Files))
		for i, f := range r.Files {
			f.Details = bytes.Clone(f.Details)
			cp.Files[i] = f
		}
		out = append(out, cp)
	}
	return out
}

// ReportsIn returns the reports currently in state s.
func (c *CyberTip) ReportsIn(s CyberTipState) []CyberTipReport {
	var out []CyberTipReport
	for _, r := range c.Reports() {
		if r.State == s {
			out = append(out, r)
		}
	}
	return out
}

// Counts returns how many reports are in each state, without copying them.
func (c *CyberTip) Counts() map[CyberTipState]int {
	c.state.Lock()
	defer c.state.Unlock()
	now := c.opts.Now()
	out := map[CyberTipState]int{}
	for _, r := range c.reports {
		c.expire(r, now)
		out[r.State]++
	}
	return out
}

// FinishedCount returns how many reports are finished, without taking the
// fake's lock or looking at any report: cheap enough to poll while the fake
// serves a soak.
func (c *CyberTip) FinishedCount() int { return int(c.finished.Load()) }

// Finished returns the finished reports.
func (c *CyberTip) Finished() []CyberTipReport { return c.ReportsIn(CyberTipFinished) }

// Duplicates returns, for each platform report reference that has more than one
// finished report, the number of finished reports carrying it.
func (c *CyberTip) Duplicates() map[string]int {
	counts := make(map[string]int)
	for _, r := range c.Finished() {
		if r.Key != "" {
			counts[r.Key]++
		}
	}
	for k, v := range counts {
		if v < 2 {
			delete(counts, k)
		}
	}
	return counts
}

// expire marks an open report deleted once NCMEC would have deleted it. Call with
// c.state held.
func (c *CyberTip) expire(r *ctReport, now time.Time) {
	if r.State != CyberTipOpen {
		return
	}
	deadline := r.OpenedAt.Add(24 * time.Hour)
	if d := r.lastChange.Add(time.Hour); d.After(deadline) {
		deadline = d
	}
	if now.After(deadline) {
		r.State = CyberTipExpired
	}
}

// ServeHTTP implements http.Handler.
func (c *CyberTip) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, c.opts.BasePath)
	if !ok || path == "" {
		path = r.URL.Path
	}
	user, pass, hasAuth := r.BasicAuth()
	if !hasAuth || subtle.ConstantTimeCompare([]byte(user), []byte(c.opts.Username)) != 1 ||
		subtle.ConstantTimeCompare([]byte(pass), []byte(c.opts.Password)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="CyberTipline"`)
		answer(w, ctReply(http.StatusUnauthorized, CTAuthRequired, "Authentication required", 0, "", ""))
		return
	}
	type route struct {
		method string
		fn     func(*http.Request) reply
	}
	routes := map[string]route{
		"/status":   {http.MethodGet, c.status},
		"/submit":   {http.MethodPost, c.submit},
		"/upload":   {http.MethodPost, c.upload},
		"/fileinfo": {http.MethodPost, c.fileinfo},
		"/finish":   {http.MethodPost, c.finish},
		"/retract":  {http.MethodPost, c.retract},
	}
	rt, ok := routes[path]
	if !ok {
		answer(w, ctReply(http.StatusNotFound, CTInvalidRequest, "Resource not found", 0, "", ""))
		return
	}
	if r.Method != rt.method && !(path == "/status" && r.Method == http.MethodPost) {
		answer(w, ctReply(http.StatusMethodNotAllowed, CTInvalidRequest, "Method not allowed", 0, "", ""))
		return
	}
	c.run(w, r, path, path != "/status",
		func() reply { return ctReply(http.StatusServiceUnavailable, CTServerError, "Server error", 0, "", "") },
		func() reply {
			return reply{status: http.StatusTooManyRequests, contentType: "text/plain; charset=utf-8", body: []byte("Too Many Requests\n")}
		},
		func() reply { return rt.fn(r) })
}

// ctReply renders a reportResponse.
func ctReply(status, code int, desc string, reportID int64, fileID, hash string) reply {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<reportResponse><responseCode>")
	b.WriteString(strconv.Itoa(code))
	b.WriteString("</responseCode><responseDescription>")
	_ = xml.EscapeText(&b, []byte(desc))
	b.WriteString("</responseDescription>")
	if reportID != 0 {
		fmt.Fprintf(&b, "<reportId>%d</reportId>", reportID)
	}
	if fileID != "" {
		b.WriteString("<fileId>" + fileID + "</fileId>")
	}
	if hash != "" {
		b.WriteString("<hash>" + hash + "</hash>")
	}
	b.WriteString("</reportResponse>\n")
	return reply{status: status, contentType: "text/xml; charset=utf-8", body: b.Bytes()}
}

func ctInvalid(code int, desc string) reply {
	return ctReply(http.StatusBadRequest, code, desc, 0, "", "")
}

func (c *CyberTip) status(r *http.Request) reply {
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	return ctReply(http.StatusOK, CTSuccess, "Remote User : "+c.opts.Username+", Remote Ip : "+ip, 0, "", "")
}

func readBody(r *http.Request, limit int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r.Body, limit+1))
}

func (c *CyberTip) readXML(r *http.Request) ([]byte, *reply) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "text/xml" && mt != "application/xml") {
		rp := ctInvalid(CTInvalidRequest, "Content-Type must be text/xml")
		return nil, &rp
	}
	body, err := readBody(r, c.opts.MaxXMLBytes)
	if err != nil {
		rp := ctInvalid(CTInvalidRequest, "could not read the request body")
		return nil, &rp
	}
	if int64(len(body)) > c.opts.MaxXMLBytes {
		rp := ctInvalid(CTInvalidRequest, "request body too large")
		return nil, &rp
	}
	return body, nil
}

// checkDocument parses and validates a document against t and the extra rules.
func (c *CyberTip) checkDocument(body []byte, t *complexType, extra func(*xmlNode, *validator)) (*xmlNode, *reply) {
	root, err := parseXML(body)
	if err != nil {
		rp := ctInvalid(CTMalformedXML, "Malformed XML: "+err.Error())
		return nil, &rp
	}
	v := &validator{now: c.opts.Now()}
	if root.name != t.name {
		v.addf(root.path, "root element must be <%s>", t.name)
	} else {
		v.element(root, t, simpleType{})
		if extra != nil {
			extra(root, v)
		}
	}
	if err := v.err(); err != nil {
		rp := ctInvalid(CTValidationFailed, "Validation failed: "+err.Error())
		return nil, &rp
	}
	return root, nil
}

func (c *CyberTip) submit(r *http.Request) reply {
	body, bad := c.readXML(r)
	if bad != nil {
		return *bad
	}
	root, bad := c.checkDocument(body, cyberTipReportT, c.reportRules)
	if bad != nil {
		return *bad
	}
	key := ""
	if ai := root.child("additionalInfo"); ai != nil {
		for _, line := range strings.Split(ai.text, "\n") {
			if k, ok := strings.CutPrefix(strings.TrimSpace(line), CyberTipReferencePrefix); ok {
				key = strings.TrimSpace(k)
				break
			}
		}
	}
	c.state.Lock()
	defer c.state.Unlock()
	now := c.opts.Now()
	id := c.nextID
	c.nextID++
	c.reports[id] = &ctReport{
		CyberTipReport: CyberTipReport{
			ReportID: id,
			Key:      key,
			XML:      body,
			Batched:  root.child("batchedReport") != nil,
			State:    CyberTipOpen,
			OpenedAt: now,
		},
		lastChange: now,
	}
	c.order = append(c.order, id)
	return ctReply(http.StatusOK, CTSuccess, "", id, "", "")
}

// reportRules are the rules of §1.12 and §1.13 that the XSD cannot express.
func (c *CyberTip) reportRules(root *xmlNode, v *validator) {
	if rep := root.child("reporter"); rep != nil {
		if rp := rep.child("reportingPerson"); rp != nil && rp.child("email") == nil {
			v.addf(rp.path, "at least one email is required")
		}
	}
	// Every priorCTReports value must be a finished report at this agency.
	c.state.Lock()
	known := func(s string) bool {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return false
		}
		r, ok := c.reports[id]
		return ok && r.State == CyberTipFinished
	}
	for _, group := range []string{"personOrUserReported", "intendedRecipient", "victim"} {
		for _, p := range root.all(group) {
			for _, pr := range p.all("priorCTReports") {
				if !known(pr.text) {
					v.addf(pr.path, "not a CyberTipline report ID")
				}
			}
		}
	}
	c.state.Unlock()
	if root.child("batchedReport") == nil {
		return
	}
	if is := root.child("incidentSummary"); is != nil && is.child("escalateToHighPriority") != nil {
		v.addf(is.path, "escalateToHighPriority is not allowed in a batched report")
	}
	for _, forbidden := range []string{"internetDetails", "lawEnforcement", "intendedRecipient", "victim", "additionalInfo"} {
		if root.child(forbidden) != nil {
			v.addf(root.path, "%s is not allowed in a batched report", forbidden)
		}
	}
	for _, p := range root.all("personOrUserReported") {
		for _, ch := range p.children {
			if ch.name != "espIdentifier" {
				v.addf(ch.path, "a batched report's personOrUserReported may hold only espIdentifier")
			}
		}
	}
}

// openReport returns the report with the given id if the caller may still change
// it, or the agency's answer why not. Call with c.state held.
func (c *CyberTip) openReport(idText string) (*ctReport, *reply) {
	id, err := strconv.ParseInt(strings.TrimSpace(idText), 10, 64)
	if err != nil {
		rp := ctInvalid(CTInvalidRequest, "id must be a report ID")
		return nil, &rp
	}
	r, ok := c.reports[id]
	if ok {
		c.expire(r, c.opts.Now())
	}
	var rp reply
	switch {
	case !ok || r.State == CyberTipExpired:
		rp = ctReply(http.StatusOK, CTReportNotFound, "Report does not exist", 0, "", "")
	case r.State == CyberTipRetracted:
		rp = ctReply(http.StatusOK, CTAlreadyRetracted, "Report already retracted", id, "", "")
	case r.State == CyberTipFinished:
		rp = ctReply(http.StatusOK, CTAlreadyFinished, "Report already finished", id, "", "")
	default:
		return r, nil
	}
	return nil, &rp
}

func (c *CyberTip) upload(r *http.Request) reply {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return ctInvalid(CTInvalidRequest, "Content-Type must be multipart/form-data")
	}
	r.Body = http.MaxBytesReader(nil, r.Body, c.opts.MaxUploadBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return ctInvalid(CTInvalidRequest, "malformed multipart body")
	}
	var idText, name string
	var size int64
	var sum []byte
	gotFile := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return ctInvalid(CTMalformedFile, "malformed multipart body")
		}
		switch part.FormName() {
		case "id":
			b, err := io.ReadAll(io.LimitReader(part, 64))
			if err != nil {
				return ctInvalid(CTInvalidRequest, "malformed id field")
			}
			idText = string(b)
		case "file":
			if gotFile {
				return ctInvalid(CTInvalidRequest, "one file per upload")
			}
			gotFile = true
			name = part.FileName()
			h := md5.New()
			n, err := io.Copy(h, part)
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return ctInvalid(CTMalformedFile, "file too large for the fake")
				}
				return ctReply(http.StatusBadRequest, CTMalformedFile, "File upload failed", 0, "", "")
			}
			size, sum = n, h.Sum(nil)
		default:
			_, _ = io.Copy(io.Discard, part)
		}
	}
	if idText == "" || !gotFile {
		return ctInvalid(CTInvalidRequest, "fields id and file are required")
	}
	c.state.Lock()
	defer c.state.Unlock()
	rep, bad := c.openReport(idText)
	if bad != nil {
		return *bad
	}
	fid := fmt.Sprintf("%032x", c.nextFID)
	c.nextFID++
	md := hex.EncodeToString(sum)
	rep.Files = append(rep.Files, CyberTipFile{FileID: fid, Name: name, Size: size, MD5: md})
	rep.lastChange = c.opts.Now()
	return ctReply(http.StatusOK, CTSuccess, "", rep.ReportID, fid, md)
}

func (c *CyberTip) fileinfo(r *http.Request) reply {
	body, bad := c.readXML(r)
	if bad != nil {
		return *bad
	}
	root, bad := c.checkDocument(body, cyberTipFileDetailsT, fileDetailsRules)
	if bad != nil {
		return *bad
	}
	c.state.Lock()
	defer c.state.Unlock()
	rep, bad := c.openReport(root.child("reportId").text)
	if bad != nil {
		return *bad
	}
	fid := strings.TrimSpace(root.child("fileId").text)
	idx := -1
	for i, f := range rep.Files {
		if f.FileID == fid {
			idx = i
		}
	}
	if idx < 0 {
		return ctReply(http.StatusOK, CTFileNotFound, "File does not exist", rep.ReportID, "", "")
	}
	if rep.Files[idx].Details != nil {
		return ctInvalid(CTValidationFailed, "Validation failed: file details were already supplied for this file")
	}
	if rep.Batched {
		v := &validator{}
		batchedFileRules(root, v)
		if err := v.err(); err != nil {
			return ctInvalid(CTValidationFailed, "Validation failed: "+err.Error())
		}
	}
	rep.Files[idx].Details = body
	rep.lastChange = c.opts.Now()
	return ctReply(http.StatusOK, CTSuccess, "", rep.ReportID, fid, "")
}

// fileDetailsRules are the cross-field rules of §1.11 and §1.13 for one file.
func fileDetailsRules(root *xmlNode, v *validator) {
	isTrue := func(name string) bool {
		e := root.child(name)
		return e != nil && (strings.TrimSpace(e.text) == "true" || strings.TrimSpace(e.text) == "1")
	}
	if isTrue("exifViewedByEsp") && !isTrue("fileViewedByEsp") {
		v.addf(root.path, "exifViewedByEsp requires fileViewedByEsp")
	}
	ann := root.child("fileAnnotations")
	if root.child("potentialMeme") != nil && ann != nil {
		v.addf(root.path, "potentialMeme and fileAnnotations are alternatives; send one")
	}
	if rel := root.child("fileRelevance"); rel != nil && rel.text == "Supplemental Reported" {
		if root.child("industryClassification") != nil {
			v.addf(root.path, "a Supplemental Reported file may not carry industryClassification")
		}
		if isTrue("potentialMeme") || (ann != nil && ann.child("potentialMeme") != nil) {
			v.addf(root.path, "a Supplemental Reported file may not carry the potentialMeme annotation")
		}
	}
}

// batchedFileRules are the §1.12 rules for the one file of a batched report.
func batchedFileRules(root *xmlNode, v *validator) {
	for _, forbidden := range []string{"originalFileName", "locationOfFile", "originalFileHash", "ipCaptureEvent", "deviceId", "details", "additionalInfo"} {
		if root.child(forbidden) != nil {
			v.addf(root.path, "%s is not allowed for the file of a batched report", forbidden)
		}
	}
	if rel := root.child("fileRelevance"); rel == nil || rel.text != "Reported" {
		v.addf(root.path, "the file of a batched report must have fileRelevance Reported")
	}
	meme := false
	if pm := root.child("potentialMeme"); pm != nil && (strings.TrimSpace(pm.text) == "true" || strings.TrimSpace(pm.text) == "1") {
		meme = true
	}
	if ann := root.child("fileAnnotations"); ann != nil {
		for _, a := range ann.children {
			switch a.name {
			case "viral", "potentialMeme":
				meme = true
			default:
				v.addf(a.path, "the file of a batched report may carry only viral and potentialMeme")
			}
		}
	}
	if !meme {
		v.addf(root.path, "the file of a batched report must be annotated viral or potentialMeme")
	}
}

func formID(r *http.Request) (string, *reply) {
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		rp := ctInvalid(CTInvalidRequest, "malformed form body")
		return "", &rp
	}
	id := r.PostForm.Get("id")
	if id == "" {
		rp := ctInvalid(CTInvalidRequest, "form field id is required")
		return "", &rp
	}
	return id, nil
}

// withFormReport runs fn, under the state lock, on the open report named by the
// form field id of r (/finish and /retract), or answers why there is none.
func (c *CyberTip) withFormReport(r *http.Request, fn func(rep *ctReport) reply) reply {
	idText, bad := formID(r)
	if bad != nil {
		return *bad
	}
	c.state.Lock()
	defer c.state.Unlock()
	rep, bad := c.openReport(idText)
	if bad != nil {
		return *bad
	}
	return fn(rep)
}

func (c *CyberTip) finish(r *http.Request) reply {
	return c.withFormReport(r, c.finishReport)
}

func (c *CyberTip) finishReport(rep *ctReport) reply {
	if rep.Batched {
		if len(rep.Files) != 1 {
			return ctInvalid(CTValidationFailed, fmt.Sprintf("Validation failed: a batched report needs exactly one file; it has %d", len(rep.Files)))
		}
		if rep.Files[0].Details == nil {
			return ctInvalid(CTValidationFailed, "Validation failed: the file of a batched report must be annotated viral or potentialMeme")
		}
	}
	now := c.opts.Now()
	rep.State = CyberTipFinished
	c.finished.Add(1)
	rep.FinishedAt = now
	rep.lastChange = now
	var b bytes.Buffer
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, "<reportDoneResponse><responseCode>0</responseCode><reportId>%d</reportId><files>", rep.ReportID)
	for _, f := range rep.Files {
		b.WriteString("<fileId>" + f.FileID + "</fileId>")
	}
	b.WriteString("</files></reportDoneResponse>\n")
	return reply{status: http.StatusOK, contentType: "text/xml; charset=utf-8", body: b.Bytes()}
}

func (c *CyberTip) retract(r *http.Request) reply {
	return c.withFormReport(r, func(rep *ctReport) reply {
		rep.State = CyberTipRetracted
		rep.lastChange = c.opts.Now()
		return ctReply(http.StatusOK, CTSuccess, "", rep.ReportID, "", "")
	})
}

// ValidateCyberTipReport checks a <report> document against the fake's schema tables
// and cross-field rules (except the priorCTReports lookup), as /submit does, and
// returns every problem. Golden tests use it to check encoded reports without a
// server. now is the reference for the in-the-past checks.
func ValidateCyberTipReport(doc []byte, now time.Time) error {
	return validateDoc(doc, now, cyberTipReportT, func(root *xmlNode, v *validator) {
		tmp := &CyberTip{reports: map[int64]*ctReport{}}
		// Without a server there is no report store: accept any positive ID.
		for _, group := range []string{"personOrUserReported", "intendedRecipient", "victim"} {
			for _, p := range root.all(group) {
				for _, pr := range p.all("priorCTReports") {
					if id, err := strconv.ParseInt(strings.TrimSpace(pr.text), 10, 64); err == nil && id > 0 {
						tmp.reports[id] = &ctReport{CyberTipReport: CyberTipReport{State: CyberTipFinished}}
					}
				}
			}
		}
		tmp.reportRules(root, v)
	})
}

// ValidateCyberTipFileDetails checks a <fileDetails> document as /fileinfo does
// (batched says whether the report is a batched report).
func ValidateCyberTipFileDetails(doc []byte, now time.Time, batched bool) error {
	return validateDoc(doc, now, cyberTipFileDetailsT, func(root *xmlNode, v *validator) {
		fileDetailsRules(root, v)
		if batched {
			batchedFileRules(root, v)
		}
	})
}

func validateDoc(doc []byte, now time.Time, t *complexType, extra func(*xmlNode, *validator)) error {
	root, err := parseXML(doc)
	if err != nil {
		return err
	}
	v := &validator{now: now}
	if root.name != t.name {
		v.addf(root.path, "root element must be <%s>", t.name)
		return v.err()
	}
	v.element(root, t, simpleType{})
	extra(root, v)
	return v.err()
}

// sortedKeys returns the keys of m in order (for deterministic test output).
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
