package portal

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // events are shown in their own IANA zone, whatever the host has installed
	"unicode"
	"unicode/utf8"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/markup"
)

// Listings show this many entries a page; ?page=N beyond maxPage is a bad
// request rather than a query.
const (
	perPage = 20
	maxPage = 10_000
)

// defaultZone is the zone of events that do not name one, and of the dates
// of everything else: the hub is in Bulgaria.
const defaultZone = "Europe/Sofia"

// sectionRoutes adds the public sections under the language prefix p: item
// listings and pages, the directory of organisations and search.
func (h *Handler) sectionRoutes(m *http.ServeMux, lang db.Lang, p string) {
	if h.cache == nil {
		h.cache, h.siteCache = newPageCache(defaultCacheBytes), newPageCache(defaultSiteCacheBytes)
	}
	for _, k := range db.Kinds() {
		sec := p + "/" + k.Section()
		if k == db.Event {
			m.Handle("GET "+sec, h.page(lang, h.cachedSite(h.events)))
		} else {
			m.Handle("GET "+sec, h.page(lang, h.cachedSite(h.listing(k))))
		}
		m.Handle("GET "+sec+"/{id}", h.page(lang, h.cachedSite(h.itemPage(k))))
	}
	m.Handle("GET "+p+"/organisations", h.page(lang, h.cachedSite(h.directory)))
	m.Handle("GET "+p+"/organisations/{handle}", h.page(lang, h.cachedSite(h.organisation)))
	m.Handle("GET "+p+"/search", h.page(lang, h.cached(h.search)))
	m.Handle("GET "+p+"/handbooks/{handbook}/print", h.page(lang, h.cachedSite(h.handbookPrint)))
	// The browser side of the language-neutral ActivityPub ids; registered
	// once, not per language.
	if lang == db.InterfaceLangs[0] {
		m.Handle("GET /items/{id}", h.page("", h.itemRedirect))
		m.Handle("GET /actors/{handle}", h.page("", h.actorRedirect))
	}
}

// badRequest answers 400 with a page in lang that says, with the catalogue
// string key, what was wrong with the request.
func (h *Handler) badRequest(w http.ResponseWriter, r *http.Request, lang db.Lang, key string, args ...any) error {
	cat := h.cats[lang]
	return h.render(w, r, http.StatusBadRequest, "badrequest", &view{
		Lang: lang, Title: cat.T("sec.bad.title"), Path: strings.TrimPrefix(r.URL.Path, "/"+string(lang)),
		Data: cat.T(key, args...),
	})
}

// only returns the parameters of q that are named, so that links and
// canonical URLs carry a page's own parameters and nothing else.
func only(q url.Values, names ...string) url.Values {
	out := url.Values{}
	for _, n := range names {
		if v, ok := q[n]; ok {
			out[n] = v
		}
	}
	return out
}

// withQuery is path with the query q, if any: the Path of a view whose
// twin in the other language keeps its filters.
func withQuery(path string, q url.Values) string {
	if e := q.Encode(); e != "" {
		return path + "?" + e
	}
	return path
}

// parsePage reads ?page=N: 1 when absent; ok is false when it is not a
// number from 1 to maxPage.
func parsePage(r *http.Request) (page int, ok bool) {
	v, set := r.URL.Query()["page"]
	if !set {
		return 1, true
	}
	if len(v) != 1 || len(v[0]) > 6 {
		return 0, false
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < 1 || n > maxPage {
		return 0, false
	}
	return n, true
}

// pages returns how many pages of perPage entries total entries fill; an
// empty listing still has its first page.
func pages(total int) int { return max(1, (total+perPage-1)/perPage) }

// pager links the pages of a listing.
type pager struct {
	Page, Pages int
	Prev, Next  string // links, "" at either end
}

// newPager builds the links to the pages around page for the listing at
// path (after the language prefix) with the query q (without page).
func newPager(lang db.Lang, path string, q url.Values, page, total int) pager {
	pg := pager{Page: page, Pages: pages(total)}
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Del("page")
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		s := "/" + string(lang) + path
		if e := v.Encode(); e != "" {
			s += "?" + e
		}
		return s
	}
	if page > 1 {
		pg.Prev = link(page - 1)
	}
	if page < pg.Pages {
		pg.Next = link(page + 1)
	}
	return pg
}

// formatter formats dates, times and sizes for one page's language. It
// loads each time zone once per request.
type formatter struct {
	lang  db.Lang
	cat   catalog
	zones map[string]*time.Location
}

func (h *Handler) formatter(lang db.Lang) *formatter {
	return &formatter{lang: lang, cat: h.cats[lang], zones: map[string]*time.Location{}}
}

// zone returns the named IANA zone, or Europe/Sofia when name is empty or
// unknown.
func (f *formatter) zone(name string) *time.Location {
	if name == "" {
		name = defaultZone
	}
	if loc, ok := f.zones[name]; ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		if name == defaultZone {
			loc = time.FixedZone("EET", 2*3600)
		} else {
			loc = f.zone(defaultZone)
		}
	}
	f.zones[name] = loc
	return loc
}

// day formats the day of t in Sofia: "24 ноември 2026 г.".
func (f *formatter) day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return f.cat.Date(t.In(f.zone("")))
}

// longDay formats a day with its weekday: "събота, 5 декември 2026 г.".
func (f *formatter) longDay(t time.Time) string {
	return f.cat.T("sec.weekday.date", f.cat.T("sec.weekday."+strconv.Itoa(int(t.Weekday()))), f.cat.Date(t))
}

// monthName is "декември 2026" or "December 2026", capitalised.
func (f *formatter) monthName(t time.Time) string {
	return capitalise(f.cat.T("sec.month.year", f.cat.T("month."+strconv.Itoa(int(t.Month()))), t.Year()))
}

// size formats a file size in bytes: "350 KB", "1,2 МБ".
func (f *formatter) size(n int64) string {
	switch {
	case n < 1024:
		return f.cat.T("sec.size.b", n)
	case n < 1024*1024:
		return f.cat.T("sec.size.kb", (n+512)/1024)
	default:
		s := strconv.FormatFloat(float64(n)/(1024*1024), 'f', 1, 64)
		if f.lang == db.BG {
			s = strings.Replace(s, ".", ",", 1)
		}
		return f.cat.T("sec.size.mb", s)
	}
}

func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// entry is an item as a listing shows it.
type entry struct {
	ID      int64
	Kind    db.Kind
	Path    string // the item's page in the page's language
	Text    localText
	Summary string // plain text
	Date    string // of publication, or of the issue for press
	DateISO string
	Org     *orgRef
	Remote  *remoteRef
	Event   *eventInfo
}

// orgRef is an organisation named on another page, linked to its own.
type orgRef struct {
	Handle string
	Path   string
	Name   localText
	Remote bool
}

// remoteRef says where a federated item came from.
type remoteRef struct {
	URL  string // the original page
	Host string // the instance it lives on
}

// eventInfo is when and where an event (or a seminar) happens, in its own
// time zone.
type eventInfo struct {
	When       string // the start, and the end when there is one, in words
	StartISO   string
	EndISO     string
	ZoneNote   string // the zone, when it is not Sofia's
	Month      string // "Декември 2026": listings group by it
	Place      string
	Address    string
	Online     string
	Cancelled  bool
	Past       bool
	AllDay     bool
	StartShort string // the day and time alone, for compact lists
	Time       string // the start's time of day, "18:00"; "" all day
	Map        string // the place on OpenStreetMap, when it has one
}

func (f *formatter) org(o *db.Organisation) *orgRef {
	if o == nil || o.ID == 0 {
		return nil
	}
	return &orgRef{Handle: o.Handle, Path: db.OrganisationPath(f.lang, o.Handle), Name: pick(o.Texts(), f.lang), Remote: o.Remote}
}

func remote(it *db.Item) *remoteRef {
	if !it.Remote {
		return nil
	}
	ref := &remoteRef{URL: it.URL}
	if ref.URL == "" {
		ref.URL = it.APID
	}
	if u, err := url.Parse(ref.URL); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
		ref.Host = u.Hostname()
	} else {
		ref.URL = "" // never link a javascript: or other odd URL
	}
	return ref
}

// entry turns an item into what a listing shows.
func (f *formatter) entry(it *db.Item) entry {
	t := pick(it.Texts(), f.lang)
	e := entry{
		ID: it.ID, Kind: it.Kind, Path: it.PagePath(f.lang), Text: t, Summary: summaryOf(t.Text, 280),
		Org: f.org(it.Organisation), Remote: remote(it),
	}
	d := it.PublishedAt
	if it.Kind == db.Press && !it.StartsAt.IsZero() {
		d = it.StartsAt
	}
	if !d.IsZero() {
		e.Date, e.DateISO = f.day(d), d.UTC().Format(time.RFC3339)
	}
	if !it.StartsAt.IsZero() && (it.Kind == db.Event || it.Kind == db.Gallery) {
		e.Event = f.event(it, time.Now())
	}
	return e
}

// event describes when and where an event happens, in its zone.
func (f *formatter) event(it *db.Item, now time.Time) *eventInfo {
	loc := f.zone(it.TimeZone)
	s := it.StartsAt.In(loc)
	ev := &eventInfo{
		StartISO: s.Format(time.RFC3339), Month: f.monthName(s),
		Place: it.PlaceName, Address: it.Address, Online: safeURL(it.OnlineURL),
		Cancelled: it.Cancelled, AllDay: it.AllDay,
	}
	end := it.StartsAt
	if !it.EndsAt.IsZero() {
		end = it.EndsAt
		ev.EndISO = it.EndsAt.In(loc).Format(time.RFC3339)
	}
	ev.Past = end.Before(now)
	ev.Map = mapLink(it.PlaceName, it.Address)
	if loc.String() != defaultZone {
		ev.ZoneNote = f.cat.T("sec.event.zone", loc.String())
	}
	if it.AllDay {
		ev.When = f.longDay(s)
		ev.StartShort = f.cat.Date(s)
		if !it.EndsAt.IsZero() {
			if e := it.EndsAt.In(loc); !sameDay(s, e) {
				ev.When = f.cat.T("sec.event.range", ev.When, f.longDay(e))
			}
		}
		return ev
	}
	ev.Time = s.Format("15:04")
	ev.StartShort = f.cat.T("sec.event.at", f.cat.Date(s), ev.Time)
	ev.When = f.cat.T("sec.event.at", f.longDay(s), s.Format("15:04"))
	if !it.EndsAt.IsZero() {
		e := it.EndsAt.In(loc)
		if sameDay(s, e) {
			ev.When = f.cat.T("sec.event.until", ev.When, e.Format("15:04"))
		} else {
			ev.When = f.cat.T("sec.event.range", ev.When, f.cat.T("sec.event.at", f.longDay(e), e.Format("15:04")))
		}
	}
	return ev
}

// mapLink searches OpenStreetMap for a place and its address; "" when the
// event gives neither.
func mapLink(place, address string) string {
	q := strings.TrimSpace(strings.Join(slices.DeleteFunc([]string{place, address}, func(s string) bool { return strings.TrimSpace(s) == "" }), ", "))
	if q == "" {
		return ""
	}
	return "https://www.openstreetmap.org/search?query=" + url.QueryEscape(q)
}

func sameDay(a, b time.Time) bool {
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

// safeURL returns u when it is an http(s) URL, else "": links to
// javascript: and other schemes are never made from stored text.
func safeURL(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return ""
	}
	return p.String()
}

// summaryOf is a text's plain summary, or the beginning of its body when it
// has none, at most about max characters.
func summaryOf(t db.Text, max int) string {
	s := strings.TrimSpace(t.Summary)
	if s == "" {
		s = plainText(t.BodyHTML)
	}
	return truncate(s, max)
}

// plainText turns stored (sanitised) HTML into plain text: tags dropped,
// entities decoded, white space folded. The result is text, never markup:
// templates escape it.
func plainText(s string) string { return markup.PlainText(s) }

// truncate shortens plain text to at most max characters, at a word
// boundary where it can, with an ellipsis where it cut.
func truncate(s string, max int) string { return markup.Truncate(s, max) }
