package pgstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/mnr-sdk/mnr/internal/pgtest"
	"github.com/mnr-sdk/mnr/takedown"
	"github.com/mnr-sdk/mnr/takedown/pgstore"
	"github.com/mnr-sdk/mnr/takedown/storetest"
)

func pool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	p, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) takedown.Store {
		s, err := pgstore.New(context.Background(), pool(t, pgtest.Database(t)), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestMigrateConcurrently starts several replicas on an empty database at once: the
// advisory lock makes exactly one of them create the schema.
func TestMigrateConcurrently(t *testing.T) {
	url := pgtest.Database(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		p := pool(t, url)
		wg.Go(func() {
			_, errs[i] = pgstore.New(context.Background(), p, nil)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := pool(t, url).QueryRow(context.Background(), "SELECT count(*) FROM takedown_schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d migrations recorded, want 1", n)
	}
}

// TestTwoReplicasNeverFireTwice runs two engines, each with its own connection pool and
// store (as two replicas would), with Run on real time against one database, and
// checks that every deadline's hooks fire exactly once.
func TestTwoReplicasNeverFireTwice(t *testing.T) {
	url := pgtest.Database(t)
	// A generous bound so that a bug hangs no longer than this; nothing is timed.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var mu sync.Mutex
	calls := map[string][]string{}
	count := func(worker string) func(context.Context, takedown.Firing) {
		return func(_ context.Context, f takedown.Firing) {
			mu.Lock()
			calls[f.DeliveryID] = append(calls[f.DeliveryID], worker)
			mu.Unlock()
		}
	}
	// Deadlines of 1 s: every case fires a warning, a due and a breach within a couple
	// of seconds of opening.
	policy := &takedown.Policy{Rules: []takedown.Rule{{ID: "fast", Jurisdiction: "US", Duty: takedown.DutyRemove,
		Deadline: time.Second, Citation: "test", Confidence: takedown.Primary}}}
	var engines []*takedown.Engine
	for _, w := range []string{"replica-a", "replica-b"} {
		s, err := pgstore.New(ctx, pool(t, url), nil)
		if err != nil {
			t.Fatal(err)
		}
		e, err := takedown.NewEngine(s, policy, &takedown.Options{WorkerID: w, Warnings: []float64{0.5},
			PollInterval: 50 * time.Millisecond, BatchSize: 8,
			Hooks: takedown.Hooks{OnWarning: count(w), OnDue: count(w), OnBreach: count(w)}})
		if err != nil {
			t.Fatal(err)
		}
		engines = append(engines, e)
	}
	var wg sync.WaitGroup
	for _, e := range engines {
		wg.Go(func() {
			if err := e.Run(ctx); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	const cases = 60
	var ids []string
	for i := range cases {
		c, err := engines[i%2].Open(ctx, takedown.Notice{ID: fmt.Sprintf("n%d", i), Trigger: takedown.TriggerUserNotice,
			Jurisdictions: []takedown.Jurisdiction{"US"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	// Wait (by polling the database, not by timing) until every firing is recorded.
	check := pool(t, url)
	for {
		var n int
		if err := check.QueryRow(ctx, "SELECT count(*) FROM takedown_fired").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == cases*3 {
			break
		}
		if err := ctx.Err(); err != nil {
			t.Fatalf("only %d of %d firings happened: %v", n, cases*3, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	byWorker := map[string]int{}
	for id, ws := range calls {
		if len(ws) != 1 {
			t.Fatalf("%s fired %d times (%v)", id, len(ws), ws)
		}
		byWorker[ws[0]]++
	}
	t.Logf("firings by replica: %v", byWorker)
	s, _ := pgstore.New(context.Background(), pool(t, url), nil)
	for _, id := range ids {
		ds, err := s.Deliveries(context.Background(), id)
		if err != nil || len(ds) != 3 {
			t.Fatalf("case %s: %d deliveries (%v), want 3", id, len(ds), err)
		}
	}
	e, _ := takedown.NewEngine(s, policy, nil)
	if _, err := e.VerifyAll(context.Background()); err != nil {
		t.Fatal(err)
	}
}
