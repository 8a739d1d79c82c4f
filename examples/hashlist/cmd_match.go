package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mnr-sdk/mnr/hashmatch"
)

// maxQueryLine bounds a line of hex queries on stdin.
const maxQueryLine = 4096

func cmdMatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("match", "-list LIST [-list LIST...] [flags] [FILE...]",
		"Matches image files, or with -hashes hex hashes read one per line from stdin (\"HEX\" or\n"+
			"\"KIND:HEX\"), against the lists, and prints one line per match:\n"+
			"QUERY<TAB>LIST<TAB>ENTRY<TAB>KIND<TAB>DISTANCE<TAB>CODES\n"+
			"QUERY is the file path or the query hex; ENTRY the entry ID (for plain lists, the line number);\n"+
			"CODES the entry's categories, comma-separated. Exit status: 0 no match, 1 match found,\n"+
			"2 usage or list error, 3 no match but some query input failed.", stderr)
	var lists, keyFiles listFlag
	fs.Var(&lists, "list", "list file: plain, CSV, TSV or mnr, optionally zstd-compressed (repeatable, required)")
	fs.Var(&keyFiles, "keys", "public key file: require every list to be signed by one of its keys (repeatable)")
	var kind kindFlag
	fs.Var(&kind, "kind", "kind of hex queries and of plain lists (needed for 16 and 64 hex digits: a 64-digit hash is PDQ or SHA-256)")
	hexMode := fs.Bool("hashes", false, "read hex hashes from stdin instead of image files")
	dihedral := fs.Bool("dihedral", false, "also match the 8 rotations and flips of each image (PDQ)")
	thresholds := thresholdFlag{}
	fs.Var(thresholds, "threshold", "match thresholds, e.g. pdq=31,phash=10 (lists' own thresholds win)")
	verbose := fs.Bool("v", false, "report each list loaded on stderr")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if len(lists) == 0 || (*hexMode && fs.NArg() > 0) || (!*hexMode && fs.NArg() == 0) {
		fmt.Fprintln(stderr, "hashlist match: need -list and either FILE arguments or -hashes")
		fs.Usage()
		return exitUsage
	}
	readOpts := hashmatch.ReadOptions{Kind: kind.k}
	mopts := &hashmatch.MatcherOptions{Thresholds: thresholds}
	if len(keyFiles) > 0 {
		keys, err := loadPublicKeys(keyFiles)
		if err != nil {
			fmt.Fprintf(stderr, "hashlist match: %v\n", err)
			return exitUsage
		}
		readOpts.TrustedKeys = keys
		mopts.TrustedKeys = keys
	}
	var loaded []*hashmatch.List
	kindSet := map[hashmatch.Kind]bool{}
	for _, p := range lists {
		l, err := loadList(ctx, p, readOpts, stderr, *verbose)
		if err != nil {
			fmt.Fprintf(stderr, "hashlist match: %v\n", err)
			return exitUsage
		}
		for _, k := range l.Kinds() {
			kindSet[k] = true
		}
		loaded = append(loaded, l)
	}
	m := hashmatch.NewMatcher(mopts)
	if err := m.Replace(loaded...); err != nil {
		fmt.Fprintf(stderr, "hashlist match: %v\n", err)
		return exitUsage
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	matched, failed := false, false
	emit := func(query string, ms []hashmatch.Match) {
		for _, mt := range ms {
			matched = true
			fmt.Fprintf(out, "%s\t%s\t%s\t%v\t%d\t%s\n", query, mt.List, mt.Entry, mt.Kind, mt.Distance, strings.Join(mt.Codes, ","))
		}
	}
	if *hexMode {
		failed = matchHexLines(ctx, m, kind.k, stdin, stderr, emit)
	} else {
		var kinds []hashmatch.Kind
		for _, k := range hashmatch.Kinds() {
			if kindSet[k] {
				kinds = append(kinds, k)
			}
		}
		h := newImageHasher(kinds, *dihedral && kindSet[hashmatch.KindPDQ])
		for _, path := range fs.Args() {
			if ctx.Err() != nil {
				fmt.Fprintf(stderr, "hashlist match: %v\n", ctx.Err())
				return exitUsage
			}
			q, err := h.hashFile(ctx, path)
			if err != nil {
				fmt.Fprintf(stderr, "hashlist match: %s: %v\n", path, err)
				failed = true
				continue
			}
			r, err := m.Match(q)
			if err != nil {
				fmt.Fprintf(stderr, "hashlist match: %s: %v\n", path, err)
				failed = true
				continue
			}
			if r.LowQuality {
				fmt.Fprintf(stderr, "hashlist match: %s: PDQ quality %d is low; PDQ matches are unreliable\n", path, q.PDQQuality)
			}
			if r.Truncated {
				fmt.Fprintf(stderr, "hashlist match: %s: more than %d matches, closest shown\n", path, len(r.Matches))
			}
			emit(path, r.Matches)
		}
	}
	switch {
	case matched:
		return exitFailed
	case failed:
		return exitInputError
	}
	return exitOK
}

// matchHexLines matches the hex hashes of r; it reports whether a line
// failed.
func matchHexLines(ctx context.Context, m *hashmatch.Matcher, kind hashmatch.Kind, r io.Reader, stderr io.Writer, emit func(string, []hashmatch.Match)) bool {
	br := bufio.NewReaderSize(r, maxQueryLine+2)
	failed := false
	for line := 1; ; line++ {
		if line%4096 == 0 && ctx.Err() != nil {
			fmt.Fprintf(stderr, "hashlist match: %v\n", ctx.Err())
			return true
		}
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			fmt.Fprintf(stderr, "hashlist match: stdin line %d: longer than %d bytes\n", line, maxQueryLine)
			failed = true
			if err != nil {
				break
			}
			continue
		}
		if len(b) == 0 && err != nil {
			if err != io.EOF {
				fmt.Fprintf(stderr, "hashlist match: stdin: %v\n", err)
				failed = true
			}
			break
		}
		t := string(bytes.TrimSpace(b))
		if t != "" && t[0] != '#' {
			if h, hx, perr := parseQuery(t, kind); perr != nil {
				fmt.Fprintf(stderr, "hashlist match: stdin line %d: %v\n", line, perr)
				failed = true
			} else if ms, merr := m.MatchHashes(h); merr != nil {
				fmt.Fprintf(stderr, "hashlist match: stdin line %d: %v\n", line, merr)
				failed = true
			} else {
				emit(hx, ms)
			}
		}
		if err != nil {
			break
		}
	}
	return failed
}

// parseQuery parses "HEX" or "KIND:HEX"; without a kind, MD5 and SHA-1 are
// recognised by length.
func parseQuery(s string, kind hashmatch.Kind) (hashmatch.Hash, string, error) {
	if name, hx, ok := strings.Cut(s, ":"); ok {
		k, err := hashmatch.ParseKind(name)
		if err != nil {
			return hashmatch.Hash{}, "", fmt.Errorf("%w: unrecognised kind prefix", hashmatch.ErrUnknownKind)
		}
		kind, s = k, hx
	}
	if kind == 0 {
		switch len(s) {
		case 32:
			kind = hashmatch.KindMD5
		case 40:
			kind = hashmatch.KindSHA1
		default:
			return hashmatch.Hash{}, "", fmt.Errorf("%d hex digits could be several kinds: use -kind or KIND:HEX", len(s))
		}
	}
	h, err := hashmatch.ParseHash(kind, s)
	return h, s, err
}
