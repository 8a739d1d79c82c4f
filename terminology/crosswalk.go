package terminology

import (
	"fmt"
	"sync"
)

// Fidelity says how faithfully a mapping carries meaning from its source (a
// category or a term) to its target category. The zero Fidelity is invalid.
type Fidelity int

// Fidelity values, from most to least faithful.
const (
	// FidelityExact: the target means the same as the source.
	FidelityExact Fidelity = iota + 1
	// FidelityBroader: the target covers the source and more; emitting it
	// loses the source's detail but says nothing false.
	FidelityBroader
	// FidelityNarrower: the target covers only part of the source; it applies
	// only when facts the source does not record hold (the Note says which).
	FidelityNarrower
	// FidelityLossy: source and target overlap without either containing the
	// other, or the choice turns on facts the source does not record (age
	// stage against age, legality against severity, jurisdiction).
	FidelityLossy
	// FidelityNone: the target scheme has no category for the source. The
	// Mapping's To then carries only the target Scheme, and Note says why.
	FidelityNone
)

var fidelityNames = [...]string{
	FidelityExact:    "exact",
	FidelityBroader:  "broader",
	FidelityNarrower: "narrower",
	FidelityLossy:    "lossy",
	FidelityNone:     "none",
}

// String returns "exact", "broader", "narrower", "lossy" or "none".
func (f Fidelity) String() string {
	if f < FidelityExact || f > FidelityNone {
		return fmt.Sprintf("Fidelity(%d)", int(f))
	}
	return fidelityNames[f]
}

// MarshalText encodes f as its String form.
func (f Fidelity) MarshalText() ([]byte, error) {
	if f < FidelityExact || f > FidelityNone {
		return nil, fmt.Errorf("terminology: invalid Fidelity %d", int(f))
	}
	return []byte(f.String()), nil
}

// UnmarshalText decodes the String form of a Fidelity.
func (f *Fidelity) UnmarshalText(b []byte) error {
	for i := FidelityExact; i <= FidelityNone; i++ {
		if string(b) == fidelityNames[i] {
			*f = i
			return nil
		}
	}
	return fmt.Errorf("terminology: invalid Fidelity %s", echo(string(b)))
}

// Mapping is one target of a crosswalk or of Map.
type Mapping struct {
	// To is the target category. Never a legacy value. For FidelityNone it
	// carries only the target Scheme (To.Wire is "").
	To Category
	// Fidelity says how faithful the mapping is.
	Fidelity Fidelity
	// Note says why: what is lost, or which fact decides whether the target
	// applies. Never empty.
	Note string
	// Citation names the source of the mapping. Most mappings are mnr's own
	// (ConfidenceProposal); the Note flags those that follow a published
	// correspondence.
	Citation string
}

// OK reports whether the mapping has a target (its fidelity is not none).
func (m Mapping) OK() bool { return m.Fidelity >= FidelityExact && m.Fidelity < FidelityNone }

// xrow is one row of the crosswalk or term-map tables. to is a category key;
// for FidelityNone it is "scheme:" (empty wire).
type xrow struct {
	from, to string
	f        Fidelity
	note     string
	cite     string
}

// mapIndex is the immutable, lazily built index over the crosswalk and
// term-map tables.
type mapIndex struct {
	cross          map[string]map[Scheme][]Mapping // from key -> target scheme -> rows
	terms          map[string]map[Scheme][]Mapping // term code -> target scheme -> rows
	nCross, nTerms int
}

var indexMaps = sync.OnceValue(func() *mapIndex {
	ix := &mapIndex{
		cross: map[string]map[Scheme][]Mapping{},
		terms: map[string]map[Scheme][]Mapping{},
	}
	put := func(m map[string]map[Scheme][]Mapping, rows []xrow) int {
		for _, r := range rows {
			mp := r.mapping()
			if m[r.from] == nil {
				m[r.from] = map[Scheme][]Mapping{}
			}
			m[r.from][mp.To.Scheme] = append(m[r.from][mp.To.Scheme], mp)
		}
		return len(rows)
	}
	ix.nCross = put(ix.cross, crosswalkTable())
	ix.nTerms = put(ix.terms, termMapTable())
	return ix
})

// mapping turns a table row into a Mapping. A target key that does not
// resolve is a bug in the tables, which the package tests catch; here it
// degrades to a none mapping rather than a panic.
func (r xrow) mapping() Mapping {
	m := Mapping{Fidelity: r.f, Note: r.note, Citation: r.cite}
	if m.Citation == "" {
		m.Citation = citeMNRCrosswalk
	}
	if r.f == FidelityNone {
		m.To = Category{Scheme: Scheme(trimColon(r.to))}
		return m
	}
	c, err := ParseCategoryKey(r.to)
	if err != nil || c.Legacy {
		m.To = Category{Scheme: Scheme(schemeOf(r.to))}
		m.Fidelity = FidelityNone
		m.Note = "internal: bad crosswalk target " + r.to
		return m
	}
	m.To = c
	return m
}

func trimColon(s string) string {
	if n := len(s); n > 0 && s[n-1] == ':' {
		return s[:n-1]
	}
	return s
}

func schemeOf(key string) string {
	for i := 0; i < len(key); i++ {
		if key[i] == ':' {
			return key[:i]
		}
	}
	return key
}

// none builds the single FidelityNone answer for target scheme s.
func none(s Scheme, note string) []Mapping {
	return []Mapping{{To: Category{Scheme: s}, Fidelity: FidelityNone, Note: note, Citation: citeMNRCrosswalk}}
}

// weaken returns how a mapping of a broader source (a parent term, a legacy
// value's successor) relates to the narrower source it stands in for.
func weaken(f Fidelity) Fidelity {
	switch f {
	case FidelityExact, FidelityBroader:
		return FidelityBroader
	case FidelityNarrower, FidelityLossy:
		return FidelityLossy
	}
	return f
}

// clone copies a slice of mappings so callers cannot alter the index.
func cloneMappings(ms []Mapping) []Mapping {
	out := make([]Mapping, len(ms))
	copy(out, ms)
	return out
}

// Crosswalk maps category from to the categories of scheme to, each with its
// fidelity and a note on what is lost. It never invents precision the source
// lacks: where the target turns on a fact the source does not record (age
// stage versus age, penetration versus sex act, legality versus severity) the
// fidelity says so.
//
// The result is never empty. When scheme to has no counterpart, it holds one
// mapping with FidelityNone whose Note says why. Mapping a category to its own
// scheme returns it unchanged (FidelityExact); a legacy value maps to its
// successor. A legacy value with no rows of its own takes its successor's rows,
// weakened. Legacy values are never returned as targets.
func Crosswalk(from Category, to Scheme) []Mapping {
	cx := indexCategories()
	row, ok := cx.byKey[from.Key()]
	if !ok {
		return none(to, fmt.Sprintf("%s is not a category of the vocabulary", echo(from.Key())))
	}
	if _, ok := cx.schemeInfo[to]; !ok {
		return none(to, fmt.Sprintf("%s is not a scheme of the vocabulary", echo(string(to))))
	}
	from = row.c
	if from.Scheme == to {
		if !from.Legacy {
			return []Mapping{{To: from, Fidelity: FidelityExact, Note: "same category", Citation: from.Citation}}
		}
		if from.ReplacedBy == "" {
			return none(to, fmt.Sprintf("legacy value %s was removed without a successor", from.Key()))
		}
		succ := cx.byKey[string(to)+":"+from.ReplacedBy]
		return []Mapping{{To: succ.c, Fidelity: row.replaceFidelity,
			Note: fmt.Sprintf("legacy value %s is replaced by %s", from.Key(), succ.c.Key()), Citation: from.Citation}}
	}
	mx := indexMaps()
	if ms := mx.cross[from.Key()][to]; len(ms) > 0 {
		return cloneMappings(ms)
	}
	if from.Legacy && from.ReplacedBy != "" {
		succ := string(from.Scheme) + ":" + from.ReplacedBy
		if ms := mx.cross[succ][to]; len(ms) > 0 {
			out := cloneMappings(ms)
			for i := range out {
				if row.replaceFidelity != FidelityExact {
					out[i].Fidelity = weaken(out[i].Fidelity)
				}
				out[i].Note = fmt.Sprintf("via %s, which replaces legacy %s: %s", succ, from.Key(), out[i].Note)
			}
			return out
		}
	}
	return none(to, fmt.Sprintf("no crosswalk from %s to %s", from.Key(), to))
}

// Map maps a term code to the categories of scheme to: what a report encoder
// emits for the code. Map("grooming", SchemeNCMECIncident) gives
// "Online Enticement of Children for Sexual Acts"; Map("csam.ai_generated",
// SchemeNCMECFileAnnotation) gives "generativeAi"; Map("ctx.infant",
// SchemeNCMECFileAnnotation) gives "infant".
//
// When the code itself has no mapping to the scheme, Map falls back to its
// parent (then the parent's parent), weakens the fidelity (exact becomes
// broader) and says so in the Note. The result is never empty: with no mapping
// at all, or for an unknown code or scheme, it holds one FidelityNone mapping
// whose Note says why (use Lookup for a typed error). Legacy values are never
// returned.
func Map(code string, to Scheme) []Mapping {
	if _, ok := indexTerms().byCode[code]; !ok {
		return none(to, fmt.Sprintf("%s is not a term code", echo(code)))
	}
	if _, ok := indexCategories().schemeInfo[to]; !ok {
		return none(to, fmt.Sprintf("%s is not a scheme of the vocabulary", echo(string(to))))
	}
	mx := indexMaps()
	if ms := mx.terms[code][to]; len(ms) > 0 {
		return cloneMappings(ms)
	}
	for p, ok := Parent(code); ok; p, ok = Parent(p) {
		ms := mx.terms[p][to]
		if len(ms) == 0 {
			continue
		}
		out := cloneMappings(ms)
		for i := range out {
			out[i].Fidelity = weaken(out[i].Fidelity)
			out[i].Note = fmt.Sprintf("no %s mapping for %s; via its parent %s: %s", to, code, p, out[i].Note)
		}
		return out
	}
	return none(to, fmt.Sprintf("%s has no %s category", code, to))
}
