package agencytest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func validStatement(puid string) map[string]any {
	return map[string]any{
		"decision_visibility":          []string{"DECISION_VISIBILITY_CONTENT_REMOVED"},
		"decision_ground":              "DECISION_GROUND_ILLEGAL_CONTENT",
		"illegal_content_legal_ground": "Art. 5 Directive 2011/93/EU",
		"illegal_content_explanation":  "Matched a verified hash.",
		"content_type":                 []string{"CONTENT_TYPE_IMAGE"},
		"category":                     "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
		"category_specification":       []string{"KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"},
		"content_date":                 "2026-03-09",
		"application_date":             "2026-03-10",
		"decision_facts":               "Detected by hash matching.",
		"source_type":                  "SOURCE_VOLUNTARY",
		"automated_detection":          "Yes",
		"automated_decision":           "AUTOMATED_DECISION_PARTIALLY",
		"puid":                         puid,
	}
}

type dsaAnswer struct {
	status int
	body   map[string]json.RawMessage
	raw    string
	reqID  string
}

func dsaDo(t *testing.T, d *DSA, token, method, path string, body any) dsaAnswer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, d.URL()+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(raw, &m)
	return dsaAnswer{status: resp.StatusCode, body: m, raw: string(raw), reqID: resp.Header.Get("Request-ID")}
}

func TestDSAStatementRules(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(m map[string]any)
		field string
	}{
		{"valid", func(map[string]any) {}, ""},
		{"no decision", func(m map[string]any) { delete(m, "decision_visibility") }, "decision_visibility"},
		{"label instead of constant", func(m map[string]any) { m["category"] = "Protection of minors" }, "category"},
		{"boolean detection", func(m map[string]any) { m["automated_detection"] = true }, "automated_detection"},
		{"scalar content type", func(m map[string]any) { m["content_type"] = "CONTENT_TYPE_IMAGE" }, "content_type"},
		{"illegal without explanation", func(m map[string]any) { delete(m, "illegal_content_explanation") }, "illegal_content_explanation"},
		{"incompatible ground fields with illegal ground", func(m map[string]any) { m["incompatible_content_ground"] = "ToS" }, "incompatible_content_ground"},
		{"incompatible without its fields", func(m map[string]any) {
			m["decision_ground"] = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
			delete(m, "illegal_content_legal_ground")
			delete(m, "illegal_content_explanation")
		}, "incompatible_content_ground"},
		{"content type other without text", func(m map[string]any) { m["content_type"] = []string{"CONTENT_TYPE_OTHER"} }, "content_type_other"},
		{"bad puid", func(m map[string]any) { m["puid"] = "a:b" }, "puid"},
		{"date format", func(m map[string]any) { m["content_date"] = "2026-3-9" }, "content_date"},
		{"date range", func(m map[string]any) { m["application_date"] = "2019-12-31" }, "application_date"},
		{"territory", func(m map[string]any) { m["territorial_scope"] = []string{"GB"} }, "territorial_scope"},
		{"unknown field", func(m map[string]any) { m["url"] = "https://example.com" }, "url"},
		{"source identity with voluntary", func(m map[string]any) { m["source_identity"] = "x" }, "source_identity"},
		{"legacy keyword", func(m map[string]any) { m["category_specification"] = []string{"KEYWORD_DISINFORMATION"} }, "category_specification"},
		{"ean", func(m map[string]any) { m["content_id"] = map[string]string{"EAN-13": "123"} }, "content_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := validStatement("p-1")
			tc.edit(m)
			b, _ := json.Marshal(m)
			errs := ValidateDSAStatement(b)
			if tc.field == "" {
				if errs != nil {
					t.Fatalf("refused: %v", errs)
				}
				return
			}
			if errs[tc.field] == nil {
				t.Fatalf("want an error on %s, got %v", tc.field, errs)
			}
			for _, msgs := range errs {
				for _, msg := range msgs {
					if strings.Contains(msg, "Protection of minors") || strings.Contains(msg, "a:b") {
						t.Errorf("message echoes a value: %q", msg)
					}
				}
			}
		})
	}
	if n := len(DSAKeywords); n != 69 {
		t.Errorf("%d keywords, want the 69 at HEAD", n)
	}
	if n := len(DSACategories); n != 16 {
		t.Errorf("%d categories, want 16", n)
	}
}

func TestDSAEndpoints(t *testing.T) {
	d := NewDSA(nil)
	defer d.Close()
	tok := d.Token()
	if a := dsaDo(t, d, "stale", "POST", "/api/v1/statement", validStatement("p-1")); a.status != 401 {
		t.Fatalf("bad token: %d", a.status)
	}
	a := dsaDo(t, d, tok, "POST", "/api/v1/statement", validStatement("p-1"))
	var uuid string
	_ = json.Unmarshal(a.body["uuid"], &uuid)
	if a.status != 201 || uuid == "" || a.reqID == "" {
		t.Fatalf("create: %d %s", a.status, a.raw)
	}
	if !strings.HasPrefix(a.raw, `{"id":1,"uuid":"`) {
		t.Errorf("id and uuid do not lead the answer: %.60s", a.raw)
	}
	dup := dsaDo(t, d, tok, "POST", "/api/v1/statement", validStatement("p-1"))
	var msg string
	_ = json.Unmarshal(dup.body["message"], &msg)
	if dup.status != 422 || msg != DSADuplicateMessage || !strings.Contains(string(dup.body["existing"]), uuid) {
		t.Fatalf("duplicate: %d %s", dup.status, dup.raw)
	}
	if d.DuplicateAttempts()["p-1"] != 1 || d.Count() != 1 {
		t.Errorf("duplicates %v count %d", d.DuplicateAttempts(), d.Count())
	}
	if a := dsaDo(t, d, tok, "GET", "/api/v1/statement/existing-puid/p-1", nil); a.status != 302 || !strings.Contains(a.raw, uuid) {
		t.Errorf("existing puid: %d %s", a.status, a.raw)
	}
	if a := dsaDo(t, d, tok, "GET", "/api/v1/statement/existing-puid/p-2", nil); a.status != 404 {
		t.Errorf("missing puid: %d", a.status)
	}
	if a := dsaDo(t, d, tok, "GET", "/api/v1/statement/"+uuid, nil); a.status != 200 || strings.Contains(a.raw, `"puid"`) {
		t.Errorf("show: %d %s", a.status, a.raw)
	}
}

func TestDSABatch(t *testing.T) {
	d := NewDSA(nil)
	defer d.Close()
	tok := d.Token()
	batch := func(puids ...string) []map[string]any {
		var out []map[string]any
		for _, p := range puids {
			out = append(out, validStatement(p))
		}
		return out
	}
	// One bad statement: nothing is created, errors keyed statement_<i>.
	b := batch("b-0", "b-1", "b-2")
	delete(b[1], "decision_facts")
	a := dsaDo(t, d, tok, "POST", "/api/v1/statements", map[string]any{"statements": b})
	if a.status != 422 || !strings.Contains(string(a.body["errors"]), `"statement_1":{"decision_facts"`) || d.Count() != 0 {
		t.Fatalf("bad batch: %d %s, stored %d", a.status, a.raw, d.Count())
	}
	a = dsaDo(t, d, tok, "POST", "/api/v1/statements", map[string]any{"statements": batch("b-0", "b-1")})
	if a.status != 201 || d.Count() != 2 {
		t.Fatalf("batch: %d %s", a.status, a.raw)
	}
	// Existing puids: nothing created, they are listed.
	a = dsaDo(t, d, tok, "POST", "/api/v1/statements", map[string]any{"statements": batch("b-1", "b-3")})
	if a.status != 422 || !strings.Contains(string(a.body["errors"]), `"existing_puids":["b-1"]`) || d.Count() != 2 {
		t.Fatalf("existing: %d %s", a.status, a.raw)
	}
	if a := dsaDo(t, d, tok, "POST", "/api/v1/statements", map[string]any{"statements": batch("c", "c")}); a.status != 422 || !strings.Contains(a.raw, DSABatchDuplicateMessage) {
		t.Errorf("duplicate within a call: %d %s", a.status, a.raw)
	}
	var many []map[string]any
	for i := range 101 {
		many = append(many, validStatement(fmt.Sprintf("m-%d", i)))
	}
	if a := dsaDo(t, d, tok, "POST", "/api/v1/statements", map[string]any{"statements": many}); a.status != 422 {
		t.Errorf("101 statements: %d", a.status)
	}
	if a := dsaDo(t, d, tok, "POST", "/api/v1/statements", map[string]any{"statements": []any{}}); a.status != 422 {
		t.Errorf("no statements: %d", a.status)
	}
}

func TestDSARateLimitBody(t *testing.T) {
	d := NewDSA(&DSAOptions{RetryAfter: time.Second})
	defer d.Close()
	d.Faults().Script("/api/v1/statement", FaultRateLimit)
	a := dsaDo(t, d, d.Token(), "POST", "/api/v1/statement", validStatement("r"))
	if a.status != 429 || a.raw != DSARateLimitBody {
		t.Fatalf("got %d %q", a.status, a.raw)
	}
}

func TestNCAFake(t *testing.T) {
	n := NewNCA(nil)
	defer n.Close()
	post := func(body map[string]any) (int, string) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", n.URL()+"/v1/reports", strings.NewReader(string(b)))
		req.Header.Set("Authorization", "Bearer "+n.Token())
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	ok := map[string]any{
		"platform_reference": "k-1", "priority": 1,
		"reporting_person": map[string]any{"name": "A B", "email": "a@example.com"},
		"incident":         map[string]any{"code": "csam", "time": "2026-01-01T00:00:00Z"},
		"declaration":      map[string]any{"text": "true"},
	}
	if code, raw := post(map[string]any{"priority": 4}); code != 422 || !strings.Contains(raw, "reporting_person.email") || !strings.Contains(raw, "1, 2 or 3") {
		t.Errorf("invalid: %d %s", code, raw)
	}
	code, raw := post(ok)
	if code != 201 || !strings.Contains(raw, `"reference":"NCA-`) {
		t.Fatalf("create: %d %s", code, raw)
	}
	var created map[string]string
	_ = json.Unmarshal([]byte(raw), &created)
	if code, raw2 := post(ok); code != 409 || created["reference"] == "" || !strings.Contains(raw2, created["reference"]) {
		t.Errorf("duplicate: %d %s", code, raw2)
	}
	if len(n.Reports()) != 1 || n.DuplicateAttempts()["k-1"] != 1 {
		t.Errorf("reports %d duplicates %v", len(n.Reports()), n.DuplicateAttempts())
	}
}
