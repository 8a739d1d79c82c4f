// Uploadscanner is mnr's reference service: the upload scanner a platform runs on
// day one, and the example of how mnr's packages are wired into a real service.
//
//	go run ./examples/uploadscanner
//
// starts it on embedded demo data (benign generated images and a signed demo hash
// list), with its state in a temporary directory, on 127.0.0.1:8080, and prints a
// curl line that uploads the demo image. See README.md for the walk-through.
//
// # Model
//
// POST /v1/scan reads one upload (the raw body, or the multipart field "file")
// within its byte and pixel bounds, hashes it once (PDQ, MD5 and SHA-256; more
// with ?kinds=phash,sha1), matches the hashes against the loaded lists and
// decides:
//
//   - allow: nothing matched;
//   - block: a cryptographic hash matched, so this exact file is on a list;
//   - quarantine: only a perceptual hash matched (a near-duplicate), which a
//     reviewer must confirm.
//
// On block or quarantine the bytes go to the encrypted evidence vault
// (takedown/evidence), a takedown case opens under the configured jurisdictions
// (takedown.Engine, with its legal deadlines), and agency reports are drafted
// into the outbox in the "review" state: a CyberTipline report for US, a DSA
// statement of reasons for the EU (reporting/cybertip, reporting/dsa). Nothing
// is sent until a reviewer confirms on the reviewer page (/review); then the
// outbox submits the reports, the removal is recorded on the case, and each
// agency receipt is recorded as the case's report event, which starts the
// preservation period the vault's retention is extended to. Dismissing
// withdraws the drafts and closes the case. Agency endpoints default to
// built-in fake agencies (internal/agencytest) so the flow runs offline.
//
// The state store is one bbolt file shared by the takedown cases, the outbox and
// the scanner's own scan records (-store bolt:PATH; a temporary directory by
// default, removed on exit), or one PostgreSQL database (-store postgres://...)
// for several replicas.
//
// # Concurrency
//
// At most -max-decodes uploads decode at once; at most -max-queue more wait,
// each up to -decode-wait, for a slot. Beyond that a scan gets 503 with
// Retry-After. List reloads (POST /v1/lists/reload) build the new lists off the
// request path and swap them in atomically: no scan is dropped or sees half a
// list. The takedown engine, the outbox and the report follower run as
// background workers until shutdown. SIGINT or SIGTERM turns /readyz to 503,
// gives requests -shutdown-timeout to finish, stops the workers and closes the
// stores.
//
// # Errors
//
// Every error answer is JSON with a stable code:
//
//	{"error": {"code": "too_large", "message": "...", "request_id": "..."}}
//
// bad_request (400), unauthorized (401), forbidden (403, a missing CSRF token),
// not_found (404), conflict (409), too_large (413), unsupported_format (415),
// too_many_pixels and corrupt_image (422), invalid_list (422, a failed reload),
// overloaded (503 + Retry-After), not_ready (503) and internal (500, details only
// in the log under the request ID). Messages never hold upload bytes, list
// contents or personal data.
//
// # Limits
//
// Each bound has a flag and an environment variable (UPLOADSCANNER_ + the flag
// name in upper case):
//
//   - -max-upload-bytes, default 20 MiB: larger bodies get 413.
//   - -max-pixels, default 24,000,000 (a 6000x4000 photo): checked from the
//     image header before anything is decoded; larger images get 422.
//   - -max-decodes, default GOMAXPROCS; -max-queue, default 16; -decode-wait,
//     default 5s. Memory for uploads is bounded by
//     (max-decodes+max-queue) x max-upload-bytes plus max-decodes decoded
//     images.
//   - Server timeouts: 5s to read headers, 60s to read a request, 90s to write
//     the answer, 120s idle; 64 KiB of headers.
//   - Reviewer forms 4 KiB, case events 64 KiB; at most 16 multipart parts
//     before the file; lists and pages at most 500 items.
//
// # Metrics
//
// GET /metrics serves the service's own Prometheus registry (never the global
// one): uploadscanner_scans_total{decision}, uploadscanner_matches_total{list,kind},
// uploadscanner_rejected_total{code}, uploadscanner_decode_errors_total{reason},
// uploadscanner_cases_opened_total, uploadscanner_case_deadlines_due_total{duty},
// uploadscanner_case_deadlines_breached_total{duty},
// uploadscanner_outbox_submissions{state} (the outbox depth, read at scrape),
// uploadscanner_reports_finished_total{agency,state},
// uploadscanner_hashlist_entries{list}, uploadscanner_hashlist_reloads_total{result},
// uploadscanner_decodes_in_progress, uploadscanner_decodes_queued, the latency
// histograms uploadscanner_scan_duration_seconds{decision},
// uploadscanner_hash_duration_seconds and
// uploadscanner_http_request_duration_seconds{route,code}, and the Go and process
// collectors.
//
// # Security
//
// The upload is never echoed or logged; logs carry request IDs, sizes and
// decisions. The reviewer page is off unless -review-token (better: the
// environment variable UPLOADSCANNER_REVIEW_TOKEN) is set; it then takes the token
// as "Authorization: Bearer" or through a login form that sets an HttpOnly,
// SameSite=Strict session cookie, and its actions are POSTs with a CSRF token.
// Thumbnails are small JPEGs rendered from the vault copy, blurred and greyscale
// until a reviewer reveals one. The operator API (/v1/cases, /v1/reports,
// /v1/lists/reload) then needs the bearer token too; without a token it is open,
// which is why the default address is loopback. Agency credentials come only from
// the environment (UPLOADSCANNER_CYBERTIP_USERNAME, UPLOADSCANNER_CYBERTIP_PASSWORD,
// UPLOADSCANNER_DSA_TOKEN).
package main
