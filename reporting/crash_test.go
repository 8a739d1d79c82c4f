package reporting_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/boltstore"
)

// crashEnv makes the test binary a worker process for TestCrashRecovery (see
// TestMain): "dbpath|agency URL|report ID".
const crashEnv = "MNR_REPORTING_CRASH_WORKER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(crashEnv); spec != "" {
		os.Exit(crashWorker(spec))
	}
	os.Exit(m.Run())
}

// crashWorker runs an outbox over the bolt file until it is killed.
func crashWorker(spec string) int {
	parts := strings.Split(spec, "|")
	store, err := boltstore.Open(parts[0], nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	_, files := relayReportN(parts[2], 2)
	ob, err := buildOutbox(parts[1], store, &relayReconciler{}, &fakeClock{t: now}, files,
		&reporting.OutboxOptions{PollInterval: 5 * time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ob.Run(context.Background()) // until SIGKILL
	return 3
}

// TestCrashRecovery kills a worker process (SIGKILL, no cleanup) while a request
// is at the agency, then restarts from the bolt file and checks that the report
// reaches the agency exactly once.
func TestCrashRecovery(t *testing.T) {
	tests := []struct {
		name  string
		path  string
		fault fault
		check func(t *testing.T, srv *relayServer, s *reporting.Submission)
	}{
		{
			name: "killed during an upload", path: "/upload", fault: faultSignalThenBlock,
			check: func(t *testing.T, srv *relayServer, s *reporting.Submission) {
				if srv.count("/open") != 1 {
					t.Fatalf("report opened %d times", srv.count("/open"))
				}
				if !strings.Contains(historyNotes(s), "lease expired; resumed") {
					t.Fatalf("history:\n%s", historyNotes(s))
				}
			},
		},
		{
			name: "killed after the agency finished but before the answer", path: "/finish", fault: faultActSignalThenBlock,
			check: func(t *testing.T, srv *relayServer, s *reporting.Submission) {
				if srv.count("/open") != 1 || srv.count("/finish") != 2 {
					t.Fatalf("opens %d finishes %d; want 1 and 2", srv.count("/open"), srv.count("/finish"))
				}
				h := historyNotes(s)
				if !strings.Contains(h, "POST /finish was in flight") || !strings.Contains(h, "reconciled") {
					t.Fatalf("history:\n%s", h)
				}
			},
		},
		{
			name: "killed while opening, before the agency acted", path: "/open", fault: faultSignalThenBlock,
			check: func(t *testing.T, srv *relayServer, s *reporting.Submission) {
				if srv.count("/open") != 2 {
					t.Fatalf("opens %d, want 2 (the first never acted)", srv.count("/open"))
				}
				if !strings.Contains(historyNotes(s), "POST /open was in flight") {
					t.Fatalf("history:\n%s", historyNotes(s))
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRelay(t)
			srv.inject(tc.path, tc.fault)
			db := filepath.Join(t.TempDir(), "outbox.db")

			store, err := boltstore.Open(db, nil)
			if err != nil {
				t.Fatal(err)
			}
			rig := rigFor(t, srv, store, nil, nil)
			rig.enqueue(t, "R1", 2, reporting.EnqueueOptions{})
			store.Close()

			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), crashEnv+"="+db+"|"+srv.URL+"|R1")
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-srv.onHold:
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				t.Fatal("the worker never reached the agency")
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()

			store, err = boltstore.Open(db, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
			rig = rigFor(t, srv, store, nil, nil)
			_, files := relayReportN("R1", 2)
			rig.addFiles(files)
			before := rig.get(t, "R1")
			if before.State != reporting.StateInProgress {
				t.Fatalf("after the kill the submission is %s", before.State)
			}
			rig.clock.Add(time.Hour) // the dead worker's lease lapses
			rig.drain(t)
			s := rig.get(t, "R1")
			wantState(t, s, reporting.StateDone)
			perKey, _ := srv.finished()
			if perKey["R1"] != 1 {
				t.Fatalf("finished %v, want R1 exactly once", perKey)
			}
			srv.mu.Lock()
			rep := srv.reports[s.Progress.IDs["reportId"]]
			nfiles := len(rep.files)
			srv.mu.Unlock()
			if nfiles != 2 {
				t.Fatalf("the finished report has %d files", nfiles)
			}
			tc.check(t, srv, s)
		})
	}
}
