package pdq

import (
	"errors"
	"fmt"
	"image"
	"sync"
)

// Mode selects which of the two reference behaviours a Hasher reproduces.
type Mode int

const (
	// ModeFull hashes the image at its full resolution: the reference
	// library function, as used by python-threatexchange, Hasher-Matcher-
	// Actioner and the Java port. It is the default.
	ModeFull Mode = iota
	// ModeCLI first resizes an image wider or taller than 512 pixels to
	// exactly 512x512 by nearest neighbour, as the reference command-line
	// tool pdq-photo-hasher does (its expected values in upstream regression
	// files come from this mode). It is much faster on large photos. Hashes
	// of the two modes agree on images of at most 512x512 pixels and are
	// typically 2-10 bits apart on larger ones.
	ModeCLI
)

// String returns "full" or "cli".
func (m Mode) String() string {
	switch m {
	case ModeFull:
		return "full"
	case ModeCLI:
		return "cli"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ErrUnknownMode is returned by [ParseMode] for a name other than "full" or "cli".
var ErrUnknownMode = errors.New("pdq: unknown mode")

// ParseMode parses "full" or "cli" (the String forms).
func ParseMode(s string) (Mode, error) {
	switch s {
	case "full":
		return ModeFull, nil
	case "cli":
		return ModeCLI, nil
	}
	if len(s) > 16 {
		s = s[:16] + "..."
	}
	return 0, fmt.Errorf("%w: %q (want full or cli)", ErrUnknownMode, s)
}

// DefaultMaxPixels is the default of [Options].MaxPixels: 2^28 (about 268
// megapixels).
const DefaultMaxPixels = 1 << 28

var (
	// ErrTooLarge is returned for an image with more pixels than the
	// Hasher's MaxPixels.
	ErrTooLarge = errors.New("pdq: image too large")
	// ErrNilImage is returned when the image is nil.
	ErrNilImage = errors.New("pdq: nil image")
)

// Options configures a Hasher. The zero value (or a nil *Options) gives the
// defaults.
type Options struct {
	// Mode is ModeFull (the default) or ModeCLI.
	Mode Mode
	// MaxPixels refuses images with more pixels than this with ErrTooLarge
	// before reading any of them. Zero means DefaultMaxPixels. The Hasher's
	// memory does not grow with the pixel count as two full float planes
	// would: it keeps about 4*W*(ceil(H/128)+4) bytes of rows plus a few
	// kilobytes, so the bound is chiefly one of CPU time (a few nanoseconds
	// per pixel in ModeFull).
	MaxPixels int64
}

// Hasher computes PDQ hashes. It keeps its working buffers between calls
// (in a sync.Pool), so hashing costs no allocation in steady state for the
// image types Go's decoders return. A Hasher is safe for concurrent use; the
// zero Hasher is not valid, use NewHasher.
type Hasher struct {
	mode      Mode
	maxPixels int64
	pool      sync.Pool
}

// NewHasher returns a Hasher with the given options (nil means defaults).
// An unknown Mode is treated as ModeFull.
func NewHasher(opts *Options) *Hasher {
	h := &Hasher{mode: ModeFull, maxPixels: DefaultMaxPixels}
	if opts != nil {
		if opts.Mode == ModeCLI {
			h.mode = ModeCLI
		}
		if opts.MaxPixels > 0 {
			h.maxPixels = opts.MaxPixels
		}
	}
	h.pool.New = func() any { return new(state) }
	return h
}

// Mode returns the Hasher's mode.
func (h *Hasher) Mode() Mode { return h.mode }

// Hash returns the PDQ hash of img and its quality (0..100; the reference
// advises discarding hashes of quality below 50). Pixels are read as
// described in the package documentation. An image narrower or shorter than
// 5 pixels hashes to the zero Hash with quality 0 and no error.
func (h *Hasher) Hash(img image.Image) (Hash, int, error) {
	st, err := h.begin(img)
	if err != nil {
		return Hash{}, 0, err
	}
	defer h.end(st)
	if !st.grid(img, h.mode, true) {
		return Hash{}, 0, nil
	}
	q := quality(&st.g)
	dct64To16(&st.g, &st.t, &st.b)
	return toBits(&st.b, lowerMedian(&st.b, &st.scratch)), q, nil
}

// HashDihedral returns the hashes of img and of its 7 other rotations and
// reflections, computed from one pass over the pixels, and the (shared)
// quality. The order is the reference CLI's: original, rotated 90 degrees
// counter-clockwise, rotated 180, rotated 90 clockwise, flipped top-bottom,
// mirrored left-right, reflected in the main diagonal, reflected in the
// anti-diagonal. Match a query against all 8 rather than choosing one.
//
// The first hash equals Hash's except for an image of exactly 64x64 pixels,
// where the reference skips the blur for Hash but not here.
func (h *Hasher) HashDihedral(img image.Image) ([8]Hash, int, error) {
	var out [8]Hash
	st, err := h.begin(img)
	if err != nil {
		return out, 0, err
	}
	defer h.end(st)
	if !st.grid(img, h.mode, false) {
		return out, 0, nil
	}
	q := quality(&st.g)
	dct64To16(&st.g, &st.t, &st.b)
	// Variants with the same sign pattern share their median: orig and
	// flipplus1, rot90 and flipy, rot270 and flipx, rot180 and flipminus1.
	var med [8]float32
	for _, pair := range [4][2]int{
		{dihOriginal, dihFlipPlus1}, {dihRotate90, dihFlipY},
		{dihRotate270, dihFlipX}, {dihRotate180, dihFlipMinus1},
	} {
		dihedral(&st.b, pair[0], &st.aux)
		m := lowerMedian(&st.aux, &st.scratch)
		med[pair[0]], med[pair[1]] = m, m
	}
	for v := range out {
		dihedral(&st.b, v, &st.aux)
		out[v] = toBits(&st.aux, med[v])
	}
	return out, q, nil
}

// HashImage hashes img with the default options (ModeFull). It is a
// convenience for one-off use; a long-lived Hasher reuses its buffers.
func HashImage(img image.Image) (Hash, int, error) {
	return NewHasher(nil).Hash(img)
}

func (h *Hasher) begin(img image.Image) (*state, error) {
	if img == nil {
		return nil, ErrNilImage
	}
	r := img.Bounds()
	w, ht := int64(r.Dx()), int64(r.Dy())
	if w > h.maxPixels || ht > h.maxPixels || w*ht > h.maxPixels {
		return nil, fmt.Errorf("%w: %dx%d pixels, limit %d", ErrTooLarge, w, ht, h.maxPixels)
	}
	return h.pool.Get().(*state), nil
}

// maxPooledFloats bounds the row buffers a pooled state may keep (16 MiB);
// a larger one, from an unusually tall or wide image, is dropped after use.
const maxPooledFloats = 4 << 20

func (h *Hasher) end(st *state) {
	st.src = source{}
	if cap(st.ring1)+cap(st.ring2) > maxPooledFloats {
		return
	}
	h.pool.Put(st)
}

// state holds one computation's buffers.
type state struct {
	src     source
	luma    [batch][]float32 // luma rows read ahead for horizontal pass 1
	ring1   []float32        // vertical pass 1 ring: win+batch rows of width w
	sum1    []float32
	out1    [batch][]float32 // vertical pass 1 output rows awaiting pass 2
	pending int              // how many rows of out1 are filled
	winX    int
	ring2   []float32 // vertical pass 2 ring: win+batch rows of the sampled columns
	sum2    []float32
	out2    []float32
	xs, ys  []int // CLI pre-resize maps (nil at full resolution)
	ucols   []int // distinct sampled columns
	colOf   [64]int
	v1, v2  vbox
	g       [64][64]float32
	t       [16][64]float32
	b, aux  [16][16]float32
	scratch [256]float32
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// cliDims is the reference CLI's pre-resize target.
const cliDims = 512

// grid fills st.g with the 64x64 blurred, decimated luma of img. It returns
// false when the image is too small to hash (under 5 pixels on a side).
// shortcut64 applies the reference's skip of the blur for a 64x64 plane.
func (st *state) grid(img image.Image, mode Mode, shortcut64 bool) bool {
	r := img.Bounds()
	W, H := r.Dx(), r.Dy()
	w, h := W, H
	st.xs, st.ys = st.xs[:0], st.ys[:0]
	resized := mode == ModeCLI && (W > cliDims || H > cliDims)
	if resized {
		// CImg's nearest-neighbour resize: floor(i * n / 512.0), exact in
		// integers because 512 is a power of two.
		w, h = cliDims, cliDims
		st.xs, st.ys = grow(st.xs, cliDims), grow(st.ys, cliDims)
		for i := 0; i < cliDims; i++ {
			st.xs[i] = i * W / cliDims
			st.ys[i] = i * H / cliDims
		}
	}
	if w < 5 || h < 5 {
		return false
	}
	st.src.init(img)
	var xs []int
	if resized {
		xs = st.xs
	}
	srcRow := func(y int) int {
		if resized {
			return st.ys[y]
		}
		return y
	}
	if shortcut64 && w == 64 && h == 64 {
		for y := 0; y < 64; y++ {
			st.src.row(st.g[y][:], srcRow(y), xs)
		}
		return true
	}

	// Distinct sampled columns and rows (they repeat when w or h < 64).
	st.ucols = st.ucols[:0]
	for j := 0; j < 64; j++ {
		c := sampleIndex(j, w)
		if n := len(st.ucols); n == 0 || st.ucols[n-1] != c {
			st.ucols = append(st.ucols, c)
		}
		st.colOf[j] = len(st.ucols) - 1
	}
	nc := len(st.ucols)
	winX, winY := boxWindow(w), boxWindow(h)
	for j := range batch {
		st.luma[j] = grow(st.luma[j], w)
		st.out1[j] = grow(st.out1[j], w)
	}
	st.ring1 = grow(st.ring1, ringRows(winY)*w)
	st.sum1 = grow(st.sum1, w)
	st.ring2 = grow(st.ring2, ringRows(winY)*nc)
	st.sum2 = grow(st.sum2, nc)
	st.out2 = grow(st.out2, nc)
	st.v1.reset(w, h, winY, st.ring1, st.sum1)
	st.v2.reset(nc, h, winY, st.ring2, st.sum2)
	st.winX = winX
	st.pending = 0

	for y := 0; y < h; y += batch {
		n := min(batch, h-y)
		for j := 0; j < n; j++ {
			st.src.row(st.luma[j], srcRow(y+j), xs)
		}
		if n == batch {
			var dst [batch][]float32
			for j := range batch {
				dst[j] = st.v1.slot(j)
			}
			hbox4(&st.luma, &dst, winX)
		} else {
			for j := 0; j < n; j++ {
				hbox(st.luma[j], st.v1.slot(j), winX)
			}
		}
		for j := 0; j < n; j++ {
			if st.v1.push(st.out1[st.pending]) {
				st.addPending()
			}
		}
	}
	for st.v1.tail(st.out1[st.pending]) {
		st.addPending()
	}
	st.flush()
	for st.v2.tail(st.out2) {
		st.sample()
	}
	return true
}

// addPending counts one more vertical pass 1 output row in out1 and flushes
// a full batch.
func (st *state) addPending() {
	st.pending++
	if st.pending == batch {
		st.flush()
	}
}

// flush takes the pending vertical pass 1 output rows through horizontal
// pass 2 (at the sampled columns only) and vertical pass 2.
func (st *state) flush() {
	n := st.pending
	st.pending = 0
	if n == batch {
		var dst [batch][]float32
		for j := range batch {
			dst[j] = st.v2.slot(j)
		}
		hboxAt4(&st.out1, &dst, st.winX, st.ucols)
	} else {
		for j := 0; j < n; j++ {
			hboxAt(st.out1[j], st.winX, st.ucols, st.v2.slot(j))
		}
	}
	for j := 0; j < n; j++ {
		if st.v2.push(st.out2) {
			st.sample()
		}
	}
}

// sample copies the vertical pass 2 output row just emitted into every grid
// row that samples it.
func (st *state) sample() {
	oi := st.v2.out - 1
	h := st.v2.n
	for i := 0; i < 64; i++ {
		if sampleIndex(i, h) != oi {
			continue
		}
		gi := &st.g[i]
		for j := 0; j < 64; j++ {
			gi[j] = st.out2[st.colOf[j]]
		}
	}
}
