package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/mnr-sdk/mnr/hashmatch"
	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/takedown"
	"github.com/mnr-sdk/mnr/takedown/evidence"
	"github.com/mnr-sdk/mnr/terminology"
)

// Report recipients as the takedown policy names them (Rule.To), per agency.
var agencyRecipient = map[string]string{
	"cybertip": "NCMEC",
	"dsa":      "DSA-TDB",
}

// euMembers are the jurisdictions whose cases get a DSA statement of reasons.
var euMembers = map[string]bool{
	"EU": true, "AT": true, "BE": true, "BG": true, "HR": true, "CY": true, "CZ": true, "DK": true,
	"EE": true, "FI": true, "FR": true, "DE": true, "GR": true, "HU": true, "IE": true, "IT": true,
	"LV": true, "LT": true, "LU": true, "MT": true, "NL": true, "PL": true, "PT": true, "RO": true,
	"SK": true, "SI": true, "ES": true, "SE": true,
}

// agenciesFor returns the agencies to draft reports for under the configured
// jurisdictions: the CyberTipline for US, the DSA database for the EU; only those
// in available.
func agenciesFor(jurisdictions []string, available map[string]bool) []string {
	var us, eu bool
	for _, j := range jurisdictions {
		us = us || j == "US"
		eu = eu || euMembers[j]
	}
	var out []string
	if us && available["cybertip"] {
		out = append(out, "cybertip")
	}
	if eu && available["dsa"] {
		out = append(out, "dsa")
	}
	return out
}

// quarantine handles a match: the bytes go to the evidence vault, a takedown case
// opens under the configured jurisdictions, the scan record is kept and agency
// reports are drafted into the outbox in review. Each step is idempotent under an
// ID derived from the request, so a retry after a partial failure converges.
func (s *server) quarantine(ctx context.Context, up *upload, res *hashmatch.Result, resp *scanResponse) error {
	now := s.now()
	item, err := s.vault.Put(ctx, bytes.NewReader(up.data), evidence.PutOptions{
		ContentType: "image/" + up.format,
		Labels:      map[string]string{"source": "uploadscanner"},
	})
	if err != nil {
		return fmt.Errorf("quarantine in vault: %w", err)
	}
	resp.Evidence = item.Digest.String()

	best := resp.Matches[0]
	category := caseCategory(resp.Matches)
	jur := make([]takedown.Jurisdiction, len(s.cfg.jurisdictions))
	for i, j := range s.cfg.jurisdictions {
		jur[i] = takedown.Jurisdiction(j)
	}
	c, err := s.engine.Open(ctx, takedown.Notice{
		ID:            "scan-" + resp.RequestID,
		Trigger:       takedown.TriggerOwnDetection,
		Jurisdictions: jur,
		Category:      category,
		ReceivedAt:    now,
		Source:        "hashmatch:" + best.List,
		Reference:     best.Entry,
		Subject:       "upload:" + resp.RequestID,
	})
	if err != nil {
		return fmt.Errorf("open case: %w", err)
	}
	resp.CaseID = c.ID
	s.metrics.casesOpened.Inc()
	// Link the evidence to its case (a second Put of the same bytes only merges
	// metadata). The vault keeps at most evidence.MaxCaseIDs links per item and a
	// popular known file is uploaded far more often; the scan record links every
	// case to its evidence anyway, so a full link list is not an error.
	if _, err := s.vault.Put(ctx, bytes.NewReader(up.data), evidence.PutOptions{CaseIDs: []string{c.ID}}); err != nil {
		if !errors.Is(err, evidence.ErrInvalidArgument) {
			return fmt.Errorf("link evidence to case: %w", err)
		}
		s.log.LogAttrs(ctx, slog.LevelDebug, "evidence item has its maximum of case links", slog.String("case_id", c.ID))
	}

	rec := &scanRecord{
		CaseID: c.ID, ScanID: resp.RequestID, At: now, Decision: resp.Decision,
		Evidence: resp.Evidence, Format: up.format, Size: int64(len(up.data)), Matches: resp.Matches,
	}
	agencies := agenciesFor(s.cfg.jurisdictions, s.agencies)
	for _, a := range agencies {
		rec.Reports = append(rec.Reports, reporting.SubmissionID(a, reportID(c.ID)))
	}
	if err := s.records.put(ctx, rec); err != nil {
		return fmt.Errorf("store scan record: %w", err)
	}
	for _, a := range agencies {
		r := s.draftReport(a, c, rec, res, now)
		sub, err := s.outbox.Enqueue(ctx, a, r, reporting.EnqueueOptions{Review: true, Note: "drafted from a hash match; awaiting review"})
		if err != nil {
			return fmt.Errorf("draft %s report: %w", a, err)
		}
		resp.Reports = append(resp.Reports, reportViewOf(sub))
	}
	return nil
}

// reportID is the report's idempotency key (and the DSA's puid), the same for
// every agency of a case: "case-" and the case ID, letters, digits and '-' only.
func reportID(caseID string) string { return "case-" + caseID }

// caseCategory picks the terminology code of the best match: its first code that
// is a term, or the term a category key implies. "csam" when the list gives none.
func caseCategory(ms []matchView) string {
	for _, m := range ms {
		for _, code := range m.Codes {
			if _, err := terminology.Lookup(code); err == nil {
				return code
			}
			if cat, err := terminology.ParseCategoryKey(code); err == nil {
				if terms := cat.Terms(); len(terms) > 0 {
					return terms[0]
				}
			}
		}
	}
	return "csam"
}

// industryClass returns the Tech Coalition class ("A1") among the codes, if any.
func industryClass(ms []matchView) string {
	for _, m := range ms {
		for _, code := range m.Codes {
			if c, ok := strings.CutPrefix(code, "industry:"); ok {
				return c
			}
		}
	}
	return ""
}

// draftReport builds the agency-neutral report for a matched upload. It holds
// hashes, sizes and the evidence reference, never the bytes; the reviewer's
// confirmation is what sends it.
func (s *server) draftReport(agency string, c *takedown.Case, rec *scanRecord, res *hashmatch.Result, now time.Time) *reporting.Report {
	item := reporting.ContentItem{
		FileName:      "upload-" + rec.ScanID + "." + extension(rec.Format),
		Size:          rec.Size,
		ContentType:   "image/" + rec.Format,
		UploadedAt:    rec.At,
		IndustryClass: industryClass(rec.Matches),
		Source:        rec.Evidence,
	}
	if h, ok := res.Get(hashmatch.KindSHA256); ok {
		item.SHA256 = h.Hex()
	}
	if h, ok := res.Get(hashmatch.KindMD5); ok {
		item.MD5 = h.Hex()
	}
	if h, ok := res.Get(hashmatch.KindPDQ); ok {
		item.PDQ = h.Hex()
	}
	best := rec.Matches[0]
	r := &reporting.Report{
		ID: reportID(c.ID),
		Reporter: reporting.Reporter{
			Platform: s.cfg.reporterName,
			Contact:  reporting.Contact{FirstName: "Trust", LastName: "and Safety", Email: s.cfg.reporterEmail},
			CaseRef:  c.ID,
		},
		Incident: reporting.Incident{
			Code:     c.Notice.Category,
			Time:     rec.At,
			Location: reporting.Location{Kind: reporting.LocationUpload},
		},
		Content: []reporting.ContentItem{item},
		Decision: &reporting.Decision{
			Visibility:         []string{reporting.VisibilityRemoved},
			Ground:             reporting.GroundIllegal,
			LegalGround:        "Art. 5 Directive 2011/93/EU",
			Explanation:        "The upload matched a hash list of known illegal material and was refused.",
			Facts:              fmt.Sprintf("Automated hash matching found a %s match (distance %d) against the list %q; a reviewer confirmed it.", best.Kind, best.Distance, best.List),
			Source:             reporting.SourceVoluntary,
			AutomatedDetection: true,
			Automation:         reporting.AutomationPartially,
			AppliedAt:          rec.At,
		},
		Narrative: fmt.Sprintf("An upload to %s matched the hash list %q (%s, distance %d) and was blocked before publication. Detected automatically; confirmed by a reviewer before this report was sent.",
			s.cfg.reporterName, best.List, best.Kind, best.Distance),
	}
	return r
}

func extension(format string) string {
	if format == "jpeg" {
		return "jpg"
	}
	return format
}

// reportViewOf summarises a submission for the API and the reviewer page: its
// state and agency IDs, never the report's content.
func reportViewOf(s *reporting.Submission) reportView {
	v := reportView{ID: s.ID, Agency: s.Agency, State: string(s.State), Error: s.Error}
	for _, k := range []string{"reportId", "uuid", "puid"} {
		if id := s.Progress.IDs[k]; id != "" {
			v.AgencyID = id
			break
		}
	}
	return v
}
