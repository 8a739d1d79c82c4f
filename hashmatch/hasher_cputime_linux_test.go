//go:build linux

package hashmatch

import (
	"syscall"
	"time"
)

// hasherProcessCPU returns the CPU time of the whole process (RUSAGE_SELF: every
// thread, garbage collection included), so that benchmarks run with -cpu 1
// can report CPU time per operation on a shared machine, where wall time
// includes waiting for a core.
func hasherProcessCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
