package evidence

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHoldsBlockPurge(t *testing.T) {
	e := newDirEnv(t, nil)
	ctx := context.Background()
	day := 24 * time.Hour
	held := e.put([]byte("held"), PutOptions{RetainUntil: e.clock.Now().Add(day),
		Holds: []Hold{{ID: "2703f-001", Reason: "preservation request"}}})
	free := e.put([]byte("free"), PutOptions{RetainUntil: e.clock.Now().Add(day)})
	later := e.put([]byte("later"), PutOptions{RetainUntil: e.clock.Now().Add(30 * day)})
	if err := e.v.Hold(ctx, held.Digest, "litigation-7", "lawsuit"); err != nil {
		t.Fatal(err)
	}
	if err := e.v.Hold(ctx, held.Digest, "litigation-7", "again"); err != nil {
		t.Fatalf("placing an existing hold again: %v", err)
	}

	// Nothing is due yet.
	if got, err := e.v.Purge(ctx, time.Time{}); err != nil || len(got) != 0 {
		t.Fatalf("early Purge destroyed %d items, err %v", len(got), err)
	}
	// Exactly at RetainUntil the item is still kept.
	e.clock.Add(day)
	if got, _ := e.v.Purge(ctx, time.Time{}); len(got) != 0 {
		t.Fatalf("Purge at RetainUntil destroyed %d items", len(got))
	}
	e.clock.Add(time.Second)
	got, err := e.v.Purge(ctx, time.Time{})
	if err != nil || len(got) != 1 || got[0].Digest != free.Digest {
		t.Fatalf("Purge = %v, %v; want only the unheld expired item", got, err)
	}
	if _, err := e.v.Open(ctx, free.Digest); !errors.Is(err, ErrNotFound) {
		t.Fatalf("purged item still opens: %v", err)
	}
	for _, d := range []Digest{held.Digest, later.Digest} {
		if _, err := readAll(t, e.v, d); err != nil {
			t.Fatalf("item that must survive: %v", err)
		}
	}
	st, _ := e.v.Stat(ctx, held.Digest)
	if len(st.Holds) != 2 || st.Holds[0].ID != "2703f-001" || st.Holds[1].Reason != "lawsuit" {
		t.Fatalf("holds = %+v", st.Holds)
	}

	if err := e.v.Release(ctx, held.Digest, "no-such-hold"); !errors.Is(err, ErrHoldNotFound) {
		t.Fatalf("Release of an unknown hold: err = %v", err)
	}
	if err := e.v.Release(ctx, held.Digest, "2703f-001"); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.v.Purge(ctx, time.Time{}); len(got) != 0 {
		t.Fatalf("Purge destroyed an item that still carries one hold")
	}
	if err := e.v.Release(ctx, held.Digest, "litigation-7"); err != nil {
		t.Fatal(err)
	}
	got, err = e.v.Purge(ctx, time.Time{})
	if err != nil || len(got) != 1 || got[0].Digest != held.Digest {
		t.Fatalf("Purge after the last release = %v, %v", got, err)
	}
	if n := len(e.files(nsBlob)); n != 1 {
		t.Fatalf("%d blobs left, want 1 (the item retained for 30 days)", n)
	}
}

func TestPurgeAuditEntries(t *testing.T) {
	e := newDirEnv(t, &Options{Actor: "retention-job"})
	ctx := context.Background()
	content := []byte("content that must never appear in the audit log")
	it := e.put(content, PutOptions{RetainUntil: e.clock.Now().Add(time.Hour),
		Labels: map[string]string{"uploader": "acct-12345"}})
	e.clock.Add(2 * time.Hour)
	if got, err := e.v.Purge(ctx, time.Time{}); err != nil || len(got) != 1 {
		t.Fatalf("Purge: %v, %v", got, err)
	}
	a := e.audit()
	if got := events(a); got != "put,purge" {
		t.Fatalf("audit = %s", got)
	}
	p := a[1]
	if p.Ref != e.v.Ref(it.Digest) || p.Actor != "retention-job" || !p.RetainUntil.Equal(it.RetainUntil) ||
		!strings.Contains(p.Reason, "retention period ended") || !p.Time.Equal(e.clock.Now()) {
		t.Fatalf("purge entry = %+v", p)
	}
	raw := string(mustRead(t, filepath.Join(e.dir, AuditFileName)))
	for _, secret := range []string{it.Digest.String(), string(content), "acct-12345"} {
		if strings.Contains(raw, secret) {
			t.Fatalf("audit log contains %q", secret)
		}
	}
	if head, err := VerifyAudit(strings.NewReader(raw)); err != nil || head != e.v.AuditHead() || head.Seq != 2 {
		t.Fatalf("VerifyAudit = %+v, %v; vault head %+v", head, err, e.v.AuditHead())
	}
}

func TestPurgeRefusesFutureTime(t *testing.T) {
	e := newDirEnv(t, nil)
	it := e.put([]byte("x"), PutOptions{RetainUntil: e.clock.Now().Add(time.Hour)})
	_, err := e.v.Purge(context.Background(), e.clock.Now().AddDate(1, 0, 0))
	if !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("Purge in the future: err = %v, want ErrInvalidArgument", err)
	}
	// An earlier time is allowed and conservative.
	if got, err := e.v.Purge(context.Background(), e.clock.Now().Add(-time.Hour)); err != nil || len(got) != 0 {
		t.Fatalf("Purge in the past: %v, %v", got, err)
	}
	if _, err := e.v.Stat(context.Background(), it.Digest); err != nil {
		t.Fatal(err)
	}
}

func TestDestroy(t *testing.T) {
	e := newDirEnv(t, nil)
	ctx := WithActor(context.Background(), "analyst-7")
	it := e.put([]byte("evidence"), PutOptions{Holds: []Hold{{ID: "h1"}}})
	err := e.v.Destroy(ctx, it.Digest, "LE request 42")
	if !errors.Is(err, ErrOnHold) || !strings.Contains(err.Error(), "h1") {
		t.Fatalf("Destroy of a held item: err = %v, want ErrOnHold naming the hold", err)
	}
	if _, err := readAll(t, e.v, it.Digest); err != nil {
		t.Fatalf("refused Destroy damaged the item: %v", err)
	}
	if err := e.v.Destroy(ctx, it.Digest, ""); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("Destroy without a reason: err = %v", err)
	}
	if err := e.v.Release(ctx, it.Digest, "h1"); err != nil {
		t.Fatal(err)
	}
	// Destroy ignores the retention date (a year away).
	if err := e.v.Destroy(ctx, it.Digest, "LE request 42"); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	if _, err := e.v.Open(ctx, it.Digest); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open after Destroy: err = %v", err)
	}
	if n := len(e.files(nsBlob)) + len(e.files(nsMeta)); n != 0 {
		t.Fatalf("%d objects left after Destroy", n)
	}
	if err := e.v.Destroy(ctx, it.Digest, "again"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Destroy: err = %v", err)
	}
	a := e.audit()
	if got := events(a); got != "put,hold,release,destroy" {
		t.Fatalf("audit = %s", got)
	}
	if d := a[3]; d.Actor != "analyst-7" || d.Reason != "LE request 42" || d.Ref != it.Ref {
		t.Fatalf("destroy entry = %+v", d)
	}
	if r := a[2]; r.Hold != "h1" || r.Actor != "analyst-7" {
		t.Fatalf("release entry = %+v", r)
	}
	// The content can be stored again afterwards.
	e.put([]byte("evidence"), PutOptions{})
}

func TestHoldLimits(t *testing.T) {
	e := newDirEnv(t, nil)
	ctx := context.Background()
	it := e.put([]byte("x"), PutOptions{})
	for i := range MaxHolds {
		if err := e.v.Hold(ctx, it.Digest, strings.Repeat("h", i+1), ""); err != nil {
			t.Fatalf("hold %d: %v", i, err)
		}
	}
	if err := e.v.Hold(ctx, it.Digest, "one-too-many", ""); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("hold %d: err = %v", MaxHolds+1, err)
	}
	if err := e.v.Hold(ctx, it.Digest, "", "no id"); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("hold with no ID: err = %v", err)
	}
	if err := e.v.Hold(ctx, Sum([]byte("absent")), "h", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("hold on an unknown item: err = %v", err)
	}
}

// interruptDestroy stores an item, then destroys it while the backend fails
// to delete the object named by failKey(ref), leaving a half-done destruction.
func interruptDestroy(t *testing.T, m *memEnv, failKey func(string) string) Item {
	t.Helper()
	ctx := context.Background()
	it, err := m.v.Put(ctx, strings.NewReader("evidence"), PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m.fb.setFail(func(op, key string) error {
		if op == "delete" && key == failKey(it.Ref) {
			return errInjected
		}
		return nil
	})
	if err := m.v.Destroy(ctx, it.Digest, "LE request"); !errors.Is(err, errInjected) {
		t.Fatalf("Destroy: err = %v, want the injected fault", err)
	}
	m.fb.setFail(nil)
	return it
}

func TestInterruptedDestroyIsFinished(t *testing.T) {
	m := newMemEnv(t, keyring(t, "k1"))
	ctx := context.Background()
	// The manifest delete fails after the blob is gone and the destruction audited.
	it := interruptDestroy(t, m, metaKey)
	if _, err := m.v.Open(ctx, it.Digest); !errors.Is(err, ErrNotFound) {
		t.Fatalf("half-destroyed item: Open err = %v, want ErrNotFound", err)
	}
	if _, err := m.v.Stat(ctx, it.Digest); !errors.Is(err, ErrNotFound) {
		t.Fatalf("half-destroyed item: Stat err = %v, want ErrNotFound", err)
	}
	if got := events(m.auditEntries(t)); got != "put,destroy" {
		t.Fatalf("audit = %s", got)
	}
	got, err := m.v.Purge(ctx, time.Time{})
	if err != nil || len(got) != 1 {
		t.Fatalf("Purge finishing the destruction: %v, %v", got, err)
	}
	if objs := m.mem.objects(); len(objs) != 0 {
		t.Fatalf("%d objects left", len(objs))
	}
	a := m.auditEntries(t)
	if got := events(a); got != "put,destroy,destroy" || a[2].Reason != "LE request" {
		t.Fatalf("audit = %s (%+v)", got, a[len(a)-1])
	}
}

func TestInterruptedDestroyThenPut(t *testing.T) {
	m := newMemEnv(t, keyring(t, "k1"))
	ctx := context.Background()
	it := interruptDestroy(t, m, blobKey)
	// Nothing destroyed yet, so nothing audited yet.
	if got := events(m.auditEntries(t)); got != "put" {
		t.Fatalf("audit = %s, want only put", got)
	}
	if _, err := m.v.Open(ctx, it.Digest); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open of an item being destroyed: err = %v", err)
	}
	// A new upload of the same content finishes the destruction, then stores it.
	it2, err := m.v.Put(ctx, strings.NewReader("evidence"), PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(t, m.v, it2.Digest); err != nil || string(got) != "evidence" {
		t.Fatalf("Open after re-Put: %q, %v", got, err)
	}
	if got := events(m.auditEntries(t)); got != "put,destroy,put" {
		t.Fatalf("audit = %s", got)
	}
}

func TestFailedBlobWriteStoresNothing(t *testing.T) {
	m := newMemEnv(t, keyring(t, "k1"))
	ctx := context.Background()
	m.fb.setFail(func(op, key string) error {
		if op == "put" && strings.HasPrefix(key, nsBlob+"/") {
			return errInjected
		}
		return nil
	})
	if _, err := m.v.Put(ctx, strings.NewReader("evidence"), PutOptions{}); !errors.Is(err, errInjected) {
		t.Fatalf("Put: err = %v", err)
	}
	if n := len(m.mem.objects()); n != 0 {
		t.Fatalf("failed Put left %d objects", n)
	}
	m.fb.setFail(nil)
	if _, err := m.v.Put(ctx, strings.NewReader("evidence"), PutOptions{}); err != nil {
		t.Fatalf("retried Put: %v", err)
	}
	if got := events(m.auditEntries(t)); got != "put" {
		t.Fatalf("audit = %s", got)
	}
}

func TestAuditFailureBlocksChanges(t *testing.T) {
	e := newDirEnv(t, nil)
	ctx := context.Background()
	it := e.put([]byte("x"), PutOptions{})
	// Swap the log's file for a read-only one: the next append fails.
	ro, err := os.Open(filepath.Join(e.dir, AuditFileName))
	if err != nil {
		t.Fatal(err)
	}
	e.v.audit.f.Close()
	e.v.audit.f = ro
	if err := e.v.Hold(ctx, it.Digest, "h", ""); !errors.Is(err, ErrAuditBroken) {
		t.Fatalf("Hold with a failing audit log: err = %v, want ErrAuditBroken", err)
	}
	// The unaudited hold was rolled back.
	if st, err := e.v.Stat(ctx, it.Digest); err != nil || st.OnHold() {
		t.Fatalf("after the failed Hold: Stat = %+v, %v; want no hold", st, err)
	}
	if _, err := e.v.Put(ctx, strings.NewReader("y"), PutOptions{}); !errors.Is(err, ErrAuditBroken) {
		t.Fatalf("Put after an audit failure: err = %v", err)
	}
	if err := e.v.Destroy(ctx, it.Digest, "r"); !errors.Is(err, ErrAuditBroken) {
		t.Fatalf("Destroy after an audit failure: err = %v", err)
	}
	if _, err := e.v.Purge(ctx, time.Time{}); !errors.Is(err, ErrAuditBroken) {
		t.Fatalf("Purge after an audit failure: err = %v", err)
	}
	if _, err := readAll(t, e.v, it.Digest); err != nil {
		t.Fatalf("reads must go on: %v", err)
	}
	if n := len(e.files(nsBlob)); n != 1 {
		t.Fatalf("a refused Put stored a blob")
	}
	// Reopening recovers; the chain is intact and every change in it.
	e.reopen(keyring(t, "k1"))
	if err := e.v.Hold(ctx, it.Digest, "h", ""); err != nil {
		t.Fatal(err)
	}
	if got := events(e.audit()); got != "put,hold" {
		t.Fatalf("audit = %s, want put,hold", got)
	}
}

func TestAuditFailureRollsBackPut(t *testing.T) {
	e := newDirEnv(t, nil)
	ro, err := os.Open(filepath.Join(e.dir, AuditFileName))
	if err != nil {
		t.Fatal(err)
	}
	e.v.audit.f.Close()
	e.v.audit.f = ro
	if _, err := e.v.Put(context.Background(), strings.NewReader("x"), PutOptions{}); !errors.Is(err, ErrAuditBroken) {
		t.Fatalf("Put: err = %v, want ErrAuditBroken", err)
	}
	if n := len(e.files(nsBlob)) + len(e.files(nsMeta)); n != 0 {
		t.Fatalf("an unaudited Put left %d objects", n)
	}
}

func TestPurgeStopsWhenCanceled(t *testing.T) {
	m := newMemEnv(t, keyring(t, "k1"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var items []Item
	for _, c := range []string{"a", "b", "c"} {
		it, err := m.v.Put(ctx, strings.NewReader(c), PutOptions{RetainUntil: m.clock.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	m.clock.Add(2 * time.Hour)
	// The first manifest read cancels the context.
	m.fb.setFail(func(op, key string) error {
		if op == "get" && strings.HasPrefix(key, nsMeta+"/") {
			cancel()
		}
		return nil
	})
	got, err := m.v.Purge(ctx, time.Time{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Purge: err = %v, want context.Canceled", err)
	}
	if len(got) != 0 {
		t.Fatalf("Purge destroyed %d items after the cancel", len(got))
	}
	m.fb.setFail(nil)
	for _, it := range items {
		if _, err := readAll(t, m.v, it.Digest); err != nil {
			t.Fatalf("item damaged by the canceled purge: %v", err)
		}
	}
	if got, err := m.v.Purge(context.Background(), time.Time{}); err != nil || len(got) != 3 {
		t.Fatalf("second Purge = %d items, %v", len(got), err)
	}
}

func TestBadClockRefused(t *testing.T) {
	e := newDirEnv(t, &Options{Now: func() time.Time { return time.Time{} }})
	if _, err := e.v.Put(context.Background(), strings.NewReader("x"), PutOptions{}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("Put with a zero clock: err = %v, want ErrInvalidArgument", err)
	}
}

// TestOpenRacingDestroy opens items while they are destroyed: a reader sees the
// content or ErrNotFound, never a false tampering report.
func TestOpenRacingDestroy(t *testing.T) {
	m := newMemEnv(t, keyring(t, "k1"))
	ctx := context.Background()
	for i := range 30 {
		content := randomBytes(uint64(i), 2000)
		it, err := m.v.Put(ctx, bytes.NewReader(content), PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- m.v.Destroy(ctx, it.Digest, "race") }()
		for {
			got, err := readAll(t, m.v, it.Digest)
			if errors.Is(err, ErrNotFound) {
				break
			}
			if err != nil || !bytes.Equal(got, content) {
				t.Fatalf("Open during Destroy: %v", err)
			}
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
