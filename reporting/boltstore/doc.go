// Package boltstore is the embedded default reporting.Store: one bbolt file,
// crash-safe (every write is a synced transaction), no server to run.
//
// # Model
//
// All buckets are named under a "reporting/" prefix so the outbox can share one
// *bbolt.DB with takedown's store (see [New]):
//
//	reporting/submissions  submission ID -> JSON of the reporting.Submission
//	reporting/due          8-byte big-endian due time (Unix ns) + ID -> empty;
//	                       one key per claimable submission (reporting.DueAt)
//	reporting/state        state + 0x00 + ID -> empty, for List by state
//	reporting/meta         "schema" -> layout version ("1")
//
// A claim walks reporting/due from its start up to now, so it costs time in
// proportion to the submissions it returns, not to the outbox's size.
//
// # Concurrency
//
// A Store is safe for concurrent use by the goroutines of one process; bbolt
// serialises writers and locks the file against other processes (Open waits
// Options.Timeout for the lock). For several replicas use reporting/pgstore.
//
// # Errors
//
// The reporting sentinels (ErrNotFound, ErrExists, ErrConflict); a damaged
// record is a *reporting.DecodeError; [ErrSchema] for a file written by a newer
// layout.
//
// # Limits
//
// Records are decoded with reporting.DecodeSubmission under
// Options.MaxRecordBytes (default 16 MiB), so a damaged file yields a typed
// error, never a panic or an unbounded allocation.
package boltstore
