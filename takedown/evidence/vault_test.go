package evidence

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPutOpenRoundTrip(t *testing.T) {
	e := newDirEnv(t, nil)
	ctx := context.Background()
	cases := map[string][]byte{
		"empty":        {},
		"one byte":     {0x42},
		"text":         []byte("not an image, just bytes"),
		"random 300K":  randomBytes(1, 300<<10),
		"repetitive1M": bytes.Repeat([]byte("0123456789abcdef"), 1<<16),
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			until := e.clock.Now().AddDate(2, 0, 0)
			it := e.put(content, PutOptions{RetainUntil: until, ContentType: "image/jpeg",
				Labels: map[string]string{"source": "upload"}, CaseIDs: []string{"case-1"}})
			if it.Digest != Sum(content) {
				t.Fatalf("Digest = %s, want SHA-256 of the content", it.Digest)
			}
			if it.Size != int64(len(content)) || it.ContentType != "image/jpeg" || it.KeyID != "k1" ||
				!it.RetainUntil.Equal(until) || !it.Created.Equal(e.clock.Now()) || it.Ref != e.v.Ref(it.Digest) {
				t.Fatalf("Put returned %+v", it)
			}
			got, err := readAll(t, e.v, it.Digest)
			if err != nil || !bytes.Equal(got, content) {
				t.Fatalf("Open read %d bytes (err %v), want the %d put", len(got), err, len(content))
			}
			st, err := e.v.Stat(ctx, it.Digest)
			if err != nil {
				t.Fatalf("Stat: %v", err)
			}
			if st.Labels["source"] != "upload" || !slices.Equal(st.CaseIDs, []string{"case-1"}) || st.StoredSize != it.StoredSize {
				t.Fatalf("Stat = %+v, want the metadata put", st)
			}
			b, it2, err := e.v.ReadAll(ctx, it.Digest)
			if err != nil || !bytes.Equal(b, content) || it2.Digest != it.Digest {
				t.Fatalf("ReadAll: %d bytes, err %v", len(b), err)
			}
		})
	}
	// Repetitive content is stored compressed.
	it, _ := e.v.Stat(ctx, Sum(cases["repetitive1M"]))
	if it.StoredSize > it.Size/10 {
		t.Errorf("1 MiB of repetitive bytes stored as %d bytes; zstd should shrink it", it.StoredSize)
	}
	// Survives a reopen.
	e.reopen(keyring(t, "k1"))
	for name, content := range cases {
		if got, err := readAll(t, e.v, Sum(content)); err != nil || !bytes.Equal(got, content) {
			t.Errorf("%s after reopen: err %v", name, err)
		}
	}
	if n := len(collect(t, e.v.Items(ctx))); n != len(cases) {
		t.Errorf("Items yielded %d items, want %d", n, len(cases))
	}
}

func TestOpenUnknownDigest(t *testing.T) {
	e := newDirEnv(t, nil)
	d := Sum([]byte("never stored"))
	if _, err := e.v.Open(context.Background(), d); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open: err = %v, want ErrNotFound", err)
	}
	if _, err := e.v.Stat(context.Background(), d); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Stat: err = %v, want ErrNotFound", err)
	}
}

func TestReaderSeekAndClose(t *testing.T) {
	e := newDirEnv(t, nil)
	content := []byte("0123456789")
	it := e.put(content, PutOptions{})
	r, err := e.v.Open(context.Background(), it.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Seek(5, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(r)
	if string(rest) != "56789" || r.Size() != 10 || r.Item().Digest != it.Digest {
		t.Fatalf("after Seek(5) read %q", rest)
	}
	buf := r.buf
	r.Close()
	if !bytes.Equal(buf, make([]byte, len(buf))) {
		t.Fatalf("Close left plaintext in memory: %q", buf)
	}
	if _, err := r.Read(make([]byte, 1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close: err = %v, want ErrClosed", err)
	}
}

func TestPutDedupe(t *testing.T) {
	e := newDirEnv(t, nil)
	content := randomBytes(2, 50000)
	a := e.put(content, PutOptions{Labels: map[string]string{"a": "1", "b": "old"}, CaseIDs: []string{"c1"}})
	e.clock.Add(time.Hour)
	b := e.put(content, PutOptions{Labels: map[string]string{"b": "new"}, CaseIDs: []string{"c1", "c2"},
		Holds: []Hold{{ID: "h1", Reason: "preservation request"}}, ContentType: "image/png"})
	if a.Digest != b.Digest || !b.Created.Equal(a.Created) {
		t.Fatalf("second Put made another item: %+v vs %+v", a, b)
	}
	if got := e.files(nsBlob); len(got) != 1 {
		t.Fatalf("backend holds %d blobs, want 1", len(got))
	}
	if b.Labels["a"] != "1" || b.Labels["b"] != "new" || !slices.Equal(b.CaseIDs, []string{"c1", "c2"}) ||
		len(b.Holds) != 1 || b.ContentType != "image/png" {
		t.Fatalf("merged item = %+v", b)
	}
	// The default retention, counted from the second Put, is later: extended.
	if want := e.clock.Now().AddDate(1, 0, 0); !b.RetainUntil.Equal(want) {
		t.Fatalf("RetainUntil = %v, want %v", b.RetainUntil, want)
	}
	if got := events(e.audit()); got != "put,extend,hold" {
		t.Fatalf("audit events = %s, want put,extend,hold", got)
	}
	// A third identical Put with nothing new changes nothing and audits nothing.
	e.put(content, PutOptions{RetainUntil: e.clock.Now().Add(time.Hour)})
	if got := events(e.audit()); got != "put,extend,hold" {
		t.Fatalf("audit after a no-op Put = %s", got)
	}
}

func TestRetentionNeverShortened(t *testing.T) {
	e := newDirEnv(t, nil)
	ctx := context.Background()
	now := e.clock.Now()
	late, early := now.AddDate(3, 0, 0), now.AddDate(0, 6, 0)
	it := e.put([]byte("evidence"), PutOptions{RetainUntil: late})
	if it = e.put([]byte("evidence"), PutOptions{RetainUntil: early}); !it.RetainUntil.Equal(late) {
		t.Fatalf("Put with an earlier date shortened retention to %v", it.RetainUntil)
	}
	if it = e.put([]byte("evidence"), PutOptions{}); !it.RetainUntil.Equal(late) {
		t.Fatalf("Put with the default shortened retention to %v", it.RetainUntil)
	}
	it, err := e.v.Extend(ctx, it.Digest, early)
	if err != nil || !it.RetainUntil.Equal(late) {
		t.Fatalf("Extend to an earlier date: %v, retention %v", err, it.RetainUntil)
	}
	later := late.AddDate(1, 0, 0)
	if it, err = e.v.Extend(ctx, it.Digest, later); err != nil || !it.RetainUntil.Equal(later) {
		t.Fatalf("Extend to a later date: %v, retention %v", err, it.RetainUntil)
	}
	e.reopen(keyring(t, "k1"))
	if st, _ := e.v.Stat(ctx, it.Digest); !st.RetainUntil.Equal(later) {
		t.Fatalf("retention after reopen = %v, want %v", st.RetainUntil, later)
	}
	if got := events(e.audit()); got != "put,extend" {
		t.Fatalf("audit = %s, want put,extend (no entry for the refused shortenings)", got)
	}
	if _, err := e.v.Extend(ctx, Sum([]byte("absent")), later); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Extend of an unknown item: err = %v", err)
	}
	if _, err := e.v.Extend(ctx, it.Digest, time.Time{}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("Extend to the zero time: err = %v", err)
	}
}

func TestPutRejectsBadOptions(t *testing.T) {
	e := newDirEnv(t, nil)
	now := e.clock.Now()
	many := make([]Hold, MaxHolds+1)
	for i := range many {
		many[i] = Hold{ID: strings.Repeat("h", i+1)}
	}
	labels := map[string]string{}
	for i := range MaxLabels + 1 {
		labels[strings.Repeat("k", i+1)] = "v"
	}
	cases := map[string]PutOptions{
		"retention in the past": {RetainUntil: now.Add(-time.Second)},
		"retention year 10000":  {RetainUntil: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		"negative MaxBytes":     {MaxBytes: -1},
		"too many holds":        {Holds: many},
		"duplicate hold":        {Holds: []Hold{{ID: "a"}, {ID: "a"}}},
		"empty hold ID":         {Holds: []Hold{{ID: ""}}},
		"hold ID too long":      {Holds: []Hold{{ID: strings.Repeat("x", MaxHoldIDLen+1)}}},
		"reason too long":       {Holds: []Hold{{ID: "a", Reason: strings.Repeat("x", MaxReasonLen+1)}}},
		"control in reason":     {Holds: []Hold{{ID: "a", Reason: "line\nbreak"}}},
		"invalid UTF-8":         {Holds: []Hold{{ID: "a\xff"}}},
		"too many labels":       {Labels: labels},
		"bad label key":         {Labels: map[string]string{"a b": "v"}},
		"long label value":      {Labels: map[string]string{"k": strings.Repeat("v", MaxLabelValueLen+1)}},
		"duplicate case ID":     {CaseIDs: []string{"c", "c"}},
		"empty case ID":         {CaseIDs: []string{""}},
		"long content type":     {ContentType: strings.Repeat("x", MaxContentTypeLen+1)},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := e.v.Put(context.Background(), strings.NewReader("x"), o)
			if !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("err = %v, want ErrInvalidArgument", err)
			}
		})
	}
	if got := e.files(nsBlob); len(got) != 0 {
		t.Fatalf("rejected Puts stored %d blobs", len(got))
	}
	if _, err := e.v.Put(context.Background(), nil, PutOptions{}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("Put(nil reader): err = %v", err)
	}
	ctx := WithActor(context.Background(), "bad\x00actor")
	if _, err := e.v.Put(ctx, strings.NewReader("x"), PutOptions{}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("Put with a bad actor: err = %v", err)
	}
}

func TestSizeLimit(t *testing.T) {
	e := newDirEnv(t, &Options{MaxBytes: 1000})
	ctx := context.Background()
	if _, err := e.v.Put(ctx, bytes.NewReader(make([]byte, 1001)), PutOptions{}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Put of 1001 bytes: err = %v, want ErrTooLarge", err)
	}
	// An unsized stream too.
	if _, err := e.v.Put(ctx, io.LimitReader(zeroReader{}, 5000), PutOptions{}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Put of a 5000-byte stream: err = %v, want ErrTooLarge", err)
	}
	if n := len(e.files(nsBlob)) + len(e.files(nsMeta)); n != 0 {
		t.Fatalf("oversized Puts left %d objects", n)
	}
	if _, err := os.Stat(filepath.Join(e.dir, AuditFileName)); err != nil {
		t.Fatal(err)
	}
	if got := e.audit(); len(got) != 0 {
		t.Fatalf("oversized Puts were audited: %s", events(got))
	}
	if _, err := e.v.Put(ctx, bytes.NewReader(make([]byte, 1000)), PutOptions{}); err != nil {
		t.Fatalf("Put of exactly 1000 bytes: %v", err)
	}
	if _, err := e.v.Put(ctx, bytes.NewReader(make([]byte, 11)), PutOptions{MaxBytes: 10}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Put above PutOptions.MaxBytes: err = %v", err)
	}
	// PutOptions.MaxBytes cannot raise the vault's bound.
	if _, err := e.v.Put(ctx, bytes.NewReader(make([]byte, 1001)), PutOptions{MaxBytes: 1 << 20}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("PutOptions.MaxBytes raised the bound: err = %v", err)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestConcurrentPutsOfSameContent(t *testing.T) {
	e := newDirEnv(t, nil)
	content := randomBytes(3, 200<<10)
	var wg sync.WaitGroup
	digests := make([]Digest, 12)
	for i := range digests {
		wg.Go(func() {
			it, err := e.v.Put(context.Background(), bytes.NewReader(content),
				PutOptions{CaseIDs: []string{string(rune('a' + i))}})
			if err != nil {
				t.Errorf("Put %d: %v", i, err)
				return
			}
			digests[i] = it.Digest
		})
	}
	wg.Wait()
	for _, d := range digests {
		if d != Sum(content) {
			t.Fatalf("a concurrent Put returned digest %s", d)
		}
	}
	if n := len(e.files(nsBlob)); n != 1 {
		t.Fatalf("%d blobs after concurrent Puts of one content, want 1", n)
	}
	if got := events(e.audit()); got != "put" {
		t.Fatalf("audit = %s, want a single put", got)
	}
	st, err := e.v.Stat(context.Background(), Sum(content))
	if err != nil || len(st.CaseIDs) != len(digests) {
		t.Fatalf("Stat: %v; %d case IDs merged, want %d", err, len(st.CaseIDs), len(digests))
	}
	if got, err := readAll(t, e.v, Sum(content)); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("Open after concurrent Puts: %v", err)
	}
}

func TestConcurrentMixedOperations(t *testing.T) {
	e := newDirEnv(t, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			content := randomBytes(uint64(100+i%4), 4096)
			for j := range 5 {
				it, err := e.v.Put(ctx, bytes.NewReader(content), PutOptions{})
				if err != nil {
					t.Errorf("Put: %v", err)
					return
				}
				if got, err := readAll(t, e.v, it.Digest); err != nil && !errors.Is(err, ErrNotFound) {
					t.Errorf("Open: %v", err)
				} else if err == nil && !bytes.Equal(got, content) {
					t.Errorf("Open returned other content")
				}
				hold := string(rune('a' + i))
				if err := e.v.Hold(ctx, it.Digest, hold, ""); err != nil && !errors.Is(err, ErrNotFound) {
					t.Errorf("Hold: %v", err)
				}
				if err := e.v.Release(ctx, it.Digest, hold); err != nil &&
					!errors.Is(err, ErrNotFound) && !errors.Is(err, ErrHoldNotFound) {
					t.Errorf("Release: %v", err)
				}
				if j == 3 {
					if err := e.v.Destroy(ctx, it.Digest, "test"); err != nil &&
						!errors.Is(err, ErrNotFound) && !errors.Is(err, ErrOnHold) {
						t.Errorf("Destroy: %v", err)
					}
				}
				if _, err := e.v.Purge(ctx, time.Time{}); err != nil {
					t.Errorf("Purge: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if _, err := VerifyAudit(bytes.NewReader(mustRead(t, filepath.Join(e.dir, AuditFileName)))); err != nil {
		t.Fatalf("audit log after concurrent use: %v", err)
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestClose(t *testing.T) {
	e := newDirEnv(t, nil)
	ctx := context.Background()
	it := e.put([]byte("x"), PutOptions{})
	r, err := e.v.Open(ctx, it.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.v.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := e.v.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if b, err := io.ReadAll(r); err != nil || string(b) != "x" {
		t.Fatalf("a Reader opened before Close read %q, %v", b, err)
	}
	checks := map[string]error{}
	_, checks["Put"] = e.v.Put(ctx, strings.NewReader("y"), PutOptions{})
	_, checks["Open"] = e.v.Open(ctx, it.Digest)
	_, checks["Stat"] = e.v.Stat(ctx, it.Digest)
	_, checks["Extend"] = e.v.Extend(ctx, it.Digest, e.clock.Now().AddDate(5, 0, 0))
	checks["Hold"] = e.v.Hold(ctx, it.Digest, "h", "")
	checks["Release"] = e.v.Release(ctx, it.Digest, "h")
	checks["Destroy"] = e.v.Destroy(ctx, it.Digest, "r")
	_, checks["Purge"] = e.v.Purge(ctx, time.Time{})
	_, checks["Rewrap"] = e.v.Rewrap(ctx)
	for _, err := range e.v.Items(ctx) {
		checks["Items"] = err
	}
	for op, err := range checks {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: err = %v, want ErrClosed", op, err)
		}
	}
	// The directory lock was released.
	e.v = e.open(keyring(t, "k1"), nil)
}

func TestCanceledContext(t *testing.T) {
	e := newDirEnv(t, nil)
	it := e.put([]byte("x"), PutOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.v.Put(ctx, strings.NewReader("y"), PutOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Put: err = %v", err)
	}
	if _, err := e.v.Open(ctx, it.Digest); !errors.Is(err, context.Canceled) {
		t.Errorf("Open: err = %v", err)
	}
	if _, err := e.v.Purge(ctx, time.Time{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Purge: err = %v", err)
	}
	if err := e.v.Destroy(ctx, it.Digest, "r"); !errors.Is(err, context.Canceled) {
		t.Errorf("Destroy: err = %v", err)
	}
	if _, err := e.v.Stat(context.Background(), it.Digest); err != nil {
		t.Errorf("item gone after canceled calls: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	kr := keyring(t, "k1")
	cases := map[string]struct {
		be   Backend
		kr   *Keyring
		opts *Options
	}{
		"nil backend":            {nil, kr, nil},
		"nil keyring":            {NewMemBackend(), nil, nil},
		"no audit path":          {NewMemBackend(), kr, nil},
		"MaxBytes too large":     {NewMemBackend(), kr, &Options{AuditPath: filepath.Join(t.TempDir(), "a"), MaxBytes: MaxMaxBytes + 1}},
		"negative MaxBytes":      {NewMemBackend(), kr, &Options{AuditPath: filepath.Join(t.TempDir(), "a"), MaxBytes: -1}},
		"negative retention":     {NewMemBackend(), kr, &Options{AuditPath: filepath.Join(t.TempDir(), "a"), DefaultRetention: -time.Hour}},
		"control char in actor":  {NewMemBackend(), kr, &Options{AuditPath: filepath.Join(t.TempDir(), "a"), Actor: "a\tb"}},
		"audit path a directory": {NewMemBackend(), kr, &Options{AuditPath: t.TempDir()}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			v, err := New(c.be, c.kr, c.opts)
			if err == nil {
				v.Close()
				t.Fatal("New succeeded")
			}
			if name != "audit path a directory" && !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("err = %v, want ErrInvalidArgument", err)
			}
			// New owns the backend, even when it fails.
			if m, ok := c.be.(*MemBackend); ok {
				if err := m.Put(context.Background(), metaKey(strings.Repeat("a", 64)), nil); !errors.Is(err, ErrClosed) {
					t.Fatalf("failed New left the backend open (Put err = %v)", err)
				}
			}
		})
	}
}

func TestDefaultRetentionOption(t *testing.T) {
	e := newDirEnv(t, &Options{DefaultRetention: 90 * 24 * time.Hour})
	it := e.put([]byte("x"), PutOptions{})
	if want := e.clock.Now().Add(90 * 24 * time.Hour); !it.RetainUntil.Equal(want) {
		t.Fatalf("RetainUntil = %v, want %v", it.RetainUntil, want)
	}
}

func TestItemHelpers(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	it := Item{RetainUntil: now}
	if it.Expired(now) || !it.Expired(now.Add(time.Nanosecond)) || it.OnHold() {
		t.Fatal("Expired is true only strictly after RetainUntil; OnHold needs a hold")
	}
	if !(Item{Holds: []Hold{{ID: "h"}}}).OnHold() {
		t.Fatal("OnHold false with a hold")
	}
}

func TestDigestParse(t *testing.T) {
	d := Sum([]byte("abc"))
	p, err := ParseDigest(strings.ToUpper(d.String()))
	if err != nil || p != d {
		t.Fatalf("ParseDigest(upper hex) = %v, %v", p, err)
	}
	for _, bad := range []string{"", "abc", d.String() + "0", "zz" + d.String()[2:]} {
		if _, err := ParseDigest(bad); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("ParseDigest(%q): err = %v", bad, err)
		}
	}
	var u Digest
	if err := u.UnmarshalText([]byte(d.String())); err != nil || u != d {
		t.Fatalf("UnmarshalText: %v", err)
	}
	if (Digest{}).IsZero() != true || d.IsZero() {
		t.Fatal("IsZero")
	}
}
