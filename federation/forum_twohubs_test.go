package federation

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
)

// member creates a local member of the hub's forum.
func (th *testHub) member(email, name string) *db.User {
	th.t.Helper()
	u, err := th.store.CreateUser(context.Background(), db.NewUser{Email: email, Name: name, Password: "correct horse battery", Role: db.RoleMember})
	if err != nil {
		th.t.Fatal(err)
	}
	return u
}

// remoteThread returns the thread hub B keeps for A's thread with
// ActivityPub id apID, with its posts as a visitor sees them.
func (th *testHub) remoteThread(apID string) (*db.ForumThread, []*db.ForumPost) {
	th.t.Helper()
	ctx := context.Background()
	id, err := th.store.ForumThreadIDByAPID(ctx, apID)
	if err != nil {
		th.t.Fatalf("thread %s on %s: %v", apID, th.host, err)
	}
	t, err := th.store.ForumThread(ctx, id, 0)
	if err != nil {
		th.t.Fatal(err)
	}
	posts, err := th.store.ForumPosts(ctx, db.PostQuery{ThreadID: id})
	if err != nil {
		th.t.Fatal(err)
	}
	return t, posts
}

// TestForumTwoHubs runs two hubs on loopback. B follows A (its instance
// URL), and with it A's forum categories. A thread and a reply written on
// A appear on B in A's category, attributed and marked with their origin;
// a reply written on B goes to A's Group, lands in A's thread and comes
// back announced without being doubled; edits follow. A's moderators own
// the thread: a hide on A (of A's post, and of B's) hides it on B, a lock
// locks it on B, a move moves it on B.
func TestForumTwoHubs(t *testing.T) {
	each(t, func(t *testing.T, d db.Dialect) {
		ctx := context.Background()
		clock := newClock()
		a := newTestHub(t, d, clock)
		b := newTestHub(t, d, clock)
		help := a.forumCategory("pomosht")
		work := &db.ForumCategory{Handle: "rabota", Position: 2}
		work.SetTexts(db.Text{Lang: db.BG, Title: "Работа"}, db.Text{Lang: db.EN, Title: "Work"})
		if err := a.store.CreateForumCategory(ctx, work); err != nil {
			t.Fatal(err)
		}
		maria := a.member("maria@a.example", "Maria")
		ivan := b.member("ivan@b.example", "Ivan")

		// A thread from before the follow, edited and locked since.
		early := &db.ForumThread{CategoryID: help.ID, Title: "Добре дошли"}
		if err := a.store.CreateForumThread(ctx, early, &db.ForumPost{AuthorUserID: maria.ID, Lang: db.BG, BodyMD: "Здравейте", BodyHTML: "<p>Здравейте</p>"}); err != nil {
			t.Fatal(err)
		}
		if err := a.store.EditForumPost(ctx, db.ForumPostEdit{ID: early.FirstPostID, Lang: db.BG, BodyMD: "Здравейте на всички", BodyHTML: "<p>Здравейте на всички</p>"}); err != nil {
			t.Fatal(err)
		}
		if err := a.store.SetThreadLocked(ctx, early.ID, true); err != nil {
			t.Fatal(err)
		}
		a.drain()

		followed, err := b.h.Follow(ctx, a.srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		helpGroup, workGroup := a.h.actorURI("pomosht"), a.h.actorURI("rabota")
		if !contains(followed, helpGroup) || !contains(followed, workGroup) {
			t.Fatalf("B followed %v, want A's categories among them", followed)
		}
		b.drain() // Follows → A
		a.drain() // Accepts → B

		remoteHelp, err := b.store.ForumCategoryByHandle(ctx, "pomosht@"+a.host)
		if err != nil || !remoteHelp.Remote || remoteHelp.APID != helpGroup {
			t.Fatalf("A's category on B: %+v, %v", remoteHelp, err)
		}
		if en, exact, _ := remoteHelp.Texts().In(db.EN); !exact || en.Title != "Help" || en.Summary != "Questions and answers" {
			t.Errorf("A's category on B, in English: %+v", en)
		}
		if bg, exact, _ := remoteHelp.Texts().In(db.BG); !exact || bg.Title != "Помощ" {
			t.Errorf("A's category on B, in Bulgarian: %+v", bg)
		}

		// The Group's outbox brought the earlier thread, as it is now.
		et, eposts := b.remoteThread(a.h.threadURI(early.ID))
		if et.CategoryID != remoteHelp.ID || !et.Locked || len(eposts) != 1 || !strings.Contains(eposts[0].BodyHTML, "на всички") {
			t.Errorf("the thread from before the follow on B: %+v %+v", et, eposts)
		}

		// A opens a new category and renames one: B follows the new one
		// and shows the new names.
		school := &db.ForumCategory{Handle: "obrazovanie", Position: 3}
		school.SetTexts(db.Text{Lang: db.BG, Title: "Образование"}, db.Text{Lang: db.EN, Title: "Education"})
		if err := a.store.CreateForumCategory(ctx, school); err != nil {
			t.Fatal(err)
		}
		help.SetTexts(db.Text{Lang: db.BG, Title: "Помощ", Summary: "Въпроси и отговори"},
			db.Text{Lang: db.EN, Title: "Help and advice", Summary: "Questions and answers"})
		if err := a.store.UpdateForumCategory(ctx, help); err != nil {
			t.Fatal(err)
		}
		a.drain() // Add, Update → B
		b.drain() // the follow B queued → A
		a.drain() // Accept → B
		if c, err := b.store.ForumCategoryByHandle(ctx, "obrazovanie@"+a.host); err != nil || c.APID != a.h.actorURI("obrazovanie") {
			t.Errorf("A's new category on B: %+v, %v", c, err)
		}
		hubB, _ := b.store.LocalActor(ctx, b.h.hubHandle)
		if schoolOnB, err := b.store.ActorByURI(ctx, a.h.actorURI("obrazovanie")); err != nil {
			t.Errorf("A's new Group on B: %v", err)
		} else if f, err := b.store.FollowBetween(ctx, hubB.ID, schoolOnB.ID); err != nil || f.State != db.FollowAccepted {
			t.Errorf("B's follow of A's new category: %+v, %v", f, err)
		}
		if c, err := b.store.ForumCategoryByHandle(ctx, "pomosht@"+a.host); err != nil {
			t.Error(err)
		} else if en, _, _ := c.Texts().In(db.EN); en.Title != "Help and advice" {
			t.Errorf("A's renamed category on B is called %q", en.Title)
		}

		// Maria opens a thread on A and replies to it.
		thread := &db.ForumThread{CategoryID: help.ID, Title: "Лична карта"}
		first := &db.ForumPost{AuthorUserID: maria.ID, Lang: db.BG, BodyMD: "Как се подновява?", BodyHTML: "<p>Как се подновява?</p>"}
		if err := a.store.CreateForumThread(ctx, thread, first); err != nil {
			t.Fatal(err)
		}
		reply := &db.ForumPost{ThreadID: thread.ID, AuthorUserID: maria.ID, Lang: db.EN, BodyMD: "It takes a month", BodyHTML: "<p>It takes a month</p>"}
		if err := a.store.CreateForumPost(ctx, reply); err != nil {
			t.Fatal(err)
		}
		a.drain()
		threadURI := a.h.threadURI(thread.ID)
		bt, posts := b.remoteThread(threadURI)
		if bt.CategoryID != remoteHelp.ID || bt.Title != "Лична карта" || bt.Lang != db.BG || !bt.Author.Remote() || bt.Author.Host != a.host {
			t.Errorf("A's thread on B: %+v", bt)
		}
		if bt.URL == "" || !strings.HasPrefix(bt.URL, a.h.base) {
			t.Errorf("A's thread on B links to %q, want its page on A", bt.URL)
		}
		if len(posts) != 2 || posts[1].APID != a.h.postURI(reply.ID) || posts[1].Lang != db.EN || !strings.Contains(posts[1].BodyHTML, "a month") {
			t.Fatalf("posts of A's thread on B: %+v", posts)
		}

		// Ivan answers Maria's reply on B: it goes to A's Group, lands in
		// A's thread as Ivan's, and A announces it back to B, which keeps
		// one copy.
		ib := &db.ForumPost{ThreadID: bt.ID, AuthorUserID: ivan.ID, Lang: db.EN, QuoteOf: posts[1].ID,
			BodyMD: "Thanks, and in Plovdiv?", BodyHTML: "<p>Thanks, and in Plovdiv?</p>"}
		if err := b.store.CreateForumPost(ctx, ib); err != nil {
			t.Fatal(err)
		}
		b.drain() // Create → A's Group
		onA, err := a.store.ForumPosts(ctx, db.PostQuery{ThreadID: thread.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(onA) != 3 || onA[2].APID != b.h.postURI(ib.ID) || !onA[2].Author.Remote() || onA[2].Author.Host != b.host ||
			onA[2].QuoteOf != reply.ID || !strings.Contains(onA[2].BodyHTML, "Plovdiv") {
			t.Fatalf("Ivan's reply on A: %+v (want quote %d, apid %s)", *onA[len(onA)-1], reply.ID, b.h.postURI(ib.ID))
		}
		a.drain() // the Group's Announce → B
		if _, posts = b.remoteThread(threadURI); len(posts) != 3 {
			t.Errorf("B has %d posts after its own reply came back, want 3", len(posts))
		}

		// Maria edits her reply: the edit reaches B.
		if err := a.store.EditForumPost(ctx, db.ForumPostEdit{ID: reply.ID, Lang: db.EN, BodyMD: "Two weeks", BodyHTML: "<p>Two weeks</p>"}); err != nil {
			t.Fatal(err)
		}
		a.drain()
		if _, posts = b.remoteThread(threadURI); !posts[1].Edited() || !strings.Contains(posts[1].BodyHTML, "Two weeks") {
			t.Errorf("edited reply on B: %+v", posts[1])
		}

		// A moderator on A hides Maria's reply and Ivan's post: both go on
		// B too (moderators there still see them).
		// (Maria's reply by a moderator the log names: the moderator's Delete,
		// announced by the Group; Ivan's by the store alone: the Group's own.)
		admin, err := a.store.CreateUser(ctx, db.NewUser{Email: "admin@a.example", Name: "Admin", Password: "correct horse battery", Role: db.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.store.Moderate(ctx, db.ForumModAction{UserID: admin.ID, Action: db.ModHide, ThreadID: thread.ID, PostID: reply.ID},
			func(tx *db.Store) error { return tx.SetForumPostHidden(ctx, reply.ID, true) }); err != nil {
			t.Fatal(err)
		}
		if err := a.store.SetForumPostHidden(ctx, onA[2].ID, true); err != nil {
			t.Fatal(err)
		}
		a.drain()
		_, posts = b.remoteThread(threadURI)
		if len(posts) != 1 || posts[0].APID != threadURI {
			t.Errorf("B's visitors see %d posts after A's moderator hid two, want the opening one only", len(posts))
		}
		all, err := b.store.ForumPosts(ctx, db.PostQuery{ThreadID: bt.ID, WithHidden: true})
		if err != nil || len(all) != 3 || !all[1].Hidden || !all[2].Hidden {
			t.Errorf("B's moderators see: %+v, %v", all, err)
		}

		// A restores both (an Undo of each Delete): they are back on B.
		if err := a.store.Moderate(ctx, db.ForumModAction{UserID: admin.ID, Action: db.ModShow, ThreadID: thread.ID, PostID: reply.ID},
			func(tx *db.Store) error { return tx.SetForumPostHidden(ctx, reply.ID, false) }); err != nil {
			t.Fatal(err)
		}
		if err := a.store.SetForumPostHidden(ctx, onA[2].ID, false); err != nil {
			t.Fatal(err)
		}
		a.drain()
		if _, posts = b.remoteThread(threadURI); len(posts) != 3 {
			t.Errorf("B's visitors see %d posts after A restored two, want 3", len(posts))
		}
		if st, _, _ := get(t, a.h.postURI(reply.ID), "application/activity+json"); st != http.StatusOK {
			t.Errorf("the restored reply answers %d on A, want 200", st)
		}
		b.drain() // B showed Ivan's post again: nothing to send for it
		if n, _ := a.store.CountForumPosts(ctx, thread.ID, true); n != 3 {
			t.Errorf("A's thread has %d posts after B's restore, want 3", n)
		}
		if n, err := b.store.CountDeliveries(ctx, db.DeliveryFailed, ""); err != nil || n != 0 {
			t.Errorf("B has %d failed deliveries (%v)", n, err)
		}

		// A's moderator locks the thread: B refuses replies to it; A unlocks
		// it.
		if err := a.store.Moderate(ctx, db.ForumModAction{UserID: admin.ID, Action: db.ModLock, ThreadID: thread.ID},
			func(tx *db.Store) error { return tx.SetThreadLocked(ctx, thread.ID, true) }); err != nil {
			t.Fatal(err)
		}
		a.drain()
		if bt, _ = b.remoteThread(threadURI); !bt.Locked {
			t.Errorf("A's lock did not reach B")
		}
		late := &db.ForumPost{ThreadID: bt.ID, AuthorUserID: ivan.ID, Lang: db.EN, BodyMD: "late", BodyHTML: "<p>late</p>"}
		if err := b.store.CreateForumPost(ctx, late); err == nil {
			t.Errorf("B took a reply to a thread A locked")
		}
		if err := a.store.SetThreadLocked(ctx, thread.ID, false); err != nil {
			t.Fatal(err)
		}
		a.drain()
		if bt, _ = b.remoteThread(threadURI); bt.Locked {
			t.Errorf("A's unlock did not reach B")
		}

		// A moves the thread to its other category: it moves on B too.
		if err := a.store.MoveThread(ctx, thread.ID, work.ID); err != nil {
			t.Fatal(err)
		}
		a.drain()
		remoteWork, err := b.store.ForumCategoryByHandle(ctx, "rabota@"+a.host)
		if err != nil {
			t.Fatal(err)
		}
		if bt, _ = b.remoteThread(threadURI); bt.CategoryID != remoteWork.ID {
			t.Errorf("after A's move the thread is in category %d on B, want %d", bt.CategoryID, remoteWork.ID)
		}

		// A moderator on A hides the whole thread: it goes on B.
		if err := a.store.SetThreadHidden(ctx, thread.ID, true); err != nil {
			t.Fatal(err)
		}
		a.drain()
		if bt, _ = b.remoteThread(threadURI); !bt.Hidden {
			t.Errorf("A's hidden thread is still shown on B")
		}

		// Ivan opens a thread on B in A's category: it goes to A's Group,
		// which takes it and announces it; B keeps its own copy only. A
		// reply on A comes to B; A's lock applies on B.
		own := &db.ForumThread{CategoryID: remoteHelp.ID, Title: "Детска градина"}
		if err := b.store.CreateForumThread(ctx, own, &db.ForumPost{AuthorUserID: ivan.ID, Lang: db.BG,
			BodyMD: "Как се записва дете?", BodyHTML: "<p>Как се записва дете?</p>"}); err != nil {
			t.Fatal(err)
		}
		b.drain() // Create{Page} → A's Group
		ownURI := b.h.threadURI(own.ID)
		at, aposts := a.remoteThread(ownURI)
		if at.CategoryID != help.ID || at.Title != "Детска градина" || at.Author.Host != b.host || len(aposts) != 1 {
			t.Fatalf("Ivan's thread on A: %+v %+v", at, aposts)
		}
		a.drain() // the Group's Announces → B
		if n, err := b.store.CountForumThreads(ctx, db.ThreadQuery{CategoryID: remoteHelp.ID}); err != nil || n != 2 {
			t.Errorf("B's copy of A's category has %d visible threads (%v), want 2: the early one and Ivan's, once", n, err)
		}
		// (Maria answers Ivan by name: on B, he finds it among his mentions.)
		acct := "ivan@" + b.host
		ans := &db.ForumPost{ThreadID: at.ID, AuthorUserID: maria.ID, Lang: db.BG, BodyMD: "@" + acct + " С молба в общината",
			BodyHTML: `<p><a href="/forum/users/` + acct + `" class="mention">@` + acct + `</a> С молба в общината</p>`}
		if err := a.store.CreateForumPost(ctx, ans); err != nil {
			t.Fatal(err)
		}
		if err := a.store.SetThreadLocked(ctx, at.ID, true); err != nil {
			t.Fatal(err)
		}
		a.drain()
		ownNow, err := b.store.ForumThread(ctx, own.ID, 0)
		if err != nil || ownNow.PostCount != 2 || !ownNow.Locked {
			t.Errorf("Ivan's thread on B after A's reply and lock: %+v, %v", ownNow, err)
		}
		if ps, err := b.store.MemberPosts(ctx, db.MemberPostQuery{UserID: ivan.ID, Mentioning: true}); err != nil || len(ps) != 1 || ps[0].APID != a.h.postURI(ans.ID) {
			t.Errorf("Ivan's mentions on B: %+v, %v", ps, err)
		}
		if st, _, _ := get(t, ownURI, "application/activity+json"); st != 200 {
			t.Errorf("the Page of Ivan's thread answers %d on B", st)
		}
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
