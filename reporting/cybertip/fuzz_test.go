package cybertip_test

import (
	"strings"

	"errors"
	"github.com/mnr-sdk/mnr/reporting"
	"strconv"
	"testing"

	"github.com/mnr-sdk/mnr/reporting/cybertip"
)

// FuzzParseResponse feeds the CyberTipline answer parser arbitrary bytes: it must
// never panic, must fail only with ErrMalformedResponse, and what it accepts must
// satisfy the documented invariants.
func FuzzParseResponse(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0" encoding="UTF-8"?><reportResponse><responseCode>0</responseCode><responseDescription></responseDescription><reportId>4321</reportId></reportResponse>`))
	f.Add([]byte(`<reportDoneResponse><responseCode>0</responseCode><reportId>1</reportId><files><fileId>a</fileId><fileId>b</fileId></files></reportDoneResponse>`))
	f.Add([]byte(`<reportResponse><responseCode>5102</responseCode><responseDescription>Report already finished</responseDescription></reportResponse>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><reportResponse/>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := cybertip.ParseResponse(body)
		if err != nil {
			if !errors.Is(err, cybertip.ErrMalformedResponse) {
				t.Fatalf("error does not wrap ErrMalformedResponse: %v", err)
			}
			if r != nil {
				t.Fatal("a response with an error")
			}
			return
		}
		if r.ReportID != "" {
			if _, err := strconv.ParseInt(r.ReportID, 10, 64); err != nil {
				t.Fatalf("reportId %q accepted", r.ReportID)
			}
		}
		if r.Done && r.Code == 0 && r.ReportID == "" {
			t.Fatal("a successful reportDoneResponse without reportId")
		}
		if len(r.FileIDs) > 10000 {
			t.Fatal("more file IDs than the bound")
		}
	})
}

func TestParseResponse(t *testing.T) {
	cases := []struct {
		body string
		ok   bool
		code int
		id   string
		done bool
	}{
		{`<reportResponse><responseCode>0</responseCode><responseDescription/><reportId>7</reportId></reportResponse>`, true, 0, "7", false},
		{`<reportResponse><responseCode>0</responseCode><fileId>f1</fileId><hash>ABCDEF</hash></reportResponse>`, true, 0, "", false},
		{`<reportDoneResponse><responseCode>0</responseCode><reportId>7</reportId><files/></reportDoneResponse>`, true, 0, "7", true},
		{`<reportResponse><responseCode>4100</responseCode><responseDescription>Validation failed</responseDescription></reportResponse>`, true, 4100, "", false},
		{`<reportResponse><reportId>7</reportId></reportResponse>`, false, 0, "", false},         // no responseCode
		{`<reportResponse><responseCode>x</responseCode></reportResponse>`, false, 0, "", false}, // not an int
		{`<reportResponse><responseCode>0</responseCode><reportId>1e3</reportId></reportResponse>`, false, 0, "", false},
		{`<reportResponse><responseCode>0</responseCode><responseCode>0</responseCode></reportResponse>`, false, 0, "", false},
		{`<other><responseCode>0</responseCode></other>`, false, 0, "", false},
		{`<reportDoneResponse><responseCode>0</responseCode><files/></reportDoneResponse>`, false, 0, "", false},
		{`<reportResponse><responseCode>0</responseCode>`, false, 0, "", false},
		{``, false, 0, "", false},
	}
	for _, tc := range cases {
		r, err := cybertip.ParseResponse([]byte(tc.body))
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.body, err)
			continue
		}
		if err == nil && (r.Code != tc.code || r.ReportID != tc.id || r.Done != tc.done) {
			t.Errorf("%s: got %+v", tc.body, r)
		}
	}
	r, _ := cybertip.ParseResponse([]byte(`<reportResponse><responseCode>0</responseCode><fileId>f1</fileId><hash>ABCDEF</hash></reportResponse>`))
	if r.Hash != "abcdef" {
		t.Errorf("hash not lowercased: %q", r.Hash)
	}
}

// TestLongRefusalKeepsItsCode: the fake lists every schema problem, so its 400
// answer is longer than the part of the body the client keeps; the code must
// still reach the error.
func TestLongRefusalKeepsItsCode(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	r := fullReport("r-long", h.files)
	r.PriorReportIDs = []string{"999999991", "999999992", "999999993", "999999994", "999999995", "999999996", "999999997", "999999998"}
	s := h.submit(r)
	if s.State != reporting.StateFailed || !strings.Contains(s.Error, "responseCode 4100") {
		t.Fatalf("state %s error %q", s.State, s.Error)
	}
}
