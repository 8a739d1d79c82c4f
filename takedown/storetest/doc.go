// Package storetest is the conformance suite for takedown.Store implementations.
//
// Every store runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) takedown.Store { return openMyStore(t) })
//	}
//
// newStore must return a new, empty store each time it is called and arrange for it to
// be closed (t.Cleanup). The suite checks atomic writes, optimistic versions,
// idempotency keys, ordering, the audit journal, timer leases and completions, and
// concurrent claims from several workers and several engines (no timer may ever fire
// twice). Subtests run sequentially.
//
// # Concurrency
//
// The suite itself runs subtests one after another; several of them start goroutines
// (claims from four workers, two engines ticking at once, concurrent records on one
// case) to exercise the store's own concurrency.
package storetest
