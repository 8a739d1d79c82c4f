package hashmatch

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/corona10/goimagehash"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/mnr-sdk/mnr/hashmatch/pdq"
)

// pdqTestdata is the PDQ conformance subset shipped with the pdq package.
var pdqTestdata = filepath.Join("pdq", "testdata")

// testPicture draws a benign synthetic picture with some structure.
func testPicture(w, h int, seed uint64) *image.NRGBA {
	rng := rand.New(rand.NewPCG(seed, seed))
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := m.PixOffset(x, y)
			m.Pix[i] = uint8(x * 255 / w)
			m.Pix[i+1] = uint8((x*x + y*y) / 37)
			m.Pix[i+2] = uint8(y*255/h) ^ uint8(rng.IntN(16))
			m.Pix[i+3] = 255
		}
	}
	return m
}

// encodeAll returns the picture in every encodable supported format.
func encodeAll(t testing.TB, img image.Image) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	enc := map[string]func(io.Writer, image.Image) error{
		"png":  png.Encode,
		"jpeg": func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, &jpeg.Options{Quality: 90}) },
		"gif":  func(w io.Writer, m image.Image) error { return gif.Encode(w, m, nil) },
		"bmp":  bmp.Encode,
		"tiff": func(w io.Writer, m image.Image) error {
			return tiff.Encode(w, m, &tiff.Options{Compression: tiff.Deflate})
		},
	}
	for name, f := range enc {
		var b bytes.Buffer
		if err := f(&b, img); err != nil {
			t.Fatal(name, err)
		}
		out[name] = b.Bytes()
	}
	return out
}

func readTestFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHasherConformance hashes the shipped PDQ corpus files end to end
// (bytes -> decode -> hash): PNGs must match the reference exactly, JPEG and
// WebP within 10 bits at quality >= 80, in both modes and for the dihedral
// hashes. The pdq package's tests check the pixels themselves.
func TestHasherConformance(t *testing.T) {
	type row struct {
		hex string
		q   int
	}
	readExp := func(name string, col int) map[string]row {
		f, err := os.Open(filepath.Join(pdqTestdata, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		m := map[string]row{}
		sc := bufio.NewScanner(f)
		sc.Scan()
		for sc.Scan() {
			rec := strings.Split(sc.Text(), "\t")
			q, _ := strconv.Atoi(rec[len(rec)-1])
			m[rec[0]] = row{rec[col], q}
		}
		return m
	}
	full, cli := readExp("expected_fullres.tsv", 1), readExp("expected.tsv", 1)
	dih := map[string][]string{}
	{
		f, _ := os.Open(filepath.Join(pdqTestdata, "expected_dihedral.tsv"))
		sc := bufio.NewScanner(f)
		sc.Scan()
		for sc.Scan() {
			rec := strings.Split(sc.Text(), "\t")
			dih[rec[0]] = rec[1:9]
		}
		f.Close()
	}
	hFull := NewHasher(&HasherOptions{Kinds: []Kind{KindPDQ}})
	hCLI := NewHasher(&HasherOptions{Kinds: []Kind{KindPDQ}, PDQMode: pdq.ModeCLI, Dihedral: true})
	exact, lossy, worst := 0, 0, 0
	files := 0
	ctx := context.Background()
	for file, want := range full {
		path := filepath.Join(pdqTestdata, "images", file)
		data, err := os.ReadFile(path)
		if err != nil {
			continue // not in the shipped subset
		}
		if raceEnabled && len(data) > 200<<10 && !strings.HasSuffix(file, ".webp") {
			continue // slow under the race detector; the run without -race checks it
		}
		files++
		lossless := strings.HasSuffix(file, ".png") && !strings.Contains(file, "I16")
		check := func(what string, got Hash, wantHex string, q, wantQ int) {
			d := Distance(got, mustParse(t, KindPDQ, wantHex))
			switch {
			case strings.Contains(file, "I16"): // 16-bit: informational (see pdq/testdata/README.md)
			case lossless:
				if d != 0 || (wantQ >= 0 && q != wantQ) {
					t.Errorf("%s %s: distance %d, quality %d/%d", what, file, d, q, wantQ)
				}
			default:
				lossy++
				if d == 0 {
					exact++
				}
				worst = max(worst, d)
				if want.q >= 80 && d > 10 {
					t.Errorf("%s %s: %d bits from the reference", what, file, d)
				}
			}
		}
		r, err := hFull.Hash(ctx, bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		check("full", r.Hashes[0], want.hex, r.PDQQuality, want.q)
		r, err = hCLI.Hash(ctx, bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		check("cli", r.Hashes[0], cli[file].hex, r.PDQQuality, cli[file].q)
		if len(r.PDQDihedral) != 8 {
			t.Fatalf("%s: %d dihedral hashes", file, len(r.PDQDihedral))
		}
		for v, hx := range dih[file] {
			check(fmt.Sprintf("dihedral[%d]", v), r.PDQDihedral[v], hx, -1, -1)
		}
		if r.PDQDihedral[0] != r.Hashes[0] {
			t.Errorf("%s: dihedral[0] differs from the PDQ hash", file)
		}
	}
	t.Logf("%s: %d files; lossy (JPEG, WebP) hashes: %d of %d exact, worst %d bits", pdqTestdata, files, exact, lossy, worst)
	if files < 5 {
		t.Errorf("only %d corpus files found", files)
	}
}

func mustParse(t testing.TB, k Kind, s string) Hash {
	t.Helper()
	h, err := ParseHash(k, s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestHasherAllKinds checks every kind against an independent computation:
// the digests of the bytes, and goimagehash on the decoded image.
func TestHasherAllKinds(t *testing.T) {
	img := testPicture(160, 120, 1)
	all := []Kind{KindSHA256, KindPDQ, KindPHash, KindDHash, KindAHash, KindMD5, KindSHA1}
	h := NewHasher(&HasherOptions{Kinds: all})
	for format, data := range encodeAll(t, img) {
		res, err := h.Hash(context.Background(), bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if res.Format != format || res.Width != 160 || res.Height != 120 || res.Size != int64(len(data)) {
			t.Errorf("%s: result %q %dx%d size %d", format, res.Format, res.Width, res.Height, res.Size)
		}
		if len(res.Hashes) != len(all) {
			t.Fatalf("%s: %d hashes", format, len(res.Hashes))
		}
		for i, k := range all {
			if res.Hashes[i].Kind() != k {
				t.Errorf("%s: Hashes[%d] is %v, want %v", format, i, res.Hashes[i].Kind(), k)
			}
		}
		decoded, err := decodeImage(sniff(data), data)
		if err != nil {
			t.Fatal(err)
		}
		md := md5.Sum(data)
		sh := sha256.Sum256(data)
		ph, _ := goimagehash.PerceptionHash(decoded)
		dh, _ := goimagehash.DifferenceHash(decoded)
		ah, _ := goimagehash.AverageHash(decoded)
		pq, q, _ := pdq.HashImage(decoded)
		for k, want := range map[Kind]string{
			KindMD5: fmt.Sprintf("%x", md), KindSHA256: fmt.Sprintf("%x", sh),
			KindPHash: fmt.Sprintf("%016x", ph.GetHash()), KindDHash: fmt.Sprintf("%016x", dh.GetHash()),
			KindAHash: fmt.Sprintf("%016x", ah.GetHash()), KindPDQ: pq.String(),
		} {
			got, ok := res.Get(k)
			if !ok || got.Hex() != want {
				t.Errorf("%s %v: %s, want %s", format, k, got.Hex(), want)
			}
		}
		if res.PDQQuality != q || res.PDQDihedral != nil {
			t.Errorf("%s: quality %d (want %d), dihedral %v", format, res.PDQQuality, q, res.PDQDihedral)
		}
	}
}

func TestHasherKindSelection(t *testing.T) {
	data := encodeAll(t, testPicture(50, 40, 2))["png"]
	ctx := context.Background()
	h := NewHasher(nil)
	res, err := h.Hash(ctx, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(kindsOf(res)); got != "[pdq md5 sha256]" {
		t.Errorf("default kinds: %s", got)
	}
	res, err = h.HashKinds(ctx, bytes.NewReader(data), []Kind{KindSHA1, KindPHash, KindSHA1})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(kindsOf(res)); got != "[sha1 phash]" {
		t.Errorf("per-call kinds: %s", got)
	}
	if _, ok := res.Get(KindPDQ); ok || res.PDQQuality != 0 {
		t.Error("PDQ reported although not requested")
	}
	if _, err := h.HashKinds(ctx, bytes.NewReader(data), []Kind{KindMD5, Kind(99)}); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("invalid kind: %v", err)
	}
	if _, err := NewHasher(&HasherOptions{Kinds: []Kind{0}}).Hash(ctx, bytes.NewReader(data)); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("invalid configured kind: %v", err)
	}
	if got := fmt.Sprint(NewHasher(&HasherOptions{Kinds: []Kind{KindAHash}}).Kinds()); got != "[ahash]" {
		t.Errorf("Kinds() = %s", got)
	}
}

func kindsOf(r *Result) []Kind {
	var ks []Kind
	for _, h := range r.Hashes {
		ks = append(ks, h.Kind())
	}
	return ks
}

// TestHasherNotAnImage: exact kinds work on any bytes; perceptual kinds
// need a supported image.
func TestHasherNotAnImage(t *testing.T) {
	ctx := context.Background()
	data := []byte("%PDF-1.7 not an image")
	res, err := NewHasher(&HasherOptions{Kinds: []Kind{KindMD5}}).Hash(ctx, bytes.NewReader(data))
	if err != nil || res.Format != "" || res.Width != 0 || len(res.Hashes) != 1 {
		t.Errorf("exact kinds of a PDF: %+v, %v", res, err)
	}
	huge := hugeHeaders(t)["png"]
	res, err = NewHasher(&HasherOptions{Kinds: []Kind{KindSHA256}}).Hash(ctx, bytes.NewReader(huge))
	if err != nil || res.Format != "png" || res.Width != 0 {
		t.Errorf("exact kinds of a PNG over the pixel limit: %+v, %v", res, err)
	}
	for _, in := range [][]byte{data, nil, []byte("RIFF\x00\x00\x00\x00WAVEfmt ")} {
		if _, err := NewHasher(nil).Hash(ctx, bytes.NewReader(in)); !errors.Is(err, ErrUnsupportedFormat) {
			t.Errorf("%q: %v, want ErrUnsupportedFormat", in, err)
		}
	}
}

func TestHasherMaxBytes(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(&HasherOptions{Kinds: []Kind{KindSHA256}, MaxBytes: 100})
	if _, err := h.Hash(ctx, bytes.NewReader(make([]byte, 100))); err != nil {
		t.Errorf("100 bytes: %v", err)
	}
	if _, err := h.Hash(ctx, bytes.NewReader(make([]byte, 101))); !errors.Is(err, ErrTooLarge) {
		t.Errorf("101 bytes: %v", err)
	}
	// An endless reader is cut at MaxBytes+1.
	if _, err := h.Hash(ctx, endless{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("endless: %v", err)
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) { return len(p), nil }

// hugeHeaders returns files whose headers declare enormous images.
func hugeHeaders(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	// PNG: signature and an IHDR for 100000x100000 RGBA.
	var ihdr bytes.Buffer
	ihdr.WriteString("IHDR")
	binary.Write(&ihdr, binary.BigEndian, uint32(100000))
	binary.Write(&ihdr, binary.BigEndian, uint32(100000))
	ihdr.Write([]byte{8, 6, 0, 0, 0})
	var p bytes.Buffer
	p.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&p, binary.BigEndian, uint32(13))
	p.Write(ihdr.Bytes())
	binary.Write(&p, binary.BigEndian, crc32.ChecksumIEEE(ihdr.Bytes()))
	p.WriteString("\x00\x00\x00\x00IDAT\x35\xaf\x06\x1e")
	out["png"] = p.Bytes()

	// JPEG: SOI, APP0 JFIF, SOF0 65535x65535, 3 components.
	out["jpeg"] = []byte{0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
		0xff, 0xc0, 0, 17, 8, 0xff, 0xff, 0xff, 0xff, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9}
	// JPEG without JFIF (as cameras write): SOF0 then SOS.
	out["jpeg-exif"] = []byte{0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0xff, 0xff, 0xff, 0xff, 1, 1, 0x11, 0,
		0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0}
	// GIF: logical screen 65535x65535, no frame.
	out["gif"] = []byte("GIF89a\xff\xff\xff\xff\x00\x00\x00;")
	// WebP: VP8X canvas 16384x16384.
	vp8x := []byte("RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00\xff\x3f\x00\xff\x3f\x00")
	binary.LittleEndian.PutUint32(vp8x[4:], uint32(len(vp8x)-8))
	out["webp"] = vp8x
	// BMP: 40-byte info header, 30000x30000 at 24 bits.
	bm := make([]byte, 54)
	copy(bm, "BM")
	binary.LittleEndian.PutUint32(bm[2:], 54)
	binary.LittleEndian.PutUint32(bm[10:], 54)
	binary.LittleEndian.PutUint32(bm[14:], 40)
	binary.LittleEndian.PutUint32(bm[18:], 30000)
	binary.LittleEndian.PutUint32(bm[22:], 30000)
	binary.LittleEndian.PutUint16(bm[26:], 1)
	binary.LittleEndian.PutUint16(bm[28:], 24)
	out["bmp"] = bm
	// TIFF: a valid small TIFF with its width and height tags rewritten.
	var tb bytes.Buffer
	if err := tiff.Encode(&tb, image.NewGray(image.Rect(0, 0, 3, 3)), nil); err != nil {
		t.Fatal(err)
	}
	tf := tb.Bytes()
	ifd := int(binary.LittleEndian.Uint32(tf[4:]))
	n := int(binary.LittleEndian.Uint16(tf[ifd:]))
	for k := 0; k < n; k++ {
		e := ifd + 2 + 12*k
		if tag := binary.LittleEndian.Uint16(tf[e:]); tag == 256 || tag == 257 {
			binary.LittleEndian.PutUint16(tf[e+2:], 4) // LONG
			binary.LittleEndian.PutUint32(tf[e+8:], 200000)
		}
	}
	out["tiff"] = tf
	return out
}

// TestHasherPixelLimit: a header declaring more pixels than allowed is
// refused from the header, before decoding, with little memory.
func TestHasherPixelLimit(t *testing.T) {
	h := NewHasher(nil)
	ctx := context.Background()
	for format, data := range hugeHeaders(t) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := h.Hash(ctx, bytes.NewReader(data))
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v, want ErrTooLarge", format, err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
			t.Errorf("%s: refusing the header allocated %d bytes", format, alloc)
		}
		if !strings.Contains(err.Error(), strings.TrimSuffix(format, "-exif")) {
			t.Errorf("%s: error does not name the format: %v", format, err)
		}
	}
	// A small limit applies to ordinary images too, and to HashImage.
	small := NewHasher(&HasherOptions{MaxPixels: 1000})
	data := encodeAll(t, testPicture(50, 40, 3))
	for format, b := range data {
		if _, err := small.Hash(ctx, bytes.NewReader(b)); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s 50x40 over a 1000-pixel limit: %v", format, err)
		}
	}
	if _, err := small.HashImage(testPicture(50, 40, 3)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("HashImage over the limit: %v", err)
	}
	if _, err := small.HashImage(image.NewUniform(color.Black)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("HashImage of image.Uniform: %v", err)
	}
}

// TestHasherTruncated: every prefix of a valid file is an error (never a
// panic, never a hash): ErrCorrupt once the format is recognisable.
func TestHasherTruncated(t *testing.T) {
	files := encodeAll(t, testPicture(40, 30, 4))
	files["webp"] = readTestFile(t, filepath.Join(pdqTestdata, "images", "modes", "F.webp"))
	h := NewHasher(&HasherOptions{Kinds: []Kind{KindPDQ, KindPHash}})
	ctx := context.Background()
	for format, data := range files {
		whole, err := h.Hash(ctx, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		step := max(1, len(data)/60)
		if raceEnabled {
			step = max(1, len(data)/15)
		}
		for n := 0; n < len(data)-1; n += step {
			res, err := h.Hash(ctx, bytes.NewReader(data[:n]))
			if err == nil {
				// Only possible when the cut-off bytes were not needed (a
				// TIFF's trailing resolution values): the pixels are whole.
				if fmt.Sprint(res.Hashes) != fmt.Sprint(whole.Hashes) {
					t.Errorf("%s truncated to %d of %d bytes: hashed without error to %v", format, n, len(data), res.Hashes)
				}
				continue
			}
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupportedFormat) {
				t.Errorf("%s truncated to %d: %v", format, n, err)
			}
			if n >= 16 && errors.Is(err, ErrUnsupportedFormat) {
				t.Errorf("%s truncated to %d: format not recognised: %v", format, n, err)
			}
		}
	}
}

func TestHasherContext(t *testing.T) {
	data := encodeAll(t, testPicture(40, 30, 5))["png"]
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewHasher(nil).Hash(ctx, bytes.NewReader(data)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// Cancelled while reading: the reader cancels after its first read.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	r := &cancelAfter{r: bytes.NewReader(data), cancel: cancel}
	if _, err := NewHasher(nil).Hash(ctx, r); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled mid-read: %v", err)
	}
	// A read error is returned as is (wrapped).
	boom := errors.New("disk on fire")
	if _, err := NewHasher(nil).Hash(context.Background(), io.MultiReader(bytes.NewReader(data[:10]), failing{boom})); !errors.Is(err, boom) {
		t.Errorf("read error: %v", err)
	}
}

type cancelAfter struct {
	r      io.Reader
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p[:min(len(p), 16)])
	c.cancel()
	return n, err
}

type failing struct{ err error }

func (f failing) Read([]byte) (int, error) { return 0, f.err }

func TestHashImage(t *testing.T) {
	img := testPicture(90, 70, 6)
	h := NewHasher(&HasherOptions{Kinds: []Kind{KindMD5, KindPDQ, KindDHash}, Dihedral: true})
	res, err := h.HashImage(img)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(kindsOf(res)); got != "[pdq dhash]" {
		t.Errorf("HashImage kinds: %s (exact kinds need bytes)", got)
	}
	want, q, _ := pdq.HashImage(img)
	if res.Hashes[0] != HashPDQ(want) || res.PDQQuality != q || res.Format != "" || res.Width != 90 || res.Height != 70 {
		t.Errorf("HashImage PDQ: %+v", res)
	}
	if len(res.PDQDihedral) != 8 || res.PDQDihedral[0] != res.Hashes[0] {
		t.Errorf("HashImage dihedral: %v", res.PDQDihedral)
	}
	if _, err := h.HashImage(nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("nil image: %v", err)
	}
	if _, err := h.HashImage(image.NewGray(image.Rectangle{})); !errors.Is(err, ErrCorrupt) {
		t.Errorf("empty image: %v", err)
	}
	// A 64x64 image: Hashes holds the plain PDQ hash even with Dihedral.
	g := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 7 / 64)
	}
	plain, _, _ := pdq.HashImage(g)
	res, _ = h.HashImage(g)
	if res.Hashes[0] != HashPDQ(plain) {
		t.Errorf("64x64 with Dihedral: PDQ %v, want the plain hash %v", res.Hashes[0], plain)
	}
}

// TestHasherConcurrent runs Hash from several goroutines (with -race).
func TestHasherConcurrent(t *testing.T) {
	files := encodeAll(t, testPicture(120, 90, 7))
	h := NewHasher(&HasherOptions{Kinds: []Kind{KindPDQ, KindPHash, KindSHA256}, Dihedral: true})
	want := map[string]*Result{}
	for f, b := range files {
		r, err := h.Hash(context.Background(), bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		want[f] = r
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for g := 0; g < 6; g++ {
		wg.Go(func() {
			for f, b := range files {
				r, err := h.Hash(context.Background(), bytes.NewReader(b))
				if err != nil || fmt.Sprint(r.Hashes, r.PDQDihedral) != fmt.Sprint(want[f].Hashes, want[f].PDQDihedral) {
					mu.Lock()
					t.Errorf("goroutine %d %s: %v %v", g, f, r, err)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
}

// exifTIFF returns a minimal EXIF TIFF structure holding an orientation.
func exifTIFF(bo binary.ByteOrder, orientation uint16) []byte {
	b := make([]byte, 8+2+2*12+4)
	if bo == binary.LittleEndian {
		copy(b, "II*\x00")
	} else {
		copy(b, "MM\x00*")
	}
	bo.PutUint32(b[4:], 8)
	bo.PutUint16(b[8:], 2)
	e := b[10:]
	bo.PutUint16(e[0:], 0x010f) // Make, ASCII, ignored
	bo.PutUint16(e[2:], 2)
	bo.PutUint32(e[4:], 4)
	copy(e[8:], "Cam\x00")
	e = b[22:]
	bo.PutUint16(e[0:], 0x0112)
	bo.PutUint16(e[2:], 3)
	bo.PutUint32(e[4:], 1)
	bo.PutUint16(e[8:], orientation)
	return b
}

// withJPEGExif inserts an APP1 Exif segment after the JPEG's SOI.
func withJPEGExif(jpg, tiffData []byte) []byte {
	seg := append([]byte("Exif\x00\x00"), tiffData...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xff, 0xe1, byte((len(seg)+2)>>8), byte(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// withPNGExif inserts an eXIf chunk after the PNG's IHDR.
func withPNGExif(p, tiffData []byte) []byte {
	var c bytes.Buffer
	binary.Write(&c, binary.BigEndian, uint32(len(tiffData)))
	body := append([]byte("eXIf"), tiffData...)
	c.Write(body)
	binary.Write(&c, binary.BigEndian, crc32.ChecksumIEEE(body))
	ihdrEnd := 8 + 8 + 13 + 4
	out := append([]byte{}, p[:ihdrEnd]...)
	out = append(out, c.Bytes()...)
	return append(out, p[ihdrEnd:]...)
}

func TestExifOrientationParse(t *testing.T) {
	jpg := encodeAll(t, testPicture(20, 10, 8))["jpeg"]
	pngData := encodeAll(t, testPicture(20, 10, 8))["png"]
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		for o := uint16(0); o <= 9; o++ {
			td := exifTIFF(bo, o)
			want := int(o)
			if o < 1 || o > 8 {
				want = 0
			}
			webpData := append([]byte("RIFF\x00\x00\x00\x00WEBPEXIF"), 0, 0, 0, 0)
			binary.LittleEndian.PutUint32(webpData[16:], uint32(len(td)))
			webpData = append(webpData, td...)
			for name, got := range map[string]int{
				"tiff": exifOrientation("tiff", td),
				"jpeg": exifOrientation("jpeg", withJPEGExif(jpg, td)),
				"png":  exifOrientation("png", withPNGExif(pngData, td)),
				"webp": exifOrientation("webp", webpData),
				"gif":  exifOrientation("gif", td),
			} {
				want := want
				if name == "gif" {
					want = 0 // GIF has no EXIF
				}
				if got != want {
					t.Errorf("%v %s orientation %d: got %d", bo, name, o, got)
				}
			}
		}
	}
	// Malformed structures read as "no orientation".
	td := exifTIFF(binary.LittleEndian, 6)
	for i := 0; i < len(td); i++ {
		_ = exifOrientation("tiff", td[:i]) // no panic on any prefix
	}
	if got := exifOrientation("jpeg", jpg); got != 0 {
		t.Errorf("JPEG without EXIF: %d", got)
	}
	if got := exifOrientation("tiff", append(append([]byte{}, td[:8]...), 0xff, 0xff)); got != 0 {
		t.Errorf("IFD claiming 65535 entries: %d", got)
	}
}

// Reference transforms for the orientation test, composed from a clockwise
// quarter turn and a left-right mirror (the EXIF definitions).
func rotCW(m *image.NRGBA) *image.NRGBA {
	b := m.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.SetNRGBA(b.Dy()-1-y, x, m.NRGBAAt(x, y))
		}
	}
	return out
}

func mirror(m *image.NRGBA) *image.NRGBA {
	b := m.Bounds()
	out := image.NewNRGBA(b)
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.SetNRGBA(b.Dx()-1-x, y, m.NRGBAAt(x, y))
		}
	}
	return out
}

func upright(m *image.NRGBA, o int) *image.NRGBA {
	switch o {
	case 2:
		return mirror(m)
	case 3:
		return rotCW(rotCW(m))
	case 4:
		return rotCW(rotCW(mirror(m)))
	case 5: // mirror, then a quarter turn counter-clockwise
		return rotCW(rotCW(rotCW(mirror(m))))
	case 6:
		return rotCW(m)
	case 7:
		return rotCW(mirror(m))
	case 8:
		return rotCW(rotCW(rotCW(m)))
	}
	return m
}

func toNRGBA(img image.Image) *image.NRGBA {
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.Set(x, y, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

// TestApplyOrientation: with ApplyOrientation, a file with EXIF orientation
// o hashes like the upright picture; without it, like the stored pixels.
func TestApplyOrientation(t *testing.T) {
	pic := testPicture(48, 30, 9)
	kinds := []Kind{KindPDQ, KindPHash, KindDHash}
	on := NewHasher(&HasherOptions{Kinds: kinds, ApplyOrientation: true})
	off := NewHasher(&HasherOptions{Kinds: kinds})
	ctx := context.Background()
	for _, format := range []string{"jpeg", "png"} {
		data := encodeAll(t, pic)[format]
		stored, err := decodeImage(sniff(data), data)
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := off.HashImage(stored)
		for o := 1; o <= 8; o++ {
			var f []byte
			if format == "jpeg" {
				f = withJPEGExif(data, exifTIFF(binary.BigEndian, uint16(o)))
			} else {
				f = withPNGExif(data, exifTIFF(binary.LittleEndian, uint16(o)))
			}
			want, _ := on.HashImage(upright(toNRGBA(stored), o))
			if o == 1 {
				want = plain // already upright: the decoded image is hashed as is
			}
			got, err := on.Hash(ctx, bytes.NewReader(f))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got.Hashes) != fmt.Sprint(want.Hashes) || got.Orientation != o || got.Width != want.Width || got.Height != want.Height {
				t.Errorf("%s orientation %d: %v %dx%d (orientation %d), want %v %dx%d", format, o, got.Hashes, got.Width, got.Height, got.Orientation, want.Hashes, want.Width, want.Height)
			}
			ignored, err := off.Hash(ctx, bytes.NewReader(f))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(ignored.Hashes) != fmt.Sprint(plain.Hashes) || ignored.Orientation != 0 {
				t.Errorf("%s orientation %d without ApplyOrientation: %v, want the stored pixels' %v", format, o, ignored.Hashes, plain.Hashes)
			}
		}
	}
}

// TestOrientSharedCorpus checks the reference's hashes of exif-rotn-6.jpg
// after applying its orientation (JPEG: within 10 bits), when the shared
// corpus is present.
func TestOrientSharedCorpus(t *testing.T) {
	dir := sharedPDQCorpus(t)
	if dir == "" {
		t.Skip("../shared/testdata/pdq not present (the image is 3.6 MB and not shipped)")
	}
	if raceEnabled {
		t.Skip("a 12-megapixel decode under -race; the run without -race checks it")
	}
	f, err := os.Open(filepath.Join(dir, "expected_autoorient.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	rows := 0
	for sc.Scan() {
		rec := strings.Split(sc.Text(), "\t") // file, orientation, cli hex, q, full hex, q
		data := readTestFile(t, filepath.Join(dir, "images", rec[0]))
		for _, fam := range []struct {
			mode pdq.Mode
			hex  string
		}{{pdq.ModeCLI, rec[2]}, {pdq.ModeFull, rec[4]}} {
			h := NewHasher(&HasherOptions{Kinds: []Kind{KindPDQ}, PDQMode: fam.mode, ApplyOrientation: true})
			res, err := h.Hash(context.Background(), bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			d := Distance(res.Hashes[0], mustParse(t, KindPDQ, fam.hex))
			t.Logf("%s %v upright: %d bits from the reference", rec[0], fam.mode, d)
			if d > 10 || strconv.Itoa(res.Orientation) != rec[1] {
				t.Errorf("%s %v: distance %d, orientation %d", rec[0], fam.mode, d, res.Orientation)
			}
			rows++
		}
	}
	if rows == 0 {
		t.Error("no rows")
	}
}

// sharedPDQCorpus finds ../shared/testdata/pdq beside the module root.
func sharedPDQCorpus(t testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
		dir = filepath.Dir(dir)
	}
	shared := filepath.Join(filepath.Dir(dir), "shared", "testdata", "pdq")
	if _, err := os.Stat(filepath.Join(shared, "expected_autoorient.tsv")); err != nil {
		return ""
	}
	return shared
}
