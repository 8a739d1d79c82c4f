package terminology

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s\n(review, then run go test -update)", path, i+1, g, w)
			}
		}
	}
}

func fmtMapping(m Mapping) string {
	to := m.To.Key()
	if m.Fidelity == FidelityNone {
		to = string(m.To.Scheme) + ":-"
	}
	return fmt.Sprintf("%s\t%s\t%s", to, m.Fidelity, m.Note)
}

// checkMappings holds the invariants of every Crosswalk and Map answer.
func checkMappings(t *testing.T, what string, to Scheme, ms []Mapping, allowNCII bool) {
	t.Helper()
	if len(ms) == 0 {
		t.Errorf("%s: empty result", what)
		return
	}
	seen := map[string]bool{}
	for _, m := range ms {
		if m.Note == "" || m.Citation == "" {
			t.Errorf("%s: mapping without note or citation: %+v", what, m)
		}
		if m.To.Scheme != to {
			t.Errorf("%s: target scheme %q, want %q", what, m.To.Scheme, to)
		}
		switch {
		case m.Fidelity == FidelityNone:
			if m.To.Wire != "" || m.OK() || len(ms) != 1 {
				t.Errorf("%s: none mapping with a target or beside others: %+v", what, ms)
			}
		case m.OK():
			c, err := ParseCategoryKey(m.To.Key())
			if err != nil || c != m.To || c.Legacy {
				t.Errorf("%s: target %q is not a current category: %v", what, m.To.Key(), err)
			}
		default:
			t.Errorf("%s: invalid fidelity %d", what, m.Fidelity)
		}
		if seen[m.To.Key()] {
			t.Errorf("%s: target %q twice", what, m.To.Key())
		}
		seen[m.To.Key()] = true
		if strings.HasPrefix(m.To.Wire, "KEYWORD_NON_CONSENSUAL") && !allowNCII {
			t.Errorf("%s: maps to %s, which excludes minors", what, m.To.Wire)
		}
	}
}

// Every crosswalk row is returned by Crosswalk, exactly as written; every
// answer keeps the invariants; the whole table is pinned by a golden file.
func TestCrosswalkRows(t *testing.T) {
	rows := crosswalkTable()
	for _, r := range rows {
		from, err := ParseCategoryKey(r.from)
		if err != nil {
			t.Fatalf("row source %q: %v", r.from, err)
		}
		if from.Legacy {
			t.Errorf("row source %q is legacy; map its successor instead", r.from)
		}
		want := r.mapping()
		if strings.HasPrefix(want.Note, "internal:") {
			t.Errorf("row %s -> %s: bad target", r.from, r.to)
			continue
		}
		if want.To.Scheme == from.Scheme {
			t.Errorf("row %s -> %s stays in its scheme", r.from, r.to)
		}
		got := Crosswalk(from, want.To.Scheme)
		if !slices.Contains(got, want) {
			t.Errorf("Crosswalk(%s, %s) = %v, missing row %v", r.from, want.To.Scheme, got, want)
		}
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Crosswalk rows of vocabulary %s: FROM, TO, FIDELITY, NOTE (%d rows)\n", Version, len(rows))
	for _, r := range rows {
		fmt.Fprintf(&buf, "%s\t%s\n", r.from, fmtMapping(r.mapping()))
	}
	golden(t, "crosswalk.golden", buf.Bytes())
}

// Crosswalk answers for every (category, scheme) pair, legacy sources
// included, keep the invariants.
func TestCrosswalkAllPairs(t *testing.T) {
	for _, from := range Schemes() {
		for _, c := range AllCategories(from.Scheme) {
			for _, to := range Schemes() {
				ms := Crosswalk(c, to.Scheme)
				// Only an NCII keyword itself (or its v1 name) may map to an NCII keyword.
				ncii := strings.Contains(c.Wire, "NON_CONSENSUAL")
				checkMappings(t, "Crosswalk("+c.Key()+", "+string(to.Scheme)+")", to.Scheme, ms, ncii)
				if !c.Legacy && to.Scheme == c.Scheme && (len(ms) != 1 || ms[0].To != c || ms[0].Fidelity != FidelityExact) {
					t.Errorf("Crosswalk(%s, own scheme) = %v, want itself", c.Key(), ms)
				}
			}
		}
	}
}

// An exact row holds both ways.
func TestCrosswalkExactIsSymmetric(t *testing.T) {
	for _, r := range crosswalkTable() {
		if r.f != FidelityExact {
			continue
		}
		from, _ := ParseCategoryKey(r.from)
		back := Crosswalk(r.mapping().To, from.Scheme)
		ok := false
		for _, m := range back {
			ok = ok || (m.To == from && m.Fidelity == FidelityExact)
		}
		if !ok {
			t.Errorf("%s -> %s is exact but the way back is %v", r.from, r.to, back)
		}
	}
}

func TestCrosswalkSemantics(t *testing.T) {
	cat := func(key string) Category {
		t.Helper()
		c, err := ParseCategoryKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	type want struct {
		to string
		f  Fidelity
	}
	tests := []struct {
		from string
		to   Scheme
		want []want
		why  string
	}{
		{"icse:baseline", SchemeICCAM, []want{{kICCAMB, FidelityExact}}, "the same criteria"},
		{kICCAMNat, SchemeIndustry, []want{{"industry:-", FidelityNone}}, "legality is not severity"},
		{kICCAMNat, SchemeUK, []want{{"uk:-", FidelityNone}}, "legality is not severity"},
		{kB1, SchemeICSE, []want{{"icse:-", FidelityNone}}, "age stage: pubescent is never Baseline"},
		{kA1, SchemeICSE, []want{{kICSE, FidelityLossy}}, "Baseline also needs a real child"},
		{kUKA, SchemeIndustry, []want{{kA1, FidelityLossy}, {kB1, FidelityLossy}}, "UK carries no age stage"},
		{kUKC, SchemeIndustry, []want{{kA2, FidelityNarrower}, {kB2, FidelityNarrower}}, "C covers more than exhibition"},
		{kA2, SchemeUK, []want{{kUKC, FidelityBroader}}, "exhibition without activity is C"},
		{kA1, SchemeUK, []want{{kUKA, FidelityLossy}, {kUKB, FidelityLossy}}, "penetration is not recorded"},
		{kUKP, SchemeIndustry, []want{{"industry:-", FidelityNone}}, "drawings are outside 2256(8)"},
		{"uk.sap:4", SchemeUK, []want{{kUKA, FidelityBroader}}, "SAP 4 became A"},
		{"copine:2", SchemeUK, []want{{"uk:-", FidelityNone}}, "nudist images are usually legal"},
		{kTraf, SchemeDSACategory, []want{{kViolence, FidelityBroader}, {kPOM, FidelityBroader}}, "Violence plus a minors addition"},
		{"dsa.keyword:KEYWORD_NON_CONSENSUAL_IMAGE_SHARING", SchemeNCMECIncident, []want{{"ncmec.incident:-", FidelityNone}}, "excludes minors"},
		{kKwCSAM, SchemeDSACategory, []want{{kPOM, FidelityBroader}}, "the keyword's group"},
		{kKwOther, SchemeDSACategory, []want{{"dsa.category:-", FidelityNone}}, "OTHER fits every category"},
		{"ncmec.incident:Child Prostitution", SchemeNCMECIncident, []want{{kTraf, FidelityBroader}}, "legacy to successor"},
		{"ncmec.incident:Child Prostitution", SchemeDSAKeyword, []want{{kKwTraf, FidelityBroader}}, "legacy via its successor, weakened"},
		{"ncmec.report:informational", SchemeNCMECReportAnnotation, []want{{"ncmec.report:-", FidelityNone}}, "removed without successor"},
		{"dsa.keyword:KEYWORD_NON_CONSENSUAL_ITEMS_DEEPFAKE", SchemeDSAKeyword, []want{{"dsa.keyword:KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE", FidelityExact}}, "a rename"},
		{kFGenAI, SchemeDSAKeyword, []want{{kKwDeep, FidelityBroader}}, "synthetic CSAM"},
	}
	for _, tt := range tests {
		got := Crosswalk(cat(tt.from), tt.to)
		var have []want
		for _, m := range got {
			k := m.To.Key()
			if m.Fidelity == FidelityNone {
				k = string(m.To.Scheme) + ":-"
			}
			have = append(have, want{k, m.Fidelity})
		}
		if !slices.Equal(have, tt.want) {
			t.Errorf("Crosswalk(%s, %s) = %v, want %v (%s)", tt.from, tt.to, have, tt.want, tt.why)
		}
	}
	// Legacy routes through a successor say so.
	ms := Crosswalk(cat("ncmec.incident:Child Prostitution"), SchemeDSAKeyword)
	if !strings.Contains(ms[0].Note, "replaces legacy") {
		t.Errorf("legacy route note = %q", ms[0].Note)
	}
	// Unknown inputs answer none, with the reason.
	for _, ms := range [][]Mapping{
		Crosswalk(Category{Scheme: SchemeIndustry, Wire: "A9"}, SchemeUK),
		Crosswalk(Category{}, SchemeUK),
		Crosswalk(cat(kA1), Scheme("nope")),
	} {
		if len(ms) != 1 || ms[0].Fidelity != FidelityNone || ms[0].Note == "" {
			t.Errorf("unknown input: %v", ms)
		}
	}
}

// Every term-map row is returned by Map, exactly as written; every (term,
// scheme) answer keeps the invariants; the whole map is pinned by a golden
// file that shows the parent fallbacks too.
func TestMapRows(t *testing.T) {
	rows := termMapTable()
	for _, r := range rows {
		if _, err := Lookup(r.from); err != nil {
			t.Fatalf("row source: %v", err)
		}
		want := r.mapping()
		if strings.HasPrefix(want.Note, "internal:") {
			t.Errorf("row %s -> %s: bad target", r.from, r.to)
			continue
		}
		if got := Map(r.from, want.To.Scheme); !slices.Contains(got, want) {
			t.Errorf("Map(%s, %s) = %v, missing row %v", r.from, want.To.Scheme, got, want)
		}
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Map(code, scheme) for every term and scheme, vocabulary %s (%d table rows)\n", Version, len(rows))
	for _, term := range Terms() {
		for _, s := range Schemes() {
			ms := Map(term.Code, s.Scheme)
			checkMappings(t, "Map("+term.Code+", "+string(s.Scheme)+")", s.Scheme, ms, false)
			for _, m := range ms {
				fmt.Fprintf(&buf, "%s\t%s\n", term.Code, fmtMapping(m))
			}
		}
	}
	golden(t, "map.golden", buf.Bytes())
}

func TestMapExamples(t *testing.T) {
	type want struct {
		wire string
		f    Fidelity
	}
	tests := []struct {
		code string
		to   Scheme
		want []want
	}{
		{"csam.ai_generated", SchemeNCMECFileAnnotation, []want{{"generativeAi", FidelityExact}}},
		{"ctx.infant", SchemeNCMECFileAnnotation, []want{{"infant", FidelityExact}}},
		{"grooming", SchemeNCMECIncident, []want{{ncmecEnticement, FidelityBroader}}},
		{"grooming", SchemeDSAKeyword, []want{{"KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS", FidelityExact}}},
		{"csam", SchemeNCMECIncident, []want{{ncmecCP, FidelityExact}}},
		{"csam", SchemeDSAKeyword, []want{{"KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL", FidelityExact}}},
		{"csam", SchemeIndustry, []want{{"A1", FidelityNarrower}, {"A2", FidelityNarrower}, {"B1", FidelityNarrower}, {"B2", FidelityNarrower}}},
		{"sextortion.financial", SchemeNCMECReportAnnotation, []want{{"sextortion", FidelityBroader}}},
		{"trafficking", SchemeNCMECIncident, []want{{"Child Sex Trafficking", FidelityExact}}},
		{"exploitation_in_prostitution", SchemeNCMECIncident, []want{{"Child Sex Trafficking", FidelityBroader}}},
		{"facilitation.offender_manual", SchemeNCMECIncident, []want{{"", FidelityNone}}},
		{"ctx.minor_to_minor", SchemeNCMECReportAnnotation, []want{{"minorToMinorInteraction", FidelityExact}}},
		{"actor.child", SchemeNCMECIncident, []want{{"", FidelityNone}}},
	}
	for _, tt := range tests {
		var have []want
		for _, m := range Map(tt.code, tt.to) {
			have = append(have, want{m.To.Wire, m.Fidelity})
		}
		if !slices.Equal(have, tt.want) {
			t.Errorf("Map(%s, %s) = %v, want %v", tt.code, tt.to, have, tt.want)
		}
	}
}

func TestMapFallsBackToParent(t *testing.T) {
	// csam.trading has no Industry row of its own: it takes csam's, weakened.
	ms := Map("csam.trading", SchemeIndustry)
	if len(ms) != 4 {
		t.Fatalf("Map(csam.trading, industry) = %v", ms)
	}
	for _, m := range ms {
		if m.Fidelity != FidelityLossy || !strings.Contains(m.Note, "via its parent csam") {
			t.Errorf("fallback mapping %+v", m)
		}
	}
	// An exact parent mapping becomes broader for the child.
	ms = Map("sextortion.sexual", SchemeNCMECIncident)
	if len(ms) != 1 || ms[0].To.Wire != ncmecEnticement || ms[0].Fidelity != FidelityBroader || !strings.Contains(ms[0].Note, "via its parent sextortion") {
		t.Errorf("Map(sextortion.sexual, incident) = %v", ms)
	}
	ms = Map("csam.self_generated", SchemeDSAKeyword)
	if len(ms) != 1 || ms[0].To.Wire != "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL" || ms[0].Fidelity != FidelityBroader {
		t.Errorf("Map(csam.self_generated, keyword) = %v", ms)
	}
	// A code's own none row is not overridden by its parent.
	ms = Map("csam.non_photographic", SchemeIndustry)
	if len(ms) != 1 || ms[0].Fidelity != FidelityNone || strings.Contains(ms[0].Note, "parent") {
		t.Errorf("Map(csam.non_photographic, industry) = %v", ms)
	}
	// Unknown code or scheme: one none mapping that says why.
	for _, ms := range [][]Mapping{Map("nope", SchemeUK), Map("csam", Scheme("nope"))} {
		if len(ms) != 1 || ms[0].Fidelity != FidelityNone || !strings.Contains(ms[0].Note, "nope") {
			t.Errorf("unknown input: %v", ms)
		}
	}
}

// A category's Terms are consistent with Map: for each code a category
// implies, mapping the code to the category's scheme yields the category.
func TestCategoryTermsAgreeWithMap(t *testing.T) {
	for _, info := range Schemes() {
		for _, c := range Categories(info.Scheme) {
			for _, code := range c.Terms() {
				found := false
				for _, m := range Map(code, c.Scheme) {
					found = found || m.To == c
				}
				if !found {
					t.Errorf("%s implies %s, but Map(%s, %s) = %v", c.Key(), code, code, c.Scheme, Map(code, c.Scheme))
				}
			}
		}
	}
}

func TestMappingsAreCopies(t *testing.T) {
	ms := Map("csam", SchemeIndustry)
	ms[0].Note = "changed"
	if Map("csam", SchemeIndustry)[0].Note == "changed" {
		t.Error("Map returned shared data")
	}
	a1, _ := ParseCategory(SchemeIndustry, "A1")
	xs := Crosswalk(a1, SchemeUK)
	xs[0].Fidelity = FidelityExact
	if Crosswalk(a1, SchemeUK)[0].Fidelity == FidelityExact {
		t.Error("Crosswalk returned shared data")
	}
}

func TestFidelityText(t *testing.T) {
	for f := FidelityExact; f <= FidelityNone; f++ {
		b, err := f.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var g Fidelity
		if err := g.UnmarshalText(b); err != nil || g != f || f.String() != string(b) {
			t.Errorf("round trip of %v: %v, %v", f, g, err)
		}
	}
	if _, err := Fidelity(0).MarshalText(); err == nil {
		t.Error("zero Fidelity marshalled")
	}
	var g Fidelity
	if err := g.UnmarshalText([]byte("Exact")); err == nil {
		t.Error("case-folded Fidelity accepted")
	}
	if Fidelity(42).String() != "Fidelity(42)" || (Mapping{}).OK() {
		t.Error("invalid Fidelity")
	}
}
