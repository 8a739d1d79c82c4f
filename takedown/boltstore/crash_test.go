package boltstore_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mnr-sdk/mnr/takedown"
	"github.com/mnr-sdk/mnr/takedown/boltstore"
)

const crashEnv = "MNR_TAKEDOWN_CRASH_CHILD"

// TestCrashHelper is the child process of TestCrashSafety: it opens cases and records
// events in a loop, on several goroutines, and prints each acknowledged write after the
// call returned. It does nothing unless started by TestCrashSafety.
func TestCrashHelper(t *testing.T) {
	spec := os.Getenv(crashEnv)
	if spec == "" {
		return
	}
	path, round, _ := strings.Cut(spec, "|")
	s, err := boltstore.Open(path, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(3)
	}
	e, err := takedown.NewEngine(s, nil, nil)
	if err != nil {
		os.Exit(3)
	}
	ctx := context.Background()
	var out sync.Mutex
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				nid := fmt.Sprintf("r%s-g%d-%d", round, g, i)
				c, err := e.Open(ctx, takedown.Notice{ID: nid, Trigger: takedown.TriggerOwnDetection,
					Jurisdictions: []takedown.Jurisdiction{"US", "GB"}, Category: "csam"})
				if err != nil {
					fmt.Fprintln(os.Stderr, "child Open:", err)
					os.Exit(4)
				}
				out.Lock()
				fmt.Printf("case %s %s\n", nid, c.ID)
				out.Unlock()
				if i%2 == 0 {
					if _, err := e.Record(ctx, c.ID, takedown.Event{ID: "rm", Type: takedown.EventRemoved}); err != nil {
						fmt.Fprintln(os.Stderr, "child Record:", err)
						os.Exit(4)
					}
					out.Lock()
					fmt.Printf("event %s rm\n", c.ID)
					out.Unlock()
				}
			}
		})
	}
	wg.Wait()
}

// TestCrashSafety kills a writing child process with SIGKILL at random moments, then
// checks that every write the child saw acknowledged is in the file, that the audit
// chains and the journal verify, and that an engine resumes and fires every timer once.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test starts child processes; not run with -short")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	cases := map[string]string{} // notice ID -> case ID
	removed := map[string]bool{}
	const rounds = 5
	for round := range rounds {
		want := 20 + rng.IntN(150) // acknowledged lines to wait for before the kill
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d", crashEnv, path, round))
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		lines := 0
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) == 3 && f[0] == "case":
				cases[f[1]] = f[2]
			case len(f) == 3 && f[0] == "event":
				removed[f[1]] = true
			default:
				continue
			}
			lines++
			if lines == want {
				_ = cmd.Process.Signal(syscall.SIGKILL)
			}
		}
		err = cmd.Wait()
		if lines < want {
			t.Fatalf("round %d: child stopped after %d lines (%v)", round, lines, err)
		}
		checkAfterCrash(t, path, cases, removed)
	}
	if len(cases) < rounds*20 {
		t.Fatalf("only %d cases acknowledged", len(cases))
	}
	t.Logf("%d rounds, %d acknowledged cases, %d acknowledged removals", rounds, len(cases), len(removed))
}

func checkAfterCrash(t *testing.T, path string, cases map[string]string, removed map[string]bool) {
	t.Helper()
	s, err := boltstore.Open(path, &boltstore.Options{Check: true})
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	fired := 0
	far := time.Now().Add(72 * time.Hour)
	e, err := takedown.NewEngine(s, nil, &takedown.Options{Now: func() time.Time { return far },
		Hooks: takedown.Hooks{OnBreach: func(context.Context, takedown.Firing) { fired++ }}})
	if err != nil {
		t.Fatal(err)
	}
	for nid, id := range cases {
		c, err := s.Get(ctx, id)
		if err != nil {
			t.Fatalf("acknowledged case %s (notice %s) lost: %v", id, nid, err)
		}
		if c.Notice.ID != nid {
			t.Fatalf("case %s holds notice %s, want %s", id, c.Notice.ID, nid)
		}
		if removed[id] && c.Status != takedown.StatusActioned {
			t.Fatalf("acknowledged removal on case %s lost: status %s", id, c.Status)
		}
	}
	if _, err := e.VerifyAll(ctx); err != nil {
		t.Fatalf("after SIGKILL: %v", err)
	}
	// The engine resumes: everything overdue fires, once.
	n, err := e.Tick(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || fired == 0 {
		t.Fatalf("resumed engine fired %d timers, %d breaches", n, fired)
	}
	if _, ok, _ := s.NextWake(ctx, far); ok {
		t.Fatal("timers left after firing everything due")
	}
	if n2, _ := e.Tick(ctx); n2 != 0 {
		t.Fatalf("second Tick fired %d timers again", n2)
	}
	list, _, err := e.List(ctx, takedown.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		for _, d := range c.Deadlines {
			if d.State != takedown.DeadlineBreached && d.State != takedown.DeadlineMet {
				t.Fatalf("case %s deadline %s is %s after the engine resumed", c.ID, d.ID, d.State)
			}
		}
	}
	if _, err := e.VerifyAll(ctx); err != nil {
		t.Fatalf("after resuming: %v", err)
	}
}
