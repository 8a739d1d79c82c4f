package dsa_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mnr-sdk/mnr/internal/agencytest"
	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/dsa"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// removal is a CSAM removal after a hash match: the illegal-content ground.
func removal(id string) *reporting.Report {
	return &reporting.Report{
		ID:       id,
		Reporter: reporting.Reporter{Platform: "Example Photos"},
		Incident: reporting.Incident{Code: "csam", Time: time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)},
		Content: []reporting.ContentItem{{
			ContentType: "image/jpeg", SHA256: strings.Repeat("ab", 32),
			UploadedAt: time.Date(2026, 3, 9, 23, 30, 0, 0, time.FixedZone("CET", 3600)),
		}},
		Decision: &reporting.Decision{
			Visibility:         []string{reporting.VisibilityRemoved},
			Account:            reporting.AccountTerminated,
			Ground:             reporting.GroundIllegal,
			LegalGround:        "Art. 5 Directive 2011/93/EU; national implementing law",
			Explanation:        "The image matched a verified hash of child sexual abuse material.",
			GroundURL:          "https://eur-lex.europa.eu/eli/dir/2011/93/oj",
			Facts:              "Detected by hash matching against a verified list and confirmed by trained staff.",
			Source:             reporting.SourceVoluntary,
			AutomatedDetection: true,
			Automation:         reporting.AutomationPartially,
			AppliedAt:          time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC),
			TerritorialScope:   []string{"DE", "FR", "NO"},
			Language:           "EN",
		},
	}
}

// incompatible is a terms-of-service decision on AI-generated material reported by
// a trusted flagger.
func incompatible(id string) *reporting.Report {
	r := removal(id)
	r.Incident.Code = "csam.ai_generated"
	r.Content[0].Codes = []string{"csam.ai_generated"}
	r.Decision = &reporting.Decision{
		Visibility:        []string{reporting.VisibilityDisabled, reporting.VisibilityOther},
		VisibilityOther:   "Hashed and blocked from re-upload",
		Provision:         dsa.ProvisionPartialSuspension,
		Ground:            reporting.GroundIncompatible,
		ContractualGround: "Community Guidelines, section 3 (child safety)",
		Explanation:       "Synthetic sexual imagery of minors is prohibited by our terms.",
		Facts:             "A trusted flagger notified the content; staff reviewed it.",
		Source:            reporting.SourceTrustedFlagger,
		SourceIdentity:    "Example Hotline",
		Automation:        reporting.AutomationNone,
		AppliedAt:         time.Date(2026, 3, 11, 12, 0, 0, 0, time.UTC),
		Until:             time.Date(2026, 9, 11, 12, 0, 0, 0, time.UTC),
		TerritorialScope:  []string{"IE"},
	}
	r.Extra = map[string]string{dsa.ExtraIncompatibleIllegal: "Yes"}
	return r
}

// trafficking maps to the Violence category with Protection of minors added.
func trafficking(id string) *reporting.Report {
	r := removal(id)
	r.Incident.Code = "trafficking"
	r.Content[0].ContentType = "text/plain"
	return r
}

// sextortion maps only approximately: the keywords come with an explanation in
// category_specification_other.
func sextortion(id string) *reporting.Report {
	r := removal(id)
	r.Incident.Code = "sextortion.financial"
	r.Content = []reporting.ContentItem{{ContentType: "text/plain", SHA256: strings.Repeat("cd", 32)}}
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, got, "", "  "); err != nil {
			t.Fatal(err)
		}
		pretty.WriteByte('\n')
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, compact.Bytes()) {
		t.Errorf("%s differs from the golden file; got:\n%s", name, got)
	}
}

// keys returns the object's keys in wire order.
func keys(t *testing.T, doc []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var out []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestGoldenStatements(t *testing.T) {
	a := dsa.New(nil)
	cases := []struct {
		name   string
		report *reporting.Report
		keys   []string
		want   map[string]any
	}{
		{
			name: "illegal.json", report: removal("case-1"),
			keys: []string{"decision_visibility", "decision_account", "decision_ground", "decision_ground_reference_url",
				"illegal_content_legal_ground", "illegal_content_explanation", "content_type", "category",
				"category_specification", "territorial_scope", "content_language", "content_date", "application_date",
				"decision_facts", "source_type", "automated_detection", "automated_decision", "puid"},
			want: map[string]any{
				"decision_visibility":    []any{"DECISION_VISIBILITY_CONTENT_REMOVED"},
				"decision_account":       "DECISION_ACCOUNT_TERMINATED",
				"decision_ground":        "DECISION_GROUND_ILLEGAL_CONTENT",
				"content_type":           []any{"CONTENT_TYPE_IMAGE"},
				"category":               "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
				"category_specification": []any{"KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"},
				"territorial_scope":      []any{"DE", "FR", "NO"},
				"content_date":           "2026-03-09", // 23:30 CET is 22:30 UTC
				"application_date":       "2026-03-10",
				"source_type":            "SOURCE_VOLUNTARY",
				"automated_detection":    "Yes",
				"automated_decision":     "AUTOMATED_DECISION_PARTIALLY",
				"puid":                   "case-1",
			},
		},
		{
			name: "incompatible.json", report: incompatible("case-2"),
			keys: []string{"decision_visibility", "decision_visibility_other", "decision_provision", "decision_ground",
				"incompatible_content_ground", "incompatible_content_explanation", "incompatible_content_illegal",
				"content_type", "category", "category_specification", "territorial_scope", "content_date",
				"application_date", "end_date_service_restriction", "end_date_visibility_restriction", "decision_facts",
				"source_type", "source_identity", "automated_detection", "automated_decision", "puid"},
			want: map[string]any{
				"decision_visibility":          []any{"DECISION_VISIBILITY_CONTENT_DISABLED", "DECISION_VISIBILITY_OTHER"},
				"decision_provision":           "DECISION_PROVISION_PARTIAL_SUSPENSION",
				"decision_ground":              "DECISION_GROUND_INCOMPATIBLE_CONTENT",
				"incompatible_content_illegal": "Yes",
				"content_type":                 []any{"CONTENT_TYPE_IMAGE", "CONTENT_TYPE_SYNTHETIC_MEDIA"},
				"category_specification":       []any{"KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE"},
				"source_type":                  "SOURCE_TRUSTED_FLAGGER",
				"source_identity":              "Example Hotline",
				"automated_detection":          "No",
				"automated_decision":           "AUTOMATED_DECISION_NOT_AUTOMATED",
				"end_date_service_restriction": "2026-09-11",
			},
		},
		{
			name: "trafficking.json", report: trafficking("case-3"),
			want: map[string]any{
				"category":               "STATEMENT_CATEGORY_VIOLENCE",
				"category_addition":      []any{"STATEMENT_CATEGORY_PROTECTION_OF_MINORS"},
				"category_specification": []any{"KEYWORD_HUMAN_TRAFFICKING"},
				"content_type":           []any{"CONTENT_TYPE_TEXT"},
			},
		},
		{
			name: "sextortion.json", report: sextortion("case-4"),
			want: map[string]any{
				"category":                     "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
				"category_specification":       []any{"KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS", "KEYWORD_OTHER"},
				"category_specification_other": "Financially motivated sexual extortion of children",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := reporting.Blocking(reporting.ValidateFor(a, tc.report)); err != nil {
				t.Fatalf("fixture does not validate: %v", err)
			}
			doc, err := a.Encode(tc.report)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, doc)
			// The fake's tables were written from the database's validator
			// independently of the encoder.
			if errs := agencytest.ValidateDSAStatement(doc); errs != nil {
				t.Errorf("the fake database refuses it: %v", errs)
			}
			if tc.keys != nil {
				if got := keys(t, doc); !slices.Equal(got, tc.keys) {
					t.Errorf("fields:\n got %q\nwant %q", got, tc.keys)
				}
			}
			var m map[string]any
			if err := json.Unmarshal(doc, &m); err != nil {
				t.Fatal(err)
			}
			for k, want := range tc.want {
				g, _ := json.Marshal(m[k])
				w, _ := json.Marshal(want)
				if !bytes.Equal(g, w) {
					t.Errorf("%s: got %s, want %s", k, g, w)
				}
			}
			// Per decision ground, exactly the ground's own fields are present.
			ground := m["decision_ground"]
			for _, f := range []string{"illegal_content_legal_ground", "illegal_content_explanation"} {
				if _, ok := m[f]; ok != (ground == "DECISION_GROUND_ILLEGAL_CONTENT") {
					t.Errorf("%s present=%v with %v", f, ok, ground)
				}
			}
			for _, f := range []string{"incompatible_content_ground", "incompatible_content_explanation"} {
				if _, ok := m[f]; ok != (ground == "DECISION_GROUND_INCOMPATIBLE_CONTENT") {
					t.Errorf("%s present=%v with %v", f, ok, ground)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	a := dsa.New(nil)
	cases := []struct {
		name  string
		edit  func(r *reporting.Report)
		path  string
		words string
	}{
		{"no decision", func(r *reporting.Report) { r.Decision = nil }, "decision", "required"},
		{"illegal without legal ground", func(r *reporting.Report) { r.Decision.LegalGround = "" }, "decision.legalGround", "required"},
		{"incompatible without contractual ground", func(r *reporting.Report) {
			r.Decision.Ground = reporting.GroundIncompatible
		}, "decision.contractualGround", "required"},
		{"puid with a colon", func(r *reporting.Report) { r.ID = "case:1" }, "id", "puid"},
		{"puid override", func(r *reporting.Report) { r.ID = "case:1"; r.Extra = map[string]string{dsa.ExtraPUID: "case-1"} }, "", ""},
		{"non-consensual keyword", func(r *reporting.Report) {
			r.Extra = map[string]string{dsa.ExtraKeywords: "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING"}
		}, "extra[dsa.keywords]", "excludes content depicting minors"},
		{"keyword outside its category", func(r *reporting.Report) {
			r.Extra = map[string]string{dsa.ExtraCategory: "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", dsa.ExtraKeywords: "KEYWORD_HUMAN_TRAFFICKING", dsa.ExtraCategoryAddition: ""}
		}, "extra[dsa.keywords]", "neither the category nor an addition"},
		{"keyword with its category added", func(r *reporting.Report) {
			r.Extra = map[string]string{dsa.ExtraCategory: "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", dsa.ExtraKeywords: "KEYWORD_HUMAN_TRAFFICKING,KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL", dsa.ExtraCategoryAddition: "STATEMENT_CATEGORY_VIOLENCE"}
		}, "", ""},
		{"legacy keyword", func(r *reporting.Report) {
			r.Extra = map[string]string{dsa.ExtraKeywords: "KEYWORD_DISINFORMATION"}
		}, "extra[dsa.keywords]", ""},
		{"legacy category", func(r *reporting.Report) {
			r.Extra = map[string]string{dsa.ExtraCategory: "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT"}
		}, "extra[dsa.category]", ""},
		{"no content type", func(r *reporting.Report) { r.Content[0].ContentType = "" }, "content", "content type"},
		{"territory outside the EU", func(r *reporting.Report) { r.Decision.TerritorialScope = []string{"GB"} }, "decision.territorialScope[0]", "EU or EEA"},
		{"visibility other without text", func(r *reporting.Report) {
			r.Decision.Visibility = []string{reporting.VisibilityOther}
		}, "decision.visibilityOther", "required"},
		{"monetary other without text", func(r *reporting.Report) { r.Decision.Monetary = dsa.MonetaryOther }, "extra[dsa.monetaryOther]", "required"},
		{"content date before 2000", func(r *reporting.Report) {
			r.Content[0].UploadedAt = time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)
		}, "incident.time", "2000-01-01"},
		{"no automation", func(r *reporting.Report) { r.Decision.Automation = "" }, "decision.automation", "required"},
		{"incompatible-illegal with illegal ground", func(r *reporting.Report) {
			r.Extra = map[string]string{dsa.ExtraIncompatibleIllegal: "Yes"}
		}, "extra[dsa.incompatibleContentIllegal]", "only"},
		{"unmappable code", func(r *reporting.Report) { r.Incident.Code = "actor.child" }, "incident.code", "no DSA category"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := removal("case-1")
			tc.edit(r)
			probs := reporting.Problems(reporting.Blocking(a.Validate(r)))
			if tc.path == "" {
				if len(probs) != 0 {
					t.Fatalf("want no problems, got %v", probs)
				}
				return
			}
			for _, p := range probs {
				if p.Path == tc.path && strings.Contains(p.Problem, tc.words) {
					return
				}
			}
			t.Fatalf("want a problem at %s containing %q, got %v", tc.path, tc.words, probs)
		})
	}
}
