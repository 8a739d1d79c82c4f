package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// testServer is the whole service in the test process: buildServer's wiring
// behind an httptest server, with its workers running.
type testServer struct {
	*server
	url  string
	logs *lockedBuffer
}

// newTestServer builds the service from flags (bolt in a temporary directory by
// default) and serves it until the test ends.
func newTestServer(t testing.TB, env map[string]string, args ...string) *testServer {
	t.Helper()
	cfg, err := parseConfig(args, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, sv, err := buildServer(context.Background(), cfg, log, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, w := range sv.workers {
		wg.Go(func() { w(ctx) })
	}
	hs := httptest.NewServer(newHandler(s))
	s.ready.Store(true)
	t.Cleanup(func() {
		s.ready.Store(false)
		hs.Close()
		cancel()
		wg.Wait()
		if err := sv.close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return &testServer{server: s, url: hs.URL, logs: logs}
}

func TestHealth(t *testing.T) {
	ts := newTestServer(t, nil)
	if resp, _ := do(t, nil, "GET", ts.url+"/livez", nil, nil, nil); resp.StatusCode != 200 {
		t.Errorf("/livez: %d", resp.StatusCode)
	}
	if resp, _ := do(t, nil, "GET", ts.url+"/readyz", nil, nil, nil); resp.StatusCode != 200 {
		t.Errorf("/readyz: %d", resp.StatusCode)
	}
	// Shutting down: readiness goes to 503, liveness stays.
	ts.ready.Store(false)
	var e scanAnswer
	if resp, _ := do(t, nil, "GET", ts.url+"/readyz", nil, nil, &e); resp.StatusCode != 503 || e.Error == nil || e.Error.Code != codeNotReady {
		t.Errorf("/readyz while not ready: %d %+v", resp.StatusCode, e.Error)
	}
	if resp, _ := do(t, nil, "GET", ts.url+"/livez", nil, nil, nil); resp.StatusCode != 200 {
		t.Errorf("/livez while not ready: %d", resp.StatusCode)
	}
	ts.ready.Store(true)
	// A store that does not answer makes the service unready.
	ping := ts.ping
	ts.ping = func(context.Context) error { return io.ErrUnexpectedEOF }
	if resp, _ := do(t, nil, "GET", ts.url+"/readyz", nil, nil, nil); resp.StatusCode != 503 {
		t.Errorf("/readyz with a failing store: %d", resp.StatusCode)
	}
	ts.ping = ping
}

func TestRoutesAndErrors(t *testing.T) {
	ts := newTestServer(t, nil)
	var idx struct {
		Routes []string   `json:"routes"`
		Lists  []listInfo `json:"lists"`
	}
	do(t, nil, "GET", ts.url+"/", nil, nil, &idx)
	if len(idx.Routes) < 8 || len(idx.Lists) != 1 || idx.Lists[0].Name != "demo" {
		t.Errorf("index: %+v", idx)
	}
	var e scanAnswer
	resp, _ := do(t, nil, "GET", ts.url+"/nope", nil, nil, &e)
	if resp.StatusCode != 404 || e.Error == nil || e.Error.Code != codeNotFound || e.Error.RequestID == "" {
		t.Errorf("unknown route: %d %+v", resp.StatusCode, e.Error)
	}
	if resp.Header.Get("X-Request-Id") != e.Error.RequestID {
		t.Errorf("request ID header %q differs from body %q", resp.Header.Get("X-Request-Id"), e.Error.RequestID)
	}
	// Without a review token the reviewer page does not exist.
	if resp, _ := do(t, nil, "GET", ts.url+"/review", nil, nil, nil); resp.StatusCode != 404 {
		t.Errorf("/review without a token configured: %d, want 404", resp.StatusCode)
	}
	// The demo images are served.
	resp, body := do(t, nil, "GET", ts.url+"/demo/known.png", nil, nil, nil)
	if resp.StatusCode != 200 || !bytes.Equal(body, mustDemo(t, demoKnown)) {
		t.Errorf("/demo/known.png: %d, %d bytes", resp.StatusCode, len(body))
	}
	if resp, _ := do(t, nil, "GET", ts.url+"/demo/..%2fscan.go", nil, nil, nil); resp.StatusCode != 404 {
		t.Errorf("demo path traversal: %d", resp.StatusCode)
	}
	// Unknown hash kinds are a 400; extra known kinds are hashed.
	resp, _ = do(t, nil, "POST", ts.url+"/v1/scan?kinds=crc32", nil, bytes.NewReader(mustDemo(t, demoKnown)), &e)
	if resp.StatusCode != 400 {
		t.Errorf("?kinds=crc32: %d", resp.StatusCode)
	}
	var a scanAnswer
	do(t, nil, "POST", ts.url+"/v1/scan?kinds=sha1", nil, bytes.NewReader(mustDemo(t, "benign-1.png")), &a)
	if len(a.Hashes["sha1"]) != 40 {
		t.Errorf("?kinds=sha1 gave hashes %v", a.Hashes)
	}
}

func TestScanLimits(t *testing.T) {
	ts := newTestServer(t, nil, "-max-upload-bytes", "1000", "-max-pixels", "10000")
	var a scanAnswer
	resp, _ := do(t, nil, "POST", ts.url+"/v1/scan", nil, bytes.NewReader(mustDemo(t, demoKnown)), &a)
	if resp.StatusCode != 413 || a.Error == nil || a.Error.Code != codeTooLarge || !strings.Contains(a.Error.Message, "1000") {
		t.Errorf("over -max-upload-bytes: %d %+v", resp.StatusCode, a.Error)
	}
	resp, _ = do(t, nil, "POST", ts.url+"/v1/scan", nil, bytes.NewReader(hugePNG(101, 100)), &a)
	if resp.StatusCode != 422 || a.Error.Code != codeTooManyPixels {
		t.Errorf("over -max-pixels: %d %+v", resp.StatusCode, a.Error)
	}
}

func TestOverload(t *testing.T) {
	ts := newTestServer(t, nil, "-max-decodes", "1", "-max-queue", "0", "-decode-wait", "0s")
	// Hold the only slot and the only admission as a running scan would.
	leave, err := ts.gate.enter()
	if err != nil {
		t.Fatal(err)
	}
	var a scanAnswer
	resp, _ := do(t, nil, "POST", ts.url+"/v1/scan", nil, bytes.NewReader(mustDemo(t, demoKnown)), &a)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" || a.Error == nil || a.Error.Code != codeOverloaded {
		t.Errorf("saturated: %d Retry-After %q %+v", resp.StatusCode, resp.Header.Get("Retry-After"), a.Error)
	}
	leave()
	resp, _ = do(t, nil, "POST", ts.url+"/v1/scan", nil, bytes.NewReader(mustDemo(t, demoKnown)), &a)
	if resp.StatusCode != 200 {
		t.Errorf("after the slot freed: %d", resp.StatusCode)
	}
	m := scrape(t, ts.url)
	if m[`uploadscanner_rejected_total{code="overloaded"}`] != 1 {
		t.Errorf("rejected_total(overloaded) = %v", m[`uploadscanner_rejected_total{code="overloaded"}`])
	}
}

// TestNoUploadInLogs checks that neither the answer nor the log carries the
// upload's bytes.
func TestNoUploadInLogs(t *testing.T) {
	ts := newTestServer(t, nil)
	secret := append(bytes.Clone(mustDemo(t, "benign-3.png")), []byte("UPLOAD-SECRET-MARKER")...)
	_, body := do(t, nil, "POST", ts.url+"/v1/scan", nil, bytes.NewReader(secret), nil)
	_, body2 := do(t, nil, "POST", ts.url+"/v1/scan", nil, strings.NewReader("UPLOAD-SECRET-MARKER not an image"), nil)
	for _, b := range [][]byte{body, body2, []byte(ts.logs.String())} {
		if bytes.Contains(b, []byte("UPLOAD-SECRET-MARKER")) {
			t.Fatalf("upload bytes leaked: %.300s", b)
		}
	}
	if !strings.Contains(ts.logs.String(), "decision=allow") {
		t.Error("the scan was not logged at all")
	}
}

// TestReload swaps the lists while scans run: none fails and the matcher keeps
// answering.
func TestReload(t *testing.T) {
	ts := newTestServer(t, nil)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var bad []string
	for c := 0; c < 4; c++ {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := http.Post(ts.url+"/v1/scan", "image/png", bytes.NewReader(mustDemo(t, demoKnown)))
				if err != nil {
					mu.Lock()
					bad = append(bad, err.Error())
					mu.Unlock()
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"decision": "block"`)) {
					mu.Lock()
					bad = append(bad, string(b))
					mu.Unlock()
				}
			}
		})
	}
	for i := 0; i < 5; i++ {
		resp, body := do(t, nil, "POST", ts.url+"/v1/lists/reload", nil, nil, nil)
		if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"demo"`)) {
			t.Errorf("reload %d: %d %s", i, resp.StatusCode, body)
		}
	}
	close(stop)
	wg.Wait()
	if len(bad) > 0 {
		t.Fatalf("%d scans failed during reloads; first: %.300s", len(bad), bad[0])
	}
	if m := scrape(t, ts.url); m[`uploadscanner_hashlist_reloads_total{result="ok"}`] != 6 {
		t.Errorf("reloads_total(ok) = %v, want 6 (startup + 5)", m[`uploadscanner_hashlist_reloads_total{result="ok"}`])
	}
}

// TestReviewAuth checks the login form, the cookie's attributes, CSRF on the
// actions and the bearer alternative.
func TestReviewAuth(t *testing.T) {
	const token = "t0ken-for-the-review-page"
	ts := newTestServer(t, map[string]string{"UPLOADSCANNER_REVIEW_TOKEN": token})
	_, a := scanRaw(t, ts.url, mustDemo(t, demoKnown))
	if a.CaseID == "" {
		t.Fatal("no case")
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	resp, body := do(t, browser, "GET", ts.url+"/review", nil, nil, nil)
	if resp.StatusCode != 401 || !bytes.Contains(body, []byte(`name="token"`)) || bytes.Contains(body, []byte(a.CaseID)) {
		t.Fatalf("/review before login: %d, want the login form only", resp.StatusCode)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'nonce-") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	form := func(vals url.Values) io.Reader { return strings.NewReader(vals.Encode()) }
	ct := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	resp, body = do(t, browser, "POST", ts.url+"/review/login", ct, form(url.Values{"token": {"wrong"}}), nil)
	if resp.StatusCode != 401 || !bytes.Contains(body, []byte("Wrong token")) {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
	resp, _ = do(t, browser, "POST", ts.url+"/review/login", ct, form(url.Values{"token": {token}}), nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/review" || cookie.Value == token {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/review, not the token", cookie)
	}
	resp, body = do(t, browser, "GET", ts.url+"/review", nil, nil, nil)
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("case-"+a.CaseID)) {
		t.Fatalf("/review after login: %d", resp.StatusCode)
	}
	csrf := regexpCSRF.FindSubmatch(body)
	if csrf == nil {
		t.Fatal("no CSRF token on the page")
	}
	// The thumbnail is a small JPEG, never the upload.
	resp, thumb := do(t, browser, "GET", ts.url+"/review/thumbs/"+a.CaseID, nil, nil, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" || bytes.Equal(thumb, mustDemo(t, demoKnown)) ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("thumbnail: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// A confirm without the CSRF token is refused and changes nothing.
	resp, _ = do(t, browser, "POST", ts.url+"/review/cases/"+a.CaseID+"/confirm", ct, form(url.Values{}), nil)
	if resp.StatusCode != 403 {
		t.Errorf("confirm without CSRF: %d, want 403", resp.StatusCode)
	}
	if rec, _ := ts.records.get(context.Background(), a.CaseID); rec.Review != "" {
		t.Fatalf("a refused confirm changed the record: %q", rec.Review)
	}
	resp, _ = do(t, browser, "POST", ts.url+"/review/cases/"+a.CaseID+"/confirm", ct, form(url.Values{"csrf": {string(csrf[1])}}), nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm with CSRF: %d", resp.StatusCode)
	}
	if rec, _ := ts.records.get(context.Background(), a.CaseID); rec.Review != reviewConfirmed || rec.Reviewer != "reviewer" {
		t.Errorf("record after confirm: %+v", rec)
	}
	// After review the thumbnail is gone.
	if resp, _ := do(t, browser, "GET", ts.url+"/review/thumbs/"+a.CaseID, nil, nil, nil); resp.StatusCode != 404 {
		t.Errorf("thumbnail after review: %d, want 404", resp.StatusCode)
	}
	// The session cookie does not authorise the operator API (bearer only).
	if resp, _ := do(t, browser, "GET", ts.url+"/v1/cases", map[string]string{"Cookie": sessionCookie + "=" + cookie.Value}, nil, nil); resp.StatusCode != 401 {
		t.Errorf("operator API with the session cookie: %d, want 401", resp.StatusCode)
	}
	// Logout ends the session.
	do(t, browser, "POST", ts.url+"/review/logout", ct, form(url.Values{"csrf": {string(csrf[1])}}), nil)
	if resp, _ := do(t, browser, "GET", ts.url+"/review", nil, nil, nil); resp.StatusCode != 401 {
		t.Errorf("/review after logout: %d", resp.StatusCode)
	}
}

func TestReviewLoginThrottle(t *testing.T) {
	a := newReviewAuth("secret", time.Now)
	wrong := 0
	for i := 0; i < 50; i++ {
		if a.login("guess", false) == nil {
			wrong++
		}
	}
	if wrong != 50 {
		t.Fatalf("%d of 50 wrong guesses refused", wrong)
	}
	// The burst is spent: even the right token waits for the limiter.
	if a.login("secret", false) != nil {
		t.Error("login accepted while throttled")
	}
}

func TestFormatRemaining(t *testing.T) {
	for d, want := range map[time.Duration]string{
		90 * time.Second:               "due in 1m 30s",
		26*time.Hour + 5*time.Minute:   "due in 1d 2h 5m 0s",
		-(3*time.Hour + 2*time.Second): "overdue by 3h 0m 2s",
		0:                              "due in 0m 0s",
	} {
		if got := formatRemaining(d); got != want {
			t.Errorf("formatRemaining(%v) = %q, want %q", d, got, want)
		}
	}
}

var regexpCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestRepeatedUpload uploads the same known file more often than the vault keeps
// case links per item: every upload still gets its own case.
func TestRepeatedUpload(t *testing.T) {
	ts := newTestServer(t, nil, "-log-level", "warn")
	seen := map[string]bool{}
	for i := 0; i < 66; i++ {
		resp, a := scanRaw(t, ts.url, mustDemo(t, demoKnown))
		if resp.StatusCode != 200 || a.CaseID == "" || seen[a.CaseID] {
			t.Fatalf("upload %d: %d case %q (seen before: %v)", i, resp.StatusCode, a.CaseID, seen[a.CaseID])
		}
		seen[a.CaseID] = true
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// rotated90 returns the PNG of the known demo image turned by 90 degrees.
func rotated90(t *testing.T) []byte {
	t.Helper()
	src, err := png.Decode(bytes.NewReader(mustDemo(t, demoKnown)))
	if err != nil {
		t.Fatal(err)
	}
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			dst.Set(b.Max.Y-1-y, x, src.At(x, y))
		}
	}
	var out bytes.Buffer
	if err := png.Encode(&out, dst); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestDihedral(t *testing.T) {
	rot := rotated90(t)
	plain := newTestServer(t, nil)
	if _, a := scanRaw(t, plain.url, rot); a.Decision != decisionAllow {
		t.Errorf("rotated copy without -pdq-dihedral: %q, want allow", a.Decision)
	}
	di := newTestServer(t, nil, "-pdq-dihedral")
	_, a := scanRaw(t, di.url, rot)
	if a.Decision != decisionQuarantine || len(a.Matches) != 1 || a.Matches[0].Kind != "pdq" || a.Matches[0].Variant == 0 {
		t.Errorf("rotated copy with -pdq-dihedral: %+v, want a PDQ match of a rotated variant", a)
	}
}

func TestExtraKinds(t *testing.T) {
	ts := newTestServer(t, nil)
	var a scanAnswer
	do(t, nil, "POST", ts.url+"/v1/scan?kinds=phash,dhash,ahash,sha1", nil, bytes.NewReader(mustDemo(t, "benign-3.png")), &a)
	for k, n := range map[string]int{"pdq": 64, "md5": 32, "sha256": 64, "phash": 16, "dhash": 16, "ahash": 16, "sha1": 40} {
		if len(a.Hashes[k]) != n {
			t.Errorf("%s hash %q, want %d hex digits", k, a.Hashes[k], n)
		}
	}
}
