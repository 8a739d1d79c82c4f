package cybertip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mnr-sdk/mnr/reporting"
)

// Name is the agency's name in an outbox.
const Name = reporting.AgencyCyberTip

// The CyberTipline API base URIs.
const (
	ProductionURL = "https://report.cybertip.org/ispws"
	TestURL       = "https://exttest.cybertip.org/ispws"
)

// URLFor returns ProductionURL when env is exactly "production" and TestURL for
// anything else, so that a missing or mistyped setting can never send a report to
// production by accident.
func URLFor(env string) string {
	if env == "production" {
		return ProductionURL
	}
	return TestURL
}

// NewClient returns a reporting.Client for the CyberTipline at baseURL (ProductionURL,
// TestURL or a fake's URL) with HTTP Basic credentials. Test and production
// credentials differ. opts may be nil; its Auth is replaced.
func NewClient(baseURL, username, password string, opts *reporting.ClientOptions) (*reporting.Client, error) {
	var o reporting.ClientOptions
	if opts != nil {
		o = *opts
	}
	o.Auth = reporting.BasicAuth(username, password)
	return reporting.NewClient(baseURL, &o)
}

// Options configure an Agency. A nil *Options means all defaults.
type Options struct {
	// CompanyTemplate and TermsOfService fill reporter/companyTemplate (the
	// boilerplate NCMEC adds to every report: legal process address, retention
	// policy, a 24-hour line) and reporter/termsOfService. Report.Extra keys
	// cybertip.companyTemplate and cybertip.termsOfService override them.
	CompanyTemplate, TermsOfService string

	// IndustryClassification sends ContentItem.IndustryClass as
	// industryClassification. Only signatories of NCMEC's Industry Hash Sharing
	// MOU may; the default, false, leaves it out (Validate warns).
	IndustryClassification bool

	// OmitReference leaves Report.ID out of the report. By default the
	// report-level additionalInfo ends with "ESP report reference: <ID>".
	OmitReference bool

	// MaxFiles bounds the content items of one report. Default 400 (each file
	// keeps an ID and a receipt in the outbox).
	MaxFiles int

	// MaxFileBytes bounds one uploaded file. Default 4 GiB (NCMEC sets no limit).
	MaxFileBytes int64

	// MaxRestarts bounds how often one submission starts over with a new report
	// (after an upload whose outcome is unknown, an MD5 mismatch, or NCMEC's
	// deletion of an unfinished report). Default 3; beyond it the submission
	// fails.
	MaxRestarts int

	// Now is the clock for timestamps and receipts. Default time.Now.
	Now func() time.Time

	// Logger receives debug records of steps (report ID, step, NCMEC's report
	// ID and codes; never report content). Nil discards.
	Logger *slog.Logger
}

// Agency is the CyberTipline driver: it implements reporting.Agency,
// reporting.Reconciler and reporting.Retracter. It is safe for concurrent use
// and holds no connection; requests go through the StepEnv an outbox gives it.
type Agency struct {
	opts Options
	log  *slog.Logger
}

var (
	_ reporting.Agency     = (*Agency)(nil)
	_ reporting.Reconciler = (*Agency)(nil)
	_ reporting.Retracter  = (*Agency)(nil)
)

// New returns a CyberTipline driver.
func New(opts *Options) *Agency {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = 400
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = 4 << 30
	}
	if o.MaxRestarts <= 0 {
		o.MaxRestarts = 3
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

// Name returns "cybertip".
func (a *Agency) Name() string { return Name }

// Validate checks the CyberTipline rules Report.Validate does not know: the
// incident code maps to an incident type (never a legacy one), each content item
// can be uploaded or listed by URL, annotations fit their files, the batched-report
// rules, and the Report.Extra keys this package reads. It returns nil or an
// errors.Join of *reporting.FieldError (warnings included).
func (a *Agency) Validate(r *reporting.Report) error {
	return a.makePlan(r).errs()
}

// Encode renders the <report> document /submit receives. It fails with the
// blocking problems of Validate; it does not run Report.Validate (use
// reporting.ValidateFor).
func (a *Agency) Encode(r *reporting.Report) ([]byte, error) {
	p := a.makePlan(r)
	if err := p.blocking(); err != nil {
		return nil, err
	}
	return marshalDoc(a.buildReport(r, p, a.opts.Now()))
}

// EncodeFileDetails renders the <fileDetails> document /fileinfo receives for
// r.Content[i], uploaded as fileID to report reportID.
func (a *Agency) EncodeFileDetails(r *reporting.Report, i int, reportID, fileID string) ([]byte, error) {
	p := a.makePlan(r)
	if err := p.blocking(); err != nil {
		return nil, err
	}
	if i < 0 || i >= len(r.Content) {
		return nil, fmt.Errorf("cybertip: content index %d out of range", i)
	}
	return marshalDoc(a.buildFileDetails(r, p, i, reportID, fileID, a.opts.Now()))
}

// The progress cursor (Progress.Step):
//
//	""             nothing of the current attempt sent yet: submit next ("new",
//	               written by earlier versions, means the same)
//	"submitted"    report opened (IDs["reportId"]): upload the first file or finish
//	"uploaded:K"   content item K uploaded (IDs["file.K.fileId"]): send its file details
//	"described:K"  item K described: upload the next file or finish
//	"finished"     finished at NCMEC (Done)
//	"abandoned"    retracted on request (Abandoned)
//
// Starting over (see Options.MaxRestarts) records the old report as
// IDs["retracted.N"] or IDs["expired.N"] and returns the progress with
// reporting.Progress.Restart set, without reportId and the file IDs and with an
// empty cursor; the outbox drops those IDs and lists them in the history.
const (
	stepNew       = "new"
	stepSubmitted = "submitted"
	stepUploaded  = "uploaded"
	stepDescribed = "described"
	stepFinished  = "finished"
	stepAbandoned = "abandoned"
)

func parseCursor(s string) (string, int) {
	name, num, ok := strings.Cut(s, ":")
	if !ok {
		return s, -1
	}
	k, err := strconv.Atoi(num)
	if err != nil {
		return "invalid", -1
	}
	return name, k
}

// next returns what comes after the cursor: the content index to upload next, or
// -1 to finish.
func (p *plan) nextUpload(cur string, k int) int {
	switch cur {
	case stepSubmitted:
		if len(p.uploads) > 0 {
			return p.uploads[0]
		}
	case stepDescribed:
		i := slices.Index(p.uploads, k)
		if i >= 0 && i+1 < len(p.uploads) {
			return p.uploads[i+1]
		}
	}
	return -1
}

// Step performs the next request of the protocol for s: submit, upload each file,
// send its file details, finish. It saves NCMEC's reportId and each fileId through
// env.Save the moment they arrive.
func (a *Agency) Step(ctx context.Context, env reporting.StepEnv, s *reporting.Submission) (reporting.Progress, error) {
	r := &s.Report
	p := s.Progress.Clone()
	pl := a.makePlan(r)
	if err := pl.blocking(); err != nil {
		return p, fmt.Errorf("cybertip: %w: report no longer valid: %w", reporting.ErrPermanent, err)
	}
	cur, k := parseCursor(p.Step)
	switch cur {
	case "", stepNew:
		return a.submit(ctx, env, s, pl, p)
	case stepSubmitted, stepDescribed:
		if i := pl.nextUpload(cur, k); i >= 0 {
			return a.upload(ctx, env, s, pl, p, i)
		}
		return a.finish(ctx, env, s, pl, p, false)
	case stepUploaded:
		if k < 0 || k >= len(r.Content) {
			break
		}
		return a.fileinfo(ctx, env, s, pl, p, k)
	case stepFinished:
		p.Done = true
		return p, nil
	case stepAbandoned:
		p.Abandoned = true
		return p, nil
	}
	return p, fmt.Errorf("cybertip: %w: unknown progress step %q", reporting.ErrPermanent, p.Step)
}

// Reconcile settles a step whose outcome is unknown. The CyberTipline has no
// lookup, so it reasons from the cursor (the reasoning goes into a receipt note):
//
//   - submit unknown: submitting again is safe. A report whose ID never reached
//     us can never be finished, and NCMEC deletes an unfinished report 24 hours
//     after it was opened (1 hour after its last change).
//   - upload or file details unknown: the report may now hold a file twice or
//     lack one; retract it (its reportId is known) and start over.
//   - finish unknown: send finish again; NCMEC's "already finished" (5102) means
//     the first one took effect.
func (a *Agency) Reconcile(ctx context.Context, env reporting.StepEnv, s *reporting.Submission) (reporting.Progress, error) {
	r := &s.Report
	p := s.Progress.Clone()
	pl := a.makePlan(r)
	if err := pl.blocking(); err != nil {
		return p, fmt.Errorf("cybertip: %w: report no longer valid: %w", reporting.ErrPermanent, err)
	}
	now := env.Now()
	cur, k := parseCursor(p.Step)
	switch cur {
	case "", stepNew:
		p.Receipts = append(p.Receipts, reporting.Receipt{Step: "reconcile", At: now, Note: "submit outcome unknown: submitting again is safe, because a report whose ID we never received can never be finished and NCMEC deletes an unfinished report 24 hours after it was opened (1 hour after its last change)"})
		return p, nil
	case stepSubmitted, stepDescribed:
		if pl.nextUpload(cur, k) < 0 {
			return a.finish(ctx, env, s, pl, p, true)
		}
		return a.restart(ctx, env, s, p, "upload outcome unknown: the report may hold the file twice or not at all")
	case stepUploaded:
		return a.restart(ctx, env, s, p, "file details outcome unknown: they may or may not be attached")
	case stepFinished:
		p.Done = true
		return p, nil
	case stepAbandoned:
		p.Abandoned = true
		return p, nil
	}
	return p, fmt.Errorf("cybertip: %w: unknown progress step %q", reporting.ErrPermanent, p.Step)
}

// Retract implements reporting.Retracter: it retracts s's open report at NCMEC
// (if it has one; the receipt records NCMEC's answer and the report moves to
// IDs["retracted.N"]) and marks the progress abandoned. Outbox.Abandon calls it.
// A finished report cannot be retracted (ErrPermanent); NCMEC's answer that the
// report is gone already (5001, 5101) counts as retracted.
func (a *Agency) Retract(ctx context.Context, env reporting.StepEnv, s *reporting.Submission) (reporting.Progress, error) {
	p := s.Progress.Clone()
	if p.Done || p.Step == stepFinished {
		return p, fmt.Errorf("cybertip: %w: the report is finished and can no longer be retracted", reporting.ErrPermanent)
	}
	if id := p.IDs["reportId"]; id != "" {
		if err := a.retract(ctx, env, &p, id, "abandoned on request"); err != nil {
			return p, err
		}
		startOver(&p)
	}
	p.Step = stepAbandoned
	p.Abandoned = true
	if env.Save != nil {
		if err := env.Save(ctx, p); err != nil {
			return p, err
		}
	}
	return p, nil
}

func (a *Agency) submit(ctx context.Context, env reporting.StepEnv, s *reporting.Submission, pl *plan, p reporting.Progress) (reporting.Progress, error) {
	r := &s.Report
	now := env.Now()
	if err := reporting.Blocking(r.ValidateAt(Name, now)); err != nil {
		return p, fmt.Errorf("cybertip: %w: report no longer valid: %w", reporting.ErrPermanent, err)
	}
	doc, err := marshalDoc(a.buildReport(r, pl, now))
	if err != nil {
		return p, fmt.Errorf("cybertip: %w: encode report: %w", reporting.ErrPermanent, err)
	}
	resp, ans, err := a.call(ctx, env, "submit", reporting.RequestSpec{
		Method: http.MethodPost,
		Path:   "/submit",
		Header: http.Header{"Content-Type": {"text/xml; charset=utf-8"}},
		Body:   func() (io.Reader, error) { return bytes.NewReader(doc), nil },
	})
	if err != nil {
		return p, err
	}
	if ans.ReportID == "" {
		// Success without an ID: a report may exist that we cannot finish. It
		// expires at NCMEC; submit again later.
		return p, fmt.Errorf("cybertip: submit: answer without reportId (Request-ID %s)", resp.RequestID)
	}
	p.Step = stepSubmitted
	p.SetID("reportId", ans.ReportID)
	p.Receipts = append(p.Receipts, receipt("submit", now, resp, ""))
	a.log.LogAttrs(ctx, slog.LevelDebug, "cybertip: report opened", slog.String("report", s.ID), slog.String("reportId", ans.ReportID))
	if err := env.Save(ctx, p); err != nil {
		return p, err
	}
	return p, nil
}

func (a *Agency) upload(ctx context.Context, env reporting.StepEnv, s *reporting.Submission, pl *plan, p reporting.Progress, i int) (reporting.Progress, error) {
	r := &s.Report
	it := &r.Content[i]
	if env.Files == nil {
		return p, fmt.Errorf("cybertip: %w: content[%d] must be uploaded but the outbox has no FileSource", reporting.ErrPermanent, i)
	}
	reportID := p.IDs["reportId"]
	name := it.FileName
	if name == "" {
		name = "content-" + strconv.Itoa(i)
	}
	up, err := newUpload(ctx, env.Files, it.Source, reportID, name, a.opts.MaxFileBytes, it.SHA256 != "")
	if err != nil {
		return p, fmt.Errorf("cybertip: %w: build upload: %w", reporting.ErrPermanent, err)
	}
	resp, ans, err := a.call(ctx, env, "upload", reporting.RequestSpec{
		Method: http.MethodPost,
		Path:   "/upload",
		Header: http.Header{"Content-Type": {up.contentType}},
		Body:   up.body,
	})
	if err != nil {
		if e := (*Error)(nil); errors.As(err, &e) {
			return a.lifecycle(ctx, env, s, p, e, err)
		}
		if _, _, _, _, ferr := up.result(); ferr != nil && !errors.Is(err, reporting.ErrOutcomeUnknown) {
			return a.failRetract(ctx, env, p, fmt.Errorf("cybertip: %w: content[%d]: %w", reporting.ErrPermanent, i, ferr))
		}
		return p, err
	}
	now := env.Now()
	md5hex, shaHex, n, complete, ferr := up.result()
	switch {
	case ferr != nil || !complete:
		// NCMEC answered, but we did not send the whole file: start over.
		return a.restart(ctx, env, s, p, "the upload of content["+strconv.Itoa(i)+"] did not send the whole file")
	case (it.MD5 != "" && !strings.EqualFold(it.MD5, md5hex)) || (it.SHA256 != "" && !strings.EqualFold(it.SHA256, shaHex)) || (it.Size > 0 && it.Size != n):
		return a.failRetract(ctx, env, p, fmt.Errorf("cybertip: %w: content[%d]: the bytes from the FileSource do not match the report's hashes or size", reporting.ErrPermanent, i))
	case ans.FileID == "":
		return a.restart(ctx, env, s, p, "the upload answer of content["+strconv.Itoa(i)+"] carried no fileId")
	case !strings.EqualFold(ans.Hash, md5hex):
		// The bytes NCMEC holds are not the bytes we sent.
		p.SetID("file."+strconv.Itoa(i)+".fileId", ans.FileID)
		p.Receipts = append(p.Receipts, receipt("upload:"+strconv.Itoa(i), now, resp, "MD5 mismatch: NCMEC received other bytes than were sent"))
		return a.restart(ctx, env, s, p, "MD5 of content["+strconv.Itoa(i)+"] at NCMEC differs from the bytes sent")
	}
	p.Step = stepUploaded + ":" + strconv.Itoa(i)
	p.SetID("file."+strconv.Itoa(i)+".fileId", ans.FileID)
	p.Receipts = append(p.Receipts, receipt("upload:"+strconv.Itoa(i), now, resp, ""))
	if err := env.Save(ctx, p); err != nil {
		return p, err
	}
	return p, nil
}

func (a *Agency) fileinfo(ctx context.Context, env reporting.StepEnv, s *reporting.Submission, pl *plan, p reporting.Progress, i int) (reporting.Progress, error) {
	r := &s.Report
	fileID := p.IDs["file."+strconv.Itoa(i)+".fileId"]
	if fileID == "" {
		return a.restart(ctx, env, s, p, "no fileId recorded for content["+strconv.Itoa(i)+"]")
	}
	doc, err := marshalDoc(a.buildFileDetails(r, pl, i, p.IDs["reportId"], fileID, env.Now()))
	if err != nil {
		return p, fmt.Errorf("cybertip: %w: encode file details: %w", reporting.ErrPermanent, err)
	}
	_, _, err = a.call(ctx, env, "fileinfo", reporting.RequestSpec{
		Method: http.MethodPost,
		Path:   "/fileinfo",
		Header: http.Header{"Content-Type": {"text/xml; charset=utf-8"}},
		Body:   func() (io.Reader, error) { return bytes.NewReader(doc), nil },
	})
	if err != nil {
		if e := (*Error)(nil); errors.As(err, &e) {
			return a.lifecycle(ctx, env, s, p, e, err)
		}
		return p, err
	}
	p.Step = stepDescribed + ":" + strconv.Itoa(i)
	return p, nil
}

func (a *Agency) finish(ctx context.Context, env reporting.StepEnv, s *reporting.Submission, pl *plan, p reporting.Progress, reconciling bool) (reporting.Progress, error) {
	reportID := p.IDs["reportId"]
	if reportID == "" {
		return a.restart(ctx, env, s, p, "no reportId recorded")
	}
	form := url.Values{"id": {reportID}}.Encode()
	resp, ans, err := a.call(ctx, env, "finish", reporting.RequestSpec{
		Method: http.MethodPost,
		Path:   "/finish",
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		Body:   func() (io.Reader, error) { return strings.NewReader(form), nil },
	})
	now := env.Now()
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Code == CodeAlreadyFinished {
			note := "NCMEC answered already finished (5102): an earlier finish took effect"
			if reconciling {
				note = "finish outcome unknown; finish sent again and " + note + "; its receipt was lost, this answer stands in for it"
			}
			p.Step, p.Done = stepFinished, true
			p.Receipts = append(p.Receipts, receipt("finish", now, resp, note))
			return p, nil
		}
		if errors.As(err, &e) {
			return a.lifecycle(ctx, env, s, p, e, err)
		}
		return p, err
	}
	var notes []string
	if reconciling {
		notes = append(notes, "finish outcome unknown; finish sent again and succeeded")
	}
	if ans.ReportID != reportID {
		notes = append(notes, "the receipt names report "+ans.ReportID+", not "+reportID)
	}
	var missing []string
	for _, i := range pl.uploads {
		if id := p.IDs["file."+strconv.Itoa(i)+".fileId"]; id != "" && !slices.Contains(ans.FileIDs, id) {
			missing = append(missing, strconv.Itoa(i))
		}
	}
	if len(missing) > 0 {
		notes = append(notes, "the receipt lacks the files of content "+strings.Join(missing, ","))
	}
	note := strings.Join(notes, "; ")
	p.Step, p.Done = stepFinished, true
	p.Receipts = append(p.Receipts, receipt("finish", now, resp, note))
	a.log.LogAttrs(ctx, slog.LevelDebug, "cybertip: report finished", slog.String("report", s.ID), slog.String("reportId", reportID))
	return p, nil
}

// lifecycle handles a refusal of upload, file details or finish.
func (a *Agency) lifecycle(ctx context.Context, env reporting.StepEnv, s *reporting.Submission, p reporting.Progress, e *Error, err error) (reporting.Progress, error) {
	switch e.Code {
	case CodeReportNotExist:
		return a.restart(ctx, env, s, p, "NCMEC no longer has the report (deleted while unfinished)")
	case CodeAlreadyRetracted:
		return a.restart(ctx, env, s, p, "NCMEC says the report was retracted")
	}
	if e.Retryable() {
		return p, err
	}
	// A permanent refusal mid-report: retract it so it does not linger at
	// NCMEC, and fail.
	return a.failRetract(ctx, env, p, err)
}

// failRetract retracts the open report (best effort) before a permanent failure,
// recording it, and returns the progress with cause.
func (a *Agency) failRetract(ctx context.Context, env reporting.StepEnv, p reporting.Progress, cause error) (reporting.Progress, error) {
	id := p.IDs["reportId"]
	if id == "" {
		return p, cause
	}
	if err := a.retract(ctx, env, &p, id, "retracted before failing: "+cause.Error()); err != nil {
		return p, errors.Join(cause, fmt.Errorf("cybertip: retract after failure: %w", err))
	}
	startOver(&p)
	if env.Save != nil {
		_ = env.Save(ctx, p)
	}
	return p, cause
}

// restart retracts the current report if there is one and starts over.
func (a *Agency) restart(ctx context.Context, env reporting.StepEnv, s *reporting.Submission, p reporting.Progress, why string) (reporting.Progress, error) {
	n, _ := strconv.Atoi(p.IDs["restarts"])
	if n >= a.opts.MaxRestarts {
		err := fmt.Errorf("cybertip: %w: gave up after %d restarts; last: %s", reporting.ErrPermanent, n, why)
		return a.failRetract(ctx, env, p, err)
	}
	if id := p.IDs["reportId"]; id != "" {
		if err := a.retract(ctx, env, &p, id, why+"; retracted to start over"); err != nil {
			return p, err
		}
	}
	p.SetID("restarts", strconv.Itoa(n+1))
	startOver(&p)
	a.log.LogAttrs(ctx, slog.LevelDebug, "cybertip: starting over", slog.String("report", s.ID), slog.Int("restart", n+1))
	if err := env.Save(ctx, p); err != nil {
		return p, err
	}
	return p, nil
}

// startOver drops the current attempt's IDs (reportId, file.K.fileId), empties
// the cursor and sets Restart, so the outbox drops those IDs too (listing them in
// the history). The restart count and the retracted.N and expired.N records of
// earlier reports stay.
func startOver(p *reporting.Progress) {
	for k := range p.IDs {
		if k == "reportId" || strings.HasPrefix(k, "file.") {
			delete(p.IDs, k)
		}
	}
	p.Step = ""
	p.Restart = true
}

// retract sends /retract for id and records the old report under retracted.N (or
// expired.N when NCMEC no longer has it).
func (a *Agency) retract(ctx context.Context, env reporting.StepEnv, p *reporting.Progress, id, note string) error {
	form := url.Values{"id": {id}}.Encode()
	resp, _, err := a.call(ctx, env, "retract", reporting.RequestSpec{
		Method:     http.MethodPost,
		Path:       "/retract",
		Header:     http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		Body:       func() (io.Reader, error) { return strings.NewReader(form), nil },
		Idempotent: true, // a second retract answers 5101, which is success here
	})
	key := "retracted."
	if err != nil {
		var e *Error
		switch {
		case errors.As(err, &e) && e.Code == CodeAlreadyRetracted:
		case errors.As(err, &e) && e.Code == CodeReportNotExist:
			key = "expired."
		default:
			return err
		}
	}
	n := 0
	for k := range p.IDs {
		if strings.HasPrefix(k, "retracted.") || strings.HasPrefix(k, "expired.") {
			n++
		}
	}
	p.SetID(key+strconv.Itoa(n), id)
	p.Receipts = append(p.Receipts, receipt("retract", env.Now(), resp, note))
	return nil
}

// call sends one request and turns the answer into a Response: a non-zero
// responseCode becomes *Error (with the HTTP layer's error, if any, wrapped too),
// an unparsable success answer to a non-idempotent request an unknown outcome.
func (a *Agency) call(ctx context.Context, env reporting.StepEnv, op string, spec reporting.RequestSpec) (*reporting.Response, *Response, error) {
	resp, err := env.Do(ctx, spec)
	if err != nil {
		var ae *reporting.APIError
		if errors.As(err, &ae) {
			raw := ae.Raw()
			ans, perr := ParseResponse(raw)
			if perr != nil {
				// A damaged or cut-off error body (APIError.Raw keeps up to
				// ClientOptions.MaxErrorBodyBytes): read the code from what is
				// there.
				ans = scanResponse(string(raw))
			}
			if ans != nil && ans.Code != CodeSuccess {
				ae.AgencyCode = strconv.Itoa(ans.Code)
				ce := &Error{Op: op, HTTPStatus: ae.StatusCode, Code: ans.Code, Description: truncateDesc(ans.Description), RequestID: ae.RequestID}
				if errors.Is(err, reporting.ErrOutcomeUnknown) {
					// The agency may have acted: the unknown outcome rules.
					return nil, nil, fmt.Errorf("cybertip: %s: %w (%v)", op, err, ce)
				}
				ce.Err = err
				return failed(resp, ae), nil, ce
			}
		}
		return nil, nil, fmt.Errorf("cybertip: %s: %w", op, err)
	}
	ans, perr := ParseResponse(resp.Body)
	if perr != nil {
		if !spec.Idempotent {
			return resp, nil, fmt.Errorf("cybertip: %s: %w: HTTP %d with an answer that does not parse (Request-ID %s): %w",
				op, reporting.ErrOutcomeUnknown, resp.StatusCode, resp.RequestID, perr)
		}
		return resp, nil, fmt.Errorf("cybertip: %s: %w", op, perr)
	}
	if ans.Code != CodeSuccess {
		return resp, ans, &Error{Op: op, HTTPStatus: resp.StatusCode, Code: ans.Code, Description: truncateDesc(ans.Description), RequestID: resp.RequestID}
	}
	return resp, ans, nil
}

// failed turns an APIError into a Response for a receipt.
func failed(resp *reporting.Response, ae *reporting.APIError) *reporting.Response {
	if resp != nil {
		return resp
	}
	return &reporting.Response{StatusCode: ae.StatusCode, Body: ae.Raw(), RequestID: ae.RequestID}
}

func receipt(step string, at time.Time, resp *reporting.Response, note string) reporting.Receipt {
	rc := reporting.Receipt{Step: step, At: at, Note: note}
	if resp != nil {
		rc.ContentType = resp.Header.Get("Content-Type")
		rc.RequestID = resp.RequestID
		rc.Body = bytes.Clone(resp.Body)
	}
	return rc
}
