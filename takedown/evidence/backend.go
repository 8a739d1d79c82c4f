package evidence

import (
	"context"
	"io"
	"iter"
	"strings"
)

// Backend stores the vault's opaque, already-encrypted objects by key. It is the
// seam for object stores: a backend never sees plaintext, digests or keys.
//
// Keys have the form "<namespace>/<64 lowercase hex digits>", where the namespace
// is 1 to 16 lowercase ASCII letters ([ValidKey]); a backend must reject any other
// key with [ErrInvalidKey], which makes path traversal impossible by construction.
// The vault uses the namespaces "blob" and "meta".
//
// Implementations must be safe for concurrent use, must not retain or modify data
// passed to Put after it returns, and must honour ctx where they block.
type Backend interface {
	// Put stores data under key, atomically replacing any object there: a reader
	// sees the old object or the new one, never a mix, and after Put returns the
	// object survives a crash (the DirBackend fsyncs).
	Put(ctx context.Context, key string, data []byte) error

	// Get opens the object under key, or returns an error wrapping [ErrNotExist].
	// The caller closes the reader and bounds how much it reads.
	Get(ctx context.Context, key string) (io.ReadCloser, error)

	// Delete removes the object under key durably. Deleting a key that holds
	// nothing is not an error.
	Delete(ctx context.Context, key string) error

	// List yields every key in a namespace, in no particular order. Keys put or
	// deleted during the iteration may or may not be yielded. An error ends it.
	List(ctx context.Context, namespace string) iter.Seq2[string, error]
}

// Creator is an optional [Backend] capability: create-if-absent. The vault uses
// it to create an item's manifest, so that two writers sharing a backend cannot
// both create the same item (object stores offer it as a conditional PUT with
// "If-None-Match: *").
type Creator interface {
	// Create stores data under key only if the key holds no object, atomically
	// and durably; otherwise it returns an error wrapping [ErrExist] and leaves
	// the stored object unchanged.
	Create(ctx context.Context, key string, data []byte) error
}

const (
	maxNamespaceLen = 16
	nsBlob          = "blob"
	nsMeta          = "meta"
)

// ValidKey reports whether key is a well-formed backend key:
// "<namespace>/<64 lowercase hex digits>" with a namespace of 1 to 16 lowercase
// ASCII letters.
func ValidKey(key string) bool {
	ns, name, ok := strings.Cut(key, "/")
	return ok && validNamespace(ns) && validName(name)
}

func validNamespace(ns string) bool {
	if ns == "" || len(ns) > maxNamespaceLen {
		return false
	}
	for i := 0; i < len(ns); i++ {
		if ns[i] < 'a' || ns[i] > 'z' {
			return false
		}
	}
	return true
}

func validName(name string) bool {
	if len(name) != 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
