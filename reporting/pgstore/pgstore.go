package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mnr-sdk/mnr/reporting"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the pg_advisory_xact_lock key that serialises migrations
// ("mnr-reporting" folded into an int64).
const migrationLock int64 = 0x6d6e725f72707467

// Options configures a Store. A nil *Options means the defaults.
type Options struct {
	// MaxRecordBytes bounds one stored submission. Default 16 MiB
	// (reporting.DefaultMaxSubmissionBytes).
	MaxRecordBytes int64
}

// Store is a reporting.Store in PostgreSQL.
type Store struct {
	pool   *pgxpool.Pool
	owned  bool
	decode reporting.DecodeOptions
}

var _ reporting.Store = (*Store)(nil)

// Open connects to the database at url (a libpq URL or DSN), applies the
// migrations and returns a Store that closes its pool on Close.
func Open(ctx context.Context, url string, opts *Options) (*Store, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("pgstore: connect: %w", err)
	}
	s, err := New(ctx, pool, opts)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// New returns a Store over the caller's pool, applying the migrations. Close does
// not close pool.
func New(ctx context.Context, pool *pgxpool.Pool, opts *Options) (*Store, error) {
	s := &Store{pool: pool}
	if opts != nil && opts.MaxRecordBytes > 0 {
		s.decode.MaxBytes = opts.MaxRecordBytes
	}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the pool if Open created it.
func (s *Store) Close() error {
	if s.owned {
		s.pool.Close()
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(names)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
			return fmt.Errorf("pgstore: migration lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS reporting_schema_migrations (
			version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("pgstore: migrations table: %w", err)
		}
		var current int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM reporting_schema_migrations").Scan(&current); err != nil {
			return fmt.Errorf("pgstore: read schema version: %w", err)
		}
		if current > len(names) {
			return fmt.Errorf("pgstore: database schema version %d is newer than this code knows (%d)", current, len(names))
		}
		for i, name := range names {
			v := i + 1
			if want := fmt.Sprintf("migrations/%04d_", v); !strings.HasPrefix(name, want) {
				return fmt.Errorf("pgstore: migration %s out of sequence", name)
			}
			if v <= current {
				continue
			}
			sql, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				return fmt.Errorf("pgstore: apply %s: %w", name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO reporting_schema_migrations (version) VALUES ($1)", v); err != nil {
				return err
			}
		}
		return nil
	})
}

// row is the columns derived from a submission.
type row struct {
	due     *time.Time
	doc     []byte
	state   string
	version int64
	updated time.Time
}

func toRow(sub *reporting.Submission) (row, error) {
	doc, err := reporting.EncodeSubmission(sub)
	if err != nil {
		return row{}, err
	}
	r := row{doc: doc, state: string(sub.State), version: sub.Version, updated: sub.UpdatedAt}
	if at, ok := reporting.DueAt(sub); ok {
		t := at.Truncate(time.Microsecond)
		r.due = &t
	}
	return r, nil
}

func (s *Store) decodeDoc(id string, doc []byte) (*reporting.Submission, error) {
	sub, err := reporting.DecodeSubmission(doc, &s.decode)
	if err != nil {
		return nil, fmt.Errorf("pgstore: record %s: %w", strconv.Quote(id), err)
	}
	return sub, nil
}

// Create implements reporting.Store.
func (s *Store) Create(ctx context.Context, sub *reporting.Submission) error {
	if sub.ID == "" {
		return errors.New("pgstore: empty submission ID")
	}
	next := sub.Clone()
	next.Version = 1
	r, err := toRow(next)
	if err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO reporting_submissions (id, agency, state, due_at, version, updated_at, doc)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
		next.ID, next.Agency, r.state, r.due, r.version, r.updated, r.doc)
	if err != nil {
		return fmt.Errorf("pgstore: create: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return reporting.ErrExists
	}
	sub.Version = 1
	return nil
}

// Get implements reporting.Store.
func (s *Store) Get(ctx context.Context, id string) (*reporting.Submission, error) {
	var doc []byte
	err := s.pool.QueryRow(ctx, "SELECT doc FROM reporting_submissions WHERE id = $1", id).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, reporting.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("pgstore: get: %w", err)
	}
	return s.decodeDoc(id, doc)
}

// Update implements reporting.Store.
func (s *Store) Update(ctx context.Context, sub *reporting.Submission) error {
	next := sub.Clone()
	next.Version = sub.Version + 1
	r, err := toRow(next)
	if err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE reporting_submissions
		SET state = $3, due_at = $4, version = $5, updated_at = $6, doc = $7
		WHERE id = $1 AND version = $2`,
		sub.ID, sub.Version, r.state, r.due, r.version, r.updated, r.doc)
	if err != nil {
		return fmt.Errorf("pgstore: update: %w", err)
	}
	if tag.RowsAffected() == 0 {
		var one int
		err := s.pool.QueryRow(ctx, "SELECT 1 FROM reporting_submissions WHERE id = $1", sub.ID).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return reporting.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("pgstore: update: %w", err)
		}
		return reporting.ErrConflict
	}
	sub.Version++
	return nil
}

// Claim implements reporting.Store with FOR UPDATE SKIP LOCKED: concurrent
// claimers skip each other's rows instead of waiting.
func (s *Store) Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, n int) ([]*reporting.Submission, error) {
	if n <= 0 {
		return nil, ctx.Err()
	}
	var out []*reporting.Submission
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		out = out[:0]
		rows, err := tx.Query(ctx, `SELECT id, doc FROM reporting_submissions
			WHERE due_at IS NOT NULL AND due_at <= $1
			ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`, now, n)
		if err != nil {
			return err
		}
		type rec struct {
			id  string
			doc []byte
		}
		var recs []rec
		for rows.Next() {
			var r rec
			if err := rows.Scan(&r.id, &r.doc); err != nil {
				rows.Close()
				return err
			}
			recs = append(recs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var batch pgx.Batch
		for _, r := range recs {
			sub, err := s.decodeDoc(r.id, r.doc)
			if err != nil {
				return err
			}
			if at, ok := reporting.DueAt(sub); !ok || at.After(now) {
				continue // due within the microsecond the column rounded away
			}
			reporting.ApplyClaim(sub, owner, now, lease)
			sub.Version++
			row, err := toRow(sub)
			if err != nil {
				return err
			}
			batch.Queue(`UPDATE reporting_submissions
				SET state = $2, due_at = $3, version = $4, updated_at = $5, doc = $6 WHERE id = $1`,
				sub.ID, row.state, row.due, row.version, row.updated, row.doc)
			out = append(out, sub)
		}
		if batch.Len() == 0 {
			return nil
		}
		return tx.SendBatch(ctx, &batch).Close()
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: claim: %w", err)
	}
	return out, nil
}

// List implements reporting.Store.
func (s *Store) List(ctx context.Context, q reporting.Query) ([]*reporting.Submission, error) {
	q = q.Normalized()
	rows, err := s.pool.Query(ctx, `SELECT id, doc FROM reporting_submissions
		WHERE ($1 = '' OR state = $1) AND ($2 = '' OR agency = $2) AND id > $3
		ORDER BY id LIMIT $4`, string(q.State), q.Agency, q.After, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list: %w", err)
	}
	defer rows.Close()
	var out []*reporting.Submission
	for rows.Next() {
		var (
			id  string
			doc []byte
		)
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, err
		}
		sub, err := s.decodeDoc(id, doc)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}
