package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mnr-sdk/mnr/hashmatch"
)

// cli runs the command with stdin and returns exit code, stdout, stderr.
func cli(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func randHex(rng *rand.Rand, bytes int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 2*bytes)
	for i := range b {
		b[i] = digits[rng.IntN(16)]
	}
	return string(b)
}

// flipHex flips the lowest bit of n distinct hex digits.
func flipHex(s string, n int) string {
	b := []byte(s)
	for i := 0; i < n; i++ {
		c := b[i]
		v := strings.IndexByte("0123456789abcdef", c) ^ 1
		b[i] = "0123456789abcdef"[v]
	}
	return string(b)
}

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUsage(t *testing.T) {
	if code, _, errs := cli(t, ""); code != exitUsage || !strings.Contains(errs, "usage: hashlist COMMAND") {
		t.Errorf("no args: %d %q", code, errs)
	}
	if code, _, errs := cli(t, "", "frobnicate"); code != exitUsage || !strings.Contains(errs, "unknown command") {
		t.Errorf("unknown: %d %q", code, errs)
	}
	if code, out, _ := cli(t, "", "help"); code != exitOK || !strings.Contains(out, "convert") {
		t.Errorf("help: %d", code)
	}
	for _, c := range commands() {
		if c.name == "hash" {
			continue
		}
		if code, _, errs := cli(t, "", c.name, "-h"); code != exitOK || !strings.Contains(errs, "usage: hashlist "+c.name) {
			t.Errorf("%s -h: %d %q", c.name, code, errs)
		}
		if code, _, _ := cli(t, "", c.name, "-no-such-flag"); code != exitUsage {
			t.Errorf("%s bad flag: %d", c.name, code)
		}
	}
	if code, _, _ := cli(t, "", "match", "-list", "x"); code != exitUsage {
		t.Errorf("match without queries: %d", code)
	}
}

// fixture writes a key pair, a plain PDQ list and a CSV list.
type fixture struct {
	dir, key, pub   string
	plain, csv      string
	pdq, sha, phash []string
	csvPDQ          string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	f := &fixture{dir: t.TempDir()}
	base := filepath.Join(f.dir, "signer")
	code, out, errs := cli(t, "", "keygen", "-out", base)
	if code != exitOK || !strings.Contains(out, "key ID") {
		t.Fatalf("keygen: %d %s %s", code, out, errs)
	}
	f.key, f.pub = base+".key", base+".pub"
	var plain strings.Builder
	plain.WriteString("# test PDQ list\n")
	for range 20 {
		h := randHex(rng, 32)
		f.pdq = append(f.pdq, h)
		plain.WriteString(h + "\n")
	}
	f.plain = writeFile(t, f.dir, "plain.txt", plain.String())
	f.csvPDQ = randHex(rng, 32)
	csv := "id,hash,kind,categories\n" +
		"c1," + f.csvPDQ + ",pdq,A1\n"
	for i := range 5 {
		h := randHex(rng, 32)
		f.sha = append(f.sha, h)
		csv += fmt.Sprintf("s%d,%s,sha256,csam\n", i, h)
		p := randHex(rng, 8)
		f.phash = append(f.phash, p)
		csv += fmt.Sprintf("p%d,%s,phash,\"csam;B2\"\n", i, p)
	}
	f.csv = writeFile(t, f.dir, "list.csv", csv)
	return f
}

func TestKeygenRefusesOverwrite(t *testing.T) {
	f := newFixture(t)
	st, err := os.Stat(f.key)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v %v", st.Mode(), err)
	}
	before, _ := os.ReadFile(f.key)
	if code, _, _ := cli(t, "", "keygen", "-out", strings.TrimSuffix(f.key, ".key")); code != exitUsage {
		t.Errorf("second keygen: %d", code)
	}
	if after, _ := os.ReadFile(f.key); !bytes.Equal(before, after) {
		t.Error("key overwritten")
	}
}

func TestBuildVerifyInspect(t *testing.T) {
	f := newFixture(t)
	out := filepath.Join(f.dir, "built.mnr")
	code, stdout, errs := cli(t, "", "build", "-name", "test-bank", "-source", "tests", "-version", "3",
		"-kind", "pdq", "-categories", "csam", "-key", f.key, "-threshold", "pdq=20", "-out", out, f.plain, f.csv)
	if code != exitOK || !strings.Contains(stdout, "31 entries") || !strings.Contains(stdout, "signed by") {
		t.Fatalf("build: %d %q %q", code, stdout, errs)
	}
	code, stdout, _ = cli(t, "", "verify", "-keys", f.pub, out)
	if code != exitOK || !strings.HasPrefix(stdout, out+"\tOK\t") {
		t.Errorf("verify: %d %q", code, stdout)
	}
	// Another key does not verify; neither does a tampered file.
	other := filepath.Join(f.dir, "other")
	cli(t, "", "keygen", "-out", other)
	if code, stdout, _ := cli(t, "", "verify", "-keys", other+".pub", out); code != exitFailed || !strings.Contains(stdout, "\tFAIL\tuntrusted") {
		t.Errorf("verify other key: %d %q", code, stdout)
	}
	data, _ := os.ReadFile(out)
	data[len(data)/2] ^= 1
	tampered := writeFile(t, f.dir, "tampered.mnr", string(data))
	os.WriteFile(tampered+".sig", mustRead(t, out+".sig"), 0o644)
	if code, stdout, _ := cli(t, "", "verify", "-keys", f.pub, tampered); code != exitFailed || !strings.Contains(stdout, "FAIL") {
		t.Errorf("verify tampered: %d %q", code, stdout)
	}
	if code, _, _ := cli(t, "", "inspect", "-keys", f.pub, tampered); code != exitFailed {
		t.Errorf("inspect tampered: %d", code)
	}

	code, stdout, errs = cli(t, "", "inspect", "-keys", f.pub, out)
	if code != exitOK {
		t.Fatalf("inspect: %d %s", code, errs)
	}
	if !regexp.MustCompile(`(?m)^entries +31$`).MatchString(stdout) {
		t.Errorf("inspect output lacks the entry count:\n%s", stdout)
	}
	for _, want := range []string{"test-bank", "verified, key ID", "kind pdq", "21 entries", "threshold 20",
		"category csam", "category industry:A1", "category industry:B2"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, stdout)
		}
	}
	for _, h := range append(append(f.pdq, f.sha...), f.phash...) {
		if strings.Contains(stdout, h) {
			t.Fatal("inspect printed a hash without -hashes")
		}
	}
	code, stdout, _ = cli(t, "", "inspect", "-hashes", out)
	if code != exitOK || !strings.Contains(stdout, "pdq\t"+f.pdq[3]+"\t5\tcsam\n") || !strings.Contains(stdout, "sha256\t"+f.sha[0]+"\ts0\tcsam\n") {
		t.Errorf("inspect -hashes:\n%s", stdout)
	}
	code, stdout, _ = cli(t, "", "inspect", "-json", out)
	var js jsonStats
	if err := json.Unmarshal([]byte(stdout), &js); err != nil || code != exitOK || js.Entries != 31 || len(js.Kinds) != 3 {
		t.Errorf("inspect -json: %d %v %+v", code, err, js)
	}
	// An input that fails is reported; the others still make the list.
	code, _, errs = cli(t, "", "build", "-name", "x", "-kind", "pdq", "-out", filepath.Join(f.dir, "x.mnr"), f.plain, filepath.Join(f.dir, "missing.txt"))
	if code != exitFailed || !strings.Contains(errs, "1 of 2 inputs failed") {
		t.Errorf("build with a missing input: %d %q", code, errs)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMatchHashes(t *testing.T) {
	f := newFixture(t)
	// A near PDQ (3 bits off) from the plain list: ENTRY is its line number
	// (2 comment + data lines: the first hash is on line 2).
	near := flipHex(f.pdq[0], 3)
	stdin := near + "\n" +
		"sha256:" + f.sha[1] + "\n" +
		randHex(rand.New(rand.NewPCG(9, 9)), 32) + "\n" +
		"phash:" + flipHex(f.phash[2], 2) + "\n"
	code, stdout, errs := cli(t, stdin, "match", "-list", f.plain, "-list", f.csv, "-kind", "pdq", "-hashes")
	if code != exitFailed {
		t.Fatalf("match: %d %q", code, errs)
	}
	want := near + "\tplain\t2\tpdq\t3\t\n" +
		f.sha[1] + "\tlist\ts1\tsha256\t0\tcsam\n" +
		flipHex(f.phash[2], 2) + "\tlist\tp2\tphash\t2\tcsam,industry:B2\n"
	if stdout != want {
		t.Errorf("match output:\n%s\nwant:\n%s", stdout, want)
	}
	// No match: 0. A bad line and no match: 3.
	if code, stdout, _ := cli(t, randHex(rand.New(rand.NewPCG(3, 3)), 32)+"\n", "match", "-list", f.plain, "-kind", "pdq", "-hashes"); code != exitOK || stdout != "" {
		t.Errorf("no match: %d %q", code, stdout)
	}
	code, _, errs = cli(t, "nothex\n"+strings.Repeat("a", 5000)+"\n", "match", "-list", f.plain, "-kind", "pdq", "-hashes")
	if code != exitInputError || !strings.Contains(errs, "stdin line 1") || !strings.Contains(errs, "stdin line 2") {
		t.Errorf("bad lines: %d %q", code, errs)
	}
	// Without -kind a 64-digit query is ambiguous.
	if code, _, errs := cli(t, f.pdq[0]+"\n", "match", "-list", f.csv, "-hashes"); code != exitInputError || !strings.Contains(errs, "use -kind") {
		t.Errorf("ambiguous query: %d %q", code, errs)
	}
	// Requiring signatures refuses an unsigned list.
	if code, _, errs := cli(t, near+"\n", "match", "-list", f.plain, "-kind", "pdq", "-keys", f.pub, "-hashes"); code != exitUsage || !strings.Contains(errs, "not signed") {
		t.Errorf("unsigned list with -keys: %d %q", code, errs)
	}
	// A list's threshold override from the command line.
	if code, stdout, _ := cli(t, near+"\n", "match", "-list", f.plain, "-kind", "pdq", "-threshold", "pdq=2", "-hashes"); code != exitOK || stdout != "" {
		t.Errorf("threshold 2: %d %q", code, stdout)
	}
}

func TestSignAndMatchSigned(t *testing.T) {
	f := newFixture(t)
	code, stdout, _ := cli(t, "", "sign", "-key", f.key, f.plain, f.csv)
	if code != exitOK || strings.Count(stdout, ".sig\t") != 2 {
		t.Fatalf("sign: %d %q", code, stdout)
	}
	code, stdout, errs := cli(t, "sha256:"+f.sha[0]+"\n", "match", "-list", f.plain, "-list", f.csv, "-kind", "pdq", "-keys", f.pub, "-hashes")
	if code != exitFailed || !strings.Contains(stdout, "\tlist\ts0\tsha256\t0\tcsam") {
		t.Errorf("signed match: %d %q %q", code, stdout, errs)
	}
	if code, _, _ := cli(t, "", "sign", "-key", f.key, filepath.Join(f.dir, "missing")); code != exitFailed {
		t.Errorf("sign missing file: %d", code)
	}
}

func TestConvert(t *testing.T) {
	f := newFixture(t)
	mnr := filepath.Join(f.dir, "conv.mnr")
	if code, _, errs := cli(t, "", "convert", "-to", "mnr", "-name", "conv", "-key", f.key, f.csv, mnr); code != exitOK {
		t.Fatalf("csv->mnr: %d %s", code, errs)
	}
	code, csvOut, _ := cli(t, "", "convert", "-to", "csv", "-keys", f.pub, mnr, "-")
	if code != exitOK || !strings.HasPrefix(csvOut, "hash,kind,categories,id\n") || !strings.Contains(csvOut, f.sha[4]+",sha256,csam,s4\n") ||
		!strings.Contains(csvOut, f.csvPDQ+",pdq,industry:A1,c1\n") {
		t.Errorf("mnr->csv: %d\n%s", code, csvOut)
	}
	tsv := filepath.Join(f.dir, "conv.tsv")
	if code, _, errs := cli(t, "", "convert", "-to", "tsv", mnr, tsv); code != exitOK {
		t.Fatalf("mnr->tsv: %d %s", code, errs)
	}
	back := filepath.Join(f.dir, "back.mnr")
	if code, _, errs := cli(t, "", "convert", "-to", "mnr", "-name", "conv", tsv, back); code != exitOK {
		t.Fatalf("tsv->mnr: %d %s", code, errs)
	}
	a, _ := hashmatch.ReadListFile(context.Background(), mnr, nil)
	b, _ := hashmatch.ReadListFile(context.Background(), back, nil)
	var ea, eb []string
	for e := range a.All() {
		ea = append(ea, fmt.Sprint(e))
	}
	for e := range b.All() {
		eb = append(eb, fmt.Sprint(e))
	}
	if strings.Join(ea, "\n") != strings.Join(eb, "\n") || len(ea) != 11 {
		t.Errorf("round trip through TSV changed the list (%d vs %d entries)", len(ea), len(eb))
	}
	code, plainOut, errs := cli(t, "", "convert", "-to", "plain", mnr, "-")
	if code != exitOK || !strings.Contains(plainOut, "sha256:"+f.sha[0]+"\n") || !strings.Contains(errs, "keeps hashes only") {
		t.Errorf("mnr->plain: %d %q", code, errs)
	}
	for _, args := range [][]string{
		{"convert", "-to", "mnr", mnr, "-"},
		{"convert", "-to", "auto", mnr, "x"},
		{"convert", "-to", "csv", "-key", f.key, mnr, "x"},
		{"convert", "-to", "csv", mnr},
	} {
		if code, _, _ := cli(t, "", args...); code != exitUsage {
			t.Errorf("%v: %d", args, code)
		}
	}
}

// testImage draws a deterministic, textured picture (benign test data).
func testImage(seed uint64, w, h int) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, seed))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	type blob struct {
		x, y, r float64
		c       color.RGBA
	}
	var blobs []blob
	for range 12 {
		blobs = append(blobs, blob{rng.Float64() * float64(w), rng.Float64() * float64(h), 10 + rng.Float64()*float64(w)/3,
			color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}})
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255}
			for _, b := range blobs {
				if dx, dy := float64(x)-b.x, float64(y)-b.y; dx*dx+dy*dy < b.r*b.r {
					c = b.c
				}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func rotate90(src *image.RGBA) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			dst.Set(b.Dy()-1-y, x, src.At(x, y))
		}
	}
	return dst
}

func writeImage(t *testing.T, dir, name string, img image.Image) string {
	t.Helper()
	var buf bytes.Buffer
	var err error
	if strings.HasSuffix(name, ".jpg") {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	} else {
		err = png.Encode(&buf, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, name, buf.String())
}

func TestBuildAndMatchImages(t *testing.T) {
	f := newFixture(t)
	listed := testImage(1, 320, 240)
	a := writeImage(t, f.dir, "listed.png", listed)
	b := writeImage(t, f.dir, "other.png", testImage(2, 320, 240))
	reencoded := writeImage(t, f.dir, "reencoded.jpg", listed)
	rotated := writeImage(t, f.dir, "rotated.png", rotate90(listed))
	flatImg := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range flatImg.Pix {
		flatImg.Pix[i] = 200
	}
	flat := writeImage(t, f.dir, "flat.png", flatImg)
	out := filepath.Join(f.dir, "images.mnr")
	code, stdout, errs := cli(t, "", "build", "-name", "img", "-categories", "A1", "-key", f.key, "-out", out, a, f.csv)
	if code != exitOK || !strings.Contains(stdout, "14 entries") {
		t.Fatalf("build from images: %d %q %q", code, stdout, errs)
	}
	code, stdout, errs = cli(t, "", "match", "-list", out, "-keys", f.pub, a, b, reencoded, rotated)
	if code != exitFailed {
		t.Fatalf("match images: %d %q", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	// The listed file matches by PDQ (0), MD5 and SHA-256; its JPEG
	// re-encoding by PDQ within the threshold; the other and the rotated
	// image not at all (without -dihedral).
	var got []string
	for _, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) != 6 {
			t.Fatalf("line %q has %d fields", l, len(f))
		}
		got = append(got, filepath.Base(f[0])+" "+f[2]+" "+f[3])
		if f[1] != "img" || f[5] != "industry:A1" {
			t.Errorf("line %q", l)
		}
	}
	want := []string{"listed.png listed.png pdq", "listed.png listed.png md5", "listed.png listed.png sha256", "reencoded.jpg listed.png pdq"}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing match %q in %q", w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("matches %q, want %q", got, want)
	}
	code, stdout, _ = cli(t, "", "match", "-list", out, "-dihedral", rotated)
	if code != exitFailed || !strings.Contains(stdout, "\tlisted.png\tpdq\t") {
		t.Errorf("dihedral: %d %q", code, stdout)
	}
	// A flat image's PDQ hash is left out of a list (low quality) and is
	// flagged when matched.
	code, _, errs = cli(t, "", "build", "-name", "flat", "-out", filepath.Join(f.dir, "flat.mnr"), flat)
	if code != exitOK || !strings.Contains(errs, "PDQ hash left out") {
		t.Errorf("flat build: %d %q", code, errs)
	}
	code, _, errs = cli(t, "", "match", "-list", out, flat)
	if code != exitOK || !strings.Contains(errs, "quality") {
		t.Errorf("flat match: %d %q", code, errs)
	}
	// An unreadable file: reported, exit 3 when nothing matched.
	code, _, errs = cli(t, "", "match", "-list", out, b, filepath.Join(f.dir, "missing.png"))
	if code != exitInputError || !strings.Contains(errs, "missing.png") {
		t.Errorf("missing file: %d %q", code, errs)
	}
}
