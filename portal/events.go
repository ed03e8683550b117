package portal

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/bgimigranti/hub/db"
)

// calendarLimit bounds the events one month's calendar shows.
const calendarLimit = 500

// eventsView is what the events page was asked for.
type eventsView struct {
	when     string    // "upcoming", "past" or "week"; "" for a month
	month    time.Time // the first of the month, in the default zone
	calendar bool      // a month as a grid of days, not a list
	org      *db.Organisation
	city     string
	mode     string // db.AttendOnline, db.AttendInPerson or ""
}

// parseEventsView reads the events page's query; a bad value is a
// badRequest key.
func (h *Handler) parseEventsView(r *http.Request, f *formatter, now time.Time) (*eventsView, string, error) {
	q := r.URL.Query()
	for _, k := range []string{"when", "month", "view", "org", "city", "mode"} {
		if len(q[k]) > 1 {
			return nil, "sec.bad.filter", nil
		}
	}
	v := &eventsView{when: q.Get("when"), city: q.Get("city"), mode: q.Get("mode")}
	switch q.Get("view") {
	case "", "list":
	case "calendar":
		v.calendar = true
	default:
		return nil, "sec.bad.view", nil
	}
	switch v.when {
	case "", "upcoming", "past", "week":
	default:
		return nil, "sec.bad.when", nil
	}
	switch v.mode {
	case "", db.AttendOnline, db.AttendInPerson:
	default:
		return nil, "sec.bad.mode", nil
	}
	if len(v.city) > 200 {
		return nil, "sec.bad.filter", nil
	}
	if handle := q.Get("org"); handle != "" {
		o, err := h.store.OrganisationByHandle(r.Context(), handle)
		if errors.Is(err, db.ErrNotFound) || (err == nil && o.Remote) {
			return nil, "sec.bad.org", nil
		}
		if err != nil {
			return nil, "", err
		}
		v.org = o
	}
	if m, set := q["month"]; set {
		var ok bool
		if v.month, ok = parseMonth(m[0], f.zone("")); !ok {
			return nil, "sec.bad.month", nil
		}
		v.when = ""
	} else if v.calendar {
		n := now.In(f.zone(""))
		v.month, v.when = time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, n.Location()), ""
	} else if v.when == "" {
		v.when = "upcoming"
	}
	if v.when != "" {
		v.calendar = false
	}
	return v, "", nil
}

// filters returns the view's filters as query parameters, for links that
// keep them.
func (v *eventsView) filters() map[string]string {
	out := map[string]string{}
	if v.org != nil {
		out["org"] = v.org.Handle
	}
	if v.city != "" {
		out["city"] = v.city
	}
	if v.mode != "" {
		out["mode"] = v.mode
	}
	return out
}

// events serves the events: upcoming ones soonest first, ?when=past the
// past ones latest first, ?when=week those under way this week, ?month=YYYY-MM
// those that start in a month grouped by month, and ?view=calendar a month
// as a grid of days. ?org=HANDLE, ?city=CITY and ?mode=online|in_person
// narrow any of them.
func (h *Handler) events(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	qs := only(r.URL.Query(), "when", "month", "page", "view", "org", "city", "mode")
	cat := h.cats[lang]
	page, ok := parsePage(r)
	if !ok {
		return h.badRequest(w, r, lang, "sec.bad.page")
	}
	f := h.formatter(lang)
	now := time.Now()
	v, bad, err := h.parseEventsView(r, f, now)
	if err != nil {
		return err
	}
	if bad != "" {
		return h.badRequest(w, r, lang, bad)
	}
	q := db.ItemQuery{Kinds: []db.Kind{db.Event}, City: v.city, Attendance: v.mode}
	if v.org != nil {
		q.OrganisationID = v.org.ID
	}
	var heading string
	switch {
	case v.calendar:
		start := mondayOf(v.month)
		q.HappensFrom, q.HappensBefore = start, mondayOf(v.month.AddDate(0, 1, 0).Add(-time.Hour)).AddDate(0, 0, 7)
		heading = f.monthName(v.month)
	case !v.month.IsZero():
		q.StartsFrom, q.StartsBefore = v.month, v.month.AddDate(0, 1, 0)
		heading = f.monthName(v.month)
	case v.when == "week":
		start := mondayOf(now.In(f.zone("")))
		q.HappensFrom, q.HappensBefore = start, start.AddDate(0, 0, 7)
		heading = cat.T("sec.events.week")
	case v.when == "past":
		q.Past = true
		heading = cat.T("sec.events.past")
	default:
		q.Upcoming = true
		heading = cat.T("sec.events.upcoming")
	}
	ctx := r.Context()
	data := map[string]any{"When": v.when, "Heading": heading, "Calendar": v.calendar, "Mode": v.mode, "City": v.city}
	if v.org != nil {
		data["Org"] = v.org.Handle
		data["OrgName"] = f.org(v.org)
	}
	if data["Orgs"], err = h.eventOrganisers(r, f); err != nil {
		return err
	}
	if data["Cities"], err = h.store.EventCities(ctx); err != nil {
		return err
	}
	var total int
	if v.calendar {
		q.Limit = calendarLimit
		items, err := h.store.Items(ctx, q)
		if err != nil {
			return err
		}
		data["Weeks"], data["Weekdays"] = calendarWeeks(f, v.month, items, now), weekdays(f)
		total = len(items)
	} else {
		if total, err = h.store.CountItems(ctx, q); err != nil {
			return err
		}
		if page > pages(total) {
			return db.ErrNotFound
		}
		q.Limit, q.Offset = perPage, (page-1)*perPage
		items, err := h.store.Items(ctx, q)
		if err != nil {
			return err
		}
		data["Groups"] = byMonth(f, items)
		data["Pager"] = newPager(lang, "/events", qs, page, total)
	}
	data["Total"] = total
	if !v.month.IsZero() {
		prev, next := v.month.AddDate(0, -1, 0), v.month.AddDate(0, 1, 0)
		data["Month"] = v.month.Format("2006-01")
		data["PrevMonth"], data["NextMonth"] = prev.Format("2006-01"), next.Format("2006-01")
		data["PrevMonthName"], data["NextMonthName"] = f.monthName(prev), f.monthName(next)
	}
	keep := v.filters()
	data["Keep"] = keep
	data["ListLink"], data["CalendarLink"], data["WeekLink"] = eventsLink(keep, "month", data["Month"]), eventsLink(keep, "view", "calendar", "month", data["Month"]), eventsLink(keep, "when", "week")
	data["UpcomingLink"], data["PastLink"] = eventsLink(keep), eventsLink(keep, "when", "past")
	if !v.month.IsZero() {
		view := ""
		if v.calendar {
			view = "calendar"
		}
		data["PrevLink"] = eventsLink(keep, "view", view, "month", data["PrevMonth"])
		data["NextLink"] = eventsLink(keep, "view", view, "month", data["NextMonth"])
	}
	data["ICS"] = db.CalendarPath(lang)
	if v.org != nil {
		data["ICS"] = db.OrganisationCalendarPath(lang, v.org.Handle)
	}
	remember(w, r, lang)
	title := cat.T("sec.page.sub", cat.T("nav.events"), heading)
	if page > 1 {
		title = cat.T("sec.page.title", title, page)
	}
	return h.render(w, r, http.StatusOK, "events", &view{
		Lang: lang, Title: title, Description: cat.T("sec.lead.event"), Path: withQuery("/events", qs), Section: "events", Data: data,
	})
}

// eventsLink is the events page with the filters in keep and the extra
// name/value pairs (an empty value is left out).
func eventsLink(keep map[string]string, pairs ...any) string {
	q := make(map[string][]string, len(keep)+len(pairs)/2)
	for k, v := range keep {
		q[k] = []string{v}
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if s, _ := pairs[i+1].(string); s != "" {
			q[pairs[i].(string)] = []string{s}
		}
	}
	return withQuery("/events", q)
}

// byMonth groups events by the month they start in.
func byMonth(f *formatter, items []*db.Item) []monthGroup {
	var groups []monthGroup
	for _, it := range items {
		e := f.entry(it)
		if e.Event == nil {
			continue
		}
		if n := len(groups); n == 0 || groups[n-1].Name != e.Event.Month {
			groups = append(groups, monthGroup{Name: e.Event.Month})
		}
		groups[len(groups)-1].Entries = append(groups[len(groups)-1].Entries, e)
	}
	return groups
}

// organiserOption is one organisation in the events page's filter.
type organiserOption struct {
	Handle string
	Name   localText
}

// eventOrganisers lists the local organisations, for the filter.
func (h *Handler) eventOrganisers(r *http.Request, f *formatter) ([]organiserOption, error) {
	orgs, err := h.store.Organisations(r.Context(), db.OrgQuery{})
	if err != nil {
		return nil, err
	}
	var out []organiserOption
	for _, o := range orgs {
		if o.Remote {
			continue
		}
		if ref := f.org(o); ref != nil {
			out = append(out, organiserOption{Handle: o.Handle, Name: ref.Name})
		}
	}
	return out, nil
}

// mondayOf returns the start of the Monday of t's week, in t's zone: weeks
// in Bulgaria, and in ISO 8601, begin on Monday.
func mondayOf(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// calendarDay is one cell of the month's grid.
type calendarDay struct {
	Day     int
	ISO     string
	Label   string // the day in full, for screen readers
	InMonth bool
	Today   bool
	Events  []entry
}

// weekday is a column heading of the grid.
type weekday struct{ Short, Long string }

// weekdays returns the grid's column headings, Monday first.
func weekdays(f *formatter) []weekday {
	out := make([]weekday, 7)
	for i := range out {
		long := f.cat.T("sec.weekday." + strconv.Itoa((i+1)%7))
		r := []rune(long)
		out[i] = weekday{Short: capitalise(string(r[:min(len(r), 3)])), Long: long}
	}
	return out
}

// calendarWeeks lays the events out on the weeks that cover month: each
// event on every day it is under way, by its own zone's calendar.
func calendarWeeks(f *formatter, month time.Time, items []*db.Item, now time.Time) [][]calendarDay {
	last := month.AddDate(0, 1, -1)
	today := now.In(month.Location()).Format("2006-01-02")
	var weeks [][]calendarDay
	for monday := mondayOf(month); !monday.After(last); monday = monday.AddDate(0, 0, 7) {
		week := make([]calendarDay, 7)
		for i := range week {
			d := monday.AddDate(0, 0, i)
			iso := d.Format("2006-01-02")
			week[i] = calendarDay{Day: d.Day(), ISO: iso, Label: f.longDay(d), InMonth: d.Month() == month.Month(), Today: iso == today}
		}
		weeks = append(weeks, week)
	}
	index := map[string]*calendarDay{}
	for _, week := range weeks {
		for i := range week {
			index[week[i].ISO] = &week[i]
		}
	}
	for _, it := range items {
		e := f.entry(it)
		if e.Event == nil {
			continue
		}
		loc := f.zone(it.TimeZone)
		start, end := it.StartsAt.In(loc), it.StartsAt.In(loc)
		if it.EndsAt.After(it.StartsAt) {
			end = it.EndsAt.In(loc)
			if end.Hour() == 0 && end.Minute() == 0 {
				end = end.Add(-time.Minute) // an end at midnight ends the day before
			}
		}
		day := time.Date(start.Year(), start.Month(), start.Day(), 12, 0, 0, 0, time.UTC)
		stop := time.Date(end.Year(), end.Month(), end.Day(), 12, 0, 0, 0, time.UTC)
		for n := 0; !day.After(stop) && n < 62; n, day = n+1, day.AddDate(0, 0, 1) {
			if c := index[day.Format("2006-01-02")]; c != nil {
				c.Events = append(c.Events, e)
			}
		}
	}
	return weeks
}

// moreEvents returns the next few events of the organisation of event it,
// for its page.
func (h *Handler) moreEvents(r *http.Request, f *formatter, it *db.Item) ([]entry, error) {
	items, err := h.store.Items(r.Context(), db.ItemQuery{Kinds: []db.Kind{db.Event}, OrganisationID: it.OrganisationID, Upcoming: true, Limit: 4})
	if err != nil {
		return nil, err
	}
	var out []entry
	for _, o := range items {
		if o.ID != it.ID && len(out) < 3 {
			out = append(out, f.entry(o))
		}
	}
	return out, nil
}
