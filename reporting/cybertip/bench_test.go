package cybertip_test

import (
	"testing"

	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/cybertip"
)

// BenchmarkEncodeValidate measures what a platform pays per report before any
// network call: Report.Validate plus the CyberTipline rules, the <report>
// document and each file's <fileDetails>.
func BenchmarkEncodeValidate(b *testing.B) {
	for _, tc := range []struct {
		name string
		r    *reporting.Report
	}{
		{"minimal", minimalReport("r-minimal")},
		{"full", fullReport("r-full", nil)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			a := cybertip.New(&cybertip.Options{IndustryClassification: true})
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
				for i, it := range tc.r.Content {
					if it.Source == "" {
						continue
					}
					d, err := a.EncodeFileDetails(tc.r, i, "100001", "f")
					if err != nil {
						b.Fatal(err)
					}
					n += len(d)
				}
			}
			b.SetBytes(int64(n))
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
		})
	}
}
