package reporting

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Errors of the stored (JSON) form. A *DecodeError wraps one of them.
var (
	// ErrTooLarge: the input exceeds DecodeOptions.MaxBytes.
	ErrTooLarge = errors.New("reporting: encoded report too large")
	// ErrTooManyItems: a list exceeds its bound (MaxContentItems for content,
	// MaxListItems for the others, DecodeOptions.MaxReceipts for receipts).
	ErrTooManyItems = errors.New("reporting: too many items")
	// ErrMalformed: the input is not a well-formed encoded report.
	ErrMalformed = errors.New("reporting: malformed encoded report")
)

// DecodeError is a failure to decode a stored report or submission. It never
// quotes the input.
type DecodeError struct {
	// Offset is the byte offset near the problem, or -1 when unknown.
	Offset int64
	// Field is the JSON path of the offending field, if known.
	Field string
	// Err is ErrTooLarge, ErrTooManyItems or ErrMalformed.
	Err error
	// Detail adds a short explanation without input bytes.
	Detail string
}

// Error describes the failure: the sentinel's text, the field, the detail and the
// offset.
func (e *DecodeError) Error() string {
	s := e.Err.Error()
	if e.Field != "" {
		s += ": " + e.Field
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Offset >= 0 {
		s += " (offset " + strconv.FormatInt(e.Offset, 10) + ")"
	}
	return s
}

// Unwrap returns Err, so errors.Is matches the sentinels.
func (e *DecodeError) Unwrap() error { return e.Err }

// DecodeOptions bounds decoding. A nil *DecodeOptions means the defaults.
type DecodeOptions struct {
	// MaxBytes bounds the input. Default 1 MiB for a report
	// (DefaultMaxReportBytes) and 16 MiB for a submission, whose receipts can be
	// large, and for one receipt (DefaultMaxSubmissionBytes).
	MaxBytes int64
	// MaxReceipts bounds a submission's receipts, agency IDs and history
	// entries, each. Default 10000 (a CyberTipline report with the maximum
	// 1000 files collects about 2000 receipts and IDs).
	MaxReceipts int
}

// Decoding defaults.
const (
	DefaultMaxReportBytes     = 1 << 20
	DefaultMaxSubmissionBytes = 16 << 20
	// DefaultMaxReceipts bounds a submission's receipts, agency IDs and
	// history entries, each (DecodeOptions.MaxReceipts). Stores that keep
	// receipts apart from the submission apply it when they read them.
	DefaultMaxReceipts = 10000
	defaultMaxReceipts = DefaultMaxReceipts
)

// EncodeReport returns the stored form of r: its JSON.
func EncodeReport(r *Report) ([]byte, error) {
	return json.Marshal(r)
}

// DecodeReport parses the stored form of a report. It rejects input over the byte
// bound, unknown fields, trailing data and lists over their bounds with a
// *DecodeError, and never panics. It does not validate the report's content; call
// Validate for that.
func DecodeReport(data []byte, opts *DecodeOptions) (*Report, error) {
	maxBytes := int64(DefaultMaxReportBytes)
	if opts != nil && opts.MaxBytes > 0 {
		maxBytes = opts.MaxBytes
	}
	var r Report
	if err := decodeStrict(data, maxBytes, &r); err != nil {
		return nil, err
	}
	if err := checkReportBounds(&r, ""); err != nil {
		return nil, err
	}
	return &r, nil
}

// EncodeSubmission returns the stored form of s: its JSON.
func EncodeSubmission(s *Submission) ([]byte, error) {
	return json.Marshal(s)
}

// DecodeSubmission parses the stored form of a submission with the same
// guarantees as DecodeReport. Stores use it for every record they read.
func DecodeSubmission(data []byte, opts *DecodeOptions) (*Submission, error) {
	maxBytes := int64(DefaultMaxSubmissionBytes)
	maxReceipts := defaultMaxReceipts
	if opts != nil {
		if opts.MaxBytes > 0 {
			maxBytes = opts.MaxBytes
		}
		if opts.MaxReceipts > 0 {
			maxReceipts = opts.MaxReceipts
		}
	}
	var s Submission
	if err := decodeStrict(data, maxBytes, &s); err != nil {
		return nil, err
	}
	if err := checkReportBounds(&s.Report, "report."); err != nil {
		return nil, err
	}
	if len(s.Progress.Receipts) > maxReceipts {
		return nil, &DecodeError{Offset: -1, Field: "progress.receipts", Err: ErrTooManyItems}
	}
	if len(s.History) > maxReceipts {
		return nil, &DecodeError{Offset: -1, Field: "history", Err: ErrTooManyItems}
	}
	if len(s.Progress.IDs) > maxReceipts {
		return nil, &DecodeError{Offset: -1, Field: "progress.ids", Err: ErrTooManyItems}
	}
	if !s.State.Valid() {
		return nil, &DecodeError{Offset: -1, Field: "state", Err: ErrMalformed, Detail: "unknown state"}
	}
	return &s, nil
}

// EncodeReceipt returns the stored form of one receipt, its JSON, for stores that
// keep receipts apart from the submission (see Store).
func EncodeReceipt(r *Receipt) ([]byte, error) {
	return json.Marshal(r)
}

// DecodeReceipt parses the stored form of one receipt, bounded by opts.MaxBytes
// (default DefaultMaxSubmissionBytes) and as strict as DecodeSubmission.
func DecodeReceipt(data []byte, opts *DecodeOptions) (*Receipt, error) {
	maxBytes := int64(DefaultMaxSubmissionBytes)
	if opts != nil && opts.MaxBytes > 0 {
		maxBytes = opts.MaxBytes
	}
	var r Receipt
	if err := decodeStrict(data, maxBytes, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func decodeStrict(data []byte, maxBytes int64, v any) error {
	if int64(len(data)) > maxBytes {
		return &DecodeError{Offset: maxBytes, Err: ErrTooLarge,
			Detail: "more than " + strconv.FormatInt(maxBytes, 10) + " bytes"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, dec.InputOffset())
	}
	if _, err := dec.Token(); err != io.EOF {
		return &DecodeError{Offset: dec.InputOffset(), Err: ErrMalformed, Detail: "data after the JSON value"}
	}
	return nil
}

// jsonError turns an encoding/json error into a *DecodeError without quoting
// input (json's messages can quote a field name or a value's type, never the
// value; we keep only field paths and offsets).
func jsonError(err error, off int64) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return &DecodeError{Offset: syn.Offset, Err: ErrMalformed, Detail: "invalid JSON"}
	case errors.As(err, &typ):
		return &DecodeError{Offset: typ.Offset, Field: typ.Field, Err: ErrMalformed, Detail: "wrong type, want " + typ.Type.String()}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &DecodeError{Offset: off, Err: ErrMalformed, Detail: "truncated"}
	}
	// Unknown fields and invalid time strings: json reports these as plain
	// errors. An unknown field's name is the caller's own input, so we do not
	// repeat it.
	detail := "invalid value"
	if msg := err.Error(); len(msg) > 0 && bytes.Contains([]byte(msg), []byte("unknown field")) {
		detail = "unknown field"
	} else if bytes.Contains([]byte(msg), []byte("parsing time")) || bytes.Contains([]byte(msg), []byte("Time.UnmarshalJSON")) {
		detail = "invalid time (want RFC 3339 with a zone)"
	}
	return &DecodeError{Offset: off, Err: ErrMalformed, Detail: detail}
}

func checkReportBounds(r *Report, prefix string) error {
	tooMany := func(field string) error {
		return &DecodeError{Offset: -1, Field: prefix + field, Err: ErrTooManyItems}
	}
	if len(r.Content) > MaxContentItems {
		return tooMany("content")
	}
	for i := range r.Content {
		if len(r.Content[i].Codes) > MaxListItems {
			return tooMany(fmt.Sprintf("content[%d].codes", i))
		}
	}
	if len(r.Incident.Flags) > MaxListItems {
		return tooMany("incident.flags")
	}
	if len(r.PriorReportIDs) > MaxListItems {
		return tooMany("priorReportIds")
	}
	if len(r.Extra) > MaxListItems {
		return tooMany("extra")
	}
	if a := r.Account; a != nil {
		switch {
		case len(a.Emails) > MaxListItems:
			return tooMany("account.emails")
		case len(a.Phones) > MaxListItems:
			return tooMany("account.phones")
		case len(a.IPs) > MaxListItems:
			return tooMany("account.ips")
		}
	}
	if d := r.Decision; d != nil {
		switch {
		case len(d.Visibility) > MaxListItems:
			return tooMany("decision.visibility")
		case len(d.TerritorialScope) > MaxListItems:
			return tooMany("decision.territorialScope")
		}
	}
	return nil
}
