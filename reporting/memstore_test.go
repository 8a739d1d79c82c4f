package reporting_test

import (
	"testing"

	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/storetest"
)

func TestMemStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) reporting.Store { return reporting.NewMemStore() })
}
