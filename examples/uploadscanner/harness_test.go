package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The end-to-end tests run the real binary, built once per test run with
// "go build", the way the README starts it.

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// scannerBinary builds the uploadscanner binary once and returns its path.
func scannerBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "uploadscanner-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "uploadscanner")
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
		}
		cmd := exec.Command(goTool, "build", "-o", binPath, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// proc is a running uploadscanner process.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string
	curl   string // the curl line it printed
	stderr *lockedBuffer
	done   chan struct{}
	err    error // Wait's result, after done
}

// lockedBuffer is a bytes.Buffer safe for the writer goroutine and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startBinary starts the binary with args (and -addr 127.0.0.1:0 unless args set
// -addr), waits for it to print its URL and for /readyz to answer 200, and stops it
// with SIGTERM when the test ends. env adds environment variables.
func startBinary(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	bin := scannerBinary(t)
	hasAddr := false
	for _, a := range args {
		if a == "-addr" || strings.HasPrefix(a, "-addr=") {
			hasAddr = true
		}
	}
	if !hasAddr {
		args = append([]string{"-addr", "127.0.0.1:0"}, args...)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = moduleRoot(t) // as the README runs it, so the printed curl line works
	p := &proc{t: t, cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop() })

	deadline := time.After(90 * time.Second)
	for p.url == "" || p.curl == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				<-p.done
				t.Fatalf("uploadscanner exited before printing its URL (%v); stderr:\n%s", p.err, p.stderr)
			}
			if u, ok := strings.CutPrefix(l, "uploadscanner listening on "); ok {
				p.url = strings.TrimSpace(u)
			}
			if strings.HasPrefix(strings.TrimSpace(l), "curl ") {
				p.curl = strings.TrimSpace(l)
			}
		case <-deadline:
			t.Fatalf("uploadscanner printed no URL within 90s; stderr:\n%s", p.stderr)
		}
	}
	go func() {
		for range lines { // drain
		}
	}()
	p.waitReady()
	return p
}

// waitReady polls /readyz until it answers 200.
func (p *proc) waitReady() {
	p.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.done:
			p.t.Fatalf("uploadscanner exited while starting (%v); stderr:\n%s", p.err, p.stderr)
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("/readyz not 200 within 60s (last error %v); stderr:\n%s", err, p.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for the process to exit; it kills it after 30s.
// It returns Wait's error.
func (p *proc) stop() error {
	select {
	case <-p.done:
		return p.err
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		p.t.Errorf("uploadscanner did not stop within 30s of SIGTERM; stderr:\n%s", p.stderr)
	}
	return p.err
}

// peakRSS returns the process's peak resident set size (VmHWM) in bytes.
func (p *proc) peakRSS() int64 {
	p.t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		p.t.Fatalf("read /proc status: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			f := strings.Fields(v)
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil || len(f) < 2 || f[1] != "kB" {
				p.t.Fatalf("unexpected VmHWM line %q", l)
			}
			return kb << 10
		}
	}
	p.t.Fatal("no VmHWM in /proc status")
	return 0
}

// do sends a request and decodes a JSON answer into out (when not nil). It returns
// the response with its body read into raw.
func do(t testing.TB, client *http.Client, method, url string, hdr map[string]string, body io.Reader, out any) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	if out != nil && len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, url, raw, err)
		}
	}
	return resp, raw
}

// moduleRoot is the repository root, where the README's commands run.
func moduleRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", root, err)
	}
	return root
}
