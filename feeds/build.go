package feeds

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/bgimigranti/hub/db"
)

// build queries the store for t and renders it.
func (h *Handler) build(ctx context.Context, t target) (*cached, error) {
	var (
		buf      bytes.Buffer
		modified time.Time
		c        = &cached{contentType: contentTypes[t.format]}
	)
	switch t.kind {
	case siteFeed, sectionFeed, organisationFeed, searchFeed, forumCategoryFeed, forumThreadFeed:
		var f *Feed
		var err error
		if t.kind == forumCategoryFeed || t.kind == forumThreadFeed {
			f, err = h.forumFeed(ctx, t)
		} else {
			f, err = h.itemFeed(ctx, t)
		}
		if err != nil {
			return nil, err
		}
		for _, err := range f.DropInvalid() {
			h.log.Warn("feed entry skipped", "feed", t.path(), "err", err)
		}
		modified = f.Updated
		switch t.format {
		case fmtAtom:
			err = Atom(&buf, f)
		case fmtRSS:
			err = RSS(&buf, f)
		default:
			err = JSON(&buf, f)
		}
		if err != nil {
			return nil, err
		}
	case siteCalendar, organisationCalendar, eventCalendar:
		cal, mod, err := h.calendar(ctx, t)
		if err != nil {
			return nil, err
		}
		modified = mod
		for _, err := range cal.DropInvalid() {
			h.log.Warn("calendar event skipped", "feed", t.path(), "err", err)
		}
		if t.kind == eventCalendar && len(cal.Events) == 0 {
			return nil, errNotFound
		}
		if err := ICal(&buf, cal); err != nil {
			return nil, err
		}
		if t.kind == eventCalendar {
			c.disposition = `attachment; filename="` + eventFileName(cal.Events[0].Title, t.id) + `"`
		}
	case opmlList:
		title, outlines, mod, err := h.opml(ctx, t.lang)
		if err != nil {
			return nil, err
		}
		modified = mod
		if err := OPML(&buf, title, string(t.lang), outlines); err != nil {
			return nil, err
		}
	default:
		return nil, errNotFound
	}
	c.body = buf.Bytes()
	c.modified = modified.UTC().Truncate(time.Second)
	return c, nil
}

// itemFeed builds the feed of the site, a section, an organisation or a
// search in the target's language.
func (h *Handler) itemFeed(ctx context.Context, t target) (*Feed, error) {
	lang := t.lang
	m := msgs(lang)
	site := h.names[lang]
	q := db.ItemQuery{Limit: feedSize}
	f := &Feed{
		Lang:      string(lang),
		SelfURL:   h.base + t.path(),
		Generator: generator,
		Author:    h.siteAuthor(lang),
	}
	var org *db.Organisation
	switch t.kind {
	case siteFeed:
		f.HTMLURL = h.base + "/" + string(lang) + "/"
		f.Title = site
		f.Subtitle = m.everything + " — " + m.tagline
	case sectionFeed:
		q.Kinds = []db.Kind{t.section}
		f.HTMLURL = h.base + "/" + string(lang) + "/" + t.section.Section()
		f.Title = m.sections[t.section] + " — " + site
		f.Subtitle = m.tagline
	case organisationFeed:
		var err error
		if org, err = h.store.OrganisationByHandle(ctx, t.handle); err != nil {
			return nil, err
		}
		q.OrganisationID = org.ID
		text, _, _ := org.Texts().In(lang)
		f.HTMLURL = h.base + db.OrganisationPath(lang, org.Handle)
		f.Title = text.Title + " — " + site
		f.Subtitle = text.Summary
		f.Author = Person{Name: text.Title, URI: f.HTMLURL, Avatar: h.abs(org.LogoPath())}
		f.IconURL, f.LogoURL = h.abs(org.LogoPath()), h.abs(org.BannerPath())
		if f.LogoURL == "" {
			f.LogoURL = f.IconURL
		}
	case searchFeed:
		f.HTMLURL = h.base + "/" + string(lang) + "/search?q=" + url.QueryEscape(t.query)
		f.Title = fmt.Sprintf(m.search, t.query) + " — " + site
		f.Subtitle = m.tagline
	}
	f.ID = f.HTMLURL
	if org == nil {
		if err := h.hubImages(ctx, f); err != nil {
			return nil, err
		}
	}
	var err error
	if t.kind == searchFeed {
		f.Entries, err = h.searchEntries(ctx, t)
	} else {
		var items []*db.Item
		if items, err = h.store.Items(ctx, q); err == nil {
			f.Entries, err = h.itemEntries(ctx, items, lang, nil)
		}
	}
	if err != nil {
		return nil, err
	}
	for i := range f.Entries {
		if u := f.Entries[i].updated(); u.After(f.Updated) {
			f.Updated = u
		}
	}
	if org != nil && org.UpdatedAt.After(f.Updated) {
		// The organisation's name is in every entry.
		f.Updated = org.UpdatedAt
	}
	if f.Updated.IsZero() {
		f.Updated = h.started
	}
	return f, nil
}

// searchEntries returns the items among the best search matches for the
// target's query, newest first. Search ranks handbook chapters and pages
// too; they have their place on the search page, while a feed follows
// what is published over time. An entry shows the translation that
// matched.
func (h *Handler) searchEntries(ctx context.Context, t target) ([]Entry, error) {
	hits, _, err := h.store.Search(ctx, db.SearchQuery{Q: t.query, Lang: t.lang, Limit: searchDepth})
	if err != nil {
		return nil, err
	}
	var ids []int64
	texts := map[int64]db.Text{}
	for _, hit := range hits {
		if hit.Source == db.SearchItem {
			ids = append(ids, hit.ID)
			texts[hit.ID] = hit.Text
		}
	}
	items, err := h.store.PublishedItemsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	if len(items) > feedSize {
		items = items[:feedSize]
	}
	return h.itemEntries(ctx, items, t.lang, texts)
}

// itemEntries turns items into entries in lang, with the files attached to
// them, which it loads in one query for all. An item with a text in texts
// shows that one.
func (h *Handler) itemEntries(ctx context.Context, items []*db.Item, lang db.Lang, texts map[int64]db.Text) ([]Entry, error) {
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	media, err := h.store.ItemMediaLists(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(items))
	for _, it := range items {
		if text, ok := texts[it.ID]; ok {
			it.SetTexts(text)
		}
		if e, ok := h.itemEntry(it, lang, media[it.ID]); ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// itemEntry turns an item into an entry of a feed in lang: its text in lang
// when it has one, otherwise in the language it exists in, with Lang saying
// which. ok is false for an item without any text.
func (h *Handler) itemEntry(it *db.Item, lang db.Lang, media []*db.Media) (Entry, bool) {
	text, _, ok := it.Texts().In(lang)
	if !ok {
		return Entry{}, false
	}
	m := msgs(lang)
	e := Entry{
		ID:          h.itemID(it),
		URL:         h.base + it.PagePath(lang),
		Title:       text.Title,
		Summary:     text.Summary,
		ContentHTML: text.BodyHTML,
		Lang:        string(text.Lang),
		Published:   it.PublishedAt,
		Updated:     it.UpdatedAt,
		Authors:     []Person{h.itemAuthor(it, lang)},
		Categories: []Category{{
			Term:   it.Kind.Section(),
			Label:  m.sections[it.Kind],
			Scheme: h.base + "/" + string(lang) + "/",
		}},
	}
	if e.Published.IsZero() {
		e.Published = it.CreatedAt
	}
	if o := it.Organisation; o != nil && o.Kind.Valid() {
		e.Categories = append(e.Categories, Category{
			Term:   string(o.Kind),
			Label:  m.orgKinds[o.Kind],
			Scheme: h.base + "/" + string(lang) + "/organisations?kind=",
		})
	}
	for _, md := range media {
		e.Enclosures = append(e.Enclosures, Enclosure{
			URL:    h.mediaURL(md),
			Type:   md.ContentType,
			Length: md.Size,
			Title:  mediaTitle(md, lang),
		})
	}
	if it.Remote {
		e.Source = h.itemSource(it, lang)
	}
	return e, true
}

// itemID is an item's stable, canonical identifier: the URL of its
// ActivityPub object for a local item, its ActivityPub id (or, lacking
// one, its original URL) for a remote one.
func (h *Handler) itemID(it *db.Item) string {
	if it.Remote {
		if it.APID != "" {
			return it.APID
		}
		if it.URL != "" {
			return it.URL
		}
	}
	return h.base + it.ObjectPath()
}

// siteAuthor is the hub itself as an author.
func (h *Handler) siteAuthor(lang db.Lang) Person {
	return Person{Name: h.names[lang], URI: h.base + "/" + string(lang) + "/"}
}

// itemAuthor is the organisation an item belongs to, named in lang, with
// its page on the hub; or the hub for its own items.
func (h *Handler) itemAuthor(it *db.Item, lang db.Lang) Person {
	o := it.Organisation
	if o == nil {
		return h.siteAuthor(lang)
	}
	p := Person{Name: o.Handle, URI: h.base + db.OrganisationPath(lang, o.Handle), Avatar: h.abs(o.LogoPath())}
	if text, _, ok := o.Texts().In(lang); ok && text.Title != "" {
		p.Name = text.Title
	}
	return p
}

// abs is the absolute URL of a path on the hub, or "" for "".
func (h *Handler) abs(path string) string {
	if path == "" {
		return ""
	}
	return h.base + path
}

// hubImages gives a feed of the hub (the site, a section, a search) the
// hub's logo as its icon and avatar, and its banner as its Atom logo.
func (h *Handler) hubImages(ctx context.Context, f *Feed) error {
	hi, err := h.store.HubImages(ctx)
	if err != nil {
		return err
	}
	f.IconURL = h.abs(db.MediaPath(hi.LogoMediaID, "thumb"))
	f.LogoURL = h.abs(db.MediaPath(hi.BannerMediaID, "medium"))
	if f.LogoURL == "" {
		f.LogoURL = f.IconURL
	}
	f.Author.Avatar = f.IconURL
	return nil
}

// itemSource is the origin of a remote item: "<organisation>, <instance
// host>" and the item's original URL.
func (h *Handler) itemSource(it *db.Item, lang db.Lang) *Source {
	orig := it.URL
	if orig == "" {
		orig = it.APID
	}
	if orig == "" {
		return nil
	}
	host := hostOf(orig)
	if o := it.Organisation; o != nil && o.ActorID != "" {
		host = hostOf(o.ActorID)
	}
	title := host
	if it.Organisation != nil {
		title = joinNonEmpty(", ", h.itemAuthor(it, lang).Name, host)
	}
	return &Source{Title: title, URL: orig}
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// mediaURL is where the portal serves a file.
func (h *Handler) mediaURL(m *db.Media) string {
	return h.base + "/media/" + strconv.FormatInt(m.ID, 10)
}

// mediaTitle is a file's caption or alt text in lang (or another
// language), or its original name.
func mediaTitle(m *db.Media, lang db.Lang) string {
	pickText := func(l db.Lang) string {
		for _, t := range m.Translations {
			if t.Lang == l {
				if t.Caption != "" {
					return t.Caption
				}
				return t.Alt
			}
		}
		return ""
	}
	if s := pickText(lang); s != "" {
		return s
	}
	if s := pickText(lang.Other()); s != "" {
		return s
	}
	return m.OriginalName
}

// calendar builds the iCalendar of t: every event from calendarPast ago on,
// an organisation's, or one event. It also returns when the newest of them
// changed.
func (h *Handler) calendar(ctx context.Context, t target) (*Calendar, time.Time, error) {
	lang := t.lang
	m := msgs(lang)
	site := h.names[lang]
	var items []*db.Item
	cal := &Calendar{Lang: string(lang)}
	var modified time.Time
	switch t.kind {
	case eventCalendar:
		it, err := h.store.Item(ctx, t.id)
		if err != nil {
			return nil, time.Time{}, err
		}
		if it.Kind != db.Event || it.Status != db.Published || it.StartsAt.IsZero() {
			return nil, time.Time{}, errNotFound
		}
		items = []*db.Item{it}
		text, _, _ := it.Texts().In(lang)
		cal.Name = text.Title
		cal.URL = h.base + it.PagePath(lang)
	case siteCalendar, organisationCalendar:
		q := db.ItemQuery{
			Kinds:    []db.Kind{db.Event},
			Upcoming: true,
			Now:      h.now().Add(-calendarPast),
			Limit:    calendarSize,
		}
		cal.Name = m.events + " — " + site
		cal.URL = h.base + "/" + string(lang) + "/" + db.Event.Section()
		if t.kind == organisationCalendar {
			org, err := h.store.OrganisationByHandle(ctx, t.handle)
			if err != nil {
				return nil, time.Time{}, err
			}
			q.OrganisationID = org.ID
			text, _, _ := org.Texts().In(lang)
			cal.Name = fmt.Sprintf(m.orgEvents, text.Title) + " — " + site
			cal.URL = h.base + db.OrganisationPath(lang, org.Handle)
			modified = org.UpdatedAt
		}
		var err error
		if items, err = h.store.Items(ctx, q); err != nil {
			return nil, time.Time{}, err
		}
	}
	for _, it := range items {
		ev, ok := h.itemEvent(it, lang)
		if !ok {
			continue
		}
		cal.Events = append(cal.Events, ev)
		if it.UpdatedAt.After(modified) {
			modified = it.UpdatedAt
		}
	}
	if modified.IsZero() {
		modified = h.started
	}
	return cal, modified, nil
}

// itemEvent turns an event item into a calendar event in lang. ok is false
// for an item without text or start.
func (h *Handler) itemEvent(it *db.Item, lang db.Lang) (Event, bool) {
	text, _, ok := it.Texts().In(lang)
	if !ok || it.StartsAt.IsZero() {
		return Event{}, false
	}
	desc := text.Summary
	if desc == "" {
		desc = text.BodyMD
	}
	zone := it.TimeZone
	if zone == "" {
		zone = defaultTimeZone
	}
	ev := Event{
		UID:             h.itemID(it),
		URL:             h.base + it.PagePath(lang),
		Title:           text.Title,
		DescriptionText: desc,
		Lang:            string(text.Lang),
		Start:           it.StartsAt,
		End:             it.EndsAt,
		TimeZone:        zone,
		AllDay:          it.AllDay,
		Location:        it.PlaceName,
		Address:         it.Address,
		OnlineURL:       it.OnlineURL,
		Sequence:        it.Version,
		Cancelled:       it.Cancelled,
		Created:         it.PublishedAt,
		Updated:         it.UpdatedAt,
	}
	if ev.Created.IsZero() {
		ev.Created = it.CreatedAt
	}
	if o := it.Organisation; o != nil {
		a := h.itemAuthor(it, lang)
		ev.Organizer = a.Name
		ev.OrganizerURI = a.URI
		if o.Email != "" {
			ev.OrganizerURI = "mailto:" + o.Email
		}
		if label := msgs(lang).orgKinds[o.Kind]; label != "" {
			ev.Categories = []string{label}
		}
	}
	return ev, true
}

// eventFileName is the ASCII file name of one event's .ics: the slug of
// its title and its id.
func eventFileName(title string, id int64) string {
	name := "event-" + strconv.FormatInt(id, 10)
	if slug := db.Slugify(title); slug != "" {
		if len(slug) > 60 {
			slug = slug[:60]
		}
		name = slug + "-" + strconv.FormatInt(id, 10)
	}
	return name + ".ics"
}

// opml lists every feed of lang: the site's, each section's, each
// organisation's, each forum category's and the calendars. Item feeds are listed once, in Atom, so
// that importing the file subscribes to each feed once; the feed list page
// offers every format.
func (h *Handler) opml(ctx context.Context, lang db.Lang) (string, []Outline, time.Time, error) {
	m := msgs(lang)
	site := h.names[lang]
	orgs, err := h.store.Organisations(ctx, db.OrgQuery{})
	if err != nil {
		return "", nil, time.Time{}, err
	}
	home := h.base + "/" + string(lang) + "/"
	l := string(lang)
	atom := func(text, xmlPath, htmlURL string) Outline {
		return Outline{Text: text, Title: text, Type: "rss", XMLURL: h.base + xmlPath, HTMLURL: htmlURL, Lang: l}
	}
	siteFolder := Outline{Text: m.opmlSite, Children: []Outline{atom(site, db.SiteFeedPath(lang, db.FeedAtom), home)}}
	sections := Outline{Text: m.opmlSections}
	for _, k := range db.Kinds() {
		sections.Children = append(sections.Children,
			atom(m.sections[k]+" — "+site, db.SectionFeedPath(lang, k, db.FeedAtom), home+k.Section()))
	}
	calendars := Outline{Text: m.opmlCalendars, Children: []Outline{
		{Text: m.events + " — " + site, Type: "link", URL: h.base + db.CalendarPath(lang)},
	}}
	organisations := Outline{Text: m.opmlOrganisations}
	modified := h.started
	for _, o := range orgs {
		text, _, _ := o.Texts().In(lang)
		name := text.Title
		if name == "" {
			name = o.Handle
		}
		page := h.base + db.OrganisationPath(lang, o.Handle)
		organisations.Children = append(organisations.Children, atom(name, db.OrganisationFeedPath(lang, o.Handle, db.FeedAtom), page))
		calendars.Children = append(calendars.Children, Outline{
			Text: fmt.Sprintf(m.orgEvents, name), Type: "link", URL: h.base + db.OrganisationCalendarPath(lang, o.Handle),
		})
		if o.UpdatedAt.After(modified) {
			modified = o.UpdatedAt
		}
	}
	cats, err := h.store.ForumCategories(ctx)
	if err != nil {
		return "", nil, time.Time{}, err
	}
	forum := Outline{Text: m.opmlForum}
	for _, c := range cats {
		text, _, _ := c.Texts().In(lang)
		name := text.Title
		if name == "" {
			name = c.Handle
		}
		forum.Children = append(forum.Children, atom(fmt.Sprintf(m.forumCategory, name),
			db.ForumCategoryFeedPath(lang, c.Handle, db.FeedAtom), h.base+forumCategoryPath(lang, c.Handle)))
		if c.UpdatedAt.After(modified) {
			modified = c.UpdatedAt
		}
	}
	outlines := []Outline{siteFolder, sections}
	if len(organisations.Children) > 0 {
		outlines = append(outlines, organisations)
	}
	if len(forum.Children) > 0 {
		outlines = append(outlines, forum)
	}
	outlines = append(outlines, calendars)
	return m.opmlTitle + " — " + site, outlines, modified, nil
}
