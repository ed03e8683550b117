package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// TestOrganisationHandleClashes checks that a local organisation cannot
// take a handle that a forum category or a member's forum profile holds,
// while a partner's organisation, whose handle is only a directory key,
// can.
func TestOrganisationHandleClashes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		c := &db.ForumCategory{Handle: "events"}
		c.SetTexts(db.Text{Lang: db.BG, Title: "Събития"})
		if err := s.CreateForumCategory(ctx, c); err != nil {
			t.Fatal(err)
		}
		ana := mkMember(t, s, "ana@example.org", "Ana Petrova")
		mkThread(t, s, c.ID, ana.ID, "Здравейте")
		p, err := s.ForumProfile(ctx, ana.ID)
		if err != nil {
			t.Fatal(err)
		}

		for _, tt := range []struct {
			name, handle string
		}{
			{"a category's handle", "events"},
			{"a category's handle in capitals", "EVENTS"},
			{"a member's forum handle", p.Handle},
		} {
			err := s.CreateOrganisation(ctx, newOrg(tt.handle))
			if !errors.Is(err, db.ErrConflict) {
				t.Errorf("%s: err = %v, want ErrConflict", tt.name, err)
				continue
			}
			if !strings.Contains(err.Error(), "taken") {
				t.Errorf("%s: err = %q, want it to say the handle is taken", tt.name, err)
			}
		}
		if orgs, err := s.Organisations(ctx, db.OrgQuery{}); err != nil || len(orgs) != 0 {
			t.Errorf("after the clashes: %d organisations, %v; want none stored", len(orgs), err)
		}

		remote := newOrg("events")
		remote.Remote, remote.ActorID = true, "https://partner.example/actors/events"
		if err := s.CreateOrganisation(ctx, remote); err != nil {
			t.Errorf("a partner's organisation named like a local category: %v", err)
		}
		if err := s.CreateOrganisation(ctx, newOrg("ic-haskovo")); err != nil {
			t.Errorf("a free handle: %v", err)
		}
	})
}

func TestDeleteForumCategory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		mk := func(handle string, remote bool) *db.ForumCategory {
			t.Helper()
			c := &db.ForumCategory{Handle: handle, Remote: remote}
			if remote {
				c.APID = "https://partner.example/c/" + handle
			}
			c.SetTexts(db.Text{Lang: db.EN, Title: "Category " + handle})
			if err := s.CreateForumCategory(ctx, c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		empty, busy := mk("empty", false), mk("busy", false)
		remote := mk("news@partner.example", true)
		ana := mkMember(t, s, "ana@example.org", "Ana Petrova")
		th, _ := mkThread(t, s, busy.ID, ana.ID, "Hidden one")
		if err := s.SetThreadHidden(ctx, th.ID, true); err != nil {
			t.Fatal(err)
		}

		if err := s.DeleteForumCategory(ctx, busy.ID); !errors.Is(err, db.ErrConflict) {
			t.Errorf("a category with a (hidden) thread: err = %v, want ErrConflict", err)
		}
		if err := s.DeleteForumCategory(ctx, remote.ID); !errors.Is(err, db.ErrConflict) {
			t.Errorf("a partner's category: err = %v, want ErrConflict", err)
		}
		if err := s.DeleteForumCategory(ctx, empty.ID); err != nil {
			t.Fatalf("an empty category: %v", err)
		}
		if _, err := s.ForumCategory(ctx, empty.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("after delete: err = %v, want ErrNotFound", err)
		}
		if err := s.DeleteForumCategory(ctx, empty.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("deleting again: err = %v, want ErrNotFound", err)
		}
		// The handle is free again.
		mk("empty", false)
		if _, err := s.ForumCategory(ctx, busy.ID); err != nil {
			t.Errorf("the busy category: %v", err)
		}
	})
}
