package portal

import (
	"net/http"

	"github.com/bgimigranti/hub/db"
)

// feedRow is one feed on the page that lists them: its name, the page it
// follows and a link per format.
type feedRow struct {
	Name  localText
	Page  string
	Links []feedLink // Title holds the format's name
}

// feedListData is what feeds.html shows.
type feedListData struct {
	Site          []feedRow
	Sections      []feedRow
	Organisations []feedRow
	Calendars     []feedRow
	OPML          string
	OtherList     string // the same page in the other language
}

// feedList is the page that lists every feed of its language, grouped as
// the OPML file groups them: the whole site, each section, each
// organisation and the calendars, with a link per format.
func (h *Handler) feedList(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	orgs, err := h.store.Organisations(r.Context(), db.OrgQuery{})
	if err != nil {
		return err
	}
	cat := h.cats[lang]
	home := "/" + string(lang)
	named := func(s string) localText {
		return localText{Text: db.Text{Lang: lang, Title: s}, Exact: true, Want: lang}
	}
	formats := func(path func(db.FeedFormat) string) []feedLink {
		var out []feedLink
		for _, f := range db.FeedFormats() {
			out = append(out, feedLink{Title: cat.T("feeds.format." + string(f)), Type: feedTypes[f], URL: h.baseURL + path(f)})
		}
		return out
	}
	calendar := func(path string) []feedLink {
		return []feedLink{{Title: cat.T("feeds.format.ics"), Type: calendarType, URL: h.baseURL + path}}
	}
	data := feedListData{
		Site: []feedRow{{Name: named(cat.T("feeds.site")), Page: home + "/",
			Links: formats(func(f db.FeedFormat) string { return db.SiteFeedPath(lang, f) })}},
		Calendars: []feedRow{{Name: named(cat.T("feeds.calendar")), Page: home + "/" + db.Event.Section(),
			Links: calendar(db.CalendarPath(lang))}},
		OPML:      h.baseURL + db.OPMLPath(lang),
		OtherList: db.FeedListPath(lang.Other()),
	}
	for _, k := range db.Kinds() {
		data.Sections = append(data.Sections, feedRow{Name: named(cat.T("feeds.section." + string(k))), Page: home + "/" + k.Section(),
			Links: formats(func(f db.FeedFormat) string { return db.SectionFeedPath(lang, k, f) })})
	}
	for _, o := range orgs {
		name := pick(o.Texts(), lang)
		page := db.OrganisationPath(lang, o.Handle)
		data.Organisations = append(data.Organisations, feedRow{Name: name, Page: page,
			Links: formats(func(f db.FeedFormat) string { return db.OrganisationFeedPath(lang, o.Handle, f) })})
		data.Calendars = append(data.Calendars, feedRow{Name: name, Page: page,
			Links: calendar(db.OrganisationCalendarPath(lang, o.Handle))})
	}
	// The forum's categories join the sections (the feed list's template
	// has no group of its own for them), each named as the forum's.
	forumCats, err := h.store.ForumCategories(r.Context())
	if err != nil {
		return err
	}
	for _, c := range forumCats {
		name := pick(c.Texts(), lang)
		if name.Title == "" {
			name = named(c.Handle)
		}
		name.Title = cat.T("feeds.forum.category", name.Title)
		data.Sections = append(data.Sections, feedRow{Name: name, Page: home + "/forum/" + c.Handle,
			Links: formats(func(f db.FeedFormat) string { return db.ForumCategoryFeedPath(lang, c.Handle, f) })})
	}
	remember(w, r, lang)
	return h.render(w, r, http.StatusOK, "feeds", &view{
		Lang: lang, Title: cat.T("feeds.page.title"), Description: cat.T("feeds.page.lead"), Path: "/feeds", Section: "feeds",
		Data: data,
	})
}
