package hashmatch

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// Fuzz targets for every parser of untrusted list bytes. Seed corpora live
// in testdata/fuzz/FuzzXxx; regenerate them with
//
//	go test -run TestWriteFuzzCorpus -mnr.fuzzcorpus ./hashmatch
//
// and fuzz with e.g. go test -run '^$' -fuzz FuzzReadList ./hashmatch.

var writeFuzzCorpus = flag.Bool("mnr.fuzzcorpus", false, "rewrite the seed corpora in testdata/fuzz")

// fuzzReadOptions keeps fuzz inputs cheap.
func fuzzReadOptions() *ReadOptions {
	return &ReadOptions{Info: ListInfo{Name: "fuzz"}, MaxEntries: 5000, MaxBytes: 1 << 20,
		MaxDecoderMemory: 1 << 20, MaxHeaderBytes: 1 << 16, MaxCategorySets: 256}
}

// knownError reports whether err carries one of the package's sentinels.
func knownError(err error) bool {
	var le *LineError
	return errors.As(err, &le) || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrTooLarge) ||
		errors.Is(err, ErrBadHash) || errors.Is(err, ErrUnknownKind) || errors.Is(err, ErrBadList) ||
		errors.Is(err, ErrCategory) || errors.Is(err, ErrUntrusted)
}

// checkList verifies the invariants of a list read from fuzz input: it
// respects the bounds and survives an mnr and a CSV round trip.
func checkList(t *testing.T, l *List, o *ReadOptions) {
	if l.Len() > o.MaxEntries {
		t.Fatalf("%d entries over the bound %d", l.Len(), o.MaxEntries)
	}
	for _, c := range l.cols {
		for i := 1; i < c.n; i++ {
			if bytes.Compare(wordsBytes(c.codes[(i-1)*c.words:i*c.words]), wordsBytes(c.codes[i*c.words:(i+1)*c.words])) >= 0 {
				t.Fatal("column not strictly sorted")
			}
		}
	}
	var buf bytes.Buffer
	if err := WriteList(&buf, l, nil); err != nil {
		t.Fatalf("WriteList: %v", err)
	}
	back, err := ReadList(&buf, nil)
	if err != nil {
		t.Fatalf("re-reading written list: %v", err)
	}
	if back.Len() != l.Len() {
		t.Fatalf("round trip: %d entries, want %d", back.Len(), l.Len())
	}
	buf.Reset()
	if err := WriteText(&buf, l, FormatCSV); err != nil {
		t.Fatal(err)
	}
	if back, err := ReadList(&buf, &ReadOptions{Info: ListInfo{Name: "x"}}); err != nil || back.Len() != l.Len() {
		t.Fatalf("CSV round trip: %v", err)
	}
}

func wordsBytes(w []uint64) []byte {
	b := make([]byte, 0, 8*len(w))
	for _, x := range w {
		b = append(b, byte(x>>56), byte(x>>48), byte(x>>40), byte(x>>32), byte(x>>24), byte(x>>16), byte(x>>8), byte(x))
	}
	return b
}

// textSeeds are plain, CSV and TSV lists, good and bad.
func textSeeds() [][]byte {
	seeds := []string{
		md5a + "\n" + md5b + "\n",
		"# c\n\npdq:" + pdqA + "\nsha1:" + sha1 + "\n",
		"hash,kind,categories,id,quality\n" + pdqA + ",pdq,\"csam;A1\",x,80\n" + md5a + ",md5,B2|grooming,\"q\"\"d\",\n",
		"hash\tkind\tcategories\n" + sha1 + "\tsha-1\tcsam\n" + md5b + "\tmd5\t\n",
		"hash,kind\n" + md5a + ",md5\n\"unterminated\n" + md5b + ",crc\n",
		"id,hash\n1,zz\n",
	}
	out := make([][]byte, len(seeds))
	for i, s := range seeds {
		out[i] = []byte(s)
	}
	return out
}

func FuzzReadList(f *testing.F) {
	for _, s := range textSeeds() {
		f.Add(s)
	}
	f.Add(zstdBytes(f, textSeeds()[2]))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, lenient := range []bool{false, true} {
			o := fuzzReadOptions()
			o.Lenient = lenient
			l, err := ReadList(bytes.NewReader(data), o)
			if err != nil {
				if !knownError(err) {
					t.Fatalf("untyped error: %v", err)
				}
				continue
			}
			checkList(t, l, o)
		}
	})
}

// mnrSeeds are small mnr files of several shapes.
func mnrSeeds(tb testing.TB) [][]byte {
	var out [][]byte
	for _, n := range []int{0, 3, 40} {
		out = append(out, writeBytes(tb, testList(tb, uint64(n+1), n)))
	}
	return out
}

func FuzzReadMNR(f *testing.F) {
	for _, s := range mnrSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o := fuzzReadOptions()
		o.Format = FormatMNR
		l, err := ReadList(bytes.NewReader(data), o)
		if err != nil {
			if !knownError(err) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		checkList(t, l, o)
	})
}

// mnrPayloads are the decompressed payloads of the mnr seeds: fuzzing them
// (FuzzMNRPayload compresses each input) reaches the parser behind zstd's
// checksums.
func mnrPayloads(tb testing.TB) [][]byte {
	var out [][]byte
	for _, f := range mnrSeeds(tb) {
		d, err := zstd.NewReader(bytes.NewReader(f[len(mnrMagic):]))
		if err != nil {
			tb.Fatal(err)
		}
		p, err := io.ReadAll(d)
		d.Close()
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// fuzzEncoder compresses fuzz payloads (creating an encoder per input would
// dominate the run).
var fuzzEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))

func FuzzMNRPayload(f *testing.F) {
	for _, s := range mnrPayloads(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		file := fuzzEncoder.EncodeAll(payload, slices.Clone(mnrMagic))
		o := fuzzReadOptions()
		l, err := ReadList(bytes.NewReader(file), o)
		if err != nil {
			if !knownError(err) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		checkList(t, l, o)
	})
}

func screenSeeds(tb testing.TB) [][]byte {
	l := testList(tb, 3, 60)
	var out [][]byte
	for _, fp := range []float64{0.1, 1e-6} {
		s, err := NewScreen([]*List{l}, &ScreenOptions{FalsePositiveRate: fp})
		if err != nil {
			tb.Fatal(err)
		}
		var buf bytes.Buffer
		s.WriteTo(&buf)
		out = append(out, buf.Bytes())
	}
	return out
}

func FuzzReadScreen(f *testing.F) {
	for _, s := range screenSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ReadScreen(bytes.NewReader(data), &ScreenReadOptions{MaxBytes: 1 << 20, MaxDecoderMemory: 1 << 20})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		// Any hash can be tested without panicking.
		for _, k := range Kinds() {
			s.MayContain(Hash{kind: k})
		}
	})
}

func sigSeeds(tb testing.TB) [][]byte {
	rng := rand.New(rand.NewPCG(1, 1))
	_, priv, _ := ed25519.GenerateKey(rngReader{rng})
	sig, err := Sign(bytes.NewReader([]byte("list")), priv)
	if err != nil {
		tb.Fatal(err)
	}
	return [][]byte{sig, []byte("# c\n\n" + string(sig) + string(sig)), []byte("mnr-sig-v1 ed25519ph 00 AAAA\n")}
}

func FuzzSignatureFile(f *testing.F) {
	for _, s := range sigSeeds(f) {
		f.Add(s)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	pub, _, _ := ed25519.GenerateKey(rngReader{rng}) // the seeds' key
	f.Fuzz(func(t *testing.T, sig []byte) {
		id, err := Verify(bytes.NewReader([]byte("list")), sig, []ed25519.PublicKey{pub})
		if err != nil && !errors.Is(err, ErrUntrusted) {
			t.Fatalf("untyped error: %v", err)
		}
		if err == nil && id != KeyID(pub) {
			t.Fatalf("verified under key %q", id)
		}
		// Key files are parsed without panicking.
		ParsePublicKeys(sig)
		ParsePrivateKey(sig)
	})
}

// TestWriteFuzzCorpus rewrites testdata/fuzz from the seeds above (run with
// -mnr.fuzzcorpus), so the corpora stay in step with the formats.
func TestWriteFuzzCorpus(t *testing.T) {
	if !*writeFuzzCorpus {
		t.Skip("run with -mnr.fuzzcorpus to rewrite testdata/fuzz")
	}
	write := func(target string, seeds [][]byte) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, s := range seeds {
			content := "go test fuzz v1\n[]byte(" + strconv.Quote(string(s)) + ")\n"
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	text := textSeeds()
	text = append(text, zstdBytes(t, text[2]))
	write("FuzzReadList", text)
	write("FuzzReadMNR", mnrSeeds(t))
	write("FuzzMNRPayload", mnrPayloads(t))
	write("FuzzReadScreen", screenSeeds(t))
	write("FuzzSignatureFile", sigSeeds(t))
}
