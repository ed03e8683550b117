package portal

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/bgimigranti/hub/db"
)

// feedTypes are the media types of the feed formats, as <link
// rel="alternate" type> announces them.
var feedTypes = map[db.FeedFormat]string{
	db.FeedAtom: "application/atom+xml",
	db.FeedRSS:  "application/rss+xml",
	db.FeedJSON: "application/feed+json",
}

// calendarType is the media type of the iCalendar feeds.
const calendarType = "text/calendar"

// defaultFeeds returns the feeds a page announces for autodiscovery when its
// handler did not set any: first the feeds of the page itself (its
// section's, its organisation's, its forum category's or thread's, or its
// search's, in every format, and the
// calendar of events), then the site-wide Atom feed of the page's
// language, which every page announces. Readers that take one feed take
// the first.
func defaultFeeds(v *view, cat catalog) []feedLink {
	base, lang := v.BaseURL, v.Lang
	var out []feedLink
	add := func(name string, path func(db.FeedFormat) string) {
		for _, f := range db.FeedFormats() {
			out = append(out, feedLink{Title: cat.T("feeds.link", name, cat.T("feeds.format."+string(f))), Type: feedTypes[f], URL: base + path(f)})
		}
	}
	calendar := func(name, path string) {
		out = append(out, feedLink{Title: cat.T("feeds.link", name, cat.T("feeds.format.ics")), Type: calendarType, URL: base + path})
	}
	path, rawQuery, _ := strings.Cut(v.Path, "?")
	if k, ok := db.KindOfSection(v.Section); ok {
		add(cat.T("feeds.section."+string(k)), func(f db.FeedFormat) string { return db.SectionFeedPath(lang, k, f) })
		if k == db.Event {
			calendar(cat.T("feeds.calendar"), db.CalendarPath(lang))
		}
	}
	if handle, ok := strings.CutPrefix(path, "/organisations/"); ok && db.ValidHandle(handle) {
		name := v.Title
		if name == "" {
			name = handle
		}
		add(name, func(f db.FeedFormat) string { return db.OrganisationFeedPath(lang, handle, f) })
		calendar(cat.T("feeds.org.calendar", name), db.OrganisationCalendarPath(lang, handle))
	}
	if v.Section == "forum" {
		// A category's page announces its new threads, a thread's page
		// its new posts: /forum/{category} and /forum/{category}/{id}.
		parts := strings.Split(strings.TrimPrefix(path, "/forum/"), "/")
		if !strings.HasPrefix(path, "/forum/") || parts[0] == "" || db.ForumHandleReserved(parts[0]) || strings.ContainsAny(parts[0], "?#") {
			parts = nil
		}
		switch len(parts) {
		case 1:
			handle := parts[0]
			name := v.Title
			if name == "" {
				name = handle
			}
			add(cat.T("feeds.forum.category", name), func(f db.FeedFormat) string { return db.ForumCategoryFeedPath(lang, handle, f) })
		case 2:
			if id, err := strconv.ParseInt(parts[1], 10, 64); err == nil && id > 0 {
				add(cat.T("feeds.forum.thread", v.Title), func(f db.FeedFormat) string { return db.ForumThreadFeedPath(lang, id, f) })
			}
		}
	}
	if path == "/search" {
		q, _ := url.ParseQuery(rawQuery)
		if terms := db.SearchTerms(q.Get("q")); len(terms) > 0 && len([]rune(q.Get("q"))) <= db.MaxSearchLen {
			query := strings.Join(terms, " ")
			add(cat.T("feeds.search", query), func(f db.FeedFormat) string { return db.SearchFeedPath(lang, query, f) })
		}
	}
	out = append(out, feedLink{
		Title: cat.T("feeds.link", cat.T("feeds.site"), cat.T("feeds.format.atom")),
		Type:  feedTypes[db.FeedAtom],
		URL:   base + db.SiteFeedPath(lang, db.FeedAtom),
	})
	return out
}
