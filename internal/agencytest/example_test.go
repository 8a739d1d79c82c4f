package agencytest_test

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mnr-sdk/mnr/internal/agencytest"
)

// ExampleNewCyberTip starts a fake CyberTipline, scripts a fault for the next
// /submit and shows the agency refusing an out-of-order document.
func ExampleNewCyberTip() {
	fake := agencytest.NewCyberTip(nil)
	defer fake.Close()
	user, password := fake.Credentials()
	client := &http.Client{Timeout: 10 * time.Second}
	post := func(doc string) *http.Response {
		req, _ := http.NewRequest("POST", fake.URL()+"/submit", strings.NewReader(doc))
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		req.SetBasicAuth(user, password)
		resp, err := client.Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		return resp
	}
	const doc = `<report><incidentSummary>` +
		`<incidentType>Child Pornography (possession, manufacture, and distribution)</incidentType>` +
		`<incidentDateTime>2026-03-14T10:00:00Z</incidentDateTime></incidentSummary>` +
		`<reporter><reportingPerson><email>safety@example.com</email></reportingPerson></reporter></report>`

	fake.Faults().Script("/submit", agencytest.FaultServerError)
	fmt.Println(post(doc).StatusCode) // the scripted fault: nothing stored
	fmt.Println(post(doc).StatusCode) // accepted
	swapped := strings.Replace(doc, "<reporter>", "<additionalInfo>x</additionalInfo><reporter>", 1)
	fmt.Println(post(swapped).StatusCode) // additionalInfo must come last
	fmt.Println(fake.Counts()[agencytest.CyberTipOpen], agencytest.FormatCounts(fake.Faults().Injected()))
	// Output:
	// 503
	// 200
	// 400
	// 1 5xx=1
}
