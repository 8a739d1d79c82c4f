// Package dsa submits statements of reasons to the EU Digital Services Act
// Transparency Database (DSA Art. 24(5); API schema v2, in force from 1 July 2025).
//
// # Model
//
// [Agency] implements reporting.Agency; [New] takes [Options]. Build a client
// with [NewClient] (a Bearer token, read per attempt so a rotated token is picked
// up). A Report becomes a [Statement]: the neutral Decision maps to the
// DECISION_* constants, with exactly the fields the decision ground requires
// (the database silently drops the others, so they are never sent);
// automated_detection is "Yes" or "No"; content_type comes from the items' MIME
// types plus CONTENT_TYPE_SYNTHETIC_MEDIA for AI-generated or manipulated
// material; category, category_addition and category_specification come from the
// terminology crosswalk (every keyword that applies; keywords kept within their
// categories, which the database does not check; never a legacy value nor the
// non-consensual-imagery keywords, whose labels exclude minors); dates are UTC
// dates; the puid is Report.ID (or Extra "dsa.puid"). No personal data is read:
// the Report's Account, Victim and Narrative are ignored. The Report.Extra keys
// read are the Extra* constants.
//
// # Idempotency and batches
//
// The puid is the idempotency key. Every request is sent as idempotent, and the
// database's 422 "The identifier given is not unique within this platform." is a
// success that records the existing statement's uuid, so a lost answer, a retry
// or a killed process never creates a second statement and the submission never
// needs the unknown state.
//
// With Options.BatchSize above 1, statements that outbox workers submit at the
// same time are gathered for up to Options.BatchWindow into one
// /api/v1/statements call of up to 100. The database creates all or none: a
// refused statement (errors keyed statement_<i>) fails with a
// [*ValidationError] and puids it already holds (existing_puids) succeed as
// duplicates (their uuids looked up with GET existing-puid, whose answer is the
// receipt), and the rest is sent again as a batch. The 422 is read whole
// (reporting.APIError.Raw, up to the client's MaxErrorBodyBytes, default 1 MiB),
// so a batch of 100 existing puids is settled without sending its statements
// one by one. Give the outbox enough Concurrency for batches to fill.
// [Agency.Submit] sends a slice of reports without an outbox.
//
// # Errors
//
// A refused statement is a [*ValidationError] with the per-field messages; it
// matches reporting.ErrPermanent. Transport failures, 429 (with the database's
// "Limit Reached" body) and 5xx are retried by the client and then by the
// outbox.
//
// # Concurrency
//
// An Agency is safe for concurrent use; batching relies on it.
//
// # Limits
//
// Answers are read up to 8 MiB (the client caps them first). The database's own
// limits are enforced before sending: 1 to 100 statements per batch, text fields
// of 500, 2000 and 5000 characters, dates from 2000 (content) or 2020
// (application) to 2038-01-01, the puid pattern ^[a-zA-Z0-9-_]+$ up to 500
// characters. The database allows 200 requests per second and 12,000 per minute
// per user; NewClient's default limiter uses half.
package dsa
