package takedown

import (
	"slices"
	"time"
)

// Jurisdiction is an ISO 3166-1 alpha-2 country code ("US", "GB", "DE", "FR", "AU", "CA",
// "IN", "BR", ...) or "EU" for rules of the European Union.
type Jurisdiction string

// Jurisdictions the default policy has rules for.
const (
	US Jurisdiction = "US"
	EU Jurisdiction = "EU"
	GB Jurisdiction = "GB"
	DE Jurisdiction = "DE"
	FR Jurisdiction = "FR"
	AU Jurisdiction = "AU"
	CA Jurisdiction = "CA"
	IN Jurisdiction = "IN"
	BR Jurisdiction = "BR"
)

// valid reports whether j is two upper-case ASCII letters.
func (j Jurisdiction) valid() bool {
	if len(j) != 2 {
		return false
	}
	return j[0] >= 'A' && j[0] <= 'Z' && j[1] >= 'A' && j[1] <= 'Z'
}

// Trigger is what starts a case's clocks.
type Trigger string

// The triggers a Notice may carry.
const (
	// TriggerOwnDetection is the provider's own detection: a hash match or a classifier.
	TriggerOwnDetection Trigger = "own_detection"
	// TriggerUserNotice is a notice from a user or any member of the public.
	TriggerUserNotice Trigger = "user_notice"
	// TriggerTrustedFlagger is a notice from a trusted flagger (DSA Art. 22).
	TriggerTrustedFlagger Trigger = "trusted_flagger_notice"
	// TriggerHotlineNotice is a notice and takedown from a hotline (INHOPE member, IWF).
	TriggerHotlineNotice Trigger = "hotline_notice"
	// TriggerAuthorityOrder is a removal order or notice from a competent authority or court.
	TriggerAuthorityOrder Trigger = "authority_order"
	// TriggerVictimRequest is a request from the person depicted or their representative.
	TriggerVictimRequest Trigger = "victim_request"
	// TriggerPreservationRequest is a government preservation request (18 U.S.C. §2703(f)).
	TriggerPreservationRequest Trigger = "preservation_request"
)

// Triggers lists every trigger in a stable order.
func Triggers() []Trigger {
	return []Trigger{TriggerOwnDetection, TriggerUserNotice, TriggerTrustedFlagger,
		TriggerHotlineNotice, TriggerAuthorityOrder, TriggerVictimRequest, TriggerPreservationRequest}
}

func (t Trigger) valid() bool { return slices.Contains(Triggers(), t) }

// Duty is what a deadline requires the provider to do.
type Duty string

// The duties a rule can impose.
const (
	DutyRemove         Duty = "remove"          // met by EventRemoved
	DutyDisableAccess  Duty = "disable_access"  // met by EventRemoved or EventAccessDisabled
	DutyGeoBlock       Duty = "geo_block"       // met by EventRemoved, EventAccessDisabled or EventGeoBlocked
	DutyReport         Duty = "report"          // met by EventReported to the rule's recipient
	DutyNotifyUploader Duty = "notify_uploader" // met by EventUploaderNotified
	DutyNotifyNotifier Duty = "notify_notifier" // met by EventNotifierNotified
	DutyAcknowledge    Duty = "acknowledge"     // met by EventAcknowledged
	DutyPreserve       Duty = "preserve"        // met by EventPreserved
)

// Duties lists every duty in a stable order.
func Duties() []Duty {
	return []Duty{DutyRemove, DutyDisableAccess, DutyGeoBlock, DutyReport, DutyNotifyUploader,
		DutyNotifyNotifier, DutyAcknowledge, DutyPreserve}
}

func (d Duty) valid() bool { return slices.Contains(Duties(), d) }

// metBy reports whether an event of type t satisfies the duty (recipients are checked
// separately for DutyReport).
func (d Duty) metBy(t EventType) bool {
	switch d {
	case DutyRemove:
		return t == EventRemoved
	case DutyDisableAccess:
		return t == EventRemoved || t == EventAccessDisabled
	case DutyGeoBlock:
		return t == EventRemoved || t == EventAccessDisabled || t == EventGeoBlocked
	case DutyReport:
		return t == EventReported
	case DutyNotifyUploader:
		return t == EventUploaderNotified
	case DutyNotifyNotifier:
		return t == EventNotifierNotified
	case DutyAcknowledge:
		return t == EventAcknowledged
	case DutyPreserve:
		return t == EventPreserved
	}
	return false
}

// EventType names something that happened to a case. The first group is what callers
// record with Engine.Record; the second group is written by the engine itself and
// appears only in the audit chain.
type EventType string

// Events callers record.
const (
	EventAcknowledged     EventType = "acknowledged"
	EventRemoved          EventType = "removed"
	EventAccessDisabled   EventType = "access_disabled"
	EventGeoBlocked       EventType = "geo_blocked"
	EventReported         EventType = "reported" // requires a Receipt
	EventUploaderNotified EventType = "uploader_notified"
	EventNotifierNotified EventType = "notifier_notified"
	EventPreserved        EventType = "preserved"
	EventAppealed         EventType = "appealed"
	EventReinstated       EventType = "reinstated"
	EventClosed           EventType = "closed"
)

// Events the engine writes to the audit chain.
const (
	EventOpened   EventType = "opened"
	EventWarning  EventType = "deadline_warning"
	EventDue      EventType = "deadline_due"
	EventBreached EventType = "deadline_breached"
)

// EventActioned is not an event anyone records: as a Rule.StartOn entry it stands for
// any of EventRemoved, EventAccessDisabled and EventGeoBlocked.
const EventActioned EventType = "actioned"

func (t EventType) recordable() bool {
	switch t {
	case EventAcknowledged, EventRemoved, EventAccessDisabled, EventGeoBlocked, EventReported,
		EventUploaderNotified, EventNotifierNotified, EventPreserved, EventAppealed,
		EventReinstated, EventClosed:
		return true
	}
	return false
}

func (t EventType) isAction() bool {
	return t == EventRemoved || t == EventAccessDisabled || t == EventGeoBlocked
}

// matches reports whether a recorded event of type t satisfies a StartOn or Retention.From
// entry want.
func (want EventType) matches(t EventType) bool {
	if want == EventActioned {
		return t.isAction()
	}
	return want == t
}

// Status is the life-cycle state of a case.
type Status string

// Case statuses. Transitions (anything else is an *TransitionError):
//
//	open         --acknowledged-->                       acknowledged
//	open, acknowledged, actioned, reinstated --removed|access_disabled|geo_blocked--> actioned
//	actioned     --appealed-->                           appealed
//	appealed     --reinstated-->                         reinstated
//	any but closed --closed-->                           closed
//
// reported, uploader_notified, notifier_notified and preserved are allowed in every status
// but closed and leave the status unchanged. An action already taken on a case (for example
// a second "removed") is an illegal transition unless the content was reinstated since.
const (
	StatusOpen         Status = "open"
	StatusAcknowledged Status = "acknowledged"
	StatusActioned     Status = "actioned"
	StatusAppealed     Status = "appealed"
	StatusReinstated   Status = "reinstated"
	StatusClosed       Status = "closed"
)

// Confidence grades the source of a rule, as in the reference: primary (the official
// text), secondary (an explainer or summary) or unverified.
type Confidence string

// Confidence grades.
const (
	Primary    Confidence = "P"
	Secondary  Confidence = "S"
	Unverified Confidence = "U"
)

func (c Confidence) rank() int {
	switch c {
	case Primary:
		return 3
	case Secondary:
		return 2
	case Unverified:
		return 1
	}
	return 0
}

// DeadlineState is the state of one deadline on a case.
type DeadlineState string

// Deadline states.
const (
	// DeadlinePending waits for the event that starts its clock (Rule.StartOn).
	DeadlinePending DeadlineState = "pending"
	// DeadlineOpen is running.
	DeadlineOpen DeadlineState = "open"
	// DeadlineMet was satisfied in time.
	DeadlineMet DeadlineState = "met"
	// DeadlineBreached passed its due time unmet. A breached deadline that is satisfied
	// later stays breached and records MetAt.
	DeadlineBreached DeadlineState = "breached"
	// DeadlineWaived was still pending or open when the case was closed.
	DeadlineWaived DeadlineState = "waived"
)

// Notice is what opens a case: a detection, notice, order or request.
//
// Never put personal data or content into a Notice: Subject and Reference are opaque
// identifiers (an upload ID, an order number), and the whole Notice is kept in the audit
// chain for as long as the store keeps the case.
type Notice struct {
	// ID is the caller's idempotency key for Engine.Open: opening the same ID again
	// returns the same case. Required; at most MaxIDLen bytes.
	ID string `json:"id"`
	// Trigger starts the clocks. Required.
	Trigger Trigger `json:"trigger"`
	// Jurisdictions whose rules apply. Required, at most MaxJurisdictions.
	Jurisdictions []Jurisdiction `json:"jurisdictions"`
	// Category is a terminology code ("csam", "csam.ai_generated", ...). A rule for a
	// parent code applies to its children. Empty means not yet classified: only rules
	// without categories apply.
	Category string `json:"category,omitempty"`
	// ReceivedAt is when the trigger happened (the notice was received, the match was
	// made). Zero means the time of Open; it may not be in the future.
	ReceivedAt time.Time `json:"received_at"`
	// Priority is an assessed priority, 1 (imminent risk to someone's life or safety) to
	// 3; 0 means not assessed. Rules may be limited to priorities (Rule.Priorities).
	Priority int `json:"priority,omitempty"`
	// DueBy is a deadline stated in an order itself ("as set in the notice"); rules with
	// Rule.FromNotice use it. Zero when the order states none.
	DueBy time.Time `json:"due_by,omitzero"`
	// Source names who sent the notice (an agency, a hotline, "hashmatch"). Opaque.
	Source string `json:"source,omitempty"`
	// Reference is the sender's reference (order number, hotline report ID). Opaque.
	Reference string `json:"reference,omitempty"`
	// Subject identifies the content (an upload or URL ID of the platform's own). Opaque.
	Subject string `json:"subject,omitempty"`
}

// Receipt is what an agency returned for a report.
type Receipt struct {
	// Agency names the recipient: "NCMEC", "NCA", "C3P", "DSA-TDB", ... It is matched,
	// case-insensitively, against Rule.To of report deadlines. Required.
	Agency string `json:"agency"`
	// ID is the agency's report identifier. Required.
	ID string `json:"id"`
	// At is when the agency acknowledged the report; zero means Event.At.
	At time.Time `json:"at,omitzero"`
}

// Event is something a caller records on a case.
type Event struct {
	// ID is the caller's idempotency key, unique within the case. Recording the same ID
	// again is a no-op that succeeds. Required; at most MaxIDLen bytes.
	ID string `json:"id"`
	// Type is one of the recordable event types.
	Type EventType `json:"type"`
	// At is when it happened (the removal, the submission). Zero means now. It may not be
	// before the case's trigger time nor in the future.
	At time.Time `json:"at"`
	// Actor identifies who did it (a reviewer ID, a service name). Opaque.
	Actor string `json:"actor,omitempty"`
	// Receipt is required for EventReported.
	Receipt *Receipt `json:"receipt,omitempty"`
	// Regions lists ISO 3166 codes for EventGeoBlocked.
	Regions []string `json:"regions,omitempty"`
	// Note is free text for the audit trail. Never put content or personal data in it.
	Note string `json:"note,omitempty"`
}

// RuleRef identifies the rule that set a deadline or a preservation period, with the
// facts needed to justify it later even if the policy changes.
type RuleRef struct {
	ID           string       `json:"id"`
	Jurisdiction Jurisdiction `json:"jurisdiction"`
	Citation     string       `json:"citation"`
	Confidence   Confidence   `json:"confidence"`
	// Uncertain is true when the reference marks the value as uncertain: a default to
	// review, not a constant.
	Uncertain bool `json:"uncertain,omitempty"`
	// Clock is the statutory phrase, verbatim ("as soon as reasonably possible"), if any.
	Clock string `json:"clock,omitempty"`
	// Operational is true when the duration is an operational default standing in for a
	// vague or missing statutory clock (see Policy.Vague).
	Operational bool `json:"operational,omitempty"`
}

// Deadline is one duty on a case with its due time.
type Deadline struct {
	// ID is unique within the case: the duty, and for reports the recipient
	// ("remove", "report:NCMEC").
	ID   string `json:"id"`
	Duty Duty   `json:"duty"`
	// To is the recipient for DutyReport ("NCMEC"); empty otherwise.
	To string `json:"to,omitempty"`
	// Start is when the clock started: the trigger time, or the time of the StartOn event.
	Start time.Time `json:"start,omitzero"`
	// Due is when the duty must be done; zero while pending.
	Due time.Time `json:"due,omitzero"`
	// Duration is Due - Start.
	Duration time.Duration `json:"duration"`
	// StartOn lists the events that start a pending deadline's clock.
	StartOn []EventType   `json:"start_on,omitempty"`
	State   DeadlineState `json:"state"`
	// MetAt is when the duty was done (the event's At), also for late completion.
	MetAt time.Time `json:"met_at,omitzero"`
	// MetBy is the ID of the event that met it.
	MetBy string `json:"met_by,omitempty"`
	// BreachedAt is when the engine recorded the breach.
	BreachedAt time.Time `json:"breached_at,omitzero"`
	// Rule is the strictest rule for this duty: the one that set Due.
	Rule RuleRef `json:"rule"`
	// Also lists the IDs of other matching rules for the same duty (less strict).
	Also []string `json:"also,omitempty"`
}

// Preservation is a duty to keep evidence, set by a rule.
type Preservation struct {
	Rule RuleRef `json:"rule"`
	// What is to be kept ("content and report", "NCA reference").
	What string `json:"what"`
	// Period runs from the first matching From event.
	Period time.Duration `json:"period"`
	// From is the event that starts the period (EventOpened: the trigger time).
	From EventType `json:"from"`
	// Agency limits From = EventReported to reports to that recipient.
	Agency string `json:"agency,omitempty"`
	// Until is the end of the period; zero until the From event is recorded.
	Until time.Time `json:"until,omitzero"`
}

// Case is a takedown case: the notice, its deadlines and what happened so far.
// Cases returned by the engine are copies; changing them changes nothing stored.
type Case struct {
	// ID is assigned by the engine: 32 hex digits, time-ordered.
	ID string `json:"id"`
	// Version counts the case's changes from 1 (optimistic concurrency).
	Version uint64 `json:"version"`
	// Notice is the notice the case was opened for, with defaults filled in.
	Notice Notice `json:"notice"`
	Status Status `json:"status"`
	// TriggerAt is Notice.ReceivedAt (the clock start); OpenedAt is when Open ran.
	TriggerAt time.Time `json:"trigger_at"`
	OpenedAt  time.Time `json:"opened_at"`
	UpdatedAt time.Time `json:"updated_at"`
	ClosedAt  time.Time `json:"closed_at,omitzero"`
	// FirstActionAt is the time of the first removal, disabling or geo-block, if any.
	FirstActionAt time.Time `json:"first_action_at,omitzero"`
	// AcknowledgedAt is the time of the acknowledged event, if any.
	AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"`
	// Jurisdictions are those whose rules were considered: the notice's, plus those they
	// include (Policy.Includes, e.g. DE includes EU).
	Jurisdictions []Jurisdiction `json:"jurisdictions"`
	Deadlines     []Deadline     `json:"deadlines"`
	Preservation  []Preservation `json:"preservation,omitempty"`
	// Actions are the action events taken (removed, access_disabled, geo_blocked) since the
	// last reinstatement.
	Actions []EventType `json:"actions,omitempty"`
	// Reports are the receipts of every report recorded.
	Reports []Receipt `json:"reports,omitempty"`
	// NoDisclosure lists rules that forbid or delay telling the uploader (tipping-off
	// rules such as Canada MRA s.5). The engine does not notify anyone itself; it
	// records the restriction so the application can honour it.
	NoDisclosure []RuleRef `json:"no_disclosure,omitempty"`
	// Seq is the number of audit events; ChainHead is the hash of the last one.
	Seq       uint64 `json:"seq"`
	ChainHead Digest `json:"chain_head"`
}

// Deadline returns the deadline with the given ID.
func (c *Case) Deadline(id string) (Deadline, bool) {
	for _, d := range c.Deadlines {
		if d.ID == id {
			return d, true
		}
	}
	return Deadline{}, false
}

// PreserveUntil is the latest end of every preservation period that has started, or the
// zero time when none has.
func (c *Case) PreserveUntil() time.Time {
	var t time.Time
	for _, p := range c.Preservation {
		if p.Until.After(t) {
			t = p.Until
		}
	}
	return t
}

// Clone returns a deep copy of c.
func (c *Case) Clone() *Case {
	if c == nil {
		return nil
	}
	n := *c
	n.Notice.Jurisdictions = slices.Clone(c.Notice.Jurisdictions)
	n.Jurisdictions = slices.Clone(c.Jurisdictions)
	n.Deadlines = slices.Clone(c.Deadlines)
	for i := range n.Deadlines {
		n.Deadlines[i].StartOn = slices.Clone(n.Deadlines[i].StartOn)
		n.Deadlines[i].Also = slices.Clone(n.Deadlines[i].Also)
	}
	n.Preservation = slices.Clone(c.Preservation)
	n.Actions = slices.Clone(c.Actions)
	n.Reports = slices.Clone(c.Reports)
	n.NoDisclosure = slices.Clone(c.NoDisclosure)
	return &n
}
