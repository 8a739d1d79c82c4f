package reporting_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mnr-sdk/mnr/reporting"
)

var now = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

// validReport passes the common rules and every agency's: it has reporter contact,
// content, an account and a DSA decision.
func validReport() *reporting.Report {
	return &reporting.Report{
		ID: "case-42_r1",
		Reporter: reporting.Reporter{
			Platform: "Example Photos",
			Contact:  reporting.Contact{FirstName: "Sam", LastName: "Reviewer", Email: "safety@example.com", Phone: "+44 20 7946 0000"},
			CaseRef:  "takedown-42",
		},
		Incident: reporting.Incident{
			Code:     "csam",
			Time:     now.Add(-3 * time.Hour),
			Location: reporting.Location{Kind: reporting.LocationUpload, URL: "https://photos.example.com/p/9"},
			Flags:    []string{"ctx.minor_to_minor"},
		},
		Content: []reporting.ContentItem{{
			FileName: "9.jpg", Size: 52311, ContentType: "image/jpeg",
			SHA256:     "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			MD5:        "098f6bcd4621d373cade4e832627b4f6",
			UploadedAt: now.Add(-4 * time.Hour), UploadIP: "198.51.100.23", UploadPort: 50123,
			Viewed: true, EXIFViewed: true, IndustryClass: "A2", Codes: []string{"csam"},
			Source: "vault:1",
		}},
		Account: &reporting.Account{
			UserID: "u-981", ScreenName: "user981", Emails: []string{"u981@example.net"},
			IPs:     []reporting.IPEvent{{IP: "2001:db8::7", At: now.Add(-5 * time.Hour), Event: reporting.IPEventLogin}},
			Country: "GB",
		},
		Decision: &reporting.Decision{
			Visibility:         []string{reporting.VisibilityRemoved},
			Account:            reporting.AccountTerminated,
			Ground:             reporting.GroundIllegal,
			LegalGround:        "Art. 5 Directive 2011/93/EU",
			Explanation:        "The image is child sexual abuse material.",
			Facts:              "Detected by hash match against a verified list and confirmed by a trained reviewer.",
			Source:             reporting.SourceVoluntary,
			AutomatedDetection: true,
			Automation:         reporting.AutomationNone,
			AppliedAt:          now.Add(-2 * time.Hour),
		},
		Narrative:      "Uploaded to a public album.",
		PriorReportIDs: []string{"1234567"},
	}
}

func problems(t *testing.T, err error) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, fe := range reporting.Problems(err) {
		p := fe.Problem
		if fe.Warning {
			p = "warning: " + p
		}
		out[fe.Path] = append(out[fe.Path], p)
	}
	return out
}

func TestValidReportPassesEveryAgency(t *testing.T) {
	for _, agency := range []string{"", reporting.AgencyCyberTip, reporting.AgencyDSA, reporting.AgencyNCA, "eu-centre"} {
		if err := validReport().ValidateAt(agency, now); err != nil {
			t.Errorf("agency %q: %v", agency, err)
		}
	}
}

func TestValidateRules(t *testing.T) {
	tests := []struct {
		name    string
		agency  string
		mutate  func(r *reporting.Report)
		path    string
		problem string // substring
	}{
		{"id required", "", func(r *reporting.Report) { r.ID = "" }, "id", "required"},
		{"id charset", "", func(r *reporting.Report) { r.ID = "a b" }, "id", "may contain only"},
		{"id too long", "", func(r *reporting.Report) { r.ID = strings.Repeat("a", 201) }, "id", "longer than 200"},
		{"dsa puid charset", "dsa", func(r *reporting.Report) { r.ID = "case.42" }, "id", "puid"},
		{"code required", "", func(r *reporting.Report) { r.Incident.Code = "" }, "incident.code", "required"},
		{"code unknown", "", func(r *reporting.Report) { r.Incident.Code = "child porn" }, "incident.code", "not a known terminology code"},
		{"code is a flag", "", func(r *reporting.Report) { r.Incident.Code = "ctx.infant" }, "incident.code", "context"},
		{"code has no NCMEC type", "cybertip", func(r *reporting.Report) { r.Incident.Code = "facilitation.csam_generator" }, "incident.code", "no CyberTipline incident type"},
		{"time required", "", func(r *reporting.Report) { r.Incident.Time = time.Time{} }, "incident.time", "required"},
		{"time in future", "", func(r *reporting.Report) { r.Incident.Time = now.Add(time.Minute) }, "incident.time", "future"},
		{"time in future other zone", "", func(r *reporting.Report) {
			r.Incident.Time = now.Add(time.Minute).In(time.FixedZone("X", 9*3600))
		}, "incident.time", "future"},
		{"time ancient", "", func(r *reporting.Report) { r.Incident.Time = time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC) }, "incident.time", "before 1970"},
		{"escalate blank", "", func(r *reporting.Report) { r.Incident.Escalate = "  \t" }, "incident.escalate", "blank"},
		{"location kind unknown", "", func(r *reporting.Report) { r.Incident.Location.Kind = "fax" }, "incident.location.kind", "not a known"},
		{"location url scheme", "", func(r *reporting.Report) { r.Incident.Location.URL = "ftp://x.example/a" }, "incident.location.url", "http or https"},
		{"location url relative", "", func(r *reporting.Report) { r.Incident.Location.URL = "/p/9" }, "incident.location.url", "http or https"},
		{"location url too long", "", func(r *reporting.Report) {
			r.Incident.Location.URL = "https://x.example/" + strings.Repeat("a", 2100)
		}, "incident.location.url", "longer than 2083"},
		{"url needs kind", "", func(r *reporting.Report) { r.Incident.Location.Kind = "" }, "incident.location.kind", "required when a URL"},
		{"flag unknown", "", func(r *reporting.Report) { r.Incident.Flags = []string{"ctx.nope"} }, "incident.flags[0]", "not a known"},
		{"flag repeated", "", func(r *reporting.Report) { r.Incident.Flags = []string{"ctx.infant", "ctx.infant"} }, "incident.flags[1]", "repeated"},
		{"sha256 length", "", func(r *reporting.Report) { r.Content[0].SHA256 = "abcd" }, "content[0].sha256", "64 hex digits"},
		{"sha256 not hex", "", func(r *reporting.Report) { r.Content[0].SHA256 = strings.Repeat("g", 64) }, "content[0].sha256", "64 hex digits"},
		{"md5 length", "", func(r *reporting.Report) { r.Content[0].MD5 = strings.Repeat("a", 31) }, "content[0].md5", "32 hex digits"},
		{"sha1 length", "", func(r *reporting.Report) { r.Content[0].SHA1 = strings.Repeat("a", 41) }, "content[0].sha1", "40 hex digits"},
		{"pdq length", "", func(r *reporting.Report) { r.Content[0].PDQ = strings.Repeat("a", 63) }, "content[0].pdq", "64 hex digits"},
		{"item identifies nothing", "", func(r *reporting.Report) {
			r.Content[0] = reporting.ContentItem{FileName: "x.jpg"}
		}, "content[0]", "no hash, source or URL"},
		{"exif implies viewed", "", func(r *reporting.Report) { r.Content[0].Viewed = false }, "content[0].exifViewed", "viewed is false"},
		{"upload ip", "", func(r *reporting.Report) { r.Content[0].UploadIP = "300.1.1.1" }, "content[0].uploadIp", "not an IPv4 or IPv6"},
		{"upload port", "", func(r *reporting.Report) { r.Content[0].UploadPort = 70000 }, "content[0].uploadPort", "outside 1-65535"},
		{"port without ip", "", func(r *reporting.Report) { r.Content[0].UploadIP = "" }, "content[0].uploadPort", "needs uploadIp"},
		{"uploaded in future", "", func(r *reporting.Report) { r.Content[0].UploadedAt = now.Add(time.Hour) }, "content[0].uploadedAt", "future"},
		{"industry class", "", func(r *reporting.Report) { r.Content[0].IndustryClass = "C" }, "content[0].industryClass", "not an industry classification"},
		{"supplemental no class", "", func(r *reporting.Report) { r.Content[0].Supplemental = true }, "content[0].industryClass", "supplemental"},
		{"supplemental no meme", "cybertip", func(r *reporting.Report) {
			r.Content[0].Supplemental, r.Content[0].IndustryClass = true, ""
			r.Content[0].Codes = []string{"ctx.potential_meme"}
		}, "content[0].codes", "potential meme"},
		{"content type", "", func(r *reporting.Report) { r.Content[0].ContentType = "jpeg" }, "content[0].contentType", "MIME"},
		{"negative size", "", func(r *reporting.Report) { r.Content[0].Size = -1 }, "content[0].size", "negative"},
		{"duplicate content by sha256", "", func(r *reporting.Report) {
			dup := r.Content[0]
			dup.Source, dup.MD5 = "vault:2", ""
			r.Content = append(r.Content, dup)
		}, "content[1]", "duplicates content[0]"},
		{"duplicate content by source", "", func(r *reporting.Report) {
			r.Content = append(r.Content, reporting.ContentItem{Source: "vault:1"})
		}, "content[1]", "duplicates content[0]"},
		{"duplicate content hash case", "", func(r *reporting.Report) {
			r.Content = append(r.Content, reporting.ContentItem{MD5: strings.ToUpper(r.Content[0].MD5)})
		}, "content[1]", "duplicates content[0]"},
		{"too many content items", "", func(r *reporting.Report) {
			r.Content = make([]reporting.ContentItem, reporting.MaxContentItems+1)
		}, "content", "more than 1000"},
		{"account email", "", func(r *reporting.Report) { r.Account.Emails = []string{"not-an-email"} }, "account.emails[0]", "not an email"},
		{"account email display name", "", func(r *reporting.Report) { r.Account.Emails = []string{"Bob <bob@example.com>"} }, "account.emails[0]", "not an email"},
		{"account email long local", "", func(r *reporting.Report) {
			r.Account.Emails = []string{strings.Repeat("a", 65) + "@example.com"}
		}, "account.emails[0]", "not an email"},
		{"account ip", "", func(r *reporting.Report) { r.Account.IPs[0].IP = "2001:db8::zz" }, "account.ips[0].ip", "not an IPv4 or IPv6"},
		{"account ip time", "", func(r *reporting.Report) { r.Account.IPs[0].At = now.Add(time.Second) }, "account.ips[0].at", "future"},
		{"account ip event", "", func(r *reporting.Report) { r.Account.IPs[0].Event = "sneeze" }, "account.ips[0].event", "not a known"},
		{"account phone", "", func(r *reporting.Report) { r.Account.Phones = []string{"call me"} }, "account.phones[0]", "not a phone"},
		{"account country", "", func(r *reporting.Report) { r.Account.Country = "gb" }, "account.country", "ISO 3166-1"},
		{"account profile url", "", func(r *reporting.Report) { r.Account.ProfileURL = "javascript:alert(1)" }, "account.profileUrl", "http or https"},
		{"account empty", "", func(r *reporting.Report) { r.Account = &reporting.Account{Country: "GB"} }, "account", "identifies no one"},
		{"account disabled before created", "", func(r *reporting.Report) {
			r.Account.CreatedAt, r.Account.DisabledAt = now.Add(-time.Hour), now.Add(-2*time.Hour)
		}, "account.disabledAt", "before account.createdAt"},
		{"victim age", "", func(r *reporting.Report) { r.Victim = &reporting.Victim{Age: 200} }, "victim.age", "outside 0-150"},
		{"prior id blank", "", func(r *reporting.Report) { r.PriorReportIDs = []string{" "} }, "priorReportIds[0]", "blank"},
		{"prior id repeated", "", func(r *reporting.Report) { r.PriorReportIDs = []string{"1", "1"} }, "priorReportIds[1]", "duplicates"},
		{"prior id numeric for cybertip", "cybertip", func(r *reporting.Report) { r.PriorReportIDs = []string{"NCA-1"} }, "priorReportIds[0]", "positive integer"},
		{"cybertip needs email", "cybertip", func(r *reporting.Report) { r.Reporter.Contact.Email = "" }, "reporter.contact.email", "required"},
		{"reporter email shape", "", func(r *reporting.Report) { r.Reporter.Contact.Email = "a@b" }, "reporter.contact.email", "not an email"},
		{"cybertip needs content or url", "cybertip", func(r *reporting.Report) {
			r.Content, r.Incident.Location = nil, reporting.Location{}
		}, "content", "at least one"},
		{"nca needs name", "nca", func(r *reporting.Report) { r.Reporter.Contact.FirstName, r.Reporter.Contact.LastName = "", "" }, "reporter.contact", "name"},
		{"nca needs email", "nca", func(r *reporting.Report) { r.Reporter.Contact.Email = "" }, "reporter.contact.email", "required"},
		{"nca phone warning", "nca", func(r *reporting.Report) { r.Reporter.Contact.Phone = "" }, "reporter.contact.phone", "warning: "},
		{"nca hash warning", "nca", func(r *reporting.Report) {
			r.Content = []reporting.ContentItem{{Source: "vault:9"}}
		}, "content[0]", "warning: has no hash"},
		{"dsa needs decision", "dsa", func(r *reporting.Report) { r.Decision = nil }, "decision", "required"},
		{"dsa restricts nothing", "dsa", func(r *reporting.Report) { r.Decision.Visibility, r.Decision.Account = nil, "" }, "decision", "restricts nothing"},
		{"dsa ground required", "dsa", func(r *reporting.Report) { r.Decision.Ground = "" }, "decision.ground", "required"},
		{"illegal needs legal ground", "", func(r *reporting.Report) { r.Decision.LegalGround = "" }, "decision.legalGround", "required"},
		{"incompatible needs contractual ground", "", func(r *reporting.Report) {
			r.Decision.Ground = reporting.GroundIncompatible
		}, "decision.contractualGround", "required"},
		{"dsa explanation required", "dsa", func(r *reporting.Report) { r.Decision.Explanation = "" }, "decision.explanation", "required"},
		{"dsa facts required", "dsa", func(r *reporting.Report) { r.Decision.Facts = " " }, "decision.facts", "required"},
		{"dsa source required", "dsa", func(r *reporting.Report) { r.Decision.Source = "" }, "decision.source", "required"},
		{"dsa automation required", "dsa", func(r *reporting.Report) { r.Decision.Automation = "" }, "decision.automation", "required"},
		{"dsa applied required", "dsa", func(r *reporting.Report) { r.Decision.AppliedAt = time.Time{} }, "decision.appliedAt", "required"},
		{"dsa applied range", "dsa", func(r *reporting.Report) {
			r.Decision.AppliedAt = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
		}, "decision.appliedAt", "2020-01-01"},
		{"dsa facts email", "dsa", func(r *reporting.Report) { r.Decision.Facts = "Reported by someone@example.org today." }, "decision.facts", "email address"},
		{"dsa facts ip", "dsa", func(r *reporting.Report) { r.Decision.Facts = "Uploaded from 203.0.113.9." }, "decision.facts", "IP address"},
		{"dsa facts ipv6", "dsa", func(r *reporting.Report) { r.Decision.Explanation = "seen at 2001:db8::1 (login)" }, "decision.explanation", "IP address"},
		{"voluntary has no identity", "", func(r *reporting.Report) { r.Decision.SourceIdentity = "Hotline" }, "decision.sourceIdentity", "voluntary"},
		{"visibility other needs text", "", func(r *reporting.Report) { r.Decision.Visibility = []string{reporting.VisibilityOther} }, "decision.visibilityOther", "required"},
		{"visibility unknown", "", func(r *reporting.Report) { r.Decision.Visibility = []string{"hidden"} }, "decision.visibility[0]", "not a known"},
		{"until before applied", "", func(r *reporting.Report) { r.Decision.Until = r.Decision.AppliedAt.Add(-time.Hour) }, "decision.until", "not after"},
		{"language", "", func(r *reporting.Report) { r.Decision.Language = "en" }, "decision.language", "ISO 639-1"},
		{"narrative deprecated wording", "", func(r *reporting.Report) {
			r.Narrative = "The user shared child pornography in a group."
		}, "narrative", "warning: uses deprecated wording"},
		{"narrative too long", "", func(r *reporting.Report) { r.Narrative = strings.Repeat("a", reporting.MaxNarrativeBytes+1) }, "narrative", "longer than"},
		{"narrative utf8", "", func(r *reporting.Report) { r.Narrative = "a\xffb" }, "narrative", "UTF-8"},
		{"extra key", "", func(r *reporting.Report) { r.Extra = map[string]string{"bad key": "v"} }, "extra", "key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := validReport()
			tc.mutate(r)
			err := r.ValidateAt(tc.agency, now)
			got := problems(t, err)
			for _, p := range got[tc.path] {
				if strings.Contains(p, tc.problem) {
					return
				}
			}
			t.Fatalf("want %s: %q; got %v", tc.path, tc.problem, got)
		})
	}
}

func TestValidateReturnsEveryProblemAtOnce(t *testing.T) {
	r := validReport()
	r.ID = ""
	r.Incident.Time = now.Add(time.Hour)
	r.Content[0].SHA256 = "xyz"
	r.Content[0].Viewed = false
	r.Account.IPs[0].IP = "nope"
	r.Narrative = "child pornography"
	err := r.ValidateAt(reporting.AgencyCyberTip, now)
	got := problems(t, err)
	for _, path := range []string{"id", "incident.time", "content[0].sha256", "content[0].exifViewed", "account.ips[0].ip", "narrative"} {
		if len(got[path]) == 0 {
			t.Errorf("no problem reported for %s; got %v", path, got)
		}
	}
	var fe *reporting.FieldError
	if !errors.As(err, &fe) {
		t.Fatal("errors.As(*FieldError) failed on the joined error")
	}
	if n := len(reporting.Problems(err)); n != 6 {
		t.Errorf("got %d problems, want 6: %v", n, err)
	}
}

func TestBlockingDropsWarnings(t *testing.T) {
	r := validReport()
	r.Narrative = "Possible child porn shared with a kiddie porn caption."
	err := r.ValidateAt("", now)
	if err == nil {
		t.Fatal("no warnings for deprecated wording")
	}
	for _, fe := range reporting.Problems(err) {
		if !fe.Warning {
			t.Fatalf("unexpected blocking problem %v", fe)
		}
		if !strings.Contains(fe.Error(), "warning: ") {
			t.Fatalf("warning not marked in Error(): %q", fe.Error())
		}
	}
	if b := reporting.Blocking(err); b != nil {
		t.Fatalf("Blocking kept warnings: %v", b)
	}
	r.ID = ""
	b := reporting.Blocking(r.ValidateAt("", now))
	ps := reporting.Problems(b)
	if len(ps) != 1 || ps[0].Path != "id" {
		t.Fatalf("Blocking = %v, want only the id problem", b)
	}
	// Errors that are not FieldErrors are blocking.
	other := errors.New("boom")
	if !errors.Is(reporting.Blocking(errors.Join(other, &reporting.FieldError{Path: "x", Problem: "y", Warning: true})), other) {
		t.Fatal("Blocking dropped a non-FieldError")
	}
	if reporting.Blocking(nil) != nil {
		t.Fatal("Blocking(nil) != nil")
	}
}

// TestValidateNeverEchoesValues fills every field with a distinctive marker and
// breaks it, then checks that no problem text contains any marker.
func TestValidateNeverEchoesValues(t *testing.T) {
	const m = "SECRETVALUE"
	r := &reporting.Report{
		ID:       m + " x",
		Reporter: reporting.Reporter{Platform: m, Contact: reporting.Contact{Email: m + "@", Phone: m}, LegalURL: m},
		Incident: reporting.Incident{Code: m, Time: now.Add(time.Hour), Escalate: " ",
			Location: reporting.Location{Kind: m, URL: "ftp://" + m}, Flags: []string{m}},
		Content: []reporting.ContentItem{{SHA256: m, MD5: m, SHA1: m, PDQ: m, UploadIP: m, URL: m,
			ContentType: m, IndustryClass: m, Codes: []string{m}, EXIFViewed: true}},
		Account:        &reporting.Account{Emails: []string{m}, Phones: []string{m}, IPs: []reporting.IPEvent{{IP: m, Event: m}}, Country: m, ProfileURL: m},
		Victim:         &reporting.Victim{Country: m},
		Decision:       &reporting.Decision{Visibility: []string{m}, Account: m, Ground: m, Source: m, Automation: m, Language: m, TerritorialScope: []string{m}, Facts: m + "@example.com " + m, GroundURL: m},
		Narrative:      "child pornography " + m,
		PriorReportIDs: []string{m + " " + m},
		Extra:          map[string]string{m + " k": m},
	}
	for _, agency := range []string{"", "cybertip", "dsa", "nca"} {
		err := r.ValidateAt(agency, now)
		if err == nil {
			t.Fatal("no problems")
		}
		if strings.Contains(err.Error(), m) || strings.Contains(strings.ToLower(err.Error()), strings.ToLower(m)) {
			t.Fatalf("agency %q: a problem echoes a value:\n%v", agency, err)
		}
		if n := len(reporting.Problems(err)); n < 25 {
			t.Errorf("agency %q: only %d problems found", agency, n)
		}
	}
}

func TestRedaction(t *testing.T) {
	r := validReport()
	r.Narrative = "narrative text SECRET"
	s := r.String()
	for _, secret := range []string{"safety@example.com", "198.51.100.23", "u981", "SECRET", r.Content[0].SHA256, "Sam", "+44"} {
		if strings.Contains(s, secret) {
			t.Errorf("String() leaks %q: %s", secret, s)
		}
	}
	for _, want := range []string{"case-42_r1", "incident=\"csam\"", "content=1", "account=true"} {
		if !strings.Contains(s, want) {
			t.Errorf("String() = %s, want it to contain %s", s, want)
		}
	}
	// An ID that is not a plain key is redacted too.
	r.ID = "someone@example.com"
	if strings.Contains(r.String(), "someone") || strings.Contains(r.LogValue().String(), "someone") {
		t.Fatalf("odd ID not redacted: %s", r.String())
	}
	attrs := r.LogValue().Group()
	var keys []string
	for _, a := range attrs {
		keys = append(keys, a.Key)
		if strings.Contains(a.Value.String(), "example.com") {
			t.Errorf("LogValue leaks in %s", a.Key)
		}
	}
	if !slices.Contains(keys, "incident") || !slices.Contains(keys, "content") {
		t.Fatalf("LogValue keys %v", keys)
	}
}
