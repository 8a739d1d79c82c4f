// Package boltstore is the default takedown.Store: one bbolt file (go.etcd.io/bbolt),
// crash-safe, with no server to run.
//
//	s, err := boltstore.Open("/var/lib/app/mnr.db", nil)
//	...
//	engine, err := takedown.NewEngine(s, takedown.DefaultPolicy(), nil)
//
// # Model
//
// Everything lives under one top-level bucket (Options.Bucket, default "takedown"), so
// the file can be shared with other mnr stores: open the *bbolt.DB yourself and call New
// for each. Inside it: cases (case ID -> S2-compressed JSON), events (case ID, NUL,
// big-endian sequence -> binary audit event, append-only), journal (global sequence ->
// entry), due (big-endian due time, kind rank, case, deadline, timer name -> timer: the
// index the engine reads the earliest timers from), deadlines (case and deadline -> the
// due keys of its timers, to cancel them), idem (idempotency keys), fired (delivery
// markers) and meta (journal head, schema version). Back the file
// up with Store.DB().View(tx.WriteTo).
//
// # Durability and concurrency
//
// Every write is one bbolt transaction, committed with fsync before the call returns.
// When several goroutines write at once their transactions are merged into one commit
// (bbolt's DB.Batch), which is what makes thousands of durable writes per second
// possible; a lone writer commits immediately. Encoding happens outside the write lock.
// Killing the process at any point loses no acknowledged write (see TestCrashSafety).
// bbolt allows one process per file (a file lock, waited for up to
// Options.LockTimeout), so timer leases only matter between engines of one process: they
// are kept in memory, claiming writes nothing to the file, and a crash releases them
// (the restarted engine re-delivers an unrecorded firing at once, with Attempt 1). The
// leases belong to the Store value: give every engine of the process the same Store, as
// two Stores over one bucket of one file would each lease, and fire, the same timer. The
// Store is safe for concurrent use.
//
// # Errors
//
// A file that is not a bbolt file, truncated, or damaged fails with a *CorruptError
// (errors.Is takedown.ErrCorrupt): Open checks the meta pages and the file length before
// handing the file to bbolt, Options.Check runs bbolt's full consistency check, and a
// damaged page met later (bbolt panics or faults on those) is recovered into a
// *CorruptError for that call. Damage that still decodes is caught by the audit chain
// (takedown.Engine.Verify). One gap remains: a fault inside a merged (batched) commit
// runs on bbolt's own goroutine and cannot be recovered; open suspicious files with
// Options.Check. Other sentinels are the takedown package's (ErrNotFound, ErrConflict,
// ErrExists, ErrLeaseLost, ErrClosed).
//
// # Limits
//
// Keys are bounded by takedown's ID limits (128 bytes); a decoded case record is capped
// at 16 MiB. bbolt keeps the whole file memory-mapped: the mapped pages count in the
// process's resident size but not in its Go heap. In the one-million-case benchmark (one
// deadline per case) the file held about 1.8 KB per case, and the engine's Go heap stayed
// under 10 MiB. New files use 8 KiB pages (Options.PageSize).
package boltstore
