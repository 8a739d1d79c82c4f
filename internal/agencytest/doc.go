// Package agencytest provides fake agency servers that behave like the real ones:
// the NCMEC CyberTipline Reporting API ([CyberTip]), the DSA Transparency
// Database ([DSA]) and a UK NCA reporting API ([NCA], whose shape follows
// reporting/nca's default profile, since the NCA has published none). Tests use
// them over real HTTP on loopback; the upload scanner runs them in-process so its
// whole flow works offline.
//
// # Model
//
// Each fake enforces its agency's rules: authentication (HTTP Basic, or a Bearer
// token), the schema (for the CyberTipline: element order, cardinalities,
// enumerations and the cross-field rules NCMEC documents, from tables written
// independently of the encoders; for the DSA: required, conditional and excluded
// fields, constants, dates, the puid pattern), the lifecycle (no upload after
// finish, retract only before finish, finish only once, deletion of unfinished
// reports) and idempotency (the DSA's puid, the NCA's platform reference). Every
// answer carries a Request-ID header. The fakes are stricter than the agencies
// where that catches client bugs (legacy incident types, unknown DSA fields and
// fields the DSA would drop are refused); each type's documentation says where.
//
// Inspection methods return copies: reports by state with their files and MD5s,
// statements, duplicates and replays by the platform's key, request counts.
//
// # Faults
//
// [Faults] injects failures per request, scripted ("drop the connection after
// committing the next /submit") or at a seeded random rate: 503 without effect,
// 429 with Retry-After and the agency's body, the connection closed without an
// answer after the effect was stored, and slow answers.
//
// # Serving
//
// NewCyberTip, NewDSA and NewNCA start an httptest server on loopback (URL,
// Close). NewCyberTipHandler, NewDSAHandler and NewNCAHandler return the fake
// unstarted: it is an http.Handler, and Serve runs it on a listener until Close.
//
// # Concurrency
//
// Every fake and its Faults are safe for concurrent use.
//
// # Limits
//
// Request bodies are bounded (XML 4 MiB, uploads 64 MiB, JSON 4 MiB by default;
// see the Options), XML nesting to 32 levels and 20,000 elements, and DTDs are
// refused. Error descriptions name element paths and rules, never values.
package agencytest
