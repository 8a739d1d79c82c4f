package nca_test

import (
	"testing"

	"github.com/mnr-sdk/mnr/reporting"
)

// BenchmarkEncodeValidate measures Report.Validate plus the profile's rules and
// the report's JSON.
func BenchmarkEncodeValidate(b *testing.B) {
	a := newAgencyB(b)
	r := ukReport("uk-1")
	b.ReportAllocs()
	var n int
	for b.Loop() {
		if err := reporting.Blocking(reporting.ValidateFor(a, r)); err != nil {
			b.Fatal(err)
		}
		doc, err := a.Encode(r)
		if err != nil {
			b.Fatal(err)
		}
		n = len(doc)
	}
	b.SetBytes(int64(n))
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
}
