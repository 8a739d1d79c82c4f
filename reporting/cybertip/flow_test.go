package cybertip_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/mnr-sdk/mnr/internal/agencytest"
	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/cybertip"
)

// harness is a fake CyberTipline, a client, an agency and an outbox over a memory
// store.
type harness struct {
	t      *testing.T
	fake   *agencytest.CyberTip
	files  *memFiles
	agency *cybertip.Agency
	client *reporting.Client
	outbox *reporting.Outbox
	store  reporting.Store
}

type harnessOpts struct {
	fake           *agencytest.CyberTipOptions
	agency         *cybertip.Options
	attemptTimeout time.Duration
	password       string
	maxAttempts    int
}

func newHarness(t *testing.T, ho harnessOpts) *harness {
	t.Helper()
	h := &harness{t: t, files: newMemFiles()}
	h.fake = agencytest.NewCyberTip(ho.fake)
	t.Cleanup(func() { h.fake.Close() })
	user, pass := h.fake.Credentials()
	if ho.password != "" {
		pass = ho.password
	}
	timeout := ho.attemptTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	var err error
	h.client, err = cybertip.NewClient(h.fake.URL(), user, pass, &reporting.ClientOptions{
		Limiter:        rate.NewLimiter(rate.Inf, 1),
		InitialBackoff: time.Millisecond,
		MaxBackoff:     5 * time.Millisecond,
		AttemptTimeout: timeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.agency = cybertip.New(ho.agency)
	h.store = reporting.NewMemStore()
	maxAttempts := ho.maxAttempts
	if maxAttempts == 0 {
		maxAttempts = 8
	}
	h.outbox, err = reporting.NewOutbox(h.store, []reporting.Destination{{Agency: h.agency, Client: h.client}}, &reporting.OutboxOptions{
		Files:           h.files,
		RetryBackoff:    time.Millisecond,
		MaxRetryBackoff: 5 * time.Millisecond,
		Concurrency:     4,
		MaxAttempts:     maxAttempts,
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// submit enqueues r and drives the outbox until its submission is terminal.
func (h *harness) submit(r *reporting.Report) *reporting.Submission {
	h.t.Helper()
	ctx := context.Background()
	s, err := h.outbox.Enqueue(ctx, cybertip.Name, r, reporting.EnqueueOptions{})
	if err != nil {
		h.t.Fatalf("enqueue: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := h.outbox.RunOnce(ctx); err != nil {
			h.t.Fatal(err)
		}
		got, err := h.outbox.Get(ctx, s.ID)
		if err != nil {
			h.t.Fatal(err)
		}
		if got.State.Terminal() || (got.State == reporting.StateUnknown && got.NextAt.IsZero()) {
			return got
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("submission still %s after 20s: %s", got.State, got.Error)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (h *harness) finishedWithKey(key string) []agencytest.CyberTipReport {
	var out []agencytest.CyberTipReport
	for _, r := range h.fake.Finished() {
		if r.Key == key {
			out = append(out, r)
		}
	}
	return out
}

func receiptFor(s *reporting.Submission, step string) *reporting.Receipt {
	for i := len(s.Progress.Receipts) - 1; i >= 0; i-- {
		if s.Progress.Receipts[i].Step == step {
			return &s.Progress.Receipts[i]
		}
	}
	return nil
}

func TestSubmitFullReport(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	prior := h.submit(minimalReport("r-prior"))
	if prior.State != reporting.StateDone {
		t.Fatalf("prior report: %s %s", prior.State, prior.Error)
	}
	r := fullReport("r-full", h.files)
	r.PriorReportIDs = []string{prior.Progress.IDs["reportId"]}
	s := h.submit(r)
	if s.State != reporting.StateDone {
		t.Fatalf("state %s: %s", s.State, s.Error)
	}
	got := h.finishedWithKey("r-full")
	if len(got) != 1 {
		t.Fatalf("finished reports with key r-full: %d", len(got))
	}
	rep := got[0]
	if want := s.Progress.IDs["reportId"]; want == "" || want != itoa(rep.ReportID) {
		t.Errorf("stored reportId %q, agency has %d", want, rep.ReportID)
	}
	if len(rep.Files) != 2 {
		t.Fatalf("files at agency: %d, want 2", len(rep.Files))
	}
	for i, f := range rep.Files {
		src := r.Content[i].Source
		if want := md5Hex(h.files.files[src]); f.MD5 != want {
			t.Errorf("file %d: agency MD5 %s, want %s", i, f.MD5, want)
		}
		if f.Details == nil {
			t.Errorf("file %d: no file details", i)
		}
		if s.Progress.IDs["file."+itoa(int64(i))+".fileId"] != f.FileID {
			t.Errorf("file %d: stored fileId differs from the agency's", i)
		}
	}
	fin := receiptFor(s, "finish")
	if fin == nil || !strings.Contains(string(fin.Body), "<reportDoneResponse>") || fin.RequestID == "" {
		t.Fatalf("finish receipt missing, not verbatim or without Request-ID: %+v", fin)
	}
	if sub := receiptFor(s, "submit"); sub == nil || sub.RequestID == "" {
		t.Error("submit receipt missing")
	}
	if len(h.fake.ReportsIn(agencytest.CyberTipOpen)) != 0 {
		t.Error("an open report was left behind")
	}
}

func TestSubmitBatchedReport(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	s := h.submit(batchedReport("r-b", h.files))
	if s.State != reporting.StateDone {
		t.Fatalf("state %s: %s", s.State, s.Error)
	}
	fin := h.fake.Finished()
	if len(fin) != 1 || !fin[0].Batched || len(fin[0].Files) != 1 {
		t.Fatalf("agency holds %+v", fin)
	}
}

// TestFaults drives one report through each injected fault and checks the agency
// ends with exactly one finished report for it.
func TestFaults(t *testing.T) {
	cases := []struct {
		name          string
		path          string
		faults        []agencytest.FaultKind
		wantRetracted int
		wantOpen      int // orphaned unfinished reports (NCMEC deletes them)
		wantNote      string
	}{
		{name: "submit 503", path: "/submit", faults: []agencytest.FaultKind{agencytest.FaultServerError}},
		{name: "submit 429", path: "/submit", faults: []agencytest.FaultKind{agencytest.FaultRateLimit, agencytest.FaultRateLimit}},
		{name: "submit dropped after commit", path: "/submit", faults: []agencytest.FaultKind{agencytest.FaultDropAfterCommit}, wantOpen: 1, wantNote: "submitting again is safe"},
		{name: "upload dropped after commit", path: "/upload", faults: []agencytest.FaultKind{agencytest.FaultDropAfterCommit}, wantRetracted: 1, wantNote: "upload outcome unknown"},
		{name: "upload 503", path: "/upload", faults: []agencytest.FaultKind{agencytest.FaultServerError}},
		{name: "fileinfo dropped after commit", path: "/fileinfo", faults: []agencytest.FaultKind{agencytest.FaultDropAfterCommit}, wantRetracted: 1, wantNote: "file details outcome unknown"},
		{name: "finish dropped after commit", path: "/finish", faults: []agencytest.FaultKind{agencytest.FaultDropAfterCommit}, wantNote: "already finished (5102)"},
		{name: "finish 503 twice", path: "/finish", faults: []agencytest.FaultKind{agencytest.FaultServerError, agencytest.FaultServerError}},
		{name: "retract dropped during restart", path: "*", faults: nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessOpts{})
			if tc.faults == nil {
				// An upload drop forces a restart; the retract it sends is
				// dropped too, and is safe to repeat.
				h.fake.Faults().Script("/upload", agencytest.FaultDropAfterCommit)
				h.fake.Faults().Script("/retract", agencytest.FaultDropAfterCommit)
				tc.wantRetracted = 1
				tc.wantNote = "retracted to start over"
			} else {
				h.fake.Faults().Script(tc.path, tc.faults...)
			}
			r := fullReport("r-"+strings.ReplaceAll(tc.name, " ", "-"), h.files)
			r.PriorReportIDs = nil
			s := h.submit(r)
			if s.State != reporting.StateDone {
				t.Fatalf("state %s: %s", s.State, s.Error)
			}
			if n := len(h.finishedWithKey(r.ID)); n != 1 {
				t.Fatalf("finished reports: %d, want exactly 1", n)
			}
			if n := len(h.fake.ReportsIn(agencytest.CyberTipRetracted)); n != tc.wantRetracted {
				t.Errorf("retracted reports: %d, want %d", n, tc.wantRetracted)
			}
			if n := len(h.fake.ReportsIn(agencytest.CyberTipOpen)); n != tc.wantOpen {
				t.Errorf("open reports: %d, want %d", n, tc.wantOpen)
			}
			if tc.wantNote != "" {
				found := false
				for _, rc := range s.Progress.Receipts {
					if strings.Contains(rc.Note, tc.wantNote) {
						found = true
					}
				}
				if !found {
					t.Errorf("no receipt note containing %q; receipts: %+v", tc.wantNote, notes(s))
				}
			}
			inj := h.fake.Faults().Injected()
			total := 0
			for _, v := range inj {
				total += v
			}
			if total == 0 {
				t.Error("no fault was injected")
			}
		})
	}
}

func notes(s *reporting.Submission) []string {
	var out []string
	for _, r := range s.Progress.Receipts {
		out = append(out, r.Step+": "+r.Note)
	}
	return out
}

// TestSlowAnswerBecomesUnknown: an answer slower than the attempt timeout leaves
// the submit's outcome unknown; reconciliation submits again and the report is
// finished exactly once.
func TestSlowAnswerBecomesUnknown(t *testing.T) {
	h := newHarness(t, harnessOpts{
		fake:           &agencytest.CyberTipOptions{SlowDelay: 400 * time.Millisecond},
		attemptTimeout: 100 * time.Millisecond,
	})
	h.fake.Faults().Script("/finish", agencytest.FaultSlow)
	r := minimalReport("r-slow")
	s := h.submit(r)
	if s.State != reporting.StateDone {
		t.Fatalf("state %s: %s", s.State, s.Error)
	}
	sawUnknown := false
	for _, e := range s.History {
		if e.To == reporting.StateUnknown {
			sawUnknown = true
		}
	}
	if !sawUnknown {
		t.Error("the slow finish did not go through the unknown state")
	}
	if n := len(h.finishedWithKey("r-slow")); n != 1 {
		t.Fatalf("finished: %d", n)
	}
}

func TestPermanentFailures(t *testing.T) {
	t.Run("wrong password", func(t *testing.T) {
		h := newHarness(t, harnessOpts{password: "wrong"})
		s := h.submit(minimalReport("r-auth"))
		if s.State != reporting.StateFailed || !strings.Contains(s.Error, "2000") {
			t.Fatalf("state %s, error %q; want failed with responseCode 2000", s.State, s.Error)
		}
	})
	t.Run("unknown prior report", func(t *testing.T) {
		h := newHarness(t, harnessOpts{})
		r := minimalReport("r-prior-bad")
		r.Account = &reporting.Account{UserID: "u-1"}
		r.PriorReportIDs = []string{"999999999"}
		s := h.submit(r)
		if s.State != reporting.StateFailed || !strings.Contains(s.Error, "4100") {
			t.Fatalf("state %s, error %q; want failed with 4100", s.State, s.Error)
		}
		if len(h.fake.Reports()) != 0 {
			t.Error("the agency stored a report it refused")
		}
	})
	t.Run("bytes differ from the report's hashes", func(t *testing.T) {
		h := newHarness(t, harnessOpts{})
		r := fullReport("r-hash", h.files)
		r.PriorReportIDs = nil
		h.files.put(r.Content[0].Source, benignFile("other bytes", 2048))
		s := h.submit(r)
		if s.State != reporting.StateFailed || !strings.Contains(s.Error, "do not match") {
			t.Fatalf("state %s, error %q", s.State, s.Error)
		}
		// The retracted report is on record, no longer the current one.
		if _, current := s.Progress.IDs["reportId"]; current || s.Progress.IDs["retracted.0"] == "" || s.Progress.Step != "" {
			t.Errorf("progress after the retract: step %q ids %v", s.Progress.Step, s.Progress.IDs)
		}
		if n := len(h.fake.ReportsIn(agencytest.CyberTipRetracted)); n != 1 {
			t.Errorf("retracted: %d, want 1 (the half-sent report)", n)
		}
		if n := len(h.fake.Finished()); n != 0 {
			t.Errorf("finished: %d, want 0", n)
		}
	})
	t.Run("too many restarts", func(t *testing.T) {
		h := newHarness(t, harnessOpts{agency: &cybertip.Options{MaxRestarts: 2}})
		h.fake.Faults().Script("/upload", agencytest.FaultDropAfterCommit, agencytest.FaultDropAfterCommit, agencytest.FaultDropAfterCommit)
		r := fullReport("r-restarts", h.files)
		r.PriorReportIDs = nil
		s := h.submit(r)
		if s.State != reporting.StateFailed || !strings.Contains(s.Error, "restarts") {
			t.Fatalf("state %s, error %q", s.State, s.Error)
		}
		if n := len(h.fake.ReportsIn(agencytest.CyberTipRetracted)); n != 3 {
			t.Errorf("retracted: %d, want 3", n)
		}
		if len(h.fake.ReportsIn(agencytest.CyberTipOpen)) != 0 {
			t.Error("an open report was left at the agency")
		}
	})
}

// stepEnv drives an agency by hand, without an outbox.
func stepEnv(c *reporting.Client, files reporting.FileSource, saved *[]reporting.Progress) reporting.StepEnv {
	return reporting.StepEnv{
		Do:    c.Do,
		Files: files,
		Now:   time.Now,
		Save: func(_ context.Context, p reporting.Progress) error {
			*saved = append(*saved, p.Clone())
			return nil
		},
	}
}

// TestExpiredReportStartsOver moves the fake's clock past NCMEC's deletion of
// unfinished reports between submit and upload.
func TestExpiredReportStartsOver(t *testing.T) {
	var offset time.Duration
	fake := agencytest.NewCyberTip(&agencytest.CyberTipOptions{Now: func() time.Time { return time.Now().Add(offset) }})
	defer fake.Close()
	user, pass := fake.Credentials()
	c, err := cybertip.NewClient(fake.URL(), user, pass, &reporting.ClientOptions{Limiter: rate.NewLimiter(rate.Inf, 1)})
	if err != nil {
		t.Fatal(err)
	}
	files := newMemFiles()
	a := cybertip.New(nil)
	var saved []reporting.Progress
	env := stepEnv(c, files, &saved)
	r := fullReport("r-expire", files)
	r.PriorReportIDs = nil
	s := &reporting.Submission{ID: "cybertip:r-expire", Agency: cybertip.Name, Report: *r}
	ctx := context.Background()

	p, err := a.Step(ctx, env, s)
	if err != nil || p.Step != "submitted" {
		t.Fatalf("submit: %v %q", err, p.Step)
	}
	if len(saved) == 0 || saved[len(saved)-1].IDs["reportId"] == "" {
		t.Fatal("reportId was not saved the moment it arrived")
	}
	first := p.IDs["reportId"]
	offset = 25 * time.Hour
	s.Progress = p
	p, err = a.Step(ctx, env, s)
	if _, has := p.IDs["reportId"]; err != nil || p.Step != "" || !p.Restart || has || p.IDs["expired.0"] != first {
		t.Fatalf("after expiry: err %v, step %q, restart %v, ids %v", err, p.Step, p.Restart, p.IDs)
	}
	for i := 0; i < 20 && !p.Done; i++ {
		s.Progress = p
		if p, err = a.Step(ctx, env, s); err != nil {
			t.Fatal(err)
		}
	}
	if !p.Done || len(fake.Finished()) != 1 || fake.Finished()[0].Key != "r-expire" {
		t.Fatalf("done %v, finished %d", p.Done, len(fake.Finished()))
	}
	if n := len(fake.ReportsIn(agencytest.CyberTipExpired)); n != 1 {
		t.Errorf("expired reports: %d, want 1", n)
	}
}

func TestRetractOnRequest(t *testing.T) {
	fake := agencytest.NewCyberTip(nil)
	defer fake.Close()
	user, pass := fake.Credentials()
	c, _ := cybertip.NewClient(fake.URL(), user, pass, &reporting.ClientOptions{Limiter: rate.NewLimiter(rate.Inf, 1)})
	a := cybertip.New(nil)
	var saved []reporting.Progress
	env := stepEnv(c, newMemFiles(), &saved)
	s := &reporting.Submission{ID: "cybertip:r-x", Agency: cybertip.Name, Report: *minimalReport("r-x")}
	ctx := context.Background()
	p, err := a.Step(ctx, env, s)
	if err != nil {
		t.Fatal(err)
	}
	s.Progress = p
	p, err = a.Retract(ctx, env, s)
	if err != nil || !p.Abandoned {
		t.Fatalf("retract: %v abandoned=%v", err, p.Abandoned)
	}
	if n := len(fake.ReportsIn(agencytest.CyberTipRetracted)); n != 1 {
		t.Fatalf("retracted at agency: %d", n)
	}
	// A finished report cannot be retracted.
	s2 := &reporting.Submission{ID: "cybertip:r-y", Agency: cybertip.Name, Report: *minimalReport("r-y")}
	for !s2.Progress.Done {
		if s2.Progress, err = a.Step(ctx, env, s2); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Retract(ctx, env, s2); !errors.Is(err, reporting.ErrPermanent) {
		t.Fatalf("retract of a finished report: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestURLFor(t *testing.T) {
	for env, want := range map[string]string{
		"production": cybertip.ProductionURL, "": cybertip.TestURL, "Production": cybertip.TestURL,
		"prod": cybertip.TestURL, "test": cybertip.TestURL,
	} {
		if got := cybertip.URLFor(env); got != want {
			t.Errorf("URLFor(%q) = %s", env, got)
		}
	}
}
