//go:build !purego

package hashmatch

// prefetch hints the processor to load the cache line at each address. It
// never faults and has no effect on results; the index uses it to overlap the
// cache misses of a query (see mih.go).
//
//go:noescape
func prefetch(addrs []uintptr)
