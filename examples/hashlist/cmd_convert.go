package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mnr-sdk/mnr/hashmatch"
)

func cmdConvert(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("convert", "-to FORMAT [flags] IN OUT",
		"Converts a hash list between the plain, csv, tsv and mnr formats (IN may be zstd-compressed).\n"+
			"OUT \"-\" writes a text format to stdout. The plain format keeps hashes only (\"KIND:HEX\"\n"+
			"lines), not IDs or categories. With -key an mnr output is signed (OUT.sig).", stderr)
	from := fs.String("from", "auto", "input format: auto, plain, csv, tsv or mnr")
	to := fs.String("to", "", "output format: plain, csv, tsv or mnr (required)")
	var kind kindFlag
	fs.Var(&kind, "kind", "kind of hex hashes in a plain input list")
	name := fs.String("name", "", "list name for text inputs (default: IN's file name)")
	source := fs.String("source", "", "list source for text inputs")
	version := fs.String("version", "", "list version for text inputs")
	keyFile := fs.String("key", "", "private key file to sign an mnr output with")
	var keyFiles listFlag
	fs.Var(&keyFiles, "keys", "public key file: require IN to be signed by one of its keys (repeatable)")
	lenient := fs.Bool("lenient", false, "skip bad lines of IN instead of failing")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *to == "" || fs.NArg() != 2 {
		fs.Usage()
		return exitUsage
	}
	inFmt, err := hashmatch.ParseFormat(*from)
	if err != nil {
		fmt.Fprintf(stderr, "hashlist convert: -from: %v\n", err)
		return exitUsage
	}
	outFmt, err := hashmatch.ParseFormat(*to)
	if err != nil || outFmt == hashmatch.FormatAuto {
		fmt.Fprintf(stderr, "hashlist convert: -to must be plain, csv, tsv or mnr\n")
		return exitUsage
	}
	in, out := fs.Arg(0), fs.Arg(1)
	if out == "-" && outFmt == hashmatch.FormatMNR {
		fmt.Fprintf(stderr, "hashlist convert: mnr output needs a file\n")
		return exitUsage
	}
	opts := hashmatch.ReadOptions{Format: inFmt, Kind: kind.k, Lenient: *lenient,
		Info: hashmatch.ListInfo{Name: *name, Source: *source, Version: *version, Created: time.Now().UTC()}}
	if len(keyFiles) > 0 {
		if opts.TrustedKeys, err = loadPublicKeys(keyFiles); err != nil {
			fmt.Fprintf(stderr, "hashlist convert: %v\n", err)
			return exitUsage
		}
	}
	var wopts hashmatch.WriteOptions
	if *keyFile != "" {
		if outFmt != hashmatch.FormatMNR {
			fmt.Fprintf(stderr, "hashlist convert: -key signs mnr output; sign text lists with \"hashlist sign\"\n")
			return exitUsage
		}
		if wopts.SigningKey, err = loadPrivateKey(*keyFile); err != nil {
			fmt.Fprintf(stderr, "hashlist convert: %v\n", err)
			return exitUsage
		}
	}
	l, err := loadList(ctx, in, opts, stderr, true)
	if err != nil {
		fmt.Fprintf(stderr, "hashlist convert: %v\n", err)
		return exitUsage
	}
	start := time.Now()
	switch {
	case outFmt == hashmatch.FormatMNR:
		err = hashmatch.WriteListFile(out, l, &wopts)
	case out == "-":
		err = hashmatch.WriteText(stdout, l, outFmt)
	default:
		err = writeTextFile(out, l, outFmt)
	}
	if err != nil {
		fmt.Fprintf(stderr, "hashlist convert: %v\n", err)
		return exitUsage
	}
	if out != "-" {
		fmt.Fprintf(stderr, "hashlist: wrote %s (%v): %d entries, %.1fs\n", out, outFmt, l.Len(), time.Since(start).Seconds())
	}
	if outFmt == hashmatch.FormatPlain {
		fmt.Fprintf(stderr, "hashlist convert: the plain format keeps hashes only: IDs and categories were not written\n")
	}
	return exitOK
}

func writeTextFile(path string, l *hashmatch.List, f hashmatch.Format) error {
	tmp := path + ".tmp"
	w, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := hashmatch.WriteText(w, l, f); err != nil {
		w.Close()
		os.Remove(tmp)
		return err
	}
	if err := w.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
