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
	bucketSubs     = []byte("reporting/submissions")
	bucketReceipts = []byte("reporting/receipts")
	bucketDue      = []byte("reporting/due")
	bucketState    = []byte("reporting/state")
	bucketMeta     = []byte("reporting/meta")
	keySchema      = []byte("schema")
)

// schemaVersion is the layout this code writes. Layout 1 (receipts inside the
// submission's JSON) is migrated by New.
const schemaVersion = "2"

// maxIDBytes bounds a submission ID (reporting.SubmissionID is at most a few
// hundred bytes).
const maxIDBytes = 4096

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
	commit committer
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
// stores (takedown's bolt store, for one); it creates the reporting buckets and
// migrates a file of an earlier layout. Close does not close db.
func New(db *bbolt.DB, opts *Options) (*Store, error) {
	s := &Store{db: db}
	if opts != nil && opts.MaxRecordBytes > 0 {
		s.decode.MaxBytes = opts.MaxRecordBytes
	}
	err := db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketSubs, bucketReceipts, bucketDue, bucketState, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		switch v := meta.Get(keySchema); {
		case v == nil:
		case string(v) == "1":
			if err := s.migrate1(tx); err != nil {
				return err
			}
		case string(v) != schemaVersion:
			return ErrSchema
		default:
			return nil
		}
		return meta.Put(keySchema, []byte(schemaVersion))
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: init: %w", err)
	}
	return s, nil
}

// migrate1 rewrites every layout 1 record (the submission's JSON, receipts
// included) as a layout 2 record and its receipts. The index buckets are the
// same in both layouts. A record that does not decode is left as it is: reading
// it is a *reporting.DecodeError, as it was before.
func (s *Store) migrate1(tx *bbolt.Tx) error {
	subs := tx.Bucket(bucketSubs)
	var ids [][]byte
	if err := subs.ForEach(func(k, _ []byte) error {
		ids = append(ids, bytes.Clone(k))
		return nil
	}); err != nil {
		return err
	}
	for _, id := range ids {
		sub, err := reporting.DecodeSubmission(subs.Get(id), &s.decode)
		if err != nil {
			continue
		}
		rec, err := encodeRecord(sub, len(sub.Progress.Receipts))
		if err != nil {
			return err
		}
		if err := appendReceipts(tx, sub.ID, 0, sub.Progress.Receipts); err != nil {
			return err
		}
		if err := subs.Put(id, rec); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the database if Open opened it.
func (s *Store) Close() error {
	if s.owned {
		return s.db.Close()
	}
	return nil
}

func dueKey(ns uint64, id string) []byte {
	k := make([]byte, 8+len(id))
	binary.BigEndian.PutUint64(k, ns)
	copy(k[8:], id)
	return k
}

func stateKey(st reporting.State, id string) []byte {
	k := make([]byte, 0, len(st)+1+len(id))
	k = append(k, st...)
	k = append(k, 0)
	return append(k, id...)
}

// encodeRecord returns the layout 2 record of sub (header and JSON without the
// receipts), which records that receipts receipts are stored.
func encodeRecord(sub *reporting.Submission, receipts int) ([]byte, error) {
	c := *sub
	c.Progress.Receipts = nil
	doc, err := reporting.EncodeSubmission(&c)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, headerFixedLen+len(sub.State)+len(doc))
	return append(appendHeader(b, sub, receipts), doc...), nil
}

// put writes the record rec of sub, moves its index entries from those old
// names (nil for a new submission) and appends the receipts rs, numbered from
// first.
func put(tx *bbolt.Tx, old *header, sub *reporting.Submission, rec []byte, first int, rs []reporting.Receipt) error {
	due, states := tx.Bucket(bucketDue), tx.Bucket(bucketState)
	if old != nil {
		if old.hasDue {
			if err := due.Delete(dueKey(old.due, sub.ID)); err != nil {
				return err
			}
		}
		if err := states.Delete(stateKey(old.state, sub.ID)); err != nil {
			return err
		}
	}
	if at, ok := reporting.DueAt(sub); ok {
		if err := due.Put(dueKey(dueNanos(at), sub.ID), nil); err != nil {
			return err
		}
	}
	if err := states.Put(stateKey(sub.State, sub.ID), nil); err != nil {
		return err
	}
	if err := appendReceipts(tx, sub.ID, first, rs); err != nil {
		return err
	}
	return tx.Bucket(bucketSubs).Put([]byte(sub.ID), rec)
}

// appendReceipts stores rs as the receipts of id numbered from first.
func appendReceipts(tx *bbolt.Tx, id string, first int, rs []reporting.Receipt) error {
	if len(rs) == 0 {
		return nil
	}
	b := tx.Bucket(bucketReceipts)
	prefix := receiptPrefix(id)
	for i := range rs {
		data, err := reporting.EncodeReceipt(&rs[i])
		if err != nil {
			return err
		}
		if err := b.Put(receiptKey(prefix, first+i), data); err != nil {
			return err
		}
	}
	return nil
}

// header reads the header of id's record.
func (s *Store) header(tx *bbolt.Tx, id []byte) (header, []byte, error) {
	rec := tx.Bucket(bucketSubs).Get(id)
	if rec == nil {
		return header{}, nil, reporting.ErrNotFound
	}
	h, err := parseHeader(rec)
	if err != nil {
		return header{}, nil, fmt.Errorf("boltstore: record %q: %w", id, &reporting.DecodeError{Offset: 0, Err: reporting.ErrMalformed, Detail: err.Error()})
	}
	return h, rec, nil
}

// loadDoc decodes id's record without its receipts.
func (s *Store) loadDoc(tx *bbolt.Tx, id []byte) (*reporting.Submission, header, error) {
	h, rec, err := s.header(tx, id)
	if err != nil {
		return nil, h, err
	}
	sub, err := reporting.DecodeSubmission(rec[h.bodyAt:], &s.decode)
	if err == nil && len(sub.Progress.Receipts) > 0 {
		err = &reporting.DecodeError{Offset: -1, Field: "progress.receipts", Err: reporting.ErrMalformed, Detail: "receipts inside a layout 2 record"}
	}
	if err == nil && sub.ID != string(id) {
		err = &reporting.DecodeError{Offset: -1, Field: "id", Err: reporting.ErrMalformed, Detail: "record under another ID"}
	}
	if err != nil {
		return nil, h, fmt.Errorf("boltstore: record %q: %w", id, err)
	}
	sub.Version = h.version
	return sub, h, nil
}

// load decodes id's record and its receipts.
func (s *Store) load(tx *bbolt.Tx, id []byte) (*reporting.Submission, error) {
	sub, h, err := s.loadDoc(tx, id)
	if err != nil {
		return nil, err
	}
	if sub.Progress.Receipts, err = s.loadReceipts(tx, sub.ID, h.receipts); err != nil {
		return nil, err
	}
	return sub, nil
}

// loadReceipts reads the n receipts of id.
func (s *Store) loadReceipts(tx *bbolt.Tx, id string, n int) ([]reporting.Receipt, error) {
	if n == 0 {
		return nil, nil
	}
	bad := func(detail string, err error) error {
		if err == nil {
			err = &reporting.DecodeError{Offset: -1, Field: "progress.receipts", Err: reporting.ErrMalformed, Detail: detail}
		}
		return fmt.Errorf("boltstore: receipts of %q: %w", id, err)
	}
	maxReceipts := reporting.DefaultMaxReceipts
	if s.decode.MaxReceipts > 0 {
		maxReceipts = s.decode.MaxReceipts
	}
	if n > maxReceipts {
		return nil, bad("", &reporting.DecodeError{Offset: -1, Field: "progress.receipts", Err: reporting.ErrTooManyItems})
	}
	prefix := receiptPrefix(id)
	out := make([]reporting.Receipt, 0, n)
	c := tx.Bucket(bucketReceipts).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < n; k, v = c.Next() {
		if len(k) != len(prefix)+4 || int(binary.BigEndian.Uint32(k[len(prefix):])) != len(out) {
			return nil, bad("receipt numbers out of sequence", nil)
		}
		r, err := reporting.DecodeReceipt(v, &s.decode)
		if err != nil {
			return nil, bad("", err)
		}
		out = append(out, *r)
	}
	if len(out) != n {
		return nil, bad("receipts missing", nil)
	}
	return out, nil
}

// Create implements reporting.Store.
func (s *Store) Create(ctx context.Context, sub *reporting.Submission) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if sub.ID == "" || len(sub.ID) > maxIDBytes {
		return fmt.Errorf("boltstore: submission ID empty or over %d bytes", maxIDBytes)
	}
	next := *sub
	next.Version = 1
	rs := sub.Progress.Receipts
	rec, err := encodeRecord(&next, len(rs))
	if err != nil {
		return err
	}
	err = s.commit.write(s.db, func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketSubs).Get([]byte(sub.ID)) != nil {
			return reporting.ErrExists
		}
		return dirty(put(tx, nil, &next, rec, 0, rs))
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

// Update implements reporting.Store. It encodes the submission before it takes
// bbolt's write lock and, under the lock, reads only the stored record's header
// (version, index keys, receipt count): the stored JSON is not decoded, and only
// receipts the store does not hold yet are written. Concurrent Creates and
// Updates share write transactions (group commit): it returns once the
// transaction holding its write has committed.
func (s *Store) Update(ctx context.Context, sub *reporting.Submission) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	next := *sub
	next.Version = sub.Version + 1
	rs := sub.Progress.Receipts
	rec, err := encodeRecord(&next, len(rs))
	if err != nil {
		return err
	}
	err = s.commit.write(s.db, func(tx *bbolt.Tx) error {
		old, _, err := s.header(tx, []byte(sub.ID))
		if err != nil {
			return err
		}
		if old.version != sub.Version {
			return reporting.ErrConflict
		}
		if len(rs) < old.receipts {
			return fmt.Errorf("%w: receipts are append-only: the submission holds %d, the store %d", reporting.ErrConflict, len(rs), old.receipts)
		}
		return dirty(put(tx, &old, &next, rec, old.receipts, rs[old.receipts:]))
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
		limit := dueNanos(now)
		var ids [][]byte
		c := tx.Bucket(bucketDue).Cursor()
		for k, _ := c.First(); k != nil && len(ids) < n; k, _ = c.Next() {
			if len(k) < 8 || binary.BigEndian.Uint64(k[:8]) > limit {
				break
			}
			ids = append(ids, append([]byte(nil), k[8:]...))
		}
		for _, id := range ids {
			sub, h, err := s.loadDoc(tx, id)
			if err != nil {
				return err
			}
			if at, ok := reporting.DueAt(sub); !ok || at.After(now) {
				return fmt.Errorf("boltstore: due index out of step for %q", id)
			}
			reporting.ApplyClaim(sub, owner, now, lease)
			sub.Version++
			rec, err := encodeRecord(sub, h.receipts)
			if err != nil {
				return err
			}
			if err := put(tx, &h, sub, rec, h.receipts, nil); err != nil {
				return err
			}
			if sub.Progress.Receipts, err = s.loadReceipts(tx, sub.ID, h.receipts); err != nil {
				return err
			}
			out = append(out, sub)
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
