package reporting_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"

	"github.com/mnr-sdk/mnr/reporting"
)

// memAgency is an in-memory RoundTripper that answers from a script and records
// when (on the bubble's fake clock) each attempt arrived.
type memAgency struct {
	mu     sync.Mutex
	start  time.Time
	at     []time.Duration
	answer func(n int, req *http.Request) (*http.Response, error)
}

func (m *memAgency) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	m.mu.Lock()
	n := len(m.at)
	m.at = append(m.at, time.Since(m.start))
	m.mu.Unlock()
	return m.answer(n, req)
}

func (m *memAgency) times() []time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]time.Duration(nil), m.at...)
}

func status(code int, header ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return &http.Response{StatusCode: code, Header: h, Body: io.NopCloser(strings.NewReader("{}"))}
}

// fullWait makes the jitter pick the top of its range, so timings are exact.
func fullWait(n time.Duration) time.Duration { return n }

func memClient(t *testing.T, m *memAgency, o *reporting.ClientOptions) *reporting.Client {
	t.Helper()
	m.start = time.Now()
	if o == nil {
		o = &reporting.ClientOptions{}
	}
	o.HTTPClient = &http.Client{Transport: m}
	if o.Limiter == nil {
		o.Limiter = rate.NewLimiter(rate.Inf, 1)
	}
	if o.Jitter == nil {
		o.Jitter = fullWait
	}
	c, err := reporting.NewClient("https://agency.example/api", o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sameDurations(t *testing.T, got, want []time.Duration) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("attempts at %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("attempts at %v, want %v", got, want)
		}
	}
}

func TestBackoffSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &memAgency{answer: func(int, *http.Request) (*http.Response, error) { return status(503), nil }}
		c := memClient(t, m, &reporting.ClientOptions{MaxAttempts: 5, InitialBackoff: time.Second, MaxBackoff: 3 * time.Second})
		_, err := c.Do(context.Background(), post("x", true))
		var ae *reporting.APIError
		if !errors.As(err, &ae) || ae.StatusCode != 503 {
			t.Fatalf("err = %v", err)
		}
		// Ceilings 1 s, 2 s, then capped at 3 s.
		sameDurations(t, m.times(), []time.Duration{0, time.Second, 3 * time.Second, 6 * time.Second, 9 * time.Second})
	})
}

func TestBackoffDefaultsAndJitterRange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ceilings []time.Duration
		m := &memAgency{answer: func(int, *http.Request) (*http.Response, error) { return status(500), nil }}
		c := memClient(t, m, &reporting.ClientOptions{MaxAttempts: 8, RetryTokens: -1, Jitter: func(n time.Duration) time.Duration {
			ceilings = append(ceilings, n)
			return n / 2
		}})
		c.Do(context.Background(), post("x", true))
		want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
		if len(ceilings) != len(want) {
			t.Fatalf("ceilings %v", ceilings)
		}
		for i := range want {
			if ceilings[i] != want[i]*time.Second {
				t.Fatalf("ceilings %v, want 1s 2s 4s 8s 16s 30s 30s (defaults: 1 s, x2, 30 s cap)", ceilings)
			}
		}
		if got := m.times(); got[1] != 500*time.Millisecond {
			t.Fatalf("first retry at %v, want the jittered 500ms", got[1])
		}
	})
}

func TestRetryAfterSeconds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &memAgency{answer: func(n int, _ *http.Request) (*http.Response, error) {
			if n == 0 {
				return status(429, "Retry-After", "7"), nil
			}
			return status(200), nil
		}}
		c := memClient(t, m, nil)
		if _, err := c.Do(context.Background(), post("x", true)); err != nil {
			t.Fatal(err)
		}
		sameDurations(t, m.times(), []time.Duration{0, 7 * time.Second})
	})
}

func TestRetryAfterHTTPDate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The bubble's clock starts at a whole second, so the date is exact.
		when := time.Now().Add(12 * time.Second).UTC().Format(http.TimeFormat)
		m := &memAgency{answer: func(n int, _ *http.Request) (*http.Response, error) {
			if n == 0 {
				return status(503, "Retry-After", when), nil
			}
			return status(200), nil
		}}
		c := memClient(t, m, nil)
		if _, err := c.Do(context.Background(), post("x", false)); err != nil {
			t.Fatal(err)
		}
		sameDurations(t, m.times(), []time.Duration{0, 12 * time.Second})
	})
}

func TestRetryAfterTooLongIsReturned(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &memAgency{answer: func(int, *http.Request) (*http.Response, error) {
			return status(429, "Retry-After", "3600"), nil
		}}
		c := memClient(t, m, &reporting.ClientOptions{MaxRetryAfter: time.Minute})
		start := time.Now()
		_, err := c.Do(context.Background(), post("x", true))
		var ae *reporting.APIError
		if !errors.As(err, &ae) || ae.RetryAfter != time.Hour || !errors.Is(err, reporting.ErrRateLimited) {
			t.Fatalf("err = %v, want a 429 APIError with RetryAfter 1h", err)
		}
		if time.Since(start) != 0 || len(m.times()) != 1 {
			t.Fatal("the client waited instead of returning the long Retry-After")
		}
	})
}

func TestLimiterBeforeEveryAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &memAgency{answer: func(n int, _ *http.Request) (*http.Response, error) {
			if n == 1 {
				return status(503), nil
			}
			return status(200), nil
		}}
		c := memClient(t, m, &reporting.ClientOptions{
			Limiter: rate.NewLimiter(rate.Every(5*time.Second), 1),
			Jitter:  noWait,
		})
		for range 3 {
			if _, err := c.Do(context.Background(), post("x", true)); err != nil {
				t.Fatal(err)
			}
		}
		// Request 1 at 0; request 2 at 5 s gets 503, its retry waits for the
		// limiter (10 s); request 3 at 15 s.
		sameDurations(t, m.times(), []time.Duration{0, 5 * time.Second, 10 * time.Second, 15 * time.Second})
	})
}

func TestLimiterSharedAcrossGoroutines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &memAgency{answer: func(int, *http.Request) (*http.Response, error) { return status(200), nil }}
		c := memClient(t, m, &reporting.ClientOptions{Limiter: rate.NewLimiter(2, 1)})
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				if _, err := c.Do(context.Background(), post("x", true)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got := m.times()
		if last := got[len(got)-1]; last != 2500*time.Millisecond {
			t.Fatalf("6 requests at 2/s finished at %v, want 2.5s (%v)", last, got)
		}
	})
}

func TestDeadlineStopsRetriesEarly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &memAgency{answer: func(int, *http.Request) (*http.Response, error) { return status(503), nil }}
		c := memClient(t, m, &reporting.ClientOptions{InitialBackoff: 10 * time.Second})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.Do(ctx, post("x", true))
		var ae *reporting.APIError
		if !errors.As(err, &ae) {
			t.Fatalf("err = %v, want the last APIError", err)
		}
		if time.Since(start) != 0 {
			t.Fatalf("waited %v for a backoff that could not finish before the deadline", time.Since(start))
		}
	})
}

func TestCancelDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &memAgency{answer: func(int, *http.Request) (*http.Response, error) { return status(503), nil }}
		c := memClient(t, m, &reporting.ClientOptions{InitialBackoff: 10 * time.Second})
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			time.Sleep(3 * time.Second)
			cancel()
		}()
		start := time.Now()
		_, err := c.Do(ctx, post("x", true))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if el := time.Since(start); el != 3*time.Second {
			t.Fatalf("returned after %v, want 3s", el)
		}
	})
}

func TestAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &memAgency{answer: func(n int, req *http.Request) (*http.Response, error) {
			if n < 2 {
				<-req.Context().Done() // the agency hangs
				return nil, req.Context().Err()
			}
			return status(200), nil
		}}
		c := memClient(t, m, &reporting.ClientOptions{AttemptTimeout: 20 * time.Second, Jitter: noWait})
		if _, err := c.Do(context.Background(), post("x", true)); err != nil {
			t.Fatal(err)
		}
		sameDurations(t, m.times(), []time.Duration{0, 20 * time.Second, 40 * time.Second})
	})
}

func TestRetryBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fail := true
		m := &memAgency{answer: func(int, *http.Request) (*http.Response, error) {
			if fail {
				return status(500), nil
			}
			return status(200), nil
		}}
		c := memClient(t, m, &reporting.ClientOptions{MaxAttempts: 10, RetryTokens: 12, Jitter: noWait})
		_, err := c.Do(context.Background(), post("x", true))
		if err == nil || !strings.Contains(err.Error(), "retry budget exhausted") {
			t.Fatalf("err = %v", err)
		}
		if n := len(m.times()); n != 3 {
			t.Fatalf("%d attempts; a 12-token budget allows 2 retries of 5", n)
		}
		// Nothing left: the next failure is not retried at all.
		c.Do(context.Background(), post("x", true))
		if n := len(m.times()); n != 4 {
			t.Fatalf("%d attempts after the budget ran out, want 4", n)
		}
		// Successes refill it.
		fail = false
		for range 10 {
			if _, err := c.Do(context.Background(), post("x", true)); err != nil {
				t.Fatal(err)
			}
		}
		fail = true
		before := len(m.times())
		c.Do(context.Background(), post("x", true))
		if n := len(m.times()) - before; n != 3 {
			t.Fatalf("after refills, %d attempts, want 3", n)
		}
	})
}
