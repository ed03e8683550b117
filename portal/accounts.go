package portal

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"golang.org/x/sync/semaphore"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/markup"
)

// accounts is the state behind sign-in, editing and uploads: the session
// manager, the cross-origin check, the rate limits, the Markdown renderer
// and where uploaded files go. A Handler has one, built by newAccounts.
type accounts struct {
	sessions *scs.SessionManager
	// secure is true when the base URL is https: session cookies are then
	// always Secure, also behind a proxy that terminates TLS.
	secure  bool
	origins *http.CrossOriginProtection
	login   *rateLimiter // sign-in and password checks: 10 a minute per client
	signup  *rateLimiter // registrations: 5 an hour per client
	forgot  *rateLimiter // password-reset requests: 5 an hour per client
	mailTo  *rateLimiter // mails asked for one address: 3 an hour
	md      *markup.Renderer
	dataDir string
	// decodes bounds the memory of images being decoded at once, weighed
	// in bytes (maxDecodeBytes in all): uploads beyond it wait their turn.
	decodes *semaphore.Weighted
}

// Limits on what the portal's forms may send.
const (
	// maxUploadBytes is the largest file an upload may carry.
	maxUploadBytes = 10 << 20
	// maxFormBytes bounds a form without files: two Markdown bodies of
	// db.MaxBodyLen characters, percent-encoded, with room to spare.
	maxFormBytes = 4 << 20
	// maxMultipartBytes bounds a form with a file: one file and the fields.
	maxMultipartBytes = maxUploadBytes + maxFormBytes
)

// newAccounts builds the accounts part of a Handler from its configuration.
func newAccounts(cfg Config, store *db.Store, log *slog.Logger) *accounts {
	secure := cfg.BaseURL != nil && cfg.BaseURL.Scheme == "https"
	return &accounts{
		sessions: newSessionManager(store, log),
		secure:   secure,
		origins:  http.NewCrossOriginProtection(),
		login:    newRateLimiter(10, time.Minute, 10_000),
		signup:   newRateLimiter(5, time.Hour, 10_000),
		forgot:   newRateLimiter(5, time.Hour, 10_000),
		mailTo:   newRateLimiter(3, time.Hour, 10_000),
		md:       markup.New(),
		dataDir:  cfg.DataDir,
		decodes:  semaphore.NewWeighted(maxDecodeBytes),
	}
}

// accountRoutes adds sign-in, registration, account, editing and admin
// pages under the language prefix p.
func (h *Handler) accountRoutes(m *http.ServeMux, lang db.Lang, p string) {
	m.Handle("GET "+p+"/login", h.page(lang, h.loginForm))
	m.Handle("POST "+p+"/login", h.page(lang, h.loginSubmit))
	m.Handle("POST "+p+"/logout", h.page(lang, h.logout))
	m.Handle("GET "+p+"/register", h.page(lang, h.registerForm))
	m.Handle("POST "+p+"/register", h.page(lang, h.registerSubmit))
	m.Handle("GET "+p+"/account", h.page(lang, h.signedIn(h.accountPage)))
	m.Handle("POST "+p+"/account", h.page(lang, h.signedIn(h.accountSubmit)))
	h.adminRoutes(m, lang, p)
	h.mailRoutes(m, lang, p)
}

// manageRoutes adds the pages where editors and admins create and edit
// content under the language prefix p, and the media routes.
func (h *Handler) manageRoutes(m *http.ServeMux, lang db.Lang, p string) {
	m.Handle("GET "+p+"/manage", h.page(lang, h.editor(h.manageList)))
	m.Handle("GET "+p+"/manage/new", h.page(lang, h.editor(h.newItemForm)))
	m.Handle("POST "+p+"/manage/new", h.page(lang, h.editor(h.saveItem)))
	m.Handle("GET "+p+"/manage/items/{id}", h.page(lang, h.editor(h.editItemForm)))
	m.Handle("POST "+p+"/manage/items/{id}", h.page(lang, h.editor(h.saveItem)))
	h.imageRoutes(m, lang, p)
	// Media URLs are language-neutral: register them once.
	if lang == db.InterfaceLangs[0] {
		m.Handle("GET /media/{id}", h.page("", h.serveMedia("")))
		m.Handle("GET /media/{id}/{variant}", h.page("", h.serveMedia("variant")))
	}
}

// reqState is what the middleware learns about a request and the handlers
// read: the signed-in user and whether a session was loaded at all.
type reqState struct {
	user    *db.User
	session bool
}

type stateKey struct{}

func state(r *http.Request) *reqState {
	st, _ := r.Context().Value(stateKey{}).(*reqState)
	return st
}

// sessionless reports whether a request needs no session: reads of static
// assets and media, which are the same for everyone.
func sessionless(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	return strings.HasPrefix(r.URL.Path, "/static/") || strings.HasPrefix(r.URL.Path, "/media/")
}

// unsafeMethod reports whether a request may change state and so must pass
// the CSRF checks.
func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions && m != http.MethodTrace
}

// middleware wraps every request: it loads the session and the signed-in
// user, and on every state-changing request checks the origin, bounds and
// parses the body and checks the synchronizer token.
func (h *Handler) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sessionless(r) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey{}, &reqState{})))
			return
		}
		w.Header().Add("Vary", "Cookie")
		ctx, err := h.loadSession(r)
		if err != nil {
			// An unreadable session (or a database that does not answer)
			// must not lock the visitor out: they go on without it.
			h.log.Warn("load session", "err", err)
			if ctx, err = h.acc.sessions.Load(r.Context(), ""); err != nil {
				h.log.Error("start session", "err", err)
				h.renderStatus(w, r.WithContext(context.WithValue(r.Context(), stateKey{}, &reqState{})), http.StatusInternalServerError, "error")
				return
			}
		}
		st := &reqState{session: true}
		ctx = context.WithValue(ctx, stateKey{}, st)
		r = r.WithContext(ctx)
		sw := &sessionWriter{ResponseWriter: w, h: h, r: r}
		if err := h.loadUser(r, st); err != nil {
			h.log.Error("load user", "err", err)
			h.renderStatus(sw, r, http.StatusInternalServerError, "error")
			return
		}
		if unsafeMethod(r.Method) {
			if reason := h.checkRequest(sw, r); reason != "" {
				code := http.StatusForbidden
				switch reason {
				case "toolarge":
					code = http.StatusRequestEntityTooLarge
				case "badform", "badchars":
					code = http.StatusBadRequest
				}
				h.renderStatus(sw, r, code, reason)
				return
			}
		}
		next.ServeHTTP(sw, r)
		sw.commit()
	})
}

// loadUser reads the signed-in user of the session into st, once per
// request. A user who has been disabled or deleted, or whose password was
// changed elsewhere, is signed out.
func (h *Handler) loadUser(r *http.Request, st *reqState) error {
	ctx := r.Context()
	uid := h.acc.sessions.GetInt64(ctx, sessionUser)
	if uid == 0 {
		return nil
	}
	u, err := h.store.User(ctx, uid)
	switch {
	case errors.Is(err, db.ErrNotFound):
	case err != nil:
		return err
	case !u.Disabled && h.acc.sessions.GetString(ctx, sessionPassword) == passwordFingerprint(u):
		st.user = u
		return nil
	}
	return h.endSession(ctx)
}

// currentUser returns the signed-in user of the request, or nil.
func currentUser(r *http.Request) *db.User {
	if st := state(r); st != nil {
		return st.user
	}
	return nil
}

// csrfToken returns the token the request's forms must carry: the
// session's, or "" while the visitor has no session (public pages do not
// start one; the sign-in and registration forms do, with ensureCSRF).
func (h *Handler) csrfToken(r *http.Request) string {
	if st := state(r); st == nil || !st.session {
		return ""
	}
	return h.acc.sessions.GetString(r.Context(), sessionCSRF)
}

// signedIn lets only signed-in users reach fn; others are sent to the
// sign-in form, which brings them back.
func (h *Handler) signedIn(fn pageFunc) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
		if currentUser(r) == nil {
			return h.toLogin(w, r, lang)
		}
		return fn(w, r, lang)
	}
}

// editor lets only editors of an organisation and admins reach fn.
func (h *Handler) editor(fn pageFunc) pageFunc {
	return h.signedIn(func(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
		if u := currentUser(r); u.Role != db.RoleAdmin && (u.Role != db.RoleEditor || u.OrganisationID == 0) {
			return h.forbidden(w, r, lang)
		}
		return fn(w, r, lang)
	})
}

// admin lets only admins reach fn.
func (h *Handler) admin(fn pageFunc) pageFunc {
	return h.signedIn(func(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
		if currentUser(r).Role != db.RoleAdmin {
			return h.forbidden(w, r, lang)
		}
		return fn(w, r, lang)
	})
}

// toLogin redirects to the sign-in form, which sends the user back to the
// page asked for (only GET pages: a form's target cannot be revisited).
func (h *Handler) toLogin(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	target := "/" + string(lang) + "/login"
	if r.Method == http.MethodGet {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// forbidden answers 403 with a page that says why and what to do.
func (h *Handler) forbidden(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	return h.status(w, r, lang, http.StatusForbidden, "forbidden")
}

// statusData is what status.html shows: a heading, an explanation and
// where to go next.
type statusData struct {
	Reason   string
	Text     string
	Link     string
	LinkText string
}

// status renders the page for a refused request in lang: reason picks the
// texts acc.status.REASON.title and acc.status.REASON.text.
func (h *Handler) status(w http.ResponseWriter, r *http.Request, lang db.Lang, code int, reason string) error {
	cat := h.cats[lang]
	d := statusData{Reason: reason, Text: cat.T("acc.status." + reason + ".text"), Link: "/" + string(lang) + "/", LinkText: cat.T("acc.status.home")}
	switch reason {
	case "csrf", "toolarge", "badform", "badchars":
		if ref := sameSiteReferer(r); ref != "" {
			d.Link, d.LinkText = ref, cat.T("acc.status.back")
		}
	case "forbidden":
		if currentUser(r) == nil {
			d.Link, d.LinkText = "/"+string(lang)+"/login", cat.T("acc.login.title")
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	return h.render(w, r, code, "status", &view{Lang: lang, Title: cat.T("acc.status." + reason + ".title"), Path: pathAfterLang(r, lang), Data: d})
}

// renderStatus is status for the middleware, which has no page adapter: it
// takes the language from the path and logs a failure to render.
func (h *Handler) renderStatus(w http.ResponseWriter, r *http.Request, code int, reason string) {
	lang := h.langOf(r)
	if reason == "error" {
		if err := h.render(w, r, code, "error", &view{Lang: lang, Title: h.cats[lang].T("error.title")}); err != nil {
			http.Error(w, "internal error", code)
		}
		return
	}
	if err := h.status(w, r, lang, code, reason); err != nil {
		h.log.Error("render status page", "reason", reason, "err", err)
		http.Error(w, http.StatusText(code), code)
	}
}

// langOf is the language of a request's path prefix, or the visitor's
// preferred one when the path has none.
func (h *Handler) langOf(r *http.Request) db.Lang {
	seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if l, ok := db.ParseLang(seg); ok && seg == string(l) {
		return l
	}
	return h.preferredLang(r)
}

// pathAfterLang is the request's path without its language prefix, for the
// language switch and canonical links of a page.
func pathAfterLang(r *http.Request, lang db.Lang) string {
	p, ok := strings.CutPrefix(r.URL.Path, "/"+string(lang))
	if !ok || p == "/" {
		return ""
	}
	return p
}
