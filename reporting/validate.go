package reporting

import (
	"errors"
	"mime"
	"net/mail"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Agency names known to Report.Validate. Other names get the common rules only.
const (
	AgencyCyberTip = "cybertip"
	AgencyDSA      = "dsa"
	AgencyNCA      = "nca"
)

// Validation bounds. They apply to every report whatever the agency; agency
// packages may impose tighter ones.
const (
	// MaxContentItems bounds Report.Content.
	MaxContentItems = 1000
	// MaxListItems bounds every other list (flags, emails, IPs, prior IDs, ...)
	// and the number of Extra keys.
	MaxListItems = 100
	// MaxNarrativeBytes bounds Report.Narrative (64 KiB).
	MaxNarrativeBytes = 64 << 10
	// MaxTextBytes bounds other free-text fields (Decision.Facts is 5000 for the
	// DSA; explanations 2000; this is the ceiling for all).
	MaxTextBytes = 8 << 10
	// MaxURLBytes bounds URLs (the CyberTipline limit).
	MaxURLBytes = 2083
)

// Validate checks r for agency ("cybertip", "dsa", "nca", or "" for the common
// rules only) against the clock, and returns every problem at once: nil, or an
// errors.Join of *FieldError. Warnings are included; use [Blocking] to drop them.
// Agency packages add their own rules through Agency.Validate ([ValidateFor]).
func (r *Report) Validate(agency string) error {
	return r.ValidateAt(agency, time.Now())
}

// ValidateAt is Validate with an explicit "now" for the not-in-the-future checks.
func (r *Report) ValidateAt(agency string, now time.Time) error {
	if r == nil {
		return &FieldError{Path: "report", Problem: "is nil"}
	}
	v := validator{now: now}
	v.common(r)
	switch agency {
	case AgencyCyberTip:
		v.cybertip(r)
	case AgencyDSA:
		v.dsa(r)
	case AgencyNCA:
		v.nca(r)
	}
	return errors.Join(v.errs...)
}

type validator struct {
	now     time.Time
	errs    []error
	terms   map[string]termResult
	classes map[string]bool
}

func (v *validator) add(path, problem string) {
	v.errs = append(v.errs, &FieldError{Path: path, Problem: problem})
}

func (v *validator) warn(path, problem string) {
	v.errs = append(v.errs, &FieldError{Path: path, Problem: problem, Warning: true})
}

func idx(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// ---- the rules every agency shares ----

func (v *validator) common(r *Report) {
	switch {
	case r.ID == "":
		v.add("id", "is required")
	case len(r.ID) > maxIDLen:
		v.add("id", "is longer than "+strconv.Itoa(maxIDLen)+" bytes")
	case !isKey(r.ID):
		v.add("id", "may contain only letters, digits and . _ - :")
	}

	v.reporter(&r.Reporter)
	v.incident(&r.Incident)

	if len(r.Content) > MaxContentItems {
		v.add("content", "has more than "+strconv.Itoa(MaxContentItems)+" items")
	} else {
		v.content(r.Content)
	}
	if r.Account != nil {
		v.account(r.Account)
	}
	if r.Victim != nil {
		v.victim(r.Victim)
	}
	if r.Decision != nil {
		v.decision(r.Decision)
	}
	v.narrative(r.Narrative)

	if v.list("priorReportIds", len(r.PriorReportIDs)) {
		seen := make(map[string]int, len(r.PriorReportIDs))
		for i, id := range r.PriorReportIDs {
			p := idx("priorReportIds", i)
			switch {
			case strings.TrimSpace(id) == "":
				v.add(p, "is blank")
			case len(id) > 64 || !isKey(id):
				v.add(p, "is not a report identifier (at most 64 letters, digits, . _ - :)")
			}
			if j, dup := seen[id]; dup {
				v.add(p, "duplicates priorReportIds["+strconv.Itoa(j)+"]")
			} else {
				seen[id] = i
			}
		}
	}
	if len(r.Extra) > MaxListItems {
		v.add("extra", "has more than "+strconv.Itoa(MaxListItems)+" keys")
	}
	for k, val := range r.Extra {
		if len(k) == 0 || len(k) > 64 || !isKey(k) {
			v.add("extra", "has a key that is not 1-64 letters, digits, . _ - :")
		}
		if len(val) > MaxTextBytes {
			v.add("extra["+safeID(k)+"]", "is longer than "+strconv.Itoa(MaxTextBytes)+" bytes")
		}
	}
}

func (v *validator) list(path string, n int) bool {
	if n > MaxListItems {
		v.add(path, "has more than "+strconv.Itoa(MaxListItems)+" items")
		return false
	}
	return true
}

func (v *validator) reporter(rp *Reporter) {
	v.text("reporter.platform", rp.Platform, 256)
	v.text("reporter.caseRef", rp.CaseRef, 256)
	v.text("reporter.contact.firstName", rp.Contact.FirstName, 100)
	v.text("reporter.contact.lastName", rp.Contact.LastName, 100)
	if rp.Contact.Email != "" {
		v.email("reporter.contact.email", rp.Contact.Email)
	}
	if rp.Contact.Phone != "" {
		v.phone("reporter.contact.phone", rp.Contact.Phone)
	}
	if rp.LegalURL != "" {
		v.url("reporter.legalUrl", rp.LegalURL)
	}
}

func (v *validator) incident(in *Incident) {
	switch {
	case in.Code == "":
		v.add("incident.code", "is required")
	case strings.HasPrefix(in.Code, "ctx.") || strings.HasPrefix(in.Code, "actor."):
		v.add("incident.code", "is a context or actor code; put context in incident.flags and give what happened here")
	default:
		v.term("incident.code", in.Code)
	}
	if in.Time.IsZero() {
		v.add("incident.time", "is required")
	} else {
		v.pastTime("incident.time", in.Time)
	}
	v.text("incident.timeDescription", in.TimeDescription, 3000)
	if in.Escalate != "" && strings.TrimSpace(in.Escalate) == "" {
		v.add("incident.escalate", "is blank; give the reason for urgency or leave it empty")
	}
	v.text("incident.escalate", in.Escalate, 3000)

	loc := &in.Location
	switch loc.Kind {
	case "", LocationURL, LocationUpload, LocationChat, LocationEmail, LocationGaming,
		LocationPhone, LocationP2P, LocationOffline:
	default:
		v.add("incident.location.kind", "is not a known location kind")
	}
	if loc.URL != "" {
		v.url("incident.location.url", loc.URL)
		if loc.Kind == "" {
			v.add("incident.location.kind", "is required when a URL is given")
		}
	}
	if loc.ThirdPartyHosted && loc.URL == "" {
		v.add("incident.location.thirdPartyHosted", "needs incident.location.url")
	}
	v.text("incident.location.platform", loc.Platform, 256)
	v.text("incident.location.area", loc.Area, 256)
	v.text("incident.location.client", loc.Client, 256)

	if v.list("incident.flags", len(in.Flags)) {
		v.codes("incident.flags", in.Flags)
	}
}

func (v *validator) codes(path string, codes []string) { v.codesAt(path, -1, "", codes) }

// codesAt checks the codes at base[item]field (base alone when item < 0),
// building paths only for problems.
func (v *validator) codesAt(base string, item int, field string, codes []string) {
	at := func(j int) string {
		p := base
		if item >= 0 {
			p = idx(base, item)
		}
		return idx(p+field, j)
	}
	for j, c := range codes {
		switch {
		case c == "":
			v.add(at(j), "is empty")
		case slices.Contains(codes[:j], c):
			v.add(at(j), "is repeated")
		default:
			if r := v.termResult(c); r.problem != "" {
				if r.warning {
					v.warn(at(j), r.problem)
				} else {
					v.add(at(j), r.problem)
				}
			}
		}
	}
}

// contentKey identifies an item's bytes or stored object, for duplicates.
type contentKey struct {
	kind byte // 's' sha256, '1' sha1, 'm' md5, 'r' source
	v    string
}

func (v *validator) content(items []ContentItem) {
	var seen map[contentKey]int
	if len(items) > 1 {
		seen = make(map[contentKey]int, 4*len(items))
	}
	at := func(i int, field string) string { return itemPath("content", i, field) }
	for i := range items {
		it := &items[i]
		if p := hashProblem(it.SHA256, 64); p != "" {
			v.add(at(i, ".sha256"), p)
		}
		if p := hashProblem(it.SHA1, 40); p != "" {
			v.add(at(i, ".sha1"), p)
		}
		if p := hashProblem(it.MD5, 32); p != "" {
			v.add(at(i, ".md5"), p)
		}
		if p := hashProblem(it.PDQ, 64); p != "" {
			v.add(at(i, ".pdq"), p)
		}
		if it.SHA256 == "" && it.SHA1 == "" && it.MD5 == "" && it.PDQ == "" && it.Source == "" && it.URL == "" {
			v.add(at(i, ""), "has no hash, source or URL to identify it")
		}
		if p := textProblem(it.FileName, 2056); p != "" {
			v.add(at(i, ".fileName"), p)
		}
		if p := textProblem(it.OriginalFileName, 2056); p != "" {
			v.add(at(i, ".originalFileName"), p)
		}
		if p := textProblem(it.Source, 1024); p != "" {
			v.add(at(i, ".source"), p)
		}
		if it.Size < 0 {
			v.add(at(i, ".size"), "is negative")
		}
		if it.ContentType != "" && !isMediaType(it.ContentType) {
			v.add(at(i, ".contentType"), "is not a MIME type")
		}
		if it.URL != "" {
			if p := urlProblem(it.URL); p != "" {
				v.add(at(i, ".url"), p)
			}
		}
		if !it.UploadedAt.IsZero() {
			if p := timeProblem(it.UploadedAt, v.now); p != "" {
				v.add(at(i, ".uploadedAt"), p)
			}
		}
		if it.UploadIP != "" {
			if p := ipProblem(it.UploadIP); p != "" {
				v.add(at(i, ".uploadIp"), p)
			}
		}
		if p := portProblem(it.UploadPort); p != "" {
			v.add(at(i, ".uploadPort"), p)
		}
		if it.UploadPort != 0 && it.UploadIP == "" {
			v.add(at(i, ".uploadPort"), "needs uploadIp")
		}
		if it.EXIFViewed && !it.Viewed {
			v.add(at(i, ".exifViewed"), "is true but viewed is false; staff who viewed the EXIF data viewed the file")
		}
		if it.IndustryClass != "" && !v.industryClass(it.IndustryClass) {
			v.add(at(i, ".industryClass"), "is not an industry classification (A1, A2, B1, B2)")
		}
		if it.Supplemental && it.IndustryClass != "" {
			v.add(at(i, ".industryClass"), "must be empty for a supplemental item")
		}
		if len(it.Codes) > MaxListItems {
			v.add(at(i, ".codes"), "has more than "+strconv.Itoa(MaxListItems)+" items")
		} else {
			v.codesAt("content", i, ".codes", it.Codes)
		}

		// Duplicates: the same bytes (a cryptographic hash) or the same stored
		// object listed twice.
		if seen == nil {
			continue
		}
		for _, k := range [...]contentKey{{'s', strings.ToLower(it.SHA256)}, {'1', strings.ToLower(it.SHA1)},
			{'m', strings.ToLower(it.MD5)}, {'r', it.Source}} {
			if k.v == "" {
				continue
			}
			if j, dup := seen[k]; dup && j != i {
				v.add(at(i, ""), "duplicates content["+strconv.Itoa(j)+"]")
				break
			}
			seen[k] = i
		}
	}
}

// industryClass checks an industry classification once per validation.
func (v *validator) industryClass(s string) bool {
	if ok, hit := v.classes[s]; hit {
		return ok
	}
	ok := termIndustryClass(s)
	if v.classes == nil {
		v.classes = make(map[string]bool, 2)
	}
	v.classes[s] = ok
	return ok
}

func (v *validator) account(a *Account) {
	v.text("account.userId", a.UserID, 255)
	v.text("account.service", a.Service, 100)
	v.text("account.screenName", a.ScreenName, 256)
	v.text("account.displayName", a.DisplayName, 255)
	if a.ProfileURL != "" {
		v.url("account.profileUrl", a.ProfileURL)
	}
	if v.list("account.emails", len(a.Emails)) {
		for i, e := range a.Emails {
			v.email(idx("account.emails", i), e)
		}
	}
	if v.list("account.phones", len(a.Phones)) {
		for i, ph := range a.Phones {
			v.phone(idx("account.phones", i), ph)
		}
	}
	if v.list("account.ips", len(a.IPs)) {
		for i, e := range a.IPs {
			p := idx("account.ips", i)
			if e.IP == "" {
				v.add(p+".ip", "is required")
			} else {
				v.ip(p+".ip", e.IP)
			}
			v.port(p+".port", e.Port)
			if !e.At.IsZero() {
				v.pastTime(p+".at", e.At)
			}
			switch e.Event {
			case "", IPEventLogin, IPEventRegistration, IPEventPurchase, IPEventUpload, IPEventOther, IPEventUnknown:
			default:
				v.add(p+".event", "is not a known IP event")
			}
		}
	}
	if a.Country != "" {
		v.country("account.country", a.Country)
	}
	if !a.CreatedAt.IsZero() {
		v.pastTime("account.createdAt", a.CreatedAt)
	}
	if !a.DisabledAt.IsZero() {
		v.pastTime("account.disabledAt", a.DisabledAt)
		if !a.CreatedAt.IsZero() && a.DisabledAt.Before(a.CreatedAt) {
			v.add("account.disabledAt", "is before account.createdAt")
		}
	}
	if a.UserID == "" && a.ScreenName == "" && a.ProfileURL == "" && len(a.Emails) == 0 &&
		len(a.Phones) == 0 && len(a.IPs) == 0 {
		v.add("account", "identifies no one (give a user ID, screen name, profile URL, email, phone or IP)")
	}
}

func (v *validator) victim(vi *Victim) {
	v.text("victim.userId", vi.UserID, 255)
	v.text("victim.screenName", vi.ScreenName, 256)
	if vi.Age < 0 || vi.Age > 150 {
		v.add("victim.age", "is outside 0-150")
	}
	if vi.Country != "" {
		v.country("victim.country", vi.Country)
	}
}

func (v *validator) decision(d *Decision) {
	if v.list("decision.visibility", len(d.Visibility)) {
		seen := map[string]bool{}
		for i, x := range d.Visibility {
			switch x {
			case VisibilityRemoved, VisibilityDisabled, VisibilityDemoted, VisibilityAgeRestricted,
				VisibilityInteractionRestrict, VisibilityLabelled, VisibilityOther:
			default:
				v.add(idx("decision.visibility", i), "is not a known visibility restriction")
			}
			if seen[x] {
				v.add(idx("decision.visibility", i), "is repeated")
			}
			seen[x] = true
		}
		if seen[VisibilityOther] && strings.TrimSpace(d.VisibilityOther) == "" {
			v.add("decision.visibilityOther", "is required when visibility includes other")
		}
	}
	v.text("decision.visibilityOther", d.VisibilityOther, 500)
	switch d.Account {
	case "", AccountSuspended, AccountTerminated:
	default:
		v.add("decision.account", "is not a known account restriction")
	}
	v.text("decision.monetary", d.Monetary, 64)
	v.text("decision.provision", d.Provision, 64)
	switch d.Ground {
	case "":
	case GroundIllegal:
		if strings.TrimSpace(d.LegalGround) == "" {
			v.add("decision.legalGround", "is required when the ground is illegal content")
		}
	case GroundIncompatible:
		if strings.TrimSpace(d.ContractualGround) == "" {
			v.add("decision.contractualGround", "is required when the ground is incompatible content")
		}
	default:
		v.add("decision.ground", "is not a known decision ground")
	}
	v.text("decision.legalGround", d.LegalGround, 500)
	v.text("decision.contractualGround", d.ContractualGround, 500)
	v.text("decision.explanation", d.Explanation, 2000)
	v.text("decision.facts", d.Facts, 5000)
	v.text("decision.sourceIdentity", d.SourceIdentity, 500)
	if d.GroundURL != "" {
		v.url("decision.groundUrl", d.GroundURL)
	}
	switch d.Source {
	case "", SourceNotice, SourceTrustedFlagger, SourceOtherNotification:
	case SourceVoluntary:
		if d.SourceIdentity != "" {
			v.add("decision.sourceIdentity", "must be empty when the source is voluntary")
		}
	default:
		v.add("decision.source", "is not a known source")
	}
	switch d.Automation {
	case "", AutomationFully, AutomationPartially, AutomationNone:
	default:
		v.add("decision.automation", "is not a known automation level")
	}
	if !d.AppliedAt.IsZero() {
		v.pastTime("decision.appliedAt", d.AppliedAt)
	}
	if !d.Until.IsZero() && !d.AppliedAt.IsZero() && !d.Until.After(d.AppliedAt) {
		v.add("decision.until", "is not after decision.appliedAt")
	}
	if v.list("decision.territorialScope", len(d.TerritorialScope)) {
		for i, c := range d.TerritorialScope {
			v.country(idx("decision.territorialScope", i), c)
		}
	}
	if d.Language != "" && !isUpperAlpha(d.Language, 2) {
		v.add("decision.language", "is not an ISO 639-1 code in capitals")
	}
}

func (v *validator) narrative(s string) {
	if len(s) > MaxNarrativeBytes {
		v.add("narrative", "is longer than "+strconv.Itoa(MaxNarrativeBytes)+" bytes")
		return
	}
	if !utf8.ValidString(s) {
		v.add("narrative", "is not valid UTF-8")
		return
	}
	for _, f := range termLint(s) {
		msg := "uses deprecated wording at bytes " + strconv.Itoa(f.Start) + "-" + strconv.Itoa(f.End)
		if f.Preferred != "" {
			msg += "; prefer " + strconv.Quote(f.Preferred)
		}
		v.warn("narrative", msg)
	}
}

// ---- agency rules ----

func (v *validator) cybertip(r *Report) {
	if r.Reporter.Contact.Email == "" {
		v.add("reporter.contact.email", "is required by the CyberTipline (reportingPerson email)")
	}
	if r.Incident.Code != "" && termKnown(r.Incident.Code) && !termMapsNCMECIncident(r.Incident.Code) {
		v.add("incident.code", "has no CyberTipline incident type")
	}
	if len(r.Content) == 0 && r.Incident.Location.URL == "" {
		v.add("content", "is empty and incident.location.url is not set; give at least one")
	}
	for i, id := range r.PriorReportIDs {
		if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 {
			v.add(idx("priorReportIds", i), "is not a CyberTipline report ID (a positive integer)")
		}
	}
	for i := range r.Content {
		it := &r.Content[i]
		if it.Supplemental {
			for _, c := range it.Codes {
				if c == "ctx.potential_meme" {
					v.add(idx("content", i)+".codes", "a supplemental item cannot be annotated potential meme")
					break
				}
			}
		}
	}
}

func (v *validator) dsa(r *Report) {
	if len(r.ID) > 0 && !isPUID(r.ID) {
		v.add("id", "is used as the DSA puid and may contain only letters, digits, - and _")
	}
	if r.Incident.Code != "" && termKnown(r.Incident.Code) && !termMapsDSA(r.Incident.Code) {
		v.add("incident.code", "has no DSA category")
	}
	d := r.Decision
	if d == nil {
		v.add("decision", "is required by the DSA Transparency Database")
		return
	}
	if len(d.Visibility) == 0 && d.Account == "" && d.Monetary == "" && d.Provision == "" {
		v.add("decision", "restricts nothing; give visibility, account, monetary or provision")
	}
	if d.Ground == "" {
		v.add("decision.ground", "is required by the DSA")
	}
	if strings.TrimSpace(d.Explanation) == "" {
		v.add("decision.explanation", "is required by the DSA")
	}
	if strings.TrimSpace(d.Facts) == "" {
		v.add("decision.facts", "is required by the DSA")
	}
	if d.Source == "" {
		v.add("decision.source", "is required by the DSA")
	}
	if d.Automation == "" {
		v.add("decision.automation", "is required by the DSA")
	}
	if d.AppliedAt.IsZero() {
		v.add("decision.appliedAt", "is required by the DSA")
	} else if d.AppliedAt.Year() < 2020 || !d.AppliedAt.Before(dsaDateLimit) {
		v.add("decision.appliedAt", "is outside 2020-01-01 to 2038-01-01")
	}
	if !d.Until.IsZero() && d.Until.After(dsaDateLimit) {
		v.add("decision.until", "is after 2038-01-01")
	}
	if !r.Incident.Time.IsZero() && r.Incident.Time.Year() < 2000 {
		v.add("incident.time", "is before 2000-01-01, the earliest DSA content date")
	}
	// Art. 24(5): no personal data. Free text is where it slips in.
	for _, f := range [...]struct{ path, s string }{
		{"decision.facts", d.Facts}, {"decision.explanation", d.Explanation},
		{"decision.sourceIdentity", d.SourceIdentity}, {"decision.legalGround", d.LegalGround},
		{"decision.contractualGround", d.ContractualGround},
	} {
		if what := personalData(f.s); what != "" {
			v.add(f.path, "contains "+what+"; the DSA database must not receive personal data")
		}
	}
}

var dsaDateLimit = time.Date(2038, 1, 1, 0, 0, 0, 0, time.UTC)

func (v *validator) nca(r *Report) {
	c := r.Reporter.Contact
	if strings.TrimSpace(c.FirstName) == "" && strings.TrimSpace(c.LastName) == "" {
		v.add("reporter.contact", "needs a name for the NCA (Schedule 1)")
	}
	if c.Email == "" {
		v.add("reporter.contact.email", "is required by the NCA (Schedule 1)")
	}
	if c.Phone == "" {
		v.warn("reporter.contact.phone", "is expected by the NCA where available (Schedule 1)")
	}
	if len(r.Content) == 0 && r.Incident.Location.URL == "" {
		v.add("content", "is empty and incident.location.url is not set; give at least one")
	}
	for i := range r.Content {
		it := &r.Content[i]
		if !it.Supplemental && it.SHA256 == "" && it.SHA1 == "" && it.MD5 == "" {
			v.warn(idx("content", i), "has no hash of the original file, which the NCA expects where available")
		}
	}
}

// ---- field checks ----

func (v *validator) term(path, code string) {
	if r := v.termResult(code); r.problem != "" {
		if r.warning {
			v.warn(path, r.problem)
		} else {
			v.add(path, r.problem)
		}
	}
}

type termResult struct {
	problem string
	warning bool
}

// termResult looks code up once per validation: reports repeat codes in every
// content item.
func (v *validator) termResult(code string) termResult {
	if r, ok := v.terms[code]; ok {
		return r
	}
	var r termResult
	r.problem, r.warning = termCheck(code)
	if v.terms == nil {
		v.terms = make(map[string]termResult, 4)
	}
	v.terms[code] = r
	return r
}

// check adds problem at path when problem is not empty. Paths that need
// building are built only then (see itemPath).
func (v *validator) check(path, problem string) {
	if problem != "" {
		v.add(path, problem)
	}
}

func (v *validator) text(path, s string, max int)      { v.check(path, textProblem(s, max)) }
func (v *validator) pastTime(path string, t time.Time) { v.check(path, timeProblem(t, v.now)) }
func (v *validator) url(path, s string)                { v.check(path, urlProblem(s)) }
func (v *validator) ip(path, s string)                 { v.check(path, ipProblem(s)) }
func (v *validator) port(path string, p int)           { v.check(path, portProblem(p)) }
func (v *validator) email(path, s string)              { v.check(path, emailProblem(s)) }
func (v *validator) phone(path, s string)              { v.check(path, phoneProblem(s)) }
func (v *validator) country(path, s string)            { v.check(path, countryProblem(s)) }

// itemPath returns base[i]field, e.g. content[2].sha256.
func itemPath(base string, i int, field string) string { return idx(base, i) + field }

// ---- field checks: each returns "" or the problem, never quoting s ----

func textProblem(s string, max int) string {
	if len(s) > max {
		return "is longer than " + strconv.Itoa(max) + " bytes"
	}
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	return ""
}

func timeProblem(t time.Time, now time.Time) string {
	switch {
	case t.Year() < 1970:
		return "is before 1970"
	case t.After(now):
		return "is in the future"
	}
	return ""
}

func hashProblem(s string, n int) string {
	if s == "" || len(s) == n && isHex(s) {
		return ""
	}
	return "is not " + strconv.Itoa(n) + " hex digits"
}

func urlProblem(s string) string {
	if len(s) > MaxURLBytes {
		return "is longer than " + strconv.Itoa(MaxURLBytes) + " bytes"
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "is not an absolute http or https URL"
	}
	return ""
}

func ipProblem(s string) string {
	if _, err := netip.ParseAddr(s); err != nil {
		return "is not an IPv4 or IPv6 address"
	}
	return ""
}

func portProblem(p int) string {
	if p < 0 || p > 65535 {
		return "is outside 1-65535"
	}
	return ""
}

func emailProblem(s string) string {
	if !isEmail(s) {
		return "is not an email address (local@domain, at most 255 bytes, local part at most 64)"
	}
	return ""
}

func phoneProblem(s string) string {
	digits := 0
	ok := len(s) <= 32
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '+' && i == 0, c == ' ', c == '-', c == '(', c == ')', c == '.':
		default:
			ok = false
		}
	}
	if !ok || digits < 3 {
		return "is not a phone number (digits, optional leading +, spaces, - ( ) .)"
	}
	return ""
}

func countryProblem(s string) string {
	if !isUpperAlpha(s, 2) {
		return "is not an ISO 3166-1 alpha-2 code in capitals"
	}
	return ""
}

// isMediaType reports whether s is type/subtype with optional parameters
// (RFC 2045 tokens), without allocating for the common parameterless case.
func isMediaType(s string) bool {
	base, params, hasParams := strings.Cut(s, ";")
	typ, sub, ok := strings.Cut(strings.TrimSpace(base), "/")
	if !ok || !isToken(typ) || !isToken(sub) {
		return false
	}
	if hasParams && strings.TrimSpace(params) != "" {
		_, _, err := mime.ParseMediaType(s)
		return err == nil
	}
	return true
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}

func isEmail(s string) bool {
	if len(s) > 255 || strings.TrimSpace(s) != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at > 64 || at == len(s)-1 || !strings.Contains(s[at+1:], ".") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// isKey reports whether s uses only letters, digits and . _ - :.
func isKey(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// isPUID reports whether s matches the DSA's ^[a-zA-Z0-9-_]+$.
func isPUID(s string) bool {
	if s == "" || len(s) > 500 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func isUpperAlpha(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// personalData names the first kind of personal data found in free text ("an
// email address", "an IP address"), or "" when none is found. It is a heuristic
// for the obvious cases, not a guarantee.
func personalData(s string) string {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;()<>\"'[]", r)
	}) {
		w = strings.TrimRight(w, ".:!?")
		if strings.Contains(w, "@") && isEmail(w) {
			return "an email address"
		}
		if strings.ContainsAny(w, ".:") {
			if a, err := netip.ParseAddr(w); err == nil && (a.Is4() || strings.Count(w, ":") >= 2) {
				return "an IP address"
			}
		}
	}
	return ""
}
