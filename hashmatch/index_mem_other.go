//go:build !linux

package hashmatch

import "unsafe"

func adviseHuge(unsafe.Pointer, uintptr) {}
