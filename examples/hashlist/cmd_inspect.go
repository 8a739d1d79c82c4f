package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mnr-sdk/mnr/hashmatch"
)

func cmdInspect(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("inspect", "[flags] LIST...", "Prints each list's metadata and counts: entries per kind, entries per category, lines\n"+
		"skipped. It never prints hash values unless -hashes is given.", stderr)
	var keyFiles listFlag
	fs.Var(&keyFiles, "keys", "public key file: require a valid signature (repeatable)")
	var kind kindFlag
	fs.Var(&kind, "kind", "kind of hex hashes in plain lists")
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	hashes := fs.Bool("hashes", false, "also print every entry: KIND<TAB>HEX<TAB>ID<TAB>CODES (sensitive)")
	lenient := fs.Bool("lenient", false, "skip bad lines instead of failing")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	opts := hashmatch.ReadOptions{Kind: kind.k, Lenient: *lenient}
	if len(keyFiles) > 0 {
		keys, err := loadPublicKeys(keyFiles)
		if err != nil {
			fmt.Fprintf(stderr, "hashlist inspect: %v\n", err)
			return exitUsage
		}
		opts.TrustedKeys = keys
	}
	code := exitOK
	for _, path := range fs.Args() {
		l, err := loadList(ctx, path, opts, stderr, false)
		if err != nil {
			fmt.Fprintf(stderr, "hashlist inspect: %v\n", err)
			code = exitFailed
			continue
		}
		st := hashmatch.Inspect(l)
		if *asJSON {
			printJSONStats(stdout, path, st)
		} else {
			printStats(stdout, path, st)
		}
		if *hashes {
			for e := range l.All() {
				fmt.Fprintf(stdout, "%v\t%s\t%s\t%s\n", e.Hash.Kind(), e.Hash.Hex(), e.ID, strings.Join(e.Codes, ","))
			}
		}
	}
	return code
}

func printStats(w io.Writer, path string, st hashmatch.ListStats) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "file\t%s\n", path)
	fmt.Fprintf(tw, "list\t%s\n", st.Name)
	if st.Source != "" {
		fmt.Fprintf(tw, "source\t%s\n", st.Source)
	}
	if st.Version != "" {
		fmt.Fprintf(tw, "version\t%s\n", st.Version)
	}
	if !st.Created.IsZero() {
		fmt.Fprintf(tw, "created\t%s\n", st.Created.Format(time.RFC3339))
	}
	fmt.Fprintf(tw, "format\t%v\n", st.Format)
	if st.Signer != "" {
		fmt.Fprintf(tw, "signature\tverified, key ID %s\n", st.Signer)
	} else {
		fmt.Fprintf(tw, "signature\tnot verified\n")
	}
	fmt.Fprintf(tw, "entries\t%d\n", st.Entries)
	for _, k := range st.Kinds {
		extra := ""
		if k.Threshold >= 0 {
			extra = fmt.Sprintf(", threshold %d", k.Threshold)
		}
		ids := "numeric IDs"
		if !k.NumericIDs {
			ids = "text IDs"
		}
		fmt.Fprintf(tw, "kind %v\t%d entries, %s%s\n", k.Kind, k.Entries, ids, extra)
	}
	for _, c := range st.Categories {
		fmt.Fprintf(tw, "category %s\t%d entries\n", c.Code, c.Entries)
	}
	if st.Uncategorised > 0 {
		fmt.Fprintf(tw, "uncategorised\t%d entries\n", st.Uncategorised)
	}
	if st.Load.Lines > 0 {
		fmt.Fprintf(tw, "lines read\t%d\n", st.Load.Lines)
	}
	if st.Load.Skipped > 0 {
		fmt.Fprintf(tw, "lines skipped\t%d\n", st.Load.Skipped)
	}
	if st.Load.Duplicates > 0 {
		fmt.Fprintf(tw, "duplicates merged\t%d\n", st.Load.Duplicates)
	}
	if st.Load.LowQuality > 0 {
		fmt.Fprintf(tw, "low quality dropped\t%d\n", st.Load.LowQuality)
	}
	fmt.Fprintf(tw, "memory\t%d bytes\n", st.Bytes)
	tw.Flush()
	fmt.Fprintln(w)
}

type jsonKind struct {
	Kind       string `json:"kind"`
	Entries    int    `json:"entries"`
	Threshold  *int   `json:"threshold,omitempty"`
	NumericIDs bool   `json:"numeric_ids"`
}

type jsonCategory struct {
	Code    string `json:"code"`
	Entries int    `json:"entries"`
}

type jsonStats struct {
	File          string         `json:"file"`
	Name          string         `json:"name"`
	Source        string         `json:"source,omitempty"`
	Version       string         `json:"version,omitempty"`
	Created       *time.Time     `json:"created,omitempty"`
	Format        string         `json:"format"`
	Signer        string         `json:"signer,omitempty"`
	Entries       int            `json:"entries"`
	Kinds         []jsonKind     `json:"kinds"`
	Categories    []jsonCategory `json:"categories"`
	Uncategorised int            `json:"uncategorised"`
	Lines         int            `json:"lines,omitempty"`
	Skipped       int            `json:"skipped"`
	Duplicates    int            `json:"duplicates"`
	LowQuality    int            `json:"low_quality"`
	Problems      []string       `json:"problems,omitempty"`
	Bytes         int64          `json:"bytes"`
}

func printJSONStats(w io.Writer, path string, st hashmatch.ListStats) {
	js := jsonStats{File: path, Name: st.Name, Source: st.Source, Version: st.Version, Format: st.Format.String(),
		Signer: st.Signer, Entries: st.Entries, Uncategorised: st.Uncategorised, Lines: st.Load.Lines,
		Skipped: st.Load.Skipped, Duplicates: st.Load.Duplicates, LowQuality: st.Load.LowQuality, Bytes: st.Bytes,
		Kinds: []jsonKind{}, Categories: []jsonCategory{}}
	if !st.Created.IsZero() {
		js.Created = &st.Created
	}
	for _, k := range st.Kinds {
		jk := jsonKind{Kind: k.Kind.String(), Entries: k.Entries, NumericIDs: k.NumericIDs}
		if k.Threshold >= 0 {
			t := k.Threshold
			jk.Threshold = &t
		}
		js.Kinds = append(js.Kinds, jk)
	}
	for _, c := range st.Categories {
		js.Categories = append(js.Categories, jsonCategory{c.Code, c.Entries})
	}
	for _, p := range st.Load.Problems {
		js.Problems = append(js.Problems, p.Error())
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(js)
}
