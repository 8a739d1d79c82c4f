package storetest

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/mnr-sdk/mnr/reporting"
)

// Bench runs the store benchmarks against stores made by newStore:
//
//	Update/receipts=N/save    an Update that brings no new receipt (a lease
//	                          renewal, an in-flight marker, a state change) to a
//	                          submission holding N receipts of 512 bytes
//	Update/receipts=N/append  an Update that appends one receipt (the
//	                          submission starts with N and gains one per op)
//	UpdateParallel            16 goroutines per CPU, each saving its own
//	                          submission (10 receipts) over and over, as outbox
//	                          workers do
//
// A store that rewrites every receipt on every save costs time in proportion to
// N; one that appends only new receipts does not. A store that lets concurrent
// saves share a transaction (and its fsync) does better in UpdateParallel.
func Bench(b *testing.B, newStore func(b *testing.B) reporting.Store) {
	b.Run("UpdateParallel", func(b *testing.B) {
		st := newStore(b)
		defer st.Close()
		var next atomic.Int64
		b.SetParallelism(16)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			s := Submission("cybertip", fmt.Sprintf("P%d", next.Add(1)), reporting.StatePending, base)
			for i := 1; i < 10; i++ {
				s.Progress.Receipts = append(s.Progress.Receipts, reporting.Receipt{Step: "upload", At: base, Body: []byte("<ok/>")})
			}
			if err := st.Create(ctx, s); err != nil {
				b.Error(err)
				return
			}
			i := 0
			for pb.Next() {
				i++
				s.Progress.Step = fmt.Sprintf("uploaded:%d", i)
				if err := st.Update(ctx, s); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	for _, n := range []int{1, 100, 1000} {
		for _, mode := range []string{"save", "append"} {
			b.Run(fmt.Sprintf("Update/receipts=%d/%s", n, mode), func(b *testing.B) {
				st := newStore(b)
				defer st.Close()
				ctx := context.Background()
				s := Submission("cybertip", "BENCH", reporting.StatePending, base)
				body := bytes.Repeat([]byte("<receipt/>"), 51)
				for i := 1; i < n; i++ {
					s.Progress.Receipts = append(s.Progress.Receipts, reporting.Receipt{Step: fmt.Sprintf("upload:%d", i), At: base, Body: body})
				}
				if err := st.Create(ctx, s); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					i++
					s.Progress.Step = fmt.Sprintf("uploaded:%d", i)
					if mode == "append" {
						s.Progress.Receipts = append(s.Progress.Receipts, reporting.Receipt{Step: "fileinfo", At: base, Body: body})
					}
					if err := st.Update(ctx, s); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
