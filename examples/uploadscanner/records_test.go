package main

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.etcd.io/bbolt"

	"github.com/mnr-sdk/mnr/internal/pgtest"
)

func TestRecordStores(t *testing.T) {
	stores := map[string]func(t *testing.T) recordStore{
		"bolt": func(t *testing.T) recordStore {
			db, err := bbolt.Open(filepath.Join(t.TempDir(), "s.db"), 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			s, err := newBoltRecords(db)
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		"postgres": func(t *testing.T) recordStore {
			url := pgtest.Database(t)
			pool, err := pgxpool.New(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(pool.Close)
			s, err := newPGRecords(context.Background(), pool)
			if err != nil {
				t.Fatal(err)
			}
			// A second replica starting on the same database is fine.
			if _, err := newPGRecords(context.Background(), pool); err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) { testRecordStore(t, open(t)) })
	}
}

func testRecordStore(t *testing.T, s recordStore) {
	ctx := context.Background()
	base := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for i, id := range []string{"c3", "c1", "c2"} {
		rec := &scanRecord{CaseID: id, ScanID: "s" + id, At: base.Add(time.Duration(i) * time.Minute), Decision: decisionBlock,
			Evidence: "ab", Matches: []matchView{{List: "demo", Entry: "e", Kind: "pdq", Distance: i, Codes: []string{"csam"}}},
			Reports: []string{"cybertip/case-" + id}}
		if err := s.put(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	// put is idempotent: the first record wins.
	if err := s.put(ctx, &scanRecord{CaseID: "c1", At: base, Decision: decisionAllow}); err != nil {
		t.Fatal(err)
	}
	got, err := s.get(ctx, "c1")
	if err != nil || got.Decision != decisionBlock || got.Matches[0].Distance != 1 || got.Reports[0] != "cybertip/case-c1" {
		t.Fatalf("get c1: %+v, %v", got, err)
	}
	if _, err := s.get(ctx, "nope"); !errors.Is(err, errRecordNotFound) {
		t.Fatalf("get unknown: %v", err)
	}
	ids := func(rs []*scanRecord) (out []string) {
		for _, r := range rs {
			out = append(out, r.CaseID)
		}
		return out
	}
	p, err := s.pending(ctx, 10)
	if err != nil || len(p) != 3 || p[0].CaseID != "c3" || p[2].CaseID != "c2" {
		t.Fatalf("pending oldest first: %v %v", ids(p), err)
	}
	if p, _ := s.pending(ctx, 2); len(p) != 2 {
		t.Fatalf("pending limit 2: %v", ids(p))
	}
	for i, id := range []string{"c2", "c3"} {
		_, err := s.update(ctx, id, func(r *scanRecord) error {
			r.Review, r.ReviewedAt, r.Reviewer = reviewConfirmed, base.Add(time.Hour+time.Duration(i)*time.Minute), "t"
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	p, _ = s.pending(ctx, 10)
	d, _ := s.decided(ctx, 10)
	if len(p) != 1 || p[0].CaseID != "c1" || len(d) != 2 || d[0].CaseID != "c3" || d[1].CaseID != "c2" {
		t.Fatalf("after review: pending %v, decided newest first %v", ids(p), ids(d))
	}
	// A failing update changes nothing.
	boom := errors.New("boom")
	if _, err := s.update(ctx, "c1", func(r *scanRecord) error { r.Review = reviewDismissed; return boom }); !errors.Is(err, boom) {
		t.Fatalf("update error: %v", err)
	}
	if r, _ := s.get(ctx, "c1"); r.Review != "" {
		t.Fatalf("failed update stored %q", r.Review)
	}
	if _, err := s.update(ctx, "nope", func(*scanRecord) error { return nil }); !errors.Is(err, errRecordNotFound) {
		t.Fatalf("update unknown: %v", err)
	}
	// An update after review (the reported list) keeps it decided.
	r, err := s.update(ctx, "c2", func(r *scanRecord) error { r.Reported = append(r.Reported, "cybertip/case-c2"); return nil })
	if err != nil || len(r.Reported) != 1 {
		t.Fatal(r, err)
	}
	if d, _ := s.decided(ctx, 10); len(d) != 2 {
		t.Fatalf("decided after a later update: %v", ids(d))
	}
}
