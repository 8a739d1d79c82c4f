package reporting

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Agency is the driver for one agency's protocol (reporting/cybertip,
// reporting/dsa, reporting/nca). A protocol is a sequence of steps; the [Outbox]
// persists a submission's [Progress] between steps, so a crash never loses an
// agency ID and never blindly repeats a step that is not idempotent.
//
// Implementations must be safe for concurrent use: an outbox calls Step for
// several submissions at once.
type Agency interface {
	// Name is the agency's stable name: "cybertip", "dsa", "nca". It is stored
	// with every submission and selects the agency rules of Report.Validate.
	Name() string

	// Validate checks the agency-specific rules that Report.Validate does not
	// know. It returns nil or an errors.Join of *FieldError, like
	// Report.Validate. Use [ValidateFor] to run both.
	Validate(r *Report) error

	// Encode renders the main payload (XML, JSON) for preview, golden tests
	// and storage.
	Encode(r *Report) ([]byte, error)

	// Step performs the next protocol step for s, using s.Progress to know
	// where it is, and returns the progress reached. It returns that progress
	// even when it also returns an error, so IDs that arrived are kept.
	//
	// Step must call env.Save the moment an agency ID arrives (e.g. reportId)
	// and before it sends anything else, so the ID is durable.
	//
	// Errors: wrap ErrPermanent when retrying cannot help (the outbox marks the
	// submission failed); return an error wrapping ErrOutcomeUnknown when a
	// non-idempotent request was sent and no answer came (the outbox moves the
	// submission to StateUnknown and calls Reconcile if the agency implements
	// [Reconciler]); any other error is retried later with backoff.
	Step(ctx context.Context, env StepEnv, s *Submission) (Progress, error)
}

// Reconciler is implemented by agencies that can settle an unknown outcome: learn
// whether a request that got no answer took effect, or make it safe to repeat
// (e.g. retract the report and start again). Reconcile returns the progress from
// which normal steps continue; errors are treated as for Step.
type Reconciler interface {
	Reconcile(ctx context.Context, env StepEnv, s *Submission) (Progress, error)
}

// Retracter is implemented by agencies that can withdraw a report that was
// opened but not finished (the CyberTipline's /retract). [Outbox.Abandon] calls
// Retract for a submission that is past review, under a lease and with the same
// StepEnv a step gets, and stores the progress it returns (receipts included)
// before it marks the submission abandoned. Retract returns the progress reached,
// with nothing left open at the agency; it must make no request when nothing was
// opened (no agency ID). On an error (ErrPermanent for a report that can no
// longer be retracted, such as a finished one) the outbox stores the progress
// returned, so a receipt that arrived is kept, leaves the state as it was and
// returns the error from Abandon.
type Retracter interface {
	Retract(ctx context.Context, env StepEnv, s *Submission) (Progress, error)
}

// StepEnv is what an outbox gives an agency's Step and Reconcile.
type StepEnv struct {
	// Do sends one request through the agency's [Client]: rate limit, retries
	// per RequestSpec.Idempotent, typed *APIError for non-2xx answers.
	Do func(ctx context.Context, req RequestSpec) (*Response, error)
	// Files opens content bytes for uploads; nil when the outbox has none.
	Files FileSource
	// Save persists p as the submission's progress now (durably, before it
	// returns). Call it the moment an agency ID arrives.
	Save func(ctx context.Context, p Progress) error
	// Now is the outbox clock.
	Now func() time.Time
}

// RequestSpec describes one HTTP request to an agency.
type RequestSpec struct {
	// Method is the HTTP method ("POST"; empty means GET).
	Method string
	// Path is appended to the client's base URL ("/submit"). It may carry a query.
	Path string
	// Header holds extra headers (Content-Type, Idempotency-Key). The client adds
	// authentication; never put credentials here.
	Header http.Header
	// Body builds the request body; it is called again for every attempt, so it
	// must return a fresh reader each time. Nil means no body.
	Body func() (io.Reader, error)
	// Idempotent allows the client to retry the request after a transport error or
	// a retryable status. When false, a request that may have reached the agency
	// and got no answer returns an error wrapping ErrOutcomeUnknown instead of
	// being sent again.
	Idempotent bool
}

// Response is an agency's answer.
type Response struct {
	// StatusCode is the HTTP status (2xx, or 3xx: redirects are answers).
	StatusCode int
	// Header holds the response headers.
	Header http.Header
	// Body is the response body, capped at ClientOptions.MaxResponseBytes.
	Body []byte
	// RequestID is the agency's request ID header (Request-ID, X-Request-Id), to
	// quote to the agency's support.
	RequestID string
}

// Progress is how far a submission has got at its agency. The outbox persists it
// after every step.
type Progress struct {
	// Step is the agency-defined cursor ("submitted", "uploaded:2", "finished").
	// Empty means nothing has been sent yet.
	Step string `json:"step,omitempty"`
	// IDs are the agency's IDs as they arrive: "reportId", "file.0.fileId",
	// "uuid", ... The outbox never loses one by accident: a key missing from
	// the progress a step returns is kept from the stored progress. To retire
	// IDs (a retracted report whose protocol starts over), return the progress
	// with Restart set.
	IDs map[string]string `json:"ids,omitempty"`
	// Receipts are the agency's answers, kept verbatim. A step appends; the
	// outbox keeps stored receipts a step's progress leaves out.
	Receipts []Receipt `json:"receipts,omitempty"`
	// Done reports that the report is complete at the agency.
	Done bool `json:"done,omitempty"`
	// Abandoned reports that the report was retracted or given up at the agency.
	Abandoned bool `json:"abandoned,omitempty"`

	// Restart, set by a driver in a progress it saves or returns, starts the
	// protocol over. The outbox then takes Step and IDs exactly as given, an
	// empty Step included, instead of merging them with the stored ones: stored
	// IDs this progress leaves out are dropped. It records each dropped ID
	// (key=value) in a history event, so the audit keeps them; receipts are
	// never dropped. Restart is a one-shot signal: the outbox clears it when it
	// stores the progress, and it is never stored or encoded.
	Restart bool `json:"-"`
}

// Clone returns a deep copy of p.
func (p Progress) Clone() Progress {
	q := p
	if p.IDs != nil {
		q.IDs = make(map[string]string, len(p.IDs))
		for k, v := range p.IDs {
			q.IDs[k] = v
		}
	}
	q.Receipts = cloneReceipts(p.Receipts)
	return q
}

func cloneReceipts(rs []Receipt) []Receipt {
	if rs == nil {
		return nil
	}
	out := make([]Receipt, len(rs))
	for i, r := range rs {
		r.Body = append([]byte(nil), r.Body...)
		out[i] = r
	}
	return out
}

// SetID records an agency ID, allocating IDs if needed.
func (p *Progress) SetID(key, value string) {
	if p.IDs == nil {
		p.IDs = make(map[string]string)
	}
	p.IDs[key] = value
}

// Receipt is an agency's answer to one step, kept verbatim as evidence (the
// CyberTipline /finish receipt starts the US preservation period).
type Receipt struct {
	// Step names the protocol step that got the answer ("submit", "finish").
	Step string `json:"step"`
	// At is when the answer arrived (outbox clock).
	At time.Time `json:"at"`
	// ContentType is the answer's media type.
	ContentType string `json:"contentType,omitempty"`
	// RequestID is the agency's request ID for the answer.
	RequestID string `json:"requestId,omitempty"`
	// Body is the answer, byte for byte.
	Body []byte `json:"body,omitempty"`
	// Note records reasoning that is not the agency's, e.g. why a step whose
	// outcome was unknown was judged safe to repeat.
	Note string `json:"note,omitempty"`
}

// Sentinel errors. Match them with errors.Is.
var (
	// ErrOutcomeUnknown: a non-idempotent request was sent and no answer came. The
	// outbox moves the submission to StateUnknown and reconciles it instead of
	// resending.
	ErrOutcomeUnknown = errors.New("reporting: outcome unknown: request sent, no answer")
	// ErrRateLimited: the agency answered 429 (an *APIError with StatusCode 429
	// matches it).
	ErrRateLimited = errors.New("reporting: rate limited by agency")
	// ErrPermanent: retrying cannot help (a validation error, bad credentials, a
	// rejected report). A 4xx *APIError other than 408 and 429 matches it.
	ErrPermanent = errors.New("reporting: permanent failure")
)

// APIError is an agency's non-success answer. Body is truncated and never holds
// credentials; it may hold the agency's description of what was wrong, and
// personal data the agency echoed back. Neither Error nor LogValue prints Body or
// [APIError.Raw]: logs see the status, the agency code, the request ID and the
// Retry-After only.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// AgencyCode is the agency's own error code, if any (CyberTipline
	// responseCode); set by the agency driver.
	AgencyCode string
	// RequestID is the agency's request ID header.
	RequestID string
	// RetryAfter is the agency's Retry-After, 0 when absent.
	RetryAfter time.Duration
	// Body is the start of the response body (at most 512 bytes), valid UTF-8,
	// for a person reading the error. Drivers that parse error answers use
	// [APIError.Raw], which holds the whole body.
	Body string

	// raw is the body as received, up to ClientOptions.MaxErrorBodyBytes.
	raw []byte
}

// Raw returns a copy of the response body as received, up to
// ClientOptions.MaxErrorBodyBytes (default 1 MiB; a longer body is cut there),
// so drivers can parse error answers that matter to the protocol: the DSA's 422
// listing every existing puid of a batch, the CyberTipline's responseCode. An
// APIError built by hand (a test, a driver) has no raw body, and Raw returns
// Body. The body may hold personal data: parse it, never log it.
func (e *APIError) Raw() []byte {
	if e.raw == nil {
		return []byte(e.Body)
	}
	return bytes.Clone(e.raw)
}

// LogValue implements slog.LogValuer: the status, agency code, request ID and
// Retry-After, never the body.
func (e *APIError) LogValue() slog.Value {
	attrs := []slog.Attr{slog.Int("status", e.StatusCode)}
	if e.AgencyCode != "" {
		attrs = append(attrs, slog.String("agency_code", e.AgencyCode))
	}
	if e.RequestID != "" {
		attrs = append(attrs, slog.String("request_id", e.RequestID))
	}
	if e.RetryAfter > 0 {
		attrs = append(attrs, slog.Duration("retry_after", e.RetryAfter))
	}
	return slog.GroupValue(attrs...)
}

// Error describes the failure without the body, which may be long.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("reporting: agency answered HTTP ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.AgencyCode != "" {
		b.WriteString(" code ")
		b.WriteString(strconv.Quote(e.AgencyCode))
	}
	if e.RequestID != "" {
		b.WriteString(" (request-id ")
		b.WriteString(strconv.Quote(e.RequestID))
		b.WriteString(")")
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " retry after %s", e.RetryAfter)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrRateLimited) true for 429 and errors.Is(err,
// ErrPermanent) true for other 4xx statuses except 408.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrPermanent:
		return !retryableStatus(e.StatusCode) && e.StatusCode >= 400 && e.StatusCode < 500 ||
			e.StatusCode == http.StatusNotImplemented
	}
	return false
}

// retryableStatus reports whether a response status is worth another attempt: 408,
// 429 and 5xx except 501.
func retryableStatus(code int) bool {
	switch {
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests:
		return true
	case code >= 500 && code != http.StatusNotImplemented:
		return true
	}
	return false
}

// ValidateFor runs r.Validate(a.Name()) and a.Validate(r) and joins their
// problems. Use Blocking on the result to ignore warnings.
func ValidateFor(a Agency, r *Report) error {
	return errors.Join(r.Validate(a.Name()), a.Validate(r))
}
