package boltstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mnr-sdk/mnr/takedown"
	"github.com/mnr-sdk/mnr/takedown/boltstore"
	bolt "go.etcd.io/bbolt"
)

// Cases survive a restart: open a case, close the file, reopen it and verify.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "takedown-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mnr.db")
	now := func() time.Time { return time.Date(2026, time.June, 1, 9, 0, 0, 0, time.UTC) }
	ctx := context.Background()

	s, err := boltstore.Open(path, nil)
	if err != nil {
		panic(err)
	}
	e, _ := takedown.NewEngine(s, nil, &takedown.Options{Now: now})
	c, err := e.Open(ctx, takedown.Notice{ID: "iwf-2026-0001", Trigger: takedown.TriggerHotlineNotice,
		Jurisdictions: []takedown.Jurisdiction{takedown.GB}, Category: "csam"})
	if err != nil {
		panic(err)
	}
	s.Close()

	s, _ = boltstore.Open(path, nil)
	defer s.Close()
	e, _ = takedown.NewEngine(s, nil, &takedown.Options{Now: now})
	got, _ := e.Get(ctx, c.ID)
	fmt.Println(got.Notice.ID, got.Status, len(got.Deadlines), "deadlines")
	fmt.Println("verify:", e.Verify(ctx, c.ID))
	// Output:
	// iwf-2026-0001 open 2 deadlines
	// verify: <nil>
}

// One bbolt file can hold the takedown store next to other mnr stores, each in its own
// top-level bucket.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "takedown-example")
	defer os.RemoveAll(dir)
	db, err := bolt.Open(filepath.Join(dir, "shared.db"), 0o600, nil)
	if err != nil {
		panic(err)
	}
	defer db.Close()
	s, err := boltstore.New(db, &boltstore.Options{Bucket: "takedown"})
	if err != nil {
		panic(err)
	}
	defer s.Close() // does not close db
	_ = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			fmt.Println(string(name))
			return nil
		})
	})
	// Output:
	// takedown
}
