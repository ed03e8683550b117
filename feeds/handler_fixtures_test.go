package feeds

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
)

// testBase is the public URL the handlers under test believe they have;
// requests go to an httptest server, and tests rewrite URLs from one to
// the other.
const testBase = "https://hub.example"

// testNow is the handlers' clock in tests: calendars hold the events that
// end after 90 days before it.
var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// hub is a store with content, the feed handler on it, and an httptest
// server that mounts the handler the way cmd/hub does: one pattern per
// route and language on a root mux.
type hub struct {
	t   *testing.T
	s   *db.Store
	h   *Handler
	srv *httptest.Server

	org, remoteOrg *db.Organisation
	// Items, published unless named otherwise.
	newsBoth  *db.Item // news in bg and en, of org, with an image and a PDF
	newsBG    *db.Item // news in bg only, of the hub itself
	remote    *db.Item // news received from krile.example
	summer    *db.Item // event of org, Sofia, July
	winter    *db.Item // event of org, Sofia, January, no time zone stored
	newYork   *db.Item // event of the hub, New York, online too
	recent    *db.Item // event of org that ended 30 days before testNow
	old       *db.Item // event of org that ended a year before testNow
	draft     *db.Item // event, draft
	hidden    *db.Item // news, hidden by an admin
	image     *db.Media
	pdf       *db.Media
	published []*db.Item // every published item, in the order created
}

func newHub(t *testing.T, s *db.Store) *hub {
	t.Helper()
	base, _ := url.Parse(testBase)
	h := New(Config{BaseURL: base}, s, slog.New(slog.DiscardHandler))
	h.now = func() time.Time { return testNow }
	mux := http.NewServeMux()
	for _, p := range h.Patterns() {
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	x := &hub{t: t, s: s, h: h, srv: srv}
	x.seed()
	return x
}

func (x *hub) seed() {
	t, ctx := x.t, context.Background()
	x.org = &db.Organisation{Handle: "ic-haskovo", Kind: db.OrgInfoCentre, Country: "BG", Email: "ic@haskovo.example"}
	x.org.SetTexts(
		db.Text{Lang: db.BG, Title: "Информационен център Хасково", Summary: "Помощ за имигранти в Хасково"},
		db.Text{Lang: db.EN, Title: "Haskovo Information Centre", Summary: "Help for immigrants in Haskovo"},
	)
	x.remoteOrg = &db.Organisation{Handle: "krile", Kind: db.OrgNGO, Remote: true, ActorID: "https://krile.example/actors/mission"}
	x.remoteOrg.SetTexts(db.Text{Lang: db.BG, Title: "Фондация „Мисия Криле“"})
	for _, o := range []*db.Organisation{x.org, x.remoteOrg} {
		if err := x.s.CreateOrganisation(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	x.image = &db.Media{SHA256: strings.Repeat("a", 64), ContentType: "image/jpeg", Size: 48213, Width: 1200, Height: 800, OriginalName: "kurs.jpg",
		Translations: []db.MediaTranslation{{Lang: db.BG, Alt: "Учебна зала"}, {Lang: db.EN, Alt: "A classroom"}}}
	x.pdf = &db.Media{SHA256: strings.Repeat("b", 64), ContentType: "application/pdf", Size: 2483022, OriginalName: "programa.pdf"}
	for _, m := range []*db.Media{x.image, x.pdf} {
		if err := x.s.SaveMedia(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	sofia := mustZone(t, "Europe/Sofia")
	ny := mustZone(t, "America/New_York")

	x.newsBoth = x.create(&db.Item{Kind: db.News, OrganisationID: x.org.ID}, db.Text{
		Lang: db.BG, Title: "Безплатни езикови курсове", Summary: "Записването започва на 1 септември.",
		BodyMD: "Записване за курсове.", BodyHTML: "<p>Записване за <strong>курсове</strong> по български език.</p>",
	}, db.Text{
		Lang: db.EN, Title: "Free language courses", Summary: "Enrolment opens on 1 September.",
		BodyMD: "Enrol for courses.", BodyHTML: "<p>Enrol for <strong>courses</strong> in Bulgarian.</p>",
	})
	if err := x.s.SetItemMedia(ctx, x.newsBoth.ID, []int64{x.image.ID, x.pdf.ID}); err != nil {
		t.Fatal(err)
	}
	x.newsBG = x.create(&db.Item{Kind: db.News}, db.Text{
		Lang: db.BG, Title: "Нова версия на платформата", Summary: "Платформата има нов дизайн.", BodyHTML: "<p>Нов дизайн.</p>",
	})
	x.remote = x.create(&db.Item{Kind: db.News, OrganisationID: x.remoteOrg.ID, Remote: true,
		APID: "https://krile.example/objects/7", URL: "https://krile.example/news/seminar-plovdiv"},
		db.Text{Lang: db.BG, Title: "Семинар в Пловдив", Summary: "Двудневен семинар.", BodyHTML: "<p>Двудневен семинар.</p>"})
	x.summer = x.create(&db.Item{Kind: db.Event, OrganisationID: x.org.ID, TimeZone: "Europe/Sofia",
		StartsAt: time.Date(2026, 7, 15, 18, 0, 0, 0, sofia), EndsAt: time.Date(2026, 7, 15, 20, 30, 0, 0, sofia),
		PlaceName: "Читалище „Заря“", Address: "ул. „Раковски“ 5, Хасково"},
		db.Text{Lang: db.BG, Title: "Лятна среща", Summary: "Среща с имигранти."},
		db.Text{Lang: db.EN, Title: "Summer meeting", Summary: "A meeting with immigrants."})
	x.winter = x.create(&db.Item{Kind: db.Event, OrganisationID: x.org.ID,
		StartsAt: time.Date(2027, 1, 14, 18, 0, 0, 0, sofia), EndsAt: time.Date(2027, 1, 14, 19, 0, 0, 0, sofia),
		PlaceName: "Информационен център"},
		db.Text{Lang: db.BG, Title: "Зимни консултации", Summary: "Консултации за документи."})
	x.newYork = x.create(&db.Item{Kind: db.Event, TimeZone: "America/New_York",
		StartsAt: time.Date(2026, 9, 12, 18, 0, 0, 0, ny), EndsAt: time.Date(2026, 9, 12, 21, 0, 0, 0, ny),
		PlaceName: "Community hall", Address: "1 Main St, New York", OnlineURL: "https://meet.example/diaspora"},
		db.Text{Lang: db.EN, Title: "Diaspora meetup", Summary: "Bulgarians abroad meet."})
	x.recent = x.create(&db.Item{Kind: db.Event, OrganisationID: x.org.ID, TimeZone: "Europe/Sofia",
		StartsAt: testNow.AddDate(0, 0, -30).Add(-2 * time.Hour), EndsAt: testNow.AddDate(0, 0, -30)},
		db.Text{Lang: db.BG, Title: "Пролетен семинар"})
	x.old = x.create(&db.Item{Kind: db.Event, OrganisationID: x.org.ID, TimeZone: "Europe/Sofia",
		StartsAt: testNow.AddDate(-1, 0, 0).Add(-2 * time.Hour), EndsAt: testNow.AddDate(-1, 0, 0)},
		db.Text{Lang: db.BG, Title: "Миналогодишен семинар"})
	x.draft = x.create(&db.Item{Kind: db.Event, Status: db.Draft, OrganisationID: x.org.ID,
		StartsAt: time.Date(2026, 8, 1, 10, 0, 0, 0, sofia)},
		db.Text{Lang: db.BG, Title: "Чернова на събитие", Summary: "курсове"})
	x.hidden = x.create(&db.Item{Kind: db.News, OrganisationID: x.org.ID},
		db.Text{Lang: db.BG, Title: "Скрита новина", Summary: "Скрити курсове."})
	if err := x.s.SetItemStatus(ctx, x.hidden.ID, db.Hidden); err != nil {
		t.Fatal(err)
	}
	x.published = x.published[:len(x.published)-1] // hidden
}

// create stores it with the texts, published unless it has a status, and
// returns it as stored.
func (x *hub) create(it *db.Item, texts ...db.Text) *db.Item {
	x.t.Helper()
	if it.Status == "" {
		it.Status = db.Published
	}
	it.SetTexts(texts...)
	if err := x.s.CreateItem(context.Background(), it); err != nil {
		x.t.Fatal(err)
	}
	stored := x.reload(it)
	if it.Status == db.Published {
		x.published = append(x.published, stored)
	}
	return stored
}

// reload returns the item as the store has it now.
func (x *hub) reload(it *db.Item) *db.Item {
	x.t.Helper()
	got, err := x.s.Item(context.Background(), it.ID)
	if err != nil {
		x.t.Fatal(err)
	}
	return got
}

// get requests path from the test server with the headers given as
// alternating names and values.
func (x *hub) get(path string, headers ...string) (*http.Response, []byte) {
	x.t.Helper()
	return x.do(http.MethodGet, path, headers...)
}

func (x *hub) do(method, path string, headers ...string) (*http.Response, []byte) {
	x.t.Helper()
	req, err := http.NewRequest(method, x.srv.URL+strings.TrimPrefix(path, testBase), nil)
	if err != nil {
		x.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := x.srv.Client().Do(req)
	if err != nil {
		x.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		x.t.Fatal(err)
	}
	return resp, body
}

// canonID is the canonical id of a local item.
func canonID(it *db.Item) string { return testBase + "/items/" + strconv.FormatInt(it.ID, 10) }

// pageURL is the URL of an item's page in lang.
func pageURL(it *db.Item, lang db.Lang) string { return testBase + it.PagePath(lang) }
