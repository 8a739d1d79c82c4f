package boltstore_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mnr-sdk/mnr/takedown"
	"github.com/mnr-sdk/mnr/takedown/boltstore"
)

var benchCases = flag.Int("takedown.cases", 0, "BenchmarkEngineManyCases: open cases to hold (e.g. 1000000); 0 skips it")

// cpuTime is the process's user+system CPU time, to report CPU per operation: on a
// shared machine it is steadier than wall-clock throughput.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procMem returns the process's resident set size and its peak (VmRSS, VmHWM): this
// includes the pages of the bbolt file mapped in, which the kernel can drop at will.
func procMem() (rss, hwm int64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && (f[0] == "VmRSS:" || f[0] == "VmHWM:") {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			if f[0] == "VmRSS:" {
				rss = kb << 10
			} else {
				hwm = kb << 10
			}
		}
	}
	return rss, hwm
}

func benchStore(b *testing.B) (*boltstore.Store, *takedown.Engine) {
	s, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	e, err := takedown.NewEngine(s, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	return s, e
}

// benchCallers is the number of concurrent callers per CPU in BenchmarkOpen and
// BenchmarkRecord (-takedown.callers; 256 per CPU = 512 on this 2-CPU machine).
// Concurrent writes share commits and fsyncs through bbolt batches, so throughput
// grows with concurrency.
var benchCallers = flag.Int("takedown.callers", 256, "BenchmarkOpen/Record: concurrent callers per CPU")

// BenchmarkOpen opens cases (US+GB hash matches: 3 deadlines, 12 timers, an audit event
// and a journal entry each) from many concurrent callers, every commit durable.
func BenchmarkOpen(b *testing.B) {
	st, e := benchStore(b)
	db := st.DB()
	before := db.Stats()
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(*benchCallers)
	cpu := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if _, err := e.Open(ctx, takedown.Notice{ID: fmt.Sprint("n", i), Trigger: takedown.TriggerOwnDetection,
				Jurisdictions: []takedown.Jurisdiction{"US", "GB"}, Category: "csam"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/case")
	after := db.Stats()
	b.ReportMetric(float64(after.TxStats.GetPageCount()-before.TxStats.GetPageCount())/float64(b.N), "pages/case")
}

// BenchmarkRecord records events (preserved, uploader and notifier notified in turn) on
// 2,000 existing cases from many concurrent callers, every commit durable.
func BenchmarkRecord(b *testing.B) {
	_, e := benchStore(b)
	ctx := context.Background()
	const cases = 2000
	ids := make([]string, cases)
	var wg sync.WaitGroup
	for w := range 64 {
		wg.Go(func() {
			for i := w; i < cases; i += 64 {
				c, err := e.Open(ctx, takedown.Notice{ID: fmt.Sprint("n", i), Trigger: takedown.TriggerOwnDetection,
					Jurisdictions: []takedown.Jurisdiction{"US"}, Category: "csam"})
				if err != nil {
					b.Error(err)
					return
				}
				ids[i] = c.ID
			}
		})
	}
	wg.Wait()
	types := []takedown.EventType{takedown.EventPreserved, takedown.EventUploaderNotified, takedown.EventNotifierNotified}
	var n atomic.Int64
	b.SetParallelism(*benchCallers)
	cpu := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			ev := takedown.Event{ID: fmt.Sprint("e", i), Type: types[i%3]}
			if _, err := e.Record(ctx, ids[i%cases], ev); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/event")
}

// BenchmarkEngineManyCases holds -takedown.cases open cases in a bolt store, of which
// 2,000 come due (a 1 h removal deadline) one every 10 ms while Run is running; the rest
// are due an hour after they were opened, after the run. It reports how late the due hooks fired (p50, p99, max) and
// the Go heap after a GC while holding them. Run it with
//
//	go test -run '^$' -bench EngineManyCases -benchtime 1x -takedown.cases 1000000 ./takedown/boltstore/
func BenchmarkEngineManyCases(b *testing.B) {
	if *benchCases == 0 {
		b.Skip("set -takedown.cases (e.g. 1000000) to run")
	}
	total := *benchCases
	for range b.N {
		dir := b.TempDir()
		s, err := boltstore.Open(filepath.Join(dir, "many.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		policy := &takedown.Policy{Rules: []takedown.Rule{{ID: "remove", Jurisdiction: "US", Duty: takedown.DutyRemove,
			Deadline: time.Hour, Citation: "bench", Confidence: takedown.Primary}}}
		var mu sync.Mutex
		var late []time.Duration
		opts := &takedown.Options{Warnings: []float64{}, Hooks: takedown.Hooks{OnDue: func(_ context.Context, f takedown.Firing) {
			d := time.Since(f.At)
			mu.Lock()
			late = append(late, d)
			mu.Unlock()
		}}}
		e, err := takedown.NewEngine(s, policy, opts)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		start := time.Now()
		const hot = 2000
		// Cold cases: received now, due in an hour (the run lasts well under that).
		// Hot cases: received 1 h ago minus a little, due during the run.
		var wg sync.WaitGroup
		var next atomic.Int64
		fillStart := time.Now()
		for range 64 {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= total-hot {
						return
					}
					if _, err := e.Open(ctx, takedown.Notice{ID: fmt.Sprint("c", i), Trigger: takedown.TriggerUserNotice,
						Jurisdictions: []takedown.Jurisdiction{"US"}}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		fill := time.Since(fillStart)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		// Hot cases: opened now (concurrently, before any is due), due one every 10 ms
		// from 10 s on, received an hour before that.
		base := time.Now().Add(10 * time.Second)
		next.Store(0)
		for range 64 {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= hot {
						return
					}
					due := base.Add(time.Duration(i) * 10 * time.Millisecond)
					if _, err := e.Open(ctx, takedown.Notice{ID: fmt.Sprint("h", i), Trigger: takedown.TriggerUserNotice,
						Jurisdictions: []takedown.Jurisdiction{"US"}, ReceivedAt: due.Add(-time.Hour)}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if time.Now().After(base) {
			b.Fatalf("opening the hot cases took past their first due time")
		}
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- e.Run(runCtx) }()
		for {
			mu.Lock()
			n := len(late)
			mu.Unlock()
			if n >= hot {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		var ms2 runtime.MemStats
		runtime.ReadMemStats(&ms2)
		cancel()
		<-done
		slices.Sort(late)
		b.ReportMetric(float64(late[len(late)/2].Milliseconds()), "p50-late-ms")
		b.ReportMetric(float64(late[len(late)*99/100].Milliseconds()), "p99-late-ms")
		b.ReportMetric(float64(late[len(late)-1].Milliseconds()), "max-late-ms")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB-held")
		b.ReportMetric(float64(max(ms.Sys, ms2.Sys))/(1<<20), "sys-MiB")
		b.ReportMetric(float64(total-hot)/fill.Seconds(), "fill-cases/s")
		rss, hwm := procMem()
		b.ReportMetric(float64(rss)/(1<<20), "rss-MiB")
		b.ReportMetric(float64(hwm)/(1<<20), "peak-rss-MiB")
		if fi, err := os.Stat(filepath.Join(dir, "many.db")); err == nil {
			b.ReportMetric(float64(fi.Size())/float64(total), "file-B/case")
		}
		b.Logf("%d cases open; filled in %v; run %v; heap in use %d MiB, Go sys %d MiB",
			total, fill.Round(time.Second), time.Since(start).Round(time.Second), ms.HeapInuse>>20, max(ms.Sys, ms2.Sys)>>20)
		s.Close()
	}
}
