package dsa_test

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/time/rate"

	"github.com/mnr-sdk/mnr/internal/agencytest"
	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/dsa"
)

// Example submits a statement of reasons for a CSAM removal to a test server
// (mnr's fake Transparency Database; use the sandbox URL and token you are given
// for the real one), then submits it again: the puid makes the second submission a
// success that records the same uuid.
func Example() {
	server := agencytest.NewDSA(nil)
	defer server.Close()
	client, err := dsa.NewClient(server.URL(), func() (string, error) { return server.Token(), nil },
		&reporting.ClientOptions{Limiter: rate.NewLimiter(20, 4)})
	if err != nil {
		panic(err)
	}
	agency := dsa.New(nil)
	report := &reporting.Report{
		ID:       "case-2001",
		Incident: reporting.Incident{Code: "csam", Time: time.Now().Add(-2 * time.Hour)},
		Content:  []reporting.ContentItem{{ContentType: "image/png", SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}},
		Decision: &reporting.Decision{
			Visibility:         []string{reporting.VisibilityRemoved},
			Ground:             reporting.GroundIllegal,
			LegalGround:        "Art. 5 Directive 2011/93/EU",
			Explanation:        "Matched a verified hash of child sexual abuse material.",
			Facts:              "Detected by hash matching and confirmed by staff.",
			Source:             reporting.SourceVoluntary,
			AutomatedDetection: true,
			Automation:         reporting.AutomationPartially,
			AppliedAt:          time.Now().Add(-time.Hour),
			TerritorialScope:   []string{"DE", "FR"},
		},
	}
	st, err := agency.Statement(report)
	if err != nil {
		fmt.Println("invalid:", err)
		return
	}
	fmt.Println(st.Category, st.CategorySpecification, st.AutomatedDetection)

	ctx := context.Background()
	first := agency.Submit(ctx, client.Do, []*reporting.Report{report})[0]
	again := agency.Submit(ctx, client.Do, []*reporting.Report{report})[0]
	fmt.Println("created:", first.Err == nil && first.UUID != "")
	fmt.Println("resubmitted:", again.Err == nil, "duplicate:", again.Duplicate, "same uuid:", again.UUID == first.UUID)
	fmt.Println("statements stored:", server.Count())
	// Output:
	// STATEMENT_CATEGORY_PROTECTION_OF_MINORS [KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL] Yes
	// created: true
	// resubmitted: true duplicate: true same uuid: true
	// statements stored: 1
}
