package hashmatch

import (
	"crypto/ed25519"
	"encoding/binary"
	"iter"
	"slices"
	"strconv"
	"time"
)

// List is a loaded hash list: its metadata and, for each kind it holds, its
// hashes sorted and without duplicates, each with an entry ID and the
// entry's category codes.
//
// A List is immutable once built (by [ReadList], [ReadListFile] or a
// [ListBuilder]) and safe for concurrent use. It keeps its hashes in compact
// columns (a PDQ entry with a numeric ID costs 36 bytes) and never logs or
// prints them: [Inspect] reports counts only, and the hash values leave the
// List only through [List.All].
type List struct {
	name, source, version string
	created               time.Time
	cols                  []*column    // ordered by kind
	sets                  [][]string   // category sets; sets[0] is the empty set
	thresholds            map[Kind]int // per-kind match thresholds set by the list
	signer                string       // key ID of the verified signature, if any
	signerKey             ed25519.PublicKey
	format                Format
	load                  LoadStats
}

// Entry is one entry of a list.
type Entry struct {
	// Hash is the entry's hash value.
	Hash Hash
	// ID identifies the entry within its list: the list's own ID column, or
	// the 1-based line number for lists without one. A decimal ID without
	// leading zeros that fits in 32 bits is stored in 4 bytes.
	ID string
	// Codes are the entry's categories as canonical strings: terminology
	// term codes ("csam") and category keys ("industry:A1"), sorted.
	Codes []string
}

// LoadStats describes how a list was read.
type LoadStats struct {
	// Lines is the number of lines (or records) read; 0 for mnr lists.
	Lines int
	// Skipped counts the bad lines skipped in lenient mode.
	Skipped int
	// Duplicates counts entries merged into an earlier entry with the same
	// hash (their categories are merged; the first ID is kept).
	Duplicates int
	// LowQuality counts entries dropped because their quality column was
	// below ReadOptions.MinQuality.
	LowQuality int
	// Problems holds the first bad lines (at most ReadOptions.MaxProblems),
	// with line numbers and reasons but never the line's content.
	Problems []*LineError
}

// Name returns the list's name.
func (l *List) Name() string { return l.name }

// Source returns who published the list (e.g. an organisation).
func (l *List) Source() string { return l.source }

// Version returns the list's version string.
func (l *List) Version() string { return l.version }

// Created returns when the list was made (zero when unknown).
func (l *List) Created() time.Time { return l.created }

// Format returns the format the list was read from (FormatAuto for a list
// built in memory).
func (l *List) Format() Format { return l.format }

// Signer returns the key ID (see [KeyID]) of the trusted key whose signature
// verified when the list was read, or "" when it was not verified.
func (l *List) Signer() string { return l.signer }

// Len returns the number of entries over all kinds.
func (l *List) Len() int {
	n := 0
	for _, c := range l.cols {
		n += c.n
	}
	return n
}

// Kinds returns the kinds the list holds, in Kind order.
func (l *List) Kinds() []Kind {
	ks := make([]Kind, len(l.cols))
	for i, c := range l.cols {
		ks[i] = c.kind
	}
	return ks
}

// Count returns the number of entries of kind k.
func (l *List) Count(k Kind) int {
	if c := l.col(k); c != nil {
		return c.n
	}
	return 0
}

// Threshold returns the list's own match threshold for kind k, if it sets
// one (see ReadOptions.Thresholds and the mnr header).
func (l *List) Threshold(k Kind) (int, bool) {
	t, ok := l.thresholds[k]
	return t, ok
}

// LoadStats returns how the list was read.
func (l *List) LoadStats() LoadStats {
	s := l.load
	s.Problems = slices.Clone(s.Problems)
	return s
}

// All yields every entry, kind by kind in Kind order and sorted by hash
// within a kind. It is the only way hash values leave a List; use it to
// convert or export a list, never to log one.
func (l *List) All() iter.Seq[Entry] {
	return func(yield func(Entry) bool) {
		for _, c := range l.cols {
			for i := 0; i < c.n; i++ {
				if !yield(l.entry(c, i)) {
					return
				}
			}
		}
	}
}

func (l *List) col(k Kind) *column {
	for _, c := range l.cols {
		if c.kind == k {
			return c
		}
	}
	return nil
}

func (l *List) entry(c *column, i int) Entry {
	return Entry{Hash: c.hash(i), ID: c.ids.get(i), Codes: slices.Clone(l.sets[c.set(i)])}
}

// column holds the entries of one kind, sorted by hash.
type column struct {
	kind  Kind
	words int // uint64 words per hash
	n     int
	codes []uint64 // n*words big-endian words, strictly ascending
	ids   idColumn
	// Category set of each entry: set16 or set32 when the list has several
	// sets, otherwise every entry has set setAll.
	set16  []uint16
	set32  []uint32
	setAll uint32
}

func wordsFor(k Kind) int { return (k.Size() + 7) / 8 }

func (c *column) set(i int) uint32 {
	switch {
	case c.set16 != nil:
		return uint32(c.set16[i])
	case c.set32 != nil:
		return c.set32[i]
	}
	return c.setAll
}

func (c *column) hash(i int) Hash {
	h := Hash{kind: c.kind}
	var b [32]byte
	for j, w := range c.codes[i*c.words : (i+1)*c.words] {
		binary.BigEndian.PutUint64(b[8*j:], w)
	}
	copy(h.b[:c.kind.Size()], b[:])
	return h
}

// hashWords writes the words of h into dst (len 4) and returns the used part.
func hashWords(h Hash, dst *[4]uint64) []uint64 {
	w := wordsFor(h.kind)
	for j := 0; j < w; j++ {
		dst[j] = binary.BigEndian.Uint64(h.b[8*j:])
	}
	return dst[:w]
}

// bytes returns the memory the column holds.
func (c *column) bytes() int64 {
	return 8*int64(len(c.codes)) + c.ids.bytes() + 2*int64(len(c.set16)) + 4*int64(len(c.set32))
}

// idColumn stores entry IDs: numeric IDs in 4 bytes each, others in an arena.
type idColumn struct {
	num   []uint32 // numeric IDs (when arena is nil)
	end   []uint32 // string IDs: end offset of ID i in arena
	arena []byte
}

func (c *idColumn) get(i int) string {
	if c.end == nil {
		return strconv.FormatUint(uint64(c.num[i]), 10)
	}
	s := uint32(0)
	if i > 0 {
		s = c.end[i-1]
	}
	return string(c.arena[s:c.end[i]])
}

func (c *idColumn) bytes() int64 {
	return 4*int64(len(c.num)) + 4*int64(len(c.end)) + int64(len(c.arena))
}

// numericID reports whether s is a canonical decimal that fits in 32 bits.
func numericID(s []byte) (uint32, bool) {
	if len(s) == 0 || len(s) > 10 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	var v uint64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if v > 1<<32-1 {
		return 0, false
	}
	return uint32(v), true
}
