package feeds

import (
	"encoding/xml"
	"fmt"
	"io"
)

// maxOutlineDepth bounds the nesting of outlines.
const maxOutlineDepth = 16

// Outline is one line of an OPML document: a feed, a link, or, with
// Children and no type, a folder of them. Text is required. A feed has
// Type "rss" (for Atom and JSON Feed too) and XMLURL; a link, such as an
// iCalendar feed, has Type "link" and URL.
type Outline struct {
	// Text is what readers show; Title is the feed's own title.
	Text  string
	Title string
	// Type is "rss" for a feed, "link" for a link, or empty for a folder.
	Type string
	// XMLURL is the feed's URL, HTMLURL the page it follows and URL the
	// target of a link.
	XMLURL  string
	HTMLURL string
	URL     string
	// Lang is the BCP 47 tag of the feed's language.
	Lang     string
	Children []Outline
}

type opmlDoc struct {
	XMLName xml.Name `xml:"opml"`
	Version string   `xml:"version,attr"`
	Lang    string   `xml:"xml:lang,attr,omitempty"`
	Title   string   `xml:"head>title"`
	Docs    string   `xml:"head>docs"`
	Body    opmlBody `xml:"body"`
}

type opmlBody struct {
	Outlines []opmlOutline `xml:"outline"`
}

type opmlOutline struct {
	Text     string        `xml:"text,attr"`
	Title    string        `xml:"title,attr,omitempty"`
	Type     string        `xml:"type,attr,omitempty"`
	XMLURL   string        `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string        `xml:"htmlUrl,attr,omitempty"`
	URL      string        `xml:"url,attr,omitempty"`
	Lang     string        `xml:"language,attr,omitempty"`
	Children []opmlOutline `xml:"outline"`
}

// OPML writes an OPML 2.0 document titled title, in the language lang, that
// lists outlines, so that a reader can subscribe to all the feeds at once.
func OPML(w io.Writer, title, lang string, outlines []Outline) error {
	if title == "" {
		return invalid("opml", "no title")
	}
	if lang != "" && !validLang(lang) {
		return invalid("opml", "language %q is not a language tag", lang)
	}
	body, err := opmlOutlines(outlines, 1)
	if err != nil {
		return err
	}
	doc := opmlDoc{
		Version: "2.0",
		Lang:    lang,
		Title:   title,
		Docs:    "http://opml.org/spec2.opml",
		Body:    opmlBody{Outlines: body},
	}
	if err := writeXML(w, doc); err != nil {
		return fmt.Errorf("feeds: opml: %w", err)
	}
	return nil
}

func opmlOutlines(outlines []Outline, depth int) ([]opmlOutline, error) {
	if len(outlines) > 0 && depth > maxOutlineDepth {
		return nil, invalid("opml", "outlines nested deeper than %d", maxOutlineDepth)
	}
	out := make([]opmlOutline, len(outlines))
	for i, o := range outlines {
		switch {
		case o.Text == "":
			return nil, invalid("opml", "outline %q has no text", o.XMLURL)
		case o.Type == "rss" && o.XMLURL == "":
			return nil, invalid("opml", "feed outline %q has no xml url", o.Text)
		case o.Type == "link" && o.URL == "":
			return nil, invalid("opml", "link outline %q has no url", o.Text)
		case o.Lang != "" && !validLang(o.Lang):
			return nil, invalid("opml", "outline %q: language %q is not a language tag", o.Text, o.Lang)
		}
		children, err := opmlOutlines(o.Children, depth+1)
		if err != nil {
			return nil, err
		}
		out[i] = opmlOutline{
			Text:     o.Text,
			Title:    o.Title,
			Type:     o.Type,
			XMLURL:   o.XMLURL,
			HTMLURL:  o.HTMLURL,
			URL:      o.URL,
			Lang:     o.Lang,
			Children: children,
		}
	}
	return out, nil
}
