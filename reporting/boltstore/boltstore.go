package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/mnr-sdk/mnr/reporting"
)

var (
	bucketSubs  = []byte("reporting/submissions")
	bucketDue   = []byte("reporting/due")
	bucketState = []byte("reporting/state")
	bucketMeta  = []byte("reporting/meta")
	keySchema   = []byte("schema")
)

const schemaVersion = "1"

// ErrSchema: the file holds a reporting layout this version does not know.
var ErrSchema = errors.New("boltstore: unknown reporting schema version")

// Options configures a Store. A nil *Options means the defaults.
type Options struct {
	// Timeout is how long Open waits for the file lock held by another process.
	// Default 1 s.
	Timeout time.Duration
	// MaxRecordBytes bounds one stored submission. Default 16 MiB
	// (reporting.DefaultMaxSubmissionBytes).
	MaxRecordBytes int64
}

// Store is a reporting.Store in a bbolt database.
type Store struct {
	db     *bbolt.DB
	owned  bool
	decode reporting.DecodeOptions
}

var _ reporting.Store = (*Store)(nil)

// Open opens (creating if needed) the bbolt file at path with mode 0600 and
// returns a Store that closes it on Close.
func Open(path string, opts *Options) (*Store, error) {
	timeout := time.Second
	if opts != nil && opts.Timeout > 0 {
		timeout = opts.Timeout
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("boltstore: open: %w", err)
	}
	s, err := New(db, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// New returns a Store over an open database that the caller may share with other
// stores (takedown's bolt store, for one); it creates the reporting buckets.
// Close does not close db.
func New(db *bbolt.DB, opts *Options) (*Store, error) {
	s := &Store{db: db}
	if opts != nil && opts.MaxRecordBytes > 0 {
		s.decode.MaxBytes = opts.MaxRecordBytes
	}
	err := db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketSubs, bucketDue, bucketState, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		switch v := meta.Get(keySchema); {
		case v == nil:
			return meta.Put(keySchema, []byte(schemaVersion))
		case string(v) != schemaVersion:
			return ErrSchema
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: init: %w", err)
	}
	return s, nil
}

// Close closes the database if Open opened it.
func (s *Store) Close() error {
	if s.owned {
		return s.db.Close()
	}
	return nil
}

func dueKey(at time.Time, id string) []byte {
	k := make([]byte, 8+len(id))
	ns := at.UnixNano()
	if ns < 0 || at.Year() < 1970 {
		ns = 0
	}
	binary.BigEndian.PutUint64(k, uint64(ns))
	copy(k[8:], id)
	return k
}

func stateKey(st reporting.State, id string) []byte {
	k := make([]byte, 0, len(st)+1+len(id))
	k = append(k, st...)
	k = append(k, 0)
	return append(k, id...)
}

// put writes sub and moves its index entries from those of old (nil for new).
func put(tx *bbolt.Tx, old, sub *reporting.Submission) error {
	data, err := reporting.EncodeSubmission(sub)
	if err != nil {
		return err
	}
	due, states := tx.Bucket(bucketDue), tx.Bucket(bucketState)
	if old != nil {
		if at, ok := reporting.DueAt(old); ok {
			if err := due.Delete(dueKey(at, old.ID)); err != nil {
				return err
			}
		}
		if err := states.Delete(stateKey(old.State, old.ID)); err != nil {
			return err
		}
	}
	if at, ok := reporting.DueAt(sub); ok {
		if err := due.Put(dueKey(at, sub.ID), nil); err != nil {
			return err
		}
	}
	if err := states.Put(stateKey(sub.State, sub.ID), nil); err != nil {
		return err
	}
	return tx.Bucket(bucketSubs).Put([]byte(sub.ID), data)
}

func (s *Store) load(tx *bbolt.Tx, id []byte) (*reporting.Submission, error) {
	data := tx.Bucket(bucketSubs).Get(id)
	if data == nil {
		return nil, reporting.ErrNotFound
	}
	sub, err := reporting.DecodeSubmission(data, &s.decode)
	if err != nil {
		return nil, fmt.Errorf("boltstore: record %q: %w", id, err)
	}
	return sub, nil
}

// Create implements reporting.Store.
func (s *Store) Create(ctx context.Context, sub *reporting.Submission) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if sub.ID == "" {
		return errors.New("boltstore: empty submission ID")
	}
	next := sub.Clone()
	next.Version = 1
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketSubs).Get([]byte(sub.ID)) != nil {
			return reporting.ErrExists
		}
		return put(tx, nil, next)
	})
	if err != nil {
		return err
	}
	sub.Version = 1
	return nil
}

// Get implements reporting.Store.
func (s *Store) Get(ctx context.Context, id string) (*reporting.Submission, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out *reporting.Submission
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		out, err = s.load(tx, []byte(id))
		return err
	})
	return out, err
}

// Update implements reporting.Store.
func (s *Store) Update(ctx context.Context, sub *reporting.Submission) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	next := sub.Clone()
	next.Version = sub.Version + 1
	err := s.db.Update(func(tx *bbolt.Tx) error {
		old, err := s.load(tx, []byte(sub.ID))
		if err != nil {
			return err
		}
		if old.Version != sub.Version {
			return reporting.ErrConflict
		}
		return put(tx, old, next)
	})
	if err != nil {
		return err
	}
	sub.Version++
	return nil
}

// Claim implements reporting.Store.
func (s *Store) Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, n int) ([]*reporting.Submission, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, nil
	}
	var out []*reporting.Submission
	err := s.db.Update(func(tx *bbolt.Tx) error {
		out = out[:0]
		limit := dueKey(now, "")
		var ids [][]byte
		c := tx.Bucket(bucketDue).Cursor()
		for k, _ := c.First(); k != nil && len(ids) < n; k, _ = c.Next() {
			if len(k) < 8 || bytes.Compare(k[:8], limit[:8]) > 0 {
				break
			}
			ids = append(ids, append([]byte(nil), k[8:]...))
		}
		for _, id := range ids {
			old, err := s.load(tx, id)
			if err != nil {
				return err
			}
			if at, ok := reporting.DueAt(old); !ok || at.After(now) {
				return fmt.Errorf("boltstore: due index out of step for %q", id)
			}
			next := old.Clone()
			reporting.ApplyClaim(next, owner, now, lease)
			next.Version++
			if err := put(tx, old, next); err != nil {
				return err
			}
			out = append(out, next)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// List implements reporting.Store.
func (s *Store) List(ctx context.Context, q reporting.Query) ([]*reporting.Submission, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q = q.Normalized()
	var out []*reporting.Submission
	err := s.db.View(func(tx *bbolt.Tx) error {
		if q.State != "" {
			prefix := stateKey(q.State, "")
			c := tx.Bucket(bucketState).Cursor()
			for k, _ := c.Seek(stateKey(q.State, q.After)); k != nil && bytes.HasPrefix(k, prefix) && len(out) < q.Limit; k, _ = c.Next() {
				sub, err := s.load(tx, k[len(prefix):])
				if err != nil {
					return err
				}
				if q.Match(sub) {
					out = append(out, sub)
				}
			}
			return nil
		}
		// IDs are "agency/report", so an agency filter is a key range.
		start, prefix := []byte(q.After), []byte(nil)
		if q.Agency != "" {
			prefix = []byte(q.Agency + "/")
			if bytes.Compare(start, prefix) < 0 {
				start = prefix
			}
		}
		c := tx.Bucket(bucketSubs).Cursor()
		for k, _ := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix) && len(out) < q.Limit; k, _ = c.Next() {
			sub, err := s.load(tx, k)
			if err != nil {
				return err
			}
			if q.Match(sub) {
				out = append(out, sub)
			}
		}
		return nil
	})
	return out, err
}
