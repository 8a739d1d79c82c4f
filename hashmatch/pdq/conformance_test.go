package pdq

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lossyTolerance is the upstream port-acceptance rule: within 10 bits of the
// reference when the reference quality is at least 80.
const (
	lossyTolerance  = 10
	lossyMinQuality = 80
)

// TestConformanceLocal checks the corpus subset shipped in testdata. When
// the shared corpus is present, TestConformanceShared hashes all of it, so
// this test only checks that the shipped copies are identical to it.
func TestConformanceLocal(t *testing.T) {
	if shared := sharedCorpusDir(t); shared != "" {
		n := compareCopies(t, "testdata", shared)
		t.Logf("testdata: %d files identical to %s, which TestConformanceShared hashes", n, shared)
		return
	}
	rows := checkCorpus(t, "testdata")
	if rows < 40 {
		t.Errorf("checked only %d rows of testdata; the shipped subset has more", rows)
	}
}

// compareCopies checks that every image and TSV under local is byte-identical
// to the same file under shared, and returns how many it compared.
func compareCopies(t *testing.T, local, shared string) int {
	n := 0
	err := filepath.WalkDir(local, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(local, path)
		if !strings.HasPrefix(rel, "images"+string(filepath.Separator)) && !strings.HasSuffix(rel, ".tsv") {
			return nil
		}
		a, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(filepath.Join(shared, rel))
		if err != nil {
			return err
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from the shared corpus", rel)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Errorf("compared only %d files", n)
	}
	return n
}

// TestConformanceShared checks the whole shared corpus when it is present
// beside the module (as in CI).
func TestConformanceShared(t *testing.T) {
	dir := sharedCorpusDir(t)
	if dir == "" {
		t.Skip("../shared/testdata/pdq not present; TestConformanceLocal covers the shipped subset")
	}
	rows := checkCorpus(t, dir)
	if rows < 100 && !raceEnabled {
		t.Errorf("checked only %d rows of %s", rows, dir)
	}
}

// checkCorpus hashes every PNG and JPEG of a corpus in both modes and with
// the dihedral variants, and returns how many expected rows it checked.
func checkCorpus(t *testing.T, dir string) int {
	c := loadCorpus(t, dir)
	full := NewHasher(nil)
	cli := NewHasher(&Options{Mode: ModeCLI})
	rows := 0
	var lossy tally
	qualityDiffs, skipped := 0, 0
	for _, file := range c.files() {
		if raceEnabled && largeUnderRace(filepath.Join(dir, "images", file)) {
			skipped++ // the run without -race checks it
			continue
		}
		img := decodeFile(t, filepath.Join(dir, "images", file))
		if img == nil {
			continue // WebP: hashmatch's tests
		}
		for _, fam := range []struct {
			name string
			h    *Hasher
			want expected
		}{{"full", full, c.full[file]}, {"cli", cli, c.cli[file]}} {
			got, q, err := fam.h.Hash(img)
			if err != nil {
				t.Fatalf("%s %s: %v", fam.name, file, err)
			}
			rows++
			want := fam.want
			switch {
			case file == i16File:
				if got != i16HighByte.hash || q != i16HighByte.quality {
					t.Errorf("%s %s: got %v q%d, want the high-byte hash %v q%d", fam.name, file, got, q, i16HighByte.hash, i16HighByte.quality)
				}
			case isLossless(file):
				if got != want.hash || q != want.quality {
					t.Errorf("%s %s: got %v q%d, want %v q%d (distance %d)", fam.name, file, got, q, want.hash, want.quality, Distance(got, want.hash))
				}
			default:
				d := Distance(got, want.hash)
				lossy.add(fam.name+" "+file, d, want.quality)
				if q != want.quality {
					qualityDiffs++
				}
				if want.quality >= lossyMinQuality && d > lossyTolerance {
					t.Errorf("%s %s: %d bits from the reference (quality %d), limit %d", fam.name, file, d, want.quality, lossyTolerance)
				}
			}
		}

		wantDih, ok := c.dihedral[file]
		if !ok {
			continue
		}
		got, q, err := cli.HashDihedral(img)
		if err != nil {
			t.Fatalf("dihedral %s: %v", file, err)
		}
		rows++
		if file == i16File {
			if got[0] != i16HighByte.hash {
				t.Errorf("dihedral %s: original %v, want %v", file, got[0], i16HighByte.hash)
			}
			continue
		}
		for v := range got {
			d := Distance(got[v], wantDih.hashes[v])
			if isLossless(file) {
				if d != 0 {
					t.Errorf("dihedral %s variant %d: got %v, want %v", file, v, got[v], wantDih.hashes[v])
				}
				continue
			}
			lossy.add("dihedral "+file, d, wantDih.quality)
			if wantDih.quality >= lossyMinQuality && d > lossyTolerance {
				t.Errorf("dihedral %s variant %d: %d bits from the reference, limit %d", file, v, d, lossyTolerance)
			}
		}
		if isLossless(file) && q != wantDih.quality {
			t.Errorf("dihedral %s: quality %d, want %d", file, q, wantDih.quality)
		}
	}
	t.Logf("%s: checked %d rows; JPEG (Go's decoder vs libjpeg-turbo): %v; quality differed on %d", dir, rows, lossy, qualityDiffs)
	if skipped > 0 {
		t.Logf("%d images over 200 kB left to the run without -race", skipped)
	}
	return rows
}

// largeUnderRace reports files too slow to decode and hash under the race
// detector, which instruments every pixel access; the run without -race
// checks them (race detection needs concurrency, not megapixels).
func largeUnderRace(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Size() > 200<<10
}
