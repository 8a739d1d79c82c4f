package reporting

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// ErrUnknownAgency: the outbox has no Destination with that name.
var ErrUnknownAgency = errors.New("reporting: unknown agency")

// Destination binds an agency driver to the client that reaches it.
type Destination struct {
	Agency Agency
	Client *Client
}

// OutboxOptions configures an Outbox. A nil *OutboxOptions means all defaults.
type OutboxOptions struct {
	// Files opens content bytes for agencies that upload files. Nil means
	// agencies get a nil FileSource.
	Files FileSource
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives state changes (IDs, agency, state, step; never report
	// content). Nil discards.
	Logger *slog.Logger
	// Hooks: the outbox calls OnTransition and OnSubmitted.
	Hooks Hooks
	// Owner names this worker in leases. Default "outbox-" and 8 random hex
	// digits.
	Owner string
	// Concurrency bounds the submissions Run drives at once. Default 2.
	Concurrency int
	// PollInterval is how often Run looks for due work when idle. Default 1 s.
	PollInterval time.Duration
	// Lease is how long a claim lasts; Run renews it every Lease/3 while it
	// works. A worker that dies loses its submissions after at most Lease.
	// Default 5 minutes.
	Lease time.Duration
	// MaxAttempts bounds failed attempts at one step (or reconciliation)
	// before the submission fails. Default 8.
	MaxAttempts int
	// RetryBackoff and MaxRetryBackoff shape the wait before a failed step is
	// tried again: uniform in [d/2, d) for d = min(MaxRetryBackoff,
	// RetryBackoff*2^(attempts-1)), and at least the agency's Retry-After.
	// Defaults 30 s and 1 h.
	RetryBackoff    time.Duration
	MaxRetryBackoff time.Duration
	// Jitter returns a uniform random duration in [0, n). Default
	// math/rand/v2.
	Jitter func(n time.Duration) time.Duration
}

// EnqueueOptions are per-report choices.
type EnqueueOptions struct {
	// Review holds the submission in StateReview until Approve.
	Review bool
	// Note is recorded in the history ("auto-report from hash match").
	Note string
}

// Outbox carries reports to agencies durably: a report is accepted only once it is
// stored, each protocol step's progress (agency IDs, receipts) is stored before the
// next step, and a request that is not idempotent and got no answer is reconciled,
// never blindly resent. Run drives the work; several outboxes (processes, replicas)
// may share one Store and never work on the same submission at once.
//
// An Outbox is safe for concurrent use.
type Outbox struct {
	store Store
	dests map[string]Destination
	o     OutboxOptions
	log   *slog.Logger
}

// NewOutbox returns an outbox over store for the given destinations, one per
// agency name.
func NewOutbox(store Store, dests []Destination, opts *OutboxOptions) (*Outbox, error) {
	if store == nil {
		return nil, errors.New("reporting: NewOutbox: nil store")
	}
	ob := &Outbox{store: store, dests: make(map[string]Destination, len(dests))}
	for _, d := range dests {
		if d.Agency == nil || d.Client == nil {
			return nil, errors.New("reporting: NewOutbox: destination needs an Agency and a Client")
		}
		name := d.Agency.Name()
		if name == "" || !isPUID(name) {
			return nil, errors.New("reporting: NewOutbox: agency name must be letters, digits, - or _")
		}
		if _, dup := ob.dests[name]; dup {
			return nil, fmt.Errorf("reporting: NewOutbox: agency %q given twice", name)
		}
		ob.dests[name] = d
	}
	if opts != nil {
		ob.o = *opts
	}
	o := &ob.o
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Owner == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		o.Owner = "outbox-" + hex.EncodeToString(b[:])
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 2
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.Lease <= 0 {
		o.Lease = 5 * time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = 30 * time.Second
	}
	if o.MaxRetryBackoff <= 0 {
		o.MaxRetryBackoff = time.Hour
	}
	if o.Jitter == nil {
		o.Jitter = randJitter
	}
	ob.log = o.Logger
	if ob.log == nil {
		ob.log = slog.New(slog.DiscardHandler)
	}
	return ob, nil
}

// Enqueue validates r for the agency and stores it as a new submission, pending
// (or in review with EnqueueOptions.Review). It returns only after the
// submission is durable. Blocking validation problems are returned as the
// errors.Join of *FieldError from [ValidateFor] and nothing is stored; warnings
// are accepted and counted in the history.
//
// Enqueue is idempotent under (agency, r.ID): enqueuing the same report again
// returns the stored submission; a different report under the same ID is
// ErrConflict (an agency ID such as the DSA puid must never be reused).
func (ob *Outbox) Enqueue(ctx context.Context, agency string, r *Report, eo EnqueueOptions) (*Submission, error) {
	d, ok := ob.dests[agency]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownAgency, safeID(agency))
	}
	if r == nil {
		return nil, errors.New("reporting: Enqueue: nil report")
	}
	now := ob.o.Now()
	verr := errors.Join(r.ValidateAt(agency, now), d.Agency.Validate(r))
	if Blocking(verr) != nil {
		return nil, verr
	}
	enc, err := EncodeReport(r)
	if err != nil {
		return nil, fmt.Errorf("reporting: encode report: %w", err)
	}
	if len(enc) > DefaultMaxReportBytes {
		return nil, &DecodeError{Offset: -1, Err: ErrTooLarge, Detail: "encoded report over " + strconv.Itoa(DefaultMaxReportBytes) + " bytes"}
	}
	s := &Submission{
		ID:        SubmissionID(agency, r.ID),
		Agency:    agency,
		Report:    r.Clone(),
		State:     StatePending,
		NextAt:    now,
		CreatedAt: now,
		UpdatedAt: now,
	}
	if eo.Review {
		s.State = StateReview
		s.NextAt = time.Time{}
	}
	note := "enqueued"
	if n := len(Problems(verr)); n > 0 {
		note += " with " + strconv.Itoa(n) + " validation warning(s)"
	}
	if eo.Note != "" {
		note += ": " + eo.Note
	}
	s.History = []Event{{At: now, To: s.State, Note: note}}

	switch err := ob.store.Create(ctx, s); {
	case err == nil:
		ob.transition(ctx, s, "", s.State)
		return s.Clone(), nil
	case errors.Is(err, ErrExists):
		old, gerr := ob.store.Get(ctx, s.ID)
		if gerr != nil {
			return nil, gerr
		}
		oldEnc, eerr := EncodeReport(&old.Report)
		if eerr != nil {
			return nil, eerr
		}
		if !bytes.Equal(oldEnc, enc) {
			return nil, fmt.Errorf("%w: report ID %s was already used for a different report", ErrConflict, safeID(r.ID))
		}
		return old, nil
	default:
		return nil, err
	}
}

// Get returns the submission with its progress, receipts and history.
func (ob *Outbox) Get(ctx context.Context, id string) (*Submission, error) {
	return ob.store.Get(ctx, id)
}

// List returns submissions matching q.
func (ob *Outbox) List(ctx context.Context, q Query) ([]*Submission, error) {
	return ob.store.List(ctx, q)
}

// Approve releases a submission from review: it becomes pending and is sent.
func (ob *Outbox) Approve(ctx context.Context, id, note string) error {
	return ob.manual(ctx, id, "approved", note, func(s *Submission) (State, error) {
		if s.State != StateReview {
			return "", fmt.Errorf("%w: submission is %s, not in review", ErrConflict, s.State)
		}
		return StatePending, nil
	})
}

// Reject abandons a submission in review; nothing was sent.
func (ob *Outbox) Reject(ctx context.Context, id, note string) error {
	return ob.manual(ctx, id, "rejected in review", note, func(s *Submission) (State, error) {
		if s.State != StateReview {
			return "", fmt.Errorf("%w: submission is %s, not in review", ErrConflict, s.State)
		}
		return StateAbandoned, nil
	})
}

// Requeue sends a failed submission, or an unknown one a human has settled, back
// to pending with a fresh attempt count. The agency continues from the stored
// progress. Use it for an unknown submission only once you know that repeating
// its in-flight step is safe.
func (ob *Outbox) Requeue(ctx context.Context, id, note string) error {
	return ob.manual(ctx, id, "requeued", note, func(s *Submission) (State, error) {
		if s.State != StateFailed && s.State != StateUnknown {
			return "", fmt.Errorf("%w: submission is %s; only failed or unknown ones can be requeued", ErrConflict, s.State)
		}
		return StatePending, nil
	})
}

// Abandon gives up a submission that is not yet terminal. When its agency
// implements [Retracter] and the submission is past review, Abandon first leases
// it (so no worker steps it meanwhile) and calls Retract, storing the progress
// and receipts it returns; if Retract fails, the submission keeps its state, the
// failure goes into the history, and Abandon returns the error (try again, or
// Requeue). Agencies without Retracter, and submissions in review, are abandoned
// at once; nothing is withdrawn at the agency.
func (ob *Outbox) Abandon(ctx context.Context, id, note string) error {
	s, err := ob.store.Get(ctx, id)
	if err != nil {
		return err
	}
	dest, ok := ob.dests[s.Agency]
	rt, can := dest.Agency.(Retracter)
	if !ok || !can || s.State == StateReview {
		return ob.apply(ctx, s, "abandoned", note, func(s *Submission) (State, error) {
			if s.State.Terminal() {
				return "", fmt.Errorf("%w: submission is already %s", ErrConflict, s.State)
			}
			return StateAbandoned, nil
		})
	}
	return ob.retractAndAbandon(ctx, s, dest, rt, note)
}

// retractAndAbandon leases s, calls the agency's Retract and stores the outcome.
func (ob *Outbox) retractAndAbandon(ctx context.Context, s *Submission, dest Destination, rt Retracter, note string) error {
	now := ob.o.Now()
	if s.LeaseUntil.After(now) {
		return fmt.Errorf("%w: a worker holds the submission until %s", ErrConflict, s.LeaseUntil.Format(time.RFC3339))
	}
	if s.State.Terminal() {
		return fmt.Errorf("%w: submission is already %s", ErrConflict, s.State)
	}
	s.LeaseOwner, s.LeaseUntil, s.UpdatedAt = ob.o.Owner, now.Add(ob.o.Lease), now
	if err := ob.store.Update(ctx, s); err != nil {
		return err
	}
	w := &work{ob: ob, dest: dest, sub: s}
	stepCtx, stop := w.leased(ctx)
	p, rerr := rt.Retract(stepCtx, w.env(), w.snapshot())
	lost := errors.Is(rerr, ErrLeaseLost) || errors.Is(context.Cause(stepCtx), ErrLeaseLost)
	stop()
	if lost {
		return fmt.Errorf("reporting: Abandon: %w", ErrLeaseLost)
	}

	fctx, cancel := finalCtx(ctx)
	defer cancel()
	what := "abandoned: retracted at the agency"
	if note != "" {
		what += ": " + note
	}
	var from, to State
	err := w.persist(fctx, func(s *Submission) {
		var restarted string
		s.Progress, restarted = mergeProgress(s.Progress, p)
		now := ob.o.Now()
		restartEvent(s, now, restarted)
		from, to = s.State, s.State
		s.LeaseOwner, s.LeaseUntil = "", time.Time{}
		if rerr != nil {
			s.History = appendEvent(s.History, Event{At: now, From: from, To: to, Step: s.Progress.Step,
				Note: "abandon requested; retract at the agency failed, not abandoned: " + rerr.Error()})
			return
		}
		to = StateAbandoned
		s.State, s.InFlight, s.NextAt = to, "", time.Time{}
		s.Progress.Abandoned = true
		s.History = appendEvent(s.History, Event{At: now, From: from, To: to, Step: s.Progress.Step, Note: what})
	})
	if err != nil {
		return errors.Join(rerr, err)
	}
	if rerr != nil {
		return fmt.Errorf("reporting: Abandon: retract at the agency failed; the submission was not abandoned: %w", rerr)
	}
	ob.transition(ctx, w.snapshot(), from, to)
	return nil
}

func (ob *Outbox) manual(ctx context.Context, id, what, note string, decide func(*Submission) (State, error)) error {
	s, err := ob.store.Get(ctx, id)
	if err != nil {
		return err
	}
	return ob.apply(ctx, s, what, note, decide)
}

// apply makes a human's state change to s, as read from the store.
func (ob *Outbox) apply(ctx context.Context, s *Submission, what, note string, decide func(*Submission) (State, error)) error {
	now := ob.o.Now()
	if s.LeaseUntil.After(now) {
		return fmt.Errorf("%w: a worker holds the submission until %s", ErrConflict, s.LeaseUntil.Format(time.RFC3339))
	}
	to, err := decide(s)
	if err != nil {
		return err
	}
	from := s.State
	if note != "" {
		what += ": " + note
	}
	s.State = to
	s.LeaseOwner, s.LeaseUntil, s.InFlight = "", time.Time{}, ""
	s.NextAt = time.Time{}
	if to == StatePending {
		s.NextAt = now
		s.Attempts = 0
		s.Error = ""
	}
	s.UpdatedAt = now
	s.History = appendEvent(s.History, Event{At: now, From: from, To: to, Step: s.Progress.Step, Note: what})
	if err := ob.store.Update(ctx, s); err != nil {
		return err
	}
	ob.transition(ctx, s, from, to)
	return nil
}

// Run claims due submissions and drives them through their agencies until ctx
// ends, then waits for the steps in hand to stop and returns nil. Steps in hand
// see ctx's cancellation; their progress is saved and they are released for the
// next Run. Store errors are logged and retried after PollInterval.
func (ob *Outbox) Run(ctx context.Context) error {
	sem := make(chan struct{}, ob.o.Concurrency)
	wake := make(chan struct{}, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	for ctx.Err() == nil {
		free := cap(sem) - len(sem)
		idle := true
		if free > 0 {
			subs, err := ob.store.Claim(ctx, ob.o.Owner, ob.o.Now(), ob.o.Lease, free)
			if err != nil && ctx.Err() == nil {
				ob.log.LogAttrs(ctx, slog.LevelError, "reporting: outbox claim failed", slog.String("error", err.Error()))
			}
			for _, s := range subs {
				sem <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					ob.process(ctx, s)
					<-sem
					select {
					case wake <- struct{}{}:
					default:
					}
				}()
			}
			idle = len(subs) < free
		}
		if !idle {
			continue
		}
		t := time.NewTimer(ob.o.PollInterval)
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
	return nil
}

// RunOnce claims the submissions due now (up to Concurrency), drives each as far
// as it goes, and returns how many it claimed. It suits tests and cron-style
// use; services call Run.
func (ob *Outbox) RunOnce(ctx context.Context) (int, error) {
	subs, err := ob.store.Claim(ctx, ob.o.Owner, ob.o.Now(), ob.o.Lease, ob.o.Concurrency)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, s := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ob.process(ctx, s)
		}()
	}
	wg.Wait()
	return len(subs), nil
}

func (ob *Outbox) transition(ctx context.Context, s *Submission, from, to State) {
	if from == to {
		return
	}
	ob.log.LogAttrs(ctx, slog.LevelInfo, "reporting: submission state",
		slog.String("id", safeID(s.ID)), slog.String("agency", s.Agency),
		slog.String("from", string(from)), slog.String("to", string(to)), slog.String("step", safeID(s.Progress.Step)))
	if h := ob.o.Hooks.OnTransition; h != nil {
		h(ctx, s.Clone(), from, to)
	}
	if to == StateDone {
		if h := ob.o.Hooks.OnSubmitted; h != nil {
			h(ctx, s.Clone())
		}
	}
}

func (ob *Outbox) retryDelay(attempts int, retryAfter time.Duration) time.Duration {
	d := fullJitter(attempts, ob.o.RetryBackoff, ob.o.MaxRetryBackoff, 2, func(n time.Duration) time.Duration { return n })
	d = d/2 + ob.o.Jitter(d/2)
	return max(d, retryAfter)
}
