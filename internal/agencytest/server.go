package agencytest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// reply is one HTTP answer a fake builds before deciding whether to send it.
type reply struct {
	status      int
	contentType string
	header      http.Header
	body        []byte
}

// base is what every fake shares: the fault plan, request counting, the
// Request-ID header, and the optional httptest server.
type base struct {
	faults     Faults
	slowDelay  time.Duration
	retryAfter time.Duration

	mu   sync.Mutex
	reqs map[string]int

	done      chan struct{}
	closeOnce sync.Once
	srv       *httptest.Server
}

func newBase(slow, retryAfter time.Duration) base {
	if slow <= 0 {
		slow = 200 * time.Millisecond
	}
	if retryAfter < 0 {
		retryAfter = 0
	}
	return base{slowDelay: slow, retryAfter: retryAfter, reqs: make(map[string]int), done: make(chan struct{})}
}

// start serves h on a new loopback httptest server.
func (b *base) start(h http.Handler) {
	b.srv = httptest.NewServer(h)
}

// serveOn serves h on l with a plain http.Server; the server stops when the fake is
// closed.
func (b *base) serveOn(l net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-b.done
		_ = srv.Close()
	}()
	err := srv.Serve(l)
	if err == http.ErrServerClosed {
		return nil
	}
	return err
}

func (b *base) url() string {
	if b.srv == nil {
		return ""
	}
	return b.srv.URL
}

// Close stops the server, if any, and drops its connections. It always returns nil.
func (b *base) Close() error {
	b.closeOnce.Do(func() {
		close(b.done)
		if b.srv != nil {
			b.srv.CloseClientConnections()
			b.srv.Close()
		}
	})
	return nil
}

// Faults returns the fault plan; change it at any time.
func (b *base) Faults() *Faults { return &b.faults }

// Requests returns the number of requests received per endpoint path, faulted ones
// included.
func (b *base) Requests() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]int, len(b.reqs))
	for k, v := range b.reqs {
		out[k] = v
	}
	return out
}

// bearerOK reports whether r carries "Authorization: Bearer token".
func bearerOK(r *http.Request, token string) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(tok), []byte(token)) == 1
}

// answer sends rp outside the fault plan (authentication and routing failures),
// with a fresh Request-ID header.
func answer(w http.ResponseWriter, rp reply) {
	w.Header().Set("Request-ID", newRequestID())
	write(w, rp)
}

// newRequestID returns a random UUID-shaped request identifier.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// run counts the request, applies the fault plan and then either sends the answer of
// handle, sends a fault answer, or commits handle's effect and drops the connection.
// serverError and rateLimited build the agency's own answers for those faults.
func (b *base) run(w http.ResponseWriter, r *http.Request, path string, mutating bool,
	serverError, rateLimited func() reply, handle func() reply) {
	b.mu.Lock()
	b.reqs[path]++
	b.mu.Unlock()
	w.Header().Set("Request-ID", newRequestID())

	switch b.faults.next(path, mutating) {
	case FaultServerError:
		write(w, serverError())
		return
	case FaultRateLimit:
		rp := rateLimited()
		w.Header().Set("Retry-After", retryAfterValue(b.retryAfter))
		write(w, rp)
		return
	case FaultSlow:
		t := time.NewTimer(b.slowDelay)
		select {
		case <-t.C:
		case <-b.done:
			t.Stop()
		}
	case FaultDropAfterCommit:
		_ = handle()
		dropConnection(w)
		return
	}
	write(w, handle())
}

func write(w http.ResponseWriter, rp reply) {
	for k, vs := range rp.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if rp.contentType != "" {
		w.Header().Set("Content-Type", rp.contentType)
	}
	w.WriteHeader(rp.status)
	_, _ = w.Write(rp.body)
}
