package dsa

import (
	"testing"
)

// FuzzParseAnswer feeds the Transparency Database answer parser arbitrary bytes,
// whole or truncated as reporting.APIError keeps them: it must never panic, and a
// uuid it returns must look like one.
func FuzzParseAnswer(f *testing.F) {
	f.Add([]byte(`{"id":1,"uuid":"0b7a6c1e-1111-2222-3333-444455556666","puid":"p"}`))
	f.Add([]byte(`{"message":"The identifier given is not unique within this platform.","errors":{"puid":["The identifier given is not unique within this platform."]},"existing":{"id":1,"uuid":"0b7a6c1e-1111-2222-3333-444455556666","decision_gr`))
	f.Add([]byte(`{"errors":{"statement_3":{"decision_facts":["The decision facts field is required."]}}}`))
	f.Add([]byte(`{"message":"x","errors":{"puid":["x"],"existing_puids":["a","b"]}}`))
	f.Add([]byte(`{"statements":[{"uuid":"0b7a6c1e-1111-2222-3333-444455556666","puid":"a"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := parseAnswer(body)
		if err != nil {
			return
		}
		if a.UUID != "" && !validUUID(a.UUID) {
			t.Fatalf("uuid %q accepted", a.UUID)
		}
		for i := range a.StatementErrors {
			if i < 0 || i >= MaxBatch {
				t.Fatalf("statement index %d out of range", i)
			}
		}
	})
}

func TestParseAnswerTruncated(t *testing.T) {
	body := `{"message":"The identifier given is not unique within this platform.","errors":{"puid":["The identifier given is not unique within this platform."]},"existing":{"id":7,"uuid":"0b7a6c1e-1111-2222-3333-444455556666","decision_visibility":["DECISION_VIS`
	a, err := parseAnswer([]byte(body))
	if err != nil || !a.Duplicate || a.UUID != "0b7a6c1e-1111-2222-3333-444455556666" || a.Complete {
		t.Fatalf("got %+v, %v", a, err)
	}
	a, _ = parseAnswer([]byte(`{"errors":{"statement_3":{"decision_facts":["required"]},"statement_x":{}}}`))
	if len(a.StatementErrors) != 1 || a.StatementErrors[3]["decision_facts"] == nil {
		t.Fatalf("statement errors: %+v", a.StatementErrors)
	}
}
