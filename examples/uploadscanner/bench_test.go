package main

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// BenchmarkScan measures POST /v1/scan end to end in process (HTTP on loopback,
// hashing, matching, and for matches the vault, the case and the drafted reports
// on a bolt file), per decision and per hostile input. Run with -cpu 1:
//
//	go test -run XXX -bench BenchmarkScan -benchtime 3s -cpu 1 ./examples/uploadscanner/
func BenchmarkScan(b *testing.B) {
	ts := newTestServer(b, nil, "-log-level", "error")
	bomb := zipBomb(b, 16<<20)
	cases := []struct {
		name   string
		body   func() io.Reader
		size   int64
		status int
	}{
		{"allow/benign-2.jpg", reader(mustDemo(b, "benign-2.jpg")), int64(len(mustDemo(b, "benign-2.jpg"))), 200},
		{"allow/benign-1.png", reader(mustDemo(b, "benign-1.png")), int64(len(mustDemo(b, "benign-1.png"))), 200},
		{"block/known.png", reader(mustDemo(b, demoKnown)), int64(len(mustDemo(b, demoKnown))), 200},
		{"quarantine/known-near.jpg", reader(mustDemo(b, demoNear)), int64(len(mustDemo(b, demoNear))), 200},
		{"hostile/truncated-jpeg", reader(truncated(b, "benign-2.jpg")), 0, 422},
		{"hostile/png-100000x100000", reader(hugePNG(100000, 100000)), 0, 422},
		{"hostile/zip-bomb", reader(bomb), 0, 415},
		{"hostile/non-image", reader(nonImage), 0, 415},
		{"hostile/50MB-body", func() io.Reader { return io.LimitReader(zeroReader{}, 50<<20) }, 0, 413},
	}
	client := &http.Client{}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			if tc.size > 0 {
				b.SetBytes(tc.size)
			}
			for b.Loop() {
				resp, err := client.Post(ts.url+"/v1/scan", "application/octet-stream", tc.body())
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tc.status {
					b.Fatalf("status %d, want %d; log:\n%s", resp.StatusCode, tc.status, lastLines(ts.logs.String(), 5))
				}
			}
		})
	}
}

func reader(b []byte) func() io.Reader {
	return func() io.Reader { return bytes.NewReader(b) }
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := bytes.Split([]byte(s), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
