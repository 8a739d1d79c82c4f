package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// secret derives a deterministic test secret from a label.
func secret(label string) []byte {
	s := sha256.Sum256([]byte("mnr evidence test secret: " + label))
	return s[:]
}

func testKey(id string) Key { return Key{ID: id, Secret: secret(id)} }

// keyring builds a test keyring with the standard naming key; active is first.
func keyring(t testing.TB, active string, older ...string) *Keyring {
	t.Helper()
	var ks []Key
	for _, id := range older {
		ks = append(ks, testKey(id))
	}
	kr, err := NewKeyring(secret("naming"), testKey(active), ks...)
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return kr
}

type env struct {
	t     testing.TB
	dir   string
	clock *clock
	v     *Vault
}

// newDirEnv opens a vault over a DirBackend in a temporary directory.
func newDirEnv(t testing.TB, opts *Options) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), clock: newClock()}
	e.v = e.open(keyring(t, "k1"), opts)
	return e
}

func (e *env) open(kr *Keyring, opts *Options) *Vault {
	e.t.Helper()
	v, err := e.tryOpen(kr, opts)
	if err != nil {
		e.t.Fatalf("New: %v", err)
	}
	return v
}

func (e *env) tryOpen(kr *Keyring, opts *Options) (*Vault, error) {
	b, err := NewDirBackend(e.dir)
	if err != nil {
		return nil, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Now == nil {
		o.Now = e.clock.Now
	}
	v, err := New(b, kr, &o)
	if err != nil {
		return nil, err
	}
	e.t.Cleanup(func() { _ = v.Close() })
	return v, nil
}

// reopen closes the vault and opens it again with kr.
func (e *env) reopen(kr *Keyring) {
	e.t.Helper()
	if err := e.v.Close(); err != nil {
		e.t.Fatalf("Close: %v", err)
	}
	e.v = e.open(kr, nil)
}

func (e *env) put(content []byte, o PutOptions) Item {
	e.t.Helper()
	it, err := e.v.Put(context.Background(), bytes.NewReader(content), o)
	if err != nil {
		e.t.Fatalf("Put: %v", err)
	}
	return it
}

// path returns the file holding object key ns/ref.
func (e *env) path(ns, ref string) string {
	return filepath.Join(e.dir, ns, ref[:2], ref)
}

func (e *env) files(ns string) []string {
	e.t.Helper()
	m, err := filepath.Glob(filepath.Join(e.dir, ns, "*", "*"))
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// audit reads and verifies the audit log.
func (e *env) audit() []AuditEntry {
	e.t.Helper()
	f, err := os.Open(filepath.Join(e.dir, AuditFileName))
	if err != nil {
		e.t.Fatalf("opening audit log: %v", err)
	}
	defer f.Close()
	var out []AuditEntry
	for a, err := range ReadAudit(f) {
		if err != nil {
			e.t.Fatalf("audit log: %v", err)
		}
		out = append(out, a)
	}
	return out
}

func events(es []AuditEntry) string {
	var s []string
	for _, e := range es {
		s = append(s, e.Event)
	}
	return strings.Join(s, ",")
}

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func readAll(t testing.TB, v *Vault, d Digest) ([]byte, error) {
	t.Helper()
	r, err := v.Open(context.Background(), d)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func collect(t testing.TB, seq iter.Seq2[Item, error]) []Item {
	t.Helper()
	var out []Item
	for it, err := range seq {
		if err != nil {
			t.Fatalf("Items: %v", err)
		}
		out = append(out, it)
	}
	return out
}

// faultBackend wraps a backend and fails chosen calls.
type faultBackend struct {
	Backend
	mu   sync.Mutex
	fail func(op, key string) error // nil: no fault
}

var errInjected = errors.New("injected fault")

func (f *faultBackend) check(op, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail == nil {
		return nil
	}
	return f.fail(op, key)
}

func (f *faultBackend) setFail(fn func(op, key string) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fn
}

func (f *faultBackend) Put(ctx context.Context, key string, data []byte) error {
	if err := f.check("put", key); err != nil {
		return err
	}
	return f.Backend.Put(ctx, key, data)
}

func (f *faultBackend) Delete(ctx context.Context, key string) error {
	if err := f.check("delete", key); err != nil {
		return err
	}
	return f.Backend.Delete(ctx, key)
}

func (f *faultBackend) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := f.check("get", key); err != nil {
		return nil, err
	}
	return f.Backend.Get(ctx, key)
}

// memEnv is a vault over a fault-injecting MemBackend with its audit log in a
// temporary directory.
type memEnv struct {
	mem   *MemBackend
	fb    *faultBackend
	clock *clock
	audit string
	v     *Vault
}

func newMemEnv(t testing.TB, kr *Keyring) *memEnv {
	t.Helper()
	m := &memEnv{mem: NewMemBackend(), clock: newClock(), audit: filepath.Join(t.TempDir(), "audit.jsonl")}
	m.fb = &faultBackend{Backend: m.mem}
	v, err := New(m.fb, kr, &Options{AuditPath: m.audit, Now: m.clock.Now})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = v.Close() })
	m.v = v
	return m
}

func (m *memEnv) auditEntries(t testing.TB) []AuditEntry {
	t.Helper()
	f, err := os.Open(m.audit)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []AuditEntry
	for a, err := range ReadAudit(f) {
		if err != nil {
			t.Fatalf("audit log: %v", err)
		}
		out = append(out, a)
	}
	return out
}
