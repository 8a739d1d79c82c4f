package terminology

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Scheme names an external classification scheme. Its string value is the
// prefix of a Category key ("industry" in "industry:A1").
type Scheme string

// The schemes of the vocabulary.
const (
	// SchemeICSE is INTERPOL's ICSE "Baseline": the severity criteria material
	// must meet to join the Baseline hash list (real, prepubescent child;
	// sexual activity or focus on the anal or genital region).
	SchemeICSE Scheme = "icse"
	// SchemeICCAM is the INHOPE/ICCAM legal assessment of an image or video.
	SchemeICCAM Scheme = "iccam"
	// SchemeIndustry is the Tech Coalition Industry Classification System
	// (A1, A2, B1, B2), also NCMEC's industryClassification.
	SchemeIndustry Scheme = "industry"
	// SchemeUK is the Sentencing Council's categories of indecent images of
	// children (A, B, C, in force from 1 April 2014) plus the prohibited images
	// of the Coroners and Justice Act 2009 s.62, which fall outside A/B/C.
	SchemeUK Scheme = "uk"
	// SchemeSAP is the Sentencing Advisory Panel ("Oliver") levels 1-5 used in
	// the UK before 2014. Historical: for reading old records.
	SchemeSAP Scheme = "uk.sap"
	// SchemeCOPINE is the COPINE scale, levels 1-10. Academic and historical.
	SchemeCOPINE Scheme = "copine"
	// SchemeNCMECIncident is the CyberTipline incidentType (one per report).
	SchemeNCMECIncident Scheme = "ncmec.incident"
	// SchemeNCMECFileAnnotation is the CyberTipline fileAnnotations flags.
	SchemeNCMECFileAnnotation Scheme = "ncmec.file"
	// SchemeNCMECReportAnnotation is the CyberTipline reportAnnotations flags.
	SchemeNCMECReportAnnotation Scheme = "ncmec.report"
	// SchemeDSACategory is the DSA Transparency Database statement category
	// (the STATEMENT_CATEGORY_* constants).
	SchemeDSACategory Scheme = "dsa.category"
	// SchemeDSAKeyword is the DSA Transparency Database category
	// specification (the KEYWORD_* constants).
	SchemeDSAKeyword Scheme = "dsa.keyword"
)

// SchemeInfo describes a scheme: who publishes it and which edition of it the
// vocabulary holds.
type SchemeInfo struct {
	Scheme Scheme
	// Name is the scheme's full name.
	Name string
	// Edition is the edition or schema version the tables follow.
	Edition string
	// Citation names the source of the scheme's labels and wire strings.
	Citation string
	// Confidence is how well that source backs the tables.
	Confidence Confidence
	// Note carries caveats about the scheme, if any.
	Note string
}

// Schemes returns a description of every scheme, in a stable order.
func Schemes() []SchemeInfo {
	return slices.Clone(indexCategories().schemes)
}

// Valid reports whether s is one of the vocabulary's schemes.
func (s Scheme) Valid() bool {
	_, ok := indexCategories().schemeInfo[s]
	return ok
}

// Info returns the description of s, or an error wrapping ErrUnknownCategory
// when s is not a scheme of the vocabulary.
func (s Scheme) Info() (SchemeInfo, error) {
	info, ok := indexCategories().schemeInfo[s]
	if !ok {
		return SchemeInfo{}, fmt.Errorf("%w: no scheme %s", ErrUnknownCategory, echo(string(s)))
	}
	return info, nil
}

// Category is one value of a scheme. The zero Category is invalid. Categories
// are comparable, so they can be map keys; compare them with Key for clarity.
type Category struct {
	// Scheme is the scheme the category belongs to.
	Scheme Scheme
	// Wire is the exact string the scheme's wire format carries ("A1",
	// "Child Sex Trafficking", "generativeAi",
	// "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"). It is case-sensitive.
	Wire string
	// Label is the scheme's own human label, verbatim where the scheme
	// publishes one ("Prepubescent Minor, Sex Act", "Category A").
	Label string
	// Legacy marks a retired wire value: ParseCategory accepts it, but
	// Categories, Crosswalk and Map never return it, and encoders must not emit
	// it.
	Legacy bool
	// ReplacedBy is the wire string of the current value that replaces a legacy
	// one, or "" when it was removed without a successor.
	ReplacedBy string
	// ValidFrom and ValidTo bound the period in which the value is valid on
	// the wire, as "YYYY", "YYYY-MM" or "YYYY-MM-DD"; "" means unknown or open.
	// ValidTo is the first day on which the value is no longer valid.
	ValidFrom, ValidTo string
	// Group is the key of the category this one belongs to within a
	// two-level scheme: for a DSA keyword, its STATEMENT_CATEGORY_* (the
	// Transparency Database does not check the pairing, so encoders must).
	// Empty where the source does not give a group.
	Group string
	// Citation names the source of the wire string and label.
	Citation string
	// Confidence is how well that source backs the entry.
	Confidence Confidence
	// Note carries caveats: what the value covers and how not to use it.
	Note string
}

// Key returns the category's scheme-qualified name, "scheme:wire":
// "industry:A1", "uk:A",
// "ncmec.incident:Child Pornography (possession, manufacture, and distribution)".
// ParseCategoryKey is its inverse.
func (c Category) Key() string { return string(c.Scheme) + ":" + c.Wire }

// String returns the key.
func (c Category) String() string { return c.Key() }

// IsZero reports whether c is the zero Category.
func (c Category) IsZero() bool { return c == Category{} }

// Terms returns the codes of the terms the category implies, most specific
// first: industry A1 gives ["csam"], the NCMEC file annotation generativeAi
// gives ["csam.ai_generated"]. A category that implies no particular term (a
// legality assessment such as "nationally illegal", the DSA category
// "Protection of minors") gives nil. The result is a fresh copy.
func (c Category) Terms() []string {
	row, ok := indexCategories().byKey[c.Key()]
	if !ok {
		return nil
	}
	return slices.Clone(row.terms)
}

// catRow is a category with the data that is not part of the Category value.
type catRow struct {
	c     Category
	terms []string // term codes the category implies
	// replaceFidelity is how the successor (c.ReplacedBy) relates to a legacy
	// value; FidelityExact for a plain rename.
	replaceFidelity Fidelity
}

// categoryIndex is the immutable, lazily built index over the scheme tables.
type categoryIndex struct {
	schemes    []SchemeInfo
	schemeInfo map[Scheme]SchemeInfo
	rows       []catRow           // in table order
	byKey      map[string]*catRow // Key() -> row
	current    map[Scheme][]Category
	byFold     map[string][]string // folded wire, label or key -> keys
}

var indexCategories = sync.OnceValue(func() *categoryIndex {
	ix := &categoryIndex{
		schemes:    schemeTable(),
		schemeInfo: map[Scheme]SchemeInfo{},
		rows:       categoryTable(),
		current:    map[Scheme][]Category{},
		byFold:     map[string][]string{},
	}
	for _, s := range ix.schemes {
		ix.schemeInfo[s.Scheme] = s
	}
	ix.byKey = make(map[string]*catRow, len(ix.rows))
	addFold := func(text, key string) {
		f := fold(text)
		if f == "" || slices.Contains(ix.byFold[f], key) {
			return
		}
		ix.byFold[f] = append(ix.byFold[f], key)
	}
	for i := range ix.rows {
		r := &ix.rows[i]
		k := r.c.Key()
		ix.byKey[k] = r
		if !r.c.Legacy {
			ix.current[r.c.Scheme] = append(ix.current[r.c.Scheme], r.c)
		}
		addFold(r.c.Wire, k)
		addFold(r.c.Label, k)
		addFold(k, k)
	}
	return ix
})

// maxWireLen bounds the wire strings and keys the parsers examine; the longest
// in the vocabulary is under 100 bytes.
const maxWireLen = 256

// ParseCategory returns the category of scheme s whose wire string is exactly
// wire (case-sensitive, no trimming). Legacy values are accepted and come back
// with Legacy set and ReplacedBy naming their successor. An unknown scheme or
// wire string gives an error wrapping ErrUnknownCategory.
func ParseCategory(s Scheme, wire string) (Category, error) {
	ix := indexCategories()
	if _, ok := ix.schemeInfo[s]; !ok {
		return Category{}, fmt.Errorf("%w: no scheme %s", ErrUnknownCategory, echo(string(s)))
	}
	if len(wire) <= maxWireLen {
		if r, ok := ix.byKey[string(s)+":"+wire]; ok {
			return r.c, nil
		}
	}
	return Category{}, fmt.Errorf("%w: %s is not a %s wire value", ErrUnknownCategory, echo(wire), s)
}

// ParseCategoryKey parses a key as returned by Category.Key ("uk:A") and
// returns the category, legacy values included. It is exact: no case folding
// and no trimming.
func ParseCategoryKey(key string) (Category, error) {
	scheme, wire, ok := strings.Cut(key, ":")
	if !ok {
		return Category{}, fmt.Errorf("%w: key %s has no scheme prefix", ErrUnknownCategory, echo(key))
	}
	return ParseCategory(Scheme(scheme), wire)
}

// FindCategory resolves a wire string, label or key of any scheme,
// case-insensitively and ignoring surrounding space, to its category: "A1",
// "B2", "Category A", "generativeAi". When several categories carry the text
// ("baseline" is a wire string of both ICSE and ICCAM, "1" a level of both SAP
// and COPINE) the error wraps ErrAmbiguous and lists their keys; use
// ParseCategory with a scheme then. No match wraps ErrUnknownCategory.
func FindCategory(label string) (Category, error) {
	if len(label) > maxWireLen {
		return Category{}, fmt.Errorf("%w: input of %d bytes is longer than any category", ErrUnknownCategory, len(label))
	}
	ix := indexCategories()
	keys := ix.byFold[fold(label)]
	switch len(keys) {
	case 0:
		return Category{}, fmt.Errorf("%w: %s is no wire value, label or key", ErrUnknownCategory, echo(label))
	case 1:
		return ix.byKey[keys[0]].c, nil
	}
	return Category{}, fmt.Errorf("%w: %s names %s", ErrAmbiguous, echo(label), strings.Join(keys, ", "))
}

// Categories returns the current (non-legacy) categories of scheme s, in the
// order the scheme lists them; nil for an unknown scheme. The result is a
// fresh copy.
func Categories(s Scheme) []Category {
	return slices.Clone(indexCategories().current[s])
}

// AllCategories returns every category of scheme s, legacy values included,
// for callers that must recognise what older payloads carry.
func AllCategories(s Scheme) []Category {
	var out []Category
	for _, r := range indexCategories().rows {
		if r.c.Scheme == s {
			out = append(out, r.c)
		}
	}
	return out
}
