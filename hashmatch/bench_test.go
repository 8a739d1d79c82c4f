package hashmatch

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corona10/goimagehash"

	"github.com/mnr-sdk/mnr/hashmatch/pdq"
)

// corpusFiles returns the bytes of every image of the shared PDQ corpus
// (or, in a fresh clone, of the shipped subset), keyed by path.
func corpusFiles(b *testing.B) (string, map[string][]byte) {
	dir := sharedPDQCorpus(b)
	if dir == "" {
		dir = pdqTestdata
	}
	files := map[string][]byte{}
	err := filepath.WalkDir(filepath.Join(dir, "images"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files[path] = readTestFile(b, path)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return dir, files
}

// BenchmarkHasherCorpus is file-to-hash (bytes in memory -> decode -> PDQ)
// over the whole corpus; one op is one pass over all files. The reference
// CLI takes about 100 ms per file end to end.
func BenchmarkHasherCorpus(b *testing.B) {
	dir, files := corpusFiles(b)
	b.Logf("corpus %s: %d files", dir, len(files))
	var total int64
	for _, d := range files {
		total += int64(len(d))
	}
	for _, mode := range []pdq.Mode{pdq.ModeCLI, pdq.ModeFull} {
		h := NewHasher(&HasherOptions{Kinds: []Kind{KindPDQ}, PDQMode: mode})
		b.Run("pdq-"+mode.String(), func(b *testing.B) {
			b.SetBytes(total)
			b.ReportAllocs()
			stop := cpuClock(b)
			for b.Loop() {
				for path, d := range files {
					if _, err := h.Hash(context.Background(), bytes.NewReader(d)); err != nil {
						b.Fatal(path, err)
					}
				}
			}
			perFile := b.Elapsed().Seconds() / float64(b.N) / float64(len(files))
			b.ReportMetric(perFile*1e3, "ms/file")
			b.ReportMetric(1/perFile, "files/s")
			if cpu := stop(); cpu > 0 {
				b.ReportMetric(cpu.Seconds()*1e3/float64(b.N)/float64(len(files)), "cpu-ms/file")
			}
		})
	}
}

// BenchmarkHasherKinds compares, on the 1600x1004 bridge JPEG, PDQ alone,
// PDQ + pHash + SHA-256 from one decode, and goimagehash's pHash alone, end
// to end (decode included) and on decoded pixels.
func BenchmarkHasherKinds(b *testing.B) {
	data := readTestFile(b, filepath.Join(pdqTestdata, "images", "dih", "bridge-1-original.jpg"))
	img, err := decodeImage(sniff(data), data)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, kinds := range [][]Kind{{KindPDQ}, {KindPDQ, KindPHash, KindSHA256}, {KindPHash}} {
		var names []string
		for _, k := range kinds {
			names = append(names, k.String())
		}
		name := strings.Join(names, "+")
		h := NewHasher(&HasherOptions{Kinds: kinds})
		b.Run("file/"+name, func(b *testing.B) {
			benchImages(b, func() {
				if _, err := h.Hash(ctx, bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
	ph := pdq.NewHasher(nil)
	b.Run("decoded/pdq", func(b *testing.B) {
		benchImages(b, func() { ph.Hash(img) })
	})
	b.Run("decoded/goimagehash-phash", func(b *testing.B) {
		benchImages(b, func() {
			if _, err := goimagehash.PerceptionHash(img); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("decode-only/jpeg", func(b *testing.B) {
		benchImages(b, func() {
			if _, err := decodeImage(sniff(data), data); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// benchImages runs f once per op and reports images/s and CPU time.
func benchImages(b *testing.B, f func()) {
	b.ReportAllocs()
	stop := cpuClock(b)
	for b.Loop() {
		f()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
	if cpu := stop(); cpu > 0 {
		b.ReportMetric(cpu.Seconds()*1e3/float64(b.N), "cpu-ms/op")
	}
}

// cpuClock returns a function that reports the process's CPU time since
// (0 where unsupported). Run with -cpu 1: on a shared machine wall time
// includes waiting for a core; CPU time does not.
func cpuClock(b *testing.B) func() time.Duration {
	start, ok := hasherProcessCPU()
	return func() time.Duration {
		end, ok2 := hasherProcessCPU()
		if !ok || !ok2 {
			return 0
		}
		return end - start
	}
}

// BenchmarkHasherRefuseHuge: refusing a PNG header that declares
// 100000x100000 pixels.
func BenchmarkHasherRefuseHuge(b *testing.B) {
	data := hugeHeaders(b)["png"]
	h := NewHasher(nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(context.Background(), bytes.NewReader(data)); err == nil {
			b.Fatal("accepted")
		}
	}
}
