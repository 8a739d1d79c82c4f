package evidence

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// integrityErr asserts that err is an *IntegrityError about object, matching want.
func integrityErr(t *testing.T, err error, object string, want ...error) {
	t.Helper()
	var ie *IntegrityError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want an *IntegrityError", err)
	}
	if ie.Object != object {
		t.Fatalf("IntegrityError.Object = %q, want %q (%v)", ie.Object, object, err)
	}
	for _, w := range want {
		if errors.Is(err, w) {
			return
		}
	}
	t.Fatalf("err = %v, want one of %v", err, want)
}

func TestWrongAndUnknownKey(t *testing.T) {
	e := newDirEnv(t, nil)
	it := e.put([]byte("evidence"), PutOptions{})

	// Same key ID, different secret.
	wrong, err := NewKeyring(secret("naming"), Key{ID: "k1", Secret: secret("not k1")})
	if err != nil {
		t.Fatal(err)
	}
	e.reopen(wrong)
	_, err = e.v.Open(context.Background(), it.Digest)
	integrityErr(t, err, "manifest", ErrWrongKey)
	if !strings.Contains(err.Error(), "k1") {
		t.Errorf("error %q does not name the key ID", err)
	}

	// A key ID the keyring lacks.
	e.reopen(keyring(t, "k2"))
	_, err = e.v.Open(context.Background(), it.Digest)
	integrityErr(t, err, "manifest", ErrUnknownKey)

	// A different naming key cannot even find the item.
	other, err := NewKeyring(secret("other naming"), testKey("k1"))
	if err != nil {
		t.Fatal(err)
	}
	e.reopen(other)
	if _, err := e.v.Open(context.Background(), it.Digest); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open under another naming key: err = %v, want ErrNotFound", err)
	}

	e.reopen(keyring(t, "k1"))
	if _, err := readAll(t, e.v, it.Digest); err != nil {
		t.Fatalf("the right key no longer opens the item: %v", err)
	}
}

// TestWrongKeyOnBlob seals a manifest with a good key over a blob whose key ID
// maps to a different secret: the blob alone fails with ErrWrongKey.
func TestWrongKeyOnBlob(t *testing.T) {
	m := newMemEnv(t, keyring(t, "k1"))
	ctx := context.Background()
	it, err := m.v.Put(ctx, strings.NewReader("evidence"), PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// A keyring whose k1 is another secret, and whose active k2 reseals the manifest.
	kr, err := NewKeyring(secret("naming"), testKey("k2"), Key{ID: "k1", Secret: secret("not k1")})
	if err != nil {
		t.Fatal(err)
	}
	good := m.v.kr
	mf, _, err := m.v.loadManifest(ctx, it.Ref, good.name(it.Digest))
	if err != nil {
		t.Fatal(err)
	}
	m.v.kr = kr
	if err := m.v.storeManifest(ctx, it.Ref, kr.name(it.Digest), mf, false); err != nil {
		t.Fatal(err)
	}
	_, err = m.v.Open(ctx, it.Digest)
	integrityErr(t, err, "blob", ErrWrongKey)
}

func TestTamperedBlob(t *testing.T) {
	content := randomBytes(7, 5000)
	hl := headerLen("k1")
	cases := []struct {
		name   string
		mutate func(b []byte) []byte
		want   []error
	}{
		{"ciphertext byte", func(b []byte) []byte { b[hl+10] ^= 1; return b }, []error{ErrTampered}},
		{"tag byte", func(b []byte) []byte { b[len(b)-1] ^= 0x80; return b }, []error{ErrTampered}},
		{"nonce byte", func(b []byte) []byte { b[hl-1] ^= 1; return b }, []error{ErrTampered}},
		{"check value", func(b []byte) []byte { b[7+2] ^= 1; return b }, []error{ErrWrongKey}},
		{"key ID", func(b []byte) []byte { b[8] = '9'; return b }, []error{ErrUnknownKey}},
		{"key ID length", func(b []byte) []byte { b[6] = 3; return b }, []error{ErrUnknownKey, ErrCorrupt}},
		{"version", func(b []byte) []byte { b[4] = 2; return b }, []error{ErrCorrupt}},
		{"magic", func(b []byte) []byte { b[0] = 'X'; return b }, []error{ErrCorrupt}},
		{"kind", func(b []byte) []byte { b[5] = kindManifest; return b }, []error{ErrTampered}},
		{"appended byte", func(b []byte) []byte { return append(b, 0) }, []error{ErrTampered}},
		{"appended kilobyte", func(b []byte) []byte { return append(b, make([]byte, 1024)...) }, []error{ErrCorrupt}},
		{"emptied", func(b []byte) []byte { return nil }, []error{ErrCorrupt}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newDirEnv(t, nil)
			it := e.put(content, PutOptions{})
			path := e.path(nsBlob, it.Ref)
			if err := os.WriteFile(path, tc.mutate(mustRead(t, path)), 0o600); err != nil {
				t.Fatal(err)
			}
			r, err := e.v.Open(context.Background(), it.Digest)
			if r != nil {
				t.Fatal("Open returned a reader for a tampered blob")
			}
			integrityErr(t, err, "blob", tc.want...)
			// Metadata is intact, and a corrupt blob does not stop a purge of others.
			if _, err := e.v.Stat(context.Background(), it.Digest); err != nil {
				t.Fatalf("Stat: %v", err)
			}
		})
	}
}

func TestTamperedManifest(t *testing.T) {
	e := newDirEnv(t, nil)
	ctx := context.Background()
	victim := e.put([]byte("victim"), PutOptions{RetainUntil: e.clock.Now().Add(time.Hour)})
	other := e.put([]byte("other"), PutOptions{RetainUntil: e.clock.Now().Add(time.Hour)})
	path := e.path(nsMeta, victim.Ref)
	orig := mustRead(t, path)
	hl := headerLen("k1")
	for _, i := range []int{0, 4, 6, hl - 1, hl, hl + 5, len(orig) - 1} {
		b := append([]byte(nil), orig...)
		b[i] ^= 0x20
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := e.v.Stat(ctx, victim.Digest)
		integrityErr(t, err, "manifest", ErrTampered, ErrCorrupt, ErrUnknownKey, ErrWrongKey)
		_, err = e.v.Open(ctx, victim.Digest)
		integrityErr(t, err, "manifest", ErrTampered, ErrCorrupt, ErrUnknownKey, ErrWrongKey)
		if err := e.v.Hold(ctx, victim.Digest, "h", ""); err == nil {
			t.Fatal("Hold succeeded on a tampered manifest")
		}
	}
	// Purge keeps the unreadable item (its retention is unknown), destroys the
	// other expired one, and reports the error.
	e.clock.Add(2 * time.Hour)
	got, err := e.v.Purge(ctx, time.Time{})
	if len(got) != 1 || got[0].Digest != other.Digest {
		t.Fatalf("Purge destroyed %v", got)
	}
	integrityErr(t, err, "manifest", ErrTampered, ErrCorrupt, ErrUnknownKey, ErrWrongKey)
	if _, serr := os.Stat(e.path(nsBlob, victim.Ref)); serr != nil {
		t.Fatalf("Purge deleted the blob of an unreadable item: %v", serr)
	}
	// Items reports the bad manifest and goes on.
	var items, errs int
	for _, err := range e.v.Items(ctx) {
		if err != nil {
			errs++
		} else {
			items++
		}
	}
	if errs != 1 || items != 0 {
		t.Fatalf("Items yielded %d items and %d errors, want 0 and 1", items, errs)
	}
	// Restored, it reads again.
	if err := os.WriteFile(path, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(t, e.v, victim.Digest); err != nil {
		t.Fatal(err)
	}
}

func TestSwappedObjects(t *testing.T) {
	e := newDirEnv(t, nil)
	a := e.put([]byte("item a"), PutOptions{})
	b := e.put([]byte("item b, with a different length"), PutOptions{})
	for _, ns := range []string{nsBlob, nsMeta} {
		pa, pb := e.path(ns, a.Ref), e.path(ns, b.Ref)
		da, db := mustRead(t, pa), mustRead(t, pb)
		os.WriteFile(pa, db, 0o600)
		os.WriteFile(pb, da, 0o600)
		_, err := e.v.Open(context.Background(), a.Digest)
		object := map[string]string{nsBlob: "blob", nsMeta: "manifest"}[ns]
		integrityErr(t, err, object, ErrTampered)
		os.WriteFile(pa, da, 0o600)
		os.WriteFile(pb, db, 0o600)
	}
	// A manifest copied into the blob slot is refused by kind.
	os.WriteFile(e.path(nsBlob, a.Ref), mustRead(t, e.path(nsMeta, a.Ref)), 0o600)
	_, err := e.v.Open(context.Background(), a.Digest)
	integrityErr(t, err, "blob", ErrTampered, ErrCorrupt)
}

func TestMissingBlob(t *testing.T) {
	e := newDirEnv(t, nil)
	it := e.put([]byte("x"), PutOptions{})
	if err := os.Remove(e.path(nsBlob, it.Ref)); err != nil {
		t.Fatal(err)
	}
	_, err := e.v.Open(context.Background(), it.Digest)
	integrityErr(t, err, "blob", ErrTampered)
	// It can still be destroyed.
	if err := e.v.Destroy(context.Background(), it.Digest, "cleanup"); err != nil {
		t.Fatalf("Destroy of an item whose blob is gone: %v", err)
	}
}

func TestTruncatedFiles(t *testing.T) {
	e := newDirEnv(t, nil)
	it := e.put(randomBytes(8, 100), PutOptions{})
	for _, ns := range []string{nsBlob, nsMeta} {
		path := e.path(ns, it.Ref)
		orig := mustRead(t, path)
		for n := range len(orig) {
			if err := os.WriteFile(path, orig[:n], 0o600); err != nil {
				t.Fatal(err)
			}
			r, err := e.v.Open(context.Background(), it.Digest)
			if r != nil || err == nil {
				t.Fatalf("%s truncated to %d of %d bytes opened", ns, n, len(orig))
			}
			object := map[string]string{nsBlob: "blob", nsMeta: "manifest"}[ns]
			integrityErr(t, err, object, ErrTampered, ErrCorrupt)
		}
		if err := os.WriteFile(path, orig, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := readAll(t, e.v, it.Digest); err != nil {
		t.Fatal(err)
	}
}

func TestKeyringValidation(t *testing.T) {
	naming := secret("naming")
	cases := map[string]func() (*Keyring, error){
		"short naming key":  func() (*Keyring, error) { return NewKeyring(naming[:16], testKey("a")) },
		"short key":         func() (*Keyring, error) { return NewKeyring(naming, Key{ID: "a", Secret: make([]byte, 16)}) },
		"empty ID":          func() (*Keyring, error) { return NewKeyring(naming, Key{ID: "", Secret: secret("a")}) },
		"long ID":           func() (*Keyring, error) { return NewKeyring(naming, testKey(strings.Repeat("a", MaxKeyIDLen+1))) },
		"ID with slash":     func() (*Keyring, error) { return NewKeyring(naming, testKey("a/b")) },
		"duplicate ID":      func() (*Keyring, error) { return NewKeyring(naming, testKey("a"), testKey("a")) },
		"reused naming key": func() (*Keyring, error) { return NewKeyring(naming, Key{ID: "a", Secret: naming}) },
	}
	for name, fn := range cases {
		if _, err := fn(); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", name, err)
		}
	}
	kr, err := NewKeyring(naming, testKey("new"), testKey("old"), testKey("older"))
	if err != nil {
		t.Fatal(err)
	}
	if kr.ActiveID() != "new" || strings.Join(kr.IDs(), ",") != "new,old,older" {
		t.Fatalf("ActiveID %q, IDs %v", kr.ActiveID(), kr.IDs())
	}
	for _, s := range []string{kr.String(), kr.GoString()} {
		if strings.Contains(s, string(secret("new"))) || !strings.Contains(s, `"new"`) {
			t.Fatalf("String() = %q", s)
		}
	}
}
