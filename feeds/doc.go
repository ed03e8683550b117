// Package feeds renders the hub's syndication formats: Atom 1.0, RSS 2.0,
// JSON Feed 1.1, iCalendar (RFC 5545) for events and OPML 2.0 for the list
// of every feed.
//
// The renderers are pure. They take plain values ([Feed], [Calendar],
// [Outline]) and write bytes to an [io.Writer]; they read no clock, no
// database and no configuration, and their files import nothing else from
// this module but db's language rule (db.ContentLang, in feed.go), so the
// same input always gives the same bytes. The HTTP
// [Handler] that wraps them (handler.go, build.go, cache.go) reads the
// store, turns its items into those values and adds Content-Type, ETag,
// Last-Modified and caching; it imports db and nothing else of the module. Every renderer
// checks its input first and returns an error wrapping [ErrInvalid] instead
// of writing a feed that readers would reject; in that case nothing has been
// written to w.
//
// # Why the gorilla/feeds structs are extended
//
// Atom, RSS and JSON Feed are built on the exported format structs of
// github.com/gorilla/feeds (AtomFeed, AtomEntry, RssFeed, RssItem, JSONFeed,
// JSONItem and their parts), which this package fills directly instead of
// going through gorilla's generic Feed type: that type has no language, no
// categories, one link and one enclosure, and its converters drop or
// misplace several fields.
//
// Where a gorilla struct cannot express what a valid, complete feed needs,
// this package embeds it in a small struct of its own and adds the missing
// fields. A field of the outer struct with the same XML or JSON name as one
// of the embedded struct hides the inner one (encoding/xml and encoding/json
// both let the shallower field win), so gorilla's field is never written.
// What is added, and why:
//
//   - Atom feed: xml:lang; several links (gorilla's AtomFeed.Link holds one,
//     so rel="self" and rel="alternate" cannot coexist, gorilla/feeds#111);
//     <generator>; entries of the extended type.
//   - Atom entry: xml:lang for an entry whose language differs from the
//     feed's; several authors (AtomEntry.Author holds one); <category term
//     scheme label> (AtomEntry.Category is written as element text, which
//     Atom forbids); <source> as an element with id, title and link
//     (AtomEntry.Source is a plain string); links with a title attribute
//     for enclosures.
//   - RSS channel: the xmlns:atom and xmlns:dc namespaces and the
//     <atom:link rel="self"> that validators ask for.
//   - RSS item: several <category domain> (RssItem.Category holds one);
//     <dc:creator> instead of <author>, which RSS requires to be an e-mail
//     address; <dc:language> for an item in another language; <source url>
//     (RssItem.Source is written without the required url attribute); no
//     <description> when there is no summary (RssItem.Description is
//     always written).
//   - JSON Feed item: language (JSON Feed 1.1); attachments with
//     size_in_bytes (gorilla's JSONAttachment writes the key "size" as an
//     int32); a "_source" object for the origin of a federated item.
//
// gorilla's own generic converters are not used at all, so its fallbacks
// (an Atom <id> taken from the link, an RSS enclosure dropped when its
// length is unknown, a random urn:uuid for an entry without id) never apply.
//
// # iCalendar
//
// [ICal] builds the calendar with github.com/arran4/golang-ical and works
// around what that library gets wrong for a published calendar:
//
//   - It ends lines with LF unless told otherwise; RFC 5545 wants CRLF.
//   - SetStartAt and SetEndAt always write UTC with a Z, even next to a
//     TZID; DTSTART and DTEND are set directly instead.
//   - It has no way to make a VTIMEZONE; this package generates one for
//     every zone a TZID names, from Go's time zone database.
//   - SetOrganizer puts "mailto:" in front of any value, and parameter
//     values are escaped with backslashes, which RFC 5545 does not define
//     (a CN with a comma must be quoted); ORGANIZER is written with a quoted
//     CN by hand.
//   - It escapes the commas of a CATEGORIES list, turning several
//     categories into one; each category gets its own CATEGORIES line.
//   - It writes a CR in TEXT as it is; line breaks are made LF first.
//   - When reading, it resolves a wall-clock time that occurs twice (when
//     the clocks go back) to the second occurrence, where RFC 5545 says the
//     first. Readers disagree here, so such times are written in UTC.
//
// The library folds lines at 75 octets on UTF-8 character boundaries,
// preferring to fold before a space; the tests check this on Cyrillic text.
//
// Time zones come from Go's time zone database. A host without
// /usr/share/zoneinfo needs the program to import time/tzdata.
//
// # Handlers
//
// [New] returns the handler of every feed URL under /{lang}/feeds/ (the
// scheme is in db/feedurl.go and docs/feeds.md): the site, each section
// and each organisation in Atom, RSS and JSON Feed; search results; each
// forum category's new threads (/feeds/forum/{category}.{ext}) and each
// thread's new posts (/feeds/forum/threads/{id}.{ext}), never with a
// hidden thread or a hidden or deleted post (forum.go; their paths are in
// db/forum_search.go); the iCalendar feeds of events, for all and per organisation, and one event as
// a file; and the OPML list of a language's feeds. A feed in one language
// holds every published item, each in that language when it has a
// translation and otherwise in its own, with the entry's language saying
// so.
//
// The ETag of a response is computed from the store's content version, the
// feed and this process's start, without a query, so that a request that
// names it is answered 304 before the database is touched. Built documents
// are kept in a cache bounded in bytes and keyed by feed; an entry is valid
// only under the ETag it was built with, so any write makes it stale.
package feeds
