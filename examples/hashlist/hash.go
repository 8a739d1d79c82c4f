package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"

	"github.com/mnr-sdk/mnr/hashmatch"
	"github.com/mnr-sdk/mnr/hashmatch/pdq"
)

// cmdHash implements "hashlist hash": it prints PATH<TAB>KIND<TAB>HEX<TAB>QUALITY
// for each file and kind, in the order of the arguments (QUALITY only for
// pdq). Files are read concurrently; a file that cannot be read or decoded is
// reported on stderr and the others are still hashed, with exit code 1 at
// the end.
func cmdHash(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("hash", "[-kinds LIST] [-pdq-mode full|cli] FILE...",
		"Hash image files. Prints PATH<TAB>KIND<TAB>HEX<TAB>QUALITY per file and kind\n"+
			"(QUALITY only for pdq; the reference advises discarding pdq hashes below 50).", stderr)
	kindsFlag := fs.String("kinds", "pdq,md5,sha256", "comma-separated kinds: pdq,phash,dhash,ahash,md5,sha1,sha256")
	modeFlag := fs.String("pdq-mode", "full", "full: the reference library at full resolution (python-threatexchange, HMA);\n"+
		"cli: the reference pdq-photo-hasher's 512x512 pre-resize (faster on large photos)")
	orient := fs.Bool("orient", false, "turn images upright by their EXIF orientation first (changes hashes; the reference tools do not)")
	jobs := fs.Int("j", runtime.GOMAXPROCS(0), "files hashed concurrently")
	maxBytes := fs.Int64("max-bytes", hashmatch.DefaultMaxUploadBytes, "refuse files larger than this")
	maxPixels := fs.Int64("max-pixels", hashmatch.DefaultMaxPixels, "refuse images with more pixels than this")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	kinds, err := parseKinds(*kindsFlag)
	if err == nil && len(kinds) == 0 {
		err = fmt.Errorf("no kinds given")
	}
	if err != nil {
		fmt.Fprintf(stderr, "hashlist hash: -kinds: %v\n", err)
		return exitUsage
	}
	mode, err := pdq.ParseMode(*modeFlag)
	if err != nil {
		fmt.Fprintf(stderr, "hashlist hash: -pdq-mode: %v\n", err)
		return exitUsage
	}
	files := fs.Args()
	if len(files) == 0 {
		fs.Usage()
		return exitUsage
	}
	h := hashmatch.NewHasher(&hashmatch.HasherOptions{
		Kinds:            kinds,
		PDQMode:          mode,
		ApplyOrientation: *orient,
		MaxBytes:         *maxBytes,
		MaxPixels:        *maxPixels,
	})

	type outcome struct {
		res  *hashmatch.Result
		err  error
		done chan struct{}
	}
	results := make([]outcome, len(files))
	for i := range results {
		results[i].done = make(chan struct{})
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(*jobs, len(files))) {
		wg.Go(func() {
			for i := range next {
				results[i].res, results[i].err = hashFile(ctx, h, files[i])
				close(results[i].done)
			}
		})
	}
	go func() {
		defer close(next)
		for i := range files {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()

	w := bufio.NewWriter(stdout)
	code := exitOK
	interrupted := func() int {
		w.Flush()
		wg.Wait()
		fmt.Fprintf(stderr, "hashlist hash: interrupted: %v\n", ctx.Err())
		return exitFailed
	}
	for i, path := range files {
		if ctx.Err() != nil {
			return interrupted()
		}
		select {
		case <-results[i].done:
		case <-ctx.Done():
			return interrupted()
		}
		o := results[i]
		if o.err != nil {
			w.Flush() // keep stdout and stderr in order on a terminal
			fmt.Fprintf(stderr, "hashlist hash: %s: %v\n", path, o.err)
			code = exitFailed
			continue
		}
		for _, hv := range o.res.Hashes {
			q := ""
			if hv.Kind() == hashmatch.KindPDQ {
				q = strconv.Itoa(o.res.PDQQuality)
			}
			fmt.Fprintf(w, "%s\t%v\t%s\t%s\n", path, hv.Kind(), hv.Hex(), q)
		}
	}
	wg.Wait()
	if err := w.Flush(); err != nil {
		fmt.Fprintf(stderr, "hashlist hash: writing output: %v\n", err)
		return exitFailed
	}
	return code
}

// hashFile hashes one file.
func hashFile(ctx context.Context, h *hashmatch.Hasher, path string) (*hashmatch.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("is a directory")
	}
	return h.Hash(ctx, f)
}
