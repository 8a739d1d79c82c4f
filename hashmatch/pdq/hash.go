package pdq

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
)

// Hash is a 256-bit PDQ hash in the reference byte order: the bytes of the
// hex form, so Hash[0] holds the first two hex digits. The first two bytes
// are DCT row 15 (the highest vertical frequency), the last two are row 0;
// within a row's two bytes, bit l of the big-endian 16-bit word is column l.
//
// The layout is the one hashmatch uses, so hashmatch.HashPDQ(pdq.Hash(h))
// converts without copying bits around. The zero Hash is the hash of a flat or
// too-small image.
type Hash [32]byte

// ErrInvalidHex is returned by [ParseHex] for anything but 64 hex digits.
var ErrInvalidHex = errors.New("pdq: invalid hash hex")

// String returns the 64 lowercase hex digits the reference tools print.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText implements encoding.TextMarshaler (the String form).
func (h Hash) MarshalText() ([]byte, error) {
	b := make([]byte, 64)
	hex.Encode(b, h[:])
	return b, nil
}

// UnmarshalText implements encoding.TextUnmarshaler (the ParseHex rules).
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := ParseHex(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// ParseHex parses 64 hex digits, upper or lower case, as the reference parser
// does. Any other length or character is [ErrInvalidHex]; the error never
// repeats the input.
func ParseHex(s string) (Hash, error) {
	var h Hash
	if len(s) != 64 {
		return h, fmt.Errorf("%w: need 64 hex digits, got %d characters", ErrInvalidHex, len(s))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return Hash{}, fmt.Errorf("%w: not hexadecimal", ErrInvalidHex)
	}
	return h, nil
}

// Distance returns the Hamming distance between a and b (0..256). The
// reference's match threshold is a distance of at most 31.
func Distance(a, b Hash) int {
	d := 0
	for i := 0; i < 32; i += 8 {
		d += bits.OnesCount64(load64(a[i:]) ^ load64(b[i:]))
	}
	return d
}

func load64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// Bit reports bit 16*row+col of the hash: whether DCT coefficient (row, col)
// (vertical frequency row+1, horizontal frequency col+1) was above the median.
// It panics if row or col is outside 0..15.
func (h Hash) Bit(row, col int) bool {
	if uint(row) > 15 || uint(col) > 15 {
		panic("pdq: Hash.Bit index out of range")
	}
	i, m := bitPos(row, col)
	return h[i]&m != 0
}

// bitPos returns the byte index and mask of bit (row, col) in the hex layout:
// word row is bytes 2*(15-row) (columns 15..8) and 2*(15-row)+1 (columns 7..0).
func bitPos(row, col int) (int, byte) {
	i := 2 * (15 - row)
	if col >= 8 {
		return i, 1 << (col - 8)
	}
	return i + 1, 1 << col
}
