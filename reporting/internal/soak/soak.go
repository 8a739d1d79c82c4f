// Package soak runs the reporting soak tests' worker processes: a test re-executes
// its own binary as a child that drives an outbox over a bbolt file, and the parent
// kills (SIGKILL) and restarts it while a fake agency serves in the parent.
package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/boltstore"
)

// EnvRole is set in a child process to the name of the test that spawned it.
const EnvRole = "MNR_SOAK_CHILD"

// IsChild reports whether this process is a soak child for the named test.
func IsChild(test string) bool { return os.Getenv(EnvRole) == test }

// Child is a running worker process.
type Child struct {
	cmd    *exec.Cmd
	out    *bytes.Buffer
	done   chan struct{}
	err    error
	killed atomic.Bool
}

// Start re-executes the test binary running only test, with env added (KEY=VALUE)
// and EnvRole set, so the test's child branch runs.
func Start(t *testing.T, test string, env ...string) *Child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1", "-test.v=false")
	cmd.Env = append(append(os.Environ(), EnvRole+"="+test), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("soak: start child: %v", err)
	}
	c := &Child{cmd: cmd, out: &out, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	})
	return c
}

// Kill sends SIGKILL and waits for the process to end.
func (c *Child) Kill() {
	c.killed.Store(true)
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}

// Done is closed when the process has ended.
func (c *Child) Done() <-chan struct{} { return c.done }

// Wait waits for the process to end and returns its error and output.
func (c *Child) Wait() (error, string) {
	<-c.done
	return c.err, c.out.String()
}

// OpenBolt opens the soak's bbolt file for a reporting/boltstore Store with
// NoSync. The soak kills processes, it does not cut power: a SIGKILLed process
// loses nothing the kernel's page cache holds, so fsync adds only time here (about
// 4x on this machine) and no coverage. It waits up to 30 s for the file lock a
// killed process held.
func OpenBolt(path string) (reporting.Store, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 30 * time.Second, NoSync: true})
	if err != nil {
		return nil, err
	}
	s, err := boltstore.New(db, nil)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &closingStore{Store: s, db: db}, nil
}

// closingStore closes the bbolt file with the store.
type closingStore struct {
	*boltstore.Store
	db *bbolt.DB
}

// Close closes the store and the file.
func (c *closingStore) Close() error {
	return errors.Join(c.Store.Close(), c.db.Close())
}

// Stats are counters a child publishes to a file the parent reads after the run.
type Stats struct {
	mu   sync.Mutex
	path string
	M    map[string]int64
}

// NewStats returns counters that Flush writes to path.
func NewStats(path string) *Stats { return &Stats{path: path, M: map[string]int64{}} }

// Add increments a counter.
func (s *Stats) Add(k string, n int64) {
	s.mu.Lock()
	s.M[k] += n
	s.mu.Unlock()
}

// Flush writes the counters atomically (a child may be killed at any time).
func (s *Stats) Flush() error {
	s.mu.Lock()
	b, err := json.Marshal(s.M)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, s.path)
}

// FlushEvery flushes the counters every d until ctx ends, then once more.
func (s *Stats) FlushEvery(ctx context.Context, d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			_ = s.Flush()
			return
		case <-t.C:
			_ = s.Flush()
		}
	}
}

// ReadStats sums the counters of every stats file matching glob.
func ReadStats(glob string) (map[string]int64, error) {
	files, err := filepath.Glob(glob)
	if err != nil {
		return nil, err
	}
	sum := map[string]int64{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var m map[string]int64
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("soak: %s: %w", f, err)
		}
		for k, v := range m {
			sum[k] += v
		}
	}
	return sum, nil
}

// Counted returns s with its writes counted in st: "store_updates" and
// "store_claims" (claims that returned work).
func Counted(s reporting.Store, st *Stats) reporting.Store {
	return &countedStore{Store: s, st: st}
}

type countedStore struct {
	reporting.Store
	st *Stats
}

// Update counts and forwards.
func (c *countedStore) Update(ctx context.Context, s *reporting.Submission) error {
	c.st.Add("store_updates", 1)
	return c.Store.Update(ctx, s)
}

// Claim counts claims that returned work and forwards.
func (c *countedStore) Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, n int) ([]*reporting.Submission, error) {
	subs, err := c.Store.Claim(ctx, owner, now, lease, n)
	if len(subs) > 0 {
		c.st.Add("store_claims", 1)
	}
	return subs, err
}

// Enqueue enqueues n reports, report(i) for i in [0, n), to agency through ob
// from 8 goroutines (the store's group commit makes that faster than one by
// one), and returns the first error.
func Enqueue(ctx context.Context, ob *reporting.Outbox, agency string, n int, report func(i int) *reporting.Report) error {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		firstErr error
		once     sync.Once
	)
	for range 8 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if _, err := ob.Enqueue(ctx, agency, report(i), reporting.EnqueueOptions{}); err != nil {
					once.Do(func() { firstErr = fmt.Errorf("soak: enqueue %d: %w", i, err) })
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}
