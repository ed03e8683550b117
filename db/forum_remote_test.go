package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// TestForumRemote: a federated post is found by its ActivityPub id; a
// remote actor's posts are counted in a window by their date or by the
// arrival of their Create; a remote report is stored once per APID.
func TestForumRemote(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		if _, err := s.SeedForum(ctx); err != nil {
			t.Fatal(err)
		}
		q, _ := s.ForumCategoryByHandle(ctx, "questions")
		a := &db.Actor{URI: "https://mastodon.example/users/maria", Type: db.ActorPerson, Handle: "maria", Host: "mastodon.example"}
		if err := s.SaveRemoteActor(ctx, a); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		th := &db.ForumThread{CategoryID: q.ID, Title: "From Mastodon", APID: "https://mastodon.example/statuses/1"}
		first := &db.ForumPost{AuthorActorID: a.ID, Lang: db.EN, BodyHTML: "<p>Hello</p>", APID: th.APID, CreatedAt: now.Add(-time.Minute)}
		if err := s.CreateForumThread(ctx, th, first); err != nil {
			t.Fatal(err)
		}
		// Dated long ago, but its Create arrived just now.
		old := &db.ForumPost{ThreadID: th.ID, AuthorActorID: a.ID, Lang: db.EN, BodyHTML: "<p>old</p>",
			APID: "https://mastodon.example/statuses/2", CreatedAt: now.Add(-72 * time.Hour)}
		if err := s.CreateForumPost(ctx, old); err != nil {
			t.Fatal(err)
		}
		if _, err := s.InsertActivity(ctx, &db.Activity{URI: old.APID + "/activity", Type: "Create", ActorURI: a.URI,
			ObjectURI: old.APID, Raw: "{}", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		// Dated long ago and arrived long ago.
		older := &db.ForumPost{ThreadID: th.ID, AuthorActorID: a.ID, Lang: db.EN, BodyHTML: "<p>older</p>",
			APID: "https://mastodon.example/statuses/3", CreatedAt: now.Add(-72 * time.Hour)}
		if err := s.CreateForumPost(ctx, older); err != nil {
			t.Fatal(err)
		}
		if _, err := s.InsertActivity(ctx, &db.Activity{URI: older.APID + "/activity", Type: "Create", ActorURI: a.URI,
			ObjectURI: older.APID, Raw: "{}", CreatedAt: now.Add(-72 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.CountRemoteForumPostsSince(ctx, a.ID, now.Add(-10*time.Minute)); err != nil || n != 2 {
			t.Errorf("posts in the window: %d, %v; want 2", n, err)
		}
		if n, err := s.CountRemoteForumPostsSince(ctx, a.ID+1000, now.Add(-10*time.Minute)); err != nil || n != 0 {
			t.Errorf("another actor's posts: %d, %v; want 0", n, err)
		}

		for apID, want := range map[string]int64{th.APID: first.ID, old.APID: old.ID} {
			if id, err := s.ForumPostIDByAPID(ctx, apID); err != nil || id != want {
				t.Errorf("post by %s: %d, %v; want %d", apID, id, err, want)
			}
		}
		if _, err := s.ForumPostIDByAPID(ctx, "https://mastodon.example/nothing"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("post by an unknown id: %v, want ErrNotFound", err)
		}

		r := &db.ForumReport{PostID: first.ID, ReporterActorID: a.ID, Reason: "spam", APID: "https://mastodon.example/flags/1"}
		if ok, err := s.CreateRemoteForumReport(ctx, r); err != nil || !ok || r.ID == 0 {
			t.Fatalf("remote report: %v, %v", ok, err)
		}
		again := &db.ForumReport{PostID: first.ID, ReporterActorID: a.ID, Reason: "spam", APID: r.APID}
		if ok, err := s.CreateRemoteForumReport(ctx, again); err != nil || ok {
			t.Errorf("the same report again: %v, %v; want not stored", ok, err)
		}
		if n, _ := s.CountForumReports(ctx, false); n != 1 {
			t.Errorf("reports: %d, want 1", n)
		}
		bad := &db.ForumReport{PostID: first.ID, ReporterActorID: a.ID, APID: "https://mastodon.example/flags/2"}
		if _, err := s.CreateRemoteForumReport(ctx, bad); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("a report without a reason: %v, want ErrInvalid", err)
		}
	})
}
