package feeds

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"

	gorilla "github.com/gorilla/feeds"
)

const atomNS = "http://www.w3.org/2005/Atom"

// atomFeed extends gorilla's AtomFeed, which has one link, no xml:lang and
// no generator. Links and Entries hide AtomFeed.Link and AtomFeed.Entries.
type atomFeed struct {
	Lang string `xml:"xml:lang,attr,omitempty"`
	*gorilla.AtomFeed
	Links     []atomLink     `xml:"link"`
	Generator *atomGenerator `xml:"generator"`
	Entries   []atomEntry    `xml:"entry"`
}

// atomEntry extends gorilla's AtomEntry. Authors, Categories, Links and
// Source hide the AtomEntry fields of the same XML name, which hold one
// author, write the category as text, have no link title and write the
// source as text.
type atomEntry struct {
	Lang string `xml:"xml:lang,attr,omitempty"`
	*gorilla.AtomEntry
	Links      []atomLink           `xml:"link"`
	Authors    []gorilla.AtomAuthor `xml:"author"`
	Categories []atomCategory       `xml:"category"`
	Source     *atomSource          `xml:"source"`
}

// atomLink adds the title attribute to gorilla's AtomLink.
type atomLink struct {
	gorilla.AtomLink
	Title string `xml:"title,attr,omitempty"`
}

type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
	Label  string `xml:"label,attr,omitempty"`
}

type atomGenerator struct {
	Value string `xml:",chardata"`
}

type atomSource struct {
	ID    string     `xml:"id"`
	Title string     `xml:"title,omitempty"`
	Links []atomLink `xml:"link"`
}

// Atom writes f to w as an Atom 1.0 document (RFC 4287).
//
// The feed has xml:lang, its id, alternate and self links, updated,
// generator and an author; entries have an id, title, alternate link,
// enclosure links, published, updated, authors, categories, a plain-text
// summary, HTML content and, for federated entries, a source.
func Atom(w io.Writer, f *Feed) error {
	f, updated, err := f.validate("atom")
	if err != nil {
		return err
	}
	author := f.Author
	if author.Name == "" {
		author = Person{Name: f.Title, URI: f.htmlURL()}
	}
	doc := atomFeed{
		Lang: f.Lang,
		AtomFeed: &gorilla.AtomFeed{
			Xmlns:    atomNS,
			Title:    f.Title,
			Id:       f.ID,
			Updated:  rfc3339(updated),
			Icon:     f.IconURL,
			Logo:     f.LogoURL,
			Subtitle: f.Subtitle,
			Author:   &gorilla.AtomAuthor{AtomPerson: gorilla.AtomPerson{Name: author.Name, Uri: author.URI}},
		},
		Links: []atomLink{
			link("alternate", "text/html", f.htmlURL()),
			link("self", MediaTypeAtom, f.SelfURL),
		},
		Entries: make([]atomEntry, len(f.Entries)),
	}
	if f.Generator != "" {
		doc.Generator = &atomGenerator{Value: f.Generator}
	}
	for i := range f.Entries {
		doc.Entries[i] = newAtomEntry(f, &f.Entries[i])
	}
	if err := writeXML(w, doc); err != nil {
		return fmt.Errorf("feeds: atom: %w", err)
	}
	return nil
}

func newAtomEntry(f *Feed, e *Entry) atomEntry {
	x := atomEntry{
		Lang: otherLang(f.Lang, e.Lang),
		AtomEntry: &gorilla.AtomEntry{
			Title:   e.Title,
			Id:      e.ID,
			Updated: rfc3339(e.updated()),
		},
		Links: make([]atomLink, 0, 1+len(e.Enclosures)),
	}
	if !e.Published.IsZero() {
		x.Published = rfc3339(e.Published)
	}
	x.Links = append(x.Links, link("alternate", "text/html", e.link()))
	for _, enc := range e.Enclosures {
		l := link("enclosure", enc.Type, enc.URL)
		if enc.Length > 0 {
			l.Length = strconv.FormatInt(enc.Length, 10)
		}
		l.Title = enc.Title
		x.Links = append(x.Links, l)
	}
	for _, a := range e.Authors {
		x.Authors = append(x.Authors, gorilla.AtomAuthor{AtomPerson: gorilla.AtomPerson{Name: a.Name, Uri: a.URI}})
	}
	for _, c := range e.Categories {
		x.Categories = append(x.Categories, atomCategory{Term: c.Term, Scheme: c.Scheme, Label: c.Label})
	}
	if e.Summary != "" {
		x.Summary = &gorilla.AtomSummary{Type: "text", Content: e.Summary}
	}
	if e.ContentHTML != "" {
		x.Content = &gorilla.AtomContent{Type: "html", Content: e.ContentHTML}
	}
	if e.Source != nil {
		x.Source = &atomSource{
			ID:    e.Source.URL,
			Title: e.Source.Title,
			Links: []atomLink{link("alternate", "", e.Source.URL)},
		}
	}
	return x
}

func link(rel, typ, href string) atomLink {
	return atomLink{AtomLink: gorilla.AtomLink{Href: href, Rel: rel, Type: typ}}
}

// writeXML writes the XML declaration and v, indented by two spaces, to w.
func writeXML(w io.Writer, v any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
