package nca_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/mnr-sdk/mnr/internal/agencytest"
	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/reporting/nca"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var fixedNow = time.Date(2026, 4, 20, 12, 0, 0, 0, time.UTC)

func ukReport(id string) *reporting.Report {
	inc := time.Date(2026, 4, 19, 21, 0, 0, 0, time.UTC)
	return &reporting.Report{
		ID: id,
		Reporter: reporting.Reporter{
			Platform: "Example Social",
			Contact:  reporting.Contact{FirstName: "Sam", LastName: "Officer", Email: "safety@example.co.uk", Phone: "+44 20 7946 0001"},
		},
		Incident: reporting.Incident{
			Code: "csam", Time: inc,
			Location: reporting.Location{Kind: reporting.LocationURL, URL: "https://example.co.uk/p/9", Platform: "Example Social for iOS"},
		},
		Content: []reporting.ContentItem{{
			FileName: "p9.jpg", ContentType: "image/jpeg", SHA256: strings.Repeat("ef", 32), MD5: strings.Repeat("0a", 16),
			UploadedAt: inc.Add(-time.Hour), UploadIP: "198.51.100.4", UploadPort: 443, Viewed: true,
		}},
		Account: &reporting.Account{
			UserID: "acct-9", ScreenName: "user9", Emails: []string{"user9@example.org"}, Phones: []string{"+44 7700 900000"},
			IPs: []reporting.IPEvent{
				{IP: "198.51.100.4", At: inc.Add(-24 * time.Hour), Event: reporting.IPEventLogin},
				{IP: "198.51.100.5", At: inc.Add(-120 * 24 * time.Hour), Event: reporting.IPEventLogin}, // older than 3 months
				{IP: "198.51.100.6", At: inc.Add(-2 * time.Hour), Event: reporting.IPEventPurchase},     // not a login
			},
			Country: "GB",
		},
		Decision:       &reporting.Decision{AutomatedDetection: true, Source: reporting.SourceVoluntary},
		PriorReportIDs: []string{"NCA-20260401-000007"},
		Extra: map[string]string{
			nca.ExtraReportedElsewhere: "NCMEC CyberTipline 100001",
			nca.ExtraPhonesVerified:    "true",
			nca.ExtraConnections:       "acct-10, acct-11",
		},
	}
}

func newAgency(t *testing.T, o *nca.Options) *nca.Agency {
	t.Helper()
	if o == nil {
		o = &nca.Options{}
	}
	if o.Now == nil {
		o.Now = func() time.Time { return fixedNow }
	}
	a, err := nca.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	if *update {
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("%s differs from the golden file; got:\n%s", name, pretty.Bytes())
	}
}

func at(t *testing.T, doc []byte, path string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	var cur any = m
	for _, seg := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[seg]
	}
	return cur
}

func jsonEq(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestGoldenDefaultProfile(t *testing.T) {
	a := newAgency(t, nil)
	r := ukReport("uk-1")
	if err := reporting.Blocking(reporting.ValidateFor(a, r)); err != nil {
		t.Fatal(err)
	}
	doc, err := a.Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "default.json", doc)
	checks := map[string]any{
		"platform_reference":              "uk-1",
		"priority":                        2,
		"reporting_person.name":           "Sam Officer",
		"reporting_person.email":          "safety@example.co.uk",
		"service.name":                    "Example Social",
		"service.product":                 "Example Social for iOS",
		"incident.code":                   "csam",
		"incident.time":                   "2026-04-19T21:00:00Z",
		"incident.detection_method":       "automated detection; the platform's own initiative",
		"previous_reports.reported":       true,
		"previous_reports.nca_references": []string{"NCA-20260401-000007"},
		"previous_reports.other_bodies":   "NCMEC CyberTipline 100001",
		"account.login_ips":               []map[string]any{{"ip": "198.51.100.4", "time": "2026-04-18T21:00:00Z"}},
		"account.phones":                  []map[string]any{{"number": "+44 7700 900000", "verified": true}},
		"account.connections":             []string{"acct-10", "acct-11"},
		"declaration.text":                nca.DefaultDeclaration,
		"declaration.by":                  "Sam Officer",
		"declaration.at":                  "2026-04-20T12:00:00Z",
		"victim":                          nil,
	}
	for path, want := range checks {
		if got := at(t, doc, path); !jsonEq(got, want) {
			t.Errorf("%s: got %v, want %v", path, got, want)
		}
	}
	items, _ := at(t, doc, "content").([]any)
	if len(items) != 1 || !jsonEq(items[0].(map[string]any)["hashes"], map[string]string{"md5": strings.Repeat("0a", 16), "sha256": strings.Repeat("ef", 32)}) {
		t.Errorf("content: %v", items)
	}
}

// TestConfigurableProfile renames, moves and omits fields, and changes what is
// required.
func TestConfigurableProfile(t *testing.T) {
	a := newAgency(t, &nca.Options{
		Fields: map[nca.Field]string{
			nca.FieldPlatformReference: "meta.esp_reference",
			nca.FieldReporterEmail:     "submitter.contact.email",
			nca.FieldPriority:          "meta.priority_level",
		},
		Omit:     []nca.Field{nca.FieldAccountPhones, nca.FieldDescription},
		Required: []nca.Field{nca.FieldReporterEmail, nca.FieldVictim},
		Schema:   "nca-api/0.9",
	})
	r := ukReport("uk-2")
	probs := reporting.Problems(a.Validate(r))
	if len(probs) != 1 || probs[0].Path != "nca.victim" {
		t.Fatalf("want one problem for the required victim field, got %v", probs)
	}
	r.Victim = &reporting.Victim{Age: 14, Country: "GB"}
	doc, err := a.Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "custom.json", doc)
	for path, want := range map[string]any{
		"meta.esp_reference":      "uk-2",
		"meta.priority_level":     2,
		"submitter.contact.email": "safety@example.co.uk",
		"schema":                  "nca-api/0.9",
		"platform_reference":      nil,
		"account.phones":          nil,
		"victim.age":              14,
	} {
		if got := at(t, doc, path); !jsonEq(got, want) {
			t.Errorf("%s: got %v, want %v", path, got, want)
		}
	}
	if p := a.Paths()[nca.FieldReporterEmail]; p != "submitter.contact.email" {
		t.Errorf("Paths: %q", p)
	}
}

func TestOptionsErrors(t *testing.T) {
	cases := map[string]*nca.Options{
		"unknown field":        {Fields: map[nca.Field]string{"nope": "x"}},
		"shared path":          {Fields: map[nca.Field]string{nca.FieldReporterEmail: "reporting_person.name"}},
		"path inside a value":  {Fields: map[nca.Field]string{nca.FieldReporterEmail: "priority.email"}},
		"required and omitted": {Omit: []nca.Field{nca.FieldReporterName}},
		"empty segment":        {Fields: map[nca.Field]string{nca.FieldReporterEmail: "a..b"}},
		"bad default priority": {DefaultPriority: 4},
		"relative path":        {Path: "reports"},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := nca.New(o); !errors.Is(err, nca.ErrOptions) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestPriority(t *testing.T) {
	a := newAgency(t, nil)
	r := ukReport("uk-p")
	r.Incident.Escalate = "A child is at immediate risk."
	doc, err := a.Encode(r)
	if err != nil || at(t, doc, "priority") != float64(1) {
		t.Fatalf("escalated report: priority %v, err %v", at(t, doc, "priority"), err)
	}
	r.Extra[nca.ExtraPriority] = "3"
	doc, _ = a.Encode(r)
	if at(t, doc, "priority") != float64(3) {
		t.Fatalf("override: priority %v", at(t, doc, "priority"))
	}
	r.Extra[nca.ExtraPriority] = "0"
	if _, err := a.Encode(r); err == nil {
		t.Fatal("priority 0 accepted")
	}
}

type harness struct {
	fake   *agencytest.NCA
	client *reporting.Client
	outbox *reporting.Outbox
}

func newHarness(t *testing.T, o *nca.Options) *harness {
	t.Helper()
	h := &harness{fake: agencytest.NewNCA(nil)}
	t.Cleanup(func() { h.fake.Close() })
	var err error
	h.client, err = reporting.NewClient(h.fake.URL(), &reporting.ClientOptions{
		Auth:           reporting.BearerToken(func() (string, error) { return h.fake.Token(), nil }),
		Limiter:        rate.NewLimiter(rate.Inf, 1),
		InitialBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := nca.New(o)
	if err != nil {
		t.Fatal(err)
	}
	h.outbox, err = reporting.NewOutbox(reporting.NewMemStore(), []reporting.Destination{{Agency: a, Client: h.client}},
		&reporting.OutboxOptions{RetryBackoff: time.Millisecond, MaxRetryBackoff: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) run(t *testing.T, r *reporting.Report) *reporting.Submission {
	t.Helper()
	ctx := context.Background()
	s, err := h.outbox.Enqueue(ctx, nca.Name, r, reporting.EnqueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2000; i++ {
		if _, err := h.outbox.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if s, err = h.outbox.Get(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		if s.State.Terminal() {
			return s
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("not terminal: %s %s", s.State, s.Error)
	return nil
}

func TestSubmit(t *testing.T) {
	cases := []struct {
		name   string
		faults []agencytest.FaultKind
		opts   *nca.Options
		state  reporting.State
		note   string
	}{
		{name: "plain", state: reporting.StateDone},
		{name: "503 then success", faults: []agencytest.FaultKind{agencytest.FaultServerError}, state: reporting.StateDone},
		{name: "429 then success", faults: []agencytest.FaultKind{agencytest.FaultRateLimit}, state: reporting.StateDone},
		{name: "dropped after commit: lookup finds it", faults: []agencytest.FaultKind{agencytest.FaultDropAfterCommit}, state: reporting.StateDone, note: "lookup found the report"},
		{name: "dropped after commit without lookup", faults: []agencytest.FaultKind{agencytest.FaultDropAfterCommit}, opts: &nca.Options{NoLookup: true}, state: reporting.StateFailed},
		{name: "dropped, idempotent API: resend is a duplicate", faults: []agencytest.FaultKind{agencytest.FaultDropAfterCommit}, opts: &nca.Options{Idempotent: true}, state: reporting.StateDone, note: "idempotent success"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.opts)
			h.fake.Faults().Script("/v1/reports", tc.faults...)
			s := h.run(t, ukReport("uk-"+strconv.Itoa(i)))
			if s.State != tc.state {
				t.Fatalf("state %s (%s), want %s", s.State, s.Error, tc.state)
			}
			reps := h.fake.Reports()
			if len(reps) != 1 {
				t.Fatalf("reports at the NCA: %d, want 1", len(reps))
			}
			if tc.state == reporting.StateDone && s.Progress.IDs["reference"] != reps[0].Reference {
				t.Errorf("reference %q, NCA has %q", s.Progress.IDs["reference"], reps[0].Reference)
			}
			if tc.note != "" && !strings.Contains(s.Progress.Receipts[len(s.Progress.Receipts)-1].Note, tc.note) {
				t.Errorf("receipt note %q", s.Progress.Receipts[len(s.Progress.Receipts)-1].Note)
			}
		})
	}
}

func newAgencyB(b *testing.B) *nca.Agency {
	a, err := nca.New(&nca.Options{Now: func() time.Time { return fixedNow }})
	if err != nil {
		b.Fatal(err)
	}
	return a
}

// TestReconcileNotFound: a post that never reached the NCA (the outcome was
// unknown to us) is found missing by the lookup and sent again, once.
func TestReconcileNotFound(t *testing.T) {
	h := newHarness(t, nil)
	a, _ := nca.New(nil)
	s := &reporting.Submission{ID: "nca:uk-r", Agency: nca.Name, Report: *ukReport("uk-r")}
	lost := reporting.StepEnv{
		Now: time.Now,
		Do: func(context.Context, reporting.RequestSpec) (*reporting.Response, error) {
			return nil, reporting.ErrOutcomeUnknown // the connection failed after the request was written
		},
	}
	ctx := context.Background()
	if _, err := a.Step(ctx, lost, s); !errors.Is(err, reporting.ErrOutcomeUnknown) {
		t.Fatalf("step: %v", err)
	}
	env := reporting.StepEnv{Now: time.Now, Do: h.client.Do}
	p, err := a.Reconcile(ctx, env, s)
	if err != nil || p.Done || p.Step != "new" || !strings.Contains(p.Receipts[0].Note, "sending again is safe") {
		t.Fatalf("reconcile: %v %+v", err, p)
	}
	s.Progress = p
	if p, err = a.Step(ctx, env, s); err != nil || !p.Done || p.IDs["reference"] == "" {
		t.Fatalf("resend: %v %+v", err, p)
	}
	if n := len(h.fake.Reports()); n != 1 {
		t.Fatalf("reports: %d", n)
	}
	// Reconciling again now finds it.
	s.Progress = reporting.Progress{}
	if p, err = a.Reconcile(ctx, env, s); err != nil || !p.Done || !strings.Contains(p.Receipts[0].Note, "found the report") {
		t.Fatalf("second reconcile: %v %+v", err, p)
	}
}
