package hashmatch

import (
	"syscall"
	"unsafe"
)

const (
	hugePage     = 2 << 20
	madvCollapse = 25 // MADV_COLLAPSE, Linux 6.1+
)

// adviseHuge asks the kernel to back the 2 MiB-aligned part of [p, p+n) with
// transparent huge pages: MADV_HUGEPAGE for pages not yet touched, and
// MADV_COLLAPSE (Linux 6.1+) for memory the Go heap reused and already zeroed.
// It is advice only: errors (older kernels, THP disabled) are ignored and the
// memory stays ordinary Go heap memory.
func adviseHuge(p unsafe.Pointer, n uintptr) {
	start := (uintptr(p) + hugePage - 1) &^ (hugePage - 1)
	end := (uintptr(p) + n) &^ (hugePage - 1)
	if end <= start {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Add(p, start-uintptr(p))), end-start)
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE)
	_ = syscall.Madvise(b, madvCollapse)
}
