package feeds

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// calendar fetches an iCalendar feed, checks its status and Content-Type
// and parses it with golang-ical.
func (x *hub) calendar(path string) (*http.Response, *ics.Calendar) {
	x.t.Helper()
	resp, body := x.get(path)
	if resp.StatusCode != http.StatusOK {
		x.t.Fatalf("GET %s = %d: %s", path, resp.StatusCode, body)
	}
	if got := resp.Header.Get("Content-Type"); got != "text/calendar; charset=utf-8" {
		x.t.Errorf("GET %s: Content-Type = %q", path, got)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(body))
	if err != nil {
		x.t.Fatalf("GET %s: golang-ical cannot parse it: %v\n%s", path, err, body)
	}
	return resp, cal
}

func uids(cal *ics.Calendar) []string {
	var out []string
	for _, e := range cal.Events() {
		out = append(out, e.Id())
	}
	return out
}

// TestCalendarsOverHTTP reads the calendars back with golang-ical: which
// events they hold, their times in Sofia in summer and in winter and in
// another zone, text in each language, place, online link, organizer and
// page; then SEQUENCE after an edit and STATUS after a cancellation.
func TestCalendarsOverHTTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		x := newHub(t, s)
		_, cal := x.calendar("/bg/feeds/events.ics")
		// Soonest first, from 90 days before now; not the old one, not
		// the draft.
		if got, want := uids(cal), []string{canonID(x.recent), canonID(x.summer), canonID(x.newYork), canonID(x.winter)}; !slices.Equal(got, want) {
			t.Fatalf("events = %q, want %q", got, want)
		}
		times := []struct {
			it                 *db.Item
			tzid, start, end   string
			startUTC           string
			summary, summaryIn string
		}{
			// 18:00 in July is EEST, UTC+3.
			{x.summer, "Europe/Sofia", "20260715T180000", "20260715T203000", "2026-07-15T15:00:00Z", "Лятна среща", "bg"},
			// 18:00 in January is EET, UTC+2; the event names no zone, so
			// it is Sofia's.
			{x.winter, "Europe/Sofia", "20270114T180000", "20270114T190000", "2027-01-14T16:00:00Z", "Зимни консултации", "bg"},
			// An event in New York keeps its zone: 18:00 EDT is UTC-4. It
			// exists in English only.
			{x.newYork, "America/New_York", "20260912T180000", "20260912T210000", "2026-09-12T22:00:00Z", "Diaspora meetup", "en"},
		}
		for _, tc := range times {
			e := eventByUID(t, cal, canonID(tc.it))
			start, end := prop(t, e, ics.ComponentPropertyDtStart), prop(t, e, ics.ComponentPropertyDtEnd)
			if start.Value != tc.start || param(start, "TZID") != tc.tzid || end.Value != tc.end || param(end, "TZID") != tc.tzid {
				t.Errorf("%s: DTSTART %q %v DTEND %q %v, want %q %q TZID %s", tc.summary, start.Value, start.ICalParameters, end.Value, end.ICalParameters, tc.start, tc.end, tc.tzid)
			}
			got, err := e.GetStartAt()
			if err != nil || got.UTC().Format(time.RFC3339) != tc.startUTC || !got.Equal(tc.it.StartsAt) {
				t.Errorf("%s: start = %v (%v), want %s", tc.summary, got.UTC(), err, tc.startUTC)
			}
			summary := prop(t, e, ics.ComponentPropertySummary)
			if summary.Value != tc.summary || param(summary, "LANGUAGE") != tc.summaryIn {
				t.Errorf("SUMMARY = %q LANGUAGE %q, want %q %q", summary.Value, param(summary, "LANGUAGE"), tc.summary, tc.summaryIn)
			}
			if got := prop(t, e, ics.ComponentPropertyUrl).Value; got != pageURL(tc.it, db.BG) {
				t.Errorf("%s: URL = %q, want %q", tc.summary, got, pageURL(tc.it, db.BG))
			}
			if got := prop(t, e, ics.ComponentPropertySequence).Value; got != "1" {
				t.Errorf("%s: SEQUENCE = %q, want 1", tc.summary, got)
			}
			if got := prop(t, e, ics.ComponentPropertyStatus).Value; got != "CONFIRMED" {
				t.Errorf("%s: STATUS = %q", tc.summary, got)
			}
		}
		var zones []string
		for _, tz := range cal.Timezones() {
			if p := tz.GetProperty(ics.ComponentPropertyTzid); p != nil {
				zones = append(zones, p.Value)
			}
		}
		if want := []string{"America/New_York", "Europe/Sofia"}; !slices.Equal(zones, want) {
			t.Errorf("VTIMEZONEs = %q, want %q", zones, want)
		}
		summer := eventByUID(t, cal, canonID(x.summer))
		if got := prop(t, summer, ics.ComponentPropertyLocation).Value; got != "Читалище „Заря“, ул. „Раковски“ 5, Хасково" {
			t.Errorf("LOCATION = %q", got)
		}
		if org := prop(t, summer, ics.ComponentPropertyOrganizer); org.Value != "mailto:ic@haskovo.example" || param(org, "CN") != "Информационен център Хасково" {
			t.Errorf("ORGANIZER = %q %v", org.Value, org.ICalParameters)
		}
		ny := eventByUID(t, cal, canonID(x.newYork))
		if got := ny.GetProperty("CONFERENCE"); got == nil || got.Value != "https://meet.example/diaspora" {
			t.Errorf("CONFERENCE = %+v", got)
		}

		// The English calendar has the English text where there is one.
		_, en := x.calendar("/en/feeds/events.ics")
		if got := prop(t, eventByUID(t, en, canonID(x.summer)), ics.ComponentPropertySummary); got.Value != "Summer meeting" || param(got, "LANGUAGE") != "en" {
			t.Errorf("English SUMMARY = %q %v", got.Value, got.ICalParameters)
		}
		if got := prop(t, eventByUID(t, en, canonID(x.winter)), ics.ComponentPropertySummary); got.Value != "Зимни консултации" || param(got, "LANGUAGE") != "bg" {
			t.Errorf("untranslated SUMMARY = %q %v", got.Value, got.ICalParameters)
		}

		// An organisation's calendar has its events only.
		_, orgCal := x.calendar(db.OrganisationCalendarPath(db.BG, x.org.Handle))
		if got, want := uids(orgCal), []string{canonID(x.recent), canonID(x.summer), canonID(x.winter)}; !slices.Equal(got, want) {
			t.Errorf("organisation's events = %q, want %q", got, want)
		}

		// Moving the event raises SEQUENCE; cancelling it keeps it in the
		// calendar, marked cancelled, with a higher SEQUENCE still.
		ctx := context.Background()
		ev := x.reload(x.summer)
		ev.StartsAt = ev.StartsAt.Add(time.Hour)
		ev.EndsAt = ev.EndsAt.Add(time.Hour)
		if err := s.UpdateItem(ctx, ev); err != nil {
			t.Fatal(err)
		}
		_, cal = x.calendar("/bg/feeds/events.ics")
		e := eventByUID(t, cal, canonID(x.summer))
		if got := prop(t, e, ics.ComponentPropertySequence).Value; got != "2" {
			t.Errorf("after an edit: SEQUENCE = %q, want 2", got)
		}
		if got := prop(t, e, ics.ComponentPropertyDtStart).Value; got != "20260715T190000" {
			t.Errorf("after an edit: DTSTART = %q", got)
		}
		ev = x.reload(x.summer)
		ev.Cancelled = true
		if err := s.UpdateItem(ctx, ev); err != nil {
			t.Fatal(err)
		}
		_, cal = x.calendar("/bg/feeds/events.ics")
		e = eventByUID(t, cal, canonID(x.summer))
		if got := prop(t, e, ics.ComponentPropertyStatus).Value; got != "CANCELLED" {
			t.Errorf("cancelled event: STATUS = %q", got)
		}
		if got := prop(t, e, ics.ComponentPropertySequence).Value; got != "3" {
			t.Errorf("cancelled event: SEQUENCE = %q, want 3", got)
		}
	})
}

// TestEventFile downloads one event as an .ics file in each language.
func TestEventFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		x := newHub(t, s)
		id := strconv.FormatInt(x.summer.ID, 10)
		for _, tc := range []struct {
			lang     db.Lang
			filename string
			summary  string
		}{
			{db.BG, "lyatna-sreshta-" + id + ".ics", "Лятна среща"},
			{db.EN, "summer-meeting-" + id + ".ics", "Summer meeting"},
		} {
			path := db.EventCalendarPath(tc.lang, x.summer.ID)
			resp, cal := x.calendar(path)
			if got, want := resp.Header.Get("Content-Disposition"), `attachment; filename="`+tc.filename+`"`; got != want {
				t.Errorf("%s: Content-Disposition = %q, want %q", path, got, want)
			}
			if got := uids(cal); !slices.Equal(got, []string{canonID(x.summer)}) {
				t.Errorf("%s: events = %q", path, got)
			}
			if got := prop(t, cal.Events()[0], ics.ComponentPropertySummary).Value; got != tc.summary {
				t.Errorf("%s: SUMMARY = %q", path, got)
			}
		}
		// An old event can still be downloaded from its page.
		_, cal := x.calendar(db.EventCalendarPath(db.BG, x.old.ID))
		if got := uids(cal); !slices.Equal(got, []string{canonID(x.old)}) {
			t.Errorf("old event: %q", got)
		}
	})
}

// TestRemoteEventUID checks that an event received by federation keeps its
// ActivityPub id as UID.
func TestRemoteEventUID(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		x := newHub(t, s)
		ev := x.create(&db.Item{Kind: db.Event, OrganisationID: x.remoteOrg.ID, Remote: true,
			APID: "https://krile.example/objects/9", URL: "https://krile.example/events/9",
			StartsAt: testNow.AddDate(0, 1, 0), TimeZone: "Europe/Sofia"},
			db.Text{Lang: db.BG, Title: "Отдалечено събитие"})
		_, cal := x.calendar("/bg/feeds/events.ics")
		e := eventByUID(t, cal, ev.APID)
		if got := prop(t, e, ics.ComponentPropertyUrl).Value; got != pageURL(ev, db.BG) {
			t.Errorf("URL = %q", got)
		}
	})
}

// httptestRecorder serves one request straight from h, with headers given
// as alternating names and values.
func httptestRecorder(h http.Handler, method, path string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] != "" {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
