//go:build !linux

package hashmatch

import "time"

func threadCPU() time.Duration { return 0 }

func procStatus(string) string { return "?" }
