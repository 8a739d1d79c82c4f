package hashmatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/mnr-sdk/mnr/terminology"
)

func zstdBytes(t testing.TB, b []byte, opts ...zstd.EOption) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf, opts...)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustRead(t *testing.T, in string, opts *ReadOptions) *List {
	t.Helper()
	l, err := ReadList(strings.NewReader(in), opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func byID(l *List) map[string]Entry {
	m := map[string]Entry{}
	for e := range l.All() {
		m[e.ID] = e
	}
	return m
}

const (
	md5a = "d41d8cd98f00b204e9800998ecf8427e"
	md5b = "0cc175b9c0f1b6a831c399e269772661"
	sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
	pdqA = "f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22"
	pdqB = "0000000000000000000000000000000000000000000000000000000000000001"
)

func TestReadPlain(t *testing.T) {
	in := "# a comment\n" + md5a + "\n\n  " + strings.ToUpper(md5b) + "  \r\n" + sha1 + "\npdq:" + pdqA + "\n" + md5a + "\n"
	l := mustRead(t, in, &ReadOptions{Info: ListInfo{Name: "plain"}, Categories: []string{"A1"}})
	if l.Format() != FormatPlain || l.Len() != 4 || l.LoadStats().Duplicates != 1 || l.LoadStats().Lines != 7 {
		t.Fatalf("format %v len %d stats %+v", l.Format(), l.Len(), l.LoadStats())
	}
	m := byID(l)
	// IDs are line numbers; the duplicate on line 7 merged into line 2.
	for id, hx := range map[string]string{"2": md5a, "4": md5b, "5": sha1, "6": pdqA} {
		if m[id].Hash.Hex() != hx {
			t.Errorf("entry %s = %s, want %s", id, m[id].Hash.Hex(), hx)
		}
		if !slices.Equal(m[id].Codes, []string{"industry:A1"}) {
			t.Errorf("entry %s codes %v", id, m[id].Codes)
		}
	}
	// A 64-digit hash needs a kind.
	_, err := ReadList(strings.NewReader(pdqA+"\n"), nil)
	var le *LineError
	if !errors.As(err, &le) || le.Line != 1 || !errors.Is(err, ErrUnknownKind) {
		t.Fatalf("ambiguous length: %v", err)
	}
	l = mustRead(t, pdqA+"\n"+pdqB+"\n", &ReadOptions{Kind: KindPDQ, Info: ListInfo{Name: "p"}})
	if l.Count(KindPDQ) != 2 {
		t.Fatalf("pdq count %d", l.Count(KindPDQ))
	}
}

func TestReadCSVAndTSV(t *testing.T) {
	csv := "\ufeffID,Hash,Type,Categories,quality,extra\n" +
		"e1," + pdqA + ",pdq,\"csam; A1\",90,x\n" +
		"\"e,2\"," + pdqB + ",PDQ,B2|grooming,10,y\n" +
		"e3," + md5a + ",md5,,,\n" +
		"\"e\"\"4\"," + sha1 + ",sha-1,industry:A2,,\n"
	l := mustRead(t, csv, &ReadOptions{Info: ListInfo{Name: "csv"}, MinQuality: 50})
	if l.Format() != FormatCSV || l.Len() != 3 || l.LoadStats().LowQuality != 1 {
		t.Fatalf("format %v len %d stats %+v", l.Format(), l.Len(), l.LoadStats())
	}
	m := byID(l)
	if e := m["e1"]; e.Hash.Kind() != KindPDQ || e.Hash.Hex() != pdqA || !slices.Equal(e.Codes, []string{"csam", "industry:A1"}) {
		t.Errorf("e1: %v %v", e.Hash, e.Codes)
	}
	if _, ok := m["e,2"]; ok {
		t.Error("low-quality entry kept")
	}
	if e := m["e3"]; e.Hash.Kind() != KindMD5 || len(e.Codes) != 0 {
		t.Errorf("e3: %v %v", e.Hash, e.Codes)
	}
	if e := m[`e"4`]; e.Hash.Kind() != KindSHA1 || !slices.Equal(e.Codes, []string{"industry:A2"}) {
		t.Errorf("e\"4: %v %v", e.Hash, e.Codes)
	}

	tsv := "hash\tcategories\n" + md5a + "\tcsam\n" + md5b + "\t\n"
	l = mustRead(t, tsv, &ReadOptions{Info: ListInfo{Name: "tsv"}, Categories: []string{"A2"}})
	m = byID(l)
	if l.Format() != FormatTSV || !slices.Equal(m["2"].Codes, []string{"csam", "industry:A2"}) || !slices.Equal(m["3"].Codes, []string{"industry:A2"}) {
		t.Errorf("tsv: %v %v %v", l.Format(), m["2"].Codes, m["3"].Codes)
	}
}

func TestReadBadLines(t *testing.T) {
	in := "hash,kind,categories\n" +
		md5a + ",md5,csam\n" +
		"zz" + md5a[2:] + ",md5,csam\n" + // not hex
		md5a[:30] + ",md5,csam\n" + // short
		md5b + ",crc32,csam\n" + // unknown kind
		md5b + ",md5,nonsense\n" + // unknown category
		"\"unterminated,md5,csam\n" +
		strings.Repeat("a", 5000) + "\n" + // too long
		sha1 + ",sha1,A1\n"
	cases := []struct {
		line int
		want error
		col  string
	}{
		{3, ErrBadHash, "hash"}, {4, ErrBadHash, "hash"}, {5, ErrUnknownKind, "kind"},
		{6, terminology.ErrUnknownCategory, "categories"}, {7, ErrBadList, ""}, {8, ErrTooLarge, ""},
	}
	// Strict: the first bad line fails the load.
	_, err := ReadList(strings.NewReader(in), &ReadOptions{Info: ListInfo{Name: "bad"}})
	var le *LineError
	if !errors.As(err, &le) || le.Line != 3 || !errors.Is(err, ErrBadHash) {
		t.Fatalf("strict: %v", err)
	}
	// Lenient: skipped and counted, with line numbers and reasons.
	l, err := ReadList(strings.NewReader(in), &ReadOptions{Info: ListInfo{Name: "bad"}, Lenient: true})
	if err != nil {
		t.Fatal(err)
	}
	st := l.LoadStats()
	if l.Len() != 2 || st.Skipped != len(cases) || len(st.Problems) != len(cases) {
		t.Fatalf("len %d skipped %d problems %d", l.Len(), st.Skipped, len(st.Problems))
	}
	for i, c := range cases {
		p := st.Problems[i]
		if p.Line != c.line || !errors.Is(p, c.want) || p.Column != c.col {
			t.Errorf("problem %d: line %d col %q err %v; want line %d col %q %v", i, p.Line, p.Column, p, c.line, c.col, c.want)
		}
		// Errors never repeat the line's content.
		if msg := p.Error(); strings.Contains(msg, md5a[2:20]) || strings.Contains(msg, md5b[:20]) || strings.Contains(msg, "nonsense") || strings.Contains(msg, "aaaaaaaa") {
			t.Errorf("problem %d echoes input: %s", i, msg)
		}
	}
	l, _ = ReadList(strings.NewReader(in), &ReadOptions{Info: ListInfo{Name: "bad"}, Lenient: true, MaxProblems: 2})
	if st := l.LoadStats(); st.Skipped != len(cases) || len(st.Problems) != 2 {
		t.Errorf("MaxProblems: skipped %d problems %d", st.Skipped, len(st.Problems))
	}
	// A CSV without a header naming a hash column.
	_, err = ReadList(strings.NewReader(md5a+",csam\n"), nil)
	if !errors.Is(err, ErrBadList) {
		t.Errorf("headerless CSV: %v", err)
	}
}

func TestReadZstdAndBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	var sb strings.Builder
	for range 1000 {
		sb.WriteString(randHash(rng, KindSHA256).Hex() + "\n")
	}
	plain := sb.String()
	z := zstdBytes(t, []byte(plain))
	l, err := ReadList(bytes.NewReader(z), &ReadOptions{Kind: KindSHA256, Info: ListInfo{Name: "z"}})
	if err != nil || l.Len() != 1000 {
		t.Fatalf("zstd: %v len %v", err, l)
	}
	// A window larger than the decoder cap is refused, not decoded.
	big := zstdBytes(t, []byte(plain), zstd.WithWindowSize(8<<20), zstd.WithSingleSegment(false))
	_, err = ReadList(bytes.NewReader(big), &ReadOptions{Kind: KindSHA256, Info: ListInfo{Name: "z"}, MaxDecoderMemory: 1 << 20})
	if err == nil {
		// The encoder may choose a smaller window for small input; force
		// a big window by giving it more data than the cap.
		bigIn := strings.Repeat(plain, 40)
		big = zstdBytes(t, []byte(bigIn), zstd.WithWindowSize(8<<20), zstd.WithSingleSegment(false))
		_, err = ReadList(bytes.NewReader(big), &ReadOptions{Kind: KindSHA256, Info: ListInfo{Name: "z"}, MaxDecoderMemory: 1 << 20})
	}
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("window over cap: %v", err)
	}
	// Truncated zstd is corrupt.
	_, err = ReadList(bytes.NewReader(z[:len(z)/2]), &ReadOptions{Kind: KindSHA256, Info: ListInfo{Name: "z"}})
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("truncated zstd: %v", err)
	}
	// Bounds.
	_, err = ReadList(strings.NewReader(plain), &ReadOptions{Kind: KindSHA256, Info: ListInfo{Name: "z"}, MaxEntries: 10})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxEntries: %v", err)
	}
	_, err = ReadList(strings.NewReader(plain), &ReadOptions{Kind: KindSHA256, Info: ListInfo{Name: "z"}, MaxBytes: 1000})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxBytes: %v", err)
	}
	// A zstd bomb of blank lines stops at MaxBytes.
	bomb := zstdBytes(t, bytes.Repeat([]byte("\n"), 4<<20))
	_, err = ReadList(bytes.NewReader(bomb), &ReadOptions{Kind: KindSHA256, Info: ListInfo{Name: "z"}, MaxBytes: 1 << 20})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("bomb: %v", err)
	}
}

func TestReadFormatOption(t *testing.T) {
	// Forcing plain treats a comma line as a bad hash instead of a header.
	_, err := ReadList(strings.NewReader("hash,kind\n"), &ReadOptions{Format: FormatPlain, Info: ListInfo{Name: "f"}})
	if !errors.Is(err, ErrBadHash) && !errors.Is(err, ErrUnknownKind) {
		t.Errorf("forced plain: %v", err)
	}
	_, err = ReadList(strings.NewReader(md5a+"\n"), &ReadOptions{Format: FormatMNR})
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("forced mnr on text: %v", err)
	}
	for _, f := range []Format{FormatAuto, FormatPlain, FormatCSV, FormatTSV, FormatMNR} {
		if g, err := ParseFormat(f.String()); err != nil || g != f {
			t.Errorf("ParseFormat(%v) = %v, %v", f, g, err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml) succeeded")
	}
}

func TestReadEmptyAndCancelled(t *testing.T) {
	l := mustRead(t, "# nothing\n\n", &ReadOptions{Info: ListInfo{Name: "e"}})
	if l.Len() != 0 || len(l.Kinds()) != 0 {
		t.Errorf("empty list: %d", l.Len())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadListContext(ctx, strings.NewReader(md5a), &ReadOptions{Info: ListInfo{Name: "e"}}); err == nil {
		t.Error("cancelled read succeeded")
	}
}

// errReader fails after some bytes.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, e.err
	}
	return n, err
}

func TestReadIOError(t *testing.T) {
	boom := fmt.Errorf("disk on fire")
	_, err := ReadList(&errReader{r: strings.NewReader(md5a + "\n"), err: boom}, &ReadOptions{Info: ListInfo{Name: "io"}})
	if !errors.Is(err, boom) {
		t.Errorf("io error: %v", err)
	}
}
