// Package boltstore is the embedded default reporting.Store: one bbolt file,
// crash-safe (every write is a synced transaction), no server to run.
//
// # Model
//
// All buckets are named under a "reporting/" prefix so the outbox can share one
// *bbolt.DB with takedown's store (see [New]):
//
//	reporting/submissions  submission ID -> record: a fixed header (version,
//	                       due-index time, receipt count, state) and the JSON
//	                       of the reporting.Submission without its receipts
//	reporting/receipts     uint16 length of the ID + ID + uint32 sequence ->
//	                       JSON of one reporting.Receipt; append-only
//	reporting/due          8-byte big-endian due time (Unix ns) + ID -> empty;
//	                       one key per claimable submission (reporting.DueAt)
//	reporting/state        state + 0x00 + ID -> empty, for List by state
//	reporting/meta         "schema" -> layout version ("2")
//
// A claim walks reporting/due from its start up to now, so it costs time in
// proportion to the submissions it returns, not to the outbox's size.
//
// An Update reads only the stored record's header under bbolt's write lock (the
// version check and the index keys to move need nothing else) and writes the new
// record and the receipts the store does not hold yet: a save costs the size of
// the submission without its receipts, however many answers it has collected.
//
// Layout 1 (receipts inside the submission's JSON, schema "1") is migrated by
// [New] in one transaction; a record too damaged to decode is left as it was
// and stays a typed error when read.
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
// Records are decoded with reporting.DecodeSubmission, and each receipt with
// reporting.DecodeReceipt, under Options.MaxRecordBytes (default 16 MiB); a
// submission's receipts are bounded by reporting.DefaultMaxReceipts (10000). A
// damaged file yields a typed error, never a panic or an unbounded allocation.
// Submission IDs are at most 4096 bytes.
package boltstore
