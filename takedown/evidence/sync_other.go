//go:build !unix

package evidence

import "os"

const openNoFollow = 0

// syncDir does nothing where directories cannot be fsynced (Windows); renames
// there are durable once the file itself is synced.
func syncDir(*os.Root, string) error { return nil }
