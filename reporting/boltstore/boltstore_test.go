package boltstore_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/boltstore"
	"github.com/mnr-sdk/mnr/reporting/storetest"
)

var base = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) reporting.Store {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "outbox.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestConformanceSharedDB(t *testing.T) {
	storetest.Run(t, func(t *testing.T) reporting.Store {
		db, err := bbolt.Open(filepath.Join(t.TempDir(), "shared.db"), 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		s, err := boltstore.New(db, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestReopenKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	s, err := boltstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sub := storetest.Submission("cybertip", "R1", reporting.StatePending, base)
	if err := s.Create(ctx, sub); err != nil {
		t.Fatal(err)
	}
	sub.Progress.SetID("file.0.fileId", "f0")
	if err := s.Update(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = boltstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Get(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := reporting.EncodeSubmission(got)
	b, _ := reporting.EncodeSubmission(sub)
	if !bytes.Equal(a, b) {
		t.Fatalf("after reopen:\n%s\nwant\n%s", a, b)
	}
	// The due index survived too.
	subs, err := s.Claim(ctx, "w", base, time.Minute, 5)
	if err != nil || len(subs) != 1 {
		t.Fatalf("claim after reopen: %v %v", subs, err)
	}
}

func TestSharesADatabase(t *testing.T) {
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "mnr.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Another package's bucket, as takedown's store would have.
	if err := db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("takedown/cases"))
		if err != nil {
			return err
		}
		return b.Put([]byte("case-1"), []byte("{}"))
	}); err != nil {
		t.Fatal(err)
	}
	s, err := boltstore.New(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Create(context.Background(), storetest.Submission("dsa", "R1", reporting.StateReview, time.Time{})); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Close left the shared database open, and the other bucket untouched.
	err = db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket([]byte("takedown/cases")).Get([]byte("case-1")); string(v) != "{}" {
			t.Errorf("takedown bucket changed: %q", v)
		}
		return tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			if !strings.HasPrefix(string(name), "reporting/") && !strings.HasPrefix(string(name), "takedown/") {
				t.Errorf("bucket %q outside the reporting/ prefix", name)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatalf("database closed by Store.Close: %v", err)
	}
}

func TestDamagedRecordIsATypedError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	s, err := boltstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Create(ctx, storetest.Submission("cybertip", "R1", reporting.StatePending, base)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("reporting/submissions")).Put([]byte("cybertip/R1"), []byte(`{"id":"cybertip/R1","state":"pending","report":{"id":`))
	})
	db.Close()
	s, err = boltstore.Open(path, &boltstore.Options{MaxRecordBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Get(ctx, "cybertip/R1")
	var de *reporting.DecodeError
	if !errors.As(err, &de) || !errors.Is(err, reporting.ErrMalformed) {
		t.Fatalf("Get of a damaged record: %v", err)
	}
	if _, err := s.Claim(ctx, "w", base, time.Minute, 1); !errors.Is(err, reporting.ErrMalformed) {
		t.Fatalf("Claim of a damaged record: %v", err)
	}
}

func TestUnknownSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Update(func(tx *bbolt.Tx) error {
		b, _ := tx.CreateBucket([]byte("reporting/meta"))
		return b.Put([]byte("schema"), []byte("2"))
	})
	if _, err := boltstore.New(db, nil); !errors.Is(err, boltstore.ErrSchema) {
		t.Fatalf("New on a newer layout: %v, want ErrSchema", err)
	}
}

func TestFileLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	s, err := boltstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := boltstore.Open(path, &boltstore.Options{Timeout: 20 * time.Millisecond}); err == nil {
		t.Fatal("a second Open of a locked file succeeded")
	}
}
