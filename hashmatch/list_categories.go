package hashmatch

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mnr-sdk/mnr/terminology"
)

// Bounds on category data (documented in doc.go).
const (
	// DefaultMaxCategorySets is the default bound on distinct category
	// combinations in one list.
	DefaultMaxCategorySets = 1 << 16
	// MaxCodesPerEntry bounds the categories of one entry.
	MaxCodesPerEntry = 64
	// MaxCodeLen bounds the length of one category string.
	MaxCodeLen = 256
)

// ErrCategory is wrapped by errors about a category value that is neither a
// terminology code nor a known scheme label. The error also wraps the
// terminology sentinel (terminology.ErrUnknownCategory or
// terminology.ErrAmbiguous).
var ErrCategory = errors.New("hashmatch: bad category")

// ResolveCategory turns one category value of a list into its canonical
// string: a terminology term code ("csam", also from a preferred label or
// synonym such as "CSAM") or a category key ("industry:A1", from a key or a
// scheme label such as "A1"). The error never repeats the value.
func ResolveCategory(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > MaxCodeLen {
		return "", fmt.Errorf("%w: empty or longer than %d bytes", ErrCategory, MaxCodeLen)
	}
	if t, err := terminology.Lookup(s); err == nil {
		return t.Code, nil
	}
	c, ferr := terminology.FindCategory(s)
	if ferr == nil {
		return c.Key(), nil
	}
	if code, err := terminology.Normalize(s); err == nil {
		return code, nil
	}
	if errors.Is(ferr, terminology.ErrAmbiguous) {
		return "", fmt.Errorf("%w: label names categories of several schemes; use a key such as \"industry:A1\" (%w)", ErrCategory, terminology.ErrAmbiguous)
	}
	return "", fmt.Errorf("%w: not a term code, label or category (%w)", ErrCategory, terminology.ErrUnknownCategory)
}

// setTable interns category sets. Set 0 is the empty set.
type setTable struct {
	sets  [][]string
	index map[string]uint32
	field map[string]uint32 // cache: raw category field -> set
	max   int
}

func newSetTable(max int) *setTable {
	if max <= 0 {
		max = DefaultMaxCategorySets
	}
	return &setTable{sets: [][]string{{}}, index: map[string]uint32{"": 0}, field: map[string]uint32{"": 0}, max: max}
}

var errTooManySets = errors.New("hashmatch: too many distinct category combinations")

// intern returns the index of the canonical (sorted, distinct) set codes.
func (t *setTable) intern(codes []string) (uint32, error) {
	key := strings.Join(codes, "\x00")
	if i, ok := t.index[key]; ok {
		return i, nil
	}
	if len(t.sets) >= t.max {
		return 0, fmt.Errorf("%w (limit %d)", errTooManySets, t.max)
	}
	i := uint32(len(t.sets))
	t.sets = append(t.sets, slices.Clone(codes))
	t.index[key] = i
	return i, nil
}

// canonical resolves codes (any accepted spelling) into a sorted set.
func canonicalCodes(codes []string) ([]string, error) {
	if len(codes) > MaxCodesPerEntry {
		return nil, fmt.Errorf("%w: more than %d categories", ErrCategory, MaxCodesPerEntry)
	}
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		r, err := ResolveCategory(c)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// parseField resolves a category field of a CSV/TSV line: values separated
// by ';' or '|'.
func (t *setTable) parseField(field string) (uint32, error) {
	if i, ok := t.field[field]; ok {
		return i, nil
	}
	parts := strings.FieldsFunc(field, func(r rune) bool { return r == ';' || r == '|' })
	var vals []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			vals = append(vals, p)
		}
	}
	codes, err := canonicalCodes(vals)
	if err != nil {
		return 0, err
	}
	i, err := t.intern(codes)
	if err != nil {
		return 0, err
	}
	if len(t.field) < 4*t.max {
		t.field[field] = i
	}
	return i, nil
}

// union returns the set holding the codes of both a and b.
func (t *setTable) union(a, b uint32) (uint32, error) {
	if a == b || b == 0 {
		return a, nil
	}
	if a == 0 {
		return b, nil
	}
	u := append(slices.Clone(t.sets[a]), t.sets[b]...)
	slices.Sort(u)
	u = slices.Compact(u)
	if len(u) > MaxCodesPerEntry {
		return 0, fmt.Errorf("%w: more than %d categories after merging duplicates", ErrCategory, MaxCodesPerEntry)
	}
	return t.intern(u)
}
