package feeds

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bgimigranti/hub/db"
)

// Media types of the documents the renderers write. The handlers send them,
// with "; charset=utf-8", as Content-Type.
const (
	// MediaTypeAtom is the media type of the output of Atom.
	MediaTypeAtom = "application/atom+xml"
	// MediaTypeRSS is the media type of the output of RSS.
	MediaTypeRSS = "application/rss+xml"
	// MediaTypeJSON is the media type of the output of JSON.
	MediaTypeJSON = "application/feed+json"
	// MediaTypeICal is the media type of the output of ICal.
	MediaTypeICal = "text/calendar"
	// MediaTypeOPML is the media type of the output of OPML.
	MediaTypeOPML = "text/x-opml"
)

// ErrInvalid is wrapped by every error a renderer returns for input it
// cannot turn into a valid document, such as a feed without an ID. Such an
// error means a bug or bad data upstream, not a problem of the request.
var ErrInvalid = errors.New("invalid input")

// Feed is one syndication feed, the input of [Atom], [RSS] and [JSON]. ID,
// Title and SelfURL are required, and so is an updated time: Updated or, when
// it is zero, the latest Updated or Published time of the entries.
type Feed struct {
	// ID is the canonical, stable URL of the feed's HTML page. It becomes
	// the Atom <id> and must never change once published.
	ID string
	// Title and Subtitle are plain text in the feed's language.
	Title    string
	Subtitle string
	// Lang is the BCP 47 tag of the feed's language, "bg" or "en". It
	// becomes Atom xml:lang, RSS <language> and the JSON Feed language.
	Lang string
	// SelfURL is the URL this feed is served from (Atom link rel="self",
	// RSS atom:link, JSON Feed feed_url).
	SelfURL string
	// HTMLURL is the URL of the page the feed follows (Atom link
	// rel="alternate", RSS <link>, JSON Feed home_page_url). When it is
	// empty, ID is used.
	HTMLURL string
	// IconURL is a square image standing for the feed (Atom <icon>, RSS
	// <image>, JSON Feed icon).
	IconURL string
	// LogoURL is a wider image standing for the feed (Atom <logo>).
	LogoURL string
	// Generator names the software that made the feed.
	Generator string
	// Author is the publisher of the feed: the hub or an organisation.
	// Atom requires an author for every entry; entries without Authors
	// inherit this one, and when its Name is empty Atom uses Title.
	Author Person
	// Updated is the last time anything in the feed changed.
	Updated time.Time
	// Entries are written in the order given, usually newest first.
	Entries []Entry
}

// Entry is one item of a [Feed]. ID, Title and either Published or Updated
// are required.
type Entry struct {
	// ID is the entry's stable identifier: its canonical URL.
	ID string
	// URL is the page of the entry. When it is empty, ID is used.
	URL string
	// Title and Summary are plain text; Summary may be empty.
	Title   string
	Summary string
	// ContentHTML is the full content as HTML that has already been
	// sanitised. The renderers escape it but never clean it.
	ContentHTML string
	// Lang is the BCP 47 tag of the entry's own language. It differs from
	// the feed's when a translation is missing; empty means the feed's.
	Lang string
	// Published is when the entry first appeared and Updated when it last
	// changed. Either may be zero, not both.
	Published time.Time
	Updated   time.Time
	// Authors are the people or organisations who wrote the entry.
	Authors []Person
	// Categories are the entry's section and tags.
	Categories []Category
	// Enclosures are files attached to the entry. RSS carries only the
	// first one, because most readers take no more than one per item.
	Enclosures []Enclosure
	// Source names the origin of an item received by federation; it is nil
	// for local content.
	Source *Source
}

// Person is an author: a name and, optionally, the URI of a page about them
// (their profile or actor URL).
type Person struct {
	Name string
	URI  string
	// Avatar is the URL of the person's image (JSON Feed avatar).
	Avatar string
}

// Category is a category of an entry. Term is the stable machine value and
// is required; Label is the human-readable name in the entry's language, and
// Scheme is a URI naming the set of categories Term belongs to.
type Category struct {
	Term   string
	Label  string
	Scheme string
}

// Enclosure is a file attached to an entry. URL is required. Type is the
// media type and Length the size in bytes, zero when it is unknown.
type Enclosure struct {
	URL    string
	Type   string
	Length int64
	Title  string
}

// Source is the origin of a federated entry, such as "Фондация Мисия Криле,
// krile.example" and the URL of that organisation on its own instance.
type Source struct {
	Title string
	URL   string
}

// invalid returns an error for the renderer format that wraps ErrInvalid.
func invalid(format, what string, args ...any) error {
	return fmt.Errorf("feeds: %s: %w: %s", format, ErrInvalid, fmt.Sprintf(what, args...))
}

// validate checks what every feed format needs. It returns the feed to
// write: f itself, or a copy without the entries that cannot be written
// (one bad entry never fails a whole feed; DropInvalid says which), and
// the feed's updated time, which falls back to the newest entry time.
func (f *Feed) validate(format string) (*Feed, time.Time, error) {
	if f == nil {
		return nil, time.Time{}, invalid(format, "nil feed")
	}
	switch {
	case f.ID == "":
		return nil, time.Time{}, invalid(format, "feed has no id")
	case f.Title == "":
		return nil, time.Time{}, invalid(format, "feed has no title")
	case f.SelfURL == "":
		return nil, time.Time{}, invalid(format, "feed has no self url")
	case f.Lang != "" && !validLang(f.Lang):
		return nil, time.Time{}, invalid(format, "feed language %q is not a language tag", f.Lang)
	case !validTime(f.Updated):
		return nil, time.Time{}, invalid(format, "feed updated time %v is out of range", f.Updated)
	}
	if f.Author.Name == "" && f.Author.URI != "" {
		return nil, time.Time{}, invalid(format, "feed author has a uri but no name")
	}
	out := f
	if bad := f.invalidEntries(); len(bad) > 0 {
		g := *f
		g.Entries = make([]Entry, 0, len(f.Entries)-len(bad))
		for i, e := range f.Entries {
			if _, skip := bad[i]; !skip {
				g.Entries = append(g.Entries, e)
			}
		}
		out = &g
	}
	updated := f.Updated
	for i := range out.Entries {
		if e := &out.Entries[i]; f.Updated.IsZero() && e.updated().After(updated) {
			updated = e.updated()
		}
	}
	if updated.IsZero() {
		return nil, time.Time{}, invalid(format, "feed has no updated time")
	}
	return out, updated, nil
}

// invalidEntries returns the indexes of the entries that cannot be
// written, with why.
func (f *Feed) invalidEntries() map[int]error {
	var bad map[int]error
	for i := range f.Entries {
		if err := f.Entries[i].validate(); err != nil {
			if bad == nil {
				bad = map[int]error{}
			}
			bad[i] = err
		}
	}
	return bad
}

// DropInvalid removes from f the entries the renderers would skip (an
// entry without id, title or time, with a language that is not a tag, …)
// and returns one error, wrapping ErrInvalid, per entry removed, so the
// caller can log them. The renderers skip such entries anyway.
func (f *Feed) DropInvalid() []error {
	bad := f.invalidEntries()
	if len(bad) == 0 {
		return nil
	}
	errs := make([]error, 0, len(bad))
	kept := f.Entries[:0:0]
	for i, e := range f.Entries {
		if err, skip := bad[i]; skip {
			errs = append(errs, invalid("feed", "entry %d (%q) skipped: %s", i, e.ID, err))
			continue
		}
		kept = append(kept, e)
	}
	f.Entries = kept
	return errs
}

// validate checks one entry and returns a plain error that the caller wraps.
func (e *Entry) validate() error {
	switch {
	case e.ID == "":
		return errors.New("no id")
	case e.Title == "":
		return errors.New("no title")
	case e.Published.IsZero() && e.Updated.IsZero():
		return errors.New("neither published nor updated time")
	case !validTime(e.Published) || !validTime(e.Updated):
		return errors.New("time out of range")
	case e.Lang != "" && !validLang(e.Lang):
		return fmt.Errorf("language %q is not a language tag", e.Lang)
	}
	for _, a := range e.Authors {
		if a.Name == "" {
			return errors.New("author without a name")
		}
	}
	for _, c := range e.Categories {
		if c.Term == "" {
			return errors.New("category without a term")
		}
	}
	for _, x := range e.Enclosures {
		if x.URL == "" {
			return errors.New("enclosure without a url")
		}
		if x.Length < 0 {
			return fmt.Errorf("enclosure %q has a negative length", x.URL)
		}
	}
	if e.Source != nil && e.Source.URL == "" {
		return errors.New("source without a url")
	}
	return nil
}

// updated is the entry's last change: Updated, or Published when Updated is
// zero.
func (e *Entry) updated() time.Time {
	if e.Updated.IsZero() {
		return e.Published
	}
	return e.Updated
}

// published is the entry's first appearance: Published, or Updated when
// Published is zero.
func (e *Entry) published() time.Time {
	if e.Published.IsZero() {
		return e.Updated
	}
	return e.Published
}

// link is the entry's page: URL, or ID when URL is empty.
func (e *Entry) link() string {
	if e.URL == "" {
		return e.ID
	}
	return e.URL
}

// htmlURL is the feed's page: HTMLURL, or ID when HTMLURL is empty.
func (f *Feed) htmlURL() string {
	if f.HTMLURL == "" {
		return f.ID
	}
	return f.HTMLURL
}

// otherLang returns the entry's language when it differs from the feed's,
// and "" when the entry inherits the feed's language.
func otherLang(feedLang, entryLang string) string {
	if entryLang == "" || strings.EqualFold(entryLang, feedLang) {
		return ""
	}
	return entryLang
}

// categoryText is the text of a category for formats that carry only one
// string: the label when there is one, otherwise the term.
func categoryText(c Category) string {
	if c.Label != "" {
		return c.Label
	}
	return c.Term
}

// validTime reports whether t is zero or has a four-digit year, which every
// format can write.
func validTime(t time.Time) bool {
	if t.IsZero() {
		return true
	}
	y := t.UTC().Year()
	return y >= 1 && y <= 9999
}

// validLang reports whether s is a language tag every output may carry:
// one db.ContentLang accepts (the hub's one rule for languages, from the
// inbox through storage to every feed), or "und" for a forum post whose
// language is not known.
func validLang(s string) bool {
	if s == string(db.Undetermined) {
		return true
	}
	_, ok := db.ContentLang(s)
	return ok && strings.TrimSpace(s) == s
}

// rfc3339 formats t in UTC for Atom and JSON Feed; zero gives "".
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// xmlChars returns s without the characters XML 1.0 cannot carry: invalid
// UTF-8 and control characters other than tab, line feed and carriage
// return. encoding/xml already replaces them in escaped text, but not in
// CDATA sections, which gorilla/feeds uses for RSS content:encoded.
func xmlChars(s string) string {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !xmlChar(r, n) {
			return xmlCharsSlow(s)
		}
		i += n
	}
	return s
}

// xmlCharsSlow is the part of xmlChars that copies.
func xmlCharsSlow(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if xmlChar(r, n) {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// xmlChar reports whether the rune r, decoded from n bytes, is in the XML
// 1.0 Char production. Invalid UTF-8 decodes as utf8.RuneError of width 1.
func xmlChar(r rune, n int) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r == utf8.RuneError && n == 1:
		return false
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return false
	}
	return true
}
