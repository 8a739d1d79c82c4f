package hashmatch

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// bruteMatches is the reference: every entry of every list within the
// matcher's threshold, sorted as Match sorts.
func bruteMatches(lists []*List, radius func(*List, Kind) int, qs []Hash) []Match {
	type keyed struct {
		m    Match
		hash string
		qi   int
	}
	var out []keyed
	for _, l := range lists {
		for _, e := range cachedEntries(l) {
			for qi, q := range qs {
				if q.Kind() != e.Hash.Kind() {
					continue
				}
				d := Distance(q, e.Hash)
				if d <= radius(l, q.Kind()) {
					out = append(out, keyed{Match{List: l.Name(), Entry: e.ID, Kind: q.Kind(), Distance: d, Codes: e.Codes, Query: q}, e.Hash.Hex(), qi})
				}
			}
		}
	}
	// Match's order: distance, list, kind, the entry's hash, the query.
	slices.SortFunc(out, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(a.m.Distance, b.m.Distance), cmp.Compare(a.m.List, b.m.List), cmp.Compare(a.m.Kind, b.m.Kind),
			cmp.Compare(a.hash, b.hash), cmp.Compare(a.qi, b.qi))
	})
	ms := make([]Match, len(out))
	for i, k := range out {
		ms[i] = k.m
	}
	return ms
}

var entryCache sync.Map // *List -> []Entry

func cachedEntries(l *List) []Entry {
	if es, ok := entryCache.Load(l); ok {
		return es.([]Entry)
	}
	es := entriesOf(l)
	entryCache.Store(l, es)
	return es
}

func sameMatches(t *testing.T, got, want []Match) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d matches, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.List != w.List || g.Entry != w.Entry || g.Kind != w.Kind || g.Distance != w.Distance || !slices.Equal(g.Codes, w.Codes) || g.Query != w.Query {
			t.Fatalf("match %d = %+v, want %+v", i, g, w)
		}
	}
}

// clusteredList makes a list of n hashes of kind k: uniform ones, a tenth
// near-duplicates of a few popular centres, and some near the given probes.
func clusteredList(t testing.TB, rng *rand.Rand, name string, k Kind, n int) *List {
	b := NewListBuilder(ListInfo{Name: name}, nil)
	var centres []Hash
	for range 1 + n/400 {
		centres = append(centres, randHash(rng, k))
	}
	maxFlip := 8 * k.Size() / 8
	for i := 0; i < n; i++ {
		h := randHash(rng, k)
		if rng.IntN(10) == 0 {
			c := centres[int(float64(len(centres))*rng.Float64()*rng.Float64())]
			h = flipHash(rng, c, rng.IntN(maxFlip))
		}
		codes := []string{"csam"}
		if i%4 == 0 {
			codes = []string{"A1"}
		}
		if err := b.Add(Entry{Hash: h, Codes: codes}); err != nil {
			t.Fatal(err)
		}
	}
	l, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestMatcherRecallAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	for _, tc := range []struct {
		kind  Kind
		n     int
		radii []int
	}{
		{KindPDQ, 12000, []int{0, 10, 24, 31, 40}},
		{KindPHash, 12000, []int{0, 6, 10, 14}},
	} {
		a := clusteredList(t, rng, "a", tc.kind, tc.n)
		b := clusteredList(t, rng, "b", tc.kind, tc.n/10)
		ea := cachedEntries(a)
		for _, r := range tc.radii {
			t.Run(fmt.Sprintf("%v/r%d", tc.kind, r), func(t *testing.T) {
				m := NewMatcher(&MatcherOptions{Thresholds: map[Kind]int{tc.kind: r}})
				if err := m.Replace(a, b); err != nil {
					t.Fatal(err)
				}
				for q := 0; q < 24; q++ {
					var h Hash
					switch q % 3 {
					case 0: // exactly at the threshold, and one past it
						h = flipHash(rng, ea[rng.IntN(len(ea))].Hash, r+q%2)
					case 1:
						h = flipHash(rng, ea[rng.IntN(len(ea))].Hash, rng.IntN(r+1))
					default:
						h = randHash(rng, tc.kind)
					}
					res, err := m.Match(Query{Hashes: []Hash{h}, PDQQuality: QualityUnknown})
					if err != nil {
						t.Fatal(err)
					}
					want := bruteMatches([]*List{a, b}, func(*List, Kind) int { return r }, []Hash{h})
					sameMatches(t, res.Matches, want)
					if q%3 == 0 && q%2 == 0 && len(want) == 0 {
						t.Fatal("a hash at exactly the threshold did not match")
					}
				}
			})
		}
	}
}

func TestMatcherExactKindsAndThresholds(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	sha := randHash(rng, KindSHA256)
	md := randHash(rng, KindMD5)
	pdq := randHash(rng, KindPDQ)
	ph := randHash(rng, KindPHash)
	b := NewListBuilder(ListInfo{Name: "mixed"}, nil)
	for i, h := range []Hash{sha, md, pdq, ph} {
		if err := b.Add(Entry{Hash: h, ID: fmt.Sprint("e", i), Codes: []string{"csam"}}); err != nil {
			t.Fatal(err)
		}
	}
	b.SetThreshold(KindPHash, 4) // the list's own threshold wins
	l, _ := b.Build()
	m := NewMatcher(&MatcherOptions{Thresholds: map[Kind]int{KindPDQ: 20, KindPHash: 12}})
	if err := m.Replace(l); err != nil {
		t.Fatal(err)
	}
	check := func(q Hash, want ...string) {
		t.Helper()
		ms, err := m.MatchHashes(q)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range ms {
			got = append(got, x.Entry)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%v: matched %v, want %v", q.Kind(), got, want)
		}
	}
	check(sha, "e0")
	check(md, "e1")
	check(randHash(rng, KindSHA256))
	check(flipHash(rng, sha, 1)) // exact kinds never match near
	check(flipHash(rng, pdq, 20), "e2")
	check(flipHash(rng, pdq, 21))
	check(flipHash(rng, ph, 4), "e3")
	check(flipHash(rng, ph, 5))
	// A hash of a kind no list holds matches nothing.
	check(randHash(rng, KindAHash))
	if _, err := m.MatchHashes(Hash{}); !errors.Is(err, ErrBadHash) {
		t.Errorf("zero hash: %v", err)
	}
	// Restricting to other lists.
	if r, _ := m.Match(Query{Hashes: []Hash{sha}, Lists: []string{"other"}}); len(r.Matches) != 0 {
		t.Error("Lists filter ignored")
	}
}

func TestMatcherDihedralAndQuality(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	l := clusteredList(t, rng, "d", KindPDQ, 5000)
	m := NewMatcher(nil)
	if err := m.Replace(l); err != nil {
		t.Fatal(err)
	}
	ea := entriesOf(l)
	target := ea[123].Hash
	variants := make([]Hash, 8)
	for i := range variants {
		variants[i] = randHash(rng, KindPDQ)
	}
	variants[5] = flipHash(rng, target, 7)
	variants[2] = flipHash(rng, target, 12)
	res, err := m.Match(Query{PDQDihedral: variants, PDQQuality: 80})
	if err != nil {
		t.Fatal(err)
	}
	want := bruteMatches([]*List{l}, func(*List, Kind) int { return 31 }, variants)
	// One match per entry: the closest variant.
	seen := map[string]bool{}
	var dedup []Match
	for _, w := range want {
		if !seen[w.Entry] {
			seen[w.Entry] = true
			dedup = append(dedup, w)
		}
	}
	if len(res.Matches) != len(dedup) || res.LowQuality {
		t.Fatalf("%d matches (low %v), want %d", len(res.Matches), res.LowQuality, len(dedup))
	}
	var found bool
	for _, mt := range res.Matches {
		if mt.Entry == ea[123].ID {
			found = true
			if mt.Variant != 5 || mt.Distance != 7 || mt.Query != variants[5] {
				t.Errorf("dihedral match %+v", mt)
			}
		}
	}
	if !found {
		t.Fatal("dihedral variant did not match")
	}
	// Quality: low flagged, unknown and high not.
	for q, low := range map[int]bool{10: true, 49: true, 50: false, QualityUnknown: false} {
		r, _ := m.Match(Query{Hashes: []Hash{target}, PDQQuality: q})
		if r.LowQuality != low || len(r.Matches) == 0 {
			t.Errorf("quality %d: low %v matches %d", q, r.LowQuality, len(r.Matches))
		}
	}
	if r, _ := NewMatcher(&MatcherOptions{MinPDQQuality: -1}).Match(Query{Hashes: []Hash{target}}); r.LowQuality {
		t.Error("MinPDQQuality -1 still flags")
	}
	if _, err := m.Match(Query{PDQDihedral: []Hash{randHash(rng, KindMD5)}}); !errors.Is(err, ErrBadHash) {
		t.Errorf("non-PDQ variant: %v", err)
	}
	if _, err := m.Match(Query{PDQDihedral: make([]Hash, 9)}); !errors.Is(err, ErrBadHash) {
		t.Errorf("9 variants: %v", err)
	}
}

func TestMatcherMaxMatchesAndOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 14))
	centre := randHash(rng, KindPDQ)
	b := NewListBuilder(ListInfo{Name: "cluster"}, nil)
	for i := 0; i < 300; i++ {
		b.Add(Entry{Hash: flipHash(rng, centre, rng.IntN(20))})
	}
	l, _ := b.Build()
	m := NewMatcher(&MatcherOptions{MaxMatches: 50})
	m.Replace(l)
	r1, _ := m.Match(Query{Hashes: []Hash{centre}})
	r2, _ := m.Match(Query{Hashes: []Hash{centre}})
	if len(r1.Matches) != 50 || !r1.Truncated {
		t.Fatalf("%d matches truncated %v", len(r1.Matches), r1.Truncated)
	}
	all := bruteMatches([]*List{l}, func(*List, Kind) int { return 31 }, []Hash{centre})
	sameMatches(t, r1.Matches, all[:50])
	sameMatches(t, r2.Matches, r1.Matches)
}

func TestMatcherTrustAndNames(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 15))
	pub, priv, _ := ed25519.GenerateKey(rngReader{rng})
	l := testList(t, 1, 50)
	m := NewMatcher(&MatcherOptions{TrustedKeys: []ed25519.PublicKey{pub}})
	if err := m.Replace(l); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("unverified list: %v", err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "signed.mnr")
	if err := WriteListFile(path, l, &WriteOptions{SigningKey: priv}); err != nil {
		t.Fatal(err)
	}
	if err := m.Reload(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	if st := m.Stats(); st.Lists != 1 || st.Entries != l.Len() || st.Version != 1 {
		t.Errorf("stats %+v", st)
	}
	unsigned := filepath.Join(dir, "unsigned.mnr")
	WriteListFile(unsigned, l, nil)
	if err := m.Reload(context.Background(), unsigned); !errors.Is(err, ErrUntrusted) {
		t.Errorf("unsigned reload: %v", err)
	}
	if st := m.Stats(); st.Lists != 1 || st.Version != 1 {
		t.Errorf("failed reload changed the snapshot: %+v", st)
	}
	plain := NewMatcher(nil)
	if err := plain.Replace(l, l); !errors.Is(err, ErrDuplicateList) {
		t.Errorf("duplicate names: %v", err)
	}
	if err := plain.Replace(nil); !errors.Is(err, ErrBadList) {
		t.Errorf("nil list: %v", err)
	}
}

func TestMatcherHooksAndReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 16))
	a := clusteredList(t, rng, "a", KindPDQ, 2000)
	b := clusteredList(t, rng, "b", KindPHash, 2000)
	var loaded []ListLoaded
	var matched atomic.Int32
	m := NewMatcher(&MatcherOptions{Hooks: Hooks{
		OnListLoaded: func(ev ListLoaded) { loaded = append(loaded, ev) },
		OnMatch: func(q Query, r MatchResult) {
			if len(r.Matches) == 0 {
				t.Error("OnMatch without matches")
			}
			matched.Add(1)
		},
	}})
	m.Replace(a)
	m.Replace(a, b)
	if len(loaded) != 3 || loaded[0].Reused || !loaded[1].Reused || loaded[2].Reused || loaded[2].Name != "b" || loaded[0].IndexBytes <= 0 {
		t.Fatalf("loaded events %+v", loaded)
	}
	m.MatchHashes(entriesOf(a)[0].Hash)
	m.MatchHashes(randHash(rng, KindPDQ))
	if matched.Load() != 1 {
		t.Errorf("OnMatch called %d times", matched.Load())
	}
	if got := m.Lists(); len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("Lists %v", got)
	}
}

// Queries running while Replace swaps lists see either the old or the new
// snapshot, never a mix: list "x" holds the hash in version 1 under ID
// "v1" and in version 2 under "v2", and list "y" only in version 2.
func TestMatcherConcurrentReplace(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 17))
	h := randHash(rng, KindPDQ)
	mk := func(name, id string, extra int) *List {
		b := NewListBuilder(ListInfo{Name: name}, nil)
		b.Add(Entry{Hash: h, ID: id})
		for range extra {
			b.Add(Entry{Hash: randHash(rng, KindPDQ)})
		}
		l, _ := b.Build()
		return l
	}
	x1, x2, y2 := mk("x", "v1", 3000), mk("x", "v2", 3000), mk("y", "v2", 10)
	m := NewMatcher(nil)
	m.Replace(x1)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				ms, err := m.MatchHashes(h)
				if err != nil {
					t.Error(err)
					return
				}
				ok := (len(ms) == 1 && ms[0].Entry == "v1") ||
					(len(ms) == 2 && ms[0].Entry == "v2" && ms[1].Entry == "v2")
				if !ok {
					t.Errorf("mixed snapshot: %+v", ms)
					return
				}
			}
		})
	}
	for i := 0; i < 20; i++ {
		if i%2 == 0 {
			m.Replace(x2, y2)
		} else {
			m.Replace(x1)
		}
	}
	close(stop)
	wg.Wait()
}

func TestMatcherNoAllocsWithoutMatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 18))
	m := NewMatcher(nil)
	m.Replace(clusteredList(t, rng, "a", KindPDQ, 20000), testList(t, 3, 300))
	q := Query{Hashes: []Hash{randHash(rng, KindPDQ), randHash(rng, KindSHA256), randHash(rng, KindPHash)}, PDQQuality: 90}
	m.Match(q)
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	if n := testing.AllocsPerRun(50, func() { m.Match(q) }); n != 0 {
		t.Errorf("%v allocations per query without a match", n)
	}
}

func TestMatchBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 19))
	l := testList(t, 4, 400)
	m := NewMatcher(nil)
	m.Replace(l, clusteredList(t, rng, "c", KindPDQ, 3000))
	es := entriesOf(l)
	var qs []Query
	for i := 0; i < 100; i++ {
		var hs []Hash
		if i%2 == 0 {
			hs = append(hs, es[rng.IntN(len(es))].Hash)
		}
		hs = append(hs, randHash(rng, KindSHA1), flipHash(rng, es[i].Hash, 0))
		qs = append(qs, Query{Hashes: hs, PDQQuality: 10 * (i % 10)})
	}
	got, err := m.MatchBatch(qs)
	if err != nil || len(got) != len(qs) {
		t.Fatal(err)
	}
	for i, q := range qs {
		want, _ := m.Match(q)
		if got[i].LowQuality != want.LowQuality || got[i].Truncated != want.Truncated {
			t.Fatalf("query %d flags differ", i)
		}
		sameMatches(t, got[i].Matches, want.Matches)
		if len(want.Matches) == 0 {
			t.Fatalf("query %d matched nothing", i)
		}
	}
	qs[7].Hashes = append(qs[7].Hashes, Hash{})
	if _, err := m.MatchBatch(qs); !errors.Is(err, ErrBadHash) || !strings.Contains(err.Error(), "query 7") {
		t.Errorf("bad query in a batch: %v", err)
	}
}

func TestNewQuery(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 20))
	p, s := randHash(rng, KindPDQ), randHash(rng, KindSHA256)
	q := NewQuery(&Result{Hashes: []Hash{p, s}, PDQQuality: 42, PDQDihedral: []Hash{p}})
	if q.PDQQuality != 42 || len(q.Hashes) != 2 || len(q.PDQDihedral) != 1 {
		t.Errorf("NewQuery %+v", q)
	}
	if q := NewQuery(&Result{Hashes: []Hash{s}}); q.PDQQuality != QualityUnknown {
		t.Errorf("no PDQ: quality %d", q.PDQQuality)
	}
}
