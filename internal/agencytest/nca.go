package agencytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// NCAOptions configure a fake UK NCA reporting API. The NCA has published no API, so
// the fake models the shape reporting/nca sends by default; every name here can be
// changed to follow the profile under test. The zero value is usable.
type NCAOptions struct {
	// Token is the Bearer token every request must carry. Default "mnr-test-nca-token".
	Token string
	// Path is where reports are posted. Default "/v1/reports". GET Path/{key}
	// looks a report up by the platform's reference.
	Path string
	// KeyPath is the dotted JSON path of the platform's own report reference, used to
	// find duplicates. Default "platform_reference".
	KeyPath string
	// Required lists dotted JSON paths that must be present and non-empty.
	// Default: the Schedule 1 items the fake treats as mandatory
	// (reporting_person.name, reporting_person.email, incident.code,
	// incident.time, declaration.text, platform_reference, priority).
	Required []string
	// ReferenceKey is the response field that carries the NCA reference. Default
	// "reference".
	ReferenceKey string
	// Now is the fake's clock. Default time.Now.
	Now func() time.Time
	// MaxBodyBytes bounds one request body. Default 4 MiB.
	MaxBodyBytes int64
	// SlowDelay and RetryAfter configure FaultSlow and FaultRateLimit.
	SlowDelay, RetryAfter time.Duration
}

// NCAReport is one report stored at the fake.
type NCAReport struct {
	Reference  string
	Key        string
	Body       []byte
	ReceivedAt time.Time
}

// NCA is a fake UK NCA CSEA reporting API (see NCAOptions). It checks the Bearer
// token, the JSON body, the required fields and the priority (1, 2 or 3), answers
// 201 with a reference, answers 409 with the existing reference when the platform's
// reference was already reported, and injects faults on demand.
//
// An NCA is safe for concurrent use.
type NCA struct {
	base
	opts NCAOptions

	state      sync.Mutex
	seq        int
	byKey      map[string]*NCAReport
	order      []string
	duplicates map[string]int
}

// NewNCA starts a fake NCA API on a loopback httptest server; see [NCA.URL].
func NewNCA(opts *NCAOptions) *NCA {
	n := NewNCAHandler(opts)
	n.start(n)
	return n
}

// NewNCAHandler returns a fake NCA API that is not serving yet.
func NewNCAHandler(opts *NCAOptions) *NCA {
	var o NCAOptions
	if opts != nil {
		o = *opts
	}
	if o.Token == "" {
		o.Token = "mnr-test-nca-token"
	}
	if o.Path == "" {
		o.Path = "/v1/reports"
	}
	if o.KeyPath == "" {
		o.KeyPath = "platform_reference"
	}
	if o.Required == nil {
		o.Required = []string{"reporting_person.name", "reporting_person.email", "incident.code",
			"incident.time", "declaration.text", "platform_reference", "priority"}
	}
	if o.ReferenceKey == "" {
		o.ReferenceKey = "reference"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 4 << 20
	}
	return &NCA{
		base:       newBase(o.SlowDelay, o.RetryAfter),
		opts:       o,
		byKey:      make(map[string]*NCAReport),
		duplicates: make(map[string]int),
	}
}

// Serve serves the fake on l until the fake is closed.
func (n *NCA) Serve(l net.Listener) error { return n.serveOn(l, n) }

// URL returns the server's base URL when started by NewNCA, "" otherwise.
func (n *NCA) URL() string { return n.url() }

// Token returns the Bearer token the fake expects.
func (n *NCA) Token() string { return n.opts.Token }

// Reports returns copies of the stored reports in arrival order.
func (n *NCA) Reports() []NCAReport {
	n.state.Lock()
	defer n.state.Unlock()
	out := make([]NCAReport, 0, len(n.order))
	for _, k := range n.order {
		r := *n.byKey[k]
		r.Body = bytes.Clone(r.Body)
		out = append(out, r)
	}
	return out
}

// DuplicateAttempts returns, per platform reference, how many posts were refused
// because it had been reported already.
func (n *NCA) DuplicateAttempts() map[string]int {
	n.state.Lock()
	defer n.state.Unlock()
	out := make(map[string]int, len(n.duplicates))
	for k, v := range n.duplicates {
		out[k] = v
	}
	return out
}

// ServeHTTP implements http.Handler.
func (n *NCA) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !bearerOK(r, n.opts.Token) {
		answer(w, dsaJSON(http.StatusUnauthorized, map[string]string{"error": "unauthenticated"}))
		return
	}
	switch {
	case r.URL.Path == n.opts.Path && r.Method == http.MethodPost:
		n.run(w, r, n.opts.Path, true, n.serverError, n.rateLimited, func() reply { return n.post(r) })
	case strings.HasPrefix(r.URL.Path, n.opts.Path+"/") && r.Method == http.MethodGet:
		n.run(w, r, n.opts.Path+"/*", false, n.serverError, n.rateLimited, func() reply { return n.lookup(r) })
	default:
		answer(w, dsaJSON(http.StatusNotFound, map[string]string{"error": "not found"}))
	}
}

func (n *NCA) serverError() reply {
	return dsaJSON(http.StatusServiceUnavailable, map[string]string{"error": "service unavailable"})
}

func (n *NCA) rateLimited() reply {
	return dsaJSON(http.StatusTooManyRequests, map[string]string{"error": "too many requests"})
}

// lookupPath finds a dotted path in a decoded JSON object.
func lookupPath(obj map[string]any, path string) (any, bool) {
	var cur any = obj
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[part]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

func (n *NCA) post(r *http.Request) reply {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return dsaJSON(http.StatusUnsupportedMediaType, map[string]string{"error": "Content-Type must be application/json"})
	}
	body, err := readBody(r, n.opts.MaxBodyBytes)
	if err != nil || int64(len(body)) > n.opts.MaxBodyBytes {
		return dsaJSON(http.StatusRequestEntityTooLarge, map[string]string{"error": "body too large"})
	}
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return dsaJSON(http.StatusBadRequest, map[string]string{"error": "body is not a JSON object"})
	}
	problems := map[string]string{}
	for _, p := range n.opts.Required {
		v, ok := lookupPath(obj, p)
		if !ok || v == nil || v == "" {
			problems[p] = "required"
		}
	}
	if v, ok := lookupPath(obj, "priority"); ok {
		if f, isNum := v.(float64); !isNum || (f != 1 && f != 2 && f != 3) {
			problems["priority"] = "must be 1, 2 or 3"
		}
	}
	if v, ok := lookupPath(obj, "incident.time"); ok {
		s, _ := v.(string)
		if t, err := time.Parse(time.RFC3339, s); err != nil {
			problems["incident.time"] = "must be an RFC 3339 time with zone"
		} else if t.After(n.opts.Now()) {
			problems["incident.time"] = "must be in the past"
		}
	}
	if len(problems) > 0 {
		return dsaJSON(http.StatusUnprocessableEntity, map[string]any{"error": "validation failed", "fields": problems})
	}
	kv, _ := lookupPath(obj, n.opts.KeyPath)
	key, _ := kv.(string)
	n.state.Lock()
	defer n.state.Unlock()
	if key != "" {
		if ex, ok := n.byKey[key]; ok {
			n.duplicates[key]++
			return dsaJSON(http.StatusConflict, map[string]string{"error": "already reported", n.opts.ReferenceKey: ex.Reference})
		}
	}
	n.seq++
	now := n.opts.Now().UTC()
	rep := &NCAReport{
		Reference:  fmt.Sprintf("NCA-%s-%06d", now.Format("20060102"), n.seq),
		Key:        key,
		Body:       body,
		ReceivedAt: now,
	}
	if key == "" {
		key = rep.Reference
	}
	n.byKey[key] = rep
	n.order = append(n.order, key)
	return dsaJSON(http.StatusCreated, map[string]string{n.opts.ReferenceKey: rep.Reference, "received_at": now.Format(time.RFC3339)})
}

func (n *NCA) lookup(r *http.Request) reply {
	key, _ := url.PathUnescape(strings.TrimPrefix(r.URL.Path, n.opts.Path+"/"))
	n.state.Lock()
	defer n.state.Unlock()
	rep, ok := n.byKey[key]
	if !ok {
		return dsaJSON(http.StatusNotFound, map[string]string{"error": "not found"})
	}
	return dsaJSON(http.StatusOK, map[string]string{n.opts.ReferenceKey: rep.Reference, "received_at": rep.ReceivedAt.Format(time.RFC3339)})
}
