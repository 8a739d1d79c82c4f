package terminology

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Confidence says how well the vocabulary's source backs an entry, following the
// tags of mnr's terminology reference.
type Confidence string

// Confidence values.
const (
	// ConfidenceVerified ([V]) means the entry was checked against the cited
	// source. Where that source is itself secondary, the citation says so.
	ConfidenceVerified Confidence = "V"
	// ConfidencePartial ([S]) means partly verified: a third-party source, a
	// paraphrase of the primary text, or several secondary sources that agree.
	ConfidencePartial Confidence = "S"
	// ConfidenceUnverified ([U]) means not re-checked against the primary text.
	// Confirm it before quoting it in user-facing copy.
	ConfidenceUnverified Confidence = "U"
	// ConfidenceProposal marks mnr's own design: a code, label or mapping that
	// no external body has adopted.
	ConfidenceProposal Confidence = "PROPOSAL"
)

// Usage is the guidance a preferred label carries.
type Usage int

// Usage values.
const (
	// UsagePreferred: use the label freely.
	UsagePreferred Usage = iota + 1
	// UsageCare: acceptable, with the caveat in Term.Caveat.
	UsageCare
)

// String returns "preferred" or "care".
func (u Usage) String() string {
	switch u {
	case UsagePreferred:
		return "preferred"
	case UsageCare:
		return "care"
	}
	return fmt.Sprintf("Usage(%d)", int(u))
}

// SynonymKind classifies a synonym.
type SynonymKind int

// Synonym kinds.
const (
	// SynonymAlternative is an acceptable alternative to the preferred label.
	SynonymAlternative SynonymKind = iota + 1
	// SynonymDeprecated is wording to avoid: resolvable on input (Normalize),
	// reported by Lint, never shown in a UI.
	SynonymDeprecated
	// SynonymLegal is a statutory or wire string, emitted only into the payload
	// or legal text that requires it. Its Source names the statute or scheme.
	SynonymLegal
)

// String returns "alternative", "deprecated" or "legal".
func (k SynonymKind) String() string {
	switch k {
	case SynonymAlternative:
		return "alternative"
	case SynonymDeprecated:
		return "deprecated"
	case SynonymLegal:
		return "legal"
	}
	return fmt.Sprintf("SynonymKind(%d)", int(k))
}

// Synonym is another wording of a term.
type Synonym struct {
	// Text is the wording, verbatim (wire strings keep their exact spelling).
	Text string
	// Kind says whether the wording is an alternative, deprecated or legal.
	Kind SynonymKind
	// Source names where a legal or wire string comes from ("18 U.S.C. 2256",
	// "NCMEC CyberTipline XSD"). Empty for alternatives and most deprecated
	// wording.
	Source string
	// Reason says why deprecated wording is avoided. Empty for other kinds
	// unless a caveat applies.
	Reason string
	// Replacement is the wording to use instead of deprecated text. When empty,
	// the term's Label is the replacement.
	Replacement string
}

// Term is one concept of the vocabulary: a stable code, the preferred English
// label, a one-line definition and the other wordings in use.
//
// Terms are values; the slices they carry are copies, so a caller may modify
// them without affecting the vocabulary.
type Term struct {
	// Code is the stable machine code: lowercase ASCII, dot-separated, never
	// renamed ("csam", "csam.ai_generated", "ctx.infant", "actor.offender").
	Code string
	// Label is the preferred English label, following the Luxembourg
	// Guidelines (2nd edition where known).
	Label string
	// Definition is a one-line definition written for mnr (a paraphrase, never
	// a quotation of a statute).
	Definition string
	// Usage is UsagePreferred or UsageCare.
	Usage Usage
	// Caveat is the guidance that comes with the label, if any.
	Caveat string
	// Synonyms lists the alternative, deprecated and legal wordings.
	Synonyms []Synonym
	// Citation names the source of the term and its preferred label.
	Citation string
	// Confidence is how well that source backs the entry.
	Confidence Confidence
	// Since is the vocabulary Version in which the code first appeared.
	Since string
	// Deprecated is true for a retired code; ReplacedBy then names the code to
	// use. A retired code stays resolvable forever.
	Deprecated bool
	// ReplacedBy is the successor of a retired code.
	ReplacedBy string
}

// clone returns t with its own copy of Synonyms.
func (t Term) clone() Term {
	t.Synonyms = slices.Clone(t.Synonyms)
	return t
}

// preferredFor returns the wording to use instead of s: s.Replacement, or the
// label of term t when the synonym has none.
func (t Term) preferredFor(s Synonym) string {
	if s.Replacement != "" {
		return s.Replacement
	}
	return t.Label
}

// termIndex is the immutable, lazily built index over the term table.
type termIndex struct {
	terms  []Term            // in table order
	byCode map[string]int    // code -> index into terms
	byText map[string]string // folded code, label or synonym -> code ("" when ambiguous)
}

// indexTerms builds the term index once, on first use.
var indexTerms = sync.OnceValue(func() *termIndex {
	rows := termTable()
	ix := &termIndex{
		terms:  rows,
		byCode: make(map[string]int, len(rows)),
		byText: make(map[string]string, len(rows)*6),
	}
	add := func(text, code string) {
		k := fold(text)
		if k == "" {
			return
		}
		if prev, ok := ix.byText[k]; ok && prev != code {
			ix.byText[k] = "" // several terms share this wording
			return
		}
		ix.byText[k] = code
	}
	for i, t := range rows {
		ix.byCode[t.Code] = i
	}
	// Codes first, so that a code always resolves to itself even if some
	// other term happened to use the same string as a synonym.
	for _, t := range rows {
		add(t.Code, t.Code)
	}
	for _, t := range rows {
		add(t.Label, t.Code)
		for _, s := range t.Synonyms {
			if _, isCode := ix.byCode[fold(s.Text)]; isCode && fold(s.Text) != t.Code {
				continue
			}
			add(s.Text, t.Code)
		}
	}
	return ix
})

// fold prepares text for case-insensitive lookup: trims space and surrounding
// double quotes, lowercases, and collapses runs of white space to one space.
func fold(s string) string {
	s = strings.TrimSpace(s)
	for _, q := range [][2]string{{`"`, `"`}, {"\u201c", "\u201d"}, {"`", "`"}} {
		if len(s) >= len(q[0])+len(q[1]) && strings.HasPrefix(s, q[0]) && strings.HasSuffix(s, q[1]) {
			s = strings.TrimSpace(s[len(q[0]) : len(s)-len(q[1])])
		}
	}
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// Lookup returns the term with exactly this code. Codes are case-sensitive
// lowercase ASCII; use Normalize to resolve a label, a synonym or a code typed
// in another case. An unknown code gives an error wrapping ErrUnknownCode.
func Lookup(code string) (Term, error) {
	ix := indexTerms()
	i, ok := ix.byCode[code]
	if !ok {
		if len(code) <= maxNormalizeLen {
			if c, ok := ix.byText[fold(code)]; ok && c != "" {
				return Term{}, fmt.Errorf("%w: %s (did you mean %q?)", ErrUnknownCode, echo(code), c)
			}
		}
		return Term{}, fmt.Errorf("%w: %s", ErrUnknownCode, echo(code))
	}
	return ix.terms[i].clone(), nil
}

// Terms returns every term of the vocabulary, in a stable order (umbrella terms
// before the codes beneath them). The result is a fresh copy.
func Terms() []Term {
	ix := indexTerms()
	out := make([]Term, len(ix.terms))
	for i, t := range ix.terms {
		out[i] = t.clone()
	}
	return out
}

// Parent returns the code of the term directly above code in the hierarchy:
// "csam.ai_generated" gives "csam", true. It returns "", false for a top-level
// code ("csam"), for a code whose prefix is a namespace rather than a term
// ("ctx.infant", "actor.child") and for an unknown code.
func Parent(code string) (string, bool) {
	ix := indexTerms()
	if _, ok := ix.byCode[code]; !ok {
		return "", false
	}
	for {
		i := strings.LastIndexByte(code, '.')
		if i < 0 {
			return "", false
		}
		code = code[:i]
		if _, ok := ix.byCode[code]; ok {
			return code, true
		}
	}
}

// IsA reports whether code is ancestor or one of its descendants:
// IsA("csam.ai_generated", "csam") and IsA("csam", "csam") are true,
// IsA("csam", "csam.ai_generated") is false. Unknown codes give false.
func IsA(code, ancestor string) bool {
	ix := indexTerms()
	if _, ok := ix.byCode[code]; !ok {
		return false
	}
	if _, ok := ix.byCode[ancestor]; !ok {
		return false
	}
	for c, ok := code, true; ok; c, ok = Parent(c) {
		if c == ancestor {
			return true
		}
	}
	return false
}

// maxNormalizeLen bounds the input Normalize examines: no code, label or
// synonym is longer, so longer input is rejected without being folded.
const maxNormalizeLen = 256

// Normalize resolves a code, a preferred label or any synonym (alternative,
// deprecated or legal), case-insensitively and ignoring surrounding space,
// surrounding double quotes and repeated inner white space, to its term code:
// "Child Pornography" and "CSAM" give "csam"; "Online Enticement of Children
// for Sexual Acts" gives "grooming".
//
// Text that no term carries gives an error wrapping ErrUnknownCode; text that
// several terms carry gives ErrAmbiguous (the vocabulary's own tests keep that
// set empty). Input longer than 256 bytes is rejected as unknown.
func Normalize(s string) (string, error) {
	if len(s) > maxNormalizeLen {
		return "", fmt.Errorf("%w: input of %d bytes is longer than any term", ErrUnknownCode, len(s))
	}
	ix := indexTerms()
	if _, ok := ix.byCode[s]; ok {
		return s, nil
	}
	code, ok := ix.byText[fold(s)]
	switch {
	case !ok:
		return "", fmt.Errorf("%w: %s is no code, label or synonym", ErrUnknownCode, echo(s))
	case code == "":
		return "", fmt.Errorf("%w: %s names several terms", ErrAmbiguous, echo(s))
	}
	return code, nil
}
