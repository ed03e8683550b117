package feeds

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	gofeedjson "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// served is a feed fetched over HTTP and parsed by gofeed.
type served struct {
	*gofeed.Feed
	format db.FeedFormat
	body   []byte
	resp   *http.Response
}

var wantContentType = map[db.FeedFormat]string{
	db.FeedAtom: "application/atom+xml; charset=utf-8",
	db.FeedRSS:  "application/rss+xml; charset=utf-8",
	db.FeedJSON: "application/feed+json; charset=utf-8",
}

// feed fetches path, checks its status and Content-Type and parses it
// with gofeed, a reader written by someone else.
func (x *hub) feed(path string, fm db.FeedFormat) *served {
	x.t.Helper()
	resp, body := x.get(path)
	if resp.StatusCode != http.StatusOK {
		x.t.Fatalf("GET %s = %d, want 200: %s", path, resp.StatusCode, body)
	}
	if got := resp.Header.Get("Content-Type"); got != wantContentType[fm] {
		x.t.Errorf("GET %s: Content-Type = %q, want %q", path, got, wantContentType[fm])
	}
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	f, err := p.Parse(bytes.NewReader(body))
	if err != nil {
		x.t.Fatalf("GET %s: gofeed cannot parse it: %v\n%s", path, err, body)
	}
	if f.FeedType != string(fm) {
		x.t.Fatalf("GET %s: gofeed detected %q, want %q", path, f.FeedType, fm)
	}
	return &served{Feed: f, format: fm, body: body, resp: resp}
}

// guids returns the ids of the feed's items, in order.
func (f *served) guids() []string {
	out := make([]string, len(f.Items))
	for i, it := range f.Items {
		out[i] = it.GUID
	}
	return out
}

// item returns the parsed item with the given id and its index.
func (f *served) item(t *testing.T, guid string) (*gofeed.Item, int) {
	t.Helper()
	for i, it := range f.Items {
		if it.GUID == guid {
			return it, i
		}
	}
	t.Fatalf("%s feed %q has no item %q; it has %q", f.format, f.Title, guid, f.guids())
	return nil, -1
}

// author returns the first author of item i with its URI (none in RSS).
func (f *served) author(i int) (name, uri string) {
	switch f.format {
	case db.FeedAtom:
		if as := f.OriginalFeed().(*atom.Feed).Entries[i].Authors; len(as) > 0 {
			return as[0].Name, as[0].URI
		}
	case db.FeedRSS:
		if dc := f.OriginalFeed().(*rss.Feed).Items[i].DublinCoreExt; dc != nil && len(dc.Creator) > 0 {
			return dc.Creator[0], ""
		}
	case db.FeedJSON:
		if as := f.OriginalFeed().(*gofeedjson.Feed).Items[i].Authors; len(as) > 0 {
			return as[0].Name, as[0].URL
		}
	}
	return "", ""
}

// entryLang returns the language item i declares apart from the feed's:
// Atom xml:lang, RSS dc:language or the JSON Feed item language.
func (f *served) entryLang(t *testing.T, i int) string {
	t.Helper()
	switch f.format {
	case db.FeedAtom:
		var doc struct {
			Entries []struct {
				Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal(f.body, &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Entries[i].Lang
	case db.FeedRSS:
		if dc := f.OriginalFeed().(*rss.Feed).Items[i].DublinCoreExt; dc != nil && len(dc.Language) > 0 {
			return dc.Language[0]
		}
		return ""
	default:
		return f.OriginalFeed().(*gofeedjson.Feed).Items[i].Language
	}
}

// source returns the origin of item i: title and URL.
func (f *served) source(t *testing.T, i int) (string, string) {
	t.Helper()
	switch f.format {
	case db.FeedAtom:
		if s := f.OriginalFeed().(*atom.Feed).Entries[i].Source; s != nil {
			return s.Title, s.ID
		}
	case db.FeedRSS:
		if s := f.OriginalFeed().(*rss.Feed).Items[i].Source; s != nil {
			return s.Title, s.URL
		}
	case db.FeedJSON:
		var doc struct {
			Items []struct {
				Source *struct{ Title, URL string } `json:"_source"`
			} `json:"items"`
		}
		if err := json.Unmarshal(f.body, &doc); err != nil {
			t.Fatal(err)
		}
		if s := doc.Items[i].Source; s != nil {
			return s.Title, s.URL
		}
	}
	return "", ""
}

func sameInstant(got *time.Time, want time.Time) bool {
	return got != nil && got.Equal(want.Truncate(time.Second))
}

func reversed(items ...*db.Item) []*db.Item {
	out := slices.Clone(items)
	slices.Reverse(out)
	return out
}

// TestFeedsOverHTTP fetches the site, section and organisation feeds in
// both languages and every format from a server that mounts the handler as
// cmd/hub does, parses them with gofeed and checks the feed's title, links
// and language, which items it holds in which order, and each item's
// title, link, id, dates, language, author, categories, enclosures and
// source.
func TestFeedsOverHTTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		x := newHub(t, s)
		orgTitle := map[db.Lang]string{db.BG: "Информационен център Хасково", db.EN: "Haskovo Information Centre"}
		site := map[db.Lang]string{db.BG: "bgimigranti хъб", db.EN: "bgimigranti hub"}
		cases := []struct {
			name  string
			path  func(db.Lang, db.FeedFormat) string
			page  func(db.Lang) string
			title func(db.Lang) string
			items []*db.Item
		}{
			{
				name:  "all",
				path:  db.SiteFeedPath,
				page:  func(l db.Lang) string { return testBase + "/" + string(l) + "/" },
				title: func(l db.Lang) string { return site[l] },
				items: reversed(x.published...),
			},
			{
				name: "news",
				path: func(l db.Lang, f db.FeedFormat) string { return db.SectionFeedPath(l, db.News, f) },
				page: func(l db.Lang) string { return testBase + "/" + string(l) + "/news" },
				title: func(l db.Lang) string {
					return map[db.Lang]string{db.BG: "Новини", db.EN: "News"}[l] + " — " + site[l]
				},
				items: []*db.Item{x.remote, x.newsBG, x.newsBoth},
			},
			{
				name: "events",
				path: func(l db.Lang, f db.FeedFormat) string { return db.SectionFeedPath(l, db.Event, f) },
				page: func(l db.Lang) string { return testBase + "/" + string(l) + "/events" },
				title: func(l db.Lang) string {
					return map[db.Lang]string{db.BG: "Събития", db.EN: "Events"}[l] + " — " + site[l]
				},
				items: []*db.Item{x.old, x.recent, x.newYork, x.winter, x.summer},
			},
			{
				name:  "organisation",
				path:  func(l db.Lang, f db.FeedFormat) string { return db.OrganisationFeedPath(l, "ic-haskovo", f) },
				page:  func(l db.Lang) string { return testBase + db.OrganisationPath(l, "ic-haskovo") },
				title: func(l db.Lang) string { return orgTitle[l] + " — " + site[l] },
				items: []*db.Item{x.old, x.recent, x.winter, x.summer, x.newsBoth},
			},
			{
				name:  "remote organisation",
				path:  func(l db.Lang, f db.FeedFormat) string { return db.OrganisationFeedPath(l, "krile", f) },
				page:  func(l db.Lang) string { return testBase + db.OrganisationPath(l, "krile") },
				title: func(l db.Lang) string { return "Фондация „Мисия Криле“ — " + site[l] },
				items: []*db.Item{x.remote},
			},
		}
		for _, tc := range cases {
			for _, lang := range db.InterfaceLangs {
				for _, fm := range db.FeedFormats() {
					path := tc.path(lang, fm)
					t.Run(tc.name+"/"+path, func(t *testing.T) {
						f := x.feed(path, fm)
						if f.Title != tc.title(lang) {
							t.Errorf("title = %q, want %q", f.Title, tc.title(lang))
						}
						if f.Link != tc.page(lang) {
							t.Errorf("link = %q, want %q", f.Link, tc.page(lang))
						}
						if f.FeedLink != testBase+path {
							t.Errorf("self link = %q, want %q", f.FeedLink, testBase+path)
						}
						if f.Language != string(lang) {
							t.Errorf("language = %q, want %q", f.Language, lang)
						}
						var want []string
						for _, it := range tc.items {
							want = append(want, x.canonical(it))
						}
						if !slices.Equal(f.guids(), want) {
							t.Fatalf("items = %q, want %q", f.guids(), want)
						}
						for i, it := range tc.items {
							x.checkEntry(t, f, i, it, lang)
						}
					})
				}
			}
		}
	})
}

// canonical is an item's id in feeds and calendars.
func (x *hub) canonical(it *db.Item) string {
	if it.Remote {
		return it.APID
	}
	return canonID(it)
}

// checkEntry checks item i of f against the stored item it, in the feed's
// language lang.
func (x *hub) checkEntry(t *testing.T, f *served, i int, it *db.Item, lang db.Lang) {
	t.Helper()
	got := f.Items[i]
	text, exact, _ := it.Texts().In(lang)
	if got.Title != text.Title {
		t.Errorf("item %d: title = %q, want %q", i, got.Title, text.Title)
	}
	if got.Link != pageURL(it, lang) {
		t.Errorf("item %d: link = %q, want %q", i, got.Link, pageURL(it, lang))
	}
	if !sameInstant(got.PublishedParsed, it.PublishedAt) {
		t.Errorf("item %d: published = %v, want %v", i, got.PublishedParsed, it.PublishedAt)
	}
	if f.format != db.FeedRSS && !sameInstant(got.UpdatedParsed, it.UpdatedAt) {
		t.Errorf("item %d: updated = %v, want %v", i, got.UpdatedParsed, it.UpdatedAt)
	}
	wantLang := ""
	if !exact {
		wantLang = string(text.Lang)
	}
	if gotLang := f.entryLang(t, i); gotLang != wantLang {
		t.Errorf("item %d (%q): language = %q, want %q", i, got.Title, gotLang, wantLang)
	}
	if text.BodyHTML != "" && got.Content != text.BodyHTML {
		t.Errorf("item %d: content = %q, want %q", i, got.Content, text.BodyHTML)
	}
	if text.Summary != "" && got.Description != text.Summary {
		t.Errorf("item %d: summary = %q, want %q", i, got.Description, text.Summary)
	}

	wantName := map[db.Lang]string{db.BG: "bgimigranti хъб", db.EN: "bgimigranti hub"}[lang]
	wantURI := testBase + "/" + string(lang) + "/"
	if it.Organisation != nil {
		ot, _, _ := it.Organisation.Texts().In(lang)
		wantName, wantURI = ot.Title, testBase+db.OrganisationPath(lang, it.Organisation.Handle)
	}
	if f.format == db.FeedRSS {
		wantURI = ""
	}
	if name, uri := f.author(i); name != wantName || uri != wantURI {
		t.Errorf("item %d: author = %q %q, want %q %q", i, name, uri, wantName, wantURI)
	}

	section := map[db.Lang]map[db.Kind]string{db.BG: {db.News: "Новини", db.Event: "Събития"}, db.EN: {db.News: "News", db.Event: "Events"}}[lang][it.Kind]
	if len(got.Categories) == 0 || got.Categories[0] != section {
		t.Errorf("item %d: categories = %q, want %q first", i, got.Categories, section)
	}

	var wantEnc []gofeed.Enclosure
	if it.ID == x.newsBoth.ID {
		for _, m := range []*db.Media{x.image, x.pdf} {
			wantEnc = append(wantEnc, gofeed.Enclosure{URL: testBase + "/media/" + strconv.FormatInt(m.ID, 10), Type: m.ContentType, Length: strconv.FormatInt(m.Size, 10)})
		}
		if f.format == db.FeedRSS {
			wantEnc = wantEnc[:1]
		}
	}
	var gotEnc []gofeed.Enclosure
	for _, e := range got.Enclosures {
		gotEnc = append(gotEnc, *e)
	}
	if !slices.Equal(gotEnc, wantEnc) {
		t.Errorf("item %d: enclosures = %+v, want %+v", i, gotEnc, wantEnc)
	}

	title, src := f.source(t, i)
	if it.Remote {
		if want := "Фондация „Мисия Криле“, krile.example"; title != want || src != it.URL {
			t.Errorf("item %d: source = %q %q, want %q %q", i, title, src, want, it.URL)
		}
	} else if title != "" || src != "" {
		t.Errorf("item %d: local item has source %q %q", i, title, src)
	}
}

// TestItemLifecycle follows one item: published in one language, it shows
// up in its section feed, its organisation's feed and the site feed of
// both languages (in its own language in the other's feeds); translated
// and edited, it changes its title and updated time; unpublished or hidden,
// it disappears from all of them.
func TestItemLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		x := newHub(t, s)
		ctx := context.Background()
		it := &db.Item{Kind: db.Material, OrganisationID: x.org.ID, Status: db.Published}
		it.SetTexts(db.Text{Lang: db.BG, Title: "Наръчник за работодатели", Summary: "Как да наемем работник от трета страна.", BodyHTML: "<p>Наръчник.</p>"})
		if err := s.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		paths := func(lang db.Lang) []string {
			return []string{
				db.SectionFeedPath(lang, db.Material, db.FeedAtom),
				db.OrganisationFeedPath(lang, x.org.Handle, db.FeedAtom),
				db.SiteFeedPath(lang, db.FeedAtom),
				db.SectionFeedPath(lang, db.Material, db.FeedJSON),
				db.SiteFeedPath(lang, db.FeedRSS),
			}
		}
		find := func(path string, fm db.FeedFormat) (*served, int) {
			t.Helper()
			f := x.feed(path, fm)
			for i, g := range f.guids() {
				if g == canonID(it) {
					return f, i
				}
			}
			return f, -1
		}
		for _, lang := range db.InterfaceLangs {
			for _, p := range paths(lang) {
				f, i := find(p, formatOf(p))
				if i < 0 {
					t.Fatalf("%s: new item missing", p)
				}
				if got := f.Items[i].Title; got != "Наръчник за работодатели" {
					t.Errorf("%s: title = %q", p, got)
				}
				wantLang := ""
				if lang == db.EN {
					wantLang = "bg"
				}
				if got := f.entryLang(t, i); got != wantLang {
					t.Errorf("%s: entry language = %q, want %q", p, got, wantLang)
				}
			}
		}

		stored := x.reload(it)
		before := stored.UpdatedAt
		time.Sleep(1100 * time.Millisecond) // feeds write times to the second
		stored.SetTexts(
			db.Text{Lang: db.BG, Title: "Наръчник за работодатели (2-ро издание)", Summary: "Обновен."},
			db.Text{Lang: db.EN, Title: "A handbook for employers", Summary: "Updated."},
		)
		if err := s.UpdateItem(ctx, stored); err != nil {
			t.Fatal(err)
		}
		for _, lang := range db.InterfaceLangs {
			want := map[db.Lang]string{db.BG: "Наръчник за работодатели (2-ро издание)", db.EN: "A handbook for employers"}[lang]
			for _, p := range paths(lang) {
				f, i := find(p, formatOf(p))
				if i < 0 {
					t.Fatalf("%s: edited item missing", p)
				}
				if got := f.Items[i].Title; got != want {
					t.Errorf("%s: title after edit = %q, want %q", p, got, want)
				}
				if got := f.entryLang(t, i); got != "" {
					t.Errorf("%s: translated entry still has language %q", p, got)
				}
				if up := f.Items[i].UpdatedParsed; f.format != db.FeedRSS && (up == nil || !up.After(before.Truncate(time.Second))) {
					t.Errorf("%s: updated = %v, want after %v", p, up, before)
				}
				if f.format == db.FeedAtom && !sameInstant(f.UpdatedParsed, x.reload(it).UpdatedAt) {
					t.Errorf("%s: feed updated = %v, want the edit's time", p, f.UpdatedParsed)
				}
			}
		}

		for _, st := range []db.Status{db.Draft, db.Hidden} {
			if err := s.SetItemStatus(ctx, it.ID, db.Published); err != nil {
				t.Fatal(err)
			}
			if _, i := find(db.SiteFeedPath(db.BG, db.FeedAtom), db.FeedAtom); i < 0 {
				t.Fatalf("republished item missing")
			}
			if err := s.SetItemStatus(ctx, it.ID, st); err != nil {
				t.Fatal(err)
			}
			for _, lang := range db.InterfaceLangs {
				for _, p := range paths(lang) {
					if _, i := find(p, formatOf(p)); i >= 0 {
						t.Errorf("%s: item still there after it became %s", p, st)
					}
				}
			}
		}
	})
}

// TestSearchFeed subscribes to a search: the published items that match
// appear, newest first, and hidden or draft ones do not.
func TestSearchFeed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		x := newHub(t, s)
		for _, fm := range db.FeedFormats() {
			path := db.SearchFeedPath(db.BG, "Курсове", fm)
			f := x.feed(path, fm)
			if want := []string{canonID(x.newsBoth)}; !slices.Equal(f.guids(), want) {
				t.Errorf("%s: items = %q, want %q", path, f.guids(), want)
			}
			if want := "Търсене: курсове — bgimigranti хъб"; f.Title != want {
				t.Errorf("%s: title = %q, want %q", path, f.Title, want)
			}
			if want := testBase + "/bg/search?q=%D0%BA%D1%83%D1%80%D1%81%D0%BE%D0%B2%D0%B5"; f.Link != want {
				t.Errorf("%s: link = %q, want %q", path, f.Link, want)
			}
		}
		// An English query finds the English text, shown in the
		// Bulgarian feed as it matched.
		f := x.feed("/bg/feeds/search.json?q=enrol", db.FeedJSON)
		if len(f.Items) != 1 || f.Items[0].Title != "Free language courses" || f.entryLang(t, 0) != "en" {
			t.Errorf("search for an English word: %+v", f.Items)
		}
	})
}

// TestOPMLListsEveryFeed reads the OPML file of each language and fetches every feed
// and calendar it lists.
func TestOPMLListsEveryFeed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		x := newHub(t, s)
		for _, lang := range db.InterfaceLangs {
			resp, body := x.get(db.OPMLPath(lang))
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/x-opml; charset=utf-8" {
				t.Fatalf("GET %s = %d %q", db.OPMLPath(lang), resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			type outline struct {
				Text     string    `xml:"text,attr"`
				Type     string    `xml:"type,attr"`
				XMLURL   string    `xml:"xmlUrl,attr"`
				URL      string    `xml:"url,attr"`
				Children []outline `xml:"outline"`
			}
			var doc struct {
				Lang string    `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
				Body []outline `xml:"body>outline"`
			}
			if err := xml.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Lang != string(lang) {
				t.Errorf("%s: xml:lang = %q", lang, doc.Lang)
			}
			var folders []string
			counts := map[string]int{}
			for _, folder := range doc.Body {
				folders = append(folders, folder.Text)
				for _, o := range folder.Children {
					counts[folder.Text]++
					switch o.Type {
					case "rss":
						x.feed(o.XMLURL, db.FeedAtom)
					case "link":
						if r, b := x.get(o.URL); r.StatusCode != http.StatusOK || !bytes.HasPrefix(b, []byte("BEGIN:VCALENDAR")) {
							t.Errorf("%s: GET %s = %d", lang, o.URL, r.StatusCode)
						}
					default:
						t.Errorf("%s: outline %q has type %q", lang, o.Text, o.Type)
					}
				}
			}
			m := msgs(lang)
			if want := []string{m.opmlSite, m.opmlSections, m.opmlOrganisations, m.opmlCalendars}; !slices.Equal(folders, want) {
				t.Errorf("%s: folders = %q, want %q", lang, folders, want)
			}
			if counts[m.opmlSite] != 1 || counts[m.opmlSections] != len(db.Kinds()) || counts[m.opmlOrganisations] != 2 || counts[m.opmlCalendars] != 3 {
				t.Errorf("%s: outlines per folder = %v", lang, counts)
			}
		}
	})
}

// TestConditionalGET checks ETag and Last-Modified: a request that names
// the current ETag gets 304 without the database (the store is closed and
// the cache emptied first), a write changes the ETag, If-Modified-Since
// works and a malformed one is ignored, and HEAD gets the headers alone.
func TestConditionalGET(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		x := newHub(t, s)
		const path = "/bg/feeds/news.atom"
		resp, body := x.get(path)
		etag, lastMod := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		if resp.StatusCode != http.StatusOK || len(body) == 0 {
			t.Fatalf("GET = %d", resp.StatusCode)
		}
		if len(etag) < 3 || etag[0] != '"' || etag[len(etag)-1] != '"' {
			t.Errorf("ETag = %q, want a strong quoted tag", etag)
		}
		if got := resp.Header.Get("Cache-Control"); got != "public, max-age=300" {
			t.Errorf("Cache-Control = %q", got)
		}
		if want := x.remote.UpdatedAt.UTC().Format(http.TimeFormat); lastMod != want {
			t.Errorf("Last-Modified = %q, want the newest entry's %q", lastMod, want)
		}
		if r, _ := x.get("/bg/feeds/news.rss"); r.Header.Get("ETag") == etag {
			t.Errorf("RSS and Atom share the ETag %s", etag)
		}
		if r, _ := x.get("/en/feeds/news.atom"); r.Header.Get("ETag") == etag {
			t.Errorf("two languages share the ETag %s", etag)
		}

		conditional := []struct {
			name    string
			headers []string
			status  int
		}{
			{"If-None-Match", []string{"If-None-Match", etag}, http.StatusNotModified},
			{"If-None-Match in a list, weak", []string{"If-None-Match", `"other", W/` + etag}, http.StatusNotModified},
			{"If-None-Match other", []string{"If-None-Match", `"other"`}, http.StatusOK},
			{"If-None-Match *", []string{"If-None-Match", "*"}, http.StatusNotModified},
			{"If-Modified-Since Last-Modified", []string{"If-Modified-Since", lastMod}, http.StatusNotModified},
			{"If-Modified-Since earlier", []string{"If-Modified-Since", x.remote.UpdatedAt.Add(-time.Hour).UTC().Format(http.TimeFormat)}, http.StatusOK},
			{"If-Modified-Since malformed", []string{"If-Modified-Since", "yesterday, around noon"}, http.StatusOK},
			{"If-Modified-Since empty-ish", []string{"If-Modified-Since", "0"}, http.StatusOK},
			{"If-None-Match wins over If-Modified-Since", []string{"If-None-Match", `"other"`, "If-Modified-Since", lastMod}, http.StatusOK},
		}
		for _, c := range conditional {
			r, b := x.get(path, c.headers...)
			if r.StatusCode != c.status {
				t.Errorf("%s: status %d, want %d", c.name, r.StatusCode, c.status)
			}
			if r.StatusCode == http.StatusNotModified && (len(b) != 0 || r.Header.Get("ETag") != etag) {
				t.Errorf("%s: 304 with %d bytes and ETag %q", c.name, len(b), r.Header.Get("ETag"))
			}
		}

		r, b := x.do(http.MethodHead, path)
		if r.StatusCode != http.StatusOK || len(b) != 0 || r.Header.Get("ETag") != etag || r.Header.Get("Content-Type") != wantContentType[db.FeedAtom] {
			t.Errorf("HEAD = %d, %d bytes, ETag %q, type %q", r.StatusCode, len(b), r.Header.Get("ETag"), r.Header.Get("Content-Type"))
		}

		// A write changes the ETag of every feed.
		x.create(&db.Item{Kind: db.Service}, db.Text{Lang: db.BG, Title: "Нова услуга"})
		r, _ = x.get(path, "If-None-Match", etag)
		if r.StatusCode != http.StatusOK || r.Header.Get("ETag") == etag {
			t.Errorf("after a write: status %d, ETag %q (was %q)", r.StatusCode, r.Header.Get("ETag"), etag)
		}
		etag = r.Header.Get("ETag")

		// With no cache and no database, the ETag alone answers.
		x.h.cache.reset()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			if r, _ := x.do(method, path, "If-None-Match", etag); r.StatusCode != http.StatusNotModified {
				t.Errorf("%s with the ETag, store closed: status %d, want 304", method, r.StatusCode)
			}
		}
		if r, _ := x.get(path); r.StatusCode != http.StatusInternalServerError {
			t.Errorf("GET without the ETag, store closed: status %d, want 500 (the store must really be closed)", r.StatusCode)
		}
	})
}

// TestCacheServesWithoutDatabase checks that a cached feed is served without the database and
// that it is served as it was built.
func TestCacheServesWithoutDatabase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		x := newHub(t, s)
		const path = "/en/feeds/all.json"
		_, first := x.get(path)
		if n, size := x.h.cache.stats(); n != 1 || size < int64(len(first)) {
			t.Errorf("after one feed: %d entries, %d bytes", n, size)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		r, again := x.get(path)
		if r.StatusCode != http.StatusOK || !bytes.Equal(first, again) {
			t.Errorf("cached feed with the store closed: %d, same bytes %v", r.StatusCode, bytes.Equal(first, again))
		}
	})
}

// TestBadInput sends requests for feeds that do not exist and malformed
// requests: each gets a 4xx with a short plain-text message in the
// request's language, never a 5xx.
func TestBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		x := newHub(t, s)
		news := strconv.FormatInt(x.newsBoth.ID, 10)
		draft := strconv.FormatInt(x.draft.ID, 10)
		long := url.QueryEscape(strings.Repeat("я", db.MaxSearchLen+1))
		cases := []struct {
			path   string
			status int
		}{
			{"/bg/feeds/nonsense.atom", 404},
			{"/bg/feeds/news.xml", 404},
			{"/bg/feeds/news", 404},
			{"/bg/feeds/news.", 404},
			{"/bg/feeds/.atom", 404},
			{"/bg/feeds/all.ics", 404},
			{"/bg/feeds/news.ics", 404},
			{"/bg/feeds/events.opml", 404},
			{"/bg/feeds/event.atom", 404},
			{"/bg/feeds/project_update.atom", 404},
			{"/bg/feeds/News.atom", 404},
			{"/bg/feeds/all.ATOM", 404},
			{"/en/feeds/organisations/nobody.atom", 404},
			{"/en/feeds/organisations/Bad%20Handle!.rss", 404},
			{"/en/feeds/organisations/a%2Fb.atom", 404},
			{"/en/feeds/organisations/ic-haskovo.ics", 404},
			{"/en/feeds/organisations/ic-haskovo.", 404},
			{"/en/feeds/organisations/ic-haskovo/news.ics", 404},
			{"/en/feeds/organisations/ic-haskovo/events.atom", 404},
			{"/en/feeds/organisations/nobody/events.ics", 404},
			{"/en/feeds/organisations/%00/events.ics", 404},
			{"/bg/feeds/events/abc.ics", 404},
			{"/bg/feeds/events/0.ics", 404},
			{"/bg/feeds/events/-1.ics", 404},
			{"/bg/feeds/events/+1.ics", 404},
			{"/bg/feeds/events/01.ics", 404},
			{"/bg/feeds/events/99999999999999999999.ics", 404},
			{"/bg/feeds/events/999999.ics", 404},
			{"/bg/feeds/events/" + news + ".ics", 404},
			{"/bg/feeds/events/" + draft + ".ics", 404},
			{"/bg/feeds/events/" + news + ".atom", 404},
			{"/bg/feeds/events/.ics", 404},
			{"/bg/feeds/events/12", 404},
			{"/bg/feeds/search.atom?q=" + long, 400},
			{"/en/feeds/search.rss", 400},
			{"/en/feeds/search.json?q=%2B%2B+--+%22%22", 400},
			{"/bg/feeds/search.ics?q=x", 404},
		}
		for _, c := range cases {
			r, body := x.get(c.path)
			if r.StatusCode != c.status {
				t.Errorf("GET %s = %d, want %d", c.path, r.StatusCode, c.status)
			}
			lang := db.Lang(c.path[1:3])
			x.checkError(t, c.path, r, body, lang)
		}
		for _, method := range []string{http.MethodPost, http.MethodDelete} {
			if r, _ := x.do(method, "/bg/feeds/all.atom"); r.StatusCode < 400 || r.StatusCode >= 500 {
				t.Errorf("%s = %d, want a 4xx", method, r.StatusCode)
			}
		}

		// A language the hub lacks never reaches the handler on the root
		// mux; the handler itself answers it too, in the visitor's
		// language.
		for _, c := range []struct {
			path, accept string
			lang         db.Lang
		}{
			{"/de/feeds/all.atom", "en-GB,en;q=0.8", db.EN},
			{"/xx/feeds.opml", "", db.BG},
			{"/BG/feeds/all.atom", "bg", db.BG},
			{"/en/nowhere", "", db.EN},
		} {
			rec := httptestRecorder(x.h, http.MethodGet, c.path, "Accept-Language", c.accept)
			res := rec.Result()
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("handler: GET %s = %d, want 404", c.path, res.StatusCode)
			}
			x.checkError(t, c.path, res, rec.Body.Bytes(), c.lang)
		}
	})
}

// checkError checks a 4xx response: plain text in lang, not cached.
func (x *hub) checkError(t *testing.T, path string, r *http.Response, body []byte, lang db.Lang) {
	t.Helper()
	if r.StatusCode >= 500 {
		t.Errorf("GET %s: server error %d", path, r.StatusCode)
	}
	if r.StatusCode != http.StatusNotFound && r.StatusCode != http.StatusBadRequest {
		return
	}
	if got := r.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
		t.Errorf("GET %s: Content-Type = %q", path, got)
	}
	if r.Header.Get("ETag") != "" || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("GET %s: error with ETag %q, Cache-Control %q", path, r.Header.Get("ETag"), r.Header.Get("Cache-Control"))
	}
	m := msgs(lang)
	want := fmt.Sprintf(m.notFound, testBase+db.FeedListPath(lang))
	if r.StatusCode == http.StatusBadRequest {
		want = m.queryTooLong
		if !strings.Contains(path, "?q=") || strings.Contains(path, "%2B") {
			want = m.queryMissing
		}
	}
	if string(body) != want {
		t.Errorf("GET %s: body = %q, want %q", path, body, want)
	}
}

// TestBlockedPartnerDisappears blocks the actor of a partner organisation:
// its items leave every feed at once.
func TestBlockedPartnerDisappears(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		x := newHub(t, s)
		ctx := context.Background()
		a := &db.Actor{URI: x.remoteOrg.ActorID, Type: db.ActorOrganization, Host: "krile.example", Handle: "mission"}
		if err := s.SaveRemoteActor(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := s.LinkActorOrganisation(ctx, a.ID, x.remoteOrg.ID); err != nil {
			t.Fatal(err)
		}
		paths := []string{db.SiteFeedPath(db.BG, db.FeedAtom), db.SectionFeedPath(db.EN, db.News, db.FeedRSS), db.OrganisationFeedPath(db.BG, "krile", db.FeedJSON)}
		for _, p := range paths {
			if f := x.feed(p, formatOf(p)); !slices.Contains(f.guids(), x.remote.APID) {
				t.Fatalf("%s: partner item missing before the block", p)
			}
		}
		if err := s.SetActorBlocked(ctx, a.URI, true); err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			if f := x.feed(p, formatOf(p)); slices.Contains(f.guids(), x.remote.APID) {
				t.Errorf("%s: item of a blocked partner still there", p)
			}
		}
	})
}

// formatOf is the feed format a path ends with.
func formatOf(path string) db.FeedFormat {
	return db.FeedFormat(path[strings.LastIndexByte(path, '.')+1:])
}
