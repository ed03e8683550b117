package portal

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"html"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
	"github.com/bgimigranti/hub/db/markup"
)

var (
	metaTag = regexp.MustCompile(`<meta (?:property|name)="((?:og|twitter):[a-z:_]+)" content="([^"]*)">`)
	ldTag   = regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`)
)

// metaOf returns a page's Open Graph and Twitter tags, the last of a name.
func metaOf(body string) map[string]string {
	out := map[string]string{}
	for _, m := range metaTag.FindAllStringSubmatch(body, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// ldOf returns the JSON-LD of a page, parsed, or nil when it has none.
func ldOf(t *testing.T, body string) map[string]any {
	t.Helper()
	m := ldTag.FindStringSubmatch(body)
	if m == nil {
		return nil
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(m[1]), &out); err != nil {
		t.Fatalf("the JSON-LD does not parse: %v\n%s", err, m[1])
	}
	return out
}

// TestLinkPreviews: every kind of page describes itself for link previews
// with absolute URLs, in its language, and events and news carry schema.org
// JSON-LD that parses and has what their types require.
func TestLinkPreviews(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := newServer(t, s)
		fx := newFixture(t, s)
		sofia, _ := time.LoadLocation("Europe/Sofia")
		ev := addItem(t, s, &db.Item{Kind: db.Event, OrganisationID: fx.local.ID, StartsAt: time.Date(2026, 12, 10, 10, 0, 0, 0, sofia),
			EndsAt: time.Date(2026, 12, 10, 13, 0, 0, 0, sofia), TimeZone: "Europe/Sofia", PlaceName: "Читалище „Заря“", Address: "ул. „Раковски“ 1, Хасково"},
			db.Text{Lang: db.BG, Title: `Семинар </script><script>alert("x")</script>`, Summary: "Среща за правата."},
			db.Text{Lang: db.EN, Title: "Seminar on rights", Summary: "A meeting on rights."})
		online := addItem(t, s, &db.Item{Kind: db.Event, StartsAt: time.Date(2026, 12, 11, 0, 0, 0, 0, sofia), AllDay: true,
			TimeZone: "Europe/Sofia", OnlineURL: "https://meet.example/room", Cancelled: true},
			db.Text{Lang: db.BG, Title: "Онлайн среща"})
		news := addItem(t, s, &db.Item{Kind: db.News, OrganisationID: fx.local.ID, PublishedAt: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)},
			db.Text{Lang: db.BG, Title: "Нов курс", Summary: "Курс по български."}, db.Text{Lang: db.EN, Title: "A new course"})
		attach(t, s, news, addMedia(t, s, &db.Media{SHA256: sha('d'), ContentType: "image/jpeg", Size: 1000, Width: 800, Height: 600}))
		evPath, onlinePath, newsPath := "/events/"+itoa(ev.ID), "/events/"+itoa(online.ID), "/news/"+itoa(news.ID)

		const base = "https://hub.example.org"
		for _, lang := range db.InterfaceLangs {
			for _, p := range []string{"/", "/handbooks", "/handbooks/common-cases", "/handbooks/common-cases/first-steps",
				"/handbooks/common-cases/print", "/pages/about", "/news", "/events", evPath, newsPath,
				"/organisations", "/organisations/ic-haskovo", "/forum", "/feeds", "/search?q=курс", "/login", "/no-such-page"} {
				path := "/" + string(lang) + p
				_, body := get(t, srv, path)
				m := metaOf(body)
				want := base + "/" + string(lang) + strings.TrimSuffix(strings.Split(p, "?")[0], "/")
				if p == "/" {
					want += "/"
				}
				// A 404 is in the visitor's language, whatever the path; a
				// search keeps its query.
				notFound := p == "/no-such-page"
				if !notFound && m["og:url"] != want && !(strings.HasPrefix(p, "/search") && strings.HasPrefix(m["og:url"], want+"?q=")) ||
					!strings.HasPrefix(m["og:url"], base+"/") {
					t.Errorf("%s: og:url %q, want %q", path, m["og:url"], want)
				}
				if m["og:title"] == "" || m["og:description"] == "" || m["og:site_name"] == "" || m["twitter:card"] == "" {
					t.Errorf("%s: missing Open Graph tags: %v", path, m)
				}
				if !notFound && (m["og:locale"] != ogLocale(lang) || m["og:locale:alternate"] != ogLocale(lang.Other())) {
					t.Errorf("%s: og:locale %q, alternate %q", path, m["og:locale"], m["og:locale:alternate"])
				}
				wantType := "website"
				if p == evPath || p == newsPath {
					wantType = "article"
				}
				if m["og:type"] != wantType {
					t.Errorf("%s: og:type %q, want %q", path, m["og:type"], wantType)
				}
				if img, ok := m["og:image"]; p == newsPath && (!strings.HasPrefix(img, base+"/media/") || m["twitter:card"] != "summary_large_image") ||
					p != newsPath && ok {
					t.Errorf("%s: og:image %q, twitter:card %q", path, img, m["twitter:card"])
				}
				if ld := ldOf(t, body); (ld != nil) != (p == evPath || p == newsPath) {
					t.Errorf("%s: JSON-LD %v", path, ld)
				}
			}
		}

		_, body := get(t, srv, "/bg"+evPath)
		if strings.Contains(body, `</script><script>alert`) {
			t.Error("the event's title breaks out of the JSON-LD script")
		}
		ld := ldOf(t, body)
		checkLD(t, "event", ld, map[string]any{
			"@context": "https://schema.org", "@type": "Event", "name": `Семинар </script><script>alert("x")</script>`,
			"startDate": "2026-12-10T10:00:00+02:00", "endDate": "2026-12-10T13:00:00+02:00",
			"eventStatus":         "https://schema.org/EventScheduled",
			"eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
			"url":                 base + "/bg" + evPath,
		})
		loc, _ := ld["location"].(map[string]any)
		addr, _ := loc["address"].(map[string]any)
		if loc["@type"] != "Place" || loc["name"] != "Читалище „Заря“" || addr["@type"] != "PostalAddress" || addr["streetAddress"] != "ул. „Раковски“ 1, Хасково" {
			t.Errorf("event location: %v", ld["location"])
		}
		if org, _ := ld["organizer"].(map[string]any); org["@type"] != "Organization" || org["name"] != "Информационен център Хасково" ||
			org["url"] != base+"/bg/organisations/ic-haskovo" {
			t.Errorf("event organizer: %v", ld["organizer"])
		}

		_, body = get(t, srv, "/en"+onlinePath)
		ld = ldOf(t, body)
		checkLD(t, "online event", ld, map[string]any{
			"@type": "Event", "startDate": "2026-12-11", "eventStatus": "https://schema.org/EventCancelled",
			"eventAttendanceMode": "https://schema.org/OnlineEventAttendanceMode",
		})
		if loc, _ := ld["location"].(map[string]any); loc["@type"] != "VirtualLocation" || loc["url"] != "https://meet.example/room" {
			t.Errorf("online event location: %v", ld["location"])
		}
		if org, _ := ld["organizer"].(map[string]any); org["name"] != "bgimigranti hub" {
			t.Errorf("the hub's own event is organised by %v", ld["organizer"])
		}

		_, body = get(t, srv, "/en"+newsPath)
		ld = ldOf(t, body)
		checkLD(t, "news", ld, map[string]any{
			"@type": "NewsArticle", "headline": "A new course", "datePublished": "2026-11-24T09:00:00Z", "inLanguage": "en",
		})
		if a, _ := ld["author"].(map[string]any); a["name"] != "Haskovo Information Centre" {
			t.Errorf("news author: %v", ld["author"])
		}
		if p, _ := ld["publisher"].(map[string]any); p["@type"] != "Organization" || p["name"] != "bgimigranti hub" {
			t.Errorf("news publisher: %v", ld["publisher"])
		}
		if img, _ := ld["image"].([]any); len(img) != 1 || !strings.HasPrefix(img[0].(string), base+"/media/") {
			t.Errorf("news image: %v", ld["image"])
		}
	})
}

// checkLD checks properties of a JSON-LD node, and that what schema.org and
// search engines expect of its type is there.
func checkLD(t *testing.T, name string, ld map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if ld[k] != v {
			t.Errorf("%s JSON-LD %s = %v, want %v", name, k, ld[k], v)
		}
	}
	required := map[string][]string{
		"Event":       {"name", "startDate", "location", "organizer", "eventStatus", "eventAttendanceMode", "url"},
		"NewsArticle": {"headline", "datePublished", "dateModified", "author", "publisher", "mainEntityOfPage"},
	}
	typ, _ := ld["@type"].(string)
	props, ok := required[typ]
	if !ok || ld["@context"] != "https://schema.org" {
		t.Errorf("%s JSON-LD: @context %v, @type %v", name, ld["@context"], ld["@type"])
	}
	for _, p := range props {
		if v, ok := ld[p]; !ok || v == "" {
			t.Errorf("%s JSON-LD lacks %s", name, p)
		}
	}
	for _, p := range []string{"startDate", "endDate"} {
		if v, ok := ld[p].(string); ok {
			if _, err := time.Parse(time.RFC3339, v); err != nil {
				if _, err := time.Parse(time.DateOnly, v); err != nil {
					t.Errorf("%s JSON-LD %s %q is not ISO 8601", name, p, v)
				}
			}
		}
	}
}

type sitemapDoc struct {
	XMLName xml.Name
	URLs    []struct {
		Loc  string `xml:"loc"`
		Alts []struct {
			Rel      string `xml:"rel,attr"`
			Hreflang string `xml:"hreflang,attr"`
			Href     string `xml:"href,attr"`
		} `xml:"http://www.w3.org/1999/xhtml link"`
	} `xml:"url"`
	Sitemaps []struct {
		Loc string `xml:"loc"`
	} `xml:"sitemap"`
}

// TestSitemapAndRobots: sitemap.xml lists every public page once per
// language with its alternates, and each listed page answers 200;
// robots.txt points at it and keeps crawlers out of the private paths; the
// favicon and manifests answer with their types.
func TestSitemapAndRobots(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := newServer(t, s)
		fx := newFixture(t, s)
		news := addItem(t, s, &db.Item{Kind: db.News, OrganisationID: fx.local.ID}, db.Text{Lang: db.BG, Title: "Новина"})
		draft := addItem(t, s, &db.Item{Kind: db.News, Status: db.Draft}, db.Text{Lang: db.BG, Title: "Чернова"})
		remote := addItem(t, s, &db.Item{Kind: db.Announcement, OrganisationID: fx.partner.ID, Remote: true, APID: "https://partner.example/objects/9"},
			db.Text{Lang: db.BG, Title: "Обява"})

		resp, body := get(t, srv, "/sitemap.xml")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/xml") {
			t.Fatalf("sitemap.xml = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var doc sitemapDoc
		if err := xml.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatalf("sitemap.xml does not parse: %v", err)
		}
		if doc.XMLName.Local != "urlset" || doc.XMLName.Space != "http://www.sitemaps.org/schemas/sitemap/0.9" {
			t.Errorf("sitemap root %v", doc.XMLName)
		}
		const base = "https://hub.example.org"
		seen := map[string]int{}
		for _, u := range doc.URLs {
			seen[u.Loc]++
			if len(u.Alts) != len(db.InterfaceLangs) {
				t.Errorf("%s has %d alternates", u.Loc, len(u.Alts))
			}
			for _, a := range u.Alts {
				if a.Rel != "alternate" || !strings.HasPrefix(a.Href, base+"/"+a.Hreflang+"/") {
					t.Errorf("%s: alternate %+v", u.Loc, a)
				}
			}
		}
		hs, _ := s.Handbooks(context.Background())
		var want []string
		for _, p := range []string{"/", "/handbooks", "/news", "/events", "/press", "/organisations", "/organisations/ic-haskovo",
			"/forum", "/pages/about", "/pages/eu-funding", "/news/" + itoa(news.ID)} {
			want = append(want, p)
		}
		for _, h := range hs {
			want = append(want, "/handbooks/"+h.Slug)
			for _, c := range h.Chapters {
				want = append(want, "/handbooks/"+h.Slug+"/"+c.Slug)
			}
		}
		for _, lang := range db.InterfaceLangs {
			for _, p := range want {
				if u := base + "/" + string(lang) + p; seen[u] != 1 {
					t.Errorf("sitemap lists %s %d times, want once", u, seen[u])
				}
			}
			for _, p := range []string{"/news/" + itoa(draft.ID), "/announcements/" + itoa(remote.ID), "/organisations/ic-ruse", "/login", "/search"} {
				if u := base + "/" + string(lang) + p; seen[u] != 0 {
					t.Errorf("sitemap lists %s", u)
				}
			}
		}
		for u, n := range seen {
			if n != 1 {
				t.Errorf("sitemap lists %s %d times", u, n)
			}
			if resp, _ := get(t, srv, strings.TrimPrefix(u, base)); resp.StatusCode != 200 {
				t.Errorf("sitemap lists %s, which answers %d", u, resp.StatusCode)
			}
		}

		resp, body = get(t, srv, "/robots.txt")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("robots.txt = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, w := range []string{"User-agent: *", "Allow: /\n", "Disallow: /bg/admin\n", "Disallow: /en/manage\n", "Disallow: /en/login\n",
			"Sitemap: " + base + "/sitemap.xml"} {
			if !strings.Contains(body, w) {
				t.Errorf("robots.txt lacks %q:\n%s", w, body)
			}
		}

		for _, c := range []struct{ path, ctype, starts string }{
			{"/favicon.ico", "image/x-icon", "\x00\x00\x01\x00"},
			{"/static/logo.svg", "image/svg+xml", "<svg"},
			{"/static/icon-192.png", "image/png", "\x89PNG"},
		} {
			resp, body := get(t, srv, c.path)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.ctype) || !strings.HasPrefix(body, c.starts) {
				t.Errorf("%s = %d %s", c.path, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
		for _, lang := range db.InterfaceLangs {
			resp, body := get(t, srv, "/"+string(lang)+"/manifest.webmanifest")
			var raw map[string]any
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/manifest+json" || json.Unmarshal([]byte(body), &raw) != nil {
				t.Fatalf("%s manifest = %d %s", lang, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if raw["lang"] != string(lang) || raw["start_url"] != "/"+string(lang)+"/" || raw["name"] == "" {
				t.Errorf("%s manifest: %v", lang, raw)
			}
			if _, page := get(t, srv, "/"+string(lang)+"/"); !strings.Contains(page, `<link rel="manifest" href="/`+string(lang)+`/manifest.webmanifest">`) {
				t.Errorf("the %s home page does not link its manifest", lang)
			}
		}
	})
}

// TestSitemapIndex: past the limit of URLs a file may list, sitemap.xml is
// an index of files that together list every URL once.
func TestSitemapIndex(t *testing.T) {
	s := dbtest.Open(t, db.SQLite)
	if _, err := s.Seed(context.Background(), markup.New()); err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://hub.example.org")
	h, err := New(Config{BaseURL: base, DataDir: t.TempDir()}, s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	h.sitemapMax = 7
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	_, body := get(t, srv, "/sitemap.xml")
	var idx sitemapDoc
	if err := xml.Unmarshal([]byte(body), &idx); err != nil || idx.XMLName.Local != "sitemapindex" || len(idx.Sitemaps) < 2 {
		t.Fatalf("sitemap.xml past the limit: %v, %v with %d files", err, idx.XMLName, len(idx.Sitemaps))
	}
	seen := map[string]bool{}
	for i, sm := range idx.Sitemaps {
		resp, body := get(t, srv, strings.TrimPrefix(sm.Loc, "https://hub.example.org"))
		var doc sitemapDoc
		if err := xml.Unmarshal([]byte(body), &doc); resp.StatusCode != 200 || err != nil || len(doc.URLs) == 0 || len(doc.URLs) > 7 {
			t.Errorf("%s = %d, %v, %d URLs", sm.Loc, resp.StatusCode, err, len(doc.URLs))
		}
		for _, u := range doc.URLs {
			if seen[u.Loc] {
				t.Errorf("file %d lists %s again", i+1, u.Loc)
			}
			seen[u.Loc] = true
		}
	}
	if !seen["https://hub.example.org/bg/"] || !seen["https://hub.example.org/en/feeds"] {
		t.Errorf("the files miss pages: %d URLs", len(seen))
	}
	for _, p := range []string{"/sitemaps/0.xml", "/sitemaps/99.xml", "/sitemaps/x"} {
		if resp, _ := get(t, srv, p); resp.StatusCode != 404 {
			t.Errorf("%s = %d, want 404", p, resp.StatusCode)
		}
	}
}
