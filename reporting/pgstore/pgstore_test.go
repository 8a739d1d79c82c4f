package pgstore_test

import (
	"context"
	"errors"
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
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM reporting_schema_migrations").Scan(&versions); err != nil || versions != 1 {
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
