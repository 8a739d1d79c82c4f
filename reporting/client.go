package reporting

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Client sends requests to one agency: it waits on the agency's rate limiter before
// every attempt, retries what is safe to retry with capped full-jitter backoff, and
// turns non-success answers into *APIError. Make one Client per agency (and per
// environment: test and production credentials differ).
//
// A Client is safe for concurrent use. The zero value is not usable; call
// [NewClient].
type Client struct {
	base    *url.URL
	hc      *http.Client
	limiter *rate.Limiter
	auth    func(*http.Request) error
	opts    ClientOptions
	budget  *retryBudget
	log     *slog.Logger
}

// ClientOptions configures a Client. A nil *ClientOptions means all defaults.
type ClientOptions struct {
	// HTTPClient sends the requests. It is used as is, never modified. Nil means
	// a private client with dial, TLS and header timeouts that never follows
	// redirects (an agency's 302 is an answer, not a place to go) and keeps up
	// to 16 idle connections to the agency, so up to 16 outbox workers reuse
	// connections instead of dialling (and handshaking) for each request.
	// http.DefaultClient is never used.
	HTTPClient *http.Client

	// Limiter is the agency's rate limit, waited on before every attempt,
	// retries included. Nil means 5 requests per second with a burst of 1;
	// agency packages document their agencies' limits.
	Limiter *rate.Limiter

	// Auth adds credentials to each attempt's request (see [BasicAuth] and
	// [BearerToken]). Nil sends none.
	Auth func(*http.Request) error

	// MaxAttempts bounds the attempts per request, the first included.
	// Default 3.
	MaxAttempts int

	// InitialBackoff, MaxBackoff and Multiplier shape the exponential backoff
	// with full jitter: the wait before retry n is uniform in
	// [0, min(MaxBackoff, InitialBackoff*Multiplier^(n-1))). Defaults 1 s, 30 s
	// and 2. A Retry-After from the agency raises the wait to at least its
	// value.
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	Multiplier     float64

	// MaxRetryAfter is the longest Retry-After the client waits out itself; a
	// longer one ends the request with the *APIError (whose RetryAfter the
	// outbox uses to reschedule). Default 60 s.
	MaxRetryAfter time.Duration

	// AttemptTimeout bounds each attempt, from sending to the end of the
	// response body. Default 2 minutes (uploads are large).
	AttemptTimeout time.Duration

	// RetryTokens is the capacity of the retry token bucket shared by all
	// requests of this client: a retry costs 5 tokens (10 after a timeout) and
	// a success returns 1 (or what its own retries cost), so a sustained
	// outage stops retries instead of multiplying load. Default 500; negative
	// disables the bucket.
	RetryTokens int

	// MaxResponseBytes caps the response body read. Default 4 MiB. A larger
	// body is an error (ErrResponseTooLarge).
	MaxResponseBytes int64

	// MaxErrorBodyBytes caps the body an *APIError keeps for drivers to parse
	// (APIError.Raw); a longer error body is cut there. Default 1 MiB, and never
	// more than MaxResponseBytes. APIError.Body, for people, keeps 512 bytes.
	MaxErrorBodyBytes int64

	// UserAgent is sent with every request. Default "mnr-reporting".
	UserAgent string

	// Hooks observe attempts and retries (OnAttempt, OnRetry).
	Hooks Hooks

	// Logger receives debug records of retries (method, path, status; never
	// bodies or credentials). Nil discards.
	Logger *slog.Logger

	// Now is the clock used to read Retry-After dates. Default time.Now.
	Now func() time.Time

	// Jitter returns a uniform random duration in [0, n); default
	// math/rand/v2. Tests may pin it.
	Jitter func(n time.Duration) time.Duration
}

// Hooks are optional callbacks. They run synchronously on the calling goroutine,
// so they must be quick; they never receive report content.
type Hooks struct {
	// OnAttempt is called by a Client before each attempt, after the rate
	// limiter let it through.
	OnAttempt func(ctx context.Context, a AttemptInfo)
	// OnRetry is called by a Client when it has decided to retry, before it
	// waits.
	OnRetry func(ctx context.Context, r RetryInfo)
	// OnSubmitted is called by an Outbox when a submission reaches StateDone.
	OnSubmitted func(ctx context.Context, s *Submission)
	// OnTransition is called by an Outbox after every stored state change.
	OnTransition func(ctx context.Context, s *Submission, from, to State)
}

// AttemptInfo describes one attempt.
type AttemptInfo struct {
	Method, Path string
	// Attempt counts from 1.
	Attempt int
}

// RetryInfo describes a retry decision.
type RetryInfo struct {
	Method, Path string
	// Attempt is the attempt that failed, counting from 1.
	Attempt int
	// Delay is how long the client waits before the next attempt.
	Delay time.Duration
	// Err is why the attempt failed.
	Err error
}

// ErrResponseTooLarge: the agency's answer exceeded ClientOptions.MaxResponseBytes.
var ErrResponseTooLarge = errors.New("reporting: agency response too large")

// BasicAuth returns an Auth function that sets HTTP Basic credentials (the
// CyberTipline's scheme).
func BasicAuth(user, password string) func(*http.Request) error {
	return func(r *http.Request) error {
		r.SetBasicAuth(user, password)
		return nil
	}
}

// BearerToken returns an Auth function that sets "Authorization: Bearer <token>"
// with the token current at each attempt, so a rotated token is picked up (the
// DSA's scheme). token is called once per attempt.
func BearerToken(token func() (string, error)) func(*http.Request) error {
	return func(r *http.Request) error {
		t, err := token()
		if err != nil {
			return err
		}
		r.Header.Set("Authorization", "Bearer "+t)
		return nil
	}
}

// NewClient returns a client for the agency API at baseURL (https, or http for
// test servers), such as "https://exttest.cybertip.org/ispws". baseURL must not
// carry credentials; use ClientOptions.Auth.
func NewClient(baseURL string, opts *ClientOptions) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("reporting: base URL does not parse: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("reporting: base URL must be an absolute http or https URL")
	}
	if u.User != nil {
		return nil, errors.New("reporting: base URL must not carry credentials; use ClientOptions.Auth")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("reporting: base URL must not have a query or fragment")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""

	var o ClientOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.InitialBackoff <= 0 {
		o.InitialBackoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.Multiplier < 1 {
		o.Multiplier = 2
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = time.Minute
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = 2 * time.Minute
	}
	if o.RetryTokens == 0 {
		o.RetryTokens = 500
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = 4 << 20
	}
	if o.MaxErrorBodyBytes <= 0 {
		o.MaxErrorBodyBytes = 1 << 20
	}
	o.MaxErrorBodyBytes = min(o.MaxErrorBodyBytes, o.MaxResponseBytes)
	if o.UserAgent == "" {
		o.UserAgent = "mnr-reporting"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Jitter == nil {
		o.Jitter = randJitter
	}
	c := &Client{base: u, opts: o, auth: o.Auth, hc: o.HTTPClient, limiter: o.Limiter, log: o.Logger}
	if c.hc == nil {
		c.hc = defaultHTTPClient()
	}
	if c.limiter == nil {
		c.limiter = rate.NewLimiter(5, 1)
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if o.RetryTokens > 0 {
		c.budget = &retryBudget{tokens: o.RetryTokens, max: o.RetryTokens}
	}
	return c, nil
}

func defaultHTTPClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 90 * time.Second,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   16,
			TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		},
		Timeout: 10 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Limiter returns the client's rate limiter (to share it or adjust it with
// SetLimit).
func (c *Client) Limiter() *rate.Limiter { return c.limiter }

// Do sends req and returns the agency's 2xx or 3xx answer (the private client
// never follows redirects, so a 3xx is the agency's answer to interpret), or an
// error:
//
//   - *APIError for a non-2xx answer after any retries (errors.Is
//     ErrRateLimited for 429, ErrPermanent for other 4xx except 408, and 501);
//   - an error wrapping ErrOutcomeUnknown when req is not idempotent, was sent
//     (or may have been), and no usable answer came: a transport error after the
//     request was written, a 500, 502 or 504, a cut-off body. Such a request is
//     never resent;
//   - ctx's error when it ends (wrapped with ErrOutcomeUnknown if a
//     non-idempotent request was in flight);
//   - other transport errors after the attempts are spent, and TLS, certificate
//     and URL errors at once (they also match ErrPermanent).
//
// Non-idempotent requests are resent only when the agency provably did not act
// on them: the connection failed before the request was written, or the answer
// was 408, 429 or 503.
func (c *Client) Do(ctx context.Context, req RequestSpec) (*Response, error) {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	target, err := c.resolve(req.Path)
	if err != nil {
		return nil, err
	}
	var spent int // retry tokens this request took
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := c.limiter.Wait(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("reporting: rate limiter: %w", err)
		}
		if h := c.opts.Hooks.OnAttempt; h != nil {
			h(ctx, AttemptInfo{Method: method, Path: req.Path, Attempt: attempt})
		}
		resp, out := c.attempt(ctx, method, target, req)
		if out.err == nil {
			if c.budget != nil {
				c.budget.refund(max(spent, 1))
			}
			return resp, nil
		}
		if out.final || attempt >= c.opts.MaxAttempts {
			return nil, out.err
		}
		delay := c.backoff(attempt)
		if out.retryAfter > 0 {
			if out.retryAfter > c.opts.MaxRetryAfter {
				return nil, out.err
			}
			delay = max(delay, out.retryAfter)
		}
		if dl, ok := ctx.Deadline(); ok && c.opts.Now().Add(delay).After(dl) {
			// The deadline would pass while waiting: give up now, as
			// rate.Limiter.Wait does.
			return nil, out.err
		}
		cost := 5
		if out.timeout {
			cost = 10
		}
		if c.budget != nil && !c.budget.take(cost) {
			return nil, fmt.Errorf("reporting: retry budget exhausted: %w", out.err)
		}
		spent += cost
		if h := c.opts.Hooks.OnRetry; h != nil {
			h(ctx, RetryInfo{Method: method, Path: req.Path, Attempt: attempt, Delay: delay, Err: out.err})
		}
		c.log.LogAttrs(ctx, slog.LevelDebug, "reporting: retrying",
			slog.String("method", method), slog.String("path", req.Path),
			slog.Int("attempt", attempt), slog.Duration("delay", delay), slog.String("error", out.err.Error()))
		if err := sleep(ctx, delay); err != nil {
			return nil, err
		}
	}
}

// outcome classifies a failed attempt.
type outcome struct {
	err        error
	final      bool          // do not retry
	timeout    bool          // the attempt timed out (costs more retry tokens)
	retryAfter time.Duration // the agency's Retry-After
}

func (c *Client) attempt(ctx context.Context, method, target string, spec RequestSpec) (*Response, outcome) {
	actx, cancel := context.WithTimeout(ctx, c.opts.AttemptTimeout)
	defer cancel()

	var body io.Reader
	if spec.Body != nil {
		b, err := spec.Body()
		if err != nil {
			return nil, outcome{err: fmt.Errorf("reporting: build request body: %w", err), final: true}
		}
		body = b
	}
	hreq, err := http.NewRequestWithContext(actx, method, target, body)
	if err != nil {
		return nil, outcome{err: fmt.Errorf("reporting: %w: %w", ErrPermanent, err), final: true}
	}
	if spec.Body != nil {
		hreq.GetBody = func() (io.ReadCloser, error) {
			b, err := spec.Body()
			if err != nil {
				return nil, err
			}
			return io.NopCloser(b), nil
		}
	}
	for k, vs := range spec.Header {
		for _, v := range vs {
			hreq.Header.Add(k, v)
		}
	}
	hreq.Header.Set("User-Agent", c.opts.UserAgent)
	if c.auth != nil {
		if err := c.auth(hreq); err != nil {
			return nil, outcome{err: fmt.Errorf("reporting: credentials: %w", err), final: true}
		}
	}
	var wrote atomic.Bool
	hreq = hreq.WithContext(httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteHeaders: func() { wrote.Store(true) },
	}))

	hresp, err := c.hc.Do(hreq)
	if err != nil {
		return nil, c.transportFailure(ctx, actx, spec, wrote.Load(), err)
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, c.opts.MaxResponseBytes+1))
	if err != nil {
		return nil, c.transportFailure(ctx, actx, spec, true, err)
	}
	if int64(len(data)) > c.opts.MaxResponseBytes {
		err := fmt.Errorf("%w (more than %d bytes, HTTP %d)", ErrResponseTooLarge, c.opts.MaxResponseBytes, hresp.StatusCode)
		if !spec.Idempotent && hresp.StatusCode/100 == 2 {
			err = fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
		}
		return nil, outcome{err: err, final: true}
	}
	resp := &Response{StatusCode: hresp.StatusCode, Header: hresp.Header, Body: data, RequestID: requestID(hresp.Header)}
	if hresp.StatusCode/100 == 2 || hresp.StatusCode/100 == 3 {
		return resp, outcome{}
	}
	apiErr := &APIError{
		StatusCode: hresp.StatusCode,
		RequestID:  resp.RequestID,
		RetryAfter: parseRetryAfter(hresp.Header.Get("Retry-After"), c.opts.Now()),
		Body:       truncate(data, maxErrorBody),
		raw:        data,
	}
	if int64(len(data)) > c.opts.MaxErrorBodyBytes {
		apiErr.raw = bytes.Clone(data[:c.opts.MaxErrorBodyBytes])
	}
	out := outcome{err: apiErr, retryAfter: apiErr.RetryAfter}
	switch code := hresp.StatusCode; {
	case !retryableStatus(code):
		out.final = true
	case spec.Idempotent, code == http.StatusRequestTimeout, code == http.StatusTooManyRequests,
		code == http.StatusServiceUnavailable:
		// Retry: idempotent, or the agency says it did not act on it.
	default:
		// 500, 502, 504 and the like for a request that must not be repeated:
		// the agency may have acted on it.
		out.err = fmt.Errorf("%w: %w", ErrOutcomeUnknown, apiErr)
		out.final = true
	}
	return nil, out
}

// transportFailure classifies an error from sending or reading. wrote reports
// whether the request headers went out.
func (c *Client) transportFailure(ctx, actx context.Context, spec RequestSpec, wrote bool, err error) outcome {
	if ctx.Err() != nil {
		cerr := ctx.Err()
		if wrote && !spec.Idempotent {
			return outcome{err: fmt.Errorf("%w: %w", ErrOutcomeUnknown, cerr), final: true}
		}
		return outcome{err: cerr, final: true}
	}
	if permanentTransport(err) {
		return outcome{err: fmt.Errorf("reporting: %w: %w", ErrPermanent, err), final: true}
	}
	timeout := actx.Err() != nil || isTimeout(err)
	err = fmt.Errorf("reporting: transport: %w", err)
	if wrote && !spec.Idempotent {
		return outcome{err: fmt.Errorf("%w: %w", ErrOutcomeUnknown, err), final: true, timeout: timeout}
	}
	return outcome{err: err, timeout: timeout}
}

func permanentTransport(err error) bool {
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalid          x509.CertificateInvalidError
		verify           *tls.CertificateVerificationError
		record           tls.RecordHeaderError
		alert            tls.AlertError
		ech              *tls.ECHRejectionError
	)
	if errors.As(err, &unknownAuthority) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		errors.As(err, &verify) || errors.As(err, &record) || errors.As(err, &alert) || errors.As(err, &ech) {
		return true
	}
	var ue *url.Error
	if errors.As(err, &ue) && strings.Contains(ue.Err.Error(), "unsupported protocol scheme") {
		return true
	}
	return false
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (c *Client) resolve(path string) (string, error) {
	if path != "" && !strings.HasPrefix(path, "/") {
		return "", fmt.Errorf("reporting: %w: request path must start with /", ErrPermanent)
	}
	p, q, _ := strings.Cut(path, "?")
	u := *c.base
	u.Path = c.base.Path + p
	u.RawQuery = q
	if strings.Contains(p, "..") || strings.ContainsAny(p, "#\x00") {
		return "", fmt.Errorf("reporting: %w: request path is not clean", ErrPermanent)
	}
	return u.String(), nil
}

// backoff returns the full-jitter wait after the given failed attempt.
func (c *Client) backoff(attempt int) time.Duration {
	return fullJitter(attempt, c.opts.InitialBackoff, c.opts.MaxBackoff, c.opts.Multiplier, c.opts.Jitter)
}

func fullJitter(attempt int, initial, maxd time.Duration, mult float64, jitter func(time.Duration) time.Duration) time.Duration {
	ceil := float64(initial)
	for i := 1; i < attempt && ceil < float64(maxd); i++ {
		ceil *= mult
	}
	if ceil > float64(maxd) {
		ceil = float64(maxd)
	}
	return jitter(time.Duration(ceil))
}

// randJitter returns a uniform random duration in [0, n).
func randJitter(n time.Duration) time.Duration {
	if n <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(n)))
}

// sleep waits d or until ctx ends, on a timer.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// parseRetryAfter reads a Retry-After header in its seconds or HTTP-date form. It
// returns 0 for an absent, malformed or past value, and caps absurd values at a
// day.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	const maxWait = 24 * time.Hour
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(maxWait/time.Second) {
			return maxWait
		}
		return time.Duration(n) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return min(d, maxWait)
}

func requestID(h http.Header) string {
	for _, k := range [...]string{"Request-Id", "X-Request-Id", "X-Amzn-Requestid", "X-Correlation-Id"} {
		if v := h.Get(k); v != "" {
			if len(v) > 128 {
				v = v[:128]
			}
			return v
		}
	}
	return ""
}

// maxErrorBody is how much of an error body APIError.Body keeps.
const maxErrorBody = 512

func truncate(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
}

// retryBudget is a token bucket against retry storms: retries take tokens,
// successes return them.
type retryBudget struct {
	mu     sync.Mutex
	tokens int
	max    int
}

func (b *retryBudget) take(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens < n {
		return false
	}
	b.tokens -= n
	return true
}

func (b *retryBudget) refund(n int) {
	b.mu.Lock()
	b.tokens = min(b.max, b.tokens+n)
	b.mu.Unlock()
}
