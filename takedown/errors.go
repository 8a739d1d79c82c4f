package takedown

import (
	"errors"
	"fmt"
)

// Sentinel errors. Match them with errors.Is; stores wrap them with detail.
var (
	// ErrNotFound: no case (or timer) with that ID.
	ErrNotFound = errors.New("takedown: not found")
	// ErrConflict: the case changed since it was read (version mismatch). The engine
	// retries these itself; a Store returns them.
	ErrConflict = errors.New("takedown: version conflict")
	// ErrExists: a Store refused to create what already exists (a case ID or an
	// idempotency key).
	ErrExists = errors.New("takedown: already exists")
	// ErrLeaseLost: a timer claim expired and was taken over, or the timer was removed,
	// before its completion was recorded.
	ErrLeaseLost = errors.New("takedown: lease lost")
	// ErrIllegalTransition: the event is not allowed in the case's status. The error is a
	// *TransitionError.
	ErrIllegalTransition = errors.New("takedown: illegal transition")
	// ErrInvalid: a Notice, Event, Rule or argument failed validation. The error is an
	// *InvalidError.
	ErrInvalid = errors.New("takedown: invalid input")
	// ErrIDReused: an idempotency key (Notice.ID or Event.ID) was used again with
	// different content.
	ErrIDReused = errors.New("takedown: idempotency key reused with different content")
	// ErrTampered: an audit chain does not verify. The error is a *VerifyError.
	ErrTampered = errors.New("takedown: audit chain does not verify")
	// ErrCorrupt: a store's file or records cannot be read. Stores wrap it.
	ErrCorrupt = errors.New("takedown: store is corrupt")
	// ErrClosed: the store or engine was closed.
	ErrClosed = errors.New("takedown: closed")
)

// TransitionError reports an event that is not allowed in the case's status.
type TransitionError struct {
	Case  string    // the case ID
	From  Status    // the case's status
	Event EventType // the refused event
}

// Error implements error.
func (e *TransitionError) Error() string {
	return fmt.Sprintf("takedown: illegal transition: %s on a case in status %s", e.Event, e.From)
}

// Is makes errors.Is(err, ErrIllegalTransition) true.
func (e *TransitionError) Is(target error) bool { return target == ErrIllegalTransition }

// InvalidError reports a field that failed validation.
type InvalidError struct {
	Field  string // "notice.category", "event.at", "rule us.2258a.report", ...
	Reason string // what is wrong, without echoing the value
}

// Error implements error.
func (e *InvalidError) Error() string {
	return fmt.Sprintf("takedown: invalid %s: %s", e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &InvalidError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// VerifyError reports where an audit chain stops verifying.
type VerifyError struct {
	// Case is the case ID, or empty for the global journal.
	Case string
	// Seq is the first sequence number (event or journal entry) that fails.
	Seq    uint64
	Reason string
}

// Error implements error.
func (e *VerifyError) Error() string {
	if e.Case == "" {
		return fmt.Sprintf("takedown: journal entry %d: %s", e.Seq, e.Reason)
	}
	return fmt.Sprintf("takedown: case %s event %d: %s", e.Case, e.Seq, e.Reason)
}

// Is makes errors.Is(err, ErrTampered) true.
func (e *VerifyError) Is(target error) bool { return target == ErrTampered }
