package hashmatch

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestScreen(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 21))
	b := NewListBuilder(ListInfo{Name: "s"}, nil)
	var listed []Hash
	for i := 0; i < 20000; i++ {
		h := randHash(rng, []Kind{KindSHA256, KindMD5, KindSHA1, KindPDQ}[i%4])
		listed = append(listed, h)
		b.Add(Entry{Hash: h})
	}
	l, _ := b.Build()
	s, err := NewScreen([]*List{l}, &ScreenOptions{FalsePositiveRate: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 15000 || !slices.Equal(s.Kinds(), []Kind{KindMD5, KindSHA1, KindSHA256}) {
		t.Fatalf("len %d kinds %v", s.Len(), s.Kinds())
	}
	var buf bytes.Buffer
	if _, err := s.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	r, err := ReadScreen(bytes.NewReader(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range []*Screen{s, r} {
		for _, h := range listed {
			// Exact kinds are screened; PDQ is not by default.
			if got, want := sc.MayContain(h), !h.Kind().Perceptual(); got != want {
				t.Fatalf("listed %v: MayContain = %v", h.Kind(), got)
			}
		}
		fp := 0
		const trials = 100000
		for i := 0; i < trials; i++ {
			if sc.MayContain(randHash(rng, KindSHA256)) {
				fp++
			}
		}
		if rate := float64(fp) / trials; rate > 3e-3 {
			t.Errorf("false-positive rate %g, sized for 1e-3", rate)
		}
	}
	// Perceptual kinds on request: exact duplicates only.
	ps, _ := NewScreen([]*List{l}, &ScreenOptions{Kinds: []Kind{KindPDQ}})
	near1, near2 := flipHash(rng, listed[3], 1), flipHash(rng, listed[3], 2) // listed[3] is PDQ
	if !ps.MayContain(listed[3]) || (ps.MayContain(near1) && ps.MayContain(near2)) {
		t.Error("PDQ screen")
	}
	if _, err := NewScreen(nil, &ScreenOptions{FalsePositiveRate: 0.7}); !errors.Is(err, ErrBadList) {
		t.Errorf("fp 0.7: %v", err)
	}
	// Corrupt, truncated and oversized input.
	for n := 0; n < len(data); n += 1 + n/20 {
		if _, err := ReadScreen(bytes.NewReader(data[:n]), nil); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated at %d: %v", n, err)
		}
	}
	if _, err := ReadScreen(bytes.NewReader(data), &ScreenReadOptions{MaxBytes: 100}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxBytes: %v", err)
	}
	bad := slices.Clone(data)
	bad[len(bad)-5] ^= 0x40
	if _, err := ReadScreen(bytes.NewReader(bad), nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("flipped byte: %v", err)
	}
	// A Matcher exports its lists' screen.
	m := NewMatcher(nil)
	m.Replace(l)
	ms, err := m.Screen(nil)
	if err != nil || !ms.MayContain(listed[0]) || ms.FalsePositiveRate() != DefaultScreenFP || ms.Bytes() <= 0 {
		t.Errorf("matcher screen: %v", err)
	}
}

func TestExactFilterInMatcher(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 22))
	b := NewListBuilder(ListInfo{Name: "x"}, nil)
	var hs []Hash
	for range 5000 {
		h := randHash(rng, KindSHA1)
		hs = append(hs, h)
		b.Add(Entry{Hash: h})
	}
	l, _ := b.Build()
	m := NewMatcher(&MatcherOptions{ExactFilterFP: 1e-4})
	m.Replace(l)
	for _, h := range hs {
		if ms, _ := m.MatchHashes(h); len(ms) != 1 {
			t.Fatal("listed hash missed behind the bloom filter")
		}
	}
	for range 5000 {
		if ms, _ := m.MatchHashes(randHash(rng, KindSHA1)); len(ms) != 0 {
			t.Fatal("false match")
		}
	}
}
