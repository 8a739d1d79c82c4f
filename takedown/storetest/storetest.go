package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mnr-sdk/mnr/takedown"
)

// base is the fixed clock start of every test (read-only).
var base = time.Date(2026, time.June, 1, 12, 0, 0, 0, time.UTC)

// Run runs the whole suite against stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) takedown.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s takedown.Store)
	}{
		{"CreateGet", testCreateGet},
		{"CreateExists", testCreateExists},
		{"UpdateVersions", testUpdateVersions},
		{"Idempotency", testIdempotency},
		{"Scan", testScan},
		{"Journal", testJournal},
		{"TimersClaimComplete", testTimers},
		{"LeaseExpiry", testLeaseExpiry},
		{"CompleteConflict", testCompleteConflict},
		{"Cancel", testCancel},
		{"CompleteGroup", testCompleteGroup},
		{"ConcurrentClaims", testConcurrentClaims},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"EnginesNeverFireTwice", testEnginesNeverFireTwice},
		{"EngineLifecycle", testEngineLifecycle},
		{"ContextCancelled", testContextCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

// machine returns a Machine with a small policy: US CSAM reports in 24 h, removal in 1 h.
func machine() *takedown.Machine {
	p := &takedown.Policy{Vague: takedown.DefaultVague(), Rules: []takedown.Rule{
		{ID: "t.report", Jurisdiction: "US", Duty: takedown.DutyReport, To: "NCMEC", Deadline: 24 * time.Hour,
			Citation: "test", Confidence: takedown.Primary},
		{ID: "t.remove", Jurisdiction: "US", Duty: takedown.DutyRemove, Deadline: time.Hour,
			Citation: "test", Confidence: takedown.Primary},
	}}
	return &takedown.Machine{Policy: p, Warnings: []float64{0.5}}
}

func notice(id string) takedown.Notice {
	return takedown.Notice{ID: id, Trigger: takedown.TriggerUserNotice, Jurisdictions: []takedown.Jurisdiction{"US"},
		Category: "csam", ReceivedAt: base}
}

func open(t *testing.T, s takedown.Store, id string) *takedown.Step {
	t.Helper()
	st, err := machine().Open(id, notice("n-"+id), base)
	if err != nil {
		t.Fatalf("Machine.Open: %v", err)
	}
	if err := s.Create(context.Background(), st.Change(&takedown.IdemRecord{Key: "open/" + id, Case: id, Version: 1})); err != nil {
		t.Fatalf("Create(%s): %v", id, err)
	}
	return st
}

func caseJSON(t *testing.T, c *takedown.Case) string {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustGet(t *testing.T, s takedown.Store, id string) *takedown.Case {
	t.Helper()
	c, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return c
}

func record(t *testing.T, s takedown.Store, id string, ev takedown.Event, now time.Time) *takedown.Step {
	t.Helper()
	c := mustGet(t, s, id)
	st, err := machine().Apply(c, ev, now)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if err := s.Update(context.Background(), st.Change(nil)); err != nil {
		t.Fatalf("Update: %v", err)
	}
	return st
}

func testCreateGet(t *testing.T, s takedown.Store) {
	ctx := context.Background()
	st := open(t, s, "case-a")
	got := mustGet(t, s, "case-a")
	if caseJSON(t, got) != caseJSON(t, st.Case) {
		t.Fatalf("Get returned\n%s\nwant\n%s", caseJSON(t, got), caseJSON(t, st.Case))
	}
	evs, err := s.Events(ctx, "case-a")
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Hash != st.Events[0].Hash || string(evs[0].Payload) != string(st.Events[0].Payload) {
		t.Fatalf("Events = %+v, want the opening event", evs)
	}
	if err := takedown.VerifyChain(got, evs); err != nil {
		t.Fatalf("stored chain does not verify: %v", err)
	}
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, takedown.ErrNotFound) {
		t.Fatalf("Get(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := s.Events(ctx, "nope"); !errors.Is(err, takedown.ErrNotFound) {
		t.Fatalf("Events(unknown) = %v, want ErrNotFound", err)
	}
	// The returned case is a copy.
	got.Status = takedown.StatusClosed
	if mustGet(t, s, "case-a").Status != takedown.StatusOpen {
		t.Fatal("changing a returned case changed the store")
	}
}

func testCreateExists(t *testing.T, s takedown.Store) {
	ctx := context.Background()
	open(t, s, "case-a")
	st, _ := machine().Open("case-a", notice("other"), base)
	if err := s.Create(ctx, st.Change(nil)); !errors.Is(err, takedown.ErrExists) {
		t.Fatalf("Create(same ID) = %v, want ErrExists", err)
	}
	st, _ = machine().Open("case-b", notice("other"), base)
	if err := s.Create(ctx, st.Change(&takedown.IdemRecord{Key: "open/case-a", Case: "case-b", Version: 1})); !errors.Is(err, takedown.ErrExists) {
		t.Fatalf("Create(same idempotency key) = %v, want ErrExists", err)
	}
	// Nothing of the failed write is visible.
	if _, err := s.Get(ctx, "case-b"); !errors.Is(err, takedown.ErrNotFound) {
		t.Fatalf("failed Create left case-b behind: %v", err)
	}
	if h, _ := s.Head(ctx); h.Seq != 1 {
		t.Fatalf("journal has %d entries after one successful create", h.Seq)
	}
	if at, ok, _ := s.NextWake(ctx, base); !ok || !at.Equal(base.Add(30*time.Minute)) {
		t.Fatalf("NextWake = %v %v, want only case-a's first warning", at, ok)
	}
}

func testUpdateVersions(t *testing.T, s takedown.Store) {
	ctx := context.Background()
	open(t, s, "case-a")
	c := mustGet(t, s, "case-a")
	m := machine()
	st1, err := m.Apply(c, takedown.Event{ID: "e1", Type: takedown.EventAcknowledged, At: base.Add(time.Minute)}, base.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	st2, _ := m.Apply(c, takedown.Event{ID: "e2", Type: takedown.EventRemoved, At: base.Add(time.Minute)}, base.Add(time.Minute))
	if err := s.Update(ctx, st1.Change(&takedown.IdemRecord{Key: "k1", Case: "case-a", Version: 2})); err != nil {
		t.Fatalf("Update: %v", err)
	}
	// st2 was computed from version 1 too: it must conflict and leave nothing behind.
	if err := s.Update(ctx, st2.Change(nil)); !errors.Is(err, takedown.ErrConflict) {
		t.Fatalf("stale Update = %v, want ErrConflict", err)
	}
	got := mustGet(t, s, "case-a")
	if got.Version != 2 || got.Status != takedown.StatusAcknowledged {
		t.Fatalf("case after conflict: version %d status %s", got.Version, got.Status)
	}
	// A duplicate idempotency key fails even at the right version.
	st3, _ := m.Apply(got, takedown.Event{ID: "e3", Type: takedown.EventRemoved, At: base.Add(time.Minute)}, base.Add(2*time.Minute))
	if err := s.Update(ctx, st3.Change(&takedown.IdemRecord{Key: "k1", Case: "case-a", Version: 3})); !errors.Is(err, takedown.ErrExists) {
		t.Fatalf("Update with used key = %v, want ErrExists", err)
	}
	if mustGet(t, s, "case-a").Version != 2 {
		t.Fatal("failed Update changed the case")
	}
	if err := s.Update(ctx, st3.Change(nil)); err != nil {
		t.Fatal(err)
	}
	// Removal met the 1 h deadline: its timers are cancelled.
	if at, ok, _ := s.NextWake(ctx, base); !ok || !at.Equal(base.Add(12*time.Hour)) {
		t.Fatalf("NextWake after removal = %v %v, want the report warning at +12h", at, ok)
	}
	evs, _ := s.Events(ctx, "case-a")
	if err := takedown.VerifyChain(mustGet(t, s, "case-a"), evs); err != nil || len(evs) != 3 {
		t.Fatalf("chain after updates: %d events, %v", len(evs), err)
	}
	unknown := st3.Case.Clone()
	unknown.ID = "nope"
	if err := s.Update(ctx, &takedown.Change{Case: unknown}); !errors.Is(err, takedown.ErrNotFound) {
		t.Fatalf("Update(unknown) = %v, want ErrNotFound", err)
	}
}

func testIdempotency(t *testing.T, s takedown.Store) {
	ctx := context.Background()
	if _, err := s.Idempotency(ctx, "open/case-a"); !errors.Is(err, takedown.ErrNotFound) {
		t.Fatalf("Idempotency(missing) = %v, want ErrNotFound", err)
	}
	st, _ := machine().Open("case-a", notice("n"), base)
	rec := takedown.IdemRecord{Key: "open/n", Fingerprint: takedown.Digest{1, 2, 3}, Case: "case-a", Version: 1}
	if err := s.Create(ctx, st.Change(&rec)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Idempotency(ctx, "open/n")
	if err != nil || got != rec {
		t.Fatalf("Idempotency = %+v, %v; want %+v", got, err, rec)
	}
}

func testScan(t *testing.T, s takedown.Store) {
	ctx := context.Background()
	var ids []string
	for i := range 25 {
		id := fmt.Sprintf("case-%03d", (i*7)%25)
		ids = append(ids, id)
		open(t, s, id)
	}
	slices.Sort(ids)
	var got []string
	after := ""
	for {
		page, err := s.Scan(ctx, after, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 10 {
			t.Fatalf("Scan returned %d > limit", len(page))
		}
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			got = append(got, c.ID)
		}
		after = page[len(page)-1].ID
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("Scan order %v, want %v", got, ids)
	}
}

func testJournal(t *testing.T, s takedown.Store) {
	ctx := context.Background()
	open(t, s, "case-a")
	open(t, s, "case-b")
	record(t, s, "case-a", takedown.Event{ID: "e1", Type: takedown.EventRemoved, At: base.Add(time.Minute)}, base.Add(time.Minute))
	var all []takedown.JournalEntry
	for after := uint64(0); ; {
		page, err := s.Journal(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
	if len(all) != 3 {
		t.Fatalf("journal has %d entries, want 3", len(all))
	}
	head, err := takedown.VerifyJournal(takedown.ChainHead{}, all)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := s.Head(ctx)
	if err != nil || stored != head {
		t.Fatalf("Head = %+v %v, want %+v", stored, err, head)
	}
	want := []string{"case-a/1", "case-b/1", "case-a/2"}
	for i, j := range all {
		if got := fmt.Sprintf("%s/%d", j.Case, j.CaseSeq); got != want[i] {
			t.Fatalf("journal[%d] = %s, want %s", i, got, want[i])
		}
	}
	evs, _ := s.Events(ctx, "case-a")
	if all[2].EventHash != evs[1].Hash {
		t.Fatal("journal entry does not carry the event hash")
	}
}

func testTimers(t *testing.T, s takedown.Store) {
	ctx := context.Background()
	if _, ok, err := s.NextWake(ctx, base); ok || err != nil {
		t.Fatalf("NextWake on empty store = %v, %v", ok, err)
	}
	open(t, s, "case-a") // timers: remove 30m warning, 1h due, 1h breach; report 12h, 24h, 24h
	at, ok, err := s.NextWake(ctx, base)
	if err != nil || !ok || !at.Equal(base.Add(30*time.Minute)) {
		t.Fatalf("NextWake = %v %v %v, want +30m", at, ok, err)
	}
	claims, err := s.Claim(ctx, base.Add(10*time.Minute), "w1", time.Minute, 10)
	if err != nil || len(claims) != 0 {
		t.Fatalf("Claim before anything is due = %v, %v", claims, err)
	}
	now := base.Add(time.Hour)
	claims, err = s.Claim(ctx, now, "w1", time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range claims {
		names = append(names, c.Deadline+"/"+c.Name())
		if c.Worker != "w1" || c.Attempt != 1 || !c.Until.Equal(now.Add(time.Minute)) {
			t.Fatalf("claim %+v: wrong lease fields", c)
		}
	}
	if want := []string{"remove/warning@0.5", "remove/due", "remove/breach"}; !slices.Equal(names, want) {
		t.Fatalf("claimed %v, want %v (at the same time: due before breach)", names, want)
	}
	if again, _ := s.Claim(ctx, now, "w2", time.Minute, 10); len(again) != 0 {
		t.Fatalf("a leased timer was claimed again: %v", again)
	}
	if at, ok, _ := s.NextWake(ctx, now); !ok || !at.Equal(now.Add(time.Minute)) {
		t.Fatalf("NextWake while leased = %v, want the lease expiry", at)
	}
	done := make([]takedown.Completion, len(claims))
	for i, c := range claims {
		done[i] = takedown.Completion{Claims: []takedown.Claim{c}, FiredAt: now}
	}
	errs, err := s.Complete(ctx, done)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range errs {
		if e != nil {
			t.Fatalf("Complete[%d] = %v", i, e)
		}
	}
	// Completing twice: the lease is gone.
	errs, _ = s.Complete(ctx, done[:1])
	if !errors.Is(errs[0], takedown.ErrLeaseLost) {
		t.Fatalf("second Complete = %v, want ErrLeaseLost", errs[0])
	}
	ds, err := s.Deliveries(ctx, "case-a")
	if err != nil || len(ds) != 3 {
		t.Fatalf("Deliveries = %v, %v", ds, err)
	}
	for _, d := range ds {
		if d.Worker != "w1" || d.Attempt != 1 || !d.FiredAt.Equal(now) || d.ID != "case-a/"+d.Deadline+"/"+d.Name {
			t.Fatalf("delivery %+v has wrong fields", d)
		}
	}
	if at, ok, _ := s.NextWake(ctx, now); !ok || !at.Equal(base.Add(12*time.Hour)) {
		t.Fatalf("NextWake after completion = %v, want +12h", at)
	}
	if again, _ := s.Claim(ctx, base.Add(2*time.Hour), "w2", time.Minute, 10); len(again) != 0 {
		t.Fatalf("a completed timer was claimed again: %v", again)
	}
}

func testLeaseExpiry(t *testing.T, s takedown.Store) {
	ctx := context.Background()
	open(t, s, "case-a")
	now := base.Add(30 * time.Minute)
	c1, err := s.Claim(ctx, now, "w1", time.Minute, 1)
	if err != nil || len(c1) != 1 {
		t.Fatalf("Claim = %v, %v", c1, err)
	}
	// w1 dies; after the lease w2 takes over with attempt 2.
	later := now.Add(2 * time.Minute)
	c2, err := s.Claim(ctx, later, "w2", time.Minute, 1)
	if err != nil || len(c2) != 1 || c2[0].Attempt != 2 || c2[0].Worker != "w2" || c2[0].DeliveryID() != c1[0].DeliveryID() {
		t.Fatalf("reclaim after expiry = %+v, %v", c2, err)
	}
	errs, _ := s.Complete(ctx, []takedown.Completion{{Claims: c1, FiredAt: later}})
	if !errors.Is(errs[0], takedown.ErrLeaseLost) {
		t.Fatalf("Complete with an expired, retaken lease = %v, want ErrLeaseLost", errs[0])
	}
	errs, _ = s.Complete(ctx, []takedown.Completion{{Claims: c2, FiredAt: later}})
	if errs[0] != nil {
		t.Fatalf("Complete by the new owner = %v", errs[0])
	}
	ds, _ := s.Deliveries(ctx, "case-a")
	if len(ds) != 1 || ds[0].Attempt != 2 || ds[0].Worker != "w2" {
		t.Fatalf("Deliveries = %+v", ds)
	}
}

func testCompleteConflict(t *testing.T, s takedown.Store) {
	ctx := context.Background()
	open(t, s, "case-a")
	now := base.Add(time.Hour)
	claims, _ := s.Claim(ctx, now, "w1", time.Minute, 10)
	var breach takedown.Claim
	for _, c := range claims {
		if c.Kind == takedown.TimerBreach {
			breach = c
		}
	}
	m := machine()
	stale := mustGet(t, s, "case-a")
	record(t, s, "case-a", takedown.Event{ID: "ack", Type: takedown.EventAcknowledged, At: now}, now)
	st, _ := m.Fire(stale, breach.Timer, now)
	errs, err := s.Complete(ctx, []takedown.Completion{{Claims: []takedown.Claim{breach}, Change: st.Change(nil), FiredAt: now}})
	if err != nil || !errors.Is(errs[0], takedown.ErrConflict) {
		t.Fatalf("Complete with a stale change = %v %v, want ErrConflict", errs, err)
	}
	if ds, _ := s.Deliveries(ctx, "case-a"); len(ds) != 0 {
		t.Fatal("a conflicting completion stored a delivery")
	}
	st, _ = m.Fire(mustGet(t, s, "case-a"), breach.Timer, now)
	errs, _ = s.Complete(ctx, []takedown.Completion{{Claims: []takedown.Claim{breach}, Change: st.Change(nil), FiredAt: now}})
	if errs[0] != nil {
		t.Fatalf("Complete after re-reading = %v", errs[0])
	}
	c := mustGet(t, s, "case-a")
	d, _ := c.Deadline("remove")
	if d.State != takedown.DeadlineBreached || c.Version != 3 {
		t.Fatalf("after breach: deadline %s, version %d", d.State, c.Version)
	}
	evs, _ := s.Events(ctx, "case-a")
	if err := takedown.VerifyChain(c, evs); err != nil {
		t.Fatal(err)
	}
}

// testCompleteGroup completes two timers of one case with one change: all or nothing.
func testCompleteGroup(t *testing.T, s takedown.Store) {
	ctx := context.Background()
	open(t, s, "case-a")
	now := base.Add(time.Hour)
	claims, _ := s.Claim(ctx, now, "w1", time.Minute, 10)
	var due, breach takedown.Claim
	for _, c := range claims {
		switch c.Kind {
		case takedown.TimerDue:
			due = c
		case takedown.TimerBreach:
			breach = c
		}
	}
	m := machine()
	c := mustGet(t, s, "case-a")
	st1, _ := m.Fire(c, due.Timer, now)
	mid := st1.Case.Clone()
	mid.Version = c.Version
	st2, _ := m.Fire(mid, breach.Timer, now)
	change := st2.Change(nil)
	change.Events = append(slices.Clone(st1.Events), st2.Events...)
	// One claim of the group lost its lease: nothing of the group is recorded.
	stale := breach
	stale.Attempt++
	errs, err := s.Complete(ctx, []takedown.Completion{{Claims: []takedown.Claim{due, stale}, Change: change, FiredAt: now}})
	if err != nil || !errors.Is(errs[0], takedown.ErrLeaseLost) {
		t.Fatalf("group with a lost lease = %v %v, want ErrLeaseLost", errs, err)
	}
	if ds, _ := s.Deliveries(ctx, "case-a"); len(ds) != 0 || mustGet(t, s, "case-a").Version != 1 {
		t.Fatal("a failed group left deliveries or a case change behind")
	}
	errs, _ = s.Complete(ctx, []takedown.Completion{{Claims: []takedown.Claim{due, breach}, Change: change, FiredAt: now}})
	if errs[0] != nil {
		t.Fatalf("group completion = %v", errs[0])
	}
	got := mustGet(t, s, "case-a")
	evs, _ := s.Events(ctx, "case-a")
	if ds, _ := s.Deliveries(ctx, "case-a"); len(ds) != 2 || got.Version != 2 || len(evs) != 3 {
		t.Fatalf("after the group: %d deliveries, version %d, %d events", len(ds), got.Version, len(evs))
	}
	if err := takedown.VerifyChain(got, evs); err != nil {
		t.Fatal(err)
	}
}

func testCancel(t *testing.T, s takedown.Store) {
	ctx := context.Background()
	open(t, s, "case-a")
	open(t, s, "case-b")
	record(t, s, "case-a", takedown.Event{ID: "close", Type: takedown.EventClosed, At: base.Add(time.Minute)}, base.Add(time.Minute))
	claims, err := s.Claim(ctx, base.Add(48*time.Hour), "w", time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range claims {
		if c.Case == "case-a" {
			t.Fatalf("timer %s of a closed case is still there", c.DeliveryID())
		}
	}
	if len(claims) != 6 {
		t.Fatalf("claimed %d timers of case-b, want 6", len(claims))
	}
}

func testConcurrentClaims(t *testing.T, s takedown.Store) {
	ctx := context.Background()
	const cases = 40
	for i := range cases {
		open(t, s, fmt.Sprintf("case-%02d", i))
	}
	now := base.Add(48 * time.Hour)
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			worker := fmt.Sprintf("w%d", w)
			for {
				claims, err := s.Claim(ctx, now, worker, time.Hour, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(claims) == 0 {
					return
				}
				done := make([]takedown.Completion, len(claims))
				for i, c := range claims {
					done[i] = takedown.Completion{Claims: []takedown.Claim{c}, FiredAt: now}
					mu.Lock()
					got[c.DeliveryID()]++
					mu.Unlock()
				}
				errs, err := s.Complete(ctx, done)
				if err != nil {
					t.Error(err)
					return
				}
				for _, e := range errs {
					if e != nil {
						t.Errorf("Complete: %v", e)
					}
				}
			}
		})
	}
	wg.Wait()
	if len(got) != cases*6 {
		t.Fatalf("claimed %d distinct timers, want %d", len(got), cases*6)
	}
	for id, n := range got {
		if n != 1 {
			t.Fatalf("timer %s claimed %d times", id, n)
		}
	}
	total := 0
	for i := range cases {
		ds, _ := s.Deliveries(ctx, fmt.Sprintf("case-%02d", i))
		total += len(ds)
	}
	if total != cases*6 {
		t.Fatalf("%d deliveries stored, want %d", total, cases*6)
	}
}

func testConcurrentUpdates(t *testing.T, s takedown.Store) {
	// Many writers race on one case through an Engine: every event is applied exactly
	// once and the chain verifies.
	ctx := context.Background()
	e, err := takedown.NewEngine(s, machine().Policy, &takedown.Options{Now: func() time.Time { return base.Add(time.Minute) }})
	if err != nil {
		t.Fatal(err)
	}
	n := notice("concurrent")
	n.ReceivedAt = base
	c, err := e.Open(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 5
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				ev := takedown.Event{ID: fmt.Sprintf("pres-%d-%d", w, i), Type: takedown.EventPreserved}
				if _, err := e.Record(ctx, c.ID, ev); err != nil {
					t.Errorf("Record: %v", err)
				}
				// The same event again, concurrently with others: a no-op.
				if _, err := e.Record(ctx, c.ID, ev); err != nil {
					t.Errorf("Record again: %v", err)
				}
			}
		})
	}
	wg.Wait()
	got, _ := e.Get(ctx, c.ID)
	if got.Seq != 1+writers*each {
		t.Fatalf("case has %d audit events, want %d", got.Seq, 1+writers*each)
	}
	if err := e.Verify(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.VerifyAll(ctx); err != nil {
		t.Fatal(err)
	}
}

// testEnginesNeverFireTwice runs two engines with different workers on one store and
// counts hook calls per delivery.
func testEnginesNeverFireTwice(t *testing.T, s takedown.Store) {
	ctx := context.Background()
	var mu sync.Mutex
	calls := map[string]int{}
	count := func(_ context.Context, f takedown.Firing) {
		mu.Lock()
		calls[f.DeliveryID]++
		mu.Unlock()
	}
	var clock struct {
		sync.Mutex
		t time.Time
	}
	clock.t = base
	now := func() time.Time { clock.Lock(); defer clock.Unlock(); return clock.t }
	opts := func(w string) *takedown.Options {
		return &takedown.Options{Now: now, WorkerID: w, BatchSize: 5, Warnings: []float64{0.5},
			Hooks: takedown.Hooks{OnWarning: count, OnDue: count, OnBreach: count}}
	}
	e1, err := takedown.NewEngine(s, machine().Policy, opts("engine-1"))
	if err != nil {
		t.Fatal(err)
	}
	e2, _ := takedown.NewEngine(s, machine().Policy, opts("engine-2"))
	const cases = 30
	for i := range cases {
		n := notice(fmt.Sprintf("n-%d", i))
		n.ReceivedAt = base.Add(-time.Duration(i) * time.Minute)
		if _, err := e1.Open(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []time.Duration{30 * time.Minute, time.Hour, 13 * time.Hour, 25 * time.Hour} {
		clock.Lock()
		clock.t = base.Add(step)
		clock.Unlock()
		var wg sync.WaitGroup
		for _, e := range []*takedown.Engine{e1, e2} {
			wg.Go(func() {
				if _, err := e.Tick(ctx); err != nil {
					t.Errorf("Tick: %v", err)
				}
			})
		}
		wg.Wait()
	}
	if len(calls) != cases*6 {
		t.Fatalf("%d distinct firings, want %d", len(calls), cases*6)
	}
	if _, ok, err := s.NextWake(ctx, base.Add(100*time.Hour)); ok || err != nil {
		t.Fatalf("timers left after every firing: %v %v", ok, err)
	}
	for id, n := range calls {
		if n != 1 {
			t.Fatalf("%s fired %d times", id, n)
		}
	}
	if _, err := e1.VerifyAll(ctx); err != nil {
		t.Fatal(err)
	}
}

func testEngineLifecycle(t *testing.T, s takedown.Store) {
	ctx := context.Background()
	now := base
	e, err := takedown.NewEngine(s, machine().Policy, &takedown.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.Open(ctx, notice("life"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.Open(ctx, notice("life"))
	if err != nil || again.ID != c.ID {
		t.Fatalf("repeated Open = %v, %v; want the same case", again, err)
	}
	other := notice("life")
	other.Priority = 2
	if _, err := e.Open(ctx, other); !errors.Is(err, takedown.ErrIDReused) {
		t.Fatalf("Open with a reused ID = %v, want ErrIDReused", err)
	}
	now = base.Add(20 * time.Minute)
	if _, err := e.Record(ctx, c.ID, takedown.Event{ID: "rm", Type: takedown.EventRemoved}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Record(ctx, c.ID, takedown.Event{ID: "rm2", Type: takedown.EventRemoved}); !errors.Is(err, takedown.ErrIllegalTransition) {
		t.Fatalf("second removal = %v, want ErrIllegalTransition", err)
	}
	now = base.Add(2 * time.Hour)
	got, err := e.Record(ctx, c.ID, takedown.Event{ID: "rep", Type: takedown.EventReported,
		Receipt: &takedown.Receipt{Agency: "NCMEC", ID: "12345"}})
	if err != nil {
		t.Fatal(err)
	}
	rm, _ := got.Deadline("remove")
	rep, _ := got.Deadline("report:NCMEC")
	if rm.State != takedown.DeadlineMet || rep.State != takedown.DeadlineMet {
		t.Fatalf("deadlines %s / %s, want met", rm.State, rep.State)
	}
	now = base.Add(30 * time.Hour)
	// Both deadlines were met before any timer came due, so their timers were
	// cancelled: nothing fires.
	if n, err := e.Tick(ctx); err != nil || n != 0 {
		t.Fatalf("Tick fired %d (%v), want 0", n, err)
	}
	if _, err := e.Record(ctx, c.ID, takedown.Event{ID: "close", Type: takedown.EventClosed}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Record(ctx, c.ID, takedown.Event{ID: "ack", Type: takedown.EventAcknowledged}); !errors.Is(err, takedown.ErrIllegalTransition) {
		t.Fatalf("event on a closed case = %v, want ErrIllegalTransition", err)
	}
	if err := e.Verify(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	list, _, err := e.List(ctx, takedown.Filter{Status: []takedown.Status{takedown.StatusClosed}})
	if err != nil || len(list) != 1 || list[0].ID != c.ID {
		t.Fatalf("List(closed) = %v, %v", list, err)
	}
}

func testContextCancelled(t *testing.T, s takedown.Store) {
	open(t, s, "case-a")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Get(ctx, "case-a"); err == nil {
		t.Fatal("Get with a cancelled context succeeded")
	}
	st, _ := machine().Open("case-b", notice("b"), base)
	if err := s.Create(ctx, st.Change(nil)); err == nil {
		t.Fatal("Create with a cancelled context succeeded")
	}
	if _, err := s.Get(context.Background(), "case-b"); !errors.Is(err, takedown.ErrNotFound) {
		t.Fatalf("a cancelled Create stored the case: %v", err)
	}
}
