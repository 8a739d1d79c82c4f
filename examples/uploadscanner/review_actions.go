package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"golang.org/x/image/draw"

	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/takedown"
	"github.com/mnr-sdk/mnr/takedown/evidence"
)

// queueLimit and decidedLimit bound the reviewer page.
const (
	queueLimit   = 50
	decidedLimit = 20
	thumbSize    = 160
)

// queuePage gathers the reviewer page: uploads awaiting review with their
// deadlines and drafted reports, recent decisions and the SLA figures.
func (s *server) queuePage(ctx context.Context) (*pageData, error) {
	d := &pageData{Title: "review", Script: true}
	now := s.now()
	pending, err := s.records.pending(ctx, queueLimit)
	if err != nil {
		return nil, err
	}
	for _, rec := range pending {
		c, err := s.engine.Get(ctx, rec.CaseID)
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", rec.CaseID, err)
		}
		q := queueItem{
			CaseID: rec.CaseID, Decision: rec.Decision, Opened: rec.At.UTC().Format(time.RFC3339),
			ThumbURL: "/review/thumbs/" + rec.CaseID, Matches: rec.Matches,
			Reports: s.reportViews(ctx, rec.Reports),
		}
		for _, dl := range c.Deadlines {
			q.Deadlines = append(q.Deadlines, deadlineViewOf(dl, now))
		}
		d.Queue = append(d.Queue, q)
	}
	decided, err := s.records.decided(ctx, decidedLimit)
	if err != nil {
		return nil, err
	}
	for _, rec := range decided {
		d.Decided = append(d.Decided, decidedItem{
			CaseID: rec.CaseID, Outcome: rec.Review + " " + rec.ReviewedAt.UTC().Format(time.RFC3339),
			Reports: s.reportViews(ctx, rec.Reports),
		})
	}
	if d.SLA, err = s.slaFigures(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

func deadlineViewOf(dl takedown.Deadline, now time.Time) deadlineView {
	v := deadlineView{
		Duty: string(dl.Duty), Jurisdiction: string(dl.Rule.Jurisdiction), State: string(dl.State),
		Rule: dl.Rule.Citation,
	}
	if dl.To != "" {
		v.Duty += " to " + dl.To
	}
	if dl.Rule.Clock != "" {
		v.Rule = "“" + dl.Rule.Clock + "”, " + dl.Rule.Citation
	}
	if dl.State == takedown.DeadlineOpen {
		v.Open = true
		v.DueMS = dl.Due.UnixMilli()
		v.Overdue = !now.Before(dl.Due)
		v.Remaining = formatRemaining(dl.Due.Sub(now))
	}
	return v
}

// reportViews summarises the submissions ids; a missing one shows as "missing".
func (s *server) reportViews(ctx context.Context, ids []string) []reportView {
	out := make([]reportView, 0, len(ids))
	for _, id := range ids {
		sub, err := s.outbox.Get(ctx, id)
		if err != nil {
			out = append(out, reportView{ID: id, State: "missing"})
			continue
		}
		out = append(out, reportViewOf(sub))
	}
	return out
}

// handleConfirm is the reviewer's "confirm and report": the drafted reports are
// approved (the outbox sends them), the removal is recorded on the case.
func (s *server) handleConfirm(w http.ResponseWriter, r *http.Request, st authState) {
	s.decideCase(w, r, st, reviewConfirmed)
}

// handleDismiss withdraws the drafted reports and closes the case.
func (s *server) handleDismiss(w http.ResponseWriter, r *http.Request, st authState) {
	s.decideCase(w, r, st, reviewDismissed)
}

func (s *server) decideCase(w http.ResponseWriter, r *http.Request, st authState, outcome string) {
	ctx := r.Context()
	caseID := r.PathValue("id")
	rec, err := s.records.get(ctx, caseID)
	if errors.Is(err, errRecordNotFound) {
		writeError(w, r, newAPIError(http.StatusNotFound, codeNotFound, "no such case in the review queue"))
		return
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	if rec.Review != "" {
		s.reviewDone(w, r, st, rec, "already")
		return
	}
	// The work below must finish once begun, even if the reviewer's browser
	// goes away.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	actor := reviewerName(st)
	if err := s.applyReview(ctx, rec, outcome, actor); err != nil {
		s.logReviewError(ctx, outcome, caseID, err)
		writeError(w, r, err)
		return
	}
	rec, err = s.records.update(ctx, caseID, func(rec *scanRecord) error {
		if rec.Review != "" && rec.Review != outcome {
			return errAlreadyDecided
		}
		rec.Review, rec.ReviewedAt, rec.Reviewer = outcome, s.now(), actor
		return nil
	})
	if errors.Is(err, errAlreadyDecided) {
		s.reviewDone(w, r, st, rec, "already")
		return
	}
	if err != nil {
		s.logReviewError(ctx, outcome, caseID, err)
		writeError(w, r, err)
		return
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "review", slog.String("request_id", requestID(ctx)),
		slog.String("case_id", caseID), slog.String("outcome", outcome), slog.String("actor", actor))
	s.pokeFollower()
	s.reviewDone(w, r, st, rec, outcome)
}

// applyReview changes the reports and the case for a review outcome. Each step
// is idempotent, so a repeated confirm after a failure converges.
func (s *server) applyReview(ctx context.Context, rec *scanRecord, outcome, actor string) error {
	for _, id := range rec.Reports {
		sub, err := s.outbox.Get(ctx, id)
		if errors.Is(err, reporting.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if sub.State != reporting.StateReview {
			continue
		}
		if outcome == reviewConfirmed {
			err = s.outbox.Approve(ctx, id, "confirmed by "+actor)
		} else {
			err = s.outbox.Reject(ctx, id, "dismissed by "+actor+": not a match")
		}
		if err != nil {
			return fmt.Errorf("%s report %s: %w", outcome, id, err)
		}
	}
	ev := takedown.Event{ID: "review-" + outcome, Actor: actor}
	if outcome == reviewConfirmed {
		ev.Type = takedown.EventRemoved
		ev.Note = "upload refused and kept only in the evidence vault; confirmed by a reviewer"
	} else {
		ev.Type = takedown.EventClosed
		ev.Note = "dismissed by a reviewer: not a match"
	}
	if _, err := s.engine.Record(ctx, rec.CaseID, ev); err != nil && !errors.Is(err, takedown.ErrIllegalTransition) {
		return fmt.Errorf("record %s: %w", ev.Type, err)
	}
	return nil
}

// reviewDone answers a review action: a redirect for browsers, JSON for API
// clients.
func (s *server) reviewDone(w http.ResponseWriter, r *http.Request, st authState, rec *scanRecord, flash string) {
	if st.bearer {
		status := http.StatusOK
		if flash == "already" {
			status = http.StatusConflict
		}
		writeJSON(w, status, map[string]any{"case_id": rec.CaseID, "review": rec.Review,
			"reports": s.reportViews(r.Context(), rec.Reports)})
		return
	}
	http.Redirect(w, r, "/review?flash="+flash+"#decided-"+rec.CaseID, http.StatusSeeOther)
}

// handleThumb serves a small JPEG of a quarantined upload, made from the vault
// copy: never the original bytes. The page blurs it until the reviewer reveals it.
func (s *server) handleThumb(w http.ResponseWriter, r *http.Request, _ authState) {
	ctx := r.Context()
	rec, err := s.records.get(ctx, r.PathValue("id"))
	if err != nil || rec.Review != "" {
		// After review nobody needs to see it again.
		writeError(w, r, newAPIError(http.StatusNotFound, codeNotFound, "no thumbnail for this case"))
		return
	}
	d, err := evidence.ParseDigest(rec.Evidence)
	if err != nil {
		writeError(w, r, err)
		return
	}
	release, err := s.gate.decode(ctx)
	if err != nil {
		writeError(w, r, overloaded(err))
		return
	}
	thumb, err := s.thumbnail(ctx, d)
	release()
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "thumbnail", slog.String("request_id", requestID(ctx)),
			slog.String("case_id", rec.CaseID), slog.String("err", err.Error()))
		writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/jpeg")
	h.Set("Cache-Control", "no-store, private")
	h.Set("Content-Security-Policy", "default-src 'none'")
	_, _ = w.Write(thumb)
}

func (s *server) thumbnail(ctx context.Context, d evidence.Digest) ([]byte, error) {
	data, _, err := s.vault.ReadAll(ctx, d)
	if err != nil {
		return nil, err
	}
	// The pixel bound was checked when the upload arrived; check it again, the
	// vault may hold items put by other tools.
	if _, err := inspect(data, s.cfg.maxPixels); err != nil {
		return nil, err
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	b := src.Bounds()
	w, h := thumbSize, thumbSize
	if b.Dx() > b.Dy() {
		h = max(1, b.Dy()*thumbSize/b.Dx())
	} else {
		w = max(1, b.Dx()*thumbSize/b.Dy())
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 70}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// followReports records each confirmed report on its case once the agency has it:
// an EventReported with the agency's receipt (which starts the preservation
// period) and the vault retention extended to the case's preservation date. It
// runs until ctx ends, every second and whenever a review or a submission pokes
// it; it is idempotent, so a restart simply catches up.
func (s *server) followReports(ctx context.Context) error {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		if err := s.followOnce(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "follow reports", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.follow:
		}
	}
}

func (s *server) pokeFollower() {
	select {
	case s.follow <- struct{}{}:
	default:
	}
}

func (s *server) followOnce(ctx context.Context) error {
	recs, err := s.records.decided(ctx, maxListLimit)
	if err != nil {
		return err
	}
	var errs []error
	for _, rec := range recs {
		if rec.Review != reviewConfirmed || len(rec.Reported) >= len(rec.Reports) {
			continue
		}
		for _, id := range rec.Reports {
			if slices.Contains(rec.Reported, id) {
				continue
			}
			if err := s.recordReported(ctx, rec, id); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (s *server) recordReported(ctx context.Context, rec *scanRecord, id string) error {
	sub, err := s.outbox.Get(ctx, id)
	if err != nil || sub.State != reporting.StateDone {
		return err
	}
	agencyID := reportViewOf(sub).AgencyID
	if agencyID == "" {
		agencyID = sub.ID
	}
	at := sub.UpdatedAt
	if now := s.now(); at.After(now) {
		at = now
	}
	c, err := s.engine.Record(ctx, rec.CaseID, takedown.Event{
		ID: "reported-" + sub.Agency, Type: takedown.EventReported, At: at, Actor: "uploadscanner",
		Receipt: &takedown.Receipt{Agency: agencyRecipient[sub.Agency], ID: agencyID, At: at},
	})
	if err != nil {
		return fmt.Errorf("record report %s on case %s: %w", id, rec.CaseID, err)
	}
	if until := c.PreserveUntil(); !until.IsZero() {
		if d, err := evidence.ParseDigest(rec.Evidence); err == nil {
			if _, err := s.vault.Extend(ctx, d, until); err != nil {
				return fmt.Errorf("extend retention for case %s: %w", rec.CaseID, err)
			}
		}
	}
	_, err = s.records.update(ctx, rec.CaseID, func(r *scanRecord) error {
		if !slices.Contains(r.Reported, id) {
			r.Reported = append(r.Reported, id)
		}
		return nil
	})
	return err
}
