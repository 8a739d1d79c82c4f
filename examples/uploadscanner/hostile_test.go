package main

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestHostileUploads sends the real binary a truncated JPEG, a PNG declaring
// 100000x100000 pixels, a 50 MB body, a zip bomb named .png and a non-image, each
// several times and some at once. Each gets its typed 4xx, the process's peak
// memory stays under 300 MB, nothing is quarantined, and a real upload still
// works afterwards. Each answer's latency is logged (speed is measured in
// BenchmarkScan, not asserted here).
func TestHostileUploads(t *testing.T) {
	p := startBinary(t, nil)
	bomb := zipBomb(t, 16<<20) // 16 MiB of zeros in a 16 KiB archive
	cases := []struct {
		name   string
		body   func() io.Reader
		multi  string // upload as multipart with this file name
		status int
		code   string
	}{
		{"truncated jpeg", func() io.Reader { return bytes.NewReader(truncated(t, "benign-2.jpg")) }, "", 422, codeCorrupt},
		{"png declaring 100000x100000", func() io.Reader { return bytes.NewReader(hugePNG(100000, 100000)) }, "", 422, codeTooManyPixels},
		{"50 MB body", func() io.Reader { return io.LimitReader(zeroReader{}, 50<<20) }, "", 413, codeTooLarge},
		{"zip bomb named .png", func() io.Reader { return bytes.NewReader(bomb) }, "bomb.png", 415, codeUnsupportedFormat},
		{"non-image", func() io.Reader { return bytes.NewReader(nonImage) }, "", 415, codeUnsupportedFormat},
	}
	send := func(t *testing.T, i int) (int, string, time.Duration) {
		tc := cases[i]
		var a scanAnswer
		start := time.Now()
		var resp *http.Response
		if tc.multi != "" {
			data, _ := io.ReadAll(tc.body())
			resp, a = scanMultipart(t, p.url, tc.multi, data)
		} else {
			resp, _ = do(t, nil, "POST", p.url+"/v1/scan", nil, tc.body(), &a)
		}
		code := ""
		if a.Error != nil {
			code = a.Error.Code
		}
		return resp.StatusCode, code, time.Since(start)
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for rep := 0; rep < 3; rep++ {
				status, code, d := send(t, i)
				if status != tc.status || code != tc.code {
					t.Fatalf("got %d %q, want %d %q", status, code, tc.status, tc.code)
				}
				t.Logf("answered %d %s in %v", status, code, d.Round(time.Millisecond))
			}
		})
	}
	// All of them at once, twice over.
	var wg sync.WaitGroup
	for rep := 0; rep < 2; rep++ {
		for i := range cases {
			wg.Go(func() {
				status, code, _ := send(t, i)
				if status != cases[i].status || code != cases[i].code {
					t.Errorf("concurrent %s: got %d %q", cases[i].name, status, code)
				}
			})
		}
	}
	wg.Wait()

	if rss := p.peakRSS(); rss >= 300<<20 {
		t.Errorf("peak RSS %d MiB, want under 300 MiB", rss>>20)
	} else {
		t.Logf("peak RSS after hostile uploads: %d MiB", rss>>20)
	}
	m := scrape(t, p.url)
	if m["uploadscanner_cases_opened_total"] != 0 {
		t.Errorf("hostile uploads opened %v cases", m["uploadscanner_cases_opened_total"])
	}
	want := map[string]float64{
		`uploadscanner_rejected_total{code="corrupt_image"}`:        5,
		`uploadscanner_rejected_total{code="too_many_pixels"}`:      5,
		`uploadscanner_rejected_total{code="too_large"}`:            5,
		`uploadscanner_rejected_total{code="unsupported_format"}`:   10,
		`uploadscanner_decode_errors_total{reason="corrupt_image"}`: 5,
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	var list struct {
		Cases []any `json:"cases"`
	}
	do(t, nil, "GET", p.url+"/v1/cases", nil, nil, &list)
	if len(list.Cases) != 0 {
		t.Errorf("%d cases after hostile uploads, want 0", len(list.Cases))
	}
	// The service still works.
	if resp, a := scanRaw(t, p.url, mustDemo(t, demoKnown)); resp.StatusCode != 200 || a.Decision != decisionBlock {
		t.Errorf("demo upload after the hostile ones: %d %+v", resp.StatusCode, a)
	}
}
