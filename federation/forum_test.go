package federation

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
)

// forumCategory creates a local forum category with BG and EN texts.
func (th *testHub) forumCategory(handle string) *db.ForumCategory {
	th.t.Helper()
	c := &db.ForumCategory{Handle: handle, Position: 1}
	c.SetTexts(db.Text{Lang: db.BG, Title: "Помощ", Summary: "Въпроси и отговори"},
		db.Text{Lang: db.EN, Title: "Help", Summary: "Questions and answers"})
	if err := th.store.CreateForumCategory(context.Background(), c); err != nil {
		th.t.Fatal(err)
	}
	return c
}

// TestForumFederation: a forum category is a Group actor found by
// WebFinger; a Mastodon-shaped peer follows it, gets the Announce of a new
// local thread (plain, as a boost, and FEP-1b12's Announce{Create{Page}}),
// fetches the Page, replies with a Note that lands in the thread and is
// announced by the Group as received; a Lemmy-shaped peer opens a thread
// with Create{Page}; a locked thread refuses a federated reply with 403.
func TestForumFederation(t *testing.T) {
	each(t, func(t *testing.T, d db.Dialect) {
		ctx := context.Background()
		clock := newClock()
		hub := newTestHub(t, d, clock)
		cat := hub.forumCategory("pomosht")
		groupURI := hub.h.actorURI("pomosht")

		// The Group actor and WebFinger.
		st, _, body := get(t, groupURI, "application/activity+json")
		if st != http.StatusOK {
			t.Fatalf("group actor: %d %s", st, body)
		}
		g := decode(t, body)
		if typeOf(g) != "Group" || str(g, "url") != hub.h.base+"/bg/forum/pomosht" || str(g, "name") != "Помощ" ||
			str(g, "inbox") != groupURI+"/inbox" || str(g, "followers") != groupURI+"/followers" || objOf(g["publicKey"]) == nil {
			t.Errorf("group document: %v", g)
		}
		if nm := objOf(g["nameMap"]); str(nm, "en") != "Help" {
			t.Errorf("nameMap: %v", g["nameMap"])
		}
		st, _, body = get(t, hub.h.base+"/.well-known/webfinger?resource="+url.QueryEscape("acct:pomosht@"+hub.host), "")
		if st != http.StatusOK || !strings.Contains(string(body), groupURI) {
			t.Errorf("webfinger: %d %s", st, body)
		}

		// A Mastodon user follows the category.
		masto := newFakePeer(t, false, clock)
		follow := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": masto.srv.URL + "/follows/1",
			"type": "Follow", "actor": masto.actorID(), "object": groupURI}
		if st := masto.send(groupURI+"/inbox", follow); st != http.StatusAccepted {
			t.Fatalf("follow: %d", st)
		}
		hub.drain()
		if acc := masto.activities("Accept"); len(acc) != 1 || idOf(acc[0].doc["actor"]) != groupURI {
			t.Fatalf("accepts: %v", acc)
		}

		// A local member opens a thread: the Group announces it.
		u, err := hub.store.CreateUser(ctx, db.NewUser{Email: "maria@example.org", Name: "Maria", Password: "correct horse battery", Role: db.RoleMember})
		if err != nil {
			t.Fatal(err)
		}
		thread := &db.ForumThread{CategoryID: cat.ID, Title: "Лична карта"}
		first := &db.ForumPost{AuthorUserID: u.ID, Lang: db.BG, BodyMD: "Как се подновява?", BodyHTML: "<p>Как се подновява?</p>"}
		if err := hub.store.CreateForumThread(ctx, thread, first); err != nil {
			t.Fatal(err)
		}
		hub.drain()
		threadURI := hub.h.threadURI(thread.ID)
		var plain, wrapped map[string]any
		for _, a := range masto.activities("Announce") {
			if idOf(a.doc["actor"]) != groupURI {
				t.Errorf("announce from %v", a.doc["actor"])
			}
			if s, ok := a.doc["object"].(string); ok && s == threadURI {
				plain = a.doc
			} else if c := objOf(a.doc["object"]); typeOf(c) == "Create" {
				wrapped = c
			}
		}
		if plain == nil || wrapped == nil {
			t.Fatalf("announces: %v", masto.activities("Announce"))
		}
		page := objOf(wrapped["object"])
		if typeOf(page) != "Page" || str(page, "id") != threadURI || str(page, "name") != "Лична карта" ||
			str(page, "audience") != groupURI || str(page, "context") != threadURI || !strings.Contains(str(page, "content"), "подновява") {
			t.Errorf("announced page: %v", page)
		}
		// The Create is the author's, and can be fetched.
		if st, _, _ := get(t, str(wrapped, "id"), "application/activity+json"); st != http.StatusOK {
			t.Errorf("fetch of the Create: %d", st)
		}
		st, _, body = get(t, groupURI+"/outbox?page=1", "application/activity+json")
		if st != http.StatusOK || !strings.Contains(string(body), "Announce") {
			t.Errorf("group outbox: %d %s", st, body)
		}
		st, _, body = get(t, threadURI, "application/activity+json")
		if st != http.StatusOK || str(decode(t, body), "type") != "Page" {
			t.Fatalf("thread object: %d %s", st, body)
		}

		// Mastodon replies to the thread.
		note := masto.srv.URL + "/users/alice/statuses/7"
		create := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": note + "/activity", "type": "Create",
			"actor": masto.actorID(), "to": []any{asPublic}, "cc": []any{groupURI, masto.followers()},
			"object": map[string]any{"id": note, "type": "Note", "attributedTo": masto.actorID(), "inReplyTo": threadURI,
				"to": []any{asPublic}, "cc": []any{groupURI, masto.followers()}, "published": "2026-11-24T10:00:00Z",
				"content":    `<p><span class="h-card"><a href="` + groupURI + `">@pomosht</a></span> In Sofia it takes a month <script>x()</script></p>`,
				"contentMap": map[string]any{"en": "<p>In Sofia it takes a month</p>"},
				"tag":        []any{map[string]any{"type": "Mention", "href": groupURI}}}}
		if st := masto.send(hub.h.base+"/inbox", create); st != http.StatusAccepted {
			t.Fatalf("reply: %d", st)
		}
		posts, err := hub.store.ForumPosts(ctx, db.PostQuery{ThreadID: thread.ID})
		if err != nil || len(posts) != 2 {
			t.Fatalf("posts: %v, %v", posts, err)
		}
		r := posts[1]
		if r.APID != note || r.Lang != db.EN || !r.Author.Remote() || strings.Contains(r.BodyHTML, "script") || !strings.Contains(r.BodyHTML, "a month") {
			t.Errorf("federated reply: %+v", r)
		}
		hub.drain()
		found := false
		for _, a := range masto.activities("Announce") {
			if c := objOf(a.doc["object"]); str(c, "id") == note+"/activity" && str(objOf(c["object"]), "id") == note {
				found = true
			}
		}
		if !found {
			t.Errorf("the Group did not announce the reply as received")
		}

		// A local reply is a Note, announced only inside its Create.
		before := len(masto.activities("Announce"))
		lr := &db.ForumPost{ThreadID: thread.ID, AuthorUserID: u.ID, Lang: db.BG, BodyMD: "Благодаря", BodyHTML: "<p>Благодаря</p>"}
		if err := hub.store.CreateForumPost(ctx, lr); err != nil {
			t.Fatal(err)
		}
		hub.drain()
		if ann := masto.activities("Announce"); len(ann) != before+1 || typeOf(objOf(ann[before].doc["object"])) != "Create" {
			t.Errorf("announces of a local reply: %v", ann[before:])
		}
		st, _, body = get(t, hub.h.postURI(lr.ID), "application/activity+json")
		if n := decode(t, body); st != http.StatusOK || typeOf(n) != "Note" || str(n, "inReplyTo") != threadURI || str(n, "context") != threadURI {
			t.Errorf("reply object: %d %s", st, body)
		}
		sitePages := *hub.site
		if st, _, _ := get(t, hub.h.postURI(lr.ID), "text/html"); st != http.StatusOK || *hub.site != sitePages+1 {
			t.Errorf("a browser's request for a post did not go to the site")
		}

		// The member edits the reply: the author's Update, announced.
		before = len(masto.activities("Announce"))
		if err := hub.store.EditForumPost(ctx, db.ForumPostEdit{ID: lr.ID, Lang: db.BG, BodyMD: "Много благодаря", BodyHTML: "<p>Много благодаря</p>"}); err != nil {
			t.Fatal(err)
		}
		hub.drain()
		if ann := masto.activities("Announce"); len(ann) != before+1 || typeOf(objOf(ann[before].doc["object"])) != "Update" ||
			!strings.Contains(str(objOf(objOf(ann[before].doc["object"])["object"]), "content"), "Много") {
			t.Errorf("announces of an edit: %v", ann[before:])
		}

		// The member deletes the reply: the author's Delete, announced by
		// the Group; the Note is gone (410).
		before = len(masto.activities("Announce"))
		if err := hub.store.DeleteForumPost(ctx, lr.ID); err != nil {
			t.Fatal(err)
		}
		hub.drain()
		if ann := masto.activities("Announce"); len(ann) != before+1 || typeOf(objOf(ann[before].doc["object"])) != "Delete" ||
			idOf(objOf(ann[before].doc["object"])["object"]) != hub.h.postURI(lr.ID) {
			t.Errorf("announces of a deletion: %v", ann[before:])
		}
		if st, _, _ := get(t, hub.h.postURI(lr.ID), "application/activity+json"); st != http.StatusGone {
			t.Errorf("deleted reply answers %d, want 410", st)
		}

		// The Mastodon user edits the reply, then deletes it: a marker stays.
		upd := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": note + "#update1", "type": "Update",
			"actor": masto.actorID(), "to": []any{asPublic},
			"object": map[string]any{"id": note, "type": "Note", "attributedTo": masto.actorID(), "inReplyTo": threadURI,
				"to": []any{asPublic}, "content": "<p>In Sofia it takes two weeks</p>", "contentMap": map[string]any{"en": "<p>In Sofia it takes two weeks</p>"}}}
		if st := masto.send(hub.h.base+"/inbox", upd); st != http.StatusAccepted {
			t.Fatalf("update: %d", st)
		}
		if p, err := hub.store.ForumPost(ctx, r.ID); err != nil || !p.Edited() || !strings.Contains(p.BodyHTML, "two weeks") {
			t.Errorf("edited reply: %+v, %v", p, err)
		}
		del := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": note + "#delete", "type": "Delete",
			"actor": masto.actorID(), "to": []any{asPublic}, "object": map[string]any{"id": note, "type": "Tombstone"}}
		if st := masto.send(hub.h.base+"/inbox", del); st != http.StatusAccepted {
			t.Fatalf("delete: %d", st)
		}
		if p, err := hub.store.ForumPost(ctx, r.ID); err != nil || !p.Deleted() {
			t.Errorf("deleted reply: %+v, %v", p, err)
		}

		// A Mastodon user opens a thread by mentioning the category: the
		// first line, without the mention, is the title.
		post := masto.srv.URL + "/users/alice/statuses/20"
		mcreate := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": post + "/activity", "type": "Create",
			"actor": masto.actorID(), "to": []any{asPublic}, "cc": []any{masto.followers(), groupURI},
			"object": map[string]any{"id": post, "type": "Note", "attributedTo": masto.actorID(),
				"to": []any{asPublic}, "cc": []any{masto.followers(), groupURI}, "published": "2026-11-24T10:30:00Z",
				"content": `<p><span class="h-card"><a href="` + groupURI + `" class="u-url mention">@<span>pomosht</span></a></span> Where to learn Bulgarian in Haskovo?</p><p>I arrived last month.</p>`,
				"tag":     []any{map[string]any{"type": "Mention", "href": groupURI, "name": "@pomosht@" + hub.host}}}}
		if st := masto.send(hub.h.base+"/inbox", mcreate); st != http.StatusAccepted {
			t.Fatalf("mastodon thread: %d", st)
		}
		mtid, err := hub.store.ForumThreadIDByAPID(ctx, post)
		if err != nil {
			t.Fatalf("the Mastodon post opened no thread: %v", err)
		}
		if mt, err := hub.store.ForumThread(ctx, mtid, 0); err != nil || mt.CategoryID != cat.ID || mt.Title != "Where to learn Bulgarian in Haskovo?" || !mt.Author.Remote() {
			t.Errorf("the Mastodon thread: %+v, %v", mt, err)
		}

		// A Lemmy user opens a thread in the category.
		lemmy := newFakePeer(t, false, clock)
		pageID := lemmy.srv.URL + "/post/3"
		lcreate := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": lemmy.srv.URL + "/activities/create/3",
			"type": "Create", "actor": lemmy.actorID(), "to": []any{groupURI, asPublic}, "cc": []any{}, "audience": groupURI,
			"object": map[string]any{"id": pageID, "type": "Page", "attributedTo": lemmy.actorID(), "to": []any{groupURI, asPublic},
				"audience": groupURI, "name": "Work permits in 2027", "content": "<p>What changes?</p>", "mediaType": "text/html",
				"published": "2026-11-24T11:00:00Z"}}
		if st := lemmy.send(groupURI+"/inbox", lcreate); st != http.StatusAccepted {
			t.Fatalf("lemmy create: %d", st)
		}
		tid, err := hub.store.ForumThreadIDByAPID(ctx, pageID)
		if err != nil {
			t.Fatal(err)
		}
		lt, err := hub.store.ForumThread(ctx, tid, 0)
		if err != nil || lt.CategoryID != cat.ID || lt.Title != "Work permits in 2027" || !lt.Author.Remote() || lt.PostCount != 1 {
			t.Errorf("lemmy thread: %+v, %v", lt, err)
		}

		// The Lemmy user edits the thread's text.
		lupd := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": lemmy.srv.URL + "/activities/update/3",
			"type": "Update", "actor": lemmy.actorID(), "to": []any{groupURI, asPublic}, "audience": groupURI,
			"object": map[string]any{"id": pageID, "type": "Page", "attributedTo": lemmy.actorID(), "to": []any{groupURI, asPublic},
				"audience": groupURI, "name": "Work permits in 2027", "content": "<p>What changes in 2027?</p>"}}
		if st := lemmy.send(groupURI+"/inbox", lupd); st != http.StatusAccepted {
			t.Fatalf("lemmy update: %d", st)
		}
		if p, err := hub.store.ForumPost(ctx, lt.FirstPostID); err != nil || !strings.Contains(p.BodyHTML, "in 2027") {
			t.Errorf("edited lemmy post: %+v, %v", p, err)
		}

		// A locked thread refuses a federated reply.
		if err := hub.store.SetThreadLocked(ctx, thread.ID, true); err != nil {
			t.Fatal(err)
		}
		note2 := masto.srv.URL + "/users/alice/statuses/8"
		create2 := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": note2 + "/activity", "type": "Create",
			"actor": masto.actorID(), "to": []any{asPublic},
			"object": map[string]any{"id": note2, "type": "Note", "attributedTo": masto.actorID(), "inReplyTo": hub.h.postURI(first.ID),
				"to": []any{asPublic}, "content": "<p>one more</p>"}}
		if st := masto.send(hub.h.base+"/inbox", create2); st != http.StatusForbidden {
			t.Errorf("reply to a locked thread: %d, want 403", st)
		}
		if n, _ := hub.store.CountForumPosts(ctx, thread.ID, true); n != 3 {
			t.Errorf("locked thread has %d posts, want 3", n)
		}

		// A moderator hides the thread: the Group itself sends the Delete.
		if err := hub.store.SetThreadHidden(ctx, thread.ID, true); err != nil {
			t.Fatal(err)
		}
		hub.drain()
		dels := masto.activities("Delete")
		if len(dels) != 1 || idOf(dels[0].doc["actor"]) != groupURI || idOf(objOf(dels[0].doc["object"])["id"]) != threadURI {
			t.Errorf("deletes: %v", dels)
		}
		if st, _, _ := get(t, threadURI, "application/activity+json"); st != http.StatusGone {
			t.Errorf("hidden thread answers %d, want 410", st)
		}
	})
}
