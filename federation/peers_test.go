package federation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
)

// TestMastodonAndGoToSocialFollowers has a Mastodon-shaped and a
// GoToSocial-shaped peer follow an organisation: each Follow (signed in the
// peer's style; GoToSocial's key fetched at its own URL with signed GETs)
// is accepted, and a published item reaches Mastodon's shared inbox and
// GoToSocial's personal inbox (it has no shared one), in the shape they
// read.
func TestMastodonAndGoToSocialFollowers(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	hub := newTestHub(t, db.SQLite, clock)
	org := hub.org("ic-haskovo")
	orgURI := hub.h.actorURI("ic-haskovo")
	masto := newFakePeer(t, false, clock)
	gts := newFakePeer(t, true, clock)

	for _, p := range []*fakePeer{masto, gts} {
		follow := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": p.srv.URL + "/follows/1",
			"type": "Follow", "actor": p.actorID(), "object": orgURI}
		if p.gts {
			follow["to"] = orgURI // a bare string, as GoToSocial writes it
		}
		if st := p.send(orgURI+"/inbox", follow); st != http.StatusAccepted {
			t.Fatalf("follow from %s: %d", p.host(), st)
		}
	}
	hub.drain()
	for _, p := range []*fakePeer{masto, gts} {
		acc := p.activities("Accept")
		if len(acc) != 1 || acc[0].path != "/users/alice/inbox" {
			t.Fatalf("peer %s got Accept %v", p.host(), acc)
		}
		if obj := objOf(acc[0].doc["object"]); str(obj, "id") != p.srv.URL+"/follows/1" || idOf(acc[0].doc["actor"]) != orgURI {
			t.Errorf("Accept: %v", acc[0].doc)
		}
	}
	a, _ := hub.store.LocalActorOfOrganisation(ctx, org.ID)
	if n, _ := hub.store.CountFollowers(ctx, a.ID); n != 2 {
		t.Fatalf("followers: %d, want 2", n)
	}

	hub.item(org, db.Event, "Среща")
	hub.drain()
	mc, gc := masto.activities("Create"), gts.activities("Create")
	if len(mc) != 1 || mc[0].path != "/inbox" {
		t.Fatalf("Mastodon got Creates %v, want one at its shared inbox", mc)
	}
	if len(gc) != 1 || gc[0].path != "/users/alice/inbox" {
		t.Fatalf("GoToSocial got Creates %v, want one at alice's inbox", gc)
	}
	create := mc[0].doc
	obj := objOf(create["object"])
	if nm := objOf(obj["nameMap"]); typeOf(obj) != "Event" || str(nm, "bg") != "Среща (бг)" || !strings.Contains(str(obj, "content"), "<p>Текст на български.</p>") {
		t.Errorf("Event: %v", obj)
	}
	if s := str(objOf(obj["summaryMap"]), "bg"); !strings.HasPrefix(s, "10 декември 2026 г., 18:00–20:00") || !strings.Contains(s, "Читалище „Заря“") {
		t.Errorf("Event summary (Mastodon shows only this) lacks date and place: %q", s)
	}
	if to, ok := create["to"].([]any); !ok || len(to) != 1 || to[0] != asPublic {
		t.Errorf("to: %#v, want an array with Public", create["to"])
	}
	cm, _ := obj["contentMap"].(map[string]any)
	if cm["bg"] != "<p>Текст на български.</p>" || cm["en"] != "<p>Text in English.</p>" {
		t.Errorf("contentMap: %v", obj["contentMap"])
	}
	if obj[termSection] != "event" || str(obj, "startTime") != "2026-12-10T16:00:00Z" {
		t.Errorf("section %v, startTime %v", obj[termSection], obj["startTime"])
	}

	// A Mastodon user unfollows; GoToSocial still gets the next item.
	undo := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": masto.srv.URL + "/follows/1/undo",
		"type": "Undo", "actor": masto.actorID(),
		"object": map[string]any{"id": masto.srv.URL + "/follows/1", "type": "Follow", "actor": masto.actorID(), "object": orgURI}}
	if st := masto.send(hub.h.base+"/inbox", undo); st != http.StatusAccepted {
		t.Fatalf("undo: %d", st)
	}
	hub.item(org, db.News, "Новина")
	hub.drain()
	if n := len(masto.activities("Create")); n != 1 {
		t.Errorf("Mastodon got %d Creates after unfollowing, want 1", n)
	}
	if n := len(gts.activities("Create")); n != 2 {
		t.Errorf("GoToSocial got %d Creates, want 2", n)
	}
}

// TestItemsAsFediverseUsersSeeThem has a Mastodon-shaped and a
// GoToSocial-shaped peer follow an organisation and reads every published
// item as their users would, by each server's own rules (render_test.go):
// the title always, for an event its date, time, place and online link,
// a link back to the page, and no content warning.
func TestItemsAsFediverseUsersSeeThem(t *testing.T) {
	each(t, func(t *testing.T, d db.Dialect) {
		ctx := context.Background()
		clock := newClock()
		hub := newTestHub(t, d, clock)
		org := hub.org("ic-haskovo")
		orgURI := hub.h.actorURI("ic-haskovo")
		masto, gts := newFakePeer(t, false, clock), newFakePeer(t, true, clock)
		for _, p := range []*fakePeer{masto, gts} {
			follow := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": p.srv.URL + "/follows/1",
				"type": "Follow", "actor": p.actorID(), "object": orgURI}
			if st := p.send(orgURI+"/inbox", follow); st != http.StatusAccepted {
				t.Fatalf("follow from %s: %d", p.host(), st)
			}
		}
		hub.drain()

		news := hub.item(org, db.News, "Нов закон за убежището")
		event := hub.item(org, db.Event, "Вечер на културите")
		english := &db.Item{Kind: db.News, OrganisationID: org.ID, Status: db.Published, PrimaryLang: db.EN,
			PublishedAt: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
		english.SetTexts(db.Text{Lang: db.EN, Title: "Free legal advice on Mondays", Summary: "Walk in, no appointment.",
			BodyHTML: "<p>Our lawyer answers questions every Monday.</p>"})
		if err := hub.store.CreateItem(ctx, english); err != nil {
			t.Fatal(err)
		}
		hub.drain()

		want := map[string][]string{
			hub.h.objectURI(news):    {"Нов закон за убежището (бг)", hub.h.base + news.PagePath(db.BG)},
			hub.h.objectURI(event):   {"Вечер на културите (бг)", "10 декември 2026 г., 18:00–20:00", "Читалище „Заря“", "https://meet.example.org/room", hub.h.base + event.PagePath(db.BG)},
			hub.h.objectURI(english): {"Free legal advice on Mondays", hub.h.base + english.PagePath(db.EN)},
		}
		for _, p := range []*fakePeer{masto, gts} {
			server := map[bool]string{false: "Mastodon", true: "GoToSocial"}[p.gts]
			creates := p.activities("Create")
			if len(creates) != len(want) {
				t.Fatalf("%s got %d Creates, want %d", server, len(creates), len(want))
			}
			for _, c := range creates {
				id := str(objOf(c.doc["object"]), "id")
				text, cw := p.shows(c)
				if cw != "" {
					t.Errorf("%s shows %s behind a content warning %q", server, id, cw)
				}
				for _, w := range want[id] {
					if !strings.Contains(readable(text), w) && !strings.Contains(text, w) {
						t.Errorf("%s shows %s as %q: no %q", server, id, readable(text), w)
					}
				}
			}
		}
	})
}

// TestMastodonPostsReachTheHub has the hub follow a Mastodon-shaped user
// and checks what it keeps: a post (content + contentMap, go-fed would
// drop the map) becomes a news item in its language, sanitised; a reply
// from an unfollowed GoToSocial user to a local item is kept as a reply; an
// unsolicited post from that user is not.
func TestMastodonPostsReachTheHub(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	hub := newTestHub(t, db.SQLite, clock)
	org := hub.org("ic-ruse")
	masto := newFakePeer(t, false, clock)
	gts := newFakePeer(t, true, clock)

	if _, err := hub.h.Follow(ctx, "alice@"+masto.host()); err != nil {
		t.Fatal(err)
	}
	hub.drain()
	follow := masto.activities("Follow")
	if len(follow) != 1 {
		t.Fatalf("Mastodon got %d Follows", len(follow))
	}
	accept := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": masto.srv.URL + "/accepts/1",
		"type": "Accept", "actor": masto.actorID(), "object": str(follow[0].doc, "id")}
	if st := masto.send(hub.h.base+"/inbox", accept); st != http.StatusAccepted {
		t.Fatalf("accept: %d", st)
	}
	note := masto.srv.URL + "/users/alice/statuses/1"
	create := map[string]any{
		"@context": []any{"https://www.w3.org/ns/activitystreams", map[string]any{"sensitive": "as:sensitive"}},
		"id":       note + "/activity", "type": "Create", "actor": masto.actorID(),
		"to": []any{asPublic}, "cc": []any{masto.followers()},
		"object": map[string]any{
			"id": note, "type": "Note", "attributedTo": masto.actorID(), "to": []any{asPublic}, "cc": []any{masto.followers()},
			"url": masto.srv.URL + "/@alice/1", "published": "2026-11-24T10:00:00Z", "sensitive": false,
			"content":    `<p>Нов курс по български език <script>alert(1)</script></p>`,
			"contentMap": map[string]any{"bg": `<p>Нов курс по български език <script>alert(1)</script></p>`},
		},
	}
	if st := masto.send(hub.h.base+"/inbox", create); st != http.StatusAccepted {
		t.Fatalf("create: %d", st)
	}
	it, err := hub.store.ItemByAPID(ctx, note)
	if err != nil {
		t.Fatal(err)
	}
	bg, exact, _ := it.Texts().In(db.BG)
	if it.Kind != db.News || !exact || bg.BodyHTML != "<p>Нов курс по български език </p>" || bg.Title != "Нов курс по български език" {
		t.Errorf("Mastodon note stored as %s, %+v", it.Kind, bg)
	}
	if it.URL != masto.srv.URL+"/@alice/1" || it.Organisation == nil || it.Organisation.ActorID != masto.actorID() {
		t.Errorf("note URL %q, organisation %+v", it.URL, it.Organisation)
	}

	// Unfollowed GoToSocial user: a reply is kept, a post is not.
	news := hub.item(org, db.News, "Новина")
	replyID := gts.srv.URL + "/users/alice/statuses/9"
	reply := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": replyID + "/activity",
		"type": "Create", "actor": gts.actorID(), "to": asPublic,
		"object": map[string]any{"id": replyID, "type": "Note", "attributedTo": gts.actorID(), "to": asPublic,
			"inReplyTo": hub.h.objectURI(news), "content": "<p>Thanks, see you there</p>", "contentMap": map[string]any{"en": "<p>Thanks, see you there</p>"}}}
	if st := gts.send(hub.h.base+"/inbox", reply); st != http.StatusAccepted {
		t.Fatalf("reply: %d", st)
	}
	rs, err := hub.store.Replies(ctx, news.ID, false)
	if err != nil || len(rs) != 1 || rs[0].Lang != db.EN || rs[0].ContentHTML != "<p>Thanks, see you there</p>" {
		t.Fatalf("replies: %+v, %v", rs, err)
	}
	post := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": gts.srv.URL + "/users/alice/statuses/10/activity",
		"type": "Create", "actor": gts.actorID(), "to": asPublic,
		"object": map[string]any{"id": gts.srv.URL + "/users/alice/statuses/10", "type": "Note", "attributedTo": gts.actorID(),
			"to": asPublic, "content": "<p>spam</p>"}}
	if st := gts.send(hub.h.base+"/inbox", post); st != http.StatusAccepted {
		t.Fatalf("unsolicited post: %d", st)
	}
	if _, err := hub.store.ItemByAPID(ctx, gts.srv.URL+"/users/alice/statuses/10"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("unsolicited post kept: %v", err)
	}

	// Like and Flag from the GoToSocial user.
	like := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": gts.srv.URL + "/likes/1",
		"type": "Like", "actor": gts.actorID(), "object": hub.h.objectURI(news)}
	flag := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": gts.srv.URL + "/reports/1",
		"type": "Flag", "actor": gts.actorID(), "content": "misleading", "object": []any{hub.h.actorURI("ic-ruse"), hub.h.objectURI(news)}}
	for _, act := range []map[string]any{like, flag, like} {
		if st := gts.send(hub.h.base+"/inbox", act); st != http.StatusAccepted {
			t.Fatalf("%s: %d", act["type"], st)
		}
	}
	if n, _ := hub.store.CountLikes(ctx, news.ID); n != 1 {
		t.Errorf("likes: %d, want 1", n)
	}
	reports, _ := hub.store.Reports(ctx, false)
	if len(reports) != 1 || reports[0].Content != "misleading" || !strings.Contains(reports[0].Objects, hub.h.objectURI(news)) {
		t.Errorf("reports: %+v", reports)
	}

	// The Mastodon user deletes the post, then themselves.
	del := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": note + "#delete", "type": "Delete",
		"actor": masto.actorID(), "object": map[string]any{"id": note, "type": "Tombstone"}}
	if st := masto.send(hub.h.base+"/inbox", del); st != http.StatusAccepted {
		t.Fatalf("delete: %d", st)
	}
	if _, err := hub.store.ItemByAPID(ctx, note); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("deleted note kept: %v", err)
	}
	delActor := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": masto.actorID() + "#delete",
		"type": "Delete", "actor": masto.actorID(), "object": masto.actorID(), "to": asPublic}
	if st := masto.send(hub.h.base+"/inbox", delActor); st != http.StatusAccepted {
		t.Fatalf("delete actor: %d", st)
	}
	if _, err := hub.store.OrganisationByActor(ctx, masto.actorID()); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("deleted actor still in the directory: %v", err)
	}
}

// TestAnnounceUpdateAndBlock: a followed Mastodon user boosts a GoToSocial
// post (fetched with a signed GET and kept as the GoToSocial author's);
// the Mastodon user renames itself (the directory follows); a GoToSocial
// user blocks an organisation (its follow ends).
func TestAnnounceUpdateAndBlock(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	hub := newTestHub(t, db.SQLite, clock)
	org := hub.org("ic-sliven")
	orgURI := hub.h.actorURI("ic-sliven")
	masto := newFakePeer(t, false, clock)
	gts := newFakePeer(t, true, clock)
	if _, err := hub.h.Follow(ctx, masto.actorID()); err != nil {
		t.Fatal(err)
	}
	postID := gts.srv.URL + "/users/alice/statuses/77"
	gts.serveObject("/users/alice/statuses/77", map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": postID, "type": "Article",
		"attributedTo": gts.actorID(), "name": "Курс", "content": "<p>Безплатен курс</p>", "to": asPublic,
		"hub:section": "service", "published": "2026-11-20T10:00:00Z",
	})
	boost := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": masto.actorID() + "/statuses/5/activity",
		"type": "Announce", "actor": masto.actorID(), "to": []any{asPublic}, "object": postID}
	if st := masto.send(hub.h.base+"/inbox", boost); st != http.StatusAccepted {
		t.Fatalf("announce: %d", st)
	}
	it, err := hub.store.ItemByAPID(ctx, postID)
	if err != nil {
		t.Fatal(err)
	}
	if it.Kind != db.Service || it.Organisation == nil || it.Organisation.ActorID != gts.actorID() {
		t.Errorf("boosted post: kind %s organisation %+v", it.Kind, it.Organisation)
	}

	upd := masto.actorDoc()
	upd["name"] = "Alice Renamed"
	delete(upd, "@context")
	update := map[string]any{"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id": masto.actorID() + "#updates/1", "type": "Update", "actor": masto.actorID(), "to": []any{asPublic}, "object": upd}
	if st := masto.send(hub.h.base+"/inbox", update); st != http.StatusAccepted {
		t.Fatalf("update: %d", st)
	}
	o, err := hub.store.OrganisationByActor(ctx, masto.actorID())
	if err != nil {
		t.Fatal(err)
	}
	if tx, _, _ := o.Texts().In(db.EN); tx.Title != "Alice Renamed" {
		t.Errorf("directory entry after Update: %+v", o.Texts())
	}

	follow := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": gts.srv.URL + "/follows/9",
		"type": "Follow", "actor": gts.actorID(), "object": orgURI}
	if st := gts.send(orgURI+"/inbox", follow); st != http.StatusAccepted {
		t.Fatalf("follow: %d", st)
	}
	a, _ := hub.h.localActor(ctx, org.Handle)
	if n, _ := hub.store.CountFollowers(ctx, a.ID); n != 1 {
		t.Fatalf("followers: %d", n)
	}
	block := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": gts.srv.URL + "/blocks/1",
		"type": "Block", "actor": gts.actorID(), "object": orgURI}
	if st := gts.send(hub.h.base+"/inbox", block); st != http.StatusAccepted {
		t.Fatalf("block: %d", st)
	}
	if n, _ := hub.store.CountFollowers(ctx, a.ID); n != 0 {
		t.Errorf("followers after a Block: %d", n)
	}
	sender, _ := hub.store.ActorByURI(ctx, gts.actorID())
	if blocked, _ := hub.store.IsBlockedBy(ctx, a.ID, sender.ID); !blocked {
		t.Error("the Block was not recorded")
	}
}

// TestPrivatePostsAreNotKept: a followers-only post and a direct reply
// never reach the hub's public pages.
func TestPrivatePostsAreNotKept(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	hub := newTestHub(t, db.SQLite, clock)
	org := hub.org("ic-dobrich")
	news := hub.item(org, db.News, "Новина")
	masto := newFakePeer(t, false, clock)
	if _, err := hub.h.Follow(ctx, masto.actorID()); err != nil {
		t.Fatal(err)
	}
	for i, obj := range []map[string]any{
		{"to": []any{masto.followers()}},
		{"to": []any{hub.h.actorURI("ic-dobrich")}, "inReplyTo": hub.h.objectURI(news)},
	} {
		id := fmt.Sprintf("%s/statuses/p%d", masto.actorID(), i)
		obj["id"], obj["type"], obj["attributedTo"], obj["content"] = id, "Note", masto.actorID(), "<p>private</p>"
		act := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id + "/activity", "type": "Create",
			"actor": masto.actorID(), "to": obj["to"], "object": obj}
		if st := masto.send(hub.h.base+"/inbox", act); st != http.StatusAccepted {
			t.Fatalf("post %d: %d", i, st)
		}
		if _, err := hub.store.ItemByAPID(ctx, id); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("private post %d stored as an item", i)
		}
	}
	if rs, _ := hub.store.Replies(ctx, news.ID, true); len(rs) != 0 {
		t.Errorf("a direct reply was kept: %+v", rs)
	}
}

// TestForumReplyAsFediverseUsersSeeIt: a GoToSocial user opens a thread by
// mentioning a category and a Mastodon user answers in it; a member then
// replies to the thread and, quoting it, to the Mastodon user. Each
// receives the member's Create{Note} at their own server (not only inside
// the Group's Announce, which GoToSocial cannot read), mentioned, and
// reads it by their server's rules with the thread's title and without a
// content warning.
func TestForumReplyAsFediverseUsersSeeIt(t *testing.T) {
	each(t, func(t *testing.T, d db.Dialect) {
		ctx := context.Background()
		clock := newClock()
		hub := newTestHub(t, d, clock)
		f := hub.forumFixture()
		masto, gts := newFakePeer(t, false, clock), newFakePeer(t, true, clock)

		note := gts.srv.URL + "/users/alice/statuses/1"
		open := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": note + "/activity", "type": "Create",
			"actor": gts.actorID(), "object": map[string]any{"id": note, "type": "Note", "attributedTo": gts.actorID(),
				"to": []any{asPublic}, "cc": []any{f.groupURI}, "published": clock.Now().Format(time.RFC3339),
				"content": `<p>@pomosht Where do I renew a residence card?</p>`,
				"tag":     []any{map[string]any{"type": "Mention", "href": f.groupURI, "name": "@pomosht@" + hub.host}}}}
		if st := gts.send(f.groupURI+"/inbox", open); st != http.StatusAccepted {
			t.Fatalf("thread by mention: %d", st)
		}
		threadID, err := hub.store.ForumThreadIDByAPID(ctx, note)
		if err != nil {
			t.Fatal(err)
		}
		thread, err := hub.store.ForumThread(ctx, threadID, 0)
		if err != nil {
			t.Fatal(err)
		}
		answer := mastoReply(masto, 7, note, f.groupURI, "<p>At the migration directorate.</p>", clock.Now())
		if st := masto.send(f.groupURI+"/inbox", answer); st != http.StatusAccepted {
			t.Fatalf("Mastodon answer: %d", st)
		}
		hub.drain()
		answerID, err := hub.store.ForumPostIDByAPID(ctx, masto.srv.URL+"/users/alice/statuses/7")
		if err != nil {
			t.Fatal(err)
		}

		reply := &db.ForumPost{ThreadID: threadID, AuthorUserID: f.member.ID, Lang: db.EN, BodyMD: "Bring your passport.",
			BodyHTML: "<p>Bring your passport.</p>", QuoteOf: answerID}
		if err := hub.store.CreateForumPost(ctx, reply); err != nil {
			t.Fatal(err)
		}
		hub.drain()
		for _, p := range []*fakePeer{gts, masto} {
			server := map[bool]string{false: "Mastodon", true: "GoToSocial"}[p.gts]
			var got *receivedActivity
			for _, c := range p.activities("Create") {
				if str(objOf(c.doc["object"]), "id") == hub.h.postURI(reply.ID) {
					got = &c
				}
			}
			if got == nil {
				t.Errorf("%s did not receive the member's reply", server)
				continue
			}
			obj := objOf(got.doc["object"])
			if !slices.Contains(idsOf(obj["cc"]), p.actorID()) {
				t.Errorf("%s: the reply's cc %v lacks %s", server, obj["cc"], p.actorID())
			}
			mentioned := false
			for _, tag := range objsOf(obj["tag"]) {
				mentioned = mentioned || (typeOf(tag) == "Mention" && idOf(tag["href"]) == p.actorID())
			}
			if !mentioned {
				t.Errorf("%s: the reply does not mention its user: %v", server, obj["tag"])
			}
			// What the Group's Announce names dereferences to the Create, whose
			// object's id dereferences to the Note.
			for _, want := range []struct{ id, typ string }{{str(got.doc, "id"), "Create"}, {str(obj, "id"), "Note"}} {
				if st, _, body := get(t, want.id, "application/activity+json"); st != http.StatusOK || typeOf(decode(t, body)) != want.typ {
					t.Errorf("GET %s: %d %.200s, want the %s", want.id, st, body, want.typ)
				}
			}
			text, cw := p.shows(*got)
			if cw != "" || !strings.Contains(readable(text), thread.Title) || !strings.Contains(readable(text), "Bring your passport.") {
				t.Errorf("%s shows the reply as %q behind warning %q; want its text and the thread's title %q", server, readable(text), cw, thread.Title)
			}
		}
	})
}
