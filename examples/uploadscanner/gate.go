package main

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// errSaturated reports that every decode slot is busy and the waiting room is full
// (or the wait ran out). The handler answers 503 with Retry-After.
var errSaturated = errors.New("uploadscanner: decode capacity saturated")

// gate bounds the uploads in flight. At most slots uploads decode at once; at most
// queue more may wait for a slot, each for at most wait. Admission beyond that fails
// at once with errSaturated, so memory stays bounded by
// (slots+queue) * max-upload-bytes plus slots decoded images. Safe for concurrent
// use.
type gate struct {
	admit chan struct{} // slots+queue tokens: uploads admitted (reading, waiting or decoding)
	slots chan struct{} // decode slots
	wait  time.Duration
	busy  atomic.Int64 // decodes running, for the metrics
}

func newGate(slots, queue int, wait time.Duration) *gate {
	return &gate{
		admit: make(chan struct{}, slots+queue),
		slots: make(chan struct{}, slots),
		wait:  wait,
	}
}

// enter admits one upload or fails at once with errSaturated. The caller calls the
// returned leave exactly once.
func (g *gate) enter() (leave func(), err error) {
	select {
	case g.admit <- struct{}{}:
		return func() { <-g.admit }, nil
	default:
		return nil, errSaturated
	}
}

// decode waits for a decode slot, at most g.wait. It fails with errSaturated when
// the wait runs out and with ctx's error when ctx ends first. The caller calls the
// returned release exactly once.
func (g *gate) decode(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	acquired := func() func() {
		g.busy.Add(1)
		return func() { g.busy.Add(-1); <-g.slots }
	}
	select {
	case g.slots <- struct{}{}:
		return acquired(), nil
	default:
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return acquired(), nil
	case <-t.C:
		return nil, errSaturated
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// queued returns the uploads admitted but not decoding.
func (g *gate) queued() int { return len(g.admit) - int(g.busy.Load()) }
