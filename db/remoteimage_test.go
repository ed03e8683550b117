package db_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// TestRemoteImages: a partner's item names two images; each is fetched
// once and attached with its alt text; an edit that drops one keeps the
// other's copy; deleting the item leaves the copies unused, and they can
// be deleted then, not before.
func TestRemoteImages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		org := &db.Organisation{Handle: "p", Kind: db.OrgNGO, Remote: true, ActorID: "https://p.example/actors/p"}
		org.SetTexts(db.Text{Lang: db.EN, Title: "Partner"})
		if err := s.CreateOrganisation(ctx, org); err != nil {
			t.Fatal(err)
		}
		it := &db.Item{Kind: db.News, APID: "https://p.example/items/1", OrganisationID: org.ID}
		it.SetTexts(db.Text{Lang: db.EN, Title: "News"})
		if _, err := s.SaveRemoteItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		a, b := "https://p.example/a.png", "https://p.example/b.png"
		if err := s.SetRemoteImages(ctx, it.ID, []db.RemoteImage{{URL: a, Alts: map[db.Lang]string{db.EN: "A photo"}}, {URL: b}}); err != nil {
			t.Fatal(err)
		}
		pending, err := s.PendingRemoteImages(ctx, 10, []string{b})
		if err != nil || len(pending) != 1 || pending[0].URL != a {
			t.Fatalf("pending (skipping b) = %+v, %v", pending, err)
		}
		var ids []int64
		for i, u := range []string{a, b} {
			m := &db.Media{SHA256: strings.Repeat(string(rune('a'+i)), 64), ContentType: "image/png", Size: 1, RemoteURL: u}
			if err := s.SaveMedia(ctx, m); err != nil {
				t.Fatal(err)
			}
			if err := s.SetRemoteImageMedia(ctx, u, m.ID); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		list, err := s.ItemMediaList(ctx, it.ID)
		if err != nil || len(list) != 2 || list[0].ID != ids[0] || len(list[0].Translations) != 1 || list[0].Translations[0].Alt != "A photo" {
			t.Fatalf("item media = %+v, %v", list, err)
		}
		if unused, _ := s.UnusedRemoteMedia(ctx, 10); len(unused) != 0 {
			t.Errorf("unused while attached: %+v", unused)
		}
		// The partner edits the item: only b remains, with its copy.
		if err := s.SetRemoteImages(ctx, it.ID, []db.RemoteImage{{URL: b}}); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.PendingRemoteImages(ctx, 10, nil); len(p) != 0 {
			t.Errorf("pending after the edit: %+v", p)
		}
		unused, err := s.UnusedRemoteMedia(ctx, 10)
		if err != nil || len(unused) != 1 || unused[0].ID != ids[0] {
			t.Fatalf("unused after the edit = %+v, %v", unused, err)
		}
		if ok, err := s.DeleteUnusedMedia(ctx, ids[1]); ok || err != nil {
			t.Errorf("deleted b while used: %v, %v", ok, err)
		}
		if err := s.DeleteItem(ctx, it.ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if ok, err := s.DeleteUnusedMedia(ctx, id); !ok || err != nil {
				t.Errorf("delete unused %d = %v, %v", id, ok, err)
			}
		}
		if _, err := s.Media(ctx, ids[1]); err == nil {
			t.Error("the copy outlived the item")
		}
	})
}
