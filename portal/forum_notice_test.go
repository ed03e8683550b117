package portal

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// TestForumNotices: the page header tells a member what is new in the
// forum for them: a mention by another member, and a reply in a thread
// they follow. Opening their notices page marks the mentions seen;
// reading the thread marks it read; a hidden post stops counting.
func TestForumNotices(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		ctx := context.Background()
		ana := fh.user("ana@example.org", "Анна Петрова", db.RoleMember, 0)
		bob := fh.user("bob@example.org", "Bob", db.RoleMember, 0)
		th, _ := fh.thread("questions", ana, db.BG, "Въпрос", "Някой?") // gives Ana her handle
		if err := s.FollowThread(ctx, ana.ID, th.ID); err != nil {      // as opening it in the portal does
			t.Fatal(err)
		}
		anaC, bobC := fh.client(ana.Email), fh.client(bob.Email)
		header := func(lang string) string {
			t.Helper()
			_, body := fh.get(anaC, "/"+lang+"/")
			i := strings.Index(body, `class="notices`)
			if i < 0 {
				t.Fatalf("no notices link in the header")
			}
			end := strings.Index(body[i:], "</a>")
			return body[i : i+end]
		}
		if h := header("en"); strings.Contains(h, "has-new") || !strings.Contains(h, "Forum news") {
			t.Errorf("with nothing new the header reads %q", h)
		}

		// Bob replies in Ana's thread, mentioning her.
		resp, _ := fh.post(bobC, "/en/forum/threads/"+itoa(th.ID)+"/reply", url.Values{"body": {"@anna-petrova it takes a month"}, "lang": {"en"}})
		wantStatus(t, "Bob's reply", resp, 303)
		if h := header("en"); !strings.Contains(h, "has-new") || !strings.Contains(h, "Forum news: 2 new") {
			t.Errorf("after a mention in a followed thread the header reads %q, want 2 new", h)
		}
		if h := header("bg"); !strings.Contains(h, "Новини във форума: 2 нови") {
			t.Errorf("in Bulgarian the header reads %q", h)
		}

		// Her notices page shows the mention and marks it seen.
		_, body := fh.get(anaC, "/en/forum/mentions")
		mustContain(t, "Ana's notices", body, "it takes a month", "Forum news: 1 new")
		// Reading the thread marks it read.
		fh.get(anaC, "/en/forum/questions/"+itoa(th.ID))
		if h := header("en"); strings.Contains(h, "has-new") {
			t.Errorf("after reading everything the header reads %q", h)
		}

		// A new mention that a moderator hides does not count.
		p := fh.reply(th, bob, db.EN, "again", 0)
		if n, err := s.ForumNotices(ctx, ana.ID); err != nil || n.Threads != 1 {
			t.Errorf("notices after another reply: %+v, %v", n, err)
		}
		if err := s.SetForumPostHidden(ctx, p.ID, true); err != nil {
			t.Fatal(err)
		}
		if n, err := s.ForumNotices(ctx, ana.ID); err != nil || n.Total() != 0 {
			t.Errorf("notices after the reply was hidden: %+v, %v", n, err)
		}
	})
}
