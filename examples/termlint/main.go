// Command termlint reports deprecated child-protection wording in text files:
// "child pornography", "child prostitute", "child sex tourism" and the other
// deprecated synonyms of the mnr vocabulary, with the preferred term to use.
//
// Usage:
//
//	go run ./examples/termlint [-max-bytes N] [FILE...]
//
// With no FILE, or with FILE "-", it reads standard input. It prints one
// finding a line:
//
//	LINE:COL<TAB>found<TAB>preferred
//
// LINE and COL are 1-based; COL counts characters (Unicode code points). With
// several files each line starts with "FILE:". A phrase broken across lines is
// reported where it starts, its white space shown as single spaces. Legal
// quotations (a phrase in double quotes, or introduced by "as defined in" or
// "within the meaning of") are not reported; see terminology.Lint.
//
// The exit status is 0 when no file has a finding, 1 when some file has one,
// and 2 on any error (a bad flag, an unreadable or too large file); an error in
// one file does not stop the others. Each input is read whole, up to
// -max-bytes (default 64 MiB).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/mnr-sdk/mnr/terminology"
)

// defaultMaxBytes bounds each input read into memory.
const defaultMaxBytes = 64 << 20

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole command: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("termlint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	maxBytes := fs.Int64("max-bytes", defaultMaxBytes, "largest input to read, in bytes")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: termlint [-max-bytes N] [FILE...]\n\n"+
			"Reports deprecated child-protection wording, one finding a line:\n"+
			"LINE:COL<TAB>found<TAB>preferred. Reads stdin when no FILE is given.\n"+
			"Exit status: 0 clean, 1 findings, 2 error.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *maxBytes <= 0 {
		fmt.Fprintln(stderr, "termlint: -max-bytes must be positive")
		return 2
	}
	files := fs.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}

	out := bufio.NewWriter(stdout)
	status := 0
	for _, name := range files {
		prefix := ""
		if len(files) > 1 {
			prefix = name + ":"
		}
		text, err := readInput(name, stdin, *maxBytes)
		if err != nil {
			fmt.Fprintf(stderr, "termlint: %v\n", err)
			status = 2
			continue
		}
		findings := terminology.Lint(text)
		if len(findings) > 0 && status == 0 {
			status = 1
		}
		pos := newPositioner(text)
		for _, f := range findings {
			line, col := pos.at(f.Start)
			fmt.Fprintf(out, "%s%d:%d\t%s\t%s\n", prefix, line, col, oneLine(f.Found), f.Preferred)
		}
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(stderr, "termlint: writing output: %v\n", err)
		return 2
	}
	return status
}

// readInput reads a named file, or stdin for "-", refusing more than max bytes.
func readInput(name string, stdin io.Reader, max int64) (string, error) {
	var r io.Reader = stdin
	display := "standard input"
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r, display = f, name
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", display, err)
	}
	if int64(len(b)) > max {
		return "", fmt.Errorf("%s is larger than %d bytes (raise -max-bytes)", display, max)
	}
	return string(b), nil
}

// oneLine shows a finding on one output line: runs of white space become one
// space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// positioner turns increasing byte offsets into 1-based line and character
// columns in one pass over the text.
type positioner struct {
	text      string
	off       int // bytes consumed
	line, col int // position of text[off]
}

func newPositioner(text string) *positioner { return &positioner{text: text, line: 1, col: 1} }

// at returns the position of byte offset off; offsets must not decrease.
func (p *positioner) at(off int) (line, col int) {
	for p.off < off {
		r, size := utf8.DecodeRuneInString(p.text[p.off:])
		p.off += size
		if r == '\n' {
			p.line, p.col = p.line+1, 1
		} else {
			p.col++
		}
	}
	return p.line, p.col
}
