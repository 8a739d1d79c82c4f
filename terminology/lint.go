package terminology

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Finding is one piece of deprecated wording found by Lint.
type Finding struct {
	// Start and End are byte offsets of the wording in the linted text:
	// text[Start:End] == Found.
	Start, End int
	// Found is the wording as it appears in the text (original case).
	Found string
	// Preferred is the wording to use instead.
	Preferred string
	// Code is the code of the term the wording stands for.
	Code string
	// Reason says why the wording is avoided.
	Reason string
}

// Bounds of the legal-quotation rules. See Lint.
const (
	// lintIntroWindow is how far (in bytes) after "as defined in" or "within
	// the meaning of" a phrase still counts as part of the legal quotation.
	lintIntroWindow = 200
)

// Lint finds deprecated wording (the deprecated synonyms of every term) in free
// text such as policies, report narratives and UI strings, and suggests the
// preferred wording. Findings come in text order and never overlap.
//
// Matching:
//   - Case-insensitive (ASCII), except short all-capital abbreviations such as
//     "CP" and "KP", which match only in capitals so that the shell command
//     "cp" or the word "Cp" is not reported.
//   - On word boundaries: a phrase is never found inside a longer word
//     ("CPU", "scp"). A plural "s" directly after the phrase is included.
//   - Space in a phrase matches any run of white space or hyphens, so a
//     phrase broken across lines is still found.
//   - Longest match wins: where a longer acceptable or legal phrase contains
//     deprecated wording ("financial sextortion", "apparent child pornography"
//     from 18 U.S.C. 2258A, "paedophile manual" from UK law), nothing is
//     reported.
//
// Legal quotations are not reported:
//   - a phrase inside double quotes ("..." or “...”) that close before the end
//     of the paragraph;
//   - a phrase that follows "as defined in" or "within the meaning of" in the
//     same sentence, at most 200 bytes after it;
//   - a phrase directly followed by "as defined in" or "within the meaning
//     of" (as in `child pornography as defined in 18 U.S.C. 2256`).
//
// A sentence ends at ';', at a blank line, or at '.', '!' or '?' followed by
// white space and a capital letter (so "18 U.S.C. 2256" does not end one).
//
// Lint is safe for concurrent use. It makes one pass over the text with a
// precompiled matcher; its time is linear in len(text) and it allocates only
// the findings it returns (nil when there are none).
func Lint(text string) []Finding {
	return compiledLinter().lint(text)
}

// Matcher compilation.

type lintKind uint8

const (
	lintShadow     lintKind = iota + 1 // acceptable wording: matched, never reported
	lintIntroducer                     // "as defined in", "within the meaning of"
	lintDeprecated                     // reported
)

type lintEntry struct {
	kind      lintKind
	exact     string // non-empty: the match must equal this text byte for byte
	code      string
	preferred string
	reason    string
}

// buildNode is a trie node while the matcher is built.
type buildNode struct {
	next  []trieEdge
	entry int32 // index into entries, -1 for none
}

type trieEdge struct {
	b  byte
	to int32
}

// trieNode is a node of the compiled trie: its edges are
// linter.edges[first:first+count].
type trieNode struct {
	entry int32 // index into linter.entries, -1 for none
	first int32
	count int32
}

// linter is the compiled matcher: a byte trie over every label and synonym
// (lowercased, separators as one space), flattened into contiguous arrays.
type linter struct {
	nodes   []trieNode
	edges   []trieEdge
	root    [256]int32 // first level, indexed by lowercased byte
	entries []lintEntry
	class   [utf8.RuneSelf]uint8 // clsWord, clsSpecial per ASCII byte

	build []buildNode // during construction only
}

var compiledLinter = sync.OnceValue(func() *linter {
	l := &linter{build: []buildNode{{entry: -1}}}
	for i := range l.root {
		l.root[i] = -1
	}
	for _, t := range indexTerms().terms {
		l.add(t.Label, lintEntry{kind: lintShadow, code: t.Code})
		for _, s := range t.Synonyms {
			e := lintEntry{kind: lintShadow, code: t.Code}
			if s.Kind == SynonymDeprecated {
				e = lintEntry{kind: lintDeprecated, code: t.Code, preferred: t.preferredFor(s), reason: s.Reason}
			}
			if isAbbreviation(s.Text) {
				e.exact = s.Text
			}
			l.add(s.Text, e)
		}
	}
	for _, intro := range []string{"as defined in", "within the meaning of"} {
		l.add(intro, lintEntry{kind: lintIntroducer})
	}
	l.flatten()
	l.classify()
	return l
})

// flatten turns the build trie into contiguous node and edge arrays.
func (l *linter) flatten() {
	l.nodes = make([]trieNode, len(l.build))
	for i, n := range l.build {
		l.nodes[i] = trieNode{entry: n.entry, first: int32(len(l.edges)), count: int32(len(n.next))}
		l.edges = append(l.edges, n.next...)
	}
	l.build = nil
}

// isAbbreviation reports whether s is a short all-capital abbreviation ("CP",
// "KP", "CSAM"), which Lint matches case-sensitively.
func isAbbreviation(s string) bool {
	if len(s) < 2 || len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// lintKey lowercases a phrase, drops double quotes and turns every run of
// white space or hyphens into one space: the form the trie stores.
func lintKey(s string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == '"' || r == '\u201c' || r == '\u201d':
			continue
		case unicode.IsSpace(r) || r == '-':
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte(' ')
		}
		sep = false
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// add inserts a phrase. On a collision the stronger kind wins (deprecated over
// introducer over shadow), so "child pornography", both deprecated and legal,
// is reported; an exact-case entry never replaces a case-insensitive one.
func (l *linter) add(phrase string, e lintEntry) {
	key := lintKey(phrase)
	if key == "" {
		return
	}
	n := int32(-1)
	for i := 0; i < len(key); i++ {
		c := key[i]
		var nx int32 = -1
		if n < 0 {
			nx = l.root[c]
		} else {
			for _, ed := range l.build[n].next {
				if ed.b == c {
					nx = ed.to
					break
				}
			}
		}
		if nx < 0 {
			l.build = append(l.build, buildNode{entry: -1})
			nx = int32(len(l.build) - 1)
			if n < 0 {
				l.root[c] = nx
			} else {
				l.build[n].next = append(l.build[n].next, trieEdge{b: c, to: nx})
			}
		}
		n = nx
	}
	if cur := l.build[n].entry; cur >= 0 {
		old := l.entries[cur]
		if old.kind > e.kind || (old.kind == e.kind && old.exact == "") {
			return
		}
	}
	l.entries = append(l.entries, e)
	l.build[n].entry = int32(len(l.entries) - 1)
}

// Scanning.

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

func isSep(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '-'
}

// isWordRune reports whether r continues a word: letters, digits and '_'.
func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// wordAt reports whether the rune starting at text[i] is a word rune.
func wordAt(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	if c := text[i]; c < utf8.RuneSelf {
		return c == '_' || 'a' <= lower(c) && lower(c) <= 'z' || '0' <= c && c <= '9'
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return isWordRune(r)
}

// match returns the longest entry matching at text[i], which starts a word, and
// the end of the match; -1 when none matches.
func (l *linter) match(text string, i int) (entry int32, end int) {
	entry, end = -1, -1
	n := l.root[lower(text[i])]
	j := i + 1
	for n >= 0 {
		node := l.nodes[n]
		if node.entry >= 0 {
			if !wordAt(text, j) {
				l.accept(text, i, j, node.entry, &entry, &end)
			} else if lower(text[j]) == 's' && !wordAt(text, j+1) {
				// Plural: "paedophiles", "child prostitutes".
				l.accept(text, i, j+1, node.entry, &entry, &end)
			}
		}
		if j >= len(text) || node.count == 0 {
			break
		}
		c := text[j]
		if isSep(c) {
			// A space in the phrase matches a run of separators.
			for j < len(text) && isSep(text[j]) {
				j++
			}
			if j >= len(text) {
				break
			}
			if n = l.step(node, ' '); n < 0 {
				break
			}
			node = l.nodes[n]
			c = text[j]
		}
		n = l.step(node, lower(c))
		j++
	}
	return entry, end
}

// step follows node's edge for byte b, or returns -1.
func (l *linter) step(node trieNode, b byte) int32 {
	for _, ed := range l.edges[node.first : node.first+node.count] {
		if ed.b == b {
			return ed.to
		}
	}
	return -1
}

// accept records a candidate match [i,j) of entry e if its case rule holds.
// Later (longer) candidates replace earlier ones.
func (l *linter) accept(text string, i, j int, e int32, best *int32, end *int) {
	ent := &l.entries[e]
	if ent.exact != "" {
		k := j
		if k-i == len(ent.exact)+1 { // plural
			k--
		}
		if text[i:k] != ent.exact {
			return
		}
	}
	*best, *end = e, j
}

// lintState tracks quotes and sentence boundaries during the scan.
type lintState struct {
	text       string
	inQuote    bool
	lastIntro  int // end of the last introducer, -1 for none
	lastBreak  int // position of the last sentence break
	closeCache int // position of the next quote or paragraph break at or after closeFrom
	closeFrom  int
	closeIsQ   bool
}

// Byte classes for the scan.
const (
	clsWord    = 1 << iota // ASCII letter, digit or '_'
	clsSpecial             // '"', ';', '\n', '.', '!', '?': may change quote or sentence state
)

// classify fills the linter's ASCII class table.
func (l *linter) classify() {
	t := &l.class
	for c := 0; c < utf8.RuneSelf; c++ {
		switch {
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9':
			t[c] = clsWord
		case c == '"' || c == ';' || c == '\n' || c == '.' || c == '!' || c == '?':
			t[c] = clsSpecial
		}
	}
}

func (l *linter) lint(text string) []Finding {
	var out []Finding
	st := lintState{text: text, lastIntro: -1, lastBreak: -1, closeFrom: -1}
	skipUntil := 0
	prevWord := false // whether the rune before text[i] is a word rune
	for i := 0; i < len(text); {
		c := text[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(text[i:])
			switch r {
			case '\u201c':
				st.inQuote = true
			case '\u201d':
				st.inQuote = false
			}
			prevWord = isWordRune(r)
			i += size
			continue
		}
		cls := l.class[c]
		if cls&clsWord == 0 {
			if cls&clsSpecial != 0 {
				st.observe(i)
			}
			prevWord = false
			i++
			continue
		}
		if !prevWord && i >= skipUntil {
			if e, end := l.match(text, i); e >= 0 {
				ent := &l.entries[e]
				switch ent.kind {
				case lintIntroducer:
					st.lastIntro = end
				case lintDeprecated:
					if !st.quoted(i) && !st.introduced(i) && !l.introducerFollows(text, end) {
						out = append(out, Finding{Start: i, End: end, Found: text[i:end],
							Preferred: ent.preferred, Code: ent.code, Reason: ent.reason})
					}
				}
				skipUntil = end
			}
		}
		// Skip the rest of the ASCII word: nothing in it can start a match.
		i++
		for i < len(text) && text[i] < utf8.RuneSelf && l.class[text[i]]&clsWord != 0 {
			i++
		}
		prevWord = true
	}
	return out
}

// observe updates the quote and sentence state for the special byte at i.
func (st *lintState) observe(i int) {
	text := st.text
	switch text[i] {
	case '"':
		st.inQuote = !st.inQuote
	case ';':
		st.lastBreak = i
	case '\n':
		if paragraphBreak(text, i) {
			st.inQuote = false
			st.lastBreak = i
		}
	default: // '.', '!', '?'
		if sentenceEnd(text, i) {
			st.lastBreak = i
		}
	}
}

// quoted reports whether position i is inside double quotes that close before
// the paragraph ends.
func (st *lintState) quoted(i int) bool {
	if !st.inQuote {
		return false
	}
	if st.closeFrom < 0 || st.closeCache < i {
		// Find the next quote character or paragraph break at or after i.
		// Positions only grow, so the scans add up to one pass.
		t := st.text
		j := i
		st.closeIsQ = false
		for ; j < len(t); j++ {
			if t[j] == '"' || (t[j] == 0xE2 && j+2 < len(t) && t[j+1] == 0x80 && t[j+2] == 0x9D) {
				st.closeIsQ = true
				break
			}
			if t[j] == '\n' && paragraphBreak(t, j) {
				break
			}
		}
		st.closeFrom, st.closeCache = i, j
	}
	return st.closeIsQ
}

// introduced reports whether position i follows an introducer in the same
// sentence, within lintIntroWindow bytes.
func (st *lintState) introduced(i int) bool {
	return st.lastIntro >= 0 && st.lastIntro > st.lastBreak && i-st.lastIntro <= lintIntroWindow
}

// introducerFollows reports whether an introducer starts right after a
// phrase ending at end (past white space, closing quotes and commas).
func (l *linter) introducerFollows(text string, end int) bool {
	j := end
	for j < len(text) {
		switch {
		case text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r' || text[j] == '"' || text[j] == ',':
			j++
		case text[j] == 0xE2 && j+2 < len(text) && text[j+1] == 0x80 && text[j+2] == 0x9D:
			j += 3
		default:
			if !wordAt(text, j) || text[j] >= utf8.RuneSelf {
				return false
			}
			e, _ := l.match(text, j)
			return e >= 0 && l.entries[e].kind == lintIntroducer
		}
	}
	return false
}

// paragraphBreak reports whether the newline at text[i] is followed by an
// empty line (only spaces or tabs before the next newline).
func paragraphBreak(text string, i int) bool {
	for j := i + 1; j < len(text); j++ {
		switch text[j] {
		case ' ', '\t', '\r':
			continue
		case '\n':
			return true
		}
		return false
	}
	return false
}

// sentenceEnd reports whether the '.', '!' or '?' at text[i] ends a sentence:
// it is followed by white space and then a capital letter.
func sentenceEnd(text string, i int) bool {
	j := i + 1
	if j >= len(text) || !(text[j] == ' ' || text[j] == '\n' || text[j] == '\t' || text[j] == '\r') {
		return false
	}
	for j < len(text) && (text[j] == ' ' || text[j] == '\n' || text[j] == '\t' || text[j] == '\r') {
		j++
	}
	if j >= len(text) {
		return true
	}
	c := text[j]
	if c == '"' {
		return true
	}
	if c < utf8.RuneSelf {
		return 'A' <= c && c <= 'Z'
	}
	r, _ := utf8.DecodeRuneInString(text[j:])
	return unicode.IsUpper(r)
}
