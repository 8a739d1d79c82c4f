package takedown_test

import (
	"testing"

	"github.com/mnr-sdk/mnr/takedown"
	"github.com/mnr-sdk/mnr/takedown/storetest"
)

func TestMemStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) takedown.Store {
		s := takedown.NewMemStore()
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestDefaultPolicyValidates(t *testing.T) {
	if err := takedown.DefaultPolicy().Validate(); err != nil {
		t.Fatal(err)
	}
}
