package reporting_test

// A small agency protocol used to test the outbox against a real HTTP server:
//
//	POST /open            (not idempotent) -> {"reportId": "N"}
//	POST /upload?id=N&file=K (idempotent: same file replaces) -> {"fileId": "..."}
//	POST /finish?id=N     (not idempotent) -> {"finished": true}; 409 once finished
//
// Like the CyberTipline, an opened report that is never finished is dropped by
// the agency, so an /open whose answer was lost may be repeated.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/mnr-sdk/mnr/reporting"
)

type fault int

const (
	faultNone               fault = iota
	faultDrop                     // hang up without acting
	faultActThenDrop              // act, then hang up: the answer is lost
	faultStatus500                // answer 500 without acting
	faultStatus503                // answer 503 without acting
	faultStatus400                // answer 400 without acting
	faultActThenBlock             // act, then block until the client goes away
	faultBlockBeforeAct           // block until the client goes away, never act
	faultSignalThenBlock          // tell the test (onHold) and block, never act
	faultActSignalThenBlock       // act, tell the test, block: the answer never comes
)

type relayReport struct {
	key      string
	files    map[int]string
	finished int // times /finish succeeded (must end at 1)
}

type relayServer struct {
	*httptest.Server
	mu      sync.Mutex
	reports map[string]*relayReport
	order   []string
	calls   map[string]int
	faults  map[string][]fault
	onHold  chan string // receives the path when a Signal fault fires
}

func newRelay(t testing.TB) *relayServer {
	s := startRelay()
	t.Cleanup(s.Close)
	return s
}

// startRelay starts a relay server; the caller closes it.
func startRelay() *relayServer {
	s := &relayServer{reports: map[string]*relayReport{}, calls: map[string]int{}, faults: map[string][]fault{}, onHold: make(chan string, 16)}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	return s
}

// inject queues faults for the next requests to path.
func (s *relayServer) inject(path string, fs ...fault) {
	s.mu.Lock()
	s.faults[path] = append(s.faults[path], fs...)
	s.mu.Unlock()
}

func (s *relayServer) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

// finished returns the number of finished reports per client key and the number
// of reports opened but never finished.
func (s *relayServer) finished() (perKey map[string]int, dangling int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	perKey = map[string]int{}
	for _, id := range s.order {
		r := s.reports[id]
		if r.finished > 0 {
			perKey[r.key] += r.finished
		} else {
			dangling++
		}
	}
	return perKey, dangling
}

func (s *relayServer) handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.calls[r.URL.Path]++
	f := faultNone
	if q := s.faults[r.URL.Path]; len(q) > 0 {
		f, s.faults[r.URL.Path] = q[0], q[1:]
	}
	s.mu.Unlock()

	hangUp := func() {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}
	switch f {
	case faultDrop:
		hangUp()
		return
	case faultStatus500, faultStatus503, faultStatus400:
		w.WriteHeader(map[fault]int{faultStatus500: 500, faultStatus503: 503, faultStatus400: 400}[f])
		io.WriteString(w, `{"error":"injected"}`)
		return
	case faultBlockBeforeAct:
		<-r.Context().Done()
		return
	case faultSignalThenBlock:
		s.onHold <- r.URL.Path
		<-r.Context().Done()
		return
	}

	s.mu.Lock()
	status, answer := s.act(r, body)
	s.mu.Unlock()

	switch f {
	case faultActThenDrop:
		hangUp()
		return
	case faultActThenBlock:
		<-r.Context().Done()
		return
	case faultActSignalThenBlock:
		s.onHold <- r.URL.Path
		<-r.Context().Done()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-ID", "rq-"+strconv.Itoa(s.count(r.URL.Path)))
	w.WriteHeader(status)
	io.WriteString(w, answer)
}

// act applies a request; s.mu is held.
func (s *relayServer) act(r *http.Request, body []byte) (int, string) {
	id := r.URL.Query().Get("id")
	switch r.URL.Path {
	case "/open":
		n := strconv.Itoa(len(s.order) + 100)
		s.reports[n] = &relayReport{key: string(body), files: map[int]string{}}
		s.order = append(s.order, n)
		return 200, `{"reportId":"` + n + `"}`
	case "/upload":
		rep, ok := s.reports[id]
		if !ok {
			return 404, `{"error":"no such report"}`
		}
		if rep.finished > 0 {
			return 409, `{"error":"already finished"}`
		}
		k, _ := strconv.Atoi(r.URL.Query().Get("file"))
		rep.files[k] = string(body)
		return 200, fmt.Sprintf(`{"fileId":"f-%s-%d"}`, id, k)
	case "/finish":
		rep, ok := s.reports[id]
		if !ok {
			return 404, `{"error":"no such report"}`
		}
		if rep.finished > 0 {
			return 409, `{"error":"already finished"}`
		}
		rep.finished++
		return 200, `{"finished":true,"reportId":"` + id + `"}`
	}
	return 404, `{"error":"no such endpoint"}`
}

// relayAgency drives the relay protocol.
type relayAgency struct {
	name string
}

func (a *relayAgency) Name() string {
	if a.name == "" {
		return "relay"
	}
	return a.name
}

func (a *relayAgency) Validate(r *reporting.Report) error {
	if len(r.Content) == 0 {
		return &reporting.FieldError{Path: "content", Problem: "relay needs at least one file"}
	}
	return nil
}

func (a *relayAgency) Encode(r *reporting.Report) ([]byte, error) { return json.Marshal(r.ID) }

func receipt(env reporting.StepEnv, step string, resp *reporting.Response) reporting.Receipt {
	return reporting.Receipt{Step: step, At: env.Now(), ContentType: resp.Header.Get("Content-Type"), RequestID: resp.RequestID, Body: resp.Body}
}

func (a *relayAgency) Step(ctx context.Context, env reporting.StepEnv, s *reporting.Submission) (reporting.Progress, error) {
	p := s.Progress.Clone()
	switch {
	case p.Step == "":
		resp, err := env.Do(ctx, reporting.RequestSpec{Method: "POST", Path: "/open",
			Body: func() (io.Reader, error) { return strings.NewReader(s.Report.ID), nil }})
		if err != nil {
			return p, err
		}
		var out struct{ ReportID string }
		if err := json.Unmarshal(resp.Body, &out); err != nil || out.ReportID == "" {
			return p, fmt.Errorf("relay: bad open answer: %w", reporting.ErrPermanent)
		}
		p.SetID("reportId", out.ReportID)
		p.Step = "uploaded:0"
		p.Receipts = append(p.Receipts, receipt(env, "open", resp))
		return p, env.Save(ctx, p)
	case strings.HasPrefix(p.Step, "uploaded:"):
		k, _ := strconv.Atoi(strings.TrimPrefix(p.Step, "uploaded:"))
		if k >= len(s.Report.Content) {
			return a.finish(ctx, env, p)
		}
		rc, err := env.Files.Open(ctx, s.Report.Content[k].Source)
		if err != nil {
			return p, err
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return p, err
		}
		resp, err := env.Do(ctx, reporting.RequestSpec{Method: "POST", Idempotent: true,
			Path: "/upload?id=" + p.IDs["reportId"] + "&file=" + strconv.Itoa(k),
			Body: func() (io.Reader, error) { return bytes.NewReader(data), nil }})
		if err != nil {
			return p, err
		}
		var out struct{ FileID string }
		json.Unmarshal(resp.Body, &out)
		p.SetID("file."+strconv.Itoa(k)+".fileId", out.FileID)
		p.Step = "uploaded:" + strconv.Itoa(k+1)
		return p, env.Save(ctx, p)
	}
	return p, fmt.Errorf("relay: unknown step %q: %w", p.Step, reporting.ErrPermanent)
}

func (a *relayAgency) finish(ctx context.Context, env reporting.StepEnv, p reporting.Progress) (reporting.Progress, error) {
	resp, err := env.Do(ctx, reporting.RequestSpec{Method: "POST", Path: "/finish?id=" + p.IDs["reportId"]})
	var ae *reporting.APIError
	if errors.As(err, &ae) && ae.StatusCode == 409 {
		p.Receipts = append(p.Receipts, reporting.Receipt{Step: "finish", At: env.Now(), Body: []byte(ae.Body),
			Note: "agency says already finished: an earlier finish whose answer was lost took effect"})
		p.Step, p.Done = "finished", true
		return p, nil
	}
	if err != nil {
		return p, err
	}
	p.Receipts = append(p.Receipts, receipt(env, "finish", resp))
	p.Step, p.Done = "finished", true
	return p, nil
}

// relayReconciler adds reconciliation.
type relayReconciler struct{ relayAgency }

func (a *relayReconciler) Reconcile(ctx context.Context, env reporting.StepEnv, s *reporting.Submission) (reporting.Progress, error) {
	p := s.Progress.Clone()
	if p.IDs["reportId"] == "" {
		p.Receipts = append(p.Receipts, reporting.Receipt{Step: "reconcile", At: env.Now(),
			Note: "open outcome unknown; an unfinished report expires at the agency, so opening again is safe"})
		p.Step = ""
		return p, nil
	}
	// Uploads are idempotent, so only finish can be unknown: send it again.
	return a.finish(ctx, env, p)
}

// memFiles is a FileSource over a map.
type memFiles map[string][]byte

func (m memFiles) Open(_ context.Context, ref string) (io.ReadCloser, error) {
	b, ok := m[ref]
	if !ok {
		return nil, fmt.Errorf("no file %q: %w", ref, reporting.ErrPermanent)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// fakeClock is a settable clock for outbox tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// relayReport builds a valid report with n files for the relay agency.
func relayReportN(id string, n int) (*reporting.Report, memFiles) {
	r := validReport()
	r.ID = id
	files := memFiles{}
	r.Content = nil
	for i := range n {
		src := fmt.Sprintf("vault:%s:%d", id, i)
		files[src] = []byte(fmt.Sprintf("bytes of %s file %d", id, i))
		r.Content = append(r.Content, reporting.ContentItem{
			FileName: fmt.Sprintf("%d.jpg", i), SHA256: fmt.Sprintf("%064x", i+1), Source: src, Viewed: true,
		})
	}
	return r, files
}

type outboxRig struct {
	srv   *relayServer
	store reporting.Store
	ob    *reporting.Outbox
	clock *fakeClock
	files memFiles
	agent reporting.Agency
	// filesMu guards files: tests add files while the outbox reads them.
	filesMu sync.RWMutex
}

// addFiles makes fs readable by the rig's outbox.
func (r *outboxRig) addFiles(fs memFiles) {
	r.filesMu.Lock()
	defer r.filesMu.Unlock()
	for k, v := range fs {
		r.files[k] = v
	}
}

// lockedFiles reads a memFiles under its rig's lock.
type lockedFiles struct {
	mu    *sync.RWMutex
	files memFiles
}

func (l lockedFiles) Open(ctx context.Context, ref string) (io.ReadCloser, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.files.Open(ctx, ref)
}

// newRig builds an outbox over store (a MemStore when nil) talking to a fresh
// relay server through a client that does not wait between retries.
func newRig(t testing.TB, store reporting.Store, agency reporting.Agency, o *reporting.OutboxOptions) *outboxRig {
	srv := newRelay(t)
	return rigFor(t, srv, store, agency, o)
}

func rigFor(t testing.TB, srv *relayServer, store reporting.Store, agency reporting.Agency, o *reporting.OutboxOptions) *outboxRig {
	if store == nil {
		store = reporting.NewMemStore()
	}
	if agency == nil {
		agency = &relayReconciler{}
	}
	rig := &outboxRig{srv: srv, store: store, clock: &fakeClock{t: now}, files: memFiles{}, agent: agency}
	var err error
	rig.ob, err = buildOutbox(srv.URL, store, agency, rig.clock, lockedFiles{&rig.filesMu, rig.files}, o)
	if err != nil {
		t.Fatal(err)
	}
	return rig
}

// buildOutbox is the outbox of the tests: a client that does not wait between
// retries, the fake clock, in-memory files.
func buildOutbox(url string, store reporting.Store, agency reporting.Agency, clock *fakeClock, files reporting.FileSource, o *reporting.OutboxOptions) (*reporting.Outbox, error) {
	c, err := reporting.NewClient(url, &reporting.ClientOptions{
		Limiter: rate.NewLimiter(rate.Inf, 1), Jitter: noWait, AttemptTimeout: 10 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	if o == nil {
		o = &reporting.OutboxOptions{}
	}
	if o.Now == nil {
		o.Now = clock.Now
	}
	o.Files = files
	if o.Jitter == nil {
		o.Jitter = noWait
	}
	return reporting.NewOutbox(store, []reporting.Destination{{Agency: agency, Client: c}}, o)
}

func (r *outboxRig) enqueue(t testing.TB, id string, files int, eo reporting.EnqueueOptions) *reporting.Submission {
	t.Helper()
	rep, fs := relayReportN(id, files)
	r.addFiles(fs)
	s, err := r.ob.Enqueue(context.Background(), r.agent.Name(), rep, eo)
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	return s
}

// drain runs the outbox until nothing is due now.
func (r *outboxRig) drain(t testing.TB) {
	t.Helper()
	for range 100 {
		n, err := r.ob.RunOnce(context.Background())
		if err != nil {
			t.Fatalf("RunOnce: %v", err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("outbox still busy after 100 rounds")
}

func (r *outboxRig) get(t testing.TB, id string) *reporting.Submission {
	t.Helper()
	s, err := r.ob.Get(context.Background(), reporting.SubmissionID(r.agent.Name(), id))
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return s
}
