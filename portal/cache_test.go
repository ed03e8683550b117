package portal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

func TestCachedPageChangesAfterAWrite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := newServer(t, s)
		addItem(t, s, &db.Item{Kind: db.News}, db.Text{Lang: db.EN, Title: "Alpha news"})
		for _, path := range []string{"/en/news", "/en/", "/en/search?q=news"} {
			for range 2 { // the second answer comes from the cache
				_, body := get(t, srv, path)
				if !strings.Contains(body, "Alpha") || strings.Contains(body, "Beta") {
					t.Fatalf("GET %s before the write: wrong content", path)
				}
			}
		}
		second := addItem(t, s, &db.Item{Kind: db.News}, db.Text{Lang: db.EN, Title: "Beta news"})
		for _, path := range []string{"/en/news", "/en/", "/en/search?q=news"} {
			if _, body := get(t, srv, path); !strings.Contains(body, "Beta") {
				t.Errorf("GET %s after a write still shows the old page", path)
			}
		}
		if err := s.SetItemStatus(context.Background(), second.ID, db.Hidden); err != nil {
			t.Fatal(err)
		}
		if _, body := get(t, srv, "/en/news"); strings.Contains(body, "Beta") {
			t.Error("a hidden item is still listed")
		}
		if resp, _ := get(t, srv, "/en/news/"+id(second)); resp.StatusCode != 404 {
			t.Errorf("a hidden item's page = %d", resp.StatusCode)
		}
	})
}

func TestCache(t *testing.T) {
	dbtest.Each(t, testCache)
}

func testCache(t *testing.T, s *db.Store) {
	base, _ := url.Parse("https://hub.example.org")
	h, err := New(Config{BaseURL: base, DataDir: t.TempDir()}, s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	status := http.StatusOK
	fn := h.cached(func(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
		calls++
		remember(w, r, lang)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Language", string(lang))
		w.Header().Set("X-Private", "for this visitor")
		w.WriteHeader(status)
		fmt.Fprintf(w, "page %d for %s", calls, r.URL.RequestURI())
		return nil
	})
	serve := func(target string, cookie string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest("GET", target, nil)
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "lang", Value: cookie})
		}
		rec := httptest.NewRecorder()
		if err := fn(rec, req, db.EN); err != nil {
			t.Fatal(err)
		}
		return rec
	}

	first := serve("/en/news?page=2", "")
	if first.Body.String() != "page 1 for /en/news?page=2" || len(first.Result().Cookies()) != 1 {
		t.Fatalf("first answer: %q, cookies %v", first.Body.String(), first.Result().Cookies())
	}
	// A second visitor, who already chose English: the same page from the
	// cache, without the first visitor's cookie or private header.
	hit := serve("/en/news?page=2", "en")
	if hit.Body.String() != "page 1 for /en/news?page=2" || calls != 1 {
		t.Errorf("second answer %q after %d renders, want the cached page", hit.Body.String(), calls)
	}
	if len(hit.Result().Cookies()) != 0 || hit.Header().Get("X-Private") != "" {
		t.Errorf("a cached answer leaked per-visitor headers: %v", hit.Header())
	}
	if hit.Header().Get("Content-Type") != "text/html; charset=utf-8" || hit.Header().Get("Content-Language") != "en" {
		t.Errorf("a cached answer lost its headers: %v", hit.Header())
	}
	// A third visitor without the cookie still gets it set.
	if c := serve("/en/news?page=2", "bg").Result().Cookies(); len(c) != 1 || c[0].Value != "en" {
		t.Errorf("a cached answer did not remember the language: %v", c)
	}
	// Another query is another page.
	if serve("/en/news?page=3", "en").Body.String() != "page 2 for /en/news?page=3" {
		t.Error("the query is not part of the key")
	}
	// A write empties the cache.
	addItem(t, s, &db.Item{Kind: db.News}, db.Text{Lang: db.EN, Title: "x"})
	if got := serve("/en/news?page=2", "en").Body.String(); got != "page 3 for /en/news?page=2" {
		t.Errorf("after a write: %q", got)
	}
	// Only 200s are kept.
	status = http.StatusNotFound
	serve("/en/missing", "en")
	serve("/en/missing", "en")
	if calls != 5 {
		t.Errorf("a 404 was served from the cache (%d renders)", calls)
	}
	// Errors pass through and are not kept.
	bad := h.cached(func(w http.ResponseWriter, r *http.Request, lang db.Lang) error { return db.ErrNotFound })
	if err := bad(httptest.NewRecorder(), httptest.NewRequest("GET", "/en/x", nil), db.EN); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("error = %v", err)
	}
	// Other methods are not cached.
	status = http.StatusOK
	before := calls
	for range 2 {
		req := httptest.NewRequest("POST", "/en/news?page=2", nil)
		if err := fn(httptest.NewRecorder(), req, db.EN); err != nil {
			t.Fatal(err)
		}
	}
	if calls != before+2 {
		t.Error("a POST was served from the cache")
	}
}

func TestPageCacheIsBounded(t *testing.T) {
	c := newPageCache(1000)
	page := func(key string, n int) *cachedPage { return &cachedPage{key: key, body: make([]byte, n)} }
	c.get("", 7) // at version 7
	c.put(page("a", 400), 7)
	c.put(page("b", 400), 7)
	c.get("a", 7) // a is now the most recently used
	c.put(page("c", 400), 7)
	if _, ok := c.get("b", 7); ok {
		t.Error("the least recently used page was not evicted")
	}
	if _, ok := c.get("a", 7); !ok {
		t.Error("a recently used page was evicted")
	}
	if n, size := c.len(); n != 2 || size > 1000 {
		t.Errorf("%d pages, %d bytes", n, size)
	}
	c.put(page("huge", 5000), 7)
	if _, ok := c.get("huge", 7); ok {
		t.Error("a page bigger than the cache was kept")
	}
	c.put(page("old", 10), 6) // rendered before the last write
	if _, ok := c.get("old", 7); ok {
		t.Error("a page rendered at an old version was kept")
	}
	if _, ok := c.get("a", 8); ok {
		t.Error("a new version did not empty the cache")
	}
	if n, size := c.len(); n != 0 || size != 0 {
		t.Errorf("after a new version: %d pages, %d bytes", n, size)
	}
}

// TestForumWritesKeepSitePagesCached: a forum post (here or federated in)
// leaves the pages that show nothing of the forum in the cache, and renders
// the forum's pages and search anew; a write of an item renders everything
// anew.
func TestForumWritesKeepSitePagesCached(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		visitor := fh.client("")
		ana := fh.user("ana@example.org", "Ана", db.RoleMember, 0)
		th, _ := fh.thread("questions", ana, db.BG, "Въпрос", "Някой?")
		site := []string{"/en/", "/en/news", "/en/organisations", "/en/handbooks"}
		forum := []string{"/en/forum", "/en/forum/questions", "/en/search?q=" + url.QueryEscape("Въпрос")}
		warm := func() {
			for _, p := range append(append([]string{}, site...), forum...) {
				if resp, _ := fh.get(visitor, p); resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: %d", p, resp.StatusCode)
				}
			}
		}
		queries := func(path string) int64 {
			fh.queries.Reset()
			fh.get(visitor, path)
			return fh.queries.Count()
		}
		warm()
		fh.reply(th, ana, db.EN, "a forum write", 0)
		for _, p := range site {
			if n := queries(p); n != 0 {
				t.Errorf("GET %s after a forum write ran %d queries, want 0 (cached)", p, n)
			}
		}
		for _, p := range forum {
			if n := queries(p); n == 0 {
				t.Errorf("GET %s after a forum write came from the cache", p)
			}
		}
		if _, body := fh.get(visitor, "/en/forum/questions/"+itoa(th.ID)); !strings.Contains(body, "a forum write") {
			t.Errorf("the thread does not show the new post")
		}
		warm()
		addItem(t, s, &db.Item{Kind: db.News}, db.Text{Lang: db.EN, Title: "Fresh news"})
		for _, p := range append(append([]string{}, site...), forum...) {
			if n := queries(p); n == 0 {
				t.Errorf("GET %s after an item was published came from the cache", p)
			}
		}
	})
}
