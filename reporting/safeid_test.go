package reporting

import (
	"strings"
	"testing"
)

func TestSafeIDKeepsSubmissionIDs(t *testing.T) {
	id := SubmissionID(AgencyCyberTip, "case-01a2")
	if got := safeID(id); got != id {
		t.Errorf("safeID(%q) = %q; submission IDs must stay readable in logs", id, got)
	}
	for _, s := range []string{"alice@example.com", "a b", "x\ny", strings.Repeat("a", maxIDLen+1)} {
		if got := safeID(s); !strings.HasPrefix(got, "<redacted:") {
			t.Errorf("safeID(%q) = %q, want it redacted", s, got)
		}
	}
}
