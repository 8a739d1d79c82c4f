package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestStdinClean(t *testing.T) {
	code, out, errs := runCmd(t, "We report child sexual abuse material to NCMEC.\n")
	if code != 0 || out != "" || errs != "" {
		t.Fatalf("run = %d, %q, %q", code, out, errs)
	}
}

func TestStdinFindings(t *testing.T) {
	in := "Policy.\nWe ban child porn and\n  \"child pornography\" is a legal term.\nNo child\n  prostitutes.\n"
	code, out, errs := runCmd(t, in)
	want := "2:8\tchild porn\tchild sexual abuse material\n" +
		"4:4\tchild prostitutes\tchild exploited in prostitution\n"
	if code != 1 || out != want || errs != "" {
		t.Fatalf("run = %d, %q, %q; want 1, %q", code, out, errs, want)
	}
}

func TestColumnsCountCharacters(t *testing.T) {
	code, out, _ := runCmd(t, "ééé child porn\r\nabc CP\n", "-")
	want := "1:5\tchild porn\tchild sexual abuse material\n2:5\tCP\tCSAM\n"
	if code != 1 || out != want {
		t.Fatalf("run = %d, %q; want %q", code, out, want)
	}
}

func TestSeveralFiles(t *testing.T) {
	a := writeFile(t, "a.txt", "clean text\n")
	b := writeFile(t, "b.md", "# Title\n\nA paedophile is not a synonym.\n")
	code, out, errs := runCmd(t, "", a, b)
	want := b + ":3:3\tpaedophile\tperson who sexually offends against children\n"
	if code != 1 || out != want || errs != "" {
		t.Fatalf("run = %d, %q, %q; want %q", code, out, errs, want)
	}
	code, out, _ = runCmd(t, "", a)
	if code != 0 || out != "" {
		t.Fatalf("clean file: %d, %q", code, out)
	}
}

func TestErrors(t *testing.T) {
	good := writeFile(t, "good.txt", "child porn\n")
	missing := filepath.Join(t.TempDir(), "missing.txt")

	// A missing file is an error, but the other files are still linted.
	code, out, errs := runCmd(t, "", missing, good)
	if code != 2 || !strings.Contains(errs, "missing.txt") || !strings.Contains(out, good+":1:1\tchild porn") {
		t.Fatalf("missing file: %d, %q, %q", code, out, errs)
	}

	big := writeFile(t, "big.txt", strings.Repeat("x", 100))
	code, _, errs = runCmd(t, "", "-max-bytes", "99", big)
	if code != 2 || !strings.Contains(errs, "larger than 99 bytes") {
		t.Fatalf("too large: %d, %q", code, errs)
	}
	code, _, _ = runCmd(t, "", "-max-bytes", "100", big)
	if code != 0 {
		t.Fatalf("at the limit: %d", code)
	}
	code, _, errs = runCmd(t, strings.Repeat("y", 10), "-max-bytes", "5")
	if code != 2 || !strings.Contains(errs, "standard input") {
		t.Fatalf("stdin too large: %d, %q", code, errs)
	}

	for _, args := range [][]string{{"-nope"}, {"-max-bytes", "0"}, {"-max-bytes", "x"}} {
		if code, _, errs := runCmd(t, "", args...); code != 2 || errs == "" {
			t.Errorf("run(%q) = %d, %q; want 2 and a message", args, code, errs)
		}
	}
	if code, _, errs := runCmd(t, "", "-h"); code != 0 || !strings.Contains(errs, "usage: termlint") {
		t.Errorf("-h = %d, %q", code, errs)
	}
	if code, _, _ := runCmd(t, "", filepath.Dir(good)); code != 2 {
		t.Errorf("a directory: %d, want 2", code)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestOutputError(t *testing.T) {
	var errb bytes.Buffer
	if code := run(nil, strings.NewReader("child porn"), failWriter{}, &errb); code != 2 || !strings.Contains(errb.String(), "writing output") {
		t.Fatalf("run = %d, %q", code, errb.String())
	}
}
