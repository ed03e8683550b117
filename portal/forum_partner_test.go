package portal

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// TestForumThreadInPartnerCategory: a member opens a thread in a partner's
// category whose Group the hub follows (the form offers it, marked with its
// origin); a partner's category without a Group is not offered and is
// refused.
func TestForumThreadInPartnerCategory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		ctx := context.Background()
		group := &db.Actor{URI: "https://partner.example/actors/pomosht", Type: db.ActorGroup, Handle: "pomosht", Host: "partner.example",
			Inbox: "https://partner.example/actors/pomosht/inbox"}
		if err := s.SaveRemoteActor(ctx, group); err != nil {
			t.Fatal(err)
		}
		group, err := s.ActorByURI(ctx, group.URI)
		if err != nil {
			t.Fatal(err)
		}
		hub, err := s.CreateLocalActor(ctx, &db.Actor{URI: "https://hub.example.org/actors/hub", Handle: "hub", Type: db.ActorApplication,
			PublicKeyPEM: "test", PrivateKeyPEM: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveFollow(ctx, hub.ID, group.ID, "https://hub.example.org/follows/1", db.FollowAccepted); err != nil {
			t.Fatal(err)
		}
		followed := &db.ForumCategory{Handle: "pomosht@partner.example", APID: group.URI, ActorID: group.ID, URL: "https://partner.example/bg/forum/pomosht"}
		followed.SetTexts(db.Text{Lang: db.BG, Title: "Помощ при партньора"}, db.Text{Lang: db.EN, Title: "Partner's help"})
		if err := s.SaveRemoteForumCategory(ctx, followed); err != nil {
			t.Fatal(err)
		}
		orphan := &db.ForumCategory{Handle: "old@gone.example", APID: "https://gone.example/actors/old"}
		orphan.SetTexts(db.Text{Lang: db.EN, Title: "Gone"})
		if err := s.SaveRemoteForumCategory(ctx, orphan); err != nil {
			t.Fatal(err)
		}
		ana := fh.user("ana@example.org", "Ана", db.RoleMember, 0)
		c := fh.client(ana.Email)

		_, body := fh.get(c, "/en/forum/new")
		mustContain(t, "the new-thread form", body, `value="pomosht@partner.example"`, "Partner&#39;s help (pomosht@partner.example)")
		lacks(t, "the new-thread form", body, `value="old@gone.example"`)
		_, body = fh.get(c, "/en/forum/pomosht@partner.example")
		mustContain(t, "the partner's category", body, `/en/forum/new?category=pomosht%40partner.example`,
			"hosted by the partner hub partner.example", `<a href="https://partner.example/bg/forum/pomosht" rel="external nofollow">`)

		resp, _ := fh.post(c, "/en/forum/new", url.Values{"category": {"old@gone.example"}, "title": {"Hello"}, "body": {"Anyone?"}, "lang": {"en"}})
		wantStatus(t, "a thread in a partner's category the hub does not follow", resp, 422)
		resp, _ = fh.post(c, "/en/forum/new", url.Values{"category": {"pomosht@partner.example"}, "title": {"Курсове"}, "body": {"Къде има курсове?"}, "lang": {"bg"}})
		wantStatus(t, "a thread in a followed partner's category", resp, 303)
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/en/forum/pomosht@partner.example/") {
			t.Errorf("the new thread is at %q", loc)
		}
		ts, err := s.ForumThreads(ctx, db.ThreadQuery{CategoryID: followed.ID})
		if err != nil || len(ts) != 1 || ts[0].Title != "Курсове" || ts[0].APID != "" || ts[0].AuthorUserID != ana.ID {
			t.Fatalf("threads in the partner's category: %+v, %v", ts, err)
		}
		threadPath := "/bg/forum/pomosht@partner.example/" + itoa(ts[0].ID)
		_, body = fh.get(c, threadPath)
		mustContain(t, "the thread's reply form", body, "Отговорът ви се изпраща до partner.example")

		// The hub stops following the partner: its category stays to read,
		// but takes no new threads or replies.
		if _, err := s.DeleteFollow(ctx, hub.ID, group.ID); err != nil {
			t.Fatal(err)
		}
		_, body = fh.get(c, threadPath)
		mustContain(t, "the archived thread", body, "Този хъб вече не следва партньора")
		lacks(t, "the archived thread", body, `id="reply"`)
		_, body = fh.get(c, "/en/forum/new")
		lacks(t, "the new-thread form", body, `value="pomosht@partner.example"`)
		resp, _ = fh.post(c, "/en/forum/threads/"+itoa(ts[0].ID)+"/reply", url.Values{"body": {"Anyone?"}, "lang": {"en"}})
		wantStatus(t, "a reply to an archived partner thread", resp, 403)
		resp, body = fh.post(c, "/en/forum/posts/"+itoa(ts[0].FirstPostID)+"/edit", url.Values{"body": {"Edited"}, "lang": {"en"}})
		wantStatus(t, "an edit in an archived partner thread", resp, 403)
		mustContain(t, "the refusal", body, "no longer follows the partner")
		resp, _ = fh.post(c, "/en/forum/new", url.Values{"category": {"pomosht@partner.example"}, "title": {"Again"}, "body": {"Anyone?"}, "lang": {"en"}})
		wantStatus(t, "a thread in an archived partner category", resp, 422)
	})
}
