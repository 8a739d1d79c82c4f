package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestGracefulShutdown runs run() in process, starts an upload, cancels the
// context (as SIGTERM does) while the upload is half sent, and checks that the
// upload still gets its answer, that new connections are refused, and that run
// returns nil.
func TestGracefulShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-log-level", "warn"}, func(string) string { return "" }, outW, testWriter{t})
		outW.Close()
	}()
	sc := bufio.NewScanner(outR)
	url := ""
	for url == "" && sc.Scan() {
		url, _ = strings.CutPrefix(sc.Text(), "uploadscanner listening on ")
	}
	go io.Copy(io.Discard, outR)
	if url == "" {
		t.Fatalf("no URL printed; run: %v", <-done)
	}

	img := mustDemo(t, demoKnown)
	bodyR, bodyW := io.Pipe()
	type answer struct {
		status int
		a      scanAnswer
		err    error
	}
	res := make(chan answer, 1)
	go func() {
		resp, err := http.Post(url+"/v1/scan", "image/png", bodyR)
		if err != nil {
			res <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		var a scanAnswer
		err = json.NewDecoder(resp.Body).Decode(&a)
		res <- answer{resp.StatusCode, a, err}
	}()
	if _, err := bodyW.Write(img[:len(img)/2]); err != nil {
		t.Fatal(err)
	}
	// The server has admitted the upload (it is reading the body) ...
	waitFor(t, 10*time.Second, "the upload to be admitted", func() bool {
		return scrape(t, url)["uploadscanner_decodes_queued"] == 1
	})
	cancel() // ... when the signal comes.
	// Wait until the listener is closed: new connections are refused.
	waitFor(t, 10*time.Second, "the listener to close", func() bool {
		c := &http.Client{Timeout: time.Second}
		resp, err := c.Get(url + "/livez")
		if err == nil {
			resp.Body.Close()
		}
		return err != nil
	})
	if _, err := bodyW.Write(img[len(img)/2:]); err != nil {
		t.Fatal(err)
	}
	bodyW.Close()
	got := <-res
	if got.err != nil || got.status != 200 || got.a.Decision != decisionBlock || got.a.CaseID == "" {
		t.Fatalf("in-flight upload during shutdown: %d %+v %v", got.status, got.a, got.err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after shutdown")
	}
}

func TestRunBadFlags(t *testing.T) {
	var stderr strings.Builder
	err := run(context.Background(), []string{"-max-pixels", "-1"}, func(string) string { return "" }, io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "-max-pixels") {
		t.Fatalf("run with a bad flag: %v", err)
	}
	if err := run(context.Background(), []string{"-h"}, func(string) string { return "" }, io.Discard, &stderr); err != nil {
		t.Fatalf("-h: %v", err)
	}
	if !strings.Contains(stderr.String(), "Usage: uploadscanner") {
		t.Error("-h printed no usage")
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
