//go:build !linux

package hashmatch

import "time"

func hasherProcessCPU() (time.Duration, bool) { return 0, false }
