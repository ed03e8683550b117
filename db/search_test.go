package db_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

func TestSearchTerms(t *testing.T) {
	for _, tt := range []struct {
		q    string
		want []string
	}{
		{"София", []string{"софия"}},
		{`c++ "AND" #софия`, []string{"c", "and", "софия"}},
		{`"' * : & | ! ( ) - \`, nil},
		{"Covid-19 covid", []string{"covid", "19"}},
		{"  ", nil},
	} {
		if got := db.SearchTerms(tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("SearchTerms(%q) = %q, want %q", tt.q, got, tt.want)
		}
	}
	if n := len(db.SearchTerms(strings.Repeat("дума ", 30) + strings.Repeat("a b c d e f g h i j k l m n o ", 2))); n > 12 {
		t.Errorf("SearchTerms kept %d terms, want at most 12", n)
	}
}

func searchItem(t *testing.T, s *db.Store, kind db.Kind, st db.Status, ts ...db.Text) *db.Item {
	t.Helper()
	it := &db.Item{Kind: kind, Status: st}
	if kind == db.Event {
		it.StartsAt = time.Date(2026, 12, 5, 16, 0, 0, 0, time.UTC)
	}
	it.SetTexts(ts...)
	if err := s.CreateItem(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	return it
}

func hitIDs(hits []db.SearchHit) []int64 {
	var out []int64
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

func TestSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		sofia := searchItem(t, s, db.News, db.Published,
			db.Text{Lang: db.BG, Title: "Нов център в СОФИЯ", Summary: "Консултации за граждани на трети страни", BodyMD: "Центърът помага с **документи**."},
			db.Text{Lang: db.EN, Title: "New centre in Sofia", BodyMD: "The centre helps with documents."})
		body := searchItem(t, s, db.Event, db.Published,
			db.Text{Lang: db.EN, Title: "Open day", BodyHTML: "<p>Talks on <strong>integration</strong> and work.</p>"})
		title := searchItem(t, s, db.Service, db.Published,
			db.Text{Lang: db.EN, Title: "Integration courses", Summary: "Language and orientation."})
		draft := searchItem(t, s, db.News, db.Draft, db.Text{Lang: db.BG, Title: "Чернова за София и integration"})
		hidden := searchItem(t, s, db.News, db.Published, db.Text{Lang: db.BG, Title: "Скрита новина за София и integration"})
		if err := s.SetItemStatus(ctx, hidden.ID, db.Hidden); err != nil {
			t.Fatal(err)
		}
		hb := &db.Handbook{Slug: "guide", Position: 1}
		hb.SetTexts(db.Text{Lang: db.EN, Title: "Guide", Summary: "A guide."})
		if err := s.CreateHandbook(ctx, hb); err != nil {
			t.Fatal(err)
		}
		ch := &db.Chapter{HandbookID: hb.ID, Slug: "residence"}
		ch.SetTexts(db.Text{Lang: db.BG, Title: "Разрешение за пребиваване", BodyMD: "Дирекция „Миграция“ в София издава разрешения."})
		if err := s.CreateChapter(ctx, ch); err != nil {
			t.Fatal(err)
		}

		search := func(q string, lang db.Lang) ([]db.SearchHit, int) {
			t.Helper()
			hits, total, err := s.Search(ctx, db.SearchQuery{Q: q, Lang: lang, Limit: 20})
			if err != nil {
				t.Fatalf("Search(%q): %v", q, err)
			}
			return hits, total
		}
		for _, tt := range []struct {
			q    string
			want []int64 // in order when ordered is set
		}{
			{"софия", []int64{sofia.ID, ch.ID}},
			{"СОФИЯ", []int64{sofia.ID, ch.ID}},
			{"Соф", []int64{sofia.ID, ch.ID}},
			{"sofia", []int64{sofia.ID}},
			{"SOFI", []int64{sofia.ID}},
			{"документи център", []int64{sofia.ID}},
			{"разрешен миграц", []int64{ch.ID}},
			{"nothing-like-this", nil},
		} {
			hits, total := search(tt.q, db.BG)
			got := hitIDs(hits)
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) || total != len(want) {
				t.Errorf("Search(%q) = %v (total %d), want %v", tt.q, hitIDs(hits), total, tt.want)
			}
			for _, h := range hits {
				if h.ID == draft.ID && h.Source == db.SearchItem || h.ID == hidden.ID && h.Source == db.SearchItem {
					t.Errorf("Search(%q) found a draft or hidden item", tt.q)
				}
			}
		}

		// Ranking: a title match before a body match.
		hits, _ := search("integration", db.EN)
		if got := hitIDs(hits); !slices.Equal(got, []int64{title.ID, body.ID}) {
			t.Errorf("Search(integration) = %v, want the title match %d before the body match %d", got, title.ID, body.ID)
		}
		if hits[0].Kind != db.Service || hits[0].PagePath(db.BG) != "/bg/services/"+strconv.FormatInt(title.ID, 10) {
			t.Errorf("hit kind %q path %q", hits[0].Kind, hits[0].PagePath(db.BG))
		}

		// One hit per thing, in the page's language when that matches.
		for _, lang := range []db.Lang{db.BG, db.EN} {
			hits, _ := search("centre център", lang) // no text has both words: nothing
			if len(hits) != 0 {
				t.Errorf("Search(centre център) = %v, want nothing", hitIDs(hits))
			}
			hits, _ = search("докум", lang)
			if len(hits) != 1 || hits[0].Text.Lang != db.BG {
				t.Errorf("Search(докум) in %s = %+v, want the Bulgarian text", lang, hits)
			}
			hits, _ = search("centr", lang)
			if len(hits) != 1 || hits[0].Text.Lang != db.EN {
				t.Errorf("Search(centr) in %s = %+v, want the English text", lang, hits)
			}
		}
		hits, _ = search("sofia софия", db.BG)
		if len(hits) != 0 {
			t.Errorf("a query whose words are in two languages of one item matched: %v", hitIDs(hits))
		}
		hits, _ = search("ново", db.EN) // longer than the word "Нов": no match
		if len(hits) != 0 {
			t.Errorf("Search(ново) = %v, want nothing", hitIDs(hits))
		}

		// A chapter links into its handbook.
		hits, _ = search("пребиваване", db.BG)
		if len(hits) != 1 || hits[0].Source != db.SearchChapter || hits[0].PagePath(db.EN) != "/en/handbooks/guide/residence" {
			t.Errorf("chapter hit = %+v", hits)
		}

		// Raw input that would be syntax in FTS5 or tsquery is only text.
		for _, q := range []string{`c++`, `"`, `софия"`, `AND`, `OR NOT`, `#софия`, `*`, `(`, `:*`, `'`, `\`, `a & b | !c`, `NEAR(a b)`, `title:x`, `^a`, "\u0301", "-"} {
			if _, _, err := s.Search(ctx, db.SearchQuery{Q: q, Lang: db.BG}); err != nil {
				t.Errorf("Search(%q): %v", q, err)
			}
		}
		if hits, _ := search("#софия", db.BG); len(hits) != 2 {
			t.Errorf("Search(#софия) found %d, want 2", len(hits))
		}
		if _, _, err := s.Search(ctx, db.SearchQuery{Q: strings.Repeat("я", db.MaxSearchLen+1)}); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("an over-long query: %v, want ErrInvalid", err)
		}
		if hits, total, err := s.Search(ctx, db.SearchQuery{Q: "  "}); err != nil || len(hits) != 0 || total != 0 {
			t.Errorf("an empty query: %v %d %v", hits, total, err)
		}

		// Pages: limit and offset, total across pages.
		hits, total, err := s.Search(ctx, db.SearchQuery{Q: "софия", Lang: db.BG, Limit: 1, Offset: 1})
		if err != nil || len(hits) != 1 || total != 2 {
			t.Errorf("second page: %d hits, total %d, %v", len(hits), total, err)
		}
	})
}

func TestSearchFollowsWrites(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		before, err := db.SearchDocCount(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		it := searchItem(t, s, db.News, db.Published, db.Text{Lang: db.BG, Title: "Пловдив приема"})
		found := func(q string) bool {
			t.Helper()
			hits, _, err := s.Search(ctx, db.SearchQuery{Q: q, Lang: db.BG})
			if err != nil {
				t.Fatal(err)
			}
			return slices.Contains(hitIDs(hits), it.ID)
		}
		if !found("пловдив") {
			t.Fatal("a new item is not found")
		}
		it.SetTexts(db.Text{Lang: db.BG, Title: "Варна приема"}, db.Text{Lang: db.EN, Title: "Varna welcomes"})
		if err := s.UpdateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		if found("пловдив") || !found("варна") || !found("welcom") {
			t.Error("the index did not follow an edit")
		}
		if err := s.SetItemStatus(ctx, it.ID, db.Draft); err != nil {
			t.Fatal(err)
		}
		if found("варна") {
			t.Error("an unpublished item is still found")
		}
		if err := s.SetItemStatus(ctx, it.ID, db.Published); err != nil {
			t.Fatal(err)
		}
		if !found("варна") {
			t.Error("a republished item is not found")
		}
		if err := s.DeleteItem(ctx, it.ID); err != nil {
			t.Fatal(err)
		}
		if after, _ := db.SearchDocCount(ctx, s); after != before {
			t.Errorf("the search index holds %d texts after the item was deleted, want %d", after, before)
		}
		p := &db.Page{Slug: "contacts"}
		p.SetTexts(db.Text{Lang: db.EN, Title: "Contacts", BodyMD: "Write to the helpdesk."})
		if err := s.SavePage(ctx, p); err != nil {
			t.Fatal(err)
		}
		hits, _, err := s.Search(ctx, db.SearchQuery{Q: "helpdesk", Lang: db.BG})
		if err != nil || len(hits) != 1 || hits[0].PagePath(db.BG) != "/bg/pages/contacts" || hits[0].Text.Lang != db.EN {
			t.Errorf("page hit = %+v, %v", hits, err)
		}
	})
}
