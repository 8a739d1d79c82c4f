package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpus is the PDQ conformance subset shipped with hashmatch/pdq.
var corpus = filepath.Join("..", "..", "hashmatch", "pdq", "testdata")

func runHash(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errs bytes.Buffer
	code := cmdHash(context.Background(), args, &out, &errs)
	return code, out.String(), errs.String()
}

// expectedPDQ reads a reference TSV of the corpus.
func expectedPDQ(t *testing.T, name string) map[string][2]string {
	f, err := os.Open(filepath.Join(corpus, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string][2]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rec := strings.Split(sc.Text(), "\t")
		m[rec[0]] = [2]string{rec[1], rec[2]}
	}
	return m
}

func TestCmdHash(t *testing.T) {
	files := []string{"modes/P.png", "misc/pen-and-coaster.png", "ptx-resources/LA.png"}
	var paths []string
	for _, f := range files {
		paths = append(paths, filepath.Join(corpus, "images", f))
	}
	bad := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(bad, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A bad file in the middle: reported, the others still hashed, exit 1.
	args := append([]string{"-kinds", "pdq,md5", "-pdq-mode", "cli", "-j", "3"}, paths[0], bad, paths[1], paths[2])
	code, out, errs := runHash(t, args...)
	if code != exitFailed {
		t.Errorf("exit %d, want %d", code, exitFailed)
	}
	if !strings.Contains(errs, bad+": hashmatch: unsupported image format") || strings.Count(errs, "\n") != 1 {
		t.Errorf("stderr: %q", errs)
	}
	want := expectedPDQ(t, "expected.tsv")
	var wantOut strings.Builder
	for i, f := range files {
		data, err := os.ReadFile(paths[i])
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&wantOut, "%s\tpdq\t%s\t%s\n", paths[i], want[f][0], want[f][1])
		fmt.Fprintf(&wantOut, "%s\tmd5\t%x\t\n", paths[i], md5.Sum(data))
	}
	if out != wantOut.String() {
		t.Errorf("stdout:\n%s\nwant (the reference CLI's hashes, in argument order):\n%s", out, wantOut.String())
	}

	// Full mode gives the full-resolution family.
	code, out, _ = runHash(t, "-kinds", "pdq", paths[1])
	full := expectedPDQ(t, "expected_fullres.tsv")["misc/pen-and-coaster.png"]
	if code != exitOK || out != fmt.Sprintf("%s\tpdq\t%s\t%s\n", paths[1], full[0], full[1]) {
		t.Errorf("full mode: exit %d, %q", code, out)
	}

	// Every kind, default concurrency.
	code, out, _ = runHash(t, "-kinds", "pdq,phash,dhash,ahash,md5,sha1,sha256", paths[2])
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != exitOK || len(lines) != 7 {
		t.Fatalf("all kinds: exit %d, %q", code, out)
	}
	for i, k := range []string{"pdq", "phash", "dhash", "ahash", "md5", "sha1", "sha256"} {
		rec := strings.Split(lines[i], "\t")
		hexLen := map[string]int{"pdq": 64, "md5": 32, "sha1": 40, "sha256": 64}[k]
		if hexLen == 0 {
			hexLen = 16
		}
		if len(rec) != 4 || rec[1] != k || len(rec[2]) != hexLen || (k == "pdq") != (rec[3] != "") {
			t.Errorf("line %d: %q", i, lines[i])
		}
	}
}

func TestCmdHashUsage(t *testing.T) {
	img := filepath.Join(corpus, "images", "ptx-resources", "LA.png")
	for _, args := range [][]string{
		{},                         // no files
		{"-kinds", "crc32", img},   // unknown kind
		{"-kinds", ",", img},       // no kinds
		{"-pdq-mode", "fast", img}, // unknown mode
		{"-no-such-flag", img},     // bad flag
	} {
		if code, out, errs := runHash(t, args...); code != exitUsage || out != "" || errs == "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
	if code, _, errs := runHash(t, "-h"); code != exitOK || !strings.Contains(errs, "usage: hashlist hash") {
		t.Errorf("-h: exit %d, %q", code, errs)
	}
	// A directory and a missing file are input errors, not usage errors.
	if code, _, errs := runHash(t, t.TempDir(), filepath.Join(t.TempDir(), "missing.jpg")); code != exitFailed || strings.Count(errs, "\n") != 2 {
		t.Errorf("directory and missing file: exit %d, %q", code, errs)
	}
	// Limits are flags.
	if code, _, errs := runHash(t, "-max-bytes", "100", img); code != exitFailed || !strings.Contains(errs, "exceeds a limit") {
		t.Errorf("-max-bytes: exit %d, %q", code, errs)
	}
}

func TestCmdHashCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errs bytes.Buffer
	img := filepath.Join(corpus, "images", "ptx-resources", "LA.png")
	if code := cmdHash(ctx, []string{img, img, img}, &out, &errs); code != exitFailed || !strings.Contains(errs.String(), "interrupted") {
		t.Errorf("cancelled: exit %d, %q", code, errs.String())
	}
}
