package main

import (
	"context"
	"net/http"
	"time"
)

// handleLivez answers 200 while the process serves HTTP at all; it checks nothing,
// so a slow database never gets the process restarted.
func (s *server) handleLivez(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReadyz answers 200 only when the hash lists are loaded, the store answers a
// ping and the service is not shutting down; 503 otherwise, with the reason.
func (s *server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		writeError(w, r, newAPIError(http.StatusServiceUnavailable, codeNotReady, "starting or shutting down"))
		return
	}
	if s.lists == nil || !s.lists.loaded() {
		writeError(w, r, newAPIError(http.StatusServiceUnavailable, codeNotReady, "no hash list loaded"))
		return
	}
	if s.ping != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.ping(ctx); err != nil {
			s.log.WarnContext(ctx, "readiness: store ping failed", "request_id", requestID(ctx), "err", err)
			writeError(w, r, newAPIError(http.StatusServiceUnavailable, codeNotReady, "the store does not answer"))
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
