package feeds

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	gorilla "github.com/gorilla/feeds"
)

const (
	rssContentNS = "http://purl.org/rss/1.0/modules/content/"
	dcNS         = "http://purl.org/dc/elements/1.1/"
	rssDocs      = "https://www.rssboard.org/rss-specification"
)

// rssDoc extends gorilla's RssFeedXml with the atom and dc namespaces;
// Channel hides RssFeedXml.Channel.
type rssDoc struct {
	*gorilla.RssFeedXml
	AtomNS  string      `xml:"xmlns:atom,attr"`
	DCNS    string      `xml:"xmlns:dc,attr"`
	Channel *rssChannel `xml:"channel"`
}

// rssChannel extends gorilla's RssFeed with the self link; Items hides
// RssFeed.Items.
type rssChannel struct {
	*gorilla.RssFeed
	Self  rssAtomLink `xml:"atom:link"`
	Items []rssItem   `xml:"item"`
}

type rssAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

// rssItem extends gorilla's RssItem. Description, Categories and Source
// hide the RssItem fields of the same name, which write an empty
// description, hold one category and write the source without its url;
// RssItem.Author stays empty, because RSS wants an e-mail address there,
// and the authors go to dc:creator.
type rssItem struct {
	*gorilla.RssItem
	Description string        `xml:"description,omitempty"`
	Creators    []string      `xml:"dc:creator"`
	Categories  []rssCategory `xml:"category"`
	Language    string        `xml:"dc:language,omitempty"`
	Source      *rssSource    `xml:"source"`
}

type rssCategory struct {
	Domain string `xml:"domain,attr,omitempty"`
	Value  string `xml:",chardata"`
}

type rssSource struct {
	URL   string `xml:"url,attr"`
	Value string `xml:",chardata"`
}

// RSS writes f to w as an RSS 2.0 document.
//
// The channel has its link, description, language, lastBuildDate,
// generator, image and an atom:link rel="self". Items have a permalink
// guid, pubDate, dc:creator for each author, a category for each category,
// the summary as description, the HTML content as content:encoded, the
// first enclosure (with length="0" when the size is unknown, as the RSS
// Best Practices Profile asks), dc:language when the item's language
// differs from the feed's, and a source for federated items.
func RSS(w io.Writer, f *Feed) error {
	f, updated, err := f.validate("rss")
	if err != nil {
		return err
	}
	description := f.Subtitle
	if description == "" {
		description = f.Title
	}
	ch := &rssChannel{
		RssFeed: &gorilla.RssFeed{
			Title:         f.Title,
			Link:          f.htmlURL(),
			Description:   description,
			Language:      f.Lang,
			LastBuildDate: rfc1123(updated),
			Generator:     f.Generator,
			Docs:          rssDocs,
		},
		Self:  rssAtomLink{Href: f.SelfURL, Rel: "self", Type: MediaTypeRSS},
		Items: make([]rssItem, len(f.Entries)),
	}
	if f.IconURL != "" {
		ch.Image = &gorilla.RssImage{Url: f.IconURL, Title: f.Title, Link: f.htmlURL()}
	}
	for i := range f.Entries {
		ch.Items[i] = newRSSItem(f, &f.Entries[i])
	}
	doc := rssDoc{
		RssFeedXml: &gorilla.RssFeedXml{Version: "2.0", ContentNamespace: rssContentNS},
		AtomNS:     atomNS,
		DCNS:       dcNS,
		Channel:    ch,
	}
	if err := writeXML(w, doc); err != nil {
		return fmt.Errorf("feeds: rss: %w", err)
	}
	return nil
}

func newRSSItem(f *Feed, e *Entry) rssItem {
	x := rssItem{
		RssItem: &gorilla.RssItem{
			Title:   e.Title,
			Link:    e.link(),
			Guid:    &gorilla.RssGuid{Id: e.ID, IsPermaLink: strconv.FormatBool(isHTTP(e.ID))},
			PubDate: rfc1123(e.published()),
		},
		Description: htmlText(e.Summary),
		Language:    otherLang(f.Lang, e.Lang),
	}
	if e.ContentHTML != "" {
		x.Content = &gorilla.RssContent{Content: xmlChars(e.ContentHTML)}
	}
	if len(e.Enclosures) > 0 {
		enc := e.Enclosures[0]
		typ := enc.Type
		if typ == "" {
			typ = "application/octet-stream"
		}
		x.Enclosure = &gorilla.RssEnclosure{Url: enc.URL, Type: typ, Length: strconv.FormatInt(enc.Length, 10)}
	}
	for _, a := range e.Authors {
		x.Creators = append(x.Creators, a.Name)
	}
	for _, c := range e.Categories {
		x.Categories = append(x.Categories, rssCategory{Domain: c.Scheme, Value: categoryText(c)})
	}
	if e.Source != nil {
		title := e.Source.Title
		if title == "" {
			title = e.Source.URL
		}
		x.Source = &rssSource{URL: e.Source.URL, Value: title}
	}
	return x
}

// rfc1123 formats t in UTC as RSS wants dates (RFC 822 with a four-digit
// year); zero gives "".
func rfc1123(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC1123Z)
}

// htmlEscaper escapes plain text for RSS <description>, which readers read
// as HTML. Quotes need no escaping outside attributes.
var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// htmlText returns plain text s as HTML text.
func htmlText(s string) string {
	return htmlEscaper.Replace(s)
}

// isHTTP reports whether s is an http or https URL, which RSS may mark as
// a permalink guid.
func isHTTP(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}
