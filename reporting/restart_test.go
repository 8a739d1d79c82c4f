package reporting_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/mnr-sdk/mnr/reporting"
)

// restartingAgency is the relay protocol with one restart: the first time every
// file is up, it gives the report up and starts over with Progress.Restart,
// keeping only a restart count and the given-up report's ID under another key.
type restartingAgency struct {
	relayAgency
	viaSave bool // announce the restart through env.Save, not only the returned progress
}

func (a *restartingAgency) Step(ctx context.Context, env reporting.StepEnv, s *reporting.Submission) (reporting.Progress, error) {
	p := s.Progress.Clone()
	if p.Step == fmt.Sprintf("uploaded:%d", len(s.Report.Content)) && p.IDs["restarts"] == "" {
		p = reporting.Progress{
			Step:     "",
			IDs:      map[string]string{"restarts": "1", "given-up.0": p.IDs["reportId"]},
			Receipts: append(p.Receipts, reporting.Receipt{Step: "give-up", At: env.Now(), Note: "test restart"}),
			Restart:  true,
		}
		if a.viaSave {
			return p, env.Save(ctx, p)
		}
		return p, nil
	}
	return a.relayAgency.Step(ctx, env, s)
}

// TestProgressRestart: a driver's Progress.Restart drops the stored agency IDs it
// leaves out and accepts the empty cursor (a merge would keep both), lists the
// dropped IDs in the history, and keeps every receipt.
func TestProgressRestart(t *testing.T) {
	for _, viaSave := range []bool{false, true} {
		t.Run(fmt.Sprintf("viaSave=%v", viaSave), func(t *testing.T) {
			rig := newRig(t, nil, &restartingAgency{viaSave: viaSave}, nil)
			rig.enqueue(t, "R1", 2, reporting.EnqueueOptions{})
			rig.drain(t)
			s := rig.get(t, "R1")
			wantState(t, s, reporting.StateDone)

			ids := s.Progress.IDs
			if len(ids) != 5 || ids["restarts"] != "1" || ids["given-up.0"] == "" || ids["reportId"] == "" ||
				ids["reportId"] == ids["given-up.0"] || ids["file.0.fileId"] == "" || ids["file.1.fileId"] == "" {
				t.Fatalf("IDs after the restart: %v", ids)
			}
			var steps []string
			for _, r := range s.Progress.Receipts {
				steps = append(steps, r.Step)
			}
			if got := strings.Join(steps, ","); got != "open,give-up,open,finish" {
				t.Fatalf("receipts %s, want open,give-up,open,finish", got)
			}
			var notes []string
			for _, e := range s.History {
				if strings.HasPrefix(e.Note, "progress restarted") {
					notes = append(notes, e.Note)
				}
			}
			if len(notes) != 1 {
				t.Fatalf("%d restart events, want 1:\n%s", len(notes), historyNotes(s))
			}
			want := "progress restarted by the agency driver; earlier agency IDs: file.0.fileId="
			if !strings.HasPrefix(notes[0], want) || !strings.Contains(notes[0], " reportId="+ids["given-up.0"]) {
				t.Fatalf("restart event %q", notes[0])
			}
			if n := rig.srv.count("/open"); n != 2 {
				t.Fatalf("opens: %d, want 2 (before and after the restart)", n)
			}
		})
	}
}

// bigRestartAgency opens a report with many IDs at once and restarts it.
type bigRestartAgency struct{ relayAgency }

func (a *bigRestartAgency) Step(ctx context.Context, env reporting.StepEnv, s *reporting.Submission) (reporting.Progress, error) {
	p := s.Progress.Clone()
	switch p.Step {
	case "":
		if p.IDs["restarts"] != "" {
			p.Step, p.Done = "finished", true
			return p, nil
		}
		for i := range 1000 {
			p.SetID(fmt.Sprintf("file.%03d.fileId", i), strings.Repeat("f", 20))
		}
		p.Step = "opened"
		return p, nil
	case "opened":
		return reporting.Progress{IDs: map[string]string{"restarts": "1"}, Restart: true}, nil
	}
	return p, fmt.Errorf("unknown step %q: %w", p.Step, reporting.ErrPermanent)
}

// TestProgressRestartNoteIsBounded: a restart that drops a thousand IDs lists
// what fits in 4 KiB and counts the rest.
func TestProgressRestartNoteIsBounded(t *testing.T) {
	rig := newRig(t, nil, &bigRestartAgency{}, nil)
	rig.enqueue(t, "R1", 1, reporting.EnqueueOptions{})
	rig.drain(t)
	s := rig.get(t, "R1")
	wantState(t, s, reporting.StateDone)
	if len(s.Progress.IDs) != 1 {
		t.Fatalf("IDs after the restart: %d, want only the restart count", len(s.Progress.IDs))
	}
	for _, e := range s.History {
		if strings.HasPrefix(e.Note, "progress restarted") {
			if len(e.Note) > 4096+32 || !strings.Contains(e.Note, "file.000.fileId=") || !strings.HasSuffix(e.Note, " more)") {
				t.Fatalf("restart note of %d bytes: %.120q ... %q", len(e.Note), e.Note, e.Note[max(0, len(e.Note)-40):])
			}
			return
		}
	}
	t.Fatalf("no restart event:\n%s", historyNotes(s))
}
