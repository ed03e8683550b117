package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

func TestManagedItems(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		o := newOrg("ic-haskovo")
		if err := s.CreateOrganisation(ctx, o); err != nil {
			t.Fatal(err)
		}
		mk := func(org int64, st db.Status, remote bool, title string) *db.Item {
			it := &db.Item{Kind: db.News, OrganisationID: org, Status: st, Remote: remote}
			if remote {
				it.APID = "https://partner.example/items/" + title
			}
			it.SetTexts(db.Text{Lang: db.EN, Title: title})
			if err := s.CreateItem(ctx, it); err != nil {
				t.Fatal(err)
			}
			return it
		}
		mk(o.ID, db.Draft, false, "org draft")
		mk(o.ID, db.Hidden, false, "org hidden")
		mk(0, db.Published, false, "hub update")
		mk(0, db.Published, true, "remote")
		for _, tt := range []struct {
			name string
			q    db.ManagedItemQuery
			want int
		}{
			{"all local", db.ManagedItemQuery{}, 3},
			{"organisation", db.ManagedItemQuery{OrganisationID: o.ID}, 2},
			{"hub", db.ManagedItemQuery{HubOnly: true}, 1},
			{"remote", db.ManagedItemQuery{Remote: true}, 1},
		} {
			items, err := s.ManagedItems(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			n, err := s.CountManagedItems(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != tt.want || n != tt.want {
				t.Errorf("%s: %d items, count %d; want %d", tt.name, len(items), n, tt.want)
			}
		}
		items, _ := s.ManagedItems(ctx, db.ManagedItemQuery{OrganisationID: o.ID})
		if len(items) == 2 && (items[0].Texts()[0].Title != "org hidden" || items[0].Organisation == nil) {
			t.Errorf("managed items are not newest first with their organisation: %q", items[0].Texts()[0].Title)
		}
	})
}

func TestMoveChapterAndUpdateHandbook(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		hb := &db.Handbook{Slug: "guide", Position: 1}
		hb.SetTexts(db.Text{Lang: db.BG, Title: "Наръчник"})
		if err := s.CreateHandbook(ctx, hb); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, slug := range []string{"a", "b", "c"} {
			c := &db.Chapter{HandbookID: hb.ID, Slug: slug}
			c.SetTexts(db.Text{Lang: db.EN, Title: slug})
			if err := s.CreateChapter(ctx, c); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		order := func() string {
			h, err := s.HandbookByID(ctx, hb.ID)
			if err != nil {
				t.Fatal(err)
			}
			out := ""
			for _, c := range h.Chapters {
				out += c.Slug
			}
			return out
		}
		v := s.ContentVersion()
		steps := []struct {
			id   int64
			by   int
			want string
		}{
			{ids[2], -1, "acb"},
			{ids[2], -1, "cab"},
			{ids[2], -1, "cab"}, // already first
			{ids[0], +1, "cba"},
			{ids[0], +1, "cba"}, // already last
		}
		for _, st := range steps {
			if err := s.MoveChapter(ctx, st.id, st.by); err != nil {
				t.Fatal(err)
			}
			if got := order(); got != st.want {
				t.Errorf("after moving %d by %d: %q, want %q", st.id, st.by, got, st.want)
			}
		}
		if s.ContentVersion() == v {
			t.Error("moving chapters did not bump the content version")
		}
		if err := s.MoveChapter(ctx, 99999, 1); err == nil {
			t.Error("moving an unknown chapter succeeded")
		}
		c, err := s.Chapter(ctx, ids[1])
		if err != nil || c.Slug != "b" || len(c.Translations) != 1 {
			t.Errorf("Chapter = %+v, %v", c, err)
		}
		hb.SetTexts(db.Text{Lang: db.BG, Title: "Нов наръчник"}, db.Text{Lang: db.EN, Title: "New guide", BodyHTML: "<p>x</p>"})
		if err := s.UpdateHandbook(ctx, hb); err != nil {
			t.Fatal(err)
		}
		got, _ := s.HandbookByID(ctx, hb.ID)
		if en, exact, _ := got.Texts().In(db.EN); !exact || en.Title != "New guide" || got.Slug != "guide" {
			t.Errorf("after UpdateHandbook: %+v", got)
		}
		if _, err := s.HandbookByID(ctx, 4242); err == nil {
			t.Error("an unknown handbook was found")
		}
	})
}

func TestSetMediaTexts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		m := &db.Media{SHA256: strings.Repeat("ab", 32), ContentType: "image/png", Size: 10,
			Translations: []db.MediaTranslation{{Lang: db.BG, Alt: "стар"}, {Lang: db.EN, Alt: "old"}}}
		if err := s.SaveMedia(ctx, m); err != nil {
			t.Fatal(err)
		}
		if err := s.SetMediaTexts(ctx, m.ID, []db.MediaTranslation{{Lang: db.EN, Alt: "new", Caption: "c"}}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Media(ctx, m.ID)
		if len(got.Translations) != 1 || got.Translations[0].Alt != "new" || got.Translations[0].Caption != "c" {
			t.Errorf("after SetMediaTexts: %+v", got.Translations)
		}
		if err := s.SetMediaTexts(ctx, m.ID, nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Media(ctx, m.ID); len(got.Translations) != 0 {
			t.Errorf("texts not cleared: %+v", got.Translations)
		}
		if err := s.SetMediaTexts(ctx, 9999, nil); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("unknown media: %v, want ErrNotFound", err)
		}
	})
}
