package reporting

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Report is one agency-neutral report of child sexual abuse or exploitation: who
// reports it, what happened, the content involved and, where the agency expects it,
// the account responsible. An agency encoder (reporting/cybertip, reporting/dsa,
// reporting/nca) renders it into the agency's payload.
//
// Personal data belongs only in Reporter.Contact, Account and Victim, and only as
// much as the agency needs: the DSA forbids it entirely and its encoder never reads
// those fields. String and LogValue never print it, and validation problems never
// echo a field's value.
//
// The JSON form of a Report (see [DecodeReport]) is what an outbox stores. A Report
// is a plain value: it is not safe to modify while another goroutine reads it.
type Report struct {
	// ID is the caller's idempotency key for this report: the outbox stores the
	// report under it and a second Enqueue with the same ID returns the first. It is
	// also the DSA's puid, so it should use only letters, digits, '-' and '_'
	// (at most 200 bytes). Required.
	ID string `json:"id"`

	// Reporter is the reporting platform and its contact person.
	Reporter Reporter `json:"reporter"`

	// Incident says what happened, when and where.
	Incident Incident `json:"incident"`

	// Content lists the files involved (images, videos, chat logs, ...).
	Content []ContentItem `json:"content,omitempty"`

	// Account is the reported person or account, if known. Nil when there is none.
	Account *Account `json:"account,omitempty"`

	// Victim is an identified child, if the agency should know one. Keep it minimal.
	Victim *Victim `json:"victim,omitempty"`

	// Decision is the moderation decision the platform took (removal, account
	// termination, ...). Required by the DSA; other agencies may read it to fill
	// "account disabled" fields.
	Decision *Decision `json:"decision,omitempty"`

	// Narrative is free text for the agency (CyberTipline additionalInfo, NCA
	// description). It is checked with terminology.Lint: deprecated wording is a
	// warning. It must not describe the material in more detail than needed.
	Narrative string `json:"narrative,omitempty"`

	// PriorReportIDs are earlier reports to the same agency about the same matter
	// (CyberTipline report IDs, NCA references).
	PriorReportIDs []string `json:"priorReportIds,omitempty"`

	// Extra carries agency-specific fields that have no neutral home. Each agency
	// package documents the keys it reads, prefixed with its name ("nca.priority",
	// "cybertip.companyTemplate", ...). Unknown keys are ignored.
	Extra map[string]string `json:"extra,omitempty"`
}

// Reporter is the platform that reports and the person the agency may contact.
type Reporter struct {
	// Platform is the name of the reporting company or service, as registered with
	// the agency.
	Platform string `json:"platform,omitempty"`

	// Contact is the person who files the report (CyberTipline reportingPerson,
	// NCA reporting person). Required by cybertip (email) and nca (name and email).
	Contact Contact `json:"contact"`

	// CaseRef is the platform's own reference for the matter, such as a takedown
	// case ID. It is not personal data and is safe to log.
	CaseRef string `json:"caseRef,omitempty"`

	// LegalURL points to the platform's law-enforcement guidelines or legal page.
	LegalURL string `json:"legalUrl,omitempty"`
}

// Contact is a person at the reporting platform.
type Contact struct {
	// FirstName and LastName are at most 100 bytes each.
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
	// Email is a plain address (local@domain, no display name).
	Email string `json:"email,omitempty"`
	// Phone is digits with an optional leading + and spaces, - ( ) . between.
	Phone string `json:"phone,omitempty"`
}

// LocationKind says where the incident happened on the platform. It selects the
// CyberTipline internetDetails record, for instance.
type LocationKind string

// The location kinds.
const (
	LocationURL     LocationKind = "url"     // a web page (give URL)
	LocationUpload  LocationKind = "upload"  // a file uploaded to the platform's storage
	LocationChat    LocationKind = "chat"    // chat or instant messaging
	LocationEmail   LocationKind = "email"   // email
	LocationGaming  LocationKind = "gaming"  // an online game
	LocationPhone   LocationKind = "phone"   // a phone, SMS or MMS
	LocationP2P     LocationKind = "p2p"     // a peer-to-peer network
	LocationOffline LocationKind = "offline" // not on the Internet
)

// Incident says what happened, when and where.
type Incident struct {
	// Code is the terminology code of what happened ("csam", "grooming",
	// "sextortion.financial", ...). It must be known to terminology.Lookup and be
	// mappable to the agency's incident type. Required.
	Code string `json:"code"`

	// Time is when the incident happened (or was detected when that is all that is
	// known). It must be in the past and carry a time zone: a Time built with
	// time.Local where the local zone is unknown is rejected. Required.
	Time time.Time `json:"time,omitzero"`

	// TimeDescription explains how Time was derived, if it is approximate.
	TimeDescription string `json:"timeDescription,omitempty"`

	// Location says where on the platform it happened.
	Location Location `json:"location,omitzero"`

	// Flags are further terminology codes that describe the incident, typically
	// ctx.* context flags ("ctx.minor_to_minor") or conduct codes that become
	// agency annotations ("sextortion", "csam.solicitation").
	Flags []string `json:"flags,omitempty"`

	// Escalate, when not blank, asks the agency for urgent handling and says why
	// (an immediate risk to a child). It becomes CyberTipline
	// escalateToHighPriority and NCA priority 1.
	Escalate string `json:"escalate,omitempty"`
}

// Location is where an incident happened.
type Location struct {
	// Kind selects the kind of place. Required when URL is set.
	Kind LocationKind `json:"kind,omitempty"`
	// URL is the address of the content or page, http or https.
	URL string `json:"url,omitempty"`
	// Platform is the product or app where it happened, if not the reporter's
	// main service.
	Platform string `json:"platform,omitempty"`
	// Area is the part of the product ("direct messages", "public profile").
	Area string `json:"area,omitempty"`
	// Client names the chat client, game or P2P client, when Kind is chat, gaming
	// or p2p.
	Client string `json:"client,omitempty"`
	// ThirdPartyHosted reports that URL is hosted by another company and the
	// reporter holds nothing further.
	ThirdPartyHosted bool `json:"thirdPartyHosted,omitempty"`
}

// ContentItem is one file involved in the incident. It carries hashes and metadata,
// never the bytes: Source names where the application keeps them (for example an
// evidence vault digest) and a [FileSource] opens it when an agency needs an upload.
type ContentItem struct {
	// FileName is the platform's name for the file.
	FileName string `json:"fileName,omitempty"`
	// OriginalFileName is the name the user uploaded it under.
	OriginalFileName string `json:"originalFileName,omitempty"`
	// Size is the file size in bytes (0 when unknown).
	Size int64 `json:"size,omitempty"`
	// ContentType is the MIME type ("image/jpeg", "video/mp4", "text/plain").
	ContentType string `json:"contentType,omitempty"`

	// SHA256, SHA1 and MD5 are hashes of the bytes as received, lowercase or
	// uppercase hex of 64, 40 and 32 digits. PDQ is the 64-hex-digit PDQ hash.
	SHA256 string `json:"sha256,omitempty"`
	SHA1   string `json:"sha1,omitempty"`
	MD5    string `json:"md5,omitempty"`
	PDQ    string `json:"pdq,omitempty"`

	// URL is where the file was reachable (CyberTipline locationOfFile).
	URL string `json:"url,omitempty"`

	// UploadedAt is when the file reached the platform; not after now.
	UploadedAt time.Time `json:"uploadedAt,omitzero"`
	// UploadIP is the uploader's IP address (v4 or v6); personal data.
	UploadIP string `json:"uploadIp,omitempty"`
	// UploadPort is the uploader's source port (0 when unknown), 1-65535.
	UploadPort int `json:"uploadPort,omitempty"`

	// Viewed reports that platform staff viewed the whole file.
	Viewed bool `json:"viewed,omitempty"`
	// EXIFViewed reports that staff viewed its EXIF data; it implies Viewed.
	EXIFViewed bool `json:"exifViewed,omitempty"`
	// Public reports that the whole file was publicly reachable.
	Public bool `json:"public,omitempty"`
	// Supplemental marks context (a chat log, a profile picture) rather than the
	// reported depiction: CyberTipline fileRelevance "Supplemental Reported". A
	// supplemental item carries no IndustryClass.
	Supplemental bool `json:"supplemental,omitempty"`

	// IndustryClass is the Tech Coalition classification, "A1", "A2", "B1" or "B2".
	IndustryClass string `json:"industryClass,omitempty"`
	// Codes are terminology codes for this item ("csam.ai_generated",
	// "ctx.infant", "ctx.potential_meme").
	Codes []string `json:"codes,omitempty"`

	// Source is an opaque key the application's FileSource resolves to the bytes.
	// Required for agencies that take uploads when the item is to be uploaded.
	Source string `json:"source,omitempty"`
}

// Account is the reported person or account. Minimise: give what the agency needs
// and what the platform already holds, nothing collected for the purpose.
type Account struct {
	// UserID is the account's ID in the platform's system (espIdentifier).
	UserID string `json:"userId,omitempty"`
	// Service is the platform product the account used (espService).
	Service string `json:"service,omitempty"`
	// ScreenName and DisplayName are the account's public names.
	ScreenName  string `json:"screenName,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	// ProfileURL is the account's public profile, http or https.
	ProfileURL string `json:"profileUrl,omitempty"`
	// Emails and Phones are the account's addresses and numbers, as for
	// Contact.
	Emails []string `json:"emails,omitempty"`
	Phones []string `json:"phones,omitempty"`
	// IPs are IP capture events: logins, registration, uploads.
	IPs []IPEvent `json:"ips,omitempty"`
	// Country is the estimated country, ISO 3166-1 alpha-2 ("GB").
	Country string `json:"country,omitempty"`
	// CreatedAt is when the account was registered.
	CreatedAt time.Time `json:"createdAt,omitzero"`
	// DisabledAt is when the platform disabled the account (zero if it did not).
	DisabledAt time.Time `json:"disabledAt,omitzero"`
	// Compromised reports that the account appears hacked or hijacked.
	Compromised bool `json:"compromised,omitempty"`
}

// IPEvent is an IP address seen for an account, with when and why.
type IPEvent struct {
	// IP is the address, IPv4 or IPv6 (IPv4-mapped accepted). Required.
	IP string `json:"ip"`
	// Port is the source port (0 when unknown), 1-65535.
	Port int `json:"port,omitempty"`
	// At is when the address was seen; not after now.
	At time.Time `json:"at,omitzero"`
	// Event is what happened: one of the IPEvent* constants, or empty.
	Event string `json:"event,omitempty"`
}

// The IPEvent.Event values (CyberTipline ipCaptureType, lowercased).
const (
	IPEventLogin        = "login"
	IPEventRegistration = "registration"
	IPEventPurchase     = "purchase"
	IPEventUpload       = "upload"
	IPEventOther        = "other"
	IPEventUnknown      = "unknown"
)

// Victim is an identified child. Give it only where the agency needs it to
// safeguard the child.
type Victim struct {
	// UserID is the child's account ID on the platform, if any.
	UserID string `json:"userId,omitempty"`
	// ScreenName is the child's public name on the platform, if any.
	ScreenName string `json:"screenName,omitempty"`
	// Age is the child's known or estimated age in years; 0 means unknown.
	Age int `json:"age,omitempty"`
	// Country is the estimated country, ISO 3166-1 alpha-2.
	Country string `json:"country,omitempty"`
}

// Decision is the moderation decision the platform took, in neutral terms that the
// dsa package maps to the Transparency Database's constants.
type Decision struct {
	// Visibility lists restrictions on the content: Visibility* constants.
	Visibility []string `json:"visibility,omitempty"`
	// VisibilityOther explains VisibilityOther.
	VisibilityOther string `json:"visibilityOther,omitempty"`
	// Account is the account restriction: AccountSuspended or AccountTerminated.
	Account string `json:"account,omitempty"`
	// Monetary and Provision are free-form neutral values the dsa package
	// documents; empty when not applied.
	Monetary  string `json:"monetary,omitempty"`
	Provision string `json:"provision,omitempty"`

	// Ground is GroundIllegal or GroundIncompatible. Required by dsa.
	Ground string `json:"ground,omitempty"`
	// LegalGround cites the law (required when Ground is GroundIllegal), e.g.
	// "Art. 5 Directive 2011/93/EU".
	LegalGround string `json:"legalGround,omitempty"`
	// ContractualGround cites the terms (required when Ground is
	// GroundIncompatible).
	ContractualGround string `json:"contractualGround,omitempty"`
	// Explanation says why the content is illegal or incompatible. Required by
	// dsa. No personal data.
	Explanation string `json:"explanation,omitempty"`
	// GroundURL points to the law or terms relied on.
	GroundURL string `json:"groundUrl,omitempty"`
	// Facts are the facts and circumstances relied on. Required by dsa. No
	// personal data and no description of the material.
	Facts string `json:"facts,omitempty"`

	// Source is how the platform learnt of the content: Source* constants.
	Source string `json:"source,omitempty"`
	// SourceIdentity names the notifier (never for SourceVoluntary).
	SourceIdentity string `json:"sourceIdentity,omitempty"`
	// AutomatedDetection reports that automated means (hash matching, a
	// classifier) found the content.
	AutomatedDetection bool `json:"automatedDetection,omitempty"`
	// Automation is how far the decision was automated: Automation* constants.
	Automation string `json:"automation,omitempty"`
	// AppliedAt is when the decision took effect. Required by dsa.
	AppliedAt time.Time `json:"appliedAt,omitzero"`
	// Until is when a temporary restriction ends; zero means indefinite.
	Until time.Time `json:"until,omitzero"`
	// TerritorialScope lists ISO 3166-1 alpha-2 codes where the decision applies;
	// empty means everywhere.
	TerritorialScope []string `json:"territorialScope,omitempty"`
	// Language is the content's language, ISO 639-1 ("EN").
	Language string `json:"language,omitempty"`
}

// Neutral decision values.
const (
	VisibilityRemoved             = "removed"
	VisibilityDisabled            = "disabled"
	VisibilityDemoted             = "demoted"
	VisibilityAgeRestricted       = "age_restricted"
	VisibilityInteractionRestrict = "interaction_restricted"
	VisibilityLabelled            = "labelled"
	VisibilityOther               = "other"

	AccountSuspended  = "suspended"
	AccountTerminated = "terminated"

	GroundIllegal      = "illegal"
	GroundIncompatible = "incompatible"

	SourceVoluntary         = "voluntary"          // own detection
	SourceNotice            = "notice"             // DSA Art. 16 notice
	SourceTrustedFlagger    = "trusted_flagger"    // DSA Art. 22
	SourceOtherNotification = "other_notification" // any other notice

	AutomationFully     = "fully"
	AutomationPartially = "partially"
	AutomationNone      = "none"
)

// FileSource gives an agency the bytes of a content item when it uploads files. The
// application implements it, typically over its evidence vault; ref is
// ContentItem.Source. The caller closes the reader.
type FileSource interface {
	Open(ctx context.Context, ref string) (io.ReadCloser, error)
}

// String returns a redacted summary: the ID, the incident code and counts, never
// personal data, hashes or free text.
func (r Report) String() string {
	var b strings.Builder
	b.WriteString("reporting.Report{id=")
	b.WriteString(strconv.Quote(safeID(r.ID)))
	b.WriteString(" incident=")
	b.WriteString(strconv.Quote(safeID(r.Incident.Code)))
	fmt.Fprintf(&b, " content=%d account=%t victim=%t decision=%t narrative=%dB priors=%d}",
		len(r.Content), r.Account != nil, r.Victim != nil, r.Decision != nil,
		len(r.Narrative), len(r.PriorReportIDs))
	return b.String()
}

// LogValue implements slog.LogValuer with the same redacted fields as String.
func (r Report) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", safeID(r.ID)),
		slog.String("incident", safeID(r.Incident.Code)),
		slog.Int("content", len(r.Content)),
		slog.Bool("account", r.Account != nil),
		slog.Bool("victim", r.Victim != nil),
		slog.Bool("decision", r.Decision != nil),
		slog.Int("priors", len(r.PriorReportIDs)),
	)
}

// safeID returns s if it looks like an identifier or code (letters, digits and
// ._-:/, the slash being SubmissionID's separator), so that a caller who put something odd in an ID cannot leak it through
// logs; otherwise a placeholder with its length.
func safeID(s string) string {
	if len(s) > maxIDLen {
		return "<redacted:" + strconv.Itoa(len(s)) + "B>"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '_', c == '.', c == ':', c == '/':
		default:
			return "<redacted:" + strconv.Itoa(len(s)) + "B>"
		}
	}
	return s
}

// maxIDLen bounds Report.ID (and the codes safeID passes through).
const maxIDLen = 200
