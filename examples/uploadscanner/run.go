package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Server timeouts. Uploads are at most -max-upload-bytes, so a client has
// ReadTimeout to send one.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 60 * time.Second
	writeTimeout      = 90 * time.Second
	idleTimeout       = 120 * time.Second
)

// run is the whole program: main only calls it. It returns when ctx ends or a
// signal (SIGINT, SIGTERM) arrives and the shutdown is complete.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	log.Info("starting", cfg.logAttrs()...)

	s, sv, err := buildServer(ctx, cfg, log, getenv)
	if err != nil {
		return err
	}
	defer func() {
		if err := sv.close(); err != nil {
			log.Error("closing stores", "err", err)
		}
	}()

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	// Requests see baseCtx, which outlives the signal so that in-flight requests
	// finish during Shutdown; it ends when Shutdown gives up.
	baseCtx, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	srv := &http.Server{
		Handler:           newHandler(s),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}

	// Background workers: the takedown engine, the outbox, the report follower.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	var wg sync.WaitGroup
	for _, w := range sv.workers {
		wg.Go(func() {
			if err := w(workCtx); err != nil {
				log.Error("worker stopped", "err", err)
			}
		})
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() && s.review == nil {
		log.Warn("listening beyond loopback without a review token: the operator API (/v1/cases, /v1/reports, /v1/lists/reload) is open; set UPLOADSCANNER_REVIEW_TOKEN")
	}
	url := "http://" + ln.Addr().String()
	s.ready.Store(true)
	printQuickStart(stdout, url, s.review != nil)
	log.Info("listening", "url", url)

	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-serveErr:
		s.ready.Store(false)
		stopWork()
		wg.Wait()
		return fmt.Errorf("serve: %w", err)
	}
	// Readiness goes to 503 first so a load balancer stops sending work, then
	// in-flight requests get -shutdown-timeout to finish.
	s.ready.Store(false)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.shutdownTimeout)
	defer cancel()
	shutdownErr := srv.Shutdown(sctx)
	cancelBase()
	if shutdownErr != nil {
		log.Warn("shutdown timed out; closing remaining connections", "err", shutdownErr)
		srv.Close()
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("serve", "err", err)
	}
	stopWork()
	wg.Wait()
	log.Info("stopped")
	return nil
}

// printQuickStart prints the URL and a curl line that uploads the demo image.
func printQuickStart(w io.Writer, url string, review bool) {
	fmt.Fprintf(w, "uploadscanner listening on %s\n", url)
	demo := filepath.Join("examples", "uploadscanner", "testdata", demoKnown)
	if _, err := os.Stat(demo); err == nil {
		fmt.Fprintf(w, "upload the demo image (a known match):\n  curl -sS --data-binary @%s %s/v1/scan\n", demo, url)
	} else {
		fmt.Fprintf(w, "upload the demo image (a known match):\n  curl -sS %s/demo/%s | curl -sS --data-binary @- %s/v1/scan\n", url, demoKnown, url)
	}
	if review {
		fmt.Fprintf(w, "reviewer page: %s/review\n", url)
	}
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(cfg.logLevel)))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
