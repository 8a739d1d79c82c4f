package boltstore

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"go.etcd.io/bbolt"
)

func testDB(t *testing.T) *bbolt.DB {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "commit.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucket([]byte("b"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return db
}

func putOp(key string) func(*bbolt.Tx) error {
	return func(tx *bbolt.Tx) error { return dirty(tx.Bucket([]byte("b")).Put([]byte(key), []byte("v"))) }
}

func keys(t *testing.T, db *bbolt.DB) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	if err := db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("b")).ForEach(func(k, _ []byte) error {
			out[string(k)] = true
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCommitGroupErrors: a write that fails its checks fails alone; one that
// fails after writing rolls the group back, and the others are committed alone.
func TestCommitGroupErrors(t *testing.T) {
	db := testDB(t)
	errCheck := errors.New("check failed")
	errLate := errors.New("failed after writing")
	mk := func(op func(*bbolt.Tx) error) *pendingWrite {
		return &pendingWrite{op: op, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	}
	group := []*pendingWrite{
		mk(putOp("a")),
		mk(func(*bbolt.Tx) error { return errCheck }),
		mk(putOp("b")),
	}
	commitGroup(db, group)
	if a, b, c := <-group[0].done, <-group[1].done, <-group[2].done; a != nil || !errors.Is(b, errCheck) || c != nil {
		t.Fatalf("results %v, %v, %v", a, b, c)
	}
	if k := keys(t, db); !k["a"] || !k["b"] {
		t.Fatalf("keys after the group: %v", k)
	}

	late := func(tx *bbolt.Tx) error {
		if err := tx.Bucket([]byte("b")).Put([]byte("half"), []byte("v")); err != nil {
			return dirty(err)
		}
		return dirty(errLate)
	}
	group = []*pendingWrite{mk(putOp("c")), mk(late), mk(putOp("d"))}
	commitGroup(db, group)
	a, b, c := <-group[0].done, <-group[1].done, <-group[2].done
	var d dirtyError
	if a != nil || !errors.Is(b, errLate) || errors.As(b, &d) || c != nil {
		t.Fatalf("results %v, %v, %v", a, b, c)
	}
	if k := keys(t, db); !k["c"] || !k["d"] || k["half"] {
		t.Fatalf("keys after the rolled-back group: %v", k)
	}
}

// TestCommitterConcurrent: many concurrent writes all complete, each with its own
// result, and all of them are stored.
func TestCommitterConcurrent(t *testing.T) {
	db := testDB(t)
	var c committer
	errOdd := errors.New("odd")
	var wg sync.WaitGroup
	const writers, each = 16, 40
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				key := fmt.Sprintf("w%02d-%03d", w, i)
				op := putOp(key)
				if i%2 == 1 {
					op = func(*bbolt.Tx) error { return errOdd }
				}
				err := c.write(db, op)
				if (i%2 == 1) != errors.Is(err, errOdd) || (i%2 == 0 && err != nil) {
					t.Errorf("%s: %v", key, err)
				}
			}
		})
	}
	wg.Wait()
	if n := len(keys(t, db)); n != writers*each/2 {
		t.Fatalf("stored %d keys, want %d", n, writers*each/2)
	}
	if c.leading || len(c.queue) != 0 {
		t.Fatalf("committer left busy: leading %v queue %d", c.leading, len(c.queue))
	}
}
