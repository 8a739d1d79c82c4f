package reporting_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/boltstore"
)

// benchReport is validReport with n content items.
func benchReport(n int) *reporting.Report {
	r := validReport()
	item := r.Content[0]
	r.Content = r.Content[:0]
	for i := range n {
		it := item
		it.SHA256 = fmt.Sprintf("%064x", i+1)
		it.MD5 = fmt.Sprintf("%032x", i+1)
		it.Source = fmt.Sprintf("vault:%d", i)
		r.Content = append(r.Content, it)
	}
	r.Narrative = "Uploaded to a public album; the account shared it in three groups before it was removed."
	return r
}

// BenchmarkValidate measures Report.ValidateAt, reporting reports/s.
func BenchmarkValidate(b *testing.B) {
	for _, agency := range []string{"", reporting.AgencyCyberTip, reporting.AgencyDSA, reporting.AgencyNCA} {
		for _, n := range []int{1, 10, 100} {
			name := agency
			if name == "" {
				name = "common"
			}
			b.Run(fmt.Sprintf("%s/items=%d", name, n), func(b *testing.B) {
				r := benchReport(n)
				if err := r.ValidateAt(agency, now); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := r.ValidateAt(agency, now); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
			})
		}
	}
}

// BenchmarkDecodeReport measures the stored-form decoder.
func BenchmarkDecodeReport(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			data, err := reporting.EncodeReport(benchReport(n))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := reporting.DecodeReport(data, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
		})
	}
}

// BenchmarkEnqueue measures accepting a report (validate, encode, durable store).
func BenchmarkEnqueue(b *testing.B) {
	stores := map[string]func(b *testing.B) reporting.Store{
		"mem": func(*testing.B) reporting.Store { return reporting.NewMemStore() },
		"bolt": func(b *testing.B) reporting.Store {
			s, err := boltstore.Open(filepath.Join(b.TempDir(), "outbox.db"), nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		},
	}
	for _, name := range []string{"mem", "bolt"} {
		b.Run(name, func(b *testing.B) {
			srv := startRelay()
			defer srv.Close()
			ob, err := buildOutbox(srv.URL, stores[name](b), &relayAgency{}, &fakeClock{t: now}, memFiles{}, nil)
			if err != nil {
				b.Fatal(err)
			}
			r := benchReport(3)
			ctx := context.Background()
			i := 0
			for b.Loop() {
				r.ID = fmt.Sprintf("R%d", i)
				i++
				if _, err := ob.Enqueue(ctx, "relay", r, reporting.EnqueueOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
		})
	}
}
