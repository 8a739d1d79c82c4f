package dsa_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/mnr-sdk/mnr/internal/agencytest"
	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/dsa"
	"github.com/mnr-sdk/mnr/reporting/internal/soak"
)

// The DSA soak: 1,000 statements through the outbox in batches of up to 100
// against the fake Transparency Database with 20% of requests faulted, the
// submitting process SIGKILLed twice at random points and restarted. At the end
// the database must hold exactly 1,000 statements, one per puid, and every
// submission its uuid and a stored receipt.
const (
	soakStatements = 1000
	soakFaultRate  = 0.20
	soakSeed       = 20260711
)

func soakClient(url, token string, hooks reporting.Hooks) (*reporting.Client, error) {
	return dsa.NewClient(url, func() (string, error) { return token, nil }, &reporting.ClientOptions{
		Limiter:        rate.NewLimiter(rate.Inf, 1),
		InitialBackoff: time.Millisecond,
		MaxBackoff:     10 * time.Millisecond,
		AttemptTimeout: 5 * time.Second,
		RetryTokens:    -1,
		Hooks:          hooks,
	})
}

func TestSoakDSA(t *testing.T) {
	if soak.IsChild(t.Name()) {
		soakDSAChild(t)
		return
	}
	start := time.Now()
	dir := t.TempDir()
	db := filepath.Join(dir, "outbox.bolt")
	fake := agencytest.NewDSA(&agencytest.DSAOptions{SlowDelay: 20 * time.Millisecond})
	defer fake.Close()
	fake.Faults().SetRandom(soakFaultRate, soakSeed, nil)

	store, err := soak.OpenBolt(db)
	if err != nil {
		t.Fatal(err)
	}
	client, err := soakClient(fake.URL(), fake.Token(), reporting.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	ob, err := reporting.NewOutbox(store, []reporting.Destination{{Agency: dsa.New(nil), Client: client}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := soak.Enqueue(ctx, ob, dsa.Name, soakStatements, func(i int) *reporting.Report { return removal(fmt.Sprintf("soak-%04d", i)) }); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	rng := rand.New(rand.NewPCG(soakSeed, 1))
	killAt := []int{100 + rng.IntN(300), 500 + rng.IntN(300)}
	env := []string{"SOAK_DB=" + db, "SOAK_URL=" + fake.URL(), "SOAK_TOKEN=" + fake.Token(), "SOAK_DIR=" + dir}
	var kills []string
	for run := 0; run < 3; run++ {
		child := soak.Start(t, t.Name(), append(env, "SOAK_RUN="+strconv.Itoa(run))...)
		if run < len(killAt) {
			deadline := time.Now().Add(3 * time.Minute)
			for fake.Count() < killAt[run] {
				select {
				case <-child.Done():
					err, out := child.Wait()
					t.Fatalf("child %d ended before its kill point: %v\n%s", run, err, out)
				default:
				}
				if time.Now().After(deadline) {
					t.Fatalf("child %d made no progress to %d statements", run, killAt[run])
				}
				time.Sleep(time.Duration(1+rng.IntN(3)) * time.Millisecond)
			}
			time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
			n := fake.Count()
			child.Kill()
			kills = append(kills, fmt.Sprintf("SIGKILL at %d statements", n))
			continue
		}
		select {
		case <-child.Done():
		case <-time.After(5 * time.Minute):
			child.Kill()
			_, out := child.Wait()
			t.Fatalf("final child did not finish in 5 minutes\n%s", out)
		}
		if err, out := child.Wait(); err != nil {
			t.Fatalf("final child: %v\n%s", err, out)
		}
	}
	elapsed := time.Since(start)

	stored := map[string]agencytest.DSAStatement{}
	batched := 0
	for _, st := range fake.Statements() {
		if _, dup := stored[st.PUID]; dup {
			t.Errorf("puid %s stored twice", st.PUID)
		}
		stored[st.PUID] = st
		if st.Batch {
			batched++
		}
	}
	if len(stored) != soakStatements {
		t.Errorf("statements at the database: %d, want %d", len(stored), soakStatements)
	}

	store, err = soak.OpenBolt(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	seen, stepRetries, duplicates := 0, 0, 0
	after := ""
	for {
		subs, err := store.List(ctx, reporting.Query{After: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) == 0 {
			break
		}
		for _, s := range subs {
			seen++
			after = s.ID
			st, ok := stored[s.Report.ID]
			switch {
			case s.State != reporting.StateDone:
				t.Errorf("%s: state %s (%s)", s.ID, s.State, s.Error)
			case !ok:
				t.Errorf("%s: done in the store but absent from the database", s.ID)
			case s.Progress.IDs["uuid"] != st.UUID:
				t.Errorf("%s: stored uuid %q, database %q", s.ID, s.Progress.IDs["uuid"], st.UUID)
			}
			if len(s.Progress.Receipts) == 0 || len(s.Progress.Receipts[0].Body) == 0 {
				t.Errorf("%s: no receipt", s.ID)
			} else if strings.Contains(s.Progress.Receipts[0].Note, "already holds") {
				duplicates++
			}
			for _, e := range s.History {
				if strings.HasPrefix(e.Note, "will retry") {
					stepRetries++
				}
			}
		}
	}
	if seen != soakStatements {
		t.Errorf("submissions in the store: %d, want %d", seen, soakStatements)
	}
	stats, err := soak.ReadStats(filepath.Join(dir, "stats-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	req := fake.Requests()
	t.Logf("soak dsa: %d statements, %d stored at the database (%d created by batch calls), %d lost",
		soakStatements, len(stored), batched, soakStatements-len(stored))
	t.Logf("soak dsa: faults injected (%.0f%% of mutating requests): %s; batch calls %d, single calls %d, puid lookups %d",
		soakFaultRate*100, agencytest.FormatCounts(fake.Faults().Injected()), req["/api/v1/statements"], req["/api/v1/statement"], req["/api/v1/statement/existing-puid/*"])
	t.Logf("soak dsa: client retries >= %d, outbox step retries %d, duplicate puids settled as success %d (replays after a lost answer or a kill)",
		stats["client_retries"], stepRetries, duplicates)
	t.Logf("soak dsa: store writes >= %d updates and %d claims", stats["store_updates"], stats["store_claims"])
	t.Logf("soak dsa: kills: %s; elapsed %s", strings.Join(kills, ", "), elapsed.Round(time.Millisecond))
}

func soakDSAChild(t *testing.T) {
	stats := soak.NewStats(filepath.Join(os.Getenv("SOAK_DIR"), "stats-"+os.Getenv("SOAK_RUN")+".json"))
	store, err := soak.OpenBolt(os.Getenv("SOAK_DB"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	counted := soak.Counted(store, stats)
	client, err := soakClient(os.Getenv("SOAK_URL"), os.Getenv("SOAK_TOKEN"), reporting.Hooks{
		OnRetry: func(context.Context, reporting.RetryInfo) { stats.Add("client_retries", 1) },
	})
	if err != nil {
		t.Fatal(err)
	}
	agency := dsa.New(&dsa.Options{BatchSize: dsa.MaxBatch, BatchWindow: 20 * time.Millisecond})
	ob, err := reporting.NewOutbox(counted, []reporting.Destination{{Agency: agency, Client: client}}, &reporting.OutboxOptions{
		Concurrency:     dsa.MaxBatch,
		PollInterval:    10 * time.Millisecond,
		Lease:           time.Second,
		MaxAttempts:     50,
		RetryBackoff:    5 * time.Millisecond,
		MaxRetryBackoff: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go stats.FlushEvery(ctx, 100*time.Millisecond)
	done := make(chan error, 1)
	go func() { done <- ob.Run(ctx) }()
	for {
		time.Sleep(50 * time.Millisecond)
		open := 0
		for _, st := range []reporting.State{reporting.StatePending, reporting.StateInProgress, reporting.StateUnknown} {
			subs, err := ob.List(ctx, reporting.Query{State: st, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			open += len(subs)
		}
		if open == 0 {
			break
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	_ = stats.Flush()
}
