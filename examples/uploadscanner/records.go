package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.etcd.io/bbolt"
)

// scanRecord is what the scanner keeps about one matching upload, beside its
// takedown case: the matches, where the bytes are in the evidence vault, the
// drafted reports and the review outcome. It holds no upload bytes and no personal
// data.
type scanRecord struct {
	CaseID     string      `json:"case_id"`
	ScanID     string      `json:"scan_id"` // the request ID of the upload
	At         time.Time   `json:"at"`
	Decision   string      `json:"decision"`
	Evidence   string      `json:"evidence"` // vault digest (hex SHA-256 of the bytes)
	Format     string      `json:"format"`
	Size       int64       `json:"size"`
	Matches    []matchView `json:"matches"`
	Reports    []string    `json:"reports"` // outbox submission IDs
	Review     string      `json:"review,omitempty"`
	ReviewedAt time.Time   `json:"reviewed_at,omitzero"`
	Reviewer   string      `json:"reviewer,omitempty"`
	// Reported lists the report IDs already recorded on the case as EventReported.
	Reported []string `json:"reported,omitempty"`
}

// Review outcomes.
const (
	reviewConfirmed = "confirmed"
	reviewDismissed = "dismissed"
)

var (
	errRecordNotFound = errors.New("uploadscanner: no scan record for this case")
	errAlreadyDecided = errors.New("uploadscanner: case already reviewed")
)

// recordStore keeps scan records in the same database as the takedown cases and the
// report outbox. Implementations are safe for concurrent use.
type recordStore interface {
	put(ctx context.Context, rec *scanRecord) error
	get(ctx context.Context, caseID string) (*scanRecord, error)
	// pending lists records awaiting review, oldest first.
	pending(ctx context.Context, limit int) ([]*scanRecord, error)
	// decided lists reviewed records, most recently reviewed first.
	decided(ctx context.Context, limit int) ([]*scanRecord, error)
	// update applies f to the stored record atomically and stores the result.
	update(ctx context.Context, caseID string, f func(*scanRecord) error) (*scanRecord, error)
}

// maxListLimit bounds every list the API and the reviewer page return.
const maxListLimit = 500

// boltRecords stores records in buckets of a shared bbolt file:
// uploadscanner/records (case ID -> JSON), uploadscanner/pending and
// uploadscanner/decided (big-endian unix nanos + case ID -> nothing).
type boltRecords struct{ db *bbolt.DB }

var (
	bucketRecords = []byte("uploadscanner/records")
	bucketPending = []byte("uploadscanner/pending")
	bucketDecided = []byte("uploadscanner/decided")
)

func newBoltRecords(db *bbolt.DB) (*boltRecords, error) {
	err := db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketRecords, bucketPending, bucketDecided} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("uploadscanner: create record buckets: %w", err)
	}
	return &boltRecords{db: db}, nil
}

func timeKey(t time.Time, id string) []byte {
	k := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(k, uint64(t.UnixNano()))
	return append(k, id...)
}

func (s *boltRecords) put(ctx context.Context, rec *scanRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return s.db.Batch(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketRecords).Get([]byte(rec.CaseID)) != nil {
			return nil // idempotent: the first record wins
		}
		if err := tx.Bucket(bucketRecords).Put([]byte(rec.CaseID), b); err != nil {
			return err
		}
		return tx.Bucket(bucketPending).Put(timeKey(rec.At, rec.CaseID), nil)
	})
}

func (s *boltRecords) get(ctx context.Context, caseID string) (*scanRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var rec *scanRecord
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		rec, err = decodeRecord(tx.Bucket(bucketRecords).Get([]byte(caseID)))
		return err
	})
	return rec, err
}

func decodeRecord(b []byte) (*scanRecord, error) {
	if b == nil {
		return nil, errRecordNotFound
	}
	var rec scanRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("uploadscanner: corrupt scan record: %w", err)
	}
	return &rec, nil
}

func (s *boltRecords) pending(ctx context.Context, limit int) ([]*scanRecord, error) {
	return s.scan(ctx, bucketPending, limit, false)
}

func (s *boltRecords) decided(ctx context.Context, limit int) ([]*scanRecord, error) {
	return s.scan(ctx, bucketDecided, limit, true)
}

func (s *boltRecords) scan(ctx context.Context, index []byte, limit int, newestFirst bool) ([]*scanRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	limit = min(max(limit, 1), maxListLimit)
	var out []*scanRecord
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(index).Cursor()
		recs := tx.Bucket(bucketRecords)
		k, _ := c.First()
		next := c.Next
		if newestFirst {
			k, _ = c.Last()
			next = c.Prev
		}
		for ; k != nil && len(out) < limit; k, _ = next() {
			if len(k) < 8 {
				return errors.New("uploadscanner: corrupt record index")
			}
			rec, err := decodeRecord(recs.Get(k[8:]))
			if err != nil {
				return err
			}
			out = append(out, rec)
		}
		return nil
	})
	return out, err
}

func (s *boltRecords) update(ctx context.Context, caseID string, f func(*scanRecord) error) (*scanRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var rec *scanRecord
	err := s.db.Update(func(tx *bbolt.Tx) error {
		var err error
		rec, err = decodeRecord(tx.Bucket(bucketRecords).Get([]byte(caseID)))
		if err != nil {
			return err
		}
		wasPending := rec.Review == ""
		if err := f(rec); err != nil {
			return err
		}
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketRecords).Put([]byte(caseID), b); err != nil {
			return err
		}
		if wasPending && rec.Review != "" {
			if err := tx.Bucket(bucketPending).Delete(timeKey(rec.At, caseID)); err != nil {
				return err
			}
			return tx.Bucket(bucketDecided).Put(timeKey(rec.ReviewedAt, caseID), nil)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// pgRecords stores records in one table of the PostgreSQL database the takedown
// and reporting stores use.
type pgRecords struct{ pool *pgxpool.Pool }

const pgRecordsSchema = `
CREATE TABLE IF NOT EXISTS uploadscanner_records (
	case_id     text PRIMARY KEY,
	at          timestamptz NOT NULL,
	review      text NOT NULL DEFAULT '',
	reviewed_at timestamptz,
	body        jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS uploadscanner_records_pending ON uploadscanner_records (at) WHERE review = '';
CREATE INDEX IF NOT EXISTS uploadscanner_records_decided ON uploadscanner_records (reviewed_at) WHERE review <> '';
`

func newPGRecords(ctx context.Context, pool *pgxpool.Pool) (*pgRecords, error) {
	// Two replicas starting at once may race on CREATE ... IF NOT EXISTS; an
	// advisory lock serialises them.
	tx, err := pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7466373256)`); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, pgRecordsSchema); err != nil {
		return nil, fmt.Errorf("uploadscanner: create records table: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	return &pgRecords{pool: pool}, nil
}

func (s *pgRecords) put(ctx context.Context, rec *scanRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO uploadscanner_records (case_id, at, body) VALUES ($1, $2, $3)
		ON CONFLICT (case_id) DO NOTHING`, rec.CaseID, rec.At, b)
	return err
}

func (s *pgRecords) get(ctx context.Context, caseID string) (*scanRecord, error) {
	var b []byte
	err := s.pool.QueryRow(ctx, `SELECT body FROM uploadscanner_records WHERE case_id = $1`, caseID).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errRecordNotFound
	}
	if err != nil {
		return nil, err
	}
	return decodeRecord(b)
}

func (s *pgRecords) pending(ctx context.Context, limit int) ([]*scanRecord, error) {
	return s.query(ctx, `SELECT body FROM uploadscanner_records WHERE review = '' ORDER BY at, case_id LIMIT $1`, limit)
}

func (s *pgRecords) decided(ctx context.Context, limit int) ([]*scanRecord, error) {
	return s.query(ctx, `SELECT body FROM uploadscanner_records WHERE review <> '' ORDER BY reviewed_at DESC, case_id LIMIT $1`, limit)
}

func (s *pgRecords) query(ctx context.Context, q string, limit int) ([]*scanRecord, error) {
	rows, err := s.pool.Query(ctx, q, min(max(limit, 1), maxListLimit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*scanRecord
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		rec, err := decodeRecord(b)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

func (s *pgRecords) update(ctx context.Context, caseID string, f func(*scanRecord) error) (*scanRecord, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	var b []byte
	err = tx.QueryRow(ctx, `SELECT body FROM uploadscanner_records WHERE case_id = $1 FOR UPDATE`, caseID).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errRecordNotFound
	}
	if err != nil {
		return nil, err
	}
	rec, err := decodeRecord(b)
	if err != nil {
		return nil, err
	}
	if err := f(rec); err != nil {
		return nil, err
	}
	if b, err = json.Marshal(rec); err != nil {
		return nil, err
	}
	var reviewedAt *time.Time
	if !rec.ReviewedAt.IsZero() {
		reviewedAt = &rec.ReviewedAt
	}
	if _, err := tx.Exec(ctx, `UPDATE uploadscanner_records SET body = $2, review = $3, reviewed_at = $4 WHERE case_id = $1`,
		caseID, b, rec.Review, reviewedAt); err != nil {
		return nil, err
	}
	return rec, tx.Commit(ctx)
}
