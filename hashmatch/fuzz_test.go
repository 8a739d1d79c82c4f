package hashmatch

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var writeFuzzSeeds = flag.Bool("write-fuzz-seeds", false, "rewrite testdata/fuzz/FuzzHash from fuzzSeeds")

// fuzzSeeds are small valid, truncated and hostile files of every format.
func fuzzSeeds(t testing.TB) map[string][]byte {
	seeds := map[string][]byte{}
	for format, b := range encodeAll(t, testPicture(12, 9, 1)) {
		seeds[format] = b
		seeds[format+"-truncated"] = b[:len(b)*2/3]
	}
	for format, b := range hugeHeaders(t) {
		seeds[format+"-huge"] = b
	}
	webp, err := os.ReadFile(filepath.Join(pdqTestdata, "images", "modes", "F.webp"))
	if err != nil {
		t.Fatal(err)
	}
	seeds["webp-prefix"] = webp[:1024]
	jpg := encodeAll(t, testPicture(10, 6, 2))["jpeg"]
	seeds["jpeg-exif6"] = withJPEGExif(jpg, exifTIFF(binary.BigEndian, 6))
	return seeds
}

// TestWriteFuzzSeeds regenerates the checked-in seed corpus on request.
func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeFuzzSeeds {
		t.Skip("run with -write-fuzz-seeds to rewrite testdata/fuzz/FuzzHash")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzHash")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range fuzzSeeds(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, "seed-"+name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzHash feeds arbitrary bytes to the upload entry point: it must never
// panic, must fail only with the typed errors, and a success must be a
// complete result within the limits.
func FuzzHash(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b)
	}
	const maxPixels = 1 << 16
	h := NewHasher(&HasherOptions{Kinds: Kinds(), Dihedral: true, ApplyOrientation: true, MaxPixels: maxPixels, MaxBytes: 1 << 20})
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := h.Hash(context.Background(), bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupportedFormat) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if len(res.Hashes) != len(Kinds()) || len(res.PDQDihedral) != 8 {
			t.Fatalf("incomplete result: %d hashes, %d dihedral", len(res.Hashes), len(res.PDQDihedral))
		}
		if res.PDQQuality < 0 || res.PDQQuality > 100 {
			t.Fatalf("quality %d", res.PDQQuality)
		}
		if res.Width <= 0 || res.Height <= 0 || int64(res.Width)*int64(res.Height) > maxPixels || res.Size != int64(len(data)) {
			t.Fatalf("result %s %dx%d size %d", res.Format, res.Width, res.Height, res.Size)
		}
	})
}
