package takedown

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/mnr-sdk/mnr/terminology"
)

// Transition is passed to Hooks.OnTransition after a case change is committed.
type Transition struct {
	// Case is the state after the change.
	Case *Case
	// Event is the event type (EventOpened for Open) and EventID the caller's ID.
	Event   EventType
	EventID string
	From    Status
	To      Status
}

// Firing is passed to the warning, due and breach hooks.
type Firing struct {
	// DeliveryID is stable for a timer across attempts, restarts and replicas
	// ("case/deadline/due"): use it to deduplicate if you need exactly-once effects
	// across crashes.
	DeliveryID string
	// Attempt is 1 unless an earlier claim of the timer expired without completing. Stores
	// that keep leases in memory (boltstore) start again from 1 after a restart, so
	// deduplicate by DeliveryID, not by Attempt.
	Attempt int
	Kind    TimerKind
	// Fraction is the warning's fraction of the deadline (0 for due and breach).
	Fraction float64
	// At is when the timer was scheduled to fire; Now when it fired. After downtime Now
	// can be much later than At.
	At  time.Time
	Now time.Time
	// Case is the case state including this firing; Deadline the deadline it concerns.
	Case     *Case
	Deadline Deadline
}

// Hooks are optional callbacks. They run synchronously: on the caller's goroutine for
// OnTransition, on Run's (or Tick's) goroutine for the others, so keep them short (well
// under Options.Lease) and hand slow work to a queue. A panic in a hook is recovered and
// logged.
//
// Delivery semantics of OnWarning, OnDue and OnBreach: each timer is claimed under a
// lease, its hook runs, then the completion (a fired marker, and the case change) is
// committed in one transaction that also checks the lease. Without crashes each hook runs
// exactly once per timer, across restarts and across engines sharing a store. If a
// process dies after the hook ran but before the completion committed, the lease expires
// and another engine (or the restarted one) runs the hook again with the same DeliveryID
// and a higher Attempt: at-least-once delivery. The same holds for a hook that is still
// running when its lease runs out, as another engine may claim the timer; the engine
// starts no further hook of a batch whose lease has run out, and retries a failed
// completion while the lease lasts.
//
// OnTransition is called after each committed Open or Record, once per call that changed
// something (not for idempotent repeats); it is not persisted, so a crash right after a
// commit loses it.
type Hooks struct {
	OnTransition func(ctx context.Context, t Transition)
	// OnWarning fires at each Options.Warnings fraction of an open deadline.
	OnWarning func(ctx context.Context, f Firing)
	// OnDue fires when an open deadline reaches its due time.
	OnDue func(ctx context.Context, f Firing)
	// OnBreach fires when the deadline is recorded as breached: at the due time plus
	// Options.BreachGrace (the conventions' OnDeadlineMissed).
	OnBreach func(ctx context.Context, f Firing)
}

// Options configure an Engine. The zero value (or nil) means every default.
type Options struct {
	// Now is the clock. Default time.Now. Run sleeps with real timers, so to drive Run
	// with fake time use testing/synctest; with any other fake clock, call Tick.
	Now func() time.Time
	// Logger receives operational logs (never case content). Default: discard.
	Logger *slog.Logger
	// Hooks are called on transitions and firings.
	Hooks Hooks
	// Warnings are fractions (0 < f < 1) of each deadline at which OnWarning fires, for
	// deadlines whose clock starts from now on. Nil means DefaultWarnings (50% and 80%);
	// an empty non-nil slice means no warnings.
	Warnings []float64
	// BreachGrace delays OnBreach after OnDue. Default 0.
	BreachGrace time.Duration
	// WorkerID names this engine in leases. It must be unique among live engines on a
	// store. Default: random.
	WorkerID string
	// Lease is how long a claimed timer is reserved for this engine; hooks for a batch
	// must finish within it. Default 1 minute.
	Lease time.Duration
	// PollInterval is the longest Run sleeps before asking the store again, which is
	// how it notices timers added by other engines. Default 1 second.
	PollInterval time.Duration
	// BatchSize is how many timers are claimed and completed per transaction. Default 256.
	BatchSize int
}

// Engine runs takedown cases over a Store: Open and Record change cases, Run fires
// deadlines through Hooks. It is safe for concurrent use; Run may run on one goroutine at
// a time per Engine (start several Engines, with distinct WorkerIDs, to share the work).
type Engine struct {
	store    Store
	m        Machine
	now      func() time.Time
	log      *slog.Logger
	hooks    Hooks
	worker   string
	lease    time.Duration
	poll     time.Duration
	batch    int
	wake     chan struct{}
	nextWake atomic.Int64
	running  atomic.Bool
}

// NewEngine returns an engine over store with the given policy (nil means
// DefaultPolicy()). The engine keeps a copy of the policy. It does not own the store:
// close the store after the engine's Run has returned.
func NewEngine(store Store, policy *Policy, opts *Options) (*Engine, error) {
	if store == nil {
		return nil, invalid("store", "nil")
	}
	if policy == nil {
		policy = DefaultPolicy()
	}
	policy = policy.Clone()
	if err := policy.Validate(); err != nil {
		return nil, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	e := &Engine{store: store, now: o.Now, log: o.Logger, hooks: o.Hooks, worker: o.WorkerID,
		lease: o.Lease, poll: o.PollInterval, batch: o.BatchSize, wake: make(chan struct{}, 1)}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.worker == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		e.worker = "engine-" + hex.EncodeToString(b[:])
	}
	if err := checkID("worker id", e.worker); err != nil {
		return nil, err
	}
	if e.lease <= 0 {
		e.lease = time.Minute
	}
	if e.poll <= 0 {
		e.poll = time.Second
	}
	if e.batch <= 0 {
		e.batch = 256
	}
	warnings := o.Warnings
	if warnings == nil {
		warnings = DefaultWarnings()
	}
	for _, f := range warnings {
		if !(f > 0 && f < 1) {
			return nil, invalid("options.warnings", "fraction %v outside (0, 1)", f)
		}
	}
	if o.BreachGrace < 0 {
		return nil, invalid("options.breach_grace", "negative")
	}
	e.m = Machine{Policy: policy, Warnings: slices.Clone(warnings), BreachGrace: o.BreachGrace}
	e.nextWake.Store(math.MaxInt64)
	return e, nil
}

// Machine returns the engine's pure state machine (its policy and timer settings).
func (e *Engine) Machine() *Machine { return &e.m }

// WorkerID returns the engine's lease owner name.
func (e *Engine) WorkerID() string { return e.worker }

func newCaseID(now time.Time) string {
	var b [16]byte
	ms := uint64(now.UnixMilli())
	binary.BigEndian.PutUint64(b[:8], ms<<16)
	_, _ = rand.Read(b[6:])
	return hex.EncodeToString(b[:])
}

// replay returns the current case for an idempotency key that was already used, nil if
// the key is new, or ErrIDReused if it was used with other content.
func (e *Engine) replay(ctx context.Context, key string, fp Digest) (*Case, error) {
	rec, err := e.store.Idempotency(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if rec.Fingerprint != fp {
		return nil, fmt.Errorf("%w: %q", ErrIDReused, key)
	}
	return e.store.Get(ctx, rec.Case)
}

func (e *Engine) afterCommit(ctx context.Context, s *Step, typ EventType, id string) {
	earliest := int64(math.MaxInt64)
	for _, t := range s.Add {
		earliest = min(earliest, t.At.UnixNano())
	}
	if earliest < e.nextWake.Load() {
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
	if e.hooks.OnTransition != nil {
		e.safeHook(ctx, "OnTransition", func() {
			e.hooks.OnTransition(ctx, Transition{Case: s.Case.Clone(), Event: typ, EventID: id, From: s.From, To: s.To})
		})
	}
}

func (e *Engine) safeHook(ctx context.Context, name string, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			e.log.LogAttrs(ctx, slog.LevelError, "takedown: hook panicked", slog.String("hook", name),
				slog.String("panic", fmt.Sprint(r)))
		}
	}()
	fn()
}

// Open opens a case for a notice, with its deadlines from the policy, and returns it.
// It is idempotent under n.ID: opening the same notice again returns the existing case
// (in its current state) and no error; the same ID with a different notice fails with
// ErrIDReused. Invalid notices fail with an *InvalidError.
func (e *Engine) Open(ctx context.Context, n Notice) (*Case, error) {
	key := "open/" + n.ID
	fp := fingerprint(n)
	if err := checkID("notice.id", n.ID); err != nil {
		return nil, err
	}
	// Create first: a repeated notice fails on its idempotency key and is replayed then.
	for range 4 {
		now := e.now()
		s, err := e.m.Open(newCaseID(now), n, now)
		if err != nil {
			return nil, err
		}
		err = e.store.Create(ctx, s.Change(&IdemRecord{Key: key, Fingerprint: fp, Case: s.Case.ID, Version: 1}))
		if err == nil {
			e.afterCommit(ctx, s, EventOpened, n.ID)
			return s.Case, nil // the step's copy: nothing else holds it
		}
		if !errors.Is(err, ErrExists) {
			return nil, err
		}
		if c, err := e.replay(ctx, key, fp); c != nil || err != nil {
			return c, err
		}
	}
	return nil, fmt.Errorf("takedown: open %q: could not allocate a case ID: %w", n.ID, ErrExists)
}

// maxRetries bounds optimistic-concurrency retries of one call.
const maxRetries = 32

// Record records an event on a case and returns the case's new state. It is idempotent
// under ev.ID within the case: recording the same event again returns the case's
// current state and no error; the same ID with a different event fails with
// ErrIDReused. An event the case's status does not allow fails with a *TransitionError
// (errors.Is ErrIllegalTransition); an unknown case with ErrNotFound.
func (e *Engine) Record(ctx context.Context, id string, ev Event) (*Case, error) {
	if err := checkID("case id", id); err != nil {
		return nil, err
	}
	if err := checkID("event.id", ev.ID); err != nil {
		return nil, err
	}
	key := "event/" + id + "/" + ev.ID
	fp := fingerprint(ev)
	for range maxRetries {
		c, err := e.store.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		s, err := e.m.Apply(c, ev, e.now())
		if err != nil {
			// A repeat of an earlier event may no longer be legal (a second
			// "removed"): it still succeeds as a repeat.
			if c, rerr := e.replay(ctx, key, fp); c != nil || rerr != nil {
				return c, rerr
			}
			return nil, err
		}
		err = e.store.Update(ctx, s.Change(&IdemRecord{Key: key, Fingerprint: fp, Case: id, Version: s.Case.Version}))
		switch {
		case err == nil:
			e.afterCommit(ctx, s, ev.Type, ev.ID)
			return s.Case, nil
		case errors.Is(err, ErrExists):
			// The event ID was used before (or concurrently): a repeat.
			if c, rerr := e.replay(ctx, key, fp); c != nil || rerr != nil {
				return c, rerr
			}
		case errors.Is(err, ErrConflict):
		default:
			return nil, err
		}
	}
	return nil, fmt.Errorf("takedown: record on case %s: gave up after %d concurrent changes: %w", id, maxRetries, ErrConflict)
}

// Get returns a case.
func (e *Engine) Get(ctx context.Context, id string) (*Case, error) { return e.store.Get(ctx, id) }

// Events returns a case's audit events.
func (e *Engine) Events(ctx context.Context, id string) ([]AuditEvent, error) {
	return e.store.Events(ctx, id)
}

// Verify checks a case's audit chain against the stored case (see VerifyChain). A nil
// error means it verifies; tampering gives a *VerifyError (errors.Is ErrTampered).
func (e *Engine) Verify(ctx context.Context, id string) error {
	c, err := e.store.Get(ctx, id)
	if err != nil {
		return err
	}
	evs, err := e.store.Events(ctx, id)
	if err != nil {
		return err
	}
	return VerifyChain(c, evs)
}

// Head returns the global journal head; see ChainHead.
func (e *Engine) Head(ctx context.Context) (ChainHead, error) { return e.store.Head(ctx) }

// VerifyAll checks the whole store: the global journal's links and hashes, that it
// references every audit event of every case exactly once and in order, and every case's
// chain. It reads everything, so it is an offline or periodic check; it keeps one
// counter per case in memory. It returns the verified head.
func (e *Engine) VerifyAll(ctx context.Context) (ChainHead, error) {
	var head ChainHead
	seen := map[string]uint64{}
	for {
		entries, err := e.store.Journal(ctx, head.Seq, 1000)
		if err != nil {
			return head, err
		}
		if len(entries) == 0 {
			break
		}
		next, err := VerifyJournal(head, entries)
		if err != nil {
			return head, err
		}
		events := map[string][]AuditEvent{}
		for _, j := range entries {
			evs, ok := events[j.Case]
			if !ok {
				if evs, err = e.store.Events(ctx, j.Case); err != nil && !errors.Is(err, ErrNotFound) {
					return head, err
				}
				events[j.Case] = evs
			}
			if j.CaseSeq != seen[j.Case]+1 {
				return head, &VerifyError{Seq: j.Seq, Reason: fmt.Sprintf("case %s event %d out of order", j.Case, j.CaseSeq)}
			}
			if j.CaseSeq > uint64(len(evs)) || evs[j.CaseSeq-1].Hash != j.EventHash {
				return head, &VerifyError{Seq: j.Seq, Reason: fmt.Sprintf("case %s event %d missing or changed", j.Case, j.CaseSeq)}
			}
			seen[j.Case] = j.CaseSeq
		}
		head = next
	}
	stored, err := e.store.Head(ctx)
	if err != nil {
		return head, err
	}
	if stored != head {
		return head, &VerifyError{Seq: head.Seq, Reason: "stored head does not match the journal"}
	}
	after := ""
	for {
		cases, err := e.store.Scan(ctx, after, 500)
		if err != nil {
			return head, err
		}
		if len(cases) == 0 {
			break
		}
		for _, c := range cases {
			evs, err := e.store.Events(ctx, c.ID)
			if err != nil {
				return head, err
			}
			if err := VerifyChain(c, evs); err != nil {
				return head, err
			}
			if seen[c.ID] != c.Seq {
				return head, &VerifyError{Case: c.ID, Seq: seen[c.ID], Reason: "journal does not record every event"}
			}
			delete(seen, c.ID)
		}
		after = cases[len(cases)-1].ID
	}
	for id := range seen {
		return head, &VerifyError{Case: id, Reason: "journal references a case that is missing"}
	}
	return head, nil
}

// Filter selects cases for List and SLA. Zero fields match everything.
type Filter struct {
	// Status matches any of these statuses.
	Status []Status
	// Jurisdiction matches cases that considered it (Case.Jurisdictions).
	Jurisdiction Jurisdiction
	Trigger      Trigger
	// Category matches the category and its descendants (terminology.IsA).
	Category string
	// TriggeredFrom (inclusive) and TriggeredUntil (exclusive) bound Case.TriggerAt.
	TriggeredFrom, TriggeredUntil time.Time
	// Breached keeps only cases with at least one breached deadline.
	Breached bool
	// After is a cursor: List returns cases with IDs after it.
	After string
	// Limit bounds List's page: default 100, at most 1000.
	Limit int
}

func (f *Filter) match(c *Case) bool {
	if len(f.Status) > 0 && !slices.Contains(f.Status, c.Status) {
		return false
	}
	if f.Jurisdiction != "" && !slices.Contains(c.Jurisdictions, f.Jurisdiction) {
		return false
	}
	if f.Trigger != "" && c.Notice.Trigger != f.Trigger {
		return false
	}
	if f.Category != "" && !terminology.IsA(c.Notice.Category, f.Category) {
		return false
	}
	if !f.TriggeredFrom.IsZero() && c.TriggerAt.Before(f.TriggeredFrom) {
		return false
	}
	if !f.TriggeredUntil.IsZero() && !c.TriggerAt.Before(f.TriggeredUntil) {
		return false
	}
	if f.Breached && !slices.ContainsFunc(c.Deadlines, func(d Deadline) bool { return d.State == DeadlineBreached }) {
		return false
	}
	return true
}

// List returns up to f.Limit cases matching f, oldest first, and a cursor for the next
// page (empty at the end). It filters while scanning the store, so a selective filter on
// a large store reads many cases.
func (e *Engine) List(ctx context.Context, f Filter) ([]*Case, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	var out []*Case
	after := f.After
	for {
		page, err := e.store.Scan(ctx, after, 256)
		if err != nil {
			return nil, "", err
		}
		for i, c := range page {
			if f.match(c) {
				out = append(out, c)
				if len(out) == limit {
					if i == len(page)-1 && len(page) < 256 {
						return out, "", nil
					}
					return out, c.ID, nil
				}
			}
		}
		if len(page) < 256 {
			return out, "", nil
		}
		after = page[len(page)-1].ID
	}
}

// Deliveries returns the fired-timer markers of a case.
func (e *Engine) Deliveries(ctx context.Context, id string) ([]Delivery, error) {
	return e.store.Deliveries(ctx, id)
}

// Tick fires every timer due at the engine's Now and returns how many it fired. Run
// calls it; call it yourself to drive the engine with a fake clock or from a scheduler.
func (e *Engine) Tick(ctx context.Context) (int, error) {
	total := 0
	for {
		now := e.now()
		claims, err := e.store.Claim(ctx, now, e.worker, e.lease, e.batch)
		if err != nil {
			return total, err
		}
		if len(claims) == 0 {
			return total, nil
		}
		n, err := e.fire(ctx, claims, now)
		total += n
		if err != nil {
			return total, err
		}
	}
}

func (e *Engine) fire(ctx context.Context, claims []Claim, now time.Time) (int, error) {
	now = now.UTC()
	// One completion per case: its claims, in due order, and one change that chains the
	// firings (the store applies it all or nothing).
	var groups [][]Claim
	index := map[string]int{}
	for _, cl := range claims {
		i, ok := index[cl.Case]
		if !ok {
			i = len(groups)
			index[cl.Case] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], cl)
	}
	done := make([]Completion, 0, len(groups))
	fired := 0
batch:
	for i, g := range groups {
		c, err := e.store.Get(ctx, g[0].Case)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return fired, err
		}
		comp, steps := e.completion(c, g, now)
		for j, st := range steps {
			// Never start a hook once its claim's lease has run out (earlier hooks of the
			// batch were slow): another engine may have claimed the timer again and fired
			// it. Record what ran; the rest is claimed again with a new lease.
			if !g[j].Until.IsZero() && !e.now().Before(g[j].Until) {
				if j > 0 {
					groups[i] = g[:j]
					comp, _ = e.completion(c, g[:j], now)
					done = append(done, comp)
				}
				groups = groups[:len(done)]
				break batch
			}
			if st != nil {
				e.deliver(ctx, g[j], st.Case, now)
				fired++
			}
		}
		done = append(done, comp)
	}
	if len(done) == 0 {
		return fired, fmt.Errorf("takedown: the %v lease ran out before the first hook of a batch; raise Options.Lease: %w", e.lease, ErrLeaseLost)
	}
	// The hooks ran: record that even if ctx is being cancelled (shutdown), so a clean
	// stop never causes a second delivery.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.lease)
	defer cancel()
	errs, err := e.store.Complete(cctx, done)
	// A transient failure would leave the timers leased until the lease expires and then
	// run their hooks again, so retry while the lease lasts. A retry after a commit whose
	// reply was lost finds the timers gone (ErrLeaseLost) and delivers nothing twice.
	for wait := 50 * time.Millisecond; err != nil && wait <= 800*time.Millisecond; wait *= 2 {
		if errors.Is(err, ErrClosed) || errors.Is(err, ErrCorrupt) {
			break
		}
		e.log.LogAttrs(ctx, slog.LevelWarn, "takedown: recording firings failed; retrying", slog.String("error", err.Error()),
			slog.Duration("retry_in", wait))
		t := time.NewTimer(wait)
		select {
		case <-cctx.Done():
			t.Stop()
			return fired, err
		case <-t.C:
		}
		errs, err = e.store.Complete(cctx, done)
	}
	if err != nil {
		return fired, err
	}
	for i, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, ErrConflict):
			err = e.completeAgain(cctx, groups[i], now)
			if err != nil {
				e.log.LogAttrs(ctx, slog.LevelWarn, "takedown: could not record a firing", slog.String("delivery", groups[i][0].DeliveryID()),
					slog.String("error", err.Error()))
			}
		default:
			e.log.LogAttrs(ctx, slog.LevelWarn, "takedown: firing not recorded", slog.String("delivery", groups[i][0].DeliveryID()),
				slog.String("error", err.Error()))
		}
	}
	return fired, nil
}

// completion applies the claims of one case in order to c (nil when the case is gone)
// and returns the completion and, per claim, the step that fired (nil when the timer no
// longer applied).
func (e *Engine) completion(c *Case, g []Claim, now time.Time) (Completion, []*Step) {
	comp := Completion{Claims: g, FiredAt: now}
	steps := make([]*Step, len(g))
	if c == nil {
		return comp, steps
	}
	var ch *Change
	version := c.Version
	for j, cl := range g {
		if ch != nil {
			// Chain the firings as one change: one version step in all.
			c = c.Clone()
			c.Version = version
		}
		s, err := e.m.Fire(c, cl.Timer, now)
		if err != nil || s.Case == nil {
			continue
		}
		steps[j] = s
		c = s.Case
		if ch == nil {
			ch = s.Change(nil)
		} else {
			ch.Case = s.Case
			ch.StateJSON = s.stateJSON
			ch.Events = append(ch.Events, s.Events...)
		}
	}
	comp.Change = ch
	return comp, steps
}

// completeAgain records firings whose case changed after it was read (the hooks already
// ran).
func (e *Engine) completeAgain(ctx context.Context, g []Claim, now time.Time) error {
	for range maxRetries {
		c, err := e.store.Get(ctx, g[0].Case)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		comp, _ := e.completion(c, g, now)
		errs, err := e.store.Complete(ctx, []Completion{comp})
		if err != nil {
			return err
		}
		if !errors.Is(errs[0], ErrConflict) {
			return errs[0]
		}
	}
	return ErrConflict
}

func (e *Engine) deliver(ctx context.Context, cl Claim, c *Case, now time.Time) {
	d, _ := c.Deadline(cl.Deadline)
	f := Firing{DeliveryID: cl.DeliveryID(), Attempt: cl.Attempt, Kind: cl.Kind, Fraction: cl.Fraction,
		At: cl.At, Now: now, Case: c.Clone(), Deadline: d}
	var h func(context.Context, Firing)
	name := ""
	switch cl.Kind {
	case TimerWarning:
		h, name = e.hooks.OnWarning, "OnWarning"
	case TimerDue:
		h, name = e.hooks.OnDue, "OnDue"
	case TimerBreach:
		h, name = e.hooks.OnBreach, "OnBreach"
	}
	if h != nil {
		e.safeHook(ctx, name, func() { h(ctx, f) })
	}
}

// Run fires deadlines until ctx is cancelled, then returns nil. It keeps no timer per
// case: it asks the store for the earliest pending timer, sleeps until then (or
// PollInterval, or until Open/Record schedule something earlier), and fires what is due
// in batches, earliest first. After downtime it fires everything that came due at once,
// in due order. Transient store errors are logged and retried with backoff; it returns
// early only for ErrClosed and ErrCorrupt. One Run per Engine at a time.
func (e *Engine) Run(ctx context.Context) error {
	if !e.running.CompareAndSwap(false, true) {
		return errors.New("takedown: Run is already running on this engine")
	}
	defer e.running.Store(false)
	defer e.nextWake.Store(math.MaxInt64)
	failures := 0
	for {
		if ctx.Err() != nil {
			return nil
		}
		n, err := e.Tick(ctx)
		wait := e.poll
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, ErrClosed) || errors.Is(err, ErrCorrupt) {
				return err
			}
			failures++
			wait = min(e.poll<<min(failures, 5), 30*time.Second)
			e.log.LogAttrs(ctx, slog.LevelWarn, "takedown: firing failed; retrying", slog.String("error", err.Error()),
				slog.Duration("retry_in", wait))
		} else {
			failures = 0
			now := e.now()
			at, ok, err := e.store.NextWake(ctx, now)
			if err != nil && ctx.Err() == nil {
				e.log.LogAttrs(ctx, slog.LevelWarn, "takedown: next wake-up", slog.String("error", err.Error()))
			}
			if err == nil && ok {
				wait = min(wait, at.Sub(now))
			}
			if wait <= 0 {
				if n > 0 {
					continue
				}
				wait = 10 * time.Millisecond
			}
			e.nextWake.Store(now.Add(wait).UnixNano())
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		case <-e.wake:
			t.Stop()
		}
	}
}
