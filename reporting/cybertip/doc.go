// Package cybertip reports to the NCMEC CyberTipline Reporting API (18 U.S.C.
// §2258A). It renders a reporting.Report as the <report> and <fileDetails>
// documents of NCMEC's XSD and drives the call sequence through a
// reporting.Outbox: submit, then for each file upload and file details, then
// finish. The outbox stores progress between steps, so a crash never loses
// NCMEC's reportId and never repeats a step blindly.
//
// # Model
//
// [Agency] implements reporting.Agency, reporting.Reconciler and
// reporting.Retracter; [New] takes [Options]. Build a client with [NewClient]
// (HTTP Basic; test and production credentials differ) for [TestURL] or
// [ProductionURL]; [URLFor] picks production only for the exact string
// "production".
//
// Encoding follows the XSD's element order (each Go type lists its fields in
// wire order; golden files in testdata pin them, and the fake in
// internal/agencytest checks them against independently written tables). Flags
// (xs:boolean fixed=true) are empty elements, <sextortion/>, present only when
// true. Terminology codes become wire values through the terminology package:
// Incident.Code maps to the one incidentType (by NCMEC's precedence when it maps
// to several; Report.Extra "cybertip.incidentType" overrides it), the incident
// code and flags map to reportAnnotations, and each content item's codes (plus the
// incident's ctx.* flags, for reported files) map to fileAnnotations. Only exact
// or broader mappings become annotations; a legacy wire value is never sent; an
// incident code with no incident type is a validation error.
//
// Content items with a Source are uploaded (through the outbox's FileSource) and
// described; items with only a URL are listed as web pages. Report.ID is written
// into the report-level additionalInfo as "ESP report reference: <ID>" unless
// Options.OmitReference is set. Batched reports (Extra "cybertip.batched" =
// "VIRAL_POTENTIAL_MEME") follow NCMEC's Appendix E rules, checked by Validate.
// The Report.Extra keys read are the Extra* constants.
//
// # Progress and reconciliation
//
// Progress.Step is "" (nothing sent; "new" in progress stored by earlier
// versions), "submitted", "uploaded:K", "described:K", "finished" or
// "abandoned"; IDs hold "reportId", "file.K.fileId", "restarts" and the
// retracted or expired report IDs of earlier attempts. Starting over returns
// the progress with reporting.Progress.Restart set: the outbox drops reportId
// and the file IDs of the abandoned attempt and lists them in the history. Receipts hold NCMEC's
// answers verbatim; the /finish receipt is the statutory notification that
// starts the one-year preservation period.
//
// NCMEC has no lookup and no idempotency key, so an unanswered step is settled
// by reasoning (see [Agency.Reconcile]): an unanswered submit is sent again (a
// report whose ID never arrived can never be finished, and NCMEC deletes it); an
// unanswered upload or file details retracts the report and starts over; an
// unanswered finish is sent again and "already finished" (5102) is success. The
// upload's MD5 from NCMEC is compared with the bytes sent (a mismatch starts
// over) and the bytes with the report's hashes and size (a mismatch fails). A
// report NCMEC deleted while unfinished (5001) starts over. A permanent refusal
// after the report was opened retracts it before failing. [Agency.Retract]
// (reporting.Retracter) withdraws the open report when Outbox.Abandon gives a
// submission up.
//
// # Errors
//
// A non-zero responseCode is an [*Error] (with the HTTP status and Request-ID;
// codes 2000 and above match reporting.ErrPermanent). NCMEC reports failures in
// the HTTP status, the responseCode or both; both are checked. Validation
// problems are *reporting.FieldError values joined with errors.Join.
//
// # Concurrency
//
// An Agency holds no state between calls and is safe for concurrent use.
//
// # Limits
//
// [ParseResponse] reads at most 1 MiB and 10,000 file IDs and refuses DTDs.
// Options.MaxFiles (default 400) bounds the files of one report, MaxFileBytes
// (default 4 GiB) one upload, and MaxRestarts (default 3) how often one
// submission starts over.
package cybertip
