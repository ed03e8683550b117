package portal

import (
	"context"
	"html/template"
	"regexp"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

func TestHandbookPrint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := newServer(t, s)
		ctx := context.Background()
		hb := emptyHandbook(t, s, "casebook")
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
		resp, body := get(t, srv, "/bg/handbooks/casebook/print")
		if resp.StatusCode != 200 {
			t.Fatalf("print view = %d", resp.StatusCode)
		}
		iIntro, i1, i2 := strings.Index(body, `<h2 id="intro-title">Въведение</h2>`), strings.Index(body, "<p>Текст за пребиваването.</p>"), strings.Index(body, `<div class="prose" lang="en"><p>Only in English.</p></div>`)
		if iIntro < 0 || i1 < iIntro || i2 < i1 {
			t.Errorf("print view order: intro %d, chapter 1 %d, chapter 2 %d", iIntro, i1, i2)
		}
		checkPages(t, srv, []page{
			{"/bg/handbooks/casebook/print", 200, []string{
				"<h1>" + intro.Title + "</h1>", `<a href="#residence">Пребиваване</a>`, `<a href="#work" lang="en">Work</a>`,
				`<section class="chapter" id="work"`, "Глава 2 от 2", "на английски", `<h2 id="ch-work" lang="en">Work</h2>`,
				"командата за печат", `<a href="/bg/handbooks" aria-current="page">`,
			}, nil},
			{"/en/handbooks/casebook/print", 200, []string{"<p>Text on residence.</p>", "Chapter 1 of 2", "Print command"}, []string{`class="notice"`}},
			{"/en/handbooks/casebook", 200, []string{`<a href="/en/handbooks/casebook/print">Print view of the whole handbook</a>`}, nil},
			{"/en/handbooks/nothing/print", 404, []string{"Page not found"}, nil},
		})
	})
}

// emptyHandbook creates a handbook with an introduction in both languages
// and no chapters, beside the seeded ones.
func emptyHandbook(t *testing.T, s *db.Store, slug string) *db.Handbook {
	t.Helper()
	hb := &db.Handbook{Slug: slug, Position: 9}
	hb.SetTexts(db.Text{Lang: db.BG, Title: "Казуси", Summary: "Казуси от практиката.", BodyHTML: "<p>Въведение.</p>"},
		db.Text{Lang: db.EN, Title: "Cases", Summary: "Cases from practice.", BodyHTML: "<p>Introduction.</p>"})
	if err := s.CreateHandbook(context.Background(), hb); err != nil {
		t.Fatal(err)
	}
	return hb
}

// TestSeededHandbooksRead walks every seeded handbook as a reader would, in
// both languages: the table of contents links every chapter, each chapter has
// its page with the next and previous ones linked, and the print view holds
// them all with headings under each chapter's title and no id twice.
func TestSeededHandbooksRead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := newServer(t, s)
		hs, err := s.Handbooks(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		idAttr := regexp.MustCompile(` id="([^"]+)"`)
		for _, hb := range hs {
			for _, lang := range db.InterfaceLangs {
				base := "/" + string(lang) + "/handbooks/" + hb.Slug
				_, toc := get(t, srv, base)
				_, printed := get(t, srv, base+"/print")
				for i, c := range hb.Chapters {
					txt, exact, _ := c.Texts().In(lang)
					if !exact {
						t.Errorf("%s/%s has no %s text", hb.Slug, c.Slug, lang)
						continue
					}
					title := template.HTMLEscapeString(txt.Title)
					if link := `<a href="` + base + "/" + c.Slug + `">` + title + `</a>`; !strings.Contains(toc, link) {
						t.Errorf("%s lacks %s", base, link)
					}
					resp, body := get(t, srv, base+"/"+c.Slug)
					if resp.StatusCode != 200 || !strings.Contains(body, "<h1>"+title+"</h1>") || !strings.Contains(body, "<h2 id=") ||
						strings.Contains(body, `class="notice"`) {
						t.Errorf("%s/%s = %d, without its title, headings or with a notice", base, c.Slug, resp.StatusCode)
					}
					if i > 0 && !strings.Contains(body, `rel="prev" href="`+base+"/"+hb.Chapters[i-1].Slug+`"`) {
						t.Errorf("%s/%s does not link the previous chapter", base, c.Slug)
					}
					if i+1 < len(hb.Chapters) && !strings.Contains(body, `rel="next" href="`+base+"/"+hb.Chapters[i+1].Slug+`"`) {
						t.Errorf("%s/%s does not link the next chapter", base, c.Slug)
					}
					if !strings.Contains(printed, `<h2 id="ch-`+c.Slug+`">`+title+`</h2>`) {
						t.Errorf("%s/print lacks chapter %s", base, c.Slug)
					}
				}
				if strings.Count(printed, "<h2 id=") < len(hb.Chapters)+2 || !strings.Contains(printed, "<h3 id=") {
					t.Errorf("%s/print: chapter headings are not under the chapters' titles", base)
				}
				seen := map[string]bool{}
				for _, m := range idAttr.FindAllStringSubmatch(printed, -1) {
					if seen[m[1]] {
						t.Errorf("%s/print has id %q twice", base, m[1])
					}
					seen[m[1]] = true
				}
			}
		}
	})
}
