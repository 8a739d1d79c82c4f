package pdq

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// rawFromImage extracts the pixels the reference CLI would have seen from a
// losslessly decoded 8-bit image: ImageMagick writes one channel (PNM P5)
// when every pixel is grey and three (P6) otherwise, and drops alpha.
func rawFromImage(img image.Image) rawPixels {
	r := img.Bounds()
	p := rawPixels{w: r.Dx(), h: r.Dy(), channels: 1}
	rgb := make([]uint8, 0, 3*p.w*p.h)
	grey := true
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			rgb = append(rgb, c.R, c.G, c.B)
			if c.R != c.G || c.G != c.B {
				grey = false
			}
		}
	}
	if !grey {
		p.channels, p.pix = 3, rgb
		return p
	}
	p.pix = make([]uint8, p.w*p.h)
	for i := range p.pix {
		p.pix[i] = rgb[3*i]
	}
	return p
}

// Representations of the same raw pixels as different Go image types. The
// hash must not depend on the type.

func (p rawPixels) gray() *image.Gray {
	m := image.NewGray(image.Rect(0, 0, p.w, p.h))
	for i := 0; i < p.w*p.h; i++ {
		m.Pix[i] = p.pix[i*p.channels+1%p.channels]
	}
	return m
}

// nrgba stores the pixels with the given alpha (which must be ignored).
func (p rawPixels) nrgba(alpha func(i int) uint8) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, p.w, p.h))
	for i := 0; i < p.w*p.h; i++ {
		for c := 0; c < 3; c++ {
			m.Pix[4*i+c] = p.pix[i*p.channels+c%p.channels]
		}
		m.Pix[4*i+3] = alpha(i)
	}
	return m
}

// nrgba64 stores each sample in the high byte, with noise in the low byte.
func (p rawPixels) nrgba64(rng *rand.Rand) *image.NRGBA64 {
	m := image.NewNRGBA64(image.Rect(0, 0, p.w, p.h))
	for i := 0; i < p.w*p.h; i++ {
		for c := 0; c < 4; c++ {
			v := uint8(255)
			if c < 3 {
				v = p.pix[i*p.channels+c%p.channels]
			}
			m.Pix[8*i+2*c] = v
			m.Pix[8*i+2*c+1] = uint8(rng.Uint32())
		}
	}
	return m
}

// generic hides the concrete type so that only At is available.
type generic struct{ image.Image }

// offset moves an image's origin, to exercise Bounds().Min handling.
func offset(img image.Image, dx, dy int) image.Image { return shifted{img, image.Pt(dx, dy)} }

type shifted struct {
	image.Image
	d image.Point
}

func (s shifted) Bounds() image.Rectangle { return s.Image.Bounds().Add(s.d) }
func (s shifted) At(x, y int) color.Color { return s.Image.At(x-s.d.X, y-s.d.Y) }

// TestDecodedPixels feeds the pixels the reference saw, independently of the
// image decoder, as several Go image types, and requires the exact reference
// hash and quality in both modes. It also checks the plain transcription of
// the reference in oracle_test.go against the same expected values, and that
// ModeCLI equals ModeFull on pixels the test resized itself.
func TestDecodedPixels(t *testing.T) {
	dirs := []string{"testdata"}
	if d := sharedCorpusDir(t); d != "" {
		dirs = []string{d} // a superset of testdata (TestConformanceLocal compares them)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	full, cli := NewHasher(nil), NewHasher(&Options{Mode: ModeCLI})
	for _, dir := range dirs {
		c := loadCorpus(t, dir)
		n := 0
		for _, file := range c.files() {
			if !isLossless(file) || file == i16File {
				continue
			}
			if raceEnabled && largeUnderRace(filepath.Join(dir, "images", file)) {
				continue
			}
			img := decodeFile(t, filepath.Join(dir, "images", file))
			raw := rawFromImage(img)
			wantFull, wantCLI := c.full[file], c.cli[file]
			reps := map[string]image.Image{
				"nrgba-alpha0": raw.nrgba(func(int) uint8 { return 0 }),
				"nrgba64":      raw.nrgba64(rng),
			}
			if raw.channels == 1 {
				reps["gray"] = raw.gray()
			}
			for name, rep := range reps {
				for _, tc := range []struct {
					h    *Hasher
					want expected
				}{{full, wantFull}, {cli, wantCLI}} {
					got, q, err := tc.h.Hash(rep)
					if err != nil {
						t.Fatal(err)
					}
					if got != tc.want.hash || q != tc.want.quality {
						t.Errorf("%s as %s (%v): got %v q%d, want %v q%d", file, name, tc.h.Mode(), got, q, tc.want.hash, tc.want.quality)
					}
				}
			}
			// ModeCLI is exactly "resize to 512x512 by nearest neighbour, then
			// hash at full resolution".
			resized := raw
			if raw.w > 512 || raw.h > 512 {
				resized = raw.resize512()
			}
			if got, q, _ := full.Hash(resized.nrgba(func(int) uint8 { return 255 })); got != wantCLI.hash || q != wantCLI.quality {
				t.Errorf("%s resized by the test, ModeFull: got %v q%d, want the CLI's %v q%d", file, got, q, wantCLI.hash, wantCLI.quality)
			}
			// The oracle reproduces the reference too.
			if got, q := oracleHash(raw, ModeCLI); got != wantCLI.hash || q != wantCLI.quality {
				t.Errorf("%s: oracle (cli) got %v q%d, want %v", file, got, q, wantCLI.hash)
			}
			n++
		}
		t.Logf("%s: %d lossless images checked from decoded pixels", dir, n)
		if n < 5 && !raceEnabled {
			t.Errorf("%s: only %d lossless images", dir, n)
		}
	}
}

// synthetic returns test pictures that stress float rounding: flat colour,
// gradients, checkerboards, stripes and noise, in grey or colour.
func synthetic(kind string, w, h int, colour bool, rng *rand.Rand) rawPixels {
	p := rawPixels{w: w, h: h, channels: 1}
	if colour {
		p.channels = 3
	}
	p.pix = make([]uint8, w*h*p.channels)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for c := 0; c < p.channels; c++ {
				var v int
				switch kind {
				case "flat":
					v = 100 + 40*c
				case "gradient":
					v = (x*255/max(w-1, 1) + c*30) % 256
				case "diagonal":
					v = ((x + y) * 255 / max(w+h-2, 1)) ^ (c * 7)
				case "checker":
					v = 255 * ((x/3 + y/3 + c) % 2)
				case "stripes":
					v = 200 * (y / 4 % 2)
				case "noise":
					v = int(rng.Uint32() % 256)
				}
				p.pix[(y*w+x)*p.channels+c] = uint8(v)
			}
		}
	}
	return p
}

// TestOracle compares the streaming implementation with the plain
// transcription of the reference, bit for bit, on synthetic and odd-sized
// images in both modes, including the dihedral hashes.
func TestOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sizes := [][2]int{{5, 5}, {6, 9}, {7, 300}, {300, 7}, {63, 65}, {64, 64}, {65, 64}, {128, 128}, {129, 127}, {257, 130}, {513, 40}, {600, 520}}
	allKinds := []string{"flat", "gradient", "diagonal", "checker", "stripes", "noise"}
	full, cli := NewHasher(nil), NewHasher(&Options{Mode: ModeCLI})
	cases := 0
	for _, sz := range sizes {
		kinds := allKinds
		if sz[0]*sz[1] > 40000 {
			kinds = []string{"gradient", "noise"}
		}
		for _, kind := range kinds {
			for _, colour := range []bool{false, true} {
				raw := synthetic(kind, sz[0], sz[1], colour, rng)
				var img image.Image = raw.nrgba(func(int) uint8 { return 255 })
				if !colour {
					img = raw.gray()
				}
				for _, h := range []*Hasher{full, cli} {
					name := fmt.Sprintf("%s %dx%d colour=%v %v", kind, sz[0], sz[1], colour, h.Mode())
					want, wantQ := oracleHash(raw, h.Mode())
					got, q, err := h.Hash(img)
					if err != nil {
						t.Fatal(err)
					}
					if got != want || q != wantQ {
						t.Errorf("%s: got %v q%d, oracle %v q%d (distance %d)", name, got, q, want, wantQ, Distance(got, want))
					}
					wantDih, wantDQ := oracleDihedral(raw, h.Mode())
					gotDih, dq, err := h.HashDihedral(img)
					if err != nil {
						t.Fatal(err)
					}
					if gotDih != wantDih || dq != wantDQ {
						t.Errorf("%s: dihedral hashes differ from the oracle", name)
					}
					cases++
				}
			}
		}
	}
	t.Logf("%d synthetic cases match the oracle", cases)
}

// TestPixelTypes checks that every fast path reads the same pixels as the
// generic At path, for every Y'CbCr subsampling, odd origins, palettes,
// CMYK and 16-bit types, in both modes (ModeCLI samples columns through a
// different code path on images over 512 pixels).
func TestPixelTypes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	full, cli := NewHasher(nil), NewHasher(&Options{Mode: ModeCLI})
	for _, sz := range [][2]int{{70, 45}, {520, 515}} {
		r := image.Rect(0, 0, sz[0], sz[1])
		imgs := map[string]image.Image{}
		for _, ratio := range []image.YCbCrSubsampleRatio{
			image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
			image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
		} {
			m := image.NewYCbCr(r, ratio)
			fillRand(rng, m.Y, m.Cb, m.Cr)
			imgs["ycbcr-"+ratio.String()] = m
			imgs["ycbcr-sub-"+ratio.String()] = m.SubImage(image.Rect(3, 1, sz[0]-2, sz[1]))
			a := &image.NYCbCrA{YCbCr: *m, A: make([]uint8, len(m.Y)), AStride: m.YStride}
			imgs["nycbcra-"+ratio.String()] = a
		}
		pal := image.NewPaletted(r, nil)
		for i := 0; i < 200; i++ {
			if i%3 == 0 {
				pal.Palette = append(pal.Palette, color.NRGBA{uint8(i), uint8(3 * i), uint8(7 * i), uint8(i)})
			} else {
				pal.Palette = append(pal.Palette, color.RGBA{uint8(i), uint8(i / 2), 255 - uint8(i), 255})
			}
		}
		for i := range pal.Pix {
			pal.Pix[i] = uint8(rng.IntN(len(pal.Palette)))
		}
		imgs["paletted"] = pal
		cmyk := image.NewCMYK(r)
		fillRand(rng, cmyk.Pix)
		imgs["cmyk"] = cmyk
		for name, m := range map[string]interface {
			image.Image
		}{"rgba": image.NewRGBA(r), "nrgba": image.NewNRGBA(r), "rgba64": image.NewRGBA64(r), "nrgba64": image.NewNRGBA64(r), "gray": image.NewGray(r), "gray16": image.NewGray16(r)} {
			switch m := m.(type) {
			case *image.RGBA:
				fillRand(rng, m.Pix)
			case *image.NRGBA:
				fillRand(rng, m.Pix)
			case *image.RGBA64:
				fillRand(rng, m.Pix)
			case *image.NRGBA64:
				fillRand(rng, m.Pix)
			case *image.Gray:
				fillRand(rng, m.Pix)
			case *image.Gray16:
				fillRand(rng, m.Pix)
			}
			imgs[name] = m
		}
		// A grey picture inside colour containers takes the grey path.
		g := image.NewYCbCr(r, image.YCbCrSubsampleRatio420)
		fillRand(rng, g.Y)
		for i := range g.Cb {
			g.Cb[i], g.Cr[i] = 128, 128
		}
		imgs["ycbcr-grey"] = g

		imgs["offset"] = offset(imgs["nrgba"], -3, 7)
		hashers := []*Hasher{full, cli}
		if sz[0] > 512 {
			hashers = []*Hasher{cli} // the sampled-column paths; full mode is covered above
		}
		for name, img := range imgs {
			for _, h := range hashers {
				want, wq, _ := h.Hash(generic{img})
				got, q, err := h.Hash(img)
				if err != nil {
					t.Fatal(err)
				}
				if got != want || q != wq {
					t.Errorf("%s %dx%d %v: fast path %v q%d, At path %v q%d", name, sz[0], sz[1], h.Mode(), got, q, want, wq)
				}
			}
		}
	}
}

// TestPaletteOutOfRange: an index past the palette (which image.Paletted.At
// would panic on) reads as opaque black instead of panicking.
func TestPaletteOutOfRange(t *testing.T) {
	r := image.Rect(0, 0, 40, 30)
	short := image.NewPaletted(r, color.Palette{color.Gray{200}, color.RGBA{10, 200, 30, 255}})
	long := image.NewPaletted(r, color.Palette{color.Gray{200}, color.RGBA{10, 200, 30, 255}, color.Black})
	for i := range short.Pix {
		short.Pix[i] = uint8(i * 7 % 3)
		long.Pix[i] = short.Pix[i]
	}
	want, wq, _ := NewHasher(nil).Hash(long)
	got, q, err := NewHasher(nil).Hash(short)
	if err != nil || got != want || q != wq {
		t.Errorf("out-of-range index: %v q%d %v, want %v q%d", got, q, err, want, wq)
	}
}

func fillRand(rng *rand.Rand, bufs ...[]uint8) {
	for _, b := range bufs {
		for i := range b {
			b[i] = uint8(rng.Uint32())
		}
	}
}

// TestYCbCrConversion checks the inlined conversion against the standard
// library for all 2^24 inputs.
func TestYCbCrConversion(t *testing.T) {
	bad := 0
	for y := 0; y < 256; y++ {
		for cb := 0; cb < 256; cb++ {
			for cr := 0; cr < 256; cr++ {
				r, g, b := ycc(uint8(y), uint8(cb), uint8(cr))
				wr, wg, wb := color.YCbCrToRGB(uint8(y), uint8(cb), uint8(cr))
				if r != wr || g != wg || b != wb {
					bad++
				}
			}
		}
	}
	if bad != 0 {
		t.Errorf("%d of 2^24 Y'CbCr inputs convert differently from color.YCbCrToRGB", bad)
	}
}

// TestGreyPath pins the rule that decides between the grey and RGB paths:
// the same grey picture gives the same hash whatever its container, and the
// two paths really differ on a degenerate image, so the rule matters.
func TestGreyPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	raw := synthetic("gradient", 90, 77, false, rng)
	h := NewHasher(nil)
	want, wq, _ := h.Hash(raw.gray())
	for name, img := range map[string]image.Image{
		"nrgba":   raw.nrgba(func(int) uint8 { return 255 }),
		"nrgba64": raw.nrgba64(rng),
		"generic": generic{raw.gray()},
	} {
		if got, q, _ := h.Hash(img); got != want || q != wq {
			t.Errorf("grey picture as %s: %v q%d, want %v q%d", name, got, q, want, wq)
		}
	}
	// The same pixels through the three-coefficient formula (what the
	// reference does for a 3-channel image) give a different hash here.
	rgb := rawPixels{w: raw.w, h: raw.h, channels: 3, pix: make([]uint8, 3*len(raw.pix))}
	for i, v := range raw.pix {
		rgb.pix[3*i], rgb.pix[3*i+1], rgb.pix[3*i+2] = v, v, v
	}
	viaRGB, _ := oracleHash(rgb, ModeFull)
	if d := Distance(viaRGB, want); d < 10 {
		t.Errorf("grey and RGB paths are only %d bits apart on a horizontal gradient; expected a large difference", d)
	}
	// One coloured pixel switches the whole picture to the RGB path.
	m := raw.nrgba(func(int) uint8 { return 255 })
	m.Pix[0] ^= 1
	raw2 := rawFromImage(m)
	if raw2.channels != 3 {
		t.Fatal("rawFromImage did not see the coloured pixel")
	}
	wantRGB, wantRGBQ := oracleHash(raw2, ModeFull)
	if got, q, _ := h.Hash(m); got != wantRGB || q != wantRGBQ {
		t.Errorf("one coloured pixel: %v q%d, want the RGB-path %v q%d", got, q, wantRGB, wantRGBQ)
	}
}
