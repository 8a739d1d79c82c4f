package evidence

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestKeyRotation(t *testing.T) {
	e := newDirEnv(t, nil)
	ctx := context.Background()
	contents := [][]byte{[]byte("first"), randomBytes(9, 40000), []byte("third")}
	for _, c := range contents[:2] {
		e.put(c, PutOptions{})
	}
	// Rotate: a new active key with a longer ID, the old key kept for reading.
	rotated := keyring(t, "key-2026-q2", "k1")
	e.reopen(rotated)
	for _, c := range contents[:2] {
		if got, err := readAll(t, e.v, Sum(c)); err != nil || !bytes.Equal(got, c) {
			t.Fatalf("old item under the rotated keyring: %v", err)
		}
	}
	if it := e.put(contents[2], PutOptions{}); it.KeyID != "key-2026-q2" {
		t.Fatalf("new item sealed with %q, want the active key", it.KeyID)
	}
	n, err := e.v.Rewrap(ctx)
	if err != nil || n != 2 {
		t.Fatalf("Rewrap = %d, %v; want 2 items", n, err)
	}
	if n, err := e.v.Rewrap(ctx); err != nil || n != 0 {
		t.Fatalf("second Rewrap = %d, %v; want 0", n, err)
	}
	for _, it := range collect(t, e.v.Items(ctx)) {
		if it.KeyID != "key-2026-q2" {
			t.Fatalf("item still under key %q after Rewrap", it.KeyID)
		}
	}
	a := e.audit()
	rewraps := 0
	for _, x := range a {
		if x.Event == EventRewrap {
			rewraps++
			if x.KeyID != "key-2026-q2" || !strings.Contains(x.Reason, "k1") {
				t.Fatalf("rewrap entry = %+v", x)
			}
		}
	}
	if rewraps != 2 {
		t.Fatalf("%d rewrap entries, want 2", rewraps)
	}
	// The old key can go.
	e.reopen(keyring(t, "key-2026-q2"))
	for _, c := range contents {
		if got, err := readAll(t, e.v, Sum(c)); err != nil || !bytes.Equal(got, c) {
			t.Fatalf("item after dropping the old key: %v", err)
		}
	}
	// And the old key alone opens nothing.
	e.reopen(keyring(t, "k1"))
	if _, err := e.v.Open(ctx, Sum(contents[0])); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("Open with only the retired key: err = %v, want ErrUnknownKey", err)
	}
}

func TestRewrapInterrupted(t *testing.T) {
	m := newMemEnv(t, keyring(t, "k1"))
	ctx := context.Background()
	content := randomBytes(10, 3000)
	it, err := m.v.Put(ctx, bytes.NewReader(content), PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m.v.kr = keyring(t, "a-much-longer-key-id", "k1")
	// The blob is re-sealed, then the manifest write fails.
	m.fb.setFail(func(op, key string) error {
		if op == "put" && key == metaKey(it.Ref) {
			return errInjected
		}
		return nil
	})
	if n, err := m.v.Rewrap(ctx); !errors.Is(err, errInjected) || n != 0 {
		t.Fatalf("Rewrap = %d, %v; want the injected fault", n, err)
	}
	m.fb.setFail(nil)
	// Blob under the new key (a longer header), manifest still old: readable.
	if got, err := readAll(t, m.v, it.Digest); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("Open after an interrupted Rewrap: %v", err)
	}
	if n, err := m.v.Rewrap(ctx); err != nil || n != 1 {
		t.Fatalf("Rewrap rerun = %d, %v", n, err)
	}
	st, err := m.v.Stat(ctx, it.Digest)
	if err != nil || st.KeyID != "a-much-longer-key-id" {
		t.Fatalf("Stat after Rewrap = %+v, %v", st, err)
	}
	if blob := m.mem.objects()[blobKey(it.Ref)]; st.StoredSize != int64(len(blob)) {
		t.Fatalf("StoredSize %d after the rerun, blob is %d bytes", st.StoredSize, len(blob))
	}
	m.v.kr = keyring(t, "a-much-longer-key-id")
	if got, err := readAll(t, m.v, it.Digest); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("Open without the old key: %v", err)
	}
}

func TestRewrapSkipsUnreadable(t *testing.T) {
	m := newMemEnv(t, keyring(t, "k1"))
	ctx := context.Background()
	good, _ := m.v.Put(ctx, strings.NewReader("good"), PutOptions{})
	bad, _ := m.v.Put(ctx, strings.NewReader("bad"), PutOptions{})
	objs := m.mem.objects()
	blob := objs[blobKey(bad.Ref)]
	blob[len(blob)-1] ^= 1
	if err := m.mem.Put(ctx, blobKey(bad.Ref), blob); err != nil {
		t.Fatal(err)
	}
	m.v.kr = keyring(t, "k2", "k1")
	n, err := m.v.Rewrap(ctx)
	if n != 1 || !errors.Is(err, ErrTampered) {
		t.Fatalf("Rewrap = %d, %v; want 1 item and ErrTampered", n, err)
	}
	if st, _ := m.v.Stat(ctx, good.Digest); st.KeyID != "k2" {
		t.Fatalf("good item under %q", st.KeyID)
	}
}

func TestRewrapFinishesPendingDestruction(t *testing.T) {
	m := newMemEnv(t, keyring(t, "k1"))
	ctx := context.Background()
	interruptDestroy(t, m, blobKey)
	m.v.kr = keyring(t, "k2", "k1")
	if n, err := m.v.Rewrap(ctx); err != nil || n != 0 {
		t.Fatalf("Rewrap = %d, %v", n, err)
	}
	if objs := m.mem.objects(); len(objs) != 0 {
		t.Fatalf("%d objects left; the pending destruction was not finished", len(objs))
	}
	if got := events(m.auditEntries(t)); got != "put,destroy" {
		t.Fatalf("audit = %s", got)
	}
}
