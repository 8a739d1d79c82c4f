package boltstore

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/storetest"
)

// TestRecordRoundTrip: the header says what the submission says.
func TestRecordRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, sub := range []*reporting.Submission{
		storetest.Submission("cybertip", "R1", reporting.StatePending, at),
		storetest.Submission("dsa", "R2", reporting.StateDone, time.Time{}),
		storetest.Submission("nca", "R3", reporting.StateInProgress, time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)),
	} {
		sub.Version = 1<<40 + 7
		rec, err := encodeRecord(sub, 70000)
		if err != nil {
			t.Fatal(err)
		}
		h, err := parseHeader(rec)
		if err != nil {
			t.Fatalf("%s: %v", sub.ID, err)
		}
		dueAt, due := reporting.DueAt(sub)
		if h.version != sub.Version || h.receipts != 70000 || h.state != sub.State || h.hasDue != due || (due && h.due != dueNanos(dueAt)) {
			t.Fatalf("%s: header %+v", sub.ID, h)
		}
		got, err := reporting.DecodeSubmission(rec[h.bodyAt:], nil)
		if err != nil || got.ID != sub.ID || len(got.Progress.Receipts) != 0 {
			t.Fatalf("%s: body %v %v", sub.ID, got, err)
		}
	}
}

// FuzzRecord: a damaged record is an error, never a panic or a header that
// points past the record.
func FuzzRecord(f *testing.F) {
	sub := storetest.Submission("cybertip", "R1", reporting.StatePending, time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
	rec, err := encodeRecord(sub, 3)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(rec)
	f.Fuzz(func(t *testing.T, rec []byte) {
		h, err := parseHeader(rec)
		if err != nil {
			return
		}
		if h.bodyAt > len(rec) || h.receipts < 0 || h.version < 0 || !h.state.Valid() {
			t.Fatalf("header %+v of a %d-byte record", h, len(rec))
		}
		_, _ = reporting.DecodeSubmission(rec[h.bodyAt:], &reporting.DecodeOptions{MaxBytes: 1 << 20})
	})
}

// TestUpdateReadsOnlyTheHeader: Update checks the version and moves the index
// entries from the stored record's header alone; it never decodes the stored
// JSON (here damaged behind an intact header) nor rewrites stored receipts.
func TestUpdateReadsOnlyTheHeader(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "outbox.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	sub := storetest.Submission("cybertip", "R1", reporting.StatePending, at)
	if err := s.Create(ctx, sub); err != nil {
		t.Fatal(err)
	}
	receiptBefore := func() []byte {
		var v []byte
		s.db.View(func(tx *bbolt.Tx) error {
			v = bytes.Clone(tx.Bucket(bucketReceipts).Get(receiptKey(receiptPrefix(sub.ID), 0)))
			return nil
		})
		return v
	}
	stored := receiptBefore()
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketSubs)
		rec := b.Get([]byte(sub.ID))
		h, err := parseHeader(rec)
		if err != nil {
			return err
		}
		return b.Put([]byte(sub.ID), append(bytes.Clone(rec[:h.bodyAt]), `{"damaged`...))
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, sub.ID); !errors.Is(err, reporting.ErrMalformed) {
		t.Fatalf("Get of the damaged record: %v", err)
	}
	sub.State, sub.NextAt = reporting.StateDone, time.Time{}
	sub.Progress.Receipts = append(sub.Progress.Receipts, reporting.Receipt{Step: "finish", At: at, Body: []byte("<ok/>")})
	if err := s.Update(ctx, sub); err != nil {
		t.Fatalf("Update over a record whose JSON is damaged: %v", err)
	}
	got, err := s.Get(ctx, sub.ID)
	if err != nil || got.State != reporting.StateDone || len(got.Progress.Receipts) != 2 || got.Version != 2 {
		t.Fatalf("after Update: %v %+v", err, got)
	}
	if !bytes.Equal(receiptBefore(), stored) {
		t.Fatal("Update rewrote a stored receipt")
	}
	// The old index entries went with the header's keys: nothing is due.
	if subs, err := s.Claim(ctx, "w", at.Add(time.Hour), time.Minute, 5); err != nil || len(subs) != 0 {
		t.Fatalf("Claim after Update: %v %v", subs, err)
	}
}
