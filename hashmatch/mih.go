package hashmatch

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"sync"
	"unsafe"
)

// Multi-index hashing (Norouzi, Punjani and Fleet, "Fast Exact Search in
// Hamming Space with Multi-Index Hashing", 2014).
//
// The code is cut into m consecutive substrings; table t maps each value of
// substring t to the entries having it. Every entry within distance r of a query
// differs from it in at most s_t bits on some substring t whenever
// sum_t (s_t + 1) >= r + 1 (if it differed in s_t+1 or more on every substring,
// its distance would be at least r+1). A query therefore probes, in each table,
// the buckets within distance s_t of its own substring, and verifies every entry
// found there with a full popcount. Nothing within r is missed.
//
// Layout. Codes are stored once, sorted (the list's own order), as big-endian
// uint64 words. Table 0 covers the top bits, so its buckets are ranges of that
// sorted array and need no position array; tables 1..m-1 hold the entries'
// positions grouped by bucket (3 bytes each up to 2^24 entries, 4 beyond).
// Bucket boundaries use bucketOffsets (1.07 bytes a bucket). planMIH picks m
// and the substring widths from the list size and the radius with a cost
// model, within a memory budget.
//
// Query. The work is done in phases so that the memory reads within a phase do
// not depend on each other and the processor overlaps their cache misses
// (each read is prefetched a few steps ahead): first every probe's bucket
// range, then every candidate position, then every verification. An entry
// is reported only by the first table that finds it, so hits need no
// deduplication. The 8 dihedral variants of a PDQ hash are searched one after
// the other and merged per entry.

// mihSpec is one table of a layout.
type mihSpec struct {
	lo, bits, s int
}

// mihPlan is a layout chosen by planMIH.
type mihPlan struct {
	linear bool
	tables []mihSpec
	cost   float64 // estimated ns per query
	bytes  float64 // estimated index bytes (ids and offsets; codes excluded)
}

// Cost model of planMIH, in nanoseconds on the reference machine (see
// BENCHMARKS.md): a probe reads one cache line of offsets; a non-empty bucket
// then reads its ids; a candidate reads its code and takes a popcount; a linear
// scan costs about a nanosecond per 32-byte code.
const (
	costProbe     = 10.0
	costNonEmpty  = 6.0
	costCandidate = 11.0
	costLinear64  = 0.6
	costLinear256 = 1.3

	maxTableBits   = 30      // 2^30 buckets: 1.1 GB of offsets
	maxTableProbes = 1 << 16 // masks per table
	// DefaultIndexBytesPerEntry and indexBytesSlack bound the ids and
	// offsets memory a layout may use; the fastest layout within the bound
	// is chosen. 62 keeps a PDQ entry with a numeric ID (36 bytes in its
	// List) within 100 bytes.
	indexBytesSlack = 2 << 20
)

// planMIH picks the layout with the lowest estimated query cost for n codes
// of codeBits bits searched within radius, among layouts of m tables of b
// bits. The tables need not cover every bit: the pigeonhole argument holds
// for any disjoint substrings, so a small radius can use a few narrow
// tables. When m*b reaches codeBits the remaining bits go one each to the
// first tables.
func planMIH(codeBits, n, radius int) mihPlan {
	return planMIHBudget(codeBits, n, radius, DefaultIndexBytesPerEntry)
}

// planMIHBudget is planMIH with a memory budget in bytes per entry.
func planMIHBudget(codeBits, n, radius, bytesPerEntry int) mihPlan {
	linCost := float64(n) * costLinear64
	if codeBits > 64 {
		linCost = float64(n) * costLinear256
	}
	best := mihPlan{linear: true, cost: linCost}
	if n == 0 {
		return best
	}
	budget := float64(bytesPerEntry)*float64(n) + indexBytesSlack
	// Wider tables than about four buckets an entry save little time and
	// cost memory.
	maxBits := min(maxTableBits, bits.Len(uint(n))+2)
	for m := 1; m <= radius+1 && m <= codeBits; m++ {
		for b := 1; b <= codeBits/m && b <= maxBits; b++ {
			extra := 0
			if b == codeBits/m {
				extra = codeBits % m
				if extra > 0 && b+1 > maxBits {
					extra = 0
				}
			}
			if p, ok := evalLayout(m, b, extra, n, radius); ok && p.bytes <= budget && p.cost < best.cost {
				best = p
			}
		}
	}
	return best
}

// evalLayout builds the layout of m tables of b bits (the first extra ones
// b+1) and estimates its cost and memory.
func evalLayout(m, b, extra, n, radius int) (mihPlan, bool) {
	q, rem := (radius+1)/m, (radius+1)%m
	nf := float64(n)
	p := mihPlan{tables: make([]mihSpec, m)}
	lo := 0
	for t := 0; t < m; t++ {
		bt := b
		if t < extra {
			bt++
		}
		s := q - 1
		if t < rem {
			s = q
		}
		pr := maskCount(bt, s)
		if s > bt || pr > maxTableProbes {
			return mihPlan{}, false
		}
		p.tables[t] = mihSpec{lo: lo, bits: bt, s: s}
		lo += bt
		per := nf / math.Exp2(float64(bt))
		p.cost += float64(pr) * (costProbe + costNonEmpty*(1-math.Exp(-per)) + costCandidate*per)
		p.bytes += offsetBytes(bt)
		if t > 0 {
			p.bytes += posBytes(n) * nf
		}
	}
	return p, true
}

// mihTable is one table of an index.
type mihTable struct {
	br    bitRange
	s     int
	off   bucketOffsets
	ids   posArray // positions grouped by bucket; empty for table 0
	masks []uint32 // flip masks ordered by weight
}

// mihIndex answers radius queries over sorted codes.
type mihIndex struct {
	words  int
	n      int
	codes  []uint64
	radius int
	linear bool
	tables []mihTable
	// plan[r][t] is the probe count of table t for a query of radius r
	// (0: table skipped), radii[r][t] the substring radius it covers (-1:
	// skipped); probes[r] is their sum.
	plan   [][]int
	radii  [][]int
	probes []int
}

// buildMIH indexes n sorted, distinct codes of words uint64 each for queries
// within radius, using up to workers goroutines.
func buildMIH(codes []uint64, words, n, radius, workers, bytesPerEntry int) (*mihIndex, error) {
	return buildMIHPlan(codes, words, n, radius, workers, planMIHBudget(64*words, n, radius, bytesPerEntry))
}

func buildMIHPlan(codes []uint64, words, n, radius, workers int, p mihPlan) (*mihIndex, error) {
	if n > maxIndexEntries {
		return nil, errIndexTooLarge
	}
	ix := &mihIndex{words: words, n: n, codes: codes[:n*words], radius: radius, linear: p.linear}
	if p.linear {
		return ix, nil
	}
	ix.tables = make([]mihTable, len(p.tables))
	maskCache := map[[2]int][]uint32{}
	for t, sp := range p.tables {
		k := [2]int{sp.bits, sp.s}
		if maskCache[k] == nil {
			maskCache[k] = flipMasks(sp.bits, sp.s)
		}
		ix.tables[t] = mihTable{br: newBitRange(sp.lo, sp.bits), s: sp.s, masks: maskCache[k]}
	}
	ix.plan, ix.radii, ix.probes = probePlans(p.tables, radius)

	// One allocation for all offsets and one for all positions: large
	// enough for huge pages even when each table is small.
	blockArena := 0
	for _, sp := range p.tables {
		blockArena += blocksLen(sp.bits)
	}
	blocks := makeBytes(blockArena)
	ids := newPosArena(n, len(p.tables)-1)

	// Table 0 follows the sorted order: count its buckets in one pass.
	b0 := int(ix.tables[0].br.n)
	counts := makeUint32(1 << b0)
	for i := 0; i < n; i++ {
		counts[ix.tables[0].br.get(codes[i*words:])]++
	}
	ix.tables[0].off = newBucketOffsets(b0, counts, blocks[:blocksLen(b0)])
	blocks = blocks[blocksLen(b0):]
	for t := 1; t < len(ix.tables); t++ {
		bl := blocksLen(int(ix.tables[t].br.n))
		ix.tables[t].off.blocks = blocks[:bl:bl]
		blocks = blocks[bl:]
		ix.tables[t].ids = ids.table(t - 1)
	}

	// The other tables are independent counting sorts.
	workers = max(1, min(workers, len(ix.tables)-1))
	next := make(chan int, len(ix.tables))
	for t := 1; t < len(ix.tables); t++ {
		next <- t
	}
	close(next)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			var cnt []uint32
			tmp := makeUint64(n)
			for t := range next {
				tab := &ix.tables[t]
				nb := 1 << tab.br.n
				if cap(cnt) < nb {
					cnt = makeUint32(nb)
				} else {
					cnt = cnt[:nb]
					clear(cnt)
				}
				tab.fill(codes, words, n, cnt, tmp)
			}
		})
	}
	wg.Wait()
	return ix, nil
}

// fill builds one table, using cnt (zeroed, 2^bits long) and tmp (n long) as
// scratch. It is a counting sort done in two cache-friendly steps: entries are
// first split by the top 8 bits of their key (256 sequential output streams),
// so the per-bucket counting and placing that follow touch only a small window
// of cnt and ids at a time.
func (tab *mihTable) fill(codes []uint64, words, n int, cnt []uint32, tmp []uint64) {
	br := tab.br
	b := int(br.n)
	shift := b - min(8, b)
	var part [257]uint32
	for i := 0; i < n; i++ {
		part[br.get(codes[i*words:])>>shift+1]++
	}
	for p := 1; p < len(part); p++ {
		part[p] += part[p-1]
	}
	for i := 0; i < n; i++ {
		k := br.get(codes[i*words:])
		p := k >> shift
		tmp[part[p]] = uint64(k)<<32 | uint64(i)
		part[p]++
	}
	tmp = tmp[:n]
	for _, v := range tmp {
		cnt[v>>32]++
	}
	tab.off = newBucketOffsets(b, cnt, tab.off.blocks)
	var sum uint32
	for k, c := range cnt {
		cnt[k] = sum
		sum += c
	}
	for _, v := range tmp {
		k := v >> 32
		tab.ids.set(cnt[k], uint32(v))
		cnt[k]++
	}
}

// posArray holds entry positions: 3 bytes each while positions fit in 24
// bits (up to 16.7 million entries), 4 bytes beyond.
type posArray struct {
	b3 []byte // 3 bytes a position, plus one byte so 4-byte loads stay in bounds
	b4 []uint32
}

// posArena holds the position arrays of several tables in one allocation.
type posArena struct {
	n  int
	b3 []byte
	b4 []uint32
}

func newPosArena(n, tables int) posArena {
	if n <= 1<<24 {
		return posArena{n: n, b3: makeBytes(3*n*tables + 1)}
	}
	return posArena{n: n, b4: makeUint32(n * tables)}
}

// table returns the positions of the i-th table of the arena. With 3-byte
// positions the padding byte read past a table's end is the next table's
// first byte (or the arena's last); reads mask it off and it is never
// written through this table.
func (a posArena) table(i int) posArray {
	if a.b3 != nil {
		return posArray{b3: a.b3[3*a.n*i : 3*a.n*(i+1)+1 : 3*a.n*(i+1)+1]}
	}
	return posArray{b4: a.b4[a.n*i : a.n*(i+1) : a.n*(i+1)]}
}

func (a *posArray) empty() bool { return a.b3 == nil && a.b4 == nil }

func (a *posArray) set(i, v uint32) {
	if a.b3 != nil {
		a.b3[3*i], a.b3[3*i+1], a.b3[3*i+2] = byte(v), byte(v>>8), byte(v>>16)
		return
	}
	a.b4[i] = v
}

// addr is the address of position i (for prefetching).
func (a *posArray) addr(i uint32) uintptr {
	if a.b3 != nil {
		return uintptr(unsafe.Pointer(unsafe.SliceData(a.b3))) + 3*uintptr(i)
	}
	return uintptr(unsafe.Pointer(unsafe.SliceData(a.b4))) + 4*uintptr(i)
}

// appendRange appends positions s..e-1.
func (a *posArray) appendRange(dst []uint32, s, e uint32) []uint32 {
	if a.b4 != nil {
		return append(dst, a.b4[s:e]...)
	}
	b := a.b3
	for i := s; i < e; i++ {
		dst = append(dst, binary.LittleEndian.Uint32(b[3*i:3*i+4])&0xffffff)
	}
	return dst
}

func (a *posArray) bytes() int64 { return int64(len(a.b3)) + 4*int64(len(a.b4)) }

// posBytes is the size of a position for n entries.
func posBytes(n int) float64 {
	if n <= 1<<24 {
		return 3
	}
	return 4
}

// probePlans derives, for every radius r <= radius, how many masks each table
// probes so that sum (s_t + 1) >= r + 1 with as few probes as possible.
func probePlans(specs []mihSpec, radius int) ([][]int, [][]int, []int) {
	plan := make([][]int, radius+1)
	radii := make([][]int, radius+1)
	total := make([]int, radius+1)
	for r := 0; r <= radius; r++ {
		s := make([]int, len(specs))
		budget := 0
		for t, sp := range specs {
			s[t] = sp.s
			budget += sp.s + 1
		}
		// Lower the radius of the table whose probes cost most until the
		// budget is just enough.
		for budget > r+1 {
			bt, bc := -1, -1
			for t := range specs {
				if s[t] < 0 {
					continue
				}
				c := maskCount(specs[t].bits, s[t])
				if s[t] > 0 {
					c -= maskCount(specs[t].bits, s[t]-1)
				}
				if c > bc {
					bt, bc = t, c
				}
			}
			s[bt]--
			budget--
		}
		plan[r] = make([]int, len(specs))
		radii[r] = s
		for t, sp := range specs {
			if s[t] >= 0 {
				plan[r][t] = maskCount(sp.bits, s[t])
				total[r] += plan[r][t]
			}
		}
	}
	return plan, radii, total
}

// hit is a verified entry: its position in the sorted codes, its distance and
// the index of the query (dihedral variant) that found it.
type hit struct {
	pos  uint32
	dist uint16
	q    uint16
}

// mihScratch holds per-query buffers; it is pooled so a query allocates
// nothing once warm.
type mihScratch struct {
	keys   []uint64  // probe: key | table<<32
	addrs  []uintptr // addresses to prefetch, one per probe, span or candidate
	ranges []span
	cands  []uint32
	tEnd   []int // per table: end of its candidates
	hits   []hit
}

// span is a non-empty bucket: positions [s, e) of table t.
type span struct {
	s, e uint32
	t    uint32
}

// prefetchAhead is how many cache lines the query phases request ahead of
// use; 16 to 24 measured best on the reference machine (BENCHMARKS.md).
const prefetchAhead = 20

var mihScratchPool = sync.Pool{New: func() any { return new(mihScratch) }}

// maxPooledScratch bounds the buffers kept for reuse (a hot cluster can make
// one query's candidates large; that memory is not kept).
const maxPooledScratch = 1 << 20

func putScratch(sc *mihScratch) {
	if cap(sc.cands) > maxPooledScratch || cap(sc.hits) > maxPooledScratch {
		return
	}
	mihScratchPool.Put(sc)
}

// search finds every entry within distance r (r <= ix.radius) of each of the
// nq queries in qs (nq*words words) and appends the hits to out, one per entry
// (the smallest distance over the queries, then the lowest query index),
// ordered by position.
func (ix *mihIndex) search(qs []uint64, nq, r int, out []hit) []hit {
	if ix.n == 0 || r < 0 {
		return out
	}
	r = min(r, ix.radius)
	sc := mihScratchPool.Get().(*mihScratch)
	defer putScratch(sc)
	sc.hits = sc.hits[:0]
	for q := 0; q < nq; q++ {
		code := qs[q*ix.words : (q+1)*ix.words]
		if ix.linear {
			sc.hits = ix.scan(code, q, r, sc.hits)
		} else {
			ix.probe(code, q, r, sc)
		}
	}
	if nq == 1 {
		// Hits are unique (see probe); order them by position.
		slices.SortFunc(sc.hits, func(a, b hit) int { return cmpU32(a.pos, b.pos) })
		return append(out, sc.hits...)
	}
	return mergeHits(sc.hits, out)
}

// mergeHits sorts hits by position and keeps, per position, the smallest
// distance (then the lowest query index).
func mergeHits(hits, out []hit) []hit {
	if len(hits) == 0 {
		return out
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.pos != b.pos {
			return cmpU32(a.pos, b.pos)
		}
		if a.dist != b.dist {
			return int(a.dist) - int(b.dist)
		}
		return int(a.q) - int(b.q)
	})
	last := uint32(math.MaxUint32)
	for i, h := range hits {
		if i > 0 && h.pos == last {
			continue
		}
		last = h.pos
		out = append(out, h)
	}
	return out
}

func cmpU32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// scan is the linear search.
func (ix *mihIndex) scan(q []uint64, qi, r int, hits []hit) []hit {
	switch ix.words {
	case 1:
		q0 := q[0]
		for i, c := range ix.codes {
			if d := bits.OnesCount64(c ^ q0); d <= r {
				hits = append(hits, hit{pos: uint32(i), dist: uint16(d), q: uint16(qi)})
			}
		}
	case 4:
		q0, q1, q2, q3 := q[0], q[1], q[2], q[3]
		codes := ix.codes
		for i := 0; i+4 <= len(codes); i += 4 {
			d := bits.OnesCount64(codes[i]^q0) + bits.OnesCount64(codes[i+1]^q1)
			if d > r {
				continue
			}
			d += bits.OnesCount64(codes[i+2]^q2) + bits.OnesCount64(codes[i+3]^q3)
			if d <= r {
				hits = append(hits, hit{pos: uint32(i / 4), dist: uint16(d), q: uint16(qi)})
			}
		}
	default:
		w := ix.words
		for i := 0; i < ix.n; i++ {
			if d := distWords(ix.codes[i*w:(i+1)*w], q); d <= r {
				hits = append(hits, hit{pos: uint32(i), dist: uint16(d), q: uint16(qi)})
			}
		}
	}
	return hits
}

func distWords(a, b []uint64) int {
	d := 0
	for i := range a {
		d += bits.OnesCount64(a[i] ^ b[i])
	}
	return d
}

// probe runs the three phases for one query (index qi of the batch) and
// appends its hits to sc.hits.
func (ix *mihIndex) probe(code []uint64, qi, r int, sc *mihScratch) {
	plan := ix.plan[r]
	w := ix.words
	need := ix.probes[r]
	sc.keys = grow(sc.keys, need)
	sc.addrs = grow(sc.addrs, need)
	keys, addrs := sc.keys, sc.addrs

	// Phase 1: every probe's key and the address of its offsets line, then
	// the bucket ranges, reading the lines a little after requesting them.
	np := 0
	for t := range ix.tables {
		tab := &ix.tables[t]
		sub := tab.br.get(code)
		base := uintptr(unsafe.Pointer(unsafe.SliceData(tab.off.blocks)))
		tag := uint64(t) << 32
		for _, m := range tab.masks[:plan[t]] {
			key := sub ^ m
			keys[np] = uint64(key) | tag
			addrs[np] = base + uintptr(key/blockBuckets)*blockBytes
			np++
		}
	}
	sc.ranges = grow(sc.ranges, np)
	ranges := sc.ranges
	nr := 0
	prefetch(addrs[:min(prefetchAhead, np)])
	for j := 0; j < np; j += prefetchAhead {
		end := min(j+prefetchAhead, np)
		prefetch(addrs[end:min(end+prefetchAhead, np)])
		for _, k := range keys[j:end] {
			t := uint32(k >> 32)
			s, e := ix.tables[t].off.bucket(uint32(k))
			ranges[nr] = span{s: s, e: e, t: t}
			if e > s {
				nr++
			}
		}
	}

	// Phase 2: candidate positions, reading each bucket's ids (or, for table
	// 0, its codes) after requesting them.
	codesBase := uintptr(unsafe.Pointer(unsafe.SliceData(ix.codes)))
	stride := uintptr(8 * w)
	for i, rg := range ranges[:nr] {
		if ids := &ix.tables[rg.t].ids; !ids.empty() {
			addrs[i] = ids.addr(rg.s)
		} else {
			addrs[i] = codesBase + stride*uintptr(rg.s)
		}
	}
	nt := len(ix.tables)
	sc.tEnd = grow(sc.tEnd, nt)
	tEnd := sc.tEnd
	clear(tEnd)
	cands := sc.cands[:0]
	prefetch(addrs[:min(prefetchAhead, nr)])
	for j := 0; j < nr; j += prefetchAhead {
		end := min(j+prefetchAhead, nr)
		prefetch(addrs[end:min(end+prefetchAhead, nr)])
		for _, rg := range ranges[j:end] {
			if ids := &ix.tables[rg.t].ids; !ids.empty() {
				cands = ids.appendRange(cands, rg.s, rg.e)
			} else {
				for p := rg.s; p < rg.e; p++ {
					cands = append(cands, p)
				}
			}
			tEnd[rg.t] = len(cands)
		}
	}
	sc.cands = cands
	for t := 1; t < nt; t++ {
		tEnd[t] = max(tEnd[t], tEnd[t-1])
	}

	// Phase 3: verification, table by table. An entry within r is a
	// candidate in every table where it is within that table's radius;
	// it is reported by the first such table only, so hits need no
	// deduplication.
	nc := len(cands)
	sc.addrs = grow(sc.addrs, nc)
	addrs = sc.addrs
	for i, p := range cands {
		addrs[i] = codesBase + stride*uintptr(p)
	}
	hits := sc.hits
	sub := ix.radii[r]
	prefetch(addrs[:min(prefetchAhead, nc)])
	j := 0
	for t := 0; t < nt; t++ {
		first := len(hits)
		for j < tEnd[t] {
			end := min(j+prefetchAhead, tEnd[t])
			prefetch(addrs[end:min(end+prefetchAhead, nc)])
			switch w {
			case 4:
				hits = verify4(ix.codes, cands[j:end], code, qi, r, hits)
			case 1:
				hits = verify1(ix.codes, cands[j:end], code[0], qi, r, hits)
			default:
				for _, p := range cands[j:end] {
					if d := distWords(ix.codes[int(p)*w:int(p+1)*w], code); d <= r {
						hits = append(hits, hit{pos: p, dist: uint16(d), q: uint16(qi)})
					}
				}
			}
			j = end
		}
		if t == 0 || len(hits) == first {
			continue
		}
		kept := first
		for _, h := range hits[first:] {
			c := ix.codes[int(h.pos)*w : int(h.pos+1)*w]
			dup := false
			for u := 0; u < t && !dup; u++ {
				br := ix.tables[u].br
				dup = sub[u] >= 0 && bits.OnesCount32(br.get(c)^br.get(code)) <= sub[u]
			}
			if !dup {
				hits[kept] = h
				kept++
			}
		}
		hits = hits[:kept]
	}
	sc.hits = hits
}

// grow returns s with length n, reusing its storage when large enough.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/4)
	}
	return s[:n]
}

func verify4(codes []uint64, cands []uint32, q []uint64, qi, r int, hits []hit) []hit {
	q0, q1, q2, q3 := q[0], q[1], q[2], q[3]
	for _, p := range cands {
		c := codes[int(p)*4 : int(p)*4+4 : int(p)*4+4]
		d := bits.OnesCount64(c[0]^q0) + bits.OnesCount64(c[1]^q1) +
			bits.OnesCount64(c[2]^q2) + bits.OnesCount64(c[3]^q3)
		if d <= r {
			hits = append(hits, hit{pos: p, dist: uint16(d), q: uint16(qi)})
		}
	}
	return hits
}

func verify1(codes []uint64, cands []uint32, q uint64, qi, r int, hits []hit) []hit {
	for _, p := range cands {
		if d := bits.OnesCount64(codes[p] ^ q); d <= r {
			hits = append(hits, hit{pos: p, dist: uint16(d), q: uint16(qi)})
		}
	}
	return hits
}

// bytes returns the memory held by the index, codes excluded.
func (ix *mihIndex) bytes() int64 {
	var b int64
	for i := range ix.tables {
		b += ix.tables[i].off.bytes() + ix.tables[i].ids.bytes()
	}
	return b
}

// candidates counts the candidate positions a query of radius r verifies
// (for benchmarks and tests).
func (ix *mihIndex) candidates(code []uint64, r int) int {
	if ix.linear {
		return ix.n
	}
	r = min(r, ix.radius)
	n := 0
	for t := range ix.tables {
		tab := &ix.tables[t]
		sub := tab.br.get(code)
		for _, m := range tab.masks[:ix.plan[r][t]] {
			s, e := tab.off.bucket(sub ^ m)
			n += int(e - s)
		}
	}
	return n
}
