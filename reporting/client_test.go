package reporting_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/mnr-sdk/mnr/reporting"
)

// noWait makes retries immediate in wire tests (timing is tested with synctest).
func noWait(time.Duration) time.Duration { return 0 }

func fastOpts() *reporting.ClientOptions {
	return &reporting.ClientOptions{
		Limiter: rate.NewLimiter(rate.Inf, 1),
		Jitter:  noWait,
	}
}

func newClient(t *testing.T, url string, o *reporting.ClientOptions) *reporting.Client {
	t.Helper()
	c, err := reporting.NewClient(url, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func post(body string, idempotent bool) reporting.RequestSpec {
	return reporting.RequestSpec{
		Method: http.MethodPost, Path: "/submit", Idempotent: idempotent,
		Header: http.Header{"Content-Type": {"text/xml; charset=utf-8"}},
		Body:   func() (io.Reader, error) { return strings.NewReader(body), nil },
	}
}

// scripted is an httptest server whose nth request gets the nth status (the
// last repeats). It records the bodies it received.
type scripted struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
	paths  []string
	auth   []string
}

func newScripted(t *testing.T, statuses []int, header http.Header) *scripted {
	s := &scripted{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := len(s.bodies)
		s.bodies = append(s.bodies, string(b))
		s.paths = append(s.paths, r.URL.RequestURI())
		s.auth = append(s.auth, r.Header.Get("Authorization")+"|"+r.Header.Get("User-Agent"))
		s.mu.Unlock()
		code := statuses[min(n, len(statuses)-1)]
		for k, v := range header {
			w.Header()[k] = v
		}
		w.Header().Set("Request-ID", fmt.Sprintf("rq-%d", n))
		w.WriteHeader(code)
		fmt.Fprintf(w, "<reportResponse><responseCode>%d</responseCode></reportResponse>", code)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *scripted) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bodies)
}

func TestClientSuccess(t *testing.T) {
	srv := newScripted(t, []int{200}, nil)
	o := fastOpts()
	o.Auth = reporting.BasicAuth("esp", "s3cret")
	o.UserAgent = "mnr-test"
	c := newClient(t, srv.URL+"/ispws/", o)
	resp, err := c.Do(context.Background(), reporting.RequestSpec{
		Method: "POST", Path: "/submit?mode=x", Body: func() (io.Reader, error) { return strings.NewReader("<report/>"), nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.RequestID != "rq-0" || !bytes.Contains(resp.Body, []byte("<responseCode>200")) {
		t.Fatalf("response %+v", resp)
	}
	if srv.paths[0] != "/ispws/submit?mode=x" {
		t.Fatalf("path %q", srv.paths[0])
	}
	if srv.bodies[0] != "<report/>" {
		t.Fatalf("body %q", srv.bodies[0])
	}
	if srv.auth[0] != "Basic ZXNwOnMzY3JldA==|mnr-test" {
		t.Fatalf("auth/user agent %q", srv.auth[0])
	}
}

func TestClientRetries(t *testing.T) {
	tests := []struct {
		name       string
		statuses   []int
		idempotent bool
		requests   int // the server sees
		ok         bool
		is         []error
		status     int
	}{
		{"503 then ok", []int{503, 200}, true, 2, true, nil, 0},
		{"500 500 ok idempotent", []int{500, 500, 200}, true, 3, true, nil, 0},
		{"500 three times", []int{500}, true, 3, false, nil, 500},
		{"408 then ok", []int{408, 200}, true, 2, true, nil, 0},
		{"429 then ok", []int{429, 200}, true, 2, true, nil, 0},
		{"429 forever", []int{429}, true, 3, false, []error{reporting.ErrRateLimited}, 429},
		{"400 never retried", []int{400, 200}, true, 1, false, []error{reporting.ErrPermanent}, 400},
		{"422 never retried", []int{422, 200}, false, 1, false, []error{reporting.ErrPermanent}, 422},
		{"401 never retried", []int{401, 200}, true, 1, false, []error{reporting.ErrPermanent}, 401},
		{"501 never retried", []int{501, 200}, true, 1, false, []error{reporting.ErrPermanent}, 501},
		{"non-idempotent 503 is retried", []int{503, 200}, false, 2, true, nil, 0},
		{"non-idempotent 429 is retried", []int{429, 201}, false, 2, true, nil, 0},
		{"non-idempotent 408 is retried", []int{408, 200}, false, 2, true, nil, 0},
		{"non-idempotent 500 is unknown", []int{500, 200}, false, 1, false, []error{reporting.ErrOutcomeUnknown}, 500},
		{"non-idempotent 502 is unknown", []int{502, 200}, false, 1, false, []error{reporting.ErrOutcomeUnknown}, 502},
		{"non-idempotent 504 is unknown", []int{504, 200}, false, 1, false, []error{reporting.ErrOutcomeUnknown}, 504},
		{"302 is an answer", []int{302}, false, 1, true, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScripted(t, tc.statuses, http.Header{"Location": {"/elsewhere"}})
			var retries atomic.Int32
			o := fastOpts()
			o.Hooks.OnRetry = func(context.Context, reporting.RetryInfo) { retries.Add(1) }
			c := newClient(t, srv.URL, o)
			resp, err := c.Do(context.Background(), post("<report>x</report>", tc.idempotent))
			if got := srv.count(); got != tc.requests {
				t.Fatalf("server saw %d requests, want %d", got, tc.requests)
			}
			if int(retries.Load()) != tc.requests-1 {
				t.Fatalf("OnRetry called %d times, want %d", retries.Load(), tc.requests-1)
			}
			for _, b := range srv.bodies {
				if b != "<report>x</report>" {
					t.Fatalf("a retry sent body %q: not rebuilt", b)
				}
			}
			if tc.ok {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				if resp.StatusCode != tc.statuses[len(tc.statuses)-1] {
					t.Fatalf("status %d", resp.StatusCode)
				}
				return
			}
			if err == nil {
				t.Fatal("Do succeeded")
			}
			for _, target := range tc.is {
				if !errors.Is(err, target) {
					t.Errorf("error %v is not %v", err, target)
				}
			}
			var ae *reporting.APIError
			if !errors.As(err, &ae) || ae.StatusCode != tc.status {
				t.Fatalf("error %v: want *APIError with status %d", err, tc.status)
			}
			if ae.RequestID != fmt.Sprintf("rq-%d", tc.requests-1) {
				t.Errorf("RequestID %q", ae.RequestID)
			}
			if !strings.Contains(ae.Body, "<responseCode>") {
				t.Errorf("Body %q", ae.Body)
			}
		})
	}
}

// hangUp reads a request and closes the connection without answering: the
// request was sent and the answer lost.
func hangUp(t *testing.T) (url string, requests *atomic.Int32) {
	requests = new(atomic.Int32)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				if _, err := http.ReadRequest(bufio.NewReader(conn)); err == nil {
					requests.Add(1)
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String(), requests
}

func TestClientLostAnswer(t *testing.T) {
	t.Run("non-idempotent is not resent", func(t *testing.T) {
		url, n := hangUp(t)
		c := newClient(t, url, fastOpts())
		_, err := c.Do(context.Background(), post("<report/>", false))
		if !errors.Is(err, reporting.ErrOutcomeUnknown) {
			t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
		}
		if n.Load() != 1 {
			t.Fatalf("server received %d requests, want exactly 1", n.Load())
		}
	})
	t.Run("idempotent is retried", func(t *testing.T) {
		url, n := hangUp(t)
		c := newClient(t, url, fastOpts())
		_, err := c.Do(context.Background(), post("<report/>", true))
		if err == nil || errors.Is(err, reporting.ErrOutcomeUnknown) || errors.Is(err, reporting.ErrPermanent) {
			t.Fatalf("err = %v, want a plain transport error", err)
		}
		if n.Load() != 3 {
			t.Fatalf("server received %d requests, want 3", n.Load())
		}
	})
}

func TestClientDialFailureIsResentEvenIfNotIdempotent(t *testing.T) {
	srv := newScripted(t, []int{200}, nil)
	var dials atomic.Int32
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	o := fastOpts()
	o.HTTPClient = &http.Client{Transport: tr}
	c := newClient(t, srv.URL, o)
	if _, err := c.Do(context.Background(), post("<report/>", false)); err != nil {
		t.Fatalf("Do: %v", err)
	}
	if dials.Load() != 2 || srv.count() != 1 {
		t.Fatalf("dials %d, requests %d; want 2 and 1", dials.Load(), srv.count())
	}
}

func TestClientTLSErrorIsPermanent(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	var attempts atomic.Int32
	o := &reporting.ClientOptions{Limiter: rate.NewLimiter(rate.Inf, 1), Jitter: noWait,
		Hooks: reporting.Hooks{OnAttempt: func(context.Context, reporting.AttemptInfo) { attempts.Add(1) }}}
	c := newClient(t, srv.URL, o) // private client: does not trust the test CA
	_, err := c.Do(context.Background(), post("x", true))
	if !errors.Is(err, reporting.ErrPermanent) {
		t.Fatalf("err = %v, want ErrPermanent", err)
	}
	if attempts.Load() != 1 {
		t.Fatalf("%d attempts, want 1", attempts.Load())
	}
}

func TestClientResponseTooLarge(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("a"), 2000))
	}))
	t.Cleanup(srv.Close)
	o := fastOpts()
	o.MaxResponseBytes = 1000
	c := newClient(t, srv.URL, o)
	_, err := c.Do(context.Background(), post("x", true))
	if !errors.Is(err, reporting.ErrResponseTooLarge) || errors.Is(err, reporting.ErrOutcomeUnknown) {
		t.Fatalf("idempotent: err = %v", err)
	}
	_, err = c.Do(context.Background(), post("x", false))
	if !errors.Is(err, reporting.ErrResponseTooLarge) || !errors.Is(err, reporting.ErrOutcomeUnknown) {
		t.Fatalf("non-idempotent: err = %v, want too large and outcome unknown", err)
	}
}

func TestClientContextCanceledMidRequest(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	c := newClient(t, srv.URL, fastOpts())
	for _, idem := range []bool{true, false} {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-arrived; cancel() }()
		_, err := c.Do(ctx, post("x", idem))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("idempotent=%v: err = %v, want context.Canceled", idem, err)
		}
		if got := errors.Is(err, reporting.ErrOutcomeUnknown); got == idem {
			t.Fatalf("idempotent=%v: ErrOutcomeUnknown = %v", idem, got)
		}
	}
}

func TestClientBuildErrors(t *testing.T) {
	srv := newScripted(t, []int{200}, nil)
	o := fastOpts()
	o.Auth = func(*http.Request) error { return errors.New("vault sealed") }
	c := newClient(t, srv.URL, o)
	if _, err := c.Do(context.Background(), post("x", true)); err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Fatalf("auth failure: %v", err)
	}
	c = newClient(t, srv.URL, fastOpts())
	spec := post("x", true)
	spec.Body = func() (io.Reader, error) { return nil, errors.New("vault sealed") }
	if _, err := c.Do(context.Background(), spec); err == nil || !strings.Contains(err.Error(), "body") {
		t.Fatalf("body failure: %v", err)
	}
	for _, p := range []string{"submit", "/../admin", "/a#b"} {
		spec := post("x", true)
		spec.Path = p
		if _, err := c.Do(context.Background(), spec); !errors.Is(err, reporting.ErrPermanent) {
			t.Errorf("path %q: %v, want ErrPermanent", p, err)
		}
	}
	if srv.count() != 0 {
		t.Fatalf("server saw %d requests", srv.count())
	}
}

func TestNewClientRejectsBadBaseURL(t *testing.T) {
	for _, u := range []string{"", "exttest.cybertip.org/ispws", "ftp://x.example", "https://user:pw@x.example", "https://x.example/?a=1", "https://x.example/#f", "://"} {
		if _, err := reporting.NewClient(u, nil); err == nil {
			t.Errorf("NewClient(%q) succeeded", u)
		} else if strings.Contains(u, "pw") && strings.Contains(err.Error(), "pw") {
			t.Errorf("error echoes the password: %v", err)
		}
	}
}

func TestClientDoesNotMutateCallerClient(t *testing.T) {
	srv := newScripted(t, []int{500, 200}, nil)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr, Timeout: 7 * time.Second}
	o := fastOpts()
	o.HTTPClient = hc
	c := newClient(t, srv.URL, o)
	if _, err := c.Do(context.Background(), post("x", true)); err != nil {
		t.Fatal(err)
	}
	if hc.Transport != tr || hc.Timeout != 7*time.Second || hc.CheckRedirect != nil || hc.Jar != nil {
		t.Fatal("the caller's http.Client was modified")
	}
}

func TestBearerTokenRotates(t *testing.T) {
	srv := newScripted(t, []int{503, 200}, nil)
	var n atomic.Int32
	o := fastOpts()
	o.Auth = reporting.BearerToken(func() (string, error) { return fmt.Sprintf("tok%d", n.Add(1)), nil })
	c := newClient(t, srv.URL, o)
	if _, err := c.Do(context.Background(), post("x", true)); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(srv.auth[0], "Bearer tok1|") || !strings.HasPrefix(srv.auth[1], "Bearer tok2|") {
		t.Fatalf("auth headers %q", srv.auth)
	}
}

func TestAPIErrorMessage(t *testing.T) {
	e := &reporting.APIError{StatusCode: 400, AgencyCode: "4100", RequestID: "abc", Body: "<x>personal</x>"}
	msg := e.Error()
	if !strings.Contains(msg, "400") || !strings.Contains(msg, "4100") || !strings.Contains(msg, "abc") || strings.Contains(msg, "personal") {
		t.Fatalf("Error() = %q", msg)
	}
	if errors.Is(e, reporting.ErrRateLimited) || !errors.Is(e, reporting.ErrPermanent) {
		t.Fatal("400 classification")
	}
	if e := (&reporting.APIError{StatusCode: 503}); errors.Is(e, reporting.ErrPermanent) {
		t.Fatal("503 is not permanent")
	}
}

// TestAPIErrorKeepsWholeBodyForDrivers: a long error answer (a DSA batch 422
// listing many puids) reaches the driver whole through Raw, up to
// MaxErrorBodyBytes, while Body, Error and the log record stay short and
// body-free.
func TestAPIErrorKeepsWholeBodyForDrivers(t *testing.T) {
	long := `{"message":"x","errors":{"existing_puids":["` + strings.Repeat("puid-0000000001", 300) + `"]},"email":"someone@example.net"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Request-ID", "rq-1")
		w.WriteHeader(http.StatusUnprocessableEntity)
		io.WriteString(w, long)
	}))
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		name    string
		max     int64
		wantLen int
	}{
		{"default cap", 0, len(long)},
		{"small cap", 1000, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := fastOpts()
			o.MaxErrorBodyBytes = tc.max
			var logs bytes.Buffer
			o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c := newClient(t, srv.URL, o)
			_, err := c.Do(context.Background(), post("x", true))
			var ae *reporting.APIError
			if !errors.As(err, &ae) || ae.StatusCode != 422 {
				t.Fatalf("err = %v", err)
			}
			raw := ae.Raw()
			if len(raw) != tc.wantLen || string(raw) != long[:tc.wantLen] {
				t.Fatalf("Raw: %d bytes, want the first %d of the body", len(raw), tc.wantLen)
			}
			raw[0] = 'X'
			if ae.Raw()[0] != '{' {
				t.Fatal("Raw shares memory with the error")
			}
			if len(ae.Body) != 512 || !strings.HasPrefix(long, ae.Body) {
				t.Fatalf("Body: %d bytes, want the first 512", len(ae.Body))
			}
			slog.New(slog.NewJSONHandler(&logs, nil)).Info("failed", "error", ae)
			for _, s := range []string{ae.Error(), logs.String()} {
				if strings.Contains(s, "someone@") || strings.Contains(s, "puid-0000000001") {
					t.Fatalf("the body leaked into %q", s)
				}
			}
			if !strings.Contains(logs.String(), `"status":422`) || !strings.Contains(logs.String(), "rq-1") {
				t.Fatalf("log record lacks the status or request ID: %s", logs.String())
			}
		})
	}
	// Built by hand (tests, drivers), Raw falls back to Body.
	if got := (&reporting.APIError{StatusCode: 422, Body: "short"}).Raw(); string(got) != "short" {
		t.Fatalf("Raw of a hand-built error = %q", got)
	}
}

// TestDefaultClientReusesConnections: the private client keeps enough idle
// connections for 16 concurrent requests (16 outbox workers), so rounds of them
// reuse connections instead of dialling again. With 4 idle connections kept,
// every round after the first would dial at least 12.
func TestDefaultClientReusesConnections(t *testing.T) {
	const concurrent, rounds = 16, 3
	var dials atomic.Int32
	var mu sync.Mutex
	inFlight := 0
	all := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		if inFlight == concurrent {
			close(all)
		}
		ch := all
		mu.Unlock()
		<-ch // every request of the round is on its own connection at once
		io.WriteString(w, "ok")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, &reporting.ClientOptions{Limiter: rate.NewLimiter(rate.Inf, 1)})
	for range rounds {
		mu.Lock()
		inFlight, all = 0, make(chan struct{})
		mu.Unlock()
		var wg sync.WaitGroup
		for range concurrent {
			wg.Go(func() {
				if _, err := c.Do(context.Background(), post("x", true)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	if n := dials.Load(); n > concurrent+concurrent/2 {
		t.Fatalf("%d connections for %d rounds of %d concurrent requests, want about %d", n, rounds, concurrent, concurrent)
	}
}
