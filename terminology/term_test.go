package terminology

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)

// The codes the terminology reference (§5 and the context and actor lists)
// fixes; the vocabulary may add more but must hold every one of these.
var referenceCodes = []string{
	"csam", "csam.ai_generated", "csam.manipulated", "csam.non_photographic", "csam.self_generated",
	"csam.livestream_capture", "csam.trading", "csam.solicitation", "csem", "csem.sexualised_imagery",
	"grooming", "sextortion", "sextortion.sexual", "sextortion.financial", "live_abuse", "trafficking",
	"exploitation_in_prostitution", "travel_tourism", "contact_abuse", "sexual_content_to_child",
	"facilitation.misleading_domain", "facilitation.misleading_content", "facilitation.csam_generator",
	"facilitation.nudify_service", "facilitation.offender_manual", "sadistic_exploitation",
	"ctx.minor_to_minor", "ctx.infant", "ctx.bestiality", "ctx.physical_harm", "ctx.violence_gore",
	"ctx.viral", "ctx.potential_meme", "ctx.livestream",
	"actor.child", "actor.victim_survivor", "actor.offender", "actor.facilitator", "actor.child_hsb",
}

func TestTermsWellFormed(t *testing.T) {
	terms := Terms()
	if len(terms) < len(referenceCodes) {
		t.Fatalf("Terms() has %d entries, want at least %d", len(terms), len(referenceCodes))
	}
	seen := map[string]bool{}
	for _, term := range terms {
		t.Run(term.Code, func(t *testing.T) {
			if !codeRE.MatchString(term.Code) {
				t.Errorf("code %q is not lowercase dot-separated ASCII", term.Code)
			}
			if seen[term.Code] {
				t.Errorf("duplicate code %q", term.Code)
			}
			seen[term.Code] = true
			if term.Label == "" || term.Definition == "" || term.Citation == "" {
				t.Errorf("empty label, definition or citation: %+v", term)
			}
			if strings.ContainsAny(term.Definition, "\n") || !strings.HasSuffix(term.Definition, ".") {
				t.Errorf("definition is not one sentence on one line: %q", term.Definition)
			}
			if term.Usage != UsagePreferred && term.Usage != UsageCare {
				t.Errorf("usage %v", term.Usage)
			}
			if term.Usage == UsageCare && term.Caveat == "" {
				t.Errorf("usage care without a caveat")
			}
			switch term.Confidence {
			case ConfidenceVerified, ConfidencePartial, ConfidenceUnverified, ConfidenceProposal:
			default:
				t.Errorf("confidence %q", term.Confidence)
			}
			if term.Since == "" || term.Since > Version {
				t.Errorf("since %q, vocabulary version %q", term.Since, Version)
			}
			if term.Deprecated {
				if _, err := Lookup(term.ReplacedBy); err != nil {
					t.Errorf("retired code's successor: %v", err)
				}
			}
			// Umbrella terms come before the codes beneath them.
			if p, ok := Parent(term.Code); ok && !seen[p] {
				t.Errorf("parent %q is listed after %q", p, term.Code)
			}
			for _, s := range term.Synonyms {
				if strings.TrimSpace(s.Text) != s.Text || s.Text == "" {
					t.Errorf("synonym %q has surrounding space or is empty", s.Text)
				}
				switch s.Kind {
				case SynonymAlternative:
				case SynonymDeprecated:
					if s.Reason == "" {
						t.Errorf("deprecated synonym %q has no reason", s.Text)
					}
					if term.preferredFor(s) == "" {
						t.Errorf("deprecated synonym %q has no replacement", s.Text)
					}
				case SynonymLegal:
					if s.Source == "" {
						t.Errorf("legal synonym %q has no source", s.Text)
					}
				default:
					t.Errorf("synonym %q has kind %v", s.Text, s.Kind)
				}
			}
		})
	}
	for _, c := range referenceCodes {
		if !seen[c] {
			t.Errorf("reference code %q is missing", c)
		}
	}
}

// Every term round-trips: by code through Lookup, and by code, label and every
// synonym through Normalize, in any case.
func TestTermsRoundTrip(t *testing.T) {
	for _, term := range Terms() {
		got, err := Lookup(term.Code)
		if err != nil {
			t.Fatalf("Lookup(%q): %v", term.Code, err)
		}
		if got.Code != term.Code || got.Label != term.Label || !slices.Equal(got.Synonyms, term.Synonyms) {
			t.Errorf("Lookup(%q) = %+v, want %+v", term.Code, got, term)
		}
		texts := []string{term.Code, term.Label, strings.ToUpper(term.Label), "  " + strings.ToLower(term.Label) + "\n"}
		for _, s := range term.Synonyms {
			texts = append(texts, s.Text, strings.ToUpper(s.Text), `"`+s.Text+`"`)
		}
		for _, text := range texts {
			code, err := Normalize(text)
			if err != nil || code != term.Code {
				t.Errorf("Normalize(%q) = %q, %v; want %q", text, code, err, term.Code)
			}
		}
	}
}

func TestTermsAreCopies(t *testing.T) {
	a, _ := Lookup("csam")
	a.Synonyms[0].Text = "changed"
	a.Label = "changed"
	b, _ := Lookup("csam")
	if b.Synonyms[0].Text == "changed" || b.Label == "changed" {
		t.Fatal("Lookup returned shared data")
	}
	all := Terms()
	all[0].Synonyms = nil
	if len(Terms()[0].Synonyms) == 0 {
		t.Fatal("Terms returned shared data")
	}
}

func TestLookupUnknown(t *testing.T) {
	for _, code := range []string{"", "CSAM", "csam.", "child pornography", "nope", strings.Repeat("x", 10000), "ctx", "actor"} {
		_, err := Lookup(code)
		if !errors.Is(err, ErrUnknownCode) {
			t.Errorf("Lookup(%.20q) error = %v, want ErrUnknownCode", code, err)
		}
		if err != nil && len(err.Error()) > 200 {
			t.Errorf("error message echoes too much input: %d bytes", len(err.Error()))
		}
	}
	// A label or synonym given to Lookup gets a hint at the code.
	_, err := Lookup("child pornography")
	if err == nil || !strings.Contains(err.Error(), `"csam"`) {
		t.Errorf("Lookup(child pornography) = %v, want a hint at csam", err)
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"csam", "csam"},
		{"Child Pornography", "csam"},
		{"CP", "csam"},
		{"  child   sexual abuse material  ", "csam"},
		{"\u201cchild pornography\u201d", "csam"},
		{"Online Enticement of Children for Sexual Acts", "grooming"},
		{"sextortion", "sextortion"},
		{"FMSE", "sextortion.financial"},
		{"generativeAi", "csam.ai_generated"},
		{"liveStreaming", "ctx.livestream"},
		{"minorToMinorInteraction", "ctx.minor_to_minor"},
		{"Child Prostitution", "exploitation_in_prostitution"},
		{"child sex tourist", "travel_tourism"},
		{"paedophile", "actor.offender"},
		{"KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE", "csam.manipulated"},
	}
	for _, tt := range tests {
		got, err := Normalize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "   ", "children", "pornography", "csam csam", strings.Repeat("a", 257)} {
		if _, err := Normalize(in); !errors.Is(err, ErrUnknownCode) {
			t.Errorf("Normalize(%.20q) error = %v, want ErrUnknownCode", in, err)
		}
	}
}

// No wording names two terms: Normalize never answers ErrAmbiguous for the
// vocabulary's own texts, and the index holds no ambiguous entry.
func TestNoAmbiguousWording(t *testing.T) {
	for text, code := range indexTerms().byText {
		if code == "" {
			t.Errorf("%q names several terms", text)
		}
	}
}

func TestParentAndIsA(t *testing.T) {
	parents := []struct {
		code, parent string
		ok           bool
	}{
		{"csam.ai_generated", "csam", true},
		{"csam", "", false},
		{"sextortion.financial", "sextortion", true},
		{"csem.sexualised_imagery", "csem", true},
		{"facilitation.offender_manual", "facilitation", true},
		{"csea.online", "csea", true},
		{"cse.commercial", "cse", true},
		{"ctx.infant", "", false},
		{"actor.child", "", false},
		{"unknown.code", "", false},
		{"", "", false},
	}
	for _, tt := range parents {
		p, ok := Parent(tt.code)
		if p != tt.parent || ok != tt.ok {
			t.Errorf("Parent(%q) = %q, %v; want %q, %v", tt.code, p, ok, tt.parent, tt.ok)
		}
	}
	isa := []struct {
		code, anc string
		want      bool
	}{
		{"csam.ai_generated", "csam", true},
		{"csam", "csam", true},
		{"csam", "csam.ai_generated", false},
		{"csam.ai_generated", "csem", false},
		{"sextortion.financial", "sextortion", true},
		{"ctx.infant", "ctx", false},
		{"nope", "nope", false},
		{"csam", "nope", false},
	}
	for _, tt := range isa {
		if got := IsA(tt.code, tt.anc); got != tt.want {
			t.Errorf("IsA(%q, %q) = %v, want %v", tt.code, tt.anc, got, tt.want)
		}
	}
	// Every dotted code whose prefix is a term has that term as parent.
	for _, term := range Terms() {
		i := strings.LastIndexByte(term.Code, '.')
		if i < 0 {
			continue
		}
		_, prefixIsTerm := indexTerms().byCode[term.Code[:i]]
		p, ok := Parent(term.Code)
		if prefixIsTerm != ok || (ok && p != term.Code[:i]) {
			t.Errorf("Parent(%q) = %q, %v", term.Code, p, ok)
		}
		if ok && !IsA(term.Code, p) {
			t.Errorf("IsA(%q, %q) = false", term.Code, p)
		}
	}
}

func TestEnumStrings(t *testing.T) {
	if UsagePreferred.String() != "preferred" || UsageCare.String() != "care" || Usage(9).String() != "Usage(9)" {
		t.Error("Usage.String")
	}
	if SynonymDeprecated.String() != "deprecated" || SynonymLegal.String() != "legal" ||
		SynonymAlternative.String() != "alternative" || SynonymKind(0).String() != "SynonymKind(0)" {
		t.Error("SynonymKind.String")
	}
}
