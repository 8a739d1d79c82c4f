package dsa_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	return dsa.NewClient(url, func() (string, error) { return token, nil }, soak.ClientOptions(hooks))
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

	client, err := soakClient(fake.URL(), fake.Token(), reporting.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	soak.Accept(t, db, reporting.Destination{Agency: dsa.New(nil), Client: client}, soakStatements, func(i int) *reporting.Report { return removal(fmt.Sprintf("soak-%04d", i)) })

	env := []string{"SOAK_DB=" + db, "SOAK_URL=" + fake.URL(), "SOAK_TOKEN=" + fake.Token(), "SOAK_DIR=" + dir}
	kills := soak.RunChildren(t, t.Name(), env, soak.Kills{Seed: soakSeed, Progress: fake.Count, Unit: "statements", Poll: 3, Settle: 20})
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

	store, err := soak.OpenBolt(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	stepRetries, duplicates := 0, 0
	seen := soak.Each(t, store, func(s *reporting.Submission) {
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
	})
	if seen != soakStatements {
		t.Errorf("submissions in the store: %d, want %d", seen, soakStatements)
	}
	stats, err := soak.ReadRunStats(dir)
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
	counted, stats, hooks := soak.OpenChild(t)
	client, err := soakClient(os.Getenv("SOAK_URL"), os.Getenv("SOAK_TOKEN"), hooks)
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
	soak.Drive(t, ob, stats)
}
