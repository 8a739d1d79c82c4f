package hashmatch

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// testList builds a list with every kind, mixed IDs and categories.
func testList(t testing.TB, seed uint64, n int) *List {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed))
	b := NewListBuilder(ListInfo{Name: "test-list", Source: "mnr tests", Version: "2026.11",
		Created: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}, nil)
	codes := [][]string{nil, {"csam"}, {"A1"}, {"csam", "B2"}, {"grooming"}}
	for i := 0; i < n; i++ {
		k := Kinds()[i%len(Kinds())]
		id := ""
		if i%3 == 0 {
			id = "ref-" + string(rune('a'+i%26))
		}
		if err := b.Add(Entry{Hash: randHash(rng, k), ID: id, Codes: codes[i%len(codes)]}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.SetThreshold(KindPDQ, 24); err != nil {
		t.Fatal(err)
	}
	l, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func writeBytes(t testing.TB, l *List) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteList(&buf, l, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sameList(t *testing.T, a, b *List) {
	t.Helper()
	if a.Name() != b.Name() || a.Source() != b.Source() || a.Version() != b.Version() || !a.Created().Equal(b.Created()) {
		t.Fatalf("metadata differs: %q %q %q %v / %q %q %q %v", a.Name(), a.Source(), a.Version(), a.Created(), b.Name(), b.Source(), b.Version(), b.Created())
	}
	ea, eb := entriesOf(a), entriesOf(b)
	if len(ea) != len(eb) {
		t.Fatalf("%d entries, want %d", len(eb), len(ea))
	}
	for i := range ea {
		if ea[i].Hash != eb[i].Hash || ea[i].ID != eb[i].ID || !slices.Equal(ea[i].Codes, eb[i].Codes) {
			t.Fatalf("entry %d differs", i)
		}
	}
	for _, k := range Kinds() {
		ta, oka := a.Threshold(k)
		tb, okb := b.Threshold(k)
		if ta != tb || oka != okb {
			t.Fatalf("%v threshold %d/%v vs %d/%v", k, ta, oka, tb, okb)
		}
	}
}

func TestMNRRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 500} {
		l := testList(t, uint64(n), n)
		data := writeBytes(t, l)
		if !bytes.HasPrefix(data, mnrMagic) {
			t.Fatal("no magic")
		}
		got, err := ReadList(bytes.NewReader(data), nil)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if got.Format() != FormatMNR {
			t.Errorf("format %v", got.Format())
		}
		sameList(t, l, got)
		// Deterministic: the same list writes the same bytes.
		if again := writeBytes(t, got); !bytes.Equal(again, data) {
			t.Errorf("n=%d: rewrite differs", n)
		}
	}
	// Many category sets use 2-byte set indexes; numeric IDs 4 bytes.
	rng := rand.New(rand.NewPCG(9, 9))
	b := NewListBuilder(ListInfo{Name: "sets"}, nil)
	cats := []string{"csam", "A1", "A2", "B1", "B2", "grooming", "sextortion"}
	for i := 0; i < 300; i++ {
		var codes []string
		for j, c := range cats {
			if i>>j&1 == 1 {
				codes = append(codes, c)
			}
		}
		b.Add(Entry{Hash: randHash(rng, KindDHash), Codes: codes})
	}
	l, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadList(bytes.NewReader(writeBytes(t, l)), nil)
	if err != nil {
		t.Fatal(err)
	}
	sameList(t, l, got)
	if got.cols[0].set16 == nil || got.cols[0].ids.end != nil {
		t.Error("expected 2-byte sets and numeric IDs")
	}
}

func TestMNRTruncatedAndTampered(t *testing.T) {
	l := testList(t, 1, 200)
	data := writeBytes(t, l)
	// Every truncation is ErrCorrupt (never a panic, never a partial list).
	for n := 0; n < len(data); n += 1 + n/50 {
		_, err := ReadList(bytes.NewReader(data[:n]), &ReadOptions{Format: FormatMNR})
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d of %d: %v", n, len(data), err)
		}
	}
	// A flipped byte anywhere after the magic is caught by the structure
	// checks or the zstd checksum.
	rng := rand.New(rand.NewPCG(2, 2))
	for range 200 {
		bad := slices.Clone(data)
		i := len(mnrMagic) + rng.IntN(len(bad)-len(mnrMagic))
		bad[i] ^= byte(1 + rng.IntN(255))
		if _, err := ReadList(bytes.NewReader(bad), nil); err == nil {
			t.Fatalf("flipped byte %d accepted", i)
		} else if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
			t.Fatalf("flipped byte %d: untyped error %v", i, err)
		}
	}
	// Trailing data.
	if _, err := ReadList(bytes.NewReader(append(slices.Clone(data), 0)), nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("trailing byte: %v", err)
	}
	// Bounds on the header and the entry count.
	if _, err := ReadList(bytes.NewReader(data), &ReadOptions{MaxHeaderBytes: 10}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxHeaderBytes: %v", err)
	}
	if _, err := ReadList(bytes.NewReader(data), &ReadOptions{MaxEntries: 10}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxEntries: %v", err)
	}
}

func TestSignAndVerify(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	pub, priv, _ := ed25519.GenerateKey(rngReader{rng})
	other, _, _ := ed25519.GenerateKey(rngReader{rng})
	l := testList(t, 5, 100)
	dir := t.TempDir()
	path := filepath.Join(dir, "list.mnr")
	if err := WriteListFile(path, l, &WriteOptions{SigningKey: priv}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got, err := ReadListFile(ctx, path, &ReadOptions{TrustedKeys: []ed25519.PublicKey{other, pub}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Signer() != KeyID(pub) {
		t.Errorf("signer %q, want %q", got.Signer(), KeyID(pub))
	}
	sameList(t, l, got)
	// Wrong key, missing signature, tampered file.
	if _, err := ReadListFile(ctx, path, &ReadOptions{TrustedKeys: []ed25519.PublicKey{other}}); !errors.Is(err, ErrUntrusted) {
		t.Errorf("wrong key: %v", err)
	}
	sig, _ := os.ReadFile(path + ".sig")
	data, _ := os.ReadFile(path)
	if _, err := ReadList(bytes.NewReader(data), &ReadOptions{TrustedKeys: []ed25519.PublicKey{pub}}); !errors.Is(err, ErrUntrusted) {
		t.Errorf("unsigned: %v", err)
	}
	// Any plain text list can be signed too; a change of one byte fails.
	text := []byte(md5a + "\n" + md5b + "\n")
	tsig, err := Sign(bytes.NewReader(text), priv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadList(bytes.NewReader(text), &ReadOptions{TrustedKeys: []ed25519.PublicKey{pub}, Signature: tsig, Info: ListInfo{Name: "t"}}); err != nil {
		t.Errorf("signed text list: %v", err)
	}
	tampered := slices.Clone(text)
	tampered[3] ^= 1 // still a valid hex digit change? make it one
	tampered[3] = '0' + (tampered[3]-'0'+1)%10
	if _, err := ReadList(bytes.NewReader(tampered), &ReadOptions{TrustedKeys: []ed25519.PublicKey{pub}, Signature: tsig, Info: ListInfo{Name: "t"}}); !errors.Is(err, ErrUntrusted) {
		t.Errorf("tampered text list: %v", err)
	}
	// Data appended after a signed mnr file.
	if _, err := ReadList(bytes.NewReader(append(slices.Clone(data), 0)), &ReadOptions{TrustedKeys: []ed25519.PublicKey{pub}, Signature: sig}); err == nil {
		t.Error("appended byte accepted")
	}
	// Verify alone, and a malformed signature file.
	if id, err := Verify(bytes.NewReader(data), sig, []ed25519.PublicKey{pub}); err != nil || id != KeyID(pub) {
		t.Errorf("Verify: %q %v", id, err)
	}
	for _, bad := range []string{"garbage", "mnr-sig-v1 ed25519ph 0011 !!!", "# only a comment\n"} {
		if _, err := Verify(bytes.NewReader(data), []byte(bad), []ed25519.PublicKey{pub}); !errors.Is(err, ErrUntrusted) {
			t.Errorf("sig %q: %v", bad, err)
		}
	}
	// Two signature lines: either key verifies.
	_, priv2, _ := ed25519.GenerateKey(rngReader{rng})
	sig2, _ := Sign(bytes.NewReader(data), priv2)
	both := append(slices.Clone(sig2), sig...)
	if _, err := Verify(bytes.NewReader(data), both, []ed25519.PublicKey{pub}); err != nil {
		t.Errorf("second line: %v", err)
	}
}

func TestKeyFiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	pub, priv, _ := ed25519.GenerateKey(rngReader{rng})
	got, err := ParsePrivateKey(MarshalPrivateKey(priv))
	if err != nil || !bytes.Equal(got, priv) {
		t.Fatalf("private round trip: %v", err)
	}
	keys, err := ParsePublicKeys(MarshalPublicKey(pub))
	if err != nil || len(keys) != 1 || !bytes.Equal(keys[0], pub) {
		t.Fatalf("public round trip: %v", err)
	}
	// Hex lines and several keys.
	hexFile := "# two keys\n" + hexOf(pub) + "\n\n" + hexOf(pub) + "\n"
	if keys, err := ParsePublicKeys([]byte(hexFile)); err != nil || len(keys) != 2 {
		t.Fatalf("hex keys: %v", err)
	}
	if k, err := ParsePrivateKey([]byte(hexOf(priv.Seed()))); err != nil || !bytes.Equal(k, priv) {
		t.Fatalf("hex seed: %v", err)
	}
	if k, err := ParsePrivateKey([]byte(hexOf(priv))); err != nil || !bytes.Equal(k, priv) {
		t.Fatalf("hex full key: %v", err)
	}
	for _, bad := range []string{"", "# nothing", "zz", strings.Repeat("a", 64) + "x"} {
		if _, err := ParsePublicKeys([]byte(bad)); err == nil {
			t.Errorf("ParsePublicKeys(%q) succeeded", bad)
		}
		if _, err := ParsePrivateKey([]byte(bad)); err == nil {
			t.Errorf("ParsePrivateKey(%q) succeeded", bad)
		}
	}
	if len(KeyID(pub)) != 16 {
		t.Errorf("KeyID %q", KeyID(pub))
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// rngReader makes a seeded math/rand source an io.Reader for key
// generation in tests.
type rngReader struct{ r *rand.Rand }

func (r rngReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r.r.Uint32())
	}
	return len(p), nil
}

func TestWriteTextRoundTrip(t *testing.T) {
	l := testList(t, 7, 300)
	for _, f := range []Format{FormatCSV, FormatTSV} {
		var buf bytes.Buffer
		if err := WriteText(&buf, l, f); err != nil {
			t.Fatal(err)
		}
		got, err := ReadList(&buf, &ReadOptions{Info: ListInfo{Name: l.Name(), Source: l.Source(), Version: l.Version(), Created: l.Created()},
			Thresholds: map[Kind]int{KindPDQ: 24}})
		if err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		if got.Format() != f {
			t.Errorf("read back as %v", got.Format())
		}
		sameList(t, l, got)
	}
	var buf bytes.Buffer
	if err := WriteText(&buf, l, FormatPlain); err != nil {
		t.Fatal(err)
	}
	got, err := ReadList(&buf, &ReadOptions{Info: ListInfo{Name: "p"}})
	if err != nil {
		t.Fatal(err)
	}
	ea, eb := entriesOf(l), entriesOf(got)
	for i := range ea {
		if ea[i].Hash != eb[i].Hash {
			t.Fatalf("plain entry %d differs", i)
		}
	}
	if err := WriteText(&buf, l, FormatMNR); !errors.Is(err, ErrBadList) {
		t.Errorf("WriteText(mnr): %v", err)
	}
}
