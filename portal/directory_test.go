package portal

import (
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

func TestCountryName(t *testing.T) {
	for _, tt := range []struct {
		lang       db.Lang
		code, want string
	}{
		{db.BG, "BG", "България"}, {db.EN, "BG", "Bulgaria"}, {db.BG, "DE", "Германия"}, {db.EN, "UA", "Ukraine"},
		{db.BG, "SY", "Сирия"}, {db.BG, "TR", "Турция"}, {db.EN, "QQ", "QQ"}, {db.EN, "", ""},
	} {
		if got := countryName(tt.lang, tt.code); got != tt.want {
			t.Errorf("countryName(%s, %q) = %q, want %q", tt.lang, tt.code, got, tt.want)
		}
	}
}

func TestDirectory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := newServer(t, s)
		fx := newFixture(t, s)
		addOrg(t, s, &db.Organisation{Handle: "caritas-berlin", Kind: db.OrgNGO, Country: "DE", City: "Berlin"},
			db.Text{Lang: db.EN, Title: "Caritas Berlin", Summary: "Counselling for migrants."})
		addOrg(t, s, &db.Organisation{Handle: "ic-burgas", Kind: db.OrgInfoCentre, Country: "BG", City: "Бургас"},
			db.Text{Lang: db.BG, Title: "Център Бургас"})
		news := addItem(t, s, &db.Item{Kind: db.News, OrganisationID: fx.local.ID, PublishedAt: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)},
			db.Text{Lang: db.BG, Title: "Новина на центъра"}, db.Text{Lang: db.EN, Title: "The centre's news"})
		addItem(t, s, &db.Item{Kind: db.Event, OrganisationID: fx.local.ID, StartsAt: time.Now().Add(72 * time.Hour)},
			db.Text{Lang: db.BG, Title: "Предстояща среща"})
		addItem(t, s, &db.Item{Kind: db.Service, OrganisationID: fx.local.ID, Status: db.Draft}, db.Text{Lang: db.BG, Title: "Чернова на услуга"})

		resp, body := get(t, srv, "/bg/organisations")
		if resp.StatusCode != 200 {
			t.Fatalf("GET /bg/organisations = %d", resp.StatusCode)
		}
		// Grouped by kind in the menu's order, sorted by name in Bulgarian.
		iCentres, iNGO := strings.Index(body, `<h2 id="kind-information_centre">Информационни центрове</h2>`), strings.Index(body, `<h2 id="kind-ngo">Неправителствени организации</h2>`)
		iBurgas, iHaskovo, iRuse := strings.Index(body, "Център Бургас"), strings.Index(body, "Информационен център Хасково"), strings.Index(body, "Център Русе")
		if iCentres < 0 || iNGO < iCentres || iHaskovo < iCentres || iBurgas < iHaskovo || iRuse < iBurgas || iNGO < iRuse {
			t.Errorf("directory order: centres %d, haskovo %d, burgas %d, ruse %d, ngo %d", iCentres, iHaskovo, iBurgas, iRuse, iNGO)
		}
		checkPages(t, srv, []page{
			{"/bg/organisations", 200, []string{
				`<a href="/bg/organisations" aria-current="page">`, "Организации: 4",
				`<a href="/bg/organisations/ic-haskovo">Информационен център Хасково</a>`, "Хасково, България",
				`<a href="/bg/organisations/caritas-berlin" lang="en">Caritas Berlin</a>`, "Berlin, Германия",
				`<span class="tag">Партньор</span> <span class="meta">в partner.example</span>`,
				`<span class="tag local">В тази платформа</span>`,
				`<option value="DE">Германия</option>`, `<option value="ngo">Неправителствени организации</option>`,
			}, nil},
			{"/en/organisations?kind=ngo", 200, []string{"Caritas Berlin", `<option value="ngo" selected>`, "Show all organisations"},
				[]string{"Haskovo Information Centre"}},
			{"/en/organisations?country=de", 200, []string{"Caritas Berlin", `<option value="DE" selected>Germany</option>`}, []string{"Ruse Centre"}},
			{"/en/organisations?country=BG&kind=information_centre", 200, []string{"Ruse Centre", "Haskovo Information Centre"}, []string{"Caritas"}},
			{"/bg/organisations?country=FR", 200, []string{"Няма организация, която да отговаря на тези филтри.", `<option value="FR" selected>Франция</option>`}, nil},
			{"/en/organisations?kind=bogus", 400, []string{"There is no such kind of organisation."}, nil},
			{"/bg/organisations?kind=bogus", 400, []string{"Няма такъв вид организация."}, nil},
			{"/en/organisations?country=DEU", 400, []string{"The country must be a two-letter code"}, nil},
			{"/bg/organisations?country=1", 400, []string{"Държавата трябва да е двубуквен код"}, nil},
			{"/bg/organisations?country=%D0%91%D0%93", 400, nil, nil}, // "БГ"

			{"/en/organisations/ic-haskovo", 200, []string{
				"<h1>Haskovo Information Centre</h1>", "Information centre · Хасково, Bulgaria", `<span class="tag local">On this hub</span>`,
				"Help for third-country nationals.",
				"<dt>Address</dt><dd>ул. „Раковски“ 1, Хасково</dd>",
				`<a href="https://ic-haskovo.example" rel="external">`, `<a href="mailto:info@ic-haskovo.example">`,
				`<a href="tel:&#43;35938123456">&#43;359 38 123 456</a>`, "<code>@ic-haskovo@hub.example.org</code>",
				`<h2 id="events-title">Upcoming events</h2>`, `lang="bg">Предстояща среща</a>`,
				`<h2 id="sec-news">News</h2>`, `<a href="/en/news/` + id(news) + `">The centre&#39;s news</a>`, "1 May 2026",
			}, []string{"Чернова на услуга"}},
			{"/bg/organisations/ic-ruse", 200, []string{
				"<h1>Център Русе</h1>", `<span class="tag">Партньор</span>`,
				`<a href="https://partner.example/actors/ic-ruse" rel="external nofollow">Профилът ѝ в partner.example</a>`,
				"Тази организация все още не е публикувала нищо тук.",
			}, []string{"@ic-ruse@hub.example.org"}},
			{"/bg/organisations/caritas-berlin", 200, []string{"Този текст все още не е достъпен на български.", `<h1 lang="en">Caritas Berlin</h1>`}, nil},
			{"/en/organisations/nobody", 404, []string{"Page not found"}, nil},
			{"/en/organisations/no%20body", 404, nil, nil},
		})
		resp, _ = get(t, srv, "/en/organisations/IC-Haskovo")
		if resp.StatusCode != 301 || resp.Header.Get("Location") != "/en/organisations/ic-haskovo" {
			t.Errorf("upper-case handle: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}
