package agencytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// DSA answers, verbatim from the Transparency Database.
const (
	DSADuplicateMessage      = "The identifier given is not unique within this platform."
	DSABatchDuplicateMessage = "The platform identifier(s) are not all unique within this call."
	DSARateLimitBody         = "Limit Reached. Please do not overload the API"
)

// DSAOptions configure a fake DSA Transparency Database. The zero value is usable.
type DSAOptions struct {
	// Token is the Bearer token every request must carry. Default "mnr-test-token".
	Token string
	// PlatformName is echoed in created statements. Default "mnr test platform".
	PlatformName string
	// Now is the fake's clock. Default time.Now.
	Now func() time.Time
	// MaxBodyBytes bounds one request body. Default 4 MiB.
	MaxBodyBytes int64
	// SlowDelay is how long FaultSlow holds a request. Default 200ms.
	SlowDelay time.Duration
	// RetryAfter is sent with FaultRateLimit answers, in whole seconds. Default 0.
	RetryAfter time.Duration
	// ExtraRule, when set, adds rules to the database's: it returns per-field
	// errors for a statement (nil to accept). Tests use it to make the database
	// refuse a statement the client considers valid.
	ExtraRule func(statement map[string]json.RawMessage) map[string][]string
}

// DSAStatement is one statement of reasons stored at the fake.
type DSAStatement struct {
	ID        int64
	UUID      string
	PUID      string
	Body      []byte // the statement as the platform sent it
	Batch     bool   // created through /api/v1/statements
	CreatedAt time.Time
}

// DSA is a fake DSA Transparency Database API. It enforces the Bearer token, the
// statement fields (required, conditional and excluded fields, enumerations as
// constant names, lengths, dates, the puid pattern), the batch rules (1 to 100
// statements, all or nothing, errors keyed statement_<i>) and puid uniqueness with
// the database's own 422 answers, and it injects faults on demand (see
// [DSA.Faults]). It is stricter than the real service in one way: it rejects
// unknown fields and conditional fields that do not apply (a legal ground with an
// incompatible-content decision, source_identity with SOURCE_VOLUNTARY, ...), which
// the real service silently drops.
//
// A DSA is safe for concurrent use.
type DSA struct {
	base
	opts DSAOptions

	state      sync.Mutex
	nextID     int64
	byPUID     map[string]*DSAStatement
	byUUID     map[string]*DSAStatement
	order      []string
	duplicates map[string]int
}

// NewDSA starts a fake Transparency Database on a loopback httptest server. Its
// base URL (without /api/v1) is [DSA.URL].
func NewDSA(opts *DSAOptions) *DSA {
	d := NewDSAHandler(opts)
	d.start(d)
	return d
}

// NewDSAHandler returns a fake Transparency Database that is not serving yet: use
// it as an http.Handler or call [DSA.Serve].
func NewDSAHandler(opts *DSAOptions) *DSA {
	var o DSAOptions
	if opts != nil {
		o = *opts
	}
	if o.Token == "" {
		o.Token = "mnr-test-token"
	}
	if o.PlatformName == "" {
		o.PlatformName = "mnr test platform"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 4 << 20
	}
	return &DSA{
		base:       newBase(o.SlowDelay, o.RetryAfter),
		opts:       o,
		nextID:     1,
		byPUID:     make(map[string]*DSAStatement),
		byUUID:     make(map[string]*DSAStatement),
		duplicates: make(map[string]int),
	}
}

// Serve serves the fake on l until the fake is closed.
func (d *DSA) Serve(l net.Listener) error { return d.serveOn(l, d) }

// URL returns the server's base URL when started by NewDSA, "" otherwise.
func (d *DSA) URL() string { return d.url() }

// Token returns the Bearer token the fake expects.
func (d *DSA) Token() string { return d.opts.Token }

// Statements returns copies of the stored statements in creation order.
func (d *DSA) Statements() []DSAStatement {
	d.state.Lock()
	defer d.state.Unlock()
	out := make([]DSAStatement, 0, len(d.order))
	for _, p := range d.order {
		s := *d.byPUID[p]
		s.Body = bytes.Clone(s.Body)
		out = append(out, s)
	}
	return out
}

// Count returns how many statements are stored.
func (d *DSA) Count() int {
	d.state.Lock()
	defer d.state.Unlock()
	return len(d.order)
}

// Statement returns the statement stored under puid.
func (d *DSA) Statement(puid string) (DSAStatement, bool) {
	d.state.Lock()
	defer d.state.Unlock()
	s, ok := d.byPUID[puid]
	if !ok {
		return DSAStatement{}, false
	}
	cp := *s
	cp.Body = bytes.Clone(s.Body)
	return cp, true
}

// DuplicateAttempts returns, per puid, how many submissions were refused because
// the puid already existed (each is an idempotent replay, not a second statement).
func (d *DSA) DuplicateAttempts() map[string]int {
	d.state.Lock()
	defer d.state.Unlock()
	out := make(map[string]int, len(d.duplicates))
	for k, v := range d.duplicates {
		out[k] = v
	}
	return out
}

func dsaJSON(status int, v any) reply {
	b, _ := json.Marshal(v)
	return reply{status: status, contentType: "application/json", body: b}
}

// ServeHTTP implements http.Handler.
func (d *DSA) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !bearerOK(r, d.opts.Token) {
		answer(w, dsaJSON(http.StatusUnauthorized, map[string]string{"message": "Unauthenticated."}))
		return
	}
	path := r.URL.Path
	var fn func(*http.Request) reply
	mutating := false
	switch {
	case path == "/api/v1/statement" && r.Method == http.MethodPost:
		fn, mutating = d.storeOne, true
	case path == "/api/v1/statements" && r.Method == http.MethodPost:
		fn, mutating = d.storeMany, true
	case strings.HasPrefix(path, "/api/v1/statement/existing-puid/") && r.Method == http.MethodGet:
		fn = d.existingPUID
	case strings.HasPrefix(path, "/api/v1/statement/") && r.Method == http.MethodGet:
		fn = d.show
	default:
		answer(w, dsaJSON(http.StatusNotFound, map[string]string{"message": "Not Found"}))
		return
	}
	key := path
	if !mutating {
		key = path[:strings.LastIndexByte(path, '/')+1] + "*"
	}
	d.run(w, r, key, mutating,
		func() reply {
			return dsaJSON(http.StatusInternalServerError, map[string]string{"message": "Server Error"})
		},
		func() reply {
			return reply{status: http.StatusTooManyRequests, contentType: "text/plain; charset=utf-8", body: []byte(DSARateLimitBody)}
		},
		func() reply { return fn(r) })
}

// readJSON decodes the body into an object of raw fields. A body that is not JSON
// (or not declared as JSON) yields an empty object, as Laravel sees it: every
// required field is then missing.
func (d *DSA) readJSON(r *http.Request) (map[string]json.RawMessage, []byte, *reply) {
	body, err := readBody(r, d.opts.MaxBodyBytes)
	if err != nil || int64(len(body)) > d.opts.MaxBodyBytes {
		rp := dsaJSON(http.StatusRequestEntityTooLarge, map[string]string{"message": "Request body too large."})
		return nil, nil, &rp
	}
	obj := map[string]json.RawMessage{}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "application/json" {
		if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
			rp := dsaJSON(http.StatusBadRequest, map[string]string{"message": "The request body is not a JSON object."})
			return nil, nil, &rp
		}
	} else {
		body = []byte("{}")
	}
	return obj, body, nil
}

func (d *DSA) storeOne(r *http.Request) reply {
	obj, raw, bad := d.readJSON(r)
	if bad != nil {
		return *bad
	}
	fieldErrs, clean := d.validate(obj)
	if len(fieldErrs) > 0 {
		return dsaJSON(http.StatusUnprocessableEntity, orderedJSON{{"message", laravelMessage(fieldErrs)}, {"errors", fieldErrs}})
	}
	puid := clean["puid"].(string)
	d.state.Lock()
	defer d.state.Unlock()
	if existing, ok := d.byPUID[puid]; ok {
		d.duplicates[puid]++
		return dsaJSON(http.StatusUnprocessableEntity, orderedJSON{
			{"message", DSADuplicateMessage},
			{"errors", map[string][]string{"puid": {DSADuplicateMessage}}},
			{"existing", d.output(existing, false)},
		})
	}
	s := d.create(puid, raw, false)
	return dsaJSON(http.StatusCreated, d.output(s, true))
}

func (d *DSA) storeMany(r *http.Request) reply {
	obj, _, bad := d.readJSON(r)
	if bad != nil {
		return *bad
	}
	var items []json.RawMessage
	raw, ok := obj["statements"]
	if !ok || json.Unmarshal(raw, &items) != nil {
		return dsaJSON(http.StatusUnprocessableEntity, map[string]any{
			"message": "The statements field is required.",
			"errors":  map[string][]string{"statements": {"The statements field is required."}},
		})
	}
	if len(items) < 1 || len(items) > 100 {
		msg := "The statements field must have between 1 and 100 items."
		return dsaJSON(http.StatusUnprocessableEntity, map[string]any{
			"message": msg, "errors": map[string][]string{"statements": {msg}},
		})
	}
	errs := map[string]map[string][]string{}
	objs := make([]map[string]json.RawMessage, len(items))
	puids := make([]string, len(items))
	for i, it := range items {
		var o map[string]json.RawMessage
		if json.Unmarshal(it, &o) != nil || o == nil {
			errs[fmt.Sprintf("statement_%d", i)] = map[string][]string{"statement": {"The statement must be an object."}}
			continue
		}
		fe, clean := d.validate(o)
		if len(fe) > 0 {
			errs[fmt.Sprintf("statement_%d", i)] = fe
			continue
		}
		objs[i] = o
		puids[i] = clean["puid"].(string)
	}
	if len(errs) > 0 {
		return dsaJSON(http.StatusUnprocessableEntity, map[string]any{"errors": errs})
	}
	seen := map[string]bool{}
	for _, p := range puids {
		if seen[p] {
			return dsaJSON(http.StatusUnprocessableEntity, orderedJSON{
				{"message", DSABatchDuplicateMessage},
				{"errors", map[string]any{"puid": []string{DSABatchDuplicateMessage}}},
			})
		}
		seen[p] = true
	}
	d.state.Lock()
	defer d.state.Unlock()
	var existing []string
	for _, p := range puids {
		if _, ok := d.byPUID[p]; ok {
			existing = append(existing, p)
			d.duplicates[p]++
		}
	}
	if len(existing) > 0 {
		return dsaJSON(http.StatusUnprocessableEntity, orderedJSON{
			{"message", DSABatchDuplicateMessage},
			{"errors", orderedJSON{{"puid", []string{DSABatchDuplicateMessage}}, {"existing_puids", existing}}},
		})
	}
	out := make([]orderedJSON, len(objs))
	for i := range objs {
		out[i] = d.output(d.create(puids[i], items[i], true), true)
	}
	return dsaJSON(http.StatusCreated, map[string]any{"statements": out})
}

// create stores a statement. Call with d.state held.
func (d *DSA) create(puid string, body []byte, batch bool) *DSAStatement {
	s := &DSAStatement{
		ID:        d.nextID,
		UUID:      newRequestID(),
		PUID:      puid,
		Body:      body,
		Batch:     batch,
		CreatedAt: d.opts.Now().UTC(),
	}
	d.nextID++
	d.byPUID[puid] = s
	d.byUUID[s.UUID] = s
	d.order = append(d.order, puid)
	return s
}

// output renders a stored statement as the API returns it: id and uuid first (as
// the database's column order puts them), then the fields in the order the platform
// sent them, then the server's additions.
func (d *DSA) output(s *DSAStatement, withPUID bool) orderedJSON {
	out := orderedJSON{{"id", s.ID}, {"uuid", s.UUID}}
	dec := json.NewDecoder(bytes.NewReader(s.Body))
	if tok, err := dec.Token(); err == nil && tok == json.Delim('{') {
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				break
			}
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				break
			}
			k, _ := kt.(string)
			if k == "puid" {
				continue
			}
			out = append(out, kv{k, v})
		}
	}
	out = append(out,
		kv{"created_at", s.CreatedAt.Format("2006-01-02 15:04:05")},
		kv{"platform_name", d.opts.PlatformName},
		kv{"permalink", d.url() + "/statement/" + s.UUID},
		kv{"self", d.url() + "/api/v1/statement/" + s.UUID},
	)
	if withPUID {
		out = append(out, kv{"puid", s.PUID})
	}
	return out
}

type kv struct {
	k string
	v any
}

// orderedJSON is a JSON object that keeps its key order.
type orderedJSON []kv

// MarshalJSON writes the keys in order.
func (o orderedJSON) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (d *DSA) show(r *http.Request) reply {
	uuid := strings.TrimPrefix(r.URL.Path, "/api/v1/statement/")
	d.state.Lock()
	defer d.state.Unlock()
	s, ok := d.byUUID[uuid]
	if !ok {
		return dsaJSON(http.StatusNotFound, map[string]string{"message": "statement of reason not found"})
	}
	return dsaJSON(http.StatusOK, d.output(s, false))
}

func (d *DSA) existingPUID(r *http.Request) reply {
	puid, _ := url.PathUnescape(strings.TrimPrefix(r.URL.Path, "/api/v1/statement/existing-puid/"))
	d.state.Lock()
	defer d.state.Unlock()
	s, ok := d.byPUID[puid]
	if !ok {
		return dsaJSON(http.StatusNotFound, map[string]string{"message": "statement of reason not found"})
	}
	out := append(orderedJSON{{"message", "statement of reason found"}}, d.output(s, true)...)
	return dsaJSON(http.StatusFound, out)
}

// validate applies the database's rules and ExtraRule.
func (d *DSA) validate(obj map[string]json.RawMessage) (map[string][]string, map[string]any) {
	errs, clean := validateStatement(obj)
	if d.opts.ExtraRule != nil && len(errs) == 0 {
		if extra := d.opts.ExtraRule(obj); len(extra) > 0 {
			return extra, nil
		}
	}
	return errs, clean
}

// ValidateDSAStatement checks one statement of reasons (a JSON object) against the
// fake's rules, as POST /api/v1/statement does, and returns the per-field errors
// (nil when it would be accepted). Golden tests use it without a server.
func ValidateDSAStatement(doc []byte) map[string][]string {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(doc, &obj); err != nil || obj == nil {
		return map[string][]string{"": {"not a JSON object"}}
	}
	errs, _ := validateStatement(obj)
	return errs
}

var puidRE = regexp.MustCompile(`^[a-zA-Z0-9\-_]+$`)

// validateStatement applies the StatementStoreRequest rules to one statement and
// returns Laravel-style per-field errors plus the decoded scalar and array values.
// Messages never echo values.
func validateStatement(obj map[string]json.RawMessage) (map[string][]string, map[string]any) {
	errs := map[string][]string{}
	add := func(f, msg string) { errs[f] = append(errs[f], msg) }
	human := func(f string) string { return strings.ReplaceAll(f, "_", " ") }
	vals := map[string]any{}

	known := map[string]dsaField{}
	for _, f := range dsaFields {
		known[f.name] = f
	}
	for name := range obj {
		if _, ok := known[name]; !ok {
			add(name, "The "+human(name)+" field is not a statement field.")
		}
	}
	for _, f := range dsaFields {
		raw, present := obj[f.name]
		if !present || string(raw) == "null" {
			continue
		}
		switch f.kind {
		case dsaEnumArray:
			var arr []string
			if json.Unmarshal(raw, &arr) != nil {
				add(f.name, "The "+human(f.name)+" field must be an array.")
				continue
			}
			for _, v := range arr {
				if !slices.Contains(f.enum, v) {
					add(f.name, "The selected "+human(f.name)+" is invalid.")
					break
				}
			}
			vals[f.name] = arr
		case dsaContentID:
			var m map[string]string
			if json.Unmarshal(raw, &m) != nil {
				add(f.name, "The content id field must be an object.")
				continue
			}
			for k, v := range m {
				if k != "EAN-13" {
					add(f.name, "The content id field may only hold EAN-13.")
				} else if len(v) != 13 || strings.Trim(v, "0123456789") != "" {
					add(f.name, "The content id EAN-13 must be 13 digits.")
				}
			}
		default:
			var s string
			if json.Unmarshal(raw, &s) != nil {
				add(f.name, "The "+human(f.name)+" field must be a string.")
				continue
			}
			if f.maxLen > 0 && utf8.RuneCountInString(s) > f.maxLen {
				add(f.name, fmt.Sprintf("The %s field must not be greater than %d characters.", human(f.name), f.maxLen))
			}
			switch f.kind {
			case dsaEnum:
				if !slices.Contains(f.enum, s) {
					add(f.name, "The selected "+human(f.name)+" is invalid.")
				}
			case dsaURL:
				if u, err := url.Parse(s); err != nil || u.Scheme == "" || u.Host == "" {
					add(f.name, "The "+human(f.name)+" field must be a valid URL.")
				}
			case dsaDate:
				if _, err := time.Parse("2006-01-02", s); err != nil || len(s) != 10 {
					add(f.name, "The "+human(f.name)+" does not match the format YYYY-MM-DD.")
				}
			}
			vals[f.name] = s
		}
	}
	str := func(f string) string { s, _ := vals[f].(string); return s }
	arr := func(f string) []string { a, _ := vals[f].([]string); return a }
	has := func(f string) bool { _, ok := vals[f]; return ok }
	required := func(f string) {
		if v, ok := vals[f]; !ok || v == "" || (isSlice(v) && len(v.([]string)) == 0) {
			if len(errs[f]) == 0 {
				add(f, "The "+human(f)+" field is required.")
			}
		}
	}

	// The decision group: at least one of the four.
	if !(has("decision_visibility") && len(arr("decision_visibility")) > 0) && str("decision_monetary") == "" &&
		str("decision_provision") == "" && str("decision_account") == "" {
		add("decision_visibility", "The decision visibility field is required when none of decision monetary / decision provision / decision account are present.")
	}
	if slices.Contains(arr("decision_visibility"), "DECISION_VISIBILITY_OTHER") {
		required("decision_visibility_other")
	}
	if str("decision_monetary") == "DECISION_MONETARY_OTHER" {
		required("decision_monetary_other")
	}
	required("decision_ground")
	switch str("decision_ground") {
	case "DECISION_GROUND_ILLEGAL_CONTENT":
		required("illegal_content_legal_ground")
		required("illegal_content_explanation")
	case "DECISION_GROUND_INCOMPATIBLE_CONTENT":
		required("incompatible_content_ground")
		required("incompatible_content_explanation")
	}
	required("content_type")
	if slices.Contains(arr("content_type"), "CONTENT_TYPE_OTHER") {
		required("content_type_other")
	}
	required("category")
	if lang := str("content_language"); lang != "" && (len(lang) != 2 || strings.ToUpper(lang) != lang || strings.Trim(lang, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		add("content_language", "The selected content language is invalid.")
	}
	required("content_date")
	required("application_date")
	dateRange := func(f, lo, hi string) {
		s := str(f)
		if s == "" || len(errs[f]) > 0 {
			return
		}
		if lo != "" && s < lo {
			add(f, "The "+human(f)+" field must be a date after or equal to "+lo+".")
		}
		if s > hi {
			add(f, "The "+human(f)+" field must be a date before or equal to "+hi+".")
		}
	}
	dateRange("content_date", "2000-01-01", "2038-01-01")
	dateRange("application_date", "2020-01-01", "2038-01-01")
	for _, f := range []string{"end_date_account_restriction", "end_date_monetary_restriction", "end_date_service_restriction", "end_date_visibility_restriction"} {
		dateRange(f, "", "2038-01-01")
	}
	// Fields the real service would drop silently (exclude_unless): the fake
	// refuses them so that what a client stores matches what was accepted.
	notApplicable := func(f string, applies bool) {
		if has(f) && !applies {
			add(f, "The "+human(f)+" field does not apply to this statement and would be dropped.")
		}
	}
	ground := str("decision_ground")
	notApplicable("decision_visibility_other", slices.Contains(arr("decision_visibility"), "DECISION_VISIBILITY_OTHER"))
	notApplicable("decision_monetary_other", str("decision_monetary") == "DECISION_MONETARY_OTHER")
	notApplicable("content_type_other", slices.Contains(arr("content_type"), "CONTENT_TYPE_OTHER"))
	notApplicable("illegal_content_legal_ground", ground == "DECISION_GROUND_ILLEGAL_CONTENT")
	notApplicable("illegal_content_explanation", ground == "DECISION_GROUND_ILLEGAL_CONTENT")
	notApplicable("incompatible_content_ground", ground == "DECISION_GROUND_INCOMPATIBLE_CONTENT")
	notApplicable("incompatible_content_explanation", ground == "DECISION_GROUND_INCOMPATIBLE_CONTENT")
	notApplicable("incompatible_content_illegal", ground == "DECISION_GROUND_INCOMPATIBLE_CONTENT")
	notApplicable("source_identity", str("source_type") != "SOURCE_VOLUNTARY")
	required("decision_facts")
	required("source_type")
	required("automated_detection")
	required("automated_decision")
	required("puid")
	if p := str("puid"); p != "" && !puidRE.MatchString(p) {
		add("puid", "The puid field format is invalid.")
	}
	if len(errs) > 0 {
		return errs, nil
	}
	return nil, vals
}

func isSlice(v any) bool { _, ok := v.([]string); return ok }

// laravelMessage builds Laravel's summary message: the first error, plus "(and N
// more errors)".
func laravelMessage(errs map[string][]string) string {
	keys := sortedKeys(errs)
	total := 0
	for _, k := range keys {
		total += len(errs[k])
	}
	first := errs[keys[0]][0]
	if total > 1 {
		suffix := "errors"
		if total == 2 {
			suffix = "error"
		}
		return fmt.Sprintf("%s (and %d more %s)", first, total-1, suffix)
	}
	return first
}
