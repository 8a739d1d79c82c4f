// Package reporting carries reports of child sexual abuse and exploitation to the
// agencies that receive them: an agency-neutral [Report], its validation, the
// [Client] that talks to an agency, and the durable [Outbox] that takes each
// report through the agency's protocol step by step.
//
// Agency protocols live in subpackages that implement [Agency]:
// reporting/cybertip (NCMEC CyberTipline), reporting/dsa (EU DSA Transparency
// Database) and reporting/nca (UK NCA). Outbox storage lives in
// reporting/boltstore (embedded, the default) and reporting/pgstore (several
// replicas); reporting/storetest is their conformance suite. This package never
// imports them.
//
// # Model
//
// A [Report] says who reports (Reporter), what happened (Incident: a terminology
// code, a time in the past, where), which content (ContentItem: hashes and
// metadata, never bytes; a [FileSource] resolves ContentItem.Source when an agency
// takes uploads), the reported Account, an optional Victim, the platform's
// Decision (DSA) and a Narrative. Report.ID is the caller's idempotency key.
//
// Personal data lives only in Reporter.Contact, Account and Victim. Report.String
// and Report.LogValue print only the ID, the incident code and counts;
// validation problems and decode errors never quote a field's value.
//
// The stored form of a report is its JSON ([EncodeReport], [DecodeReport]); the
// decoder is bounded and strict (unknown fields, trailing data and oversized lists
// are typed errors).
//
// # Validation
//
// Report.Validate(agency) returns every problem at once, as an errors.Join of
// *[FieldError] (Path, Problem, Warning). It checks the common rules (IDs, codes
// known to terminology, times in the past, hashes as hex of the right length,
// URLs, IP addresses, email addresses, ports, duplicate content, EXIF viewed
// implies file viewed, bounds), the cross-field rules the agencies' schemas
// cannot express, and the required fields of "cybertip", "dsa" and "nca".
// Deprecated wording in the narrative (terminology.Lint) is a warning; [Blocking]
// drops warnings. [ValidateFor] adds the agency driver's own rules.
//
// # Client
//
// A [Client] per agency waits on the agency's rate.Limiter before every attempt,
// retries transport errors, 408, 429 and 5xx (except 501) with capped
// full-jitter backoff (1 s, x2, 30 s; at most 3 attempts; a retry token bucket
// against storms), honours Retry-After in both forms, and never retries TLS
// errors, bad URLs or an ended context. A request that is not idempotent and got
// no answer returns an error wrapping [ErrOutcomeUnknown] instead of being sent
// again.
//
// # Outbox
//
// [Outbox.Enqueue] validates a report and returns only once it is stored, as a
// [Submission] (optionally held in StateReview until Approve). [Outbox.Run]
// claims due submissions under a lease and calls Agency.Step until the agency
// says Done, storing the progress (agency IDs, receipts) after every step and
// whenever the driver calls StepEnv.Save. Before a request that is not
// idempotent leaves, the outbox stores Submission.InFlight; a worker that dies
// mid-request leaves that marker behind, and the submission goes to
// StateUnknown, where the agency's [Reconciler] settles it, instead of being
// resent. Retryable failures are rescheduled with backoff; permanent ones end in
// StateFailed with the error; Requeue and Abandon are for humans. Abandon first
// withdraws the report at the agency when the driver implements [Retracter]
// (the CyberTipline's /retract), keeping the agency's answer as a receipt.
//
// Progress merges: a step's progress never loses a stored agency ID or receipt
// by omission. A driver that must start its protocol over (a report retracted
// and sent again) returns its progress with [Progress.Restart] set: the outbox
// then drops the IDs it leaves out, listing them in the history, and keeps every
// receipt.
//
// Stores keep receipts append-only (see [Store]): a save writes only the
// receipts that are new.
//
// States: review -> pending -> in_progress -> done, with unknown (reconciling),
// failed and abandoned on the side.
//
// # Concurrency
//
// Client, Outbox, MemStore and the stores in the subpackages are safe for
// concurrent use. Several outboxes, in one process or many, may share a store:
// a submission is driven by one worker at a time (leases; SKIP LOCKED in
// PostgreSQL), and a worker that dies loses its lease after OutboxOptions.Lease.
// Report and Submission are plain values; the outbox and stores hand out copies.
//
// # Errors
//
// Sentinels: [ErrOutcomeUnknown], [ErrRateLimited], [ErrPermanent] (agency and
// client), [ErrNotFound], [ErrExists], [ErrConflict], [ErrLeaseLost], [ErrClosed]
// (stores), [ErrUnknownAgency], [ErrResponseTooLarge], [ErrTooLarge],
// [ErrTooManyItems], [ErrMalformed] (stored form). Typed: *[FieldError],
// *[APIError] (HTTP status, agency code, request ID, Retry-After, truncated body;
// the whole body for drivers through APIError.Raw, never in Error or logs),
// *[DecodeError].
//
// # Limits
//
// Content items: 1000 ([MaxContentItems]); other lists and Extra keys: 100
// ([MaxListItems]); narrative: 64 KiB; other text: 8 KiB or the agency's limit;
// URLs: 2083 bytes; report ID: 200 bytes. Stored report: 1 MiB
// ([DefaultMaxReportBytes]); stored submission: 16 MiB
// ([DefaultMaxSubmissionBytes]) with at most 10000 receipts, agency IDs and
// history entries (history keeps its first and last 199 entries). Agency responses: 4 MiB
// (ClientOptions.MaxResponseBytes); error bodies: 1 MiB kept for drivers to parse
// (APIError.Raw, ClientOptions.MaxErrorBodyBytes), 512 bytes in APIError.Body.
//
// # Telemetry
//
// [Hooks]: OnAttempt and OnRetry (Client), OnTransition and OnSubmitted
// (Outbox). Loggers are optional *slog.Logger values, silent by default; they
// receive IDs, agency names, states, steps and HTTP statuses, never report
// content, credentials or bodies.
package reporting
