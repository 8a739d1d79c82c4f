package dsa_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/mnr-sdk/mnr/internal/agencytest"
	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/dsa"
)

type harness struct {
	t      *testing.T
	fake   *agencytest.DSA
	client *reporting.Client
	agency *dsa.Agency
	outbox *reporting.Outbox
}

func newHarness(t *testing.T, fo *agencytest.DSAOptions, ao *dsa.Options, concurrency int) *harness {
	t.Helper()
	h := &harness{t: t, fake: agencytest.NewDSA(fo)}
	t.Cleanup(func() { h.fake.Close() })
	var err error
	h.client, err = dsa.NewClient(h.fake.URL(), func() (string, error) { return h.fake.Token(), nil }, &reporting.ClientOptions{
		Limiter:        rate.NewLimiter(rate.Inf, 1),
		InitialBackoff: time.Millisecond,
		MaxBackoff:     5 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.agency = dsa.New(ao)
	h.outbox, err = reporting.NewOutbox(reporting.NewMemStore(), []reporting.Destination{{Agency: h.agency, Client: h.client}}, &reporting.OutboxOptions{
		RetryBackoff:    time.Millisecond,
		MaxRetryBackoff: 5 * time.Millisecond,
		Concurrency:     concurrency,
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// run enqueues the reports and drives the outbox until every submission is
// terminal.
func (h *harness) run(rs ...*reporting.Report) []*reporting.Submission {
	h.t.Helper()
	ctx := context.Background()
	ids := make([]string, len(rs))
	for i, r := range rs {
		s, err := h.outbox.Enqueue(ctx, dsa.Name, r, reporting.EnqueueOptions{})
		if err != nil {
			h.t.Fatalf("enqueue %s: %v", r.ID, err)
		}
		ids[i] = s.ID
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := h.outbox.RunOnce(ctx); err != nil {
			h.t.Fatal(err)
		}
		out := make([]*reporting.Submission, len(ids))
		all := true
		for i, id := range ids {
			s, err := h.outbox.Get(ctx, id)
			if err != nil {
				h.t.Fatal(err)
			}
			out[i] = s
			all = all && s.State.Terminal()
		}
		if all {
			return out
		}
		if time.Now().After(deadline) {
			h.t.Fatal("submissions not terminal after 30s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSubmitSingle(t *testing.T) {
	h := newHarness(t, nil, nil, 2)
	subs := h.run(removal("case-1"), incompatible("case-2"), trafficking("case-3"), sextortion("case-4"))
	for _, s := range subs {
		if s.State != reporting.StateDone {
			t.Fatalf("%s: %s %s", s.ID, s.State, s.Error)
		}
		st, ok := h.fake.Statement(s.Progress.IDs["puid"])
		if !ok || st.UUID != s.Progress.IDs["uuid"] || st.Batch {
			t.Errorf("%s: database has %+v, stored uuid %q", s.ID, st, s.Progress.IDs["uuid"])
		}
		if len(s.Progress.Receipts) != 1 || !strings.Contains(string(s.Progress.Receipts[0].Body), st.UUID) {
			t.Errorf("%s: receipt does not hold the created statement", s.ID)
		}
	}
	if n := len(h.fake.Statements()); n != 4 {
		t.Fatalf("statements: %d", n)
	}
}

// TestDuplicateIsSuccess: a statement sent again (a second outbox, the same puid)
// is an idempotent success that records the existing uuid.
func TestDuplicateIsSuccess(t *testing.T) {
	h := newHarness(t, nil, nil, 1)
	first := h.run(removal("case-dup"))[0]
	other, err := reporting.NewOutbox(reporting.NewMemStore(), []reporting.Destination{{Agency: h.agency, Client: h.client}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h.outbox = other
	second := h.run(removal("case-dup"))[0]
	if second.State != reporting.StateDone {
		t.Fatalf("second: %s %s", second.State, second.Error)
	}
	if second.Progress.IDs["uuid"] != first.Progress.IDs["uuid"] {
		t.Errorf("uuid %q, want the existing %q", second.Progress.IDs["uuid"], first.Progress.IDs["uuid"])
	}
	if !strings.Contains(second.Progress.Receipts[0].Note, "idempotent success") {
		t.Errorf("receipt note %q", second.Progress.Receipts[0].Note)
	}
	if n := len(h.fake.Statements()); n != 1 {
		t.Errorf("statements: %d, want 1", n)
	}
	if h.fake.DuplicateAttempts()["case-dup"] != 1 {
		t.Errorf("duplicate attempts: %v", h.fake.DuplicateAttempts())
	}
}

func reports(prefix string, n int) []*reporting.Report {
	rs := make([]*reporting.Report, n)
	for i := range rs {
		rs[i] = removal(fmt.Sprintf("%s-%03d", prefix, i))
	}
	return rs
}

func TestSubmitBatched(t *testing.T) {
	h := newHarness(t, nil, &dsa.Options{BatchSize: 100, BatchWindow: 20 * time.Millisecond}, 100)
	subs := h.run(reports("b", 250)...)
	batched := 0
	for _, s := range subs {
		if s.State != reporting.StateDone {
			t.Fatalf("%s: %s %s", s.ID, s.State, s.Error)
		}
		if strings.Contains(s.Progress.Receipts[0].Note, "batch") {
			batched++
		}
	}
	if n := len(h.fake.Statements()); n != 250 {
		t.Fatalf("statements: %d", n)
	}
	calls := h.fake.Requests()["/api/v1/statements"]
	if calls == 0 || batched == 0 {
		t.Fatalf("no batch was sent (calls %d, batched receipts %d)", calls, batched)
	}
	if calls > 20 {
		t.Errorf("%d batch calls for 250 statements", calls)
	}
}

// TestBatchAllOrNothing: the database refuses one statement of a batch; that one
// fails with its field errors and the others are sent again and created.
func TestBatchAllOrNothing(t *testing.T) {
	refuse := func(st map[string]json.RawMessage) map[string][]string {
		if string(st["puid"]) == `"x-003"` {
			return map[string][]string{"decision_facts": {"The decision facts field is refused by this test."}}
		}
		return nil
	}
	h := newHarness(t, &agencytest.DSAOptions{ExtraRule: refuse}, &dsa.Options{BatchSize: 10}, 1)
	rs := reports("x", 8)
	res := h.agency.Submit(context.Background(), h.client.Do, rs)
	for i, r := range res {
		if i == 3 {
			var ve *dsa.ValidationError
			if !errors.As(r.Err, &ve) || ve.Fields["decision_facts"] == nil || !errors.Is(r.Err, reporting.ErrPermanent) {
				t.Fatalf("refused statement: %v", r.Err)
			}
			continue
		}
		if r.Err != nil || r.UUID == "" {
			t.Fatalf("statement %d: %+v", i, r)
		}
	}
	if n := len(h.fake.Statements()); n != 7 {
		t.Fatalf("statements: %d, want 7", n)
	}
	if h.fake.Requests()["/api/v1/statements"] != 2 {
		t.Errorf("batch calls: %d, want 2 (refused, then the rest)", h.fake.Requests()["/api/v1/statements"])
	}
}

// TestBatchExistingPUIDs: a batch holding puids the database already has; they are
// duplicates (success, uuid looked up) and the rest is created.
func TestBatchExistingPUIDs(t *testing.T) {
	h := newHarness(t, nil, &dsa.Options{BatchSize: 10}, 1)
	rs := reports("e", 6)
	first := h.agency.Submit(context.Background(), h.client.Do, rs[:2])
	res := h.agency.Submit(context.Background(), h.client.Do, rs)
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("%d: %v", i, r.Err)
		}
		if i < 2 && (!r.Duplicate || r.UUID != first[i].UUID) {
			t.Errorf("%d: duplicate %v uuid %q, want the existing %q", i, r.Duplicate, r.UUID, first[i].UUID)
		}
		if i >= 2 && r.Duplicate {
			t.Errorf("%d: unexpected duplicate", i)
		}
	}
	if n := len(h.fake.Statements()); n != 6 {
		t.Fatalf("statements: %d", n)
	}
}

// TestBatchManyExistingPUIDs: a batch of 100 of which 60 puids the database
// already holds. Its 422 lists them all (well over the 512 bytes APIError.Body
// keeps), so the driver settles the 60 as duplicates and sends the other 40 as
// one more batch: no statement goes one by one.
func TestBatchManyExistingPUIDs(t *testing.T) {
	h := newHarness(t, nil, &dsa.Options{BatchSize: dsa.MaxBatch}, 1)
	rs := reports("many-existing-puids", 100)
	ctx := context.Background()
	first := h.agency.Submit(ctx, h.client.Do, rs[:60])
	for i, r := range first {
		if r.Err != nil {
			t.Fatalf("first submit %d: %v", i, r.Err)
		}
	}
	before := h.fake.Requests()
	res := h.agency.Submit(ctx, h.client.Do, rs)
	after := h.fake.Requests()
	for i, r := range res {
		switch {
		case r.Err != nil:
			t.Fatalf("%d: %v", i, r.Err)
		case i < 60 && (!r.Duplicate || r.UUID != first[i].UUID):
			t.Errorf("%d: duplicate %v uuid %q, want the existing %q", i, r.Duplicate, r.UUID, first[i].UUID)
		case i < 60 && !strings.Contains(string(r.Receipt.Body), first[i].UUID):
			t.Errorf("%d: the receipt does not name the existing statement", i)
		case i >= 60 && (r.Duplicate || r.UUID == ""):
			t.Errorf("%d: duplicate %v uuid %q, want a new statement", i, r.Duplicate, r.UUID)
		}
	}
	if n := h.fake.Count(); n != 100 {
		t.Fatalf("statements: %d, want 100", n)
	}
	if d := after["/api/v1/statement"] - before["/api/v1/statement"]; d != 0 {
		t.Errorf("%d statements were sent one by one, want 0", d)
	}
	if d := after["/api/v1/statements"] - before["/api/v1/statements"]; d != 2 {
		t.Errorf("batch calls: %d, want 2 (60 existing, then the other 40)", d)
	}
}

func TestFaults(t *testing.T) {
	for _, batchSize := range []int{1, 25} {
		for _, k := range agencytest.AllFaults() {
			t.Run(fmt.Sprintf("batch%d/%s", batchSize, k), func(t *testing.T) {
				h := newHarness(t, &agencytest.DSAOptions{SlowDelay: 20 * time.Millisecond}, &dsa.Options{BatchSize: batchSize, BatchWindow: 10 * time.Millisecond}, 25)
				path := "/api/v1/statement"
				if batchSize > 1 {
					path = "/api/v1/statements"
				}
				h.fake.Faults().Script(path, k, k)
				subs := h.run(reports("f", 25)...)
				for _, s := range subs {
					if s.State != reporting.StateDone {
						t.Fatalf("%s: %s %s", s.ID, s.State, s.Error)
					}
				}
				if n := len(h.fake.Statements()); n != 25 {
					t.Fatalf("statements: %d, want 25", n)
				}
				if h.fake.Faults().Injected()[k] == 0 {
					t.Fatal("no fault injected")
				}
				for _, s := range subs {
					st, _ := h.fake.Statement(s.Progress.IDs["puid"])
					if u := s.Progress.IDs["uuid"]; u == "" || u != st.UUID {
						t.Errorf("%s: uuid %s, database %s", s.ID, u, st.UUID)
					}
				}
			})
		}
	}
}

func TestPermanentErrors(t *testing.T) {
	t.Run("bad token", func(t *testing.T) {
		h := newHarness(t, nil, nil, 1)
		c, _ := dsa.NewClient(h.fake.URL(), func() (string, error) { return "stale", nil }, &reporting.ClientOptions{Limiter: rate.NewLimiter(rate.Inf, 1)})
		res := h.agency.Submit(context.Background(), c.Do, []*reporting.Report{removal("t-1")})
		var ae *reporting.APIError
		if !errors.As(res[0].Err, &ae) || ae.StatusCode != 401 || !errors.Is(res[0].Err, reporting.ErrPermanent) {
			t.Fatalf("got %v", res[0].Err)
		}
	})
	t.Run("refused single", func(t *testing.T) {
		h := newHarness(t, &agencytest.DSAOptions{ExtraRule: func(map[string]json.RawMessage) map[string][]string {
			return map[string][]string{"category": {"The selected category is invalid."}}
		}}, nil, 1)
		s := h.run(removal("r-1"))[0]
		if s.State != reporting.StateFailed || !strings.Contains(s.Error, "category") {
			t.Fatalf("state %s: %s", s.State, s.Error)
		}
	})
}

// TestSamePUIDInOneWindow: two submissions with the same puid arrive while a batch
// is open; one is created, the other settles as its duplicate.
func TestSamePUIDInOneWindow(t *testing.T) {
	h := newHarness(t, nil, &dsa.Options{BatchSize: 10, BatchWindow: 30 * time.Millisecond}, 10)
	a, b := removal("twin-a"), removal("twin-b")
	a.Extra = map[string]string{dsa.ExtraPUID: "twin"}
	b.Extra = map[string]string{dsa.ExtraPUID: "twin"}
	subs := h.run(a, b, removal("other-1"), removal("other-2"))
	for _, s := range subs {
		if s.State != reporting.StateDone {
			t.Fatalf("%s: %s %s", s.ID, s.State, s.Error)
		}
	}
	if n := h.fake.Count(); n != 3 {
		t.Fatalf("statements: %d, want 3", n)
	}
	if subs[0].Progress.IDs["uuid"] != subs[1].Progress.IDs["uuid"] {
		t.Errorf("twins have different uuids: %q %q", subs[0].Progress.IDs["uuid"], subs[1].Progress.IDs["uuid"])
	}
}
