package reporting

import (
	"time"
)

// State is where a submission stands in the outbox.
type State string

// The submission states. Terminal states are StateDone, StateFailed and
// StateAbandoned.
const (
	// StateReview: drafted, waiting for a human to Approve or Reject it.
	StateReview State = "review"
	// StatePending: waiting for a worker (NextAt says from when).
	StatePending State = "pending"
	// StateInProgress: claimed by a worker under a lease.
	StateInProgress State = "in_progress"
	// StateUnknown: a non-idempotent step got no answer; it is reconciled, never
	// blindly resent.
	StateUnknown State = "unknown"
	// StateDone: complete at the agency; receipts are in Progress.
	StateDone State = "done"
	// StateFailed: a permanent error (Submission.Error says which) or too many
	// attempts.
	StateFailed State = "failed"
	// StateAbandoned: rejected in review, or retracted or given up at the agency.
	StateAbandoned State = "abandoned"
)

// Terminal reports whether no worker will touch a submission in state s again.
func (s State) Terminal() bool {
	return s == StateDone || s == StateFailed || s == StateAbandoned
}

// Valid reports whether s is one of the defined states.
func (s State) Valid() bool {
	switch s {
	case StateReview, StatePending, StateInProgress, StateUnknown, StateDone, StateFailed, StateAbandoned:
		return true
	}
	return false
}

// Submission is one report on its way to one agency: the stored report, the
// state, the agency's progress and the history of what happened. Values returned by
// an Outbox or a Store are copies owned by the caller.
type Submission struct {
	// ID is the outbox key, SubmissionID(Agency, Report.ID): "cybertip/R-17".
	// One report may go to several agencies, each its own submission.
	ID string `json:"id"`
	// Agency is the agency's Name.
	Agency string `json:"agency"`
	// Report is the report as accepted.
	Report Report `json:"report"`
	// State is the current state.
	State State `json:"state"`
	// Progress is how far the protocol has got, with agency IDs and receipts.
	Progress Progress `json:"progress"`
	// Attempts counts step attempts that failed since the last successful step;
	// it drives backoff and the attempt limit.
	Attempts int `json:"attempts,omitempty"`
	// NextAt is when a pending submission becomes due.
	NextAt time.Time `json:"nextAt,omitzero"`
	// Error is the last error's message (never report content).
	Error string `json:"error,omitempty"`
	// LeaseOwner and LeaseUntil describe the worker's claim on an in_progress or
	// unknown submission. An expired lease makes it claimable again.
	LeaseOwner string    `json:"leaseOwner,omitempty"`
	LeaseUntil time.Time `json:"leaseUntil,omitzero"`
	// InFlight names a request that is not idempotent ("POST /submit") while
	// it is being sent; the outbox stores it before sending and clears it with
	// the next saved progress. A submission found in_progress with InFlight set
	// (the worker died mid-request) goes to StateUnknown, never straight back
	// to Step.
	InFlight string `json:"inFlight,omitempty"`
	// History lists state changes and notable events, oldest first.
	History []Event `json:"history,omitempty"`
	// CreatedAt and UpdatedAt are set by the outbox clock.
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Version increases with every stored change; stores use it for optimistic
	// concurrency (ErrConflict).
	Version int64 `json:"version"`
}

// SubmissionID returns the outbox key of the submission of report reportID to
// agency: agency + "/" + reportID.
func SubmissionID(agency, reportID string) string { return agency + "/" + reportID }

// Event is one entry in a submission's history.
type Event struct {
	// At is when it happened (outbox clock).
	At time.Time `json:"at"`
	// From and To are the states before and after; equal for events that
	// are not state changes (a step done, a lease renewed after a crash).
	From State `json:"from,omitempty"`
	To   State `json:"to"`
	// Step is the progress cursor at the time.
	Step string `json:"step,omitempty"`
	// Note says why (an error message, "approved by reviewer", the reasoning of a
	// reconciliation). Never report content.
	Note string `json:"note,omitempty"`
}

// Clone returns a deep copy of s.
func (s *Submission) Clone() *Submission {
	if s == nil {
		return nil
	}
	c := s.cloneWithoutReceipts()
	c.Progress.Receipts = cloneReceipts(s.Progress.Receipts)
	return c
}

// cloneWithoutReceipts returns a deep copy of s with no receipts.
func (s *Submission) cloneWithoutReceipts() *Submission {
	c := *s
	c.Report = s.Report.Clone()
	p := s.Progress
	p.Receipts = nil
	c.Progress = p.Clone()
	c.History = append([]Event(nil), s.History...)
	return &c
}

// Clone returns a deep copy of r.
func (r Report) Clone() Report {
	c := r
	if r.Content != nil {
		c.Content = make([]ContentItem, len(r.Content))
		for i, it := range r.Content {
			it.Codes = cloneStrings(it.Codes)
			c.Content[i] = it
		}
	}
	c.Incident.Flags = cloneStrings(r.Incident.Flags)
	if r.Account != nil {
		a := *r.Account
		a.Emails = cloneStrings(a.Emails)
		a.Phones = cloneStrings(a.Phones)
		a.IPs = append([]IPEvent(nil), a.IPs...)
		if r.Account.IPs == nil {
			a.IPs = nil
		}
		c.Account = &a
	}
	if r.Victim != nil {
		v := *r.Victim
		c.Victim = &v
	}
	if r.Decision != nil {
		d := *r.Decision
		d.Visibility = cloneStrings(d.Visibility)
		d.TerritorialScope = cloneStrings(d.TerritorialScope)
		c.Decision = &d
	}
	c.PriorReportIDs = cloneStrings(r.PriorReportIDs)
	if r.Extra != nil {
		c.Extra = make(map[string]string, len(r.Extra))
		for k, v := range r.Extra {
			c.Extra[k] = v
		}
	}
	return c
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}
