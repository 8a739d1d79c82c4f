package evidence

import (
	"crypto/sha256"
	"encoding/hex"
)

// Digest is the SHA-256 of an item's plaintext: the address callers use for it.
// The zero Digest is not a valid address.
type Digest [sha256.Size]byte

// Sum returns the Digest of b.
func Sum(b []byte) Digest { return sha256.Sum256(b) }

// ParseDigest parses 64 hex digits (either case) into a Digest.
func ParseDigest(s string) (Digest, error) {
	var d Digest
	if len(s) != 2*len(d) {
		return Digest{}, invalidf("digest must be %d hex digits, got %d characters", 2*len(d), len(s))
	}
	if _, err := hex.Decode(d[:], []byte(s)); err != nil {
		return Digest{}, invalidf("digest is not hex")
	}
	return d, nil
}

// String returns the digest as 64 lowercase hex digits.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// IsZero reports whether d is the zero Digest.
func (d Digest) IsZero() bool { return d == Digest{} }

// MarshalText encodes d as lowercase hex.
func (d Digest) MarshalText() ([]byte, error) {
	b := make([]byte, hex.EncodedLen(len(d)))
	hex.Encode(b, d[:])
	return b, nil
}

// UnmarshalText decodes 64 hex digits.
func (d *Digest) UnmarshalText(b []byte) error {
	p, err := ParseDigest(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}
