package pgstore_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mnr-sdk/mnr/internal/pgtest"
	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/pgstore"
	"github.com/mnr-sdk/mnr/reporting/storetest"
)

var base = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func open(t *testing.T, url string) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) reporting.Store {
		return open(t, pgtest.Database(t))
	})
}

func TestMigrationsConcurrentAndIdempotent(t *testing.T) {
	url := pgtest.Database(t)
	var wg sync.WaitGroup
	stores := make([]*pgstore.Store, 4)
	errs := make([]error, 4)
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = pgstore.Open(context.Background(), url, nil) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	ctx := context.Background()
	if err := stores[0].Create(ctx, storetest.Submission("dsa", "R1", reporting.StatePending, base)); err != nil {
		t.Fatal(err)
	}
	// A store opened later sees the same table and row.
	s := open(t, url)
	defer s.Close()
	if _, err := s.Get(ctx, "dsa/R1"); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var versions int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM reporting_schema_migrations").Scan(&versions); err != nil || versions != 2 {
		t.Fatalf("migrations recorded %d times (%v)", versions, err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	url := pgtest.Database(t)
	open(t, url).Close()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, "INSERT INTO reporting_schema_migrations (version) VALUES (99)"); err != nil {
		t.Fatal(err)
	}
	if _, err := pgstore.New(ctx, pool, nil); err == nil {
		t.Fatal("opened a database with a newer schema")
	}
}

func TestNewDoesNotClosePoolAndDamagedRecords(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s, err := pgstore.New(ctx, pool, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, storetest.Submission("cybertip", "R1", reporting.StatePending, base)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("Store.Close closed the caller's pool: %v", err)
	}
	if _, err := pool.Exec(ctx, `UPDATE reporting_submissions SET doc = '\x7b7d' WHERE id = 'cybertip/R1'`); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(ctx, "cybertip/R1")
	if !errors.Is(err, reporting.ErrMalformed) {
		t.Fatalf("Get of a damaged record: %v, want ErrMalformed", err)
	}
}

func sameSubmission(t *testing.T, got, want *reporting.Submission) {
	t.Helper()
	a, _ := reporting.EncodeSubmission(got)
	b, _ := reporting.EncodeSubmission(want)
	if !bytes.Equal(a, b) {
		t.Fatalf("submission differs\n got: %s\nwant: %s", a, b)
	}
}

// TestMigrateFrom1: a database at schema version 1 (receipts inside doc) is
// migrated by Open: receipts move to reporting_receipts, every submission reads
// back the same, a damaged doc stays a typed error, and the store works on.
func TestMigrateFrom1(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	sql, err := os.ReadFile("migrations/0001_submissions.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, string(sql)); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE reporting_schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
		INSERT INTO reporting_schema_migrations (version) VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	due := storetest.Submission("cybertip", "R1", reporting.StatePending, base)
	due.Progress.Receipts = append(due.Progress.Receipts, reporting.Receipt{Step: "upload:0", At: base, Body: []byte{0, 1, 2}})
	bare := storetest.Submission("dsa", "R2", reporting.StateReview, time.Time{})
	bare.Progress = reporting.Progress{}
	for _, sub := range []*reporting.Submission{due, bare} {
		sub.Version = 1
		doc, _ := reporting.EncodeSubmission(sub)
		var at *time.Time
		if t, ok := reporting.DueAt(sub); ok {
			at = &t
		}
		if _, err := pool.Exec(ctx, `INSERT INTO reporting_submissions (id, agency, state, due_at, version, updated_at, doc)
			VALUES ($1, $2, $3, $4, 1, $5, $6)`, sub.ID, sub.Agency, string(sub.State), at, sub.UpdatedAt, doc); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `INSERT INTO reporting_submissions (id, agency, state, version, updated_at, doc)
		VALUES ('nca/broken', 'nca', 'done', 1, now(), '\x7b')`); err != nil {
		t.Fatal(err)
	}

	s, err := pgstore.New(ctx, pool, nil)
	if err != nil {
		t.Fatalf("migrating: %v", err)
	}
	defer s.Close()
	for _, want := range []*reporting.Submission{due, bare} {
		got, err := s.Get(ctx, want.ID)
		if err != nil {
			t.Fatalf("Get(%s): %v", want.ID, err)
		}
		sameSubmission(t, got, want)
	}
	var moved int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM reporting_receipts WHERE submission_id = $1`, due.ID).Scan(&moved); err != nil || moved != 2 {
		t.Fatalf("receipts in reporting_receipts: %d (%v), want 2", moved, err)
	}
	var inDoc bool
	if err := pool.QueryRow(ctx, `SELECT position('"receipts"' in convert_from(doc, 'UTF8')) > 0 FROM reporting_submissions WHERE id = $1`, due.ID).Scan(&inDoc); err != nil || inDoc {
		t.Fatalf("receipts still inside doc: %v (%v)", inDoc, err)
	}
	if _, err := s.Get(ctx, "nca/broken"); !errors.Is(err, reporting.ErrMalformed) {
		t.Fatalf("damaged doc after migration: %v, want ErrMalformed", err)
	}
	claimed, err := s.Claim(ctx, "w", base, time.Minute, 5)
	if err != nil || len(claimed) != 1 || len(claimed[0].Progress.Receipts) != 2 {
		t.Fatalf("Claim after migration: %v %v", claimed, err)
	}
	sub := claimed[0]
	sub.Progress.Receipts = append(sub.Progress.Receipts, reporting.Receipt{Step: "finish", At: base, Body: []byte("<ok/>")})
	if err := s.Update(ctx, sub); err != nil {
		t.Fatal(err)
	}
	sameSubmission(t, mustGet(t, s, sub.ID), sub)
}

func mustGet(t *testing.T, s *pgstore.Store, id string) *reporting.Submission {
	t.Helper()
	sub, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return sub
}

// TestReceiptsInsideDocFromAnOlderReplica: during a rolling upgrade a replica
// still running the code before migration 2 writes receipts inside doc. They
// are read after the stored ones, and the next write moves them to
// reporting_receipts.
func TestReceiptsInsideDocFromAnOlderReplica(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	s := open(t, url)
	defer s.Close()
	sub := storetest.Submission("cybertip", "R1", reporting.StatePending, base)
	if err := s.Create(ctx, sub); err != nil {
		t.Fatal(err)
	}
	// The older replica: it sees no receipts in doc, appends one, and writes
	// them all into doc with the version bumped.
	old := *sub
	old.Progress.Receipts = []reporting.Receipt{{Step: "upload:0", At: base, Body: []byte("<u/>")}}
	old.Version = 2
	doc, _ := reporting.EncodeSubmission(&old)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `UPDATE reporting_submissions SET doc = $2, version = 2 WHERE id = $1`, sub.ID, doc); err != nil {
		t.Fatal(err)
	}
	got := mustGet(t, s, sub.ID)
	if len(got.Progress.Receipts) != 2 || got.Progress.Receipts[0].Step != "submit" || got.Progress.Receipts[1].Step != "upload:0" {
		t.Fatalf("receipts %+v", got.Progress.Receipts)
	}
	got.Progress.Step = "uploaded:0"
	if err := s.Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	var stored int
	if err := pool.QueryRow(ctx, `SELECT receipts FROM reporting_submissions WHERE id = $1`, sub.ID).Scan(&stored); err != nil || stored != 2 {
		t.Fatalf("receipts column %d (%v), want 2", stored, err)
	}
	sameSubmission(t, mustGet(t, s, sub.ID), got)
}
