package portal

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"github.com/bgimigranti/hub/db"
)

//go:embed templates
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// views holds, per language, one parsed template set per view file.
type views map[db.Lang]map[string]*template.Template

// view is what every page template receives.
type view struct {
	Lang        db.Lang
	Other       db.Lang
	Title       string // the page's own title, without the site name
	Description string
	Path        string // the path after /{lang}, "" for the home page
	BaseURL     string
	Section     string          // the menu entry to mark as current
	User        *db.User        // the signed-in user, or nil
	Notices     db.ForumNotices // what is new in the forum for User
	CSRF        string          // the token every state-changing form carries
	Feeds       []feedLink      // feeds of this page, for <link rel="alternate">
	Image       string          // the absolute URL of the page's picture, for link previews
	OGType      string          // the page's Open Graph type; "" is "website"
	LD          ldThing         // the page's schema.org JSON-LD, if any
	Data        any
}

// feedLink is a feed a page offers, announced in its head for
// autodiscovery.
type feedLink struct {
	Title, Type, URL string
}

// localText is a translation picked for a page's language: Exact is false
// when it is a fallback in another language.
type localText struct {
	db.Text
	Exact bool
	Want  db.Lang
}

func pick(ts db.Texts, lang db.Lang) localText {
	t, exact, _ := ts.In(lang)
	return localText{Text: t, Exact: exact, Want: lang}
}

// parseViews parses layout.html with each other template file, once per
// interface language, with that language's catalogue in the FuncMap.
func parseViews(cats map[db.Lang]catalog) (views, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := views{}
	for lang, cat := range cats {
		funcs := template.FuncMap{
			"t":    cat.T,
			"date": cat.Date,
			"link": func(path string) string { return "/" + string(lang) + path },
			"langName": func(l db.Lang) string {
				return cat.T("lang.name." + string(l))
			},
			"langSelf": func(l db.Lang) string { return cat.T("lang." + string(l)) },
			"add":      func(a, b int) int { return a + b },
			// safe marks HTML that was sanitised when it was stored.
			"safe": func(s string) template.HTML { return template.HTML(s) },
			"dict": dict,

			"ogLocale": ogLocale, // the Open Graph locale of a language
		}
		out[lang] = map[string]*template.Template{}
		for _, name := range names {
			base := strings.TrimPrefix(name, "templates/")
			if base == "layout.html" {
				continue
			}
			t, err := template.New(base).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", name)
			if err != nil {
				return nil, fmt.Errorf("portal: parse %s: %w", base, err)
			}
			out[lang][strings.TrimSuffix(base, ".html")] = t
		}
	}
	return out, nil
}

// render writes a page; the template runs into a buffer first so that a
// failing template never sends half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) error {
	t, ok := h.views[v.Lang][name]
	if !ok {
		return fmt.Errorf("portal: no template %q", name)
	}
	v.Other = v.Lang.Other()
	v.BaseURL = h.baseURL
	v.User = currentUser(r)
	v.CSRF = h.csrfToken(r)
	if v.User != nil {
		n, err := h.store.ForumNotices(r.Context(), v.User.ID)
		if err != nil {
			h.log.Warn("forum notices", "user", v.User.ID, "err", err) // the page goes on without them
		}
		v.Notices = n
	}
	if v.Feeds == nil {
		v.Feeds = defaultFeeds(v, h.cats[v.Lang])
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("portal: render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", string(v.Lang))
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// staticHandler serves the embedded assets with a long cache lifetime; their
// URLs carry the build's version so a new build is fetched anew.
func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFiles, "static")
	files := http.FileServer(http.FS(sub))
	return http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	}))
}

// dict builds a map from alternating keys and values, to pass several
// values to a nested template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
