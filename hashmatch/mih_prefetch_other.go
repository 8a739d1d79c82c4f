//go:build !amd64 || purego

package hashmatch

// prefetch is a no-op where mnr has no assembly for it.
func prefetch(addrs []uintptr) {}
