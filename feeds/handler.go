package feeds

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/bgimigranti/hub/db"
)

// Config is what the feed handlers need to know about the deployment.
type Config struct {
	// BaseURL is the hub's public URL (scheme and host, no path). Every
	// URL in a feed is absolute and starts with it.
	BaseURL *url.URL
	// SiteName is the hub's name in each interface language, the title of
	// the site-wide feeds and the author of the hub's own items. A
	// language missing here gets the built-in name.
	SiteName map[db.Lang]string
	// CacheBytes bounds the memory the built feeds take: zero means
	// DefaultCacheBytes.
	CacheBytes int64
}

// DefaultCacheBytes is the bound of the feed cache when Config.CacheBytes
// is zero.
const DefaultCacheBytes = 32 << 20

// Tunables of what a feed holds.
const (
	// feedSize is the number of entries of an item feed, newest first.
	feedSize = 50
	// calendarPast is how long after its end an event stays in a
	// calendar feed.
	calendarPast = 90 * 24 * time.Hour
	// calendarSize bounds the events of a calendar feed (the store's
	// largest page).
	calendarSize = 500
	// searchDepth is how many of the best search matches a search feed
	// looks at before it orders them by date.
	searchDepth = 100
	// defaultTimeZone is the zone of an event that names none.
	defaultTimeZone = "Europe/Sofia"
	// maxAge is how long clients and proxies may reuse a response without
	// asking again, in seconds.
	maxAge = 300
	// generator names the software in Atom and RSS.
	generator = "bgimigranti hub"
)

// Handler serves the feeds of every section, organisation and language,
// the iCalendar files of events and the OPML list of all feeds. Build it
// with New; it is safe for concurrent use.
type Handler struct {
	store *db.Store
	log   *slog.Logger
	base  string // BaseURL without a trailing slash
	names map[db.Lang]string
	cache *cache
	mux   *http.ServeMux
	// epoch tells this process's ETags from those of an earlier run, whose
	// content versions counted from zero too.
	epoch string
	// started stands in for the updated time of a feed without entries.
	started time.Time
	// now is the clock, which decides what calendars hold.
	now func() time.Time
}

// New returns the handler of every feed, or panics if cfg has no BaseURL.
func New(cfg Config, store *db.Store, log *slog.Logger) *Handler {
	if cfg.BaseURL == nil {
		panic("feeds: New: Config.BaseURL is nil")
	}
	max := cfg.CacheBytes
	if max == 0 {
		max = DefaultCacheBytes
	}
	names := map[db.Lang]string{}
	for _, l := range db.InterfaceLangs {
		names[l] = msgs(l).siteName
		if n := strings.TrimSpace(cfg.SiteName[l]); n != "" {
			names[l] = n
		}
	}
	b := make([]byte, 8)
	rand.Read(b)
	h := &Handler{
		store:   store,
		log:     log,
		base:    strings.TrimRight(cfg.BaseURL.String(), "/"),
		names:   names,
		cache:   newCache(max),
		mux:     http.NewServeMux(),
		epoch:   hex.EncodeToString(b),
		started: time.Now().UTC().Truncate(time.Second),
		now:     time.Now,
	}
	for _, rt := range h.routes() {
		h.mux.Handle("GET /{lang}"+rt.path, h.adapt(rt.fn))
	}
	h.mux.Handle("/", h.adapt(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
	return h
}

// route is one URL pattern of the feeds, after the language prefix.
type route struct {
	path string
	fn   handlerFunc
}

// routes lists every URL the handler answers. A new feed needs a route
// here, a handler that checks the URL and fills a target of a new kind (as
// feedFile does), and a case in build whose builder turns what it lists
// into Entries (as itemEntries and forum.go's threadEntry do). Patterns
// follows; the OPML file and the portal's feed list need their lines too.
func (h *Handler) routes() []route {
	return []route{
		{"/feeds/{file}", h.feedFile},
		{"/feeds/organisations/{file}", h.organisationFile},
		{"/feeds/organisations/{handle}/{file}", h.organisationCalendar},
		{"/feeds/events/{file}", h.eventFile},
		{"/feeds/forum/{file}", h.forumCategoryFile},
		{"/feeds/forum/threads/{file}", h.forumThreadFile},
		{"/feeds.opml", h.opmlFile},
	}
}

// Patterns returns the ServeMux patterns of every feed URL, with each
// interface language written out ("GET /bg/feeds/{file}"), for mounting the
// handler on a root mux beside others without a wildcard first segment
// that could conflict with theirs. Requests under a language the hub does
// not have then never reach the handler.
func (h *Handler) Patterns() []string {
	var out []string
	for _, l := range db.InterfaceLangs {
		for _, rt := range h.routes() {
			out = append(out, "GET /"+string(l)+rt.path)
		}
	}
	return out
}

// ServeHTTP serves a feed.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// handlerFunc is a feed handler; adapt turns its error into a response.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// errNotFound is the handlers' own "no such feed". db.ErrNotFound means the
// same.
var errNotFound = errors.New("feeds: not found")

// errBuildPanicked is what requests waiting for a build get when it panics.
var errBuildPanicked = errors.New("feeds: build panicked")

// badRequest is a request the client must change; msg says why in the
// request's language.
type badRequest struct{ msg func(*messages) string }

func (e *badRequest) Error() string { return "feeds: bad request: " + e.msg(catalogue[db.EN]) }

// adapt is the one place where a handler's error becomes a response: a
// short plain-text 404 or 400 (db.ErrInvalid, a value the store refused, is
// a 400 too) in the request's language, or a logged 500
// that tells the client nothing of the cause.
func (h *Handler) adapt(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := fn(w, r)
		if err == nil {
			return
		}
		lang := h.requestLang(r)
		m := msgs(lang)
		var bad *badRequest
		switch {
		case errors.Is(err, errNotFound), errors.Is(err, db.ErrNotFound):
			plain(w, http.StatusNotFound, lang, fmt.Sprintf(m.notFound, h.base+db.FeedListPath(lang)))
		case errors.As(err, &bad):
			plain(w, http.StatusBadRequest, lang, bad.msg(m))
		case errors.Is(err, db.ErrInvalid):
			plain(w, http.StatusBadRequest, lang, m.badInput)
		default:
			h.log.Error("feed failed", "method", r.Method, "path", r.URL.Path, "err", err)
			plain(w, http.StatusInternalServerError, lang, m.serverError)
		}
	})
}

// plain writes a short plain-text response, replacing whatever headers a
// handler set for the feed it could not send.
func plain(w http.ResponseWriter, status int, lang db.Lang, msg string) {
	hd := w.Header()
	for _, k := range []string{"ETag", "Last-Modified", "Content-Disposition"} {
		hd.Del(k)
	}
	hd.Set("Content-Type", "text/plain; charset=utf-8")
	hd.Set("Content-Language", string(lang))
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprint(w, msg)
}

var langMatcher = func() language.Matcher {
	tags := make([]language.Tag, len(db.InterfaceLangs))
	for i, l := range db.InterfaceLangs {
		tags[i] = language.Make(string(l))
	}
	return language.NewMatcher(tags)
}()

// requestLang is the language of a request: its path prefix when that is
// an interface language, else the best match of Accept-Language, else
// Bulgarian.
func (h *Handler) requestLang(r *http.Request) db.Lang {
	first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if l, ok := pathLang(first); ok {
		return l
	}
	if tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language")); err == nil && len(tags) > 0 {
		if _, i, conf := langMatcher.Match(tags...); conf >= language.High {
			return db.InterfaceLangs[i]
		}
	}
	return db.BG
}

// pathLang returns the interface language a URL segment names exactly.
func pathLang(s string) (db.Lang, bool) {
	l, ok := db.ParseLang(s)
	return l, ok && string(l) == s
}

// fileFormat is the format of a response, named by its URL's extension.
type fileFormat string

const (
	fmtAtom fileFormat = "atom"
	fmtRSS  fileFormat = "rss"
	fmtJSON fileFormat = "json"
	fmtICS  fileFormat = "ics"
	fmtOPML fileFormat = "opml"
)

// contentTypes are the Content-Type of each format.
var contentTypes = map[fileFormat]string{
	fmtAtom: MediaTypeAtom + "; charset=utf-8",
	fmtRSS:  MediaTypeRSS + "; charset=utf-8",
	fmtJSON: MediaTypeJSON + "; charset=utf-8",
	fmtICS:  MediaTypeICal + "; charset=utf-8",
	fmtOPML: MediaTypeOPML + "; charset=utf-8",
}

// itemFormat returns the item feed format an extension names.
func itemFormat(ext string) (fileFormat, bool) {
	switch f := fileFormat(ext); f {
	case fmtAtom, fmtRSS, fmtJSON:
		return f, true
	}
	return "", false
}

// targetKind is what a feed URL names.
type targetKind int

const (
	siteFeed targetKind = iota + 1
	sectionFeed
	organisationFeed
	siteCalendar
	organisationCalendar
	eventCalendar
	opmlList
	searchFeed
	forumCategoryFeed
	forumThreadFeed
)

// target is a feed named by a URL, checked for its shape but not yet
// against the database.
type target struct {
	kind    targetKind
	lang    db.Lang
	format  fileFormat
	section db.Kind // sectionFeed
	handle  string  // organisationFeed, organisationCalendar, forumCategoryFeed
	id      int64   // eventCalendar, forumThreadFeed
	query   string  // searchFeed: the search terms, lower-case, space-separated
}

// key identifies the target in the cache and in its ETag.
func (t target) key() string {
	return fmt.Sprintf("%d|%s|%s|%s|%s|%d|%s", t.kind, t.lang, t.format, t.section, t.handle, t.id, t.query)
}

// path is the target's URL path.
func (t target) path() string {
	switch t.kind {
	case siteFeed:
		return db.SiteFeedPath(t.lang, db.FeedFormat(t.format))
	case sectionFeed:
		return db.SectionFeedPath(t.lang, t.section, db.FeedFormat(t.format))
	case organisationFeed:
		return db.OrganisationFeedPath(t.lang, t.handle, db.FeedFormat(t.format))
	case siteCalendar:
		return db.CalendarPath(t.lang)
	case organisationCalendar:
		return db.OrganisationCalendarPath(t.lang, t.handle)
	case eventCalendar:
		return db.EventCalendarPath(t.lang, t.id)
	case searchFeed:
		return db.SearchFeedPath(t.lang, t.query, db.FeedFormat(t.format))
	case forumCategoryFeed:
		return db.ForumCategoryFeedPath(t.lang, t.handle, db.FeedFormat(t.format))
	case forumThreadFeed:
		return db.ForumThreadFeedPath(t.lang, t.id, db.FeedFormat(t.format))
	default:
		return db.OPMLPath(t.lang)
	}
}

// splitFile splits a {file} segment such as "news.atom" into its name and
// extension, both non-empty.
func splitFile(file string) (name, ext string, ok bool) {
	i := strings.LastIndexByte(file, '.')
	if i <= 0 || i == len(file)-1 {
		return "", "", false
	}
	return file[:i], file[i+1:], true
}

// langOf returns the language of the request's {lang} segment.
func langOf(r *http.Request) (db.Lang, error) {
	l, ok := pathLang(r.PathValue("lang"))
	if !ok {
		return "", errNotFound
	}
	return l, nil
}

// feedFile serves /{lang}/feeds/{file}: all.{ext}, {section}.{ext},
// search.{ext}?q=… and events.ics.
func (h *Handler) feedFile(w http.ResponseWriter, r *http.Request) error {
	lang, err := langOf(r)
	if err != nil {
		return err
	}
	name, ext, ok := splitFile(r.PathValue("file"))
	if !ok {
		return errNotFound
	}
	if ext == string(fmtICS) {
		if name != "events" {
			return errNotFound
		}
		return h.serve(w, r, target{kind: siteCalendar, lang: lang, format: fmtICS})
	}
	f, ok := itemFormat(ext)
	if !ok {
		return errNotFound
	}
	switch name {
	case "all":
		return h.serve(w, r, target{kind: siteFeed, lang: lang, format: f})
	case "search":
		q := r.URL.Query().Get("q")
		if utf8.RuneCountInString(q) > db.MaxSearchLen {
			return &badRequest{msg: func(m *messages) string { return m.queryTooLong }}
		}
		terms := db.SearchTerms(q)
		if len(terms) == 0 {
			return &badRequest{msg: func(m *messages) string { return m.queryMissing }}
		}
		return h.serve(w, r, target{kind: searchFeed, lang: lang, format: f, query: strings.Join(terms, " ")})
	}
	k, ok := db.KindOfSection(name)
	if !ok {
		return errNotFound
	}
	return h.serve(w, r, target{kind: sectionFeed, lang: lang, format: f, section: k})
}

// organisationFile serves /{lang}/feeds/organisations/{handle}.{ext}.
func (h *Handler) organisationFile(w http.ResponseWriter, r *http.Request) error {
	lang, err := langOf(r)
	if err != nil {
		return err
	}
	handle, ext, ok := splitFile(r.PathValue("file"))
	if !ok || !db.ValidHandle(handle) {
		return errNotFound
	}
	f, ok := itemFormat(ext)
	if !ok {
		return errNotFound
	}
	return h.serve(w, r, target{kind: organisationFeed, lang: lang, format: f, handle: handle})
}

// organisationCalendar serves /{lang}/feeds/organisations/{handle}/events.ics.
func (h *Handler) organisationCalendar(w http.ResponseWriter, r *http.Request) error {
	lang, err := langOf(r)
	if err != nil {
		return err
	}
	handle := r.PathValue("handle")
	if r.PathValue("file") != "events.ics" || !db.ValidHandle(handle) {
		return errNotFound
	}
	return h.serve(w, r, target{kind: organisationCalendar, lang: lang, format: fmtICS, handle: handle})
}

// eventFile serves /{lang}/feeds/events/{id}.ics, one event as a file to
// download.
func (h *Handler) eventFile(w http.ResponseWriter, r *http.Request) error {
	lang, err := langOf(r)
	if err != nil {
		return err
	}
	name, ext, ok := splitFile(r.PathValue("file"))
	if !ok || ext != string(fmtICS) || name[0] < '1' || name[0] > '9' {
		return errNotFound
	}
	id, err := strconv.ParseInt(name, 10, 64)
	if err != nil {
		return errNotFound
	}
	return h.serve(w, r, target{kind: eventCalendar, lang: lang, format: fmtICS, id: id})
}

// opmlFile serves /{lang}/feeds.opml.
func (h *Handler) opmlFile(w http.ResponseWriter, r *http.Request) error {
	lang, err := langOf(r)
	if err != nil {
		return err
	}
	return h.serve(w, r, target{kind: opmlList, lang: lang, format: fmtOPML})
}

// etag returns the strong ETag of the target as the store's content is
// now. It needs no query: it hashes this process's epoch, the content
// version, the target and, for calendars, whose window moves every day,
// the date.
func (h *Handler) etag(t target) string {
	sum := sha256.New()
	fmt.Fprintf(sum, "%s|%d|%s", h.epoch, h.store.ContentVersion(), t.key())
	if t.kind == siteCalendar || t.kind == organisationCalendar {
		fmt.Fprintf(sum, "|%s", h.now().UTC().Format(time.DateOnly))
	}
	return `"` + hex.EncodeToString(sum.Sum(nil)[:16]) + `"`
}

// serve answers a request for t: 304 at once when If-None-Match names the
// current ETag, otherwise the document from the cache or built anew, with
// Content-Type, ETag, Last-Modified and Cache-Control. http.ServeContent
// then handles HEAD, If-Modified-Since (ignoring a malformed date, as RFC
// 9110 asks), If-None-Match: * and the rest of the conditional requests.
//
// The early 304 does not check that the organisation or event of t exists:
// the ETag hashes a random epoch, so a client cannot guess it and holds
// the current one only if it got the feed under the same content version,
// when it existed and, nothing having been written since, still does.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, t target) error {
	etag := h.etag(t)
	key := t.key()
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, etag) {
		hd := w.Header()
		h.cacheHeaders(hd, etag)
		if c := h.cache.get(key, etag); c != nil {
			hd.Set("Last-Modified", c.modified.UTC().Format(http.TimeFormat))
		}
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	c, err := h.cache.do(key, etag, func() (*cached, error) {
		// A client that hangs up must not fail the requests waiting for
		// the same build.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
		defer cancel()
		return h.build(ctx, t)
	})
	if err != nil {
		return err
	}
	hd := w.Header()
	h.cacheHeaders(hd, etag)
	hd.Set("Content-Type", c.contentType)
	if c.disposition != "" {
		hd.Set("Content-Disposition", c.disposition)
	}
	http.ServeContent(w, r, "", c.modified, bytes.NewReader(c.body))
	return nil
}

// cacheHeaders sets the headers a feed response and its 304 share.
func (h *Handler) cacheHeaders(hd http.Header, etag string) {
	hd.Set("ETag", etag)
	hd.Set("Cache-Control", "public, max-age="+strconv.Itoa(maxAge))
	hd.Set("X-Content-Type-Options", "nosniff")
	// Feeds are public; web-based readers fetch them from other origins.
	hd.Set("Access-Control-Allow-Origin", "*")
}

// etagMatches reports whether the If-None-Match value inm lists etag, by
// the weak comparison RFC 9110 prescribes for If-None-Match. "*" is left
// to http.ServeContent, after the feed is known to exist.
func etagMatches(inm, etag string) bool {
	want := strings.TrimPrefix(etag, "W/")
	for _, v := range strings.Split(inm, ",") {
		v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
		if v == want {
			return true
		}
	}
	return false
}
