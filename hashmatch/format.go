package hashmatch

import (
	"fmt"
	"slices"
	"time"
)

// The mnr list format (FormatMNR), version 1.
//
// A file is the 8 magic bytes "\x89MNR\r\n\x1a\n" followed by a zstd stream
// (with content checksums) holding the payload:
//
//	uvarint   length of the header (at most ReadOptions.MaxHeaderBytes)
//	header    JSON: format (1), name, source, version, created (RFC 3339),
//	          count, kinds (kind, count, ids, set_width, set_all),
//	          thresholds (per kind name) and categories (the table of
//	          category sets; set 0 is empty)
//	per kind, in header order:
//	  'H'     count hashes of the kind's size, strictly ascending
//	  'S'     count set indexes of set_width bytes, little-endian
//	          (only when set_width is 2 or 4; with 0 every entry has set_all)
//	  'I'     IDs: "numeric": count uint32 little-endian;
//	          "string": per entry a uvarint length and the bytes
//	'E'       uvarint total count, then "MNR\x00"
//
// Nothing may follow the trailer. A detached signature (see Sign) covers the
// file's exact bytes.

const mnrFormatVersion = 1

var mnrTrailer = []byte("MNR\x00")

type mnrHeader struct {
	Format     int            `json:"format"`
	Name       string         `json:"name"`
	Source     string         `json:"source,omitempty"`
	Version    string         `json:"version,omitempty"`
	Created    string         `json:"created,omitempty"`
	Count      int            `json:"count"`
	Kinds      []mnrKind      `json:"kinds"`
	Thresholds map[string]int `json:"thresholds,omitempty"`
	Categories [][]string     `json:"categories"`
}

type mnrKind struct {
	Kind     string `json:"kind"`
	Count    int    `json:"count"`
	IDs      string `json:"ids"`
	SetWidth int    `json:"set_width"`
	SetAll   uint32 `json:"set_all,omitempty"`
}

const (
	idsNumeric = "numeric"
	idsString  = "string"
)

// header builds the mnr header of l.
func (l *List) header() mnrHeader {
	h := mnrHeader{
		Format: mnrFormatVersion, Name: l.name, Source: l.source, Version: l.version,
		Count: l.Len(), Categories: l.sets,
	}
	if !l.created.IsZero() {
		h.Created = l.created.UTC().Format(time.RFC3339Nano)
	}
	for _, c := range l.cols {
		k := mnrKind{Kind: c.kind.String(), Count: c.n, IDs: idsNumeric, SetAll: c.setAll}
		if c.ids.end != nil {
			k.IDs = idsString
		}
		switch {
		case c.set16 != nil:
			k.SetWidth = 2
		case c.set32 != nil:
			k.SetWidth = 4
		}
		h.Kinds = append(h.Kinds, k)
	}
	for k, t := range l.thresholds {
		if h.Thresholds == nil {
			h.Thresholds = map[string]int{}
		}
		h.Thresholds[k.String()] = t
	}
	return h
}

// check validates a header read from a file and returns the list it
// describes (without entries) and the parsed kinds.
func (h *mnrHeader) check(o *ReadOptions) (*List, []Kind, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: mnr header: %s", ErrCorrupt, fmt.Sprintf(format, a...))
	}
	if h.Format != mnrFormatVersion {
		return nil, nil, bad("unsupported format version %d", h.Format)
	}
	info := ListInfo{Name: h.Name, Source: h.Source, Version: h.Version}
	if h.Created != "" {
		t, err := time.Parse(time.RFC3339Nano, h.Created)
		if err != nil {
			return nil, nil, bad("bad created time")
		}
		info.Created = t
	}
	if err := checkInfo(info); err != nil {
		return nil, nil, fmt.Errorf("%w: mnr header: %w", ErrCorrupt, err)
	}
	if h.Count < 0 || h.Count > o.MaxEntries {
		return nil, nil, fmt.Errorf("%w: mnr list of %d entries (limit %d)", ErrTooLarge, h.Count, o.MaxEntries)
	}
	if len(h.Categories) == 0 || len(h.Categories[0]) != 0 {
		return nil, nil, bad("category set 0 must be the empty set")
	}
	if len(h.Categories) > o.MaxCategorySets {
		return nil, nil, fmt.Errorf("%w: %d category sets (limit %d)", ErrTooLarge, len(h.Categories), o.MaxCategorySets)
	}
	seen := map[string]bool{}
	for _, set := range h.Categories {
		if len(set) > MaxCodesPerEntry {
			return nil, nil, bad("a category set has more than %d codes", MaxCodesPerEntry)
		}
		if !slices.IsSorted(set) || len(slices.Compact(slices.Clone(set))) != len(set) {
			return nil, nil, bad("category set not sorted or has repeats")
		}
		for _, c := range set {
			if seen[c] {
				continue
			}
			r, err := ResolveCategory(c)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: mnr header: %w", ErrCorrupt, err)
			}
			if r != c {
				return nil, nil, bad("category not in canonical form")
			}
			seen[c] = true
		}
	}
	l := &List{name: info.Name, source: info.Source, version: info.Version, created: info.Created, sets: h.Categories, format: FormatMNR}
	var kinds []Kind
	total := 0
	for _, hk := range h.Kinds {
		k, err := ParseKind(hk.Kind)
		if err != nil || (len(kinds) > 0 && k <= kinds[len(kinds)-1]) {
			return nil, nil, bad("kinds unknown, repeated or out of order")
		}
		if hk.Count <= 0 || hk.Count > h.Count {
			return nil, nil, bad("bad count for %v", k)
		}
		total += hk.Count
		if hk.IDs != idsNumeric && hk.IDs != idsString {
			return nil, nil, bad("bad ids encoding for %v", k)
		}
		switch hk.SetWidth {
		case 0:
			if int(hk.SetAll) >= len(h.Categories) {
				return nil, nil, bad("set_all out of range for %v", k)
			}
		case 2, 4:
		default:
			return nil, nil, bad("bad set_width for %v", k)
		}
		kinds = append(kinds, k)
	}
	for name, t := range h.Thresholds {
		k, err := ParseKind(name)
		if err != nil {
			return nil, nil, bad("threshold for an unknown kind")
		}
		if err := checkThreshold(k, t); err != nil {
			return nil, nil, fmt.Errorf("%w: mnr header: %w", ErrCorrupt, err)
		}
		if l.thresholds == nil {
			l.thresholds = map[Kind]int{}
		}
		l.thresholds[k] = t
	}
	if total != h.Count {
		return nil, nil, bad("kind counts do not add up to the list count")
	}
	return l, kinds, nil
}
