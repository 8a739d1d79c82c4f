package hashmatch

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// Format is a hash list file format.
type Format uint8

// The list formats ReadList understands.
const (
	// FormatAuto detects the format (ReadOptions.Format's default): mnr
	// files by their magic bytes, CSV and TSV by a header line holding a
	// comma or a tab, anything else as a plain list.
	FormatAuto Format = iota
	// FormatPlain is one hex hash per line ("HEX" or "KIND:HEX"); blank
	// lines and lines starting with '#' are ignored. Entry IDs are the
	// 1-based line numbers.
	FormatPlain
	// FormatCSV is comma-separated values with a header line naming the
	// columns (see ReadList); fields may be double-quoted (RFC 4180, one
	// line per record).
	FormatCSV
	// FormatTSV is tab-separated values with a header line; no quoting.
	FormatTSV
	// FormatMNR is mnr's own signed, compact list format (see WriteList).
	FormatMNR
)

var formatNames = [...]string{"auto", "plain", "csv", "tsv", "mnr"}

// String returns the format's name ("auto", "plain", "csv", "tsv", "mnr").
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// ParseFormat parses a format name as returned by Format.String.
func ParseFormat(s string) (Format, error) {
	for i, n := range formatNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Format(i), nil
		}
	}
	return 0, fmt.Errorf("hashmatch: unknown list format %q", truncate(s, 16))
}

// Default bounds of ReadOptions.
const (
	DefaultMaxLineBytes     = 4096
	DefaultMaxBytes         = 64 << 30
	DefaultMaxDecoderMemory = 64 << 20
	DefaultMaxHeaderBytes   = 1 << 20
	DefaultMaxProblems      = 100
	// MaxSignatureBytes bounds a detached signature file.
	MaxSignatureBytes = 64 << 10
)

// ReadOptions configure ReadList. The zero value (and nil) reads any format
// strictly with the default bounds and no signature check.
type ReadOptions struct {
	// Format of the input; FormatAuto (the default) detects it.
	Format Format
	// Kind of the hashes of a plain list, and of CSV/TSV lists without a
	// kind column. When zero, MD5 (32 hex digits) and SHA-1 (40) are
	// recognised by length; 16 digits (pHash, dHash or aHash) and 64
	// digits (PDQ or SHA-256) are ambiguous and need Kind (or a "KIND:"
	// prefix on the line).
	Kind Kind
	// Info names plain, CSV and TSV lists, which carry no metadata of their
	// own. It is ignored for mnr files, whose header holds it. ReadListFile
	// defaults Info.Name to the file name without its extensions.
	Info ListInfo
	// Categories are given to every entry of a plain list, and added to the
	// categories column of CSV/TSV lists (any spelling ResolveCategory
	// accepts, e.g. "csam" or "A1").
	Categories []string
	// Thresholds set the list's own match thresholds per perceptual kind,
	// overriding those in an mnr header.
	Thresholds map[Kind]int
	// Lenient skips bad lines and counts them (LoadStats) instead of
	// failing the load on the first one (the default, strict mode).
	Lenient bool
	// MinQuality drops entries whose quality column is below it (0, the
	// default, keeps all).
	MinQuality int
	// TrustedKeys, when set, make the load fail with ErrUntrusted unless
	// Signature verifies over the input's exact bytes under one of them.
	TrustedKeys []ed25519.PublicKey
	// Signature is the detached signature (the contents of the .sig file
	// that Sign produces). ReadListFile reads PATH.sig when this is nil.
	Signature []byte
	// MaxEntries bounds the entries (default DefaultMaxEntries, 2^28).
	MaxEntries int
	// MaxLineBytes bounds a line of a text list (default 4096).
	MaxLineBytes int
	// MaxBytes bounds the decompressed bytes read (default 64 GiB).
	MaxBytes int64
	// MaxDecoderMemory bounds the zstd window and decoder memory
	// (default 64 MiB).
	MaxDecoderMemory uint64
	// MaxHeaderBytes bounds an mnr header (default 1 MiB).
	MaxHeaderBytes int
	// MaxCategorySets bounds distinct category combinations
	// (default DefaultMaxCategorySets, 65536).
	MaxCategorySets int
	// MaxProblems bounds the bad lines kept in LoadStats.Problems in
	// lenient mode (default 100; all are counted).
	MaxProblems int
	// Logger receives one record per load (counts only, never hashes).
	// Nil discards.
	Logger *slog.Logger
}

func (o *ReadOptions) withDefaults() ReadOptions {
	var r ReadOptions
	if o != nil {
		r = *o
	}
	if r.MaxEntries <= 0 {
		r.MaxEntries = DefaultMaxEntries
	}
	if r.MaxLineBytes <= 0 {
		r.MaxLineBytes = DefaultMaxLineBytes
	}
	if r.MaxBytes <= 0 {
		r.MaxBytes = DefaultMaxBytes
	}
	if r.MaxDecoderMemory == 0 {
		r.MaxDecoderMemory = DefaultMaxDecoderMemory
	}
	if r.MaxHeaderBytes <= 0 {
		r.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if r.MaxCategorySets <= 0 {
		r.MaxCategorySets = DefaultMaxCategorySets
	}
	if r.MaxProblems <= 0 {
		r.MaxProblems = DefaultMaxProblems
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	return r
}

// LineError reports a bad line of a text list: its 1-based line number, the
// column concerned (if any) and the cause. It never holds the line's text.
type LineError struct {
	Line   int
	Column string
	Err    error
}

// Error returns "hashmatch: line N: [column: ]cause".
func (e *LineError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("hashmatch: line %d: %s: %v", e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("hashmatch: line %d: %v", e.Line, e.Err)
}

// Unwrap returns the cause.
func (e *LineError) Unwrap() error { return e.Err }

// ErrUntrusted is returned when a list must be signed by a trusted key
// (ReadOptions.TrustedKeys, MatcherOptions.TrustedKeys) and is unsigned or
// its signature does not verify.
var ErrUntrusted = errors.New("hashmatch: list signature not trusted")

var (
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
	mnrMagic  = []byte("\x89MNR\r\n\x1a\n")
)

// ReadList reads a hash list in any supported format (see Format), from
// optionally zstd-compressed input, within the bounds of opts. Reading is
// streaming and linear in the input's size.
//
// CSV and TSV lists start with a header line naming their columns (case
// does not matter, unknown columns are ignored): "hash" (required; also
// "hex", "value", "signal"), "kind" ("type", "hash_type", "algorithm"),
// "categories" ("category", "labels", "tags", "codes": values separated by
// ';' or '|', each a terminology code or a scheme label such as "A1"),
// "id" ("entry", "entry_id") and "quality" ("pdq_quality", 0..100).
//
// Bad lines fail the load with a *LineError in strict mode (the default) and
// are skipped and counted in lenient mode. Entries with the same kind and
// hash are merged. With opts.TrustedKeys set, the input must carry a valid
// signature (ErrUntrusted otherwise); an mnr file that is truncated or fails
// its structure checks is ErrCorrupt.
func ReadList(r io.Reader, opts *ReadOptions) (*List, error) {
	return ReadListContext(context.Background(), r, opts)
}

// ReadListContext is ReadList with a context that can stop a long load.
func ReadListContext(ctx context.Context, r io.Reader, opts *ReadOptions) (*List, error) {
	o := opts.withDefaults()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var digest hash.Hash
	if len(o.TrustedKeys) > 0 {
		if len(o.Signature) == 0 {
			return nil, fmt.Errorf("%w: the list is not signed", ErrUntrusted)
		}
		digest = sha512.New()
		r = io.TeeReader(r, digest)
	}
	l, err := readList(ctx, r, &o)
	if err != nil {
		return nil, err
	}
	if digest != nil {
		// The signature covers every byte: read what the parser left.
		n, err := io.Copy(io.Discard, io.LimitReader(r, MaxSignatureBytes+1))
		if err != nil {
			return nil, err
		}
		if n > MaxSignatureBytes {
			return nil, fmt.Errorf("%w: data after the end of the list", ErrCorrupt)
		}
		id, key, err := verifyDigest(digest.Sum(nil), o.Signature, o.TrustedKeys)
		if err != nil {
			return nil, err
		}
		l.signer, l.signerKey = id, key
	}
	for k, t := range o.Thresholds {
		if err := checkThreshold(k, t); err != nil {
			return nil, err
		}
		if l.thresholds == nil {
			l.thresholds = map[Kind]int{}
		}
		l.thresholds[k] = t
	}
	o.Logger.LogAttrs(ctx, slog.LevelInfo, "hash list loaded",
		slog.String("list", l.name), slog.String("format", l.format.String()),
		slog.Int("entries", l.Len()), slog.Int("skipped", l.load.Skipped),
		slog.Int("duplicates", l.load.Duplicates), slog.Bool("verified", l.signer != ""))
	return l, nil
}

// ReadListFile reads the list at path (see ReadList). Unless
// opts.Signature is set it reads the detached signature from path+".sig"
// when that file exists, and Info.Name defaults to the file's base name
// without extensions.
func ReadListFile(ctx context.Context, path string, opts *ReadOptions) (*List, error) {
	o := opts.withDefaults()
	if o.Info.Name == "" {
		o.Info.Name = baseName(path)
	}
	if o.Signature == nil {
		sig, err := readSmallFile(path+".sig", MaxSignatureBytes)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		o.Signature = sig
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadListContext(ctx, bufio.NewReaderSize(f, 1<<20), &o)
}

func baseName(path string) string {
	b := filepath.Base(path)
	if i := strings.IndexByte(b, '.'); i > 0 {
		b = b[:i]
	}
	return b
}

// readSmallFile reads a file of at most max bytes.
func readSmallFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrTooLarge, filepath.Base(path), max)
	}
	return b, nil
}

// limitedReader fails with ErrTooLarge past max bytes.
type limitedReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n >= l.max {
		return 0, fmt.Errorf("%w: more than %d bytes of list data", ErrTooLarge, l.max)
	}
	if int64(len(p)) > l.max-l.n {
		p = p[:l.max-l.n]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}

// zstdSource decompresses with a capped decoder and reports its failures
// as ErrCorrupt or ErrTooLarge. Close releases the decoder.
type zstdSource struct {
	d *zstd.Decoder
}

func newZstdSource(r io.Reader, o *ReadOptions) (*zstdSource, error) {
	d, err := zstd.NewReader(r,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(max(o.MaxDecoderMemory, zstd.MinWindowSize)),
		zstd.WithDecoderMaxMemory(max(o.MaxDecoderMemory, zstd.MinWindowSize)))
	if err != nil {
		return nil, zstdError(err)
	}
	return &zstdSource{d: d}, nil
}

func (z *zstdSource) Read(p []byte) (int, error) {
	n, err := z.d.Read(p)
	if err != nil && err != io.EOF {
		err = zstdError(err)
	}
	return n, err
}

func (z *zstdSource) Close() { z.d.Close() }

// zstdError maps a decoder error to the package's sentinels.
func zstdError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrTooLarge):
		return err
	case errors.Is(err, zstd.ErrWindowSizeExceeded), errors.Is(err, zstd.ErrDecoderSizeExceeded):
		return fmt.Errorf("%w: zstd window larger than the decoder memory cap", ErrTooLarge)
	}
	return fmt.Errorf("%w: zstd: %v", ErrCorrupt, err)
}

func readList(ctx context.Context, r io.Reader, o *ReadOptions) (*List, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(len(mnrMagic))
	switch {
	case bytes.HasPrefix(head, mnrMagic):
		if o.Format != FormatAuto && o.Format != FormatMNR {
			return nil, fmt.Errorf("%w: input is an mnr list, not %v", ErrBadList, o.Format)
		}
		br.Discard(len(mnrMagic))
		return readMNR(ctx, br, o)
	case o.Format == FormatMNR:
		return nil, fmt.Errorf("%w: not an mnr list (bad magic)", ErrCorrupt)
	}
	var src io.Reader = br
	if bytes.HasPrefix(head, zstdMagic) {
		zr, err := newZstdSource(br, o)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		src = zr
	}
	return readText(ctx, &limitedReader{r: src, max: o.MaxBytes}, o)
}
