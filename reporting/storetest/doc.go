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
// one of several concurrent updates of a version wins. Receipts are append-only:
// Update appends the new ones in order (hundreds of saves, and receipts of
// submissions whose IDs share a prefix, come back intact from Get, List and
// Claim), never rewrites a stored one, and refuses a submission holding fewer
// receipts than are stored (ErrConflict).
//
// [Bench] holds benchmarks every store can run: saves to a submission with 1 to
// 1000 receipts (a store that rewrites every receipt on each save slows down as
// they accumulate) and concurrent saves.
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
// Fixtures are small (tens of submissions, one of 300 saves) so the suite runs
// in about a second on the embedded stores.
package storetest
