package main

import (
	"context"
	"net/http"
	"time"

	"github.com/mnr-sdk/mnr/takedown"
)

// slaWindow is the period the reviewer page's service levels cover.
const slaWindow = 30 * 24 * time.Hour

// slaSummary is the reviewer page's service-level section.
type slaSummary struct {
	Cases, Actioned, Automated int
	MedianToAction             string
	Rows                       []slaRow
}

// slaFigures computes the service levels of the cases triggered in the last
// slaWindow with takedown's SLA report.
func (s *server) slaFigures(ctx context.Context) (*slaSummary, error) {
	r, err := s.engine.SLA(ctx, takedown.Filter{TriggeredFrom: s.now().Add(-slaWindow)})
	if err != nil {
		return nil, err
	}
	out := &slaSummary{Cases: r.Cases, Actioned: r.Actioned, Automated: r.Automated, MedianToAction: "–"}
	if r.Actioned > 0 {
		out.MedianToAction = roundDuration(r.MedianTimeToAction)
	}
	for _, g := range r.Groups {
		row := slaRow{Jurisdiction: string(g.Jurisdiction), Duty: string(g.Duty), Category: g.Category,
			Done: g.Done, MetInTime: g.MetInTime, Breaches: g.Breaches, Open: g.Open, P50: "–", P90: "–", P99: "–"}
		if g.Done > 0 {
			row.P50, row.P90, row.P99 = roundDuration(g.P50), roundDuration(g.P90), roundDuration(g.P99)
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

func roundDuration(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// handleSLA is GET /v1/sla[?format=csv][&from=RFC3339][&until=RFC3339]: takedown's
// transparency-report figures (counts by trigger, category and action, and time to
// each duty by jurisdiction, with breaches) over the cases triggered in the window
// (default: everything).
func (s *server) handleSLA(w http.ResponseWriter, r *http.Request) {
	var f takedown.Filter
	for name, dst := range map[string]*time.Time{"from": &f.TriggeredFrom, "until": &f.TriggeredUntil} {
		if v := r.URL.Query().Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(w, r, newAPIError(http.StatusBadRequest, codeBadRequest, name+" must be an RFC 3339 time"))
				return
			}
			*dst = t
		}
	}
	rep, err := s.engine.SLA(r.Context(), f)
	if err != nil {
		writeError(w, r, caseError(err))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	switch r.URL.Query().Get("format") {
	case "", "json":
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = rep.WriteJSON(w)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_ = rep.WriteCSV(w)
	default:
		writeError(w, r, newAPIError(http.StatusBadRequest, codeBadRequest, "format must be json or csv"))
	}
}
