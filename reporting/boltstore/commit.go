package boltstore

import (
	"errors"
	"sync"

	"go.etcd.io/bbolt"
)

// Group commit: concurrent Create and Update calls share bbolt write
// transactions. The first caller to arrive when no transaction of the store is
// under way leads: it takes every write queued so far (up to maxGroup), runs
// them in one transaction, commits, hands each its own result and passes the lead
// to the next queued write, if any. A lone writer commits at once, as with
// db.Update; under load one commit (and its fsync) serves many writes.
//
// A write op runs its checks before it writes anything and returns their error
// as is: the other writes of the group go on. An error after it has written
// (wrapped by dirty) rolls the whole transaction back, and every write of the
// group is then retried in a transaction of its own, as db.Batch does.

// maxGroup bounds the writes of one transaction.
const maxGroup = 128

type committer struct {
	mu      sync.Mutex
	queue   []*pendingWrite
	leading bool
}

type pendingWrite struct {
	op   func(tx *bbolt.Tx) error
	done chan error    // the result, once committed (or failed)
	lead chan struct{} // the lead, when this write is first in the queue
}

// dirtyError marks an op's error after it wrote to the transaction.
type dirtyError struct{ err error }

func (e dirtyError) Error() string { return e.err.Error() }
func (e dirtyError) Unwrap() error { return e.err }

func dirty(err error) error {
	if err == nil {
		return nil
	}
	return dirtyError{err}
}

func undirty(err error) error {
	var d dirtyError
	if errors.As(err, &d) {
		return d.err
	}
	return err
}

// write runs op in a write transaction, possibly shared with concurrent writes,
// and returns op's error or the commit's once the transaction has committed.
func (c *committer) write(db *bbolt.DB, op func(tx *bbolt.Tx) error) error {
	me := &pendingWrite{op: op, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, me)
	if c.leading {
		c.mu.Unlock()
		select {
		case err := <-me.done:
			return err
		case <-me.lead:
		}
		c.mu.Lock()
	}
	c.leading = true
	n := min(len(c.queue), maxGroup)
	group := c.queue[:n:n]
	c.queue = append([]*pendingWrite(nil), c.queue[n:]...)
	c.mu.Unlock()

	commitGroup(db, group)

	c.mu.Lock()
	if len(c.queue) > 0 {
		c.queue[0].lead <- struct{}{}
	} else {
		c.leading = false
	}
	c.mu.Unlock()
	return <-me.done
}

// commitGroup runs the writes of group in one transaction and delivers their
// results.
func commitGroup(db *bbolt.DB, group []*pendingWrite) {
	errs := make([]error, len(group))
	err := db.Update(func(tx *bbolt.Tx) error {
		for i, w := range group {
			err := w.op(tx)
			var d dirtyError
			if errors.As(err, &d) {
				return err
			}
			errs[i] = err
		}
		return nil
	})
	switch {
	case err == nil:
		for i, w := range group {
			w.done <- errs[i]
		}
	case len(group) == 1:
		group[0].done <- undirty(err)
	default:
		// A write failed half-way, or the commit did: nothing of the group
		// was stored. Each write runs again alone.
		for _, w := range group {
			w.done <- undirty(db.Update(w.op))
		}
	}
}
