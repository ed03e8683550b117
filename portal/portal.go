package portal

import (
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"golang.org/x/text/language"

	"github.com/bgimigranti/hub/db"
)

// Config is what the portal needs to know about its deployment.
type Config struct {
	// BaseURL is the hub's public URL; canonical and hreflang links use it.
	BaseURL *url.URL
	// DataDir holds uploaded files.
	DataDir string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// names the client, for rate limits; requests from anywhere else are
	// limited by their own address.
	TrustedProxies []netip.Prefix
	// Mail is true when an SMTP server is configured; without one, mails
	// are queued and only logged, and the pages that depend on them say
	// so (and address confirmation is not required to post).
	Mail bool
	// MailQueued, when set, is called after a mail is queued, to wake the
	// worker that sends it.
	MailQueued func()
}

// Handler serves the website. Build it with New.
type Handler struct {
	store   *db.Store
	log     *slog.Logger
	baseURL string
	cats    map[db.Lang]catalog
	views   views
	mux     *http.ServeMux
	handler http.Handler // mux wrapped in the middleware
	matcher language.Matcher
	cache   *pageCache // rendered pages for anonymous visitors (cache.go)
	// siteCache keeps the pages that show nothing of the forum.
	siteCache *pageCache
	acc       *accounts // sessions, CSRF, rate limits, editing and uploads (accounts.go)
	proxies   []netip.Prefix
	// sitemapMax is how many URLs one sitemap file lists; 0 is sitemapMax.
	sitemapMax int
	mail       *mailTemplates
	mailOn     bool
	mailWake   func()
}

// New returns the website's handler. It parses every template and catalogue
// now, so a broken one stops start-up instead of failing a visitor.
func New(cfg Config, store *db.Store, log *slog.Logger) (*Handler, error) {
	cats, err := loadCatalogs()
	if err != nil {
		return nil, err
	}
	vs, err := parseViews(cats)
	if err != nil {
		return nil, err
	}
	mt, err := parseMailTemplates()
	if err != nil {
		return nil, err
	}
	tags := make([]language.Tag, len(db.InterfaceLangs))
	for i, l := range db.InterfaceLangs {
		tags[i] = language.Make(string(l))
	}
	h := &Handler{
		store:    store,
		log:      log,
		baseURL:  strings.TrimRight(cfg.BaseURL.String(), "/"),
		cats:     cats,
		views:    vs,
		mux:      http.NewServeMux(),
		matcher:  language.NewMatcher(tags),
		acc:      newAccounts(cfg, store, log),
		proxies:  cfg.TrustedProxies,
		mail:     mt,
		mailOn:   cfg.Mail,
		mailWake: cfg.MailQueued,
	}
	h.routes()
	h.handler = h.middleware(h.mux)
	return h, nil
}

func (h *Handler) routes() {
	m := h.mux
	m.Handle("GET /static/", staticHandler())
	m.HandleFunc("GET /{$}", h.root)
	h.discoveryRoutes(m)
	for _, lang := range db.InterfaceLangs {
		p := "/" + string(lang)
		m.Handle("GET "+p+"/{$}", h.page(lang, h.home))
		m.Handle("GET "+p, h.page(lang, h.langRoot))
		m.Handle("GET "+p+"/handbooks", h.page(lang, h.handbooks))
		m.Handle("GET "+p+"/handbooks/{handbook}", h.page(lang, h.handbook))
		m.Handle("GET "+p+"/handbooks/{handbook}/{chapter}", h.page(lang, h.chapter))
		m.Handle("GET "+p+"/pages/{slug}", h.page(lang, h.staticPage))
		m.Handle("GET "+p+"/feeds", h.page(lang, h.feedList))
		h.sectionRoutes(m, lang, p)
		h.accountRoutes(m, lang, p)
		h.manageRoutes(m, lang, p)
		h.forumRoutes(m, lang, p)
	}
	// Anything else, including an unknown language prefix, is a 404 in the
	// visitor's language.
	m.Handle("/", h.page("", func(w http.ResponseWriter, r *http.Request, lang db.Lang) error { return db.ErrNotFound }))
}

// ServeHTTP serves the website with the security headers every page carries.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	hd.Set("X-Frame-Options", "DENY")
	h.handler.ServeHTTP(w, r)
}

// pageFunc is a page handler: it gets the page's language and returns an
// error for the one adapter, page, to turn into a response.
type pageFunc func(w http.ResponseWriter, r *http.Request, lang db.Lang) error

// page adapts a pageFunc for a language ("" for the visitor's preferred
// one) and turns its errors into pages: db.ErrNotFound into the 404 page,
// db.ErrInvalid into a 400 page, anything else into a logged 500 with a generic message.
func (h *Handler) page(lang db.Lang, fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := lang
		if lang == "" {
			lang = h.preferredLang(r)
		}
		err := fn(w, r, lang)
		if err == nil {
			return
		}
		if errors.Is(err, db.ErrNotFound) {
			if rerr := h.render(w, r, http.StatusNotFound, "notfound", &view{Lang: lang, Title: h.cats[lang].T("notfound.title")}); rerr != nil {
				h.log.Error("render 404", "err", rerr)
			}
			return
		}
		if errors.Is(err, db.ErrInvalid) {
			// A value from the request that the store refused (the
			// forms say what to fix before they get here).
			if rerr := h.badRequest(w, r, lang, "sec.bad.invalid"); rerr != nil {
				h.log.Error("render 400", "err", rerr)
			}
			return
		}
		if cerr := r.Context().Err(); cerr != nil && errors.Is(err, cerr) {
			// The client went away and the work stopped: nobody to answer.
			h.log.Info("request abandoned", "method", r.Method, "path", r.URL.Path, "err", err)
			return
		}
		h.log.Error("page failed", "method", r.Method, "path", r.URL.Path, "err", err)
		if rerr := h.render(w, r, http.StatusInternalServerError, "error", &view{Lang: lang, Title: h.cats[lang].T("error.title")}); rerr != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	})
}

// root sends "/" to the visitor's language: the lang cookie, then
// Accept-Language, then Bulgarian.
func (h *Handler) root(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Accept-Language, Cookie")
	http.Redirect(w, r, "/"+string(h.preferredLang(r))+"/", http.StatusSeeOther)
}

func (h *Handler) langRoot(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	http.Redirect(w, r, "/"+string(lang)+"/", http.StatusMovedPermanently)
	return nil
}

func (h *Handler) preferredLang(r *http.Request) db.Lang {
	if c, err := r.Cookie("lang"); err == nil {
		if l, ok := db.ParseLang(c.Value); ok {
			return l
		}
	}
	if al := r.Header.Get("Accept-Language"); al != "" {
		tags, _, err := language.ParseAcceptLanguage(al)
		if err == nil && len(tags) > 0 {
			_, i, conf := h.matcher.Match(tags...)
			if conf >= language.High {
				return db.InterfaceLangs[i]
			}
		}
	}
	return db.BG
}

// remember stores the visitor's language choice for the next visit to "/".
func remember(w http.ResponseWriter, r *http.Request, lang db.Lang) {
	if c, err := r.Cookie("lang"); err == nil && c.Value == string(lang) {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: string(lang), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
}
