package portal

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
	"github.com/bgimigranti/hub/db/markup"
)

// TestCatalogsComplete fails when a key exists in one language and is missing
// or empty in another, and when a template uses a key no catalogue has.
func TestCatalogsComplete(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range db.InterfaceLangs {
		for key := range cats[a] {
			for _, b := range db.InterfaceLangs {
				if strings.TrimSpace(cats[b][key]) == "" {
					t.Errorf("key %q is in %s but missing or empty in %s", key, a, b)
				}
			}
		}
	}
	used := regexp.MustCompile(`\{\{-?\s*(?:t|template "[^"]+" \(?t)\s+"([a-z0-9.]+)"`)
	entries, _ := templateFiles.ReadDir("templates")
	for _, e := range entries {
		b, _ := templateFiles.ReadFile("templates/" + e.Name())
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if _, ok := cats[db.BG][m[1]]; !ok {
				t.Errorf("%s uses key %q, which the catalogues lack", e.Name(), m[1])
			}
		}
	}
}

func newServer(t *testing.T, s *db.Store) *httptest.Server {
	t.Helper()
	if _, err := s.Seed(context.Background(), markup.New()); err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://hub.example.org")
	h, err := New(Config{BaseURL: base, DataDir: t.TempDir()}, s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func fetch(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestRootRedirectsByCookieThenAcceptLanguage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := newServer(t, s)
		tests := []struct {
			name, cookie, accept, want string
		}{
			{"default", "", "", "/bg/"},
			{"english browser", "", "en-GB,en;q=0.9", "/en/"},
			{"bulgarian browser", "", "bg-BG,bg;q=0.9,en;q=0.5", "/bg/"},
			{"unsupported language", "", "de-DE", "/bg/"},
			{"cookie wins", "en", "bg", "/en/"},
			{"bad cookie ignored", "xx", "en", "/en/"},
		}
		for _, tt := range tests {
			req, _ := http.NewRequest("GET", srv.URL+"/", nil)
			if tt.accept != "" {
				req.Header.Set("Accept-Language", tt.accept)
			}
			if tt.cookie != "" {
				req.AddCookie(&http.Cookie{Name: "lang", Value: tt.cookie})
			}
			resp, _ := fetch(t, req)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tt.want {
				t.Errorf("%s: %d → %q, want 303 → %q", tt.name, resp.StatusCode, resp.Header.Get("Location"), tt.want)
			}
		}
		req, _ := http.NewRequest("GET", srv.URL+"/en/handbooks", nil)
		resp, _ := fetch(t, req)
		if c := resp.Cookies(); len(c) != 1 || c[0].Value != "en" {
			t.Errorf("visiting /en/ did not remember the language: %v", c)
		}
	})
}

func TestMissingTranslationFallsBackVisibly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		srv := newServer(t, s)
		hb := emptyHandbook(t, s, "casebook")
		c := &db.Chapter{HandbookID: hb.ID, Slug: "residence"}
		c.SetTexts(db.Text{Lang: db.EN, Title: "Residence permits", BodyHTML: "<p>Only in English.</p>"})
		if err := s.CreateChapter(ctx, c); err != nil {
			t.Fatal(err)
		}
		c2 := &db.Chapter{HandbookID: hb.ID, Slug: "work"}
		c2.SetTexts(db.Text{Lang: db.BG, Title: "Работа"}, db.Text{Lang: db.EN, Title: "Work"})
		if err := s.CreateChapter(ctx, c2); err != nil {
			t.Fatal(err)
		}

		req, _ := http.NewRequest("GET", srv.URL+"/bg/handbooks/casebook/residence", nil)
		resp, body := fetch(t, req)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		for _, want := range []string{
			`<html lang="bg">`,
			"Този текст все още не е достъпен на български. Показан е на английски.",
			`<a href="/en/handbooks/casebook/residence" hreflang="en">Прочетете го на английски</a>`,
			`<article lang="en">`,
			"Only in English.",
			"Глава 1 от 2",
			`rel="next" href="/bg/handbooks/casebook/work"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("BG page of an English-only chapter lacks %q", want)
			}
		}
		req, _ = http.NewRequest("GET", srv.URL+"/en/handbooks/casebook/work", nil)
		_, body = fetch(t, req)
		if strings.Contains(body, `class="notice"`) || !strings.Contains(body, `rel="prev" href="/en/handbooks/casebook/residence"`) {
			t.Errorf("EN page of a translated chapter shows a notice or lacks the previous link")
		}
		req, _ = http.NewRequest("GET", srv.URL+"/en/handbooks/casebook", nil)
		_, body = fetch(t, req)
		if !strings.Contains(body, `<a href="/en/handbooks/casebook/residence">Residence permits</a>`) {
			t.Errorf("the table of contents lacks the chapter")
		}
	})
}

func TestPagesInBothLanguages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := newServer(t, s)
		for _, tt := range []struct {
			path   string
			status int
			want   []string
		}{
			{"/bg/", 200, []string{`lang="bg"`, `<a href="/en/" hreflang="en" lang="en">English</a>`, "Към съдържанието"}},
			{"/en/", 200, []string{`lang="en"`, `<a href="/bg/" hreflang="bg" lang="bg">Български</a>`, "Skip to content"}},
			{"/en", 301, nil},
			{"/bg/handbooks/intercultural-competences", 200, []string{"Съдържание", `<a href="/bg/handbooks/intercultural-competences/culture-and-identity">Култура, идентичност и многообразие</a>`}},
			{"/en/pages/about", 200, []string{"About the project", `hreflang="bg" href="https://hub.example.org/bg/pages/about"`}},
			{"/en/pages/missing", 404, []string{"Page not found"}},
			{"/de/", 404, []string{"Страницата не е намерена"}},
			{"/static/style.css", 200, []string{"--brand"}},
		} {
			req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
			resp, body := fetch(t, req)
			if resp.StatusCode != tt.status {
				t.Errorf("GET %s = %d, want %d", tt.path, resp.StatusCode, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s lacks %q", tt.path, w)
				}
			}
			if tt.status == 200 && strings.HasSuffix(tt.path, "/") && resp.Header.Get("Content-Security-Policy") == "" {
				t.Errorf("GET %s has no Content-Security-Policy", tt.path)
			}
		}
	})
}
