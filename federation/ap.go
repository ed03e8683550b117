package federation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"

	"github.com/bgimigranti/hub/db"
)

// The ActivityStreams constants the hub uses.
const (
	asPublic = "https://www.w3.org/ns/activitystreams#Public"
	// contentType is what every ActivityStreams response and delivery
	// carries.
	contentType = "application/activity+json"
	// acceptAS is what the hub sends when it fetches ActivityStreams
	// documents.
	acceptAS = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
)

// Namespace is the IRI prefix of the hub's own JSON-LD terms (hub:section
// and friends), documented in FEDERATION.md, whose headings are the terms.
const Namespace = "https://github.com/bgimigranti/hub/blob/main/FEDERATION.md#"

// The hub's extension terms, in the compact form the hub writes and reads.
const (
	termSection       = "hub:section"
	termOrganisations = "hub:organisations"
	termCategories    = "hub:forumCategories"
	termOrgKind       = "hub:organisationKind"
	termTimeZone      = "hub:timeZone"
	termAllDay        = "hub:allDay"
	termCancelled     = "hub:cancelled"
	termField         = "hub:field"
)

// ldContext is the @context of every document the hub serves: the
// ActivityStreams and security vocabularies, and a fixed extension context
// for the Mastodon terms go-fed gets wrong (stack.md §2) and the hub's own.
func ldContext() []any {
	return []any{
		"https://www.w3.org/ns/activitystreams",
		"https://w3id.org/security/v1",
		map[string]any{
			"toot":                      "http://joinmastodon.org/ns#",
			"discoverable":              "toot:discoverable",
			"featured":                  map[string]any{"@id": "toot:featured", "@type": "@id"},
			"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
			"sensitive":                 "as:sensitive",
			"schema":                    "http://schema.org#",
			"PostalAddress":             "schema:PostalAddress",
			"VirtualLocation":           "schema:VirtualLocation",
			"address":                   "schema:address",
			"streetAddress":             "schema:streetAddress",
			"inLanguage":                "schema:inLanguage",
			"hub":                       Namespace,
			termOrganisations:           map[string]any{"@type": "@id"},
			termCategories:              map[string]any{"@type": "@id"},
		},
	}
}

// arrayKeys are properties always written as JSON arrays, even with one
// value: Mastodon reads some of them only as arrays, and go-fed collapses
// one-element arrays (stack.md §2).
var arrayKeys = []string{"to", "cc", "bto", "bcc", "orderedItems", "attachment", "tag"}

// serialize turns a go-fed value into the JSON object the hub sends: the
// fixed @context replaces go-fed's, and the arrayKeys are arrays, here and
// in an embedded object.
func serialize(t vocab.Type) (map[string]any, error) {
	m, err := streams.Serialize(t)
	if err != nil {
		return nil, fmt.Errorf("federation: serialize %s: %w", t.GetTypeName(), err)
	}
	m["@context"] = ldContext()
	forceArrays(m)
	if obj, ok := m["object"].(map[string]any); ok {
		delete(obj, "@context")
		forceArrays(obj)
	}
	return m, nil
}

func forceArrays(m map[string]any) {
	for _, k := range arrayKeys {
		v, ok := m[k]
		if !ok {
			continue
		}
		if _, isArr := v.([]any); !isArr {
			m[k] = []any{v}
		}
	}
}

// langMap is a language map (contentMap, nameMap, summaryMap) that keeps
// its keys in order: Mastodon takes the first key as the language of
// content, so the primary language goes first.
type langMap struct {
	keys []string
	vals map[string]string
}

func newLangMap() *langMap { return &langMap{vals: map[string]string{}} }

func (l *langMap) set(lang, v string) {
	if _, ok := l.vals[lang]; !ok {
		l.keys = append(l.keys, lang)
	}
	l.vals[lang] = v
}

func (l *langMap) empty() bool { return len(l.keys) == 0 }

// MarshalJSON writes the map with its keys in insertion order.
func (l *langMap) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range l.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := marshalJSON(k)
		vb, err := marshalJSON(l.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		// Every URL the hub builds comes from its parsed base URL.
		panic(fmt.Sprintf("federation: bad URL %q: %v", s, err))
	}
	return u
}

func idProp(s string) vocab.JSONLDIdProperty {
	p := streams.NewJSONLDIdProperty()
	p.Set(mustURL(s))
	return p
}

func nameProp(s string) vocab.ActivityStreamsNameProperty {
	p := streams.NewActivityStreamsNameProperty()
	p.AppendXMLSchemaString(s)
	return p
}

func summaryProp(s string) vocab.ActivityStreamsSummaryProperty {
	p := streams.NewActivityStreamsSummaryProperty()
	p.AppendXMLSchemaString(s)
	return p
}

func contentProp(s string) vocab.ActivityStreamsContentProperty {
	p := streams.NewActivityStreamsContentProperty()
	p.AppendXMLSchemaString(s)
	return p
}

func urlProp(s string) vocab.ActivityStreamsUrlProperty {
	p := streams.NewActivityStreamsUrlProperty()
	p.AppendIRI(mustURL(s))
	return p
}

func toProp(iris ...string) vocab.ActivityStreamsToProperty {
	p := streams.NewActivityStreamsToProperty()
	for _, s := range iris {
		p.AppendIRI(mustURL(s))
	}
	return p
}

func ccProp(iris ...string) vocab.ActivityStreamsCcProperty {
	p := streams.NewActivityStreamsCcProperty()
	for _, s := range iris {
		p.AppendIRI(mustURL(s))
	}
	return p
}

func actorProp(s string) vocab.ActivityStreamsActorProperty {
	p := streams.NewActivityStreamsActorProperty()
	p.AppendIRI(mustURL(s))
	return p
}

func attributedToProp(s string) vocab.ActivityStreamsAttributedToProperty {
	p := streams.NewActivityStreamsAttributedToProperty()
	p.AppendIRI(mustURL(s))
	return p
}

func publishedProp(t time.Time) vocab.ActivityStreamsPublishedProperty {
	p := streams.NewActivityStreamsPublishedProperty()
	p.Set(t.UTC().Truncate(time.Second))
	return p
}

func updatedProp(t time.Time) vocab.ActivityStreamsUpdatedProperty {
	p := streams.NewActivityStreamsUpdatedProperty()
	p.Set(t.UTC().Truncate(time.Second))
	return p
}

// --- Reading received JSON ---------------------------------------------
//
// go-fed resolves and checks incoming documents, but drops contentMap and
// its siblings when the plain property is present (stack.md §2), so values
// are read from the raw map with these helpers, which accept the shapes
// the fediverse sends: a value or an array, an IRI or an embedded object.

// str returns m[k] when it is a string.
func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// idOf returns the id of a value that is an IRI, an embedded object, or an
// array of those (the first).
func idOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if s, ok := v["id"].(string); ok {
			return s
		}
		if s, ok := v["href"].(string); ok && v["type"] == "Link" {
			return s
		}
	case []any:
		if len(v) > 0 {
			return idOf(v[0])
		}
	}
	return ""
}

// idsOf returns the ids of every value of a property.
func idsOf(v any) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if s := idOf(e); s != "" {
				out = append(out, s)
			}
		}
	default:
		if s := idOf(v); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// objOf returns the embedded object of a property, or nil when it is only
// an IRI.
func objOf(v any) map[string]any {
	switch v := v.(type) {
	case map[string]any:
		return v
	case []any:
		if len(v) > 0 {
			return objOf(v[0])
		}
	}
	return nil
}

// objsOf returns every embedded object of a property.
func objsOf(v any) []map[string]any {
	switch v := v.(type) {
	case map[string]any:
		return []map[string]any{v}
	case []any:
		var out []map[string]any
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// typeOf returns the type of an object; for a list of types, the first
// one the hub knows, else the first.
func typeOf(m map[string]any) string {
	switch t := m["type"].(type) {
	case string:
		return t
	case []any:
		first := ""
		for _, e := range t {
			s, _ := e.(string)
			if first == "" {
				first = s
			}
			if knownObjectTypes[s] || actorTypes[s] {
				return s
			}
		}
		return first
	}
	return ""
}

// knownObjectTypes are the content types stored as items or replies.
var knownObjectTypes = map[string]bool{"Note": true, "Article": true, "Page": true, "Event": true}

// actorTypes are the ActivityStreams actor types.
var actorTypes = map[string]bool{"Person": true, "Organization": true, "Service": true, "Application": true, "Group": true}

// langMapOf returns the language map m[k+"Map"] with normalised language
// tags (db.ContentLang; others are dropped), at most db.MaxTranslations of
// them (keepLangs), and its keys in a stable order.
func langMapOf(m map[string]any, k string) (map[string]string, []string) {
	raw, ok := m[k+"Map"].(map[string]any)
	if !ok {
		return nil, nil
	}
	out := map[string]string{}
	for lang, v := range raw {
		s, ok := v.(string)
		l := normLang(lang)
		if !ok || l == "" {
			continue
		}
		out[l] = s
	}
	keys := make([]string, 0, len(out))
	for k := range out {
		keys = append(keys, k)
	}
	keys = keepLangs(keys)
	if len(keys) < len(out) {
		for l := range out {
			if !slices.Contains(keys, l) {
				delete(out, l)
			}
		}
	}
	sort.Strings(keys)
	return out, keys
}

// normLang is db.ContentLang for the raw strings of documents: the stored
// form of a language tag, or "" when it is not one.
func normLang(tag string) string {
	l, _ := db.ContentLang(tag)
	return string(l)
}

// timeOf parses an xsd:dateTime property.
func timeOf(m map[string]any, k string) (time.Time, bool) {
	s := str(m, k)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// hostOf returns the lower-case host[:port] of an absolute http(s) URL, or
// "" when s is not one.
func hostOf(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// stripFragment returns s without its #fragment.
func stripFragment(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		return s[:i]
	}
	return s
}

// addressedTo returns every IRI in to, cc and audience.
func addressedTo(m map[string]any) []string {
	var out []string
	for _, k := range []string{"to", "cc", "audience"} {
		out = append(out, idsOf(m[k])...)
	}
	return out
}

// isPublic reports whether an object is addressed to the public
// collection, in any of the forms in use.
func isPublic(m map[string]any) bool {
	for _, s := range addressedTo(m) {
		if s == asPublic || s == "as:Public" || s == "Public" {
			return true
		}
	}
	return false
}

// parseRaw parses stored JSON into a map; nil when it is not an object.
func parseRaw(s string) map[string]any {
	var m map[string]any
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	return m
}

// marshalJSON encodes v as json.Marshal does, but leaves <, > and & as they
// are: documents carry HTML, and escaping it only makes them bigger.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
