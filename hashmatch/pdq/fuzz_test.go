package pdq

import (
	"strings"
	"testing"
)

// FuzzParseHex: ParseHex never panics, accepts exactly the 64-digit hex
// strings, and String inverts it up to case.
func FuzzParseHex(f *testing.F) {
	f.Add(smallJPG)
	f.Add(strings.ToUpper(smallJPG))
	f.Add("")
	f.Add(smallJPG[:63] + "g")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHex(s)
		if err != nil {
			return
		}
		if len(s) != 64 || h.String() != strings.ToLower(s) {
			t.Errorf("ParseHex(%q) accepted, String() = %q", s, h)
		}
	})
}
