package takedown

import (
	"crypto/sha256"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mnr-sdk/mnr/terminology"
)

// Limits on caller input. Longer or larger values are rejected with an *InvalidError.
const (
	// MaxIDLen bounds Notice.ID, Event.ID, case IDs and rule IDs (bytes).
	MaxIDLen = 128
	// MaxJurisdictions bounds Notice.Jurisdictions.
	MaxJurisdictions = 16
	// MaxFieldLen bounds the other short strings: Source, Reference, Subject, Actor,
	// Receipt fields, Category (bytes).
	MaxFieldLen = 256
	// MaxNoteLen bounds Event.Note (bytes).
	MaxNoteLen = 2048
	// MaxRegions bounds Event.Regions.
	MaxRegions = 300
	// MaxClockSkew is how far in the future a caller-supplied time may be.
	MaxClockSkew = time.Minute
)

// DefaultWarnings are the fractions of each deadline at which warnings fire.
func DefaultWarnings() []float64 { return []float64{0.5, 0.8} }

// Machine is the pure core of takedown: (case, event, now) -> (new case, audit events,
// timers). It does no I/O, so a workflow engine such as Temporal can drive it: persist
// Step.Case and Step.Events, schedule Step.Add, cancel Step.Cancel, and call Fire when a
// timer fires. Engine is Machine plus a Store.
//
// A Machine must not be changed while in use; it is then safe for concurrent use.
type Machine struct {
	// Policy decides deadlines. Required.
	Policy *Policy
	// Warnings are fractions of each deadline's duration (0 < f < 1) at which warning
	// timers fire. Nil means none; NewEngine defaults to DefaultWarnings.
	Warnings []float64
	// BreachGrace delays the breach timer after the due timer. Zero means both fire at
	// the due time, due first.
	BreachGrace time.Duration
}

// Step is the outcome of one Machine call.
type Step struct {
	// Case is the new state (a copy; the input is never modified), or nil when nothing
	// changed.
	Case *Case
	// Events are the audit events appended (already chained and hashed).
	Events []AuditEvent
	// Add are timers to schedule; Cancel are deadline IDs whose timers to drop.
	Add    []Timer
	Cancel []string
	// From and To are the case status before and after.
	From, To Status
	// stateJSON is StateJSON(Case) as computed for the last audit event.
	stateJSON []byte
}

// Change turns the step into a Store change.
func (s *Step) Change(idem *IdemRecord) *Change {
	return &Change{Case: s.Case, Events: s.Events, Add: s.Add, Cancel: s.Cancel, Idem: idem, StateJSON: s.stateJSON}
}

func fingerprint(v any) Digest {
	b, _ := json.Marshal(v)
	return sha256.Sum256(b)
}

func checkStr(field, s string, max int) error {
	if len(s) > max {
		return invalid(field, "longer than %d bytes", max)
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return invalid(field, "not valid UTF-8 text")
	}
	return nil
}

func checkID(field, s string) error {
	if s == "" {
		return invalid(field, "required")
	}
	return checkStr(field, s, MaxIDLen)
}

// normalizeNotice validates n and fills defaults.
func normalizeNotice(n Notice, now time.Time) (Notice, error) {
	if err := checkID("notice.id", n.ID); err != nil {
		return n, err
	}
	if !n.Trigger.valid() {
		return n, invalid("notice.trigger", "unknown trigger %q", n.Trigger)
	}
	if len(n.Jurisdictions) == 0 || len(n.Jurisdictions) > MaxJurisdictions {
		return n, invalid("notice.jurisdictions", "need 1 to %d", MaxJurisdictions)
	}
	js := make([]Jurisdiction, 0, len(n.Jurisdictions))
	for _, j := range n.Jurisdictions {
		if !j.valid() {
			return n, invalid("notice.jurisdictions", "%q is not an ISO 3166 alpha-2 code or EU", j)
		}
		if !slices.Contains(js, j) {
			js = append(js, j)
		}
	}
	n.Jurisdictions = js
	if n.Category != "" {
		if err := checkStr("notice.category", n.Category, MaxFieldLen); err != nil {
			return n, err
		}
		if _, err := terminology.Lookup(n.Category); err != nil {
			return n, invalid("notice.category", "%v", err)
		}
	}
	for f, s := range map[string]string{"notice.source": n.Source, "notice.reference": n.Reference, "notice.subject": n.Subject} {
		if err := checkStr(f, s, MaxFieldLen); err != nil {
			return n, err
		}
	}
	if n.Priority < 0 || n.Priority > 3 {
		return n, invalid("notice.priority", "%d outside 0..3", n.Priority)
	}
	if n.ReceivedAt.IsZero() {
		n.ReceivedAt = now
	}
	n.ReceivedAt = n.ReceivedAt.UTC()
	if n.ReceivedAt.After(now.Add(MaxClockSkew)) {
		return n, invalid("notice.received_at", "in the future")
	}
	if !n.DueBy.IsZero() {
		n.DueBy = n.DueBy.UTC()
		if !n.DueBy.After(n.ReceivedAt) {
			return n, invalid("notice.due_by", "not after received_at")
		}
	}
	return n, nil
}

func (m *Machine) timers(c *Case, d *Deadline) []Timer {
	var ts []Timer
	for _, f := range m.Warnings {
		if f > 0 && f < 1 {
			ts = append(ts, Timer{Case: c.ID, Deadline: d.ID, Kind: TimerWarning, Fraction: f,
				At: d.Start.Add(time.Duration(float64(d.Duration) * f))})
		}
	}
	ts = append(ts, Timer{Case: c.ID, Deadline: d.ID, Kind: TimerDue, At: d.Due})
	ts = append(ts, Timer{Case: c.ID, Deadline: d.ID, Kind: TimerBreach, At: d.Due.Add(m.BreachGrace)})
	return ts
}

// appendAudit appends an audit event for the current state of c.
func appendAudit(c *Case, s *Step, typ EventType, eventID string, payload any, now time.Time) {
	b, err := json.Marshal(payload)
	if err != nil {
		panic("takedown: encode audit payload: " + err.Error())
	}
	state := StateJSON(c)
	s.stateJSON = state
	ev := AuditEvent{Case: c.ID, Seq: c.Seq + 1, Type: typ, EventID: eventID, At: now, Payload: b,
		State: sha256.Sum256(state), Prev: c.ChainHead}
	ev.Hash = ev.ComputeHash()
	c.Seq = ev.Seq
	c.ChainHead = ev.Hash
	s.Events = append(s.Events, ev)
}

type openedPayload struct {
	Notice Notice   `json:"notice"`
	Rules  []string `json:"rules"`
}

// Open builds a new case with the given ID for n at now.
func (m *Machine) Open(id string, n Notice, now time.Time) (*Step, error) {
	if err := checkID("case id", id); err != nil {
		return nil, err
	}
	now = now.UTC()
	n, err := normalizeNotice(n, now)
	if err != nil {
		return nil, err
	}
	res := m.Policy.Resolve(n)
	c := &Case{ID: id, Version: 1, Notice: n, Status: StatusOpen, TriggerAt: n.ReceivedAt,
		OpenedAt: now, UpdatedAt: now, Jurisdictions: res.Jurisdictions, Deadlines: res.Deadlines,
		Preservation: res.Preservation, NoDisclosure: res.NoDisclosure}
	if c.Deadlines == nil {
		c.Deadlines = []Deadline{}
	}
	s := &Step{Case: c, To: StatusOpen}
	for i := range c.Deadlines {
		if c.Deadlines[i].State == DeadlineOpen {
			s.Add = append(s.Add, m.timers(c, &c.Deadlines[i])...)
		}
	}
	appendAudit(c, s, EventOpened, n.ID, openedPayload{Notice: n, Rules: res.Rules}, now)
	return s, nil
}

func validateEvent(c *Case, e Event, now time.Time) (Event, error) {
	if err := checkID("event.id", e.ID); err != nil {
		return e, err
	}
	if !e.Type.recordable() {
		return e, invalid("event.type", "%q cannot be recorded", e.Type)
	}
	if err := checkStr("event.actor", e.Actor, MaxFieldLen); err != nil {
		return e, err
	}
	if err := checkStr("event.note", e.Note, MaxNoteLen); err != nil {
		return e, err
	}
	if len(e.Regions) > MaxRegions {
		return e, invalid("event.regions", "more than %d", MaxRegions)
	}
	for _, r := range e.Regions {
		if !Jurisdiction(r).valid() {
			return e, invalid("event.regions", "%q is not an ISO 3166 alpha-2 code", r)
		}
	}
	if e.At.IsZero() {
		e.At = now
	}
	e.At = e.At.UTC()
	if e.At.After(now.Add(MaxClockSkew)) {
		return e, invalid("event.at", "in the future")
	}
	if e.At.Before(c.TriggerAt) {
		return e, invalid("event.at", "before the case's trigger time")
	}
	if e.Type == EventReported {
		if e.Receipt == nil {
			return e, invalid("event.receipt", "required for a reported event")
		}
		r := *e.Receipt
		if err := checkID("event.receipt.agency", r.Agency); err != nil {
			return e, err
		}
		if err := checkStr("event.receipt.id", r.ID, MaxFieldLen); err != nil {
			return e, err
		}
		if r.ID == "" {
			return e, invalid("event.receipt.id", "required")
		}
		if r.At.IsZero() {
			r.At = e.At
		}
		r.At = r.At.UTC()
		if r.At.After(now.Add(MaxClockSkew)) {
			return e, invalid("event.receipt.at", "in the future")
		}
		e.Receipt = &r
	} else if e.Receipt != nil {
		return e, invalid("event.receipt", "only for a reported event")
	}
	return e, nil
}

// nextStatus returns the status after an event of type t, or false when t is illegal.
func nextStatus(c *Case, t EventType) (Status, bool) {
	s := c.Status
	if s == StatusClosed {
		return s, false
	}
	switch t {
	case EventAcknowledged:
		if c.acknowledged() {
			return s, false
		}
		if s == StatusOpen {
			return StatusAcknowledged, true
		}
		return s, true
	case EventRemoved, EventAccessDisabled, EventGeoBlocked:
		if slices.Contains(c.Actions, t) {
			return s, false
		}
		switch s {
		case StatusOpen, StatusAcknowledged, StatusActioned, StatusReinstated:
			return StatusActioned, true
		}
		return s, false
	case EventAppealed:
		return StatusAppealed, s == StatusActioned
	case EventReinstated:
		return StatusReinstated, s == StatusAppealed
	case EventClosed:
		return StatusClosed, true
	}
	return s, true // reported, notified, preserved
}

// acknowledged reports whether an acknowledged event was recorded.
func (c *Case) acknowledged() bool { return !c.AcknowledgedAt.IsZero() }

// Apply records event e on case c at now. It returns an *TransitionError when the event
// is not allowed in the case's status and an *InvalidError when e is malformed.
func (m *Machine) Apply(c *Case, e Event, now time.Time) (*Step, error) {
	now = now.UTC()
	e, err := validateEvent(c, e, now)
	if err != nil {
		return nil, err
	}
	to, ok := nextStatus(c, e.Type)
	if !ok {
		return nil, &TransitionError{Case: c.ID, From: c.Status, Event: e.Type}
	}
	n := c.Clone()
	n.Version++
	n.UpdatedAt = now
	n.Status = to
	s := &Step{Case: n, From: c.Status, To: to}
	switch {
	case e.Type == EventAcknowledged:
		n.AcknowledgedAt = e.At
	case e.Type.isAction():
		n.Actions = append(n.Actions, e.Type)
		if n.FirstActionAt.IsZero() {
			n.FirstActionAt = e.At
		}
	case e.Type == EventReinstated:
		n.Actions = nil
	case e.Type == EventReported:
		n.Reports = append(n.Reports, *e.Receipt)
	case e.Type == EventClosed:
		n.ClosedAt = e.At
	}
	for i := range n.Deadlines {
		d := &n.Deadlines[i]
		switch {
		case e.Type == EventClosed:
			if d.State == DeadlineOpen || d.State == DeadlinePending {
				if d.State == DeadlineOpen {
					s.Cancel = append(s.Cancel, d.ID)
				}
				d.State = DeadlineWaived
			}
		case d.State == DeadlinePending && slices.ContainsFunc(d.StartOn, func(w EventType) bool { return w.matches(e.Type) }):
			d.State = DeadlineOpen
			d.Start = e.At
			d.Due = e.At.Add(d.Duration)
			s.Add = append(s.Add, m.timers(n, d)...)
		}
		if d.MetBy != "" || (d.State != DeadlineOpen && d.State != DeadlineBreached) || !d.Duty.metBy(e.Type) {
			continue
		}
		if d.Duty == DutyReport && d.To != "" && !strings.EqualFold(d.To, e.Receipt.Agency) {
			continue
		}
		d.MetAt = e.At
		d.MetBy = e.ID
		if d.State == DeadlineOpen {
			if e.At.After(d.Due) {
				d.State = DeadlineBreached
				d.BreachedAt = now
			} else {
				d.State = DeadlineMet
			}
			s.Cancel = append(s.Cancel, d.ID)
		}
	}
	for i := range n.Preservation {
		p := &n.Preservation[i]
		if !p.Until.IsZero() || !p.From.matches(e.Type) {
			continue
		}
		start := e.At
		if e.Type == EventReported {
			if p.Agency != "" && !strings.EqualFold(p.Agency, e.Receipt.Agency) {
				continue
			}
			start = e.Receipt.At
		}
		p.Until = start.Add(p.Period)
	}
	appendAudit(n, s, e.Type, e.ID, e, now)
	return s, nil
}

// Fire applies a timer that came due: a warning or due timer only adds an audit event;
// a breach timer marks the deadline breached. It returns a Step with a nil Case when the
// timer no longer applies (its deadline was met, waived or is unknown).
func (m *Machine) Fire(c *Case, t Timer, now time.Time) (*Step, error) {
	now = now.UTC()
	i := slices.IndexFunc(c.Deadlines, func(d Deadline) bool { return d.ID == t.Deadline })
	// A breach fires only on an open deadline; a warning or due timer also on one that
	// was breached but not met (it can only come late, after its breach).
	live := i >= 0 && (c.Deadlines[i].State == DeadlineOpen ||
		t.Kind != TimerBreach && c.Deadlines[i].State == DeadlineBreached && c.Deadlines[i].MetBy == "")
	if !live {
		return &Step{From: c.Status, To: c.Status}, nil
	}
	n := c.Clone()
	n.Version++
	n.UpdatedAt = now
	s := &Step{Case: n, From: c.Status, To: c.Status}
	typ := EventWarning
	switch t.Kind {
	case TimerDue:
		typ = EventDue
	case TimerBreach:
		typ = EventBreached
		n.Deadlines[i].State = DeadlineBreached
		n.Deadlines[i].BreachedAt = now
	}
	appendAudit(n, s, typ, t.DeliveryID(), t, now)
	return s, nil
}
