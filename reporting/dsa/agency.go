package dsa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/mnr-sdk/mnr/reporting"
)

// Name is the agency's name in an outbox.
const Name = reporting.AgencyDSA

// ProductionURL is the Transparency Database. The sandbox's URL comes with the
// sandbox account.
const ProductionURL = "https://transparency.dsa.ec.europa.eu"

// MaxBatch is the most statements one /api/v1/statements call takes.
const MaxBatch = 100

// NewClient returns a reporting.Client for the database at baseURL with the Bearer
// token that token returns (called per attempt, so a rotated token is picked up).
// When opts.Limiter is nil it uses 100 requests per second with a burst of 10,
// half the database's limit of 200 per second (and 12,000 per minute) per user.
func NewClient(baseURL string, token func() (string, error), opts *reporting.ClientOptions) (*reporting.Client, error) {
	var o reporting.ClientOptions
	if opts != nil {
		o = *opts
	}
	o.Auth = reporting.BearerToken(token)
	if o.Limiter == nil {
		o.Limiter = rate.NewLimiter(100, 10)
	}
	return reporting.NewClient(baseURL, &o)
}

// Options configure an Agency. A nil *Options means all defaults.
type Options struct {
	// BatchSize is how many statements one request carries. 1 (the default)
	// sends each statement alone to /api/v1/statement; 2 to 100 gathers the
	// statements that outbox workers submit at the same time into one
	// /api/v1/statements call (all or nothing at the database; see the package
	// documentation).
	BatchSize int
	// BatchWindow is how long the first statement of a batch waits for others.
	// Default 50ms.
	BatchWindow time.Duration
	// Now is the clock for receipts. Default time.Now.
	Now func() time.Time
	// Logger receives debug records (puids, uuids, counts; never report
	// content). Nil discards.
	Logger *slog.Logger
}

// Agency is the DSA Transparency Database driver: it implements reporting.Agency.
// The puid makes every submission idempotent, so it never needs the unknown state.
// It is safe for concurrent use.
type Agency struct {
	opts Options
	log  *slog.Logger

	mu   sync.Mutex
	open *batch
}

var _ reporting.Agency = (*Agency)(nil)

// New returns a DSA driver.
func New(opts *Options) *Agency {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1
	}
	if o.BatchSize > MaxBatch {
		o.BatchSize = MaxBatch
	}
	if o.BatchWindow <= 0 {
		o.BatchWindow = 50 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	a := &Agency{opts: o, log: o.Logger}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	return a
}

// Name returns "dsa".
func (a *Agency) Name() string { return Name }

// Validate checks the database's rules that Report.Validate does not know: every
// field required for the decision ground, the enumerations, the keyword and
// category mapping of the terminology codes (keywords in their categories, never a
// legacy value), dates in range, and the Report.Extra keys this package reads.
func (a *Agency) Validate(r *reporting.Report) error {
	_, err := build(r)
	return err
}

// Statement returns the statement of reasons r becomes.
func (a *Agency) Statement(r *reporting.Report) (*Statement, error) {
	st, err := build(r)
	if err := reporting.Blocking(err); err != nil {
		return nil, err
	}
	return st, nil
}

// Encode renders the statement of reasons /api/v1/statement receives.
func (a *Agency) Encode(r *reporting.Report) ([]byte, error) {
	st, err := a.Statement(r)
	if err != nil {
		return nil, err
	}
	return MarshalStatement(st)
}

// EncodeBatch renders the body of /api/v1/statements for 1 to 100 reports.
func (a *Agency) EncodeBatch(rs []*reporting.Report) ([]byte, error) {
	if len(rs) == 0 || len(rs) > MaxBatch {
		return nil, fmt.Errorf("dsa: a batch holds 1 to %d statements, not %d", MaxBatch, len(rs))
	}
	raws := make([]json.RawMessage, len(rs))
	for i, r := range rs {
		b, err := a.Encode(r)
		if err != nil {
			return nil, fmt.Errorf("dsa: statement %d: %w", i, err)
		}
		raws[i] = b
	}
	return json.Marshal(struct {
		Statements []json.RawMessage `json:"statements"`
	}{raws})
}

// Result is the outcome of one statement.
type Result struct {
	// PUID is the statement's puid.
	PUID string
	// UUID is the database's uuid for it (for a duplicate, the existing one's if
	// the answer carried it; "" otherwise: the puid still identifies it).
	UUID string
	// Duplicate reports that the database already held the puid: an idempotent
	// success.
	Duplicate bool
	// Receipt is the database's answer for this statement.
	Receipt reporting.Receipt
	// Err is the failure, nil on success. *ValidationError for a refused
	// statement.
	Err error
}

// Step submits s's statement (alone or in a batch, see Options.BatchSize). The
// progress it returns is done, with the uuid in IDs["uuid"] and the puid in
// IDs["puid"].
func (a *Agency) Step(ctx context.Context, env reporting.StepEnv, s *reporting.Submission) (reporting.Progress, error) {
	p := s.Progress.Clone()
	if p.Done {
		return p, nil
	}
	st, err := a.Statement(&s.Report)
	if err != nil {
		return p, fmt.Errorf("dsa: %w: %w", reporting.ErrPermanent, err)
	}
	body, err := MarshalStatement(st)
	if err != nil {
		return p, fmt.Errorf("dsa: %w: %w", reporting.ErrPermanent, err)
	}
	now := env.Now
	if now == nil {
		now = a.opts.Now
	}
	e := &entry{ctx: ctx, do: env.Do, now: now, puid: st.PUID, body: body, done: make(chan struct{})}
	if a.opts.BatchSize > 1 {
		a.enqueue(e)
	} else {
		a.sendOne(ctx, e)
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		return p, ctx.Err()
	}
	res := e.res
	if res.Err != nil {
		return p, res.Err
	}
	p.Step = "submitted"
	p.SetID("puid", res.PUID)
	p.SetID("uuid", res.UUID)
	p.Receipts = append(p.Receipts, res.Receipt)
	p.Done = true
	return p, nil
}

// Submit sends the statements of rs without an outbox, in batches of
// Options.BatchSize (or alone), and returns one Result per report, in order.
// Statements are idempotent under their puid: submitting again what already
// succeeded gives Duplicate results.
func (a *Agency) Submit(ctx context.Context, do func(context.Context, reporting.RequestSpec) (*reporting.Response, error), rs []*reporting.Report) []Result {
	out := make([]Result, len(rs))
	var entries []*entry
	idx := map[*entry]int{}
	for i, r := range rs {
		st, err := a.Statement(r)
		if err != nil {
			out[i] = Result{PUID: r.ID, Err: fmt.Errorf("dsa: %w: %w", reporting.ErrPermanent, err)}
			continue
		}
		body, _ := MarshalStatement(st)
		e := &entry{ctx: ctx, do: do, now: a.opts.Now, puid: st.PUID, body: body, done: make(chan struct{})}
		entries = append(entries, e)
		idx[e] = i
	}
	for len(entries) > 0 {
		n := min(len(entries), a.opts.BatchSize)
		chunk := entries[:n]
		entries = entries[n:]
		// One puid per call: a repeated puid waits for the next call.
		var now, later []*entry
		seen := map[string]bool{}
		for _, e := range chunk {
			if seen[e.puid] {
				later = append(later, e)
				continue
			}
			seen[e.puid] = true
			now = append(now, e)
		}
		entries = append(later, entries...)
		if len(now) == 1 {
			a.sendOne(ctx, now[0])
		} else {
			a.sendBatch(ctx, now)
		}
		for _, e := range now {
			out[idx[e]] = e.res
		}
	}
	return out
}

// entry is one statement waiting for its answer.
type entry struct {
	ctx  context.Context
	do   func(context.Context, reporting.RequestSpec) (*reporting.Response, error)
	now  func() time.Time
	puid string
	body []byte
	res  Result
	done chan struct{}
	once sync.Once
}

func (e *entry) finish(res Result) {
	e.once.Do(func() {
		res.PUID = e.puid
		e.res = res
		close(e.done)
	})
}

// batch gathers entries until it is full or its window has passed.
type batch struct {
	entries []*entry
	puids   map[string]bool
	full    chan struct{}
}

// enqueue adds e to the open batch, or opens one and leads it: the leader waits
// for the window (or a full batch), seals the batch and sends it.
func (a *Agency) enqueue(e *entry) {
	a.mu.Lock()
	b := a.open
	if b != nil && b.puids[e.puid] {
		// The same puid is already waiting: send this one alone; it will be a
		// duplicate if the other succeeds.
		a.mu.Unlock()
		a.sendOne(e.ctx, e)
		return
	}
	lead := false
	if b == nil {
		b = &batch{puids: map[string]bool{}, full: make(chan struct{})}
		a.open = b
		lead = true
	}
	b.entries = append(b.entries, e)
	b.puids[e.puid] = true
	if len(b.entries) >= a.opts.BatchSize {
		close(b.full)
		a.open = nil
	}
	a.mu.Unlock()
	if !lead {
		return
	}
	t := time.NewTimer(a.opts.BatchWindow)
	select {
	case <-t.C:
	case <-b.full:
	case <-e.ctx.Done():
	}
	t.Stop()
	a.mu.Lock()
	if a.open == b {
		a.open = nil
	}
	entries := b.entries
	a.mu.Unlock()

	// Send under a context that ends only when every waiting submission's
	// context has ended, so one worker stopping does not fail the others.
	sendCtx, cancel := context.WithCancel(context.WithoutCancel(e.ctx))
	defer cancel()
	var live atomic.Int32
	live.Store(int32(len(entries)))
	for _, x := range entries {
		stop := context.AfterFunc(x.ctx, func() {
			if live.Add(-1) == 0 {
				cancel()
			}
		})
		defer stop()
	}
	if len(entries) == 1 {
		a.sendOne(sendCtx, entries[0])
		return
	}
	a.sendBatch(sendCtx, entries)
}

func jsonSpec(method, path string, body []byte) reporting.RequestSpec {
	spec := reporting.RequestSpec{
		Method:     method,
		Path:       path,
		Header:     http.Header{"Accept": {"application/json"}},
		Idempotent: true, // the puid makes a repeat a duplicate, which is success
	}
	if body != nil {
		spec.Header.Set("Content-Type", "application/json")
		spec.Body = func() (io.Reader, error) { return bytes.NewReader(body), nil }
	}
	return spec
}

func receipt(now func() time.Time, resp *reporting.Response, body []byte, note string) reporting.Receipt {
	rc := reporting.Receipt{Step: "statement", At: now(), Note: note, Body: bytes.Clone(body)}
	if resp != nil {
		rc.ContentType = resp.Header.Get("Content-Type")
		rc.RequestID = resp.RequestID
	}
	return rc
}

// sendOne posts one statement to /api/v1/statement.
func (a *Agency) sendOne(ctx context.Context, e *entry) {
	resp, err := e.do(ctx, jsonSpec(http.MethodPost, "/api/v1/statement", e.body))
	if err == nil {
		ans, perr := parseAnswer(resp.Body)
		if perr != nil || ans.UUID == "" {
			// Stored (2xx) but unreadable: sending again yields the duplicate
			// answer, which carries the existing statement.
			e.finish(Result{Err: fmt.Errorf("dsa: created answer without a uuid (HTTP %d, request-id %s)", resp.StatusCode, resp.RequestID)})
			return
		}
		a.log.LogAttrs(ctx, slog.LevelDebug, "dsa: statement created", slog.String("puid", e.puid), slog.String("uuid", ans.UUID))
		e.finish(Result{UUID: ans.UUID, Receipt: receipt(e.now, resp, resp.Body, "")})
		return
	}
	var ae *reporting.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusUnprocessableEntity {
		e.finish(Result{Err: fmt.Errorf("dsa: statement: %w", err)})
		return
	}
	ans, _ := parseAnswer(ae.Raw())
	if ans == nil {
		ans = &answer{}
	}
	if ans.Duplicate {
		a.duplicate(ctx, e, ans.UUID, ae)
		return
	}
	e.finish(Result{Err: &ValidationError{PUID: e.puid, Message: ans.Message, Fields: ans.Errors, RequestID: ae.RequestID}})
}

// duplicate records a statement the database already holds, looking its uuid up
// when the answer did not carry it. The receipt is the database's answer that
// names the existing statement: the lookup's when there was one, else the 422.
func (a *Agency) duplicate(ctx context.Context, e *entry, uuid string, ae *reporting.APIError) {
	note := "the database already holds this puid: idempotent success"
	rc := reporting.Receipt{Step: "statement", ContentType: "application/json", RequestID: ae.RequestID, Body: ae.Raw()}
	if uuid == "" {
		var found *reporting.Receipt
		uuid, found = a.lookup(ctx, e)
		switch {
		case uuid == "":
			note += "; the existing statement's uuid was not in the answer (the puid identifies it)"
		case found != nil:
			rc = *found
			note += "; uuid from the existing-puid lookup"
		}
	}
	rc.At, rc.Note = e.now(), note
	a.log.LogAttrs(ctx, slog.LevelDebug, "dsa: statement existed", slog.String("puid", e.puid), slog.String("uuid", uuid))
	e.finish(Result{UUID: uuid, Duplicate: true, Receipt: rc})
}

// lookup asks /api/v1/statement/existing-puid/{puid} for the uuid and returns it
// with the answer as a receipt; "" and nil if it cannot tell.
func (a *Agency) lookup(ctx context.Context, e *entry) (string, *reporting.Receipt) {
	resp, err := e.do(ctx, jsonSpec(http.MethodGet, "/api/v1/statement/existing-puid/"+url.PathEscape(e.puid), nil))
	var rc reporting.Receipt
	switch {
	case err == nil:
		rc = receipt(e.now, resp, resp.Body, "")
	default:
		var ae *reporting.APIError
		if !errors.As(err, &ae) || ae.StatusCode != http.StatusFound {
			return "", nil
		}
		rc = reporting.Receipt{Step: "statement", ContentType: "application/json", RequestID: ae.RequestID, Body: ae.Raw()}
	}
	ans, _ := parseAnswer(rc.Body)
	if ans == nil || ans.UUID == "" {
		return "", nil
	}
	return ans.UUID, &rc
}

// sendBatch posts entries to /api/v1/statements. The database creates all or
// none: refused statements and puids it already holds are taken out (the former
// fail, the latter succeed as duplicates) and the rest is sent again as a batch.
// Only an answer that does not say which statements are at fault (cut off beyond
// ClientOptions.MaxErrorBodyBytes, or unexpected) makes the rest go one by one.
func (a *Agency) sendBatch(ctx context.Context, entries []*entry) {
	for round := 0; len(entries) > 0; round++ {
		if len(entries) == 1 || round > MaxBatch {
			for _, e := range entries {
				a.sendOne(ctx, e)
			}
			return
		}
		raws := make([]json.RawMessage, len(entries))
		for i, e := range entries {
			raws[i] = e.body
		}
		body, _ := json.Marshal(struct {
			Statements []json.RawMessage `json:"statements"`
		}{raws})
		resp, err := entries[0].do(ctx, jsonSpec(http.MethodPost, "/api/v1/statements", body))
		if err == nil {
			a.batchCreated(ctx, entries, resp)
			return
		}
		var ae *reporting.APIError
		if !errors.As(err, &ae) || ae.StatusCode != http.StatusUnprocessableEntity {
			for _, e := range entries {
				e.finish(Result{Err: fmt.Errorf("dsa: statements (batch of %d): %w", len(entries), err)})
			}
			return
		}
		ans, _ := parseAnswer(ae.Raw())
		var rest []*entry
		switch {
		case ans != nil && len(ans.StatementErrors) > 0:
			for i, e := range entries {
				if fe, bad := ans.StatementErrors[i]; bad {
					e.finish(Result{Err: &ValidationError{PUID: e.puid, Fields: fe, RequestID: ae.RequestID, Message: "refused in a batch as statement_" + strconv.Itoa(i)}})
				} else {
					rest = append(rest, e)
				}
			}
		case ans != nil && len(ans.ExistingPUIDs) > 0:
			existing := map[string]bool{}
			for _, p := range ans.ExistingPUIDs {
				existing[p] = true
			}
			for _, e := range entries {
				if existing[e.puid] {
					a.duplicate(ctx, e, "", ae)
				} else {
					rest = append(rest, e)
				}
			}
		default:
			// Truncated or unexpected: find out one by one.
			for _, e := range entries {
				a.sendOne(ctx, e)
			}
			return
		}
		if len(rest) == len(entries) {
			for _, e := range rest {
				a.sendOne(ctx, e)
			}
			return
		}
		entries = rest
	}
}

// batchCreated hands each entry its statement from a batch's 201 answer.
func (a *Agency) batchCreated(ctx context.Context, entries []*entry, resp *reporting.Response) {
	ans, err := parseAnswer(resp.Body)
	byPUID := map[string]created{}
	if err == nil {
		for _, c := range ans.Created {
			byPUID[c.PUID] = c
		}
	}
	note := "created in a batch of " + strconv.Itoa(len(entries))
	for _, e := range entries {
		c, ok := byPUID[e.puid]
		if !ok || !validUUID(c.UUID) {
			// Created (2xx) but not listed: asking again gives the duplicate
			// answer with the existing statement.
			e.finish(Result{Err: fmt.Errorf("dsa: batch answer lacks the statement (request-id %s)", resp.RequestID)})
			continue
		}
		e.finish(Result{UUID: c.UUID, Receipt: receipt(e.now, resp, c.Raw, note)})
	}
	a.log.LogAttrs(ctx, slog.LevelDebug, "dsa: batch created", slog.Int("statements", len(entries)))
}
