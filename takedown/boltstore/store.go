package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mnr-sdk/mnr/takedown"
	bolt "go.etcd.io/bbolt"
)

// Options configure a Store. Nil means every default.
type Options struct {
	// Bucket is the top-level bucket holding everything of this store, so several mnr
	// stores can share one file. Default "takedown".
	Bucket string
	// LockTimeout is how long Open waits for the file lock held by another process.
	// Default 5 seconds. (Only for Open.)
	LockTimeout time.Duration
	// Mode is the file mode for a new file. Default 0600. (Only for Open.)
	Mode os.FileMode
	// PageSize is the bbolt page size of a new file (an existing file keeps its own).
	// Default 8192: with the idempotency index written at random places, larger pages
	// mean fewer pages and write calls per commit; measured, 8 KiB opens cases about
	// twice as fast as 4 KiB on this workload. (Only for Open.)
	PageSize int
	// Check runs bbolt's full consistency check when the store opens. It reads every
	// page, so it costs time proportional to the file size. Default false.
	Check bool
}

// Store is a takedown.Store in a bbolt file. It is safe for concurrent use.
type Store struct {
	db       *bolt.DB
	own      bool
	path     string
	root     []byte
	inflight atomic.Int32
	closed   atomic.Bool

	// Timer leases live in memory: bbolt lets one process at a time open the file, so
	// a lease can only matter between engines of this process, and a crash releases
	// them all. Claim scans and leases under leaseMu, and Complete drops a lease under
	// it only after its commit, so no claim can see a fired timer as free.
	leaseMu sync.Mutex
	leases  map[string]leaseRec // timer key -> lease
}

type leaseRec struct {
	worker  string
	until   time.Time
	attempt int
}

// Bucket and key names inside the store's top-level bucket.
const (
	bCases   = "cases"
	bEvents  = "events"
	bTimers  = "deadlines" // case NUL deadline -> the due-index keys of its timers
	bDue     = "due"
	bIdem    = "idem"
	bJournal = "journal"
	bFired   = "fired"
	bMeta    = "meta"
	kHead    = "head"
	kSchema  = "schema"
)

const schemaVersion = "1"

// Open opens (creating if needed) the bbolt file at path. A corrupt or truncated file
// fails with a *CorruptError (errors.Is takedown.ErrCorrupt); a file locked by another
// process fails after LockTimeout. Close closes the file.
func Open(path string, opts *Options) (s *Store, err error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = 5 * time.Second
	}
	if o.Mode == 0 {
		o.Mode = 0o600
	}
	if o.PageSize == 0 {
		o.PageSize = 8192
	}
	if err := validateFile(path); err != nil {
		return nil, err
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, &CorruptError{Path: path, Reason: fmt.Sprintf("bbolt failed opening it: %v", r)}
		}
	}()
	db, err := bolt.Open(path, o.Mode, &bolt.Options{Timeout: o.LockTimeout, PageSize: o.PageSize})
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) || errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
		}
		return nil, &CorruptError{Path: path, Reason: err.Error()}
	}
	s, err = newStore(db, &o, true, path)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// New returns a store inside an open bbolt database, in its own top-level bucket
// (Options.Bucket), so it can share the file with other stores. Close does not close db.
func New(db *bolt.DB, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	return newStore(db, &o, false, db.Path())
}

func newStore(db *bolt.DB, o *Options, own bool, path string) (s *Store, err error) {
	if o.Bucket == "" {
		o.Bucket = "takedown"
	}
	s = &Store{db: db, own: own, path: path, root: []byte(o.Bucket), leases: map[string]leaseRec{}}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, &CorruptError{Path: path, Reason: fmt.Sprintf("%v", r)}
		}
	}()
	if o.Check {
		err := db.View(func(tx *bolt.Tx) error {
			for e := range tx.Check() {
				return &CorruptError{Path: path, Reason: e.Error()}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	// Create the buckets and check the schema.
	err = db.Update(func(tx *bolt.Tx) error {
		root, err := tx.CreateBucketIfNotExists(s.root)
		if err != nil {
			return err
		}
		for _, name := range []string{bCases, bEvents, bTimers, bDue, bIdem, bJournal, bFired, bMeta} {
			if _, err := root.CreateBucketIfNotExists([]byte(name)); err != nil {
				return err
			}
		}
		m := root.Bucket([]byte(bMeta))
		switch v := m.Get([]byte(kSchema)); {
		case v == nil:
			return m.Put([]byte(kSchema), []byte(schemaVersion))
		case string(v) != schemaVersion:
			return fmt.Errorf("boltstore: bucket %q has schema %q, this version reads %q", o.Bucket, v, schemaVersion)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// DB returns the underlying database (for backups with Tx.WriteTo, or to share it).
func (s *Store) DB() *bolt.DB { return s.db }

// Close closes the file if Open opened it. Later calls fail with takedown.ErrClosed.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if s.own {
		return s.db.Close()
	}
	return nil
}

func (s *Store) corrupt(format string, args ...any) error {
	return &CorruptError{Path: s.path, Reason: fmt.Sprintf(format, args...)}
}

type buckets struct {
	cases, events, timers, due, idem, journal, fired, meta *bolt.Bucket
}

func (s *Store) buckets(tx *bolt.Tx) (*buckets, error) {
	root := tx.Bucket(s.root)
	if root == nil {
		return nil, s.corrupt("bucket %q is missing", s.root)
	}
	b := &buckets{cases: root.Bucket([]byte(bCases)), events: root.Bucket([]byte(bEvents)), timers: root.Bucket([]byte(bTimers)),
		due: root.Bucket([]byte(bDue)), idem: root.Bucket([]byte(bIdem)), journal: root.Bucket([]byte(bJournal)),
		fired: root.Bucket([]byte(bFired)), meta: root.Bucket([]byte(bMeta))}
	if b.cases == nil || b.events == nil || b.timers == nil || b.due == nil || b.idem == nil ||
		b.journal == nil || b.fired == nil || b.meta == nil {
		return nil, s.corrupt("a bucket inside %q is missing", s.root)
	}
	// Case IDs start with the opening time and journal keys count up, so these buckets
	// grow mostly at the end: fuller pages mean fewer pages written per commit.
	for _, bk := range []*bolt.Bucket{b.cases, b.events, b.journal, b.timers, b.fired, b.due} {
		bk.FillPercent = 0.9
	}
	return b, nil
}

// guard runs fn, turning a bbolt panic (a corrupt page) into a *CorruptError.
func (s *Store) guard(ctx context.Context, fn func() error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return takedown.ErrClosed
	}
	// A damaged page can make bbolt read outside the mapping: turn that fault into a
	// panic (recovered below) instead of a crash of the whole process.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = s.corrupt("bbolt: %v", r)
		}
	}()
	return fn()
}

func (s *Store) view(ctx context.Context, fn func(*buckets) error) error {
	return s.guard(ctx, func() error {
		return s.db.View(func(tx *bolt.Tx) error {
			b, err := s.buckets(tx)
			if err != nil {
				return err
			}
			return fn(b)
		})
	})
}

// update runs fn in a write transaction. When other writes are in flight it joins
// them in a bbolt batch (one fsync for many commits); alone it commits at once. Either
// way the commit is durable before update returns. fn may run more than once.
func (s *Store) update(ctx context.Context, batch bool, fn func(*buckets) error) error {
	return s.guard(ctx, func() error {
		f := func(tx *bolt.Tx) error {
			b, err := s.buckets(tx)
			if err != nil {
				return err
			}
			return fn(b)
		}
		n := s.inflight.Add(1)
		defer s.inflight.Add(-1)
		if batch && n > 1 {
			return s.db.Batch(f)
		}
		return s.db.Update(f)
	})
}

// ---- keys and records ----

func eventKey(id string, seq uint64) []byte {
	k := make([]byte, 0, len(id)+9)
	k = append(k, id...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

func timerKey(t *takedown.Timer) []byte {
	return []byte(t.Case + "\x00" + t.Deadline + "\x00" + t.Name())
}

// dueKey orders timers by time, then kind rank, then timer key. Times are Unix
// nanoseconds with the sign bit flipped so they sort as unsigned big-endian.
func dueKey(t *takedown.Timer) []byte {
	k := binary.BigEndian.AppendUint64(nil, uint64(t.At.UnixNano())^(1<<63))
	k = append(k, byte(t.Kind.Rank()))
	return append(k, timerKey(t)...)
}

func dueTime(k []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])^(1<<63))).UTC()
}

type timerRec struct {
	Timer takedown.Timer
}

// Timer records are binary (the writer handles a dozen per case): version byte 1, kind
// rank, fraction (float64 bits), at (Unix ns), then case and deadline, each as a
// minimal uvarint length and bytes.
func (r *timerRec) marshal() []byte {
	b := make([]byte, 0, 24+len(r.Timer.Case)+len(r.Timer.Deadline))
	b = append(b, 1, byte(r.Timer.Kind.Rank()))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(r.Timer.Fraction))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Timer.At.UnixNano()))
	for _, f := range []string{r.Timer.Case, r.Timer.Deadline} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

var errTimerRec = errors.New("malformed timer record")

func (r *timerRec) unmarshal(b []byte) error {
	if len(b) < 18 || b[0] != 1 || b[1] > 2 {
		return errTimerRec
	}
	r.Timer.Kind = [...]takedown.TimerKind{takedown.TimerWarning, takedown.TimerDue, takedown.TimerBreach}[b[1]]
	r.Timer.Fraction = math.Float64frombits(binary.BigEndian.Uint64(b[2:]))
	r.Timer.At = time.Unix(0, int64(binary.BigEndian.Uint64(b[10:]))).UTC()
	b = b[18:]
	var fs [2]string
	for i := range fs {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) || k != len(binary.AppendUvarint(nil, n)) {
			return errTimerRec // short, or a non-minimal length
		}
		fs[i] = string(b[k : k+int(n)])
		b = b[k+int(n):]
	}
	if len(b) != 0 {
		return errTimerRec
	}
	r.Timer.Case, r.Timer.Deadline = fs[0], fs[1]
	return nil
}

func (s *Store) decodeTimer(v []byte, r *timerRec) error {
	if err := r.unmarshal(v); err != nil {
		return s.corrupt("timer record: %v", err)
	}
	return nil
}

func (s *Store) decode(what string, b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return s.corrupt("%s record: %v", what, err)
	}
	return nil
}

func put(b *bolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}

func (s *Store) getCase(b *buckets, id string) (*takedown.Case, error) {
	v := b.cases.Get([]byte(id))
	if v == nil {
		return nil, fmt.Errorf("boltstore: case %s: %w", id, takedown.ErrNotFound)
	}
	var c takedown.Case
	if err := unmarshalCase(v, &c); err != nil {
		return nil, s.corrupt("case record: %v", err)
	}
	if c.ID != id {
		return nil, s.corrupt("case record %s holds case %s", id, c.ID)
	}
	return &c, nil
}

func (s *Store) head(b *buckets) (takedown.ChainHead, error) {
	var h takedown.ChainHead
	if v := b.meta.Get([]byte(kHead)); v != nil {
		if err := unmarshalHead(v, &h); err != nil {
			return h, s.corrupt("head record: %v", err)
		}
	}
	return h, nil
}

// encoded is a Change encoded outside the write transaction, so that the single
// writer only copies bytes into the B+trees.
type encoded struct {
	ch      *takedown.Change
	caseVal []byte
	events  [][2][]byte // key, value
	due     [][2][]byte // due key, timer record
	index   [][2][]byte // case NUL deadline, its due keys
	idemVal []byte
}

func encode(ch *takedown.Change) (*encoded, error) {
	x := &encoded{ch: ch, caseVal: marshalCase(ch.Case, ch.StateJSON)}
	for i := range ch.Events {
		e := &ch.Events[i]
		x.events = append(x.events, [2][]byte{eventKey(ch.Case.ID, e.Seq), marshalEvent(e)})
	}
	// One index entry per deadline lists its due keys, for cancelling.
	pos := map[string]int{}
	for _, t := range ch.Add {
		t.At = t.At.UTC()
		dk := dueKey(&t)
		x.due = append(x.due, [2][]byte{dk, (&timerRec{Timer: t}).marshal()})
		ik := deadlineKey(t.Case, t.Deadline)
		i, ok := pos[string(ik)]
		if !ok {
			i = len(x.index)
			pos[string(ik)] = i
			x.index = append(x.index, [2][]byte{ik, nil})
		}
		x.index[i][1] = enc(x.index[i][1]).str(string(dk))
	}
	if ch.Idem != nil {
		x.idemVal = marshalIdem(ch.Idem)
	}
	return x, nil
}

// apply writes an encoded change whose preconditions were checked.
func (s *Store) apply(b *buckets, x *encoded) error {
	ch := x.ch
	c := ch.Case
	if err := b.cases.Put([]byte(c.ID), x.caseVal); err != nil {
		return err
	}
	if len(ch.Events) > 0 {
		h, err := s.head(b)
		if err != nil {
			return err
		}
		for i := range ch.Events {
			if err := b.events.Put(x.events[i][0], x.events[i][1]); err != nil {
				return err
			}
			j := takedown.NextJournalEntry(h, &ch.Events[i])
			if err := b.journal.Put(binary.BigEndian.AppendUint64(nil, j.Seq), marshalJournal(&j)); err != nil {
				return err
			}
			h = takedown.ChainHead{Seq: j.Seq, Hash: j.Hash}
		}
		if err := b.meta.Put([]byte(kHead), marshalHead(&h)); err != nil {
			return err
		}
	}
	for _, id := range ch.Cancel {
		if err := s.cancel(b, c.ID, id); err != nil {
			return err
		}
	}
	for _, t := range x.due {
		if err := b.due.Put(t[0], t[1]); err != nil {
			return err
		}
	}
	for _, ix := range x.index {
		// A deadline's clock starts once, so its timers are added once; append in case.
		v := append(bytes.Clone(b.timers.Get(ix[0])), ix[1]...)
		if err := b.timers.Put(ix[0], v); err != nil {
			return err
		}
	}
	if ch.Idem != nil {
		if err := b.idem.Put([]byte(ch.Idem.Key), x.idemVal); err != nil {
			return err
		}
	}
	return nil
}

func deadlineKey(caseID, deadline string) []byte { return []byte(caseID + "\x00" + deadline) }

// cancel deletes every pending timer of a deadline (fired ones are already gone).
func (s *Store) cancel(b *buckets, caseID, deadline string) error {
	ik := deadlineKey(caseID, deadline)
	v := b.timers.Get(ik)
	if v == nil {
		return nil
	}
	d := dec{b: bytes.Clone(v)}
	for len(d.b) > 0 {
		k := d.str()
		if d.bad {
			return s.corrupt("deadline index of case %s", caseID)
		}
		if err := b.due.Delete([]byte(k)); err != nil {
			return err
		}
	}
	return b.timers.Delete(ik)
}

func (s *Store) checkUpdate(b *buckets, ch *takedown.Change) error {
	cur, err := s.getCase(b, ch.Case.ID)
	if err != nil {
		return err
	}
	if cur.Version+1 != ch.Case.Version {
		return fmt.Errorf("boltstore: case %s: stored version %d, change to %d: %w", ch.Case.ID, cur.Version, ch.Case.Version, takedown.ErrConflict)
	}
	if ch.Idem != nil && b.idem.Get([]byte(ch.Idem.Key)) != nil {
		return fmt.Errorf("boltstore: idempotency key: %w", takedown.ErrExists)
	}
	return nil
}

// ---- takedown.Store ----

// Create implements takedown.Store.
func (s *Store) Create(ctx context.Context, ch *takedown.Change) error {
	x, err := encode(ch)
	if err != nil {
		return err
	}
	return s.update(ctx, true, func(b *buckets) error {
		if b.cases.Get([]byte(ch.Case.ID)) != nil {
			return fmt.Errorf("boltstore: case %s: %w", ch.Case.ID, takedown.ErrExists)
		}
		if ch.Case.Version != 1 {
			return fmt.Errorf("boltstore: new case %s has version %d: %w", ch.Case.ID, ch.Case.Version, takedown.ErrConflict)
		}
		if ch.Idem != nil && b.idem.Get([]byte(ch.Idem.Key)) != nil {
			return fmt.Errorf("boltstore: idempotency key: %w", takedown.ErrExists)
		}
		return s.apply(b, x)
	})
}

// Update implements takedown.Store.
func (s *Store) Update(ctx context.Context, ch *takedown.Change) error {
	x, err := encode(ch)
	if err != nil {
		return err
	}
	return s.update(ctx, true, func(b *buckets) error {
		if err := s.checkUpdate(b, ch); err != nil {
			return err
		}
		return s.apply(b, x)
	})
}

// Get implements takedown.Store.
func (s *Store) Get(ctx context.Context, id string) (*takedown.Case, error) {
	var c *takedown.Case
	err := s.view(ctx, func(b *buckets) error {
		var err error
		c, err = s.getCase(b, id)
		return err
	})
	return c, err
}

// Scan implements takedown.Store.
func (s *Store) Scan(ctx context.Context, after string, limit int) ([]*takedown.Case, error) {
	var out []*takedown.Case
	err := s.view(ctx, func(b *buckets) error {
		c := b.cases.Cursor()
		k, v := c.Seek([]byte(after))
		if k != nil && string(k) == after {
			k, v = c.Next()
		}
		for ; k != nil && len(out) < limit; k, v = c.Next() {
			var cs takedown.Case
			if err := unmarshalCase(v, &cs); err != nil {
				return s.corrupt("case record: %v", err)
			}
			out = append(out, &cs)
		}
		return nil
	})
	return out, err
}

// Events implements takedown.Store.
func (s *Store) Events(ctx context.Context, id string) ([]takedown.AuditEvent, error) {
	var out []takedown.AuditEvent
	err := s.view(ctx, func(b *buckets) error {
		if b.cases.Get([]byte(id)) == nil {
			return fmt.Errorf("boltstore: case %s: %w", id, takedown.ErrNotFound)
		}
		prefix := append([]byte(id), 0)
		c := b.events.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(k) != len(prefix)+8 {
				continue // a longer case ID sharing the prefix cannot contain NUL; defensive
			}
			var e takedown.AuditEvent
			if err := unmarshalEvent(v, &e); err != nil {
				return s.corrupt("event record: %v", err)
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// Idempotency implements takedown.Store.
func (s *Store) Idempotency(ctx context.Context, key string) (takedown.IdemRecord, error) {
	var r takedown.IdemRecord
	err := s.view(ctx, func(b *buckets) error {
		v := b.idem.Get([]byte(key))
		if v == nil {
			return takedown.ErrNotFound
		}
		if err := unmarshalIdem(v, &r); err != nil {
			return s.corrupt("idempotency record: %v", err)
		}
		return nil
	})
	return r, err
}

// Journal implements takedown.Store.
func (s *Store) Journal(ctx context.Context, after uint64, limit int) ([]takedown.JournalEntry, error) {
	var out []takedown.JournalEntry
	err := s.view(ctx, func(b *buckets) error {
		c := b.journal.Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, after+1)); k != nil && len(out) < limit; k, v = c.Next() {
			var j takedown.JournalEntry
			if err := unmarshalJournal(v, &j); err != nil {
				return s.corrupt("journal record: %v", err)
			}
			out = append(out, j)
		}
		return nil
	})
	return out, err
}

// Head implements takedown.Store.
func (s *Store) Head(ctx context.Context) (takedown.ChainHead, error) {
	var h takedown.ChainHead
	err := s.view(ctx, func(b *buckets) error {
		var err error
		h, err = s.head(b)
		return err
	})
	return h, err
}

// NextWake implements takedown.Store.
func (s *Store) NextWake(ctx context.Context, now time.Time) (time.Time, bool, error) {
	var best time.Time
	ok := false
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	err := s.view(ctx, func(b *buckets) error {
		c := b.due.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if len(k) < 9 {
				return s.corrupt("short due-index key")
			}
			at := dueTime(k)
			if ok && !at.Before(best) {
				break
			}
			if l, leased := s.leases[string(k[9:])]; leased && l.until.After(now) && l.until.After(at) {
				if !ok || l.until.Before(best) {
					best, ok = l.until, true
				}
				continue
			}
			best, ok = at, true
			break
		}
		return nil
	})
	return best, ok, err
}

// Claim implements takedown.Store. It reads the due index and leases in memory; it
// writes nothing to the file.
func (s *Store) Claim(ctx context.Context, now time.Time, worker string, lease time.Duration, limit int) ([]takedown.Claim, error) {
	var out []takedown.Claim
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	err := s.view(ctx, func(b *buckets) error {
		c := b.due.Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			if len(k) < 9 {
				return s.corrupt("short due-index key")
			}
			if dueTime(k).After(now) {
				break
			}
			tk := string(k[9:])
			l := s.leases[tk]
			if l.worker != "" && !l.until.Before(now) {
				continue
			}
			var r timerRec
			if err := s.decodeTimer(v, &r); err != nil {
				return err
			}
			out = append(out, takedown.Claim{Timer: r.Timer, Worker: worker, Attempt: l.attempt + 1, Until: now.Add(lease).UTC()})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, c := range out {
		s.leases[string(timerKey(&c.Timer))] = leaseRec{worker: worker, until: c.Until, attempt: c.Attempt}
	}
	return out, nil
}

// Complete implements takedown.Store.
func (s *Store) Complete(ctx context.Context, done []takedown.Completion) ([]error, error) {
	xs := make([]*encoded, len(done))
	for i := range done {
		if done[i].Change != nil {
			var err error
			if xs[i], err = encode(done[i].Change); err != nil {
				return nil, err
			}
		}
	}
	var errs []error
	err := s.update(ctx, false, func(b *buckets) error {
		errs = make([]error, len(done))
		for i := range done {
			d := &done[i]
			s.leaseMu.Lock()
			for _, cl := range d.Claims {
				l := s.leases[string(timerKey(&cl.Timer))]
				if l.worker != cl.Worker || l.attempt != cl.Attempt {
					errs[i] = fmt.Errorf("boltstore: timer %s: %w", cl.DeliveryID(), takedown.ErrLeaseLost)
					break
				}
			}
			s.leaseMu.Unlock()
			if errs[i] != nil {
				continue
			}
			for _, cl := range d.Claims {
				t := cl.Timer
				t.At = t.At.UTC()
				if b.due.Get(dueKey(&t)) == nil {
					errs[i] = fmt.Errorf("boltstore: timer %s is gone: %w", cl.DeliveryID(), takedown.ErrLeaseLost)
					break
				}
			}
			if errs[i] != nil {
				continue
			}
			if d.Change != nil {
				if err := s.checkUpdate(b, d.Change); err != nil {
					if errors.Is(err, takedown.ErrCorrupt) {
						return err
					}
					errs[i] = err
					continue
				}
			}
			for _, cl := range d.Claims {
				t := cl.Timer
				t.At = t.At.UTC()
				if err := b.due.Delete(dueKey(&t)); err != nil {
					return err
				}
				if t.Kind == takedown.TimerBreach {
					// The breach is a deadline's last timer: drop its index entry.
					if err := b.timers.Delete(deadlineKey(t.Case, t.Deadline)); err != nil {
						return err
					}
				}
				seq, err := b.fired.NextSequence()
				if err != nil {
					return err
				}
				del := takedown.Delivery{ID: t.DeliveryID(), Case: t.Case, Deadline: t.Deadline,
					Name: t.Name(), At: t.At, FiredAt: d.FiredAt.UTC(), Worker: cl.Worker, Attempt: cl.Attempt}
				fk := binary.BigEndian.AppendUint64(append([]byte(t.Case), 0), seq)
				if err := put(b.fired, fk, &del); err != nil {
					return err
				}
			}
			if d.Change != nil {
				if err := s.apply(b, xs[i]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Committed: the timers are gone from the file, so their leases can go.
	s.leaseMu.Lock()
	for i := range done {
		if errs[i] == nil {
			for _, cl := range done[i].Claims {
				delete(s.leases, string(timerKey(&cl.Timer)))
			}
		}
	}
	s.leaseMu.Unlock()
	return errs, nil
}

// Deliveries implements takedown.Store.
func (s *Store) Deliveries(ctx context.Context, caseID string) ([]takedown.Delivery, error) {
	var out []takedown.Delivery
	err := s.view(ctx, func(b *buckets) error {
		prefix := append([]byte(caseID), 0)
		c := b.fired.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var d takedown.Delivery
			if err := s.decode("delivery", v, &d); err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

var _ takedown.Store = (*Store)(nil)
