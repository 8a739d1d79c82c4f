package main

import (
	"bytes"
	"context"
	_ "embed"
	"html/template"
	"log/slog"
	"net/http"
	"time"
)

//go:embed web/review.html
var reviewHTML string

// pages are the reviewer page templates, parsed once.
type pages struct {
	login, queue *template.Template
}

func parsePages() (*pages, error) {
	base, err := template.New("review.html").Parse(reviewHTML)
	if err != nil {
		return nil, err
	}
	page := func(content string) (*template.Template, error) {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		return t.Parse(`{{define "content"}}{{template "` + content + `" .}}{{end}}`)
	}
	p := &pages{}
	if p.login, err = page("login-content"); err != nil {
		return nil, err
	}
	if p.queue, err = page("queue-content"); err != nil {
		return nil, err
	}
	return p, nil
}

// pageData is what every page template receives.
type pageData struct {
	Title    string
	Nonce    string // CSP nonce of the inline style and script
	CSRF     string // empty for bearer-authenticated requests and the login page
	Script   bool
	NowMS    int64
	Flash    string
	Queue    []queueItem
	Decided  []decidedItem
	SLA      *slaSummary
	Rendered string
}

type queueItem struct {
	CaseID    string
	Decision  string
	Opened    string
	ThumbURL  string
	Matches   []matchView
	Deadlines []deadlineView
	Reports   []reportView
}

type decidedItem struct {
	CaseID  string
	Outcome string
	Reports []reportView
}

type deadlineView struct {
	Duty, Jurisdiction, Rule string
	State                    string
	Open, Overdue            bool
	DueMS                    int64
	Remaining                string
}

type reportView struct {
	ID       string `json:"id"`
	Agency   string `json:"agency"`
	State    string `json:"state"`
	AgencyID string `json:"agency_id,omitempty"`
	Error    string `json:"error,omitempty"`
}

type slaRow struct {
	Jurisdiction, Duty, Category    string
	Done, MetInTime, Breaches, Open int
	P50, P90, P99                   string
}

// Flash messages, selected by a fixed code in the redirect so that nothing a
// client sends is echoed.
var flashes = map[string]string{
	"confirmed": "Confirmed: the reports are on their way to the agencies and the removal is recorded.",
	"dismissed": "Dismissed: the drafted reports were withdrawn and the case closed.",
	"already":   "That case was already reviewed.",
	"badtoken":  "Wrong token.",
}

// render executes t into a buffer first, so a template error never sends half a
// page, and sets the page's security headers.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, t *template.Template, d *pageData) {
	d.Nonce = randomToken()
	now := s.now()
	d.NowMS = now.UnixMilli()
	d.Rendered = now.UTC().Format(time.RFC1123)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", d); err != nil {
		s.log.ErrorContext(r.Context(), "render review page", "request_id", requestID(r.Context()), "err", err)
		writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'nonce-"+d.Nonce+
		"'; script-src 'nonce-"+d.Nonce+"'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// maxFormBytes bounds the reviewer forms (a token or a CSRF token).
const maxFormBytes = 4 << 10

// reviewer guards a reviewer route: an authenticated reviewer, and for POST a
// valid CSRF token. Unauthenticated browsers are sent to the login form.
func (s *server) reviewer(h func(http.ResponseWriter, *http.Request, authState)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st := s.review.check(r)
		if !st.ok {
			if r.Method == http.MethodGet && !st.bearer {
				http.Redirect(w, r, "/review", http.StatusSeeOther)
				return
			}
			writeError(w, r, newAPIError(http.StatusUnauthorized, codeUnauthorized, "log in at /review or send Authorization: Bearer with the review token"))
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if !s.review.csrfOK(st, r) {
				writeError(w, r, newAPIError(http.StatusForbidden, codeForbidden, "missing or wrong CSRF token; reload the page"))
				return
			}
		}
		h(w, r, st)
	}
}

// handleReview shows the login form or, to a reviewer, the quarantine queue.
func (s *server) handleReview(w http.ResponseWriter, r *http.Request) {
	st := s.review.check(r)
	if !st.ok {
		s.render(w, r, http.StatusUnauthorized, s.pages.login, &pageData{Title: "log in", Flash: flashes[r.URL.Query().Get("flash")]})
		return
	}
	d, err := s.queuePage(r.Context())
	if err != nil {
		s.log.ErrorContext(r.Context(), "review queue", "request_id", requestID(r.Context()), "err", err)
		writeError(w, r, err)
		return
	}
	d.CSRF = st.csrf
	d.Flash = flashes[r.URL.Query().Get("flash")]
	s.render(w, r, http.StatusOK, s.pages.queue, d)
}

func (s *server) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	c := s.review.login(r.PostFormValue("token"), r.TLS != nil)
	if c == nil {
		s.log.WarnContext(r.Context(), "review login failed", "request_id", requestID(r.Context()))
		s.render(w, r, http.StatusUnauthorized, s.pages.login, &pageData{Title: "log in", Flash: flashes["badtoken"]})
		return
	}
	http.SetCookie(w, c)
	http.Redirect(w, r, "/review", http.StatusSeeOther)
}

func (s *server) handleLogout(w http.ResponseWriter, r *http.Request, st authState) {
	http.SetCookie(w, s.review.logout(st.sid))
	http.Redirect(w, r, "/review", http.StatusSeeOther)
}

// reviewerName names who acted, for the audit trail: a session is "reviewer", a
// bearer client "api". A real deployment would use its identity provider here.
func reviewerName(st authState) string {
	if st.bearer {
		return "api"
	}
	return "reviewer"
}

// formatRemaining renders a countdown the way the inline script does.
func formatRemaining(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	s := int64(d / time.Second)
	days, h, m, sec := s/86400, s%86400/3600, s%3600/60, s%60
	out := ""
	if days > 0 {
		out += itoa(days) + "d "
	}
	if days > 0 || h > 0 {
		out += itoa(h) + "h "
	}
	out += itoa(m) + "m " + itoa(sec) + "s"
	if neg {
		return "overdue by " + out
	}
	return "due in " + out
}

// logReviewError logs a failed review action without request data.
func (s *server) logReviewError(ctx context.Context, action, caseID string, err error) {
	s.log.LogAttrs(ctx, slog.LevelError, "review action failed", slog.String("request_id", requestID(ctx)),
		slog.String("action", action), slog.String("case_id", caseID), slog.String("err", err.Error()))
}
