package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// addOrg stores an organisation with the given texts.
func addOrg(t *testing.T, s *db.Store, o *db.Organisation, ts ...db.Text) *db.Organisation {
	t.Helper()
	o.SetTexts(ts...)
	if err := s.CreateOrganisation(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o
}

// addItem stores an item (published unless it says otherwise) with the
// given texts.
func addItem(t *testing.T, s *db.Store, it *db.Item, ts ...db.Text) *db.Item {
	t.Helper()
	if it.Status == "" {
		it.Status = db.Published
	}
	it.SetTexts(ts...)
	if err := s.CreateItem(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	return it
}

// get fetches path from srv with optional request headers as name, value
// pairs, without following redirects.
func get(t *testing.T, srv *httptest.Server, path string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return fetch(t, req)
}

// page is a request and what its answer must (and must not) contain.
type page struct {
	path   string
	status int
	want   []string
	unwant []string
}

func checkPages(t *testing.T, srv *httptest.Server, pages []page) {
	t.Helper()
	for _, p := range pages {
		resp, body := get(t, srv, p.path)
		if resp.StatusCode != p.status {
			t.Errorf("GET %s = %d, want %d", p.path, resp.StatusCode, p.status)
		}
		for _, w := range p.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %q", p.path, w)
			}
		}
		for _, w := range p.unwant {
			if strings.Contains(body, w) {
				t.Errorf("GET %s contains %q", p.path, w)
			}
		}
	}
}

func id(it *db.Item) string { return fmt.Sprint(it.ID) }

// fixture is the organisations most tests need: a local information centre
// and a partner's, known through federation.
type fixture struct {
	local, partner *db.Organisation
}

func newFixture(t *testing.T, s *db.Store) fixture {
	t.Helper()
	return fixture{
		local: addOrg(t, s, &db.Organisation{Handle: "ic-haskovo", Kind: db.OrgInfoCentre, Country: "BG", City: "Хасково",
			Address: "ул. „Раковски“ 1", Website: "https://ic-haskovo.example", Email: "info@ic-haskovo.example", Phone: "+359 38 123 456"},
			db.Text{Lang: db.BG, Title: "Информационен център Хасково", Summary: "Помощ за граждани на трети страни."},
			db.Text{Lang: db.EN, Title: "Haskovo Information Centre", Summary: "Help for third-country nationals."}),
		partner: addOrg(t, s, &db.Organisation{Handle: "ic-ruse", Kind: db.OrgInfoCentre, Country: "BG", City: "Русе",
			Remote: true, ActorID: "https://partner.example/actors/ic-ruse"},
			db.Text{Lang: db.BG, Title: "Център Русе"}, db.Text{Lang: db.EN, Title: "Ruse Centre"}),
	}
}

func TestSectionListing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := newServer(t, s)
		fx := newFixture(t, s)
		// 23:30 UTC on 5 March is already 6 March in Sofia.
		at := time.Date(2026, 3, 5, 23, 30, 0, 0, time.UTC)
		both := addItem(t, s, &db.Item{Kind: db.News, OrganisationID: fx.local.ID, PublishedAt: at},
			db.Text{Lang: db.BG, Title: "Нов курс по български", Summary: "Записване до края на месеца."},
			db.Text{Lang: db.EN, Title: "A new Bulgarian course", Summary: "Enrol by the end of the month."})
		enOnly := addItem(t, s, &db.Item{Kind: db.News, PublishedAt: at.Add(-time.Hour)},
			db.Text{Lang: db.EN, Title: "Hub news in English only", BodyHTML: "<p>The <em>body</em> becomes the summary.</p>"})
		remote := addItem(t, s, &db.Item{Kind: db.News, OrganisationID: fx.partner.ID, Remote: true,
			APID: "https://partner.example/objects/7", URL: "https://partner.example/news/7", PublishedAt: at.Add(-2 * time.Hour)},
			db.Text{Lang: db.BG, Title: "Новина от Русе"})
		addItem(t, s, &db.Item{Kind: db.News, Status: db.Draft}, db.Text{Lang: db.BG, Title: "Чернова"})
		hidden := addItem(t, s, &db.Item{Kind: db.News}, db.Text{Lang: db.BG, Title: "Скрита"})
		if err := s.SetItemStatus(context.Background(), hidden.ID, db.Hidden); err != nil {
			t.Fatal(err)
		}
		checkPages(t, srv, []page{
			{"/bg/news", 200, []string{
				`<html lang="bg">`, `<a href="/bg/news" aria-current="page">`,
				`<a href="/bg/news/` + id(both) + `">Нов курс по български</a>`, "Записване до края на месеца.",
				`<time datetime="2026-03-05T23:30:00Z">6 март 2026 г.</time>`,
				`<a href="/bg/organisations/ic-haskovo">Информационен център Хасково</a>`,
				`<a href="/bg/news/` + id(enOnly) + `" lang="en">Hub news in English only</a> <span class="langbadge" title="На английски">`,
				`<p lang="en">The body becomes the summary.</p>`,
				`<a href="https://partner.example/news/7" rel="external nofollow">От Център Русе, partner.example</a>`,
				`<a href="/bg/news/` + id(remote) + `">Новина от Русе</a>`,
			}, []string{"Чернова", "Скрита", `<a href="/bg/news/` + id(both) + `" lang=`}},
			{"/en/news", 200, []string{
				`<a href="/en/news/` + id(both) + `">A new Bulgarian course</a>`, "6 March 2026",
				`<a href="/en/news/` + id(remote) + `" lang="bg">Новина от Русе</a>`, "From Ruse Centre, partner.example",
				`hreflang="bg" href="https://hub.example.org/bg/news"`,
			}, []string{`class="langbadge" title="In English"`}},
		})
		// Every other section answers, empty but useful, in both languages.
		for _, tt := range []struct{ path, want string }{
			{"/bg/announcements", "В момента няма обявления."},
			{"/en/services", "No services have been published yet."},
			{"/bg/materials", "Все още няма публикувани материали."},
			{"/en/project-updates", "There are no project updates yet."},
			{"/bg/press", "Все още няма добавени публикации в пресата."},
			{"/en/galleries", "No seminar galleries have been published yet."},
			{"/bg/events", "В момента няма планирани събития."},
		} {
			checkPages(t, srv, []page{{tt.path, 200, []string{tt.want, `class="empty"`}, nil}})
		}
	})
}

func TestSectionPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := newServer(t, s)
		start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
		for i := range perPage + 1 {
			addItem(t, s, &db.Item{Kind: db.Announcement, PublishedAt: start.Add(time.Duration(i) * time.Hour)},
				db.Text{Lang: db.EN, Title: fmt.Sprintf("Announcement number %02d", i)})
		}
		checkPages(t, srv, []page{
			{"/en/announcements", 200, []string{"Announcement number 20", "Announcement number 01", "In all: 21", "Page 1 of 2",
				`<a rel="next" href="/en/announcements?page=2">`}, []string{"Announcement number 00"}},
			{"/en/announcements?page=2", 200, []string{"Announcement number 00", `<a rel="prev" href="/en/announcements">`},
				[]string{"Announcement number 01"}},
			{"/en/announcements?page=2&utm_source=x", 200, []string{`<link rel="canonical" href="https://hub.example.org/en/announcements?page=2">`,
				`<a href="/bg/announcements?page=2" hreflang="bg" lang="bg">`}, []string{"utm_source"}},
			{"/en/announcements?page=3", 404, []string{"Page not found"}, nil},
			{"/bg/news?page=2", 404, []string{"Страницата не е намерена"}, nil},
		})
		for _, bad := range []string{"0", "-1", "abc", "1.5", "99999999", "10001", "2&page=3"} {
			checkPages(t, srv, []page{
				{"/en/announcements?page=" + bad, 400, []string{"The page number must be a whole number from 1 to 10000"}, nil},
				{"/bg/announcements?page=" + bad, 400, []string{"Номерът на страницата трябва да е цяло число"}, nil},
			})
		}
	})
}

func TestEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := newServer(t, s)
		fx := newFixture(t, s)
		// 16:30 UTC is 18:30 in Sofia in December (EET, UTC+2).
		sofia := addItem(t, s, &db.Item{Kind: db.Event, OrganisationID: fx.local.ID,
			StartsAt: time.Date(2030, 12, 5, 16, 30, 0, 0, time.UTC), EndsAt: time.Date(2030, 12, 5, 18, 0, 0, 0, time.UTC),
			PlaceName: "Читалище „Заря“", Address: "бул. „България“ 10, Хасково"},
			db.Text{Lang: db.BG, Title: "Среща с работодатели"}, db.Text{Lang: db.EN, Title: "Meeting employers"})
		berlin := addItem(t, s, &db.Item{Kind: db.Event, TimeZone: "Europe/Berlin",
			StartsAt: time.Date(2030, 12, 6, 10, 0, 0, 0, time.UTC), OnlineURL: "https://meet.example/integration"},
			db.Text{Lang: db.EN, Title: "Online seminar from Berlin"})
		cancelled := addItem(t, s, &db.Item{Kind: db.Event, Cancelled: true, StartsAt: time.Date(2031, 1, 10, 8, 0, 0, 0, time.UTC)},
			db.Text{Lang: db.BG, Title: "Отменен семинар"}, db.Text{Lang: db.EN, Title: "Cancelled seminar"})
		// 07:00 UTC is 10:00 in Sofia in June (EEST, UTC+3).
		past := addItem(t, s, &db.Item{Kind: db.Event, StartsAt: time.Date(2020, 6, 10, 7, 0, 0, 0, time.UTC)},
			db.Text{Lang: db.BG, Title: "Минала среща"}, db.Text{Lang: db.EN, Title: "Past meeting"})
		addItem(t, s, &db.Item{Kind: db.Event, Status: db.Draft, StartsAt: time.Date(2030, 12, 7, 8, 0, 0, 0, time.UTC)},
			db.Text{Lang: db.BG, Title: "Чернова на събитие"})

		resp, body := get(t, srv, "/bg/events")
		if resp.StatusCode != 200 {
			t.Fatalf("GET /bg/events = %d", resp.StatusCode)
		}
		// Soonest first, grouped by month.
		iS, iB, iC := strings.Index(body, "Среща с работодатели"), strings.Index(body, "Online seminar from Berlin"), strings.Index(body, "Отменен семинар")
		if iS < 0 || iB < iS || iC < iB {
			t.Errorf("upcoming events out of order: %d %d %d", iS, iB, iC)
		}
		if d, j := strings.Index(body, "<h2>Декември 2030 г.</h2>"), strings.Index(body, "<h2>Януари 2031 г.</h2>"); d < 0 || j < d || iS < d || iC < j {
			t.Errorf("events are not grouped by month")
		}
		checkPages(t, srv, []page{
			{"/bg/events", 200, []string{
				`<a href="/bg/events" aria-current="page">Предстоящи</a>`,
				`<time datetime="2030-12-05T18:30:00&#43;02:00">четвъртък, 5 декември 2030 г., 18:30 ч. – 20:00 ч.</time>`,
				"Читалище „Заря“, бул. „България“ 10, Хасково",
				`Организатор: <a href="/bg/organisations/ic-haskovo">Информационен център Хасково</a>`,
				`петък, 6 декември 2030 г., 11:00 ч.</time> <span class="zone">(часова зона Europe/Berlin)</span>`,
				`<a href="https://meet.example/integration" rel="external nofollow">https://meet.example/integration</a>`,
				`<li class="entry event is-cancelled">`, `<strong class="cancelled-mark">Отменено</strong>`,
			}, []string{"Минала среща", "Чернова на събитие"}},
			{"/en/events", 200, []string{"Thursday, 5 December 2030, 18:30–20:00", "<h2>December 2030</h2>", "Cancelled",
				"Friday, 6 December 2030, 11:00</time> <span class=\"zone\">(Europe/Berlin time)</span>"}, nil},
			{"/en/events?when=past", 200, []string{"Past meeting", "Wednesday, 10 June 2020, 10:00", `aria-current="page">Past</a>`},
				[]string{"Meeting employers"}},
			{"/en/events?month=2030-12", 200, []string{"Meeting employers", "Online seminar from Berlin",
				`<a rel="prev" href="/en/events?month=2030-11">← November 2030</a>`, `value="2030-12"`},
				[]string{"Cancelled seminar", "Past meeting"}},
			{"/bg/events?month=2020-06", 200, []string{"Минала среща"}, []string{"Среща с работодатели"}},
			{"/en/events?month=2029-02", 200, []string{"No events start in February 2029."}, nil},
			{"/en/events?when=past&page=2", 404, nil, nil},
		})
		for _, bad := range []string{"month=2030-13", "month=2030-1", "month=abc", "month=", "month=12-2030", "month=2030-12&month=2031-01", "when=future", "when=past&page=0"} {
			resp, body := get(t, srv, "/bg/events?"+bad)
			if resp.StatusCode != 400 || !strings.Contains(body, "Тази заявка не може да бъде изпълнена") {
				t.Errorf("GET /bg/events?%s = %d, want a Bulgarian 400", bad, resp.StatusCode)
			}
			resp, body = get(t, srv, "/en/events?"+bad)
			if resp.StatusCode != 400 || !strings.Contains(body, "This request cannot be answered") {
				t.Errorf("GET /en/events?%s = %d, want an English 400", bad, resp.StatusCode)
			}
		}
		_, body = get(t, srv, "/en/events?month=x")
		if !strings.Contains(body, "The month must be written as year-month, such as 2026-12.") {
			t.Errorf("a malformed month does not say what is wrong")
		}

		// The event's own page.
		checkPages(t, srv, []page{
			{"/bg/events/" + id(sofia), 200, []string{
				"<dt>Кога</dt>", "четвъртък, 5 декември 2030 г., 18:30 ч. – 20:00 ч.",
				"<dt>Къде</dt>", "Читалище „Заря“<br>бул. „България“ 10, Хасково",
				`<dt>Организатор</dt><dd><a href="/bg/organisations/ic-haskovo">`,
			}, []string{"Отменено"}},
			{"/en/events/" + id(berlin), 200, []string{"<dt>Online</dt>", "(Europe/Berlin time)", `lang="en"`}, nil},
			{"/en/events/" + id(cancelled), 200, []string{`class="item is-cancelled"`, "This event will not take place."}, nil},
			{"/en/events/" + id(past), 200, []string{"Wednesday, 10 June 2020, 10:00", "(over)"}, nil},
		})
	})
}

func TestHome(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := newServer(t, s)
		fx := newFixture(t, s)
		news := addItem(t, s, &db.Item{Kind: db.News, OrganisationID: fx.local.ID}, db.Text{Lang: db.BG, Title: "Свежа новина"}, db.Text{Lang: db.EN, Title: "Fresh news"})
		ev := addItem(t, s, &db.Item{Kind: db.Event, StartsAt: time.Date(2030, 12, 5, 16, 30, 0, 0, time.UTC), PlaceName: "Хасково"},
			db.Text{Lang: db.EN, Title: "Open day"})
		addItem(t, s, &db.Item{Kind: db.Event, StartsAt: time.Date(2020, 1, 1, 10, 0, 0, 0, time.UTC)}, db.Text{Lang: db.EN, Title: "Long gone"})
		addItem(t, s, &db.Item{Kind: db.Announcement}, db.Text{Lang: db.EN, Title: "Call for volunteers"})
		addItem(t, s, &db.Item{Kind: db.Service, OrganisationID: fx.local.ID}, db.Text{Lang: db.EN, Title: "Free legal advice"})
		checkPages(t, srv, []page{
			{"/en/", 200, []string{
				"Latest news", `<a href="/en/news/` + id(news) + `">Fresh news</a>`, "Haskovo Information Centre",
				"Upcoming events", `<a href="/en/events/` + id(ev) + `">Open day</a>`, "5 December 2030, 18:30", "· Хасково",
				"Call for volunteers", "Free legal advice",
				"Organisations in the directory: 2, of which information centres: 2.", `<a href="/en/organisations">Browse the directory</a>`,
				`<a href="/en/handbooks/intercultural-competences">`, "More about the project",
			}, []string{"Long gone"}},
			{"/bg/", 200, []string{"Последни новини", "Свежа новина", `<a href="/bg/events/` + id(ev) + `" lang="en">Open day</a>`,
				"5 декември 2030 г., 18:30 ч.", "Организации в указателя: 2"}, nil},
		})
	})
}
