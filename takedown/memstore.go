package takedown

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemStore is a Store that keeps everything in memory, for tests and examples. It loses
// everything when the process ends. Its timer queries are linear in the number of timers.
// The zero value is not usable; call NewMemStore. It is safe for concurrent use.
type MemStore struct {
	mu       sync.Mutex
	closed   bool
	cases    map[string]*Case
	events   map[string][]AuditEvent
	idem     map[string]IdemRecord
	journal  []JournalEntry
	timers   map[string]*memTimer // key: case\x00deadline\x00name
	fired    map[string][]Delivery
	firedIDs map[string]bool
}

type memTimer struct {
	t       Timer
	worker  string
	until   time.Time
	attempt int
}

// NewMemStore returns an empty in-memory store.
func NewMemStore() *MemStore {
	return &MemStore{cases: map[string]*Case{}, events: map[string][]AuditEvent{}, idem: map[string]IdemRecord{},
		timers: map[string]*memTimer{}, fired: map[string][]Delivery{}, firedIDs: map[string]bool{}}
}

func timerKey(t *Timer) string { return t.Case + "\x00" + t.Deadline + "\x00" + t.Name() }

func (s *MemStore) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed {
		return ErrClosed
	}
	return nil
}

func (s *MemStore) head() ChainHead {
	if len(s.journal) == 0 {
		return ChainHead{}
	}
	j := s.journal[len(s.journal)-1]
	return ChainHead{Seq: j.Seq, Hash: j.Hash}
}

// apply writes ch; the caller has checked it applies.
func (s *MemStore) apply(ch *Change) {
	c := ch.Case
	s.cases[c.ID] = c.Clone()
	for i := range ch.Events {
		e := ch.Events[i]
		e.Payload = slices.Clone(e.Payload)
		s.events[c.ID] = append(s.events[c.ID], e)
		s.journal = append(s.journal, NextJournalEntry(s.head(), &e))
	}
	for _, id := range ch.Cancel {
		prefix := c.ID + "\x00" + id + "\x00"
		for k := range s.timers {
			if strings.HasPrefix(k, prefix) {
				delete(s.timers, k)
			}
		}
	}
	for _, t := range ch.Add {
		t.At = t.At.UTC()
		k := timerKey(&t)
		if !s.firedIDs[k] {
			s.timers[k] = &memTimer{t: t}
		}
	}
	if ch.Idem != nil {
		s.idem[ch.Idem.Key] = *ch.Idem
	}
}

func (s *MemStore) canUpdate(ch *Change) error {
	cur, ok := s.cases[ch.Case.ID]
	if !ok {
		return fmt.Errorf("case %s: %w", ch.Case.ID, ErrNotFound)
	}
	if cur.Version+1 != ch.Case.Version {
		return fmt.Errorf("case %s: stored version %d, change to %d: %w", ch.Case.ID, cur.Version, ch.Case.Version, ErrConflict)
	}
	if ch.Idem != nil {
		if _, ok := s.idem[ch.Idem.Key]; ok {
			return fmt.Errorf("idempotency key: %w", ErrExists)
		}
	}
	return nil
}

// Create implements Store.
func (s *MemStore) Create(ctx context.Context, ch *Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return err
	}
	if _, ok := s.cases[ch.Case.ID]; ok {
		return fmt.Errorf("case %s: %w", ch.Case.ID, ErrExists)
	}
	if ch.Case.Version != 1 {
		return fmt.Errorf("new case %s has version %d: %w", ch.Case.ID, ch.Case.Version, ErrConflict)
	}
	if ch.Idem != nil {
		if _, ok := s.idem[ch.Idem.Key]; ok {
			return fmt.Errorf("idempotency key: %w", ErrExists)
		}
	}
	s.apply(ch)
	return nil
}

// Update implements Store.
func (s *MemStore) Update(ctx context.Context, ch *Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := s.canUpdate(ch); err != nil {
		return err
	}
	s.apply(ch)
	return nil
}

// Get implements Store.
func (s *MemStore) Get(ctx context.Context, id string) (*Case, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	c, ok := s.cases[id]
	if !ok {
		return nil, fmt.Errorf("case %s: %w", id, ErrNotFound)
	}
	return c.Clone(), nil
}

// Scan implements Store.
func (s *MemStore) Scan(ctx context.Context, after string, limit int) ([]*Case, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(s.cases))
	for id := range s.cases {
		if id > after {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if len(ids) > limit {
		ids = ids[:max(limit, 0)]
	}
	out := make([]*Case, len(ids))
	for i, id := range ids {
		out[i] = s.cases[id].Clone()
	}
	return out, nil
}

// Events implements Store.
func (s *MemStore) Events(ctx context.Context, id string) ([]AuditEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if _, ok := s.cases[id]; !ok {
		return nil, fmt.Errorf("case %s: %w", id, ErrNotFound)
	}
	out := slices.Clone(s.events[id])
	for i := range out {
		out[i].Payload = slices.Clone(out[i].Payload)
	}
	return out, nil
}

// Idempotency implements Store.
func (s *MemStore) Idempotency(ctx context.Context, key string) (IdemRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return IdemRecord{}, err
	}
	r, ok := s.idem[key]
	if !ok {
		return r, ErrNotFound
	}
	return r, nil
}

// Journal implements Store.
func (s *MemStore) Journal(ctx context.Context, after uint64, limit int) ([]JournalEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if after >= uint64(len(s.journal)) {
		return nil, nil
	}
	end := min(uint64(len(s.journal)), after+uint64(max(limit, 0)))
	return slices.Clone(s.journal[after:end]), nil
}

// Head implements Store.
func (s *MemStore) Head(ctx context.Context) (ChainHead, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return ChainHead{}, err
	}
	return s.head(), nil
}

// NextWake implements Store.
func (s *MemStore) NextWake(ctx context.Context, now time.Time) (time.Time, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return time.Time{}, false, err
	}
	var best time.Time
	ok := false
	for _, t := range s.timers {
		at := t.t.At
		if t.worker != "" && t.until.After(now) && t.until.After(at) {
			at = t.until
		}
		if !ok || at.Before(best) {
			best, ok = at, true
		}
	}
	return best, ok, nil
}

// Claim implements Store.
func (s *MemStore) Claim(ctx context.Context, now time.Time, worker string, lease time.Duration, limit int) ([]Claim, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var cands []*memTimer
	for _, t := range s.timers {
		if !t.t.At.After(now) && (t.worker == "" || t.until.Before(now)) {
			cands = append(cands, t)
		}
	}
	slices.SortFunc(cands, func(a, b *memTimer) int {
		return cmp.Or(a.t.At.Compare(b.t.At), cmp.Compare(a.t.Kind.Rank(), b.t.Kind.Rank()),
			strings.Compare(timerKey(&a.t), timerKey(&b.t)))
	})
	if len(cands) > limit {
		cands = cands[:max(limit, 0)]
	}
	out := make([]Claim, len(cands))
	for i, t := range cands {
		t.worker, t.until = worker, now.Add(lease).UTC()
		t.attempt++
		out[i] = Claim{Timer: t.t, Worker: worker, Attempt: t.attempt, Until: t.until}
	}
	return out, nil
}

// Complete implements Store.
func (s *MemStore) Complete(ctx context.Context, done []Completion) ([]error, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	errs := make([]error, len(done))
	for i := range done {
		d := &done[i]
		for _, cl := range d.Claims {
			t, ok := s.timers[timerKey(&cl.Timer)]
			if !ok || t.worker != cl.Worker || t.attempt != cl.Attempt {
				errs[i] = fmt.Errorf("timer %s: %w", cl.DeliveryID(), ErrLeaseLost)
				break
			}
		}
		if errs[i] != nil {
			continue
		}
		if d.Change != nil {
			if err := s.canUpdate(d.Change); err != nil {
				errs[i] = err
				continue
			}
		}
		for _, cl := range d.Claims {
			k := timerKey(&cl.Timer)
			t := s.timers[k]
			delete(s.timers, k)
			s.firedIDs[k] = true
			s.fired[t.t.Case] = append(s.fired[t.t.Case], Delivery{ID: t.t.DeliveryID(), Case: t.t.Case,
				Deadline: t.t.Deadline, Name: t.t.Name(), At: t.t.At, FiredAt: d.FiredAt.UTC(), Worker: t.worker, Attempt: t.attempt})
		}
		if d.Change != nil {
			s.apply(d.Change)
		}
	}
	return errs, nil
}

// Deliveries implements Store.
func (s *MemStore) Deliveries(ctx context.Context, caseID string) ([]Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return slices.Clone(s.fired[caseID]), nil
}

// Close implements Store. Later calls fail with ErrClosed.
func (s *MemStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}
