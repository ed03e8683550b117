package portal

import (
	"encoding/json"
	"io/fs"
	"net/http"

	"github.com/bgimigranti/hub/db"
)

// favicon serves /favicon.ico, which browsers fetch without being told to.
func (h *Handler) favicon(w http.ResponseWriter, r *http.Request) {
	b, err := fs.ReadFile(staticFiles, "static/favicon.ico")
	if err != nil {
		h.log.Error("favicon", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/x-icon")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(b)
}

// manifestIcon is an icon of the web app manifest.
type manifestIcon struct {
	Src     string `json:"src"`
	Sizes   string `json:"sizes"`
	Type    string `json:"type"`
	Purpose string `json:"purpose,omitempty"`
}

// manifest serves the web app manifest of a language: a manifest has one
// name and one language, so each interface language has its own, named in
// it, starting at that language's home page; every page links the one of its
// language.
func (h *Handler) manifest(lang db.Lang) http.HandlerFunc {
	cat := h.cats[lang]
	m := map[string]any{
		"id":               "/" + string(lang) + "/",
		"name":             cat.T("site.name"),
		"short_name":       cat.T("site.name"),
		"description":      cat.T("site.tagline"),
		"lang":             string(lang),
		"dir":              "ltr",
		"start_url":        "/" + string(lang) + "/",
		"scope":            "/",
		"display":          "browser",
		"background_color": "#ffffff",
		"theme_color":      "#0b5cad",
		"icons": []manifestIcon{
			{Src: "/static/logo.svg", Sizes: "any", Type: "image/svg+xml"},
			{Src: "/static/icon-192.png", Sizes: "192x192", Type: "image/png"},
			{Src: "/static/icon-512.png", Sizes: "512x512", Type: "image/png"},
		},
	}
	body, err := json.MarshalIndent(m, "", "  ")
	return func(w http.ResponseWriter, r *http.Request) {
		if err != nil { // cannot happen: the map holds only strings and icons
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/manifest+json")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Write(body)
	}
}
