package boltstore_test

import (
	"bytes"
	"context"
	"encoding/binary"
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
		return b.Put([]byte("schema"), []byte("3"))
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

// writeLayout1 writes subs into a new bbolt file at path as the first layout
// did: the submission's JSON (receipts included) under its ID, the due and
// state index keys, schema "1"; and a damaged record under damagedID.
func writeLayout1(t *testing.T, path string, damagedID string, subs ...*reporting.Submission) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bbolt.Tx) error {
		b := map[string]*bbolt.Bucket{}
		for _, name := range []string{"submissions", "due", "state", "meta"} {
			bk, err := tx.CreateBucket([]byte("reporting/" + name))
			if err != nil {
				return err
			}
			b[name] = bk
		}
		for _, sub := range subs {
			sub.Version = 1
			doc, err := reporting.EncodeSubmission(sub)
			if err != nil {
				return err
			}
			if err := b["submissions"].Put([]byte(sub.ID), doc); err != nil {
				return err
			}
			if at, ok := reporting.DueAt(sub); ok {
				k := binary.BigEndian.AppendUint64(nil, uint64(at.UnixNano()))
				if err := b["due"].Put(append(k, sub.ID...), nil); err != nil {
					return err
				}
			}
			if err := b["state"].Put([]byte(string(sub.State)+"\x00"+sub.ID), nil); err != nil {
				return err
			}
		}
		if err := b["submissions"].Put([]byte(damagedID), []byte(`{"id":"`+damagedID+`","state":`)); err != nil {
			return err
		}
		if err := b["state"].Put([]byte("done\x00"+damagedID), nil); err != nil {
			return err
		}
		return b["meta"].Put([]byte("schema"), []byte("1"))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigrateLayout1: a file written by the first layout (receipts inside each
// submission's JSON) opens with every submission, receipt and index entry intact;
// a damaged record stays a typed error; the migrated store works and reopens.
func TestMigrateLayout1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	due := storetest.Submission("cybertip", "R1", reporting.StatePending, base)
	due.Progress.Receipts = append(due.Progress.Receipts, reporting.Receipt{Step: "upload:0", At: base, Body: []byte{0, 1, 2}})
	done := storetest.Submission("dsa", "R2", reporting.StateDone, time.Time{})
	none := storetest.Submission("nca", "R3", reporting.StateReview, time.Time{})
	none.Progress = reporting.Progress{}
	writeLayout1(t, path, "cybertip/broken", due, done, none)

	s, err := boltstore.Open(path, nil)
	if err != nil {
		t.Fatalf("Open of a layout 1 file: %v", err)
	}
	ctx := context.Background()
	for _, want := range []*reporting.Submission{due, done, none} {
		got, err := s.Get(ctx, want.ID)
		if err != nil {
			t.Fatalf("Get(%s) after migration: %v", want.ID, err)
		}
		a, _ := reporting.EncodeSubmission(got)
		b, _ := reporting.EncodeSubmission(want)
		if !bytes.Equal(a, b) {
			t.Fatalf("%s after migration:\n%s\nwant\n%s", want.ID, a, b)
		}
	}
	if _, err := s.Get(ctx, "cybertip/broken"); !errors.Is(err, reporting.ErrMalformed) {
		t.Fatalf("damaged layout 1 record: %v, want ErrMalformed", err)
	}
	list, err := s.List(ctx, reporting.Query{State: reporting.StateDone})
	if err == nil || !errors.Is(err, reporting.ErrMalformed) {
		t.Fatalf("List over the damaged record: %v %v", list, err)
	}
	// The due index came through: the pending one is claimed, with its receipts.
	claimed, err := s.Claim(ctx, "w", base, time.Minute, 5)
	if err != nil || len(claimed) != 1 || claimed[0].ID != due.ID || len(claimed[0].Progress.Receipts) != 2 {
		t.Fatalf("Claim after migration: %v %v", claimed, err)
	}
	sub := claimed[0]
	sub.Progress.Receipts = append(sub.Progress.Receipts, reporting.Receipt{Step: "finish", At: base, Body: []byte("<ok/>")})
	sub.State, sub.LeaseOwner, sub.LeaseUntil = reporting.StateDone, "", time.Time{}
	if err := s.Update(ctx, sub); err != nil {
		t.Fatalf("Update after migration: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopening does not migrate again.
	s, err = boltstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Get(ctx, due.ID)
	if err != nil || len(got.Progress.Receipts) != 3 || string(got.Progress.Receipts[2].Body) != "<ok/>" || got.Version != sub.Version {
		t.Fatalf("after reopen: %v %+v", err, got)
	}
}
