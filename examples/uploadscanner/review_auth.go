package main

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Reviewer access. The reviewer page is on only when a token is configured. A
// client proves it holds the token either on every request (the header
// "Authorization: Bearer TOKEN", for scripts) or once through the login form, which
// sets an HttpOnly, SameSite=Strict session cookie. Forms posted with a session
// cookie must carry the session's CSRF token; requests with the bearer header need
// none, since browsers never add that header on their own.

const (
	sessionCookie   = "uploadscanner_review"
	sessionLifetime = 8 * time.Hour
	maxSessions     = 1024 // oldest sessions are dropped beyond this
)

type session struct {
	csrf    string
	expires time.Time
}

// reviewAuth checks reviewer credentials. Safe for concurrent use.
type reviewAuth struct {
	tokenSum [32]byte // SHA-256 of the token: compared in constant time
	now      func() time.Time
	logins   *rate.Limiter // failed and successful login attempts, all clients

	mu       sync.Mutex
	sessions map[string]session
}

func newReviewAuth(token string, now func() time.Time) *reviewAuth {
	return &reviewAuth{
		tokenSum: sha256.Sum256([]byte(token)),
		now:      now,
		logins:   rate.NewLimiter(rate.Every(200*time.Millisecond), 10),
		sessions: make(map[string]session),
	}
}

// tokenOK compares a presented token with the configured one in constant time.
func (a *reviewAuth) tokenOK(presented string) bool {
	sum := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(sum[:], a.tokenSum[:]) == 1
}

// authState is what a request proved.
type authState struct {
	ok     bool
	bearer bool   // authenticated by header: no CSRF needed
	csrf   string // the session's CSRF token (cookie sessions)
	sid    string
}

// check authenticates r by bearer header or session cookie.
func (a *reviewAuth) check(r *http.Request) authState {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, found := strings.CutPrefix(h, "Bearer ")
		return authState{ok: found && a.tokenOK(tok), bearer: true}
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return authState{}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[c.Value]
	if !ok || !a.now().Before(s.expires) {
		delete(a.sessions, c.Value)
		return authState{}
	}
	return authState{ok: true, csrf: s.csrf, sid: c.Value}
}

// csrfOK reports whether a state-changing request from st may proceed.
func (a *reviewAuth) csrfOK(st authState, r *http.Request) bool {
	if st.bearer {
		return true
	}
	got := r.PostFormValue("csrf")
	return st.csrf != "" && subtle.ConstantTimeCompare([]byte(got), []byte(st.csrf)) == 1
}

// login starts a session when token is right. It returns the session cookie, or
// nil when the token is wrong or logins are being throttled.
func (a *reviewAuth) login(token string, secure bool) *http.Cookie {
	if !a.logins.Allow() || !a.tokenOK(token) {
		return nil
	}
	sid, csrf := randomToken(), randomToken()
	now := a.now()
	a.mu.Lock()
	for id, s := range a.sessions {
		if !now.Before(s.expires) {
			delete(a.sessions, id)
		}
	}
	for len(a.sessions) >= maxSessions {
		oldest, at := "", time.Time{}
		for id, s := range a.sessions {
			if oldest == "" || s.expires.Before(at) {
				oldest, at = id, s.expires
			}
		}
		delete(a.sessions, oldest)
	}
	a.sessions[sid] = session{csrf: csrf, expires: now.Add(sessionLifetime)}
	a.mu.Unlock()
	return &http.Cookie{
		Name: sessionCookie, Value: sid, Path: "/review",
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode,
		MaxAge: int(sessionLifetime / time.Second),
	}
}

// logout ends the session sid.
func (a *reviewAuth) logout(sid string) *http.Cookie {
	a.mu.Lock()
	delete(a.sessions, sid)
	a.mu.Unlock()
	return &http.Cookie{Name: sessionCookie, Value: "", Path: "/review", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, MaxAge: -1}
}

func randomToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// checkOrNil is check on a possibly nil *reviewAuth (an unauthenticated state).
func (a *reviewAuth) checkOrNil(r *http.Request) authState {
	if a == nil {
		return authState{}
	}
	return a.check(r)
}
