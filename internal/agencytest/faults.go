package agencytest

import (
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"
)

// FaultKind names a failure a fake agency can inject into one request.
type FaultKind string

// The faults the fakes inject. Each is applied to one request; the fake counts
// every injection by kind (see [Faults.Injected]).
const (
	// FaultServerError answers 503 Service Unavailable without any effect: nothing is
	// stored, so a resend is safe.
	FaultServerError FaultKind = "5xx"
	// FaultRateLimit answers 429 Too Many Requests with a Retry-After header and the
	// agency's own body, without any effect.
	FaultRateLimit FaultKind = "429"
	// FaultDropAfterCommit applies the request's effect (the agency has stored the
	// report, file or statement) and then closes the connection without answering, so
	// the client cannot know whether the request took effect.
	FaultDropAfterCommit FaultKind = "drop-after-commit"
	// FaultSlow delays the request by the fake's slow delay before handling it
	// normally. The effect is applied even when the client has given up waiting.
	FaultSlow FaultKind = "slow"
)

// AllFaults lists every FaultKind, in a fixed order.
func AllFaults() []FaultKind {
	return []FaultKind{FaultServerError, FaultRateLimit, FaultDropAfterCommit, FaultSlow}
}

// Faults is the fault plan of one fake: scripted faults for the next requests to a
// path, and random faults at a rate with a seeded generator. The zero value injects
// nothing. A Faults is safe for concurrent use; tests may change the plan while the
// fake serves requests.
type Faults struct {
	mu       sync.Mutex
	rate     float64
	kinds    []FaultKind
	paths    map[string]bool
	rng      *rand.Rand
	script   map[string][]FaultKind
	injected map[FaultKind]int
	byPath   map[string]map[FaultKind]int
}

// SetRandom makes a fraction rate (0..1) of the requests to the given paths fail with
// one of kinds, chosen uniformly, using a generator seeded with seed so a run can be
// repeated. With no paths the rate applies to every path the fake treats as
// mutating (submit, upload, fileinfo, finish, retract; statement, statements;
// reports). With no kinds every kind is used. A rate of 0 turns random faults off.
func (f *Faults) SetRandom(rate float64, seed uint64, kinds []FaultKind, paths ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rate = rate
	f.kinds = append([]FaultKind(nil), kinds...)
	if len(f.kinds) == 0 {
		f.kinds = AllFaults()
	}
	f.paths = nil
	if len(paths) > 0 {
		f.paths = make(map[string]bool, len(paths))
		for _, p := range paths {
			f.paths[p] = true
		}
	}
	f.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// Script queues faults for the next requests to path (for example "/submit" or
// "/api/v1/statements"): the next request to path gets kinds[0], the one after it
// kinds[1], and so on. Scripted faults run before random ones. Path "*" matches any
// path.
func (f *Faults) Script(path string, kinds ...FaultKind) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.script == nil {
		f.script = make(map[string][]FaultKind)
	}
	f.script[path] = append(f.script[path], kinds...)
}

// Clear removes every scripted and random fault. The injection counts are kept.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rate = 0
	f.script = nil
}

// Injected returns how many faults of each kind were injected so far.
func (f *Faults) Injected() map[FaultKind]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[FaultKind]int, len(f.injected))
	for k, v := range f.injected {
		out[k] = v
	}
	return out
}

// InjectedAt returns how many faults of each kind were injected into requests to
// path.
func (f *Faults) InjectedAt(path string) map[FaultKind]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[FaultKind]int)
	for k, v := range f.byPath[path] {
		out[k] = v
	}
	return out
}

// next decides the fault for one request to path; mutating reports whether the fake
// treats path as mutating (random faults apply to those by default). It returns ""
// for no fault.
func (f *Faults) next(path string, mutating bool) FaultKind {
	f.mu.Lock()
	defer f.mu.Unlock()
	var k FaultKind
	for _, key := range []string{path, "*"} {
		if q := f.script[key]; len(q) > 0 {
			k = q[0]
			f.script[key] = q[1:]
			break
		}
	}
	if k == "" && f.rate > 0 && f.rng != nil {
		eligible := mutating
		if f.paths != nil {
			eligible = f.paths[path]
		}
		if eligible && f.rng.Float64() < f.rate {
			k = f.kinds[f.rng.IntN(len(f.kinds))]
		}
	}
	if k != "" {
		if f.injected == nil {
			f.injected = make(map[FaultKind]int)
			f.byPath = make(map[string]map[FaultKind]int)
		}
		f.injected[k]++
		if f.byPath[path] == nil {
			f.byPath[path] = make(map[FaultKind]int)
		}
		f.byPath[path][k]++
	}
	return k
}

// FormatCounts renders fault counts as "kind=n" pairs in a fixed order, for logs.
func FormatCounts(m map[FaultKind]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += " "
		}
		s += k + "=" + strconv.Itoa(m[FaultKind(k)])
	}
	if s == "" {
		s = "none"
	}
	return s
}

// dropConnection closes the client's connection without writing a response. It
// hijacks the connection when the server allows it and otherwise aborts the handler,
// which makes net/http drop the connection (or reset the HTTP/2 stream).
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// retryAfterValue renders d as a Retry-After header value in whole seconds (at least
// 0).
func retryAfterValue(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	if s < 0 {
		s = 0
	}
	return strconv.FormatInt(s, 10)
}
