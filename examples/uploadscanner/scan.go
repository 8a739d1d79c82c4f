package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/mnr-sdk/mnr/hashmatch"
)

// scanResponse is the answer to POST /v1/scan.
type scanResponse struct {
	RequestID  string            `json:"request_id"`
	Decision   string            `json:"decision"`
	Format     string            `json:"format"`
	Width      int               `json:"width"`
	Height     int               `json:"height"`
	Size       int64             `json:"size"`
	Hashes     map[string]string `json:"hashes"`
	PDQQuality *int              `json:"pdq_quality,omitempty"`
	LowQuality bool              `json:"pdq_low_quality,omitempty"`
	Matches    []matchView       `json:"matches"`
	CaseID     string            `json:"case_id,omitempty"`
	Evidence   string            `json:"evidence,omitempty"`
	Reports    []reportView      `json:"reports,omitempty"`
}

// defaultKinds are hashed for every upload; ?kinds= adds more.
var defaultKinds = []hashmatch.Kind{hashmatch.KindPDQ, hashmatch.KindMD5, hashmatch.KindSHA256}

// parseKinds returns the default kinds plus those named in the comma-separated
// query parameter kinds ("phash,sha1").
func parseKinds(q string) ([]hashmatch.Kind, error) {
	kinds := append([]hashmatch.Kind(nil), defaultKinds...)
	if q == "" {
		return kinds, nil
	}
	parts := strings.Split(q, ",")
	if len(parts) > len(hashmatch.Kinds()) {
		return nil, newAPIError(http.StatusBadRequest, codeBadRequest, "too many kinds")
	}
	for _, p := range parts {
		k, err := hashmatch.ParseKind(p)
		if err != nil {
			return nil, newAPIError(http.StatusBadRequest, codeBadRequest,
				"unknown hash kind in kinds= (use pdq, phash, dhash, ahash, md5, sha1, sha256)")
		}
		if !containsKind(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	return kinds, nil
}

func containsKind(ks []hashmatch.Kind, k hashmatch.Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// handleScan is POST /v1/scan: read the upload within its bounds, hash it, match
// it, decide, and on a match quarantine it, open a case and draft the reports.
func (s *server) handleScan(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx := r.Context()
	leave, err := s.gate.enter()
	if err != nil {
		s.reject(w, r, overloaded(err))
		return
	}
	defer leave()

	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.maxUploadBytes)
	data, err := readUpload(r, s.cfg.maxUploadBytes)
	if err != nil {
		s.reject(w, r, err)
		return
	}
	up, err := inspect(data, s.cfg.maxPixels)
	if err != nil {
		s.reject(w, r, err)
		return
	}
	kinds, err := parseKinds(r.URL.Query().Get("kinds"))
	if err != nil {
		s.reject(w, r, err)
		return
	}

	release, err := s.gate.decode(ctx)
	if err != nil {
		s.reject(w, r, overloaded(err))
		return
	}
	hashStart := time.Now()
	res, err := s.hasher.hash(ctx, up.data, kinds)
	release()
	s.metrics.hashSeconds.Observe(time.Since(hashStart).Seconds())
	if err != nil {
		s.reject(w, r, hashError(err))
		return
	}

	matches, lowQuality := s.lists.match(res)
	resp := scanResponse{
		RequestID:  requestID(ctx),
		Decision:   decide(matches),
		Format:     up.format,
		Width:      up.width,
		Height:     up.height,
		Size:       int64(len(up.data)),
		Hashes:     map[string]string{},
		LowQuality: lowQuality,
		Matches:    make([]matchView, 0, len(matches)),
	}
	for i, k := range kinds {
		if i < len(res.Hashes) {
			resp.Hashes[k.String()] = res.Hashes[i].Hex()
		}
	}
	if _, ok := res.Get(hashmatch.KindPDQ); ok {
		q := res.PDQQuality
		resp.PDQQuality = &q
	}
	resp.Matches = append(resp.Matches, matches...)
	for _, m := range matches {
		s.metrics.matches.WithLabelValues(m.List, m.Kind).Inc()
	}

	if len(matches) > 0 {
		// Once a match is found the case must exist even if the client hangs
		// up: finish under a context that the client cannot cancel.
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := s.quarantine(qctx, up, res, &resp); err != nil {
			s.reject(w, r, fmt.Errorf("quarantine (decision %s): %w", resp.Decision, err))
			return
		}
	}
	s.metrics.scans.WithLabelValues(resp.Decision).Inc()
	s.metrics.scanSeconds.WithLabelValues(resp.Decision).Observe(time.Since(start).Seconds())
	s.log.LogAttrs(ctx, slog.LevelInfo, "scan",
		slog.String("request_id", resp.RequestID),
		slog.String("decision", resp.Decision),
		slog.String("format", up.format),
		slog.Int64("size", resp.Size),
		slog.Int("matches", len(matches)),
		slog.String("case_id", resp.CaseID))
	writeJSON(w, http.StatusOK, resp)
}

// decide turns matches into a decision: the exact file on a list (a cryptographic
// hash matched) is blocked; a perceptual match only is quarantined for a reviewer,
// since a near-duplicate may be a false positive; no match is allowed.
func decide(ms []matchView) string {
	if len(ms) == 0 {
		return decisionAllow
	}
	for _, m := range ms {
		if k, err := hashmatch.ParseKind(m.Kind); err == nil && !k.Perceptual() {
			return decisionBlock
		}
	}
	return decisionQuarantine
}

// reject answers with err and counts it.
func (s *server) reject(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		s.metrics.rejected.WithLabelValues(ae.Code).Inc()
		switch ae.Code {
		case codeCorrupt, codeUnsupportedFormat, codeTooManyPixels:
			s.metrics.decodeErrors.WithLabelValues(ae.Code).Inc()
		}
	} else {
		s.metrics.rejected.WithLabelValues(codeInternal).Inc()
		s.log.LogAttrs(r.Context(), slog.LevelError, "scan failed", slog.String("request_id", requestID(r.Context())),
			slog.String("err", err.Error()))
	}
	writeError(w, r, err)
}

func overloaded(err error) error {
	if errors.Is(err, errSaturated) {
		return &apiError{Status: http.StatusServiceUnavailable, Code: codeOverloaded, RetryAfter: 1,
			Message: "all decode slots are busy; retry shortly", cause: err}
	}
	// The client went away while waiting.
	return &apiError{Status: http.StatusServiceUnavailable, Code: codeOverloaded, RetryAfter: 1,
		Message: "request ended while waiting for a decode slot", cause: err}
}

// hashError maps hashmatch's typed errors to the API's.
func hashError(err error) error {
	switch {
	case errors.Is(err, errHashTooLarge):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: codeTooManyPixels,
			Message: "the image is over the size limits", cause: err}
	case errors.Is(err, errHashUnsupported):
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: codeUnsupportedFormat,
			Message: "not an image in a supported format (JPEG, PNG, GIF, WebP, BMP, TIFF)", cause: err}
	case errors.Is(err, errHashCorrupt):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: codeCorrupt,
			Message: "the image is truncated or malformed", cause: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &apiError{Status: http.StatusServiceUnavailable, Code: codeOverloaded, RetryAfter: 1,
			Message: "the request ended before hashing finished", cause: err}
	}
	return err
}
