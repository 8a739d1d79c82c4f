package reporting_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mnr-sdk/mnr/internal/pgtest"
	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/boltstore"
	"github.com/mnr-sdk/mnr/reporting/pgstore"
)

func historyNotes(s *reporting.Submission) string {
	var b strings.Builder
	for _, e := range s.History {
		fmt.Fprintf(&b, "%s->%s %s: %s\n", e.From, e.To, e.Step, e.Note)
	}
	return b.String()
}

func wantState(t *testing.T, s *reporting.Submission, st reporting.State) {
	t.Helper()
	if s.State != st {
		t.Fatalf("state %s, want %s (error %q)\n%s", s.State, st, s.Error, historyNotes(s))
	}
}

func TestOutboxHappyPath(t *testing.T) {
	var submitted, transitions atomic.Int32
	rig := newRig(t, nil, nil, &reporting.OutboxOptions{Hooks: reporting.Hooks{
		OnSubmitted:  func(context.Context, *reporting.Submission) { submitted.Add(1) },
		OnTransition: func(context.Context, *reporting.Submission, reporting.State, reporting.State) { transitions.Add(1) },
	}})
	s := rig.enqueue(t, "R1", 2, reporting.EnqueueOptions{Note: "hash match"})
	wantState(t, s, reporting.StatePending)
	if s.ID != "relay/R1" || s.Version != 1 {
		t.Fatalf("enqueued %s v%d", s.ID, s.Version)
	}
	rig.drain(t)
	got := rig.get(t, "R1")
	wantState(t, got, reporting.StateDone)
	if got.Progress.IDs["reportId"] != "100" || got.Progress.IDs["file.0.fileId"] != "f-100-0" || got.Progress.IDs["file.1.fileId"] != "f-100-1" {
		t.Fatalf("IDs %v", got.Progress.IDs)
	}
	if n := len(got.Progress.Receipts); n != 2 || !strings.Contains(string(got.Progress.Receipts[1].Body), `"finished":true`) {
		t.Fatalf("receipts %+v", got.Progress.Receipts)
	}
	if got.Progress.Receipts[0].RequestID == "" {
		t.Fatal("request ID not kept with the receipt")
	}
	perKey, dangling := rig.srv.finished()
	if perKey["R1"] != 1 || dangling != 0 {
		t.Fatalf("agency holds %v finished, %d dangling", perKey, dangling)
	}
	rig.srv.mu.Lock()
	files := rig.srv.reports["100"].files
	rig.srv.mu.Unlock()
	if files[0] != "bytes of R1 file 0" || files[1] != "bytes of R1 file 1" {
		t.Fatalf("uploaded %v", files)
	}
	if submitted.Load() != 1 || transitions.Load() < 3 {
		t.Fatalf("hooks: submitted %d transitions %d", submitted.Load(), transitions.Load())
	}
	h := historyNotes(got)
	if !strings.Contains(h, "enqueued: hash match") || !strings.Contains(h, "done at the agency") {
		t.Fatalf("history:\n%s", h)
	}
	if got.LeaseOwner != "" || !got.LeaseUntil.IsZero() || got.InFlight != "" {
		t.Fatalf("done submission still leased: %q %v %q", got.LeaseOwner, got.LeaseUntil, got.InFlight)
	}
}

func TestEnqueueValidation(t *testing.T) {
	rig := newRig(t, nil, nil, nil)
	r, _ := relayReportN("BAD", 1)
	r.Incident.Time = now.Add(time.Hour)
	r.Content = nil // the relay agency's own rule
	_, err := rig.ob.Enqueue(context.Background(), "relay", r, reporting.EnqueueOptions{})
	got := problems(t, err)
	if len(got["incident.time"]) == 0 || len(got["content"]) == 0 {
		t.Fatalf("want the common and the agency problem, got %v", got)
	}
	if _, err := rig.ob.Get(context.Background(), "relay/BAD"); !errors.Is(err, reporting.ErrNotFound) {
		t.Fatalf("an invalid report was stored: %v", err)
	}
	// Warnings do not block, and are counted in the history.
	r, fs := relayReportN("WARN", 1)
	rig.addFiles(fs)
	r.Narrative = "contains child porn wording"
	s, err := rig.ob.Enqueue(context.Background(), "relay", r, reporting.EnqueueOptions{})
	if err != nil {
		t.Fatalf("warnings blocked Enqueue: %v", err)
	}
	if !strings.Contains(s.History[0].Note, "1 validation warning") {
		t.Fatalf("history %q", s.History[0].Note)
	}
	if _, err := rig.ob.Enqueue(context.Background(), "nope", r, reporting.EnqueueOptions{}); !errors.Is(err, reporting.ErrUnknownAgency) {
		t.Fatalf("unknown agency: %v", err)
	}
}

func TestEnqueueIdempotent(t *testing.T) {
	rig := newRig(t, nil, nil, nil)
	a := rig.enqueue(t, "R1", 1, reporting.EnqueueOptions{})
	b := rig.enqueue(t, "R1", 1, reporting.EnqueueOptions{Review: true})
	if a.ID != b.ID || b.State != reporting.StatePending || b.Version != a.Version {
		t.Fatalf("second Enqueue gave %+v", b)
	}
	r, _ := relayReportN("R1", 1)
	r.Narrative = "a different report under the same ID"
	if _, err := rig.ob.Enqueue(context.Background(), "relay", r, reporting.EnqueueOptions{}); !errors.Is(err, reporting.ErrConflict) {
		t.Fatalf("reused ID: %v, want ErrConflict", err)
	}
	rig.drain(t)
	if perKey, _ := rig.srv.finished(); perKey["R1"] != 1 {
		t.Fatalf("finished %v", perKey)
	}
}

func TestOutboxReview(t *testing.T) {
	rig := newRig(t, nil, nil, nil)
	ctx := context.Background()
	rig.enqueue(t, "A", 1, reporting.EnqueueOptions{Review: true})
	rig.enqueue(t, "B", 1, reporting.EnqueueOptions{Review: true})
	rig.drain(t)
	if rig.srv.count("/open") != 0 {
		t.Fatal("a report in review was sent")
	}
	if err := rig.ob.Approve(ctx, "relay/A", "looks right"); err != nil {
		t.Fatal(err)
	}
	if err := rig.ob.Reject(ctx, "relay/B", "not CSAM"); err != nil {
		t.Fatal(err)
	}
	if err := rig.ob.Approve(ctx, "relay/B", ""); !errors.Is(err, reporting.ErrConflict) {
		t.Fatalf("approve a rejected report: %v", err)
	}
	rig.drain(t)
	wantState(t, rig.get(t, "A"), reporting.StateDone)
	b := rig.get(t, "B")
	wantState(t, b, reporting.StateAbandoned)
	if !strings.Contains(historyNotes(b), "rejected in review: not CSAM") {
		t.Fatalf("history:\n%s", historyNotes(b))
	}
	if rig.srv.count("/open") != 1 {
		t.Fatalf("%d opens", rig.srv.count("/open"))
	}
	list, err := rig.ob.List(ctx, reporting.Query{State: reporting.StateAbandoned})
	if err != nil || len(list) != 1 || list[0].ID != "relay/B" {
		t.Fatalf("List abandoned: %v %v", list, err)
	}
}

func TestOutboxLostOpenIsReconciled(t *testing.T) {
	rig := newRig(t, nil, nil, nil)
	rig.srv.inject("/open", faultActThenDrop)
	rig.enqueue(t, "R1", 1, reporting.EnqueueOptions{})
	if _, err := rig.ob.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := rig.get(t, "R1")
	wantState(t, s, reporting.StateUnknown)
	if !errors.Is(errors.New(s.Error), reporting.ErrOutcomeUnknown) && !strings.Contains(s.Error, "outcome unknown") {
		t.Fatalf("error %q", s.Error)
	}
	if rig.srv.count("/open") != 1 {
		t.Fatal("the open was resent instead of going to unknown")
	}
	rig.clock.Add(time.Minute)
	rig.drain(t)
	s = rig.get(t, "R1")
	wantState(t, s, reporting.StateDone)
	perKey, dangling := rig.srv.finished()
	if perKey["R1"] != 1 || dangling != 1 {
		t.Fatalf("finished %v dangling %d; want one finished and the lost one left to expire", perKey, dangling)
	}
	var noted bool
	for _, r := range s.Progress.Receipts {
		noted = noted || strings.Contains(r.Note, "opening again is safe")
	}
	if !noted {
		t.Fatal("the reconciliation's reasoning is not in the receipts")
	}
	if !strings.Contains(historyNotes(s), "reconciled") {
		t.Fatalf("history:\n%s", historyNotes(s))
	}
}

func TestOutboxLostFinishIsReconciledNotDuplicated(t *testing.T) {
	rig := newRig(t, nil, nil, nil)
	rig.srv.inject("/finish", faultActThenDrop)
	rig.enqueue(t, "R1", 1, reporting.EnqueueOptions{})
	rig.drain(t)
	wantState(t, rig.get(t, "R1"), reporting.StateUnknown)
	rig.clock.Add(time.Minute)
	rig.drain(t)
	s := rig.get(t, "R1")
	wantState(t, s, reporting.StateDone)
	if perKey, dangling := rig.srv.finished(); perKey["R1"] != 1 || dangling != 0 || rig.srv.count("/open") != 1 {
		t.Fatalf("finished %v dangling %d opens %d", perKey, dangling, rig.srv.count("/open"))
	}
	if rig.srv.count("/finish") != 2 {
		t.Fatalf("finish sent %d times, want 2 (lost, then reconciled)", rig.srv.count("/finish"))
	}
	if last := s.Progress.Receipts[len(s.Progress.Receipts)-1]; !strings.Contains(last.Note, "already finished") {
		t.Fatalf("last receipt %+v", last)
	}
}

func TestOutboxWithoutReconcilerParks(t *testing.T) {
	rig := newRig(t, nil, &relayAgency{}, nil)
	rig.srv.inject("/open", faultDrop)
	rig.enqueue(t, "R1", 1, reporting.EnqueueOptions{})
	rig.drain(t)
	s := rig.get(t, "R1")
	wantState(t, s, reporting.StateUnknown)
	rig.clock.Add(24 * time.Hour)
	rig.drain(t)
	if rig.srv.count("/open") != 1 {
		t.Fatal("a parked unknown submission was resent")
	}
	if !strings.Contains(historyNotes(rig.get(t, "R1")), "parked for a human") {
		t.Fatalf("history:\n%s", historyNotes(rig.get(t, "R1")))
	}
	// A human checked with the agency and requeues it.
	if err := rig.ob.Requeue(context.Background(), "relay/R1", "checked: not received"); err != nil {
		t.Fatal(err)
	}
	rig.drain(t)
	wantState(t, rig.get(t, "R1"), reporting.StateDone)
	if rig.srv.count("/open") != 2 {
		t.Fatalf("opens %d", rig.srv.count("/open"))
	}
}

func TestOutboxPermanentFailure(t *testing.T) {
	rig := newRig(t, nil, nil, nil)
	rig.srv.inject("/upload", faultStatus400)
	rig.enqueue(t, "R1", 1, reporting.EnqueueOptions{})
	rig.drain(t)
	s := rig.get(t, "R1")
	wantState(t, s, reporting.StateFailed)
	if !strings.Contains(s.Error, "HTTP 400") || s.Progress.IDs["reportId"] == "" {
		t.Fatalf("error %q ids %v", s.Error, s.Progress.IDs)
	}
	if rig.srv.count("/upload") != 1 {
		t.Fatalf("a 400 was retried: %d uploads", rig.srv.count("/upload"))
	}
	// Requeue continues from the saved step: no second open.
	if err := rig.ob.Requeue(context.Background(), s.ID, "fixed"); err != nil {
		t.Fatal(err)
	}
	rig.drain(t)
	wantState(t, rig.get(t, "R1"), reporting.StateDone)
	if rig.srv.count("/open") != 1 {
		t.Fatalf("opens %d, want 1", rig.srv.count("/open"))
	}
}

func TestOutboxRetryLaterAndGiveUp(t *testing.T) {
	rig := newRig(t, nil, nil, &reporting.OutboxOptions{MaxAttempts: 3, RetryBackoff: 10 * time.Second, MaxRetryBackoff: time.Minute})
	// The client itself tries 3 times per step; every try fails.
	rig.srv.inject("/upload", faultStatus503, faultStatus503, faultStatus503)
	rig.enqueue(t, "R1", 1, reporting.EnqueueOptions{})
	rig.drain(t)
	s := rig.get(t, "R1")
	wantState(t, s, reporting.StatePending)
	if s.Attempts != 1 || !s.NextAt.After(rig.clock.Now()) {
		t.Fatalf("attempts %d next %v (now %v)", s.Attempts, s.NextAt, rig.clock.Now())
	}
	rig.drain(t)
	if rig.srv.count("/upload") != 3 {
		t.Fatal("a step was retried before its NextAt")
	}
	rig.clock.Add(10 * time.Second)
	rig.drain(t)
	s = rig.get(t, "R1")
	wantState(t, s, reporting.StateDone)
	if s.Attempts != 0 || s.Error != "" {
		t.Fatalf("attempts %d error %q after success", s.Attempts, s.Error)
	}

	// A step that keeps failing fails the submission after MaxAttempts.
	rig.srv.inject("/upload", faultStatus503, faultStatus503, faultStatus503, faultStatus503, faultStatus503,
		faultStatus503, faultStatus503, faultStatus503, faultStatus503)
	rig.enqueue(t, "R2", 1, reporting.EnqueueOptions{})
	for range 3 {
		rig.drain(t)
		rig.clock.Add(time.Hour)
	}
	s = rig.get(t, "R2")
	wantState(t, s, reporting.StateFailed)
	if !strings.Contains(s.Error, "503") || !strings.Contains(historyNotes(s), "failed after 3 attempts") {
		t.Fatalf("error %q\n%s", s.Error, historyNotes(s))
	}
}

func TestOutboxRetryAfterFromAgency(t *testing.T) {
	rig := newRig(t, nil, nil, nil)
	rig.srv.Config.Handler = retryAfterHandler(rig.srv)
	rig.enqueue(t, "R1", 1, reporting.EnqueueOptions{})
	rig.drain(t)
	s := rig.get(t, "R1")
	wantState(t, s, reporting.StatePending)
	if got := s.NextAt.Sub(rig.clock.Now()); got < 2*time.Hour {
		t.Fatalf("rescheduled in %v, want at least the agency's Retry-After of 2h", got)
	}
}

// retryAfterHandler answers every /upload with 429 and a long Retry-After.
func retryAfterHandler(s *relayServer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/upload" {
			w.Header().Set("Retry-After", "7200")
			w.WriteHeader(429)
			return
		}
		s.handle(w, r)
	}
}

func TestOutboxStateAfterCrash(t *testing.T) {
	// What a worker killed mid-step leaves behind, built directly in the store.
	ctx := context.Background()
	t.Run("killed during an idempotent upload resumes there", func(t *testing.T) {
		store := reporting.NewMemStore()
		rig := newRig(t, store, nil, nil)
		rig.enqueue(t, "R1", 2, reporting.EnqueueOptions{})
		rig.srv.inject("/upload", faultStatus400) // stop after open
		rig.drain(t)
		s := rig.get(t, "R1")
		s.State, s.LeaseOwner, s.LeaseUntil, s.Error = reporting.StateInProgress, "dead-worker", now.Add(time.Minute), ""
		if err := store.Update(ctx, s); err != nil {
			t.Fatal(err)
		}
		rig.drain(t) // lease still live: nothing happens
		if rig.srv.count("/upload") != 1 {
			t.Fatal("claimed a submission under a live lease")
		}
		rig.clock.Add(2 * time.Minute)
		rig.drain(t)
		got := rig.get(t, "R1")
		wantState(t, got, reporting.StateDone)
		if rig.srv.count("/open") != 1 {
			t.Fatalf("opens %d", rig.srv.count("/open"))
		}
		if !strings.Contains(historyNotes(got), "lease expired; resumed") {
			t.Fatalf("history:\n%s", historyNotes(got))
		}
	})
	t.Run("killed during a non-idempotent request goes to unknown", func(t *testing.T) {
		store := reporting.NewMemStore()
		rig := newRig(t, store, nil, nil)
		s := rig.enqueue(t, "R1", 1, reporting.EnqueueOptions{})
		s.State, s.LeaseOwner, s.LeaseUntil, s.InFlight = reporting.StateInProgress, "dead-worker", now.Add(-time.Second), "POST /open"
		if err := store.Update(ctx, s); err != nil {
			t.Fatal(err)
		}
		rig.drain(t)
		got := rig.get(t, "R1")
		wantState(t, got, reporting.StateDone)
		h := historyNotes(got)
		if !strings.Contains(h, "worker stopped while POST /open was in flight") || !strings.Contains(h, "reconciled") {
			t.Fatalf("history:\n%s", h)
		}
	})
}

func TestOutboxRunAndShutdown(t *testing.T) {
	done := make(chan string, 20)
	rig := newRig(t, nil, nil, &reporting.OutboxOptions{
		Concurrency: 3, PollInterval: 5 * time.Millisecond,
		Hooks: reporting.Hooks{OnSubmitted: func(_ context.Context, s *reporting.Submission) { done <- s.ID }},
	})
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- rig.ob.Run(ctx) }()
	for i := range 8 {
		rig.enqueue(t, fmt.Sprintf("R%d", i), 2, reporting.EnqueueOptions{})
	}
	seen := map[string]bool{}
	for len(seen) < 8 {
		select {
		case id := <-done:
			seen[id] = true
		case <-time.After(20 * time.Second):
			t.Fatalf("only %d of 8 submitted", len(seen))
		}
	}
	cancel()
	if err := <-runErr; err != nil {
		t.Fatalf("Run returned %v on shutdown", err)
	}
	perKey, dangling := rig.srv.finished()
	if len(perKey) != 8 || dangling != 0 {
		t.Fatalf("finished %v dangling %d", perKey, dangling)
	}
	for k, n := range perKey {
		if n != 1 {
			t.Fatalf("%s finished %d times", k, n)
		}
	}
}

func TestOutboxShutdownMidStepReleases(t *testing.T) {
	rig := newRig(t, nil, nil, &reporting.OutboxOptions{PollInterval: 5 * time.Millisecond})
	rig.srv.inject("/upload", faultSignalThenBlock)
	rig.enqueue(t, "R1", 1, reporting.EnqueueOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- rig.ob.Run(ctx) }()
	<-rig.srv.onHold // the worker is inside the upload
	cancel()
	if err := <-runErr; err != nil {
		t.Fatal(err)
	}
	s := rig.get(t, "R1")
	wantState(t, s, reporting.StatePending)
	if s.LeaseOwner != "" || s.Attempts != 0 || s.Progress.IDs["reportId"] == "" {
		t.Fatalf("released submission: owner %q attempts %d ids %v", s.LeaseOwner, s.Attempts, s.Progress.IDs)
	}
	rig.drain(t)
	wantState(t, rig.get(t, "R1"), reporting.StateDone)
	if rig.srv.count("/open") != 1 {
		t.Fatalf("opens %d", rig.srv.count("/open"))
	}
}

func TestOutboxShutdownDuringNonIdempotentRequest(t *testing.T) {
	rig := newRig(t, nil, nil, &reporting.OutboxOptions{PollInterval: 5 * time.Millisecond})
	rig.srv.inject("/finish", faultActSignalThenBlock)
	rig.enqueue(t, "R1", 1, reporting.EnqueueOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- rig.ob.Run(ctx) }()
	<-rig.srv.onHold
	cancel()
	<-runErr
	wantState(t, rig.get(t, "R1"), reporting.StateUnknown)
	rig.clock.Add(time.Minute)
	rig.drain(t)
	wantState(t, rig.get(t, "R1"), reporting.StateDone)
	if perKey, _ := rig.srv.finished(); perKey["R1"] != 1 {
		t.Fatalf("finished %v", perKey)
	}
}

func TestTwoOutboxesShareAStore(t *testing.T) {
	t.Run("memory", func(t *testing.T) { twoOutboxes(t, reporting.NewMemStore()) })
	t.Run("bolt", func(t *testing.T) {
		st, err := boltstore.Open(filepath.Join(t.TempDir(), "outbox.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		twoOutboxes(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.Database(t)
		// Two replicas: two pools, two stores, one database.
		var stores [2]reporting.Store
		for i := range stores {
			st, err := pgstore.Open(context.Background(), url, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			stores[i] = st
		}
		twoOutboxes(t, stores[0], stores[1])
	})
}

// twoOutboxes runs two outboxes (the second over stores[1] when given) against
// one agency and checks every report arrives exactly once.
func twoOutboxes(t *testing.T, stores ...reporting.Store) {
	store, storeB := stores[0], stores[0]
	if len(stores) > 1 {
		storeB = stores[1]
	}
	srv := newRelay(t)
	done := make(chan string, 64)
	hooks := reporting.Hooks{OnSubmitted: func(_ context.Context, s *reporting.Submission) { done <- s.ID }}
	a := rigFor(t, srv, store, nil, &reporting.OutboxOptions{Owner: "a", Concurrency: 2, PollInterval: 2 * time.Millisecond, Hooks: hooks})
	b := rigFor(t, srv, storeB, nil, &reporting.OutboxOptions{Owner: "b", Concurrency: 2, PollInterval: 2 * time.Millisecond, Hooks: hooks})
	const n = 12
	for i := range n {
		a.enqueue(t, fmt.Sprintf("R%02d", i), 1, reporting.EnqueueOptions{})
	}
	b.addFiles(a.files)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, rig := range []*outboxRig{a, b} {
		wg.Go(func() { rig.ob.Run(ctx) })
	}
	seen := map[string]int{}
	for len(seen) < n {
		select {
		case id := <-done:
			seen[id]++
		case <-time.After(30 * time.Second):
			t.Fatalf("%d of %d done", len(seen), n)
		}
	}
	cancel()
	wg.Wait()
	for id, c := range seen {
		if c != 1 {
			t.Fatalf("%s reported done %d times", id, c)
		}
	}
	perKey, dangling := srv.finished()
	if len(perKey) != n || dangling != 0 || srv.count("/open") != n {
		t.Fatalf("finished %v dangling %d opens %d", perKey, dangling, srv.count("/open"))
	}
}

func TestOutboxHandsBackAgenciesItDoesNotHave(t *testing.T) {
	store := reporting.NewMemStore()
	srv := newRelay(t)
	right := rigFor(t, srv, store, nil, nil)
	wrong := rigFor(t, srv, store, &relayReconciler{relayAgency{name: "other"}}, nil)
	right.enqueue(t, "R1", 1, reporting.EnqueueOptions{})
	if n, err := wrong.ob.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("RunOnce: %d %v", n, err)
	}
	s := right.get(t, "R1")
	wantState(t, s, reporting.StatePending)
	if s.LeaseOwner != "" || !s.NextAt.Equal(now.Add(5*time.Minute)) || srv.count("/open") != 0 {
		t.Fatalf("handed back as owner %q next %v, opens %d", s.LeaseOwner, s.NextAt, srv.count("/open"))
	}
	right.clock.Add(5 * time.Minute)
	right.drain(t)
	wantState(t, right.get(t, "R1"), reporting.StateDone)
}
