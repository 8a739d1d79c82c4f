package main

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestGate(t *testing.T) {
	t.Run("admission is bounded", func(t *testing.T) {
		g := newGate(1, 2, time.Second)
		var leaves []func()
		for i := 0; i < 3; i++ {
			l, err := g.enter()
			if err != nil {
				t.Fatalf("enter %d: %v", i, err)
			}
			leaves = append(leaves, l)
		}
		if _, err := g.enter(); !errors.Is(err, errSaturated) {
			t.Fatalf("4th enter: %v, want errSaturated", err)
		}
		leaves[0]()
		l, err := g.enter()
		if err != nil {
			t.Fatalf("enter after leave: %v", err)
		}
		l()
	})
	t.Run("decode waits then saturates", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			g := newGate(1, 4, 2*time.Second)
			rel, err := g.decode(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if g.busy.Load() != 1 {
				t.Fatalf("busy = %d", g.busy.Load())
			}
			start := time.Now()
			if _, err := g.decode(context.Background()); !errors.Is(err, errSaturated) {
				t.Fatalf("second decode: %v, want errSaturated", err)
			}
			if waited := time.Since(start); waited != 2*time.Second {
				t.Fatalf("waited %v, want the 2s decode wait", waited)
			}
			// A slot freed during the wait is taken.
			done := make(chan error)
			go func() {
				r, err := g.decode(context.Background())
				if err == nil {
					r()
				}
				done <- err
			}()
			time.Sleep(time.Second)
			rel()
			if err := <-done; err != nil {
				t.Fatalf("decode after release: %v", err)
			}
			if g.busy.Load() != 0 {
				t.Fatalf("busy = %d after releases", g.busy.Load())
			}
		})
	})
	t.Run("decode honours ctx", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			g := newGate(1, 1, time.Hour)
			rel, _ := g.decode(context.Background())
			defer rel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if _, err := g.decode(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want deadline exceeded", err)
			}
		})
	})
}
