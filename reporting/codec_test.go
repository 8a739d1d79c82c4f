package reporting_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/mnr-sdk/mnr/reporting"
)

func TestReportRoundTrip(t *testing.T) {
	r := validReport()
	r.Extra = map[string]string{"nca.priority": "1"}
	r.Victim = &reporting.Victim{Age: 13, Country: "GB"}
	data, err := reporting.EncodeReport(r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := reporting.DecodeReport(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := reporting.EncodeReport(got)
	if !bytes.Equal(data, again) {
		t.Fatalf("round trip changed the report:\n%s\n%s", data, again)
	}
	if !got.Incident.Time.Equal(r.Incident.Time) || got.Account.IPs[0].IP != "2001:db8::7" {
		t.Fatal("fields lost")
	}
	if err := got.ValidateAt("cybertip", now); err != nil {
		t.Fatalf("decoded report no longer valid: %v", err)
	}
}

func TestDecodeReportErrors(t *testing.T) {
	valid, _ := reporting.EncodeReport(validReport())
	many := `{"id":"x","incident":{"code":"csam","flags":[` + strings.Repeat(`"a",`, reporting.MaxListItems) + `"a"]}}`
	manyContent := `{"id":"x","content":[` + strings.Repeat(`{},`, reporting.MaxContentItems) + `{}]}`
	tests := []struct {
		name   string
		in     string
		opts   *reporting.DecodeOptions
		target error
		detail string
	}{
		{"empty", "", nil, reporting.ErrMalformed, "truncated"},
		{"not json", "SECRET<report/>", nil, reporting.ErrMalformed, "invalid JSON"},
		{"truncated", string(valid[:len(valid)/2]), nil, reporting.ErrMalformed, ""},
		{"trailing data", string(valid) + ` {"id":"SECRET"}`, nil, reporting.ErrMalformed, "after the JSON value"},
		{"unknown field", `{"id":"x","SECRETFIELD":1}`, nil, reporting.ErrMalformed, "unknown field"},
		{"wrong type", `{"id":"x","content":[{"size":"SECRET"}]}`, nil, reporting.ErrMalformed, "wrong type"},
		{"time without zone", `{"id":"x","incident":{"code":"csam","time":"2026-01-02T03:04:05"}}`, nil, reporting.ErrMalformed, "time"},
		{"too large", string(valid), &reporting.DecodeOptions{MaxBytes: 100}, reporting.ErrTooLarge, "100 bytes"},
		{"too many flags", many, nil, reporting.ErrTooManyItems, ""},
		{"too many content items", manyContent, &reporting.DecodeOptions{MaxBytes: 1 << 20}, reporting.ErrTooManyItems, ""},
		{"array", `[]`, nil, reporting.ErrMalformed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := reporting.DecodeReport([]byte(tc.in), tc.opts)
			if r != nil || !errors.Is(err, tc.target) {
				t.Fatalf("DecodeReport = %v, %v; want %v", r, err, tc.target)
			}
			var de *reporting.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *DecodeError", err)
			}
			if !strings.Contains(err.Error(), tc.detail) {
				t.Fatalf("error %q does not mention %q", err, tc.detail)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Fatalf("error echoes input: %v", err)
			}
		})
	}
}

func TestDecodeSubmission(t *testing.T) {
	s := &reporting.Submission{ID: "cybertip/x", Agency: "cybertip", Report: *validReport(), State: reporting.StateDone,
		Progress: reporting.Progress{Step: "finished", Done: true, Receipts: []reporting.Receipt{{Step: "finish", At: now, Body: []byte{0, 1, 2}}}}}
	data, err := reporting.EncodeSubmission(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := reporting.DecodeSubmission(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Progress.Receipts[0].Body, []byte{0, 1, 2}) || got.State != reporting.StateDone {
		t.Fatalf("decoded %+v", got)
	}
	bad := bytes.Replace(data, []byte(`"state":"done"`), []byte(`"state":"teleported"`), 1)
	if _, err := reporting.DecodeSubmission(bad, nil); !errors.Is(err, reporting.ErrMalformed) {
		t.Fatalf("unknown state: %v", err)
	}
	if _, err := reporting.DecodeSubmission(data, &reporting.DecodeOptions{MaxReceipts: 1}); err != nil {
		t.Fatalf("one receipt within MaxReceipts 1: %v", err)
	}
	s.Progress.Receipts = append(s.Progress.Receipts, s.Progress.Receipts[0])
	data, _ = reporting.EncodeSubmission(s)
	if _, err := reporting.DecodeSubmission(data, &reporting.DecodeOptions{MaxReceipts: 1}); !errors.Is(err, reporting.ErrTooManyItems) {
		t.Fatalf("two receipts over MaxReceipts 1: %v", err)
	}
}

// FuzzDecodeReport feeds arbitrary bytes to the stored-form decoder: it must
// never panic, must fail only with a *DecodeError, and whatever it accepts must
// survive a second encode/decode unchanged and validate without panicking.
func FuzzDecodeReport(f *testing.F) {
	valid, _ := reporting.EncodeReport(validReport())
	f.Add(valid)
	f.Add([]byte(`{"id":"x"}`))
	f.Add([]byte(`{"id":"x","content":[{"sha256":"zz","uploadedAt":"2026-01-01T00:00:00Z"}]}`))
	f.Add([]byte(`{"id":"x","account":{"ips":[{"ip":"::1","at":"2026-01-01T00:00:00+05:30"}]}}`))
	f.Add([]byte(`{"id":"x","extra":{"a":"b"},"priorReportIds":["1"]}`))
	f.Add([]byte(`{"id":"x"} trailing`))
	f.Add([]byte(`[1,2,3]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := reporting.DecodeReport(data, &reporting.DecodeOptions{MaxBytes: 64 << 10})
		if err != nil {
			var de *reporting.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T %v is not a *DecodeError", err, err)
			}
			return
		}
		enc, err := reporting.EncodeReport(r)
		if err != nil {
			// encoding/json cannot encode some decoded times (years > 9999
			// after a zone shift): acceptable only as an error, not a panic.
			return
		}
		r2, err := reporting.DecodeReport(enc, nil)
		if err != nil {
			t.Fatalf("re-decoding our own encoding failed: %v", err)
		}
		enc2, _ := reporting.EncodeReport(r2)
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding not stable:\n%s\n%s", enc, enc2)
		}
		_ = r.ValidateAt("cybertip", now)
		_ = r.ValidateAt("dsa", now)
		_ = r.String()
	})
}

// FuzzDecodeSubmission does the same for the form stores read back.
func FuzzDecodeSubmission(f *testing.F) {
	s := &reporting.Submission{ID: "cybertip/x", Agency: "cybertip", Report: *validReport(), State: reporting.StateUnknown,
		InFlight: "POST /finish", Progress: reporting.Progress{Step: "uploaded:1", IDs: map[string]string{"reportId": "1"},
			Receipts: []reporting.Receipt{{Step: "submit", At: now, Body: []byte("<r/>")}}},
		History: []reporting.Event{{At: now, To: reporting.StatePending, Note: "enqueued"}}}
	valid, _ := reporting.EncodeSubmission(s)
	f.Add(valid)
	f.Add([]byte(`{"id":"a/b","state":"done","report":{"id":"b"},"progress":{"receipts":[{"body":"AAEC"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sub, err := reporting.DecodeSubmission(data, &reporting.DecodeOptions{MaxBytes: 64 << 10, MaxReceipts: 50})
		if err != nil {
			var de *reporting.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T %v is not a *DecodeError", err, err)
			}
			return
		}
		if !sub.State.Valid() || len(sub.Progress.Receipts) > 50 {
			t.Fatalf("accepted state %q with %d receipts", sub.State, len(sub.Progress.Receipts))
		}
		c := sub.Clone()
		enc, err := reporting.EncodeSubmission(c)
		if err != nil {
			return
		}
		if _, err := reporting.DecodeSubmission(enc, nil); err != nil {
			t.Fatalf("re-decoding our own encoding failed: %v", err)
		}
		reporting.DueAt(sub)
	})
}

func FuzzDecodeReceipt(f *testing.F) {
	valid, _ := reporting.EncodeReceipt(&reporting.Receipt{Step: "finish", At: now, ContentType: "text/xml", RequestID: "rq", Body: []byte{0, '<', 0xff}, Note: "n"})
	f.Add(valid)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := reporting.DecodeReceipt(data, &reporting.DecodeOptions{MaxBytes: 64 << 10})
		if err != nil {
			var de *reporting.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T %v is not a *DecodeError", err, err)
			}
			return
		}
		enc, err := reporting.EncodeReceipt(r)
		if err != nil {
			return
		}
		r2, err := reporting.DecodeReceipt(enc, nil)
		if err != nil || !bytes.Equal(r2.Body, r.Body) || r2.Step != r.Step || !r2.At.Equal(r.At) {
			t.Fatalf("re-decode: %v %+v", err, r2)
		}
	})
}
