package evidence

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
)

var (
	benchOnce sync.Once
	benchImg  []byte
	benchErr  error
)

// benchJPEG returns a generated photo-like JPEG of about 1 MiB: a gradient with
// noise, as incompressible as real photos are.
func benchJPEG(b *testing.B) []byte {
	benchOnce.Do(func() {
		const w, h = 1400, 1200
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		r := rand.New(rand.NewPCG(1, 2))
		for y := range h {
			for x := range w {
				n := uint8(r.IntN(96))
				img.Set(x, y, color.RGBA{uint8(x*127/w) + n, uint8(y*127/h) + n, 128 + n/2, 255})
			}
		}
		var buf bytes.Buffer
		benchErr = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92})
		benchImg = buf.Bytes()
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	if n := len(benchImg); n < 900<<10 || n > 1200<<10 {
		b.Fatalf("benchmark JPEG is %d bytes, want about 1 MiB", n)
	}
	return benchImg
}

func benchVaults(b *testing.B) map[string]func() *Vault {
	return map[string]func() *Vault{
		"backend=dir": func() *Vault {
			e := newDirEnv(b, nil)
			return e.v
		},
		"backend=mem": func() *Vault {
			return newMemEnv(b, keyring(b, "k1")).v
		},
	}
}

// BenchmarkPut stores a distinct 1 MiB JPEG per iteration: hashing, zstd,
// AES-GCM, the blob and manifest writes and the audit append (with the
// DirBackend, five fsyncs).
func BenchmarkPut(b *testing.B) {
	img := benchJPEG(b)
	for _, name := range []string{"backend=dir", "backend=mem"} {
		b.Run(name, func(b *testing.B) {
			v := benchVaults(b)[name]()
			content := bytes.Clone(img)
			ctx := context.Background()
			b.SetBytes(int64(len(content)))
			i := uint64(0)
			defer reportCPU(b)()
			for b.Loop() {
				i++
				binary.LittleEndian.PutUint64(content[len(content)/2:], i) // new content each time
				if _, err := v.Put(ctx, bytes.NewReader(content), PutOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPutDuplicate stores the same 1 MiB JPEG again: hashing and
// compression only, nothing written.
func BenchmarkPutDuplicate(b *testing.B) {
	e := newDirEnv(b, nil)
	img := benchJPEG(b)
	ctx := context.Background()
	until := e.clock.Now().AddDate(1, 0, 0)
	if _, err := e.v.Put(ctx, bytes.NewReader(img), PutOptions{RetainUntil: until}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(img)))
	stop := reportCPU(b)
	for b.Loop() {
		if _, err := e.v.Put(ctx, bytes.NewReader(img), PutOptions{RetainUntil: until}); err != nil {
			b.Fatal(err)
		}
	}
	stop()
	if got := len(e.audit()); got != 1 {
		b.Fatalf("duplicate Puts wrote %d audit entries", got)
	}
}

// BenchmarkOpen reads a 1 MiB JPEG back by digest: manifest and blob reads,
// AES-GCM, zstd and the SHA-256 check.
func BenchmarkOpen(b *testing.B) {
	img := benchJPEG(b)
	for _, name := range []string{"backend=dir", "backend=mem"} {
		b.Run(name, func(b *testing.B) {
			v := benchVaults(b)[name]()
			ctx := context.Background()
			it, err := v.Put(ctx, bytes.NewReader(img), PutOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(img)))
			defer reportCPU(b)()
			for b.Loop() {
				r, err := v.Open(ctx, it.Digest)
				if err != nil {
					b.Fatal(err)
				}
				if n, _ := io.Copy(io.Discard, r); n != int64(len(img)) {
					b.Fatalf("read %d bytes", n)
				}
				r.Close()
			}
		})
	}
}

// reportCPU starts measuring process CPU time; the returned func reports it
// per operation as "cpu-ns/op". On a shared machine ns/op includes waiting for
// a core; cpu-ns/op does not (it includes GC work on other threads).
func reportCPU(b *testing.B) func() {
	start := processCPU()
	return func() {
		if b.N > 0 && start > 0 {
			b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}
