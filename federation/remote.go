package federation

import (
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/markup"
)

// errIgnore marks received content the hub does not keep; the activity
// itself is still stored and answered 202.
var errIgnore = errors.New("ignored")

func ignoref(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errIgnore}, args...)...)
}

// sectionOf returns the hub:section of an object when it names a known
// section, reading the compact term and its expanded IRI.
func sectionOf(obj map[string]any) (db.Kind, bool) {
	for _, k := range []string{termSection, Namespace + "section"} {
		if s, ok := obj[k].(string); ok {
			if kind := db.Kind(s); kind.Valid() {
				return kind, true
			}
		}
	}
	return "", false
}

// text is one language's version of a received object.
type text struct{ name, summary, content string }

// objectTexts reads the translations of a received object from its
// contentMap, nameMap and summaryMap (go-fed drops them when the plain
// properties are present, so they come from the raw map), with content,
// name and summary standing for the primary language when contentMap has
// none for it: the primary language is inLanguage (a hub's objects, whose
// content is the whole post for people and contentMap the texts), else
// the language whose contentMap value equals content, else the first. An object with no
// language at all gets one guessed from its script.
func objectTexts(obj map[string]any) (map[string]*text, string) {
	contents, cLangs := langMapOf(obj, "content")
	names, nLangs := langMapOf(obj, "name")
	sums, sLangs := langMapOf(obj, "summary")
	content, name, summary := str(obj, "content"), str(obj, "name"), str(obj, "summary")
	primary := ""
	if l := normLang(str(obj, "inLanguage")); l != "" && (contents[l] != "" || names[l] != "") {
		primary = l // a hub's objects say it: their content is not contentMap's
	}
	for _, l := range cLangs {
		if primary == "" && contents[l] == content && content != "" {
			primary = l
		}
	}
	for _, langs := range [][]string{cLangs, nLangs, sLangs} {
		if primary == "" && len(langs) > 0 {
			primary = langs[0]
		}
	}
	if primary == "" {
		primary = guessLang(name + " " + markup.PlainText(content) + " " + summary)
	}
	out := map[string]*text{}
	get := func(l string) *text {
		t, ok := out[l]
		if !ok {
			t = &text{}
			out[l] = t
		}
		return t
	}
	for _, l := range cLangs {
		get(l).content = contents[l]
	}
	for _, l := range nLangs {
		get(l).name = names[l]
	}
	for _, l := range sLangs {
		get(l).summary = sums[l]
	}
	p := get(primary)
	if _, ok := contents[primary]; !ok && p.content == "" {
		p.content = content
	}
	if p.name == "" {
		p.name = name
	}
	if p.summary == "" {
		p.summary = summary
	}
	for l, t := range out {
		if l == primary {
			continue
		}
		if t.name == "" {
			t.name = name
		}
	}
	if len(out) > db.MaxTranslations {
		langs := make([]string, 0, len(out))
		for l := range out {
			langs = append(langs, l)
		}
		keep := keepLangs(langs, primary)
		for l := range out {
			if !slices.Contains(keep, l) {
				delete(out, l)
			}
		}
	}
	return out, primary
}

// remoteItem turns a received Article, Event, Note or Page into an item
// (without organisation): the kind from hub:section, else Event for events
// and news for the rest; every translation, with HTML sanitised and plain
// summaries; event time and place; images appended to the text.
func (h *Handler) remoteItem(obj map[string]any) (*db.Item, error) {
	id := str(obj, "id")
	typ := typeOf(obj)
	if hostOf(id) == "" || !knownObjectTypes[typ] {
		return nil, ignoref("object %.200q of type %q is not content", id, typ)
	}
	it := &db.Item{Kind: db.News, Status: db.Published, Remote: true, APID: id, URL: urlOf(obj)}
	if it.URL == "" {
		it.URL = id
	}
	if k, ok := sectionOf(obj); ok {
		it.Kind = k
	} else if typ == "Event" {
		it.Kind = db.Event
	}
	if t, ok := timeOf(obj, "published"); ok {
		it.PublishedAt = t
	}
	if it.Kind == db.Event || typ == "Event" {
		if st, ok := timeOf(obj, "startTime"); ok {
			it.StartsAt = st
			if et, ok := timeOf(obj, "endTime"); ok && !et.Before(st) {
				it.EndsAt = et
			}
		}
		readLocation(it, obj["location"])
		if tz := str(obj, termTimeZone); tz != "" && len(tz) < 64 {
			if _, err := time.LoadLocation(tz); err == nil {
				it.TimeZone = tz
			}
		}
		it.AllDay, _ = obj[termAllDay].(bool)
	}
	if it.Kind == db.Event && it.StartsAt.IsZero() {
		it.Kind = db.News // an event without a start cannot be listed as one
	}
	it.Cancelled, _ = obj[termCancelled].(bool)
	images := map[string]string{}
	if h.cfg.Images != nil {
		// Fetched into the hub's storage and attached as files.
		it.RemoteImages = remoteImages(obj)
	} else {
		images = h.imagesHTML(obj)
	}
	texts, primary := objectTexts(obj)
	var ts []db.Text
	for l, t := range texts {
		body := h.md.Sanitize(t.content)
		if images[l] != "" {
			body += images[l]
		} else if images[""] != "" {
			body += images[""]
		}
		plain := markup.PlainText(body)
		title := strings.TrimSpace(markup.PlainText(t.name))
		if title == "" {
			title = markup.Truncate(plain, 80)
		}
		if title == "" {
			continue
		}
		summary := markup.PlainText(t.summary)
		if summary == "" {
			summary = markup.Truncate(plain, 300)
		}
		if len(body) > db.MaxBodyLen {
			body = h.md.Sanitize(body[:db.MaxBodyLen])
		}
		ts = append(ts, db.Text{Lang: db.Lang(l), Title: markup.Truncate(title, db.MaxTitleLen),
			Summary: markup.Truncate(summary, db.MaxSummaryLen), BodyHTML: body})
	}
	if len(ts) == 0 {
		return nil, ignoref("object %s has no text", id)
	}
	// Map order is random; keep the primary language first.
	for i, t := range ts {
		if string(t.Lang) == primary {
			ts[0], ts[i] = ts[i], ts[0]
		}
	}
	it.SetTexts(ts...)
	it.PrimaryLang = ts[0].Lang
	return it, nil
}

// readLocation reads an event's location: a Place (name, address as text
// or PostalAddress) and a virtual location or link for the online part.
func readLocation(it *db.Item, v any) {
	for _, loc := range objsOf(v) {
		switch typeOf(loc) {
		case "VirtualLocation", "Link":
			if u := urlOf(loc); u != "" {
				it.OnlineURL = u
			} else if u := httpURL(str(loc, "href"), ""); u != "" {
				it.OnlineURL = u
			}
		default:
			if it.PlaceName == "" {
				it.PlaceName = markup.Truncate(markup.PlainText(str(loc, "name")), 300)
			}
			if it.Address == "" {
				it.Address = markup.Truncate(addressOf(loc["address"]), 500)
			}
		}
	}
	if s, ok := v.(string); ok && it.PlaceName == "" {
		if hostOf(s) != "" {
			it.OnlineURL = s
		} else {
			it.PlaceName = markup.Truncate(markup.PlainText(s), 300)
		}
	}
}

// addressOf renders a schema.org address (text or PostalAddress) as one
// line.
func addressOf(v any) string {
	switch a := v.(type) {
	case string:
		return markup.PlainText(a)
	case map[string]any:
		var parts []string
		for _, k := range []string{"streetAddress", "postalCode", "addressLocality", "addressRegion", "addressCountry"} {
			if s := strings.TrimSpace(str(a, k)); s != "" {
				parts = append(parts, s)
			}
		}
		return markup.PlainText(strings.Join(parts, ", "))
	}
	return ""
}

// imagesHTML renders an object's image attachments as figures, per
// language of their alt text ("" for the language-neutral version).
func (h *Handler) imagesHTML(obj map[string]any) map[string]string {
	out := map[string]string{}
	for _, a := range objsOf(obj["attachment"]) {
		mt := str(a, "mediaType")
		if typeOf(a) != "Image" && !strings.HasPrefix(mt, "image/") {
			continue
		}
		src := urlOf(a)
		if src == "" {
			continue
		}
		alts, langs := langMapOf(a, "name")
		fig := func(alt string) string {
			return `<figure><img src="` + html.EscapeString(src) + `" alt="` + html.EscapeString(markup.PlainText(alt)) + `"></figure>`
		}
		out[""] += fig(str(a, "name"))
		for _, l := range langs {
			out[l] += fig(alts[l])
		}
	}
	for k, v := range out {
		out[k] = h.md.Sanitize(v)
	}
	return out
}

// maxRemoteImages bounds the images kept of one received object.
const maxRemoteImages = 20

// remoteImages lists an object's image attachments with their alt texts
// per language (a name without language stands for every language).
func remoteImages(obj map[string]any) []db.RemoteImage {
	var out []db.RemoteImage
	for _, a := range objsOf(obj["attachment"]) {
		if typeOf(a) != "Image" && !strings.HasPrefix(str(a, "mediaType"), "image/") {
			continue
		}
		src := urlOf(a)
		if src == "" || len(src) > 2000 {
			continue
		}
		alts := map[db.Lang]string{}
		m, langs := langMapOf(a, "name")
		for _, l := range langs {
			alts[db.Lang(l)] = markup.Truncate(markup.PlainText(m[l]), 1000)
		}
		if n := markup.Truncate(markup.PlainText(str(a, "name")), 1000); n != "" && len(langs) == 0 {
			for _, l := range db.InterfaceLangs { // the same text in every language
				alts[l] = n
			}
		}
		out = append(out, db.RemoteImage{URL: src, Alts: alts})
		if len(out) == maxRemoteImages {
			break
		}
	}
	return out
}

// replyFrom turns a received reply into a db.Reply (without item and
// actor).
func (h *Handler) replyFrom(obj map[string]any) (*db.Reply, error) {
	id := str(obj, "id")
	if hostOf(id) == "" {
		return nil, ignoref("reply without an id")
	}
	texts, primary := objectTexts(obj)
	t := texts[primary]
	body := h.md.Sanitize(t.content)
	if strings.TrimSpace(markup.PlainText(body)) == "" {
		body = h.md.Sanitize("<p>" + html.EscapeString(markup.PlainText(t.name)) + "</p>")
	}
	if len(body) > 50000 {
		body = h.md.Sanitize(body[:50000])
	}
	r := &db.Reply{URI: id, InReplyTo: idOf(obj["inReplyTo"]), ContentHTML: body, Lang: db.Lang(primary), URL: urlOf(obj)}
	if r.URL == "" {
		r.URL = id
	}
	if p, ok := timeOf(obj, "published"); ok {
		r.PublishedAt = p
	}
	return r, nil
}
