package federation

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bgimigranti/hub/db"
)

// forumFixture is a category with a local member's thread and a local
// reply in it.
type forumFixture struct {
	cat      *db.ForumCategory
	groupURI string
	member   *db.User
	thread   *db.ForumThread
	first    *db.ForumPost
	reply    *db.ForumPost
}

func (th *testHub) forumFixture() *forumFixture {
	th.t.Helper()
	ctx := context.Background()
	f := &forumFixture{cat: th.forumCategory("pomosht"), groupURI: th.h.actorURI("pomosht")}
	var err error
	f.member, err = th.store.CreateUser(ctx, db.NewUser{Email: "maria@example.org", Name: "Maria", Password: "correct horse battery", Role: db.RoleMember})
	if err != nil {
		th.t.Fatal(err)
	}
	f.thread = &db.ForumThread{CategoryID: f.cat.ID, Title: "Лична карта"}
	f.first = &db.ForumPost{AuthorUserID: f.member.ID, Lang: db.BG, BodyMD: "Как се подновява?", BodyHTML: "<p>Как се подновява?</p>"}
	if err := th.store.CreateForumThread(ctx, f.thread, f.first); err != nil {
		th.t.Fatal(err)
	}
	f.reply = &db.ForumPost{ThreadID: f.thread.ID, AuthorUserID: f.member.ID, Lang: db.BG, BodyMD: "Купи си лекарства", BodyHTML: "<p>Купи си лекарства</p>"}
	if err := th.store.CreateForumPost(ctx, f.reply); err != nil {
		th.t.Fatal(err)
	}
	return f
}

// mastoReply is a Mastodon-shaped Create of a public reply to inReplyTo.
func mastoReply(p *fakePeer, n int, inReplyTo, groupURI, content string, published time.Time, tags ...any) map[string]any {
	note := p.srv.URL + "/users/alice/statuses/" + strconv.Itoa(n)
	obj := map[string]any{"id": note, "type": "Note", "attributedTo": p.actorID(), "inReplyTo": inReplyTo,
		"to": []any{asPublic}, "cc": []any{groupURI, p.followers()}, "published": published.UTC().Format(time.RFC3339),
		"content": content}
	if len(tags) > 0 {
		obj["tag"] = tags
	}
	return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": note + "/activity", "type": "Create",
		"actor": p.actorID(), "to": []any{asPublic}, "cc": []any{groupURI, p.followers()}, "object": obj}
}

// TestForumFlag: a Flag from a Mastodon-shaped peer of a local forum post
// lands in the forum's report queue with the remote reporter, once however
// often it is delivered; a Flag of a thread reports its opening post; a
// Flag naming several posts files one report each; a Flag of a federated
// post (by its remote id) reports it; the admins' report is kept.
func TestForumFlag(t *testing.T) {
	each(t, func(t *testing.T, d db.Dialect) {
		ctx := context.Background()
		clock := newClock()
		hub := newTestHub(t, d, clock)
		f := hub.forumFixture()
		masto := newFakePeer(t, false, clock)
		inbox := hub.h.base + "/inbox"

		flag := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": masto.srv.URL + "/flags/1",
			"type": "Flag", "actor": masto.actorID(), "content": "<p>Spam <b>and</b> rude</p>",
			"object": []any{hub.h.actorURI("maria"), hub.h.postURI(f.reply.ID)}}
		for i := 0; i < 2; i++ { // delivered twice
			if st := masto.send(inbox, flag); st != http.StatusAccepted {
				t.Fatalf("flag (delivery %d): %d", i+1, st)
			}
		}
		reps, err := hub.store.ForumReports(ctx, db.ForumReportQuery{Open: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(reps) != 1 {
			t.Fatalf("forum reports: %d, want 1: %+v", len(reps), reps)
		}
		alice, err := hub.store.ActorByURI(ctx, masto.actorID())
		if err != nil {
			t.Fatal(err)
		}
		r := reps[0]
		if r.PostID != f.reply.ID || r.ReporterActorID != alice.ID || r.ReporterUserID != 0 || r.APID != str(flag, "id") ||
			r.Reason != "Spam and rude" || r.Post == nil || r.Post.ID != f.reply.ID {
			t.Errorf("forum report: %+v", r)
		}
		if !r.Reporter.Remote() || r.Reporter.Handle != "alice" || r.Reporter.Host != masto.host() {
			t.Errorf("reporter: %+v, want alice@%s", r.Reporter, masto.host())
		}
		if admin, err := hub.store.Reports(ctx, false); err != nil || len(admin) != 1 {
			t.Errorf("admins' reports: %v, %v; want 1", admin, err)
		}

		// A Flag of the thread (and again of the reply, with no comment):
		// the opening post and the reply, one report each.
		flag2 := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": masto.srv.URL + "/flags/2",
			"type": "Flag", "actor": masto.actorID(),
			"object": []any{hub.h.threadURI(f.thread.ID), hub.h.postURI(f.first.ID), hub.h.postURI(f.reply.ID)}}
		if st := masto.send(inbox, flag2); st != http.StatusAccepted {
			t.Fatalf("flag of the thread: %d", st)
		}
		reps, err = hub.store.ForumReports(ctx, db.ForumReportQuery{Open: true})
		if err != nil || len(reps) != 3 {
			t.Fatalf("forum reports: %+v, %v; want 3", reps, err)
		}
		byPost := map[int64]*db.ForumReport{}
		for _, r := range reps[1:] {
			byPost[r.PostID] = r
		}
		if r := byPost[f.first.ID]; r == nil || r.APID != str(flag2, "id")+"#post-"+strconv.FormatInt(f.first.ID, 10) || r.Reason != flagNoReason {
			t.Errorf("report of the thread's opening post: %+v", r)
		}
		if r := byPost[f.reply.ID]; r == nil || r.ReporterActorID != alice.ID {
			t.Errorf("second report of the reply: %+v", r)
		}

		// A federated reply, flagged by its remote id.
		create := mastoReply(masto, 9, hub.h.threadURI(f.thread.ID), f.groupURI, "<p>buy pills</p>", clock.Now())
		if st := masto.send(inbox, create); st != http.StatusAccepted {
			t.Fatalf("reply: %d", st)
		}
		noteID := str(objOf(create["object"]), "id")
		pid, err := hub.store.ForumPostIDByAPID(ctx, noteID)
		if err != nil {
			t.Fatal(err)
		}
		other := newFakePeer(t, false, clock)
		flag3 := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": other.srv.URL + "/flags/3",
			"type": "Flag", "actor": other.actorID(), "content": "spam", "object": noteID}
		if st := other.send(inbox, flag3); st != http.StatusAccepted {
			t.Fatalf("flag of a federated post: %d", st)
		}
		if n, err := hub.store.CountForumReports(ctx, true); err != nil || n != 4 {
			t.Fatalf("forum reports: %d, %v; want 4", n, err)
		}
		reps, _ = hub.store.ForumReports(ctx, db.ForumReportQuery{Open: true})
		if r := reps[3]; r.PostID != pid || r.APID != str(flag3, "id") || r.Reporter.Host != other.host() {
			t.Errorf("report of a federated post: %+v", r)
		}

		// A Flag of nothing in the forum files no forum report.
		flag4 := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": masto.srv.URL + "/flags/4",
			"type": "Flag", "actor": masto.actorID(), "content": "x", "object": []any{hub.h.base + "/items/1", masto.srv.URL + "/nothing"}}
		if st := masto.send(inbox, flag4); st != http.StatusAccepted {
			t.Fatalf("flag of no forum post: %d", st)
		}
		if n, _ := hub.store.CountForumReports(ctx, false); n != 4 {
			t.Errorf("forum reports after a Flag of no forum post: %d, want 4", n)
		}

		// A long comment is cut to db.MaxReportReasonLen.
		flag5 := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": masto.srv.URL + "/flags/5",
			"type": "Flag", "actor": masto.actorID(), "content": strings.Repeat("много лошо ", 400), "object": hub.h.postURI(f.first.ID)}
		if st := masto.send(inbox, flag5); st != http.StatusAccepted {
			t.Fatalf("flag with a long comment: %d", st)
		}
		reps, _ = hub.store.ForumReports(ctx, db.ForumReportQuery{Open: true})
		if len(reps) != 5 || reps[4].PostID != f.first.ID || utf8.RuneCountInString(reps[4].Reason) > db.MaxReportReasonLen ||
			!strings.HasPrefix(reps[4].Reason, "много лошо") {
			t.Errorf("report with a long comment: %d reports, last %+v", len(reps), reps[len(reps)-1])
		}
	})
}

// TestForumRemoteRateLimit: a remote actor may write maxRemoteForumPosts
// forum posts in the window; the next is refused with 429 and not stored,
// even when it is dated in the past, until the window has passed. A
// repeated delivery of a post already stored is still accepted.
func TestForumRemoteRateLimit(t *testing.T) {
	each(t, func(t *testing.T, d db.Dialect) {
		ctx := context.Background()
		clock := newClock()
		hub := newTestHub(t, d, clock)
		f := hub.forumFixture()
		masto := newFakePeer(t, false, clock)
		inbox := hub.h.base + "/inbox"
		threadURI := hub.h.threadURI(f.thread.ID)
		old := clock.Now().Add(-48 * time.Hour) // dated in the past: the arrival counts
		for i := 1; i <= maxRemoteForumPosts; i++ {
			if st := masto.send(inbox, mastoReply(masto, i, threadURI, f.groupURI, "<p>reply</p>", old)); st != http.StatusAccepted {
				t.Fatalf("reply %d: %d", i, st)
			}
		}
		before, err := hub.store.CountForumPosts(ctx, f.thread.ID, true)
		if err != nil || before != 2+maxRemoteForumPosts {
			t.Fatalf("posts: %d, %v; want %d", before, err, 2+maxRemoteForumPosts)
		}
		over := mastoReply(masto, 100, threadURI, f.groupURI, "<p>one too many</p>", clock.Now())
		if st := masto.send(inbox, over); st != http.StatusTooManyRequests {
			t.Errorf("reply over the limit: %d, want 429", st)
		}
		if n, _ := hub.store.CountForumPosts(ctx, f.thread.ID, true); n != before {
			t.Errorf("posts after a refused reply: %d, want %d", n, before)
		}
		// A Lemmy-shaped new thread counts too.
		page := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": masto.srv.URL + "/activities/create/p1",
			"type": "Create", "actor": masto.actorID(), "to": []any{f.groupURI, asPublic}, "audience": f.groupURI,
			"object": map[string]any{"id": masto.srv.URL + "/post/1", "type": "Page", "attributedTo": masto.actorID(),
				"to": []any{f.groupURI, asPublic}, "audience": f.groupURI, "name": "Spam", "content": "<p>spam</p>"}}
		if st := masto.send(f.groupURI+"/inbox", page); st != http.StatusTooManyRequests {
			t.Errorf("thread over the limit: %d, want 429", st)
		}
		// Delivered again, a stored reply is accepted (and changes nothing).
		if st := masto.send(inbox, mastoReply(masto, 1, threadURI, f.groupURI, "<p>reply</p>", old)); st != http.StatusAccepted {
			t.Errorf("repeated delivery: %d, want 202", st)
		}
		// Another actor is not limited.
		other := newFakePeer(t, false, clock)
		if st := other.send(inbox, mastoReply(other, 1, threadURI, f.groupURI, "<p>hello</p>", clock.Now())); st != http.StatusAccepted {
			t.Errorf("another actor's reply: %d, want 202", st)
		}
		// After the window, the refused reply is taken.
		clock.Add(remoteForumPostWindow + time.Minute)
		over = mastoReply(masto, 100, threadURI, f.groupURI, "<p>one too many</p>", clock.Now())
		if st := masto.send(inbox, over); st != http.StatusAccepted {
			t.Errorf("reply after the window: %d, want 202", st)
		}
		if _, err := hub.store.ForumPostIDByAPID(ctx, str(objOf(over["object"]), "id")); err != nil {
			t.Errorf("reply after the window not stored: %v", err)
		}
	})
}
