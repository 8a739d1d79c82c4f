package hashmatch

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// ListInfo is a list's descriptive metadata.
type ListInfo struct {
	// Name identifies the list in a Matcher and in every Match; required,
	// at most MaxInfoLen bytes of printable text.
	Name string
	// Source says who published the list (optional).
	Source string
	// Version is the publisher's version string (optional).
	Version string
	// Created is when the list was made (optional).
	Created time.Time
}

// Bounds on list metadata and entry IDs.
const (
	// MaxInfoLen bounds a list's name, source and version.
	MaxInfoLen = 256
	// MaxIDLen bounds an entry ID.
	MaxIDLen = 256
	// DefaultMaxEntries is the default bound on the entries of one list.
	DefaultMaxEntries = 1 << 28
)

// Errors of list building and reading.
var (
	// ErrBadList reports list metadata or an entry that is not acceptable
	// (a bad name, ID, threshold or kind).
	ErrBadList = errors.New("hashmatch: invalid list")
)

// BuilderOptions bound a ListBuilder. The zero value uses the defaults.
type BuilderOptions struct {
	// MaxEntries bounds the entries added (default DefaultMaxEntries).
	MaxEntries int
	// MaxCategorySets bounds the distinct category combinations
	// (default DefaultMaxCategorySets).
	MaxCategorySets int
}

// ListBuilder assembles a List from entries in any order. Entries with the
// same kind and hash are merged: their categories are united and the first
// ID is kept. A ListBuilder is not safe for concurrent use.
type ListBuilder struct {
	info       ListInfo
	maxEntries int
	sets       *setTable
	cols       [KindSHA256 + 1]*colBuilder
	thresholds map[Kind]int
	added      int
	load       LoadStats
	format     Format
}

type colBuilder struct {
	kind  Kind
	words int
	codes []uint64
	num   []uint32 // numeric IDs, while every ID is numeric
	end   []uint32 // string IDs (after the first non-numeric one)
	arena []byte
	sets  []uint32
}

// NewListBuilder returns a builder for a list described by info.
func NewListBuilder(info ListInfo, opts *BuilderOptions) *ListBuilder {
	var o BuilderOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	return &ListBuilder{info: info, maxEntries: min(o.MaxEntries, maxIndexEntries), sets: newSetTable(o.MaxCategorySets)}
}

// SetThreshold sets the list's own match threshold for a perceptual kind
// (a Matcher uses it instead of its default). It must be between 0 and
// MaxThreshold(k).
func (b *ListBuilder) SetThreshold(k Kind, t int) error {
	if err := checkThreshold(k, t); err != nil {
		return err
	}
	if b.thresholds == nil {
		b.thresholds = map[Kind]int{}
	}
	b.thresholds[k] = t
	return nil
}

// MaxThreshold returns the largest threshold mnr accepts for kind k: a
// quarter of its bits for the perceptual kinds (PDQ 64, the 64-bit kinds
// 16), 0 for the exact kinds.
func MaxThreshold(k Kind) int {
	if !k.Perceptual() {
		return 0
	}
	return 2 * k.Size()
}

func checkThreshold(k Kind, t int) error {
	if !k.Valid() {
		return fmt.Errorf("%w: threshold for %v", ErrUnknownKind, k)
	}
	if t < 0 || t > MaxThreshold(k) {
		return fmt.Errorf("%w: %v threshold %d outside 0..%d", ErrBadList, k, t, MaxThreshold(k))
	}
	return nil
}

// Add adds one entry. An empty ID becomes the entry's 1-based position in
// the order of Add calls. Codes may use any spelling ResolveCategory
// accepts.
func (b *ListBuilder) Add(e Entry) error {
	if !e.Hash.kind.Valid() {
		return fmt.Errorf("%w: entry without a valid kind", ErrBadHash)
	}
	codes, err := canonicalCodes(e.Codes)
	if err != nil {
		return err
	}
	set, err := b.sets.intern(codes)
	if err != nil {
		return err
	}
	var w [4]uint64
	id := e.ID
	if id == "" {
		id = strconv.Itoa(b.added + 1)
	}
	return b.add(e.Hash.kind, hashWords(e.Hash, &w), []byte(id), set)
}

// add is the readers' path: words already parsed, set already interned.
func (b *ListBuilder) add(k Kind, words []uint64, id []byte, set uint32) error {
	if b.added >= b.maxEntries {
		return fmt.Errorf("%w: more than %d entries", ErrTooLarge, b.maxEntries)
	}
	if err := checkID(id); err != nil {
		return err
	}
	c := b.cols[k]
	if c == nil {
		c = &colBuilder{kind: k, words: wordsFor(k)}
		b.cols[k] = c
	}
	c.codes = append(c.codes, words...)
	c.sets = append(c.sets, set)
	if c.end == nil {
		if v, ok := numericID(id); ok {
			c.num = append(c.num, v)
			b.added++
			return nil
		}
		c.toStrings()
	}
	c.arena = append(c.arena, id...)
	c.end = append(c.end, uint32(len(c.arena)))
	b.added++
	return nil
}

func (c *colBuilder) toStrings() {
	c.end = make([]uint32, 0, cap(c.num))
	for _, v := range c.num {
		c.arena = strconv.AppendUint(c.arena, uint64(v), 10)
		c.end = append(c.end, uint32(len(c.arena)))
	}
	c.num = nil
}

func checkID(id []byte) error {
	if len(id) > MaxIDLen {
		return fmt.Errorf("%w: entry ID longer than %d bytes", ErrBadList, MaxIDLen)
	}
	if !printable(string(id)) {
		return fmt.Errorf("%w: entry ID has control characters or invalid UTF-8", ErrBadList)
	}
	return nil
}

// printable reports whether s is valid UTF-8 without control characters
// (tabs and newlines included: IDs and names appear in tab-separated output).
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return false
		} else if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError || unicode.IsControl(r) {
				return false
			}
			i += n - 1
		}
	}
	return true
}

func checkInfo(info ListInfo) error {
	if info.Name == "" {
		return fmt.Errorf("%w: the list has no name", ErrBadList)
	}
	for _, f := range []struct{ name, v string }{{"name", info.Name}, {"source", info.Source}, {"version", info.Version}} {
		if len(f.v) > MaxInfoLen || !printable(f.v) {
			return fmt.Errorf("%w: list %s longer than %d bytes or not printable", ErrBadList, f.name, MaxInfoLen)
		}
	}
	return nil
}

// Len returns the number of entries added so far (duplicates included).
func (b *ListBuilder) Len() int { return b.added }

// Build sorts the entries, merges duplicates and returns the List. The
// builder must not be used afterwards.
func (b *ListBuilder) Build() (*List, error) {
	if err := checkInfo(b.info); err != nil {
		return nil, err
	}
	l := &List{
		name: b.info.Name, source: b.info.Source, version: b.info.Version, created: b.info.Created,
		thresholds: b.thresholds, format: b.format, load: b.load,
	}
	for k, cb := range b.cols {
		if cb == nil {
			continue
		}
		col, dups, err := cb.build(b.sets)
		if err != nil {
			return nil, err
		}
		b.cols[k] = nil
		l.load.Duplicates += dups
		l.cols = append(l.cols, col)
	}
	l.sets = b.sets.sets
	for _, c := range l.cols {
		compactSets(c, len(l.sets))
	}
	return l, nil
}

// build sorts the column and merges duplicates.
func (cb *colBuilder) build(sets *setTable) (*column, int, error) {
	w := cb.words
	n := len(cb.codes) / w
	order := sortOrder(cb.codes, w, n)
	c := &column{kind: cb.kind, words: w}
	codes := makeUint64(n * w)
	set32 := make([]uint32, 0, n)
	var num []uint32
	var end []uint32
	var arena []byte
	if cb.end == nil {
		num = makeUint32(n)[:0]
	} else {
		end = make([]uint32, 0, n)
		arena = make([]byte, 0, len(cb.arena))
	}
	m, dups := 0, 0
	for _, i := range order {
		src := cb.codes[int(i)*w : int(i+1)*w]
		if m > 0 && slices.Equal(codes[(m-1)*w:m*w], src) {
			u, err := sets.union(set32[m-1], cb.sets[i])
			if err != nil {
				return nil, 0, err
			}
			set32[m-1] = u
			dups++
			continue
		}
		copy(codes[m*w:], src)
		set32 = append(set32, cb.sets[i])
		if num != nil {
			num = append(num, cb.num[i])
		} else {
			s := uint32(0)
			if i > 0 {
				s = cb.end[i-1]
			}
			arena = append(arena, cb.arena[s:cb.end[i]]...)
			end = append(end, uint32(len(arena)))
		}
		m++
	}
	c.n = m
	c.codes = codes[: m*w : m*w]
	c.ids = idColumn{num: num, end: end, arena: arena}
	c.set32 = set32
	return c, dups, nil
}

// compactSets stores the column's set indexes in the narrowest form.
func compactSets(c *column, nsets int) {
	if c.set32 == nil {
		return
	}
	all := true
	for _, s := range c.set32 {
		if s != c.set32[0] {
			all = false
			break
		}
	}
	switch {
	case all:
		if len(c.set32) > 0 {
			c.setAll = c.set32[0]
		}
		c.set32 = nil
	case nsets <= 1<<16:
		c.set16 = make([]uint16, len(c.set32))
		for i, s := range c.set32 {
			c.set16[i] = uint16(s)
		}
		c.set32 = nil
	}
}

// sortOrder returns the stable permutation that sorts the n codes (words
// uint64 each) ascending: an LSD radix sort on the first word, then a
// comparison sort of the rare runs that share it.
func sortOrder(codes []uint64, words, n int) []uint32 {
	keys := makeUint64(n)
	idx := makeUint32(n)
	for i := 0; i < n; i++ {
		keys[i] = codes[i*words]
		idx[i] = uint32(i)
	}
	if n < 2 {
		return idx
	}
	var hist [8][256]int
	for _, k := range keys {
		for d := 0; d < 8; d++ {
			hist[d][byte(k>>(8*d))]++
		}
	}
	keys2 := makeUint64(n)
	idx2 := makeUint32(n)
	for d := 0; d < 8; d++ {
		if hist[d][byte(keys[0]>>(8*d))] == n {
			continue // every key has this digit
		}
		var pos [256]int
		sum := 0
		for v := 0; v < 256; v++ {
			pos[v] = sum
			sum += hist[d][v]
		}
		shift := 8 * d
		for i, k := range keys {
			v := byte(k >> shift)
			keys2[pos[v]] = k
			idx2[pos[v]] = idx[i]
			pos[v]++
		}
		keys, keys2 = keys2, keys
		idx, idx2 = idx2, idx
	}
	if words > 1 {
		for i := 0; i < n; {
			j := i + 1
			for j < n && keys[j] == keys[i] {
				j++
			}
			if j-i > 1 {
				slices.SortStableFunc(idx[i:j], func(a, b uint32) int {
					return slices.Compare(codes[int(a)*words:int(a+1)*words], codes[int(b)*words:int(b+1)*words])
				})
			}
			i = j
		}
	}
	return idx
}
