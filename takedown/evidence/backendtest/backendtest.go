// Package backendtest is the conformance suite for evidence.Backend
// implementations. An object-store backend passes it before it holds evidence:
//
//	func TestConformance(t *testing.T) {
//		backendtest.Run(t, func(t *testing.T) evidence.Backend { return newMyBackend(t) })
//	}
//
// Each subtest gets a fresh, empty backend from the factory and closes it
// afterwards if it implements io.Closer. Optional capabilities (evidence.Creator)
// are tested when present.
package backendtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"

	"github.com/mnr-sdk/mnr/takedown/evidence"
)

// Run runs the suite against backends made by newBackend.
func Run(t *testing.T, newBackend func(t *testing.T) evidence.Backend) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, b evidence.Backend)
	}{
		{"PutGet", testPutGet},
		{"Replace", testReplace},
		{"GetMissing", testGetMissing},
		{"Delete", testDelete},
		{"List", testList},
		{"InvalidKeys", testInvalidKeys},
		{"NoRetention", testNoRetention},
		{"Empty", testEmpty},
		{"Create", testCreate},
		{"CanceledContext", testCanceled},
		{"Concurrent", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBackend(t)
			if c, ok := b.(io.Closer); ok {
				t.Cleanup(func() {
					if err := c.Close(); err != nil {
						t.Errorf("Close: %v", err)
					}
				})
			}
			tc.fn(t, b)
		})
	}
}

// Key returns a valid key in namespace ns derived from s.
func Key(ns, s string) string {
	sum := sha256.Sum256([]byte(s))
	return ns + "/" + hex.EncodeToString(sum[:])
}

func get(t *testing.T, b evidence.Backend, key string) []byte {
	t.Helper()
	rc, err := b.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %s: %v", key, err)
	}
	return data
}

func put(t *testing.T, b evidence.Backend, key string, data []byte) {
	t.Helper()
	if err := b.Put(context.Background(), key, data); err != nil {
		t.Fatalf("Put(%s): %v", key, err)
	}
}

func list(t *testing.T, b evidence.Backend, ns string) []string {
	t.Helper()
	var keys []string
	for k, err := range b.List(context.Background(), ns) {
		if err != nil {
			t.Fatalf("List(%s): %v", ns, err)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func testPutGet(t *testing.T, b evidence.Backend) {
	key := Key("blob", "a")
	data := bytes.Repeat([]byte{0, 1, 2, 0xff}, 40000)
	put(t, b, key, data)
	if got := get(t, b, key); !bytes.Equal(got, data) {
		t.Fatalf("Get returned %d bytes, want the %d put", len(got), len(data))
	}
}

func testReplace(t *testing.T, b evidence.Backend) {
	key := Key("meta", "a")
	put(t, b, key, []byte("first version, longer than the second"))
	put(t, b, key, []byte("second"))
	if got := get(t, b, key); string(got) != "second" {
		t.Fatalf("after replace Get = %q, want %q", got, "second")
	}
}

func testGetMissing(t *testing.T, b evidence.Backend) {
	_, err := b.Get(context.Background(), Key("blob", "missing"))
	if !errors.Is(err, evidence.ErrNotExist) {
		t.Fatalf("Get of a missing key: err = %v, want ErrNotExist", err)
	}
}

func testDelete(t *testing.T, b evidence.Backend) {
	ctx := context.Background()
	key := Key("blob", "d")
	put(t, b, key, []byte("x"))
	if err := b.Delete(ctx, key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := b.Get(ctx, key); !errors.Is(err, evidence.ErrNotExist) {
		t.Fatalf("Get after Delete: err = %v, want ErrNotExist", err)
	}
	if err := b.Delete(ctx, key); err != nil {
		t.Fatalf("Delete of a missing key: %v, want nil", err)
	}
	if keys := list(t, b, "blob"); len(keys) != 0 {
		t.Fatalf("List after Delete = %v, want none", keys)
	}
}

func testList(t *testing.T, b evidence.Backend) {
	var want []string
	for i := range 40 {
		k := Key("meta", fmt.Sprint(i))
		put(t, b, k, []byte{byte(i)})
		want = append(want, k)
	}
	put(t, b, Key("blob", "other namespace"), []byte("y"))
	slices.Sort(want)
	if got := list(t, b, "meta"); !slices.Equal(got, want) {
		t.Fatalf("List(meta) returned %d keys, want %d: %v", len(got), len(want), got)
	}
	if got := list(t, b, "nothing"); len(got) != 0 {
		t.Fatalf("List of an empty namespace = %v", got)
	}
	// Stopping early must be allowed.
	for range b.List(context.Background(), "meta") {
		break
	}
	// Deleting during iteration must not break it.
	n := 0
	for k, err := range b.List(context.Background(), "meta") {
		if err != nil {
			t.Fatalf("List while deleting: %v", err)
		}
		if err := b.Delete(context.Background(), k); err != nil {
			t.Fatalf("Delete while listing: %v", err)
		}
		n++
	}
	if n != len(want) {
		t.Fatalf("listing while deleting saw %d keys, want %d", n, len(want))
	}
	for _, err := range b.List(context.Background(), "../x") {
		if !errors.Is(err, evidence.ErrInvalidKey) {
			t.Fatalf("List of a bad namespace: err = %v, want ErrInvalidKey", err)
		}
	}
}

// BadKeys are keys every backend must refuse.
var BadKeys = []string{
	"",
	"blob",
	"blob/",
	"/blob/" + hex64,
	"../" + hex64,
	"blob/../" + hex64[:61],
	"blob/../../../../etc/passwd",
	"/etc/passwd",
	"blob/" + hex64[:63],
	"blob/" + hex64 + "0",
	"blob/" + hex64 + "/x",
	"BLOB/" + hex64,
	"blob/" + "ABCDEF" + hex64[6:],
	"blob/" + "g" + hex64[1:],
	"blob//" + hex64[1:],
	"bl.b/" + hex64,
	".tmp/" + hex64,
	"blob\\" + hex64,
	"blob/\x00" + hex64[1:],
	"averyveryverylongnamespace/" + hex64,
}

const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func testInvalidKeys(t *testing.T, b evidence.Backend) {
	ctx := context.Background()
	c, canCreate := b.(evidence.Creator)
	for _, k := range BadKeys {
		if err := b.Put(ctx, k, []byte("x")); !errors.Is(err, evidence.ErrInvalidKey) {
			t.Errorf("Put(%q): err = %v, want ErrInvalidKey", k, err)
		}
		if _, err := b.Get(ctx, k); !errors.Is(err, evidence.ErrInvalidKey) {
			t.Errorf("Get(%q): err = %v, want ErrInvalidKey", k, err)
		}
		if err := b.Delete(ctx, k); !errors.Is(err, evidence.ErrInvalidKey) {
			t.Errorf("Delete(%q): err = %v, want ErrInvalidKey", k, err)
		}
		if canCreate {
			if err := c.Create(ctx, k, []byte("x")); !errors.Is(err, evidence.ErrInvalidKey) {
				t.Errorf("Create(%q): err = %v, want ErrInvalidKey", k, err)
			}
		}
	}
}

func testNoRetention(t *testing.T, b evidence.Backend) {
	key := Key("blob", "r")
	data := []byte("original")
	put(t, b, key, data)
	copy(data, "MUTATED!")
	if got := get(t, b, key); string(got) != "original" {
		t.Fatalf("backend kept the caller's slice: Get = %q", got)
	}
}

func testEmpty(t *testing.T, b evidence.Backend) {
	key := Key("meta", "empty")
	put(t, b, key, nil)
	if got := get(t, b, key); len(got) != 0 {
		t.Fatalf("empty object read back as %d bytes", len(got))
	}
}

func testCreate(t *testing.T, b evidence.Backend) {
	c, ok := b.(evidence.Creator)
	if !ok {
		t.Logf("%T does not implement evidence.Creator; nothing to test", b)
		return
	}
	ctx := context.Background()
	key := Key("meta", "c")
	if err := c.Create(ctx, key, []byte("first")); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := c.Create(ctx, key, []byte("second")); !errors.Is(err, evidence.ErrExist) {
		t.Fatalf("second Create: err = %v, want ErrExist", err)
	}
	if got := get(t, b, key); string(got) != "first" {
		t.Fatalf("Create overwrote: Get = %q", got)
	}
	// Racing creators: exactly one wins.
	race := Key("meta", "race")
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 8 {
		wg.Go(func() {
			err := c.Create(ctx, race, []byte{byte(i)})
			if err != nil && !errors.Is(err, evidence.ErrExist) {
				t.Errorf("racing Create: %v", err)
			}
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d racing Creates succeeded, want exactly 1", wins)
	}
}

func testCanceled(t *testing.T, b evidence.Backend) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	key := Key("blob", "ctx")
	if err := b.Put(ctx, key, []byte("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with a canceled context: err = %v, want context.Canceled", err)
	}
	if _, err := b.Get(context.Background(), key); !errors.Is(err, evidence.ErrNotExist) {
		t.Fatalf("Put with a canceled context stored something (Get err = %v)", err)
	}
}

func testConcurrent(t *testing.T, b evidence.Backend) {
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			key := Key("blob", fmt.Sprint("c", i%4))
			data := bytes.Repeat([]byte{byte(i % 4)}, 1000+i%4)
			for range 5 {
				if err := b.Put(context.Background(), key, data); err != nil {
					t.Errorf("Put: %v", err)
					return
				}
				rc, err := b.Get(context.Background(), key)
				if err != nil {
					t.Errorf("Get: %v", err)
					return
				}
				got, err := io.ReadAll(rc)
				rc.Close()
				// Every reader sees one whole object, never a mix.
				if err != nil || !bytes.Equal(got, data) {
					t.Errorf("concurrent Get returned %d bytes (err %v), want the whole object", len(got), err)
					return
				}
			}
		})
	}
	wg.Wait()
}
