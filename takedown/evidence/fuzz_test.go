package evidence

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

var updateFuzz = flag.Bool("update-fuzz-corpus", false, "rewrite the seed corpora in testdata/fuzz")

var fuzzContent = []byte("fuzz content: a stand-in for an image, repeated repeated repeated repeated")

// fuzzFixture returns a deterministic keyring, the digest of fuzzContent, and a
// genuine blob and manifest for it.
func fuzzFixture(t testing.TB) (*Keyring, Digest, []byte, []byte) {
	t.Helper()
	kr := keyring(t, "k1")
	d := Sum(fuzzContent)
	k := kr.activeKey()
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		t.Fatal(err)
	}
	comp := enc.EncodeAll(fuzzContent, nil)
	blob := seal(append(newEnvelope(kindBlob, k, len(comp)), comp...), k, d[:])
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m := &manifest{V: manifestVersion, Digest: d, Size: int64(len(fuzzContent)), Stored: int64(len(blob)),
		ContentType: "image/png", Created: at, RetainUntil: at.AddDate(1, 0, 0), KeyID: "k1",
		Holds: []Hold{{ID: "h1", Reason: "r", Actor: "a", Placed: at}}, Labels: map[string]string{"k": "v"},
		CaseIDs: []string{"c1"}}
	js, err := m.encode()
	if err != nil {
		t.Fatal(err)
	}
	name := kr.name(d)
	meta := seal(append(newEnvelope(kindManifest, k, len(js)), js...), k, name[:])
	return kr, d, blob, meta
}

// FuzzOpenEnvelope feeds arbitrary bytes to the blob and manifest decoders.
// Property: they never panic, fail only with the typed errors, and accept only
// genuine objects (a blob must yield fuzzContent, a manifest must name it).
func FuzzOpenEnvelope(f *testing.F) {
	kr, d, blob, meta := fuzzFixture(f)
	f.Add(blob)
	f.Add(meta)
	f.Add(blob[:fixedHeaderLen])
	f.Add([]byte("MNRE\x01b\x02k1"))
	dec, err := zstd.NewReader(nil, zstd.WithDecoderMaxMemory(1<<20), zstd.WithDecodeAllCapLimit(true))
	if err != nil {
		f.Fatal(err)
	}
	defer dec.Close()
	name := kr.name(d)
	typed := func(err error) bool {
		return errors.Is(err, ErrTampered) || errors.Is(err, ErrCorrupt) ||
			errors.Is(err, ErrWrongKey) || errors.Is(err, ErrUnknownKey)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		comp, _, err := kr.openEnvelope(bytes.Clone(data), kindBlob, d[:])
		if err != nil && !typed(err) {
			t.Fatalf("blob: untyped error %v", err)
		}
		if err == nil {
			plain, err := dec.DecodeAll(comp, make([]byte, 0, len(fuzzContent)))
			if err != nil || !bytes.Equal(plain, fuzzContent) {
				t.Fatalf("a blob authenticated but does not hold the content (%v)", err)
			}
		}
		js, _, err := kr.openEnvelope(bytes.Clone(data), kindManifest, name[:])
		if err != nil && !typed(err) {
			t.Fatalf("manifest: untyped error %v", err)
		}
		if err == nil {
			m, err := decodeManifest(js)
			if err != nil || m.Digest != d {
				t.Fatalf("a manifest authenticated but does not describe the item (%v)", err)
			}
		}
	})
}

// FuzzDecodeManifest feeds arbitrary JSON to the manifest decoder. Property: it
// never panics, fails only with ErrCorrupt, and what it accepts re-encodes to a
// stable form that decodes again.
func FuzzDecodeManifest(f *testing.F) {
	kr, d, _, meta := fuzzFixture(f)
	name := kr.name(d)
	js, _, err := kr.openEnvelope(bytes.Clone(meta), kindManifest, name[:])
	if err != nil {
		f.Fatal(err)
	}
	f.Add(js)
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`{"v":1,"digest":"` + d.String() + `","size":-1}`))
	f.Add([]byte(`{}{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeManifest(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		e1, err := m.encode()
		if err != nil {
			t.Fatalf("accepted manifest does not encode: %v", err)
		}
		m2, err := decodeManifest(e1)
		if err != nil {
			t.Fatalf("re-encoded manifest rejected: %v\n%s", err, e1)
		}
		e2, _ := m2.encode()
		if !bytes.Equal(e1, e2) {
			t.Fatalf("encoding not stable:\n%s\n%s", e1, e2)
		}
	})
}

// FuzzReadAudit feeds arbitrary bytes to the audit verifier. Property: it never
// panics, fails only with *AuditError, and an accepted log has one entry per line.
func FuzzReadAudit(f *testing.F) {
	var log bytes.Buffer
	head := AuditHead{}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, e := range []AuditEntry{
		{Event: EventPut, Ref: genesis, RetainUntil: at, KeyID: "k1"},
		{Event: EventHold, Ref: genesis, Hold: "h", Reason: "<\"r\">", Actor: "a"},
		{Event: EventPurge, Ref: genesis, Reason: "retention period ended"},
	} {
		e.Seq, e.Time, e.Prev = uint64(i+1), at, genesis
		if head.Hash != "" {
			e.Prev = head.Hash
		}
		line, h, err := sealEntry(e)
		if err != nil {
			f.Fatal(err)
		}
		log.Write(line)
		head = AuditHead{Seq: e.Seq, Hash: h}
	}
	f.Add(log.Bytes())
	f.Add(log.Bytes()[:log.Len()/2])
	f.Add([]byte("{}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := VerifyAudit(bytes.NewReader(b))
		if err != nil {
			var ae *AuditError
			if !errors.As(err, &ae) {
				t.Fatalf("error is not an *AuditError: %v", err)
			}
			return
		}
		if int(h.Seq) != bytes.Count(b, []byte("\n")) {
			t.Fatalf("accepted a log of %d lines as %d entries", bytes.Count(b, []byte("\n")), h.Seq)
		}
	})
}

// TestWriteFuzzCorpus rewrites the kept seed corpora when run with
// -update-fuzz-corpus; otherwise it checks that they exist.
func TestWriteFuzzCorpus(t *testing.T) {
	kr, d, blob, meta := fuzzFixture(t)
	name := kr.name(d)
	js, _, err := kr.openEnvelope(bytes.Clone(meta), kindManifest, name[:])
	if err != nil {
		t.Fatal(err)
	}
	truncated := blob[:len(blob)-5]
	flipped := bytes.Clone(blob)
	flipped[len(flipped)/2] ^= 1
	seeds := map[string][][]byte{
		"FuzzOpenEnvelope":   {blob, meta, truncated, flipped, blob[:fixedHeaderLen+2]},
		"FuzzDecodeManifest": {js, []byte(`{"v":1,"digest":"zz"}`), []byte(`{"v":1,"holds":[{"id":""}]}`)},
		"FuzzReadAudit":      {auditSeed(t), []byte("{\"seq\":1}\n"), []byte("\n\n")},
	}
	for target, list := range seeds {
		dir := filepath.Join("testdata", "fuzz", target)
		if !*updateFuzz {
			entries, err := os.ReadDir(dir)
			if err != nil || len(entries) == 0 {
				t.Errorf("no kept corpus for %s (run go test -run TestWriteFuzzCorpus -update-fuzz-corpus): %v", target, err)
			}
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, s := range list {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%d", i)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func auditSeed(t *testing.T) []byte {
	e := newDirEnv(t, nil)
	it := e.put([]byte("x"), PutOptions{Holds: []Hold{{ID: "h"}}})
	e.v.Release(t.Context(), it.Digest, "h")
	return mustRead(t, filepath.Join(e.dir, AuditFileName))
}
