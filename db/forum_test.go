package db_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

func mkMember(t *testing.T, s *db.Store, email, name string) *db.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), db.NewUser{Email: email, Name: name, Password: "correct horse battery", Role: db.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func post(author int64, lang db.Lang, text string) *db.ForumPost {
	return &db.ForumPost{AuthorUserID: author, Lang: lang, BodyMD: text, BodyHTML: "<p>" + text + "</p>"}
}

func mkThread(t *testing.T, s *db.Store, cat int64, author int64, title string) (*db.ForumThread, *db.ForumPost) {
	t.Helper()
	th := &db.ForumThread{CategoryID: cat, Title: title}
	p := post(author, db.BG, "Начало на "+title)
	if err := s.CreateForumThread(context.Background(), th, p); err != nil {
		t.Fatal(err)
	}
	return th, p
}

func reply(t *testing.T, s *db.Store, thread, author int64, text string) *db.ForumPost {
	t.Helper()
	p := post(author, db.EN, text)
	p.ThreadID = thread
	if err := s.CreateForumPost(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSeedForumIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		created, err := s.SeedForum(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(created) != 4 {
			t.Errorf("first SeedForum created %v, want 4 categories", created)
		}
		again, err := s.SeedForum(ctx)
		if err != nil || len(again) != 0 {
			t.Errorf("second SeedForum = %v, %v; want nothing", again, err)
		}
		cats, err := s.ForumCategories(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range cats {
			bg, _, _ := c.Texts().In(db.BG)
			en, _, _ := c.Texts().In(db.EN)
			if bg.Summary == "" || en.Summary == "" {
				t.Errorf("category %s lacks a description", c.Handle)
			}
			names = append(names, bg.Title+" / "+en.Title)
		}
		want := "Събития и обучения / Events and training|Услуги и материали / Services and materials|" +
			"Обмен на добри практики / Sharing good practice|Въпроси и отговори / Questions and answers"
		if got := strings.Join(names, "|"); got != want {
			t.Errorf("categories = %s\nwant %s", got, want)
		}
	})
}

func TestForumCategoryValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		if err := s.CreateOrganisation(ctx, newOrg("ic-ruse")); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name   string
			c      *db.ForumCategory
			target error
		}{
			{"no handle", &db.ForumCategory{}, db.ErrInvalid},
			{"non-ASCII handle", &db.ForumCategory{Handle: "събития"}, db.ErrInvalid},
			{"reserved handle", &db.ForumCategory{Handle: "posts"}, db.ErrInvalid},
			{"an organisation's handle", &db.ForumCategory{Handle: "ic-ruse"}, db.ErrConflict},
			{"remote without id", &db.ForumCategory{Handle: "events@partner.example", Remote: true}, db.ErrInvalid},
		} {
			if tt.c.Translations == nil {
				tt.c.SetTexts(db.Text{Lang: db.BG, Title: "Име"})
			}
			if err := s.CreateForumCategory(ctx, tt.c); !errors.Is(err, tt.target) {
				t.Errorf("%s: err = %v, want %v", tt.name, err, tt.target)
			}
		}
		c := &db.ForumCategory{Handle: "Events"}
		if err := s.CreateForumCategory(ctx, c); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("a category without a name: err = %v, want ErrInvalid", err)
		}
		c.SetTexts(db.Text{Lang: db.EN, Title: "Events"})
		if err := s.CreateForumCategory(ctx, c); err != nil || c.Handle != "events" {
			t.Fatalf("create: %v, handle %q", err, c.Handle)
		}
		dup := &db.ForumCategory{Handle: "events"}
		dup.SetTexts(db.Text{Lang: db.EN, Title: "Again"})
		if err := s.CreateForumCategory(ctx, dup); !errors.Is(err, db.ErrConflict) {
			t.Errorf("duplicate handle: err = %v, want ErrConflict", err)
		}
		remote := &db.ForumCategory{Handle: "events@partner.example", Remote: true, APID: "https://partner.example/c/events"}
		remote.SetTexts(db.Text{Lang: db.BG, Title: "Събития в Русе"})
		if err := s.CreateForumCategory(ctx, remote); err != nil {
			t.Fatalf("a remote category with the same name as a local one: %v", err)
		}
		c.SetTexts(db.Text{Lang: db.EN, Title: "Events"}, db.Text{Lang: db.BG, Title: "Събития", Summary: "Описание"})
		c.Position = 7
		if err := s.UpdateForumCategory(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, err := s.ForumCategoryByHandle(ctx, "EVENTS")
		if err != nil || got.Position != 7 || !got.Texts().Has(db.BG) {
			t.Errorf("after update: %+v, %v", got, err)
		}
	})
}

func TestForumThreadsAndPosts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		if _, err := s.SeedForum(ctx); err != nil {
			t.Fatal(err)
		}
		q, err := s.ForumCategoryByHandle(ctx, "questions")
		if err != nil {
			t.Fatal(err)
		}
		ana := mkMember(t, s, "ana@example.org", "Анна Петрова")
		bob := mkMember(t, s, "bob@example.org", "Bob")

		v0 := s.ContentVersion()
		th, first := mkThread(t, s, q.ID, ana.ID, "  Как се подновява   разрешение? ")
		if s.ContentVersion() == v0 {
			t.Error("creating a thread did not bump the content version")
		}
		if th.Title != "Как се подновява разрешение?" || th.Lang != db.BG || th.PostCount != 1 || th.FirstPostID != first.ID {
			t.Errorf("new thread = %+v", th)
		}
		prof, err := s.ForumProfile(ctx, ana.ID)
		if err != nil || prof.Handle != "anna-petrova" {
			t.Errorf("Anna's forum handle = %+v, %v; want anna-petrova", prof, err)
		}

		time.Sleep(2 * time.Millisecond)
		r1 := reply(t, s, th.ID, bob.ID, "First answer")
		r2 := &db.ForumPost{ThreadID: th.ID, AuthorUserID: ana.ID, Lang: "uk", BodyHTML: "<p>Дякую</p>", QuoteOf: r1.ID, Mentions: []int64{bob.ID, bob.ID, ana.ID}}
		if err := s.CreateForumPost(ctx, r2); err != nil {
			t.Fatal(err)
		}

		got, err := s.ForumThread(ctx, th.ID, bob.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.PostCount != 3 || got.Replies() != 2 || got.LastPostID != r2.ID || got.LastPoster.Name != "Анна Петрова" ||
			got.Author.Handle != "anna-petrova" || got.Category != "questions" || got.Followed {
			t.Errorf("thread = %+v", got)
		}

		posts, err := s.ForumPosts(ctx, db.PostQuery{ThreadID: th.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(posts) != 3 || posts[0].ID != first.ID || posts[2].ID != r2.ID {
			t.Fatalf("posts = %v", posts)
		}
		if p := posts[2]; p.Quote == nil || p.Quote.ID != r1.ID || p.Quote.Author.Name != "Bob" || p.Author.Handle != "anna-petrova" ||
			p.Lang != "uk" || p.Thread.Category != "questions" || p.Thread.FirstPostID != first.ID {
			t.Errorf("reply with quote = %+v (quote %+v)", p, p.Quote)
		}

		mentions, err := s.MemberPosts(ctx, db.MemberPostQuery{UserID: bob.ID, Mentioning: true})
		if err != nil || len(mentions) != 1 || mentions[0].ID != r2.ID {
			t.Errorf("Bob's mentions = %v, %v; want the one post (once, and not Anna's self-mention)", mentions, err)
		}
		if n, _ := s.CountMemberPosts(ctx, db.MemberPostQuery{UserID: ana.ID, Mentioning: true}); n != 0 {
			t.Errorf("Anna is mentioned %d times, want 0 (self-mentions are not stored)", n)
		}

		// Validation.
		for _, tt := range []struct {
			name string
			p    *db.ForumPost
			want error
		}{
			{"empty", &db.ForumPost{ThreadID: th.ID, AuthorUserID: bob.ID, Lang: db.EN, BodyHTML: "  "}, db.ErrInvalid},
			{"no author", &db.ForumPost{ThreadID: th.ID, Lang: db.EN, BodyHTML: "<p>x</p>"}, db.ErrInvalid},
			{"bad language", &db.ForumPost{ThreadID: th.ID, AuthorUserID: bob.ID, Lang: "English", BodyHTML: "<p>x</p>"}, db.ErrInvalid},
			{"too long", &db.ForumPost{ThreadID: th.ID, AuthorUserID: bob.ID, Lang: db.EN, BodyMD: strings.Repeat("я", db.MaxPostLen+1), BodyHTML: "<p>x</p>"}, db.ErrInvalid},
			{"missing thread", &db.ForumPost{ThreadID: 999, AuthorUserID: bob.ID, Lang: db.EN, BodyHTML: "<p>x</p>"}, db.ErrNotFound},
			{"quote from elsewhere", &db.ForumPost{ThreadID: th.ID, AuthorUserID: bob.ID, Lang: db.EN, BodyHTML: "<p>x</p>", QuoteOf: 999}, db.ErrInvalid},
		} {
			if err := s.CreateForumPost(ctx, tt.p); !errors.Is(err, tt.want) {
				t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
			}
		}
		if err := s.CreateForumThread(ctx, &db.ForumThread{CategoryID: q.ID, Title: " "}, post(bob.ID, db.EN, "x")); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("thread without a title: %v", err)
		}
		if err := s.CreateForumThread(ctx, &db.ForumThread{CategoryID: 999, Title: "x"}, post(bob.ID, db.EN, "x")); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("thread in a missing category: %v", err)
		}

		// Editing: the opening post renames the thread; a reply cannot.
		if err := s.EditForumPost(ctx, db.ForumPostEdit{ID: first.ID, Lang: db.EN, BodyHTML: "<p>Renewal</p>", BodyMD: "Renewal", Title: "How to renew a permit?"}); err != nil {
			t.Fatal(err)
		}
		if err := s.EditForumPost(ctx, db.ForumPostEdit{ID: r1.ID, Lang: db.EN, BodyHTML: "<p>x</p>", Title: "Hijack"}); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("renaming through a reply: %v", err)
		}
		got, _ = s.ForumThread(ctx, th.ID, 0)
		p, _ := s.ForumPost(ctx, first.ID)
		if got.Title != "How to renew a permit?" || got.Lang != db.EN || !p.Edited() || p.BodyMD != "Renewal" {
			t.Errorf("after edit: thread %q %s, post edited=%v %q", got.Title, got.Lang, p.Edited(), p.BodyMD)
		}

		// Deleting is soft; a deleted post cannot be edited.
		if err := s.DeleteForumPost(ctx, r1.ID); err != nil {
			t.Fatal(err)
		}
		p, _ = s.ForumPost(ctx, r1.ID)
		if !p.Deleted() || p.BodyHTML == "" {
			t.Errorf("deleted post = %+v", p)
		}
		if err := s.EditForumPost(ctx, db.ForumPostEdit{ID: r1.ID, Lang: db.EN, BodyHTML: "<p>back</p>"}); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("editing a deleted post: %v", err)
		}
		posts, _ = s.ForumPosts(ctx, db.PostQuery{ThreadID: th.ID})
		if len(posts) != 3 || !posts[2].Quote.Deleted {
			t.Errorf("a deleted post leaves a marker and its quotes know: %d posts", len(posts))
		}

		// Hiding takes a post out of visitors' pages and the counters.
		if err := s.SetForumPostHidden(ctx, r2.ID, true); err != nil {
			t.Fatal(err)
		}
		got, _ = s.ForumThread(ctx, th.ID, 0)
		if got.PostCount != 2 || got.LastPostID != r1.ID || got.LastPoster.Name != "Bob" {
			t.Errorf("after hiding the last post: count %d, last %d by %q", got.PostCount, got.LastPostID, got.LastPoster.Name)
		}
		if ps, _ := s.ForumPosts(ctx, db.PostQuery{ThreadID: th.ID}); len(ps) != 2 {
			t.Errorf("visitors see %d posts, want 2", len(ps))
		}
		if ps, _ := s.ForumPosts(ctx, db.PostQuery{ThreadID: th.ID, WithHidden: true}); len(ps) != 3 || !ps[2].Hidden {
			t.Errorf("moderators see %d posts, want 3 with the hidden one", len(ps))
		}
		if n, _ := s.CountMemberPosts(ctx, db.MemberPostQuery{UserID: bob.ID, Mentioning: true}); n != 0 {
			t.Errorf("a hidden post still counts as a mention")
		}
		if err := s.SetForumPostHidden(ctx, r2.ID, false); err != nil {
			t.Fatal(err)
		}
		if got, _ = s.ForumThread(ctx, th.ID, 0); got.PostCount != 3 || got.LastPostID != r2.ID {
			t.Errorf("after showing it again: count %d, last %d", got.PostCount, got.LastPostID)
		}

		// Position in the thread, for /forum/posts/{id}.
		if i, err := s.ForumPostIndex(ctx, r2, false); err != nil || i != 2 {
			t.Errorf("index of the third post = %d, %v", i, err)
		}
	})
}

func TestForumModeration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		if _, err := s.SeedForum(ctx); err != nil {
			t.Fatal(err)
		}
		q, _ := s.ForumCategoryByHandle(ctx, "questions")
		ev, _ := s.ForumCategoryByHandle(ctx, "events-and-training")
		ana := mkMember(t, s, "ana@example.org", "Ana")

		old, _ := mkThread(t, s, q.ID, ana.ID, "Old")
		time.Sleep(2 * time.Millisecond)
		pinned, _ := mkThread(t, s, q.ID, ana.ID, "Pinned")
		time.Sleep(2 * time.Millisecond)
		fresh, _ := mkThread(t, s, q.ID, ana.ID, "Fresh")
		time.Sleep(2 * time.Millisecond)
		reply(t, s, old.ID, ana.ID, "bump")
		hidden, _ := mkThread(t, s, q.ID, ana.ID, "Hidden")

		if err := s.SetThreadPinned(ctx, pinned.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := s.SetThreadHidden(ctx, hidden.ID, true); err != nil {
			t.Fatal(err)
		}
		titles := func(q db.ThreadQuery) string {
			t.Helper()
			ts, err := s.ForumThreads(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, th := range ts {
				out = append(out, th.Title)
			}
			return strings.Join(out, ",")
		}
		if got := titles(db.ThreadQuery{CategoryID: q.ID}); got != "Pinned,Old,Fresh" {
			t.Errorf("visitors' list = %s, want Pinned,Old,Fresh", got)
		}
		if got := titles(db.ThreadQuery{CategoryID: q.ID, WithHidden: true}); got != "Pinned,Hidden,Old,Fresh" {
			t.Errorf("moderators' list = %s", got)
		}
		if n, _ := s.CountForumThreads(ctx, db.ThreadQuery{CategoryID: q.ID}); n != 3 {
			t.Errorf("count = %d, want 3", n)
		}
		if p := post(ana.ID, db.EN, "x"); true {
			p.ThreadID = hidden.ID
			if err := s.CreateForumPost(ctx, p); !errors.Is(err, db.ErrNotFound) {
				t.Errorf("reply to a hidden thread: %v", err)
			}
		}

		if err := s.SetThreadLocked(ctx, fresh.ID, true); err != nil {
			t.Fatal(err)
		}
		p := post(ana.ID, db.EN, "late")
		p.ThreadID = fresh.ID
		if err := s.CreateForumPost(ctx, p); !errors.Is(err, db.ErrLocked) || !errors.Is(err, db.ErrConflict) {
			t.Errorf("reply to a locked thread: %v, want ErrLocked", err)
		}
		if err := s.EditForumPost(ctx, db.ForumPostEdit{ID: fresh.FirstPostID, Lang: db.EN, BodyHTML: "<p>x</p>"}); !errors.Is(err, db.ErrLocked) {
			t.Errorf("edit in a locked thread: %v, want ErrLocked", err)
		}

		if err := s.MoveThread(ctx, old.ID, ev.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.MoveThread(ctx, old.ID, 999); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("move to a missing category: %v", err)
		}
		if got := titles(db.ThreadQuery{CategoryID: ev.ID}); got != "Old" {
			t.Errorf("after the move: %s", got)
		}
		if err := s.SetThreadPinned(ctx, 999, true); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("pin a missing thread: %v", err)
		}

		acts, err := s.ForumActivities(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if a := acts[q.ID]; a == nil || a.Threads != 2 || a.Posts != 2 || a.LastTitle != "Fresh" {
			t.Errorf("activity of questions = %+v", a)
		}
		if a := acts[ev.ID]; a == nil || a.Threads != 1 || a.Posts != 2 || a.LastPoster.Name != "Ana" {
			t.Errorf("activity of events = %+v", a)
		}
	})
}

func TestFollowsReportsAndLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		if _, err := s.SeedForum(ctx); err != nil {
			t.Fatal(err)
		}
		q, _ := s.ForumCategoryByHandle(ctx, "questions")
		ana := mkMember(t, s, "ana@example.org", "Ana")
		bob := mkMember(t, s, "bob@example.org", "Ana") // the same name: handles must differ
		th, first := mkThread(t, s, q.ID, ana.ID, "T")
		reply(t, s, th.ID, bob.ID, "hi")
		pa, _ := s.ForumProfile(ctx, ana.ID)
		pb, _ := s.ForumProfile(ctx, bob.ID)
		if pa.Handle != "ana" || pb.Handle != "ana-2" {
			t.Errorf("handles = %q, %q; want ana, ana-2", pa.Handle, pb.Handle)
		}
		byHandle, err := s.ForumProfilesByHandle(ctx, []string{"ana", "ana-2", "nobody"})
		if err != nil || len(byHandle) != 2 || byHandle["ana-2"].UserID != bob.ID {
			t.Errorf("profiles by handle = %v, %v", byHandle, err)
		}

		v := s.ContentVersion()
		if err := s.FollowThread(ctx, ana.ID, th.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.FollowThread(ctx, ana.ID, th.ID); err != nil {
			t.Errorf("following twice: %v", err)
		}
		if s.ContentVersion() != v {
			t.Error("following a thread emptied the page caches")
		}
		got, _ := s.ForumThread(ctx, th.ID, ana.ID)
		if !got.Followed || got.Unread() {
			t.Errorf("just followed: followed=%v unread=%v", got.Followed, got.Unread())
		}
		r := reply(t, s, th.ID, bob.ID, "news")
		ts, _ := s.ForumThreads(ctx, db.ThreadQuery{Viewer: ana.ID, FollowedOnly: true})
		if len(ts) != 1 || !ts[0].Unread() {
			t.Errorf("followed threads = %v, want one unread", ts)
		}
		if id, err := s.FirstForumPostAfter(ctx, th.ID, ts[0].LastRead, false); err != nil || id != r.ID {
			t.Errorf("first unread = %d, %v; want %d", id, err, r.ID)
		}
		if err := s.MarkThreadRead(ctx, ana.ID, th.ID, r.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkThreadRead(ctx, ana.ID, th.ID, first.ID); err != nil { // never backwards
			t.Fatal(err)
		}
		if got, _ = s.ForumThread(ctx, th.ID, ana.ID); got.Unread() || got.LastRead != r.ID {
			t.Errorf("after reading: unread=%v last read %d", got.Unread(), got.LastRead)
		}
		if ids, _ := s.ThreadFollowers(ctx, th.ID); len(ids) != 1 || ids[0] != ana.ID {
			t.Errorf("followers = %v", ids)
		}
		if err := s.UnfollowThread(ctx, ana.ID, th.ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountForumThreads(ctx, db.ThreadQuery{Viewer: ana.ID, FollowedOnly: true}); n != 0 {
			t.Errorf("after unfollowing: %d followed threads", n)
		}

		// Reports.
		if err := s.CreateForumReport(ctx, &db.ForumReport{PostID: r.ID, ReporterUserID: ana.ID}); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("report without a reason: %v", err)
		}
		if err := s.CreateForumReport(ctx, &db.ForumReport{PostID: 999, ReporterUserID: ana.ID, Reason: "spam"}); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("report of a missing post: %v", err)
		}
		rep := &db.ForumReport{PostID: r.ID, ReporterUserID: ana.ID, Reason: "Spam"}
		if err := s.CreateForumReport(ctx, rep); err != nil {
			t.Fatal(err)
		}
		reps, err := s.ForumReports(ctx, db.ForumReportQuery{Open: true})
		if err != nil || len(reps) != 1 || reps[0].Post == nil || reps[0].Post.Author.UserID != bob.ID || reps[0].Reporter.Handle != "ana" {
			t.Fatalf("open reports = %+v, %v", reps, err)
		}
		if err := s.ResolveForumReport(ctx, rep.ID, ana.ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountForumReports(ctx, true); n != 0 {
			t.Errorf("%d open reports after resolving", n)
		}
		if all, _ := s.ForumReports(ctx, db.ForumReportQuery{}); len(all) != 1 || !all[0].Resolved() || all[0].ResolvedBy != ana.ID {
			t.Errorf("all reports = %+v", all)
		}
		if err := s.ResolveForumReport(ctx, 999, ana.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("resolving a missing report: %v", err)
		}

		// The posting limit counts opening posts and replies.
		if n, err := s.CountForumPostsSince(ctx, bob.ID, time.Now().Add(-time.Minute)); err != nil || n != 2 {
			t.Errorf("Bob's recent posts = %d, %v; want 2", n, err)
		}
		if n, _ := s.CountForumPostsSince(ctx, bob.ID, time.Now().Add(time.Minute)); n != 0 {
			t.Errorf("posts in the future = %d", n)
		}
	})
}

func TestRemoteAuthors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		if _, err := s.SeedForum(ctx); err != nil {
			t.Fatal(err)
		}
		q, _ := s.ForumCategoryByHandle(ctx, "questions")
		a := &db.Actor{URI: "https://mastodon.example/users/maria", Type: db.ActorPerson, Handle: "maria", Host: "mastodon.example",
			Name: "Maria", URL: "https://mastodon.example/@maria"}
		if err := s.SaveRemoteActor(ctx, a); err != nil {
			t.Fatal(err)
		}
		th := &db.ForumThread{CategoryID: q.ID, Title: "From Mastodon", APID: "https://mastodon.example/users/maria/statuses/1"}
		first := &db.ForumPost{AuthorActorID: a.ID, Lang: db.EN, BodyHTML: "<p>Hello</p>", APID: "https://mastodon.example/users/maria/statuses/1",
			CreatedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
		if err := s.CreateForumThread(ctx, th, first); err != nil {
			t.Fatal(err)
		}
		got, err := s.ForumThread(ctx, th.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Author.Remote() || got.Author.Handle != "maria" || got.Author.Host != "mastodon.example" || got.Author.URL != "https://mastodon.example/@maria" ||
			!got.LastPostAt.Equal(first.CreatedAt) {
			t.Errorf("remote thread = %+v", got)
		}
		dup := &db.ForumPost{ThreadID: th.ID, AuthorActorID: a.ID, Lang: db.EN, BodyHTML: "<p>again</p>", APID: first.APID}
		if err := s.CreateForumPost(ctx, dup); !errors.Is(err, db.ErrConflict) {
			t.Errorf("a second post with the same ActivityPub id: %v, want ErrConflict", err)
		}
		actors, err := s.RemoteActorsByAcct(ctx, []string{"Maria@mastodon.example", "ghost@nowhere.example"})
		if err != nil || len(actors) != 1 || actors["maria@mastodon.example"] == nil {
			t.Errorf("actors by acct = %v, %v", actors, err)
		}
	})
}

func TestThreadPageQueriesAreBounded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		if _, err := s.SeedForum(ctx); err != nil {
			t.Fatal(err)
		}
		q, _ := s.ForumCategoryByHandle(ctx, "questions")
		var users []*db.User
		for i := range 10 {
			users = append(users, mkMember(t, s, fmt.Sprintf("m%d@example.org", i), fmt.Sprintf("Member %d", i)))
		}
		th, first := mkThread(t, s, q.ID, users[0].ID, "Long")
		prev := first.ID
		for i := range 99 {
			p := post(users[i%10].ID, db.EN, fmt.Sprintf("post %d", i+2))
			p.ThreadID, p.QuoteOf = th.ID, prev
			if err := s.CreateForumPost(ctx, p); err != nil {
				t.Fatal(err)
			}
			prev = p.ID
		}
		cs, counter := s.Counting()
		for page := range 4 {
			counter.Reset()
			ps, err := cs.ForumPosts(ctx, db.PostQuery{ThreadID: th.ID, Limit: 30, Offset: page * 30})
			if err != nil {
				t.Fatal(err)
			}
			want := 30
			if page == 3 {
				want = 10
			}
			if len(ps) != want || ps[0].Author.Name == "" || ps[len(ps)-1].Quote == nil {
				t.Errorf("page %d: %d posts, want %d, with authors and quotes", page+1, len(ps), want)
			}
			if ps[0].ID != first.ID+int64(page*30) {
				t.Errorf("page %d starts at post %d", page+1, ps[0].ID)
			}
			if n := counter.Count(); n != 1 {
				t.Errorf("page %d took %d queries, want 1", page+1, n)
			}
		}
	})
}

func TestForumOutboxEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		if _, err := s.SeedForum(ctx); err != nil {
			t.Fatal(err)
		}
		q, _ := s.ForumCategoryByHandle(ctx, "questions")
		ana := mkMember(t, s, "ana@example.org", "Ana")
		remote := &db.Actor{URI: "https://lemmy.example/u/ivan", Type: db.ActorPerson, Handle: "ivan", Host: "lemmy.example"}
		if err := s.SaveRemoteActor(ctx, remote); err != nil {
			t.Fatal(err)
		}
		th, _ := mkThread(t, s, q.ID, ana.ID, "Local")
		r := reply(t, s, th.ID, ana.ID, "local reply")
		far := &db.ForumPost{ThreadID: th.ID, AuthorActorID: remote.ID, Lang: db.EN, BodyHTML: "<p>remote</p>", APID: "https://lemmy.example/comment/1"}
		if err := s.CreateForumPost(ctx, far); err != nil {
			t.Fatal(err)
		}
		steps := []func() error{
			func() error {
				return s.EditForumPost(ctx, db.ForumPostEdit{ID: r.ID, Lang: db.EN, BodyHTML: "<p>edited</p>"})
			},
			func() error { return s.DeleteForumPost(ctx, r.ID) },
			func() error { return s.DeleteForumPost(ctx, r.ID) }, // again: nothing new
			func() error { return s.SetForumPostHidden(ctx, far.ID, true) },
			func() error { return s.SetForumPostHidden(ctx, far.ID, true) }, // again: nothing new
			func() error { return s.SetThreadLocked(ctx, th.ID, true) },
			func() error { return s.SetThreadHidden(ctx, th.ID, true) },
			func() error { return s.SetThreadPinned(ctx, th.ID, true) }, // while hidden: no update
			func() error { return s.SetThreadHidden(ctx, th.ID, false) },
		}
		for i, step := range steps {
			if err := step(); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		evs, err := s.PendingOutboxEvents(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		cats := 0
		for _, ev := range evs {
			if ev.Subject == db.OutboxForumCategory {
				cats++ // the seeded categories, created
				if ev.Action != db.ActionCreate {
					t.Errorf("category event %+v, want create", ev)
				}
				continue
			}
			got = append(got, fmt.Sprintf("%s %d %s", ev.Subject, ev.SubjectID, ev.Action))
		}
		if all, _ := s.ForumCategories(ctx); cats != len(all) {
			t.Errorf("%d category events for %d categories", cats, len(all))
		}
		want := []string{
			fmt.Sprintf("forum_thread %d create", th.ID),
			fmt.Sprintf("forum_post %d create", r.ID),
			fmt.Sprintf("forum_post %d update", r.ID),
			fmt.Sprintf("forum_post %d delete", r.ID),
			fmt.Sprintf("forum_post %d delete", far.ID),
			fmt.Sprintf("forum_thread %d update", th.ID),
			fmt.Sprintf("forum_thread %d delete", th.ID),
			fmt.Sprintf("forum_thread %d create", th.ID),
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("outbox events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}
