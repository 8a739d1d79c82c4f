// Package storetest is the conformance suite for reporting.Store
// implementations. Every store (reporting.MemStore, reporting/boltstore,
// reporting/pgstore) runs it:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) reporting.Store { return openStoreForTest(t) })
//	}
//
// # Model
//
// newStore must return an empty store; the suite closes it. The tests cover
// round trips (every field, binary receipts over 1 MB), ErrExists, ErrNotFound,
// versioned updates and ErrConflict, which submissions Claim returns and in what
// order, lease exclusion and expiry, the due index following updates, listing
// and paging, and races: concurrent claimers never share a submission and only
// one of several concurrent updates of a version wins.
//
// # Concurrency
//
// Tests within Run are sequential; some start goroutines against one store.
//
// # Errors
//
// Failures are reported through testing.T.
//
// # Limits
//
// Fixtures are small (tens of submissions) so the suite runs in well under a
// second on the embedded stores.
package storetest
