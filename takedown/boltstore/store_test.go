package boltstore_test

import (
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mnr-sdk/mnr/takedown"
	"github.com/mnr-sdk/mnr/takedown/boltstore"
	"github.com/mnr-sdk/mnr/takedown/storetest"
	bolt "go.etcd.io/bbolt"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) takedown.Store {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "takedown.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestConformanceSharedDB(t *testing.T) {
	storetest.Run(t, func(t *testing.T) takedown.Store {
		db, err := bolt.Open(filepath.Join(t.TempDir(), "shared.db"), 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		// Another store's data in the same file must not disturb this one.
		if err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("reporting"))
			if err != nil {
				return err
			}
			return b.Put([]byte("x"), []byte("y"))
		}); err != nil {
			t.Fatal(err)
		}
		s, err := boltstore.New(db, &boltstore.Options{Bucket: "takedown/cases"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

var fixed = time.Date(2026, time.June, 1, 12, 0, 0, 0, time.UTC)

func engine(t testing.TB, s takedown.Store, now func() time.Time) *takedown.Engine {
	t.Helper()
	e, err := takedown.NewEngine(s, nil, &takedown.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func usNotice(id string) takedown.Notice {
	return takedown.Notice{ID: id, Trigger: takedown.TriggerOwnDetection, Jurisdictions: []takedown.Jurisdiction{"US", "GB"},
		Category: "csam", ReceivedAt: fixed}
}

// populate writes a store file with a few cases and returns its path.
func populate(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "takedown.db")
	s, err := boltstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := engine(t, s, func() time.Time { return fixed.Add(time.Minute) })
	ctx := context.Background()
	for i := range 50 {
		c, err := e.Open(ctx, usNotice("n"+string(rune('a'+i%26))+string(rune('a'+i/26))))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Record(ctx, c.ID, takedown.Event{ID: "rm", Type: takedown.EventRemoved}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReopenKeepsEverything(t *testing.T) {
	path := populate(t)
	s, err := boltstore.Open(path, &boltstore.Options{Check: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := engine(t, s, func() time.Time { return fixed.Add(time.Minute) })
	head, err := e.VerifyAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if head.Seq != 100 {
		t.Fatalf("journal has %d entries after reopening, want 100", head.Seq)
	}
}

func TestCorruptFiles(t *testing.T) {
	good := populate(t)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	ps := int(binary.LittleEndian.Uint32(data[24:28])) // the meta's page size
	write := func(t *testing.T, b []byte) string {
		p := filepath.Join(t.TempDir(), "bad.db")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 64<<10)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	cases := map[string][]byte{
		"truncated to half":     data[:len(data)/2],
		"truncated to 3 pages":  data[:3*ps],
		"truncated to 100 B":    data[:100],
		"random bytes":          random,
		"text file":             []byte("this is not a database\n"),
		"zeroed meta pages":     append(make([]byte, 2*ps), data[2*ps:]...),
		"one page of random":    random[:4096],
		"both metas bad magic":  flip(flip(data, 16), ps+16),
		"meta checksums broken": flip(flip(data, 16+40), ps+16+40),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			s, err := boltstore.Open(write(t, b), &boltstore.Options{LockTimeout: time.Second})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded on a corrupt file")
			}
			if !errors.Is(err, takedown.ErrCorrupt) {
				t.Fatalf("Open = %v, want takedown.ErrCorrupt", err)
			}
			var ce *boltstore.CorruptError
			if !errors.As(err, &ce) || ce.Reason == "" {
				t.Fatalf("error %v is not a *CorruptError with a reason", err)
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	out := append([]byte(nil), b...)
	out[i] ^= 0xFF
	return out
}

// TestFlippedBytes flips one byte in each data page in turn. Whatever bbolt makes of
// the damage, the store must never panic, and every outcome must be visible: Open fails
// with ErrCorrupt, a read fails, or the audit chains stop verifying; or the flipped byte
// sat in unused space and everything verifies.
func TestFlippedBytes(t *testing.T) {
	good := populate(t)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	ps := int(binary.LittleEndian.Uint32(data[24:28]))
	pages := len(data) / ps
	rng := rand.New(rand.NewPCG(3, 4))
	outcomes := map[string]int{}
	// Every page would take long under -race; 48 random ones cover the page kinds.
	for range 48 {
		p := 2 + rng.IntN(pages-2)
		off := p*ps + rng.IntN(ps)
		path := filepath.Join(t.TempDir(), "flipped.db")
		if err := os.WriteFile(path, flip(data, off), 0o600); err != nil {
			t.Fatal(err)
		}
		outcomes[openAndVerify(t, path)]++
	}
	t.Logf("outcomes over 48 of %d pages: %v", pages, outcomes)
	if outcomes["detected"]+outcomes["open failed"]+outcomes["read failed"] == 0 {
		t.Fatal("no flipped byte was detected at all")
	}
}

func openAndVerify(t *testing.T, path string) (outcome string) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic on a corrupt file: %v", r)
		}
	}()
	s, err := boltstore.Open(path, &boltstore.Options{LockTimeout: time.Second})
	if err != nil {
		if !errors.Is(err, takedown.ErrCorrupt) {
			t.Fatalf("Open = %v, want ErrCorrupt", err)
		}
		return "open failed"
	}
	defer s.Close()
	e := engine(t, s, func() time.Time { return fixed.Add(time.Minute) })
	_, err = e.VerifyAll(context.Background())
	switch {
	case err == nil:
		return "intact"
	case errors.Is(err, takedown.ErrTampered):
		return "detected"
	case errors.Is(err, takedown.ErrCorrupt), errors.Is(err, takedown.ErrNotFound):
		return "read failed"
	}
	t.Fatalf("VerifyAll on a damaged file = %v: neither ErrTampered nor ErrCorrupt", err)
	return ""
}

func TestClosed(t *testing.T) {
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "x.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := s.Get(context.Background(), "x"); !errors.Is(err, takedown.ErrClosed) {
		t.Fatalf("Get after Close = %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
}

func TestLockedByAnotherHandle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := boltstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = boltstore.Open(path, &boltstore.Options{LockTimeout: 50 * time.Millisecond})
	if err == nil || errors.Is(err, takedown.ErrCorrupt) {
		t.Fatalf("second Open = %v, want a lock timeout (not corruption)", err)
	}
}
