//go:build unix

package evidence

import (
	"syscall"
	"time"
)

// processCPU returns the user+system CPU time the process has used, so that
// benchmarks on a shared machine can report cost independent of the wait for a
// core.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
