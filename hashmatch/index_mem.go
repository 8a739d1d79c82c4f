package hashmatch

import "unsafe"

// hugePageMin is the size from which index arrays are advised to use huge
// pages (see adviseHuge): random probes into arrays of hundreds of megabytes
// otherwise spend much of their time on TLB misses.
const hugePageMin = 4 << 20

func makeBytes(n int) []byte {
	b := make([]byte, n)
	if n >= hugePageMin {
		adviseHuge(unsafe.Pointer(unsafe.SliceData(b)), uintptr(n))
	}
	return b
}

func makeUint32(n int) []uint32 {
	s := make([]uint32, n)
	if n*4 >= hugePageMin {
		adviseHuge(unsafe.Pointer(unsafe.SliceData(s)), uintptr(n)*4)
	}
	return s
}

func makeUint64(n int) []uint64 {
	s := make([]uint64, n)
	if n*8 >= hugePageMin {
		adviseHuge(unsafe.Pointer(unsafe.SliceData(s)), uintptr(n)*8)
	}
	return s
}
