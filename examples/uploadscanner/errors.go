package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// Error codes of the JSON error schema. They are stable: clients branch on them.
const (
	codeBadRequest        = "bad_request"
	codeTooLarge          = "too_large"          // 413: body over -max-upload-bytes
	codeTooManyPixels     = "too_many_pixels"    // 422: width*height over -max-pixels
	codeCorrupt           = "corrupt_image"      // 422: truncated or malformed image
	codeUnsupportedFormat = "unsupported_format" // 415: not an image format the scanner decodes
	codeOverloaded        = "overloaded"         // 503 + Retry-After: decode slots and queue full
	codeNotReady          = "not_ready"          // 503: starting or shutting down
	codeNotFound          = "not_found"          // 404
	codeConflict          = "conflict"           // 409
	codeUnauthorized      = "unauthorized"       // 401
	codeForbidden         = "forbidden"          // 403: bad CSRF token
	codeInternal          = "internal"           // 500: details only in the log
	codeMethodNotAllowed  = "method_not_allowed" // 405
	codeInvalidList       = "invalid_list"       // 422: a list reload failed validation
)

// apiError is an error with its HTTP status and stable code. Message is safe to
// show the client: it never holds upload bytes, list contents or personal data.
type apiError struct {
	Status     int
	Code       string
	Message    string
	RetryAfter int // seconds; 0 for none
	cause      error
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }
func (e *apiError) Unwrap() error { return e.cause }

func newAPIError(status int, code, msg string) *apiError {
	return &apiError{Status: status, Code: code, Message: msg}
}

// errorBody is the JSON error schema:
//
//	{"error": {"code": "too_large", "message": "...", "request_id": "..."}}
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

// writeError answers with err as JSON. Errors that are not *apiError become a 500
// whose message says nothing about the cause (the cause is logged by the caller).
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = newAPIError(http.StatusInternalServerError, codeInternal, "internal error; see the server log for request "+requestID(r.Context()))
	}
	if ae.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ae.RetryAfter))
	}
	writeJSON(w, ae.Status, errorBody{Error: errorDetail{Code: ae.Code, Message: ae.Message, RequestID: requestID(r.Context())}})
}

// writeJSON writes v with status. Encoding errors can only be write errors to a
// gone client, so they are dropped.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
