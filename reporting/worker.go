package reporting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxStepsPerClaim bounds the steps one claim drives, so a driver that never
// finishes cannot hold a worker forever.
const maxStepsPerClaim = 10000

// errNoProgress: a step returned without error but did not move the cursor.
var errNoProgress = errors.New("reporting: agency step made no progress")

// work is one claimed submission being driven by this process. mu serialises
// every store write for it (step results, Save, lease renewal).
type work struct {
	ob   *Outbox
	dest Destination
	mu   sync.Mutex
	sub  *Submission
}

// persist stores w.sub after f changed it. A version conflict means another
// worker took the submission over: ErrLeaseLost.
func (w *work) persist(ctx context.Context, f func(s *Submission)) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.persistLocked(ctx, f)
}

func (w *work) persistLocked(ctx context.Context, f func(s *Submission)) error {
	next := w.sub.Clone()
	f(next)
	next.UpdatedAt = w.ob.o.Now()
	if err := w.ob.store.Update(ctx, next); err != nil {
		if errors.Is(err, ErrConflict) {
			return fmt.Errorf("%w: %w", ErrLeaseLost, err)
		}
		return err
	}
	w.sub = next
	return nil
}

func (w *work) snapshot() *Submission {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sub.Clone()
}

// mergeProgress installs p as the progress without ever dropping a receipt the
// stored progress already holds, nor an agency ID unless p.Restart asks for it.
// It returns the history note that lists the IDs a restart dropped ("" when it
// dropped none). The result never has Restart set.
func mergeProgress(old Progress, p Progress) (Progress, string) {
	p = p.Clone()
	var note string
	if p.Restart {
		note = restartNote(old.IDs, p.IDs)
	} else {
		for k, v := range old.IDs {
			if _, ok := p.IDs[k]; !ok {
				p.SetID(k, v)
			}
		}
		if p.Step == "" && old.Step != "" && !p.Done && !p.Abandoned {
			p.Step = old.Step
		}
	}
	p.Restart = false
	if len(p.Receipts) < len(old.Receipts) {
		p.Receipts = append(old.Clone().Receipts[:len(old.Receipts)-len(p.Receipts)], p.Receipts...)
	}
	return p, note
}

// maxRestartNote bounds the history note of a restart; IDs beyond it are
// counted, not listed.
const maxRestartNote = 4096

// restartNote lists the IDs of old that kept is without (or holds with another
// value), sorted by key, for the history.
func restartNote(old, kept map[string]string) string {
	var keys []string
	for k, v := range old {
		if w, ok := kept[k]; v != "" && (!ok || w != v) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString("progress restarted by the agency driver; earlier agency IDs:")
	for i, k := range keys {
		item := " " + k + "=" + old[k]
		if b.Len()+len(item) > maxRestartNote {
			fmt.Fprintf(&b, " (and %d more)", len(keys)-i)
			break
		}
		b.WriteString(item)
	}
	return b.String()
}

// restartEvent appends the history event of a restart to s, if note says one
// dropped IDs.
func restartEvent(s *Submission, at time.Time, note string) {
	if note != "" {
		s.History = appendEvent(s.History, Event{At: at, From: s.State, To: s.State, Step: s.Progress.Step, Note: note})
	}
}

func (ob *Outbox) process(ctx context.Context, claimed *Submission) {
	dest, ok := ob.dests[claimed.Agency]
	if !ok {
		// Every outbox sharing a store should know every agency in it. Hand
		// the submission back untouched, due again after a lease period, so a
		// replica that knows the agency can take it.
		ob.log.LogAttrs(ctx, slog.LevelError, "reporting: claimed a submission for an agency this outbox does not have",
			slog.String("id", safeID(claimed.ID)), slog.String("agency", safeID(claimed.Agency)))
		w := &work{ob: ob, sub: claimed}
		_ = w.persist(ctx, func(s *Submission) {
			if s.State == StateInProgress && s.InFlight == "" {
				s.State = StatePending
			}
			later := ob.o.Now().Add(ob.o.Lease)
			s.LeaseOwner, s.LeaseUntil, s.NextAt = "", later, later
		})
		return
	}
	w := &work{ob: ob, dest: dest, sub: claimed}
	if h := claimed.History; len(h) > 0 && h[len(h)-1].From == StatePending && h[len(h)-1].To == StateInProgress {
		ob.transition(ctx, claimed, StatePending, StateInProgress)
	}

	stepCtx, stop := w.leased(ctx)
	defer stop()
	env := w.env()

	if claimed.InFlight != "" && claimed.State == StateInProgress {
		note := "worker stopped while " + claimed.InFlight + " was in flight; outcome unknown"
		if !w.toUnknown(ctx, note) {
			return
		}
	}

	for steps := 0; steps < maxStepsPerClaim; steps++ {
		if stepCtx.Err() != nil {
			w.fail(ctx, stepCtx, w.snapshot().Progress, "", stepCtx.Err(), false)
			return
		}
		snap := w.snapshot()
		var (
			p   Progress
			err error
		)
		reconciling := snap.State == StateUnknown
		if reconciling {
			rec, ok := dest.Agency.(Reconciler)
			if !ok {
				w.park(ctx, "agency cannot reconcile; a human must Requeue or Abandon")
				return
			}
			p, err = rec.Reconcile(stepCtx, env, snap)
		} else {
			p, err = dest.Agency.Step(stepCtx, env, snap)
		}
		cur := w.snapshot()
		p, restarted := mergeProgress(cur.Progress, p)
		if err == nil && !p.Done && !p.Abandoned && !reconciling && p.Step == snap.Progress.Step &&
			len(p.IDs) == len(snap.Progress.IDs) && len(p.Receipts) == len(snap.Progress.Receipts) {
			err = errNoProgress
		}
		if err != nil {
			w.fail(ctx, stepCtx, p, restarted, err, reconciling)
			return
		}
		if !w.advance(ctx, p, restarted, reconciling) {
			return
		}
	}
	w.fail(ctx, stepCtx, w.snapshot().Progress, "", fmt.Errorf("reporting: more than %d steps in one claim", maxStepsPerClaim), false)
}

// leased returns a context for work under the lease, which a heartbeat renews
// every Lease/3 and which ends when the lease is lost (cause ErrLeaseLost) or
// ctx ends; stop ends the heartbeat and waits for it.
func (w *work) leased(ctx context.Context) (stepCtx context.Context, stop func()) {
	stepCtx, cancel := context.WithCancelCause(ctx)
	hbDone := make(chan struct{})
	hbStopped := make(chan struct{})
	go func() {
		defer close(hbStopped)
		w.heartbeat(stepCtx, cancel, hbDone)
	}()
	return stepCtx, func() {
		close(hbDone)
		<-hbStopped
		cancel(nil)
	}
}

// env returns the StepEnv for w's submission: Save merges progress into it, and
// Do stores InFlight before a request that is not idempotent leaves.
func (w *work) env() StepEnv {
	ob := w.ob
	return StepEnv{
		Files: ob.o.Files,
		Now:   ob.o.Now,
		Save: func(sctx context.Context, p Progress) error {
			return w.persist(sctx, func(s *Submission) {
				var note string
				s.Progress, note = mergeProgress(s.Progress, p)
				s.InFlight = ""
				restartEvent(s, ob.o.Now(), note)
			})
		},
		Do: func(dctx context.Context, spec RequestSpec) (*Response, error) {
			if !spec.Idempotent {
				method := spec.Method
				if method == "" {
					method = "GET"
				}
				// Durable before the request leaves: a crash from here until
				// the answer is saved sends the submission to unknown.
				path, _, _ := strings.Cut(spec.Path, "?")
				err := w.persist(dctx, func(s *Submission) { s.InFlight = method + " " + path })
				if err != nil {
					return nil, err
				}
			}
			return w.dest.Client.Do(dctx, spec)
		},
	}
}

// heartbeat renews the lease every Lease/3 until done; if the lease is lost it
// cancels the step.
func (w *work) heartbeat(ctx context.Context, cancel context.CancelCauseFunc, done <-chan struct{}) {
	every := max(w.ob.o.Lease/3, time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			err := w.persist(ctx, func(s *Submission) { s.LeaseUntil = w.ob.o.Now().Add(w.ob.o.Lease) })
			if errors.Is(err, ErrLeaseLost) {
				cancel(err)
				return
			}
			if err != nil && ctx.Err() == nil {
				w.ob.log.LogAttrs(ctx, slog.LevelWarn, "reporting: lease renewal failed",
					slog.String("id", safeID(w.sub.ID)), slog.String("error", err.Error()))
			}
		}
	}
}

// finalCtx is for the writes that must happen after the caller's ctx ended.
func finalCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// advance stores the result of a successful step; it reports whether to go on.
// restarted is the history note of a restart in p, if any.
func (w *work) advance(ctx context.Context, p Progress, restarted string, reconciled bool) bool {
	now := w.ob.o.Now()
	var from, to State
	fctx, cancel := finalCtx(ctx)
	defer cancel()
	err := w.persist(fctx, func(s *Submission) {
		from = s.State
		s.Progress = p
		restartEvent(s, now, restarted)
		s.InFlight = ""
		s.Attempts = 0
		s.Error = ""
		to = StateInProgress
		note := "step done"
		if reconciled {
			note = "reconciled"
		}
		switch {
		case p.Done:
			to = StateDone
			note = "done at the agency"
		case p.Abandoned:
			to = StateAbandoned
			note = "abandoned at the agency"
		}
		if reconciled && to.Terminal() {
			note = "reconciled; " + note
		}
		s.State = to
		if to.Terminal() {
			s.LeaseOwner, s.LeaseUntil, s.NextAt = "", time.Time{}, time.Time{}
		} else {
			s.LeaseUntil = now.Add(w.ob.o.Lease)
		}
		s.History = appendEvent(s.History, Event{At: now, From: from, To: to, Step: p.Step, Note: note})
	})
	if err != nil {
		w.ob.log.LogAttrs(ctx, slog.LevelWarn, "reporting: could not save step; the lease will lapse",
			slog.String("id", safeID(w.sub.ID)), slog.String("error", err.Error()))
		return false
	}
	w.ob.transition(ctx, w.snapshot(), from, to)
	return !to.Terminal()
}

// fail stores the outcome of a failed step. restarted is the history note of a
// restart in p, if any.
func (w *work) fail(ctx, stepCtx context.Context, p Progress, restarted string, err error, reconciling bool) {
	if errors.Is(err, ErrLeaseLost) || errors.Is(context.Cause(stepCtx), ErrLeaseLost) {
		w.ob.log.LogAttrs(ctx, slog.LevelWarn, "reporting: lease lost; another worker has the submission",
			slog.String("id", safeID(w.sub.ID)))
		return
	}
	now := w.ob.o.Now()
	fctx, cancel := finalCtx(ctx)
	defer cancel()
	_, reconcilable := w.dest.Agency.(Reconciler)
	var from, to State
	perr := w.persist(fctx, func(s *Submission) {
		from = s.State
		s.Progress = p
		restartEvent(s, now, restarted)
		s.InFlight = ""
		s.LeaseOwner, s.LeaseUntil = "", time.Time{}
		msg := err.Error()
		var note string
		switch {
		case errors.Is(err, ErrOutcomeUnknown):
			s.Attempts++
			s.Error = msg
			to = StateUnknown
			note = "outcome unknown: " + msg
			if reconcilable && s.Attempts < w.ob.o.MaxAttempts {
				s.NextAt = now.Add(w.ob.retryDelay(s.Attempts, 0) / 8)
			} else {
				s.NextAt = time.Time{}
				note += "; parked for a human (Requeue or Abandon)"
			}
		case stepCtx.Err() != nil && errors.Is(err, stepCtx.Err()), ctx.Err() != nil && errors.Is(err, ctx.Err()):
			// Shutting down: hand it back as it was, untouched by attempts.
			to = s.State
			if to == StateInProgress {
				to = StatePending
			}
			s.NextAt = now
			note = "released: worker stopping"
		case errors.Is(err, ErrPermanent):
			s.Error = msg
			to = StateFailed
			s.NextAt = time.Time{}
			note = "failed: " + msg
		default:
			s.Attempts++
			s.Error = msg
			if s.Attempts >= w.ob.o.MaxAttempts {
				to = StateFailed
				s.NextAt = time.Time{}
				note = fmt.Sprintf("failed after %d attempts: %s", s.Attempts, msg)
				break
			}
			to = StatePending
			if reconciling {
				to = StateUnknown
			}
			var ae *APIError
			var ra time.Duration
			if errors.As(err, &ae) {
				ra = ae.RetryAfter
			}
			s.NextAt = now.Add(w.ob.retryDelay(s.Attempts, ra))
			note = "will retry: " + msg
		}
		s.State = to
		s.History = appendEvent(s.History, Event{At: now, From: from, To: to, Step: p.Step, Note: note})
	})
	if perr != nil {
		w.ob.log.LogAttrs(ctx, slog.LevelWarn, "reporting: could not save failed step; the lease will lapse",
			slog.String("id", safeID(w.sub.ID)), slog.String("error", perr.Error()))
		return
	}
	w.ob.transition(ctx, w.snapshot(), from, to)
}

// toUnknown moves a submission found with a request in flight to unknown and
// keeps it leased to this worker, which reconciles it next.
func (w *work) toUnknown(ctx context.Context, note string) bool {
	now := w.ob.o.Now()
	var from State
	err := w.persist(ctx, func(s *Submission) {
		from = s.State
		s.State = StateUnknown
		s.InFlight = ""
		s.Error = note
		s.NextAt = now
		s.History = appendEvent(s.History, Event{At: now, From: from, To: StateUnknown, Step: s.Progress.Step, Note: note})
	})
	if err != nil {
		return false
	}
	w.ob.transition(ctx, w.snapshot(), from, StateUnknown)
	return true
}

// park leaves an unknown submission for a human.
func (w *work) park(ctx context.Context, note string) {
	now := w.ob.o.Now()
	_ = w.persist(ctx, func(s *Submission) {
		s.NextAt = time.Time{}
		s.LeaseOwner, s.LeaseUntil = "", time.Time{}
		s.History = appendEvent(s.History, Event{At: now, From: s.State, To: s.State, Step: s.Progress.Step, Note: note})
	})
}
