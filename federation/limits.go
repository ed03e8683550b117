package federation

import (
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/bgimigranti/hub/db"
)

// Caps on what one received document may carry, applied by checkDoc to
// every activity the inbox reads and every document the hub fetches,
// before anything is stored (FEDERATION.md, "Limits"). Lists longer than
// their cap are cut, in the order the sender gave; they are not refused,
// because real servers send long audiences.
const (
	// maxDepth bounds the nesting of objects and arrays.
	maxDepth = 32
	// maxRecipients bounds each of to, cc, bto, bcc and audience.
	maxRecipients = 100
	// maxTags bounds tag (hashtags, mentions, emoji).
	maxTags = 64
	// maxAttachments bounds attachment and image.
	maxAttachments = 16
	// maxListItems bounds any other list the hub reads: object (a Flag's
	// reported objects), items and orderedItems of embedded collections,
	// url and location.
	maxListItems = 100
)

// listCaps maps the properties whose lists are cut to their caps.
var listCaps = map[string]int{
	"to": maxRecipients, "cc": maxRecipients, "bto": maxRecipients, "bcc": maxRecipients, "audience": maxRecipients,
	"tag": maxTags, "attachment": maxAttachments, "image": maxAttachments, "icon": maxAttachments,
	"object": maxListItems, "items": maxListItems, "orderedItems": maxListItems, "url": maxListItems, "location": maxListItems,
	"type": maxListItems,
}

var (
	errTooDeep  = errors.New("nested too deeply")
	errBadChars = errors.New("a string holds a NUL or another control character")
)

// checkDoc checks a parsed JSON document from another server and cuts its
// lists to their caps, in place: it fails when the document is nested
// deeper than maxDepth or a key or string holds what db.ValidText refuses
// (JSON escapes such as \u0000 decode to exactly that). The raw bytes
// must be valid UTF-8 too (encoding/json would replace invalid bytes, but
// the raw activity is stored as it came).
func checkDoc(raw []byte, doc map[string]any) error {
	if !utf8.Valid(raw) {
		return errors.New("the body is not valid UTF-8")
	}
	return checkValue(doc, 0)
}

func checkValue(v any, depth int) error {
	if depth > maxDepth {
		return errTooDeep
	}
	switch v := v.(type) {
	case string:
		if !db.ValidText(v) {
			return errBadChars
		}
	case map[string]any:
		for k, e := range v {
			if !db.ValidText(k) {
				return errBadChars
			}
			if l, ok := e.([]any); ok {
				if n, capped := listCaps[k]; capped && len(l) > n {
					e = l[:n:n]
					v[k] = e
				}
			}
			if k == "contentMap" || k == "nameMap" || k == "summaryMap" {
				capLangMap(e)
			}
			if err := checkValue(e, depth+1); err != nil {
				return fmt.Errorf("%.100s: %w", k, err)
			}
		}
	case []any:
		for _, e := range v {
			if err := checkValue(e, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// capLangMap cuts a language map to the languages keepLangs keeps, so a
// map of thousands of languages costs nothing further on.
func capLangMap(v any) {
	m, ok := v.(map[string]any)
	if !ok || len(m) <= db.MaxTranslations {
		return
	}
	norm := map[string][]string{} // stored form -> keys as sent
	var langs []string
	for k := range m {
		if l, ok := db.ContentLang(k); ok {
			if _, seen := norm[string(l)]; !seen {
				langs = append(langs, string(l))
			}
			norm[string(l)] = append(norm[string(l)], k)
		}
	}
	keep := map[string]bool{}
	for _, l := range keepLangs(langs) {
		for _, k := range norm[l] {
			keep[k] = true
		}
	}
	for k := range m {
		if !keep[k] {
			delete(m, k)
		}
	}
}

// keepLangs returns at most db.MaxTranslations of langs (stored forms):
// the ones in first, then the interface languages, then the others in
// sorted order.
func keepLangs(langs []string, first ...string) []string {
	rest := slices.Clone(langs)
	slices.Sort(rest)
	rest = slices.Compact(rest)
	if len(rest) <= db.MaxTranslations {
		return rest
	}
	var out []string
	take := func(l string) {
		if i := slices.Index(rest, l); i >= 0 {
			out = append(out, l)
			rest = slices.Delete(rest, i, i+1)
		}
	}
	for _, l := range first {
		take(l)
	}
	for _, l := range db.InterfaceLangs {
		take(string(l))
	}
	out = append(out, rest...)
	return out[:db.MaxTranslations]
}
