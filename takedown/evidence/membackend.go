package evidence

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"sort"
	"strings"
	"sync"
)

// MemBackend is an in-memory [Backend] (with [Creator]) for tests and for
// checking a new backend against the conformance suite in backendtest. Nothing
// survives the process: never use it for real evidence.
//
// The zero value is not usable; call [NewMemBackend]. It is safe for concurrent use.
type MemBackend struct {
	mu     sync.RWMutex
	objs   map[string][]byte
	closed bool
}

// NewMemBackend returns an empty in-memory backend.
func NewMemBackend() *MemBackend { return &MemBackend{objs: make(map[string][]byte)} }

func (m *MemBackend) check(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !ValidKey(key) {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	if m.closed {
		return ErrClosed
	}
	return nil
}

// Put implements [Backend].
func (m *MemBackend) Put(ctx context.Context, key string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(ctx, key); err != nil {
		return err
	}
	m.objs[key] = bytes.Clone(data)
	return nil
}

// Create implements [Creator].
func (m *MemBackend) Create(ctx context.Context, key string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(ctx, key); err != nil {
		return err
	}
	if _, ok := m.objs[key]; ok {
		return fmt.Errorf("%w: %s", ErrExist, key)
	}
	m.objs[key] = bytes.Clone(data)
	return nil
}

// Get implements [Backend].
func (m *MemBackend) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if err := m.check(ctx, key); err != nil {
		return nil, err
	}
	b, ok := m.objs[key]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotExist, key)
	}
	// Stored slices are never modified in place, so readers may share them.
	return io.NopCloser(bytes.NewReader(b)), nil
}

// Delete implements [Backend].
func (m *MemBackend) Delete(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(ctx, key); err != nil {
		return err
	}
	delete(m.objs, key)
	return nil
}

// List implements [Backend]. It yields a snapshot taken when iteration starts.
func (m *MemBackend) List(ctx context.Context, namespace string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		if !validNamespace(namespace) {
			yield("", fmt.Errorf("%w: namespace %q", ErrInvalidKey, namespace))
			return
		}
		m.mu.RLock()
		var keys []string
		for k := range m.objs {
			if strings.HasPrefix(k, namespace+"/") {
				keys = append(keys, k)
			}
		}
		closed := m.closed
		m.mu.RUnlock()
		if closed {
			yield("", ErrClosed)
			return
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := ctx.Err(); err != nil {
				yield("", err)
				return
			}
			if !yield(k, nil) {
				return
			}
		}
	}
}

// Close drops every object; later calls fail with ErrClosed.
func (m *MemBackend) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.objs = nil
	return nil
}

// objects returns the raw stored bytes by key, for tests that tamper with or
// inspect what a backend holds. The map and slices are copies.
func (m *MemBackend) objects() map[string][]byte {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make(map[string][]byte, len(m.objs))
	for k, v := range m.objs {
		out[k] = bytes.Clone(v)
	}
	return out
}
