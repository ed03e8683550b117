package feeds

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	gorilla "github.com/gorilla/feeds"
)

const jsonFeedVersion = "https://jsonfeed.org/version/1.1"

// jsonFeed extends gorilla's JSONFeed; Items hides JSONFeed.Items, which
// holds gorilla's item type and is omitted when empty although JSON Feed
// requires it.
type jsonFeed struct {
	*gorilla.JSONFeed
	Items []jsonItem `json:"items"`
}

// jsonItem extends gorilla's JSONItem with the JSON Feed 1.1 language and
// an origin for federated items. Attachments hides JSONItem.Attachments,
// whose size is written as "size" in an int32 instead of size_in_bytes.
type jsonItem struct {
	*gorilla.JSONItem
	Attachments []jsonAttachment `json:"attachments,omitempty"`
	Language    string           `json:"language,omitempty"`
	Source      *jsonSource      `json:"_source,omitempty"`
}

type jsonAttachment struct {
	URL         string `json:"url"`
	MIMEType    string `json:"mime_type"`
	Title       string `json:"title,omitempty"`
	SizeInBytes int64  `json:"size_in_bytes,omitempty"`
}

// jsonSource is a JSON Feed extension object (its name starts with "_",
// so readers that do not know it ignore it).
type jsonSource struct {
	Title string `json:"title,omitempty"`
	URL   string `json:"url"`
}

// JSON writes f to w as a JSON Feed 1.1 document.
//
// The feed has its language, home_page_url, feed_url, icon and authors;
// items have an id, url, title, summary, content_html, dates, authors, tags
// (category labels, or terms when there is no label), attachments, a
// language when it differs from the feed's, and a "_source" extension
// object for federated items.
func JSON(w io.Writer, f *Feed) error {
	f, _, err := f.validate("json")
	if err != nil {
		return err
	}
	doc := jsonFeed{
		JSONFeed: &gorilla.JSONFeed{
			Version:     jsonFeedVersion,
			Title:       f.Title,
			Language:    f.Lang,
			HomePageUrl: f.htmlURL(),
			FeedUrl:     f.SelfURL,
			Description: f.Subtitle,
			Icon:        f.IconURL,
		},
		Items: make([]jsonItem, len(f.Entries)),
	}
	if f.Author.Name != "" {
		doc.Authors = []*gorilla.JSONAuthor{{Name: f.Author.Name, Url: f.Author.URI, Avatar: f.Author.Avatar}}
	}
	for i := range f.Entries {
		doc.Items[i] = newJSONItem(f, &f.Entries[i])
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("feeds: json: %w", err)
	}
	return nil
}

func newJSONItem(f *Feed, e *Entry) jsonItem {
	x := jsonItem{
		JSONItem: &gorilla.JSONItem{
			Id:            e.ID,
			Url:           e.link(),
			Title:         e.Title,
			ContentHTML:   e.ContentHTML,
			Summary:       e.Summary,
			PublishedDate: utcPtr(e.published()),
			ModifiedDate:  utcPtr(e.Updated),
		},
		Language: otherLang(f.Lang, e.Lang),
	}
	if e.ContentHTML == "" {
		// JSON Feed requires content_html or content_text.
		x.ContentText = e.Summary
		if x.ContentText == "" {
			x.ContentText = e.Title
		}
	}
	for _, a := range e.Authors {
		x.Authors = append(x.Authors, &gorilla.JSONAuthor{Name: a.Name, Url: a.URI, Avatar: a.Avatar})
	}
	for _, c := range e.Categories {
		x.Tags = append(x.Tags, categoryText(c))
	}
	for _, enc := range e.Enclosures {
		typ := enc.Type
		if typ == "" {
			typ = "application/octet-stream"
		}
		x.Attachments = append(x.Attachments, jsonAttachment{URL: enc.URL, MIMEType: typ, Title: enc.Title, SizeInBytes: enc.Length})
	}
	if e.Source != nil {
		x.Source = &jsonSource{Title: e.Source.Title, URL: e.Source.URL}
	}
	return x
}

// utcPtr returns a pointer to t in UTC to the second, as Atom and RSS
// write it, or nil when t is zero.
func utcPtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC().Truncate(time.Second)
	return &u
}
