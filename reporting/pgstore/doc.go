// Package pgstore is a reporting.Store in PostgreSQL, for services that run
// several replicas: workers in different processes claim submissions with
// SELECT ... FOR UPDATE SKIP LOCKED plus a lease, so no submission is driven by
// two workers at once, and one whose worker died is resumed when its lease lapses.
//
// # Model
//
// Migrations are embedded and applied by [Open] and [New] inside one transaction
// under an advisory lock, so replicas starting together are safe. Tables are
// prefixed "reporting_" and can share a database with takedown's store:
//
//	reporting_submissions(id, agency, state, due_at, version, updated_at, doc, receipts)
//	reporting_receipts(submission_id, seq, doc)
//	reporting_schema_migrations(version, applied_at)
//
// doc is the JSON of the reporting.Submission without its receipts, stored byte
// for byte; each receipt is a row of reporting_receipts (the JSON of one
// reporting.Receipt, seq from 0), append-only, and receipts counts them. A save
// that brings no new receipt is one UPDATE, a compare-and-swap on version and
// receipts; one that does appends only the new rows. due_at is reporting.DueAt
// truncated to microseconds (PostgreSQL's precision), and claims re-check the
// exact time in Go. IDs use the "C" collation so List pages in byte order, as
// the other stores do.
//
// Migration 2 moved the receipts out of doc (its Go step runs in the migration's
// transaction; a doc too damaged to decode is left as it was). Receipts that a
// replica still running the earlier code writes into doc during a rolling
// upgrade are read after the stored ones and moved to reporting_receipts by the
// next write.
//
// # Concurrency
//
// A Store is safe for concurrent use. Polling is the source of truth; there is no
// LISTEN/NOTIFY. Update is a compare-and-swap on the version column.
//
// # Errors
//
// The reporting sentinels (ErrNotFound, ErrExists, ErrConflict); a damaged
// record is a *reporting.DecodeError; other failures wrap pgx errors with a
// "pgstore: " prefix. Open refuses a database whose schema is newer than the
// code.
//
// # Limits
//
// Records are decoded with reporting.DecodeSubmission, and each receipt with
// reporting.DecodeReceipt, under Options.MaxRecordBytes (default 16 MiB); a
// submission's receipts are bounded by reporting.DefaultMaxReceipts (10000).
package pgstore
