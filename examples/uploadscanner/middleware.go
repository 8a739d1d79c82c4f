package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

type ctxKey int

const requestIDKey ctxKey = iota

// requestID returns the request's ID, set by withRequestID.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusWriter records the status code and the bytes written.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe wraps the handler of one route: a request ID (the X-Request-Id response
// header), panic recovery into a JSON 500, security headers, the latency
// histogram by route pattern and one log line per request. The log line carries
// the method, route, status, sizes and duration: never the body, the query string
// or client headers.
func (s *server) observe(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		hdr := w.Header()
		hdr.Set("X-Request-Id", id)
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "no-referrer")
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				// The panic value may hold request data: log its type only.
				s.log.LogAttrs(ctx, slog.LevelError, "handler panic", slog.String("request_id", id),
					slog.String("route", route), slog.String("panic_type", typeName(p)))
				if sw.status == 0 {
					writeError(sw, r, nil)
				}
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			d := time.Since(start)
			s.metrics.httpSeconds.WithLabelValues(route, strconv.Itoa(sw.status)).Observe(d.Seconds())
			level := slog.LevelInfo
			if route == routeLivez || route == routeReadyz || route == routeMetrics {
				level = slog.LevelDebug // probes and scrapes would drown the log
			}
			s.log.LogAttrs(ctx, level, "request",
				slog.String("request_id", id),
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.Int("status", sw.status),
				slog.Int64("bytes_in", r.ContentLength),
				slog.Int64("bytes_out", sw.bytes),
				slog.Duration("duration", d))
		}()
		h.ServeHTTP(sw, r)
	})
}

func typeName(v any) string {
	switch v.(type) {
	case error:
		return "error"
	case string:
		return "string"
	}
	return "other"
}
