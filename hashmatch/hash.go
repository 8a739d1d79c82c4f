package hashmatch

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"strings"
)

// Kind names a hash algorithm. The zero Kind is invalid.
type Kind uint8

// The hash kinds mnr computes and matches.
const (
	KindPDQ    Kind = iota + 1 // Meta's PDQ, 256 bits, perceptual
	KindPHash                  // DCT perceptual hash, 64 bits (goimagehash)
	KindDHash                  // difference hash, 64 bits (goimagehash)
	KindAHash                  // average hash, 64 bits (goimagehash)
	KindMD5                    // MD5 of the file bytes, 128 bits
	KindSHA1                   // SHA-1 of the file bytes, 160 bits
	KindSHA256                 // SHA-256 of the file bytes, 256 bits
)

// Kinds lists every valid Kind in a fixed order.
func Kinds() []Kind {
	return []Kind{KindPDQ, KindPHash, KindDHash, KindAHash, KindMD5, KindSHA1, KindSHA256}
}

var kindNames = [...]string{
	KindPDQ:    "pdq",
	KindPHash:  "phash",
	KindDHash:  "dhash",
	KindAHash:  "ahash",
	KindMD5:    "md5",
	KindSHA1:   "sha1",
	KindSHA256: "sha256",
}

var kindSizes = [...]int{
	KindPDQ:    32,
	KindPHash:  8,
	KindDHash:  8,
	KindAHash:  8,
	KindMD5:    16,
	KindSHA1:   20,
	KindSHA256: 32,
}

// String returns the kind's lowercase name ("pdq", "phash", "sha256", ...), the
// spelling used in CLI flags, CSV columns and mnr list headers.
func (k Kind) String() string {
	if !k.Valid() {
		return fmt.Sprintf("Kind(%d)", uint8(k))
	}
	return kindNames[k]
}

// Valid reports whether k is one of the defined kinds.
func (k Kind) Valid() bool { return k >= KindPDQ && k <= KindSHA256 }

// Size returns the hash length in bytes (0 for an invalid kind).
func (k Kind) Size() int {
	if !k.Valid() {
		return 0
	}
	return kindSizes[k]
}

// Perceptual reports whether hashes of this kind are compared by Hamming distance
// (PDQ, pHash, dHash, aHash) rather than by equality (MD5, SHA-1, SHA-256).
func (k Kind) Perceptual() bool { return k >= KindPDQ && k <= KindAHash }

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) {
	if !k.Valid() {
		return nil, fmt.Errorf("hashmatch: invalid kind %d", uint8(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := ParseKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// ErrUnknownKind is returned when a kind name is not recognised.
var ErrUnknownKind = errors.New("hashmatch: unknown hash kind")

// ParseKind parses a kind name case-insensitively. Besides the names that
// [Kind.String] returns it accepts "sha-1" and "sha-256".
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "pdq":
		return KindPDQ, nil
	case "phash":
		return KindPHash, nil
	case "dhash":
		return KindDHash, nil
	case "ahash":
		return KindAHash, nil
	case "md5":
		return KindMD5, nil
	case "sha1", "sha-1":
		return KindSHA1, nil
	case "sha256", "sha-256":
		return KindSHA256, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrUnknownKind, truncate(s, 32))
}

// Hash is one hash value of a known kind. It is a comparable value type (usable as a
// map key) that holds up to 256 bits; bytes past Kind.Size() are always zero.
//
// The byte order is that of the kind's canonical hex form: Bytes()[0] is the first
// two hex digits. For PDQ this is the reference implementation's order (the first
// four hex digits are DCT row 15); for the 64-bit kinds it is the big-endian uint64.
//
// The zero Hash has an invalid kind.
type Hash struct {
	kind Kind
	b    [32]byte
}

// ErrBadHash is returned when a hex string is not a valid hash of its kind.
var ErrBadHash = errors.New("hashmatch: malformed hash")

// Sentinels shared by the hashing and the hash-list halves of the package;
// errors wrap them with detail (never with the input's content).
var (
	// ErrTooLarge reports input beyond a configured bound (bytes, pixels,
	// entries, line length, header size, decompressed size).
	ErrTooLarge = errors.New("hashmatch: input exceeds a limit")
	// ErrCorrupt reports input that is malformed or truncated (an image, or
	// an mnr list file that fails its structure checks).
	ErrCorrupt = errors.New("hashmatch: corrupt input")
)

// NewHash returns a Hash of kind k holding b, which must be exactly k.Size() bytes.
func NewHash(k Kind, b []byte) (Hash, error) {
	if !k.Valid() {
		return Hash{}, fmt.Errorf("%w: %v", ErrUnknownKind, k)
	}
	if len(b) != k.Size() {
		return Hash{}, fmt.Errorf("%w: %v needs %d bytes, got %d", ErrBadHash, k, k.Size(), len(b))
	}
	h := Hash{kind: k}
	copy(h.b[:], b)
	return h, nil
}

// Hash64 returns a 64-bit hash of kind k (pHash, dHash or aHash) from its integer
// value, most significant byte first.
func Hash64(k Kind, v uint64) Hash {
	h := Hash{kind: k}
	for i := 0; i < 8; i++ {
		h.b[i] = byte(v >> (56 - 8*i))
	}
	return h
}

// HashPDQ returns a PDQ Hash from the 32 bytes in reference hex order (the layout
// of pdq.Hash).
func HashPDQ(b [32]byte) Hash { return Hash{kind: KindPDQ, b: b} }

// ParseHash parses the hex form of a hash of kind k. Upper- and lower-case digits
// are accepted; the length must be exactly 2*k.Size() digits. The error never
// repeats more than a short prefix of the input.
func ParseHash(k Kind, s string) (Hash, error) {
	if !k.Valid() {
		return Hash{}, fmt.Errorf("%w: %v", ErrUnknownKind, k)
	}
	if len(s) != 2*k.Size() {
		return Hash{}, fmt.Errorf("%w: %v needs %d hex digits, got %d", ErrBadHash, k, 2*k.Size(), len(s))
	}
	h := Hash{kind: k}
	if _, err := hex.Decode(h.b[:k.Size()], []byte(s)); err != nil {
		return Hash{}, fmt.Errorf("%w: %v: not hexadecimal", ErrBadHash, k)
	}
	return h, nil
}

// Kind returns the hash's kind.
func (h Hash) Kind() Kind { return h.kind }

// IsZero reports whether h is the zero Hash (no kind).
func (h Hash) IsZero() bool { return h.kind == 0 }

// Bytes returns a copy of the hash bytes (Kind().Size() of them).
func (h Hash) Bytes() []byte {
	return append([]byte(nil), h.b[:h.kind.Size()]...)
}

// Array returns the hash bytes in a 32-byte array, zero-padded past Kind().Size().
func (h Hash) Array() [32]byte { return h.b }

// Uint64 returns a 64-bit hash as an integer (the first 8 bytes, big-endian, for
// other kinds).
func (h Hash) Uint64() uint64 {
	var v uint64
	for i := 0; i < 8; i++ {
		v = v<<8 | uint64(h.b[i])
	}
	return v
}

// Hex returns the canonical lowercase hex form.
func (h Hash) Hex() string { return hex.EncodeToString(h.b[:h.kind.Size()]) }

// String returns "kind:hex". A single hash is not sensitive on its own; lists of
// them are, and mnr never logs a list.
func (h Hash) String() string {
	if h.IsZero() {
		return "hash:zero"
	}
	return h.kind.String() + ":" + h.Hex()
}

// Distance returns the Hamming distance between two hashes of the same kind, or -1
// when the kinds differ.
func Distance(a, b Hash) int {
	if a.kind != b.kind {
		return -1
	}
	d := 0
	for i := 0; i < 32; i += 8 {
		d += bits.OnesCount64(le64(a.b[i:]) ^ le64(b.b[i:]))
	}
	return d
}

func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
