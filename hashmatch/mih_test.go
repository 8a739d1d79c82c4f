package hashmatch

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
)

// genCodes returns n random codes of words words each, sorted and distinct,
// flattened. When clustered, a tenth of the codes are near-duplicates (0-20
// flipped bits) of a few hundred centres, and some centres are popular (they
// get hundreds of members), which makes hot buckets.
func genCodes(rng *rand.Rand, n, words int, clustered bool) []uint64 {
	codes := make([][]uint64, 0, n)
	rnd := func() []uint64 {
		c := make([]uint64, words)
		for i := range c {
			c[i] = rng.Uint64()
		}
		return c
	}
	var centres [][]uint64
	if clustered {
		for range 1 + n/500 {
			centres = append(centres, rnd())
		}
	}
	for len(codes) < n {
		if clustered && rng.IntN(10) == 0 {
			// Zipf-like: low-index centres are far more popular.
			ci := int(float64(len(centres)) * rng.Float64() * rng.Float64() * rng.Float64())
			c := slices.Clone(centres[ci])
			flipBits(rng, c, rng.IntN(21))
			codes = append(codes, c)
			continue
		}
		codes = append(codes, rnd())
	}
	return sortCodes(codes, words)
}

func sortCodes(codes [][]uint64, words int) []uint64 {
	slices.SortFunc(codes, func(a, b []uint64) int { return slices.Compare(a, b) })
	codes = slices.CompactFunc(codes, func(a, b []uint64) bool { return slices.Equal(a, b) })
	flat := make([]uint64, 0, len(codes)*words)
	for _, c := range codes {
		flat = append(flat, c...)
	}
	return flat
}

// flipBits flips k distinct random bits of c.
func flipBits(rng *rand.Rand, c []uint64, k int) {
	nb := 64 * len(c)
	for _, b := range rng.Perm(nb)[:k] {
		c[b/64] ^= 1 << (63 - b%64)
	}
}

func bruteForce(codes []uint64, words int, qs []uint64, nq, r int) []hit {
	var hits []hit
	n := len(codes) / words
	for q := 0; q < nq; q++ {
		for i := 0; i < n; i++ {
			if d := distWords(codes[i*words:(i+1)*words], qs[q*words:(q+1)*words]); d <= r {
				hits = append(hits, hit{pos: uint32(i), dist: uint16(d), q: uint16(q)})
			}
		}
	}
	return mergeHits(hits, nil)
}

// queriesNear returns nq queries: half are an entry with exactly k bits
// flipped for k cycling through 0..maxFlip (so some sit exactly at the radius
// and some just past it), half are random.
func queriesNear(rng *rand.Rand, codes []uint64, words, nq, maxFlip int) []uint64 {
	n := len(codes) / words
	qs := make([]uint64, 0, nq*words)
	for i := 0; i < nq; i++ {
		c := make([]uint64, words)
		if i%2 == 0 {
			copy(c, codes[rng.IntN(n)*words:])
			flipBits(rng, c, (i/2)%(maxFlip+1))
		} else {
			for j := range c {
				c[j] = rng.Uint64()
			}
		}
		qs = append(qs, c...)
	}
	return qs
}

func TestMIHMatchesBruteForce(t *testing.T) {
	type tc struct {
		words, n, radius int
		clustered        bool
	}
	var cases []tc
	for _, clustered := range []bool{false, true} {
		cases = append(cases, tc{4, 6000, 31, clustered}, tc{4, 6000, 40, clustered}, tc{1, 6000, 10, clustered},
			tc{1, 6000, 14, clustered}, tc{2, 3000, 6, clustered}, tc{4, 300, 31, clustered})
	}
	cases = append(cases, tc{4, 40000, 31, true}, tc{1, 40000, 10, true})
	for i, c := range cases {
		name := fmt.Sprintf("w%d/n%d/r%d/clustered=%v", c.words, c.n, c.radius, c.clustered)
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			codes := genCodes(rng, c.n, c.words, c.clustered)
			n := len(codes) / c.words
			const nq = 40
			qs := queriesNear(rng, codes, c.words, nq, c.radius+2)
			// The reference, once per query at the largest radius.
			want := make([][]hit, nq)
			for q := range nq {
				want[q] = bruteForce(codes, c.words, qs[q*c.words:(q+1)*c.words], 1, c.radius)
			}
			plans := []mihPlan{planMIH(64*c.words, n, c.radius)}
			if c.n <= 6000 {
				plans = append(plans, mihPlan{linear: true})
				// A forced narrow layout whose blocks overflow.
				if p, ok := forcedPlan(64*c.words, c.radius, min(c.radius+1, 4*c.words)); ok {
					plans = append(plans, p)
				}
			}
			for _, p := range plans {
				ix, err := buildMIHPlan(codes, c.words, n, c.radius, 2, p)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range []int{0, c.radius / 3, c.radius - 1, c.radius} {
					for q := range nq {
						got := ix.search(qs[q*c.words:(q+1)*c.words], 1, r, nil)
						var w []hit
						for _, h := range want[q] {
							if int(h.dist) <= r {
								w = append(w, h)
							}
						}
						if !slices.Equal(got, w) {
							t.Fatalf("layout %v radius %d query %d: got %d hits, want %d", p.tables, r, q, len(got), len(w))
						}
					}
				}
				// Batches of 8 (dihedral-style) merge per entry.
				got := ix.search(qs[:8*c.words], 8, c.radius, nil)
				w := bruteForce(codes, c.words, qs[:8*c.words], 8, c.radius)
				if !slices.Equal(got, w) {
					t.Fatalf("layout %v batch: got %v, want %v", p.tables, got, w)
				}
			}
		})
	}
}

// forcedPlan builds an m-table layout regardless of cost.
func forcedPlan(codeBits, radius, m int) (mihPlan, bool) {
	if m > radius+1 || m > codeBits || codeBits/m > 24 {
		return mihPlan{}, false
	}
	base, extra := codeBits/m, codeBits%m
	q, rem := (radius+1)/m, (radius+1)%m
	var p mihPlan
	lo := 0
	for t := 0; t < m; t++ {
		b := base
		if t < extra {
			b++
		}
		s := q - 1
		if t < rem {
			s = q
		}
		if maskCount(b, s) > maxTableProbes {
			return mihPlan{}, false
		}
		p.tables = append(p.tables, mihSpec{lo: lo, bits: b, s: s})
		lo += b
	}
	return p, true
}

func TestBucketOffsetsOverflow(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	counts := make([]uint32, 1000)
	for i := range counts {
		switch {
		case i >= 120 && i < 180:
			counts[i] = uint32(rng.IntN(40)) // block 2 overflows
		case i == 500:
			counts[i] = 70000
		default:
			counts[i] = uint32(rng.IntN(3))
		}
	}
	o := newBucketOffsets(10, counts, nil)
	if len(o.over) == 0 {
		t.Fatal("expected overflow blocks")
	}
	var pos uint32
	for k, c := range counts {
		s, e := o.bucket(uint32(k))
		if s != pos || e != pos+c {
			t.Fatalf("bucket %d = [%d,%d), want [%d,%d)", k, s, e, pos, pos+c)
		}
		pos += c
	}
}

func TestFlipMasks(t *testing.T) {
	for _, c := range []struct{ n, s int }{{8, 0}, {8, 3}, {23, 2}, {24, 2}, {22, 3}} {
		m := flipMasks(c.n, c.s)
		if len(m) != maskCount(c.n, c.s) {
			t.Fatalf("%v: %d masks, want %d", c, len(m), maskCount(c.n, c.s))
		}
		seen := map[uint32]bool{}
		prev := 0
		for _, x := range m {
			w := bits.OnesCount32(x)
			if w < prev || w > c.s || x>>c.n != 0 || seen[x] {
				t.Fatalf("%v: bad mask %b", c, x)
			}
			prev = w
			seen[x] = true
		}
	}
}

func TestPlanMIH(t *testing.T) {
	// The layouts the reference measurements favour.
	p := planMIH(256, 10_000_000, 31)
	if p.linear || len(p.tables) < 10 || len(p.tables) > 12 {
		t.Errorf("10M PDQ: %d tables (linear %v)", len(p.tables), p.linear)
	}
	budget := 0
	for _, s := range p.tables {
		budget += s.s + 1
	}
	if budget < 32 {
		t.Errorf("10M PDQ layout not exact: sum(s+1) = %d", budget)
	}
	if p := planMIH(256, 100, 31); !p.linear {
		t.Errorf("100 entries should scan, got %d tables", len(p.tables))
	}
	if p := planMIH(64, 10_000_000, 10); p.linear || len(p.tables) > 5 {
		t.Errorf("10M 64-bit: %d tables", len(p.tables))
	}
	// A small radius uses a few narrow tables, not all 256 bits, and no
	// table is much wider than log2(n).
	for _, c := range []struct{ n, r, maxTables int }{{10_000_000, 0, 1}, {1_000_000, 4, 5}, {5000, 31, 32}} {
		p := planMIH(256, c.n, c.r)
		if p.linear || len(p.tables) > c.maxTables {
			t.Errorf("n=%d r=%d: %d tables (linear %v)", c.n, c.r, len(p.tables), p.linear)
		}
		for _, sp := range p.tables {
			if sp.bits > bits.Len(uint(c.n))+2 {
				t.Errorf("n=%d r=%d: a %d-bit table", c.n, c.r, sp.bits)
			}
		}
		if p.tables[0].lo != 0 {
			t.Errorf("table 0 must cover the top bits")
		}
	}
}
