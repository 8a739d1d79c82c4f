package pgstore_test

import (
	"context"
	"testing"

	"github.com/mnr-sdk/mnr/internal/pgtest"
	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/pgstore"
	"github.com/mnr-sdk/mnr/reporting/storetest"
)

// BenchmarkStore runs storetest.Bench against the test PostgreSQL server.
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) reporting.Store {
		s, err := pgstore.Open(context.Background(), pgtest.Database(b), nil)
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}
