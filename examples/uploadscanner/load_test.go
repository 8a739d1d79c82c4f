package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

var loadFlag = flag.Bool("load", false, "run the 30-second load test (or set MNR_LOAD_TEST=1)")

// TestLoad is the bounded load test: 8 concurrent clients on loopback for 30 s
// (MNR_LOAD_DURATION overrides), uploading a mix of matching and non-matching
// demo images to the real binary. It requires zero errors and exactly one case per
// matching upload, and logs throughput and latency percentiles. It runs only with
// -load or MNR_LOAD_TEST=1, so the default go test stays fast:
//
//	MNR_LOAD_TEST=1 go test -count=1 -run TestLoad -v ./examples/uploadscanner/
func TestLoad(t *testing.T) {
	if !*loadFlag && os.Getenv("MNR_LOAD_TEST") != "1" {
		t.Skip("load test not run: pass -load or set MNR_LOAD_TEST=1")
	}
	duration := 30 * time.Second
	if d, err := time.ParseDuration(os.Getenv("MNR_LOAD_DURATION")); err == nil && d > 0 {
		duration = d
	}
	const clients = 8
	p := startBinary(t, nil, "-log-level", "warn")

	type img struct {
		name     string
		data     []byte
		decision string
	}
	mix := []img{
		{demoKnown, mustDemo(t, demoKnown), decisionBlock},
		{"benign-1.png", mustDemo(t, "benign-1.png"), decisionAllow},
		{demoNear, mustDemo(t, demoNear), decisionQuarantine},
		{"benign-2.jpg", mustDemo(t, "benign-2.jpg"), decisionAllow},
		{"benign-3.png", mustDemo(t, "benign-3.png"), decisionAllow},
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: time.Minute}

	type result struct {
		latencies []time.Duration
		byClass   map[bool][]time.Duration // matching or not
		errors    []string
		cases     []string
		matching  int
	}
	results := make([]result, clients)
	start := time.Now()
	stop := start.Add(duration)
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Go(func() {
			r := &results[c]
			r.byClass = map[bool][]time.Duration{}
			for i := c; time.Now().Before(stop); i++ {
				im := mix[i%len(mix)]
				t0 := time.Now()
				resp, err := client.Post(p.url+"/v1/scan", "application/octet-stream", bytes.NewReader(im.data))
				if err != nil {
					r.errors = append(r.errors, err.Error())
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				lat := time.Since(t0)
				r.latencies = append(r.latencies, lat)
				r.byClass[im.decision != decisionAllow] = append(r.byClass[im.decision != decisionAllow], lat)
				var a scanAnswer
				if err != nil || resp.StatusCode != 200 || json.Unmarshal(body, &a) != nil {
					r.errors = append(r.errors, fmt.Sprintf("%s: HTTP %d %.200s", im.name, resp.StatusCode, body))
					continue
				}
				if a.Decision != im.decision {
					r.errors = append(r.errors, fmt.Sprintf("%s: decision %s, want %s", im.name, a.Decision, im.decision))
					continue
				}
				if im.decision != decisionAllow {
					r.matching++
					if a.CaseID == "" {
						r.errors = append(r.errors, im.name+": match without a case")
						continue
					}
					r.cases = append(r.cases, a.CaseID)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	var all []time.Duration
	class := map[bool][]time.Duration{}
	var errs []string
	var cases []string
	matching := 0
	for _, r := range results {
		all = append(all, r.latencies...)
		class[true] = append(class[true], r.byClass[true]...)
		class[false] = append(class[false], r.byClass[false]...)
		errs = append(errs, r.errors...)
		cases = append(cases, r.cases...)
		matching += r.matching
	}
	if len(errs) > 0 {
		t.Errorf("%d errors; first: %s", len(errs), errs[0])
	}
	slices.Sort(cases)
	if len(slices.Compact(slices.Clone(cases))) != len(cases) {
		t.Error("two uploads were given the same case")
	}

	// Every matching upload has its case in the store: page through /v1/cases.
	stored := map[string]bool{}
	after := ""
	for {
		var page struct {
			Cases []struct {
				ID string `json:"id"`
			} `json:"cases"`
			Next string `json:"next"`
		}
		do(t, nil, "GET", p.url+"/v1/cases?limit=1000&after="+after, nil, nil, &page)
		for _, c := range page.Cases {
			stored[c.ID] = true
		}
		if page.Next == "" || len(page.Cases) == 0 {
			break
		}
		after = page.Next
	}
	lost := 0
	for _, id := range cases {
		if !stored[id] {
			lost++
		}
	}
	if lost > 0 || len(stored) != matching {
		t.Errorf("cases: %d stored, %d matching uploads, %d lost", len(stored), matching, lost)
	}
	m := scrape(t, p.url)
	if got := m["uploadscanner_cases_opened_total"]; got != float64(matching) {
		t.Errorf("cases_opened_total = %v, want %d", got, matching)
	}

	slices.Sort(all)
	pctOf := func(ds []time.Duration, q float64) time.Duration {
		if len(ds) == 0 {
			return 0
		}
		slices.Sort(ds)
		return ds[min(len(ds)-1, int(q*float64(len(ds))))].Round(10 * time.Microsecond)
	}
	pct := func(q float64) time.Duration { return pctOf(all, q) }
	rss := p.peakRSS()
	t.Logf("load: %d clients, %v, %d requests (%d matching), %.1f req/s, p50 %v, p99 %v, max %v, errors %d, cases %d stored / %d expected, peak RSS %d MiB, GOMAXPROCS(test) %d",
		clients, elapsed.Round(time.Millisecond), len(all), matching, float64(len(all))/elapsed.Seconds(),
		pct(0.50), pct(0.99), all[len(all)-1].Round(10*time.Microsecond),
		len(errs), len(stored), matching, rss>>20, runtime.GOMAXPROCS(0))
	t.Logf("load: matching uploads p50 %v p99 %v; non-matching p50 %v p99 %v",
		pctOf(class[true], 0.5), pctOf(class[true], 0.99), pctOf(class[false], 0.5), pctOf(class[false], 0.99))
}
