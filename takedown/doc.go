// Package takedown runs takedown cases against legal deadlines: a Policy of rules
// (jurisdiction x trigger x category -> duty, deadline, preservation period, citation),
// a pure state machine, an Engine that fires warnings, due and breached deadlines
// through hooks, a tamper-evident audit chain, and SLA figures for transparency reports.
//
// # Model
//
// A Notice (a hash match, a user or trusted-flagger notice, a hotline notice, an
// authority order, a victim or preservation request) opens a Case under one or more
// jurisdictions. The Policy resolves the notice into Deadlines, one per duty (remove,
// disable access, geo-block, report to a recipient, notify the uploader or notifier,
// acknowledge, preserve); when several jurisdictions impose the same duty the strictest
// (earliest) deadline wins and Deadline.Rule names the rule that set it, with its
// citation, confidence and uncertainty flag (Deadline.Also lists the others). Rules can
// start their clock at a later event (StartOn, e.g. the DSA statement of reasons after
// the action). Preservation periods start at their event (for example the CyberTipline
// receipt) and Case.PreserveUntil tells the evidence vault how long to keep evidence.
//
// DefaultPolicy ships every row of the mnr takedown-law reference with its citation.
// Vague statutory clocks ("immediately", "without undue delay") map to the documented,
// overridable durations of DefaultVague, and deadlines set that way say so
// (RuleRef.Operational). Rules the reference marks uncertain are flagged
// (Rule.Uncertain, Policy.Uncertain) and easy to change with Policy.Override.
// Categories are terminology codes; a rule for "csam" applies to "csam.ai_generated".
//
// Callers record what happened with Engine.Record: acknowledged, removed, access
// disabled, geo-blocked, reported (with the agency Receipt), uploader or notifier
// notified, preserved, appealed, reinstated, closed. The case statuses and their legal
// transitions are listed under StatusOpen. Every call is idempotent under the caller's
// ID (Notice.ID, Event.ID).
//
// Machine is the pure core, (case, event, now) -> (new case, audit events, timers), so
// a workflow engine such as Temporal can drive it without the Engine. Engine is Machine
// over a Store: NewMemStore for tests, takedown/boltstore (one bbolt file, the default)
// and takedown/pgstore (PostgreSQL, for several replicas). takedown/storetest is the
// conformance suite every store passes.
//
// # Audit
//
// Every state change appends an AuditEvent to the case's SHA-256 hash chain; each event
// also carries the digest of the case state after it. Stores append every event to a
// global journal, itself a hash chain whose head (Engine.Head) should be published or
// signed periodically. Engine.Verify checks one case; Engine.VerifyAll checks the
// journal and every case. An edited, dropped or reordered event, or an edited case
// record, gives a *VerifyError (errors.Is ErrTampered).
//
// # Deadlines and hooks
//
// Engine.Run keeps no per-case timer: it asks the store for the earliest pending timer,
// sleeps until then, PollInterval, or an earlier timer scheduled by Open or Record, and
// fires what is due in batches, earliest first (after downtime: everything overdue at
// once, in due order). Hooks.OnWarning fires at Options.Warnings fractions of each
// deadline (default 50% and 80%), Hooks.OnDue at the due time, Hooks.OnBreach at the due
// time plus Options.BreachGrace, when the deadline is recorded as breached. Each firing
// is claimed under a lease and completed, with a persisted marker, in one transaction:
// exactly once across restarts and replicas when nothing crashes; at-least-once, with
// the same Firing.DeliveryID, if a process dies between running a hook and recording it.
// A deadline met late before its breach fired is recorded as breached without an
// OnBreach call.
//
// # Concurrency
//
// Engine, Machine (once built), MemStore and the stores in the subpackages are safe for
// concurrent use. Concurrent Records on one case are serialised by optimistic versions
// (the store returns ErrConflict, the engine retries). Run one Engine.Run per Engine;
// several Engines (distinct Options.WorkerID) may share a store. Replicas' clocks should
// agree to well within Options.Lease.
//
// # Errors
//
// ErrNotFound, ErrConflict, ErrExists, ErrLeaseLost, ErrIDReused, ErrClosed and
// ErrCorrupt are sentinels; *TransitionError (ErrIllegalTransition), *InvalidError
// (ErrInvalid) and *VerifyError (ErrTampered) carry detail. Match with errors.Is and
// errors.As.
//
// # Limits
//
// Caller input is bounded: IDs MaxIDLen (128 bytes), at most MaxJurisdictions (16) per
// notice, other short fields MaxFieldLen (256 bytes), notes MaxNoteLen (2048 bytes),
// MaxRegions (300) regions per geo-block, and times at most MaxClockSkew (1 minute) in
// the future. List pages hold at most 1000 cases. Never put content or personal data in
// a Notice or Event: they are kept in the audit chain.
//
// # Telemetry
//
// Options.Logger (default: discard) receives operational messages with case and
// delivery IDs only. Hooks carry transitions and firings for metrics and alerting.
package takedown
