package terminology

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error from Lookup, Normalize, ParseCategory,
// ParseCategoryKey, FindCategory and Scheme.Info wraps exactly one of them, so
// callers branch with errors.Is.
var (
	// ErrUnknownCode reports a term code (or, from Normalize, a text) that the
	// vocabulary does not contain.
	ErrUnknownCode = errors.New("terminology: unknown term code")

	// ErrUnknownCategory reports a scheme, wire string, key or label that no
	// category of the vocabulary carries.
	ErrUnknownCategory = errors.New("terminology: unknown category")

	// ErrAmbiguous reports an input that names several entries, such as
	// FindCategory("baseline"), which is a wire string of both ICSE and ICCAM.
	ErrAmbiguous = errors.New("terminology: ambiguous")
)

// maxEcho bounds how much of a caller's input an error message repeats.
const maxEcho = 64

// echo quotes s for an error message, truncated to maxEcho bytes.
func echo(s string) string {
	if len(s) > maxEcho {
		// Cut on a rune boundary so the quoted text stays valid UTF-8.
		cut := maxEcho
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		return fmt.Sprintf("%q...", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}
