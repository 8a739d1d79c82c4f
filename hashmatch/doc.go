// Package hashmatch hashes images and matches hashes against hash lists of
// known child sexual abuse material: reading and writing the lists platforms
// receive, mnr's own signed list format, and a Matcher that finds every list
// entry within a Hamming-distance threshold of a query.
//
// # Model
//
// A [Hash] is a value of one [Kind]: PDQ (256 bits), pHash, dHash and aHash
// (64 bits), compared by Hamming distance, or MD5, SHA-1 and SHA-256,
// compared by equality.
//
// A Hasher (hasher.go) computes any subset of the kinds from an image in one
// decode, within byte and pixel limits; PDQ comes with its quality score and,
// on request, the hashes of the image's 8 rotations and flips.
//
// A [List] is a loaded hash list: name, source, version, creation time and,
// per kind, its entries sorted by hash. Each entry has an ID (the list's own
// or, for plain lists, its line number) and category codes: terminology term
// codes such as "csam" and category keys such as "industry:A1" (see
// [ResolveCategory] and package terminology). [ReadList] reads plain lists
// (one hex hash per line), CSV and TSV lists with a header, and mnr lists,
// optionally zstd-compressed; [ListBuilder] assembles a list in memory;
// [WriteList] writes the mnr format and [WriteText] the text formats.
// Entries with the same kind and hash are merged, their categories united.
//
// mnr's own format (see FormatMNR and format.go) is a header, the hashes
// sorted in fixed-size records, category sets and IDs, all in one zstd
// stream, read in one linear pass. A detached Ed25519ph signature ([Sign],
// [Verify]; key files by [MarshalPublicKey] and [ParsePublicKeys]) covers a
// list file's exact bytes; with ReadOptions.TrustedKeys an unsigned or badly
// signed list is refused.
//
// A [Matcher] holds lists and their indexes. [Matcher.Match] returns, for
// each hash of a [Query], every entry within the threshold (PDQ 31 and the
// 64-bit kinds 10 by default, configurable per kind and per list), sorted by
// distance; a PDQ query of low quality is flagged, and the 8 dihedral
// variants of a PDQ hash can be matched in one call. Perceptual kinds use
// multi-index hashing (mih.go): the hash is cut into substrings so that by the
// pigeonhole principle every entry within the threshold agrees closely with
// the query on at least one substring; those buckets are probed and every
// candidate verified by popcount. Recall is 100%, checked against brute force
// in the tests. Exact kinds use a sorted table with bucketed offsets, behind
// an optional bloom filter. A [Screen] exports a bloom filter of a list's
// exact hashes for edge services that must not hold the list.
//
// # Concurrency
//
// Lists, Screens and Matchers are safe for concurrent use. A Matcher keeps an
// immutable snapshot of its lists behind an atomic pointer: [Matcher.Replace]
// and [Matcher.Reload] build the next snapshot (reusing indexes of lists
// already loaded) and swap it in, so queries never block and never see part
// of a list. ListBuilder is not safe for concurrent use.
//
// # Errors
//
// Errors wrap sentinels for errors.Is: [ErrBadHash], [ErrUnknownKind],
// [ErrCategory] (with terminology.ErrUnknownCategory or
// terminology.ErrAmbiguous), [ErrBadList], [ErrTooLarge] (a bound was
// exceeded), [ErrCorrupt] (a truncated or malformed mnr file or zstd stream),
// [ErrUntrusted] (a missing or invalid signature) and [ErrDuplicateList]. A
// bad line of a text list is a [*LineError] with its line number; in lenient
// mode bad lines are skipped and counted instead (LoadStats). No error,
// log record or hook argument holds a list's hash values or a line's text.
//
// # Limits
//
// Every input bound has a default, overridable in ReadOptions:
//
//   - entries per list: DefaultMaxEntries (2^28, 268 million)
//   - text line length: DefaultMaxLineBytes (4096 bytes)
//   - decompressed bytes read: DefaultMaxBytes (64 GiB)
//   - zstd window and decoder memory: DefaultMaxDecoderMemory (64 MiB)
//   - mnr header: DefaultMaxHeaderBytes (1 MiB)
//   - distinct category combinations: DefaultMaxCategorySets (65536)
//   - categories per entry: MaxCodesPerEntry (64), each MaxCodeLen (256 bytes)
//   - entry IDs: MaxIDLen (256 bytes); list name, source, version: MaxInfoLen
//   - signature files: MaxSignatureBytes (64 KiB); screens: DefaultMaxScreenBytes
//   - matches per query: DefaultMaxMatches (1000); dihedral variants: 8
//
// # Memory and speed
//
// A PDQ entry costs 36 bytes in a List (32-byte hash, 4-byte numeric ID) and
// 42 to 48 more in the Matcher's index from 1 to 100 million entries
// (MatcherOptions.IndexBytesPerEntry trades memory for speed); large index
// arrays are advised to use transparent huge pages on Linux. Queries run in
// phases whose memory reads are independent and prefetched, so the processor
// overlaps cache misses. MatchBatch overlaps the exact-kind lookups of many
// queries. BENCHMARKS.md has the figures and the commands that reproduce
// them.
//
// # Telemetry
//
// [Hooks] report matches (OnMatch) and published lists (OnListLoaded).
// ReadOptions.Logger and MatcherOptions.Logger receive one record per list
// loaded or published, with names and counts only; both default to
// discarding.
package hashmatch
