package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds the browser: MNR_CHROMIUM (set by .ci/run), then chromium on
// PATH. Outside CI a missing browser skips the test with instructions; in CI it
// fails.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("MNR_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found in CI: .ci/run must install Debian's chromium and set MNR_CHROMIUM")
	}
	t.Skip("browser test not run: install chromium (apt-get install -y chromium) or set MNR_CHROMIUM")
	return ""
}

// TestBrowserReview drives the reviewer page in headless Chromium: log in, see
// the uploaded demo image blurred and greyscale, reveal it, confirm, and see the
// report submitted to the (fake) agency.
func TestBrowserReview(t *testing.T) {
	exe := chromium(t)
	const token = "browser-review-token"
	ct, _, env, args := agencyFakes(t, token)
	p := startBinary(t, env, args...)
	_, up := scanRaw(t, p.url, mustDemo(t, demoKnown))
	if up.CaseID == "" {
		t.Fatalf("demo upload opened no case: %+v", up)
	}
	card := "#case-" + up.CaseID

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	bctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer cancelCtx()
	if err := chromedp.Do(bctx); err != nil { // starts the browser, without a timeout
		t.Fatalf("start chromium %s: %v", exe, err)
	}
	ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	eval := func(js string) any {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return v
	}

	if err := chromedp.Do(ctx,
		chromedp.Navigate(p.url+"/review"),
		chromedp.WaitVisible(css(`input[name="token"]`)),
	); err != nil {
		t.Fatalf("open the login page: %v", err)
	}
	if title, _ := eval(`document.title`).(string); !strings.Contains(title, "log in") {
		t.Errorf("login page title %q", title)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(css(`input[name="token"]`), token),
		chromedp.Submit(css(`input[name="token"]`)),
		chromedp.WaitVisible(css(card)),
	); err != nil {
		t.Fatalf("log in and open the queue: %v", err)
	}

	// The thumbnail loaded, blurred and greyscale.
	thumb := card + " button.thumb img"
	js := func(expr string) string {
		return strings.ReplaceAll(expr, "IMG", `document.querySelector("`+thumb+`")`)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js(`IMG.complete && IMG.naturalWidth > 0`),
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("thumbnail never loaded: %v", err)
	}
	filter, _ := eval(js(`getComputedStyle(IMG).filter`)).(string)
	if !strings.Contains(filter, "blur") || !strings.Contains(filter, "grayscale") {
		t.Fatalf("thumbnail filter %q, want blurred and greyscale", filter)
	}

	// MNR_SCREENSHOT_DIR keeps a picture of the queue as a reviewer first
	// sees it, for a person to look at.
	if dir := os.Getenv("MNR_SCREENSHOT_DIR"); dir != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, "review-queue.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// A click reveals it (the CSS transition takes a moment).
	if err := chromedp.Do(ctx, chromedp.Click(css(card+" button.thumb"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js(`getComputedStyle(IMG).filter === "none"`),
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Fatalf("thumbnail not revealed on click: %v", err)
	}

	// A countdown to each open deadline, kept ticking by the inline script.
	countdown, err := chromedp.Run(ctx, chromedp.Text(css(card+" [data-due]"), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("countdown: %v", err)
	}
	if !strings.HasPrefix(countdown, "due in ") && !strings.HasPrefix(countdown, "overdue by ") {
		t.Errorf("countdown text %q", countdown)
	}

	// Confirm; the page comes back with the case among the decided ones.
	decided := "#decided-" + up.CaseID
	if err := chromedp.Do(ctx,
		chromedp.Click(css(card+` form[action$="/confirm"] button`)),
		chromedp.WaitVisible(css(decided)),
	); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	// Reload until the CyberTipline report shows as submitted.
	done := decided + ` .report[data-agency="cybertip"][data-state="done"]`
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, _ := eval(`document.querySelectorAll('` + done + `').length`).(float64)
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(css(decided)))
			t.Fatalf("report never shown as done; decided card:\n%s", html)
		}
		if err := chromedp.Do(ctx, chromedp.Sleep(500*time.Millisecond), chromedp.Reload(), chromedp.WaitVisible(css(decided))); err != nil {
			t.Fatal(err)
		}
	}
	text, err := chromedp.Run(ctx, chromedp.Text(css(done)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "agency ID") {
		t.Errorf("done report shows no agency ID: %q", text)
	}
	if n := len(ct.Finished()); n != 1 {
		t.Errorf("fake CyberTipline finished %d reports, want 1", n)
	}
	// The queue no longer lists the case.
	if n, _ := eval(`document.querySelectorAll('` + card + `').length`).(float64); n != 0 {
		t.Error("confirmed case still in the queue")
	}
}
