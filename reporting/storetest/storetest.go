package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mnr-sdk/mnr/reporting"
)

// base is a fixed instant the suite measures everything from.
var base = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// Run runs every conformance test against stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) reporting.Store) {
	tests := []struct {
		name string
		f    func(t *testing.T, s reporting.Store)
	}{
		{"CreateGetRoundTrip", testRoundTrip},
		{"CreateDuplicate", testCreateDuplicate},
		{"GetMissing", testGetMissing},
		{"UpdateVersioning", testUpdateVersioning},
		{"ClaimSelectsDue", testClaimSelectsDue},
		{"ClaimOrderAndLimit", testClaimOrderAndLimit},
		{"ClaimLeaseExclusion", testClaimLeaseExclusion},
		{"ClaimUnknownScheduled", testClaimUnknown},
		{"ClaimThenStaleUpdate", testClaimStaleUpdate},
		{"DueIndexFollowsUpdates", testDueIndex},
		{"ConcurrentClaims", testConcurrentClaims},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"List", testList},
		{"LargeReceipts", testLargeReceipts},
		{"ReceiptsAppendOnly", testReceiptsAppendOnly},
		{"ReceiptsManyAppends", testReceiptsManyAppends},
		{"ReceiptsPerSubmission", testReceiptsPerSubmission},
		{"CanceledContext", testCanceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.f(t, s)
		})
	}
}

// Submission returns a fully populated submission for tests: every report field
// set, progress with IDs and a receipt, history.
func Submission(agency, reportID string, state reporting.State, nextAt time.Time) *reporting.Submission {
	zone := time.FixedZone("UTC-5", -5*3600)
	r := reporting.Report{
		ID: reportID,
		Reporter: reporting.Reporter{
			Platform: "Example Platform", CaseRef: "case-" + reportID, LegalURL: "https://example.com/legal",
			Contact: reporting.Contact{FirstName: "Ada", LastName: "Lovelace", Email: "trust@example.com", Phone: "+1 555 0100"},
		},
		Incident: reporting.Incident{
			Code: "csam", Time: base.Add(-48 * time.Hour).In(zone), TimeDescription: "upload time",
			Location: reporting.Location{Kind: reporting.LocationUpload, URL: "https://example.com/u/1", Area: "uploads"},
			Flags:    []string{"ctx.minor_to_minor"},
		},
		Content: []reporting.ContentItem{{
			FileName: "a.jpg", Size: 1234, ContentType: "image/jpeg",
			SHA256: strings.Repeat("ab", 32), MD5: strings.Repeat("cd", 16),
			UploadedAt: base.Add(-49 * time.Hour), UploadIP: "192.0.2.7", UploadPort: 44123,
			Viewed: true, EXIFViewed: true, IndustryClass: "A1", Codes: []string{"csam"}, Source: "vault:sha256:01",
		}},
		Account: &reporting.Account{
			UserID: "u-1", ScreenName: "someone", Emails: []string{"someone@example.net"},
			IPs:     []reporting.IPEvent{{IP: "2001:db8::1", At: base.Add(-50 * time.Hour), Event: reporting.IPEventLogin}},
			Country: "US",
		},
		Victim:         &reporting.Victim{Age: 12, Country: "US"},
		Decision:       &reporting.Decision{Visibility: []string{reporting.VisibilityRemoved}, Ground: reporting.GroundIllegal, LegalGround: "18 U.S.C. 2252"},
		Narrative:      "Found by hash match.",
		PriorReportIDs: []string{"1234"},
		Extra:          map[string]string{"nca.priority": "2"},
	}
	s := &reporting.Submission{
		ID:     reporting.SubmissionID(agency, reportID),
		Agency: agency,
		Report: r,
		State:  state,
		NextAt: nextAt,
		Progress: reporting.Progress{
			Step: "submitted",
			IDs:  map[string]string{"reportId": "99"},
			Receipts: []reporting.Receipt{{
				Step: "submit", At: base.Add(-time.Minute), ContentType: "text/xml", RequestID: "rq-1",
				Body: []byte("<reportResponse><responseCode>0</responseCode></reportResponse>"),
			}},
		},
		CreatedAt: base.Add(-time.Hour),
		UpdatedAt: base.Add(-time.Minute),
		History:   []reporting.Event{{At: base.Add(-time.Hour), To: state, Note: "enqueued"}},
	}
	return s
}

func encode(t *testing.T, s *reporting.Submission) []byte {
	t.Helper()
	b, err := reporting.EncodeSubmission(s)
	if err != nil {
		t.Fatalf("EncodeSubmission: %v", err)
	}
	return b
}

func sameSubmission(t *testing.T, got, want *reporting.Submission) {
	t.Helper()
	g, w := encode(t, got), encode(t, want)
	if !bytes.Equal(g, w) {
		t.Fatalf("stored submission differs\n got: %s\nwant: %s", g, w)
	}
}

func mustCreate(t *testing.T, st reporting.Store, s *reporting.Submission) {
	t.Helper()
	if err := st.Create(context.Background(), s); err != nil {
		t.Fatalf("Create(%s): %v", s.ID, err)
	}
}

func mustGet(t *testing.T, st reporting.Store, id string) *reporting.Submission {
	t.Helper()
	s, err := st.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return s
}

func claimIDs(t *testing.T, st reporting.Store, owner string, now time.Time, lease time.Duration, n int) []string {
	t.Helper()
	subs, err := st.Claim(context.Background(), owner, now, lease, n)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	ids := make([]string, len(subs))
	for i, s := range subs {
		ids[i] = s.ID
	}
	return ids
}

func testRoundTrip(t *testing.T, st reporting.Store) {
	s := Submission("cybertip", "R1", reporting.StatePending, base)
	mustCreate(t, st, s)
	if s.Version != 1 {
		t.Fatalf("Create set Version %d, want 1", s.Version)
	}
	got := mustGet(t, st, s.ID)
	sameSubmission(t, got, s)
	if !got.Report.Incident.Time.Equal(s.Report.Incident.Time) {
		t.Fatalf("incident time changed")
	}
	// The store keeps its own copy: changing ours must not change it.
	s.Report.Content[0].FileName = "changed"
	s.Progress.Receipts[0].Body[0] = 'X'
	again := mustGet(t, st, s.ID)
	if again.Report.Content[0].FileName != "a.jpg" || again.Progress.Receipts[0].Body[0] != '<' {
		t.Fatal("store shares memory with the caller's submission")
	}
	// And the returned copy is the caller's too.
	again.Progress.IDs["reportId"] = "changed"
	if mustGet(t, st, s.ID).Progress.IDs["reportId"] != "99" {
		t.Fatal("store shares memory with a returned submission")
	}
}

func testCreateDuplicate(t *testing.T, st reporting.Store) {
	s := Submission("cybertip", "R1", reporting.StatePending, base)
	mustCreate(t, st, s)
	dup := Submission("cybertip", "R1", reporting.StateReview, time.Time{})
	dup.Report.Narrative = "another"
	if err := st.Create(context.Background(), dup); !errors.Is(err, reporting.ErrExists) {
		t.Fatalf("second Create: %v, want ErrExists", err)
	}
	if got := mustGet(t, st, s.ID); got.Report.Narrative != s.Report.Narrative || got.State != reporting.StatePending {
		t.Fatal("duplicate Create changed the stored submission")
	}
	// The same report to another agency is another submission.
	mustCreate(t, st, Submission("nca", "R1", reporting.StatePending, base))
}

func testGetMissing(t *testing.T, st reporting.Store) {
	if _, err := st.Get(context.Background(), "cybertip/none"); !errors.Is(err, reporting.ErrNotFound) {
		t.Fatalf("Get missing: %v, want ErrNotFound", err)
	}
	s := Submission("cybertip", "none", reporting.StatePending, base)
	s.Version = 1
	if err := st.Update(context.Background(), s); !errors.Is(err, reporting.ErrNotFound) {
		t.Fatalf("Update missing: %v, want ErrNotFound", err)
	}
}

func testUpdateVersioning(t *testing.T, st reporting.Store) {
	ctx := context.Background()
	s := Submission("cybertip", "R1", reporting.StatePending, base)
	mustCreate(t, st, s)
	a := mustGet(t, st, s.ID)
	b := mustGet(t, st, s.ID)
	a.Progress.SetID("file.0.fileId", "f0")
	a.Progress.Step = "uploaded:1"
	if err := st.Update(ctx, a); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if a.Version != 2 {
		t.Fatalf("Version after Update = %d, want 2", a.Version)
	}
	got := mustGet(t, st, s.ID)
	sameSubmission(t, got, a)
	b.Progress.Step = "stale"
	if err := st.Update(ctx, b); !errors.Is(err, reporting.ErrConflict) {
		t.Fatalf("stale Update: %v, want ErrConflict", err)
	}
	if b.Version != 1 {
		t.Fatalf("failed Update changed Version to %d", b.Version)
	}
	if mustGet(t, st, s.ID).Progress.Step != "uploaded:1" {
		t.Fatal("stale Update was applied")
	}
}

func testClaimSelectsDue(t *testing.T, st reporting.Store) {
	now := base
	mk := func(id string, state reporting.State, next time.Time) *reporting.Submission {
		s := Submission("cybertip", id, state, next)
		mustCreate(t, st, s)
		return s
	}
	mk("due", reporting.StatePending, now.Add(-time.Second))
	mk("exact", reporting.StatePending, now)
	mk("future", reporting.StatePending, now.Add(time.Second))
	mk("review", reporting.StateReview, time.Time{})
	mk("done", reporting.StateDone, now.Add(-time.Hour))
	mk("failed", reporting.StateFailed, now.Add(-time.Hour))
	mk("abandoned", reporting.StateAbandoned, now.Add(-time.Hour))
	mk("parked", reporting.StateUnknown, time.Time{})
	mk("pendingUnscheduled", reporting.StatePending, time.Time{})

	got := claimIDs(t, st, "w1", now, time.Minute, 100)
	slices.Sort(got)
	want := []string{"cybertip/due", "cybertip/exact"}
	if !slices.Equal(got, want) {
		t.Fatalf("claimed %v, want %v", got, want)
	}
	c := mustGet(t, st, "cybertip/due")
	if c.State != reporting.StateInProgress || c.LeaseOwner != "w1" || !c.LeaseUntil.Equal(now.Add(time.Minute)) {
		t.Fatalf("claimed submission: state %s owner %q until %v", c.State, c.LeaseOwner, c.LeaseUntil)
	}
	if c.Version != 2 {
		t.Fatalf("claimed Version %d, want 2", c.Version)
	}
	if last := c.History[len(c.History)-1]; last.To != reporting.StateInProgress {
		t.Fatalf("claim not recorded in history: %+v", last)
	}
	if got := claimIDs(t, st, "w2", now, time.Minute, 100); len(got) != 0 {
		t.Fatalf("second claim got %v, want nothing", got)
	}
}

func testClaimOrderAndLimit(t *testing.T, st reporting.Store) {
	for i, off := range []int{5, 1, 4, 2, 3} {
		s := Submission("dsa", fmt.Sprintf("R%d", i), reporting.StatePending, base.Add(-time.Duration(off)*time.Minute))
		mustCreate(t, st, s)
	}
	got := claimIDs(t, st, "w", base, time.Minute, 2)
	if want := []string{"dsa/R0", "dsa/R2"}; !slices.Equal(got, want) {
		t.Fatalf("first claim %v, want oldest due first %v", got, want)
	}
	got = claimIDs(t, st, "w", base, time.Minute, 10)
	if want := []string{"dsa/R4", "dsa/R3", "dsa/R1"}; !slices.Equal(got, want) {
		t.Fatalf("second claim %v, want %v", got, want)
	}
	if got := claimIDs(t, st, "w", base, time.Minute, 0); len(got) != 0 {
		t.Fatalf("claim with n=0 returned %v", got)
	}
}

func testClaimLeaseExclusion(t *testing.T, st reporting.Store) {
	mustCreate(t, st, Submission("cybertip", "R1", reporting.StatePending, base))
	if got := claimIDs(t, st, "w1", base, time.Minute, 1); len(got) != 1 {
		t.Fatalf("claim got %v", got)
	}
	if got := claimIDs(t, st, "w2", base.Add(59*time.Second), time.Minute, 1); len(got) != 0 {
		t.Fatalf("claim during lease got %v", got)
	}
	// The lease lapses: the worker is presumed dead, another resumes.
	subs, err := st.Claim(context.Background(), "w2", base.Add(time.Minute), time.Minute, 1)
	if err != nil || len(subs) != 1 {
		t.Fatalf("claim after lease: %v %v", subs, err)
	}
	s := subs[0]
	if s.State != reporting.StateInProgress || s.LeaseOwner != "w2" || !s.LeaseUntil.Equal(base.Add(2*time.Minute)) {
		t.Fatalf("re-claimed: state %s owner %q until %v", s.State, s.LeaseOwner, s.LeaseUntil)
	}
	if s.Progress.IDs["reportId"] != "99" {
		t.Fatal("re-claim lost progress")
	}
}

func testClaimUnknown(t *testing.T, st reporting.Store) {
	mustCreate(t, st, Submission("cybertip", "U1", reporting.StateUnknown, base.Add(-time.Second)))
	subs, err := st.Claim(context.Background(), "w", base, time.Minute, 5)
	if err != nil || len(subs) != 1 {
		t.Fatalf("claim: %v %v", subs, err)
	}
	if subs[0].State != reporting.StateUnknown || subs[0].LeaseOwner != "w" {
		t.Fatalf("claimed unknown: state %s owner %q, want unknown leased to w", subs[0].State, subs[0].LeaseOwner)
	}
	if got := claimIDs(t, st, "w2", base.Add(30*time.Second), time.Minute, 5); len(got) != 0 {
		t.Fatalf("claimed a leased unknown submission: %v", got)
	}
}

func testClaimStaleUpdate(t *testing.T, st reporting.Store) {
	mustCreate(t, st, Submission("cybertip", "R1", reporting.StatePending, base))
	before := mustGet(t, st, "cybertip/R1")
	claimIDs(t, st, "w1", base, time.Minute, 1)
	before.State = reporting.StateDone
	if err := st.Update(context.Background(), before); !errors.Is(err, reporting.ErrConflict) {
		t.Fatalf("update of a copy read before the claim: %v, want ErrConflict", err)
	}
}

func testDueIndex(t *testing.T, st reporting.Store) {
	ctx := context.Background()
	s := Submission("cybertip", "R1", reporting.StatePending, base)
	mustCreate(t, st, s)
	// Rescheduled into the future: not due now.
	s.NextAt = base.Add(time.Hour)
	if err := st.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got := claimIDs(t, st, "w", base, time.Minute, 5); len(got) != 0 {
		t.Fatalf("claimed a rescheduled submission: %v", got)
	}
	if got := claimIDs(t, st, "w", base.Add(time.Hour), time.Minute, 5); len(got) != 1 {
		t.Fatalf("rescheduled submission not claimed when due: %v", got)
	}
	// Finished: never due again, even long after.
	s = mustGet(t, st, s.ID)
	s.State, s.LeaseOwner, s.LeaseUntil, s.NextAt = reporting.StateDone, "", time.Time{}, time.Time{}
	if err := st.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got := claimIDs(t, st, "w", base.Add(1000*time.Hour), time.Minute, 5); len(got) != 0 {
		t.Fatalf("claimed a done submission: %v", got)
	}
	// Failed then requeued: due again.
	s.State, s.NextAt = reporting.StatePending, base.Add(2*time.Hour)
	if err := st.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got := claimIDs(t, st, "w", base.Add(2*time.Hour), time.Minute, 5); len(got) != 1 {
		t.Fatalf("requeued submission not claimed: %v", got)
	}
	// Parked unknown: not due.
	s = mustGet(t, st, s.ID)
	s.State, s.LeaseOwner, s.LeaseUntil, s.NextAt = reporting.StateUnknown, "", time.Time{}, time.Time{}
	if err := st.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got := claimIDs(t, st, "w", base.Add(1000*time.Hour), time.Minute, 5); len(got) != 0 {
		t.Fatalf("claimed a parked unknown submission: %v", got)
	}
}

func testConcurrentClaims(t *testing.T, st reporting.Store) {
	const n = 40
	for i := range n {
		mustCreate(t, st, Submission("cybertip", fmt.Sprintf("R%02d", i), reporting.StatePending, base.Add(-time.Duration(i)*time.Second)))
	}
	var (
		mu   sync.Mutex
		seen = map[string]string{}
		wg   sync.WaitGroup
		errs = make(chan error, 8)
	)
	for w := range 6 {
		owner := fmt.Sprintf("w%d", w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				subs, err := st.Claim(context.Background(), owner, base, time.Minute, 3)
				if err != nil {
					errs <- err
					return
				}
				if len(subs) == 0 {
					return
				}
				mu.Lock()
				for _, s := range subs {
					if prev, dup := seen[s.ID]; dup {
						errs <- fmt.Errorf("%s claimed by %s and %s", s.ID, prev, owner)
					}
					seen[s.ID] = owner
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(seen) != n {
		t.Fatalf("claimed %d distinct submissions, want %d", len(seen), n)
	}
}

func testConcurrentUpdates(t *testing.T, st reporting.Store) {
	mustCreate(t, st, Submission("cybertip", "R1", reporting.StatePending, base))
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	copies := make([]*reporting.Submission, 8)
	for i := range copies {
		copies[i] = mustGet(t, st, "cybertip/R1")
	}
	for i, c := range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Progress.Step = fmt.Sprintf("writer-%d", i)
			err := st.Update(context.Background(), c)
			switch {
			case err == nil:
				mu.Lock()
				wins++
				mu.Unlock()
			case !errors.Is(err, reporting.ErrConflict):
				t.Errorf("Update: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d concurrent updates of one version succeeded, want exactly 1", wins)
	}
	if got := mustGet(t, st, "cybertip/R1"); got.Version != 2 || !strings.HasPrefix(got.Progress.Step, "writer-") {
		t.Fatalf("after the race: version %d step %q", got.Version, got.Progress.Step)
	}
}

func testList(t *testing.T, st reporting.Store) {
	ctx := context.Background()
	states := []reporting.State{reporting.StatePending, reporting.StateDone, reporting.StateReview, reporting.StateDone, reporting.StateFailed}
	for i, s := range states {
		mustCreate(t, st, Submission("cybertip", fmt.Sprintf("R%d", i), s, base))
		mustCreate(t, st, Submission("dsa", fmt.Sprintf("R%d", i), s, base))
	}
	ids := func(subs []*reporting.Submission, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		var out []string
		for _, s := range subs {
			out = append(out, s.ID)
		}
		return out
	}
	if got, want := ids(st.List(ctx, reporting.Query{})), 10; len(got) != want || !slices.IsSorted(got) {
		t.Fatalf("List all: %v, want %d sorted", got, want)
	}
	if got, want := ids(st.List(ctx, reporting.Query{State: reporting.StateDone})), []string{"cybertip/R1", "cybertip/R3", "dsa/R1", "dsa/R3"}; !slices.Equal(got, want) {
		t.Fatalf("List done: %v, want %v", got, want)
	}
	if got, want := ids(st.List(ctx, reporting.Query{Agency: "dsa", State: reporting.StateReview})), []string{"dsa/R2"}; !slices.Equal(got, want) {
		t.Fatalf("List dsa review: %v, want %v", got, want)
	}
	page1 := ids(st.List(ctx, reporting.Query{Limit: 3}))
	page2 := ids(st.List(ctx, reporting.Query{Limit: 3, After: page1[len(page1)-1]}))
	if want := []string{"cybertip/R0", "cybertip/R1", "cybertip/R2"}; !slices.Equal(page1, want) {
		t.Fatalf("page 1: %v, want %v", page1, want)
	}
	if want := []string{"cybertip/R3", "cybertip/R4", "dsa/R0"}; !slices.Equal(page2, want) {
		t.Fatalf("page 2: %v, want %v", page2, want)
	}
	if got := ids(st.List(ctx, reporting.Query{After: "zzz"})); len(got) != 0 {
		t.Fatalf("List after the end: %v", got)
	}
}

func testLargeReceipts(t *testing.T, st reporting.Store) {
	s := Submission("cybertip", "BIG", reporting.StatePending, base)
	body := bytes.Repeat([]byte{0, 1, 2, 0xff, '<', '"'}, 200<<10) // 1.2 MB, binary
	s.Progress.Receipts = append(s.Progress.Receipts, reporting.Receipt{Step: "finish", At: base, Body: body})
	mustCreate(t, st, s)
	got := mustGet(t, st, s.ID)
	if !bytes.Equal(got.Progress.Receipts[1].Body, body) {
		t.Fatal("large binary receipt did not round-trip")
	}
	// And one appended by Update.
	body2 := append(bytes.Clone(body), 7)
	got.Progress.Receipts = append(got.Progress.Receipts, reporting.Receipt{Step: "retract", At: base, Body: body2})
	if err := st.Update(context.Background(), got); err != nil {
		t.Fatal(err)
	}
	again := mustGet(t, st, s.ID)
	if len(again.Progress.Receipts) != 3 || !bytes.Equal(again.Progress.Receipts[1].Body, body) || !bytes.Equal(again.Progress.Receipts[2].Body, body2) {
		t.Fatal("large receipts did not round-trip through Update")
	}
}

func receiptSteps(s *reporting.Submission) string {
	var b strings.Builder
	for i, r := range s.Progress.Receipts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(r.Step)
	}
	return b.String()
}

// testReceiptsAppendOnly: Update appends the receipts beyond those stored, never
// rewrites a stored one, and refuses a submission that holds fewer.
func testReceiptsAppendOnly(t *testing.T, st reporting.Store) {
	ctx := context.Background()
	s := Submission("cybertip", "R1", reporting.StatePending, base)
	mustCreate(t, st, s)
	a := mustGet(t, st, s.ID)
	a.Progress.Receipts = append(a.Progress.Receipts,
		reporting.Receipt{Step: "upload:0", At: base, Body: []byte("<u/>")},
		reporting.Receipt{Step: "fileinfo:0", At: base, Body: []byte("<f/>"), Note: "n"})
	a.Progress.Receipts[0].Body[0] = 'X' // a change to a stored receipt: ignored
	a.Progress.Receipts[0].Note = "rewritten"
	a.Progress.Step = "described:0"
	if err := st.Update(ctx, a); err != nil {
		t.Fatalf("Update with two new receipts: %v", err)
	}
	got := mustGet(t, st, s.ID)
	if steps := receiptSteps(got); steps != "submit,upload:0,fileinfo:0" {
		t.Fatalf("receipts %s, want submit,upload:0,fileinfo:0", steps)
	}
	if got.Progress.Receipts[0].Body[0] != '<' || got.Progress.Receipts[0].Note != "" {
		t.Fatal("Update rewrote a stored receipt")
	}
	if string(got.Progress.Receipts[2].Body) != "<f/>" || got.Progress.Receipts[2].Note != "n" || got.Progress.Step != "described:0" {
		t.Fatalf("new receipt or step not stored: %+v %q", got.Progress.Receipts[2], got.Progress.Step)
	}

	// Fewer receipts than stored: refused, nothing changed.
	fewer := mustGet(t, st, s.ID)
	fewer.Progress.Receipts = fewer.Progress.Receipts[:2]
	fewer.Progress.Step = "lost"
	if err := st.Update(ctx, fewer); !errors.Is(err, reporting.ErrConflict) {
		t.Fatalf("Update dropping a receipt: %v, want ErrConflict", err)
	}
	if fewer.Version != got.Version {
		t.Fatalf("refused Update changed Version to %d", fewer.Version)
	}
	again := mustGet(t, st, s.ID)
	if again.Version != got.Version || again.Progress.Step != "described:0" || len(again.Progress.Receipts) != 3 {
		t.Fatalf("refused Update was applied: version %d step %q receipts %d", again.Version, again.Progress.Step, len(again.Progress.Receipts))
	}

	// No new receipt: the other fields change, the receipts stay.
	again.State = reporting.StateDone
	if err := st.Update(ctx, again); err != nil {
		t.Fatal(err)
	}
	sameSubmission(t, mustGet(t, st, s.ID), again)
}

// testReceiptsManyAppends: hundreds of saves of one receipt each come back in
// order from Get, List and Claim.
func testReceiptsManyAppends(t *testing.T, st reporting.Store) {
	ctx := context.Background()
	s := Submission("cybertip", "MANY", reporting.StatePending, base)
	mustCreate(t, st, s)
	const n = 300 // more than 256: sequence numbers span two bytes
	for i := range n {
		s.Progress.Receipts = append(s.Progress.Receipts, reporting.Receipt{
			Step: fmt.Sprintf("step-%d", i), At: base.Add(time.Duration(i) * time.Second), Body: []byte(fmt.Sprintf("answer %d", i)),
		})
		s.Progress.Step = fmt.Sprintf("step-%d", i)
		if err := st.Update(ctx, s); err != nil {
			t.Fatalf("Update %d: %v", i, err)
		}
	}
	check := func(how string, got *reporting.Submission) {
		t.Helper()
		if len(got.Progress.Receipts) != n+1 {
			t.Fatalf("%s: %d receipts, want %d", how, len(got.Progress.Receipts), n+1)
		}
		for i, r := range got.Progress.Receipts[1:] {
			if r.Step != fmt.Sprintf("step-%d", i) || string(r.Body) != fmt.Sprintf("answer %d", i) || !r.At.Equal(base.Add(time.Duration(i)*time.Second)) {
				t.Fatalf("%s: receipt %d is %+v", how, i+1, r)
			}
		}
		sameSubmission(t, got, s)
	}
	check("Get", mustGet(t, st, s.ID))
	list, err := st.List(ctx, reporting.Query{Agency: "cybertip"})
	if err != nil || len(list) != 1 {
		t.Fatalf("List: %v %v", list, err)
	}
	check("List", list[0])
	claimed, err := st.Claim(ctx, "w", base, time.Minute, 1)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("Claim: %v %v", claimed, err)
	}
	s.Version++
	reporting.ApplyClaim(s, "w", base, time.Minute)
	check("Claim", claimed[0])
}

// testReceiptsPerSubmission: receipts of submissions whose IDs share a prefix
// stay apart.
func testReceiptsPerSubmission(t *testing.T, st reporting.Store) {
	ctx := context.Background()
	ids := []string{"R1", "R10", "R1-", "R"}
	for _, id := range ids {
		s := Submission("nca", id, reporting.StatePending, base)
		s.Progress.Receipts = []reporting.Receipt{{Step: "created:" + id, At: base}}
		mustCreate(t, st, s)
	}
	for _, id := range ids {
		s := mustGet(t, st, "nca/"+id)
		s.Progress.Receipts = append(s.Progress.Receipts, reporting.Receipt{Step: "updated:" + id, At: base})
		if err := st.Update(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids {
		if got := receiptSteps(mustGet(t, st, "nca/"+id)); got != "created:"+id+",updated:"+id {
			t.Errorf("nca/%s: receipts %s", id, got)
		}
	}
}

func testCanceled(t *testing.T, st reporting.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := Submission("cybertip", "R1", reporting.StatePending, base)
	if err := st.Create(ctx, s); err == nil {
		t.Fatal("Create with a canceled context succeeded")
	}
	if _, err := st.Get(context.Background(), s.ID); !errors.Is(err, reporting.ErrNotFound) {
		t.Fatalf("Create with a canceled context stored something: %v", err)
	}
	if _, err := st.Claim(ctx, "w", base, time.Minute, 1); err == nil {
		t.Fatal("Claim with a canceled context succeeded")
	}
}
