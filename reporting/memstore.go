package reporting

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemStore is a Store that keeps submissions in memory: for tests, examples
// and services that accept losing their outbox on restart (most should not; use
// reporting/boltstore). It is safe for concurrent use; the zero value is not
// usable.
type MemStore struct {
	mu     sync.Mutex
	subs   map[string]*Submission
	closed bool
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{subs: make(map[string]*Submission)}
}

var _ Store = (*MemStore)(nil)

// Create implements Store.
func (m *MemStore) Create(ctx context.Context, s *Submission) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if _, ok := m.subs[s.ID]; ok {
		return ErrExists
	}
	s.Version = 1
	m.subs[s.ID] = s.Clone()
	return nil
}

// Get implements Store.
func (m *MemStore) Get(ctx context.Context, id string) (*Submission, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	s, ok := m.subs[id]
	if !ok {
		return nil, ErrNotFound
	}
	return s.Clone(), nil
}

// Update implements Store.
func (m *MemStore) Update(ctx context.Context, s *Submission) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	cur, ok := m.subs[s.ID]
	if !ok {
		return ErrNotFound
	}
	if cur.Version != s.Version {
		return ErrConflict
	}
	stored := cur.Progress.Receipts
	if len(s.Progress.Receipts) < len(stored) {
		return fmt.Errorf("%w: receipts are append-only: the submission holds %d, the store %d", ErrConflict, len(s.Progress.Receipts), len(stored))
	}
	s.Version++
	// Stored receipts are never changed in place (Get and Claim hand out
	// copies), so the new version shares them and copies only the new ones.
	next := s.cloneWithoutReceipts()
	next.Progress.Receipts = append(stored[:len(stored):len(stored)], cloneReceipts(s.Progress.Receipts[len(stored):])...)
	m.subs[s.ID] = next
	return nil
}

// Claim implements Store.
func (m *MemStore) Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, n int) ([]*Submission, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	type due struct {
		at time.Time
		s  *Submission
	}
	var ready []due
	for _, s := range m.subs {
		if at, ok := DueAt(s); ok && !at.After(now) {
			ready = append(ready, due{at, s})
		}
	}
	slices.SortFunc(ready, func(a, b due) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.s.ID, b.s.ID)
	})
	var out []*Submission
	for _, d := range ready {
		if len(out) >= n {
			break
		}
		ApplyClaim(d.s, owner, now, lease)
		d.s.Version++
		out = append(out, d.s.Clone())
	}
	return out, nil
}

// List implements Store.
func (m *MemStore) List(ctx context.Context, q Query) ([]*Submission, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q = q.Normalized()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	var out []*Submission
	for _, s := range m.subs {
		if q.Match(s) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b *Submission) int { return strings.Compare(a.ID, b.ID) })
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	for i, s := range out {
		out[i] = s.Clone()
	}
	return out, nil
}

// Close implements Store. Later calls return ErrClosed.
func (m *MemStore) Close() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	return nil
}
