package hashmatch

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Matcher benchmarks. Data is generated (nothing is committed). Sizes above
// one million entries run only when named with -mnr.sizes, e.g.
//
//	GOAMD64=v3 go test -run '^$' -bench 'PDQ' -cpu 1 -mnr.sizes 10000000 ./hashmatch
//
// Each PDQ size runs, on the same list in the same process, the indexed
// Matcher and mnr's brute-force scan, so the speed-up is a ratio any machine
// reproduces. Half of the queries are an entry with 0..31 bits flipped
// (a planted near match), half are random.

var (
	benchSizes      = flag.String("mnr.sizes", "", "comma-separated extra list sizes for the matcher benchmarks (e.g. 10000000,100000000)")
	benchIndexBytes = flag.Int("mnr.indexbytes", 0, "MatcherOptions.IndexBytesPerEntry for the PDQ benchmarks (0: the default)")
	benchDatasets   = flag.String("mnr.data", "uniform,clustered,skewed", "datasets: uniform, clustered (10% in near-duplicate groups of up to 5000), skewed (latent-factor codes)")
)

func benchSizeList(def ...int) []int {
	sizes := slices.Clone(def)
	for _, s := range strings.Split(*benchSizes, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n > 0 && !slices.Contains(sizes, n) {
			sizes = append(sizes, n)
		}
	}
	return sizes
}

func benchDataList() []string {
	var ds []string
	for _, d := range strings.Split(*benchDatasets, ",") {
		if d = strings.TrimSpace(d); d != "" {
			ds = append(ds, d)
		}
	}
	return ds
}

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// genPDQCodes writes n codes of the dataset into a builder-free column: it
// returns 4*n words, unsorted, possibly with duplicates.
func genPDQCodes(rng *rand.Rand, n int, dataset string) []uint64 {
	codes := makeUint64(4 * n)
	switch dataset {
	case "uniform":
		for i := range codes {
			codes[i] = rng.Uint64()
		}
	case "clustered":
		// 90% uniform codes; 10% in near-duplicate groups around uniform
		// bases (0..20 flipped bits), group sizes Zipf-distributed from 1 to
		// 5000 (popular images recur as crops and re-encodes).
		zipf := rand.NewZipf(rng, 1.3, 1, 4999)
		var base [4]uint64
		left := 0
		for i := 0; i < n; i++ {
			c := codes[4*i : 4*i+4]
			if rng.IntN(10) != 0 {
				for j := range c {
					c[j] = rng.Uint64()
				}
				continue
			}
			if left == 0 {
				left = 1 + int(zipf.Uint64())
				for j := range base {
					base[j] = rng.Uint64()
				}
			}
			left--
			copy(c, base[:])
			for range rng.IntN(21) {
				b := rng.IntN(256)
				c[b/64] ^= 1 << (b % 64)
			}
		}
	case "skewed":
		// Latent-factor codes (BENCHMARKS.md, after the matching notes):
		// x = mu + W z + noise with z ~ N(0, I_16); bit i is x_i > median(x),
		// so about 128 bits are set and bits are correlated and biased.
		const k = 16
		mu := make([]float64, 256)
		w := make([]float64, 256*k)
		for i := range mu {
			mu[i] = rng.NormFloat64() * 0.5
		}
		for i := range w {
			w[i] = rng.NormFloat64()
		}
		x := make([]float64, 256)
		s := make([]float64, 256)
		var z [k]float64
		for i := 0; i < n; i++ {
			for j := range z {
				z[j] = rng.NormFloat64()
			}
			for b := 0; b < 256; b++ {
				v := mu[b] + 0.7*rng.NormFloat64()
				for j := 0; j < k; j++ {
					v += w[b*k+j] * z[j]
				}
				x[b] = v
			}
			copy(s, x)
			slices.Sort(s)
			med := s[127]
			c := codes[4*i : 4*i+4]
			clear(c)
			for b := 0; b < 256; b++ {
				if x[b] > med {
					c[b/64] |= 1 << (63 - b%64)
				}
			}
		}
	default:
		panic("unknown dataset " + dataset)
	}
	return codes
}

// benchList builds a PDQ list of n generated entries with numeric IDs (the
// line numbers a plain list would have) and one category.
func benchList(tb testing.TB, n int, dataset string, seed uint64) *List {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	codes := genPDQCodes(rng, n, dataset)
	b := NewListBuilder(ListInfo{Name: "bench-" + dataset}, nil)
	set, _ := b.sets.intern([]string{"csam"})
	cb := &colBuilder{kind: KindPDQ, words: 4, codes: codes, num: makeUint32(n), sets: make([]uint32, n)}
	for i := range cb.num {
		cb.num[i] = uint32(i + 1)
		cb.sets[i] = set
	}
	b.cols[KindPDQ] = cb
	b.added = n
	l, err := b.Build()
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// benchQueries returns nq PDQ queries: even ones an entry with 0..31 bits
// flipped, odd ones random.
func benchQueries(l *List, nq int, seed uint64) []Hash {
	rng := rand.New(rand.NewPCG(seed, 99))
	c := l.col(KindPDQ)
	qs := make([]Hash, nq)
	for i := range qs {
		if i%2 == 0 {
			qs[i] = flipHash(rng, c.hash(rng.IntN(c.n)), rng.IntN(32))
		} else {
			qs[i] = randHash(rng, KindPDQ)
		}
	}
	return qs
}

// pdqEnv is one generated list, indexed, with its measurements.
type pdqEnv struct {
	key        string
	list       *List
	m          *Matcher
	queries    []Hash
	build      time.Duration
	bytesEntry float64
	listBytes  float64
}

var curEnv *pdqEnv // one at a time: a 100M-entry env takes ~10 GB

func getPDQEnv(b *testing.B, n int, dataset string) *pdqEnv {
	key := fmt.Sprint(n, dataset)
	if curEnv != nil && curEnv.key == key {
		return curEnv
	}
	curEnv = nil
	base := heapInUse()
	l := benchList(b, n, dataset, 1)
	afterList := heapInUse()
	m := NewMatcher(&MatcherOptions{IndexBytesPerEntry: *benchIndexBytes})
	start := time.Now()
	if err := m.Replace(l); err != nil {
		b.Fatal(err)
	}
	build := time.Since(start)
	after := heapInUse()
	curEnv = &pdqEnv{key: key, list: l, m: m, queries: benchQueries(l, 4096, 2), build: build,
		bytesEntry: float64(after-base) / float64(l.Len()), listBytes: float64(afterList-base) / float64(l.Len())}
	return curEnv
}

// loopRates runs f for each iteration of b.Loop and reports the rate per
// second of wall time and per second of this thread's CPU time: the machine
// the figures come from is shared, and the CPU-time rate is the stable one.
func loopRates(b *testing.B, unit string, f func(i int)) { loopRatesN(b, unit, 1, f) }

// loopRatesN is loopRates for iterations of per operations each.
func loopRatesN(b *testing.B, unit string, per int, f func(i int)) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c0 := threadCPU()
	i := 0
	for b.Loop() {
		f(i)
		i++
	}
	cpu := threadCPU() - c0
	ops := float64(b.N) * float64(per)
	b.ReportMetric(ops/b.Elapsed().Seconds(), unit)
	if cpu > 0 {
		b.ReportMetric(ops/cpu.Seconds(), "cpu-"+unit)
	}
}

func uptimeLoad() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// BenchmarkPDQ measures the Matcher at radius 31 against mnr's brute-force
// scan of the same list, plus dihedral queries (8 variants per call).
func BenchmarkPDQ(b *testing.B) {
	for _, n := range benchSizeList(100_000, 1_000_000) {
		for _, ds := range benchDataList() {
			if ds == "skewed" && n > 1_000_000 && !strings.Contains(*benchDatasets, "skewed") {
				continue
			}
			b.Run(fmt.Sprintf("n=%d/%s", n, ds), func(b *testing.B) {
				env := getPDQEnv(b, n, ds)
				ic := &env.m.cur.Load().lists[0].cols[0]
				b.Run("match", func(b *testing.B) {
					// Recall check on a sample, outside the timing.
					for _, q := range env.queries[:16] {
						got, _ := env.m.MatchHashes(q)
						var w [4]uint64
						want := ic.mih.scan(hashWords(q, &w), 0, 31, nil)
						if len(got) != min(len(want), DefaultMaxMatches) {
							b.Fatalf("recall: %d matches, brute force %d", len(got), len(want))
						}
					}
					var cands []int
					for _, q := range env.queries[:256] {
						var w [4]uint64
						cands = append(cands, ic.mih.candidates(hashWords(q, &w), 31))
					}
					slices.Sort(cands)
					b.ResetTimer()
					loopRates(b, "queries/s", func(i int) {
						env.m.MatchHashes(env.queries[i%len(env.queries)])
					})
					b.ReportMetric(env.bytesEntry, "B/entry")
					b.ReportMetric(env.listBytes, "list-B/entry")
					b.ReportMetric(env.build.Seconds(), "build-s")
					b.ReportMetric(float64(cands[len(cands)/2]), "cand-p50")
					b.ReportMetric(float64(cands[len(cands)*99/100]), "cand-p99")
					b.Logf("n=%d %s: %d tables, load %s, RSS %s, peak RSS %s", n, ds, len(ic.mih.tables), uptimeLoad(), procStatus("VmRSS"), procStatus("VmHWM"))
				})
				b.Run("index", func(b *testing.B) {
					// The index alone, without the Matcher's query handling.
					var hits []hit
					loopRates(b, "queries/s", func(i int) {
						var w [4]uint64
						hits = ic.mih.search(hashWords(env.queries[i%len(env.queries)], &w), 1, 31, hits[:0])
					})
				})
				b.Run("brute", func(b *testing.B) {
					var hits []hit
					loopRates(b, "queries/s", func(i int) {
						var w [4]uint64
						hits = ic.mih.scan(hashWords(env.queries[i%len(env.queries)], &w), 0, 31, hits[:0])
					})
				})
				b.Run("dihedral", func(b *testing.B) {
					rng := rand.New(rand.NewPCG(5, 5))
					sets := make([][]Hash, 64)
					for i := range sets {
						sets[i] = make([]Hash, 8)
						for j := range sets[i] {
							sets[i][j] = randHash(rng, KindPDQ)
						}
						sets[i][rng.IntN(8)] = env.queries[2*i]
					}
					loopRates(b, "calls/s", func(i int) {
						env.m.Match(Query{PDQDihedral: sets[i%len(sets)], PDQQuality: 100})
					})
				})
			})
		}
	}
	curEnv = nil
}

// Benchmark64 measures pHash matching at radius 10 against brute force.
func Benchmark64(b *testing.B) {
	for _, n := range benchSizeList(1_000_000) {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(7, 7))
			lb := NewListBuilder(ListInfo{Name: "phash"}, nil)
			for i := 0; i < n; i++ {
				w := []uint64{rng.Uint64()}
				lb.add(KindPHash, w, strconv.AppendInt(nil, int64(i+1), 10), 0)
			}
			l, err := lb.Build()
			if err != nil {
				b.Fatal(err)
			}
			m := NewMatcher(nil)
			start := time.Now()
			m.Replace(l)
			build := time.Since(start)
			ic := &m.cur.Load().lists[0].cols[0]
			c := l.col(KindPHash)
			qs := make([]Hash, 4096)
			for i := range qs {
				if i%2 == 0 {
					qs[i] = flipHash(rng, c.hash(rng.IntN(c.n)), rng.IntN(11))
				} else {
					qs[i] = randHash(rng, KindPHash)
				}
			}
			b.Run("match", func(b *testing.B) {
				loopRates(b, "queries/s", func(i int) {
					m.MatchHashes(qs[i%len(qs)])
				})
				b.ReportMetric(build.Seconds(), "build-s")
				b.ReportMetric(float64(ic.mih.bytes()+c.bytes())/float64(n), "B/entry")
			})
			b.Run("brute", func(b *testing.B) {
				var hits []hit
				loopRates(b, "queries/s", func(i int) {
					var w [4]uint64
					hits = ic.mih.scan(hashWords(qs[i%len(qs)], &w), 0, 10, hits[:0])
				})
			})
		})
	}
}

// BenchmarkExactAbsent measures SHA-256 lookups of absent keys, with and
// without a bloom filter in front of the table.
func BenchmarkExactAbsent(b *testing.B) {
	for _, n := range benchSizeList(1_000_000) {
		rng := rand.New(rand.NewPCG(8, 8))
		lb := NewListBuilder(ListInfo{Name: "sha"}, nil)
		for i := 0; i < n; i++ {
			w := []uint64{rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()}
			lb.add(KindSHA256, w, strconv.AppendInt(nil, int64(i+1), 10), 0)
		}
		l, err := lb.Build()
		if err != nil {
			b.Fatal(err)
		}
		qs := make([]Hash, 1<<16)
		for i := range qs {
			qs[i] = randHash(rng, KindSHA256)
		}
		for _, fp := range []float64{0, 1e-3, 1e-6} {
			b.Run(fmt.Sprintf("n=%d/bloom=%g", n, fp), func(b *testing.B) {
				m := NewMatcher(&MatcherOptions{ExactFilterFP: fp})
				start := time.Now()
				m.Replace(l)
				build := time.Since(start)
				ic := &m.cur.Load().lists[0].cols[0]
				loopRates(b, "lookups/s", func(i int) {
					var w [4]uint64
					ic.exact.lookup(hashWords(qs[i&(len(qs)-1)], &w))
				})
				b.ReportMetric(build.Seconds(), "build-s")
				b.ReportMetric(float64(ic.exact.bytes())/float64(n), "index-B/entry")
			})
		}
		b.Run(fmt.Sprintf("n=%d/batch", n), func(b *testing.B) {
			m := NewMatcher(nil)
			m.Replace(l)
			batch := make([]Query, 256)
			for i := range batch {
				batch[i] = Query{Hashes: qs[i : i+1], PDQQuality: QualityUnknown}
			}
			loopRatesN(b, "lookups/s", len(batch), func(i int) {
				m.MatchBatch(batch)
			})
		})
		b.Run(fmt.Sprintf("n=%d/matcher", n), func(b *testing.B) {
			m := NewMatcher(nil)
			m.Replace(l)
			loopRates(b, "lookups/s", func(i int) {
				m.MatchHashes(qs[i&(len(qs)-1)])
			})
		})
	}
}

// BenchmarkLoadSignedMNR writes a signed mnr file of n PDQ entries and
// measures reading it back with signature verification (ReadListFile), and
// building the Matcher's index from the loaded list (Replace).
func BenchmarkLoadSignedMNR(b *testing.B) {
	for _, n := range benchSizeList(1_000_000) {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			l := benchList(b, n, "uniform", 3)
			dir := b.TempDir()
			path := filepath.Join(dir, "bench.mnr")
			rng := rand.New(rand.NewPCG(4, 4))
			pub, priv, _ := ed25519.GenerateKey(rngReader{rng})
			start := time.Now()
			if err := WriteListFile(path, l, &WriteOptions{SigningKey: priv}); err != nil {
				b.Fatal(err)
			}
			write := time.Since(start)
			st, _ := os.Stat(path)
			l = nil
			runtime.GC()
			opts := &ReadOptions{TrustedKeys: []ed25519.PublicKey{pub}}
			b.Run("read", func(b *testing.B) {
				for b.Loop() {
					got, err := ReadListFile(context.Background(), path, opts)
					if err != nil || got.Len() == 0 {
						b.Fatal(err)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/load")
				b.ReportMetric(write.Seconds(), "write-s")
				b.ReportMetric(float64(st.Size())/float64(n), "file-B/entry")
			})
			b.Run("index", func(b *testing.B) {
				got, err := ReadListFile(context.Background(), path, opts)
				if err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					m := NewMatcher(nil)
					if err := m.Replace(got); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/build")
			})
		})
	}
}

// BenchmarkReadCSV measures reading a CSV list (sorting and merging
// included).
func BenchmarkReadCSV(b *testing.B) {
	const n = 200_000
	rng := rand.New(rand.NewPCG(6, 6))
	var buf bytes.Buffer
	buf.WriteString("id,hash,kind,categories\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&buf, "e%d,%s,pdq,%s\n", i, randHash(rng, KindPDQ).Hex(), []string{"A1", "csam;B2", "csam"}[i%3])
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		l, err := ReadList(bytes.NewReader(data), &ReadOptions{Info: ListInfo{Name: "csv"}})
		if err != nil || l.Len() != n {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
