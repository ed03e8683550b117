package feeds

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The fixtures are fixed values, so that the golden files hold exact bytes.

func mustZone(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

// bgFeed is a Bulgarian feed with an ordinary entry, an entry with
// enclosures, a federated entry and an entry left in English.
func bgFeed(tb testing.TB) *Feed {
	sofia := mustZone(tb, "Europe/Sofia")
	return &Feed{
		ID:        "https://hub.example/bg/news",
		Title:     "Новини — Български имигранти",
		Subtitle:  "Новини, събития и услуги за имигранти в България",
		Lang:      "bg",
		SelfURL:   "https://hub.example/bg/news/feed.atom",
		HTMLURL:   "https://hub.example/bg/news",
		IconURL:   "https://hub.example/static/icon-512.png",
		Generator: "bgimigranti hub",
		Author:    Person{Name: "Хъб за имигранти", URI: "https://hub.example/"},
		Updated:   time.Date(2026, 7, 15, 18, 30, 0, 0, sofia),
		Entries: []Entry{
			{
				ID:          "https://hub.example/bg/news/2026/07/ezikovi-kursove",
				URL:         "https://hub.example/bg/news/2026/07/ezikovi-kursove",
				Title:       "Безплатни езикови курсове & консултации",
				Summary:     "Записването за есенните курсове по български език започва на 1 септември. Места: 20 < 30.",
				ContentHTML: `<p>Записването за <strong>есенните курсове</strong> по български език започва на 1&nbsp;септември.</p><p>Подробности: <a href="https://hub.example/bg/services/kursove?x=1&amp;y=2">услуги</a>.</p>`,
				Lang:        "bg",
				Published:   time.Date(2026, 7, 15, 9, 0, 0, 0, sofia),
				Updated:     time.Date(2026, 7, 15, 18, 30, 0, 0, sofia),
				Authors:     []Person{{Name: "Мария Иванова", URI: "https://hub.example/users/maria"}},
				Categories: []Category{
					{Term: "news", Label: "Новини", Scheme: "https://hub.example/bg/sections"},
					{Term: "obrazovanie", Label: "Образование"},
				},
			},
			{
				ID:          "https://hub.example/bg/materials/narachnik-2",
				Title:       "Наръчник: ролята на публичните органи",
				Summary:     "Вторият наръчник на платформата, в PDF и като аудиокнига.",
				ContentHTML: "<p>Вторият наръчник.</p>",
				Published:   time.Date(2026, 1, 20, 10, 0, 0, 0, sofia),
				Authors:     []Person{{Name: "Хъб за имигранти"}, {Name: "Иван Петров", URI: "https://hub.example/users/ivan"}},
				Categories:  []Category{{Term: "materials", Label: "Материали", Scheme: "https://hub.example/bg/sections"}},
				Enclosures: []Enclosure{
					{URL: "https://hub.example/files/narachnik-2.pdf", Type: "application/pdf", Length: 2483022, Title: "Наръчник (PDF)"},
					{URL: "https://hub.example/files/narachnik-2.mp3", Type: "audio/mpeg", Title: "Аудиокнига"},
				},
			},
			{
				ID:          "https://krile.example/events/seminar-plovdiv",
				URL:         "https://krile.example/events/seminar-plovdiv",
				Title:       "Семинар за междукултурна компетентност в Пловдив",
				Summary:     "Двудневен семинар за служители на информационни центрове.",
				ContentHTML: "<p>Двудневен семинар.</p>",
				Published:   time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC),
				Updated:     time.Date(2026, 7, 1, 8, 15, 0, 0, time.UTC),
				Authors:     []Person{{Name: "Фондация „Мисия Криле“", URI: "https://krile.example/@mission"}},
				Categories:  []Category{{Term: "events", Label: "Събития", Scheme: "https://hub.example/bg/sections"}},
				Source:      &Source{Title: "Фондация „Мисия Криле“, krile.example", URL: "https://krile.example/@mission"},
			},
			{
				ID:        "https://hub.example/bg/announcements/office-hours",
				Title:     "New office hours of the information centre",
				Summary:   "The Sofia information centre is open until 19:00 on Thursdays.",
				Lang:      "en",
				Published: time.Date(2025, 12, 1, 8, 0, 0, 0, time.UTC),
			},
		},
	}
}

// enFeed is an English feed without an author of its own and without
// Updated, which then comes from the newest entry.
func enFeed(tb testing.TB) *Feed {
	return &Feed{
		ID:      "https://hub.example/en/events",
		Title:   "Events — Bulgarian Immigrants Hub",
		Lang:    "en",
		SelfURL: "https://hub.example/en/events/feed.json",
		Entries: []Entry{
			{
				ID:          "https://hub.example/en/events/open-day",
				Title:       `Open day at the "Integration" centre`,
				Summary:     "Meet the team, ask about services.",
				ContentHTML: "<p>Meet the team &amp; ask <em>anything</em>.</p>\n<p>Second paragraph.</p>",
				Published:   time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
				Updated:     time.Date(2026, 3, 3, 11, 0, 0, 0, time.UTC),
				Categories:  []Category{{Term: "events"}},
			},
			{
				ID:        "https://hub.example/en/events/info-session",
				Title:     "Information session on residence permits",
				Published: time.Date(2026, 2, 10, 10, 0, 0, 0, time.UTC),
			},
		},
	}
}

// longCyrillic is a description far longer than one iCalendar line, with
// and without spaces, so that folding has to split Cyrillic text.
const longCyrillic = "Семинарът е предназначен за служители на информационни центрове, " +
	"неправителствени организации и публични органи, които работят с имигранти. " +
	"Ще обсъдим междукултурната комуникация, достъпа до услуги и добрите практики.\n" +
	"Регистрация: до 10 юли; места: 40.\n" +
	"Думабезинтервалидокраянаредаизаощеединредиощеединдокатонестанепрекаленодълга"

// calendar has events in Sofia in summer and winter, in New York, in UTC,
// a cancelled one, an all-day one, an online one and one whose wall-clock
// times occur twice.
func calendar(tb testing.TB) *Calendar {
	sofia := mustZone(tb, "Europe/Sofia")
	ny := mustZone(tb, "America/New_York")
	updated := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	created := time.Date(2026, 5, 20, 9, 30, 0, 0, time.UTC)
	return &Calendar{
		Name: "Събития — Български имигранти",
		Lang: "bg",
		URL:  "https://hub.example/bg/events",
		Events: []Event{
			{
				UID:             "https://hub.example/events/seminar-sofia-july",
				URL:             "https://hub.example/bg/events/seminar-sofia-july",
				Title:           "Семинар: междукултурна компетентност",
				DescriptionText: longCyrillic,
				Start:           time.Date(2026, 7, 15, 18, 0, 0, 0, sofia),
				End:             time.Date(2026, 7, 15, 20, 30, 0, 0, sofia),
				TimeZone:        "Europe/Sofia",
				Location:        "Дом на културата „Средец“",
				Address:         "ул. „Шипка“ 1, 1000 София",
				Organizer:       `Women's Centre, "Sofia"`,
				OrganizerURI:    "https://hub.example/org/womens-centre",
				Sequence:        2,
				Created:         created,
				Updated:         updated,
				Categories:      []string{"Семинари", "Обучение, квалификация"},
			},
			{
				UID:             "https://hub.example/events/consultations-january",
				URL:             "https://hub.example/bg/events/consultations-january",
				Title:           "Консултации за разрешения за пребиваване",
				DescriptionText: "Безплатни консултации; носете документи.",
				Start:           time.Date(2027, 1, 14, 18, 0, 0, 0, sofia),
				End:             time.Date(2027, 1, 14, 19, 0, 0, 0, sofia),
				TimeZone:        "Europe/Sofia",
				Location:        "Информационен център",
				Updated:         updated,
			},
			{
				UID:       "https://partner.example/events/diaspora-meetup",
				URL:       "https://partner.example/events/diaspora-meetup",
				Title:     "Bulgarian diaspora meetup",
				Lang:      "en",
				Start:     time.Date(2026, 9, 12, 18, 0, 0, 0, ny),
				End:       time.Date(2026, 9, 12, 21, 0, 0, 0, ny),
				TimeZone:  "America/New_York",
				Location:  "Community hall",
				Address:   "1 Main St, New York, NY",
				Updated:   updated,
				Cancelled: true,
				Sequence:  3,
			},
			{
				UID:       "https://hub.example/events/webinar",
				Title:     "Уебинар: права на труд",
				Start:     time.Date(2026, 8, 3, 14, 0, 0, 0, time.UTC),
				End:       time.Date(2026, 8, 3, 15, 0, 0, 0, time.UTC),
				OnlineURL: "https://meet.example/hub-webinar?id=1,2",
				Created:   created,
			},
			{
				UID:      "https://hub.example/events/open-days",
				Title:    "Дни на отворените врати",
				Start:    time.Date(2026, 9, 21, 0, 0, 0, 0, sofia),
				End:      time.Date(2026, 9, 23, 0, 0, 0, 0, sofia),
				TimeZone: "Europe/Sofia",
				AllDay:   true,
				Updated:  updated,
			},
			{
				UID:      "https://hub.example/events/night-shift",
				Title:    "Нощна смяна: гореща линия",
				Start:    time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), // 03:30 EEST, the first 03:30 of the day
				End:      time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), // 03:30 EET, the second one
				TimeZone: "Europe/Sofia",
				Updated:  updated,
			},
		},
	}
}

// withSelf sets the feed's SelfURL to its page's URL plus "/feed." and the
// extension, as each format's handler does.
func withSelf(f *Feed, ext string) *Feed {
	f.SelfURL = f.htmlURL() + "/feed." + ext
	return f
}

// bigFeed is a feed of n entries with about 1.5 KB of HTML each, for the
// benchmarks.
func bigFeed(tb testing.TB, n int) *Feed {
	f := bgFeed(tb)
	para := `<p>Информационният център предлага <a href="https://hub.example/bg/services">консултации</a> за имигранти &amp; бежанци: документи, работа, образование.</p>`
	html := strings.Repeat(para, 1536/len(para)+1)
	base := f.Entries
	f.Entries = make([]Entry, n)
	for i := range f.Entries {
		e := base[i%len(base)]
		e.ID = fmt.Sprintf("%s/%d", e.ID, i)
		e.ContentHTML = html
		f.Entries[i] = e
	}
	return f
}

// bigCalendar is a calendar of n events, for the benchmarks.
func bigCalendar(tb testing.TB, n int) *Calendar {
	c := calendar(tb)
	base := c.Events
	c.Events = make([]Event, n)
	for i := range c.Events {
		e := base[i%len(base)]
		e.UID = fmt.Sprintf("%s/%d", e.UID, i)
		e.DescriptionText = longCyrillic
		c.Events[i] = e
	}
	return c
}
