package db_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

func TestOrganisationAndHubImages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		var ids []int64
		for _, c := range "ab" {
			m := &db.Media{SHA256: strings.Repeat(string(c), 64), ContentType: "image/png", Size: 10}
			if err := s.SaveMedia(ctx, m); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		o := &db.Organisation{Handle: "org", Kind: db.OrgNGO, City: "Sofia"}
		o.SetTexts(db.Text{Lang: db.EN, Title: "Org"})
		if err := s.CreateOrganisation(ctx, o); err != nil {
			t.Fatal(err)
		}
		if err := s.SetOrganisationImages(ctx, o.ID, ids[0], ids[1]); err != nil {
			t.Fatal(err)
		}
		got, err := s.Organisation(ctx, o.ID)
		if err != nil || got.LogoMediaID != ids[0] || got.BannerMediaID != ids[1] || got.City != "Sofia" {
			t.Fatalf("Organisation = %+v, %v; want logo %d, banner %d", got, err, ids[0], ids[1])
		}
		if p := got.LogoPath(); p != db.MediaPath(ids[0], "thumb") {
			t.Errorf("LogoPath = %q", p)
		}
		if err := s.SetOrganisationImages(ctx, o.ID, 0, ids[1]); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Organisation(ctx, o.ID); got.LogoMediaID != 0 || got.LogoPath() != "" {
			t.Errorf("after removing the logo: %d %q", got.LogoMediaID, got.LogoPath())
		}
		if err := s.SetOrganisationImages(ctx, 9999, 0, 0); err == nil {
			t.Error("SetOrganisationImages on a missing organisation succeeded")
		}

		if hi, err := s.HubImages(ctx); err != nil || hi != (db.HubImages{}) {
			t.Errorf("HubImages before = %+v, %v", hi, err)
		}
		want := db.HubImages{LogoMediaID: ids[1], BannerMediaID: ids[0]}
		for range 2 { // twice: the second is an update
			if err := s.SetHubImages(ctx, want); err != nil {
				t.Fatal(err)
			}
		}
		if hi, err := s.HubImages(ctx); err != nil || hi != want {
			t.Errorf("HubImages = %+v, %v; want %+v", hi, err, want)
		}
	})
}
