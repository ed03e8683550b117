package feeds

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// forumFixture is a category with two visible threads and a hidden one;
// the first thread has a visible, a hidden and a deleted reply.
type forumFixture struct {
	cat                          *db.ForumCategory
	first, second, hiddenTh      *db.ForumThread
	opening, reply, hidden, gone *db.ForumPost
}

func seedForum(t *testing.T, s *db.Store) *forumFixture {
	t.Helper()
	ctx := context.Background()
	mk := func(email, name string) *db.User {
		u, err := s.CreateUser(ctx, db.NewUser{Email: email, Name: name, Password: "correct horse battery", Role: db.RoleMember})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	ana, ben := mk("ana@example.org", "Ана Петрова"), mk("ben@example.org", "Ben Smith")
	x := &forumFixture{cat: &db.ForumCategory{Handle: "vaprosi"}}
	x.cat.SetTexts(db.Text{Lang: db.BG, Title: "Въпроси", Summary: "Питайте"}, db.Text{Lang: db.EN, Title: "Questions", Summary: "Ask"})
	if err := s.CreateForumCategory(ctx, x.cat); err != nil {
		t.Fatal(err)
	}
	thread := func(title string, author int64, body string) (*db.ForumThread, *db.ForumPost) {
		th := &db.ForumThread{CategoryID: x.cat.ID, Title: title}
		p := &db.ForumPost{AuthorUserID: author, Lang: db.BG, BodyMD: body, BodyHTML: "<p>" + body + "</p>"}
		if err := s.CreateForumThread(ctx, th, p); err != nil {
			t.Fatal(err)
		}
		return th, p
	}
	reply := func(author int64, body string) *db.ForumPost {
		p := &db.ForumPost{ThreadID: x.first.ID, AuthorUserID: author, Lang: db.EN, BodyMD: body, BodyHTML: "<p>" + body + "</p>"}
		if err := s.CreateForumPost(ctx, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	x.first, x.opening = thread("Как се подновява виза?", ana.ID, "Кажете как")
	x.reply = reply(ben.ID, "At the migration office")
	x.hidden = reply(ben.ID, "Spam that a moderator hid")
	x.gone = reply(ben.ID, "Written then deleted")
	if err := s.SetForumPostHidden(ctx, x.hidden.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteForumPost(ctx, x.gone.ID); err != nil {
		t.Fatal(err)
	}
	x.second, _ = thread("Курсове по български", ben.ID, "Къде има курсове")
	x.hiddenTh, _ = thread("Скрита тема", ana.ID, "Скрито")
	if err := s.SetThreadHidden(ctx, x.hiddenTh.ID, true); err != nil {
		t.Fatal(err)
	}
	return x
}

func TestForumFeeds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		x := newHub(t, s)
		fx := seedForum(t, s)
		id := func(prefix string, n int64) string { return testBase + prefix + strconv.FormatInt(n, 10) }
		for _, lang := range db.InterfaceLangs {
			for _, fm := range db.FeedFormats() {
				cf := x.feed(db.ForumCategoryFeedPath(lang, "vaprosi", fm), fm)
				want := []string{id("/forum/threads/", fx.second.ID), id("/forum/threads/", fx.first.ID)}
				if got := cf.guids(); !slices.Equal(got, want) {
					t.Errorf("%s %s category feed ids = %v, want %v (no hidden thread)", lang, fm, got, want)
				}
				title := map[db.Lang]string{db.BG: "Форум: Въпроси — bgimigranti хъб", db.EN: "Forum: Questions — bgimigranti hub"}[lang]
				if cf.Title != title {
					t.Errorf("%s %s category feed title = %q, want %q", lang, fm, cf.Title, title)
				}
				if fm != db.FeedJSON && cf.Language != string(lang) {
					t.Errorf("%s %s category feed language = %q", lang, fm, cf.Language)
				}
				if len(cf.Items) == 2 {
					it := cf.Items[1]
					if it.Title != "Как се подновява виза?" || it.Link != testBase+"/"+string(lang)+"/forum/vaprosi/"+strconv.FormatInt(fx.first.ID, 10) {
						t.Errorf("%s %s thread entry = %q %q", lang, fm, it.Title, it.Link)
					}
					if it.PublishedParsed == nil && it.UpdatedParsed == nil {
						t.Errorf("%s %s thread entry has no date", lang, fm)
					}
					if name, _ := cf.author(1); name != "Ана Петрова" {
						t.Errorf("%s %s thread author = %q", lang, fm, name)
					}
				}

				tf := x.feed(db.ForumThreadFeedPath(lang, fx.first.ID, fm), fm)
				want = []string{id("/forum/posts/", fx.reply.ID), id("/forum/posts/", fx.opening.ID)}
				if got := tf.guids(); !slices.Equal(got, want) {
					t.Errorf("%s %s thread feed ids = %v, want %v (no hidden or deleted post)", lang, fm, got, want)
				}
				for _, it := range tf.Items {
					if it.Link != testBase+db.ForumPostPath(lang, postIDOf(it.Link)) || postIDOf(it.Link) == 0 {
						t.Errorf("%s %s post link %q is not a permalink", lang, fm, it.Link)
					}
				}
				if len(tf.Items) == 2 {
					// An entry declares its language where it differs
					// from the feed's.
					wantLang := map[db.Lang]string{db.BG: "en", db.EN: ""}[lang]
					if got := tf.entryLang(t, 0); got != wantLang {
						t.Errorf("%s %s: the English reply's language = %q, want %q", lang, fm, got, wantLang)
					}
					if !contains(tf.Items[0].Content, "At the migration office") {
						t.Errorf("%s %s reply content = %q", lang, fm, tf.Items[0].Content)
					}
				}
				for _, body := range []string{"Spam that a moderator hid", "Written then deleted", "Скрита тема"} {
					if contains(string(tf.body), body) || contains(string(cf.body), body) {
						t.Errorf("%s %s: a feed carries %q", lang, fm, body)
					}
				}
			}
		}

		// A new reply shows in the thread's feed and changes its ETag.
		path := db.ForumThreadFeedPath(db.BG, fx.first.ID, db.FeedAtom)
		r1, _ := x.get(path)
		etag := r1.Header.Get("ETag")
		if r, _ := x.get(path, "If-None-Match", etag); r.StatusCode != http.StatusNotModified {
			t.Errorf("matching If-None-Match = %d, want 304", r.StatusCode)
		}
		p := &db.ForumPost{ThreadID: fx.first.ID, AuthorUserID: fx.opening.AuthorUserID, Lang: db.BG, BodyMD: "Благодаря", BodyHTML: "<p>Благодаря</p>"}
		if err := s.CreateForumPost(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		if r, _ := x.get(path, "If-None-Match", etag); r.StatusCode != http.StatusOK {
			t.Errorf("after a reply, old ETag = %d, want 200", r.StatusCode)
		}
		if got := x.feed(path, db.FeedAtom).guids(); len(got) != 3 || got[0] != id("/forum/posts/", p.ID) {
			t.Errorf("after a reply, ids = %v", got)
		}
		// Hiding the reply takes it out again.
		if err := s.SetForumPostHidden(context.Background(), p.ID, true); err != nil {
			t.Fatal(err)
		}
		if got := x.feed(path, db.FeedAtom).guids(); len(got) != 2 {
			t.Errorf("after hiding the reply, ids = %v", got)
		}

		// Bad input is a 4xx, never a 500.
		for _, bad := range []string{
			"/bg/feeds/forum/no-such-category.atom",
			"/en/feeds/forum/vaprosi.xml",
			"/en/feeds/forum/vaprosi",
			"/bg/feeds/forum/threads/999999.atom",
			"/bg/feeds/forum/threads/" + strconv.FormatInt(fx.hiddenTh.ID, 10) + ".atom",
			"/bg/feeds/forum/threads/abc.rss",
			"/bg/feeds/forum/threads/0.rss",
			"/bg/feeds/forum/threads/99999999999999999999999.json",
			"/en/feeds/forum/threads/" + strconv.FormatInt(fx.first.ID, 10) + ".ics",
			"/fr/feeds/forum/vaprosi.atom",
		} {
			r, body := x.get(bad)
			if r.StatusCode < 400 || r.StatusCode >= 500 {
				t.Errorf("GET %s = %d, want 4xx: %s", bad, r.StatusCode, body)
			}
		}
		r, _ := x.get(db.ForumCategoryFeedPath(db.EN, "vaprosi", db.FeedRSS), "If-Modified-Since", "yesterday")
		if r.StatusCode != http.StatusOK {
			t.Errorf("malformed If-Modified-Since = %d, want 200", r.StatusCode)
		}

		// The OPML file lists the category's feed.
		_, opml := x.get(db.OPMLPath(db.EN))
		if !contains(string(opml), testBase+db.ForumCategoryFeedPath(db.EN, "vaprosi", db.FeedAtom)) {
			t.Errorf("OPML lacks the forum category:\n%s", opml)
		}
	})
}

func postIDOf(link string) int64 {
	i := len(link)
	for i > 0 && link[i-1] >= '0' && link[i-1] <= '9' {
		i--
	}
	n, _ := strconv.ParseInt(link[i:], 10, 64)
	return n
}

func contains(s, sub string) bool { return sub != "" && strings.Contains(s, sub) }
