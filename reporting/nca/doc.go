// Package nca reports child sexual exploitation and abuse content to the UK
// National Crime Agency under the Online Safety Act 2023 s.66 and the Online
// Safety (CSEA Content Reporting by Regulated User-to-User Service Providers)
// Regulations 2026 (SI 2026/268, in force 7 April 2026).
//
// # Model
//
// The NCA has published no API schema, so every part of the report is
// configurable: [Options.Fields] moves each [Field] to any dotted JSON path,
// [Options.Omit] leaves fields out, [Options.Required] says what Validate
// demands, and the endpoint path, reference field, duplicate status, idempotency
// header, priority rule, declaration text and login-IP window are options too.
// The default profile carries the Schedule 1 items: the reporting person, the
// content and how it was detected, the service, earlier reports (to the NCA and
// to comparable bodies such as the NCMEC CyberTipline), upload times, IPs, ports
// and hashes, the account's identifiers and login IPs of the previous three
// months, connections with other accounts and a declaration of truth. The
// Report.Extra keys read are the Extra* constants.
//
// Priority is 1 when Incident.Escalate is set (an immediate threat to a child),
// otherwise Options.DefaultPriority (2), unless Extra "nca.priority" or
// Options.Priority says otherwise. The SI's deadlines ("immediately", "as soon as
// reasonably practicable", "without undue delay") are not timers here; the
// takedown package owns deadlines.
//
// # Idempotency
//
// Each post carries Report.ID (the platform reference, and an Idempotency-Key
// header by default). An answer with Options.DuplicateStatus (409) and a
// reference is an idempotent success. An unanswered post is reconciled with a
// lookup by platform reference ([Agency.Reconcile]); with Options.NoLookup it
// fails for a human to check the NCA portal. Keep the NCA reference, stored in
// Progress.IDs["reference"], for five years (reg. 8).
//
// # Errors
//
// [New] refuses inconsistent options with an error wrapping [ErrOptions].
// Validation problems are *reporting.FieldError values joined with errors.Join.
//
// # Concurrency
//
// An Agency is immutable after New and safe for concurrent use.
//
// # Limits
//
// The NCA reference read from an answer is at most 256 bytes; answers are
// bounded by the reporting.Client.
package nca
