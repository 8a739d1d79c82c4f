package main

import (
	"bytes"
	"crypto/ed25519"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/mnr-sdk/mnr/hashmatch"
	"github.com/mnr-sdk/mnr/hashmatch/pdq"
)

// TestReproducible regenerates the demo data and requires the committed files to
// be identical, so testdata is exactly what the generator makes.
func TestReproducible(t *testing.T) {
	dir := t.TempDir()
	if err := generate(dir); err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join("..", "..", "testdata")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 8 {
		t.Fatalf("generated %d files, want 8", len(entries))
	}
	for _, e := range entries {
		got, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		want, err := os.ReadFile(filepath.Join(committed, e.Name()))
		if err != nil {
			t.Fatalf("%s is not committed: %v", e.Name(), err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the committed file: run go run ./examples/uploadscanner/internal/gendemo", e.Name())
		}
		if len(got) > 100<<10 {
			t.Errorf("%s is %d bytes; demo files stay small", e.Name(), len(got))
		}
	}
}

// TestDemoDistances checks the property the demo relies on: the near-duplicate is
// within the PDQ threshold of the known image, and the benign images are far from
// it.
func TestDemoDistances(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata")
	hash := func(name string) pdq.Hash {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		h, _, err := pdq.HashImage(img)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	known := hash("known.png")
	threshold := hashmatch.DefaultThreshold(hashmatch.KindPDQ)
	if d := pdq.Distance(known, hash("known-near.jpg")); d == 0 || d > threshold-8 {
		t.Errorf("near-duplicate at PDQ distance %d, want 1..%d (a clear match)", d, threshold-8)
	}
	for _, n := range []string{"benign-1.png", "benign-2.jpg", "benign-3.png"} {
		if d := pdq.Distance(known, hash(n)); d <= 2*threshold {
			t.Errorf("%s at PDQ distance %d from the known image, want far above %d", n, d, threshold)
		}
	}
}

// TestDemoList reads the committed list back with the demo key: signed, one
// entry per kind, all of the known image.
func TestDemoList(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata")
	pub, err := os.ReadFile(filepath.Join(dir, "demo-key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := hashmatch.ParsePublicKeys(pub)
	if err != nil {
		t.Fatal(err)
	}
	list, err := hashmatch.ReadListFile(t.Context(), filepath.Join(dir, "demo.mnrlist"), &hashmatch.ReadOptions{TrustedKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	st := hashmatch.Inspect(list)
	if st.Name != "demo" || st.Entries != 3 || st.Signer == "" {
		t.Errorf("demo list: %+v", st)
	}
	if !bytes.Equal(pub, hashmatch.MarshalPublicKey(demoKey().Public().(ed25519.PublicKey))) {
		t.Error("demo-key.pub is not the key derived from demoKeySeed")
	}
}
