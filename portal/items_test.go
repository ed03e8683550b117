package portal

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

func addMedia(t *testing.T, s *db.Store, m *db.Media) *db.Media {
	t.Helper()
	if err := s.SaveMedia(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

func attach(t *testing.T, s *db.Store, it *db.Item, ms ...*db.Media) {
	t.Helper()
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	if err := s.SetItemMedia(context.Background(), it.ID, ids); err != nil {
		t.Fatal(err)
	}
}

func sha(c byte) string { return strings.Repeat(string(c), 64) }

func TestItemPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := newServer(t, s)
		fx := newFixture(t, s)
		news := addItem(t, s, &db.Item{Kind: db.News, OrganisationID: fx.local.ID, PublishedAt: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)},
			db.Text{Lang: db.BG, Title: "Нов курс", Summary: "Кратко резюме.", BodyHTML: "<p>Текст с <strong>удебелен</strong> шрифт.</p>"},
			db.Text{Lang: db.EN, Title: "A new course", BodyHTML: "<p>Text in <strong>bold</strong>.</p>"})
		enOnly := addItem(t, s, &db.Item{Kind: db.ProjectUpdate}, db.Text{Lang: db.EN, Title: "Quarterly report", BodyHTML: "<p>Only in English.</p>"})
		draft := addItem(t, s, &db.Item{Kind: db.News, Status: db.Draft}, db.Text{Lang: db.BG, Title: "Чернова"})
		hidden := addItem(t, s, &db.Item{Kind: db.News}, db.Text{Lang: db.BG, Title: "Скрита"})
		if err := s.SetItemStatus(context.Background(), hidden.ID, db.Hidden); err != nil {
			t.Fatal(err)
		}
		remote := addItem(t, s, &db.Item{Kind: db.Announcement, OrganisationID: fx.partner.ID, Remote: true,
			APID: "https://partner.example/objects/9", URL: "https://partner.example/announcements/9"},
			db.Text{Lang: db.BG, Title: "Обява от Русе"})

		material := addItem(t, s, &db.Item{Kind: db.Material, OrganisationID: fx.local.ID}, db.Text{Lang: db.BG, Title: "Брошура"}, db.Text{Lang: db.EN, Title: "Brochure"})
		pdf := addMedia(t, s, &db.Media{SHA256: sha('a'), ContentType: "application/pdf", Size: 1258291, OriginalName: "brochure.pdf",
			Translations: []db.MediaTranslation{{Lang: db.BG, Caption: "Брошура за правата"}, {Lang: db.EN, Caption: "Leaflet on rights"}}})
		docx := addMedia(t, s, &db.Media{SHA256: sha('b'), ContentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Size: 35 * 1024, OriginalName: "form.docx"})
		attach(t, s, material, pdf, docx)

		gallery := addItem(t, s, &db.Item{Kind: db.Gallery, StartsAt: time.Date(2026, 10, 15, 7, 0, 0, 0, time.UTC), PlaceName: "Хасково"},
			db.Text{Lang: db.BG, Title: "Семинар в Хасково"}, db.Text{Lang: db.EN, Title: "Seminar in Haskovo"})
		photo := addMedia(t, s, &db.Media{SHA256: sha('c'), ContentType: "image/jpeg", Size: 200000, Width: 1600, Height: 1200,
			Translations: []db.MediaTranslation{{Lang: db.BG, Alt: "Участници в залата", Caption: "Първият ден"}, {Lang: db.EN, Alt: "Participants in the hall", Caption: "The first day"}}})
		bare := addMedia(t, s, &db.Media{SHA256: sha('d'), ContentType: "image/png", Size: 1000, Width: 800, Height: 400})
		attach(t, s, gallery, photo, bare, pdf)

		press := addItem(t, s, &db.Item{Kind: db.Press, Outlet: "Новинар Хасково", ExternalURL: "https://news.example/article",
			StartsAt: time.Date(2026, 9, 1, 6, 0, 0, 0, time.UTC)},
			db.Text{Lang: db.BG, Title: "Статия за интеграцията"})

		checkPages(t, srv, []page{
			{"/bg/news/" + id(news), 200, []string{
				`<h1>Нов курс</h1>`, `<p class="lead">Кратко резюме.</p>`,
				"<p>Текст с <strong>удебелен</strong> шрифт.</p>",
				`<a href="/bg/news" aria-current="page">`,
				`<link rel="alternate" hreflang="en" href="https://hub.example.org/en/news/` + id(news) + `">`,
				`<time datetime="2026-11-24T09:00:00Z">24 ноември 2026 г.</time>`,
				`<p class="orgname"><a href="/bg/organisations/ic-haskovo">Информационен център Хасково</a>`,
				"Информационен център · Хасково, България", "<code>@ic-haskovo@hub.example.org</code>",
			}, []string{`class="notice"`}},
			{"/en/news/" + id(news), 200, []string{"<p>Text in <strong>bold</strong>.</p>", "Information centre · Хасково, Bulgaria"}, nil},
			{"/bg/project-updates/" + id(enOnly), 200, []string{
				"Този текст все още не е достъпен на български. Показан е на английски.",
				`<a href="/en/project-updates/` + id(enOnly) + `" hreflang="en">Прочетете го на английски</a>`,
				`<h1 lang="en">Quarterly report</h1>`, `<div class="prose" lang="en"><p>Only in English.</p></div>`,
			}, []string{`class="orgbox"`}},
			{"/en/announcements/" + id(remote), 200, []string{
				"Published on partner.example.", `<a href="https://partner.example/announcements/9" rel="external nofollow">Read the original</a>`,
				`<span class="tag">Partner</span>`,
			}, []string{"@ic-ruse@"}},
			{"/bg/materials/" + id(material), 200, []string{
				"<h2 id=\"docs-title\">Документи</h2>",
				`<a href="/media/` + fmtID(pdf.ID) + `">Брошура за правата</a> <span class="meta">(PDF, 1,2 МБ)</span>`,
				`<a href="/media/` + fmtID(docx.ID) + `">form.docx</a> <span class="meta">(Word, 35 КБ)</span>`,
			}, nil},
			{"/en/materials/" + id(material), 200, []string{"Leaflet on rights</a> <span class=\"meta\">(PDF, 1.2 MB)</span>", "(Word, 35 KB)"}, nil},
			{"/bg/galleries/" + id(gallery), 200, []string{
				"<dt>Дата на семинара</dt>", "15 октомври 2026 г., 10:00 ч.", "<dd>Хасково</dd>",
				`<h2 id="photos-title">Снимки</h2>`,
				`<a href="/media/` + fmtID(photo.ID) + `"><img src="/media/` + fmtID(photo.ID) + `/thumb" alt="Участници в залата" width="400" height="300" loading="lazy"></a>`,
				"<figcaption>Първият ден</figcaption>",
				`alt="Семинар в Хасково, снимка 2" width="400" height="200"`,
				`<h2 id="docs-title">Материали от семинара</h2>`, "Брошура за правата",
			}, nil},
			{"/en/galleries/" + id(gallery), 200, []string{`alt="Participants in the hall"`, "<figcaption>The first day</figcaption>", "Materials of the seminar"}, nil},
			{"/bg/press/" + id(press), 200, []string{
				"<dt>Издание</dt><dd>Новинар Хасково</dd>", "<dt>Брой от</dt>", "1 септември 2026 г.",
				`<a href="https://news.example/article" rel="external nofollow">`,
			}, nil},
			{"/bg/news/" + id(draft), 404, []string{"Страницата не е намерена"}, []string{"Чернова"}},
			{"/en/news/" + id(hidden), 404, []string{"Page not found"}, nil},
			{"/en/news/999999", 404, nil, nil},
			{"/en/news/abc", 404, nil, nil},
			{"/en/news/-1", 404, nil, nil},
			{"/en/news/0", 404, nil, nil},
		})
		// Under the wrong section: sent to the right one, for good.
		resp, _ := get(t, srv, "/bg/events/"+id(news))
		if resp.StatusCode != 301 || resp.Header.Get("Location") != "/bg/news/"+id(news) {
			t.Errorf("wrong section: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, _ = get(t, srv, "/en/events/"+id(draft))
		if resp.StatusCode != 404 {
			t.Errorf("a draft under the wrong section = %d, want 404", resp.StatusCode)
		}
	})
}

func fmtID(n int64) string { return id(&db.Item{ID: n}) }

func TestLanguageNeutralIDs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := newServer(t, s)
		fx := newFixture(t, s)
		ev := addItem(t, s, &db.Item{Kind: db.Event, StartsAt: time.Date(2030, 1, 1, 10, 0, 0, 0, time.UTC)}, db.Text{Lang: db.BG, Title: "Събитие"})
		draft := addItem(t, s, &db.Item{Kind: db.News, Status: db.Draft}, db.Text{Lang: db.BG, Title: "Чернова"})
		for _, tt := range []struct {
			path     string
			headers  []string
			status   int
			location string
		}{
			{"/items/" + id(ev), nil, 303, "/bg/events/" + id(ev)},
			{"/items/" + id(ev), []string{"Accept-Language", "en-GB,en;q=0.8"}, 303, "/en/events/" + id(ev)},
			{"/items/" + id(ev), []string{"Cookie", "lang=en", "Accept-Language", "bg"}, 303, "/en/events/" + id(ev)},
			{"/items/" + id(draft), nil, 404, ""},
			{"/items/123456", nil, 404, ""},
			{"/items/x", nil, 404, ""},
			{"/actors/ic-haskovo", []string{"Accept-Language", "en"}, 303, "/en/organisations/ic-haskovo"},
			{"/actors/ic-haskovo", nil, 303, "/bg/organisations/ic-haskovo"},
			{"/actors/" + fx.partner.Handle, nil, 404, ""},
			{"/actors/nobody", nil, 404, ""},
			{"/actors/NO%20BODY", nil, 404, ""},
		} {
			resp, body := get(t, srv, tt.path, tt.headers...)
			if resp.StatusCode != tt.status || resp.Header.Get("Location") != tt.location {
				t.Errorf("GET %s %v = %d → %q, want %d → %q", tt.path, tt.headers, resp.StatusCode, resp.Header.Get("Location"), tt.status, tt.location)
			}
			if tt.status == 404 && !strings.Contains(body, "Page not found") && !strings.Contains(body, "Страницата не е намерена") {
				t.Errorf("GET %s: the 404 is not a page", tt.path)
			}
		}
	})
}
