package cybertip_test

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mnr-sdk/mnr/internal/agencytest"
	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/cybertip"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// node is a parsed element for field-by-field checks.
type node struct {
	name     string
	attrs    map[string]string
	text     string
	children []*node
}

func parseTree(t *testing.T, doc []byte) *node {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch e := tok.(type) {
		case xml.StartElement:
			n := &node{name: e.Name.Local, attrs: map[string]string{}}
			for _, a := range e.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(e)
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if root == nil {
		t.Fatal("no root element")
	}
	return root
}

// find returns the nodes at a slash path below root ("incidentSummary/platform").
// A segment "name[i]" picks the i-th match.
func (n *node) find(path string) []*node {
	cur := []*node{n}
	if path == "" {
		return cur
	}
	for _, seg := range strings.Split(path, "/") {
		name, idx := seg, -1
		if i := strings.IndexByte(seg, '['); i > 0 {
			name = seg[:i]
			idx = int(seg[i+1] - '0')
		}
		var next []*node
		for _, c := range cur {
			var m []*node
			for _, ch := range c.children {
				if ch.name == name {
					m = append(m, ch)
				}
			}
			if idx >= 0 {
				if idx < len(m) {
					next = append(next, m[idx])
				}
			} else {
				next = append(next, m...)
			}
		}
		cur = next
	}
	return cur
}

func (n *node) texts(path string) []string {
	var out []string
	for _, m := range n.find(path) {
		out = append(out, strings.TrimSpace(m.text))
	}
	return out
}

func (n *node) childNames(path string) []string {
	var out []string
	for _, m := range n.find(path) {
		for _, c := range m.children {
			out = append(out, c.name)
		}
	}
	return out
}

// check is one field of a golden document and its expected value(s).
type check struct {
	path string
	want []string
	kind string // "" text values, "children" child element names, "attr:NAME", "contains"
}

func runChecks(t *testing.T, root *node, checks []check) {
	t.Helper()
	for _, c := range checks {
		var got []string
		switch {
		case c.kind == "children":
			got = root.childNames(c.path)
		case strings.HasPrefix(c.kind, "attr:"):
			for _, m := range root.find(c.path) {
				if v, ok := m.attrs[strings.TrimPrefix(c.kind, "attr:")]; ok {
					got = append(got, v)
				}
			}
		case c.kind == "contains":
			vals := root.texts(c.path)
			if len(vals) != 1 || !strings.Contains(vals[0], c.want[0]) {
				t.Errorf("%s: got %q, want one value containing %q", c.path, vals, c.want[0])
			}
			continue
		default:
			got = root.texts(c.path)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s (%s): got %q, want %q", c.path, c.kind, got, c.want)
		}
	}
}

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; got:\n%s", name, got)
	}
}

func goldenAgency() *cybertip.Agency {
	return cybertip.New(&cybertip.Options{
		Now:                    func() time.Time { return fixedNow },
		IndustryClassification: true,
		TermsOfService:         "https://example.com/terms",
	})
}

func TestGoldenReports(t *testing.T) {
	a := goldenAgency()
	cases := []struct {
		name   string
		report *reporting.Report
		checks []check
	}{
		{
			name:   "minimal.xml",
			report: minimalReport("r-minimal"),
			checks: []check{
				{path: "", kind: "children", want: []string{"incidentSummary", "internetDetails", "reporter", "additionalInfo"}},
				{path: "incidentSummary/incidentType", want: []string{"Child Pornography (possession, manufacture, and distribution)"}},
				{path: "incidentSummary/incidentDateTime", want: []string{"2026-03-14T10:00:00Z"}},
				{path: "internetDetails/webPageIncident/url", want: []string{"https://media.example.com/p/1"}},
				{path: "reporter/reportingPerson/email", want: []string{"safety@example.com"}},
				{path: "reporter/termsOfService", want: []string{"https://example.com/terms"}},
				{path: "additionalInfo", want: []string{"ESP report reference: r-minimal"}},
			},
		},
		{
			name:   "full.xml",
			report: fullReport("r-full", nil),
			checks: []check{
				{path: "", kind: "children", want: []string{"incidentSummary", "internetDetails", "internetDetails", "lawEnforcement", "reporter", "personOrUserReported", "victim", "additionalInfo"}},
				{path: "incidentSummary", kind: "children", want: []string{"incidentType", "platform", "escalateToHighPriority", "reportAnnotations", "incidentDateTime", "incidentDateTimeDescription"}},
				{path: "incidentSummary/incidentType", want: []string{"Online Enticement of Children for Sexual Acts"}},
				{path: "incidentSummary/platform", want: []string{"Example Chat"}},
				{path: "incidentSummary/escalateToHighPriority", want: []string{"The child said they would harm themselves tonight."}},
				{path: "incidentSummary/reportAnnotations", kind: "children", want: []string{"sextortion", "csamSolicitation", "minorToMinorInteraction"}},
				{path: "incidentSummary/reportAnnotations/sextortion", want: []string{""}},
				{path: "incidentSummary/incidentDateTime", want: []string{"2026-03-13T22:30:00-08:00"}},
				{path: "internetDetails[0]/chatImIncident/chatClient", want: []string{"Example Chat for Android"}},
				{path: "internetDetails[0]/chatImIncident/additionalInfo", want: []string{"direct messages"}},
				{path: "internetDetails[1]/webPageIncident/url", want: []string{"https://example.com/messages/t/9", "https://thirdparty.example.net/x/1.jpg"}},
				{path: "lawEnforcement", kind: "children", want: []string{"agencyName", "caseNumber", "reportedToLe", "servedLegalProcessDomestic"}},
				{path: "lawEnforcement/reportedToLe", want: []string{"true"}},
				{path: "lawEnforcement/servedLegalProcessDomestic", want: []string{"false"}},
				{path: "reporter", kind: "children", want: []string{"reportingPerson", "companyTemplate", "termsOfService", "legalURL"}},
				{path: "reporter/reportingPerson", kind: "children", want: []string{"firstName", "lastName", "phone", "email"}},
				{path: "personOrUserReported", kind: "children", want: []string{
					"personOrUserReportedPerson", "espIdentifier", "espService", "screenName", "displayName", "profileUrl",
					"ipCaptureEvent", "ipCaptureEvent", "priorCTReports", "accountPermanentlyDisabled", "estimatedLocation"}},
				{path: "personOrUserReported/personOrUserReportedPerson", kind: "children", want: []string{"phone", "email"}},
				{path: "personOrUserReported/ipCaptureEvent/eventName", want: []string{"Login", "Registration"}},
				{path: "personOrUserReported/ipCaptureEvent[0]", kind: "children", want: []string{"ipAddress", "eventName", "dateTime", "port"}},
				{path: "personOrUserReported/priorCTReports", want: []string{"100001"}},
				{path: "personOrUserReported/accountPermanentlyDisabled", want: []string{"true"}},
				{path: "personOrUserReported/accountPermanentlyDisabled", kind: "attr:disabledDate", want: []string{"2026-03-14T09:00:00Z"}},
				{path: "personOrUserReported/estimatedLocation/countryCode", want: []string{"GB"}},
				{path: "victim", kind: "children", want: []string{"victimPerson", "espIdentifier", "screenName", "estimatedLocation"}},
				{path: "victim/victimPerson/age", want: []string{"15"}},
				{path: "additionalInfo", kind: "contains", want: []string{"\n\nESP report reference: r-full"}},
			},
		},
		{
			name:   "batched.xml",
			report: batchedReport("r-batched", nil),
			checks: []check{
				{path: "", kind: "children", want: []string{"batchedReport", "incidentSummary", "reporter", "personOrUserReported"}},
				{path: "batchedReport", kind: "attr:reason", want: []string{"VIRAL_POTENTIAL_MEME"}},
				{path: "personOrUserReported", kind: "children", want: []string{"espIdentifier"}},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := reporting.Blocking(reporting.ValidateFor(a, tc.report)); err != nil {
				// Report.Validate uses the wall clock; the fixtures are in the past.
				t.Fatalf("fixture does not validate: %v", err)
			}
			doc, err := a.Encode(tc.report)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, doc)
			// The fake's schema tables were written from the XSD independently of
			// the encoder: element order, cardinality, enumerations, cross-field rules.
			if err := agencytest.ValidateCyberTipReport(doc, fixedNow); err != nil {
				t.Errorf("schema: %v", err)
			}
			if !bytes.HasPrefix(doc, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
				t.Error("no XML declaration")
			}
			runChecks(t, parseTree(t, doc), tc.checks)
		})
	}
}

func TestGoldenFileDetails(t *testing.T) {
	a := goldenAgency()
	full := fullReport("r-full", nil)
	cases := []struct {
		name    string
		report  *reporting.Report
		index   int
		batched bool
		checks  []check
	}{
		{
			name: "full-file0.xml", report: full, index: 0,
			checks: []check{
				{path: "", kind: "children", want: []string{
					"reportId", "fileId", "fileName", "originalFileName", "uploadedToEspTimestamp", "locationOfFile",
					"fileViewedByEsp", "exifViewedByEsp", "fileRelevance", "fileAnnotations", "industryClassification",
					"originalFileHash", "originalFileHash", "ipCaptureEvent"}},
				{path: "reportId", want: []string{"100002"}},
				{path: "fileId", want: []string{"f-1"}},
				{path: "fileViewedByEsp", want: []string{"true"}},
				{path: "exifViewedByEsp", want: []string{"true"}},
				{path: "fileRelevance", want: []string{"Reported"}},
				{path: "fileAnnotations", kind: "children", want: []string{"possibleSelfProduction"}},
				{path: "industryClassification", want: []string{"B2"}},
				{path: "originalFileHash", kind: "attr:hashType", want: []string{"MD5", "SHA256"}},
				{path: "ipCaptureEvent/eventName", want: []string{"Upload"}},
				{path: "ipCaptureEvent/port", want: []string{"50123"}},
			},
		},
		{
			name: "full-file1.xml", report: full, index: 1,
			checks: []check{
				{path: "fileRelevance", want: []string{"Supplemental Reported"}},
				{path: "fileViewedByEsp", want: []string{"false"}},
				{path: "industryClassification", want: nil},
				{path: "fileAnnotations", kind: "children", want: nil},
			},
		},
		{
			name: "batched-file0.xml", report: batchedReport("r-batched", nil), index: 0, batched: true,
			checks: []check{
				{path: "", kind: "children", want: []string{"reportId", "fileId", "fileName", "fileViewedByEsp", "exifViewedByEsp", "fileRelevance", "fileAnnotations"}},
				{path: "fileAnnotations", kind: "children", want: []string{"potentialMeme", "viral"}},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := a.EncodeFileDetails(tc.report, tc.index, "100002", "f-1")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, doc)
			if err := agencytest.ValidateCyberTipFileDetails(doc, fixedNow, tc.batched); err != nil {
				t.Errorf("schema: %v", err)
			}
			runChecks(t, parseTree(t, doc), tc.checks)
		})
	}
}

// TestReferencePrefixAgreesWithFake pins the one string the encoder and the fake
// must share.
func TestReferencePrefixAgreesWithFake(t *testing.T) {
	if cybertip.ReferencePrefix != agencytest.CyberTipReferencePrefix {
		t.Fatalf("encoder writes %q, fake reads %q", cybertip.ReferencePrefix, agencytest.CyberTipReferencePrefix)
	}
}
