package evidence

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"sync"
)

const (
	dirPerm  = 0o700
	filePerm = 0o600
	tmpDir   = ".tmp"
	lockName = "LOCK"
)

// DirBackend is the default [Backend]: one object per file under a directory.
//
// Layout: "<dir>/<namespace>/<first 2 hex digits>/<64 hex digits>", plus a LOCK
// file and a ".tmp" directory for writes in progress. Directories are created
// 0700 and files 0600. Every write goes to a temporary file that is fsynced, then
// renamed (Put) or hard-linked (Create) into place, and the parent directory is
// fsynced, so a crash leaves either the old object or the new one. All file
// access goes through an [os.Root], and keys are validated hex ([ValidKey]), so
// no key can reach outside the directory, whatever symlinks it holds.
//
// NewDirBackend takes an exclusive lock on the directory (flock(2) on Linux, the
// BSDs and macOS; no lock on other systems) so two vaults never write it at once,
// and removes leftovers of interrupted writes. It implements [Creator] and is
// safe for concurrent use.
type DirBackend struct {
	dir  string
	root *os.Root
	lock *os.File

	mu     sync.RWMutex // held shared by operations, exclusively by Close
	closed bool
	made   sync.Map // fan-out directories known to exist
}

// NewDirBackend opens (creating if needed, mode 0700) the directory dir as a
// backend. It fails with [ErrLocked] if another backend holds it.
func NewDirBackend(dir string) (*DirBackend, error) {
	if dir == "" {
		return nil, invalidf("empty directory name")
	}
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	b := &DirBackend{dir: dir, root: root}
	if err := b.init(); err != nil {
		if b.lock != nil {
			_ = b.lock.Close()
		}
		_ = root.Close()
		return nil, err
	}
	return b, nil
}

func (b *DirBackend) init() error {
	f, err := b.root.OpenFile(lockName, os.O_RDWR|os.O_CREATE, filePerm)
	if err != nil {
		return fmt.Errorf("evidence: lock file: %w", err)
	}
	b.lock = f
	if err := lockFile(f); err != nil {
		return err
	}
	if err := b.root.Mkdir(tmpDir, dirPerm); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("evidence: %w", err)
	}
	// No other writer can be active now: whatever is in .tmp is an interrupted
	// write that was never acknowledged. It is ciphertext, but evidence must not
	// linger where destruction cannot reach it.
	d, err := b.root.Open(tmpDir)
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	names, err := d.Readdirnames(-1)
	_ = d.Close()
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	for _, n := range names {
		if err := b.root.Remove(filepath.Join(tmpDir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("evidence: removing stale temporary file: %w", err)
		}
	}
	return syncDir(b.root, ".")
}

// Dir returns the directory the backend was opened on.
func (b *DirBackend) Dir() string { return b.dir }

// resolve checks ctx, the key and whether the backend is open, and returns the
// key's relative path and directory. The caller holds b.mu shared.
func (b *DirBackend) resolve(ctx context.Context, key string) (path, dir string, err error) {
	if err := ctx.Err(); err != nil {
		return "", "", err
	}
	if b.closed {
		return "", "", ErrClosed
	}
	if !ValidKey(key) {
		return "", "", fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	ns, name := key[:len(key)-65], key[len(key)-64:]
	dir = filepath.Join(ns, name[:2])
	return filepath.Join(dir, name), dir, nil
}

// Put implements [Backend].
func (b *DirBackend) Put(ctx context.Context, key string, data []byte) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	path, dir, err := b.resolve(ctx, key)
	if err != nil {
		return err
	}
	tmp, err := b.prepare(dir, data)
	if err != nil {
		return err
	}
	if err := b.root.Rename(tmp, path); err != nil {
		_ = b.root.Remove(tmp)
		return fmt.Errorf("evidence: %w", err)
	}
	return syncDir(b.root, dir)
}

// Create implements [Creator]: the temporary file is hard-linked into place,
// which fails if the name exists.
func (b *DirBackend) Create(ctx context.Context, key string, data []byte) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	path, dir, err := b.resolve(ctx, key)
	if err != nil {
		return err
	}
	tmp, err := b.prepare(dir, data)
	if err != nil {
		return err
	}
	err = b.root.Link(tmp, path)
	_ = b.root.Remove(tmp)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %s", ErrExist, key)
	}
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	return syncDir(b.root, dir)
}

// prepare makes sure dir exists and writes data to a fsynced temporary file,
// returning its name.
func (b *DirBackend) prepare(dir string, data []byte) (string, error) {
	if err := b.mkdirs(dir); err != nil {
		return "", err
	}
	var rnd [16]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(tmpDir, hex.EncodeToString(rnd[:]))
	f, err := b.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return "", fmt.Errorf("evidence: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = b.root.Remove(tmp)
		return "", fmt.Errorf("evidence: %w", err)
	}
	return tmp, nil
}

// mkdirs creates "<ns>/<xx>" and fsyncs the parent of each directory it creates.
func (b *DirBackend) mkdirs(dir string) error {
	if _, ok := b.made.Load(dir); ok {
		return nil
	}
	ns := filepath.Dir(dir)
	for _, d := range []struct{ name, parent string }{{ns, "."}, {dir, ns}} {
		err := b.root.Mkdir(d.name, dirPerm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("evidence: %w", err)
		}
		if err := syncDir(b.root, d.parent); err != nil {
			return err
		}
	}
	b.made.Store(dir, struct{}{})
	return nil
}

// Get implements [Backend]. It refuses anything but a regular file.
func (b *DirBackend) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	path, _, err := b.resolve(ctx, key)
	if err != nil {
		return nil, err
	}
	f, err := b.root.OpenFile(path, os.O_RDONLY|openNoFollow, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotExist, key)
	}
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", key)
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("evidence: %w", err)
	}
	return f, nil
}

// Delete implements [Backend].
func (b *DirBackend) Delete(ctx context.Context, key string) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	path, dir, err := b.resolve(ctx, key)
	if err != nil {
		return err
	}
	err = b.root.Remove(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	return syncDir(b.root, dir)
}

// List implements [Backend]. Files that are not well-formed object names are
// skipped.
func (b *DirBackend) List(ctx context.Context, namespace string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		if !validNamespace(namespace) {
			yield("", fmt.Errorf("%w: namespace %q", ErrInvalidKey, namespace))
			return
		}
		fans, err := b.readDir(namespace)
		if err != nil {
			yield("", err)
			return
		}
		for _, fan := range fans {
			if len(fan) != 2 {
				continue
			}
			names, err := b.readDir(filepath.Join(namespace, fan))
			if err != nil {
				yield("", err)
				return
			}
			for _, n := range names {
				if !validName(n) || n[:2] != fan {
					continue
				}
				if err := ctx.Err(); err != nil {
					yield("", err)
					return
				}
				if !yield(namespace+"/"+n, nil) {
					return
				}
			}
		}
	}
}

// readDir lists the names in a directory; a missing directory is empty.
func (b *DirBackend) readDir(name string) ([]string, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return nil, ErrClosed
	}
	d, err := b.root.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	return names, nil
}

// Close releases the directory lock. Calling it again does nothing.
func (b *DirBackend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	err := unlockFile(b.lock)
	if cerr := b.lock.Close(); err == nil {
		err = cerr
	}
	if cerr := b.root.Close(); err == nil {
		err = cerr
	}
	return err
}
