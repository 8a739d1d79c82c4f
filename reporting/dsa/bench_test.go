package dsa_test

import (
	"testing"

	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/dsa"
)

// BenchmarkEncodeValidate measures Report.Validate plus the database's rules and
// the statement's JSON, per statement.
func BenchmarkEncodeValidate(b *testing.B) {
	for _, tc := range []struct {
		name string
		r    *reporting.Report
	}{
		{"illegal", removal("case-1")},
		{"incompatible", incompatible("case-2")},
	} {
		b.Run(tc.name, func(b *testing.B) {
			a := dsa.New(nil)
			b.ReportAllocs()
			var n int
			for b.Loop() {
				if err := reporting.Blocking(reporting.ValidateFor(a, tc.r)); err != nil {
					b.Fatal(err)
				}
				doc, err := a.Encode(tc.r)
				if err != nil {
					b.Fatal(err)
				}
				n = len(doc)
			}
			b.SetBytes(int64(n))
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
		})
	}
}
