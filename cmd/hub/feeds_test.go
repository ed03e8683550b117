package main

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// feedHub is the whole hub, built by newHub on a fresh database, behind an
// httptest server.
type feedHub struct {
	t     *testing.T
	store *db.Store
	srv   *httptest.Server
	base  string
}

func newFeedHub(t *testing.T, d db.Dialect) *feedHub {
	t.Helper()
	const base = "https://hub.example.org"
	vars := map[string]string{"HUB_DATA_DIR": t.TempDir(), "HUB_DATABASE_URL": dbtest.DSN(t, d), "HUB_BASE_URL": base}
	c, err := registerConfigFlags(newFlagSet("t", env{stderr: io.Discard}), func(k string) string { return vars[k] })()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	c.fastPasswords = true
	store, err := open(context.Background(), c, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h, err := newHub(c, store, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.handler)
	t.Cleanup(srv.Close)
	return &feedHub{t: t, store: store, srv: srv, base: base}
}

// get fetches a path or an absolute URL of the hub from the test server.
func (x *feedHub) get(target string) (*http.Response, string) {
	x.t.Helper()
	resp, err := http.Get(x.srv.URL + strings.TrimPrefix(target, x.base))
	if err != nil {
		x.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var (
	alternateLink = regexp.MustCompile(`<link rel="alternate" type="([^"]+)" title="([^"]*)" href="([^"]+)">`)
	anchor        = regexp.MustCompile(`<a href="([^"]+)"`)
)

// alternates returns the feeds a page announces, as "type href".
func (x *feedHub) alternates(path string) []string {
	x.t.Helper()
	resp, body := x.get(path)
	if resp.StatusCode != http.StatusOK {
		x.t.Fatalf("GET %s = %d", path, resp.StatusCode)
	}
	head, _, _ := strings.Cut(body, "</head>")
	var out []string
	for _, m := range alternateLink.FindAllStringSubmatch(head, -1) {
		if m[2] == "" {
			x.t.Errorf("GET %s: feed %s without a title", path, m[3])
		}
		out = append(out, html.UnescapeString(m[1])+" "+html.UnescapeString(m[3]))
	}
	return out
}

// TestHubServesFeeds runs the whole hub, as serve builds it, on each
// database: feeds are mounted beside the portal, pages announce their
// feeds, the feed list page links every feed, and each link answers.
func TestHubServesFeeds(t *testing.T) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			x := newFeedHub(t, d)
			ctx := context.Background()
			org := &db.Organisation{Handle: "ic-haskovo", Kind: db.OrgInfoCentre}
			org.SetTexts(db.Text{Lang: db.BG, Title: "Информационен център Хасково"}, db.Text{Lang: db.EN, Title: "Haskovo Information Centre"})
			if err := x.store.CreateOrganisation(ctx, org); err != nil {
				t.Fatal(err)
			}
			it := &db.Item{Kind: db.News, Status: db.Published, OrganisationID: org.ID}
			it.SetTexts(db.Text{Lang: db.BG, Title: "Безплатни езикови курсове", Summary: "Записване за курсове.", BodyHTML: "<p>Курсове.</p>"})
			if err := x.store.CreateItem(ctx, it); err != nil {
				t.Fatal(err)
			}

			for _, path := range []string{"/bg/feeds/all.atom", "/en/feeds/news.rss", "/en/feeds/organisations/ic-haskovo.json"} {
				resp, body := x.get(path)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s = %d: %s", path, resp.StatusCode, body)
				}
				f, err := gofeed.NewParser().ParseString(body)
				if err != nil {
					t.Fatalf("GET %s: %v", path, err)
				}
				if len(f.Items) != 1 || f.Items[0].Title != "Безплатни езикови курсове" || f.Items[0].GUID != x.base+it.ObjectPath() {
					t.Errorf("GET %s: items %+v", path, f.Items)
				}
			}
			for _, path := range []string{"/xx/feeds/all.atom", "/bg/feeds/nothing.atom", "/en/feeds/organisations/nobody/events.ics"} {
				if resp, _ := x.get(path); resp.StatusCode != http.StatusNotFound {
					t.Errorf("GET %s = %d, want 404", path, resp.StatusCode)
				}
			}

			// Autodiscovery: each page announces its own feeds first and
			// the site-wide feed of its language last.
			site := func(l db.Lang) string { return "application/atom+xml " + x.base + db.SiteFeedPath(l, db.FeedAtom) }
			item := func(l db.Lang, path func(db.FeedFormat) string) []string {
				return []string{
					"application/atom+xml " + x.base + path(db.FeedAtom),
					"application/rss+xml " + x.base + path(db.FeedRSS),
					"application/feed+json " + x.base + path(db.FeedJSON),
				}
			}
			news := func(f db.FeedFormat) string { return db.SectionFeedPath(db.BG, db.News, f) }
			events := func(f db.FeedFormat) string { return db.SectionFeedPath(db.EN, db.Event, f) }
			orgFeed := func(f db.FeedFormat) string { return db.OrganisationFeedPath(db.EN, "ic-haskovo", f) }
			pages := []struct {
				path string
				want []string
			}{
				{"/bg/", []string{site(db.BG)}},
				{"/en/handbooks", []string{site(db.EN)}},
				{"/bg/news", append(item(db.BG, news), site(db.BG))},
				{it.PagePath(db.BG), append(item(db.BG, news), site(db.BG))},
				{"/en/events", append(item(db.EN, events), "text/calendar "+x.base+db.CalendarPath(db.EN), site(db.EN))},
				{"/en/organisations/ic-haskovo", append(item(db.EN, orgFeed), "text/calendar "+x.base+db.OrganisationCalendarPath(db.EN, "ic-haskovo"), site(db.EN))},
				{"/bg/feeds", []string{site(db.BG)}},
			}
			for _, p := range pages {
				if got := x.alternates(p.path); !slices.Equal(got, p.want) {
					t.Errorf("GET %s announces\n%q, want\n%q", p.path, got, p.want)
				}
			}
			search := x.alternates("/bg/search?q=Курсове")
			if want := "application/atom+xml " + x.base + db.SearchFeedPath(db.BG, "курсове", db.FeedAtom); len(search) == 0 || search[0] != want {
				t.Errorf("search page announces %q, want %q first", search, want)
			}
			for _, f := range search {
				if resp, _ := x.get(strings.Fields(f)[1]); resp.StatusCode != http.StatusOK {
					t.Errorf("announced feed %s = %d", f, resp.StatusCode)
				}
			}

			// The feed list page links every feed and calendar, and each
			// link answers.
			for _, lang := range db.InterfaceLangs {
				resp, body := x.get(db.FeedListPath(lang))
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s = %d", db.FeedListPath(lang), resp.StatusCode)
				}
				var feeds []string
				for _, m := range anchor.FindAllStringSubmatch(body, -1) {
					if u := html.UnescapeString(m[1]); strings.HasPrefix(u, x.base+"/"+string(lang)+"/feeds") {
						feeds = append(feeds, u)
					}
				}
				want := []string{
					x.base + db.SiteFeedPath(lang, db.FeedJSON),
					x.base + db.SectionFeedPath(lang, db.Gallery, db.FeedRSS),
					x.base + db.OrganisationFeedPath(lang, "ic-haskovo", db.FeedAtom),
					x.base + db.CalendarPath(lang),
					x.base + db.OrganisationCalendarPath(lang, "ic-haskovo"),
					x.base + db.OPMLPath(lang),
				}
				for _, w := range want {
					if !slices.Contains(feeds, w) {
						t.Errorf("%s: no link to %s", db.FeedListPath(lang), w)
					}
				}
				// 1 site + 8 sections + 1 organisation + the 4 seeded forum
				// categories, 3 formats each; 2 calendars; the OPML file.
				if len(feeds) != 3*(1+len(db.Kinds())+1+4)+2+1 {
					t.Errorf("%s: %d feed links", db.FeedListPath(lang), len(feeds))
				}
				for _, u := range feeds {
					if resp, _ := x.get(u); resp.StatusCode != http.StatusOK {
						t.Errorf("%s links %s, which answers %d", db.FeedListPath(lang), u, resp.StatusCode)
					}
				}
			}
		})
	}
}

// TestFeedListPassesAxe checks the feed list page of each language with
// axe-core in a real browser, like the other pages (browser_test.go).
func TestFeedListPassesAxe(t *testing.T) {
	axe := needAxe(t)
	tab := browser(t)
	_, srv := testSite(t)
	for _, lang := range db.InterfaceLangs {
		path := db.FeedListPath(lang)
		for _, v := range seriousViolations(t, tab, axe, srv.URL+path) {
			t.Errorf("%s: %s", path, v)
		}
	}
}
