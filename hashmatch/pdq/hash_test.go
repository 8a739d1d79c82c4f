package pdq

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// small.jpg's reference hash: row 15 has columns 0-2 set, row 0 columns 0-9.
const smallJPG = "0007001f003f003f007f00ff00ff00ff01ff01ff01ff03ff03ff03ff03ff03ff"

func TestHexRoundTrip(t *testing.T) {
	h, err := ParseHex(strings.ToUpper(smallJPG))
	if err != nil {
		t.Fatal(err)
	}
	if h.String() != smallJPG {
		t.Errorf("String() = %s", h)
	}
	b, _ := h.MarshalText()
	var back Hash
	if err := back.UnmarshalText(b); err != nil || back != h {
		t.Errorf("text round trip: %v %v", back, err)
	}
	j, _ := json.Marshal(map[string]Hash{"pdq": h})
	if string(j) != `{"pdq":"`+smallJPG+`"}` {
		t.Errorf("JSON: %s", j)
	}
}

func TestParseHexErrors(t *testing.T) {
	for _, s := range []string{"", smallJPG[:63], smallJPG + "0", "g" + smallJPG[1:], " " + smallJPG[1:]} {
		if _, err := ParseHex(s); !errors.Is(err, ErrInvalidHex) {
			t.Errorf("ParseHex(%q) err = %v", s, err)
		}
	}
	var h Hash
	if err := h.UnmarshalText([]byte("zz")); !errors.Is(err, ErrInvalidHex) {
		t.Errorf("UnmarshalText: %v", err)
	}
}

// TestBitLayout pins the reference's bit order with a published hash.
func TestBitLayout(t *testing.T) {
	h := mustHex(smallJPG)
	for col := 0; col < 16; col++ {
		if got, want := h.Bit(15, col), col <= 2; got != want {
			t.Errorf("row 15 col %d = %v", col, got)
		}
		if got, want := h.Bit(0, col), col <= 9; got != want {
			t.Errorf("row 0 col %d = %v", col, got)
		}
	}
	// toBits and the hex layout agree: set one coefficient above the rest.
	var b [16][16]float32
	b[3][12] = 1
	got := toBits(&b, 0)
	if !got.Bit(3, 12) || Distance(got, Hash{}) != 1 {
		t.Errorf("single bit (3,12): %v", got)
	}
	if got.String() != strings.Repeat("0", 48)+"1000"+strings.Repeat("0", 12) {
		t.Errorf("single bit (3,12) hex: %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("Bit(16, 0) did not panic")
		}
	}()
	h.Bit(16, 0)
}

func TestDistance(t *testing.T) {
	a := mustHex(smallJPG)
	if d := Distance(a, a); d != 0 {
		t.Errorf("Distance(a, a) = %d", d)
	}
	var ones Hash
	for i := range ones {
		ones[i] = 0xff
	}
	if d := Distance(Hash{}, ones); d != 256 {
		t.Errorf("Distance(0, ones) = %d", d)
	}
	// small.jpg, like any hash of distinct coefficients, has 128 bits set.
	if d := Distance(Hash{}, a); d != 128 {
		t.Errorf("popcount(small.jpg) = %d, want 128", d)
	}
	b := a
	b[0] ^= 0x81
	b[31] ^= 0x10
	if d := Distance(a, b); d != 3 {
		t.Errorf("Distance after flipping 3 bits = %d", d)
	}
}

func TestParseMode(t *testing.T) {
	for _, m := range []Mode{ModeFull, ModeCLI} {
		got, err := ParseMode(m.String())
		if err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m, got, err)
		}
	}
	if _, err := ParseMode("fast"); !errors.Is(err, ErrUnknownMode) {
		t.Errorf("ParseMode(fast): %v", err)
	}
	if s := Mode(7).String(); s != "Mode(7)" {
		t.Errorf("Mode(7).String() = %q", s)
	}
}
