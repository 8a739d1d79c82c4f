package cybertip

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mnr-sdk/mnr/reporting"
)

// The responseCode values this package acts on (reference reporting.md §1.5). The
// list NCMEC documents is incomplete: any other non-zero code is an error.
const (
	CodeSuccess          = 0
	CodeServerError      = 1000
	CodeSaveFailed       = 1100
	CodeUploadFailed     = 1110
	CodeFileUploadFailed = 1111
	CodeNotFound         = 1210
	CodeUpdateFailed     = 1300
	CodeAuthRequired     = 2000
	CodeNotAuthorized    = 3000
	CodeNoSubmitRights   = 3100
	CodeNoUpdateRights   = 3300
	CodeInvalidRequest   = 4000
	CodeValidationFailed = 4100
	CodeMalformedXML     = 4110
	CodeMalformedFile    = 4200
	CodeReportNotExist   = 5001
	CodeFileNotExist     = 5002
	CodeAlreadyRetracted = 5101
	CodeAlreadyFinished  = 5102
)

// maxResponseBytes bounds the responses ParseResponse accepts. NCMEC's answers are
// a few hundred bytes; a /finish answer lists one fileId per file.
const maxResponseBytes = 1 << 20

// maxFileIDs bounds the fileIds of a reportDoneResponse.
const maxFileIDs = 10000

// Response is a parsed reportResponse or reportDoneResponse.
type Response struct {
	// Done reports a reportDoneResponse (the answer to /finish).
	Done bool
	// Code is responseCode; 0 is success.
	Code int
	// Description is responseDescription (empty on success).
	Description string
	// ReportID is reportId, "" when absent.
	ReportID string
	// FileID and Hash are set by /upload: the file's ID and the MD5 of the bytes
	// NCMEC received, lowercase hex.
	FileID, Hash string
	// FileIDs are the files of a finished report.
	FileIDs []string
}

// ErrMalformedResponse: an answer that is not a reportResponse or
// reportDoneResponse NCMEC documents.
var ErrMalformedResponse = errors.New("cybertip: malformed response")

// ParseResponse parses an answer of the CyberTipline API. It accepts at most 1 MiB,
// no DTD and only the documented root elements and children; it never panics, and
// errors wrap ErrMalformedResponse without quoting the input.
func ParseResponse(body []byte) (*Response, error) {
	if len(body) > maxResponseBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrMalformedResponse, maxResponseBytes)
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	var (
		resp       Response
		root       string
		stack      []string
		text       strings.Builder
		sawCode    bool
		sawReport  bool
		inFiles    bool
		childCount = map[string]int{}
	)
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				break
			}
			return nil, fmt.Errorf("%w: not well-formed XML", ErrMalformedResponse)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if t.Name.Space != "" && t.Name.Space != "http://www.w3.org/2001/XMLSchema-instance" {
				return nil, fmt.Errorf("%w: unexpected namespace", ErrMalformedResponse)
			}
			switch len(stack) {
			case 0:
				if root != "" {
					return nil, fmt.Errorf("%w: more than one root element", ErrMalformedResponse)
				}
				if name != "reportResponse" && name != "reportDoneResponse" {
					return nil, fmt.Errorf("%w: unexpected root element", ErrMalformedResponse)
				}
				root = name
				resp.Done = name == "reportDoneResponse"
			case 1:
				childCount[name]++
				if childCount[name] > 1 {
					return nil, fmt.Errorf("%w: repeated element %s", ErrMalformedResponse, safeName(name))
				}
				ok := false
				if resp.Done {
					ok = name == "responseCode" || name == "reportId" || name == "files" || name == "responseDescription"
				} else {
					ok = name == "responseCode" || name == "responseDescription" || name == "reportId" || name == "fileId" || name == "hash"
				}
				if !ok {
					return nil, fmt.Errorf("%w: unexpected element %s", ErrMalformedResponse, safeName(name))
				}
				inFiles = name == "files"
			case 2:
				if !inFiles || name != "fileId" {
					return nil, fmt.Errorf("%w: unexpected nested element", ErrMalformedResponse)
				}
				if len(resp.FileIDs) >= maxFileIDs {
					return nil, fmt.Errorf("%w: more than %d files", ErrMalformedResponse, maxFileIDs)
				}
			default:
				return nil, fmt.Errorf("%w: nested too deeply", ErrMalformedResponse)
			}
			stack = append(stack, name)
			text.Reset()
		case xml.EndElement:
			name := stack[len(stack)-1]
			val := strings.TrimSpace(text.String())
			text.Reset()
			switch {
			case len(stack) == 2:
				switch name {
				case "responseCode":
					n, err := strconv.Atoi(val)
					if err != nil {
						return nil, fmt.Errorf("%w: responseCode is not an integer", ErrMalformedResponse)
					}
					resp.Code, sawCode = n, true
				case "responseDescription":
					resp.Description = val
				case "reportId":
					if _, err := strconv.ParseInt(val, 10, 64); err != nil {
						return nil, fmt.Errorf("%w: reportId is not an xs:long", ErrMalformedResponse)
					}
					resp.ReportID, sawReport = val, true
				case "fileId":
					if !isToken(val) {
						return nil, fmt.Errorf("%w: fileId is not a token", ErrMalformedResponse)
					}
					resp.FileID = val
				case "hash":
					if !isToken(val) {
						return nil, fmt.Errorf("%w: hash is not a token", ErrMalformedResponse)
					}
					resp.Hash = strings.ToLower(val)
				case "files":
					inFiles = false
				}
			case len(stack) == 3:
				if !isToken(val) {
					return nil, fmt.Errorf("%w: fileId is not a token", ErrMalformedResponse)
				}
				resp.FileIDs = append(resp.FileIDs, val)
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, fmt.Errorf("%w: text outside the root element", ErrMalformedResponse)
				}
				continue
			}
			if text.Len()+len(t) > 64<<10 {
				return nil, fmt.Errorf("%w: element text too long", ErrMalformedResponse)
			}
			text.Write(t)
		case xml.Directive:
			return nil, fmt.Errorf("%w: DTDs are not accepted", ErrMalformedResponse)
		}
	}
	if root == "" {
		return nil, fmt.Errorf("%w: empty document", ErrMalformedResponse)
	}
	if len(stack) != 0 {
		return nil, fmt.Errorf("%w: unterminated element", ErrMalformedResponse)
	}
	if !sawCode {
		return nil, fmt.Errorf("%w: responseCode is missing", ErrMalformedResponse)
	}
	if resp.Done && resp.Code == CodeSuccess && !sawReport {
		return nil, fmt.Errorf("%w: reportDoneResponse without reportId", ErrMalformedResponse)
	}
	return &resp, nil
}

// isToken reports whether s is a non-empty xs:token of at most 256 printable ASCII
// characters without spaces (NCMEC's IDs and MD5 hashes).
func isToken(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// safeName returns an element name for an error message, bounded.
func safeName(s string) string {
	if len(s) > 40 || !isToken(s) {
		return "(element)"
	}
	return s
}

// Error is a non-zero responseCode: the CyberTipline refused a step. Description
// is NCMEC's text, which describes the request, not report content.
type Error struct {
	// Op is the endpoint ("submit", "upload", "fileinfo", "finish", "retract").
	Op string
	// HTTPStatus is the HTTP status of the answer.
	HTTPStatus int
	// Code is responseCode.
	Code int
	// Description is responseDescription, truncated to 256 bytes.
	Description string
	// RequestID is the Request-ID header: quote it to NCMEC's support.
	RequestID string
	// Err is the transport layer's error for a non-2xx answer (a
	// *reporting.APIError), nil when NCMEC answered HTTP 200.
	Err error
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// Error describes the refusal with its code, NCMEC's description and the
// Request-ID to quote to NCMEC.
func (e *Error) Error() string {
	s := "cybertip: " + e.Op + ": responseCode " + strconv.Itoa(e.Code)
	if e.Description != "" {
		s += " (" + e.Description + ")"
	}
	if e.HTTPStatus != 0 && e.HTTPStatus != 200 {
		s += ", HTTP " + strconv.Itoa(e.HTTPStatus)
	}
	if e.RequestID != "" {
		s += ", Request-ID " + e.RequestID
	}
	return s
}

// Is makes errors.Is(err, reporting.ErrPermanent) true for the codes retrying
// cannot fix: authentication and rights (2xxx, 3xxx), invalid requests and
// validation (4xxx), and lifecycle errors (5xxx). Server-side failures (1xxx) are
// transient.
func (e *Error) Is(target error) bool {
	return target == reporting.ErrPermanent && e.Code >= 2000
}

// Retryable reports whether the step may be tried again later.
func (e *Error) Retryable() bool { return e.Code != 0 && e.Code < 2000 }

func truncateDesc(s string) string {
	if len(s) > 256 {
		s = s[:256]
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// scanResponse reads responseCode (and what is present of responseDescription)
// from the start of an answer cut off in transit; nil when there is no code.
func scanResponse(body string) *Response {
	code, ok := between(body, "<responseCode>", "</responseCode>")
	if !ok {
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(code))
	if err != nil {
		return nil
	}
	r := &Response{Code: n}
	if d, ok := between(body, "<responseDescription>", "</responseDescription>"); ok {
		r.Description = d
	} else if i := strings.Index(body, "<responseDescription>"); i >= 0 {
		r.Description = body[i+len("<responseDescription>"):] + "..."
	}
	return r
}

func between(s, open, close string) (string, bool) {
	i := strings.Index(s, open)
	if i < 0 {
		return "", false
	}
	s = s[i+len(open):]
	j := strings.Index(s, close)
	if j < 0 {
		return "", false
	}
	return s[:j], true
}
