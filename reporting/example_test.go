package reporting_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/mnr-sdk/mnr/reporting"
)

func ExampleReport_Validate() {
	r := &reporting.Report{
		ID:       "case-1017",
		Reporter: reporting.Reporter{Platform: "Example Photos", Contact: reporting.Contact{Email: "safety@example.com"}},
		Incident: reporting.Incident{
			Code: "csam",
			Time: time.Now().Add(time.Hour), // not in the past
		},
		Content: []reporting.ContentItem{{
			SHA256:     "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0", // one digit short
			EXIFViewed: true,                                                              // but not Viewed
		}},
		Narrative: "User uploaded child porn.",
	}
	err := r.Validate(reporting.AgencyCyberTip)
	for _, p := range reporting.Problems(err) {
		fmt.Println(p)
	}
	fmt.Println("blocking problems:", len(reporting.Problems(reporting.Blocking(err))))
	// Output:
	// reporting: incident.time: is in the future
	// reporting: content[0].sha256: is not 64 hex digits
	// reporting: content[0].exifViewed: is true but viewed is false; staff who viewed the EXIF data viewed the file
	// reporting: narrative: warning: uses deprecated wording at bytes 14-24; prefer "child sexual abuse material"
	// blocking problems: 3
}

func ExampleClient() {
	// A stand-in agency that is briefly overloaded.
	var calls int
	agency := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		user, _, _ := r.BasicAuth()
		w.Header().Set("Request-ID", "rq-42")
		fmt.Fprintf(w, "<reportResponse><responseCode>0</responseCode><reportId>%d</reportId></reportResponse>", 1000+len(user))
	}))
	defer agency.Close()

	client, err := reporting.NewClient(agency.URL+"/ispws", &reporting.ClientOptions{
		Auth:           reporting.BasicAuth("esp-user", "secret"),
		InitialBackoff: 10 * time.Millisecond,
		Hooks: reporting.Hooks{OnRetry: func(_ context.Context, r reporting.RetryInfo) {
			fmt.Printf("retrying %s %s after attempt %d\n", r.Method, r.Path, r.Attempt)
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := client.Do(context.Background(), reporting.RequestSpec{
		Method: http.MethodPost,
		Path:   "/submit",
		Header: http.Header{"Content-Type": {"text/xml; charset=utf-8"}},
		Body:   func() (io.Reader, error) { return strings.NewReader("<report>...</report>"), nil },
		// Submitting opens a new report each time: not idempotent. The 503 is
		// retried because the agency says it did not act on the request.
		Idempotent: false,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, resp.RequestID, string(resp.Body))
	// Output:
	// retrying POST /submit after attempt 1
	// 200 rq-42 <reportResponse><responseCode>0</responseCode><reportId>1008</reportId></reportResponse>
}

func ExampleOutbox() {
	ctx := context.Background()
	store := reporting.NewMemStore() // use reporting/boltstore or reporting/pgstore to survive restarts
	srv := startRelay()              // a stand-in agency with a three-call protocol
	defer srv.Close()
	client, _ := reporting.NewClient(srv.URL, nil)
	ob, err := reporting.NewOutbox(store, []reporting.Destination{{Agency: &relayReconciler{}, Client: client}},
		&reporting.OutboxOptions{Files: memFiles{"vault:1": []byte("...")}})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := &reporting.Report{
		ID:       "case-1017",
		Reporter: reporting.Reporter{Platform: "Example Photos", Contact: reporting.Contact{Email: "safety@example.com"}},
		Incident: reporting.Incident{Code: "csam", Time: time.Now().Add(-time.Hour)},
		Content:  []reporting.ContentItem{{SHA256: strings.Repeat("ab", 32), Source: "vault:1"}},
	}
	s, err := ob.Enqueue(ctx, "relay", r, reporting.EnqueueOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.ID, s.State)
	ob.RunOnce(ctx) // a service runs ob.Run(ctx) instead
	s, _ = ob.Get(ctx, s.ID)
	fmt.Println(s.ID, s.State, "reportId", s.Progress.IDs["reportId"], "receipts", len(s.Progress.Receipts))
	// Output:
	// relay/case-1017 pending
	// relay/case-1017 done reportId 100 receipts 2
}
