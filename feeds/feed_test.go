package feeds

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	gofeedjson "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
)

// format is one of the feed formats, for tests that run over all three.
type format struct {
	name   string
	render func(io.Writer, *Feed) error
}

var formats = []format{{"atom", Atom}, {"rss", RSS}, {"json", JSON}}

// parse renders f in the format and parses the bytes with gofeed, a reader
// written by someone else, keeping gofeed's format-specific result too.
func parse(t *testing.T, fm format, f *Feed) *gofeed.Feed {
	t.Helper()
	var buf bytes.Buffer
	if err := fm.render(&buf, f); err != nil {
		t.Fatalf("%s: render: %v", fm.name, err)
	}
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	got, err := p.Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("%s: gofeed cannot parse the output: %v\n%s", fm.name, err, buf.String())
	}
	if got.FeedType != fm.name {
		t.Fatalf("%s: gofeed detected %q", fm.name, got.FeedType)
	}
	return got
}

// TestParsedByGofeed checks what a real reader finds in each format:
// titles, links, dates, languages, categories, enclosures and authors.
func TestParsedByGofeed(t *testing.T) {
	fixtures := []struct {
		name string
		feed func(testing.TB) *Feed
	}{{"bg", bgFeed}, {"en", enFeed}}
	for _, fx := range fixtures {
		for _, fm := range formats {
			t.Run(fx.name+"/"+fm.name, func(t *testing.T) {
				f := withSelf(fx.feed(t), fm.name)
				got := parse(t, fm, f)
				if got.Title != f.Title {
					t.Errorf("title = %q, want %q", got.Title, f.Title)
				}
				if got.Link != f.htmlURL() {
					t.Errorf("link = %q, want %q", got.Link, f.htmlURL())
				}
				if got.FeedLink != f.SelfURL {
					t.Errorf("feed link = %q, want %q", got.FeedLink, f.SelfURL)
				}
				if got.Language != f.Lang {
					t.Errorf("language = %q, want %q", got.Language, f.Lang)
				}
				if len(got.Items) != len(f.Entries) {
					t.Fatalf("%d items, want %d", len(got.Items), len(f.Entries))
				}
				for i, item := range got.Items {
					checkItem(t, fm.name, got, i, item, f, &f.Entries[i])
				}
			})
		}
	}
}

func checkItem(t *testing.T, fm string, feed *gofeed.Feed, i int, item *gofeed.Item, f *Feed, e *Entry) {
	t.Helper()
	if item.Title != e.Title {
		t.Errorf("item %d: title = %q, want %q", i, item.Title, e.Title)
	}
	if item.Link != e.link() {
		t.Errorf("item %d: link = %q, want %q", i, item.Link, e.link())
	}
	if item.GUID != e.ID {
		t.Errorf("item %d: guid = %q, want %q", i, item.GUID, e.ID)
	}
	checkTime(t, i, "published", item.PublishedParsed, e.published())
	switch fm {
	case "atom":
		checkTime(t, i, "updated", item.UpdatedParsed, e.updated())
	case "json":
		checkTime(t, i, "updated", item.UpdatedParsed, e.Updated)
	}

	var cats []string
	for _, c := range e.Categories {
		cats = append(cats, categoryText(c))
	}
	if !slices.Equal(item.Categories, cats) {
		t.Errorf("item %d: categories = %q, want %q", i, item.Categories, cats)
	}

	var encs []gofeed.Enclosure
	for _, x := range e.Enclosures {
		enc := gofeed.Enclosure{URL: x.URL, Type: x.Type}
		if x.Length > 0 {
			enc.Length = strconv.FormatInt(x.Length, 10)
		}
		if fm != "atom" && enc.Type == "" {
			enc.Type = "application/octet-stream"
		}
		if fm == "rss" {
			enc.Length = strconv.FormatInt(x.Length, 10) // "0" when unknown
		}
		encs = append(encs, enc)
		if fm == "rss" {
			break // RSS carries the first enclosure only
		}
	}
	var gotEncs []gofeed.Enclosure
	for _, x := range item.Enclosures {
		gotEncs = append(gotEncs, *x)
	}
	if !slices.Equal(gotEncs, encs) {
		t.Errorf("item %d: enclosures = %+v, want %+v", i, gotEncs, encs)
	}

	var names, uris []string
	for _, a := range e.Authors {
		names = append(names, a.Name)
		uris = append(uris, a.URI)
	}
	var gotNames, gotURIs []string
	switch fm {
	case "atom":
		// gofeed's universal Person has no URI; read the Atom entry.
		for _, a := range feed.OriginalFeed().(*atom.Feed).Entries[i].Authors {
			gotNames = append(gotNames, a.Name)
			gotURIs = append(gotURIs, a.URI)
		}
	case "rss":
		// gofeed keeps only the first dc:creator as the author.
		if dc := feed.OriginalFeed().(*rss.Feed).Items[i].DublinCoreExt; dc != nil {
			gotNames = dc.Creator
		}
		if len(names) > 0 && (item.Author == nil || item.Author.Name != names[0]) {
			t.Errorf("item %d: author = %+v, want %q", i, item.Author, names[0])
		}
		uris = nil // RSS has no author URI
	case "json":
		for _, a := range feed.OriginalFeed().(*gofeedjson.Feed).Items[i].Authors {
			gotNames = append(gotNames, a.Name)
			gotURIs = append(gotURIs, a.URL)
		}
	}
	if !slices.Equal(gotNames, names) || !slices.Equal(gotURIs, uris) {
		t.Errorf("item %d: authors = %q %q, want %q %q", i, gotNames, gotURIs, names, uris)
	}

	wantLang := otherLang(f.Lang, e.Lang)
	var gotLang string
	switch fm {
	case "atom":
		gotLang = wantLang // gofeed ignores an entry's xml:lang; TestXMLWellFormed reads it
	case "rss":
		if dc := feed.OriginalFeed().(*rss.Feed).Items[i].DublinCoreExt; dc != nil && len(dc.Language) > 0 {
			gotLang = dc.Language[0]
		}
	case "json":
		gotLang = feed.OriginalFeed().(*gofeedjson.Feed).Items[i].Language
	}
	if gotLang != wantLang {
		t.Errorf("item %d: language = %q, want %q", i, gotLang, wantLang)
	}

	var wantSource, gotSource [2]string
	if e.Source != nil {
		wantSource = [2]string{e.Source.Title, e.Source.URL}
	}
	switch fm {
	case "atom":
		if s := feed.OriginalFeed().(*atom.Feed).Entries[i].Source; s != nil {
			gotSource[0] = s.Title
			if s.ID != e.Source.URL || len(s.Links) != 1 || s.Links[0].Href != e.Source.URL {
				t.Errorf("item %d: source id %q links %+v, want %q", i, s.ID, s.Links, e.Source.URL)
			}
			gotSource[1] = s.ID
		}
	case "rss":
		if s := feed.OriginalFeed().(*rss.Feed).Items[i].Source; s != nil {
			gotSource = [2]string{s.Title, s.URL}
		}
	case "json":
		gotSource = wantSource // gofeed drops extension objects; TestJSONSource reads it
	}
	if gotSource != wantSource {
		t.Errorf("item %d: source = %q, want %q", i, gotSource, wantSource)
	}
}

func checkTime(t *testing.T, i int, what string, got *time.Time, want time.Time) {
	t.Helper()
	switch {
	case want.IsZero() && got != nil:
		t.Errorf("item %d: %s = %v, want none", i, what, got)
	case !want.IsZero() && got == nil:
		t.Errorf("item %d: no %s, want %v", i, what, want.UTC())
	case !want.IsZero() && !got.Equal(want):
		t.Errorf("item %d: %s = %v, want %v", i, what, got.UTC(), want.UTC())
	}
}

// TestAtomDetails checks what gofeed's universal feed does not carry: the
// category term, scheme and label, the content type and the self link.
func TestAtomDetails(t *testing.T) {
	f := withSelf(bgFeed(t), "atom")
	got := parse(t, formats[0], f).OriginalFeed().(*atom.Feed)
	if got.ID != f.ID {
		t.Errorf("id = %q, want %q", got.ID, f.ID)
	}
	if got.Generator == nil || got.Generator.Value != f.Generator {
		t.Errorf("generator = %+v, want %q", got.Generator, f.Generator)
	}
	var rels []string
	for _, l := range got.Links {
		rels = append(rels, l.Rel+" "+l.Type+" "+l.Href)
	}
	wantRels := []string{"alternate text/html " + f.HTMLURL, "self application/atom+xml " + f.SelfURL}
	if !slices.Equal(rels, wantRels) {
		t.Errorf("links = %q, want %q", rels, wantRels)
	}
	if len(got.Authors) != 1 || got.Authors[0].Name != f.Author.Name || got.Authors[0].URI != f.Author.URI {
		t.Errorf("feed authors = %+v, want %+v", got.Authors, f.Author)
	}
	e := got.Entries[0]
	want := f.Entries[0].Categories
	if len(e.Categories) != len(want) {
		t.Fatalf("categories = %+v, want %+v", e.Categories, want)
	}
	for i, c := range e.Categories {
		if c.Term != want[i].Term || c.Label != want[i].Label || c.Scheme != want[i].Scheme {
			t.Errorf("category %d = %+v, want %+v", i, *c, want[i])
		}
	}
	if e.Content == nil || e.Content.Type != "html" || e.Content.Value != f.Entries[0].ContentHTML {
		t.Errorf("content = %+v, want html %q", e.Content, f.Entries[0].ContentHTML)
	}
	if e.Summary != f.Entries[0].Summary {
		t.Errorf("summary = %q, want %q", e.Summary, f.Entries[0].Summary)
	}

	// A feed without an author of its own names its title as the author,
	// so that entries without authors are valid Atom.
	en := withSelf(enFeed(t), "atom")
	gotEn := parse(t, formats[0], en).OriginalFeed().(*atom.Feed)
	if len(gotEn.Authors) != 1 || gotEn.Authors[0].Name != en.Title {
		t.Errorf("en feed authors = %+v, want the title %q", gotEn.Authors, en.Title)
	}
	if want := en.Entries[0].Updated; gotEn.UpdatedParsed == nil || !gotEn.UpdatedParsed.Equal(want) {
		t.Errorf("en feed updated = %v, want the newest entry's %v", gotEn.UpdatedParsed, want)
	}
}

// TestRSSDetails checks the RSS parts gofeed keeps only in its RSS result.
func TestRSSDetails(t *testing.T) {
	f := withSelf(bgFeed(t), "rss")
	got := parse(t, formats[1], f).OriginalFeed().(*rss.Feed)
	e := got.Items[0]
	if e.GUID == nil || e.GUID.Value != f.Entries[0].ID || e.GUID.IsPermalink != "true" {
		t.Errorf("guid = %+v, want a permalink %q", e.GUID, f.Entries[0].ID)
	}
	if e.Content != f.Entries[0].ContentHTML {
		t.Errorf("content:encoded = %q, want %q", e.Content, f.Entries[0].ContentHTML)
	}
	// The plain-text summary is escaped once more, because readers read
	// <description> as HTML.
	if want := htmlText(f.Entries[0].Summary); e.Description != want {
		t.Errorf("description = %q, want %q", e.Description, want)
	}
	if e.Author != "" {
		t.Errorf("author = %q, want none (RSS wants an e-mail address there)", e.Author)
	}
	if len(e.Categories) != 2 || e.Categories[0].Domain != f.Entries[0].Categories[0].Scheme {
		t.Errorf("categories = %+v, want two, the first in domain %q", e.Categories, f.Entries[0].Categories[0].Scheme)
	}
	if want := f.Entries[0].Published.UTC().Format(time.RFC1123Z); e.PubDate != want {
		t.Errorf("pubDate = %q, want %q", e.PubDate, want)
	}
}

// TestJSONSource checks the JSON Feed parts gofeed does not read.
func TestJSONSource(t *testing.T) {
	f := withSelf(bgFeed(t), "json")
	var buf bytes.Buffer
	if err := JSON(&buf, f); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version string `json:"version"`
		Items   []struct {
			Source *struct {
				Title string `json:"title"`
				URL   string `json:"url"`
			} `json:"_source"`
			Attachments []map[string]any `json:"attachments"`
		} `json:"items"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "https://jsonfeed.org/version/1.1" {
		t.Errorf("version = %q", doc.Version)
	}
	for i, item := range doc.Items {
		e := f.Entries[i]
		switch {
		case e.Source == nil && item.Source != nil:
			t.Errorf("item %d: _source = %+v, want none", i, item.Source)
		case e.Source != nil && (item.Source == nil || item.Source.Title != e.Source.Title || item.Source.URL != e.Source.URL):
			t.Errorf("item %d: _source = %+v, want %+v", i, item.Source, e.Source)
		}
		for j, a := range item.Attachments {
			if _, ok := a["size"]; ok {
				t.Errorf("item %d attachment %d has gorilla's key \"size\"", i, j)
			}
			if want := e.Enclosures[j].Title; a["title"] != want {
				t.Errorf("item %d attachment %d: title = %v, want %q", i, j, a["title"], want)
			}
		}
	}
}

// TestXMLWellFormed decodes every XML output with encoding/xml, token by
// token in strict mode, and checks the root element and the xml:lang of the
// Atom feed and its entries.
func TestXMLWellFormed(t *testing.T) {
	for _, r := range renders(t) {
		if strings.HasPrefix(r.name, "json") || r.name == "calendar" {
			continue
		}
		t.Run(r.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := r.fn(&buf); err != nil {
				t.Fatal(err)
			}
			wellFormed(t, buf.Bytes())
		})
	}

	var buf bytes.Buffer
	f := withSelf(bgFeed(t), "atom")
	if err := Atom(&buf, f); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name
		Lang    string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		Entries []struct {
			Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.XMLName != (xml.Name{Space: atomNS, Local: "feed"}) {
		t.Errorf("root = %v, want {%s feed}", doc.XMLName, atomNS)
	}
	if doc.Lang != f.Lang {
		t.Errorf("feed xml:lang = %q, want %q", doc.Lang, f.Lang)
	}
	for i, e := range doc.Entries {
		if want := otherLang(f.Lang, f.Entries[i].Lang); e.Lang != want {
			t.Errorf("entry %d: xml:lang = %q, want %q", i, e.Lang, want)
		}
	}
}

func wellFormed(t *testing.T, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, b)
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if roots != 1 || depth != 0 {
		t.Fatalf("%d root elements, depth %d at the end", roots, depth)
	}
}

// TestOPML reads the OPML back and checks the nesting and the attributes.
func TestOPML(t *testing.T) {
	outlines := []Outline{
		{Text: "Български", Children: []Outline{
			{Text: "Новини", Type: "rss", XMLURL: "https://hub.example/bg/news/feed.atom", HTMLURL: "https://hub.example/bg/news", Lang: "bg"},
			{Text: "Събития", Children: []Outline{
				{Text: "Календар", Type: "link", URL: "https://hub.example/bg/events/calendar.ics"},
			}},
		}},
	}
	var buf bytes.Buffer
	if err := OPML(&buf, "Емисии", "bg", outlines); err != nil {
		t.Fatal(err)
	}
	type outline struct {
		Text     string    `xml:"text,attr"`
		Type     string    `xml:"type,attr"`
		XMLURL   string    `xml:"xmlUrl,attr"`
		URL      string    `xml:"url,attr"`
		Lang     string    `xml:"language,attr"`
		Children []outline `xml:"outline"`
	}
	var doc struct {
		Version string    `xml:"version,attr"`
		Title   string    `xml:"head>title"`
		Body    []outline `xml:"body>outline"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.0" || doc.Title != "Емисии" {
		t.Errorf("version %q, title %q", doc.Version, doc.Title)
	}
	if len(doc.Body) != 1 || len(doc.Body[0].Children) != 2 {
		t.Fatalf("body = %+v", doc.Body)
	}
	feed := doc.Body[0].Children[0]
	if feed.Type != "rss" || feed.XMLURL != outlines[0].Children[0].XMLURL || feed.Lang != "bg" {
		t.Errorf("feed outline = %+v", feed)
	}
	cal := doc.Body[0].Children[1].Children
	if len(cal) != 1 || cal[0].Type != "link" || cal[0].URL != outlines[0].Children[1].Children[0].URL {
		t.Errorf("nested outline = %+v", cal)
	}
}

// TestInvalid checks that a bad feed or calendar gives an error wrapping
// ErrInvalid and writes nothing (bad entries and events are
// TestBadEntriesAreSkipped's).
func TestInvalid(t *testing.T) {
	feed := func(change func(*Feed)) *Feed {
		f := bgFeed(t)
		change(f)
		return f
	}
	feedCases := []struct {
		name string
		feed *Feed
	}{
		{"nil", nil},
		{"no id", feed(func(f *Feed) { f.ID = "" })},
		{"no title", feed(func(f *Feed) { f.Title = "" })},
		{"no self url", feed(func(f *Feed) { f.SelfURL = "" })},
		{"bad language", feed(func(f *Feed) { f.Lang = "bg bg" })},
		{"no updated time", feed(func(f *Feed) { f.Updated = time.Time{}; f.Entries = nil })},
		{"year 10000", feed(func(f *Feed) { f.Updated = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) })},
	}
	for _, tc := range feedCases {
		for _, fm := range formats {
			var buf bytes.Buffer
			err := fm.render(&buf, tc.feed)
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%s %s: err = %v, want ErrInvalid", fm.name, tc.name, err)
			}
			if buf.Len() != 0 {
				t.Errorf("%s %s: wrote %d bytes", fm.name, tc.name, buf.Len())
			}
		}
	}

	cal := func(change func(*Calendar)) *Calendar {
		c := calendar(t)
		change(c)
		return c
	}
	calCases := []struct {
		name string
		cal  *Calendar
	}{
		{"nil", nil},
		{"no name", cal(func(c *Calendar) { c.Name = "" })},
	}
	for _, tc := range calCases {
		var buf bytes.Buffer
		err := ICal(&buf, tc.cal)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("ical %s: err = %v, want ErrInvalid", tc.name, err)
		}
		if buf.Len() != 0 {
			t.Errorf("ical %s: wrote %d bytes", tc.name, buf.Len())
		}
	}

	opmlCases := []struct {
		name, title string
		outlines    []Outline
	}{
		{"no title", "", nil},
		{"outline without text", "t", []Outline{{Type: "rss", XMLURL: "https://x.example/feed"}}},
		{"feed without url", "t", []Outline{{Text: "x", Type: "rss"}}},
		{"nested link without url", "t", []Outline{{Text: "x", Children: []Outline{{Text: "y", Type: "link"}}}}},
		{"too deep", "t", deepOutline(maxOutlineDepth + 1)},
	}
	for _, tc := range opmlCases {
		var buf bytes.Buffer
		err := OPML(&buf, tc.title, "bg", tc.outlines)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("opml %s: err = %v, want ErrInvalid", tc.name, err)
		}
		if buf.Len() != 0 {
			t.Errorf("opml %s: wrote %d bytes", tc.name, buf.Len())
		}
	}
	if err := OPML(io.Discard, "t", "bg", deepOutline(maxOutlineDepth)); err != nil {
		t.Errorf("opml nested %d deep: %v", maxOutlineDepth, err)
	}
}

func deepOutline(depth int) []Outline {
	o := []Outline{{Text: "leaf", Type: "rss", XMLURL: "https://x.example/feed"}}
	for i := 1; i < depth; i++ {
		o = []Outline{{Text: "folder", Children: o}}
	}
	return o
}

// FuzzXMLText feeds arbitrary text, including control characters, invalid
// UTF-8 and "]]>", into every text field of the XML formats and checks that
// the output is still well-formed XML. "go test" runs the seeds.
func FuzzXMLText(f *testing.F) {
	for _, s := range []string{"", "plain", "\x00\x01\x0b\x1f", "\xff\xfe broken", "]]>", "a]]>b<![CDATA[c", "<p>&amp;</p>", "\ufffe\uffff", "\u2028 \U0001F600"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		feed := &Feed{
			ID: "https://x.example/" + s, Title: "t" + s, Subtitle: s, SelfURL: "https://x.example/feed?" + s,
			Generator: s, Author: Person{Name: "a" + s, URI: s},
			Updated: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			Entries: []Entry{{
				ID: "https://x.example/e/" + s, Title: "t" + s, Summary: s, ContentHTML: s,
				Published:  time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
				Authors:    []Person{{Name: "n" + s, URI: s}},
				Categories: []Category{{Term: "c" + s, Label: s, Scheme: s}},
				Enclosures: []Enclosure{{URL: "https://x.example/f" + s, Type: s, Title: s}},
				Source:     &Source{Title: s, URL: "https://y.example/" + s},
			}},
		}
		for _, fm := range formats[:2] {
			var buf bytes.Buffer
			if err := fm.render(&buf, feed); err != nil {
				t.Fatalf("%s: %v", fm.name, err)
			}
			wellFormed(t, buf.Bytes())
		}
		var buf bytes.Buffer
		if err := OPML(&buf, "t"+s, "", []Outline{{Text: "x" + s, Title: s, Type: "rss", XMLURL: "u" + s}}); err != nil {
			t.Fatal(err)
		}
		wellFormed(t, buf.Bytes())
	})
}

// rendererFiles are the files of the pure renderers.
var rendererFiles = []string{"feed.go", "atom.go", "rss.go", "json.go", "ical.go", "vtimezone.go", "opml.go"}

// TestImportsNothingFromModule keeps the renderers pure: none of their
// files imports a package of this module but for feed.go, which imports db
// for its language rule. The handlers' files may import
// db and nothing else of it; feeds never imports portal or federation.
func TestImportsNothingFromModule(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(path, "github.com/bgimigranti/hub") {
				continue
			}
			// feed.go takes the one language rule from db (db.ContentLang);
			// no renderer touches the store.
			if (slices.Contains(rendererFiles, name) && name != "feed.go") || path != "github.com/bgimigranti/hub/db" {
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}

// TestBadEntriesAreSkipped checks that one entry or event a renderer
// cannot write is left out, never failing the whole document: the others
// are written, DropInvalid reports the one it removes, and the output is
// still well-formed.
func TestBadEntriesAreSkipped(t *testing.T) {
	entryCases := []struct {
		name   string
		i      int
		change func(*Entry)
	}{
		{"entry without id", 1, func(e *Entry) { e.ID = "" }},
		{"entry without title", 1, func(e *Entry) { e.Title = "" }},
		{"entry without time", 1, func(e *Entry) { e.Published = time.Time{}; e.Updated = time.Time{} }},
		{"entry language", 1, func(e *Entry) { e.Lang = "-" }},
		{"entry language x1", 1, func(e *Entry) { e.Lang = "x1" }},
		{"year 10000", 1, func(e *Entry) { e.Published = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"author without name", 1, func(e *Entry) { e.Authors[0].Name = "" }},
		{"category without term", 1, func(e *Entry) { e.Categories[0].Term = "" }},
		{"enclosure without url", 1, func(e *Entry) { e.Enclosures[0].URL = "" }},
		{"negative length", 1, func(e *Entry) { e.Enclosures[0].Length = -1 }},
		{"source without url", 2, func(e *Entry) { e.Source.URL = "" }},
	}
	for _, tc := range entryCases {
		f := bgFeed(t)
		tc.change(&f.Entries[tc.i])
		var keep []string
		for i, e := range f.Entries {
			if i != tc.i {
				keep = append(keep, e.ID)
			}
		}
		for _, fm := range formats {
			var buf bytes.Buffer
			if err := fm.render(&buf, f); err != nil {
				t.Errorf("%s %s: %v, want the feed without the entry", fm.name, tc.name, err)
				continue
			}
			if fm.name == "json" {
				if !json.Valid(buf.Bytes()) {
					t.Errorf("%s %s: not valid JSON", fm.name, tc.name)
				}
			} else {
				wellFormed(t, buf.Bytes())
			}
			for _, id := range keep {
				if !bytes.Contains(buf.Bytes(), []byte(id)) {
					t.Errorf("%s %s: entry %s is missing", fm.name, tc.name, id)
				}
			}
		}
		if errs := f.DropInvalid(); len(errs) != 1 || !errors.Is(errs[0], ErrInvalid) || len(f.Entries) != len(keep) {
			t.Errorf("%s: DropInvalid = %v, leaving %d entries; want one error and %d entries", tc.name, errs, len(f.Entries), len(keep))
		}
	}

	calCases := []struct {
		name   string
		change func(*Event)
	}{
		{"no uid", func(e *Event) { e.UID = "" }},
		{"no title", func(e *Event) { e.Title = "" }},
		{"no start", func(e *Event) { e.Start = time.Time{} }},
		{"ends before start", func(e *Event) { e.End = e.Start.Add(-time.Hour) }},
		{"no stamp", func(e *Event) { e.Created = time.Time{}; e.Updated = time.Time{} }},
		{"unknown zone", func(e *Event) { e.TimeZone = "Europe/Atlantis" }},
		{"local zone", func(e *Event) { e.TimeZone = "Local" }},
		{"negative sequence", func(e *Event) { e.Sequence = -1 }},
		{"language", func(e *Event) { e.Lang = "x1" }},
	}
	for _, tc := range calCases {
		c := calendar(t)
		if len(c.Events) < 2 {
			t.Fatalf("the test calendar has %d events, want at least 2", len(c.Events))
		}
		tc.change(&c.Events[0])
		other := c.Events[1].UID
		var buf bytes.Buffer
		if err := ICal(&buf, c); err != nil {
			t.Errorf("ical %s: %v, want the calendar without the event", tc.name, err)
			continue
		}
		if n := bytes.Count(buf.Bytes(), []byte("BEGIN:VEVENT")); n != len(c.Events)-1 || !bytes.Contains(buf.Bytes(), []byte(other)) {
			t.Errorf("ical %s: %d events written, want %d with %s", tc.name, n, len(c.Events)-1, other)
		}
		if errs := c.DropInvalid(); len(errs) != 1 || !errors.Is(errs[0], ErrInvalid) {
			t.Errorf("ical %s: DropInvalid = %v, want one error", tc.name, errs)
		}
	}
}

// FuzzFeedEntry puts arbitrary strings into an entry's (and an event's)
// every field, its language among them, next to a good entry: no renderer
// may panic or fail the document, the output must be well-formed XML or
// valid JSON, and the good entry must be in it. Seeds are in
// testdata/fuzz/FuzzFeedEntry.
func FuzzFeedEntry(f *testing.F) {
	for _, s := range [][2]string{{"", "bg"}, {"x", "x1"}, {"\x00", "en"}, {"]]>", "und"}, {"\xff", "zz9"}, {"t", "en-x1"}, {"Заглавие", "pt-BR"}} {
		f.Add(s[0], s[1], int64(0))
	}
	good := "https://x.example/good"
	f.Fuzz(func(t *testing.T, s, lang string, unix int64) {
		when := time.Unix(unix%(1<<40), 0).UTC()
		feed := bgFeed(t)
		feed.Entries = []Entry{
			{ID: s, URL: s, Title: s, Summary: s, ContentHTML: s, Lang: lang, Published: when, Updated: when,
				Authors: []Person{{Name: s, URI: s}}, Categories: []Category{{Term: s, Label: s, Scheme: s}},
				Enclosures: []Enclosure{{URL: s, Type: s, Title: s, Length: unix}}, Source: &Source{Title: s, URL: s}},
			{ID: good, Title: "good", Published: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		}
		for _, fm := range formats {
			var buf bytes.Buffer
			if err := fm.render(&buf, feed); err != nil {
				t.Fatalf("%s: %v", fm.name, err)
			}
			if fm.name == "json" {
				if !json.Valid(buf.Bytes()) {
					t.Fatalf("json: not valid:\n%s", buf.Bytes())
				}
			} else {
				wellFormed(t, buf.Bytes())
			}
			if !bytes.Contains(buf.Bytes(), []byte(good)) {
				t.Fatalf("%s: the good entry is missing", fm.name)
			}
		}
		cal := calendar(t)
		cal.Events = append(cal.Events[:1], Event{UID: s, URL: s, Title: s, DescriptionText: s, Lang: lang, TimeZone: s,
			Start: when, End: when, Updated: when, Location: s, Address: s, OnlineURL: s, Organizer: s, OrganizerURI: s, Categories: []string{s}})
		var buf bytes.Buffer
		if err := ICal(&buf, cal); err != nil {
			t.Fatalf("ical: %v", err)
		}
		if !bytes.Contains(buf.Bytes(), []byte("UID:"+icsText(cal.Events[0].UID))) {
			t.Fatalf("ical: the good event is missing:\n%s", buf.Bytes())
		}
	})
}
