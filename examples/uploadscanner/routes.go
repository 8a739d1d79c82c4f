package main

import (
	"net/http"
)

// The routes, all in one place. Patterns use Go 1.22 method and wildcard syntax;
// the pattern is also the "route" label of the latency histogram.
const (
	routeScan      = "POST /v1/scan"
	routeCases     = "GET /v1/cases"
	routeCase      = "GET /v1/cases/{id}"
	routeCaseEvent = "POST /v1/cases/{id}/events"
	routeReport    = "GET /v1/reports/{id...}"
	routeReload    = "POST /v1/lists/reload"
	routeSLA       = "GET /v1/sla"
	routeLivez     = "GET /livez"
	routeReadyz    = "GET /readyz"
	routeMetrics   = "GET /metrics"
	routeDemo      = "GET /demo/{name}"
	routeIndex     = "GET /{$}"
	routeReview    = "GET /review"
	routeLogin     = "POST /review/login"
	routeLogout    = "POST /review/logout"
	routeThumb     = "GET /review/thumbs/{id}"
	routeConfirm   = "POST /review/cases/{id}/confirm"
	routeDismiss   = "POST /review/cases/{id}/dismiss"
	routeNotFound  = "/"
)

// newHandler returns the service's HTTP handler.
//
// The operator API (/v1/cases, /v1/reports, /v1/sla, /v1/lists/reload) needs the header
// "Authorization: Bearer TOKEN" when a review token is configured; without one it
// is open, which is why the default address is loopback only. The reviewer page
// exists only with a token.
func newHandler(s *server) http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, s.observe(pattern, h))
	}
	handle(routeScan, s.handleScan)
	handle(routeCases, s.operator(s.handleListCases))
	handle(routeCase, s.operator(s.handleGetCase))
	handle(routeCaseEvent, s.operator(s.handleRecordEvent))
	handle(routeReport, s.operator(s.handleGetReport))
	handle(routeReload, s.operator(s.handleReload))
	handle(routeSLA, s.operator(s.handleSLA))
	handle(routeLivez, s.handleLivez)
	handle(routeReadyz, s.handleReadyz)
	handle(routeMetrics, s.metrics.handler().ServeHTTP)
	handle(routeDemo, serveDemo)
	handle(routeIndex, s.handleIndex)
	if s.review != nil {
		handle(routeReview, s.handleReview)
		handle(routeLogin, s.handleLogin)
		handle(routeLogout, s.reviewer(s.handleLogout))
		handle(routeThumb, s.reviewer(s.handleThumb))
		handle(routeConfirm, s.reviewer(s.handleConfirm))
		handle(routeDismiss, s.reviewer(s.handleDismiss))
	}
	handle(routeNotFound, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, newAPIError(http.StatusNotFound, codeNotFound, "no such route; see GET /"))
	})
	return mux
}

// operator guards the operator API with the review token, when one is set.
func (s *server) operator(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if st := s.review.checkOrNil(r); s.review != nil && (!st.ok || !st.bearer) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="uploadscanner"`)
			writeError(w, r, newAPIError(http.StatusUnauthorized, codeUnauthorized, "send Authorization: Bearer with the review token"))
			return
		}
		h(w, r)
	}
}
