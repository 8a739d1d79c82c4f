package pdq

import (
	"bufio"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// A corpus is a folder laid out like ../shared/testdata/pdq: images/ and the
// expected-value TSVs.
type corpus struct {
	dir      string
	cli      map[string]expected // expected.tsv
	full     map[string]expected // expected_fullres.tsv
	dihedral map[string]expectedDih
}

type expected struct {
	hash    Hash
	quality int
}

type expectedDih struct {
	hashes  [8]Hash
	quality int
}

// informational rows are not conformance targets (see testdata/README.md).
// I16.png is 16-bit: the reference keeps the low byte, mnr the high byte,
// whose hash is pinned here instead.
const i16File = "ptx-resources/I16.png"

var i16HighByte = expected{mustHex("628dbaa85045ffef9b101e3214f156c24b1dbefba74d25a5c90d046c6b54e536"), 100}

func mustHex(s string) Hash {
	h, err := ParseHex(s)
	if err != nil {
		panic(err)
	}
	return h
}

func loadCorpus(t testing.TB, dir string) *corpus {
	t.Helper()
	c := &corpus{dir: dir, dihedral: map[string]expectedDih{}}
	c.cli = readExpected(t, filepath.Join(dir, "expected.tsv"))
	c.full = readExpected(t, filepath.Join(dir, "expected_fullres.tsv"))
	for _, rec := range readTSV(t, filepath.Join(dir, "expected_dihedral.tsv"), 10) {
		var e expectedDih
		for i := range 8 {
			e.hashes[i] = parseHexT(t, rec[1+i])
		}
		e.quality = atoiT(t, rec[9])
		c.dihedral[rec[0]] = e
	}
	return c
}

func readExpected(t testing.TB, path string) map[string]expected {
	m := map[string]expected{}
	for _, rec := range readTSV(t, path, 3) {
		m[rec[0]] = expected{parseHexT(t, rec[1]), atoiT(t, rec[2])}
	}
	return m
}

func readTSV(t testing.TB, path string, cols int) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		rec := strings.Split(sc.Text(), "\t")
		if len(rec) != cols {
			t.Fatalf("%s: %d columns, want %d", path, len(rec), cols)
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func parseHexT(t testing.TB, s string) Hash {
	t.Helper()
	h, err := ParseHex(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func atoiT(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// files returns the corpus rows whose image exists, sorted.
func (c *corpus) files() []string {
	var out []string
	for f := range c.full {
		if _, err := os.Stat(filepath.Join(c.dir, "images", f)); err == nil {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// sharedCorpusDir finds ../shared/testdata/pdq next to the module root, or
// returns "" when it is absent (a fresh clone).
func sharedCorpusDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	shared := filepath.Join(filepath.Dir(dir), "shared", "testdata", "pdq")
	if _, err := os.Stat(filepath.Join(shared, "expected_fullres.tsv")); err != nil {
		return ""
	}
	return shared
}

var decodeCache sync.Map // path -> image.Image

// decodeFile decodes a PNG or JPEG with the standard library (WebP is tested
// in hashmatch, which has the x/image decoders). It returns nil, nil for
// other formats.
func decodeFile(t testing.TB, path string) image.Image {
	t.Helper()
	if v, ok := decodeCache.Load(path); ok {
		return v.(image.Image)
	}
	var dec func(f *os.File) (image.Image, error)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		dec = func(f *os.File) (image.Image, error) { return png.Decode(f) }
	case ".jpg", ".jpeg":
		dec = func(f *os.File) (image.Image, error) { return jpeg.Decode(f) }
	default:
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := dec(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	decodeCache.Store(path, img)
	return img
}

func isLossless(file string) bool { return strings.HasSuffix(file, ".png") }

// tally collects the distances of lossy rows for the distribution report.
type tally struct {
	n, exact, within2, worst, worstQ80 int
	worstFile, worstQ80File            string
}

// add records a distance d from a reference hash of quality q.
func (t *tally) add(file string, d, q int) {
	t.n++
	if d == 0 {
		t.exact++
	}
	if d <= 2 {
		t.within2++
	}
	if d > t.worst {
		t.worst, t.worstFile = d, file
	}
	if q >= 80 && d > t.worstQ80 {
		t.worstQ80, t.worstQ80File = d, file
	}
}

func (t tally) String() string {
	return fmt.Sprintf("%d hashes: %d exact, %d within 2 bits, worst %d (%s), worst at quality >= 80: %d (%s)",
		t.n, t.exact, t.within2, t.worst, t.worstFile, t.worstQ80, t.worstQ80File)
}
