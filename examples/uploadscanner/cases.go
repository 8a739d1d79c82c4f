package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/takedown"
)

// caseSummary is one case in GET /v1/cases.
type caseSummary struct {
	ID        string          `json:"id"`
	Status    takedown.Status `json:"status"`
	Category  string          `json:"category"`
	TriggerAt time.Time       `json:"trigger_at"`
	NextDue   *time.Time      `json:"next_due,omitempty"`
	Breached  int             `json:"breached"`
}

type caseList struct {
	Cases []caseSummary `json:"cases"`
	Next  string        `json:"next,omitempty"` // cursor for ?after=
}

// handleListCases is GET /v1/cases[?status=open&after=CURSOR&limit=N].
func (s *server) handleListCases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := takedown.Filter{After: q.Get("after"), Limit: 100}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, r, newAPIError(http.StatusBadRequest, codeBadRequest, "limit must be 1 to 1000"))
			return
		}
		f.Limit = n
	}
	for _, st := range q["status"] {
		f.Status = append(f.Status, takedown.Status(st))
	}
	f.Breached = q.Get("breached") == "true"
	cases, next, err := s.engine.List(r.Context(), f)
	if err != nil {
		writeError(w, r, caseError(err))
		return
	}
	out := caseList{Cases: make([]caseSummary, 0, len(cases)), Next: next}
	for _, c := range cases {
		sum := caseSummary{ID: c.ID, Status: c.Status, Category: c.Notice.Category, TriggerAt: c.TriggerAt}
		for _, d := range c.Deadlines {
			if d.State == takedown.DeadlineBreached {
				sum.Breached++
			}
			if d.State == takedown.DeadlineOpen && (sum.NextDue == nil || d.Due.Before(*sum.NextDue)) {
				due := d.Due
				sum.NextDue = &due
			}
		}
		out.Cases = append(out.Cases, sum)
	}
	writeJSON(w, http.StatusOK, out)
}

// caseDetail is GET /v1/cases/{id}: the case with its deadlines, its audit events,
// whether the audit chain verifies, the scan record and its reports.
type caseDetail struct {
	Case    *takedown.Case        `json:"case"`
	Audit   auditSummary          `json:"audit"`
	Events  []takedown.AuditEvent `json:"events"`
	Scan    *scanRecord           `json:"scan,omitempty"`
	Reports []reportView          `json:"reports,omitempty"`
}

type auditSummary struct {
	Verified bool   `json:"verified"`
	Events   int    `json:"events"`
	Problem  string `json:"problem,omitempty"`
}

func (s *server) handleGetCase(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	c, err := s.engine.Get(ctx, id)
	if err != nil {
		writeError(w, r, caseError(err))
		return
	}
	events, err := s.engine.Events(ctx, id)
	if err != nil {
		writeError(w, r, caseError(err))
		return
	}
	d := caseDetail{Case: c, Events: events, Audit: auditSummary{Verified: true, Events: len(events)}}
	if err := s.engine.Verify(ctx, id); err != nil {
		if !errors.Is(err, takedown.ErrTampered) {
			writeError(w, r, caseError(err))
			return
		}
		d.Audit.Verified = false
		d.Audit.Problem = err.Error()
	}
	if rec, err := s.records.get(ctx, id); err == nil {
		d.Scan = rec
		d.Reports = s.reportViews(ctx, rec.Reports)
	} else if !errors.Is(err, errRecordNotFound) {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// eventRequest is the body of POST /v1/cases/{id}/events.
type eventRequest struct {
	ID      string             `json:"id"`
	Type    takedown.EventType `json:"type"`
	At      time.Time          `json:"at,omitzero"`
	Actor   string             `json:"actor,omitempty"`
	Note    string             `json:"note,omitempty"`
	Regions []string           `json:"regions,omitempty"`
	Receipt *takedown.Receipt  `json:"receipt,omitempty"`
}

// maxEventBytes bounds the body of an event.
const maxEventBytes = 64 << 10

func (s *server) handleRecordEvent(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxEventBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	var req eventRequest
	if err := dec.Decode(&req); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, r, newAPIError(http.StatusRequestEntityTooLarge, codeTooLarge, "event body over "+itoa(maxEventBytes)+" bytes"))
			return
		}
		writeError(w, r, newAPIError(http.StatusBadRequest, codeBadRequest, "body must be a JSON event: {\"id\", \"type\", \"at\", \"actor\", \"note\", \"receipt\"}"))
		return
	}
	if req.ID == "" {
		req.ID = "api-" + requestID(r.Context())
	}
	c, err := s.engine.Record(r.Context(), r.PathValue("id"), takedown.Event{
		ID: req.ID, Type: req.Type, At: req.At, Actor: req.Actor, Note: req.Note, Regions: req.Regions, Receipt: req.Receipt,
	})
	if err != nil {
		writeError(w, r, caseError(err))
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// caseError maps takedown errors to API errors. Their messages name fields and
// statuses, never case content, so they are safe to return.
func caseError(err error) error {
	switch {
	case errors.Is(err, takedown.ErrNotFound):
		return &apiError{Status: http.StatusNotFound, Code: codeNotFound, Message: "no such case", cause: err}
	case errors.Is(err, takedown.ErrIllegalTransition), errors.Is(err, takedown.ErrIDReused):
		return &apiError{Status: http.StatusConflict, Code: codeConflict, Message: err.Error(), cause: err}
	case errors.Is(err, takedown.ErrInvalid):
		return &apiError{Status: http.StatusBadRequest, Code: codeBadRequest, Message: err.Error(), cause: err}
	}
	return err
}

// handleGetReport is GET /v1/reports/{id...}: a submission's state, agency IDs
// and receipt metadata (step, time, request ID, size), never the report's
// personal data or the receipt bodies.
func (s *server) handleGetReport(w http.ResponseWriter, r *http.Request) {
	sub, err := s.outbox.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, reporting.ErrNotFound) {
		writeError(w, r, newAPIError(http.StatusNotFound, codeNotFound, "no such report"))
		return
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, reportDetailOf(sub))
}

type reportDetail struct {
	ID        string            `json:"id"`
	Agency    string            `json:"agency"`
	State     reporting.State   `json:"state"`
	Step      string            `json:"step,omitempty"`
	AgencyIDs map[string]string `json:"agency_ids,omitempty"`
	CaseRef   string            `json:"case_id,omitempty"`
	Error     string            `json:"error,omitempty"`
	Attempts  int               `json:"attempts"`
	Receipts  []receiptMeta     `json:"receipts"`
	History   []reporting.Event `json:"history"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

type receiptMeta struct {
	Step        string    `json:"step"`
	At          time.Time `json:"at"`
	ContentType string    `json:"content_type,omitempty"`
	RequestID   string    `json:"request_id,omitempty"`
	Bytes       int       `json:"bytes"`
	Note        string    `json:"note,omitempty"`
}

func reportDetailOf(s *reporting.Submission) reportDetail {
	d := reportDetail{
		ID: s.ID, Agency: s.Agency, State: s.State, Step: s.Progress.Step, AgencyIDs: s.Progress.IDs,
		CaseRef: s.Report.Reporter.CaseRef, Error: s.Error, Attempts: s.Attempts,
		Receipts: make([]receiptMeta, 0, len(s.Progress.Receipts)), History: s.History,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
	}
	for _, rc := range s.Progress.Receipts {
		d.Receipts = append(d.Receipts, receiptMeta{Step: rc.Step, At: rc.At, ContentType: rc.ContentType,
			RequestID: rc.RequestID, Bytes: len(rc.Body), Note: rc.Note})
	}
	return d
}
