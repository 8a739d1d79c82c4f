package nca_test

import (
	"fmt"
	"time"

	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/nca"
)

// Example maps the UK report onto the field names an NCA API profile uses. The
// NCA has published no API, so every path is configurable.
func Example() {
	agency, err := nca.New(&nca.Options{
		Fields: map[nca.Field]string{
			nca.FieldPlatformReference: "esp.reference",
			nca.FieldReporterEmail:     "reporter.email",
			nca.FieldReporterName:      "reporter.name",
		},
		Omit: []nca.Field{nca.FieldDeclaredAt, nca.FieldVictim, nca.FieldSchema},
		Now:  func() time.Time { return time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}
	doc, err := agency.Encode(&reporting.Report{
		ID:       "uk-7",
		Reporter: reporting.Reporter{Contact: reporting.Contact{FirstName: "Sam", LastName: "Officer", Email: "safety@example.co.uk"}},
		Incident: reporting.Incident{
			Code: "grooming", Time: time.Date(2026, 4, 30, 18, 0, 0, 0, time.UTC),
			Escalate: "The user arranged to meet the child tomorrow.",
		},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(string(doc))
	// Output:
	// {"declaration":{"by":"Sam Officer","text":"I declare that the information in this report is true and complete to the best of my knowledge and belief."},"esp":{"reference":"uk-7"},"incident":{"code":"grooming","escalation":"The user arranged to meet the child tomorrow.","label":"Grooming (solicitation of children for sexual purposes)","time":"2026-04-30T18:00:00Z"},"previous_reports":{"reported":false},"priority":1,"reporter":{"email":"safety@example.co.uk","name":"Sam Officer"}}
}
