package hashmatch

import (
	"math/bits"
	"slices"
	"unsafe"
)

// exactIndex answers equality queries over sorted, distinct codes: the top
// bits of a code select a bucket (bucketOffsets, about two buckets per entry,
// so most absent keys end at an empty bucket after one cache line), and the
// bucket's few codes are compared in place. An optional bloom filter (see
// screen.go) can sit in front of it.
type exactIndex struct {
	kind  Kind
	words int
	n     int
	codes []uint64
	br    bitRange
	off   bucketOffsets
	// fp holds 8 bits of each code after the bucket key: a key that lands
	// in a non-empty bucket is compared with the codes (a read of the large
	// codes array) only when a fingerprint matches.
	fp    []byte
	fpBr  bitRange
	bloom *screenFilter
}

// exactBits is the bucket key width for n entries: four to eight buckets an
// entry, so about seven in eight absent keys stop at an empty bucket.
func exactBits(n int) int {
	return min(max(bits.Len(uint(n))+2, 4), maxTableBits)
}

func buildExact(kind Kind, codes []uint64, words, n int) (*exactIndex, error) {
	if n > maxIndexEntries {
		return nil, errIndexTooLarge
	}
	b := exactBits(n)
	x := &exactIndex{kind: kind, words: words, n: n, codes: codes[:n*words], br: newBitRange(0, b)}
	counts := makeUint32(1 << b)
	for i := 0; i < n; i++ {
		counts[x.br.get(codes[i*words:])]++
	}
	x.off = newBucketOffsets(b, counts, nil)
	x.fpBr = newBitRange(b, 8)
	x.fp = makeBytes(n)
	for i := 0; i < n; i++ {
		x.fp[i] = byte(x.fpBr.get(codes[i*words:]))
	}
	return x, nil
}

// lookup returns the position of code, or -1.
func (x *exactIndex) lookup(code []uint64) int {
	if x.n == 0 {
		return -1
	}
	if x.bloom != nil && !x.bloom.testWords(x.kind, code) {
		return -1
	}
	s, e := x.off.bucket(x.br.get(code))
	if s == e {
		return -1
	}
	f := byte(x.fpBr.get(code))
	w := x.words
	for p := int(s); p < int(e); p++ {
		if x.fp[p] != f {
			continue
		}
		if c := x.codes[p*w : (p+1)*w]; slices.Equal(c, code) {
			return p
		}
	}
	return -1
}

func (x *exactIndex) bytes() int64 {
	b := x.off.bytes() + int64(len(x.fp))
	if x.bloom != nil {
		b += x.bloom.bytes()
	}
	return b
}

// lineAddr is the address of the offsets line a lookup of code reads first
// (for prefetching).
func (x *exactIndex) lineAddr(code []uint64) uintptr {
	key := x.br.get(code)
	return uintptr(unsafe.Pointer(unsafe.SliceData(x.off.blocks))) + uintptr(key/blockBuckets)*blockBytes
}
