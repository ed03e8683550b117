package db

import (
	"fmt"
	"net/url"
	"strconv"
)

// The URLs of the feeds, shared by feeds (which serves them) and portal
// (which announces and lists them). Every feed lives under its language's
// prefix, in /{lang}/feeds/, and docs/feeds.md describes the scheme.

// FeedFormat is a syndication format of the item feeds, named by the
// extension of its URL.
type FeedFormat string

// The formats every item feed is served in.
const (
	FeedAtom FeedFormat = "atom"
	FeedRSS  FeedFormat = "rss"
	FeedJSON FeedFormat = "json"
)

// FeedFormats lists the item feed formats in the order pages offer them,
// Atom first.
func FeedFormats() []FeedFormat { return []FeedFormat{FeedAtom, FeedRSS, FeedJSON} }

// SiteFeedPath is the path of the feed of everything published, in a
// language and format: /bg/feeds/all.atom.
func SiteFeedPath(lang Lang, f FeedFormat) string {
	return fmt.Sprintf("/%s/feeds/all.%s", lang, f)
}

// SectionFeedPath is the path of a section's feed: /bg/feeds/news.atom.
func SectionFeedPath(lang Lang, k Kind, f FeedFormat) string {
	return fmt.Sprintf("/%s/feeds/%s.%s", lang, k.Section(), f)
}

// OrganisationFeedPath is the path of the feed of one organisation's items:
// /bg/feeds/organisations/ic-haskovo.atom.
func OrganisationFeedPath(lang Lang, handle string, f FeedFormat) string {
	return fmt.Sprintf("/%s/feeds/organisations/%s.%s", lang, handle, f)
}

// SearchFeedPath is the path and query of the feed of the search results
// for q: /bg/feeds/search.atom?q=%D0%BA%D1%83%D1%80%D1%81.
func SearchFeedPath(lang Lang, q string, f FeedFormat) string {
	return fmt.Sprintf("/%s/feeds/search.%s?q=%s", lang, f, url.QueryEscape(q))
}

// CalendarPath is the path of the iCalendar feed of every event:
// /bg/feeds/events.ics.
func CalendarPath(lang Lang) string { return "/" + string(lang) + "/feeds/events.ics" }

// OrganisationCalendarPath is the path of the iCalendar feed of one
// organisation's events: /bg/feeds/organisations/ic-haskovo/events.ics.
func OrganisationCalendarPath(lang Lang, handle string) string {
	return fmt.Sprintf("/%s/feeds/organisations/%s/events.ics", lang, handle)
}

// EventCalendarPath is the path of one event as an iCalendar file:
// /bg/feeds/events/42.ics.
func EventCalendarPath(lang Lang, id int64) string {
	return fmt.Sprintf("/%s/feeds/events/%s.ics", lang, strconv.FormatInt(id, 10))
}

// FeedListPath is the path of the page that lists every feed: /bg/feeds.
func FeedListPath(lang Lang) string { return "/" + string(lang) + "/feeds" }

// OPMLPath is the path of the OPML file of every feed of a language:
// /bg/feeds.opml.
func OPMLPath(lang Lang) string { return "/" + string(lang) + "/feeds.opml" }
