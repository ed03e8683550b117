package portal

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// calendarCell returns the HTML of the calendar's cell for day (YYYY-MM-DD).
func calendarCell(t *testing.T, body, day string) string {
	t.Helper()
	i := strings.Index(body, `data-day="`+day+`"`)
	if i < 0 {
		t.Fatalf("the calendar has no cell for %s", day)
	}
	cell := body[i:]
	return cell[:strings.Index(cell, "</td>")]
}

// TestEventsCalendar: the month calendar puts each event on the days it is
// under way, in its own zone across the change to summer time, shows all-day
// events without a time, links the months around it and keeps the filters;
// "this week" and the filters narrow the lists; bad filters are a 400 that
// says what to send.
func TestEventsCalendar(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		a := newAccHub(t, s)
		sofia, _ := time.LoadLocation("Europe/Sofia")
		orgs := map[string]*db.Organisation{}
		for handle, city := range map[string]string{"haskovo": "Хасково", "sofia": "София"} {
			o := &db.Organisation{Handle: handle, Kind: db.OrgNGO, City: city}
			o.SetTexts(db.Text{Lang: db.BG, Title: "Център " + city}, db.Text{Lang: db.EN, Title: "Centre " + handle})
			if err := s.CreateOrganisation(ctx, o); err != nil {
				t.Fatal(err)
			}
			orgs[handle] = o
		}
		event := func(org, title string, start, end time.Time, allDay bool, place, online string, cancelled bool) *db.Item {
			t.Helper()
			it := &db.Item{Kind: db.Event, Status: db.Published, OrganisationID: orgs[org].ID, StartsAt: start, EndsAt: end,
				TimeZone: "Europe/Sofia", AllDay: allDay, PlaceName: place, OnlineURL: online, Cancelled: cancelled}
			it.SetTexts(db.Text{Lang: db.BG, Title: title + " БГ"}, db.Text{Lang: db.EN, Title: title})
			if err := s.CreateItem(ctx, it); err != nil {
				t.Fatal(err)
			}
			return it
		}
		// Summer time begins in Sofia on Sunday 29 March 2026.
		event("haskovo", "Before the change", time.Date(2026, 3, 28, 18, 0, 0, 0, sofia), time.Time{}, false, "Читалище", "", false)
		after := event("haskovo", "After the change", time.Date(2026, 3, 30, 10, 0, 0, 0, sofia), time.Time{}, false, "Читалище", "", false)
		event("sofia", "Three-day seminar", time.Date(2026, 3, 31, 0, 0, 0, 0, sofia), time.Date(2026, 4, 3, 0, 0, 0, 0, sofia), true, "Зала", "", false)
		event("sofia", "Webinar", time.Date(2026, 3, 15, 11, 0, 0, 0, sofia), time.Time{}, false, "", "https://meet.example.org/x", true)

		c := newClient(t)
		resp, body := getPage(t, c, a.srv.URL+"/en/events?view=calendar&month=2026-03")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("March calendar: %d", resp.StatusCode)
		}
		mustContain(t, "the March calendar", body, `<caption>March 2026`, `<abbr title="Monday">`,
			`href="/en/events?month=2026-02&amp;view=calendar"`, `href="/en/events?month=2026-04&amp;view=calendar"`)
		for day, want := range map[string][]string{
			"2026-03-28": {"18:00", "Before the change"},
			"2026-03-30": {"10:00", "After the change"},
			"2026-03-31": {"Three-day seminar"},
			"2026-04-01": {"Three-day seminar"}, // the grid's last week reaches into April
			"2026-03-15": {"Webinar", "Cancelled"},
		} {
			cell := calendarCell(t, body, day)
			mustContain(t, "the cell of "+day, cell, want...)
			if strings.Contains(cell, "Three-day") && strings.Contains(cell, "00:00") {
				t.Errorf("the all-day event shows a time on %s: %s", day, cell)
			}
		}
		for _, day := range []string{"2026-03-29", "2026-03-01"} {
			if cell := calendarCell(t, body, day); strings.Contains(cell, "<li") {
				t.Errorf("%s should have no event: %s", day, cell)
			}
		}
		// The seminar ends at midnight on 3 April: it is not on the 3rd.
		_, april := getPage(t, c, a.srv.URL+"/bg/events?view=calendar&month=2026-04")
		mustContain(t, "the BG April calendar", april, "Април 2026")
		mustContain(t, "2 April", calendarCell(t, april, "2026-04-02"), "Three-day seminar БГ")
		if cell := calendarCell(t, april, "2026-04-03"); strings.Contains(cell, "seminar") {
			t.Errorf("the seminar shows on 3 April, the day it ended at midnight: %s", cell)
		}
		mustContain(t, "30 March in April's grid", calendarCell(t, april, "2026-03-30"), "After the change БГ", "outside")

		// Filters narrow the calendar and the lists, and links keep them.
		_, online := getPage(t, c, a.srv.URL+"/en/events?view=calendar&month=2026-03&mode=online")
		if strings.Contains(online, "Before the change") || !strings.Contains(online, "Webinar") {
			t.Error("mode=online: want the webinar alone")
		}
		mustContain(t, "the filtered calendar", online, `href="/en/events?mode=online&amp;month=2026-04&amp;view=calendar"`)
		_, city := getPage(t, c, a.srv.URL+"/en/events?month=2026-03&city="+"%D0%A5%D0%B0%D1%81%D0%BA%D0%BE%D0%B2%D0%BE")
		if !strings.Contains(city, "After the change") || strings.Contains(city, "Webinar") {
			t.Error("city=Хасково: want Haskovo's events only")
		}
		_, org := getPage(t, c, a.srv.URL+"/en/events?month=2026-03&org=sofia&mode=in_person")
		if !strings.Contains(org, "Three-day seminar") || strings.Contains(org, "Webinar") || strings.Contains(org, "After the change") {
			t.Error("org=sofia&mode=in_person: want the seminar alone")
		}
		mustContain(t, "the organisation's events", org, `href="/en/feeds/organisations/sofia/events.ics"`)

		// This week, by Sofia's calendar.
		now := time.Now().In(sofia)
		monday := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, sofia).AddDate(0, 0, -((int(now.Weekday()) + 6) % 7))
		event("haskovo", "Midweek meeting", monday.AddDate(0, 0, 2).Add(12*time.Hour), time.Time{}, false, "Читалище", "", false)
		event("haskovo", "Next week", monday.AddDate(0, 0, 8).Add(12*time.Hour), time.Time{}, false, "Читалище", "", false)
		_, week := getPage(t, c, a.srv.URL+"/en/events?when=week")
		if !strings.Contains(week, "Midweek meeting") || strings.Contains(week, "Next week") {
			t.Error("when=week: want this week's meeting and not next week's")
		}
		mustContain(t, "this week", week, `aria-current="page">This week`)

		// The event's page: the map and the organisation's other events.
		_, page := getPage(t, c, a.srv.URL+after.PagePath(db.EN))
		mustContain(t, "an event's page", page, `https://www.openstreetmap.org/search?query=%D0%A7%D0%B8%D1%82%D0%B0%D0%BB%D0%B8%D1%89%D0%B5`,
			"More events by", "Next week", `href="/en/events?org=haskovo"`)

		for query, want := range map[string]string{
			"view=grid":                   "?view=calendar",
			"mode=maybe":                  "?mode=online",
			"org=nobody":                  "no organisation with that handle",
			"when=week&when=past":         "at most once",
			"view=calendar&month=2026-13": "",
		} {
			resp, body := getPage(t, c, a.srv.URL+"/en/events?"+query)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) {
				t.Errorf("?%s: %d, want 400 saying %q", query, resp.StatusCode, want)
			}
		}
	})
}
