package federation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/bgimigranti/hub/db/markup"
)

// The rules by which Mastodon and GoToSocial turn a received object into
// the status their users read, written from their source, so that fake
// peers can say what a person would see.

// mastodonConvertedTypes are the types Mastodon accepts besides Note and
// Question and shows "converted" (mastodon/mastodon
// app/lib/activitypub/activity.rb, CONVERTED_TYPES).
var mastodonConvertedTypes = map[string]bool{"Image": true, "Audio": true, "Video": true, "Article": true, "Page": true, "Event": true}

// mastodonStatus is the text and the content warning of the status
// Mastodon makes of obj, after mastodon/mastodon
// app/lib/activitypub/parser/status_parser.rb: for a converted type the
// text is "<h2>title</h2>", spoiler_text and the url (or id), joined by
// blank lines, and there is no content warning; for a Note the text is
// content (else the first contentMap value) and the warning summary (else
// the first summaryMap value). title is name, else the first nameMap value.
func mastodonStatus(obj map[string]any) (text, cw string) {
	title := presentOrFirst(obj, "name")
	spoiler := presentOrFirst(obj, "summary")
	if mastodonConvertedTypes[typeOf(obj)] {
		var parts []string
		if title != "" {
			parts = append(parts, "<h2>"+title+"</h2>")
		}
		if spoiler != "" {
			parts = append(parts, spoiler)
		}
		link := urlOf(obj)
		if link == "" {
			link = str(obj, "id")
		}
		parts = append(parts, `<a href="`+link+`">`+link+`</a>`)
		return strings.Join(parts, "\n\n"), ""
	}
	return presentOrFirst(obj, "content"), spoiler
}

// presentOrFirst is status_parser.rb's reading of a natural-language
// property: the plain value when present (not blank), else the first
// value of its map, in the order the JSON has it (Ruby hashes keep it).
func presentOrFirst(obj map[string]any, k string) string {
	if s, ok := obj[k].(string); ok && strings.TrimSpace(s) != "" {
		return s
	}
	if m, ok := obj[k+"Map"].(orderedMap); ok && len(m.keys) > 0 {
		return m.vals[m.keys[0]]
	}
	return ""
}

// gtsStatus is the content and the content warning of the status
// GoToSocial makes of obj, after superseriousbusiness/gotosocial
// internal/typeutils/astointernal.go (ASStatusToStatus: the warning is
// ap.ExtractSummary, else ap.ExtractName; content comes from
// ContentToContentLanguage) and internal/ap/extract.go (ExtractSummary and
// ExtractName return the first value that is a plain string or an IRI).
// go-fed reads "summary" when present and "summaryMap" only otherwise, and
// a map's values are rdf:langString, which neither function returns: an
// object with only nameMap and summaryMap has no warning. Content is
// content, else the only contentMap value. Every type GoToSocial accepts
// (Article, Event, Note, Page, …) is read alike.
func gtsStatus(obj map[string]any) (content, cw string) {
	cw = plainString(obj["summary"])
	if cw == "" {
		cw = plainString(obj["name"])
	}
	content = str(obj, "content")
	if content == "" {
		if m, ok := obj["contentMap"].(orderedMap); ok && len(m.keys) == 1 {
			content = m.vals[m.keys[0]]
		}
	}
	return content, cw
}

// plainString is what ExtractSummary and ExtractName find in a property's
// JSON value: the first string (go-fed parses one with a scheme as an IRI,
// which they return too).
func plainString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				return s
			}
			if u, ok := e.(*url.URL); ok {
				return u.String()
			}
		}
	}
	return ""
}

// orderedMap is a JSON object decoded with its keys in order (Mastodon's
// "first value" depends on it; encoding/json's maps lose it).
type orderedMap struct {
	keys []string
	vals map[string]string
}

// decodeOrdered decodes a JSON object, keeping the order of the keys of
// its language maps (nameMap, summaryMap, contentMap).
func decodeOrdered(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object: %v", err)
	}
	out := map[string]any{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		if !strings.HasSuffix(key, "Map") {
			var v any
			if err := dec.Decode(&v); err != nil {
				return nil, err
			}
			out[key] = v
			continue
		}
		var pairs json.RawMessage
		if err := dec.Decode(&pairs); err != nil {
			return nil, err
		}
		m := orderedMap{vals: map[string]string{}}
		inner := json.NewDecoder(bytes.NewReader(pairs))
		if tok, err := inner.Token(); err != nil || tok != json.Delim('{') {
			continue
		}
		for inner.More() {
			kt, err := inner.Token()
			if err != nil {
				return nil, err
			}
			var v string
			if err := inner.Decode(&v); err != nil {
				return nil, err
			}
			k, _ := kt.(string)
			m.keys = append(m.keys, k)
			m.vals[k] = v
		}
		out[key] = m
	}
	return out, nil
}

// readable is the text of HTML as a person reads it, on one line.
func readable(h string) string {
	return strings.Join(strings.Fields(markup.PlainText(h)), " ")
}
