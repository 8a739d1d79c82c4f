package hashmatch

import (
	"encoding/binary"

	"github.com/bits-and-blooms/bloom/v3"
)

// screenFilter is a bloom filter (bits-and-blooms/bloom/v3) over hash values.
// The key of a hash is its kind byte followed by its bytes, so one filter can
// hold several kinds. The bit array is allocated by mnr (huge pages where
// available) and handed to the library with FromWithM.
type screenFilter struct {
	f *bloom.BloomFilter
}

func newScreenFilter(n int, fp float64) *screenFilter {
	m, k := bloom.EstimateParameters(uint(max(n, 1)), fp)
	words := makeUint64(int((m + 63) / 64))
	return &screenFilter{f: bloom.FromWithM(words, m, k)}
}

// key writes the filter key of (kind, code) into buf and returns it.
func screenKey(buf *[33]byte, kind Kind, code []uint64) []byte {
	buf[0] = byte(kind)
	for i, w := range code {
		binary.BigEndian.PutUint64(buf[1+8*i:], w)
	}
	return buf[:1+kind.Size()]
}

func (s *screenFilter) addWords(kind Kind, code []uint64) {
	var buf [33]byte
	s.f.Add(screenKey(&buf, kind, code))
}

func (s *screenFilter) testWords(kind Kind, code []uint64) bool {
	var buf [33]byte
	return s.f.Test(screenKey(&buf, kind, code))
}

func (s *screenFilter) bytes() int64 { return int64(s.f.Cap()+7) / 8 }
