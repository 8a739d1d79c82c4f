package nca

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/terminology"
)

// Name is the agency's name in an outbox.
const Name = reporting.AgencyNCA

// Field names one item of the UK report. Each maps to a dotted JSON path
// (Options.Fields) that can be renamed, moved or left out (Options.Omit), because
// the NCA has published no API schema yet.
type Field string

// The fields, after Schedule 1 of SI 2026/268 where it lists the item (reference
// reporting.md §3.5), with their default paths.
const (
	FieldSchema             Field = "schema"                    // Options.Schema
	FieldPlatformReference  Field = "platform_reference"        // Report.ID: the platform's own reference
	FieldPriority           Field = "priority"                  // 1, 2 or 3 (see Options.Priority)
	FieldReporterName       Field = "reporting_person.name"     // Schedule 1: the reporting person's name
	FieldReporterEmail      Field = "reporting_person.email"    // ... email
	FieldReporterPhone      Field = "reporting_person.phone"    // ... phone
	FieldServiceName        Field = "service.name"              // Schedule 1: the platform or service
	FieldServiceProduct     Field = "service.product"           // the product or app where it happened
	FieldIncidentCode       Field = "incident.code"             // the CSEA content detected: terminology code
	FieldIncidentLabel      Field = "incident.label"            // ... its preferred label
	FieldIncidentTime       Field = "incident.time"             // RFC 3339 with zone
	FieldIncidentURL        Field = "incident.url"              // the content URL
	FieldDetectionMethod    Field = "incident.detection_method" // Schedule 1: how it was detected
	FieldDescription        Field = "incident.description"      // Report.Narrative
	FieldEscalation         Field = "incident.escalation"       // Incident.Escalate: why it is urgent
	FieldPreviouslyReported Field = "previous_reports.reported" // Schedule 1: reported before?
	FieldPreviousReferences Field = "previous_reports.nca_references"
	FieldReportedElsewhere  Field = "previous_reports.other_bodies" // e.g. the NCMEC CyberTipline
	FieldContent            Field = "content"                       // the files: hashes, upload time, IP, port, URL
	FieldAccountUsername    Field = "account.username"
	FieldAccountUserID      Field = "account.user_id"
	FieldAccountDisplayName Field = "account.display_name"
	FieldAccountEmails      Field = "account.emails"
	FieldAccountRecovery    Field = "account.recovery_email"
	FieldAccountPhones      Field = "account.phones"
	FieldAccountProfileURL  Field = "account.profile_url"
	FieldAccountBilling     Field = "account.billing"
	FieldAccountLoginIPs    Field = "account.login_ips" // login IPs within Options.LoginIPWindow
	FieldAccountCountry     Field = "account.country"
	FieldAccountConnections Field = "account.connections"        // connections with other accounts
	FieldAccountIDDocuments Field = "account.identity_documents" // optional (the revoked 2025 SI listed it)
	FieldVictim             Field = "victim"                     // not in Schedule 1: omitted unless enabled
	FieldDeclarationText    Field = "declaration.text"           // Schedule 1: declaration of truth
	FieldDeclaredBy         Field = "declaration.by"
	FieldDeclaredAt         Field = "declaration.at"
)

// Fields lists every Field in a fixed order.
func Fields() []Field {
	return []Field{
		FieldSchema, FieldPlatformReference, FieldPriority, FieldReporterName, FieldReporterEmail,
		FieldReporterPhone, FieldServiceName, FieldServiceProduct, FieldIncidentCode, FieldIncidentLabel,
		FieldIncidentTime, FieldIncidentURL, FieldDetectionMethod, FieldDescription, FieldEscalation,
		FieldPreviouslyReported, FieldPreviousReferences, FieldReportedElsewhere, FieldContent,
		FieldAccountUsername, FieldAccountUserID, FieldAccountDisplayName, FieldAccountEmails,
		FieldAccountRecovery, FieldAccountPhones, FieldAccountProfileURL, FieldAccountBilling,
		FieldAccountLoginIPs, FieldAccountCountry, FieldAccountConnections, FieldAccountIDDocuments,
		FieldVictim, FieldDeclarationText, FieldDeclaredBy, FieldDeclaredAt,
	}
}

// The Report.Extra keys this package reads.
const (
	// ExtraPriority is "1", "2" or "3" and overrides Options.Priority.
	ExtraPriority = "nca.priority"
	// ExtraDetectionMethod says how the content was detected ("hash match
	// against the IWF list", ...); otherwise it is derived from the decision.
	ExtraDetectionMethod = "nca.detectionMethod"
	// ExtraReportedElsewhere names earlier reports to comparable bodies, e.g.
	// "NCMEC CyberTipline 123456" (content already reported to one need not be
	// reported again; the NCA does not replace NCMEC reporting).
	ExtraReportedElsewhere = "nca.reportedElsewhere"
	// ExtraRecoveryEmail, ExtraBilling, ExtraConnections (comma-separated
	// account IDs) and ExtraIDDocuments fill the account items the neutral
	// Report does not hold.
	ExtraRecoveryEmail = "nca.recoveryEmail"
	ExtraBilling       = "nca.billing"
	ExtraConnections   = "nca.connections"
	ExtraIDDocuments   = "nca.identityDocuments"
	// ExtraPhonesVerified is "true" or "false": whether the account's phone
	// numbers are verified.
	ExtraPhonesVerified = "nca.phonesVerified"
)

// DefaultDeclaration is the declaration of truth sent when Options.Declaration is
// empty. Knowingly or recklessly giving false information is an offence.
const DefaultDeclaration = "I declare that the information in this report is true and complete to the best of my knowledge and belief."

// Options configure an Agency. A nil *Options means all defaults. Every value is
// configurable because the regulation (SI 2026/268, in force 7 April 2026) is new
// and the NCA has published no API.
type Options struct {
	// Path is where reports are posted, below the client's base URL. Default
	// "/v1/reports".
	Path string
	// NoLookup says the API has no lookup by platform reference. By default an
	// unknown outcome is settled with GET Path/{platform reference}: 200 means
	// the report arrived, 404 that it did not.
	NoLookup bool
	// Fields renames or moves fields (dotted JSON paths). Unset fields keep
	// their default paths (the Field's own name).
	Fields map[Field]string
	// Omit leaves fields out of the report. Default: FieldVictim (not in
	// Schedule 1).
	Omit []Field
	// Required lists fields that must be present for Validate to pass.
	// Default: reporter name and email, incident code and time, the
	// declaration, the platform reference and the priority.
	Required []Field
	// ReferenceKey is the answer's field that carries the NCA reference.
	// Default "reference".
	ReferenceKey string
	// DuplicateStatus is the status with which the API says the platform
	// reference was reported already (its body carries the reference): an
	// idempotent success. Default 409.
	DuplicateStatus int
	// IdempotencyHeader carries Report.ID on every post. Default
	// "Idempotency-Key"; "-" sends none.
	IdempotencyHeader string
	// Idempotent says the API honours IdempotencyHeader, so a post may be
	// resent after a transport error. Default false: an unanswered post is
	// reconciled by lookup.
	Idempotent bool
	// Schema names the payload version in FieldSchema. Default
	// "mnr.nca.csea-report/2026-04".
	Schema string
	// Declaration is the declaration of truth. Default DefaultDeclaration.
	Declaration string
	// Priority assigns 1 (immediate threat to a child), 2 or 3. Default:
	// Report.Extra nca.priority if set, else 1 when Incident.Escalate is set,
	// else DefaultPriority.
	Priority func(r *reporting.Report) int
	// DefaultPriority is the priority of reports without escalation. Default 2.
	DefaultPriority int
	// LoginIPWindow bounds the login IPs sent, back from the incident time.
	// Default 90 days (Schedule 1: the previous three months).
	LoginIPWindow time.Duration
	// Now is the clock for the declaration time and receipts. Default time.Now.
	Now func() time.Time
	// Logger receives debug records (report IDs, references). Nil discards.
	Logger *slog.Logger
}

// Agency is the UK NCA driver: it implements reporting.Agency and
// reporting.Reconciler. It is safe for concurrent use.
type Agency struct {
	opts     Options
	paths    map[Field][]string
	omit     map[Field]bool
	required []Field
	log      *slog.Logger
}

var (
	_ reporting.Agency     = (*Agency)(nil)
	_ reporting.Reconciler = (*Agency)(nil)
)

// ErrOptions: the options are inconsistent (an unknown field, a path used twice or
// inside another field's path, a bad priority).
var ErrOptions = errors.New("nca: invalid options")

// New returns an NCA driver, or an error wrapping ErrOptions.
func New(opts *Options) (*Agency, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Path == "" {
		o.Path = "/v1/reports"
	}
	if !strings.HasPrefix(o.Path, "/") {
		return nil, fmt.Errorf("%w: Path must start with /", ErrOptions)
	}
	if o.ReferenceKey == "" {
		o.ReferenceKey = "reference"
	}
	if o.DuplicateStatus == 0 {
		o.DuplicateStatus = http.StatusConflict
	}
	if o.IdempotencyHeader == "" {
		o.IdempotencyHeader = "Idempotency-Key"
	}
	if o.Schema == "" {
		o.Schema = "mnr.nca.csea-report/2026-04"
	}
	if o.Declaration == "" {
		o.Declaration = DefaultDeclaration
	}
	if o.DefaultPriority == 0 {
		o.DefaultPriority = 2
	}
	if o.DefaultPriority < 1 || o.DefaultPriority > 3 {
		return nil, fmt.Errorf("%w: DefaultPriority must be 1, 2 or 3", ErrOptions)
	}
	if o.LoginIPWindow <= 0 {
		o.LoginIPWindow = 90 * 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Omit == nil {
		o.Omit = []Field{FieldVictim}
	}
	if o.Required == nil {
		o.Required = []Field{FieldReporterName, FieldReporterEmail, FieldIncidentCode, FieldIncidentTime,
			FieldDeclarationText, FieldPlatformReference, FieldPriority}
	}
	a := &Agency{opts: o, paths: map[Field][]string{}, omit: map[Field]bool{}, log: o.Logger}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	known := map[Field]bool{}
	for _, f := range Fields() {
		known[f] = true
	}
	for f := range o.Fields {
		if !known[f] {
			return nil, fmt.Errorf("%w: unknown field %q", ErrOptions, f)
		}
	}
	for _, f := range o.Omit {
		if !known[f] {
			return nil, fmt.Errorf("%w: unknown field %q in Omit", ErrOptions, f)
		}
		a.omit[f] = true
	}
	for _, f := range o.Required {
		if !known[f] {
			return nil, fmt.Errorf("%w: unknown field %q in Required", ErrOptions, f)
		}
		if a.omit[f] {
			return nil, fmt.Errorf("%w: field %q is both required and omitted", ErrOptions, f)
		}
	}
	a.required = o.Required
	used := map[string]Field{}
	for _, f := range Fields() {
		if a.omit[f] {
			continue
		}
		p := string(f)
		if v, ok := o.Fields[f]; ok {
			p = v
		}
		parts := strings.Split(p, ".")
		for _, s := range parts {
			if s == "" {
				return nil, fmt.Errorf("%w: field %q has an empty path segment", ErrOptions, f)
			}
		}
		if g, dup := used[p]; dup {
			return nil, fmt.Errorf("%w: fields %q and %q share the path %q", ErrOptions, g, f, p)
		}
		used[p] = f
		a.paths[f] = parts
	}
	// No path may lie inside another field's value.
	for p, f := range used {
		for q, g := range used {
			if p != q && strings.HasPrefix(q, p+".") {
				return nil, fmt.Errorf("%w: field %q (%s) lies inside field %q (%s)", ErrOptions, g, q, f, p)
			}
		}
	}
	return a, nil
}

// Name returns "nca".
func (a *Agency) Name() string { return Name }

func (a *Agency) priority(r *reporting.Report) (int, error) {
	if v, ok := r.Extra[ExtraPriority]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3 {
			return 0, errors.New("must be 1, 2 or 3")
		}
		return n, nil
	}
	if a.opts.Priority != nil {
		n := a.opts.Priority(r)
		if n < 1 || n > 3 {
			return 0, errors.New("Options.Priority returned a value outside 1-3")
		}
		return n, nil
	}
	if strings.TrimSpace(r.Incident.Escalate) != "" {
		return 1, nil
	}
	return a.opts.DefaultPriority, nil
}

func detectionMethod(r *reporting.Report) string {
	if v := r.Extra[ExtraDetectionMethod]; v != "" {
		return v
	}
	d := r.Decision
	if d == nil {
		return ""
	}
	var parts []string
	if d.AutomatedDetection {
		parts = append(parts, "automated detection")
	}
	switch d.Source {
	case reporting.SourceVoluntary:
		parts = append(parts, "the platform's own initiative")
	case reporting.SourceNotice, reporting.SourceOtherNotification:
		parts = append(parts, "a notice from a user or third party")
	case reporting.SourceTrustedFlagger:
		parts = append(parts, "a notice from a trusted flagger")
	}
	return strings.Join(parts, "; ")
}

// values maps r to field values; absent fields are left out.
func (a *Agency) values(r *reporting.Report, now time.Time) (map[Field]any, []error) {
	var problems []error
	add := func(path, problem string) {
		problems = append(problems, &reporting.FieldError{Path: path, Problem: problem})
	}
	v := map[Field]any{}
	set := func(f Field, x any) {
		switch t := x.(type) {
		case string:
			if t == "" {
				return
			}
		case []string:
			if len(t) == 0 {
				return
			}
		case []map[string]any:
			if len(t) == 0 {
				return
			}
		case map[string]any:
			if len(t) == 0 {
				return
			}
		}
		v[f] = x
	}
	set(FieldSchema, a.opts.Schema)
	set(FieldPlatformReference, r.ID)
	if p, err := a.priority(r); err != nil {
		add("extra["+ExtraPriority+"]", err.Error())
	} else {
		set(FieldPriority, p)
	}
	c := r.Reporter.Contact
	set(FieldReporterName, strings.TrimSpace(c.FirstName+" "+c.LastName))
	set(FieldReporterEmail, c.Email)
	set(FieldReporterPhone, c.Phone)
	set(FieldServiceName, r.Reporter.Platform)
	product := r.Incident.Location.Platform
	if product == "" && r.Account != nil {
		product = r.Account.Service
	}
	set(FieldServiceProduct, product)
	set(FieldIncidentCode, r.Incident.Code)
	if t, err := terminology.Lookup(r.Incident.Code); err == nil {
		set(FieldIncidentLabel, t.Label)
	}
	if !r.Incident.Time.IsZero() {
		set(FieldIncidentTime, r.Incident.Time.Truncate(time.Second).Format(time.RFC3339))
	}
	set(FieldIncidentURL, r.Incident.Location.URL)
	set(FieldDetectionMethod, detectionMethod(r))
	set(FieldDescription, r.Narrative)
	set(FieldEscalation, strings.TrimSpace(r.Incident.Escalate))
	elsewhere := r.Extra[ExtraReportedElsewhere]
	v[FieldPreviouslyReported] = len(r.PriorReportIDs) > 0 || elsewhere != ""
	set(FieldPreviousReferences, r.PriorReportIDs)
	set(FieldReportedElsewhere, elsewhere)

	var items []map[string]any
	for _, it := range r.Content {
		m := map[string]any{}
		put := func(k string, x string) {
			if x != "" {
				m[k] = x
			}
		}
		put("file_name", it.FileName)
		put("original_file_name", it.OriginalFileName)
		put("content_type", it.ContentType)
		put("url", it.URL)
		if !it.UploadedAt.IsZero() {
			m["upload_time"] = it.UploadedAt.Truncate(time.Second).Format(time.RFC3339)
		}
		put("upload_ip", it.UploadIP)
		if it.UploadPort != 0 {
			m["upload_port"] = it.UploadPort
		}
		hashes := map[string]string{}
		for k, h := range map[string]string{"md5": it.MD5, "sha1": it.SHA1, "sha256": it.SHA256, "pdq": it.PDQ} {
			if h != "" {
				hashes[k] = strings.ToLower(h)
			}
		}
		if len(hashes) > 0 {
			m["hashes"] = hashes
		}
		if it.Size > 0 {
			m["size"] = it.Size
		}
		if len(it.Codes) > 0 {
			m["codes"] = it.Codes
		}
		m["viewed_by_platform"] = it.Viewed
		m["exif_viewed"] = it.EXIFViewed
		m["supplemental"] = it.Supplemental
		items = append(items, m)
	}
	set(FieldContent, items)

	if acc := r.Account; acc != nil {
		set(FieldAccountUsername, acc.ScreenName)
		set(FieldAccountUserID, acc.UserID)
		set(FieldAccountDisplayName, acc.DisplayName)
		set(FieldAccountEmails, acc.Emails)
		set(FieldAccountProfileURL, acc.ProfileURL)
		set(FieldAccountCountry, acc.Country)
		var phones []map[string]any
		for _, p := range acc.Phones {
			m := map[string]any{"number": p}
			switch r.Extra[ExtraPhonesVerified] {
			case "true":
				m["verified"] = true
			case "false":
				m["verified"] = false
			case "":
			default:
				add("extra["+ExtraPhonesVerified+"]", "must be true or false")
			}
			phones = append(phones, m)
		}
		set(FieldAccountPhones, phones)
		var ips []map[string]any
		from := r.Incident.Time.Add(-a.opts.LoginIPWindow)
		for _, e := range acc.IPs {
			if e.Event != reporting.IPEventLogin && e.Event != "" {
				continue
			}
			if !e.At.IsZero() && !r.Incident.Time.IsZero() && e.At.Before(from) {
				continue
			}
			m := map[string]any{"ip": e.IP}
			if e.Port != 0 {
				m["port"] = e.Port
			}
			if !e.At.IsZero() {
				m["time"] = e.At.Truncate(time.Second).Format(time.RFC3339)
			}
			ips = append(ips, m)
		}
		set(FieldAccountLoginIPs, ips)
	}
	set(FieldAccountRecovery, r.Extra[ExtraRecoveryEmail])
	set(FieldAccountBilling, r.Extra[ExtraBilling])
	if conn := r.Extra[ExtraConnections]; conn != "" {
		var ids []string
		for _, s := range strings.Split(conn, ",") {
			if s = strings.TrimSpace(s); s != "" {
				ids = append(ids, s)
			}
		}
		set(FieldAccountConnections, ids)
	}
	set(FieldAccountIDDocuments, r.Extra[ExtraIDDocuments])
	if vi := r.Victim; vi != nil {
		m := map[string]any{}
		if vi.UserID != "" {
			m["user_id"] = vi.UserID
		}
		if vi.Age > 0 {
			m["age"] = vi.Age
		}
		if vi.Country != "" {
			m["country"] = vi.Country
		}
		set(FieldVictim, m)
	}
	set(FieldDeclarationText, a.opts.Declaration)
	set(FieldDeclaredBy, strings.TrimSpace(c.FirstName+" "+c.LastName))
	set(FieldDeclaredAt, now.UTC().Truncate(time.Second).Format(time.RFC3339))
	return v, problems
}

// Validate checks the options' required fields against r and the Report.Extra keys
// this package reads.
func (a *Agency) Validate(r *reporting.Report) error {
	v, problems := a.values(r, a.opts.Now())
	for _, f := range a.required {
		if _, ok := v[f]; !ok {
			problems = append(problems, &reporting.FieldError{Path: "nca." + string(f), Problem: "is required by the NCA profile (Options.Required) and the report does not give it"})
		}
	}
	if _, err := terminology.Lookup(r.Incident.Code); r.Incident.Code != "" && err != nil {
		problems = append(problems, &reporting.FieldError{Path: "incident.code", Problem: "is not a terminology code"})
	}
	return errors.Join(problems...)
}

// Encode renders the report as JSON, each field at its configured path.
func (a *Agency) Encode(r *reporting.Report) ([]byte, error) {
	return a.encode(r, a.opts.Now())
}

func (a *Agency) encode(r *reporting.Report, now time.Time) ([]byte, error) {
	if err := reporting.Blocking(a.Validate(r)); err != nil {
		return nil, err
	}
	v, _ := a.values(r, now)
	doc := map[string]any{}
	fields := make([]Field, 0, len(v))
	for f := range v {
		fields = append(fields, f)
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i] < fields[j] })
	for _, f := range fields {
		if a.omit[f] {
			continue
		}
		path := a.paths[f]
		m := doc
		for _, seg := range path[:len(path)-1] {
			next, ok := m[seg].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[seg] = next
			}
			m = next
		}
		m[path[len(path)-1]] = v[f]
	}
	return json.Marshal(doc)
}

// Step posts the report and records the NCA reference (keep it five years, reg. 8).
func (a *Agency) Step(ctx context.Context, env reporting.StepEnv, s *reporting.Submission) (reporting.Progress, error) {
	p := s.Progress.Clone()
	if p.Done {
		return p, nil
	}
	body, err := a.encode(&s.Report, env.Now())
	if err != nil {
		return p, fmt.Errorf("nca: %w: %w", reporting.ErrPermanent, err)
	}
	spec := reporting.RequestSpec{
		Method:     http.MethodPost,
		Path:       a.opts.Path,
		Header:     http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}},
		Body:       func() (io.Reader, error) { return bytes.NewReader(body), nil },
		Idempotent: a.opts.Idempotent,
	}
	if a.opts.IdempotencyHeader != "-" {
		spec.Header.Set(a.opts.IdempotencyHeader, s.Report.ID)
	}
	resp, err := env.Do(ctx, spec)
	if err != nil {
		var ae *reporting.APIError
		if errors.As(err, &ae) && ae.StatusCode == a.opts.DuplicateStatus {
			raw := ae.Raw()
			if ref := a.reference(raw); ref != "" {
				return a.done(p, ref, env.Now(), ae.RequestID, raw, "the NCA already holds this platform reference: idempotent success"), nil
			}
		}
		return p, fmt.Errorf("nca: post report: %w", err)
	}
	ref := a.reference(resp.Body)
	if ref == "" {
		return p, fmt.Errorf("nca: %w: answer HTTP %d without %q (request-id %s)", reporting.ErrOutcomeUnknown, resp.StatusCode, a.opts.ReferenceKey, resp.RequestID)
	}
	a.log.LogAttrs(ctx, slog.LevelDebug, "nca: report accepted", slog.String("report", s.ID), slog.String("reference", ref))
	return a.done(p, ref, env.Now(), resp.RequestID, resp.Body, ""), nil
}

func (a *Agency) done(p reporting.Progress, ref string, now time.Time, requestID string, body []byte, note string) reporting.Progress {
	p.Step = "reported"
	p.SetID("reference", ref)
	p.Receipts = append(p.Receipts, reporting.Receipt{Step: "report", At: now, ContentType: "application/json", RequestID: requestID, Body: bytes.Clone(body), Note: note})
	p.Done = true
	return p
}

// reference reads the NCA reference from an answer, "" when absent.
func (a *Agency) reference(body []byte) string {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return ""
	}
	ref, _ := m[a.opts.ReferenceKey].(string)
	if len(ref) > 256 {
		return ""
	}
	return ref
}

// Reconcile settles a post whose outcome is unknown by looking the platform
// reference up: found means it arrived (done); not found means sending again is
// safe. Without a lookup (Options.NoLookup) it fails: a human must check the NCA
// portal, then Requeue or Abandon.
func (a *Agency) Reconcile(ctx context.Context, env reporting.StepEnv, s *reporting.Submission) (reporting.Progress, error) {
	p := s.Progress.Clone()
	if p.Done {
		return p, nil
	}
	if a.opts.NoLookup {
		return p, fmt.Errorf("nca: %w: outcome unknown and the API has no lookup; check the NCA portal for reference %s, then Requeue or Abandon", reporting.ErrPermanent, s.Report.ID)
	}
	resp, err := env.Do(ctx, reporting.RequestSpec{
		Method:     http.MethodGet,
		Path:       a.opts.Path + "/" + url.PathEscape(s.Report.ID),
		Header:     http.Header{"Accept": {"application/json"}},
		Idempotent: true,
	})
	now := env.Now()
	if err != nil {
		var ae *reporting.APIError
		if errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound {
			p.Step = "new"
			p.Receipts = append(p.Receipts, reporting.Receipt{Step: "reconcile", At: now, RequestID: ae.RequestID,
				Note: "post outcome unknown; the NCA has no report under this platform reference, so sending again is safe"})
			return p, nil
		}
		return p, fmt.Errorf("nca: lookup: %w", err)
	}
	ref := a.reference(resp.Body)
	if ref == "" {
		return p, fmt.Errorf("nca: lookup answer without %q", a.opts.ReferenceKey)
	}
	return a.done(p, ref, now, resp.RequestID, resp.Body, "post outcome unknown; the lookup found the report: it arrived"), nil
}

// Paths returns the JSON path of every field sent, for documentation and review.
func (a *Agency) Paths() map[Field]string {
	out := make(map[Field]string, len(a.paths))
	for f, p := range a.paths {
		out[f] = strings.Join(p, ".")
	}
	return out
}
