package pgstore

import (
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/mnr-sdk/mnr/takedown"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrateLock is the advisory-lock key that serialises migrations across replicas
// ("mnrtkdn" in ASCII).
const migrateLock = 0x6d6e72746b646e

// Options configure a Store. Nil means every default.
type Options struct {
	// SkipMigrations leaves the schema alone (run Migrate yourself). Default false:
	// New migrates.
	SkipMigrations bool
}

// Store is a takedown.Store in PostgreSQL, for several replicas sharing one database.
// It is safe for concurrent use.
type Store struct {
	pool   *pgxpool.Pool
	closed atomic.Bool
}

// New returns a store over pool, first applying any pending migrations (under an
// advisory lock, so replicas starting together migrate once). The pool stays the
// caller's: Close does not close it.
func New(ctx context.Context, pool *pgxpool.Pool, opts *Options) (*Store, error) {
	if pool == nil {
		return nil, errors.New("pgstore: nil pool")
	}
	if opts == nil || !opts.SkipMigrations {
		if err := Migrate(ctx, pool); err != nil {
			return nil, err
		}
	}
	return &Store{pool: pool}, nil
}

// Migrate applies the embedded migrations that are not yet recorded in
// takedown_schema_migrations, each in its own transaction, under an advisory lock.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrateLock)); err != nil {
		return fmt.Errorf("pgstore: migrate lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrateLock))
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS takedown_schema_migrations (
		version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("pgstore: migration %s has no version number", base)
		}
		var done bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM takedown_schema_migrations WHERE version = $1)", v).Scan(&done); err != nil {
			return fmt.Errorf("pgstore: migrate: %w", err)
		}
		if done {
			continue
		}
		sql, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO takedown_schema_migrations (version) VALUES ($1)", v)
			return err
		})
		if err != nil {
			return fmt.Errorf("pgstore: migration %s: %w", base, err)
		}
	}
	return nil
}

// Close marks the store closed; it does not close the pool.
func (s *Store) Close() error {
	s.closed.Store(true)
	return nil
}

func (s *Store) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return takedown.ErrClosed
	}
	return nil
}

// tx runs fn in a transaction, retrying it on deadlock or serialization failure.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	var err error
	for range 5 {
		err = pgx.BeginFunc(ctx, s.pool, fn)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001") {
			continue
		}
		return err
	}
	return err
}

func nanos(t time.Time) int64 { return t.UnixNano() }

func timerName(t *takedown.Timer) string { return t.Name() }

func decode(what string, b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("pgstore: %s record: %v: %w", what, err, takedown.ErrCorrupt)
	}
	return nil
}

// apply writes a change whose preconditions were checked (the case row is locked or
// new). It takes the head lock last.
func (s *Store) apply(ctx context.Context, tx pgx.Tx, ch *takedown.Change, create bool) error {
	c := ch.Case
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if !create {
		if _, err := tx.Exec(ctx, "UPDATE takedown_cases SET version = $2, data = $3 WHERE id = $1", c.ID, int64(c.Version), data); err != nil {
			return err
		}
	}
	if len(ch.Cancel) > 0 {
		if _, err := tx.Exec(ctx, "DELETE FROM takedown_timers WHERE case_id = $1 AND deadline = ANY($2)", c.ID, ch.Cancel); err != nil {
			return err
		}
	}
	for _, t := range ch.Add {
		t.At = t.At.UTC()
		td, _ := json.Marshal(&t)
		if _, err := tx.Exec(ctx, `INSERT INTO takedown_timers (case_id, deadline, name, at, rank, data)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
			t.Case, t.Deadline, timerName(&t), nanos(t.At), t.Kind.Rank(), td); err != nil {
			return err
		}
	}
	if ch.Idem != nil {
		id, _ := json.Marshal(ch.Idem)
		tag, err := tx.Exec(ctx, "INSERT INTO takedown_idem (key, data) VALUES ($1, $2) ON CONFLICT DO NOTHING", ch.Idem.Key, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("pgstore: idempotency key: %w", takedown.ErrExists)
		}
	}
	if len(ch.Events) == 0 {
		return nil
	}
	var h takedown.ChainHead
	var hash []byte
	var seq int64
	if err := tx.QueryRow(ctx, "SELECT seq, hash FROM takedown_head WHERE id = 1 FOR UPDATE").Scan(&seq, &hash); err != nil {
		return err
	}
	if len(hash) != 32 {
		return fmt.Errorf("pgstore: head hash has %d bytes: %w", len(hash), takedown.ErrCorrupt)
	}
	h.Seq = uint64(seq)
	copy(h.Hash[:], hash)
	for i := range ch.Events {
		e := &ch.Events[i]
		ed, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO takedown_events (case_id, seq, data) VALUES ($1, $2, $3)", c.ID, int64(e.Seq), ed); err != nil {
			return err
		}
		j := takedown.NextJournalEntry(h, e)
		jd, _ := json.Marshal(&j)
		if _, err := tx.Exec(ctx, "INSERT INTO takedown_journal (seq, data) VALUES ($1, $2)", int64(j.Seq), jd); err != nil {
			return err
		}
		h = takedown.ChainHead{Seq: j.Seq, Hash: j.Hash}
	}
	_, err = tx.Exec(ctx, "UPDATE takedown_head SET seq = $1, hash = $2 WHERE id = 1", int64(h.Seq), h.Hash[:])
	return err
}

// lockVersion locks a case row and returns its version.
func lockVersion(ctx context.Context, tx pgx.Tx, id string) (uint64, error) {
	var v int64
	err := tx.QueryRow(ctx, "SELECT version FROM takedown_cases WHERE id = $1 FOR UPDATE", id).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("pgstore: case %s: %w", id, takedown.ErrNotFound)
	}
	return uint64(v), err
}

func conflict(id string, stored, to uint64) error {
	return fmt.Errorf("pgstore: case %s: stored version %d, change to %d: %w", id, stored, to, takedown.ErrConflict)
}

// Create implements takedown.Store.
func (s *Store) Create(ctx context.Context, ch *takedown.Change) error {
	if ch.Case.Version != 1 {
		return conflict(ch.Case.ID, 0, ch.Case.Version)
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		data, err := json.Marshal(ch.Case)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "INSERT INTO takedown_cases (id, version, data) VALUES ($1, 1, $2) ON CONFLICT DO NOTHING", ch.Case.ID, data)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("pgstore: case %s: %w", ch.Case.ID, takedown.ErrExists)
		}
		return s.apply(ctx, tx, ch, true)
	})
}

// Update implements takedown.Store.
func (s *Store) Update(ctx context.Context, ch *takedown.Change) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		v, err := lockVersion(ctx, tx, ch.Case.ID)
		if err != nil {
			return err
		}
		if v+1 != ch.Case.Version {
			return conflict(ch.Case.ID, v, ch.Case.Version)
		}
		return s.apply(ctx, tx, ch, false)
	})
}

// Get implements takedown.Store.
func (s *Store) Get(ctx context.Context, id string) (*takedown.Case, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var data []byte
	err := s.pool.QueryRow(ctx, "SELECT data FROM takedown_cases WHERE id = $1", id).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("pgstore: case %s: %w", id, takedown.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	var c takedown.Case
	if err := decode("case", data, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Scan implements takedown.Store.
func (s *Store) Scan(ctx context.Context, after string, limit int) ([]*takedown.Case, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, "SELECT data FROM takedown_cases WHERE id > $1 ORDER BY id LIMIT $2", after, max(limit, 0))
	if err != nil {
		return nil, err
	}
	var out []*takedown.Case
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		var c takedown.Case
		if err := decode("case", data, &c); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, &c)
	}
	return out, rows.Err()
}

// Events implements takedown.Store.
func (s *Store) Events(ctx context.Context, id string) ([]takedown.AuditEvent, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var out []takedown.AuditEvent
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM takedown_cases WHERE id = $1)", id).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("pgstore: case %s: %w", id, takedown.ErrNotFound)
		}
		rows, err := tx.Query(ctx, "SELECT data FROM takedown_events WHERE case_id = $1 ORDER BY seq", id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var data []byte
			if err := rows.Scan(&data); err != nil {
				return err
			}
			var e takedown.AuditEvent
			if err := decode("event", data, &e); err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// Idempotency implements takedown.Store.
func (s *Store) Idempotency(ctx context.Context, key string) (takedown.IdemRecord, error) {
	var r takedown.IdemRecord
	if err := s.check(ctx); err != nil {
		return r, err
	}
	var data []byte
	err := s.pool.QueryRow(ctx, "SELECT data FROM takedown_idem WHERE key = $1", key).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, takedown.ErrNotFound
	}
	if err != nil {
		return r, err
	}
	return r, decode("idempotency", data, &r)
}

// Journal implements takedown.Store.
func (s *Store) Journal(ctx context.Context, after uint64, limit int) ([]takedown.JournalEntry, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, "SELECT data FROM takedown_journal WHERE seq > $1 ORDER BY seq LIMIT $2", int64(after), max(limit, 0))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []takedown.JournalEntry
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		var j takedown.JournalEntry
		if err := decode("journal", data, &j); err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// Head implements takedown.Store.
func (s *Store) Head(ctx context.Context) (takedown.ChainHead, error) {
	var h takedown.ChainHead
	if err := s.check(ctx); err != nil {
		return h, err
	}
	var seq int64
	var hash []byte
	if err := s.pool.QueryRow(ctx, "SELECT seq, hash FROM takedown_head WHERE id = 1").Scan(&seq, &hash); err != nil {
		return h, err
	}
	if len(hash) != 32 {
		return h, fmt.Errorf("pgstore: head hash has %d bytes: %w", len(hash), takedown.ErrCorrupt)
	}
	h.Seq = uint64(seq)
	copy(h.Hash[:], hash)
	return h, nil
}

// NextWake implements takedown.Store.
func (s *Store) NextWake(ctx context.Context, now time.Time) (time.Time, bool, error) {
	if err := s.check(ctx); err != nil {
		return time.Time{}, false, err
	}
	var free, leased *int64
	err := s.pool.QueryRow(ctx, `SELECT
		(SELECT at FROM takedown_timers WHERE worker IS NULL OR locked_until <= $1
			ORDER BY at, rank, case_id, deadline, name LIMIT 1),
		(SELECT min(locked_until) FROM takedown_timers WHERE worker IS NOT NULL AND locked_until > $1)`,
		nanos(now)).Scan(&free, &leased)
	if err != nil {
		return time.Time{}, false, err
	}
	switch {
	case free != nil && (leased == nil || *free <= *leased):
		return time.Unix(0, *free).UTC(), true, nil
	case leased != nil:
		return time.Unix(0, *leased).UTC(), true, nil
	}
	return time.Time{}, false, nil
}

// Claim implements takedown.Store: SELECT ... FOR UPDATE SKIP LOCKED picks due timers
// that no other transaction is claiming, and the UPDATE leases them (worker,
// locked_until, attempt) in the same statement.
func (s *Store) Claim(ctx context.Context, now time.Time, worker string, lease time.Duration, limit int) ([]takedown.Claim, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	until := now.Add(lease).UTC()
	rows, err := s.pool.Query(ctx, `WITH due AS (
			SELECT case_id, deadline, name FROM takedown_timers
			WHERE at <= $1 AND (worker IS NULL OR locked_until < $1)
			ORDER BY at, rank, case_id, deadline, name
			LIMIT $2
			FOR UPDATE SKIP LOCKED)
		UPDATE takedown_timers t SET worker = $3, locked_until = $4, attempt = t.attempt + 1
		FROM due WHERE t.case_id = due.case_id AND t.deadline = due.deadline AND t.name = due.name
		RETURNING t.data, t.attempt`, nanos(now), max(limit, 0), worker, nanos(until))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []takedown.Claim
	for rows.Next() {
		var data []byte
		var attempt int32
		if err := rows.Scan(&data, &attempt); err != nil {
			return nil, err
		}
		var t takedown.Timer
		if err := decode("timer", data, &t); err != nil {
			return nil, err
		}
		out = append(out, takedown.Claim{Timer: t, Worker: worker, Attempt: int(attempt), Until: until})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b takedown.Claim) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Kind.Rank(), b.Kind.Rank()), strings.Compare(a.Case, b.Case),
			strings.Compare(a.Deadline, b.Deadline), strings.Compare(a.Name(), b.Name()))
	})
	return out, nil
}

// Complete implements takedown.Store. Locks are taken in a fixed order (the cases, by
// ID; then each timer; then the head) so concurrent completions and updates cannot
// deadlock.
func (s *Store) Complete(ctx context.Context, done []takedown.Completion) ([]error, error) {
	var errs []error
	err := s.tx(ctx, func(tx pgx.Tx) error {
		errs = make([]error, len(done))
		ids := make([]string, 0, len(done))
		for i := range done {
			if done[i].Change != nil {
				ids = append(ids, done[i].Change.Case.ID)
			}
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		versions := map[string]uint64{}
		if len(ids) > 0 {
			rows, err := tx.Query(ctx, "SELECT id, version FROM takedown_cases WHERE id = ANY($1) ORDER BY id FOR UPDATE", ids)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id string
				var v int64
				if err := rows.Scan(&id, &v); err != nil {
					rows.Close()
					return err
				}
				versions[id] = uint64(v)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		for i := range done {
			d := &done[i]
			for _, cl := range d.Claims {
				t := &cl.Timer
				var worker *string
				var attempt int32
				err := tx.QueryRow(ctx, `SELECT worker, attempt FROM takedown_timers
					WHERE case_id = $1 AND deadline = $2 AND name = $3 FOR UPDATE`, t.Case, t.Deadline, t.Name()).Scan(&worker, &attempt)
				if errors.Is(err, pgx.ErrNoRows) || err == nil && (worker == nil || *worker != cl.Worker || int(attempt) != cl.Attempt) {
					errs[i] = fmt.Errorf("pgstore: timer %s: %w", t.DeliveryID(), takedown.ErrLeaseLost)
					break
				}
				if err != nil {
					return err
				}
			}
			if errs[i] != nil {
				continue
			}
			if ch := d.Change; ch != nil {
				v, ok := versions[ch.Case.ID]
				if !ok {
					errs[i] = fmt.Errorf("pgstore: case %s: %w", ch.Case.ID, takedown.ErrNotFound)
					continue
				}
				if v+1 != ch.Case.Version {
					errs[i] = conflict(ch.Case.ID, v, ch.Case.Version)
					continue
				}
			}
			for _, cl := range d.Claims {
				t := &cl.Timer
				if _, err := tx.Exec(ctx, "DELETE FROM takedown_timers WHERE case_id = $1 AND deadline = $2 AND name = $3",
					t.Case, t.Deadline, t.Name()); err != nil {
					return err
				}
				del := takedown.Delivery{ID: t.DeliveryID(), Case: t.Case, Deadline: t.Deadline, Name: t.Name(),
					At: t.At.UTC(), FiredAt: d.FiredAt.UTC(), Worker: cl.Worker, Attempt: cl.Attempt}
				dd, _ := json.Marshal(&del)
				if _, err := tx.Exec(ctx, "INSERT INTO takedown_fired (case_id, data) VALUES ($1, $2)", t.Case, dd); err != nil {
					return err
				}
			}
			if ch := d.Change; ch != nil {
				if ch.Idem != nil {
					return errors.New("pgstore: completions carry no idempotency key")
				}
				if err := s.apply(ctx, tx, ch, false); err != nil {
					return err
				}
				versions[ch.Case.ID] = ch.Case.Version
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

// Deliveries implements takedown.Store.
func (s *Store) Deliveries(ctx context.Context, caseID string) ([]takedown.Delivery, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, "SELECT data FROM takedown_fired WHERE case_id = $1 ORDER BY id", caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []takedown.Delivery
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		var d takedown.Delivery
		if err := decode("delivery", data, &d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

var _ takedown.Store = (*Store)(nil)
