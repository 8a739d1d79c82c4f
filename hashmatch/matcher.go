package hashmatch

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Matching defaults.
const (
	// DefaultPDQThreshold is the PDQ match threshold (HMA and
	// python-threatexchange use 31).
	DefaultPDQThreshold = 31
	// Default64Threshold is the threshold of pHash, dHash and aHash.
	Default64Threshold = 10
	// DefaultMinPDQQuality flags PDQ queries of lower quality (pytx drops
	// such hashes from lists).
	DefaultMinPDQQuality = 50
	// DefaultMaxMatches bounds the matches of one query.
	DefaultMaxMatches = 1000
	// QualityUnknown is Query.PDQQuality for a PDQ hash of unknown quality
	// (e.g. one given in hex); such queries are never flagged.
	QualityUnknown = -1
	// MaxDihedral bounds Query.PDQDihedral.
	MaxDihedral = 8
	// MaxQueryHashes bounds Query.Hashes.
	MaxQueryHashes = 64
	// MaxLists bounds the lists of a Matcher.
	MaxLists = 1 << 12
	// DefaultIndexBytesPerEntry is MatcherOptions.IndexBytesPerEntry's
	// default.
	DefaultIndexBytesPerEntry = 62
)

// DefaultThreshold returns mnr's default match threshold for kind k: 31
// for PDQ, 10 for pHash, dHash and aHash, 0 for the exact kinds.
func DefaultThreshold(k Kind) int {
	switch {
	case k == KindPDQ:
		return DefaultPDQThreshold
	case k.Perceptual():
		return Default64Threshold
	}
	return 0
}

// MatcherOptions configure a Matcher. The zero value (and nil) uses the
// defaults.
type MatcherOptions struct {
	// Thresholds override the default threshold per perceptual kind (see
	// DefaultThreshold). A list's own threshold (List.Threshold) takes
	// precedence. A match is an entry at Hamming distance <= threshold.
	Thresholds map[Kind]int
	// MinPDQQuality flags PDQ queries whose quality is below it
	// (MatchResult.LowQuality). 0 means DefaultMinPDQQuality (50); a
	// negative value flags nothing.
	MinPDQQuality int
	// TrustedKeys, when set, make Replace refuse (ErrUntrusted) any list
	// that was not verified against one of these keys when it was read,
	// and make Reload require signatures.
	TrustedKeys []ed25519.PublicKey
	// ReadOptions are used by Reload to read list files (TrustedKeys is
	// set from the field above when that is set).
	ReadOptions *ReadOptions
	// ExactFilterFP, when positive, puts a bloom filter with this false
	// positive rate in front of each exact-kind table. The default (0) uses
	// none: in memory the table alone answers absent keys faster (see
	// BENCHMARKS.md); Screen builds a filter for export either way.
	ExactFilterFP float64
	// IndexBytesPerEntry bounds the memory of a perceptual index (entry
	// positions and bucket offsets; the hashes themselves are the List's)
	// per entry; the fastest layout within it is chosen. The default,
	// DefaultIndexBytesPerEntry (62), keeps a PDQ entry under 100 bytes with
	// its List; more allows layouts with more tables, which at 1 million
	// PDQ entries measured within noise of the default (BENCHMARKS.md).
	IndexBytesPerEntry int
	// MaxMatches bounds the matches returned for one query (default
	// DefaultMaxMatches); the closest are kept and MatchResult.Truncated
	// is set.
	MaxMatches int
	// BuildWorkers bounds the goroutines that build indexes in Replace
	// (default GOMAXPROCS).
	BuildWorkers int
	// Hooks observe matches and loads.
	Hooks Hooks
	// Logger receives load records (counts and names, never hashes). Nil
	// discards.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Hooks are optional callbacks. They run synchronously on the calling
// goroutine (a query's or Replace's) and must be quick and safe for
// concurrent use. Their arguments carry no hash values except the query's
// own.
type Hooks struct {
	// OnMatch is called after a query that matched.
	OnMatch func(q Query, r MatchResult)
	// OnListLoaded is called for each list of a snapshot that Replace (or
	// Reload) published.
	OnListLoaded func(ev ListLoaded)
}

// ListLoaded describes a list published by Replace.
type ListLoaded struct {
	Name, Source, Version string
	// Entries is the number of entries.
	Entries int
	// Signer is the key ID that verified the list, if any.
	Signer string
	// Reused is true when the list was already indexed in the previous
	// snapshot and its index was kept.
	Reused bool
	// IndexBytes is the memory of the list and its indexes.
	IndexBytes int64
	// BuildTime is how long indexing took (0 when reused).
	BuildTime time.Duration
}

// Query is one item to match: its hashes of any kinds.
type Query struct {
	// Hashes are the item's hashes (any kinds; each is matched against the
	// lists holding its kind).
	Hashes []Hash
	// PDQQuality is the quality (0..100) of the PDQ hash, or
	// QualityUnknown.
	PDQQuality int
	// PDQDihedral, when set, holds the PDQ hashes of the item's 8 dihedral
	// variants (rotations and flips; the original first). PDQ matching then
	// uses all of them, and Match.Variant tells which one matched.
	PDQDihedral []Hash
	// Lists restricts matching to the named lists (nil: all).
	Lists []string
}

// Match is one list entry that matched a query.
type Match struct {
	// List is the list's name.
	List string
	// Entry is the entry's ID in that list.
	Entry string
	// Kind is the kind of the hashes compared.
	Kind Kind
	// Distance is the Hamming distance (0 for the exact kinds).
	Distance int
	// Codes are the entry's categories: term codes and category keys,
	// sorted. The slice is the caller's.
	Codes []string
	// Variant is the index in Query.PDQDihedral of the variant that matched
	// (0 otherwise).
	Variant int
	// Query is the query hash that matched (the variant's, for dihedral
	// matching).
	Query Hash
}

// MatchResult is the outcome of one query.
type MatchResult struct {
	// Matches are sorted by distance, then list name, kind, the entry's
	// hash (its position in the list) and the query hash or variant: the
	// same query on the same lists always gives the same order.
	Matches []Match
	// LowQuality is set when the query's PDQ quality is known and below
	// MatcherOptions.MinPDQQuality: PDQ matches of such images (flat or
	// near-blank) are unreliable.
	LowQuality bool
	// Truncated is set when more than MaxMatches entries matched; the
	// closest were kept.
	Truncated bool
}

// Matcher matches hashes against a set of lists. It holds an immutable
// snapshot of the lists and their indexes behind an atomic pointer:
// Replace and Reload build the next snapshot off the query path and swap it
// in, so queries never block and never see part of a list. A Matcher is
// safe for concurrent use; the zero value is not usable (use NewMatcher).
type Matcher struct {
	opts MatcherOptions
	mu   sync.Mutex // serialises Replace
	cur  atomic.Pointer[snapshot]
	seq  atomic.Uint64
}

type snapshot struct {
	seq    uint64
	loaded time.Time
	lists  []*indexedList
}

type indexedList struct {
	list  *List
	radii map[Kind]int // the thresholds the indexes were built for
	cols  []indexedColumn
	bytes int64
}

type indexedColumn struct {
	col    *column
	radius int
	mih    *mihIndex
	exact  *exactIndex
}

// NewMatcher returns a Matcher with no lists.
func NewMatcher(opts *MatcherOptions) *Matcher {
	m := &Matcher{}
	if opts != nil {
		m.opts = *opts
		m.opts.Thresholds = cloneMap(opts.Thresholds)
		m.opts.TrustedKeys = slices.Clone(opts.TrustedKeys)
	}
	if m.opts.MinPDQQuality == 0 {
		m.opts.MinPDQQuality = DefaultMinPDQQuality
	}
	if m.opts.MaxMatches <= 0 {
		m.opts.MaxMatches = DefaultMaxMatches
	}
	if m.opts.BuildWorkers <= 0 {
		m.opts.BuildWorkers = runtime.GOMAXPROCS(0)
	}
	if m.opts.IndexBytesPerEntry <= 0 {
		m.opts.IndexBytesPerEntry = DefaultIndexBytesPerEntry
	}
	if m.opts.Logger == nil {
		m.opts.Logger = slog.New(slog.DiscardHandler)
	}
	if m.opts.Now == nil {
		m.opts.Now = time.Now
	}
	m.cur.Store(&snapshot{})
	return m
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return nil
	}
	c := make(map[K]V, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// ErrDuplicateList is returned by Replace when two lists share a name.
var ErrDuplicateList = errors.New("hashmatch: two lists with the same name")

func (m *Matcher) threshold(l *List, k Kind) (int, error) {
	if t, ok := l.Threshold(k); ok {
		return t, nil
	}
	if t, ok := m.opts.Thresholds[k]; ok {
		if err := checkThreshold(k, t); err != nil {
			return 0, err
		}
		return t, nil
	}
	return DefaultThreshold(k), nil
}

func (m *Matcher) trusted(l *List) bool {
	if len(m.opts.TrustedKeys) == 0 {
		return true
	}
	for _, k := range m.opts.TrustedKeys {
		if l.signerKey != nil && bytes.Equal(k, l.signerKey) {
			return true
		}
	}
	return false
}

// Replace makes lists the Matcher's lists: it indexes them (reusing the
// indexes of lists already loaded), then swaps the new snapshot in. Queries
// running meanwhile use the previous snapshot. On error nothing changes.
func (m *Matcher) Replace(lists ...*List) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(lists) > MaxLists {
		return fmt.Errorf("%w: more than %d lists", ErrTooLarge, MaxLists)
	}
	names := map[string]bool{}
	for _, l := range lists {
		if l == nil {
			return fmt.Errorf("%w: nil list", ErrBadList)
		}
		if names[l.name] {
			return fmt.Errorf("%w: %q", ErrDuplicateList, truncate(l.name, 64))
		}
		names[l.name] = true
		if !m.trusted(l) {
			return fmt.Errorf("%w: list %q is not signed by a trusted key", ErrUntrusted, truncate(l.name, 64))
		}
	}
	old := m.cur.Load()
	next := &snapshot{seq: m.seq.Add(1), loaded: m.opts.Now()}
	events := make([]ListLoaded, 0, len(lists))
	for _, l := range lists {
		radii := map[Kind]int{}
		for _, k := range l.Kinds() {
			t, err := m.threshold(l, k)
			if err != nil {
				return err
			}
			radii[k] = t
		}
		var il *indexedList
		reused := false
		for _, o := range old.lists {
			if o.list == l && mapsEqual(o.radii, radii) {
				il, reused = o, true
				break
			}
		}
		start := time.Now()
		if il == nil {
			var err error
			if il, err = m.index(l, radii); err != nil {
				return err
			}
		}
		ev := ListLoaded{Name: l.name, Source: l.source, Version: l.version, Entries: l.Len(),
			Signer: l.signer, Reused: reused, IndexBytes: il.bytes}
		if !reused {
			ev.BuildTime = time.Since(start)
		}
		events = append(events, ev)
		next.lists = append(next.lists, il)
	}
	m.cur.Store(next)
	for _, ev := range events {
		m.opts.Logger.LogAttrs(context.Background(), slog.LevelInfo, "hash list published",
			slog.String("list", ev.Name), slog.String("version", ev.Version), slog.Int("entries", ev.Entries),
			slog.Bool("reused", ev.Reused), slog.Duration("build", ev.BuildTime), slog.Int64("bytes", ev.IndexBytes))
		if m.opts.Hooks.OnListLoaded != nil {
			m.opts.Hooks.OnListLoaded(ev)
		}
	}
	return nil
}

func mapsEqual(a, b map[Kind]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// index builds the indexes of one list.
func (m *Matcher) index(l *List, radii map[Kind]int) (*indexedList, error) {
	il := &indexedList{list: l, radii: radii}
	for _, c := range l.cols {
		ic := indexedColumn{col: c, radius: radii[c.kind]}
		var err error
		if c.kind.Perceptual() {
			ic.mih, err = buildMIH(c.codes, c.words, c.n, ic.radius, m.opts.BuildWorkers, m.opts.IndexBytesPerEntry)
			if err == nil {
				il.bytes += ic.mih.bytes()
			}
		} else {
			ic.exact, err = buildExact(c.kind, c.codes, c.words, c.n)
			if err == nil && m.opts.ExactFilterFP > 0 {
				f := newScreenFilter(c.n, min(m.opts.ExactFilterFP, 0.5))
				for i := 0; i < c.n; i++ {
					f.addWords(c.kind, c.codes[i*c.words:(i+1)*c.words])
				}
				ic.exact.bloom = f
			}
			if err == nil {
				il.bytes += ic.exact.bytes()
			}
		}
		if err != nil {
			return nil, fmt.Errorf("hashmatch: indexing list %q: %w", truncate(l.name, 64), err)
		}
		il.bytes += c.bytes()
		il.cols = append(il.cols, ic)
	}
	return il, nil
}

// Reload reads the list files at paths (see ReadListFile; with the
// Matcher's ReadOptions and TrustedKeys) and replaces the Matcher's lists
// with them. On any error the current lists stay.
func (m *Matcher) Reload(ctx context.Context, paths ...string) error {
	var o ReadOptions
	if m.opts.ReadOptions != nil {
		o = *m.opts.ReadOptions
	}
	if len(m.opts.TrustedKeys) > 0 {
		o.TrustedKeys = m.opts.TrustedKeys
	}
	if o.Logger == nil {
		o.Logger = m.opts.Logger
	}
	lists := make([]*List, 0, len(paths))
	for _, p := range paths {
		o := o
		l, err := ReadListFile(ctx, p, &o)
		if err != nil {
			return err
		}
		lists = append(lists, l)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return m.Replace(lists...)
}

// Lists returns the lists of the current snapshot.
func (m *Matcher) Lists() []*List {
	s := m.cur.Load()
	out := make([]*List, len(s.lists))
	for i, il := range s.lists {
		out[i] = il.list
	}
	return out
}

// MatcherStats describes the current snapshot.
type MatcherStats struct {
	// Version counts the snapshots published (0: none yet).
	Version uint64
	// Loaded is when the snapshot was published.
	Loaded time.Time
	// Lists and Entries count the lists and their entries.
	Lists, Entries int
	// Bytes is the memory of the lists and their indexes.
	Bytes int64
}

// Stats describes the current snapshot.
func (m *Matcher) Stats() MatcherStats {
	s := m.cur.Load()
	st := MatcherStats{Version: s.seq, Loaded: s.loaded, Lists: len(s.lists)}
	for _, il := range s.lists {
		st.Entries += il.list.Len()
		st.Bytes += il.bytes
	}
	return st
}

// MatchHashes matches hashes of unknown quality (see Match).
func (m *Matcher) MatchHashes(hashes ...Hash) ([]Match, error) {
	r, err := m.Match(Query{Hashes: hashes, PDQQuality: QualityUnknown})
	return r.Matches, err
}

// Match returns the list entries within their threshold of a hash of the
// query: every one (the indexes are exact, with 100% recall) up to
// MaxMatches, the closest first (see MatchResult). It errs only on an
// invalid query. Without a match it allocates nothing.
func (m *Matcher) Match(q Query) (MatchResult, error) {
	return m.match(m.cur.Load(), &q)
}

// batchChunk is how many queries MatchBatch prefetches for at a time.
const batchChunk = 16

// MatchBatch matches many queries against one snapshot: results[i] is what
// Match(qs[i]) would return. It requests the first cache line of every
// exact-kind lookup of a few queries before doing them, so the memory reads
// overlap: use it to rescan many stored hashes (BENCHMARKS.md has the gain).
// An invalid query fails the whole call with its index.
func (m *Matcher) MatchBatch(qs []Query) ([]MatchResult, error) {
	s := m.cur.Load()
	out := make([]MatchResult, len(qs))
	var addrs []uintptr
	for i := 0; i < len(qs); i += batchChunk {
		end := min(i+batchChunk, len(qs))
		addrs = addrs[:0]
		for j := i; j < end; j++ {
			for _, il := range s.lists {
				for ci := range il.cols {
					x := il.cols[ci].exact
					if x == nil {
						continue
					}
					for k := range qs[j].Hashes {
						if h := &qs[j].Hashes[k]; h.kind == x.kind {
							var w [4]uint64
							addrs = append(addrs, x.lineAddr(hashWords(*h, &w)))
						}
					}
				}
			}
		}
		prefetch(addrs)
		for j := i; j < end; j++ {
			r, err := m.match(s, &qs[j])
			if err != nil {
				return nil, fmt.Errorf("query %d: %w", j, err)
			}
			out[j] = r
		}
	}
	return out, nil
}

func (m *Matcher) match(s *snapshot, q *Query) (MatchResult, error) {
	var res MatchResult
	var hasPDQ bool
	if len(q.Hashes) > MaxQueryHashes {
		return res, fmt.Errorf("%w: more than %d hashes in one query", ErrBadHash, MaxQueryHashes)
	}
	for i := range q.Hashes {
		k := q.Hashes[i].kind
		if !k.Valid() {
			return res, fmt.Errorf("%w: query hash without a valid kind", ErrBadHash)
		}
		hasPDQ = hasPDQ || k == KindPDQ
	}
	if len(q.PDQDihedral) > MaxDihedral {
		return res, fmt.Errorf("%w: more than %d dihedral variants", ErrBadHash, MaxDihedral)
	}
	for _, h := range q.PDQDihedral {
		if h.kind != KindPDQ {
			return res, fmt.Errorf("%w: dihedral variants must be PDQ hashes", ErrBadHash)
		}
		hasPDQ = true
	}
	if hasPDQ && q.PDQQuality >= 0 && q.PDQQuality < m.opts.MinPDQQuality {
		res.LowQuality = true
	}
	var raw []rawHit // allocated on the first hit only
	for li, il := range s.lists {
		if q.Lists != nil && !slices.Contains(q.Lists, il.list.name) {
			continue
		}
		for ci := range il.cols {
			ic := &il.cols[ci]
			k := ic.col.kind
			if k == KindPDQ && len(q.PDQDihedral) > 0 {
				nq := len(q.PDQDihedral)
				var wbuf [MaxDihedral * 4]uint64
				for i := range q.PDQDihedral {
					var w [4]uint64
					copy(wbuf[4*i:], hashWords(q.PDQDihedral[i], &w))
				}
				var hitBuf [16]hit
				hits := ic.mih.search(wbuf[:4*nq], nq, ic.radius, hitBuf[:0])
				for _, h := range hits {
					raw = append(raw, rawHit{list: uint16(li), col: uint16(ci), pos: h.pos, dist: h.dist, query: uint8(h.q), dihedral: true})
				}
				continue
			}
			for qi := range q.Hashes {
				h := &q.Hashes[qi]
				if h.kind != k {
					continue
				}
				var w [4]uint64
				words := hashWords(*h, &w)
				if ic.exact != nil {
					if p := ic.exact.lookup(words); p >= 0 {
						raw = append(raw, rawHit{list: uint16(li), col: uint16(ci), pos: uint32(p), query: uint8(qi)})
					}
					continue
				}
				var hitBuf [16]hit
				hits := ic.mih.search(words, 1, ic.radius, hitBuf[:0])
				for _, h := range hits {
					raw = append(raw, rawHit{list: uint16(li), col: uint16(ci), pos: h.pos, dist: h.dist, query: uint8(qi)})
				}
			}
		}
	}
	if len(raw) == 0 {
		return res, nil
	}
	if len(raw) > m.opts.MaxMatches {
		// Materialise only the closest: every hit within the distance that
		// reaches MaxMatches hits (ties at that distance are then ordered
		// by the full sort below).
		res.Truncated = true
		var hist [257]int
		for _, h := range raw {
			hist[h.dist]++
		}
		cut, n := 0, 0
		for cut = range hist {
			if n += hist[cut]; n >= m.opts.MaxMatches {
				break
			}
		}
		kept := raw[:0]
		for _, h := range raw {
			if int(h.dist) <= cut {
				kept = append(kept, h)
			}
		}
		raw = kept
	}
	// Order: distance, list name, kind, the entry's position in its list
	// (hash order), query. Cheap to compare, and deterministic.
	slices.SortFunc(raw, func(a, b rawHit) int {
		switch {
		case a.dist != b.dist:
			return int(a.dist) - int(b.dist)
		case a.list != b.list:
			return strings.Compare(s.lists[a.list].list.name, s.lists[b.list].list.name)
		case a.col != b.col:
			return int(a.col) - int(b.col)
		case a.pos != b.pos:
			return cmpU32(a.pos, b.pos)
		}
		return int(a.query) - int(b.query)
	})
	raw = raw[:min(len(raw), m.opts.MaxMatches)]
	res.Matches = make([]Match, 0, len(raw))
	for _, h := range raw {
		il := s.lists[h.list]
		c := il.cols[h.col].col
		mt := Match{List: il.list.name, Entry: c.ids.get(int(h.pos)), Kind: c.kind, Distance: int(h.dist),
			Codes: slices.Clone(il.list.sets[c.set(int(h.pos))])}
		if h.dihedral {
			mt.Variant = int(h.query)
			mt.Query = q.PDQDihedral[h.query]
		} else {
			mt.Query = q.Hashes[h.query]
		}
		res.Matches = append(res.Matches, mt)
	}
	if m.opts.Hooks.OnMatch != nil {
		// Copies, so that q's slices do not escape (the common no-hook path
		// then allocates nothing).
		m.opts.Hooks.OnMatch(Query{Hashes: slices.Clone(q.Hashes), PDQQuality: q.PDQQuality,
			PDQDihedral: slices.Clone(q.PDQDihedral), Lists: slices.Clone(q.Lists)}, res)
	}
	return res, nil
}

// rawHit is a match before it is materialised.
type rawHit struct {
	list, col uint16
	pos       uint32
	dist      uint16
	query     uint8 // index in Query.Hashes, or in Query.PDQDihedral
	dihedral  bool
}

// NewQuery returns the Query for a Hasher's result: its hashes, its PDQ
// quality (QualityUnknown when PDQ was not computed) and its dihedral PDQ
// variants when they were computed.
func NewQuery(r *Result) Query {
	q := Query{Hashes: r.Hashes, PDQQuality: QualityUnknown, PDQDihedral: r.PDQDihedral}
	if _, ok := r.Get(KindPDQ); ok {
		q.PDQQuality = r.PDQQuality
	}
	return q
}
