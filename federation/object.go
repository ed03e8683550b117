package federation

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/markup"
)

// objectURI is the id of a local item.
func (h *Handler) objectURI(it *db.Item) string { return h.base + it.ObjectPath() }

// itemIDFromURI returns the id of a local item from its object id, or 0.
func (h *Handler) itemIDFromURI(uri string) int64 {
	rest, ok := strings.CutPrefix(uri, h.base+"/items/")
	if !ok {
		return 0
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// itemActor returns the local actor an item is attributed to: its
// organisation's, or the hub's for the hub's own items.
func (h *Handler) itemActor(ctx context.Context, it *db.Item) (*db.Actor, error) {
	if it.OrganisationID == 0 {
		return h.localActor(ctx, h.hubHandle)
	}
	handle := ""
	if it.Organisation != nil {
		handle = it.Organisation.Handle
	} else {
		o, err := h.store.Organisation(ctx, it.OrganisationID)
		if err != nil {
			return nil, err
		}
		handle = o.Handle
	}
	return h.localActor(ctx, handle)
}

// getItem serves /items/{id} as ActivityStreams: the Article or Event of a
// published local item, 410 with a Tombstone for one that was deleted or
// unpublished, 404 otherwise.
func (h *Handler) getItem(w http.ResponseWriter, r *http.Request) error {
	if err := h.checkFetchSignature(r); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return db.ErrNotFound
	}
	ctx := r.Context()
	it, err := h.store.Item(ctx, id)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return err
	}
	if err != nil || it.Remote || it.Status != db.Published {
		ts, terr := h.store.TombstoneByURI(ctx, h.base+"/items/"+strconv.FormatInt(id, 10))
		if terr != nil {
			return db.ErrNotFound
		}
		return writeAS(w, http.StatusGone, h.tombstone(ts.URI, ts.FormerType, ts.DeletedAt, true))
	}
	a, err := h.itemActor(ctx, it)
	if err != nil {
		return err
	}
	media, err := h.store.ItemMediaList(ctx, it.ID)
	if err != nil {
		return err
	}
	obj, err := h.itemObject(it, a, media)
	if err != nil {
		return err
	}
	obj["@context"] = ldContext()
	w.Header().Set("Cache-Control", "public, max-age=60")
	return writeAS(w, http.StatusOK, obj)
}

// tombstone is what stands for a deleted object.
func (h *Handler) tombstone(uri, formerType string, deleted time.Time, withContext bool) map[string]any {
	m := map[string]any{"id": uri, "type": "Tombstone", "formerType": formerType,
		"deleted": deleted.UTC().Truncate(time.Second).Format(time.RFC3339)}
	if withContext {
		m["@context"] = ldContext()
	}
	return m
}

// objectBuilder is what the go-fed Article and Event have in common.
type objectBuilder interface {
	vocab.Type
	SetJSONLDId(vocab.JSONLDIdProperty)
	SetActivityStreamsContent(vocab.ActivityStreamsContentProperty)
	SetActivityStreamsUrl(vocab.ActivityStreamsUrlProperty)
	SetActivityStreamsAttributedTo(vocab.ActivityStreamsAttributedToProperty)
	SetActivityStreamsTo(vocab.ActivityStreamsToProperty)
	SetActivityStreamsCc(vocab.ActivityStreamsCcProperty)
	SetActivityStreamsPublished(vocab.ActivityStreamsPublishedProperty)
	SetActivityStreamsUpdated(vocab.ActivityStreamsUpdatedProperty)
	SetActivityStreamsStartTime(vocab.ActivityStreamsStartTimeProperty)
	SetActivityStreamsEndTime(vocab.ActivityStreamsEndTimeProperty)
}

// itemObject builds the ActivityStreams object of a local item, attributed
// to actor, without @context (the caller embeds it or adds one): an Event
// for events and an Article for everything else. Mastodon and GoToSocial
// read these types in opposite ways (FEDERATION.md, "How items look on
// Mastodon and GoToSocial"), so the object carries the title and the
// summary only as nameMap and summaryMap (primary language first), never as
// plain name and summary: Mastodon takes the first value of each map and
// shows title, summary and link, while GoToSocial, which would turn a
// plain summary or name into a content warning, finds none and shows
// content. content is therefore the whole post for people (displayContent:
// title, for events when and where, the text and a link back), and
// contentMap holds every translation's text alone, which partner hubs
// read. The section is hub:section, the primary language inLanguage.
func (h *Handler) itemObject(it *db.Item, actor *db.Actor, media []*db.Media) (map[string]any, error) {
	var b objectBuilder
	if it.Kind == db.Event {
		b = streams.NewActivityStreamsEvent()
	} else {
		b = streams.NewActivityStreamsArticle()
	}
	ts := it.Texts()
	primary := it.PrimaryLang
	if !ts.Has(primary) && len(ts) > 0 {
		primary = ts[0].Lang
	}
	names, sums, contents := newLangMap(), newLangMap(), newLangMap()
	var first db.Text
	for i, t := range orderTexts(ts, primary) {
		if i == 0 {
			first = t
		}
		l := string(t.Lang)
		names.set(l, t.Title)
		if s := h.itemSummary(it, t); s != "" {
			sums.set(l, s)
		}
		contents.set(l, t.BodyHTML)
	}
	page := h.base + it.PagePath(primary)
	b.SetJSONLDId(idProp(h.objectURI(it)))
	b.SetActivityStreamsContent(contentProp(displayContent(it, first, page)))
	b.SetActivityStreamsUrl(urlProp(page))
	b.SetActivityStreamsAttributedTo(attributedToProp(actor.URI))
	b.SetActivityStreamsTo(toProp(asPublic))
	b.SetActivityStreamsCc(ccProp(actor.Followers))
	published := it.PublishedAt
	if published.IsZero() {
		published = it.CreatedAt
	}
	b.SetActivityStreamsPublished(publishedProp(published))
	if it.Version > 1 && it.UpdatedAt.After(published) {
		b.SetActivityStreamsUpdated(updatedProp(it.UpdatedAt))
	}
	if it.Kind == db.Event {
		st := streams.NewActivityStreamsStartTimeProperty()
		st.Set(it.StartsAt.UTC())
		b.SetActivityStreamsStartTime(st)
		if !it.EndsAt.IsZero() {
			et := streams.NewActivityStreamsEndTimeProperty()
			et.Set(it.EndsAt.UTC())
			b.SetActivityStreamsEndTime(et)
		}
	}
	m, err := serialize(b)
	if err != nil {
		return nil, err
	}
	delete(m, "@context")
	if len(names.keys) > 0 {
		m["nameMap"] = names
	}
	if !sums.empty() {
		m["summaryMap"] = sums
	}
	if !contents.empty() {
		m["contentMap"] = contents
	}
	m["mediaType"] = "text/html"
	m["inLanguage"] = string(primary)
	m[termSection] = string(it.Kind)
	if it.Kind == db.Event {
		if loc := eventLocation(it); loc != nil {
			m["location"] = loc
		}
		if it.TimeZone != "" {
			m[termTimeZone] = it.TimeZone
		}
		if it.AllDay {
			m[termAllDay] = true
		}
	}
	if it.Cancelled {
		m[termCancelled] = true
	}
	if att := h.attachments(media, primary); len(att) > 0 {
		m["attachment"] = att
		for _, a := range att {
			if a := a.(map[string]any); a["type"] == "Image" {
				m["image"] = map[string]any{"type": "Image", "mediaType": a["mediaType"], "url": a["url"]}
				break
			}
		}
	}
	return m, nil
}

// displayContent is the HTML a person reads of an item in one language,
// which servers that show content (GoToSocial, Mobilizon, Gancio) show: the
// title in bold, for an event when and where it is (and that it is
// cancelled), the text (or, when it has none, its summary) and a link to
// its page.
func displayContent(it *db.Item, t db.Text, page string) string {
	var b strings.Builder
	b.WriteString("<p><strong>" + html.EscapeString(t.Title) + "</strong></p>")
	if it.Kind == db.Event {
		lines := []string{html.EscapeString(eventWhen(it, t.Lang))}
		if it.Cancelled {
			lines[0] = html.EscapeString(label(t.Lang, "ОТМЕНЕНО", "CANCELLED")) + " · " + lines[0]
		}
		where := it.PlaceName
		if it.Address != "" && it.Address != it.PlaceName {
			if where != "" {
				where += ", "
			}
			where += it.Address
		}
		if where != "" {
			lines = append(lines, html.EscapeString(where))
		}
		if u := it.OnlineURL; u != "" && hostOf(u) != "" {
			lines = append(lines, html.EscapeString(label(t.Lang, "Онлайн", "Online"))+`: <a href="`+html.EscapeString(u)+`">`+html.EscapeString(u)+`</a>`)
		}
		b.WriteString("<p>" + strings.Join(lines, "<br>") + "</p>")
	}
	switch {
	case strings.TrimSpace(t.BodyHTML) != "":
		b.WriteString(t.BodyHTML)
	case strings.TrimSpace(t.Summary) != "":
		b.WriteString("<p>" + html.EscapeString(strings.TrimSpace(t.Summary)) + "</p>")
	}
	b.WriteString(`<p><a href="` + html.EscapeString(page) + `">` + html.EscapeString(page) + `</a></p>`)
	return b.String()
}

// label is one of two words, by language: Bulgarian or English (for every
// other language).
func label(l db.Lang, bg, en string) string {
	if l == db.BG {
		return bg
	}
	return en
}

// eventLocation is an event's location: a Place with name and address, a
// VirtualLocation for its online link, or both.
func eventLocation(it *db.Item) any {
	var locs []any
	if it.PlaceName != "" || it.Address != "" {
		p := map[string]any{"type": "Place"}
		name := it.PlaceName
		if name == "" {
			name = it.Address
		}
		p["name"] = name
		if it.Address != "" {
			p["address"] = map[string]any{"type": "PostalAddress", "streetAddress": it.Address}
		}
		locs = append(locs, p)
	}
	if it.OnlineURL != "" && hostOf(it.OnlineURL) != "" {
		locs = append(locs, map[string]any{"type": "VirtualLocation", "url": it.OnlineURL})
	}
	switch len(locs) {
	case 0:
		return nil
	case 1:
		return locs[0]
	}
	return locs
}

// attachments are a gallery's (or any item's) images as Image objects with
// their alt text, per language in nameMap.
func (h *Handler) attachments(media []*db.Media, primary db.Lang) []any {
	var out []any
	for _, m := range media {
		typ := "Document"
		if strings.HasPrefix(m.ContentType, "image/") {
			typ = "Image"
		}
		a := map[string]any{"type": typ, "mediaType": m.ContentType,
			"url": h.base + "/media/" + strconv.FormatInt(m.ID, 10)}
		if m.Width > 0 && m.Height > 0 {
			a["width"], a["height"] = m.Width, m.Height
		}
		alts := newLangMap()
		for _, l := range append([]db.Lang{primary}, db.InterfaceLangs...) {
			for _, t := range m.Translations {
				if t.Lang == l && t.Alt != "" {
					alts.set(string(l), t.Alt)
				}
			}
		}
		for _, t := range m.Translations {
			if t.Alt != "" {
				alts.set(string(t.Lang), t.Alt)
			}
		}
		if !alts.empty() {
			a["name"] = alts.vals[alts.keys[0]]
			a["nameMap"] = alts
		}
		out = append(out, a)
	}
	return out
}

// itemSummary is the plain summary of an item in one language; for an
// event, date, time and place come first.
func (h *Handler) itemSummary(it *db.Item, t db.Text) string {
	summary := strings.TrimSpace(t.Summary)
	if summary == "" && t.BodyHTML != "" {
		summary = markup.Truncate(markup.PlainText(t.BodyHTML), 300)
	}
	if it.Kind != db.Event {
		return summary
	}
	parts := []string{eventWhen(it, t.Lang)}
	if it.PlaceName != "" {
		parts = append(parts, it.PlaceName)
	}
	if it.Address != "" && it.Address != it.PlaceName {
		parts = append(parts, it.Address)
	}
	if it.OnlineURL != "" {
		parts = append(parts, label(t.Lang, "Онлайн", "Online")+": "+it.OnlineURL)
	}
	line := strings.Join(parts, " · ")
	if it.Cancelled {
		line = label(t.Lang, "ОТМЕНЕНО", "CANCELLED") + " · " + line
	}
	if summary == "" {
		return line
	}
	return line + " — " + summary
}

var bgMonths = [...]string{"януари", "февруари", "март", "април", "май", "юни", "юли", "август", "септември", "октомври", "ноември", "декември"}

// eventWhen says when an event is, in its own time zone (Europe/Sofia when
// it has none), in the language of the text.
func eventWhen(it *db.Item, lang db.Lang) string {
	loc, err := time.LoadLocation(it.TimeZone)
	if it.TimeZone == "" || err != nil {
		loc, err = time.LoadLocation("Europe/Sofia")
		if err != nil {
			loc = time.UTC
		}
	}
	start := it.StartsAt.In(loc)
	date := func(t time.Time) string {
		if lang == db.BG {
			return fmt.Sprintf("%d %s %d г.", t.Day(), bgMonths[t.Month()-1], t.Year())
		}
		return t.Format("2 January 2006")
	}
	s := date(start)
	if !it.AllDay {
		s += ", " + start.Format("15:04")
	}
	if !it.EndsAt.IsZero() {
		end := it.EndsAt.In(loc)
		switch {
		case end.Year() == start.Year() && end.YearDay() == start.YearDay() && !it.AllDay:
			s += "–" + end.Format("15:04")
		case !(end.Year() == start.Year() && end.YearDay() == start.YearDay()):
			s += " – " + date(end)
			if !it.AllDay {
				s += ", " + end.Format("15:04")
			}
		}
	}
	if !it.AllDay {
		s += " (" + zoneLabel(loc, start) + ")"
	}
	return s
}

// zoneLabel names a time zone for people: its IANA name, or UTC.
func zoneLabel(loc *time.Location, t time.Time) string {
	if loc == time.UTC {
		return "UTC"
	}
	name, _ := t.Zone()
	return loc.String() + ", " + name
}

// getActivity serves an activity the hub sent, when it is public.
func (h *Handler) getActivity(w http.ResponseWriter, r *http.Request) error {
	if err := h.checkFetchSignature(r); err != nil {
		return err
	}
	a, err := h.store.ActivityByURI(r.Context(), h.base+"/activities/"+r.PathValue("id"))
	if err != nil {
		return err
	}
	if !a.Outgoing || !a.Public {
		return db.ErrNotFound
	}
	doc := parseRaw(a.Raw)
	if doc == nil {
		return db.ErrNotFound
	}
	return writeAS(w, http.StatusOK, doc)
}
