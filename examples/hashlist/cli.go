package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mnr-sdk/mnr/hashmatch"
)

// maxKeyFileBytes bounds key files read by the CLI.
const maxKeyFileBytes = 1 << 20

// newFlags returns a flag set that reports to stderr with a usage line.
func newFlags(name, usageLine, about string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("hashlist "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: hashlist %s %s\n\n%s\n\nflags:\n", name, usageLine, about)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; it returns an exit code and false when the
// command must stop (help requested: 0; bad flags: 2).
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	return 0, true
}

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// kindFlag parses one kind name (empty: unset).
type kindFlag struct{ k hashmatch.Kind }

func (f *kindFlag) String() string {
	if f.k == 0 {
		return ""
	}
	return f.k.String()
}

func (f *kindFlag) Set(s string) error {
	k, err := hashmatch.ParseKind(s)
	if err != nil {
		return err
	}
	f.k = k
	return nil
}

// parseKinds parses a comma-separated list of kind names.
func parseKinds(s string) ([]hashmatch.Kind, error) {
	var ks []hashmatch.Kind
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		k, err := hashmatch.ParseKind(p)
		if err != nil {
			return nil, err
		}
		ks = append(ks, k)
	}
	return ks, nil
}

// thresholdFlag parses "pdq=24,phash=8" (repeatable).
type thresholdFlag map[hashmatch.Kind]int

func (f thresholdFlag) String() string {
	var parts []string
	for k, t := range f {
		parts = append(parts, fmt.Sprintf("%v=%d", k, t))
	}
	return strings.Join(parts, ",")
}

func (f thresholdFlag) Set(s string) error {
	for _, p := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			return fmt.Errorf("want KIND=N, got %q", p)
		}
		k, err := hashmatch.ParseKind(name)
		if err != nil {
			return err
		}
		t, err := strconv.Atoi(val)
		if err != nil || t < 0 || t > hashmatch.MaxThreshold(k) {
			return fmt.Errorf("%v threshold must be 0..%d", k, hashmatch.MaxThreshold(k))
		}
		f[k] = t
	}
	return nil
}

// readFileMax reads a whole file of at most max bytes.
func readFileMax(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, max)
	}
	return b, nil
}

// loadPublicKeys reads public key files.
func loadPublicKeys(paths []string) ([]ed25519.PublicKey, error) {
	var keys []ed25519.PublicKey
	for _, p := range paths {
		b, err := readFileMax(p, maxKeyFileBytes)
		if err != nil {
			return nil, err
		}
		ks, err := hashmatch.ParsePublicKeys(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		keys = append(keys, ks...)
	}
	return keys, nil
}

// loadPrivateKey reads a private key file.
func loadPrivateKey(path string) (ed25519.PrivateKey, error) {
	b, err := readFileMax(path, maxKeyFileBytes)
	if err != nil {
		return nil, err
	}
	k, err := hashmatch.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// loadList reads one list file and reports it on stderr (counts only).
func loadList(ctx context.Context, path string, opts hashmatch.ReadOptions, stderr io.Writer, verbose bool) (*hashmatch.List, error) {
	start := time.Now()
	l, err := hashmatch.ReadListFile(ctx, path, &opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	st := l.LoadStats()
	if verbose || time.Since(start) > 2*time.Second || st.Skipped > 0 {
		fmt.Fprintf(stderr, "hashlist: read %s (%v): %d entries, %d skipped, %d duplicates merged, %.1fs\n",
			path, l.Format(), l.Len(), st.Skipped, st.Duplicates, time.Since(start).Seconds())
	}
	for _, p := range st.Problems {
		fmt.Fprintf(stderr, "hashlist: %s: skipped: %v\n", path, p)
	}
	return l, nil
}

// progress prints a line to stderr at most every interval.
type progress struct {
	w        io.Writer
	interval time.Duration
	last     time.Time
}

func (p *progress) report(format string, a ...any) {
	if time.Since(p.last) < p.interval {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "hashlist: "+format+"\n", a...)
}

// imageMagic recognises the image formats hashmatch decodes.
var imageMagic = [][]byte{
	{0xff, 0xd8, 0xff},    // JPEG
	[]byte("\x89PNG\r\n"), // PNG
	[]byte("GIF87a"),      // GIF
	[]byte("GIF89a"),      // GIF
	[]byte("BM"),          // BMP
	[]byte("II*\x00"),     // TIFF, little-endian
	[]byte("MM\x00*"),     // TIFF, big-endian
	[]byte("RIFF"),        // WebP (RIFF....WEBP)
}

// isImage reports whether the file starts like an image.
func isImage(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, 12)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	for _, m := range imageMagic {
		if bytes.HasPrefix(head, m) {
			if string(m) == "RIFF" {
				return len(head) >= 12 && string(head[8:12]) == "WEBP", nil
			}
			return true, nil
		}
	}
	return false, nil
}
