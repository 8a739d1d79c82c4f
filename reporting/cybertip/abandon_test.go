package cybertip_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mnr-sdk/mnr/internal/agencytest"
	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/cybertip"
)

// openAtNCMEC drives r until NCMEC has opened it and the upload keeps failing
// (three 503s use up the client's attempts), so the submission waits, pending,
// with its reportId stored and the report open at the fake.
func openAtNCMEC(t *testing.T, h *harness, r *reporting.Report) *reporting.Submission {
	t.Helper()
	ctx := context.Background()
	h.fake.Faults().Script("/upload", agencytest.FaultServerError, agencytest.FaultServerError, agencytest.FaultServerError)
	s, err := h.outbox.Enqueue(ctx, cybertip.Name, r, reporting.EnqueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.outbox.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	s, err = h.outbox.Get(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s.State != reporting.StatePending || s.Progress.IDs["reportId"] == "" || s.Progress.Step != "submitted" {
		t.Fatalf("setup: state %s step %q ids %v (%s)", s.State, s.Progress.Step, s.Progress.IDs, s.Error)
	}
	if n := len(h.fake.ReportsIn(agencytest.CyberTipOpen)); n != 1 {
		t.Fatalf("setup: %d open reports at the fake, want 1", n)
	}
	return s
}

// TestAbandonRetractsAtNCMEC: Outbox.Abandon of a submission whose report is open
// at NCMEC retracts it through the driver (reporting.Retracter) and keeps NCMEC's
// answer as a receipt. A retract that fails leaves the submission as it was, and
// a second Abandon succeeds.
func TestAbandonRetractsAtNCMEC(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	ctx := context.Background()
	r := fullReport("r-abandon", h.files)
	r.PriorReportIDs = nil
	s := openAtNCMEC(t, h, r)
	reportID := s.Progress.IDs["reportId"]

	// NCMEC is down for the retract: nothing is abandoned.
	h.fake.Faults().Script("/retract", agencytest.FaultServerError, agencytest.FaultServerError, agencytest.FaultServerError)
	err := h.outbox.Abandon(ctx, s.ID, "duplicate of r-other")
	if err == nil || !strings.Contains(err.Error(), "not abandoned") {
		t.Fatalf("Abandon with NCMEC down: %v", err)
	}
	got, _ := h.outbox.Get(ctx, s.ID)
	if got.State != reporting.StatePending || got.LeaseOwner != "" || got.Progress.IDs["reportId"] != reportID {
		t.Fatalf("after a failed retract: state %s lease %q ids %v", got.State, got.LeaseOwner, got.Progress.IDs)
	}
	if !strings.Contains(historyNotes(got), "retract at the agency failed") {
		t.Fatalf("history lacks the failed retract: %s", historyNotes(got))
	}

	if err := h.outbox.Abandon(ctx, s.ID, "duplicate of r-other"); err != nil {
		t.Fatalf("Abandon: %v", err)
	}
	got, _ = h.outbox.Get(ctx, s.ID)
	if got.State != reporting.StateAbandoned || !got.Progress.Abandoned || got.LeaseOwner != "" {
		t.Fatalf("state %s abandoned %v lease %q", got.State, got.Progress.Abandoned, got.LeaseOwner)
	}
	rc := receiptFor(got, "retract")
	if rc == nil || !strings.Contains(string(rc.Body), "<responseCode>0</responseCode>") || rc.Note != "abandoned on request" {
		t.Fatalf("retract receipt: %+v", rc)
	}
	if got.Progress.IDs["retracted.0"] != reportID {
		t.Errorf("retracted report not recorded: ids %v", got.Progress.IDs)
	}
	if _, open := got.Progress.IDs["reportId"]; open {
		t.Errorf("the retracted report is still the current one: ids %v", got.Progress.IDs)
	}
	if notes := historyNotes(got); !strings.Contains(notes, "abandoned: retracted at the agency: duplicate of r-other") ||
		!strings.Contains(notes, "reportId="+reportID) {
		t.Errorf("history: %s", notes)
	}
	retracted := h.fake.ReportsIn(agencytest.CyberTipRetracted)
	if len(retracted) != 1 || itoa(retracted[0].ReportID) != reportID {
		t.Fatalf("retracted at the fake: %+v", retracted)
	}
	if n := len(h.fake.ReportsIn(agencytest.CyberTipOpen)); n != 0 {
		t.Errorf("%d reports left open at the fake", n)
	}
	// Terminal now: a worker never picks it up, and a second Abandon refuses.
	if n, err := h.outbox.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("RunOnce after Abandon claimed %d (%v)", n, err)
	}
	if err := h.outbox.Abandon(ctx, s.ID, ""); !errors.Is(err, reporting.ErrConflict) {
		t.Fatalf("second Abandon: %v, want ErrConflict", err)
	}
}

// TestAbandonWithNothingSent: a submission in review, or pending before its first
// step, has nothing open at NCMEC; Abandon sends no request.
func TestAbandonWithNothingSent(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	ctx := context.Background()
	review, err := h.outbox.Enqueue(ctx, cybertip.Name, minimalReport("r-review"), reporting.EnqueueOptions{Review: true})
	if err != nil {
		t.Fatal(err)
	}
	pending, err := h.outbox.Enqueue(ctx, cybertip.Name, minimalReport("r-pending"), reporting.EnqueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{review.ID, pending.ID} {
		if err := h.outbox.Abandon(ctx, id, "not needed"); err != nil {
			t.Fatalf("Abandon(%s): %v", id, err)
		}
		got, _ := h.outbox.Get(ctx, id)
		if got.State != reporting.StateAbandoned || len(got.Progress.Receipts) != 0 {
			t.Fatalf("%s: state %s receipts %d", id, got.State, len(got.Progress.Receipts))
		}
	}
	if n := len(h.fake.Requests()); n != 0 {
		t.Fatalf("requests to the fake: %v, want none", h.fake.Requests())
	}
}

func historyNotes(s *reporting.Submission) string {
	var b strings.Builder
	for _, e := range s.History {
		b.WriteString(e.Note)
		b.WriteString(" | ")
	}
	return b.String()
}
