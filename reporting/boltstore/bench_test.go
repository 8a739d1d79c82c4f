package boltstore_test

import (
	"path/filepath"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/boltstore"
	"github.com/mnr-sdk/mnr/reporting/storetest"
)

// BenchmarkStore runs storetest.Bench over a bbolt file opened with NoSync, to
// measure the store's own work rather than the disk's fsync (which adds the
// same per transaction, whatever the store writes).
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) reporting.Store {
		db, err := bbolt.Open(filepath.Join(b.TempDir(), "bench.db"), 0o600, &bbolt.Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		s, err := boltstore.New(db, nil)
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}

// BenchmarkStoreSync runs storetest.Bench over a bbolt file as Open makes it:
// every commit fsyncs.
func BenchmarkStoreSync(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) reporting.Store {
		s, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}
