package db_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

func TestOrganisationCountries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		for i, c := range []string{"bg", "DE", "BG", ""} {
			o := &db.Organisation{Handle: "org-" + string(rune('a'+i)), Kind: db.OrgNGO, Country: c}
			if i == 0 {
				o.Kind = db.OrgInfoCentre
			}
			o.SetTexts(db.Text{Lang: db.EN, Title: "Org"})
			if err := s.CreateOrganisation(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.OrganisationCountries(ctx)
		if err != nil || !slices.Equal(got, []string{"BG", "DE"}) {
			t.Errorf("OrganisationCountries = %v, %v", got, err)
		}
		for _, tt := range []struct {
			q    db.OrgQuery
			want int
		}{
			{db.OrgQuery{}, 4}, {db.OrgQuery{Country: "bg"}, 2}, {db.OrgQuery{Kind: db.OrgNGO}, 3},
			{db.OrgQuery{Kind: db.OrgNGO, Country: "BG"}, 1}, {db.OrgQuery{Country: "FR"}, 0},
		} {
			if n, err := s.CountOrganisations(ctx, tt.q); err != nil || n != tt.want {
				t.Errorf("CountOrganisations(%+v) = %d, %v; want %d", tt.q, n, err, tt.want)
			}
		}
	})
}

func TestItemsStartingInAMonth(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		sofia, _ := time.LoadLocation("Europe/Sofia")
		var ids []int64
		// 22:30 UTC on 30 November is already December in Sofia.
		for _, at := range []time.Time{
			time.Date(2026, 12, 20, 10, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 22, 30, 0, 0, time.UTC),
			time.Date(2026, 11, 30, 21, 30, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, sofia),
		} {
			ids = append(ids, searchItem(t, s, db.Event, db.Published, db.Text{Lang: db.BG, Title: "Събитие"}).ID)
			it, err := s.Item(ctx, ids[len(ids)-1])
			if err != nil {
				t.Fatal(err)
			}
			it.StartsAt = at
			if err := s.UpdateItem(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		q := db.ItemQuery{Kinds: []db.Kind{db.Event}, StartsFrom: time.Date(2026, 12, 1, 0, 0, 0, 0, sofia), StartsBefore: time.Date(2027, 1, 1, 0, 0, 0, 0, sofia)}
		items, err := s.Items(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, it := range items {
			got = append(got, it.ID)
		}
		if want := []int64{ids[1], ids[0]}; !slices.Equal(got, want) {
			t.Errorf("events starting in December in Sofia = %v, want %v (soonest first)", got, want)
		}
		if n, err := s.CountItems(ctx, q); err != nil || n != 2 {
			t.Errorf("CountItems = %d, %v", n, err)
		}
	})
}
