package evidence

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Match them with [errors.Is]; the vault wraps them with detail.
var (
	// ErrNotFound means the vault holds no item with that digest (never stored,
	// destroyed, or being destroyed).
	ErrNotFound = errors.New("evidence: item not found")

	// ErrTampered means a stored object failed authentication: its ciphertext, its
	// header or the object it is bound to was changed, swapped or truncated. No
	// plaintext is ever returned with it.
	ErrTampered = errors.New("evidence: stored object failed authentication (tampered or truncated)")

	// ErrWrongKey means the keyring holds a key under the object's key ID, but not
	// the key the object was sealed with (its check value differs).
	ErrWrongKey = errors.New("evidence: keyring key does not match the object's key ID")

	// ErrUnknownKey means the object was sealed under a key ID the keyring lacks.
	ErrUnknownKey = errors.New("evidence: object sealed under a key ID not in the keyring")

	// ErrCorrupt means a stored object is not a vault object at all: bad magic,
	// unsupported version, a header cut short, or a manifest that does not decode.
	ErrCorrupt = errors.New("evidence: malformed stored object")

	// ErrTooLarge means content exceeded the size bound of a Put.
	ErrTooLarge = errors.New("evidence: content exceeds the size limit")

	// ErrOnHold means a legal hold blocks the destruction asked for.
	ErrOnHold = errors.New("evidence: item is under legal hold")

	// ErrHoldNotFound means Release named a hold the item does not carry.
	ErrHoldNotFound = errors.New("evidence: no such hold on the item")

	// ErrClosed means the vault (or backend) was closed.
	ErrClosed = errors.New("evidence: closed")

	// ErrInvalidArgument means an argument or option is out of range or malformed.
	ErrInvalidArgument = errors.New("evidence: invalid argument")

	// ErrAuditBroken means the audit log cannot be trusted or written. A vault whose
	// audit append failed refuses further changes until it is reopened.
	ErrAuditBroken = errors.New("evidence: audit log broken")

	// ErrInvalidKey is returned by backends for a key that is not
	// "<namespace>/<64 lowercase hex digits>" (see [ValidKey]).
	ErrInvalidKey = errors.New("evidence: invalid backend key")

	// ErrNotExist is returned by [Backend.Get] for a key that holds no object.
	ErrNotExist = errors.New("evidence: backend object does not exist")

	// ErrExist is returned by [Creator.Create] when the key already holds an object.
	ErrExist = errors.New("evidence: backend object already exists")

	// ErrLocked is returned by [NewDirBackend] when another backend (in this or
	// another process) holds the directory.
	ErrLocked = errors.New("evidence: directory is locked by another vault")
)

// IntegrityError reports a stored object that failed to decode or authenticate.
// Err is one of [ErrTampered], [ErrWrongKey], [ErrUnknownKey] or [ErrCorrupt], so
// errors.Is(err, ErrTampered) and the like work through it.
type IntegrityError struct {
	Ref    string // the item's reference (see [Vault.Ref]); never the digest
	Object string // "blob" or "manifest"
	KeyID  string // the key ID named in the object header, when it could be read
	Err    error
}

func (e *IntegrityError) Error() string {
	s := "evidence: " + e.Object + " " + shortRef(e.Ref)
	if e.KeyID != "" {
		s += " (key " + e.KeyID + ")"
	}
	return s + ": " + strings.TrimPrefix(e.Err.Error(), "evidence: ")
}

// Unwrap returns the underlying sentinel.
func (e *IntegrityError) Unwrap() error { return e.Err }

// AuditError reports where an audit log fails verification. It matches
// [ErrAuditBroken] with errors.Is.
type AuditError struct {
	Line   int    // 1-based line number; 0 when the log as a whole is at fault
	Reason string // what is wrong, e.g. "hash mismatch", "sequence gap"
}

func (e *AuditError) Error() string {
	if e.Line == 0 {
		return "evidence: audit log: " + e.Reason
	}
	return fmt.Sprintf("evidence: audit log line %d: %s", e.Line, e.Reason)
}

// Is reports whether target is [ErrAuditBroken].
func (e *AuditError) Is(target error) bool { return target == ErrAuditBroken }

func shortRef(ref string) string {
	if len(ref) > 16 {
		return ref[:16] + "…"
	}
	return ref
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidArgument}, args...)...)
}
