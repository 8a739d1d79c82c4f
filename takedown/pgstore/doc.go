// Package pgstore is a takedown.Store in PostgreSQL (jackc/pgx/v5), for applications
// that run several replicas against one database.
//
//	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
//	...
//	s, err := pgstore.New(ctx, pool, nil) // applies the embedded migrations
//	engine, err := takedown.NewEngine(s, takedown.DefaultPolicy(), &takedown.Options{WorkerID: hostname})
//
// # Model
//
// Tables, all prefixed takedown_: cases (JSON in bytea, with the version column for
// optimistic concurrency), events (append-only audit chain), journal and head (the
// global chain; every transaction that appends events locks the single head row, which
// serialises event writes across replicas), timers (due time and kind rank, indexed,
// with worker, locked_until and attempt for leases), idem and fired. Times are stored as
// Unix nanoseconds so they round-trip exactly. Migrations are embedded (migrations/*.sql)
// and applied by New or Migrate in order, recorded in takedown_schema_migrations, under
// a session advisory lock so replicas starting together migrate once.
//
// # Concurrency
//
// Claim selects due timers with FOR UPDATE SKIP LOCKED and leases them to the worker in
// the same statement, so two engines never hold the same timer; Complete checks the
// lease (worker and attempt) and deletes the timer, stores the delivery marker and the
// case change in one transaction. Locks are taken in one order (cases by ID, then
// timers, then the head), and transactions that still hit a deadlock or serialization
// failure are retried up to five times. Polling (Engine PollInterval) is the source of
// truth; no LISTEN/NOTIFY is needed. Replica clocks must agree to well within the lease.
// The Store is safe for concurrent use.
//
// # Errors
//
// The takedown sentinels (ErrNotFound, ErrConflict, ErrExists, ErrLeaseLost, ErrClosed;
// ErrCorrupt for undecodable rows); driver errors are returned wrapped as they are.
//
// # Limits
//
// Keys are bounded by takedown's ID limits. Close does not close the pool, which stays
// the caller's.
package pgstore
