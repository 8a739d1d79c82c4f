//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package evidence

import "os"

// On systems without flock(2) the directory is not locked: run one vault per
// directory.
func lockFile(*os.File) error   { return nil }
func unlockFile(*os.File) error { return nil }
