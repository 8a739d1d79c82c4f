package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mnr-sdk/mnr/internal/agencytest"
)

// agencyFakes runs fake agencies in the test process and returns the environment
// and flags that point the scanner at them, so the test can see what arrived.
func agencyFakes(t *testing.T, token string) (*agencytest.CyberTip, *agencytest.DSA, []string, []string) {
	t.Helper()
	ct := agencytest.NewCyberTip(nil)
	t.Cleanup(func() { ct.Close() })
	ds := agencytest.NewDSA(nil)
	t.Cleanup(func() { ds.Close() })
	user, pass := ct.Credentials()
	env := []string{
		"UPLOADSCANNER_REVIEW_TOKEN=" + token,
		"UPLOADSCANNER_CYBERTIP_USERNAME=" + user,
		"UPLOADSCANNER_CYBERTIP_PASSWORD=" + pass,
		"UPLOADSCANNER_DSA_TOKEN=" + ds.Token(),
	}
	return ct, ds, env, []string{"-cybertip-url", ct.URL(), "-dsa-url", ds.URL()}
}

// TestReviewFlow confirms one case and dismisses another through the reviewer
// API, against fake agencies configured by URL, and checks what the agencies
// received, the report states and the cases.
func TestReviewFlow(t *testing.T) {
	const token = "review-token-for-tests"
	ct, ds, env, args := agencyFakes(t, token)
	p := startBinary(t, env, args...)
	auth := map[string]string{"Authorization": "Bearer " + token}

	// The operator API needs the token once one is set.
	if resp, _ := do(t, nil, "GET", p.url+"/v1/cases", nil, nil, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /v1/cases without token: %d, want 401", resp.StatusCode)
	}
	if resp, _ := do(t, nil, "GET", p.url+"/v1/cases", map[string]string{"Authorization": "Bearer wrong"}, nil, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /v1/cases with a wrong token: %d, want 401", resp.StatusCode)
	}

	_, confirm := scanRaw(t, p.url, mustDemo(t, demoKnown))
	_, dismiss := scanRaw(t, p.url, mustDemo(t, demoNear))
	if confirm.CaseID == "" || dismiss.CaseID == "" {
		t.Fatalf("uploads opened no cases: %+v %+v", confirm, dismiss)
	}

	resp, raw := do(t, nil, "POST", p.url+"/review/cases/"+confirm.CaseID+"/confirm", auth, nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("confirm: %d %s", resp.StatusCode, raw)
	}
	resp, raw = do(t, nil, "POST", p.url+"/review/cases/"+dismiss.CaseID+"/dismiss", auth, nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("dismiss: %d %s", resp.StatusCode, raw)
	}
	if resp, _ := do(t, nil, "POST", p.url+"/review/cases/"+confirm.CaseID+"/dismiss", auth, nil, nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("second decision on a case: %d, want 409", resp.StatusCode)
	}

	// The confirmed reports reach the agencies; the dismissed ones never do.
	for _, r := range confirm.Reports {
		var rep reportDetailAnswer
		waitFor(t, 60*time.Second, "report "+r.ID+" done", func() bool {
			do(t, nil, "GET", p.url+"/v1/reports/"+r.ID, auth, nil, &rep)
			return rep.State == "done"
		})
		if len(rep.AgencyIDs) == 0 || len(rep.Receipts) == 0 {
			t.Errorf("report %s done without agency IDs or receipts: %+v", r.ID, rep)
		}
	}
	for _, r := range dismiss.Reports {
		var rep reportDetailAnswer
		do(t, nil, "GET", p.url+"/v1/reports/"+r.ID, auth, nil, &rep)
		if rep.State != "abandoned" {
			t.Errorf("dismissed report %s in state %q, want abandoned", r.ID, rep.State)
		}
	}
	fin := ct.Finished()
	if len(fin) != 1 {
		t.Fatalf("fake CyberTipline finished %d reports, want 1", len(fin))
	}
	if len(fin[0].Files) != 1 {
		t.Errorf("CyberTipline report has %d files, want the quarantined upload", len(fin[0].Files))
	}
	if st := ds.Statements(); len(st) != 1 || !strings.Contains(st[0].PUID, confirm.CaseID) {
		t.Errorf("fake DSA database holds %d statements, want 1 for case %s", len(st), confirm.CaseID)
	}

	// The report receipts are recorded on the case and meet its report duty.
	var detail struct {
		Case struct {
			Status    string `json:"status"`
			Deadlines []struct {
				ID    string `json:"id"`
				State string `json:"state"`
			} `json:"deadlines"`
			Reports []struct {
				Agency string `json:"agency"`
				ID     string `json:"id"`
			} `json:"reports"`
		} `json:"case"`
		Audit struct {
			Verified bool `json:"verified"`
		} `json:"audit"`
	}
	waitFor(t, 30*time.Second, "reports recorded on the case", func() bool {
		do(t, nil, "GET", p.url+"/v1/cases/"+confirm.CaseID, auth, nil, &detail)
		return len(detail.Case.Reports) == 2
	})
	if detail.Case.Status != "actioned" || !detail.Audit.Verified {
		t.Errorf("confirmed case: status %q verified %v, want actioned and verified", detail.Case.Status, detail.Audit.Verified)
	}
	for _, d := range detail.Case.Deadlines {
		if d.ID == "report:NCMEC" && d.State != "met" {
			t.Errorf("NCMEC report deadline %q, want met", d.State)
		}
	}
	do(t, nil, "GET", p.url+"/v1/cases/"+dismiss.CaseID, auth, nil, &detail)
	if detail.Case.Status != "closed" {
		t.Errorf("dismissed case: status %q, want closed", detail.Case.Status)
	}
	// The transparency figures.
	var sla struct {
		Cases    int `json:"cases"`
		Actioned int `json:"actioned"`
		Groups   []struct {
			Jurisdiction string `json:"jurisdiction"`
			Duty         string `json:"duty"`
			Done         int    `json:"done"`
		} `json:"groups"`
	}
	do(t, nil, "GET", p.url+"/v1/sla", auth, nil, &sla)
	reported := 0
	for _, g := range sla.Groups {
		if g.Jurisdiction == "US" && g.Duty == "report" {
			reported += g.Done
		}
	}
	if sla.Cases != 2 || sla.Actioned != 1 || reported != 1 {
		t.Errorf("SLA: %d cases, %d actioned, %d US reports done; want 2, 1, 1", sla.Cases, sla.Actioned, reported)
	}
	resp, raw = do(t, nil, "GET", p.url+"/v1/sla?format=csv", auth, nil, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.Contains(string(raw), "jurisdiction") {
		t.Errorf("SLA CSV: %d %s %.100s", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}

	m := scrape(t, p.url)
	if m[`uploadscanner_reports_finished_total{agency="cybertip",state="done"}`] != 1 {
		t.Errorf("reports_finished_total(cybertip, done) = %v, want 1", m[`uploadscanner_reports_finished_total{agency="cybertip",state="done"}`])
	}
}
