package hashmatch

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mnr-sdk/mnr/terminology"
)

func randHash(rng *rand.Rand, k Kind) Hash {
	b := make([]byte, k.Size())
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	h, err := NewHash(k, b)
	if err != nil {
		panic(err)
	}
	return h
}

// flipHash returns h with n distinct bits flipped.
func flipHash(rng *rand.Rand, h Hash, n int) Hash {
	b := h.Bytes()
	for _, i := range rng.Perm(8 * len(b))[:n] {
		b[i/8] ^= 1 << (i % 8)
	}
	out, _ := NewHash(h.Kind(), b)
	return out
}

func entriesOf(l *List) []Entry {
	var es []Entry
	for e := range l.All() {
		es = append(es, e)
	}
	return es
}

func TestListBuilderMergesAndSorts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	b := NewListBuilder(ListInfo{Name: "t", Source: "test", Version: "1"}, nil)
	a := randHash(rng, KindPDQ)
	c := randHash(rng, KindPDQ)
	m := randHash(rng, KindMD5)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(b.Add(Entry{Hash: c, ID: "c-1", Codes: []string{"A1"}}))
	must(b.Add(Entry{Hash: a, ID: "7", Codes: []string{"CSAM"}}))
	must(b.Add(Entry{Hash: c, ID: "c-2", Codes: []string{"csam", "industry:A1"}})) // duplicate of c
	must(b.Add(Entry{Hash: m}))                                                    // ID from position: 4
	l, err := b.Build()
	must(err)
	if l.Len() != 3 || l.Count(KindPDQ) != 2 || l.Count(KindMD5) != 1 {
		t.Fatalf("Len %d, pdq %d, md5 %d", l.Len(), l.Count(KindPDQ), l.Count(KindMD5))
	}
	if st := l.LoadStats(); st.Duplicates != 1 {
		t.Errorf("duplicates = %d, want 1", st.Duplicates)
	}
	es := entriesOf(l)
	// PDQ entries come sorted by hash, then MD5.
	if es[0].Hash.Hex() > es[1].Hash.Hex() || es[2].Hash.Kind() != KindMD5 {
		t.Fatalf("order: %v %v %v", es[0].Hash.Kind(), es[1].Hash.Kind(), es[2].Hash.Kind())
	}
	byID := map[string]Entry{}
	for _, e := range es {
		byID[e.ID] = e
	}
	if e := byID["c-1"]; e.Hash != c || !slices.Equal(e.Codes, []string{"csam", "industry:A1"}) {
		t.Errorf("merged entry: %v %v", e.ID, e.Codes)
	}
	if _, ok := byID["c-2"]; ok {
		t.Error("the duplicate's ID was kept instead of the first")
	}
	if e := byID["7"]; e.Hash != a || !slices.Equal(e.Codes, []string{"csam"}) {
		t.Errorf("entry 7: %v", e.Codes)
	}
	if e := byID["4"]; e.Hash != m || len(e.Codes) != 0 {
		t.Errorf("entry 4: %+v", e.Codes)
	}
}

func TestListBuilderRejects(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	h := randHash(rng, KindSHA256)
	cases := []struct {
		name string
		add  Entry
		want error
	}{
		{"zero hash", Entry{}, ErrBadHash},
		{"unknown category", Entry{Hash: h, Codes: []string{"not-a-category"}}, terminology.ErrUnknownCategory},
		{"ambiguous label", Entry{Hash: h, Codes: []string{"1"}}, terminology.ErrAmbiguous},
		{"id with tab", Entry{Hash: h, ID: "a\tb"}, ErrBadList},
		{"long id", Entry{Hash: h, ID: strings.Repeat("x", MaxIDLen+1)}, ErrBadList},
		{"too many codes", Entry{Hash: h, Codes: slices.Repeat([]string{"csam"}, MaxCodesPerEntry+1)}, ErrCategory},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := NewListBuilder(ListInfo{Name: "x"}, nil)
			if err := b.Add(c.add); !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
	b := NewListBuilder(ListInfo{Name: "x"}, &BuilderOptions{MaxEntries: 2})
	for i := range 3 {
		err := b.Add(Entry{Hash: randHash(rng, KindMD5)})
		if (i < 2) != (err == nil) || (i == 2 && !errors.Is(err, ErrTooLarge)) {
			t.Fatalf("add %d: %v", i, err)
		}
	}
	if _, err := NewListBuilder(ListInfo{}, nil).Build(); !errors.Is(err, ErrBadList) {
		t.Errorf("nameless list: %v", err)
	}
	if _, err := NewListBuilder(ListInfo{Name: "a\nb"}, nil).Build(); !errors.Is(err, ErrBadList) {
		t.Errorf("name with newline: %v", err)
	}
	if err := NewListBuilder(ListInfo{Name: "x"}, nil).SetThreshold(KindPDQ, 65); !errors.Is(err, ErrBadList) {
		t.Errorf("threshold 65: %v", err)
	}
	if err := NewListBuilder(ListInfo{Name: "x"}, nil).SetThreshold(KindMD5, 1); !errors.Is(err, ErrBadList) {
		t.Errorf("md5 threshold: %v", err)
	}
}

func TestListIDs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	b := NewListBuilder(ListInfo{Name: "ids"}, nil)
	ids := []string{"1", "4294967295", "0", "007", "4294967296", "abc-é", ""}
	for _, id := range ids {
		if err := b.Add(Entry{Hash: randHash(rng, KindPHash), ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	l, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for e := range l.All() {
		got = append(got, e.ID)
	}
	want := slices.Clone(ids)
	want[len(want)-1] = "7" // empty ID: position
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("IDs %q, want %q", got, want)
	}
	if st := Inspect(l); st.Kinds[0].NumericIDs {
		t.Error("mixed IDs reported numeric")
	}
	for id, ok := range map[string]bool{"0": true, "12": true, "012": false, "": false, "4294967296": false, "1a": false} {
		if _, got := numericID([]byte(id)); got != ok {
			t.Errorf("numericID(%q) = %v", id, got)
		}
	}
}

func TestSortOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, words := range []int{1, 2, 3, 4} {
		n := 3000
		codes := make([]uint64, n*words)
		for i := range codes {
			codes[i] = rng.Uint64()
			if i%words == 0 && rng.IntN(4) == 0 {
				codes[i] = uint64(rng.IntN(3)) << 60 // many shared first words
			}
		}
		ord := sortOrder(codes, words, n)
		for i := 1; i < n; i++ {
			a := codes[int(ord[i-1])*words : int(ord[i-1]+1)*words]
			b := codes[int(ord[i])*words : int(ord[i]+1)*words]
			if c := slices.Compare(a, b); c > 0 || (c == 0 && ord[i-1] > ord[i]) {
				t.Fatalf("words %d: not sorted (stably) at %d", words, i)
			}
		}
	}
}

func TestInspectCountsWithoutHashes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	b := NewListBuilder(ListInfo{Name: "insp", Source: "src", Version: "v9", Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, nil)
	var hexes []string
	for i := range 50 {
		h := randHash(rng, []Kind{KindPDQ, KindSHA1}[i%2])
		hexes = append(hexes, h.Hex())
		codes := []string{"csam"}
		if i%5 == 0 {
			codes = append(codes, "A1")
		}
		if i%7 == 0 {
			codes = nil
		}
		if err := b.Add(Entry{Hash: h, Codes: codes}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.SetThreshold(KindPDQ, 20); err != nil {
		t.Fatal(err)
	}
	l, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	s := Inspect(l)
	if s.Entries != 50 || len(s.Kinds) != 2 || s.Kinds[0].Kind != KindPDQ || s.Kinds[0].Entries != 25 || s.Kinds[0].Threshold != 20 || s.Kinds[1].Threshold != -1 {
		t.Fatalf("stats: %+v", s)
	}
	// 50 entries: 8 without categories (i%7==0), csam on the other 42,
	// industry:A1 on i%5==0 minus those also i%7==0 (i=0, 35): 10-2.
	want := []CategoryCount{{"csam", 42}, {"industry:A1", 8}}
	if !slices.Equal(s.Categories, want) || s.Uncategorised != 8 {
		t.Errorf("categories %v uncategorised %d", s.Categories, s.Uncategorised)
	}
	dump := fmt.Sprintf("%+v %#v", s, s)
	for _, h := range hexes {
		if strings.Contains(dump, h[:16]) {
			t.Fatal("Inspect output contains a hash")
		}
	}
}
