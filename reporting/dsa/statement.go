package dsa

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/terminology"
)

// Statement is a statement of reasons as the Transparency Database's
// POST /api/v1/statement takes it (schema v2, from 1 July 2025). Enumerated fields
// carry the constant names ("DECISION_GROUND_ILLEGAL_CONTENT"), except
// automated_detection and incompatible_content_illegal, which are "Yes" or "No".
// Fields are in the order of the database's StatementStoreRequest; empty optional
// fields are left out.
type Statement struct {
	DecisionVisibility             []string          `json:"decision_visibility,omitempty"`
	DecisionVisibilityOther        string            `json:"decision_visibility_other,omitempty"`
	DecisionMonetary               string            `json:"decision_monetary,omitempty"`
	DecisionMonetaryOther          string            `json:"decision_monetary_other,omitempty"`
	DecisionProvision              string            `json:"decision_provision,omitempty"`
	DecisionAccount                string            `json:"decision_account,omitempty"`
	AccountType                    string            `json:"account_type,omitempty"`
	DecisionGround                 string            `json:"decision_ground"`
	DecisionGroundReferenceURL     string            `json:"decision_ground_reference_url,omitempty"`
	IllegalContentLegalGround      string            `json:"illegal_content_legal_ground,omitempty"`
	IllegalContentExplanation      string            `json:"illegal_content_explanation,omitempty"`
	IncompatibleContentGround      string            `json:"incompatible_content_ground,omitempty"`
	IncompatibleContentExplanation string            `json:"incompatible_content_explanation,omitempty"`
	IncompatibleContentIllegal     string            `json:"incompatible_content_illegal,omitempty"`
	ContentType                    []string          `json:"content_type"`
	ContentTypeOther               string            `json:"content_type_other,omitempty"`
	Category                       string            `json:"category"`
	CategoryAddition               []string          `json:"category_addition,omitempty"`
	CategorySpecification          []string          `json:"category_specification,omitempty"`
	CategorySpecificationOther     string            `json:"category_specification_other,omitempty"`
	ContentID                      map[string]string `json:"content_id,omitempty"`
	TerritorialScope               []string          `json:"territorial_scope,omitempty"`
	ContentLanguage                string            `json:"content_language,omitempty"`
	ContentDate                    string            `json:"content_date"`
	ApplicationDate                string            `json:"application_date"`
	EndDateAccountRestriction      string            `json:"end_date_account_restriction,omitempty"`
	EndDateMonetaryRestriction     string            `json:"end_date_monetary_restriction,omitempty"`
	EndDateServiceRestriction      string            `json:"end_date_service_restriction,omitempty"`
	EndDateVisibilityRestriction   string            `json:"end_date_visibility_restriction,omitempty"`
	DecisionFacts                  string            `json:"decision_facts"`
	SourceType                     string            `json:"source_type"`
	SourceIdentity                 string            `json:"source_identity,omitempty"`
	AutomatedDetection             string            `json:"automated_detection"`
	AutomatedDecision              string            `json:"automated_decision"`
	PUID                           string            `json:"puid"`
}

// The constants of the decision fields (Statement::* at the database's HEAD).
var (
	visibilityConst = map[string]string{
		reporting.VisibilityRemoved:             "DECISION_VISIBILITY_CONTENT_REMOVED",
		reporting.VisibilityDisabled:            "DECISION_VISIBILITY_CONTENT_DISABLED",
		reporting.VisibilityDemoted:             "DECISION_VISIBILITY_CONTENT_DEMOTED",
		reporting.VisibilityAgeRestricted:       "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
		reporting.VisibilityInteractionRestrict: "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
		reporting.VisibilityLabelled:            "DECISION_VISIBILITY_CONTENT_LABELLED",
		reporting.VisibilityOther:               "DECISION_VISIBILITY_OTHER",
	}
	// Decision.Monetary values this package reads.
	monetaryConst = map[string]string{
		MonetarySuspension:  "DECISION_MONETARY_SUSPENSION",
		MonetaryTermination: "DECISION_MONETARY_TERMINATION",
		MonetaryOther:       "DECISION_MONETARY_OTHER",
	}
	// Decision.Provision values this package reads.
	provisionConst = map[string]string{
		ProvisionPartialSuspension:  "DECISION_PROVISION_PARTIAL_SUSPENSION",
		ProvisionTotalSuspension:    "DECISION_PROVISION_TOTAL_SUSPENSION",
		ProvisionPartialTermination: "DECISION_PROVISION_PARTIAL_TERMINATION",
		ProvisionTotalTermination:   "DECISION_PROVISION_TOTAL_TERMINATION",
	}
	accountConst = map[string]string{
		reporting.AccountSuspended:  "DECISION_ACCOUNT_SUSPENDED",
		reporting.AccountTerminated: "DECISION_ACCOUNT_TERMINATED",
	}
	groundConst = map[string]string{
		reporting.GroundIllegal:      "DECISION_GROUND_ILLEGAL_CONTENT",
		reporting.GroundIncompatible: "DECISION_GROUND_INCOMPATIBLE_CONTENT",
	}
	sourceConst = map[string]string{
		reporting.SourceVoluntary:         "SOURCE_VOLUNTARY",
		reporting.SourceNotice:            "SOURCE_ARTICLE_16",
		reporting.SourceTrustedFlagger:    "SOURCE_TRUSTED_FLAGGER",
		reporting.SourceOtherNotification: "SOURCE_TYPE_OTHER_NOTIFICATION",
	}
	automationConst = map[string]string{
		reporting.AutomationFully:     "AUTOMATED_DECISION_FULLY",
		reporting.AutomationPartially: "AUTOMATED_DECISION_PARTIALLY",
		reporting.AutomationNone:      "AUTOMATED_DECISION_NOT_AUTOMATED",
	}
	contentTypes = []string{
		"CONTENT_TYPE_APP", "CONTENT_TYPE_AUDIO", "CONTENT_TYPE_IMAGE", "CONTENT_TYPE_PRODUCT",
		"CONTENT_TYPE_SYNTHETIC_MEDIA", "CONTENT_TYPE_TEXT", "CONTENT_TYPE_VIDEO", "CONTENT_TYPE_OTHER",
	}
	// territories are the EU and EEA codes territorial_scope accepts (ISO
	// 3166-1: Greece is GR).
	territories = []string{
		"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
		"LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO",
	}
)

// Neutral values of Decision.Monetary and Decision.Provision that this package maps
// to the database's constants.
const (
	MonetarySuspension  = "suspension"
	MonetaryTermination = "termination"
	MonetaryOther       = "other"

	ProvisionPartialSuspension  = "partial_suspension"
	ProvisionTotalSuspension    = "total_suspension"
	ProvisionPartialTermination = "partial_termination"
	ProvisionTotalTermination   = "total_termination"
)

// The Report.Extra keys this package reads. Lists are comma-separated constants.
const (
	// ExtraPUID overrides Report.ID as the puid (letters, digits, - and _).
	ExtraPUID = "dsa.puid"
	// ExtraCategory, ExtraCategoryAddition and ExtraKeywords override the
	// category, category_addition and category_specification derived from the
	// report's terminology codes. Keywords must belong to the category or an
	// addition, and are never the non-consensual-imagery keywords, whose labels
	// exclude minors.
	ExtraCategory         = "dsa.category"
	ExtraCategoryAddition = "dsa.categoryAddition"
	ExtraKeywords         = "dsa.keywords"
	// ExtraKeywordOther is category_specification_other (with KEYWORD_OTHER).
	ExtraKeywordOther = "dsa.keywordOther"
	// ExtraContentType overrides the content types derived from the content's
	// MIME types; ExtraContentTypeOther explains CONTENT_TYPE_OTHER.
	ExtraContentType      = "dsa.contentType"
	ExtraContentTypeOther = "dsa.contentTypeOther"
	// ExtraAccountType is "ACCOUNT_TYPE_BUSINESS" or "ACCOUNT_TYPE_PRIVATE".
	ExtraAccountType = "dsa.accountType"
	// ExtraMonetaryOther explains Decision.Monetary "other".
	ExtraMonetaryOther = "dsa.monetaryOther"
	// ExtraIncompatibleIllegal is "Yes" or "No": whether incompatible content
	// is also illegal.
	ExtraIncompatibleIllegal = "dsa.incompatibleContentIllegal"
	// ExtraContentIDEAN13 is a 13-digit EAN-13 identifying the content.
	ExtraContentIDEAN13 = "dsa.contentIdEan13"
	// ExtraContentDate overrides the content date (YYYY-MM-DD), which is
	// otherwise the earliest ContentItem.UploadedAt or Incident.Time.
	ExtraContentDate = "dsa.contentDate"
)

// builder collects a statement and the problems found on the way.
type builder struct {
	st       Statement
	problems []error
}

func (b *builder) add(path, problem string) {
	b.problems = append(b.problems, &reporting.FieldError{Path: path, Problem: problem})
}

func (b *builder) warn(path, problem string) {
	b.problems = append(b.problems, &reporting.FieldError{Path: path, Problem: problem, Warning: true})
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

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

// okFor reports whether a mapping may be emitted as an assertion (exact or
// broader).
func okFor(m terminology.Mapping) bool {
	return m.Fidelity == terminology.FidelityExact || m.Fidelity == terminology.FidelityBroader
}

// forbiddenKeyword reports the keywords whose official labels exclude minors.
func forbiddenKeyword(k string) bool {
	return strings.HasPrefix(k, "KEYWORD_NON_CONSENSUAL_")
}

func utcDate(t time.Time) string { return t.UTC().Format("2006-01-02") }

// build maps a report to a statement of reasons.
func build(r *reporting.Report) (*Statement, error) {
	b := &builder{}
	st := &b.st
	d := r.Decision
	if d == nil {
		b.add("decision", "is required: a statement of reasons describes a decision")
		return nil, errors.Join(b.problems...)
	}

	// puid.
	st.PUID = r.ID
	if v, ok := r.Extra[ExtraPUID]; ok {
		st.PUID = v
	}
	if !isPUID(st.PUID) {
		path := "id"
		if _, ok := r.Extra[ExtraPUID]; ok {
			path = "extra[" + ExtraPUID + "]"
		}
		b.add(path, "is not a puid: 1-500 letters, digits, - and _ (set extra["+ExtraPUID+"])")
	}

	// Decision group.
	for i, v := range d.Visibility {
		c, ok := visibilityConst[v]
		if !ok {
			b.add("decision.visibility["+strconv.Itoa(i)+"]", "is not a visibility restriction")
			continue
		}
		if !slices.Contains(st.DecisionVisibility, c) {
			st.DecisionVisibility = append(st.DecisionVisibility, c)
		}
	}
	if slices.Contains(st.DecisionVisibility, "DECISION_VISIBILITY_OTHER") {
		st.DecisionVisibilityOther = d.VisibilityOther
		if strings.TrimSpace(d.VisibilityOther) == "" {
			b.add("decision.visibilityOther", "is required with visibility other")
		}
	}
	if d.Monetary != "" {
		if c, ok := monetaryConst[d.Monetary]; ok {
			st.DecisionMonetary = c
		} else {
			b.add("decision.monetary", "is not suspension, termination or other")
		}
		if d.Monetary == MonetaryOther {
			st.DecisionMonetaryOther = r.Extra[ExtraMonetaryOther]
			if strings.TrimSpace(st.DecisionMonetaryOther) == "" {
				b.add("extra["+ExtraMonetaryOther+"]", "is required with monetary other")
			}
		}
	}
	if d.Provision != "" {
		if c, ok := provisionConst[d.Provision]; ok {
			st.DecisionProvision = c
		} else {
			b.add("decision.provision", "is not partial_suspension, total_suspension, partial_termination or total_termination")
		}
	}
	if d.Account != "" {
		if c, ok := accountConst[d.Account]; ok {
			st.DecisionAccount = c
		} else {
			b.add("decision.account", "is not suspended or terminated")
		}
	}
	if len(st.DecisionVisibility) == 0 && st.DecisionMonetary == "" && st.DecisionProvision == "" && st.DecisionAccount == "" {
		b.add("decision", "restricts nothing: give visibility, monetary, provision or account")
	}
	if v, ok := r.Extra[ExtraAccountType]; ok {
		if v != "ACCOUNT_TYPE_BUSINESS" && v != "ACCOUNT_TYPE_PRIVATE" {
			b.add("extra["+ExtraAccountType+"]", "is not ACCOUNT_TYPE_BUSINESS or ACCOUNT_TYPE_PRIVATE")
		}
		st.AccountType = v
	}

	// Ground, with exactly the fields each ground requires (the database drops
	// the others silently).
	st.DecisionGround = groundConst[d.Ground]
	st.DecisionGroundReferenceURL = d.GroundURL
	switch d.Ground {
	case reporting.GroundIllegal:
		st.IllegalContentLegalGround = d.LegalGround
		st.IllegalContentExplanation = d.Explanation
		if strings.TrimSpace(d.LegalGround) == "" {
			b.add("decision.legalGround", "is required for illegal content (illegal_content_legal_ground)")
		}
		if strings.TrimSpace(d.Explanation) == "" {
			b.add("decision.explanation", "is required for illegal content (illegal_content_explanation)")
		}
		if _, ok := r.Extra[ExtraIncompatibleIllegal]; ok {
			b.add("extra["+ExtraIncompatibleIllegal+"]", "applies only to incompatible content")
		}
	case reporting.GroundIncompatible:
		st.IncompatibleContentGround = d.ContractualGround
		st.IncompatibleContentExplanation = d.Explanation
		if strings.TrimSpace(d.ContractualGround) == "" {
			b.add("decision.contractualGround", "is required for incompatible content (incompatible_content_ground)")
		}
		if strings.TrimSpace(d.Explanation) == "" {
			b.add("decision.explanation", "is required for incompatible content (incompatible_content_explanation)")
		}
		if v, ok := r.Extra[ExtraIncompatibleIllegal]; ok {
			if v != "Yes" && v != "No" {
				b.add("extra["+ExtraIncompatibleIllegal+"]", "must be Yes or No")
			}
			st.IncompatibleContentIllegal = v
		}
	default:
		b.add("decision.ground", "is required: illegal or incompatible")
	}
	if len(d.LegalGround) > 500 || len(d.ContractualGround) > 500 {
		b.add("decision", "legal or contractual ground longer than 500 characters")
	}
	if len(d.Explanation) > 2000 {
		b.add("decision.explanation", "is longer than 2000 characters")
	}
	if len(d.GroundURL) > 500 {
		b.add("decision.groundUrl", "is longer than 500 characters")
	}

	b.contentTypes(r)
	b.categories(r)

	if v, ok := r.Extra[ExtraContentIDEAN13]; ok {
		if len(v) != 13 || strings.Trim(v, "0123456789") != "" {
			b.add("extra["+ExtraContentIDEAN13+"]", "is not 13 digits")
		}
		st.ContentID = map[string]string{"EAN-13": v}
	}
	for i, c := range d.TerritorialScope {
		if !slices.Contains(territories, c) {
			b.add("decision.territorialScope["+strconv.Itoa(i)+"]", "is not an EU or EEA country code")
		}
	}
	st.TerritorialScope = d.TerritorialScope
	if len(st.TerritorialScope) == 0 {
		b.warn("decision.territorialScope", "is empty; the database's documentation calls territorial_scope required")
	}
	st.ContentLanguage = d.Language

	// Dates.
	var content time.Time
	for _, it := range r.Content {
		if !it.UploadedAt.IsZero() && (content.IsZero() || it.UploadedAt.Before(content)) {
			content = it.UploadedAt
		}
	}
	if content.IsZero() {
		content = r.Incident.Time
	}
	if v, ok := r.Extra[ExtraContentDate]; ok {
		if _, err := time.Parse("2006-01-02", v); err != nil || len(v) != 10 {
			b.add("extra["+ExtraContentDate+"]", "is not a date YYYY-MM-DD")
		}
		st.ContentDate = v
	} else if !content.IsZero() {
		st.ContentDate = utcDate(content)
	}
	switch {
	case st.ContentDate == "":
		b.add("incident.time", "is required: the content date comes from it")
	case st.ContentDate < "2000-01-01" || st.ContentDate > "2038-01-01":
		b.add("incident.time", "gives a content date outside 2000-01-01 to 2038-01-01")
	}
	if d.AppliedAt.IsZero() {
		b.add("decision.appliedAt", "is required (application_date)")
	} else {
		st.ApplicationDate = utcDate(d.AppliedAt)
		if st.ApplicationDate < "2020-01-01" || st.ApplicationDate > "2038-01-01" {
			b.add("decision.appliedAt", "is outside 2020-01-01 to 2038-01-01")
		}
	}
	if !d.Until.IsZero() {
		end := utcDate(d.Until)
		if end > "2038-01-01" {
			b.add("decision.until", "is after 2038-01-01")
		}
		if len(st.DecisionVisibility) > 0 {
			st.EndDateVisibilityRestriction = end
		}
		if st.DecisionAccount != "" {
			st.EndDateAccountRestriction = end
		}
		if st.DecisionMonetary != "" {
			st.EndDateMonetaryRestriction = end
		}
		if st.DecisionProvision != "" {
			st.EndDateServiceRestriction = end
		}
	}

	// Facts and provenance.
	st.DecisionFacts = d.Facts
	if strings.TrimSpace(d.Facts) == "" {
		b.add("decision.facts", "is required (decision_facts)")
	} else if len(d.Facts) > 5000 {
		b.add("decision.facts", "is longer than 5000 characters")
	}
	if c, ok := sourceConst[d.Source]; ok {
		st.SourceType = c
	} else {
		b.add("decision.source", "is required: voluntary, notice, trusted_flagger or other_notification")
	}
	if d.Source != reporting.SourceVoluntary {
		st.SourceIdentity = d.SourceIdentity
	}
	st.AutomatedDetection = "No"
	if d.AutomatedDetection {
		st.AutomatedDetection = "Yes"
	}
	if c, ok := automationConst[d.Automation]; ok {
		st.AutomatedDecision = c
	} else {
		b.add("decision.automation", "is required: fully, partially or none")
	}
	if err := errors.Join(b.problems...); reporting.Blocking(err) != nil {
		return nil, err
	} else if err != nil {
		return st, err
	}
	return st, nil
}

// contentTypes derives content_type from the items' MIME types and codes.
func (b *builder) contentTypes(r *reporting.Report) {
	st := &b.st
	if v, ok := r.Extra[ExtraContentType]; ok {
		for _, c := range splitList(v) {
			if !slices.Contains(contentTypes, c) {
				b.add("extra["+ExtraContentType+"]", "holds a value that is not a CONTENT_TYPE_* constant")
				continue
			}
			if !slices.Contains(st.ContentType, c) {
				st.ContentType = append(st.ContentType, c)
			}
		}
	} else {
		add := func(c string) {
			if !slices.Contains(st.ContentType, c) {
				st.ContentType = append(st.ContentType, c)
			}
		}
		for _, it := range r.Content {
			major, _, _ := strings.Cut(strings.ToLower(it.ContentType), "/")
			switch major {
			case "image":
				add("CONTENT_TYPE_IMAGE")
			case "video":
				add("CONTENT_TYPE_VIDEO")
			case "audio":
				add("CONTENT_TYPE_AUDIO")
			case "text":
				add("CONTENT_TYPE_TEXT")
			}
		}
		if synthetic(r) {
			add("CONTENT_TYPE_SYNTHETIC_MEDIA")
		}
	}
	if len(st.ContentType) == 0 {
		b.add("content", "gives no content type: set contentType on the items or extra["+ExtraContentType+"]")
	}
	if slices.Contains(st.ContentType, "CONTENT_TYPE_OTHER") {
		st.ContentTypeOther = r.Extra[ExtraContentTypeOther]
		if strings.TrimSpace(st.ContentTypeOther) == "" {
			b.add("extra["+ExtraContentTypeOther+"]", "is required with CONTENT_TYPE_OTHER")
		}
	}
}

// synthetic reports AI-generated or manipulated material anywhere in the report.
func synthetic(r *reporting.Report) bool {
	codes := append([]string{r.Incident.Code}, r.Incident.Flags...)
	for _, it := range r.Content {
		codes = append(codes, it.Codes...)
	}
	for _, c := range codes {
		if terminology.IsA(c, "csam.ai_generated") || terminology.IsA(c, "csam.manipulated") {
			return true
		}
	}
	return false
}

// categories derives category, category_addition and category_specification from
// the report's codes through the terminology crosswalk, and checks that every
// keyword belongs to the category or an addition.
func (b *builder) categories(r *reporting.Report) {
	st := &b.st
	codes := []string{r.Incident.Code}
	for _, it := range r.Content {
		for _, c := range it.Codes {
			if !strings.HasPrefix(c, "ctx.") && !slices.Contains(codes, c) {
				codes = append(codes, c)
			}
		}
	}
	group := map[string]string{} // keyword -> its category wire
	keywordOK := func(path, k string) bool {
		c, err := terminology.ParseCategory(terminology.SchemeDSAKeyword, k)
		switch {
		case err != nil:
			b.add(path, "holds a value that is not a DSA keyword")
		case c.Legacy:
			b.add(path, "holds a keyword retired in schema v2; use "+c.ReplacedBy)
		case forbiddenKeyword(k):
			b.add(path, "holds a non-consensual-imagery keyword, whose label excludes content depicting minors")
		default:
			if g, err := terminology.ParseCategoryKey(c.Group); err == nil {
				group[k] = g.Wire
			}
			return true
		}
		return false
	}
	categoryOK := func(path, v string) bool {
		c, err := terminology.ParseCategory(terminology.SchemeDSACategory, v)
		switch {
		case err != nil:
			b.add(path, "holds a value that is not a DSA category")
		case c.Legacy:
			b.add(path, "holds a category retired in schema v2")
		default:
			return true
		}
		return false
	}

	var derivedOther []string // labels of codes that only map to KEYWORD_OTHER
	if v, ok := r.Extra[ExtraKeywords]; ok {
		for _, k := range splitList(v) {
			if keywordOK("extra["+ExtraKeywords+"]", k) && !slices.Contains(st.CategorySpecification, k) {
				st.CategorySpecification = append(st.CategorySpecification, k)
			}
		}
	} else {
		for _, code := range codes {
			var exact, lossy []string
			for _, m := range terminology.Map(code, terminology.SchemeDSAKeyword) {
				if !m.OK() || m.To.Legacy || forbiddenKeyword(m.To.Wire) {
					continue
				}
				if okFor(m) {
					exact = append(exact, m.To.Wire)
				} else {
					lossy = append(lossy, m.To.Wire)
				}
			}
			// Emit every keyword that applies; where only approximate keywords
			// exist, emit those (the crosswalk's best answer) and name the code
			// in category_specification_other.
			ks := exact
			if len(ks) == 0 {
				ks = lossy
			}
			for _, k := range ks {
				if keywordOK("incident.code", k) && !slices.Contains(st.CategorySpecification, k) {
					st.CategorySpecification = append(st.CategorySpecification, k)
				}
				if k == "KEYWORD_OTHER" {
					if t, err := terminology.Lookup(code); err == nil {
						derivedOther = append(derivedOther, t.Label)
					}
				}
			}
		}
	}

	// Category: override, else the group of the first grouped keyword, else the
	// incident code's category mapping.
	if v, ok := r.Extra[ExtraCategory]; ok {
		if categoryOK("extra["+ExtraCategory+"]", v) {
			st.Category = v
		}
	} else {
		for _, k := range st.CategorySpecification {
			if g := group[k]; g != "" {
				st.Category = g
				break
			}
		}
		if st.Category == "" {
			for _, m := range terminology.Map(r.Incident.Code, terminology.SchemeDSACategory) {
				if okFor(m) && !m.To.Legacy {
					st.Category = m.To.Wire
					break
				}
			}
		}
	}
	if _, ok := r.Extra[ExtraCategory]; !ok && st.Category == "" {
		b.add("incident.code", "has no DSA category; choose another code or set extra["+ExtraCategory+"]")
	}

	if v, ok := r.Extra[ExtraCategoryAddition]; ok {
		for _, c := range splitList(v) {
			if categoryOK("extra["+ExtraCategoryAddition+"]", c) && c != st.Category && !slices.Contains(st.CategoryAddition, c) {
				st.CategoryAddition = append(st.CategoryAddition, c)
			}
		}
	} else {
		for _, code := range codes {
			for _, m := range terminology.Map(code, terminology.SchemeDSACategory) {
				if okFor(m) && !m.To.Legacy && m.To.Wire != st.Category && !slices.Contains(st.CategoryAddition, m.To.Wire) {
					st.CategoryAddition = append(st.CategoryAddition, m.To.Wire)
				}
			}
		}
		// A derived keyword's own category joins the additions.
		for _, k := range st.CategorySpecification {
			if g := group[k]; g != "" && g != st.Category && !slices.Contains(st.CategoryAddition, g) {
				st.CategoryAddition = append(st.CategoryAddition, g)
			}
		}
	}
	// The database does not check that keywords belong to the categories; mnr does.
	for _, k := range st.CategorySpecification {
		if g := group[k]; g != "" && g != st.Category && !slices.Contains(st.CategoryAddition, g) {
			b.add("extra["+ExtraKeywords+"]", k+" belongs to "+g+", which is neither the category nor an addition")
		}
	}

	if slices.Contains(st.CategorySpecification, "KEYWORD_OTHER") {
		st.CategorySpecificationOther = r.Extra[ExtraKeywordOther]
		if st.CategorySpecificationOther == "" {
			st.CategorySpecificationOther = strings.Join(derivedOther, "; ")
		}
		if strings.TrimSpace(st.CategorySpecificationOther) == "" {
			b.add("extra["+ExtraKeywordOther+"]", "is required with KEYWORD_OTHER")
		}
		if len(st.CategorySpecificationOther) > 500 {
			b.add("extra["+ExtraKeywordOther+"]", "is longer than 500 characters")
		}
	} else if v, ok := r.Extra[ExtraKeywordOther]; ok && v != "" {
		b.add("extra["+ExtraKeywordOther+"]", "applies only with KEYWORD_OTHER")
	}
}

// MarshalStatement renders st as the JSON the database takes.
func MarshalStatement(st *Statement) ([]byte, error) { return json.Marshal(st) }
