package pdq

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestTinyImages(t *testing.T) {
	h := NewHasher(nil)
	for _, sz := range [][2]int{{0, 0}, {1, 1}, {4, 100}, {100, 4}, {4, 4}, {2000, 3}} {
		img := image.NewNRGBA(image.Rect(0, 0, sz[0], sz[1]))
		fillRand(rand.New(rand.NewPCG(1, 1)), img.Pix)
		got, q, err := h.Hash(img)
		if err != nil || got != (Hash{}) || q != 0 {
			t.Errorf("%dx%d: %v q%d %v, want zero hash, quality 0", sz[0], sz[1], got, q, err)
		}
		dih, q, err := h.HashDihedral(img)
		if err != nil || dih != ([8]Hash{}) || q != 0 {
			t.Errorf("%dx%d dihedral: q%d %v", sz[0], sz[1], q, err)
		}
	}
	// Under the CLI pre-resize a 2000x3 image is stretched to 512x512 and
	// becomes hashable, as in the reference tool.
	img := image.NewGray(image.Rect(0, 0, 2000, 3))
	for i := range img.Pix {
		img.Pix[i] = uint8(i % 2000 / 8)
	}
	got, _, err := NewHasher(&Options{Mode: ModeCLI}).Hash(img)
	if err != nil || got == (Hash{}) {
		t.Errorf("2000x3 in ModeCLI: %v %v, want a non-zero hash", got, err)
	}
}

// panicky fails the test if any pixel is read.
type panicky struct{ r image.Rectangle }

func (p panicky) ColorModel() color.Model { return color.NRGBAModel }
func (p panicky) Bounds() image.Rectangle { return p.r }
func (p panicky) At(x, y int) color.Color { panic("pixel read") }

func TestLimits(t *testing.T) {
	h := NewHasher(&Options{MaxPixels: 1000})
	for _, r := range []image.Rectangle{
		image.Rect(0, 0, 1001, 1), image.Rect(0, 0, 40, 26), image.Rect(0, 0, 1<<40, 1<<40),
	} {
		if _, _, err := h.Hash(panicky{r}); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%v: err = %v, want ErrTooLarge", r, err)
		}
		if _, _, err := h.HashDihedral(panicky{r}); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%v dihedral: err = %v, want ErrTooLarge", r, err)
		}
	}
	// image.Uniform has (almost) infinite bounds.
	if _, _, err := NewHasher(nil).Hash(image.NewUniform(color.White)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Uniform: %v", err)
	}
	if _, _, err := h.Hash(nil); !errors.Is(err, ErrNilImage) {
		t.Errorf("nil: %v", err)
	}
	if _, _, err := h.HashDihedral(nil); !errors.Is(err, ErrNilImage) {
		t.Errorf("nil dihedral: %v", err)
	}
	// At the limit is fine.
	img := image.NewGray(image.Rect(0, 0, 40, 25))
	if _, _, err := h.Hash(img); err != nil {
		t.Errorf("1000 pixels: %v", err)
	}
}

// rotate applies a dihedral transform to pixels (v in the CLI's order).
func rotate(src *image.Gray, v int) *image.Gray {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if v == dihRotate90 || v == dihRotate270 || v == dihFlipPlus1 || v == dihFlipMinus1 {
		dw, dh = h, w
	}
	dst := image.NewGray(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			var sx, sy int
			switch v {
			case dihOriginal:
				sx, sy = x, y
			case dihRotate90: // counter-clockwise
				sx, sy = w-1-y, x
			case dihRotate180:
				sx, sy = w-1-x, h-1-y
			case dihRotate270: // clockwise
				sx, sy = y, h-1-x
			case dihFlipX: // top and bottom swap
				sx, sy = x, h-1-y
			case dihFlipY: // mirror
				sx, sy = w-1-x, y
			case dihFlipPlus1: // main diagonal
				sx, sy = y, x
			case dihFlipMinus1: // anti-diagonal
				sx, sy = w-1-y, h-1-x
			}
			dst.Pix[y*dw+x] = src.Pix[sy*w+sx]
		}
	}
	return dst
}

// TestDihedralMatchesPixels: hashing a physically rotated or reflected image
// gives (nearly) the DCT-space variant. A 64x64 image is used because its
// grid is the image itself, so only float summation order can differ.
func TestDihedralMatchesPixels(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	img := image.NewGray(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			img.Pix[y*64+x] = uint8(128 + 60*math.Sin(float64(x)/7+float64(y*y)/300) + float64(rng.IntN(40)))
		}
	}
	h := NewHasher(nil)
	dih, _, err := h.HashDihedral(img)
	if err != nil {
		t.Fatal(err)
	}
	for v := range 8 {
		got, _, _ := h.Hash(rotate(img, v))
		if d := Distance(got, dih[v]); d > 4 {
			t.Errorf("variant %d: hash of the transformed pixels is %d bits from the DCT-space variant", v, d)
		}
		for u := range 8 {
			if u != v && Distance(got, dih[u]) < 40 {
				t.Errorf("variant %d's pixels are close to variant %d too", v, u)
			}
		}
	}
}

// TestDihedralOriginal: the first dihedral hash is Hash's, except that the
// reference skips the blur only in the non-dihedral path of a 64x64 plane.
func TestDihedralOriginal(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	h := NewHasher(nil)
	for _, sz := range [][2]int{{64, 65}, {300, 200}, {600, 520}} {
		img := image.NewNRGBA(image.Rect(0, 0, sz[0], sz[1]))
		fillRand(rng, img.Pix)
		a, qa, _ := h.Hash(img)
		d, qd, _ := h.HashDihedral(img)
		if a != d[0] || qa != qd {
			t.Errorf("%v: Hash %v q%d, HashDihedral[0] %v q%d", sz, a, qa, d[0], qd)
		}
	}
	raw := synthetic("gradient", 64, 64, true, rng)
	a, _, _ := h.Hash(raw.nrgba(func(int) uint8 { return 255 }))
	d, _, _ := h.HashDihedral(raw.nrgba(func(int) uint8 { return 255 }))
	wantA, _ := oracleHash(raw, ModeFull)
	wantD, _ := oracleDihedral(raw, ModeFull)
	if a != wantA || d != wantD {
		t.Errorf("64x64: Hash/HashDihedral differ from the reference entry points")
	}
	if a == d[0] {
		t.Logf("note: on this 64x64 gradient the blur made no difference")
	}
}

// TestConcurrent hashes different images from many goroutines and compares
// with sequential results (run with -race).
func TestConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	var imgs []image.Image
	for i := 0; i < 8; i++ {
		m := image.NewYCbCr(image.Rect(0, 0, 100+61*i, 80+41*i), image.YCbCrSubsampleRatio420)
		fillRand(rng, m.Y, m.Cb, m.Cr)
		imgs = append(imgs, m)
	}
	for _, mode := range []Mode{ModeFull, ModeCLI} {
		h := NewHasher(&Options{Mode: mode})
		want := make([]Hash, len(imgs))
		for i, img := range imgs {
			want[i], _, _ = h.Hash(img)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := 0; g < 8; g++ {
			wg.Go(func() {
				for k := 0; k < 4; k++ {
					i := (g + k) % len(imgs)
					got, _, err := h.Hash(imgs[i])
					if err == nil && got != want[i] {
						err = fmt.Errorf("image %d: %v, want %v", i, got, want[i])
					}
					if err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("%v: %v", mode, err)
		}
	}
}

// TestNoAllocs pins zero allocations per hash in steady state for the image
// types Go's decoders return.
func TestNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under -race")
	}
	rng := rand.New(rand.NewPCG(12, 12))
	ycc := image.NewYCbCr(image.Rect(0, 0, 800, 600), image.YCbCrSubsampleRatio420)
	fillRand(rng, ycc.Y, ycc.Cb, ycc.Cr)
	nrgba := image.NewNRGBA(image.Rect(0, 0, 300, 700))
	fillRand(rng, nrgba.Pix)
	gray := image.NewGray(image.Rect(0, 0, 64, 64))
	fillRand(rng, gray.Pix)
	for _, mode := range []Mode{ModeFull, ModeCLI} {
		h := NewHasher(&Options{Mode: mode})
		for name, img := range map[string]image.Image{"ycbcr": ycc, "nrgba": nrgba, "gray64": gray} {
			h.Hash(img) // warm the pool
			if n := testing.AllocsPerRun(20, func() { h.Hash(img) }); n != 0 {
				t.Errorf("%v %s: %v allocations per Hash", mode, name, n)
			}
			if n := testing.AllocsPerRun(20, func() { h.HashDihedral(img) }); n != 0 {
				t.Errorf("%v %s: %v allocations per HashDihedral", mode, name, n)
			}
		}
	}
}

// TestBoundedMemory: the row buffers grow with the width and ceil(H/128),
// never with the whole image.
func TestBoundedMemory(t *testing.T) {
	h := NewHasher(nil)
	img := image.NewGray(image.Rect(0, 0, 1000, 1500))
	if _, _, err := h.Hash(img); err != nil {
		t.Fatal(err)
	}
	st := h.pool.Get().(*state)
	defer h.pool.Put(st)
	win := boxWindow(1500)
	if got, limit := cap(st.ring1)+cap(st.ring2), (win+batch)*(1000+64); got > limit {
		t.Errorf("row buffers hold %d floats for a 1000x1500 image, want at most %d", got, limit)
	}
}

// TestDCTMatrix compares the DCT matrix with the float32 values computed
// with glibc's cos (the reference's libm), stored in testdata.
func TestDCTMatrix(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "dct16x64.golden"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := dctMatrix()
	sc := bufio.NewScanner(f)
	k := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 64 || k >= 16 {
			t.Fatalf("malformed golden row %d", k)
		}
		for n, s := range fields {
			bits, err := strconv.ParseUint(s, 16, 32)
			if err != nil {
				t.Fatal(err)
			}
			if got := math.Float32bits(d[k][n]); got != uint32(bits) {
				t.Errorf("D[%d][%d] = %08x, want %08x", k, n, got, bits)
			}
		}
		k++
	}
	if k != 16 {
		t.Errorf("golden has %d rows", k)
	}
}

var fmaCheck = flag.Bool("fma", false, "run TestNoFusedMultiplyAdd (cross-compiles the standard library)")

// TestNoFusedMultiplyAdd compiles the package for architectures where Go may
// fuse x*y+z into one instruction and checks that no hashing function
// contains a fused multiply-add: an FMA skips a rounding, so hashes would
// differ from amd64 (and the reference) on degenerate images.
func TestNoFusedMultiplyAdd(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		t.Skipf("no go command at %s to compile with", goBin)
	}
	if !*fmaCheck {
		t.Skip("compiles the standard library for 4 architectures (minutes on a cold cache); run with -fma")
	}
	// Floating-point fused multiply-add mnemonics in Go assembly: arm64
	// FMADDS/FMADDD/FNMSUBS..., ppc64 FMADDS/FMSUB..., s390x FMADDS...,
	// riscv64 FMADDS/FNMADDD...
	fma := regexp.MustCompile(`\tFN?M(ADD|SUB)[SD]?\t`)
	for _, arch := range []string{"arm64", "ppc64le", "s390x", "riscv64"} {
		cmd := exec.Command(goBin, "build", "-gcflags=-S", "-o", os.DevNull, ".")
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s build: %v\n%s", arch, err, out)
		}
		found := 0
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "hashmatch/pdq/") && fma.MatchString(line) {
				found++
				if found <= 5 {
					t.Errorf("%s: fused multiply-add: %s", arch, strings.TrimSpace(line))
				}
			}
		}
		if !strings.Contains(string(out), "hashmatch/pdq.dct64To16") {
			t.Errorf("%s: assembly listing lacks dct64To16; the check saw nothing", arch)
		}
	}
}
