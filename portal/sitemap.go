package portal

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bgimigranti/hub/db"
)

// sitemapMax is how many URLs one sitemap file may list (the sitemaps.org
// limit); past it sitemap.xml becomes an index of numbered files.
const sitemapMax = 50000

// sitemapListed are the public pages that exist without content behind
// them, in every language. Search, sign-in and forms are left out.
var sitemapListed = []string{"", "/handbooks", "/organisations", "/forum", "/feeds"}

// discoveryRoutes serves what crawlers, link previews and browsers ask for
// at fixed addresses: robots.txt, the sitemap, the favicon and the web app
// manifest of each language.
func (h *Handler) discoveryRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /robots.txt", h.robots)
	m.Handle("GET /sitemap.xml", h.page(db.BG, h.sitemap))
	m.Handle("GET /sitemaps/{file}", h.page(db.BG, h.sitemap))
	m.HandleFunc("GET /favicon.ico", h.favicon)
	for _, lang := range db.InterfaceLangs {
		p := "/" + string(lang)
		m.HandleFunc("GET "+p+"/manifest.webmanifest", h.manifest(lang))
	}
}

// robots lets crawlers read every public page, keeps them out of the
// account, editing and admin pages, and points them at the sitemap.
func (h *Handler) robots(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	b.WriteString("User-agent: *\nAllow: /\n")
	for _, lang := range db.InterfaceLangs {
		for _, p := range []string{"/admin", "/manage", "/login", "/logout", "/register", "/account", "/search", "/forum/new"} {
			fmt.Fprintf(&b, "Disallow: /%s%s\n", lang, p)
		}
	}
	fmt.Fprintf(&b, "\nSitemap: %s/sitemap.xml\n", h.baseURL)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	fmt.Fprint(w, b.String())
}

// sitemapURL is a page in one language with its other-language versions.
type sitemapURL struct {
	Loc        string        `xml:"loc"`
	LastMod    string        `xml:"lastmod,omitempty"`
	Alternates []sitemapLink `xml:"xhtml:link"`
}

type sitemapLink struct {
	Rel      string `xml:"rel,attr"`
	Hreflang string `xml:"hreflang,attr"`
	Href     string `xml:"href,attr"`
}

type sitemapURLSet struct {
	XMLName xml.Name     `xml:"urlset"`
	NS      string       `xml:"xmlns,attr"`
	XHTML   string       `xml:"xmlns:xhtml,attr"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapIndex struct {
	XMLName  xml.Name `xml:"sitemapindex"`
	NS       string   `xml:"xmlns,attr"`
	Sitemaps []struct {
		Loc string `xml:"loc"`
	} `xml:"sitemap"`
}

// sitemap serves sitemap.xml: every public page once per language, each
// with its versions in every language as hreflang alternates. When there
// are more than h.sitemapMax URLs, sitemap.xml is an index of
// sitemaps/1.xml, sitemaps/2.xml… instead.
func (h *Handler) sitemap(w http.ResponseWriter, r *http.Request, _ db.Lang) error {
	entries, err := h.store.Sitemap(r.Context())
	if err != nil {
		return err
	}
	for _, p := range sitemapListed {
		entries = append(entries, db.SitemapEntry{Path: p})
	}
	for _, k := range db.Kinds() {
		entries = append(entries, db.SitemapEntry{Path: "/" + k.Section()})
	}
	var urls []sitemapURL
	for _, e := range entries {
		var alts []sitemapLink
		for _, l := range db.InterfaceLangs {
			alts = append(alts, sitemapLink{Rel: "alternate", Hreflang: string(l), Href: h.pageURL(l, e.Path)})
		}
		for _, l := range db.InterfaceLangs {
			u := sitemapURL{Loc: h.pageURL(l, e.Path), Alternates: alts}
			if !e.Updated.IsZero() {
				u.LastMod = e.Updated.UTC().Format(time.RFC3339)
			}
			urls = append(urls, u)
		}
	}
	per := h.sitemapMax
	if per <= 0 {
		per = sitemapMax
	}
	files := (len(urls) + per - 1) / per
	var doc any
	switch n := r.PathValue("file"); {
	case n == "" && files <= 1:
		doc = sitemapURLSet{NS: "http://www.sitemaps.org/schemas/sitemap/0.9", XHTML: "http://www.w3.org/1999/xhtml", URLs: urls}
	case n == "":
		idx := sitemapIndex{NS: "http://www.sitemaps.org/schemas/sitemap/0.9"}
		idx.Sitemaps = make([]struct {
			Loc string `xml:"loc"`
		}, files)
		for i := range idx.Sitemaps {
			idx.Sitemaps[i].Loc = h.baseURL + "/sitemaps/" + strconv.Itoa(i+1) + ".xml"
		}
		doc = idx
	default:
		i, err := strconv.Atoi(strings.TrimSuffix(n, ".xml"))
		if err != nil || !strings.HasSuffix(n, ".xml") || i < 1 || i > files || files <= 1 {
			return db.ErrNotFound
		}
		doc = sitemapURLSet{NS: "http://www.sitemaps.org/schemas/sitemap/0.9", XHTML: "http://www.w3.org/1999/xhtml",
			URLs: urls[(i-1)*per : min(i*per, len(urls))]}
	}
	out, err := xml.Marshal(doc)
	if err != nil {
		return fmt.Errorf("portal: sitemap: %w", err)
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err = w.Write(append([]byte(xml.Header), out...))
	return err
}

// pageURL is the absolute URL of a page in a language; path is what follows
// the language prefix ("" for the home page).
func (h *Handler) pageURL(lang db.Lang, path string) string {
	if path == "" {
		path = "/"
	}
	return h.baseURL + "/" + string(lang) + path
}
