package terminology

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// checkFindings holds the invariants of every Lint answer.
func checkFindings(t testing.TB, text string, fs []Finding) {
	t.Helper()
	prev := 0
	for _, f := range fs {
		if f.Start < prev || f.End <= f.Start || f.End > len(text) {
			t.Fatalf("finding %+v out of order or range (previous end %d, len %d)", f, prev, len(text))
		}
		if text[f.Start:f.End] != f.Found {
			t.Fatalf("Found %q is not text[%d:%d] = %q", f.Found, f.Start, f.End, text[f.Start:f.End])
		}
		if !utf8.ValidString(f.Found) && utf8.ValidString(text) {
			t.Fatalf("Found %q splits a rune", f.Found)
		}
		if f.Preferred == "" || f.Reason == "" {
			t.Fatalf("finding without preferred wording or reason: %+v", f)
		}
		if _, err := Lookup(f.Code); err != nil {
			t.Fatalf("finding code: %v", err)
		}
		prev = f.End
	}
}

type found struct{ text, code string }

func lintFound(t *testing.T, text string) []found {
	t.Helper()
	fs := Lint(text)
	checkFindings(t, text, fs)
	var out []found
	for _, f := range fs {
		out = append(out, found{f.Found, f.Code})
	}
	return out
}

func equalFound(a, b []found) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A realistic platform policy: deprecated wording is reported, legal
// quotations and acceptable or statutory phrases are not.
const policy = `Child Safety Policy

We have zero tolerance for child sexual abuse material (CSAM). Content that is
"child pornography" as defined in 18 U.S.C. 2256, including apparent child
pornography that we report under 18 U.S.C. 2258A, is removed and reported to
NCMEC. Earlier versions of this policy said child porn or kiddie porn; we no
longer use those words. Accounts of paedophiles and child sex tourists are
terminated, and we never describe a victim as a child prostitute.

Sextortion, including financial sextortion, is handled by the safety team.
Within the meaning of the Optional Protocol on the sale of children, child
prostitution and child pornography, the sale of children is a crime. Webcam
child sex tourism is livestreamed child sexual abuse. A paedophile manual is
illegal in the UK. Run ` + "`cp -r`" + ` to copy the CPU profiles.`

func TestLintPolicy(t *testing.T) {
	got := lintFound(t, policy)
	want := []found{
		{"child porn", "csam"},
		{"kiddie porn", "csam"},
		{"paedophiles", "actor.offender"},
		{"child sex tourists", "travel_tourism"},
		{"child prostitute", "exploitation_in_prostitution"},
		{"Sextortion", "sextortion"},
		{"Webcam\nchild sex tourism", "live_abuse"},
	}
	if !equalFound(got, want) {
		t.Errorf("Lint(policy) =\n%q\nwant\n%q", got, want)
	}
	fs := Lint(policy)
	if fs[0].Preferred != "child sexual abuse material" || !strings.Contains(fs[0].Reason, "consent") {
		t.Errorf("first finding = %+v", fs[0])
	}
	if fs[len(fs)-1].Preferred != "livestreamed child sexual abuse" {
		t.Errorf("webcam finding = %+v", fs[len(fs)-1])
	}
}

// Each deprecated synonym is found on its own, with its code and replacement.
func TestLintEveryDeprecatedSynonym(t *testing.T) {
	for _, term := range Terms() {
		for _, s := range term.Synonyms {
			if s.Kind != SynonymDeprecated {
				continue
			}
			text := "Our notes mention " + s.Text + " twice: " + s.Text + "."
			fs := Lint(text)
			checkFindings(t, text, fs)
			if len(fs) != 2 || fs[0].Found != s.Text || fs[0].Code != term.Code || fs[0].Preferred != term.preferredFor(s) {
				t.Errorf("Lint(%q) = %+v", text, fs)
			}
		}
	}
}

func TestLintCases(t *testing.T) {
	tests := []struct {
		name, text string
		want       []found
	}{
		{"empty", "", nil},
		{"clean", "Child sexual abuse material is reported.", nil},
		{"upper case", "CHILD PORNOGRAPHY", []found{{"CHILD PORNOGRAPHY", "csam"}}},
		{"mixed case", "Child Pornography.", []found{{"Child Pornography", "csam"}}},
		{"abbreviation in capitals", "CP is banned", []found{{"CP", "csam"}}},
		{"abbreviation plural", "CPs are banned", []found{{"CPs", "csam"}}},
		{"abbreviation in other case", "cp and Cp and cP", nil},
		{"inside a longer word", "CPU scp xchild pornography child pornographyx preCP", nil},
		{"letters of other scripts join words", "äCP CPé", nil},
		{"digit joins a word", "CP2 2CP", nil},
		{"possessive", "the paedophile's account", []found{{"paedophile", "actor.offender"}}},
		{"plural", "child prostitutes", []found{{"child prostitutes", "exploitation_in_prostitution"}}},
		{"line break inside a phrase", "child\n   pornography", []found{{"child\n   pornography", "csam"}}},
		{"hyphen inside a phrase", "child-pornography", []found{{"child-pornography", "csam"}}},
		{"hyphenated neighbour", "CP-related", []found{{"CP", "csam"}}},
		{"punctuation around", "(child porn)", []found{{"child porn", "csam"}}},
		{"unicode before", "Überprüfung: child porn", []found{{"child porn", "csam"}}},
		{"quoted", `the term "child pornography" survives in law`, nil},
		{"curly quoted", "the term \u201cchild pornography\u201d survives", nil},
		{"quote closes later in paragraph", `he said "we ban child porn today" then left`, nil},
		{"quote never closed", `he said "we ban child porn`, []found{{"child porn", "csam"}}},
		{"quote closed only in next paragraph", "he said \"we ban child porn\n\nnext\" x", []found{{"child porn", "csam"}}},
		{"after closed quote", `"x" child porn`, []found{{"child porn", "csam"}}},
		{"after as defined in", "material as defined in the Child Pornography Prevention Act", nil},
		{"after within the meaning of", "within the meaning of the law on child pornography", nil},
		{"before as defined in", "child pornography as defined in 18 U.S.C. 2256", nil},
		{"before, with comma", "child pornography, as defined in section 2256", nil},
		{"before within the meaning of", "Child prostitution within the meaning of Art. 2(d)", nil},
		{"introducer in an earlier sentence", "As defined in the Act. Child pornography is banned.", []found{{"Child pornography", "csam"}}},
		{"introducer before a semicolon", "as defined in the Act; child porn is banned", []found{{"child porn", "csam"}}},
		{"U.S.C. does not end the sentence", "as defined in 18 U.S.C. 2256 child pornography", nil},
		{"introducer too far back", "as defined in the Act " + strings.Repeat("and so on ", 25) + "child porn", []found{{"child porn", "csam"}}},
		{"longest match: statutory phrase", "apparent child pornography", nil},
		{"longest match: UK legal phrase", "a paedophile manual", nil},
		{"longest match: alternative", "financial sextortion", nil},
		{"longest match: deprecated wins", "webcam child sex tourism", []found{{"webcam child sex tourism", "live_abuse"}}},
		{"adjacent findings", "child porn child porn", []found{{"child porn", "csam"}, {"child porn", "csam"}}},
		{"phrase at end without boundary", "child porn", []found{{"child porn", "csam"}}},
		{"partial phrase", "child pornograph", nil},
		{"prefix of a longer deprecated phrase", "webcam child", nil},
		{"invalid UTF-8 around", "\xff child porn \xfe", []found{{"child porn", "csam"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lintFound(t, tt.text); !equalFound(got, tt.want) {
				t.Errorf("Lint(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestLintOffsets(t *testing.T) {
	text := "é child porn"
	fs := Lint(text)
	if len(fs) != 1 || fs[0].Start != 3 || fs[0].End != 13 {
		t.Fatalf("Lint(%q) = %+v, want [3,13)", text, fs)
	}
}

// Clean text costs no allocation: the matcher is built once and Lint
// allocates only the findings it returns.
func TestLintAllocs(t *testing.T) {
	clean := strings.Repeat("We remove child sexual abuse material and report it to NCMEC. ", 50)
	Lint(clean) // build the matcher
	if n := testing.AllocsPerRun(20, func() { Lint(clean) }); n != 0 {
		t.Errorf("Lint on clean text allocates %v times, want 0", n)
	}
}

func FuzzLint(f *testing.F) {
	f.Add(policy)
	f.Add(`"child porn as defined in`)
	f.Add("child\u00a0porn \u201cCP\u201d")
	f.Fuzz(func(t *testing.T, text string) {
		fs := Lint(text)
		checkFindings(t, text, fs)
		// Findings are stable under a prefix that ends a sentence and a paragraph.
		shifted := Lint("Intro.\n\n" + text)
		if len(shifted) > len(fs)+1 {
			t.Fatalf("prefix added findings: %d vs %d", len(shifted), len(fs))
		}
	})
}

func FuzzNormalize(f *testing.F) {
	f.Add("Child Pornography")
	f.Add("industry:A1")
	f.Add("ncmec.incident:Child Prostitution")
	f.Add("\"csam\"")
	f.Fuzz(func(t *testing.T, s string) {
		if code, err := Normalize(s); err == nil {
			if _, err := Lookup(code); err != nil {
				t.Fatalf("Normalize(%q) = %q, which Lookup rejects: %v", s, code, err)
			}
		}
		if term, err := Lookup(s); err == nil && term.Code != s {
			t.Fatalf("Lookup(%q) returned %q", s, term.Code)
		}
		if c, err := ParseCategoryKey(s); err == nil && c.Key() != s {
			t.Fatalf("ParseCategoryKey(%q).Key() = %q", s, c.Key())
		}
		if c, err := FindCategory(s); err == nil {
			if got, err := ParseCategory(c.Scheme, c.Wire); err != nil || got != c {
				t.Fatalf("FindCategory(%q) = %v, which does not round-trip", s, c)
			}
		}
		if p, ok := Parent(s); ok && !IsA(s, p) {
			t.Fatalf("Parent(%q) = %q, but IsA is false", s, p)
		}
	})
}
