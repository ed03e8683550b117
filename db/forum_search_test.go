package db_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// forumHits returns the forum hits of q as "source:id→post", in order.
func forumHits(t *testing.T, s *db.Store, q string) []string {
	t.Helper()
	hits, _, err := s.Search(context.Background(), db.SearchQuery{Q: q, Lang: db.BG, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hits {
		if h.Source == db.SearchForumPost {
			out = append(out, fmt.Sprintf("%s:%d→%s", h.Source, h.ID, h.PagePath(db.EN)))
		}
	}
	return out
}

func TestSearchFindsForum(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		ana := mkMember(t, s, "ana@example.org", "Ана")
		c := &db.ForumCategory{Handle: "questions"}
		c.SetTexts(db.Text{Lang: db.BG, Title: "Въпроси"})
		if err := s.CreateForumCategory(ctx, c); err != nil {
			t.Fatal(err)
		}
		th, first := mkThread(t, s, c.ID, ana.ID, "Подновяване на виза")
		r1 := reply(t, s, th.ID, ana.ID, "The immigration office in Haskovo")
		r2 := reply(t, s, th.ID, ana.ID, "Secret haskovo spam")
		r3 := reply(t, s, th.ID, ana.ID, "Deleted haskovo note")
		post := func(id int64) string { return fmt.Sprintf("/en/forum/posts/%d", id) }
		want := func(q string, w ...string) {
			t.Helper()
			got := forumHits(t, s, q)
			if fmt.Sprint(got) != fmt.Sprint(w) {
				t.Errorf("search %q: forum hits = %v, want %v", q, got, w)
			}
		}
		// A thread's title finds its opening post, once even when the post
		// matches too.
		want("виза", fmt.Sprintf("forum_post:%d→%s", first.ID, post(first.ID)))
		want("immigration", fmt.Sprintf("forum_post:%d→%s", r1.ID, post(r1.ID)))

		// Hidden and deleted posts are never found; restored ones are.
		if err := s.SetForumPostHidden(ctx, r2.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteForumPost(ctx, r3.ID); err != nil {
			t.Fatal(err)
		}
		want("haskovo", fmt.Sprintf("forum_post:%d→%s", r1.ID, post(r1.ID)))
		want("spam")
		want("deleted")
		if err := s.SetForumPostHidden(ctx, r2.ID, false); err != nil {
			t.Fatal(err)
		}
		want("spam", fmt.Sprintf("forum_post:%d→%s", r2.ID, post(r2.ID)))

		// An edit is found by its new words only.
		if err := s.EditForumPost(ctx, db.ForumPostEdit{ID: r1.ID, Lang: db.EN, BodyMD: "The migration directorate", BodyHTML: "<p>The migration directorate</p>"}); err != nil {
			t.Fatal(err)
		}
		want("immigration")
		want("directorate", fmt.Sprintf("forum_post:%d→%s", r1.ID, post(r1.ID)))

		// A hidden thread hides its title and all its posts.
		if err := s.SetThreadHidden(ctx, th.ID, true); err != nil {
			t.Fatal(err)
		}
		want("виза")
		want("directorate")
		want("spam")
	})
}
