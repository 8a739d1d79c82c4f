package cybertip_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/mnr-sdk/mnr/internal/agencytest"
	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/cybertip"
)

// vault stands in for the application's evidence store.
type vault map[string][]byte

func (v vault) Open(_ context.Context, ref string) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(v[ref])), nil
}

// Example builds a report, validates it, and submits it through an outbox to a
// test server (here mnr's fake CyberTipline; against NCMEC use cybertip.TestURL
// with the test credentials NCMEC issues).
func Example() {
	server := agencytest.NewCyberTip(nil)
	defer server.Close()
	user, password := server.Credentials()

	client, err := cybertip.NewClient(server.URL(), user, password, &reporting.ClientOptions{Limiter: rate.NewLimiter(20, 4)})
	if err != nil {
		panic(err)
	}
	agency := cybertip.New(&cybertip.Options{CompanyTemplate: "Legal process: legal@example.com"})

	file := []byte("benign stand-in for the reported file")
	files := vault{"vault:1": file}
	report := &reporting.Report{
		ID:       "case-1001",
		Reporter: reporting.Reporter{Platform: "Example Photos", Contact: reporting.Contact{Email: "safety@example.com"}},
		Incident: reporting.Incident{Code: "csam", Time: time.Now().Add(-time.Hour)},
		Content: []reporting.ContentItem{{
			FileName: "upload.jpg", ContentType: "image/jpeg", MD5: md5Hex(file), Viewed: true,
			Codes: []string{"csam.ai_generated"}, Source: "vault:1",
		}},
		Account: &reporting.Account{UserID: "u-42"},
	}
	if err := reporting.Blocking(reporting.ValidateFor(agency, report)); err != nil {
		fmt.Println("invalid:", err)
		return
	}

	outbox, err := reporting.NewOutbox(reporting.NewMemStore(), []reporting.Destination{{Agency: agency, Client: client}},
		&reporting.OutboxOptions{Files: files})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	s, err := outbox.Enqueue(ctx, cybertip.Name, report, reporting.EnqueueOptions{})
	if err != nil {
		panic(err)
	}
	if _, err := outbox.RunOnce(ctx); err != nil {
		panic(err)
	}
	s, _ = outbox.Get(ctx, s.ID)
	fmt.Println("state:", s.State)
	fmt.Println("NCMEC report ID recorded:", s.Progress.IDs["reportId"] != "")
	for _, rc := range s.Progress.Receipts {
		if rc.Step == "finish" {
			fmt.Println("finish receipt kept:", strings.Contains(string(rc.Body), "<reportDoneResponse>"))
		}
	}
	fmt.Println("finished at the agency:", len(server.Finished()))
	// Output:
	// state: done
	// NCMEC report ID recorded: true
	// finish receipt kept: true
	// finished at the agency: 1
}

// ExampleAgency_Encode shows how a terminology code becomes the incident type and
// how context flags become annotations.
func ExampleAgency_Encode() {
	agency := cybertip.New(&cybertip.Options{Now: func() time.Time { return fixedNow }, OmitReference: true})
	doc, err := agency.Encode(&reporting.Report{
		ID:       "case-7",
		Reporter: reporting.Reporter{Contact: reporting.Contact{Email: "safety@example.com"}},
		Incident: reporting.Incident{
			Code:     "sextortion.financial",
			Time:     time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC),
			Flags:    []string{"ctx.minor_to_minor"},
			Location: reporting.Location{Kind: reporting.LocationChat, Client: "Example Chat"},
		},
	})
	if err != nil {
		panic(err)
	}
	fmt.Print(string(doc))
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <report>
	//   <incidentSummary>
	//     <incidentType>Online Enticement of Children for Sexual Acts</incidentType>
	//     <reportAnnotations>
	//       <sextortion/>
	//       <minorToMinorInteraction/>
	//     </reportAnnotations>
	//     <incidentDateTime>2026-03-01T20:00:00Z</incidentDateTime>
	//   </incidentSummary>
	//   <internetDetails>
	//     <chatImIncident>
	//       <chatClient>Example Chat</chatClient>
	//     </chatImIncident>
	//   </internetDetails>
	//   <reporter>
	//     <reportingPerson>
	//       <email>safety@example.com</email>
	//     </reportingPerson>
	//   </reporter>
	// </report>
}
