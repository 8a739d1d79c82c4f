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

// dataMigrations are Go steps that run right after the SQL file of the same
// version, in the same transaction.
var dataMigrations = map[int]func(s *Store, ctx context.Context, tx pgx.Tx) error{
	2: (*Store).moveReceipts,
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
			if step := dataMigrations[v]; step != nil {
				if err := step(s, ctx, tx); err != nil {
					return fmt.Errorf("pgstore: apply %s: %w", name, err)
				}
			}
			if _, err := tx.Exec(ctx, "INSERT INTO reporting_schema_migrations (version) VALUES ($1)", v); err != nil {
				return err
			}
		}
		return nil
	})
}

// moveReceipts (migration 2) moves the receipts inside each submission's doc
// into reporting_receipts, a page of rows at a time. A doc that does not decode
// is left as it is: reading it stays a *reporting.DecodeError.
func (s *Store) moveReceipts(ctx context.Context, tx pgx.Tx) error {
	after := ""
	for {
		rows, err := tx.Query(ctx, `SELECT id, doc FROM reporting_submissions WHERE id > $1 ORDER BY id LIMIT 500`, after)
		if err != nil {
			return err
		}
		type rec struct {
			id  string
			doc []byte
		}
		recs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (rec, error) {
			var x rec
			return x, r.Scan(&x.id, &x.doc)
		})
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return nil
		}
		var batch pgx.Batch
		for _, r := range recs {
			after = r.id
			sub, err := reporting.DecodeSubmission(r.doc, &s.decode)
			if err != nil || len(sub.Progress.Receipts) == 0 {
				continue
			}
			row, err := toRow(sub)
			if err != nil {
				return err
			}
			if err := queueReceipts(&batch, sub.ID, 0, sub.Progress.Receipts); err != nil {
				return err
			}
			batch.Queue(`UPDATE reporting_submissions SET doc = $2, receipts = $3 WHERE id = $1`, sub.ID, row.doc, len(sub.Progress.Receipts))
		}
		if batch.Len() > 0 {
			if err := tx.SendBatch(ctx, &batch).Close(); err != nil {
				return err
			}
		}
	}
}

// row is the columns derived from a submission.
type row struct {
	due     *time.Time
	doc     []byte
	state   string
	version int64
	updated time.Time
}

// toRow returns the columns of sub; doc is its JSON without the receipts, which
// live in reporting_receipts.
func toRow(sub *reporting.Submission) (row, error) {
	c := *sub
	c.Progress.Receipts = nil
	doc, err := reporting.EncodeSubmission(&c)
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

// encodeReceipts returns the stored form of each receipt.
func encodeReceipts(rs []reporting.Receipt) ([][]byte, error) {
	docs := make([][]byte, len(rs))
	for i := range rs {
		d, err := reporting.EncodeReceipt(&rs[i])
		if err != nil {
			return nil, err
		}
		docs[i] = d
	}
	return docs, nil
}

// queueReceipts queues the insertion of rs as the receipts of id numbered from
// first, in one statement.
func queueReceipts(b *pgx.Batch, id string, first int, rs []reporting.Receipt) error {
	if len(rs) == 0 {
		return nil
	}
	docs, err := encodeReceipts(rs)
	if err != nil {
		return err
	}
	b.Queue(`INSERT INTO reporting_receipts (submission_id, seq, doc)
		SELECT $1, $2 + r.i - 1, r.doc FROM unnest($3::bytea[]) WITH ORDINALITY AS r(doc, i)`, id, first, docs)
	return nil
}

// selectSubs is the start of every query that reads whole submissions: the
// stored columns and the receipts in order.
const selectSubs = `SELECT s.id, s.doc, s.version, s.receipts,
	coalesce((SELECT array_agg(r.doc ORDER BY r.seq) FROM reporting_receipts r WHERE r.submission_id = s.id), '{}')
	FROM reporting_submissions s `

// scanned is one row of selectSubs.
type scanned struct {
	id       string
	doc      []byte
	version  int64
	stored   int
	receipts [][]byte
}

func scanSub(r pgx.CollectableRow) (scanned, error) {
	var x scanned
	return x, r.Scan(&x.id, &x.doc, &x.version, &x.stored, &x.receipts)
}

// assemble decodes a row of selectSubs. The receipts are those of
// reporting_receipts followed by any inside doc (written by a replica still
// running the code before migration 2; the next write moves them).
func (s *Store) assemble(x scanned) (*reporting.Submission, error) {
	bad := func(err error) error {
		return fmt.Errorf("pgstore: record %s: %w", strconv.Quote(x.id), err)
	}
	sub, err := reporting.DecodeSubmission(x.doc, &s.decode)
	if err != nil {
		return nil, bad(err)
	}
	if len(x.receipts) != x.stored {
		return nil, bad(&reporting.DecodeError{Offset: -1, Field: "progress.receipts", Err: reporting.ErrMalformed, Detail: "receipt count does not match"})
	}
	maxReceipts := reporting.DefaultMaxReceipts
	if s.decode.MaxReceipts > 0 {
		maxReceipts = s.decode.MaxReceipts
	}
	if len(x.receipts)+len(sub.Progress.Receipts) > maxReceipts {
		return nil, bad(&reporting.DecodeError{Offset: -1, Field: "progress.receipts", Err: reporting.ErrTooManyItems})
	}
	if len(x.receipts) > 0 {
		rs := make([]reporting.Receipt, 0, len(x.receipts)+len(sub.Progress.Receipts))
		for _, d := range x.receipts {
			r, err := reporting.DecodeReceipt(d, &s.decode)
			if err != nil {
				return nil, bad(err)
			}
			rs = append(rs, *r)
		}
		sub.Progress.Receipts = append(rs, sub.Progress.Receipts...)
	}
	sub.Version = x.version
	return sub, nil
}

// Create implements reporting.Store.
func (s *Store) Create(ctx context.Context, sub *reporting.Submission) error {
	if sub.ID == "" {
		return errors.New("pgstore: empty submission ID")
	}
	next := *sub
	next.Version = 1
	r, err := toRow(&next)
	if err != nil {
		return err
	}
	rs := sub.Progress.Receipts
	const insert = `INSERT INTO reporting_submissions (id, agency, state, due_at, version, updated_at, doc, receipts)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`
	args := []any{next.ID, next.Agency, r.state, r.due, r.version, r.updated, r.doc, len(rs)}
	var created bool
	if len(rs) == 0 {
		tag, err := s.pool.Exec(ctx, insert, args...)
		if err != nil {
			return fmt.Errorf("pgstore: create: %w", err)
		}
		created = tag.RowsAffected() == 1
	} else {
		// One statement: the receipts go in only if the submission did.
		docs, err := encodeReceipts(rs)
		if err != nil {
			return err
		}
		tag, err := s.pool.Exec(ctx, `WITH ins AS (`+insert+` RETURNING id)
			INSERT INTO reporting_receipts (submission_id, seq, doc)
			SELECT ins.id, r.i - 1, r.doc FROM ins, unnest($9::bytea[]) WITH ORDINALITY AS r(doc, i)`,
			append(args, docs)...)
		if err != nil {
			return fmt.Errorf("pgstore: create: %w", err)
		}
		created = tag.RowsAffected() == int64(len(rs))
	}
	if !created {
		return reporting.ErrExists
	}
	sub.Version = 1
	return nil
}

// Get implements reporting.Store.
func (s *Store) Get(ctx context.Context, id string) (*reporting.Submission, error) {
	rows, err := s.pool.Query(ctx, selectSubs+"WHERE s.id = $1", id)
	if err != nil {
		return nil, fmt.Errorf("pgstore: get: %w", err)
	}
	x, err := pgx.CollectExactlyOneRow(rows, scanSub)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, reporting.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("pgstore: get: %w", err)
	}
	return s.assemble(x)
}

// Update implements reporting.Store. A save that brings no new receipt is one
// statement, a compare-and-swap on the version and the receipt count; one that
// does locks the row, reads its receipt count and appends only the new receipts,
// in one transaction.
func (s *Store) Update(ctx context.Context, sub *reporting.Submission) error {
	next := *sub
	next.Version = sub.Version + 1
	r, err := toRow(&next)
	if err != nil {
		return err
	}
	rs := sub.Progress.Receipts
	const update = `UPDATE reporting_submissions
		SET state = $3, due_at = $4, version = $5, updated_at = $6, doc = $7, receipts = $8
		WHERE id = $1 AND version = $2`
	args := []any{sub.ID, sub.Version, r.state, r.due, r.version, r.updated, r.doc, len(rs)}
	tag, err := s.pool.Exec(ctx, update+" AND receipts = $8", args...)
	if err != nil {
		return fmt.Errorf("pgstore: update: %w", err)
	}
	if tag.RowsAffected() == 1 {
		sub.Version++
		return nil
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var (
			version int64
			stored  int
		)
		err := tx.QueryRow(ctx, "SELECT version, receipts FROM reporting_submissions WHERE id = $1 FOR UPDATE", sub.ID).Scan(&version, &stored)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return reporting.ErrNotFound
		case err != nil:
			return err
		case version != sub.Version:
			return reporting.ErrConflict
		case len(rs) < stored:
			return fmt.Errorf("%w: receipts are append-only: the submission holds %d, the store %d", reporting.ErrConflict, len(rs), stored)
		}
		var b pgx.Batch
		if err := queueReceipts(&b, sub.ID, stored, rs[stored:]); err != nil {
			return err
		}
		b.Queue(update, args...)
		return tx.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		if errors.Is(err, reporting.ErrNotFound) || errors.Is(err, reporting.ErrConflict) {
			return err
		}
		return fmt.Errorf("pgstore: update: %w", err)
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
		rows, err := tx.Query(ctx, selectSubs+`WHERE s.due_at IS NOT NULL AND s.due_at <= $1
			ORDER BY s.due_at, s.id LIMIT $2 FOR UPDATE OF s SKIP LOCKED`, now, n)
		if err != nil {
			return err
		}
		recs, err := pgx.CollectRows(rows, scanSub)
		if err != nil {
			return err
		}
		var batch pgx.Batch
		for _, x := range recs {
			sub, err := s.assemble(x)
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
			// Receipts still inside doc (see assemble) move to the table.
			if err := queueReceipts(&batch, sub.ID, x.stored, sub.Progress.Receipts[x.stored:]); err != nil {
				return err
			}
			batch.Queue(`UPDATE reporting_submissions
				SET state = $2, due_at = $3, version = $4, updated_at = $5, doc = $6, receipts = $7 WHERE id = $1`,
				sub.ID, row.state, row.due, row.version, row.updated, row.doc, len(sub.Progress.Receipts))
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
	rows, err := s.pool.Query(ctx, selectSubs+`
		WHERE ($1 = '' OR s.state = $1) AND ($2 = '' OR s.agency = $2) AND s.id > $3
		ORDER BY s.id LIMIT $4`, string(q.State), q.Agency, q.After, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list: %w", err)
	}
	recs, err := pgx.CollectRows(rows, scanSub)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list: %w", err)
	}
	out := make([]*reporting.Submission, 0, len(recs))
	for _, x := range recs {
		sub, err := s.assemble(x)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, nil
}
