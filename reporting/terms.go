package reporting

import (
	"github.com/mnr-sdk/mnr/terminology"
)

// The vocabulary checks validation needs, as thin calls into terminology.

type lintFinding struct {
	Start, End int
	Preferred  string
	Code       string
}

// termCheck returns "" when code is a current terminology code, or the problem.
func termCheck(code string) (problem string, warning bool) {
	t, err := terminology.Lookup(code)
	if err != nil {
		return "is not a known terminology code", false
	}
	if t.Deprecated {
		p := "is a retired terminology code"
		if t.ReplacedBy != "" {
			p += "; use " + t.ReplacedBy
		}
		return p, true
	}
	return "", false
}

func termKnown(code string) bool {
	_, err := terminology.Lookup(code)
	return err == nil
}

func termMaps(code string, to terminology.Scheme) bool {
	for _, m := range terminology.Map(code, to) {
		if m.OK() {
			return true
		}
	}
	return false
}

func termMapsNCMECIncident(code string) bool { return termMaps(code, terminology.SchemeNCMECIncident) }

func termMapsDSA(code string) bool {
	return termMaps(code, terminology.SchemeDSACategory) || termMaps(code, terminology.SchemeDSAKeyword)
}

func termIndustryClass(s string) bool {
	c, err := terminology.ParseCategory(terminology.SchemeIndustry, s)
	return err == nil && !c.Legacy
}

func termLint(text string) []lintFinding {
	fs := terminology.Lint(text)
	if len(fs) == 0 {
		return nil
	}
	out := make([]lintFinding, len(fs))
	for i, f := range fs {
		out[i] = lintFinding{Start: f.Start, End: f.End, Preferred: f.Preferred, Code: f.Code}
	}
	return out
}
