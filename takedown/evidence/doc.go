// Package evidence is an encrypted, retention-bound vault for the evidence a
// platform must preserve after taking content down: 1 year after a CyberTipline
// report in the US (18 U.S.C. §2258A(h)), 1 year under the UK's SI 2026/268, 6
// months under the EU TCO Regulation, and so on (see the takedown package for
// the periods and their citations). It stands alone: it needs neither takedown
// nor reporting, and an upload scanner can use it as a quarantine.
//
// # Model
//
// An [Item] is a piece of content addressed by its [Digest], the SHA-256 of its
// plaintext. [Vault.Put] stores content with a retention date, legal holds,
// labels and case IDs; storing the same content again stores nothing new but
// moves retention to the later date (never earlier) and merges the rest.
// [Vault.Open] reads it back, verified; [Vault.Stat] and [Vault.Items] read
// metadata. [Vault.Extend] lengthens retention, [Vault.Hold] and
// [Vault.Release] place and lift legal holds. [Vault.Purge] destroys what is
// past its retention date and on no hold; [Vault.Destroy] destroys one item on
// request. [Vault.Rewrap] re-encrypts everything under a new key.
//
// Times come from Options.Now. Retention starts when the caller says: the law
// usually counts from the report receipt, not from the upload, so Put at
// quarantine time with the default (one year) and Extend once the receipt is in.
//
// # Destruction and legal holds
//
// A legal hold blocks every destruction. Destroy exists for destruction that law
// enforcement asks for (§2258B(c): "permanently destroy" on request) and ignores
// the retention date, but it refuses an item on hold with [ErrOnHold]: the hold
// stands for a duty to preserve that a person has to weigh against the request.
// The override is to [Vault.Release] each hold (audited, with the actor), then
// Destroy; there is deliberately no force flag.
//
// A destruction first records its intent in the item's manifest, then deletes
// the blob, appends the audit entry and deletes the manifest. An interrupted
// destruction is finished by the next Purge, Destroy or Put of that content; the
// item reads as not found meanwhile. The audit log may then hold the destruction
// twice, never not at all. Deleting a file does not scrub the disk, but only
// ciphertext was ever written there: what a disk keeps after a destruction is
// unreadable without the keys.
//
// # Storage, naming and encryption
//
// Each item is two objects in a [Backend]: a blob ("blob/<ref>") and a manifest
// ("meta/<ref>"). The ref is HMAC-SHA256 of the digest under the keyring's
// naming key, so someone holding only the disk cannot test whether the vault
// holds a known file; [Vault.Ref] computes it for the application.
//
// Both objects are envelopes: a header (magic, format version, kind, key ID, an
// 8-byte key check value, a random 96-bit nonce) followed by AES-256-GCM
// ciphertext. The header, plus the digest (blob) or the ref (manifest), is the
// additional authenticated data, so editing any header byte or moving an object
// to another item fails authentication. Blob content is compressed with zstd
// (fastest level) before encryption; Open decompresses into a buffer capped at
// the recorded size and checks the SHA-256 before returning anything.
//
// Metadata lives in the per-item manifests rather than in a bbolt file beside
// the backend: one store then holds everything, an object-store backend needs
// nothing local besides the audit log, a backup is a copy of one tree, and an
// item and its metadata can never be split between two stores that disagree
// after a crash. The price is that Purge and Rewrap read every manifest; they
// are periodic jobs, not per-request ones.
//
// The [Keyring] holds the active key, older keys for reading, and the naming
// key. Rotation: build a Keyring with a new active key and the old one among the
// older keys, open the vault with it, run [Vault.Rewrap], then drop the old key.
// Every manifest update also re-seals under the active key. The naming key
// cannot rotate. Sizes are not hidden: a blob is about as large as its
// compressed content.
//
// # Audit log
//
// Every put, extension, hold, release, destruction, purge and rewrap appends a
// JSON line to an append-only log (Options.AuditPath; by default
// "audit.jsonl" in a [DirBackend]'s directory), fsynced before the call returns.
// Each entry carries the SHA-256 of the previous one; [VerifyAudit] checks the
// chain and returns its [AuditHead], which you should record elsewhere to detect
// truncation. Entries name items by ref and never hold content, digests, labels
// or keys. A torn last line (a crash mid-write) is cut when the vault opens, and
// a recover entry says so.
//
// A change is stored first and audited second. If the append fails, the change
// is rolled back (a new item removed, the previous manifest restored) and the
// call returns [ErrAuditBroken]; the vault then refuses every further change
// until it is reopened. Destructions are never rolled back: their intent stays
// recorded until an audited retry finishes them. What remains is a crash
// between a stored change and its append, which leaves that one change
// unaudited; a power cut cannot do worse.
//
// # Backends
//
// [NewDirBackend] is the default: a directory of files written atomically
// (temporary file, fsync, rename or link, directory fsync), 0600 files in 0700
// directories, accessed through [os.Root], with keys that are hex only, and
// locked against a second vault. [NewMemBackend] is for tests. Object stores
// implement the four-method [Backend] and, ideally, [Creator] (a conditional
// create); the backendtest package is the conformance suite each must pass. A
// vault assumes it is its backend's only writer.
//
// # Concurrency
//
// A [Vault] is safe for concurrent use. Changes to one item are serialised by a
// per-item lock; reads take no item lock (every write replaces whole objects
// atomically). Concurrent Puts of the same content store it once. Close waits
// for operations in progress. A [Reader] belongs to one goroutine.
//
// # Errors
//
// Sentinels, matched with errors.Is: [ErrNotFound], [ErrTooLarge], [ErrOnHold],
// [ErrHoldNotFound], [ErrInvalidArgument], [ErrClosed], [ErrAuditBroken], and for
// stored objects [ErrTampered] (failed authentication, truncation, a swapped or
// missing object, content not matching its digest), [ErrWrongKey] (a different
// key under the recorded key ID), [ErrUnknownKey] (a key ID the keyring lacks)
// and [ErrCorrupt] (not a vault object). Those four come inside an
// [*IntegrityError] naming the object and key ID. Audit verification fails with
// an [*AuditError]. Backends return [ErrNotExist], [ErrExist], [ErrInvalidKey]
// and [ErrLocked]. Nothing in this package panics on bad input.
//
// # Limits
//
//   - Plaintext per item: Options.MaxBytes, default [DefaultMaxBytes] (256 MiB),
//     at most [MaxMaxBytes] (16 GiB); PutOptions.MaxBytes lowers it per call.
//     Put and Open hold one item's compressed form (and Open its plaintext) in
//     memory.
//   - Metadata: [MaxHolds], [MaxHoldIDLen], [MaxReasonLen], [MaxActorLen],
//     [MaxLabels], [MaxLabelKeyLen], [MaxLabelValueLen], [MaxCaseIDs],
//     [MaxCaseIDLen], [MaxContentTypeLen]; text must be UTF-8 without control
//     characters. A stored manifest is read up to 1 MiB.
//   - Audit lines: [MaxAuditLine] (64 KiB). Key IDs: [MaxKeyIDLen].
//   - Random nonces: keep each key to well under 2^32 encryptions (every Put and
//     every metadata change is one); rotate keys long before.
//
// # Logging
//
// Options.Logger (discard by default) gets purge and rewrap summaries, each
// destruction (event and ref) and warnings for unreadable items (ref and error
// kind). Logs never carry content, digests, labels, reasons or keys.
package evidence
