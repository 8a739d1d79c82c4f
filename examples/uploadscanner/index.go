package main

import (
	"context"
	"net/http"
	"time"
)

// handleReload is POST /v1/lists/reload: read every list again and swap them in
// atomically. Scans in flight finish on the old lists; none is dropped. On error
// the old lists stay in use.
func (s *server) handleReload(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Minute)
	defer cancel()
	if err := s.lists.reload(ctx); err != nil {
		s.log.ErrorContext(ctx, "list reload failed; the previous lists stay in use", "request_id", requestID(ctx), "err", err)
		writeError(w, r, &apiError{Status: http.StatusUnprocessableEntity, Code: codeInvalidList,
			Message: "reload failed; the previous lists stay in use: " + err.Error(), cause: err})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"lists": s.lists.lists()})
}

// handleIndex is GET /: what this service is and how to use it.
func (s *server) handleIndex(w http.ResponseWriter, r *http.Request) {
	routes := []string{routeScan + " (raw body or multipart field \"file\"; ?kinds=phash,sha1 for more hashes)",
		routeCases, routeCase, routeCaseEvent, routeReport, routeSLA + " (?format=csv)", routeReload, routeLivez, routeReadyz, routeMetrics, routeDemo}
	if s.review != nil {
		routes = append(routes, routeReview)
	}
	demos := make([]string, 0, len(demoImages()))
	for _, n := range demoImages() {
		demos = append(demos, "/demo/"+n)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"service":     "uploadscanner (mnr reference service)",
		"routes":      routes,
		"lists":       s.lists.lists(),
		"demo_images": demos,
		"hint":        "POST /demo/known.png's bytes to /v1/scan to see a match; the other demo images match nothing except known-near.jpg (PDQ only).",
	})
}
