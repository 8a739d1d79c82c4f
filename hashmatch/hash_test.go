package hashmatch

import (
	"errors"
	"strings"
	"testing"
)

func TestKindRoundTrip(t *testing.T) {
	for _, k := range Kinds() {
		got, err := ParseKind(strings.ToUpper(k.String()))
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k.String(), got, err)
		}
		if k.Size() == 0 {
			t.Errorf("%v has size 0", k)
		}
	}
	if _, err := ParseKind("crc32"); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("ParseKind(crc32) err = %v", err)
	}
}

func TestParseHashRoundTrip(t *testing.T) {
	cases := map[Kind]string{
		KindPDQ:    "f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22",
		KindPHash:  "c0ffee00deadbeef",
		KindMD5:    "d41d8cd98f00b204e9800998ecf8427e",
		KindSHA1:   "da39a3ee5e6b4b0d3255bfef95601890afd80709",
		KindSHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	}
	for k, s := range cases {
		h, err := ParseHash(k, strings.ToUpper(s))
		if err != nil {
			t.Fatalf("%v: %v", k, err)
		}
		if h.Hex() != s || h.Kind() != k || len(h.Bytes()) != k.Size() {
			t.Errorf("%v: round trip gave %q", k, h.Hex())
		}
	}
	if _, err := ParseHash(KindMD5, "zz1d8cd98f00b204e9800998ecf8427e"); !errors.Is(err, ErrBadHash) {
		t.Errorf("non-hex: %v", err)
	}
	if _, err := ParseHash(KindMD5, "d41d"); !errors.Is(err, ErrBadHash) {
		t.Errorf("short: %v", err)
	}
}

func TestDistance(t *testing.T) {
	a := Hash64(KindPHash, 0)
	b := Hash64(KindPHash, 0xff00000000000001)
	if d := Distance(a, b); d != 9 {
		t.Errorf("Distance = %d, want 9", d)
	}
	if b.Uint64() != 0xff00000000000001 || b.Hex() != "ff00000000000001" {
		t.Errorf("Hash64 layout: %s", b.Hex())
	}
	if d := Distance(a, Hash64(KindDHash, 0)); d != -1 {
		t.Errorf("cross-kind Distance = %d, want -1", d)
	}
	var x, y [32]byte
	y[0], y[31] = 0x80, 0x03
	if d := Distance(HashPDQ(x), HashPDQ(y)); d != 3 {
		t.Errorf("PDQ Distance = %d, want 3", d)
	}
}
