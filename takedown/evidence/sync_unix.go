//go:build unix

package evidence

import (
	"fmt"
	"os"
	"syscall"
)

// openNoFollow makes Get refuse a symlink where an object should be.
const openNoFollow = syscall.O_NOFOLLOW

// syncDir fsyncs a directory so that names created, renamed or removed in it
// survive a crash.
func syncDir(root *os.Root, name string) error {
	d, err := root.Open(name)
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("evidence: syncing directory: %w", err)
	}
	return nil
}
