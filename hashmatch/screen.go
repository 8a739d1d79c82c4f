package hashmatch

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/bits-and-blooms/bloom/v3"
	"github.com/klauspost/compress/zstd"
)

// Screen is a bloom filter (bits-and-blooms/bloom/v3) of the exact hash
// values of one or more lists, for edge services that must not hold the
// lists themselves. MayContain never misses a listed hash; it answers true
// for an unlisted one with the configured false-positive rate, so a "maybe"
// must be confirmed against the lists (e.g. by a Matcher elsewhere).
//
// A Screen holds no hash values, but it is still a membership oracle for
// anyone who has a candidate hash: share it as carefully as the policy for
// the lists requires. A Screen is immutable and safe for concurrent use.
type Screen struct {
	f     *screenFilter
	kinds []Kind
	n     int
	fp    float64
}

// ScreenOptions configure NewScreen. The zero value uses the defaults.
type ScreenOptions struct {
	// FalsePositiveRate is the target rate of false "maybe" answers
	// (default 1e-6: 28.8 bits, 3.6 bytes, per hash).
	FalsePositiveRate float64
	// Kinds are the kinds to include (default MD5, SHA-1 and SHA-256). A
	// perceptual kind can be included: the Screen then finds its exact
	// duplicates only, never near ones.
	Kinds []Kind
}

// DefaultScreenFP is the default ScreenOptions.FalsePositiveRate.
const DefaultScreenFP = 1e-6

// NewScreen builds a Screen of the hashes of the given kinds in lists.
func NewScreen(lists []*List, opts *ScreenOptions) (*Screen, error) {
	var o ScreenOptions
	if opts != nil {
		o = *opts
	}
	if o.FalsePositiveRate == 0 {
		o.FalsePositiveRate = DefaultScreenFP
	}
	if o.FalsePositiveRate <= 0 || o.FalsePositiveRate >= 0.5 {
		return nil, fmt.Errorf("%w: screen false-positive rate must be in (0, 0.5)", ErrBadList)
	}
	if o.Kinds == nil {
		o.Kinds = []Kind{KindMD5, KindSHA1, KindSHA256}
	}
	kinds := slices.Clone(o.Kinds)
	slices.Sort(kinds)
	kinds = slices.Compact(kinds)
	n := 0
	for _, k := range kinds {
		if !k.Valid() {
			return nil, fmt.Errorf("%w: %v", ErrUnknownKind, k)
		}
		for _, l := range lists {
			n += l.Count(k)
		}
	}
	s := &Screen{f: newScreenFilter(n, o.FalsePositiveRate), kinds: kinds, n: n, fp: o.FalsePositiveRate}
	for _, l := range lists {
		for _, k := range kinds {
			c := l.col(k)
			if c == nil {
				continue
			}
			for i := 0; i < c.n; i++ {
				s.f.addWords(k, c.codes[i*c.words:(i+1)*c.words])
			}
		}
	}
	return s, nil
}

// Screen builds a Screen of the Matcher's current lists (see NewScreen).
func (m *Matcher) Screen(opts *ScreenOptions) (*Screen, error) {
	return NewScreen(m.Lists(), opts)
}

// MayContain reports whether h may be in the screened lists: false means
// certainly not (or h's kind is not screened).
func (s *Screen) MayContain(h Hash) bool {
	if !slices.Contains(s.kinds, h.kind) {
		return false
	}
	var w [4]uint64
	return s.f.testWords(h.kind, hashWords(h, &w))
}

// Kinds returns the kinds the Screen covers.
func (s *Screen) Kinds() []Kind { return slices.Clone(s.kinds) }

// Len returns the number of hashes screened.
func (s *Screen) Len() int { return s.n }

// FalsePositiveRate returns the false-positive rate the Screen was sized
// for.
func (s *Screen) FalsePositiveRate() float64 { return s.fp }

// Bytes returns the size of the filter's bit array.
func (s *Screen) Bytes() int64 { return s.f.bytes() }

// The serialised Screen: magic, then a zstd stream holding a uvarint
// header length, a JSON header and the filter's 64-bit words, little-endian.
var screenMagic = []byte("\x89MNS\r\n\x1a\n")

type screenHeader struct {
	Format int      `json:"format"`
	Bits   uint64   `json:"bits"`
	K      uint64   `json:"k"`
	N      int      `json:"n"`
	FP     float64  `json:"fp"`
	Kinds  []string `json:"kinds"`
}

// Bounds of ReadScreen.
const (
	// DefaultMaxScreenBytes bounds a Screen's bit array (1 GiB: a
	// 300-million-hash screen at the default rate).
	DefaultMaxScreenBytes = 1 << 30
	maxScreenK            = 64
)

// WriteTo writes the Screen (zstd-compressed) to w.
func (s *Screen) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	h := screenHeader{Format: 1, Bits: uint64(s.f.f.Cap()), K: uint64(s.f.f.K()), N: s.n, FP: s.fp}
	for _, k := range s.kinds {
		h.Kinds = append(h.Kinds, k.String())
	}
	hb, err := json.Marshal(h)
	if err != nil {
		return 0, err
	}
	if _, err := cw.Write(screenMagic); err != nil {
		return cw.n, err
	}
	zw, err := zstd.NewWriter(cw, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithWindowSize(writeWindow), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return cw.n, err
	}
	bw := bufio.NewWriterSize(zw, 1<<16)
	bw.Write(binary.AppendUvarint(nil, uint64(len(hb))))
	bw.Write(hb)
	var b [8]byte
	for _, x := range s.f.f.BitSet().Words() {
		binary.LittleEndian.PutUint64(b[:], x)
		bw.Write(b[:])
	}
	if err := bw.Flush(); err != nil {
		zw.Close()
		return cw.n, err
	}
	err = zw.Close()
	return cw.n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ScreenReadOptions bound ReadScreen. The zero value uses the defaults.
type ScreenReadOptions struct {
	// MaxBytes bounds the bit array (default DefaultMaxScreenBytes).
	MaxBytes int64
	// MaxDecoderMemory bounds the zstd decoder (default 64 MiB).
	MaxDecoderMemory uint64
}

// ReadScreen reads a Screen written by Screen.WriteTo. Malformed or
// truncated input is ErrCorrupt; input past the bounds is ErrTooLarge.
func ReadScreen(r io.Reader, opts *ScreenReadOptions) (*Screen, error) {
	var o ScreenReadOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxScreenBytes
	}
	if o.MaxDecoderMemory == 0 {
		o.MaxDecoderMemory = DefaultMaxDecoderMemory
	}
	magic := make([]byte, len(screenMagic))
	if _, err := io.ReadFull(r, magic); err != nil || !bytes.Equal(magic, screenMagic) {
		return nil, fmt.Errorf("%w: not a screen", ErrCorrupt)
	}
	zs, err := newZstdSource(r, &ReadOptions{MaxDecoderMemory: o.MaxDecoderMemory})
	if err != nil {
		return nil, err
	}
	defer zs.Close()
	br := bufio.NewReaderSize(zs, 1<<16)
	hlen, err := binary.ReadUvarint(br)
	if err != nil {
		return nil, corrupt(err, "screen header")
	}
	if hlen > 1<<16 {
		return nil, fmt.Errorf("%w: screen header too large", ErrTooLarge)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(br, hb); err != nil {
		return nil, corrupt(err, "screen header")
	}
	var h screenHeader
	if err := json.Unmarshal(hb, &h); err != nil || h.Format != 1 {
		return nil, fmt.Errorf("%w: bad screen header", ErrCorrupt)
	}
	if h.Bits == 0 || h.K == 0 || h.K > maxScreenK || h.N < 0 || !(h.FP > 0 && h.FP < 0.5) {
		return nil, fmt.Errorf("%w: bad screen parameters", ErrCorrupt)
	}
	if h.Bits/8 > uint64(o.MaxBytes) {
		return nil, fmt.Errorf("%w: screen of %d bytes (limit %d)", ErrTooLarge, h.Bits/8, o.MaxBytes)
	}
	s := &Screen{n: h.N, fp: h.FP}
	for _, name := range h.Kinds {
		k, err := ParseKind(name)
		if err != nil || slices.Contains(s.kinds, k) {
			return nil, fmt.Errorf("%w: bad screen kinds", ErrCorrupt)
		}
		s.kinds = append(s.kinds, k)
	}
	slices.Sort(s.kinds)
	words := makeUint64(int((h.Bits + 63) / 64))
	var b [8]byte
	for i := range words {
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, corrupt(err, "screen")
		}
		words[i] = binary.LittleEndian.Uint64(b[:])
	}
	if n, err := io.Copy(io.Discard, io.LimitReader(br, 1)); err != nil {
		return nil, corrupt(err, "screen")
	} else if n != 0 {
		return nil, fmt.Errorf("%w: data after the screen", ErrCorrupt)
	}
	s.f = &screenFilter{f: bloom.FromWithM(words, uint(h.Bits), uint(h.K))}
	return s, nil
}
