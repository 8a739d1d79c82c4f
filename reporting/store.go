package reporting

import (
	"context"
	"errors"
	"time"
)

// Store errors. Drivers return them (wrapped or not); match with errors.Is.
var (
	// ErrNotFound: no submission with that ID.
	ErrNotFound = errors.New("reporting: submission not found")
	// ErrExists: Create found a submission with the same ID.
	ErrExists = errors.New("reporting: submission already exists")
	// ErrConflict: Update's Version did not match the stored one (someone else
	// changed the submission), or an Enqueue reused a report ID for a
	// different report.
	ErrConflict = errors.New("reporting: conflict")
	// ErrLeaseLost: a worker's lease on a submission was taken over.
	ErrLeaseLost = errors.New("reporting: lease lost")
	// ErrClosed: the store or outbox is closed.
	ErrClosed = errors.New("reporting: closed")
)

// Store is the durable home of an [Outbox]'s submissions. reporting/boltstore
// (embedded, the default), reporting/pgstore (several replicas) and
// [NewMemStore] implement it, and reporting/storetest checks any
// implementation.
//
// Implementations must be safe for concurrent use, and every method that returns
// nil must have made its change durable. Submissions passed in and returned are
// the caller's: a store keeps its own copy.
//
// Receipts (Progress.Receipts) are evidence and append-only. Create stores those
// the submission holds; Update appends only the ones beyond the number already
// stored, so a save costs what changed, not the submission's whole history of
// answers. Stored receipts are never rewritten: Update takes the first n of
// s.Progress.Receipts to be the n stored ones, and an Update whose submission
// holds fewer receipts than are stored is refused with ErrConflict.
type Store interface {
	// Create stores a new submission with Version 1 (it sets s.Version). It
	// returns ErrExists if the ID is taken.
	Create(ctx context.Context, s *Submission) error

	// Get returns the submission, or ErrNotFound.
	Get(ctx context.Context, id string) (*Submission, error)

	// Update replaces the stored submission if its Version equals s.Version,
	// appending its new receipts, and then increments s.Version; otherwise it
	// returns ErrConflict (ErrNotFound if there is none). Stores check the
	// version without decoding the stored submission.
	Update(ctx context.Context, s *Submission) error

	// Claim atomically leases up to n submissions that are due at now (see
	// [DueAt]), oldest due first, to owner until now+lease, applying
	// [ApplyClaim] to each and storing the result. Two concurrent Claims never
	// return the same submission while its lease is live.
	Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, n int) ([]*Submission, error)

	// List returns submissions in ID order that match q.
	List(ctx context.Context, q Query) ([]*Submission, error)

	// Close releases the store's resources.
	Close() error
}

// Query selects submissions for Store.List.
type Query struct {
	// State, when set, selects that state only.
	State State
	// Agency, when set, selects that agency only.
	Agency string
	// After returns only IDs greater than After (for paging).
	After string
	// Limit bounds the result; 0 means 100, and it is capped at 1000.
	Limit int
}

// Normalized returns q with Limit defaulted and capped.
func (q Query) Normalized() Query {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	if q.Limit > 1000 {
		q.Limit = 1000
	}
	return q
}

// Match reports whether s satisfies q's filters (not its paging).
func (q Query) Match(s *Submission) bool {
	return (q.State == "" || s.State == q.State) && (q.Agency == "" || s.Agency == q.Agency) && s.ID > q.After
}

// DueAt says when a worker may claim s, for Store implementations to index. ok is
// false when no worker ever claims s as it stands: in review, terminal, or unknown
// and parked for a human (NextAt zero).
//
//   - pending: NextAt, or its lease end if that is later;
//   - unknown with NextAt set: the later of NextAt and the lease end;
//   - in_progress: the lease end (a worker that crashed loses it then).
func DueAt(s *Submission) (at time.Time, ok bool) {
	switch s.State {
	case StatePending, StateUnknown:
		if s.NextAt.IsZero() {
			return time.Time{}, false
		}
		at = s.NextAt
		if s.LeaseUntil.After(at) {
			at = s.LeaseUntil
		}
		return at, true
	case StateInProgress:
		return s.LeaseUntil, true
	}
	return time.Time{}, false
}

// ApplyClaim leases s to owner until now+lease, for Store implementations: a
// pending submission becomes in_progress; unknown stays unknown (the worker
// reconciles it); an in_progress one whose lease expired stays in_progress (the
// worker resumes it). It increments nothing: the store bumps Version when it
// writes.
func ApplyClaim(s *Submission, owner string, now time.Time, lease time.Duration) {
	if s.State == StatePending {
		s.State = StateInProgress
		s.History = appendEvent(s.History, Event{At: now, From: StatePending, To: StateInProgress, Step: s.Progress.Step, Note: "claimed"})
	} else if s.State == StateInProgress {
		s.History = appendEvent(s.History, Event{At: now, From: StateInProgress, To: StateInProgress, Step: s.Progress.Step, Note: "lease expired; resumed"})
	}
	s.LeaseOwner = owner
	s.LeaseUntil = now.Add(lease)
	s.UpdatedAt = now
}

// maxHistory bounds Submission.History; the oldest entries after the first are
// dropped.
const maxHistory = 200

func appendEvent(h []Event, e Event) []Event {
	h = append(h, e)
	if len(h) > maxHistory {
		h = append(h[:1], h[len(h)-maxHistory+1:]...)
	}
	return h
}
