package takedown

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/mnr-sdk/mnr/terminology"
)

// Rule is one row of a Policy: for a jurisdiction, a trigger and a category, the duty it
// imposes, by when, what must be preserved and for how long, and where that comes from.
//
// A Rule is data: operators override any field without a code change (Policy.Override).
type Rule struct {
	// ID is stable and unique within a policy ("us.2258a.report").
	ID string `json:"id"`
	// Jurisdiction the rule belongs to.
	Jurisdiction Jurisdiction `json:"jurisdiction"`
	// Regime names the instrument briefly ("18 U.S.C. §2258A (CyberTipline report)").
	Regime string `json:"regime"`
	// Triggers the rule applies to; empty means every trigger.
	Triggers []Trigger `json:"triggers,omitempty"`
	// Categories are terminology codes; the rule applies to a notice whose category is one
	// of them or a descendant (terminology.IsA). Empty means any category, including an
	// unclassified notice.
	Categories []string `json:"categories,omitempty"`
	// Priorities limits the rule to notices of these priorities (0 = not assessed); empty
	// means any priority.
	Priorities []int `json:"priorities,omitempty"`
	// Duty is what must be done; empty for a rule that only sets preservation periods.
	Duty Duty `json:"duty,omitempty"`
	// To is the recipient of a DutyReport ("NCMEC", "NCA"); a reported event meets the
	// deadline only when its Receipt.Agency matches (case-insensitively). Empty accepts a
	// report to anyone.
	To string `json:"to,omitempty"`
	// Clock is the statutory phrase for the deadline, verbatim ("immediately"), if any.
	Clock string `json:"clock,omitempty"`
	// Deadline is the time allowed. When zero, the duration for Clock in Policy.Vague is
	// used. When both are set, Deadline is the legal limit and wins.
	Deadline time.Duration `json:"deadline,omitempty"`
	// Operational marks Deadline as an operational target, not a legal value.
	Operational bool `json:"operational,omitempty"`
	// FromNotice makes the deadline the one stated in the notice (Notice.DueBy) when the
	// notice states one ("as set in the notice"); Deadline or Clock is the fallback.
	FromNotice bool `json:"from_notice,omitempty"`
	// StartOn, when set, starts the clock at the first of these events instead of the
	// trigger (EventActioned stands for any removal, disabling or geo-block). Until then
	// the deadline is pending.
	StartOn []EventType `json:"start_on,omitempty"`
	// Preserve lists what must be kept and for how long.
	Preserve []Retention `json:"preserve,omitempty"`
	// NoDisclosure marks a tipping-off rule: the uploader must not be told, or not yet.
	NoDisclosure bool `json:"no_disclosure,omitempty"`
	// Citation is the legal citation, verbatim.
	Citation string `json:"citation"`
	// Confidence grades the source.
	Confidence Confidence `json:"confidence"`
	// Uncertain flags a value the reference marks as uncertain: review and override it.
	Uncertain bool `json:"uncertain,omitempty"`
	// Note explains choices, open questions and what to override.
	Note string `json:"note,omitempty"`
	// ValidFrom and ValidUntil bound the trigger times the rule applies to; zero means
	// unbounded. ValidUntil is exclusive.
	ValidFrom  time.Time `json:"valid_from,omitzero"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
	// Disabled rules ship for the record (lapsed bills, regimes outside the vocabulary)
	// and never apply until enabled.
	Disabled bool `json:"disabled,omitempty"`
}

// Retention is a preservation duty of a rule.
type Retention struct {
	// What is to be kept.
	What string `json:"what"`
	// Period is how long.
	Period time.Duration `json:"period"`
	// From is the event that starts the period; EventOpened means the trigger time and
	// EventActioned any removal, disabling or geo-block.
	From EventType `json:"from"`
	// Agency limits From = EventReported to reports to that recipient.
	Agency string `json:"agency,omitempty"`
	// Uncertain marks a period the reference tags as uncertain even when the rule's
	// deadline is not; the Preservation's RuleRef.Uncertain is then true.
	Uncertain bool `json:"uncertain,omitempty"`
}

func (r *Rule) ref(p *Policy) RuleRef {
	return RuleRef{ID: r.ID, Jurisdiction: r.Jurisdiction, Citation: r.Citation,
		Confidence: r.Confidence, Uncertain: r.Uncertain, Clock: r.Clock,
		Operational: r.Operational || (r.Deadline == 0 && r.Clock != "")}
}

// duration is the time the rule allows, before any Notice.DueBy.
func (r *Rule) duration(p *Policy) time.Duration {
	if r.Deadline > 0 {
		return r.Deadline
	}
	return p.Vague[r.Clock]
}

func (r *Rule) appliesTo(n *Notice, at time.Time) bool {
	if r.Disabled {
		return false
	}
	if !r.ValidFrom.IsZero() && at.Before(r.ValidFrom) {
		return false
	}
	if !r.ValidUntil.IsZero() && !at.Before(r.ValidUntil) {
		return false
	}
	if len(r.Triggers) > 0 && !slices.Contains(r.Triggers, n.Trigger) {
		return false
	}
	if len(r.Priorities) > 0 && !slices.Contains(r.Priorities, n.Priority) {
		return false
	}
	if len(r.Categories) > 0 {
		if n.Category == "" {
			return false
		}
		ok := false
		for _, c := range r.Categories {
			if terminology.IsA(n.Category, c) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// Policy is a set of rules plus the durations that stand in for vague statutory clocks.
//
// A Policy is plain data. Build one with DefaultPolicy, change it with Override, SetVague
// or by editing the fields, and hand it to NewEngine, which keeps its own copy: changing a
// policy after that has no effect on the engine. Deadlines already set on a case keep the
// rule facts they were set with.
type Policy struct {
	// Rules in any order; IDs must be unique.
	Rules []Rule `json:"rules"`
	// Vague maps a statutory phrase ("immediately") to the operational duration used for
	// rules that give only that phrase. See DefaultVague.
	Vague map[string]time.Duration `json:"vague"`
	// Includes lists, per jurisdiction, others whose rules also apply: DefaultPolicy makes
	// DE and FR include EU.
	Includes map[Jurisdiction][]Jurisdiction `json:"includes,omitempty"`
}

// DefaultVague returns the documented operational durations for vague statutory clocks:
//
//	"immediately"                       15m  (UK operational default for Priority 1)
//	"promptly"                          1h
//	"as soon as reasonably practicable" 4h   (UK operational default for Priority 2)
//	"without undue delay"               24h  (UK operational default for Priority 3)
//	"as soon as reasonably possible"    24h
//	"as soon as possible"               24h
//	"as soon as feasible"               24h
//	"without delay"                     24h
//	"expeditiously"                     24h
//	"swiftly"                           24h
//	"diligent"                          24h
//
// None is a legal value: they are targets that make a vague duty measurable. The UK
// figures come from one implementation (reference §1.1). Override them with
// Policy.SetVague.
func DefaultVague() map[string]time.Duration {
	return map[string]time.Duration{
		"immediately":                       15 * time.Minute,
		"promptly":                          time.Hour,
		"as soon as reasonably practicable": 4 * time.Hour,
		"without undue delay":               24 * time.Hour,
		"as soon as reasonably possible":    24 * time.Hour,
		"as soon as possible":               24 * time.Hour,
		"as soon as feasible":               24 * time.Hour,
		"without delay":                     24 * time.Hour,
		"expeditiously":                     24 * time.Hour,
		"swiftly":                           24 * time.Hour,
		"diligent":                          24 * time.Hour,
	}
}

// Clone returns a deep copy of p.
func (p *Policy) Clone() *Policy {
	n := &Policy{Rules: slices.Clone(p.Rules), Vague: maps.Clone(p.Vague), Includes: map[Jurisdiction][]Jurisdiction{}}
	for i := range n.Rules {
		r := &n.Rules[i]
		r.Triggers = slices.Clone(r.Triggers)
		r.Categories = slices.Clone(r.Categories)
		r.Priorities = slices.Clone(r.Priorities)
		r.StartOn = slices.Clone(r.StartOn)
		r.Preserve = slices.Clone(r.Preserve)
	}
	for k, v := range p.Includes {
		n.Includes[k] = slices.Clone(v)
	}
	if n.Vague == nil {
		n.Vague = map[string]time.Duration{}
	}
	return n
}

// Rule returns the rule with the given ID.
func (p *Policy) Rule(id string) (Rule, bool) {
	for _, r := range p.Rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// Override changes the rule with the given ID in place: fn receives a pointer to it. The
// changed rule must still validate. Use it for uncertain values, for example:
//
//	p.Override("in.it-rules.3-1-d.3h", func(r *takedown.Rule) { r.Deadline = 36 * time.Hour })
func (p *Policy) Override(id string, fn func(*Rule)) error {
	for i := range p.Rules {
		if p.Rules[i].ID == id {
			r := p.Rules[i]
			fn(&r)
			if err := p.validateRule(&r); err != nil {
				return err
			}
			p.Rules[i] = r
			return nil
		}
	}
	return fmt.Errorf("takedown: override %q: %w", id, ErrNotFound)
}

// SetVague sets the duration used for a vague statutory phrase.
func (p *Policy) SetVague(phrase string, d time.Duration) error {
	if d <= 0 {
		return invalid("vague", "duration for %q must be positive", phrase)
	}
	if p.Vague == nil {
		p.Vague = map[string]time.Duration{}
	}
	p.Vague[phrase] = d
	return nil
}

// Uncertain returns the rules flagged as uncertain, for review.
func (p *Policy) Uncertain() []Rule {
	var out []Rule
	for _, r := range p.Rules {
		if r.Uncertain {
			out = append(out, r)
		}
	}
	return out
}

// Validate checks every rule: unique IDs, known jurisdictions, triggers, duties, event
// types and terminology codes, and a resolvable duration for every deadline.
func (p *Policy) Validate() error {
	seen := map[string]bool{}
	var errs []error
	for i := range p.Rules {
		r := &p.Rules[i]
		if seen[r.ID] {
			errs = append(errs, invalid("rule "+r.ID, "duplicate ID"))
		}
		seen[r.ID] = true
		if err := p.validateRule(r); err != nil {
			errs = append(errs, err)
		}
	}
	for j, inc := range p.Includes {
		if !j.valid() && j != EU {
			errs = append(errs, invalid("includes", "jurisdiction %q", j))
		}
		for _, k := range inc {
			if !k.valid() {
				errs = append(errs, invalid("includes", "jurisdiction %q", k))
			}
		}
	}
	return errors.Join(errs...)
}

func (p *Policy) validateRule(r *Rule) error {
	f := "rule " + r.ID
	switch {
	case r.ID == "" || len(r.ID) > MaxIDLen || strings.ContainsRune(r.ID, 0):
		return invalid("rule", "ID must be 1 to %d bytes without NUL", MaxIDLen)
	case !r.Jurisdiction.valid():
		return invalid(f, "jurisdiction %q is not an ISO 3166 code or EU", r.Jurisdiction)
	case r.Citation == "":
		return invalid(f, "citation is required")
	case r.Confidence.rank() == 0:
		return invalid(f, "confidence %q is not P, S or U", r.Confidence)
	case !r.ValidFrom.IsZero() && !r.ValidUntil.IsZero() && !r.ValidUntil.After(r.ValidFrom):
		return invalid(f, "valid_until must be after valid_from")
	case r.Duty == "" && len(r.Preserve) == 0:
		return invalid(f, "a rule needs a duty or a preservation period")
	}
	for _, t := range r.Triggers {
		if !t.valid() {
			return invalid(f, "unknown trigger %q", t)
		}
	}
	for _, c := range r.Categories {
		if _, err := terminology.Lookup(c); err != nil {
			return invalid(f, "category %q: %v", c, err)
		}
	}
	for _, pr := range r.Priorities {
		if pr < 0 || pr > 3 {
			return invalid(f, "priority %d outside 0..3", pr)
		}
	}
	for _, s := range r.StartOn {
		if !s.recordable() && s != EventActioned {
			return invalid(f, "start_on %q is not a recordable event", s)
		}
	}
	for _, ret := range r.Preserve {
		if ret.Period <= 0 {
			return invalid(f, "preservation period must be positive")
		}
		if !ret.From.recordable() && ret.From != EventActioned && ret.From != EventOpened {
			return invalid(f, "preservation from %q is not an event", ret.From)
		}
	}
	if r.Duty != "" {
		if !r.Duty.valid() {
			return invalid(f, "unknown duty %q", r.Duty)
		}
		if r.To != "" && r.Duty != DutyReport {
			return invalid(f, "a recipient (to) is only for report duties")
		}
		if r.duration(p) <= 0 {
			return invalid(f, "no deadline: set Deadline or a Vague duration for clock %q", r.Clock)
		}
	}
	return nil
}

// Resolution is what a Policy says about a notice.
type Resolution struct {
	// Jurisdictions considered (the notice's and those they include).
	Jurisdictions []Jurisdiction
	// Deadlines, one per duty (and recipient), each from the strictest matching rule.
	Deadlines []Deadline
	// Preservation periods of every matching rule.
	Preservation []Preservation
	// NoDisclosure lists matching tipping-off rules.
	NoDisclosure []RuleRef
	// Rules lists the IDs of every matching rule.
	Rules []string
}

// expand returns js plus the jurisdictions they include, deduplicated, in order.
func (p *Policy) expand(js []Jurisdiction) []Jurisdiction {
	var out []Jurisdiction
	var add func(j Jurisdiction, depth int)
	add = func(j Jurisdiction, depth int) {
		if slices.Contains(out, j) || depth > 4 {
			return
		}
		out = append(out, j)
		for _, k := range p.Includes[j] {
			add(k, depth+1)
		}
	}
	for _, j := range js {
		add(j, 0)
	}
	return out
}

func deadlineID(r *Rule) string {
	id := string(r.Duty)
	if r.To != "" {
		id += ":" + strings.ToUpper(r.To)
	}
	if len(r.StartOn) > 0 {
		parts := make([]string, len(r.StartOn))
		for i, s := range r.StartOn {
			parts[i] = string(s)
		}
		id += "@" + strings.Join(parts, "+")
	}
	return id
}

// Resolve applies the policy to a notice whose trigger time is n.ReceivedAt (which must
// be set). For each duty the strictest matching rule wins: the earliest due time; on a tie
// the higher confidence, then the lower rule ID. The others are listed in Deadline.Also.
func (p *Policy) Resolve(n Notice) Resolution {
	at := n.ReceivedAt.UTC()
	res := Resolution{Jurisdictions: p.expand(n.Jurisdictions)}
	best := map[string]int{} // deadline ID -> index in res.Deadlines
	for i := range p.Rules {
		r := &p.Rules[i]
		if !slices.Contains(res.Jurisdictions, r.Jurisdiction) || !r.appliesTo(&n, at) {
			continue
		}
		res.Rules = append(res.Rules, r.ID)
		ref := r.ref(p)
		for _, ret := range r.Preserve {
			pr := Preservation{Rule: ref, What: ret.What, Period: ret.Period, From: ret.From, Agency: ret.Agency}
			pr.Rule.Uncertain = ref.Uncertain || ret.Uncertain
			if ret.From == EventOpened {
				pr.Until = at.Add(ret.Period)
			}
			res.Preservation = append(res.Preservation, pr)
		}
		if r.NoDisclosure {
			res.NoDisclosure = append(res.NoDisclosure, ref)
		}
		if r.Duty == "" {
			continue
		}
		d := Deadline{ID: deadlineID(r), Duty: r.Duty, To: strings.ToUpper(r.To), Duration: r.duration(p),
			StartOn: slices.Clone(r.StartOn), State: DeadlinePending, Rule: ref}
		if r.FromNotice && !n.DueBy.IsZero() {
			d.Duration = n.DueBy.UTC().Sub(at)
			d.Rule.Operational = false
		}
		if len(d.StartOn) == 0 {
			d.Start = at
			d.Due = at.Add(d.Duration)
			d.State = DeadlineOpen
		}
		j, ok := best[d.ID]
		if !ok {
			best[d.ID] = len(res.Deadlines)
			res.Deadlines = append(res.Deadlines, d)
			continue
		}
		cur := &res.Deadlines[j]
		if stricter(&d, cur) {
			d.Also = append(cur.Also, cur.Rule.ID)
			*cur = d
		} else {
			cur.Also = append(cur.Also, d.Rule.ID)
		}
	}
	for i := range res.Deadlines {
		slices.Sort(res.Deadlines[i].Also)
	}
	slices.SortStableFunc(res.Deadlines, func(a, b Deadline) int {
		return cmp.Or(cmp.Compare(a.Duration, b.Duration), strings.Compare(a.ID, b.ID))
	})
	return res
}

// stricter reports whether a should replace b for the same deadline ID.
func stricter(a, b *Deadline) bool {
	if a.Duration != b.Duration {
		return a.Duration < b.Duration
	}
	if ra, rb := a.Rule.Confidence.rank(), b.Rule.Confidence.rank(); ra != rb {
		return ra > rb
	}
	return a.Rule.ID < b.Rule.ID
}
