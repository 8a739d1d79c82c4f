package takedown

import (
	"context"
	"strconv"
	"time"
)

// TimerKind says what a timer fires.
type TimerKind string

// Timer kinds.
const (
	TimerWarning TimerKind = "warning"
	TimerDue     TimerKind = "due"
	TimerBreach  TimerKind = "breach"
)

// Rank orders kinds firing at the same instant: warnings, then due, then breach. Stores
// order claims by (At, Rank, Case, Deadline, Name).
func (k TimerKind) Rank() int {
	switch k {
	case TimerWarning:
		return 0
	case TimerDue:
		return 1
	}
	return 2
}

// Timer is a scheduled firing for one deadline of a case. The engine creates a case's
// timers when a deadline's clock starts and cancels them when it is met or waived.
type Timer struct {
	Case     string    `json:"case"`
	Deadline string    `json:"deadline"`
	Kind     TimerKind `json:"kind"`
	// Fraction of the deadline's duration at which a warning fires (0 < f < 1).
	Fraction float64   `json:"fraction,omitempty"`
	At       time.Time `json:"at"`
}

// Name identifies the timer within its deadline: "due", "breach" or "warning@0.8".
func (t *Timer) Name() string {
	if t.Kind == TimerWarning {
		return "warning@" + strconv.FormatFloat(t.Fraction, 'f', -1, 64)
	}
	return string(t.Kind)
}

// DeliveryID is stable across attempts and replicas: case/deadline/name.
func (t *Timer) DeliveryID() string { return t.Case + "/" + t.Deadline + "/" + t.Name() }

// Change is one atomic write to a Store: a case's new state, the audit events that led
// to it, timers to add and to cancel, and an idempotency record.
type Change struct {
	// Case is the new state. For Create its Version is 1; for Update the stored version
	// must be Case.Version-1.
	Case *Case
	// Events are appended to the case's chain, in order; each also gets a journal entry.
	Events []AuditEvent
	// Add are new timers (all for Case).
	Add []Timer
	// Cancel lists deadline IDs of Case whose timers are all deleted.
	Cancel []string
	// Idem, when not nil, is stored under Idem.Key; the write fails with ErrExists if the
	// key is already there.
	Idem *IdemRecord
	// StateJSON, when not nil, is StateJSON(Case), already computed for the audit
	// chain; a store may keep it instead of encoding the case again.
	StateJSON []byte
}

// IdemRecord remembers the outcome of an idempotent call.
type IdemRecord struct {
	Key         string `json:"key"`
	Fingerprint Digest `json:"fingerprint"`
	Case        string `json:"case"`
	Version     uint64 `json:"version"`
}

// Claim is a timer leased to a worker.
type Claim struct {
	Timer
	Worker string `json:"worker"`
	// Attempt counts claims of this timer, from 1; a claim after a lease expired has a
	// higher Attempt.
	Attempt int `json:"attempt"`
	// Until is when the lease expires.
	Until time.Time `json:"until"`
}

// Completion records that one or more claimed timers of one case fired, with the case
// change they caused (nil for none). The claims succeed or fail together.
type Completion struct {
	Claims  []Claim
	Change  *Change
	FiredAt time.Time
}

// Delivery is the persisted marker of a fired timer.
type Delivery struct {
	ID       string    `json:"id"`
	Case     string    `json:"case"`
	Deadline string    `json:"deadline"`
	Name     string    `json:"name"`
	At       time.Time `json:"at"`
	FiredAt  time.Time `json:"fired_at"`
	Worker   string    `json:"worker"`
	Attempt  int       `json:"attempt"`
}

// Store persists cases, their audit chains, the global journal, timers and idempotency
// records. Implementations: the in-memory store (NewMemStore), takedown/boltstore and
// takedown/pgstore; takedown/storetest is the conformance suite they all pass.
//
// Every method is safe for concurrent use and each write is atomic: either all of a
// Change is stored or none of it. Stores never interpret cases; the Engine does.
type Store interface {
	// Create stores a new case (Version 1). ErrExists if the case ID or the idempotency
	// key is already stored.
	Create(ctx context.Context, ch *Change) error
	// Update stores a case's new state if the stored version is ch.Case.Version-1,
	// else ErrConflict; ErrNotFound if there is no such case; ErrExists if the
	// idempotency key is already stored.
	Update(ctx context.Context, ch *Change) error
	// Get returns a case; ErrNotFound if there is none.
	Get(ctx context.Context, id string) (*Case, error)
	// Scan returns up to limit cases with IDs greater than after, in ID order.
	Scan(ctx context.Context, after string, limit int) ([]*Case, error)
	// Events returns a case's audit events in sequence order; ErrNotFound if the case
	// does not exist.
	Events(ctx context.Context, id string) ([]AuditEvent, error)
	// Idempotency returns the record stored under key; ErrNotFound if there is none.
	Idempotency(ctx context.Context, key string) (IdemRecord, error)
	// Journal returns up to limit journal entries with Seq greater than after, in order.
	Journal(ctx context.Context, after uint64, limit int) ([]JournalEntry, error)
	// Head returns the head of the journal (zero when empty).
	Head(ctx context.Context) (ChainHead, error)
	// NextWake returns the earliest time at which Claim with that now could return a
	// timer: the earliest At among unleased timers, or the lease expiry of a leased one.
	// ok is false when there are no timers.
	NextWake(ctx context.Context, now time.Time) (at time.Time, ok bool, err error)
	// Claim leases up to limit timers with At <= now that are not leased (or whose lease
	// expired before now) to worker until now+lease, earliest At first. A timer is never
	// leased to two workers at once.
	Claim(ctx context.Context, now time.Time, worker string, lease time.Duration, limit int) ([]Claim, error)
	// Complete records fired timers. For each completion, atomically: every claim must
	// still hold its timer's lease (same worker and attempt) else ErrLeaseLost; its
	// Change, if any, must apply (as Update) else ErrConflict; then the timers are
	// deleted, a Delivery is stored for each and the change applied. Completions are
	// independent: errs[i] is the outcome of done[i]; err is for failures of the whole
	// call.
	Complete(ctx context.Context, done []Completion) (errs []error, err error)
	// Deliveries returns the delivery markers of a case's fired timers, in firing order.
	Deliveries(ctx context.Context, caseID string) ([]Delivery, error)
	// Close releases the store's resources.
	Close() error
}
