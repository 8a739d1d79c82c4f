package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/mnr-sdk/mnr/hashmatch"
)

func cmdBuild(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("build", "-name NAME -out FILE [flags] INPUT...",
		"Builds an mnr list from image files (hashed here) and hash lists (plain, CSV, TSV or mnr,\n"+
			"optionally zstd-compressed). Entries with the same hash are merged. With -key the list is\n"+
			"signed (FILE.sig). An image's entry ID is its file name.", stderr)
	name := fs.String("name", "", "list name (required)")
	source := fs.String("source", "", "who publishes the list")
	version := fs.String("version", "", "list version")
	out := fs.String("out", "", "output file (required)")
	cats := fs.String("categories", "", "categories added to every entry (images and input lists), separated by ';' (e.g. \"csam;A1\")")
	kindsFlag := fs.String("kinds", "pdq,md5,sha256", "kinds to compute for images")
	var kind kindFlag
	fs.Var(&kind, "kind", "kind of hex hashes in plain input lists (needed for 16 and 64 digits)")
	keyFile := fs.String("key", "", "private key file to sign the list with")
	thresholds := thresholdFlag{}
	fs.Var(thresholds, "threshold", "the list's own thresholds, e.g. pdq=24 (repeatable)")
	lenient := fs.Bool("lenient", false, "skip bad lines of input lists instead of failing")
	minQuality := fs.Int("min-quality", hashmatch.DefaultMinPDQQuality, "leave out the PDQ hash of images below this quality (flat images match each other)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *name == "" || *out == "" || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "hashlist build: -name, -out and at least one input are required")
		fs.Usage()
		return exitUsage
	}
	kinds, err := parseKinds(*kindsFlag)
	if err != nil {
		fmt.Fprintf(stderr, "hashlist build: -kinds: %v\n", err)
		return exitUsage
	}
	var codes []string
	for _, c := range strings.Split(*cats, ";") {
		if c = strings.TrimSpace(c); c != "" {
			codes = append(codes, c)
		}
	}
	var opts hashmatch.WriteOptions
	if *keyFile != "" {
		if opts.SigningKey, err = loadPrivateKey(*keyFile); err != nil {
			fmt.Fprintf(stderr, "hashlist build: %v\n", err)
			return exitUsage
		}
	}
	b := hashmatch.NewListBuilder(hashmatch.ListInfo{Name: *name, Source: *source, Version: *version, Created: time.Now().UTC()}, nil)
	for k, t := range thresholds {
		if err := b.SetThreshold(k, t); err != nil {
			fmt.Fprintf(stderr, "hashlist build: %v\n", err)
			return exitUsage
		}
	}
	readOpts := hashmatch.ReadOptions{Kind: kind.k, Lenient: *lenient, Categories: codes}
	hasher := newImageHasher(kinds, false)
	prog := &progress{w: stderr, interval: 2 * time.Second, last: time.Now()}
	failed := 0
	for i, path := range fs.Args() {
		if err := ctx.Err(); err != nil {
			fmt.Fprintf(stderr, "hashlist build: %v\n", err)
			return exitUsage
		}
		prog.report("%d/%d inputs, %d entries", i, fs.NArg(), b.Len())
		img, err := isImage(path)
		if err == nil && img {
			err = addImage(ctx, b, hasher, path, codes, *minQuality, stderr)
		} else if err == nil {
			err = addList(ctx, b, path, readOpts, stderr)
		}
		if err != nil {
			fmt.Fprintf(stderr, "hashlist build: %v\n", err)
			failed++
		}
	}
	l, err := b.Build()
	if err != nil {
		fmt.Fprintf(stderr, "hashlist build: %v\n", err)
		return exitUsage
	}
	if err := hashmatch.WriteListFile(*out, l, &opts); err != nil {
		fmt.Fprintf(stderr, "hashlist build: %v\n", err)
		return exitUsage
	}
	signed := "unsigned"
	if opts.SigningKey != nil {
		signed = "signed by " + hashmatch.KeyID(opts.SigningKey.Public().(ed25519.PublicKey))
	}
	fmt.Fprintf(stdout, "%s\t%d entries\t%s\n", *out, l.Len(), signed)
	if failed > 0 {
		fmt.Fprintf(stderr, "hashlist build: %d of %d inputs failed\n", failed, fs.NArg())
		return exitFailed
	}
	return exitOK
}

func addImage(ctx context.Context, b *hashmatch.ListBuilder, h *imageHasher, path string, codes []string, minQuality int, stderr io.Writer) error {
	q, err := h.hashFile(ctx, path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	id := filepath.Base(path)
	for _, hv := range q.Hashes {
		if hv.Kind() == hashmatch.KindPDQ && q.PDQQuality < minQuality {
			fmt.Fprintf(stderr, "hashlist build: %s: PDQ quality %d below %d, PDQ hash left out\n", path, q.PDQQuality, minQuality)
			continue
		}
		e := hashmatch.Entry{Hash: hv, ID: id, Codes: codes}
		if err := b.Add(e); err != nil {
			// An unprintable file name cannot be an ID: number it instead.
			e.ID = ""
			if err2 := b.Add(e); err2 != nil {
				return fmt.Errorf("%s: %w", path, err2)
			}
		}
	}
	return nil
}

func addList(ctx context.Context, b *hashmatch.ListBuilder, path string, opts hashmatch.ReadOptions, stderr io.Writer) error {
	l, err := loadList(ctx, path, opts, stderr, true)
	if err != nil {
		return err
	}
	for e := range l.All() {
		if err := b.Add(e); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return nil
}
