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
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/bbolt"
	"golang.org/x/time/rate"

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

// Kills describes the parent's kill/restart loop: two children are SIGKILLed
// once Progress passes a random point (one in [100, 400), one in [500, 800)),
// and a third runs to the end.
type Kills struct {
	// Seed seeds the random kill points and sleeps.
	Seed uint64
	// Progress returns how many reports the agency has finished so far.
	Progress func() int
	// Unit names what Progress counts, for messages ("finished", "statements").
	Unit string
	// Poll bounds the random poll interval in milliseconds (1 + [0, Poll)).
	Poll int
	// Settle bounds the random pause in milliseconds after a kill point is
	// reached and before the SIGKILL ([0, Settle)).
	Settle int
}

// RunChildren runs three child processes of test one after another with env
// (plus SOAK_RUN=0, 1, 2), SIGKILLs the first two as k describes, waits for the
// third to finish, and returns a description of each kill. It fails t when a
// child ends early, stalls, or the last one fails.
func RunChildren(t *testing.T, test string, env []string, k Kills) []string {
	t.Helper()
	rng := rand.New(rand.NewPCG(k.Seed, 1))
	killAt := []int{100 + rng.IntN(300), 500 + rng.IntN(300)}
	var kills []string
	for run := 0; run < 3; run++ {
		child := Start(t, test, append(env, "SOAK_RUN="+strconv.Itoa(run))...)
		if run < len(killAt) {
			deadline := time.Now().Add(3 * time.Minute)
			for k.Progress() < killAt[run] {
				select {
				case <-child.Done():
					err, out := child.Wait()
					t.Fatalf("child %d ended before its kill point: %v\n%s", run, err, out)
				default:
				}
				if time.Now().After(deadline) {
					t.Fatalf("child %d made no progress to %d %s", run, killAt[run], k.Unit)
				}
				time.Sleep(time.Duration(1+rng.IntN(k.Poll)) * time.Millisecond)
			}
			time.Sleep(time.Duration(rng.IntN(k.Settle)) * time.Millisecond)
			n := k.Progress()
			child.Kill()
			kills = append(kills, fmt.Sprintf("SIGKILL at %d %s", n, k.Unit))
			continue
		}
		select {
		case <-child.Done():
		case <-time.After(5 * time.Minute):
			child.Kill()
			_, out := child.Wait()
			t.Fatalf("final child did not finish in 5 minutes\n%s", out)
		}
		if err, out := child.Wait(); err != nil {
			t.Fatalf("final child: %v\n%s", err, out)
		}
	}
	return kills
}

// StatsFile is the stats file of the child run SOAK_RUN in SOAK_DIR.
func StatsFile() string {
	return filepath.Join(os.Getenv("SOAK_DIR"), "stats-"+os.Getenv("SOAK_RUN")+".json")
}

// ReadRunStats sums the counters of every child run in dir.
func ReadRunStats(dir string) (map[string]int64, error) {
	return ReadStats(filepath.Join(dir, "stats-*.json"))
}

// Drive runs ob in a child until no submission is pending, in progress or
// unknown, flushing stats every 100 ms and once at the end.
func Drive(t *testing.T, ob *reporting.Outbox, stats *Stats) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go stats.FlushEvery(ctx, 100*time.Millisecond)
	done := make(chan error, 1)
	go func() { done <- ob.Run(ctx) }()
	for {
		time.Sleep(50 * time.Millisecond)
		open := 0
		for _, st := range []reporting.State{reporting.StatePending, reporting.StateInProgress, reporting.StateUnknown} {
			subs, err := ob.List(ctx, reporting.Query{State: st, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			open += len(subs)
		}
		if open == 0 {
			break
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	_ = stats.Flush()
}

// Each calls fn for every submission in store, in ID order, and returns how
// many there were.
func Each(t *testing.T, store reporting.Store, fn func(*reporting.Submission)) int {
	t.Helper()
	seen := 0
	after := ""
	for {
		subs, err := store.List(context.Background(), reporting.Query{After: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) == 0 {
			return seen
		}
		for _, s := range subs {
			seen++
			after = s.ID
			fn(s)
		}
	}
}

// OpenChild opens a child's side of the soak: the store in SOAK_DB (closed when
// t ends) counted into the run's stats, the stats, and client hooks that count
// retries as "client_retries".
func OpenChild(t *testing.T) (reporting.Store, *Stats, reporting.Hooks) {
	t.Helper()
	stats := NewStats(StatsFile())
	store, err := OpenBolt(os.Getenv("SOAK_DB"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	hooks := reporting.Hooks{
		OnRetry: func(context.Context, reporting.RetryInfo) { stats.Add("client_retries", 1) },
	}
	return Counted(store, stats), stats, hooks
}

// Accept durably enqueues n reports, report(i) for i in [0, n), to dest in the
// bbolt file at path and closes it, before any worker starts.
func Accept(t *testing.T, path string, dest reporting.Destination, n int, report func(i int) *reporting.Report) {
	t.Helper()
	store, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := reporting.NewOutbox(store, []reporting.Destination{dest}, nil)
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	if err := Enqueue(context.Background(), ob, dest.Agency.Name(), n, report); err != nil {
		store.Close()
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
}

// ClientOptions are the soak clients' options: no rate limit, no retry budget,
// millisecond backoffs and a 5 s attempt timeout, with hooks.
func ClientOptions(hooks reporting.Hooks) *reporting.ClientOptions {
	return &reporting.ClientOptions{
		Limiter:        rate.NewLimiter(rate.Inf, 1),
		InitialBackoff: time.Millisecond,
		MaxBackoff:     10 * time.Millisecond,
		AttemptTimeout: 5 * time.Second,
		RetryTokens:    -1,
		Hooks:          hooks,
	}
}
