// Package terminology is mnr's controlled vocabulary for child sexual abuse and
// exploitation: stable term codes with preferred wording, the exact labels and
// wire strings of the external classification schemes, a crosswalk between
// those schemes, and a linter for deprecated wording.
//
// The package uses only the standard library. Its data is compiled into the
// binary as Go literals, versioned by [Version], and every term, category and
// mapping carries a citation of its source and a [Confidence] marker.
//
// # Terms
//
// A [Term] is a concept with a stable machine code ("csam",
// "csam.ai_generated", "grooming", "sextortion.financial"), a preferred English
// label following the Luxembourg Terminology Guidelines, a one-line definition
// written for mnr, and synonyms marked as alternative, deprecated (with the
// reason and the preferred replacement) or legal (a statutory or wire string,
// with its source). Codes are lowercase ASCII, dot-separated and never renamed;
// the part before the last dot names the parent term ([Parent], [IsA]).
//
// Besides harm codes the vocabulary holds context flags ("ctx.infant",
// "ctx.minor_to_minor", ...), each mirroring one NCMEC annotation, and actor
// wording ("actor.child", "actor.offender", "actor.child_hsb", ...). A "ctx." or
// "actor." prefix is a namespace, not a term, so those codes have no parent.
//
// [Lookup] takes an exact code; [Normalize] resolves a code, label or any
// synonym, case-insensitively, to its code; [Terms] lists everything.
//
// # Schemes and categories
//
// A [Scheme] is an external classification; a [Category] is one of its values,
// with the scheme's exact wire string and label:
//
//   - [SchemeICSE]: INTERPOL ICSE Baseline ("baseline").
//   - [SchemeICCAM]: INHOPE/ICCAM legal assessment ("baseline",
//     "nationally illegal", "not illegal").
//   - [SchemeIndustry]: Tech Coalition Industry Classification ("A1", "A2",
//     "B1", "B2"), also NCMEC's industryClassification.
//   - [SchemeUK]: Sentencing Council categories ("A", "B", "C") and CJA 2009
//     s.62 prohibited images ("prohibited").
//   - [SchemeSAP] and [SchemeCOPINE]: the historical UK SAP levels and the
//     COPINE scale, for reading old records.
//   - [SchemeNCMECIncident], [SchemeNCMECFileAnnotation],
//     [SchemeNCMECReportAnnotation]: CyberTipline incidentType,
//     fileAnnotations and reportAnnotations.
//   - [SchemeDSACategory], [SchemeDSAKeyword]: the DSA Transparency Database
//     STATEMENT_CATEGORY_* and KEYWORD_* constants (schema v2).
//
// [ParseCategory] reads an exact wire string and [Category.Wire] writes it
// back: the round trip is exact. [Category.Key] ("industry:A1") and
// [ParseCategoryKey] name a category across schemes; [FindCategory] resolves a
// wire string or label when the scheme is not known.
//
// Wire tables are versioned. Retired values (NCMEC "Child Prostitution", DSA v1
// constants) stay in the tables with Legacy set, ReplacedBy naming their
// successor and ValidTo their end: [ParseCategory] accepts them so that old
// payloads can be read, but [Categories], [Crosswalk] and [Map] never return
// them, and encoders must never emit them. New values carry ValidFrom (the DSA
// deepfake CSAM keyword: 2025-07-01).
//
// # Crosswalk
//
// [Crosswalk] maps a category of one scheme to the categories of another, and
// [Map] maps a term code to the categories of a scheme, which is what a report
// encoder needs (code to NCMEC incident type and annotations, code to DSA
// category and keywords). Every [Mapping] carries a [Fidelity] (exact,
// broader, narrower, lossy, none) and a Note saying what is lost or which fact
// decides. The mappings never invent precision: developmental age stage
// (Industry, ICSE) is not chronological age, legality (ICCAM) is not severity
// (UK, Industry, COPINE) and neither is the DSA decision ground; where a target
// turns on a fact the source does not record, the fidelity says so. When no
// target exists the result is a single FidelityNone mapping whose Note says
// why, never an empty slice. [Map] falls back to the parent code when a code
// has no mapping of its own, weakening the fidelity and saying so in the Note.
//
// Most mappings are mnr's own design (PROPOSAL), built from the published
// definitions; they are what mnr would emit given the recorded facts, not what
// an agency would necessarily decide.
//
// # Lint
//
// [Lint] finds deprecated wording in free text ("child pornography", "child
// prostitute", "child sex tourism", ...) and suggests the preferred term. It
// skips legal quotations: phrases in double quotes and phrases introduced by
// "as defined in" or "within the meaning of". The longest match wins, so
// acceptable or statutory phrases that contain deprecated words ("apparent
// child pornography" in 18 U.S.C. 2258A, "paedophile manual" in UK law) are
// not reported. The command examples/termlint runs it over files.
//
// # Concurrency
//
// Everything in the package is safe for concurrent use. The vocabulary is
// immutable: indexes and the lint matcher are built once, on first use, and
// every function returns fresh copies of slices, so callers may modify what
// they get.
//
// # Errors
//
// Lookup and Normalize fail with errors wrapping [ErrUnknownCode];
// ParseCategory, ParseCategoryKey and FindCategory with [ErrUnknownCategory];
// Normalize and FindCategory with [ErrAmbiguous] when the input names several
// entries. Match them with errors.Is. Error messages quote at most 64 bytes of
// the caller's input. No function panics on any input.
//
// # Limits
//
// Normalize and FindCategory reject input longer than 256 bytes, and
// ParseCategory wire strings longer than 256 bytes, without examining it (no
// vocabulary entry is that long). Lint has no size limit: it runs in time
// linear in the text and allocates only its findings; callers that lint
// untrusted uploads should bound the text they pass (examples/termlint reads
// at most 64 MiB per file).
//
// # Sources and confidence
//
// Entries follow mnr's terminology reference. [ConfidenceVerified] entries were
// checked against the cited source; [ConfidencePartial] rest on secondary
// sources; [ConfidenceUnverified] must be confirmed before quoting them in
// user-facing copy; [ConfidenceProposal] marks mnr's own codes, labels and
// mappings. Open items: the second edition (2025) of the Luxembourg Guidelines
// is known only from its press summary; the NCMEC tables follow the November
// 2025 XSD and should be compared with the live XSD in CI; the INHOPE Universal
// Classification Schema labels are not yet published to mnr.
package terminology
