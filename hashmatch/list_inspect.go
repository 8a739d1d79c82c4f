package hashmatch

import (
	"slices"
	"time"
)

// ListStats summarises a list: metadata and counts, never hash values.
type ListStats struct {
	Name, Source, Version string
	Created               time.Time
	// Format is the format the list was read from.
	Format Format
	// Signer is the key ID that verified the list ("" if not verified).
	Signer string
	// Entries counts all entries.
	Entries int
	// Kinds has one element per kind held, in Kind order.
	Kinds []KindStats
	// Categories counts entries per category code (term codes and
	// category keys), sorted by code. An entry counts once per code.
	Categories []CategoryCount
	// Uncategorised counts entries without any category.
	Uncategorised int
	// Load tells how the list was read.
	Load LoadStats
	// Bytes is the memory the list holds (indexes excluded).
	Bytes int64
}

// KindStats are the counts of one kind in a list.
type KindStats struct {
	Kind    Kind
	Entries int
	// Threshold is the list's own threshold for the kind, -1 when it sets
	// none.
	Threshold int
	// NumericIDs is true when every entry ID is a 32-bit decimal (stored
	// in 4 bytes).
	NumericIDs bool
}

// CategoryCount is the number of entries carrying a category code.
type CategoryCount struct {
	Code    string
	Entries int
}

// Inspect returns counts about l (for logs, dashboards and the CLI); it
// never includes hash values.
func Inspect(l *List) ListStats {
	s := ListStats{Name: l.name, Source: l.source, Version: l.version, Created: l.created, Format: l.format,
		Signer: l.signer, Entries: l.Len(), Load: l.LoadStats()}
	perSet := make([]int, len(l.sets))
	for _, c := range l.cols {
		ks := KindStats{Kind: c.kind, Entries: c.n, Threshold: -1, NumericIDs: c.ids.end == nil}
		if t, ok := l.thresholds[c.kind]; ok {
			ks.Threshold = t
		}
		s.Kinds = append(s.Kinds, ks)
		s.Bytes += c.bytes()
		switch {
		case c.set16 != nil:
			for _, x := range c.set16 {
				perSet[x]++
			}
		case c.set32 != nil:
			for _, x := range c.set32 {
				perSet[x]++
			}
		default:
			perSet[c.setAll] += c.n
		}
	}
	counts := map[string]int{}
	for i, n := range perSet {
		if len(l.sets[i]) == 0 {
			s.Uncategorised += n
		}
		for _, code := range l.sets[i] {
			counts[code] += n
		}
	}
	for code, n := range counts {
		if n > 0 {
			s.Categories = append(s.Categories, CategoryCount{Code: code, Entries: n})
		}
	}
	slices.SortFunc(s.Categories, func(a, b CategoryCount) int {
		switch {
		case a.Code < b.Code:
			return -1
		case a.Code > b.Code:
			return 1
		}
		return 0
	})
	return s
}
