package dsa

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/mnr-sdk/mnr/reporting"
)

// Messages of the database, verbatim.
const (
	duplicateMessage      = "The identifier given is not unique within this platform."
	batchDuplicateMessage = "The platform identifier(s) are not all unique within this call."
)

// maxAnswerBytes bounds the answers parseAnswer reads.
const maxAnswerBytes = 8 << 20

// answer is a parsed answer of the Transparency Database. Error answers reach the
// driver through reporting.APIError.Raw, whole up to the client's
// MaxErrorBodyBytes (default 1 MiB); a longer or damaged body may still arrive
// cut off, so parsing is tolerant: what cannot be read is left empty, and the
// duplicate message and an existing statement's uuid are also found by scanning.
type answer struct {
	Message string
	// Errors are a single statement's per-field errors.
	Errors map[string][]string
	// StatementErrors are a batch's per-statement errors (statement_<i>).
	StatementErrors map[int]map[string][]string
	// ExistingPUIDs are the puids of a batch that the database already holds.
	ExistingPUIDs []string
	// Duplicate reports the single-statement duplicate-puid answer.
	Duplicate bool
	// UUID is the created statement's uuid, or the existing one's for a
	// duplicate.
	UUID string
	// Created are a batch's created statements, in order.
	Created []created
	// Complete reports that the body parsed as a whole JSON object.
	Complete bool
}

type created struct {
	PUID, UUID string
	Raw        json.RawMessage
}

var (
	errMalformedAnswer = errors.New("dsa: malformed answer")
	uuidRE             = regexp.MustCompile(`"uuid"\s*:\s*"([0-9A-Fa-f-]{8,64})"`)
)

// parseAnswer reads a body of the database's API. It never panics and never
// quotes the body in errors.
func parseAnswer(body []byte) (*answer, error) {
	if len(body) > maxAnswerBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", errMalformedAnswer, maxAnswerBytes)
	}
	a := &answer{}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err == nil && top != nil {
		a.Complete = true
		_ = json.Unmarshal(top["message"], &a.Message)
		_ = json.Unmarshal(top["uuid"], &a.UUID)
		if raw, ok := top["existing"]; ok {
			var ex struct {
				UUID string `json:"uuid"`
			}
			_ = json.Unmarshal(raw, &ex)
			if a.UUID == "" {
				a.UUID = ex.UUID
			}
		}
		if raw, ok := top["statements"]; ok {
			var items []json.RawMessage
			if err := json.Unmarshal(raw, &items); err != nil {
				return nil, fmt.Errorf("%w: statements is not an array", errMalformedAnswer)
			}
			for _, it := range items {
				var c struct {
					PUID string `json:"puid"`
					UUID string `json:"uuid"`
				}
				if err := json.Unmarshal(it, &c); err != nil {
					return nil, fmt.Errorf("%w: a created statement is not an object", errMalformedAnswer)
				}
				a.Created = append(a.Created, created{PUID: c.PUID, UUID: c.UUID, Raw: it})
			}
		}
		if raw, ok := top["errors"]; ok {
			var errs map[string]json.RawMessage
			if err := json.Unmarshal(raw, &errs); err != nil {
				return nil, fmt.Errorf("%w: errors is not an object", errMalformedAnswer)
			}
			for k, v := range errs {
				switch {
				case k == "existing_puids":
					_ = json.Unmarshal(v, &a.ExistingPUIDs)
				case strings.HasPrefix(k, "statement_"):
					i, err := strconv.Atoi(strings.TrimPrefix(k, "statement_"))
					if err != nil || i < 0 || i >= 100 {
						continue
					}
					var fe map[string][]string
					if json.Unmarshal(v, &fe) == nil {
						if a.StatementErrors == nil {
							a.StatementErrors = map[int]map[string][]string{}
						}
						a.StatementErrors[i] = fe
					}
				default:
					var msgs []string
					if json.Unmarshal(v, &msgs) == nil {
						if a.Errors == nil {
							a.Errors = map[string][]string{}
						}
						a.Errors[k] = msgs
					}
				}
			}
		}
	} else {
		// A truncated body: read the message and the uuid by scanning.
		if i := bytes.Index(body, []byte(`"message":"`)); i >= 0 {
			rest := body[i+len(`"message":"`):]
			if j := bytes.IndexByte(rest, '"'); j >= 0 {
				a.Message = string(rest[:j])
			}
		}
		if m := uuidRE.FindSubmatch(body); m != nil {
			a.UUID = string(m[1])
		}
	}
	a.Duplicate = a.Message == duplicateMessage
	if !a.Duplicate {
		for _, m := range a.Errors["puid"] {
			if m == duplicateMessage {
				a.Duplicate = true
			}
		}
	}
	if a.UUID != "" && !validUUID(a.UUID) {
		a.UUID = ""
	}
	return a, nil
}

func validUUID(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '-') {
			return false
		}
	}
	return true
}

// ValidationError is the database's 422 for a statement it refused: Fields maps a
// field name to its messages. It matches reporting.ErrPermanent.
type ValidationError struct {
	// PUID is the refused statement's puid.
	PUID string
	// Message is the database's summary, if any.
	Message string
	// Fields are the per-field messages (possibly partial: error bodies are
	// truncated in transit).
	Fields map[string][]string
	// RequestID is the answer's request ID, if any.
	RequestID string
}

// Error names the refused fields and the database's summary, never values.
func (e *ValidationError) Error() string {
	var fields []string
	for k := range e.Fields {
		fields = append(fields, k)
	}
	sort.Strings(fields)
	s := "dsa: statement refused (422)"
	if len(fields) > 0 {
		s += ": fields " + strings.Join(fields, ", ")
	}
	if e.Message != "" {
		m := e.Message
		if len(m) > 200 {
			m = m[:200]
		}
		s += ": " + m
	}
	if e.RequestID != "" {
		s += " (request-id " + e.RequestID + ")"
	}
	return s
}

// Is makes errors.Is(err, reporting.ErrPermanent) true.
func (e *ValidationError) Is(target error) bool { return target == reporting.ErrPermanent }
