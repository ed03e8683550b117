package portal

import (
	"context"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

func TestHandbookPrint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := newServer(t, s)
		ctx := context.Background()
		hb, err := s.HandbookBySlug(ctx, "common-cases")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []*db.Chapter{
			{HandbookID: hb.ID, Slug: "residence", Translations: []db.ChapterTranslation{
				{Text: db.Text{Lang: db.BG, Title: "Пребиваване", BodyHTML: "<p>Текст за пребиваването.</p>"}},
				{Text: db.Text{Lang: db.EN, Title: "Residence", BodyHTML: "<p>Text on residence.</p>"}}}},
			{HandbookID: hb.ID, Slug: "work", Translations: []db.ChapterTranslation{
				{Text: db.Text{Lang: db.EN, Title: "Work", BodyHTML: "<p>Only in English.</p>"}}}},
		} {
			if err := s.CreateChapter(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		intro := pick(hb.Texts(), db.BG)
		resp, body := get(t, srv, "/bg/handbooks/common-cases/print")
		if resp.StatusCode != 200 {
			t.Fatalf("print view = %d", resp.StatusCode)
		}
		iIntro, i1, i2 := strings.Index(body, `<h2 id="intro-title">Въведение</h2>`), strings.Index(body, "<p>Текст за пребиваването.</p>"), strings.Index(body, `<div class="prose" lang="en"><p>Only in English.</p></div>`)
		if iIntro < 0 || i1 < iIntro || i2 < i1 {
			t.Errorf("print view order: intro %d, chapter 1 %d, chapter 2 %d", iIntro, i1, i2)
		}
		checkPages(t, srv, []page{
			{"/bg/handbooks/common-cases/print", 200, []string{
				"<h1>" + intro.Title + "</h1>", `<a href="#residence">Пребиваване</a>`, `<a href="#work" lang="en">Work</a>`,
				`<section class="chapter" id="work"`, "Глава 2 от 2", "на английски", `<h2 id="ch-work" lang="en">Work</h2>`,
				"командата за печат", `<a href="/bg/handbooks" aria-current="page">`,
			}, nil},
			{"/en/handbooks/common-cases/print", 200, []string{"<p>Text on residence.</p>", "Chapter 1 of 2", "Print command"}, []string{`class="notice"`}},
			{"/en/handbooks/common-cases", 200, []string{`<a href="/en/handbooks/common-cases/print">Print view of the whole handbook</a>`}, nil},
			{"/en/handbooks/nothing/print", 404, []string{"Page not found"}, nil},
		})
	})
}
