package hashmatch

import (
	"bytes"
	"context"
	cryptomd5 "crypto/md5"
	cryptosha1 "crypto/sha1"
	cryptosha256 "crypto/sha256"
	"errors"
	"fmt"
	"image"
	"io"
	"io/fs"
	"sync"

	"github.com/corona10/goimagehash"

	"github.com/mnr-sdk/mnr/hashmatch/pdq"
)

// Default limits of a Hasher.
const (
	// DefaultMaxUploadBytes is the default HasherOptions.MaxBytes: 64 MiB.
	DefaultMaxUploadBytes = 64 << 20
	// DefaultMaxPixels is the default HasherOptions.MaxPixels: 50 megapixels.
	DefaultMaxPixels = 50_000_000
)

// HasherOptions configures a Hasher. A nil *HasherOptions, and every zero
// field, means the documented default.
type HasherOptions struct {
	// Kinds are the hashes computed by Hash, in the order of
	// Result.Hashes. Default: KindPDQ, KindMD5, KindSHA256.
	Kinds []Kind
	// PDQMode is pdq.ModeFull (default: the reference library at full
	// resolution, as python-threatexchange and HMA hash) or pdq.ModeCLI (the
	// reference command-line tool's 512x512 pre-resize; faster on large
	// photos, 2-10 bits from ModeFull on them).
	PDQMode pdq.Mode
	// Dihedral also computes the 8 PDQ hashes of the image's rotations and
	// reflections (Result.PDQDihedral) when PDQ is requested. Default false.
	Dihedral bool
	// MaxBytes refuses input longer than this many bytes with ErrTooLarge
	// (after reading at most MaxBytes+1 of them). Default DefaultMaxUploadBytes.
	MaxBytes int64
	// MaxPixels refuses images whose header declares more pixels than this
	// with ErrTooLarge, before any pixel is decoded. Decoding takes 1.5 to 8
	// bytes per pixel, and up to about 15 for a progressive 4:4:4 JPEG
	// (Go's decoder keeps every coefficient), so the default,
	// DefaultMaxPixels (50 megapixels), bounds one decode to under 1 GB;
	// lower it, or limit concurrent decodes, on small servers.
	MaxPixels int64
	// ApplyOrientation turns the image upright according to its EXIF
	// orientation (JPEG, PNG, WebP, TIFF) before perceptual hashing. Default
	// false: like the reference PDQ tools, and so like the hash lists built
	// with them, the stored pixels are hashed. Setting it changes the hashes
	// of rotated photos completely (use Dihedral to match them instead).
	ApplyOrientation bool
}

// Hasher hashes uploads: it reads the bytes once, under a byte limit,
// computes the exact hashes of the bytes, checks the image header against a
// pixel limit, decodes once and computes the perceptual hashes. A Hasher is
// safe for concurrent use; its methods keep no state between calls besides
// reusable buffers. The zero Hasher is not valid, use NewHasher.
type Hasher struct {
	kinds            []Kind
	dihedral         bool
	maxBytes         int64
	maxPixels        int64
	applyOrientation bool
	pdq              *pdq.Hasher
	bufs             sync.Pool // *bytes.Buffer
}

// NewHasher returns a Hasher with the given options (nil means defaults).
// Invalid kinds in opts.Kinds make every call fail with ErrUnknownKind.
func NewHasher(opts *HasherOptions) *Hasher {
	var o HasherOptions
	if opts != nil {
		o = *opts
	}
	h := &Hasher{
		kinds:            dedupeKinds(o.Kinds),
		dihedral:         o.Dihedral,
		maxBytes:         o.MaxBytes,
		maxPixels:        o.MaxPixels,
		applyOrientation: o.ApplyOrientation,
	}
	if len(h.kinds) == 0 {
		h.kinds = []Kind{KindPDQ, KindMD5, KindSHA256}
	}
	if h.maxBytes <= 0 {
		h.maxBytes = DefaultMaxUploadBytes
	}
	if h.maxPixels <= 0 {
		h.maxPixels = DefaultMaxPixels
	}
	mode := pdq.ModeFull
	if o.PDQMode == pdq.ModeCLI {
		mode = pdq.ModeCLI
	}
	h.pdq = pdq.NewHasher(&pdq.Options{Mode: mode, MaxPixels: h.maxPixels})
	h.bufs.New = func() any { return new(bytes.Buffer) }
	return h
}

// Kinds returns the kinds Hash computes, in order.
func (h *Hasher) Kinds() []Kind { return append([]Kind(nil), h.kinds...) }

// Result is what a Hasher computed for one input.
type Result struct {
	// Format is the image format recognised from the leading bytes
	// ("jpeg", "png", "gif", "webp", "bmp", "tiff"), or "" when there is
	// none (possible only when no perceptual kind was requested) or the
	// image was given as an image.Image.
	Format string
	// Width and Height are the image's dimensions as hashed (after turning
	// it upright when ApplyOrientation applied an orientation); for an
	// exact-only request, those of a readable image header, else 0.
	Width, Height int
	// Size is the number of bytes read (0 for HashImage).
	Size int64
	// Hashes holds one hash per requested kind, in the requested order.
	Hashes []Hash
	// PDQQuality is the PDQ quality (0..100) when PDQ was computed. The
	// reference advises discarding PDQ hashes of quality below 50.
	PDQQuality int
	// PDQDihedral holds the 8 PDQ hashes of the image's rotations and
	// reflections (pdq.Hasher.HashDihedral's order) when the Hasher's
	// Dihedral option is set and PDQ was computed; nil otherwise.
	PDQDihedral []Hash
	// Orientation is the EXIF orientation (1..8) found when ApplyOrientation
	// is set, 0 otherwise or when the file has none.
	Orientation int
}

// Get returns the hash of kind k, if it was computed.
func (r *Result) Get(k Kind) (Hash, bool) {
	for _, h := range r.Hashes {
		if h.Kind() == k {
			return h, true
		}
	}
	return Hash{}, false
}

// Hash reads r to the end (at most MaxBytes) and computes the Hasher's kinds.
// It returns ErrTooLarge when the input or the image's declared pixel count
// exceeds its limit, ErrUnsupportedFormat when a perceptual kind was asked
// for and the bytes are not a supported image, ErrCorrupt when the image is
// malformed or truncated (wrapping the decoder's error), ctx's error when
// ctx ends while reading, or r's read error. Errors never contain the
// input's bytes.
func (h *Hasher) Hash(ctx context.Context, r io.Reader) (*Result, error) {
	return h.HashKinds(ctx, r, nil)
}

// HashKinds is Hash with the kinds given per call (nil or empty: the
// Hasher's), so that one Hasher can serve requests that need different hash
// kinds. Duplicate kinds are computed once.
func (h *Hasher) HashKinds(ctx context.Context, r io.Reader, kinds []Kind) (*Result, error) {
	if len(kinds) == 0 {
		kinds = h.kinds
	} else {
		kinds = dedupeKinds(kinds)
	}
	if err := validKinds(kinds); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	buf := h.bufs.Get().(*bytes.Buffer)
	defer h.putBuf(buf)
	buf.Reset()
	if size := sizeHint(r); size > 0 {
		buf.Grow(int(min(size, h.maxBytes) + 1))
	}
	n, err := buf.ReadFrom(io.LimitReader(ctxReader{ctx, r}, h.maxBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("hashmatch: reading input: %w", err)
	}
	if n > h.maxBytes {
		return nil, fmt.Errorf("%w: input longer than %d bytes", ErrTooLarge, h.maxBytes)
	}
	data := buf.Bytes()
	res := &Result{Size: n, Hashes: make([]Hash, 0, len(kinds))}

	perceptual := false
	for _, k := range kinds {
		perceptual = perceptual || k.Perceptual()
	}
	var img image.Image
	lim := decodeLimits{maxPixels: h.maxPixels}
	f, cfg, err := decodeConfig(data, lim)
	if perceptual && err != nil {
		return nil, err
	}
	if f != nil {
		res.Format = f.name
	}
	if err == nil {
		res.Width, res.Height = cfg.Width, cfg.Height
	}
	if perceptual {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		img, err = decodeImage(f, data)
		if err != nil {
			return nil, err
		}
		if h.applyOrientation {
			res.Orientation = exifOrientation(f.name, data)
			img = orient(img, res.Orientation)
		}
		res.Width, res.Height = img.Bounds().Dx(), img.Bounds().Dy()
	}
	for _, k := range kinds {
		switch k {
		case KindMD5:
			s := cryptomd5.Sum(data)
			res.Hashes = append(res.Hashes, mustHash(k, s[:]))
		case KindSHA1:
			s := cryptosha1.Sum(data)
			res.Hashes = append(res.Hashes, mustHash(k, s[:]))
		case KindSHA256:
			s := cryptosha256.Sum256(data)
			res.Hashes = append(res.Hashes, mustHash(k, s[:]))
		default:
			if err := h.perceptualHash(res, k, img); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
}

// HashImage computes the perceptual kinds among the Hasher's kinds (PDQ,
// pHash, dHash, aHash) of an already decoded image; exact kinds, which need
// the file's bytes, are skipped. It returns ErrTooLarge for an image with
// more than MaxPixels pixels and ErrCorrupt for an empty one.
func (h *Hasher) HashImage(img image.Image) (*Result, error) {
	if img == nil {
		return nil, fmt.Errorf("%w: nil image", ErrCorrupt)
	}
	if err := validKinds(h.kinds); err != nil {
		return nil, err
	}
	b := img.Bounds()
	if b.Empty() {
		return nil, fmt.Errorf("%w: empty image", ErrCorrupt)
	}
	if w, ht := int64(b.Dx()), int64(b.Dy()); w > h.maxPixels || ht > h.maxPixels || w*ht > h.maxPixels {
		return nil, fmt.Errorf("%w: %dx%d pixels, limit %d", ErrTooLarge, w, ht, h.maxPixels)
	}
	res := &Result{Width: b.Dx(), Height: b.Dy()}
	for _, k := range h.kinds {
		if !k.Perceptual() {
			continue
		}
		if err := h.perceptualHash(res, k, img); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// perceptualHash appends the hash of kind k of img to res.
func (h *Hasher) perceptualHash(res *Result, k Kind, img image.Image) error {
	if k == KindPDQ {
		return h.pdqHash(res, img)
	}
	v, err := hash64(k, img)
	if err != nil {
		return err
	}
	res.Hashes = append(res.Hashes, Hash64(k, v))
	return nil
}

// pdqError maps a pdq error to the package's sentinels.
func pdqError(err error) error {
	if errors.Is(err, pdq.ErrTooLarge) {
		return fmt.Errorf("%w: %w", ErrTooLarge, err)
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, err)
}

func (h *Hasher) pdqHash(res *Result, img image.Image) error {
	if !h.dihedral {
		ph, q, err := h.pdq.Hash(img)
		if err != nil {
			return pdqError(err)
		}
		res.Hashes = append(res.Hashes, HashPDQ(ph))
		res.PDQQuality = q
		return nil
	}
	dih, q, err := h.pdq.HashDihedral(img)
	if err != nil {
		return pdqError(err)
	}
	ph := dih[0]
	if b := img.Bounds(); b.Dx() == 64 && b.Dy() == 64 {
		// The reference's plain entry point skips the blur of a 64x64
		// plane and its dihedral one does not; keep Hashes identical to a
		// non-dihedral Hasher's.
		if ph, _, err = h.pdq.Hash(img); err != nil {
			return pdqError(err)
		}
	}
	res.Hashes = append(res.Hashes, HashPDQ(ph))
	res.PDQQuality = q
	res.PDQDihedral = make([]Hash, len(dih))
	for i, d := range dih {
		res.PDQDihedral[i] = HashPDQ(d)
	}
	return nil
}

// hash64 computes a goimagehash hash (pHash, dHash or aHash) without letting
// the library's types or panics escape.
func hash64(k Kind, img image.Image) (v uint64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v: hashing failed", ErrCorrupt, k)
		}
	}()
	var ih *goimagehash.ImageHash
	switch k {
	case KindPHash:
		ih, err = goimagehash.PerceptionHash(img)
	case KindDHash:
		ih, err = goimagehash.DifferenceHash(img)
	case KindAHash:
		ih, err = goimagehash.AverageHash(img)
	default:
		return 0, fmt.Errorf("%w: %v is not a 64-bit perceptual kind", ErrUnknownKind, k)
	}
	if err != nil {
		return 0, fmt.Errorf("%w: %v: %w", ErrCorrupt, k, err)
	}
	return ih.GetHash(), nil
}

func mustHash(k Kind, b []byte) Hash {
	h, err := NewHash(k, b)
	if err != nil {
		panic(err) // sizes are fixed by the digest functions
	}
	return h
}

// maxPooledBuffer bounds the read buffers kept for reuse (8 MiB); larger ones
// are left to the garbage collector.
const maxPooledBuffer = 8 << 20

func (h *Hasher) putBuf(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	h.bufs.Put(b)
}

func dedupeKinds(kinds []Kind) []Kind {
	out := make([]Kind, 0, len(kinds))
	for _, k := range kinds {
		dup := false
		for _, o := range out {
			dup = dup || o == k
		}
		if !dup {
			out = append(out, k)
		}
	}
	return out
}

func validKinds(kinds []Kind) error {
	for _, k := range kinds {
		if !k.Valid() {
			return fmt.Errorf("%w: %v", ErrUnknownKind, k)
		}
	}
	return nil
}

// sizeHint returns the remaining length of readers that know it (files,
// bytes and strings readers), or 0.
func sizeHint(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len())
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return 0
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
