package federation

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
)

// TestForumMentionsInbound: a Mastodon-shaped reply whose Mention tag is a
// local member's Person actor appears among that member's mentions; a
// Mention of an actor that is no member's does not.
func TestForumMentionsInbound(t *testing.T) {
	each(t, func(t *testing.T, d db.Dialect) {
		ctx := context.Background()
		clock := newClock()
		hub := newTestHub(t, d, clock)
		f := hub.forumFixture()
		prof, err := hub.store.ForumProfile(ctx, f.member.ID)
		if err != nil {
			t.Fatal(err)
		}
		person, err := hub.h.UserActor(ctx, f.member.ID, prof.Handle)
		if err != nil {
			t.Fatal(err)
		}
		masto := newFakePeer(t, false, clock)
		create := mastoReply(masto, 5, hub.h.postURI(f.reply.ID), f.groupURI,
			`<p><span class="h-card"><a href="`+person.URI+`" class="u-url mention">@`+prof.Handle+`</a></span> I can help</p>`, clock.Now(),
			map[string]any{"type": "Mention", "href": person.URI, "name": "@" + prof.Handle + "@" + hub.host},
			map[string]any{"type": "Mention", "href": f.groupURI, "name": "@pomosht@" + hub.host},
			map[string]any{"type": "Mention", "href": masto.actorID(), "name": "@alice@" + masto.host()},
			map[string]any{"type": "Hashtag", "href": masto.srv.URL + "/tags/help", "name": "#help"})
		if st := masto.send(hub.h.base+"/inbox", create); st != http.StatusAccepted {
			t.Fatalf("reply: %d", st)
		}
		pid, err := hub.store.ForumPostIDByAPID(ctx, str(objOf(create["object"]), "id"))
		if err != nil {
			t.Fatal(err)
		}
		ps, err := hub.store.MemberPosts(ctx, db.MemberPostQuery{UserID: f.member.ID, Mentioning: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 1 || ps[0].ID != pid || !ps[0].Author.Remote() {
			t.Errorf("member's mentions: %+v, want the federated reply %d", ps, pid)
		}
		// A reply that mentions no member mentions nobody.
		create2 := mastoReply(masto, 6, hub.h.threadURI(f.thread.ID), f.groupURI, "<p>hi</p>", clock.Now(),
			map[string]any{"type": "Mention", "href": hub.h.actorURI("nobody"), "name": "@nobody@" + hub.host})
		if st := masto.send(hub.h.base+"/inbox", create2); st != http.StatusAccepted {
			t.Fatalf("reply: %d", st)
		}
		if n, err := hub.store.CountMemberPosts(ctx, db.MemberPostQuery{UserID: f.member.ID, Mentioning: true}); err != nil || n != 1 {
			t.Errorf("member's mentions: %d, %v; want 1", n, err)
		}

		// The reply is edited to mention a second member too: they see it;
		// the first member is not told about it again.
		ivan, err := hub.store.CreateUser(ctx, db.NewUser{Email: "ivan@example.org", Name: "Ivan", Password: "correct horse battery", Role: db.RoleMember})
		if err != nil {
			t.Fatal(err)
		}
		// A post gives Ivan his forum handle.
		if err := hub.store.CreateForumPost(ctx, &db.ForumPost{ThreadID: f.thread.ID, AuthorUserID: ivan.ID, Lang: db.BG, BodyMD: "Здравейте", BodyHTML: "<p>Здравейте</p>"}); err != nil {
			t.Fatal(err)
		}
		ivanProf, err := hub.store.ForumProfile(ctx, ivan.ID)
		if err != nil {
			t.Fatal(err)
		}
		ivanActor, err := hub.h.UserActor(ctx, ivan.ID, ivanProf.Handle)
		if err != nil {
			t.Fatal(err)
		}
		if err := hub.store.MarkForumNoticesSeen(ctx, f.member.ID); err != nil {
			t.Fatal(err)
		}
		clock.Add(time.Minute)
		edited := objOf(create["object"])
		edited["content"] = `<p>@` + prof.Handle + ` and @` + ivanProf.Handle + `: I can help</p>`
		edited["tag"] = []any{map[string]any{"type": "Mention", "href": person.URI}, map[string]any{"type": "Mention", "href": ivanActor.URI}}
		update := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": str(edited, "id") + "#update", "type": "Update",
			"actor": masto.actorID(), "to": []any{asPublic}, "object": edited}
		if st := masto.send(hub.h.base+"/inbox", update); st != http.StatusAccepted {
			t.Fatalf("update: %d", st)
		}
		if n, err := hub.store.CountMemberPosts(ctx, db.MemberPostQuery{UserID: ivan.ID, Mentioning: true}); err != nil || n != 1 {
			t.Errorf("the second member's mentions after the edit: %d, %v; want 1", n, err)
		}
		if n, err := hub.store.ForumNotices(ctx, f.member.ID); err != nil || n.Mentions != 0 {
			t.Errorf("the first member's new mentions after the edit: %+v, %v; want none", n, err)
		}
	})
}

// TestForumMentionsOutbound: a local post that mentions a remote actor the
// hub knows and a local member (linked as the portal links them) is sent
// with a Mention tag for each, and the remote actor in cc; the Note served
// at the post's id says the same.
func TestForumMentionsOutbound(t *testing.T) {
	each(t, func(t *testing.T, d db.Dialect) {
		ctx := context.Background()
		clock := newClock()
		hub := newTestHub(t, d, clock)
		f := hub.forumFixture()
		masto := newFakePeer(t, false, clock)
		follow := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": masto.srv.URL + "/follows/1",
			"type": "Follow", "actor": masto.actorID(), "object": f.groupURI}
		if st := masto.send(f.groupURI+"/inbox", follow); st != http.StatusAccepted {
			t.Fatalf("follow: %d", st)
		}
		hub.drain()

		ivan, err := hub.store.CreateUser(ctx, db.NewUser{Email: "ivan@example.org", Name: "Ivan", Password: "correct horse battery", Role: db.RoleMember})
		if err != nil {
			t.Fatal(err)
		}
		hello := &db.ForumPost{ThreadID: f.thread.ID, AuthorUserID: ivan.ID, Lang: db.BG, BodyMD: "Здравейте", BodyHTML: "<p>Здравейте</p>"}
		if err := hub.store.CreateForumPost(ctx, hello); err != nil {
			t.Fatal(err)
		}
		ivanProf, err := hub.store.ForumProfile(ctx, ivan.ID)
		if err != nil {
			t.Fatal(err)
		}
		hub.drain()
		before := len(masto.activities("Announce"))

		// What portal's renderPost writes for "@alice@HOST and @ivan".
		body := `<p><a href="` + masto.srv.URL + `/@alice" class="mention" rel="nofollow noopener">@alice@` + masto.host() +
			`</a> and <a href="/forum/users/` + ivanProf.Handle + `" class="mention">@` + ivanProf.Handle + `</a>, see <a href="https://example.org/">this</a></p>`
		p := &db.ForumPost{ThreadID: f.thread.ID, AuthorUserID: f.member.ID, Lang: db.BG,
			BodyMD: "@alice@" + masto.host() + " and @" + ivanProf.Handle, BodyHTML: body, Mentions: []int64{ivan.ID}}
		if err := hub.store.CreateForumPost(ctx, p); err != nil {
			t.Fatal(err)
		}
		hub.drain()
		ivanActor, err := hub.store.LocalActor(ctx, ivanProf.Handle)
		if err != nil {
			t.Fatal(err)
		}
		check := func(where string, note map[string]any) {
			t.Helper()
			tags := objsOf(note["tag"])
			if len(tags) != 2 || typeOf(tags[0]) != "Mention" || str(tags[0], "href") != masto.actorID() || str(tags[0], "name") != "@alice@"+masto.host() ||
				typeOf(tags[1]) != "Mention" || str(tags[1], "href") != ivanActor.URI || str(tags[1], "name") != "@"+ivanProf.Handle+"@"+hub.host {
				t.Errorf("%s: tags %v", where, note["tag"])
			}
			if cc := idsOf(note["cc"]); !slices.Contains(cc, masto.actorID()) || slices.Contains(cc, ivanActor.URI) {
				t.Errorf("%s: cc %v, want %s in it", where, cc, masto.actorID())
			}
			member := `<a href="` + hub.h.base + `/forum/users/` + ivanProf.Handle + `" class="mention">`
			if c := str(note, "content"); !strings.Contains(c, member) || !strings.Contains(str(objOf(note["contentMap"]), "bg"), member) {
				t.Errorf("%s: content %q, want an absolute link to the member", where, c)
			}
		}
		ann := masto.activities("Announce")
		if len(ann) != before+1 {
			t.Fatalf("announces of the post: %v", ann[before:])
		}
		create := objOf(ann[before].doc["object"])
		if typeOf(create) != "Create" || !slices.Contains(idsOf(create["cc"]), masto.actorID()) {
			t.Errorf("announced Create: %v", create)
		}
		check("announced Note", objOf(create["object"]))
		// The mentioned account's server gets the author's Create itself,
		// which is what Mastodon notifies on.
		direct := false
		for _, c := range masto.activities("Create") {
			if str(c.doc, "id") == str(create, "id") && idOf(c.doc["actor"]) != f.groupURI {
				direct = true
			}
		}
		if !direct {
			t.Errorf("the mentioned account's inbox did not get the Create: %v", masto.activities("Create"))
		}
		st, _, b := get(t, hub.h.postURI(p.ID), "application/activity+json")
		if st != http.StatusOK {
			t.Fatalf("note: %d %s", st, b)
		}
		check("served Note", decode(t, b))

		// A post without mentions has no tag and the usual cc.
		st, _, b = get(t, hub.h.postURI(hello.ID), "application/activity+json")
		if n := decode(t, b); st != http.StatusOK || n["tag"] != nil || len(idsOf(n["cc"])) != 1 {
			t.Errorf("note without mentions: %d %v", st, n)
		}
	})
}

// TestForumMentionOfUnknownAccount: a local post mentions an account the
// hub has never seen; before sending, the hub finds it by WebFinger, tags
// it and delivers the author's Create to it, which is what makes Mastodon
// notify the account.
func TestForumMentionOfUnknownAccount(t *testing.T) {
	each(t, func(t *testing.T, d db.Dialect) {
		ctx := context.Background()
		clock := newClock()
		hub := newTestHub(t, d, clock)
		f := hub.forumFixture()
		hub.drain()
		stranger := newFakePeer(t, false, clock)
		acct := "alice@" + stranger.host()
		// What portal's renderPost writes for an account it does not know.
		body := `<p><a href="/forum/users/` + acct + `" class="mention">@` + acct + `</a> can you help?</p>`
		p := &db.ForumPost{ThreadID: f.thread.ID, AuthorUserID: f.member.ID, Lang: db.EN, BodyMD: "@" + acct + " can you help?", BodyHTML: body}
		if err := hub.store.CreateForumPost(ctx, p); err != nil {
			t.Fatal(err)
		}
		hub.drain()
		creates := stranger.activities("Create")
		if len(creates) != 1 {
			t.Fatalf("the mentioned account got %d Creates, want 1", len(creates))
		}
		note := objOf(creates[0].doc["object"])
		if str(note, "id") != hub.h.postURI(p.ID) || !slices.Contains(idsOf(note["cc"]), stranger.actorID()) {
			t.Errorf("the Create's Note: %v", note)
		}
		tags := objsOf(note["tag"])
		if len(tags) != 1 || str(tags[0], "href") != stranger.actorID() || str(tags[0], "name") != "@"+acct {
			t.Errorf("the Note's tags: %v", note["tag"])
		}
	})
}
