package cybertip

import (
	"bytes"
	"encoding/xml"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/terminology"
)

// incidentPrecedence orders the incident types for a report whose code maps to
// several: the CyberTipline takes one per report (reference terminology.md §4.2).
var incidentPrecedence = []string{
	"Child Pornography (possession, manufacture, and distribution)",
	"Child Sex Trafficking",
	"Child Sex Tourism",
	"Child Sexual Molestation",
	"Online Enticement of Children for Sexual Acts",
	"Unsolicited Obscene Material Sent to a Child",
	"Misleading Domain Name",
	"Misleading Words or Digital Images on the Internet",
}

// batchedReason is the only batchedReportReason.
const batchedReason = "VIRAL_POTENTIAL_MEME"

// The Report.Extra keys this package reads.
const (
	// ExtraIncidentType overrides the incident type mapped from
	// Incident.Code. It must be a current incidentType wire value; legacy
	// values are refused.
	ExtraIncidentType = "cybertip.incidentType"
	// ExtraBatched set to "VIRAL_POTENTIAL_MEME" makes the report a batched
	// report (one viral or meme file; see the package documentation).
	ExtraBatched = "cybertip.batched"
	// ExtraCompanyTemplate and ExtraTermsOfService override
	// Options.CompanyTemplate and Options.TermsOfService for one report.
	ExtraCompanyTemplate = "cybertip.companyTemplate"
	ExtraTermsOfService  = "cybertip.termsOfService"
	// ExtraChatRoomName and ExtraConsole fill chatImIncident/chatRoomName and
	// onlineGamingIncident/console.
	ExtraChatRoomName = "cybertip.chatRoomName"
	ExtraConsole      = "cybertip.console"
	// ExtraLEAgency, ExtraLECaseNumber, ExtraLEReported and
	// ExtraLELegalProcess fill lawEnforcement (agencyName, caseNumber,
	// reportedToLe and servedLegalProcessDomestic; the last two "true" or
	// "false").
	ExtraLEAgency       = "cybertip.lawEnforcement.agencyName"
	ExtraLECaseNumber   = "cybertip.lawEnforcement.caseNumber"
	ExtraLEReported     = "cybertip.lawEnforcement.reportedToLe"
	ExtraLELegalProcess = "cybertip.lawEnforcement.servedLegalProcessDomestic"
)

// ReferencePrefix starts the line of the report-level additionalInfo that carries
// Report.ID, so that NCMEC and law enforcement can quote the platform's own
// reference ("ESP report reference: <id>"). Options.OmitReference leaves it out.
const ReferencePrefix = "ESP report reference: "

// plan is what a report becomes at the CyberTipline, computed once and shared by
// Validate, Encode and Step.
type plan struct {
	incidentType string
	reportAnn    []string   // wire flags
	fileAnn      [][]string // per content index: wire flags
	uploads      []int      // content indexes of the files to upload, in order
	pageURLs     []string   // content URLs without a source: listed as web pages
	batched      bool
	problems     []error // *reporting.FieldError
}

func (p *plan) add(path, problem string) {
	p.problems = append(p.problems, &reporting.FieldError{Path: path, Problem: problem})
}

func (p *plan) warn(path, problem string) {
	p.problems = append(p.problems, &reporting.FieldError{Path: path, Problem: problem, Warning: true})
}

// okFor reports whether a mapping may be emitted as an assertion: the target must
// say nothing the source does not (exact or broader).
func okFor(m terminology.Mapping) bool {
	return m.Fidelity == terminology.FidelityExact || m.Fidelity == terminology.FidelityBroader
}

// mapFlags maps terminology codes to the wire values of an annotation scheme.
func mapFlags(codes []string, s terminology.Scheme) (flags []string, unmapped []int) {
	for i, c := range codes {
		found := false
		for _, m := range terminology.Map(c, s) {
			if okFor(m) && !m.To.Legacy && m.To.Wire != "" {
				found = true
				if !slices.Contains(flags, m.To.Wire) {
					flags = append(flags, m.To.Wire)
				}
			}
		}
		if !found {
			unmapped = append(unmapped, i)
		}
	}
	return flags, unmapped
}

// makePlan derives the CyberTipline view of r and every agency-specific problem.
func (a *Agency) makePlan(r *reporting.Report) *plan {
	p := &plan{fileAnn: make([][]string, len(r.Content))}

	// Incident type: an explicit override, or the code's mapping by precedence.
	if o, ok := r.Extra[ExtraIncidentType]; ok {
		c, err := terminology.ParseCategory(terminology.SchemeNCMECIncident, o)
		switch {
		case err != nil:
			p.add("extra["+ExtraIncidentType+"]", "is not a CyberTipline incident type")
		case c.Legacy:
			p.add("extra["+ExtraIncidentType+"]", "is a legacy incident type, which must not be sent; use "+strconv.Quote(c.ReplacedBy))
		default:
			p.incidentType = c.Wire
		}
	} else if r.Incident.Code != "" {
		var cands []string
		for _, m := range terminology.Map(r.Incident.Code, terminology.SchemeNCMECIncident) {
			if m.OK() && !m.To.Legacy {
				cands = append(cands, m.To.Wire)
			}
		}
		for _, t := range incidentPrecedence {
			if slices.Contains(cands, t) {
				p.incidentType = t
				break
			}
		}
		if p.incidentType == "" {
			p.add("incident.code", "has no CyberTipline incident type; choose another code or set extra["+ExtraIncidentType+"]")
		}
	}

	// Report annotations from the incident code and flags.
	codes := append([]string{r.Incident.Code}, r.Incident.Flags...)
	p.reportAnn, _ = mapFlags(codes, terminology.SchemeNCMECReportAnnotation)
	incFileAnn, _ := mapFlags(r.Incident.Flags, terminology.SchemeNCMECFileAnnotation)
	for i, f := range r.Incident.Flags {
		if !strings.HasPrefix(f, "ctx.") {
			continue
		}
		ra, _ := mapFlags([]string{f}, terminology.SchemeNCMECReportAnnotation)
		fa, _ := mapFlags([]string{f}, terminology.SchemeNCMECFileAnnotation)
		if len(ra) == 0 && len(fa) == 0 {
			p.warn("incident.flags["+strconv.Itoa(i)+"]", "has no CyberTipline annotation; say it in the narrative")
		}
	}

	// Batched mode.
	if v, ok := r.Extra[ExtraBatched]; ok {
		if v != batchedReason {
			p.add("extra["+ExtraBatched+"]", "must be "+batchedReason)
		}
		p.batched = true
	}

	// Files.
	if len(r.Content) > a.opts.MaxFiles {
		p.add("content", "has more than "+strconv.Itoa(a.opts.MaxFiles)+" items (Options.MaxFiles)")
	}
	for i := range r.Content {
		it := &r.Content[i]
		path := "content[" + strconv.Itoa(i) + "]"
		switch {
		case it.Source != "":
			p.uploads = append(p.uploads, i)
		case it.URL != "":
			p.pageURLs = append(p.pageURLs, it.URL)
		default:
			p.add(path, "has neither a source to upload nor a URL; the CyberTipline needs the file or where it is")
		}
		ann, _ := mapFlags(it.Codes, terminology.SchemeNCMECFileAnnotation)
		if !it.Supplemental {
			for _, f := range incFileAnn {
				if !slices.Contains(ann, f) {
					ann = append(ann, f)
				}
			}
		}
		p.fileAnn[i] = ann
		if it.Supplemental && slices.Contains(ann, "potentialMeme") {
			p.add(path+".codes", "a Supplemental Reported file may not carry the potentialMeme annotation")
		}
		if it.IndustryClass != "" {
			c, err := terminology.ParseCategory(terminology.SchemeIndustry, it.IndustryClass)
			if err != nil || c.Legacy {
				p.add(path+".industryClass", "is not an industry classification")
			} else if !a.opts.IndustryClassification {
				p.warn(path+".industryClass", "is not sent: industryClassification is only for signatories of NCMEC's hash-sharing MOU (Options.IndustryClassification)")
			}
		}
		if it.Source == "" && (it.Viewed || it.EXIFViewed || it.IndustryClass != "" || len(it.Codes) > 0) {
			p.warn(path, "has no source, so it is listed only as a URL and its file details are not sent")
		}
	}

	if p.batched {
		a.batchedRules(r, p)
	}
	for _, k := range []string{ExtraLEReported, ExtraLELegalProcess} {
		if v, ok := r.Extra[k]; ok && v != "true" && v != "false" {
			p.add("extra["+k+"]", "must be true or false")
		}
	}
	if (r.Extra[ExtraLECaseNumber] != "" || r.Extra[ExtraLEReported] != "" || r.Extra[ExtraLELegalProcess] != "") && r.Extra[ExtraLEAgency] == "" {
		p.add("extra["+ExtraLEAgency+"]", "is required when other lawEnforcement fields are given")
	}
	return p
}

// batchedRules are the rules of batched-report mode (reference §1.12).
func (a *Agency) batchedRules(r *reporting.Report, p *plan) {
	if len(p.uploads) != 1 || len(r.Content) != 1 {
		p.add("content", "a batched report carries exactly one file, with a source to upload")
	}
	if strings.TrimSpace(r.Incident.Escalate) != "" {
		p.add("incident.escalate", "is not allowed in a batched report")
	}
	if r.Incident.Location.URL != "" || r.Incident.Location.Kind != "" {
		p.add("incident.location", "is not allowed in a batched report (no internetDetails)")
	}
	if r.Victim != nil {
		p.add("victim", "is not allowed in a batched report")
	}
	if r.Narrative != "" {
		p.add("narrative", "is not allowed in a batched report (no report-level additionalInfo)")
	}
	if r.Extra[ExtraLEAgency] != "" {
		p.add("extra["+ExtraLEAgency+"]", "is not allowed in a batched report")
	}
	if acc := r.Account; acc != nil {
		if acc.UserID == "" {
			p.add("account.userId", "is required: a batched report's reported users carry only their ID")
		}
		if acc.ScreenName != "" || acc.DisplayName != "" || acc.ProfileURL != "" || len(acc.Emails) > 0 ||
			len(acc.Phones) > 0 || len(acc.IPs) > 0 || acc.Country != "" || acc.Service != "" || acc.Compromised || !acc.DisabledAt.IsZero() {
			p.add("account", "a batched report's reported user may carry only userId")
		}
	}
	if len(r.PriorReportIDs) > 0 {
		p.add("priorReportIds", "are not allowed in a batched report")
	}
	for _, i := range p.uploads {
		it := &r.Content[i]
		path := "content[" + strconv.Itoa(i) + "]"
		if it.Supplemental {
			p.add(path+".supplemental", "the file of a batched report must be Reported, not supplemental")
		}
		meme := false
		for _, f := range p.fileAnn[i] {
			switch f {
			case "viral", "potentialMeme":
				meme = true
			default:
				p.add(path+".codes", "the file of a batched report may carry only the viral and potential meme annotations")
			}
		}
		if !meme {
			p.add(path+".codes", "the file of a batched report must be annotated ctx.viral or ctx.potential_meme")
		}
		if it.OriginalFileName != "" || it.URL != "" || it.UploadIP != "" {
			p.add(path, "a batched report's file may not carry originalFileName, url or uploadIp")
		}
	}
}

// errs returns the plan's problems as an errors.Join (nil when none).
func (p *plan) errs() error { return errors.Join(p.problems...) }

// blocking returns the plan's blocking problems.
func (p *plan) blocking() error { return reporting.Blocking(p.errs()) }

// xmlTime renders t as an xs:dateTime with its zone, truncated to seconds and
// never later than now (NCMEC's in-the-past checks fail on a few seconds of
// clock skew).
func xmlTime(t, now time.Time) string {
	t = t.Truncate(time.Second)
	if n := now.Truncate(time.Second); t.After(n) {
		t = n.In(t.Location())
	}
	return t.Format(time.RFC3339)
}

var ipEventNames = map[string]string{
	reporting.IPEventLogin:        "Login",
	reporting.IPEventRegistration: "Registration",
	reporting.IPEventPurchase:     "Purchase",
	reporting.IPEventUpload:       "Upload",
	reporting.IPEventOther:        "Other",
	reporting.IPEventUnknown:      "Unknown",
}

func flagIf(set []string, name string) *flag {
	if slices.Contains(set, name) {
		return &flag{}
	}
	return nil
}

// buildReport renders the <report> document.
func (a *Agency) buildReport(r *reporting.Report, p *plan, now time.Time) *reportDoc {
	d := &reportDoc{}
	if p.batched {
		d.BatchedReport = &batchedReport{Reason: batchedReason}
	}
	in := &r.Incident
	d.IncidentSummary = incidentSummary{
		IncidentType:                p.incidentType,
		Platform:                    firstNonEmpty(in.Location.Platform, r.Reporter.Platform),
		IncidentDateTime:            xmlTime(in.Time, now),
		IncidentDateTimeDescription: in.TimeDescription,
	}
	if !p.batched {
		d.IncidentSummary.EscalateToHighPriority = strings.TrimSpace(in.Escalate)
	}
	if len(p.reportAnn) > 0 {
		d.IncidentSummary.ReportAnnotations = &reportAnnotations{
			Sextortion:                 flagIf(p.reportAnn, "sextortion"),
			CSAMSolicitation:           flagIf(p.reportAnn, "csamSolicitation"),
			MinorToMinorInteraction:    flagIf(p.reportAnn, "minorToMinorInteraction"),
			Spam:                       flagIf(p.reportAnn, "spam"),
			SadisticOnlineExploitation: flagIf(p.reportAnn, "sadisticOnlineExploitation"),
		}
	}
	if !p.batched {
		d.InternetDetails = internetDetailsFor(r, p)
		if ag := r.Extra[ExtraLEAgency]; ag != "" {
			le := &lawEnforcement{AgencyName: ag, CaseNumber: r.Extra[ExtraLECaseNumber]}
			if v, ok := r.Extra[ExtraLEReported]; ok {
				le.ReportedToLE = boolPtr(v == "true")
			}
			if v, ok := r.Extra[ExtraLELegalProcess]; ok {
				le.ServedLegalProcessDomestic = boolPtr(v == "true")
			}
			d.LawEnforcement = le
		}
	}

	c := r.Reporter.Contact
	d.Reporter.ReportingPerson = person{FirstName: c.FirstName, LastName: c.LastName}
	if c.Phone != "" {
		d.Reporter.ReportingPerson.Phone = []phone{{Value: c.Phone}}
	}
	if c.Email != "" {
		d.Reporter.ReportingPerson.Email = []email{{Value: c.Email}}
	}
	d.Reporter.CompanyTemplate = extraOr(r, ExtraCompanyTemplate, a.opts.CompanyTemplate)
	d.Reporter.TermsOfService = extraOr(r, ExtraTermsOfService, a.opts.TermsOfService)
	d.Reporter.LegalURL = r.Reporter.LegalURL

	if acc := r.Account; acc != nil {
		rp := reportedPerson{ESPIdentifier: acc.UserID}
		if !p.batched {
			per := &person{}
			for _, e := range acc.Emails {
				per.Email = append(per.Email, email{Value: e})
			}
			for _, ph := range acc.Phones {
				per.Phone = append(per.Phone, phone{Value: ph})
			}
			if !per.empty() {
				rp.Person = per
			}
			rp.ESPService = acc.Service
			if acc.Compromised {
				rp.CompromisedAccount = boolPtr(true)
			}
			rp.ScreenName = acc.ScreenName
			if acc.DisplayName != "" {
				rp.DisplayName = []string{acc.DisplayName}
			}
			if acc.ProfileURL != "" {
				rp.ProfileURL = []string{acc.ProfileURL}
			}
			for _, ev := range acc.IPs {
				ce := ipCaptureEvent{IPAddress: ev.IP, EventName: ipEventNames[ev.Event], Port: ev.Port}
				if !ev.At.IsZero() {
					ce.DateTime = xmlTime(ev.At, now)
				}
				rp.IPCaptureEvent = append(rp.IPCaptureEvent, ce)
			}
			rp.PriorCTReports = r.PriorReportIDs
			if !acc.DisabledAt.IsZero() {
				dis := &disabled{DisabledDate: xmlTime(acc.DisabledAt, now), Value: true}
				if r.Decision != nil && r.Decision.Account == reporting.AccountSuspended {
					rp.TemporarilyDisabled = dis
				} else {
					rp.PermanentlyDisabled = dis
				}
			}
			if acc.Country != "" {
				rp.EstimatedLocation = &estimatedLocation{CountryCode: acc.Country}
			}
		}
		d.Reported = append(d.Reported, rp)
	} else if len(r.PriorReportIDs) > 0 {
		d.Reported = append(d.Reported, reportedPerson{PriorCTReports: r.PriorReportIDs})
	}

	if v := r.Victim; v != nil && !p.batched {
		ve := victimEl{ESPIdentifier: v.UserID, ScreenName: v.ScreenName}
		if v.Age > 0 {
			age := v.Age
			ve.VictimPerson.Age = &age
		}
		if v.Country != "" {
			ve.EstimatedLocation = &estimatedLocation{CountryCode: v.Country}
		}
		d.Victims = append(d.Victims, ve)
	}

	if !p.batched {
		var info []string
		if n := strings.TrimSpace(r.Narrative); n != "" {
			info = append(info, n)
		}
		if !a.opts.OmitReference && r.ID != "" {
			info = append(info, ReferencePrefix+r.ID)
		}
		d.AdditionalInfo = strings.Join(info, "\n\n")
	}
	return d
}

// internetDetailsFor renders the incident location and the URL-only content.
func internetDetailsFor(r *reporting.Report, p *plan) []internetDetails {
	loc := &r.Incident.Location
	var out []internetDetails
	var urls []string
	if loc.URL != "" {
		urls = append(urls, loc.URL)
	}
	for _, u := range p.pageURLs {
		if !slices.Contains(urls, u) {
			urls = append(urls, u)
		}
	}
	switch loc.Kind {
	case reporting.LocationChat:
		out = append(out, internetDetails{ChatIM: &chatImIncident{ChatClient: loc.Client, ChatRoomName: r.Extra[ExtraChatRoomName], AdditionalInfo: loc.Area}})
	case reporting.LocationEmail:
		out = append(out, internetDetails{Email: &emailIncident{AdditionalInfo: loc.Area}})
	case reporting.LocationGaming:
		out = append(out, internetDetails{Gaming: &onlineGamingIncident{GameName: loc.Client, Console: r.Extra[ExtraConsole], AdditionalInfo: loc.Area}})
	case reporting.LocationPhone:
		out = append(out, internetDetails{CellPhone: &cellPhoneIncident{AdditionalInfo: loc.Area}})
	case reporting.LocationOffline:
		out = append(out, internetDetails{NonInternet: &nonInternetIncident{LocationName: loc.Area}})
	case reporting.LocationP2P:
		out = append(out, internetDetails{P2P: &peer2peerIncident{Client: loc.Client, AdditionalInfo: loc.Area}})
	}
	if len(urls) > 0 {
		wp := &webPageIncident{URL: urls}
		if loc.Kind == reporting.LocationURL || loc.Kind == reporting.LocationUpload {
			wp.AdditionalInfo = loc.Area
		}
		if loc.ThirdPartyHosted {
			wp.ThirdPartyHostedContent = boolPtr(true)
		}
		out = append(out, internetDetails{WebPage: wp})
	}
	return out
}

// buildFileDetails renders the <fileDetails> document for content item i.
func (a *Agency) buildFileDetails(r *reporting.Report, p *plan, i int, reportID, fileID string, now time.Time) *fileDetailsDoc {
	it := &r.Content[i]
	d := &fileDetailsDoc{
		ReportID:        reportID,
		FileID:          fileID,
		FileName:        it.FileName,
		FileViewedByEsp: boolPtr(it.Viewed),
		ExifViewedByEsp: boolPtr(it.EXIFViewed),
		FileRelevance:   "Reported",
	}
	if it.Public {
		d.PubliclyAvailable = boolPtr(true)
	}
	if it.Supplemental {
		d.FileRelevance = "Supplemental Reported"
	}
	if !it.UploadedAt.IsZero() {
		d.UploadedToEspTimestamp = xmlTime(it.UploadedAt, now)
	}
	if ann := p.fileAnn[i]; len(ann) > 0 {
		d.FileAnnotations = &fileAnnotations{
			AnimeDrawingVirtualHentai: flagIf(ann, "animeDrawingVirtualHentai"),
			PotentialMeme:             flagIf(ann, "potentialMeme"),
			Viral:                     flagIf(ann, "viral"),
			PossibleSelfProduction:    flagIf(ann, "possibleSelfProduction"),
			PhysicalHarm:              flagIf(ann, "physicalHarm"),
			ViolenceGore:              flagIf(ann, "violenceGore"),
			Bestiality:                flagIf(ann, "bestiality"),
			LiveStreaming:             flagIf(ann, "liveStreaming"),
			Infant:                    flagIf(ann, "infant"),
			GenerativeAI:              flagIf(ann, "generativeAi"),
		}
	}
	if it.IndustryClass != "" && a.opts.IndustryClassification && !it.Supplemental {
		d.IndustryClassification = it.IndustryClass
	}
	if p.batched {
		return d
	}
	d.OriginalFileName = it.OriginalFileName
	d.LocationOfFile = it.URL
	for _, h := range [...]struct{ typ, v string }{{"MD5", it.MD5}, {"SHA1", it.SHA1}, {"SHA256", it.SHA256}, {"PDQ", it.PDQ}} {
		if h.v != "" {
			d.OriginalFileHash = append(d.OriginalFileHash, fileHash{HashType: h.typ, Value: strings.ToLower(h.v)})
		}
	}
	if it.UploadIP != "" {
		ev := &ipCaptureEvent{IPAddress: it.UploadIP, EventName: "Upload", Port: it.UploadPort}
		if !it.UploadedAt.IsZero() {
			ev.DateTime = xmlTime(it.UploadedAt, now)
		}
		d.IPCaptureEvent = ev
	}
	return d
}

// marshalDoc renders v as an XML document with a declaration. Empty elements (the
// flags) are written in their short form, <sextortion/>.
func marshalDoc(v any) ([]byte, error) {
	body, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(len(xml.Header) + len(body) + 1)
	b.WriteString(xml.Header)
	b.Write(shortEmpty(body))
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// shortEmpty rewrites <x></x> and <x a="v"></x> as <x/> and <x a="v"/>.
// encoding/xml escapes '<' and '>' in text and attribute values, so "></" can
// only be markup: the end of a start tag directly followed by an end tag.
func shortEmpty(in []byte) []byte {
	out := make([]byte, 0, len(in))
	i := 0
	for {
		j := bytes.Index(in[i:], []byte("></"))
		if j < 0 {
			return append(out, in[i:]...)
		}
		j += i
		k := bytes.LastIndexByte(in[i:j], '<')
		e := bytes.IndexByte(in[j+3:], '>')
		if k < 0 || e < 0 {
			out = append(out, in[i:j+3]...)
			i = j + 3
			continue
		}
		k += i
		open := in[k+1 : j]
		if sp := bytes.IndexAny(open, " \t\n"); sp >= 0 {
			open = open[:sp]
		}
		if len(open) == 0 || open[0] == '/' || !bytes.Equal(open, in[j+3:j+3+e]) {
			out = append(out, in[i:j+3]...)
			i = j + 3
			continue
		}
		out = append(out, in[i:j]...)
		out = append(out, '/', '>')
		i = j + 3 + e + 1
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func extraOr(r *reporting.Report, key, def string) string {
	if v, ok := r.Extra[key]; ok {
		return v
	}
	return def
}
