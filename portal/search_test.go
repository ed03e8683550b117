package portal

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

func TestHighlight(t *testing.T) {
	segs, ok := highlight("Център в СОФИЯ, <b>софийски</b> & Sofia", []string{"соф"})
	want := []segment{{"Център в ", false}, {"СОФИЯ", true}, {", <b>", false}, {"софийски", true}, {"</b> & Sofia", false}}
	if !ok || !reflect.DeepEqual(segs, want) {
		t.Errorf("highlight = %+v, %v", segs, ok)
	}
	if _, ok := highlight("nothing here", []string{"соф"}); ok {
		t.Error("highlight matched nothing as something")
	}
	long := strings.Repeat("начало ", 60) + "Разрешение за пребиваване " + strings.Repeat("край ", 60)
	w := window(long, strings.Index(long, "Разрешение"))
	if !strings.HasPrefix(w, "…") || !strings.HasSuffix(w, "…") || !strings.Contains(w, "Разрешение за пребиваване") || len([]rune(w)) > snippetLen+2 {
		t.Errorf("window = %q", w)
	}
	sn := snippet(db.Text{BodyHTML: "<p>" + strings.Repeat("Увод. ", 80) + "Курс по <strong>български</strong> език.</p><script>alert(1)</script>"}, []string{"бълг"})
	if got := fmt.Sprint(sn); !strings.Contains(got, "Курс по  false} {български true} { език. false}") || strings.Contains(got, "alert") || strings.Contains(got, "<") {
		t.Errorf("snippet = %v", got)
	}
}

func TestSearchPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		srv := newServer(t, s)
		ctx := context.Background()
		news := addItem(t, s, &db.Item{Kind: db.News},
			db.Text{Lang: db.BG, Title: "Нов център в София", Summary: "Консултации всеки ден.", BodyHTML: "<p>Центърът в <em>София</em> работи с граждани на трети страни.</p>"},
			db.Text{Lang: db.EN, Title: "A new centre in Sofia", BodyHTML: "<p>The centre works with third-country nationals.</p>"})
		body := addItem(t, s, &db.Item{Kind: db.Service},
			db.Text{Lang: db.EN, Title: "Legal help", BodyHTML: "<p>" + strings.Repeat("Advice on many things. ", 30) + "Appointments in Sofia too. " + strings.Repeat("More text. ", 30) + "</p>"})
		addItem(t, s, &db.Item{Kind: db.Announcement},
			db.Text{Lang: db.BG, Title: `<script>alert("x")</script> Пловдив`, Summary: `<img src=x onerror=alert(1)> пловдивски`})
		addItem(t, s, &db.Item{Kind: db.News, Status: db.Draft}, db.Text{Lang: db.BG, Title: "Чернова за София"})
		hb, err := s.HandbookBySlug(ctx, "common-cases")
		if err != nil {
			t.Fatal(err)
		}
		ch := &db.Chapter{HandbookID: hb.ID, Slug: "residence"}
		ch.SetTexts(db.Text{Lang: db.BG, Title: "Разрешение за пребиваване", BodyHTML: "<p>Дирекция „Миграция“ издава разрешения.</p>"})
		if err := s.CreateChapter(ctx, ch); err != nil {
			t.Fatal(err)
		}

		q := func(s string) string { return url.QueryEscape(s) }
		resp, out := get(t, srv, "/bg/search?q="+q("sofia"))
		if resp.StatusCode != 200 {
			t.Fatalf("search = %d", resp.StatusCode)
		}
		// The title match ranks above the body match; each shows what matched.
		iNews, iBody := strings.Index(out, "/bg/news/"+id(news)), strings.Index(out, "/bg/services/"+id(body))
		if iNews < 0 || iBody < iNews {
			t.Errorf("ranking: news at %d, body match at %d", iNews, iBody)
		}
		checkPages(t, srv, []page{
			{"/bg/search?q=" + q("СОФИЯ"), 200, []string{
				`value="СОФИЯ"`, "Резултати за „СОФИЯ“: 1",
				`<a href="/bg/news/` + id(news) + `">Нов център в <mark>София</mark></a>`, "Новина · На български</p>",
				`Центърът в <mark>София</mark> работи`,
			}, []string{"Чернова", "Legal help"}},
			{"/bg/search?q=" + q("Sofia"), 200, []string{
				"Резултати за „Sofia“: 2",
				`<a href="/bg/news/` + id(news) + `" lang="en">A new centre in <mark>Sofia</mark></a>`,
				`<a href="/bg/services/` + id(body) + `" lang="en">Legal help</a>`, "Услуга · На английски <span class=\"langbadge\"",
				"…", "Appointments in <mark>Sofia</mark> too.",
			}, nil},
			{"/en/search?q=" + q("sof"), 200, []string{`<a href="/en/news/` + id(news) + `">A new centre in <mark>Sofia</mark></a>`, "News · In English</p>"}, nil},
			{"/en/search?q=" + q("пребив"), 200, []string{
				`<a href="/en/handbooks/common-cases/residence" lang="bg">Разрешение за <mark>пребиваване</mark></a>`, "Handbook chapter · In Bulgarian <span class=\"langbadge\"",
			}, nil},
			{"/bg/search?q=" + q("пловдив"), 200, []string{
				`&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; <mark>Пловдив</mark>`, `&lt;img src=x onerror=alert(1)&gt; <mark>пловдивски</mark>`,
			}, []string{`<script>alert`, `<img src=x`}},
			{"/bg/search", 200, []string{"Напишете една или повече думи"}, []string{"Резултати за"}},
			{"/en/search?q=++", 200, []string{"Type one or more words above"}, nil},
			{"/en/search?q=" + q("zzzz"), 200, []string{"Nothing matches “zzzz”.", "Try fewer words"}, nil},
			{"/en/search?q=" + q("sofia") + "&page=2", 404, nil, nil},
			{"/en/search?q=" + q("sofia") + "&page=x", 400, []string{"The page number must be"}, nil},
			{"/en/search?q=" + strings.Repeat("a", 201), 400, []string{"The search is too long: use at most 200 characters."}, nil},
			{"/bg/search?q=" + strings.Repeat("я", 201), 400, []string{"Търсенето е твърде дълго: използвайте най-много 200 знака."}, nil},
			{"/bg/search?q=" + strings.Repeat("я", 200), 200, nil, nil},
		})
		for _, raw := range []string{`c++`, `"`, `AND`, `#софия`, `софия"`, `*`, `(`, `'`, `\`, `:*`, `!`, `a|b`, `<mark>`} {
			resp, out := get(t, srv, "/en/search?q="+q(raw))
			if resp.StatusCode != 200 {
				t.Errorf("search for %q = %d", raw, resp.StatusCode)
			}
			if strings.Contains(out, "<mark><mark>") || strings.Contains(out, `value="<`) {
				t.Errorf("search for %q echoes markup", raw)
			}
		}
		_, out = get(t, srv, "/bg/search?q="+q("#софия"))
		if !strings.Contains(out, "<mark>София</mark>") {
			t.Error("#софия did not find София")
		}
		// The language switch keeps the query.
		if !strings.Contains(out, `<a href="/en/search?q=%23%D1%81%D0%BE%D1%84%D0%B8%D1%8F" hreflang="en" lang="en">`) {
			t.Error("the other language's link drops the query")
		}
	})
}
