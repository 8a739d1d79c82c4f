package hashmatch

import (
	"encoding/binary"
	"errors"
	"math"
)

// bucketOffsets maps a bucket key (0 .. 2^bits-1) to the half-open range
// [start, end) of the positions that hold the bucket's entries.
//
// A dense table of 2^bits+1 uint32 costs 4 bytes per bucket. Buckets hold about
// one entry each at the sizes mnr picks, so this layout stores 60 buckets per
// 64-byte cache line instead: a uint32 base (the start of the block's first
// bucket) and one byte per bucket giving the bucket's end relative to the base.
// That is 1.07 bytes per bucket, and a lookup touches one cache line. A block
// whose entries do not fit in a byte (more than 255, e.g. a hot cluster) sets
// the base's top bit; the low 31 bits then index 61 absolute boundaries in over.
type bucketOffsets struct {
	bits   uint8
	blocks []byte   // 64 bytes per block of blockBuckets buckets
	over   []uint32 // overflow blocks: blockBuckets+1 boundaries each
}

const (
	blockBuckets = 60
	blockBytes   = 64
	overflowFlag = 1 << 31
	// maxIndexEntries bounds the entries of one index: positions are uint32 and
	// the overflow flag takes the top bit of a block base.
	maxIndexEntries = overflowFlag - 1
)

var errIndexTooLarge = errors.New("hashmatch: too many entries for one index")

// blocksLen is the size of the blocks of 2^bits buckets.
func blocksLen(bits int) int {
	return (1<<bits + blockBuckets - 1) / blockBuckets * blockBytes
}

// newBucketOffsets builds the offsets from per-bucket counts (len 2^bits)
// into blocks (blocksLen(bits) bytes; allocated when nil).
func newBucketOffsets(bits int, counts []uint32, blocks []byte) bucketOffsets {
	nb := len(counts)
	nblocks := (nb + blockBuckets - 1) / blockBuckets
	if blocks == nil {
		blocks = makeBytes(nblocks * blockBytes)
	}
	o := bucketOffsets{bits: uint8(bits), blocks: blocks[:nblocks*blockBytes]}
	var total uint32
	for b := 0; b < nblocks; b++ {
		lo := b * blockBuckets
		hi := min(lo+blockBuckets, nb)
		var sum uint32
		for _, c := range counts[lo:hi] {
			sum += c
		}
		line := o.blocks[b*blockBytes : (b+1)*blockBytes]
		if sum <= 255 {
			binary.LittleEndian.PutUint32(line, total)
			var cum uint32
			for j, c := range counts[lo:hi] {
				cum += c
				line[4+j] = byte(cum)
			}
			// Buckets past the end of the key space (last block) stay empty:
			// their end equals the block's total.
			for j := hi - lo; j < blockBuckets; j++ {
				line[4+j] = byte(cum)
			}
		} else {
			idx := uint32(len(o.over) / (blockBuckets + 1))
			binary.LittleEndian.PutUint32(line, overflowFlag|idx)
			pos := total
			o.over = append(o.over, pos)
			for j := 0; j < blockBuckets; j++ {
				if lo+j < hi {
					pos += counts[lo+j]
				}
				o.over = append(o.over, pos)
			}
		}
		total += sum
	}
	return o
}

// bucket returns the position range of the bucket key.
func (o *bucketOffsets) bucket(key uint32) (start, end uint32) {
	blk := key / blockBuckets
	j := key - blk*blockBuckets
	line := o.blocks[blk*blockBytes : blk*blockBytes+blockBytes : blk*blockBytes+blockBytes]
	base := binary.LittleEndian.Uint32(line)
	if base&overflowFlag != 0 {
		i := (base&^overflowFlag)*(blockBuckets+1) + j
		return o.over[i], o.over[i+1]
	}
	var s uint32
	if j > 0 {
		s = uint32(line[3+j])
	}
	return base + s, base + uint32(line[4+j])
}

// bytes returns the memory held by the offsets.
func (o *bucketOffsets) bytes() int64 {
	return int64(len(o.blocks)) + 4*int64(len(o.over))
}

// offsetBytes estimates the size of bucketOffsets for 2^bits buckets.
func offsetBytes(bits int) float64 {
	return math.Ceil(math.Exp2(float64(bits))/blockBuckets) * blockBytes
}

// bitRange describes the substring [lo, lo+n) of a code stored as big-endian
// uint64 words; bit 0 is the most significant bit of word 0.
type bitRange struct {
	word  uint8
	off   uint8
	n     uint8
	cross bool
}

func newBitRange(lo, n int) bitRange {
	return bitRange{word: uint8(lo / 64), off: uint8(lo % 64), n: uint8(n), cross: lo%64+n > 64}
}

// get extracts the substring from code.
func (br bitRange) get(code []uint64) uint32 {
	x := code[br.word] << br.off
	if br.cross {
		x |= code[br.word+1] >> (64 - br.off)
	}
	return uint32(x >> (64 - br.n))
}

// flipMasks returns every mask of at most maxWeight set bits among the low n
// bits, ordered by weight: masks[:maskCount(n, s)] are those of weight <= s.
func flipMasks(n, maxWeight int) []uint32 {
	masks := make([]uint32, 0, maskCount(n, maxWeight))
	masks = append(masks, 0)
	var rec func(start, left int, m uint32)
	for w := 1; w <= maxWeight; w++ {
		rec = func(start, left int, m uint32) {
			if left == 0 {
				masks = append(masks, m)
				return
			}
			for i := start; i <= n-left; i++ {
				rec(i+1, left-1, m|1<<i)
			}
		}
		rec(0, w, 0)
	}
	return masks
}

// maskCount is the number of masks of weight <= s over n bits.
func maskCount(n, s int) int {
	total, c := 0, 1
	for k := 0; k <= s && k <= n; k++ {
		total += c
		c = c * (n - k) / (k + 1)
	}
	return total
}
