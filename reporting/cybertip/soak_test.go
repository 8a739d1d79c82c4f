package cybertip_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mnr-sdk/mnr/internal/agencytest"
	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/cybertip"
	"github.com/mnr-sdk/mnr/reporting/internal/soak"
)

// The soak: 1,000 reports through the outbox against the fake CyberTipline with
// 20% of requests faulted (503, 429, connection dropped after the agency
// committed, slow answers), the submitting process SIGKILLed twice at random points
// and restarted. At the end the agency must hold exactly 1,000 finished reports,
// one per report ID, and every submission a stored /finish receipt.
const (
	soakReports   = 1000
	soakFaultRate = 0.20
	soakSeed      = 20260314
)

// soakFiles is the child's FileSource: deterministic benign bytes per reference.
type soakFiles struct{}

func (soakFiles) Open(_ context.Context, ref string) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(benignFile(ref, 1024))), nil
}

func soakReport(i int) *reporting.Report {
	id := fmt.Sprintf("soak-%04d", i)
	ref := "vault:" + id
	b := benignFile(ref, 1024)
	return &reporting.Report{
		ID:       id,
		Reporter: reporting.Reporter{Platform: "Example Photos", Contact: reporting.Contact{Email: "safety@example.com"}},
		Incident: reporting.Incident{Code: "csam", Time: time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)},
		Content: []reporting.ContentItem{{
			FileName: id + ".jpg", ContentType: "image/jpeg", MD5: md5Hex(b), Size: int64(len(b)), Viewed: true, Source: ref,
		}},
	}
}

func soakClient(url, user, pass string, hooks reporting.Hooks) (*reporting.Client, error) {
	return cybertip.NewClient(url, user, pass, soak.ClientOptions(hooks))
}

func TestSoakCyberTip(t *testing.T) {
	if soak.IsChild(t.Name()) {
		soakCyberTipChild(t)
		return
	}
	start := time.Now()
	dir := t.TempDir()
	db := filepath.Join(dir, "outbox.bolt")
	fake := agencytest.NewCyberTip(&agencytest.CyberTipOptions{SlowDelay: 20 * time.Millisecond})
	defer fake.Close()
	fake.Faults().SetRandom(soakFaultRate, soakSeed, nil)
	user, pass := fake.Credentials()

	// Accept every report durably before any worker starts.
	client, err := soakClient(fake.URL(), user, pass, reporting.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	soak.Accept(t, db, reporting.Destination{Agency: cybertip.New(nil), Client: client}, soakReports, soakReport)

	env := []string{"SOAK_DB=" + db, "SOAK_URL=" + fake.URL(), "SOAK_USER=" + user, "SOAK_PASS=" + pass, "SOAK_DIR=" + dir}
	kills := soak.RunChildren(t, t.Name(), env, soak.Kills{Seed: soakSeed, Progress: fake.FinishedCount, Unit: "finished", Poll: 5, Settle: 40})
	elapsed := time.Since(start)

	// The agency: exactly one finished report per report ID, none lost.
	finished := map[string]agencytest.CyberTipReport{}
	for _, r := range fake.Finished() {
		if _, dup := finished[r.Key]; dup {
			t.Errorf("report %s finished twice at the agency", r.Key)
		}
		finished[r.Key] = r
	}
	if len(finished) != soakReports {
		t.Errorf("finished reports at the agency: %d, want %d", len(finished), soakReports)
	}
	if d := fake.Duplicates(); len(d) != 0 {
		t.Errorf("duplicates: %v", d)
	}

	// The store: every submission done with its receipt, matching the agency.
	store, err := soak.OpenBolt(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var unknowns, reconciled, stepRetries, restarts int
	seen := soak.Each(t, store, func(s *reporting.Submission) {
		r, ok := finished[s.Report.ID]
		switch {
		case s.State != reporting.StateDone:
			t.Errorf("%s: state %s (%s)", s.ID, s.State, s.Error)
		case !ok:
			t.Errorf("%s: done in the store but not finished at the agency", s.ID)
		case s.Progress.IDs["reportId"] != strconv.FormatInt(r.ReportID, 10):
			t.Errorf("%s: stored reportId %s, agency finished %d", s.ID, s.Progress.IDs["reportId"], r.ReportID)
		}
		if rc := receiptFor(s, "finish"); rc == nil || len(rc.Body) == 0 {
			t.Errorf("%s: no finish receipt", s.ID)
		}
		if len(r.Files) != 1 || r.Files[0].MD5 != s.Report.Content[0].MD5 {
			t.Errorf("%s: agency holds files %+v", s.ID, r.Files)
		}
		n, _ := strconv.Atoi(s.Progress.IDs["restarts"])
		restarts += n
		for _, e := range s.History {
			switch {
			case e.To == reporting.StateUnknown && e.From != reporting.StateUnknown:
				unknowns++
			case strings.HasPrefix(e.Note, "will retry"):
				stepRetries++
			}
			if e.From == reporting.StateUnknown && e.To != reporting.StateUnknown {
				reconciled++
			}
		}
	})
	if seen != soakReports {
		t.Errorf("submissions in the store: %d, want %d", seen, soakReports)
	}
	stats, err := soak.ReadRunStats(dir)
	if err != nil {
		t.Fatal(err)
	}
	counts := fake.Counts()
	t.Logf("soak cybertip: %d reports, %d finished at the agency, 0 duplicates wanted (got %d), %d lost",
		soakReports, len(finished), len(fake.Duplicates()), soakReports-len(finished))
	t.Logf("soak cybertip: faults injected (%.0f%% of mutating requests): %s; requests %v",
		soakFaultRate*100, agencytest.FormatCounts(fake.Faults().Injected()), fake.Requests())
	t.Logf("soak cybertip: client retries >= %d (from children's hooks; a killed child loses its last 100ms), outbox step retries %d",
		stats["client_retries"], stepRetries)
	t.Logf("soak cybertip: unknown outcomes %d (entries into the unknown state), settled by reconciliation %d, restarts (report retracted and sent again) %d, retracted at agency %d, orphaned unfinished reports %d (NCMEC deletes them)",
		unknowns, reconciled, restarts, counts[agencytest.CyberTipRetracted], counts[agencytest.CyberTipOpen])
	t.Logf("soak cybertip: store writes >= %d updates and %d claims (%.1f per report)",
		stats["store_updates"], stats["store_claims"], float64(stats["store_updates"]+stats["store_claims"])/soakReports)
	t.Logf("soak cybertip: kills: %s; elapsed %s", strings.Join(kills, ", "), elapsed.Round(time.Millisecond))
}

func soakCyberTipChild(t *testing.T) {
	counted, stats, hooks := soak.OpenChild(t)
	client, err := soakClient(os.Getenv("SOAK_URL"), os.Getenv("SOAK_USER"), os.Getenv("SOAK_PASS"), hooks)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := reporting.NewOutbox(counted, []reporting.Destination{{Agency: cybertip.New(&cybertip.Options{MaxRestarts: 20}), Client: client}},
		&reporting.OutboxOptions{
			Files:           soakFiles{},
			Concurrency:     16,
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
