package portal

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
	"github.com/bgimigranti/hub/db/markup"
)

// forumHub is a seeded portal with the forum's categories, whose store
// counts its queries.
type forumHub struct {
	t       *testing.T
	s       *db.Store // the test's own, uncounted
	srv     *httptest.Server
	queries *db.QueryCounter
	cats    map[string]*db.ForumCategory
}

func newForumHub(t *testing.T, s *db.Store) *forumHub {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Seed(ctx, markup.New()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SeedForum(ctx); err != nil {
		t.Fatal(err)
	}
	counted, queries := s.Counting()
	base, _ := url.Parse("https://hub.example.org")
	h, err := New(Config{BaseURL: base, DataDir: t.TempDir()}, counted, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	h.acc.login = newRateLimiter(10_000, time.Minute, 100)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	fh := &forumHub{t: t, s: s, srv: srv, queries: queries, cats: map[string]*db.ForumCategory{}}
	cats, err := s.ForumCategories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		fh.cats[c.Handle] = c
	}
	return fh
}

// user creates an account with testPassword.
func (fh *forumHub) user(email, name string, role db.Role, org int64) *db.User {
	fh.t.Helper()
	u, err := fh.s.CreateUser(context.Background(), db.NewUser{Email: email, Name: name, Password: testPassword, Role: role, OrganisationID: org})
	if err != nil {
		fh.t.Fatal(err)
	}
	return u
}

// client returns a cookie-keeping client that does not follow redirects,
// signed in as email unless it is "".
func (fh *forumHub) client(email string) *http.Client {
	fh.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if email != "" {
		signIn(fh.t, c, fh.srv.URL, email, testPassword)
	}
	return c
}

func (fh *forumHub) get(c *http.Client, path string) (*http.Response, string) {
	fh.t.Helper()
	resp, err := c.Get(fh.srv.URL + path)
	if err != nil {
		fh.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var forumCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// post sends a form with c's CSRF token (from the sign-out form every page
// carries for a signed-in user) unless v has one.
func (fh *forumHub) post(c *http.Client, path string, v url.Values) (*http.Response, string) {
	fh.t.Helper()
	if _, ok := v["csrf"]; !ok {
		_, body := fh.get(c, "/bg/forum")
		m := forumCSRF.FindStringSubmatch(body)
		if m == nil {
			fh.t.Fatal("no CSRF token on the forum page: is the client signed in?")
		}
		v.Set("csrf", m[1])
	}
	req, _ := http.NewRequest("POST", fh.srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		fh.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// thread creates a thread through the store.
func (fh *forumHub) thread(cat string, author *db.User, lang db.Lang, title, body string) (*db.ForumThread, *db.ForumPost) {
	fh.t.Helper()
	t := &db.ForumThread{CategoryID: fh.cats[cat].ID, Title: title}
	p := &db.ForumPost{AuthorUserID: author.ID, Lang: lang, BodyMD: body, BodyHTML: "<p>" + body + "</p>"}
	if err := fh.s.CreateForumThread(context.Background(), t, p); err != nil {
		fh.t.Fatal(err)
	}
	return t, p
}

// reply adds a post through the store.
func (fh *forumHub) reply(t *db.ForumThread, author *db.User, lang db.Lang, body string, quote int64) *db.ForumPost {
	fh.t.Helper()
	p := &db.ForumPost{ThreadID: t.ID, AuthorUserID: author.ID, Lang: lang, BodyMD: body, BodyHTML: "<p>" + body + "</p>", QuoteOf: quote}
	if err := fh.s.CreateForumPost(context.Background(), p); err != nil {
		fh.t.Fatal(err)
	}
	return p
}

func wantStatus(t *testing.T, what string, resp *http.Response, code int) {
	t.Helper()
	if resp.StatusCode != code {
		t.Errorf("%s: status %d, want %d", what, resp.StatusCode, code)
	}
}

func wantRedirect(t *testing.T, what string, resp *http.Response, code int, prefix string) {
	t.Helper()
	if resp.StatusCode != code || !strings.HasPrefix(resp.Header.Get("Location"), prefix) {
		t.Errorf("%s: %d → %q, want %d → %s…", what, resp.StatusCode, resp.Header.Get("Location"), code, prefix)
	}
}

func lacks(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(body, u) {
			t.Errorf("%s contains %q", what, u)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestForumVisitorReads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		ctx := context.Background()
		ana := fh.user("ana@example.org", "Анна Петрова", db.RoleMember, 0)
		bob := fh.user("bob@example.org", "Bob Smith", db.RoleMember, 0)
		old, _ := fh.thread("questions", ana, db.BG, "Как се подновява разрешение?", "Здравейте, как?")
		time.Sleep(2 * time.Millisecond)
		pinned, _ := fh.thread("questions", bob, db.EN, "Read this first", "Rules")
		if err := s.SetThreadPinned(ctx, pinned.ID, true); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
		r1 := fh.reply(old, bob, db.EN, "You need form 12.", 0)
		r2 := fh.reply(old, ana, "uk", "Дякую!", r1.ID)
		if err := s.EditForumPost(ctx, db.ForumPostEdit{ID: r1.ID, Lang: db.EN, BodyMD: "You need form 13.", BodyHTML: "<p>You need form 13.</p>"}); err != nil {
			t.Fatal(err)
		}
		secret := fh.reply(old, bob, db.EN, "Spam spam spam", 0)
		if err := s.SetForumPostHidden(ctx, secret.ID, true); err != nil {
			t.Fatal(err)
		}
		gone := fh.reply(old, ana, db.BG, "Сбърках темата", 0)
		if err := s.DeleteForumPost(ctx, gone.ID); err != nil {
			t.Fatal(err)
		}
		hiddenThread, _ := fh.thread("questions", bob, db.EN, "Hidden thread", "x")
		if err := s.SetThreadHidden(ctx, hiddenThread.ID, true); err != nil {
			t.Fatal(err)
		}
		visitor := fh.client("")

		for _, tt := range []struct {
			lang                                  db.Lang
			title, cat, desc, counts, replies, by string
			deleted, edited, quote, signin        string
		}{
			{db.BG, "<title>Форум", "Въпроси и отговори", "Питайте за пребиваване", "Теми: 2 · Мнения: 5", "Отговори: 3", "от",
				"Това мнение е изтрито от автора си.", "редактирано", "Цитат от Bob Smith", "Влезте, за да отговорите"},
			{db.EN, "<title>Forum", "Questions and answers", "Ask about residence", "Threads: 2 · Posts: 5", "Replies: 3", "by",
				"This post was deleted by its author.", "edited", "Quoting Bob Smith", "Sign in to reply"},
		} {
			p := "/" + string(tt.lang)
			resp, body := fh.get(visitor, p+"/forum")
			wantStatus(t, "GET "+p+"/forum", resp, 200)
			mustContain(t, p+"/forum", body, tt.title, tt.cat, tt.desc, tt.counts, `href="`+p+`/forum/questions"`,
				`<a href="`+p+`/forum" aria-current="page">`, "Как се подновява разрешение?")

			resp, body = fh.get(visitor, p+"/forum/questions")
			wantStatus(t, "GET "+p+"/forum/questions", resp, 200)
			mustContain(t, "the thread list", body, tt.replies, `href="`+p+`/forum/users/anna-petrova"`, tt.by, "<code>@questions@hub.example.org</code>")
			if i, j := strings.Index(body, "Read this first"), strings.Index(body, "Как се подновява"); i < 0 || j < 0 || i > j {
				t.Errorf("%s: the pinned thread is not listed first", p)
			}
			lacks(t, "the visitors' thread list", body, "Hidden thread", `class="tag is-new"`)

			tp := p + "/forum/questions/" + itoa(old.ID)
			resp, body = fh.get(visitor, tp)
			wantStatus(t, "GET "+tp, resp, 200)
			mustContain(t, "the thread page", body,
				`<h1 lang="bg" dir="auto">Как се подновява разрешение?</h1>`,
				`id="post-`+itoa(r1.ID)+`"`, `href="`+p+`/forum/posts/`+itoa(r1.ID)+`"`,
				`<div class="prose" lang="uk" dir="auto"><p>Дякую!</p></div>`, `<span aria-hidden="true">uk</span>`,
				tt.edited, tt.quote, `<a href="`+p+`/forum/posts/`+itoa(r1.ID)+`">`+tt.quote, tt.deleted, tt.signin,
				`href="`+p+`/forum/users/anna-petrova"`, "You need form 13.")
			lacks(t, "the visitors' thread page", body, "Spam spam spam", "Сбърках темата", `name="csrf"`, `action="`+p+`/forum/threads/`)
			if strings.Index(body, "Здравейте, как?") > strings.Index(body, "Дякую!") {
				t.Error("posts are not in order")
			}

			resp, _ = fh.get(visitor, p+"/forum/posts/"+itoa(r2.ID))
			wantRedirect(t, "the permalink", resp, http.StatusFound, tp+"#post-"+itoa(r2.ID))
			resp, _ = fh.get(visitor, "/forum/posts/"+itoa(r2.ID))
			// The language-neutral link goes to the language just visited.
			wantRedirect(t, "the language-neutral permalink", resp, http.StatusFound, tp+"#post-")
			for _, path := range []string{
				p + "/forum/posts/" + itoa(secret.ID), p + "/forum/questions/" + itoa(hiddenThread.ID), p + "/forum/nowhere",
				p + "/forum/questions/999", p + "/forum/questions/abc", p + "/forum/users/nobody",
			} {
				resp, _ = fh.get(visitor, path)
				wantStatus(t, "GET "+path, resp, 404)
			}
			resp, _ = fh.get(visitor, p+"/forum/questions/"+itoa(old.ID)+"?page=2")
			wantStatus(t, "a page past the end", resp, 404)

			resp, body = fh.get(visitor, p+"/forum/users/anna-petrova")
			wantStatus(t, "the profile", resp, 200)
			mustContain(t, "the profile", body, "Анна Петрова", "@anna-petrova@hub.example.org", "Дякую!")
			lacks(t, "the profile", body, "Сбърках темата</p>")

			// Member-only pages send visitors to sign in, and come back.
			resp, _ = fh.get(visitor, p+"/forum/new?category=questions")
			wantRedirect(t, "a visitor's new thread", resp, http.StatusSeeOther, p+"/login?next="+url.QueryEscape(p+"/forum/new?category=questions"))
		}

		// A thread that moved is found at its old address.
		if err := s.MoveThread(ctx, old.ID, fh.cats["good-practice"].ID); err != nil {
			t.Fatal(err)
		}
		resp, _ := fh.get(visitor, "/en/forum/questions/"+itoa(old.ID)+"?page=1")
		wantRedirect(t, "a moved thread", resp, http.StatusMovedPermanently, "/en/forum/good-practice/"+itoa(old.ID))
	})
}

func TestForumLongThreadPagination(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		ctx := context.Background()
		var users []*db.User
		for i := range 10 {
			users = append(users, fh.user(fmt.Sprintf("m%d@example.org", i), fmt.Sprintf("Member %d", i), db.RoleMember, 0))
		}
		long, first := fh.thread("good-practice", users[0], db.BG, "Дълга тема", "post 1")
		ids := []int64{first.ID}
		for i := 2; i <= 100; i++ {
			p := fh.reply(long, users[i%10], db.EN, fmt.Sprintf("post %d.", i), ids[len(ids)-1])
			ids = append(ids, p.ID)
		}
		short, _ := fh.thread("good-practice", users[1], db.EN, "Short", "only post")
		mod := fh.user("admin@example.org", "Admin", db.RoleAdmin, 0)
		if err := s.SetForumPostHidden(ctx, ids[10], true); err != nil { // post 11
			t.Fatal(err)
		}
		visitor := fh.client("")
		base := "/en/forum/good-practice/" + itoa(long.ID)

		// 99 visible posts, 30 a page: pages of 30, 30, 30 and 9.
		queries := map[string]int64{}
		for page, want := range map[int][]string{
			1: {"post 1</p>", "post 10.", "post 12.", "post 31."},
			2: {"post 32.", "post 61."},
			3: {"post 62.", "post 91."},
			4: {"post 92.", "post 100."},
		} {
			path := base
			if page > 1 {
				path += "?page=" + strconv.Itoa(page)
			}
			fh.queries.Reset()
			resp, body := fh.get(visitor, path)
			queries[path] = fh.queries.Count()
			wantStatus(t, path, resp, 200)
			mustContain(t, path, body, want...)
			mustContain(t, path, body, `aria-current="page">`+strconv.Itoa(page)+`</span>`)
			if n := strings.Count(body, `<li id="post-`); n != map[int]int{1: 30, 2: 30, 3: 30, 4: 9}[page] {
				t.Errorf("%s shows %d posts", path, n)
			}
			lacks(t, path, body, "post 11.")
		}
		fh.queries.Reset()
		resp, _ := fh.get(visitor, "/en/forum/good-practice/"+itoa(short.ID))
		wantStatus(t, "the short thread", resp, 200)
		small := fh.queries.Count()
		for path, n := range queries {
			if n != small || n > 8 {
				t.Errorf("%s took %d queries; a thread of one post takes %d: a page's cost must not grow with its posts", path, n, small)
			}
		}
		resp, _ = fh.get(visitor, base+"?page=5")
		wantStatus(t, "page 5 of 4", resp, 404)
		resp, _ = fh.get(visitor, base+"?page=x")
		wantStatus(t, "a page that is not a number", resp, 400)

		// Permalinks land on the right page, as each viewer counts them.
		resp, _ = fh.get(visitor, "/en/forum/posts/"+itoa(ids[60])) // post 61: the 60th visible
		wantRedirect(t, "post 61 for a visitor", resp, http.StatusFound, base+"?page=2#post-"+itoa(ids[60]))
		resp, _ = fh.get(visitor, "/en/forum/posts/"+itoa(ids[30])) // post 31: the 30th visible
		wantRedirect(t, "post 31 for a visitor", resp, http.StatusFound, base+"#post-"+itoa(ids[30]))
		admin := fh.client(mod.Email)
		resp, _ = fh.get(admin, "/en/forum/posts/"+itoa(ids[30])) // the 31st for a moderator
		wantRedirect(t, "post 31 for a moderator", resp, http.StatusFound, base+"?page=2#post-"+itoa(ids[30]))
		resp, body := fh.get(admin, base)
		mustContain(t, "the moderator's first page", body, "post 11.", `class="tag is-hidden-tag"`)

		// A signed-in reader's page costs a bounded number of queries too.
		fh.queries.Reset()
		fh.get(admin, base+"?page=3")
		big := fh.queries.Count()
		fh.queries.Reset()
		fh.get(admin, "/en/forum/good-practice/"+itoa(short.ID))
		if n := fh.queries.Count(); n != big {
			t.Errorf("a moderator's page of 30 posts took %d queries, of one post %d", big, n)
		}
	})
}

func TestForumMemberActions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		ctx := context.Background()
		fh.user("ana@example.org", "Ana", db.RoleMember, 0)
		fh.user("bob@example.org", "Bob", db.RoleMember, 0)
		admin := fh.user("admin@example.org", "Admin", db.RoleAdmin, 0)
		ana, bob := fh.client("ana@example.org"), fh.client("bob@example.org")

		// Ana opens a thread in Bulgarian.
		resp, body := fh.get(ana, "/bg/forum/new?category=questions")
		wantStatus(t, "the new-thread form", resp, 200)
		mustContain(t, "the new-thread form", body, `name="csrf"`, `<option value="questions" selected>`, `name="title"`, `name="body"`, `value="bg" checked`)
		resp, body = fh.post(ana, "/bg/forum/new", url.Values{"category": {"questions"}, "title": {""}, "body": {""}, "lang": {"bg"}})
		wantStatus(t, "an empty new thread", resp, http.StatusUnprocessableEntity)
		mustContain(t, "an empty new thread", body, `href="#f-title"`, `href="#f-body"`)
		resp, body = fh.post(ana, "/bg/forum/new", url.Values{"category": {"questions"}, "title": {"Здравна каса"}, "body": {"**Как** се плаща?"}, "lang": {"bg"}, "preview": {"1"}})
		wantStatus(t, "a preview", resp, 200)
		mustContain(t, "a preview", body, "<strong>Как</strong> се плаща?", `value="Здравна каса"`)
		resp, _ = fh.post(ana, "/bg/forum/new", url.Values{"category": {"questions"}, "title": {"Здравна каса"}, "body": {"**Как** се плаща?"}, "lang": {"bg"}})
		wantRedirect(t, "a new thread", resp, http.StatusSeeOther, "/bg/forum/questions/")
		threadPath := resp.Header.Get("Location")
		tid, _ := strconv.ParseInt(threadPath[strings.LastIndex(threadPath, "/")+1:], 10, 64)
		th, err := s.ForumThread(ctx, tid, 0)
		if err != nil || th.Title != "Здравна каса" || th.Lang != db.BG {
			t.Fatalf("the new thread: %+v, %v", th, err)
		}
		_, body = fh.get(ana, threadPath)
		mustContain(t, "Ana's thread", body, "<strong>Как</strong> се плаща?", "Темата ви е публикувана.", "Спри да следваш", `action="/bg/forum/threads/`+itoa(tid)+`/reply"`)

		// Bob replies in English, quoting Ana.
		resp, body = fh.get(bob, "/en/forum/threads/"+itoa(tid)+"/reply?quote="+itoa(th.FirstPostID))
		wantStatus(t, "the quote form", resp, 200)
		mustContain(t, "the quote form", body, `name="quote" value="`+itoa(th.FirstPostID)+`"`, "Quoting Ana", `value="en" checked`)
		resp, _ = fh.post(bob, "/en/forum/threads/"+itoa(tid)+"/reply", url.Values{"body": {"Through the NHIF."}, "lang": {"en"}, "quote": {itoa(th.FirstPostID)}})
		wantRedirect(t, "Bob's reply", resp, http.StatusSeeOther, "/en/forum/questions/"+itoa(tid)+"#post-")
		posts, _ := s.ForumPosts(ctx, db.PostQuery{ThreadID: tid})
		if len(posts) != 2 || posts[1].QuoteOf != th.FirstPostID || posts[1].Lang != db.EN {
			t.Fatalf("after Bob's reply: %+v", posts)
		}
		bobPost := posts[1]
		resp, _ = fh.post(bob, "/en/forum/threads/"+itoa(tid)+"/reply", url.Values{"body": {"x"}, "lang": {"other"}, "lang_other": {"not a tag!"}})
		wantStatus(t, "a bad language code", resp, http.StatusUnprocessableEntity)
		resp, _ = fh.post(bob, "/en/forum/threads/"+itoa(tid)+"/reply", url.Values{"body": {"Привіт"}, "lang": {"other"}, "lang_other": {"UK"}})
		wantStatus(t, "a reply in Ukrainian", resp, http.StatusSeeOther)

		// Ana sees what is new, and the page marks it read.
		_, body = fh.get(ana, "/en/forum/questions")
		mustContain(t, "Ana's list", body, `class="tag is-new"`, `/en/forum/threads/`+itoa(tid)+`/unread`)
		resp, _ = fh.get(ana, "/en/forum/threads/"+itoa(tid)+"/unread")
		wantRedirect(t, "the first unread post", resp, http.StatusSeeOther, "/en/forum/questions/"+itoa(tid)+"#post-"+itoa(bobPost.ID))
		_, body = fh.get(ana, "/en/forum/questions/"+itoa(tid))
		mustContain(t, "the thread with Bob's reply", body, "Through the NHIF.", "Quoting Ana", `lang="uk"`)
		_, body = fh.get(ana, "/en/forum/questions")
		lacks(t, "Ana's list after reading", body, `class="tag is-new"`)
		_, body = fh.get(ana, "/en/forum/mentions")
		mustContain(t, "Ana's page of news", body, "Здравна каса")

		// Ana edits her post (and the title); Bob cannot, nor delete it,
		// not even with a forged form.
		first := "/en/forum/posts/" + itoa(th.FirstPostID)
		resp, body = fh.get(ana, first+"/edit")
		wantStatus(t, "Ana's edit form", resp, 200)
		mustContain(t, "Ana's edit form", body, "**Как** се плаща?", `value="Здравна каса"`, `value="bg" checked`)
		resp, _ = fh.post(ana, first+"/edit", url.Values{"title": {"Здравна каса: вноски"}, "body": {"Как се плащат вноските?"}, "lang": {"bg"}})
		wantRedirect(t, "Ana's edit", resp, http.StatusSeeOther, "/en/forum/questions/"+itoa(tid)+"#post-")
		_, body = fh.get(ana, "/bg/forum/questions/"+itoa(tid))
		mustContain(t, "the edited thread", body, "Здравна каса: вноски", "Как се плащат вноските?", "редактирано")
		resp, _ = fh.get(bob, first+"/edit")
		wantStatus(t, "Bob's GET of Ana's edit form", resp, 403)
		resp, _ = fh.post(bob, first+"/edit", url.Values{"title": {"Hacked"}, "body": {"Hacked"}, "lang": {"en"}})
		wantStatus(t, "Bob's forged edit", resp, 403)
		resp, _ = fh.post(bob, first+"/delete", url.Values{})
		wantStatus(t, "Bob's forged delete", resp, 403)
		if p, _ := s.ForumPost(ctx, th.FirstPostID); p.Deleted() || p.BodyMD != "Как се плащат вноските?" {
			t.Errorf("Ana's post after Bob's attempts: %+v", p)
		}
		_, body = fh.get(bob, "/en/forum/questions/"+itoa(tid))
		lacks(t, "Bob's view of Ana's post", body, first+"/edit", first+"/delete")
		mustContain(t, "Bob's view of the thread", body, first+"/report", "/en/forum/posts/"+itoa(bobPost.ID)+"/edit")
		anon := fh.client("")
		resp, _ = fh.post(anon, first+"/delete", url.Values{"csrf": {"forged"}})
		wantStatus(t, "a visitor's forged delete", resp, 403)

		// Bob reports Ana's post; the moderators see it.
		resp, body = fh.get(bob, first+"/report")
		wantStatus(t, "the report form", resp, 200)
		mustContain(t, "the report form", body, `name="reason"`)
		resp, _ = fh.get(ana, first+"/report")
		wantStatus(t, "reporting one's own post", resp, 403)
		resp, _ = fh.post(bob, first+"/report", url.Values{"reason": {"Off topic, I think"}})
		wantRedirect(t, "Bob's report", resp, http.StatusSeeOther, "/en/forum/questions/")
		resp, _ = fh.get(bob, "/en/forum/reports")
		wantStatus(t, "a member at the report queue", resp, 403)
		mod := fh.client(admin.Email)
		resp, body = fh.get(mod, "/en/forum/reports")
		wantStatus(t, "the report queue", resp, 200)
		mustContain(t, "the report queue", body, "Off topic, I think", "Open reports (1)", "Как се плащат вноските?", `href="/en/forum/users/bob"`)
		_, body = fh.get(mod, "/bg/forum")
		mustContain(t, "the moderator's forum page", body, "Нерешени сигнали (1)")

		// Ana deletes her post: a marker stays.
		resp, _ = fh.post(ana, first+"/delete", url.Values{})
		wantRedirect(t, "Ana's delete", resp, http.StatusSeeOther, "/en/forum/questions/")
		_, body = fh.get(anon, "/en/forum/questions/"+itoa(tid))
		mustContain(t, "the thread after the delete", body, "This post was deleted by its author.", "The quoted post is no longer available.")
		lacks(t, "the thread after the delete", body, "Как се плащат вноските?")

		// Following and unfollowing.
		resp, _ = fh.post(bob, "/en/forum/threads/"+itoa(tid)+"/follow", url.Values{"follow": {"0"}})
		wantRedirect(t, "unfollow", resp, http.StatusSeeOther, "/en/forum/questions/"+itoa(tid))
		if ts, _ := s.ForumThreads(ctx, db.ThreadQuery{Viewer: accountID(t, s, "bob@example.org"), FollowedOnly: true}); len(ts) != 0 {
			t.Errorf("Bob still follows %d threads", len(ts))
		}
		resp, _ = fh.post(bob, "/en/forum/threads/"+itoa(tid)+"/follow", url.Values{"follow": {"1"}})
		wantStatus(t, "follow", resp, http.StatusSeeOther)
		_, body = fh.get(bob, "/en/forum/questions/"+itoa(tid))
		mustContain(t, "the followed thread", body, "You now follow this thread.", "Stop following")

		// Without the session's token nothing is posted.
		resp, _ = fh.post(bob, "/en/forum/threads/"+itoa(tid)+"/reply", url.Values{"csrf": {"forged"}, "body": {"CSRF"}, "lang": {"en"}})
		wantStatus(t, "a reply with a forged token", resp, 403)
	})
}

// accountID is the id of the account with the given e-mail address.
func accountID(t *testing.T, s *db.Store, email string) int64 {
	t.Helper()
	u, err := s.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestForumLockedThreadRefusesReplies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		ctx := context.Background()
		ana := fh.user("ana@example.org", "Ana", db.RoleMember, 0)
		th, first := fh.thread("questions", ana, db.EN, "Closed topic", "Old news")
		if err := s.SetThreadLocked(ctx, th.ID, true); err != nil {
			t.Fatal(err)
		}
		c := fh.client(ana.Email)
		for _, tt := range []struct {
			lang         db.Lang
			notice, page string
		}{
			{db.BG, "Тази тема е заключена", "Модератор е заключил темата"},
			{db.EN, "This thread is locked", "A moderator has locked this thread"},
		} {
			p := "/" + string(tt.lang)
			_, body := fh.get(c, p+"/forum/questions/"+itoa(th.ID))
			mustContain(t, "a locked thread", body, tt.notice)
			lacks(t, "a locked thread", body, `action="`+p+`/forum/threads/`+itoa(th.ID)+`/reply"`, "/edit")
			resp, body := fh.get(c, p+"/forum/threads/"+itoa(th.ID)+"/reply")
			wantStatus(t, "the reply form of a locked thread", resp, 403)
			mustContain(t, "the reply form of a locked thread", body, tt.page)
			resp, body = fh.post(c, p+"/forum/threads/"+itoa(th.ID)+"/reply", url.Values{"body": {"Still here?"}, "lang": {"en"}})
			wantStatus(t, "a reply to a locked thread", resp, 403)
			mustContain(t, "a reply to a locked thread", body, tt.page)
			resp, _ = fh.post(c, p+"/forum/posts/"+itoa(first.ID)+"/edit", url.Values{"body": {"Changed"}, "lang": {"en"}, "title": {"x"}})
			wantStatus(t, "an edit in a locked thread", resp, 403)
		}
		if n, _ := s.CountForumPosts(ctx, th.ID, true); n != 1 {
			t.Errorf("the locked thread has %d posts, want 1", n)
		}
	})
}

func TestForumModeration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		ctx := context.Background()
		ana := fh.user("ana@example.org", "Ana", db.RoleMember, 0)
		bob := fh.user("bob@example.org", "Bob", db.RoleMember, 0)
		org := &db.Organisation{Handle: "ic-ruse", Kind: db.OrgInfoCentre}
		org.SetTexts(db.Text{Lang: db.BG, Title: "ИЦ Русе"})
		if err := s.CreateOrganisation(ctx, org); err != nil {
			t.Fatal(err)
		}
		fh.user("editor@example.org", "Editor", db.RoleEditor, org.ID)
		admin := fh.user("admin@example.org", "Admin", db.RoleAdmin, 0)
		old, _ := fh.thread("questions", ana, db.EN, "Older thread", "first")
		time.Sleep(2 * time.Millisecond)
		th, _ := fh.thread("questions", ana, db.BG, "Тема за модериране", "Начало")
		spam := fh.reply(th, bob, db.EN, "Buy cheap watches", 0)
		mod, member, editor, visitor := fh.client(admin.Email), fh.client(bob.Email), fh.client("editor@example.org"), fh.client("")
		modURL := "/bg/forum/threads/" + itoa(th.ID) + "/moderate"
		postMod := "/bg/forum/posts/" + itoa(spam.ID) + "/moderate"

		// Neither members nor editors moderate.
		for _, c := range []*http.Client{member, editor} {
			resp, _ := fh.post(c, modURL, url.Values{"action": {"pin"}})
			wantStatus(t, "pinning as a non-moderator", resp, 403)
			resp, _ = fh.post(c, postMod, url.Values{"action": {"hide"}})
			wantStatus(t, "hiding a post as a non-moderator", resp, 403)
		}
		_, body := fh.get(member, "/bg/forum/questions/"+itoa(th.ID))
		lacks(t, "a member's thread page", body, modURL, postMod)
		_, body = fh.get(mod, "/bg/forum/questions/"+itoa(th.ID))
		mustContain(t, "the moderator's thread page", body, modURL, postMod, "Модериране", `<option value="questions" selected>`)

		// Pin: the thread goes on top, above newer activity.
		reply := fh.reply(old, bob, db.EN, "bump", 0)
		_ = reply
		resp, _ := fh.post(mod, modURL, url.Values{"action": {"pin"}})
		wantRedirect(t, "pin", resp, http.StatusSeeOther, "/bg/forum/questions/"+itoa(th.ID))
		_, body = fh.get(visitor, "/en/forum/questions")
		if i, j := strings.Index(body, "Тема за модериране"), strings.Index(body, "Older thread"); i < 0 || j < 0 || i > j {
			t.Error("the pinned thread is not first")
		}
		mustContain(t, "the list", body, ">Pinned</span>")

		// Lock.
		resp, _ = fh.post(mod, modURL, url.Values{"action": {"lock"}})
		wantStatus(t, "lock", resp, http.StatusSeeOther)
		resp, _ = fh.post(member, "/en/forum/threads/"+itoa(th.ID)+"/reply", url.Values{"body": {"late"}, "lang": {"en"}})
		wantStatus(t, "a reply after the lock", resp, 403)
		resp, _ = fh.post(mod, modURL, url.Values{"action": {"unlock"}})
		wantStatus(t, "unlock", resp, http.StatusSeeOther)

		// Hide and show a post.
		resp, _ = fh.post(mod, postMod, url.Values{"action": {"hide"}})
		wantRedirect(t, "hide a post", resp, http.StatusSeeOther, "/bg/forum/questions/"+itoa(th.ID)+"#post-"+itoa(spam.ID))
		_, body = fh.get(visitor, "/en/forum/questions/"+itoa(th.ID))
		lacks(t, "the visitor's thread after hiding", body, "Buy cheap watches")
		resp, _ = fh.get(visitor, "/en/forum/posts/"+itoa(spam.ID))
		wantStatus(t, "a visitor at a hidden post's link", resp, 404)
		_, body = fh.get(mod, "/en/forum/questions/"+itoa(th.ID))
		mustContain(t, "the moderator's thread after hiding", body, "Buy cheap watches", ">Hidden</span>", "Show again")
		resp, _ = fh.post(mod, postMod, url.Values{"action": {"show"}})
		wantStatus(t, "show the post", resp, http.StatusSeeOther)
		_, body = fh.get(visitor, "/en/forum/questions/"+itoa(th.ID))
		mustContain(t, "the visitor's thread after showing it", body, "Buy cheap watches")

		// Move.
		resp, _ = fh.post(mod, modURL, url.Values{"action": {"move"}, "category": {"good-practice"}})
		wantRedirect(t, "move", resp, http.StatusSeeOther, "/bg/forum/good-practice/"+itoa(th.ID))
		resp, _ = fh.post(mod, modURL, url.Values{"action": {"move"}, "category": {"nowhere"}})
		wantStatus(t, "move to a missing category", resp, 400)
		resp, _ = fh.post(mod, modURL, url.Values{"action": {"explode"}})
		wantStatus(t, "an unknown action", resp, 400)
		_, body = fh.get(visitor, "/en/forum/good-practice")
		mustContain(t, "the new category", body, "Тема за модериране")

		// Hide and restore the thread.
		resp, _ = fh.post(mod, modURL, url.Values{"action": {"hide"}})
		wantStatus(t, "hide the thread", resp, http.StatusSeeOther)
		resp, _ = fh.get(visitor, "/en/forum/good-practice/"+itoa(th.ID))
		wantStatus(t, "a visitor at a hidden thread", resp, 404)
		resp, _ = fh.get(member, "/en/forum/threads/"+itoa(th.ID)+"/reply")
		wantStatus(t, "replying to a hidden thread", resp, 404)
		_, body = fh.get(visitor, "/en/forum/good-practice")
		lacks(t, "the list without the hidden thread", body, "Тема за модериране")
		_, body = fh.get(visitor, "/en/forum")
		lacks(t, "the index without the hidden thread", body, "Тема за модериране")
		resp, body = fh.get(mod, "/en/forum/good-practice/"+itoa(th.ID))
		wantStatus(t, "a moderator at a hidden thread", resp, 200)
		mustContain(t, "a hidden thread for its moderator", body, "Show the thread again")
		resp, _ = fh.post(mod, "/en/forum/threads/"+itoa(th.ID)+"/moderate", url.Values{"action": {"show"}})
		wantStatus(t, "show the thread", resp, http.StatusSeeOther)
		resp, _ = fh.get(visitor, "/en/forum/good-practice/"+itoa(th.ID))
		wantStatus(t, "a visitor at a restored thread", resp, 200)

		// Reports: resolve from the queue, and block the author.
		if err := s.CreateForumReport(ctx, &db.ForumReport{PostID: spam.ID, ReporterUserID: ana.ID, Reason: "Spam"}); err != nil {
			t.Fatal(err)
		}
		reps, _ := s.ForumReports(ctx, db.ForumReportQuery{Open: true})
		_, body = fh.get(mod, "/bg/forum/reports")
		mustContain(t, "the queue", body, "Spam", "Buy cheap watches", "Блокирай този член", `action="/bg/forum/users/bob/block"`)
		resp, _ = fh.post(mod, "/bg/forum/reports/"+itoa(reps[0].ID)+"/resolve", url.Values{})
		wantRedirect(t, "resolve", resp, http.StatusSeeOther, "/bg/forum/reports")
		_, body = fh.get(mod, "/bg/forum/reports")
		mustContain(t, "the queue after resolving", body, "Няма сигнали за преглед.", "Нерешени сигнали (0)")
		_, body = fh.get(mod, "/bg/forum/reports?all=1")
		mustContain(t, "all reports", body, "Spam", "Решен")

		resp, _ = fh.post(member, "/bg/forum/users/ana/block", url.Values{"action": {"block"}})
		wantStatus(t, "a member blocking another", resp, 403)
		resp, _ = fh.post(mod, "/bg/forum/users/bob/block", url.Values{"action": {"block"}})
		wantRedirect(t, "block", resp, http.StatusSeeOther, "/bg/forum/users/bob")
		if u, _ := s.User(ctx, bob.ID); !u.Disabled {
			t.Error("Bob is not disabled")
		}
		resp, _ = fh.get(member, "/bg/forum/new")
		wantRedirect(t, "the blocked member", resp, http.StatusSeeOther, "/bg/login")
		_, body = fh.get(mod, "/en/forum/users/bob")
		mustContain(t, "the blocked member's profile", body, "Blocked", "Unblock this member")
		resp, _ = fh.post(mod, "/en/forum/users/bob/block", url.Values{"action": {"unblock"}})
		wantStatus(t, "unblock", resp, http.StatusSeeOther)
		if u, _ := s.User(ctx, bob.ID); u.Disabled {
			t.Error("Bob is still disabled")
		}
		adminProfile(t, fh, admin, mod)
	})
}

// adminProfile checks that an admin, who has a forum profile once they
// post, cannot be blocked from the forum.
func adminProfile(t *testing.T, fh *forumHub, admin *db.User, mod *http.Client) {
	t.Helper()
	fh.thread("questions", admin, db.EN, "Announcement", "Welcome")
	prof, err := fh.s.ForumProfile(context.Background(), admin.ID)
	if err != nil || prof.Handle != "admin-2" { // "admin" is reserved
		t.Fatalf("the admin's profile: %+v, %v", prof, err)
	}
	resp, _ := fh.post(mod, "/en/forum/users/"+prof.Handle+"/block", url.Values{"action": {"block"}})
	wantStatus(t, "blocking an admin", resp, 403)
}

func TestForumNewMemberRateLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		ana := fh.user("ana@example.org", "Ana", db.RoleMember, 0)
		fh.user("admin@example.org", "Admin", db.RoleAdmin, 0)
		th, _ := fh.thread("questions", ana, db.EN, "Busy", "one") // 1
		c := fh.client(ana.Email)
		for i := 2; i <= 5; i++ {
			resp, _ := fh.post(c, "/en/forum/threads/"+itoa(th.ID)+"/reply", url.Values{"body": {fmt.Sprintf("post %d", i)}, "lang": {"en"}})
			wantStatus(t, fmt.Sprintf("post %d of a new member", i), resp, http.StatusSeeOther)
		}
		for _, p := range []string{"/en/forum/threads/" + itoa(th.ID) + "/reply", "/bg/forum/new"} {
			resp, body := fh.post(c, p, url.Values{"body": {"post 6"}, "lang": {"en"}, "title": {"Sixth"}, "category": {"questions"}})
			wantStatus(t, "the sixth post of a new member", resp, http.StatusTooManyRequests)
			if resp.Header.Get("Retry-After") != "600" {
				t.Errorf("Retry-After = %q", resp.Header.Get("Retry-After"))
			}
			mustContain(t, "the limit page", body, "5", "10")
		}
		_, body := fh.post(c, "/bg/forum/new", url.Values{"body": {"x"}, "lang": {"bg"}, "title": {"x"}, "category": {"questions"}})
		mustContain(t, "the Bulgarian limit page", body, "Малко по-бавно")
		if n, _ := s.CountForumPosts(context.Background(), th.ID, true); n != 5 {
			t.Errorf("the thread has %d posts, want 5", n)
		}
		// Admins are not limited.
		admin := fh.client("admin@example.org")
		for i := range 6 {
			resp, _ := fh.post(admin, "/en/forum/threads/"+itoa(th.ID)+"/reply", url.Values{"body": {fmt.Sprintf("admin %d", i)}, "lang": {"en"}})
			wantStatus(t, "an admin's post", resp, http.StatusSeeOther)
		}
	})
}

func TestIsNewMember(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		role db.Role
		age  time.Duration
		want bool
	}{
		{db.RoleMember, time.Hour, true},
		{db.RoleMember, 23 * time.Hour, true},
		{db.RoleMember, 25 * time.Hour, false},
		{db.RoleEditor, time.Hour, false},
		{db.RoleAdmin, time.Minute, false},
	} {
		u := &db.User{Role: tt.role, CreatedAt: now.Add(-tt.age)}
		if got := isNewMember(u, now); got != tt.want {
			t.Errorf("%s of %v: new member = %v, want %v", tt.role, tt.age, got, tt.want)
		}
	}
}

func TestRewriteMentions(t *testing.T) {
	link := func(handle, host string) string {
		switch {
		case handle == "nobody":
			return ""
		case host == "":
			return "/forum/users/" + handle
		default:
			return "https://" + host + "/@" + handle
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"<p>Hi @ana!</p>", `<p>Hi <a href="/forum/users/ana" class="mention">@ana</a>!</p>`},
		{"<p>@Ana, @bob.</p>", `<p><a href="/forum/users/ana" class="mention">@Ana</a>, <a href="/forum/users/bob" class="mention">@bob</a>.</p>`},
		{"<p>cc @maria@mastodon.example.</p>", `<p>cc <a href="https://mastodon.example/@maria" class="mention" rel="nofollow noopener">@maria@mastodon.example</a>.</p>`},
		{"<p>mail ana@example.org</p>", "<p>mail ana@example.org</p>"},
		{"<p><code>@ana</code> and <a href=\"https://x.example/@ana\">@ana</a></p>", "<p><code>@ana</code> and <a href=\"https://x.example/@ana\">@ana</a></p>"},
		{"<pre><code>@ana\n</code></pre><p>@ana</p>", `<pre><code>@ana` + "\n" + `</code></pre><p><a href="/forum/users/ana" class="mention">@ana</a></p>`},
		{"<p>@nobody here</p>", "<p>@nobody here</p>"},
		{"<p>a/@ana @@ana</p>", "<p>a/@ana @@ana</p>"},
		{"<p>&lt;@ana&gt;</p>", `<p>&lt;<a href="/forum/users/ana" class="mention">@ana</a>&gt;</p>`},
		{"<p>@a@127.0.0.1:7401, hi</p>", `<p><a href="https://127.0.0.1:7401/@a" class="mention" rel="nofollow noopener">@a@127.0.0.1:7401</a>, hi</p>`},
		{"<p>@a@gts.example:8443.</p>", `<p><a href="https://gts.example:8443/@a" class="mention" rel="nofollow noopener">@a@gts.example:8443</a>.</p>`},
		{"<p>(@a@[::1]:8443)</p>", `<p>(<a href="https://[::1]:8443/@a" class="mention" rel="nofollow noopener">@a@[::1]:8443</a>)</p>`},
		{"<p>@a@[::1] and @b@localhost:8080</p>", `<p><a href="https://[::1]/@a" class="mention" rel="nofollow noopener">@a@[::1]</a> and <a href="https://localhost:8080/@b" class="mention" rel="nofollow noopener">@b@localhost:8080</a></p>`},
		{"<p>@a@10.0.0.1.nip.io</p>", `<p><a href="https://10.0.0.1.nip.io/@a" class="mention" rel="nofollow noopener">@a@10.0.0.1.nip.io</a></p>`},
		{"<p>@a@localhost says hi</p>", `<p><a href="/forum/users/a" class="mention">@a</a>@localhost says hi</p>`},
	} {
		if got := rewriteMentions(tt.in, link); got != tt.want {
			t.Errorf("rewriteMentions(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestForumMentions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		ctx := context.Background()
		ana := fh.user("ana@example.org", "Анна Петрова", db.RoleMember, 0)
		bob := fh.user("bob@example.org", "Bob", db.RoleMember, 0)
		th, _ := fh.thread("questions", ana, db.BG, "Въпрос", "Някой?") // gives Ana her handle
		maria := &db.Actor{URI: "https://social.example/users/maria", Type: db.ActorPerson, Handle: "maria", Host: "social.example", URL: "https://social.example/@maria"}
		if err := s.SaveRemoteActor(ctx, maria); err != nil {
			t.Fatal(err)
		}
		c := fh.client(bob.Email)
		resp, _ := fh.post(c, "/en/forum/threads/"+itoa(th.ID)+"/reply", url.Values{
			"body": {"@anna-petrova see `@anna-petrova` and ask @maria@social.example or @zed@elsewhere.example, not @ghost or @anna-petrova@hub.example.org"},
			"lang": {"en"},
		})
		wantStatus(t, "a reply with mentions", resp, http.StatusSeeOther)
		_, body := fh.get(c, "/en/forum/questions/"+itoa(th.ID))
		mustContain(t, "the thread", body,
			`<a href="/forum/users/anna-petrova" class="mention">@anna-petrova</a> see <code>@anna-petrova</code>`,
			`<a href="https://social.example/@maria" class="mention" rel="nofollow noopener">@maria@social.example</a>`,
			`<a href="/forum/users/zed@elsewhere.example" class="mention">@zed@elsewhere.example</a>`,
			`not @ghost or`, `<a href="/forum/users/anna-petrova" class="mention">@anna-petrova@hub.example.org</a>`)
		resp, _ = fh.get(c, "/forum/users/anna-petrova")
		wantRedirect(t, "the language-neutral member link", resp, http.StatusFound, "/en/forum/users/anna-petrova")
		// A remote account's link goes to its page: the guess while it is
		// unknown, the actor's own page once federation knows it.
		resp, _ = fh.get(c, "/forum/users/zed@elsewhere.example")
		wantRedirect(t, "an unknown account's link", resp, http.StatusFound, "https://elsewhere.example/@zed")
		zed := &db.Actor{URI: "https://elsewhere.example/users/zed", Type: db.ActorPerson, Handle: "zed", Host: "elsewhere.example", URL: "https://elsewhere.example/profile/zed"}
		if err := s.SaveRemoteActor(ctx, zed); err != nil {
			t.Fatal(err)
		}
		resp, _ = fh.get(c, "/forum/users/zed@elsewhere.example")
		wantRedirect(t, "a known account's link", resp, http.StatusFound, "https://elsewhere.example/profile/zed")
		resp, _ = fh.get(c, "/forum/users/zed@bad%2Fhost")
		wantStatus(t, "a malformed account link", resp, http.StatusNotFound)
		_, body = fh.get(fh.client(ana.Email), "/bg/forum/mentions")
		mustContain(t, "Ana's mentions", body, "Мнения, в които ме споменават", "@maria@social.example", "Въпрос")
		if n, _ := s.CountMemberPosts(ctx, db.MemberPostQuery{UserID: ana.ID, Mentioning: true}); n != 1 {
			t.Errorf("Ana is mentioned in %d posts, want 1", n)
		}
	})
}

func TestForumShareItem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		ctx := context.Background()
		mkOrgAt := func(handle string) *db.Organisation {
			o := &db.Organisation{Handle: handle, Kind: db.OrgInfoCentre}
			o.SetTexts(db.Text{Lang: db.BG, Title: handle})
			if err := s.CreateOrganisation(ctx, o); err != nil {
				t.Fatal(err)
			}
			return o
		}
		ruse, varna := mkOrgAt("ic-ruse"), mkOrgAt("ic-varna")
		fh.user("editor@example.org", "Editor", db.RoleEditor, ruse.ID)
		fh.user("other@example.org", "Other", db.RoleEditor, varna.ID)
		fh.user("member@example.org", "Member", db.RoleMember, 0)
		mkItem := func(st db.Status, org int64) *db.Item {
			it := &db.Item{Kind: db.Event, Status: st, OrganisationID: org, StartsAt: time.Date(2030, 12, 5, 16, 30, 0, 0, time.UTC)}
			it.SetTexts(db.Text{Lang: db.BG, Title: "Семинар в Русе", Summary: "Обучение за *служители*."}, db.Text{Lang: db.EN, Title: "Seminar in Ruse", Summary: "Training for staff."})
			if err := s.CreateItem(ctx, it); err != nil {
				t.Fatal(err)
			}
			return it
		}
		ev, draft := mkItem(db.Published, ruse.ID), mkItem(db.Draft, ruse.ID)
		editor, other, member := fh.client("editor@example.org"), fh.client("other@example.org"), fh.client("member@example.org")

		resp, body := fh.get(editor, "/bg/forum/share?item="+itoa(ev.ID))
		wantStatus(t, "the share form", resp, 200)
		mustContain(t, "the share form", body, "Семинар в Русе", `name="item" value="`+itoa(ev.ID)+`"`, `<option value="events-and-training"`, `value="bg" checked`, `value="en"`)
		for _, tt := range []struct {
			name string
			c    *http.Client
			item int64
			code int
		}{
			{"another organisation's editor", other, ev.ID, 403},
			{"a member", member, ev.ID, 403},
			{"a draft", editor, draft.ID, 403},
			{"a missing item", editor, 999, 404},
		} {
			resp, _ := fh.get(tt.c, "/bg/forum/share?item="+itoa(tt.item))
			wantStatus(t, "GET share: "+tt.name, resp, tt.code)
			resp, _ = fh.post(tt.c, "/bg/forum/share", url.Values{"item": {itoa(tt.item)}, "category": {"events-and-training"}, "lang": {"bg"}})
			wantStatus(t, "POST share: "+tt.name, resp, tt.code)
		}
		resp, _ = fh.get(editor, "/bg/forum/share")
		wantStatus(t, "share without an item", resp, 400)

		resp, _ = fh.post(editor, "/en/forum/share", url.Values{"item": {itoa(ev.ID)}, "category": {"events-and-training"}, "lang": {"en"}})
		wantRedirect(t, "share", resp, http.StatusSeeOther, "/en/forum/events-and-training/")
		th, err := s.ForumThreadByItem(ctx, ev.ID)
		if err != nil || th.Title != "Seminar in Ruse" || th.Lang != db.EN {
			t.Fatalf("the shared thread: %+v, %v", th, err)
		}
		_, body = fh.get(fh.client(""), "/en/forum/events-and-training/"+itoa(th.ID))
		mustContain(t, "the shared thread", body, "Training for staff.", `href="https://hub.example.org/en/events/`+itoa(ev.ID)+`"`, "Read it on the hub: Seminar in Ruse")

		resp, body = fh.get(editor, "/bg/forum/share?item="+itoa(ev.ID))
		mustContain(t, "the share form of a shared item", body, "вече е споделена", "/bg/forum/events-and-training/"+itoa(th.ID))
		resp, _ = fh.post(editor, "/bg/forum/share", url.Values{"item": {itoa(ev.ID)}, "category": {"questions"}, "lang": {"bg"}})
		wantStatus(t, "sharing twice", resp, http.StatusUnprocessableEntity)

		// An admin shares any published item, in Bulgarian; Markdown in the
		// summary stays text.
		fh.user("admin@example.org", "Admin", db.RoleAdmin, 0)
		if err := s.SetThreadHidden(ctx, th.ID, true); err != nil { // a hidden share may be shared anew
			t.Fatal(err)
		}
		resp, _ = fh.post(fh.client("admin@example.org"), "/bg/forum/share", url.Values{"item": {itoa(ev.ID)}, "category": {"good-practice"}, "lang": {"bg"}})
		wantRedirect(t, "an admin's share", resp, http.StatusSeeOther, "/bg/forum/good-practice/")
		th2, _ := s.ForumThreadByItem(ctx, ev.ID)
		p, _ := s.ForumPost(ctx, th2.FirstPostID)
		if !strings.Contains(p.BodyHTML, "Обучение за *служители*.") || !strings.Contains(p.BodyHTML, "/bg/events/"+itoa(ev.ID)) {
			t.Errorf("the Bulgarian share's post: %s", p.BodyHTML)
		}
	})
}

func TestForumPager(t *testing.T) {
	p := newForumPager("/bg/forum/x/1", 5, 9)
	var got []string
	for _, l := range p.Links {
		s := strconv.Itoa(l.N)
		if l.Gap {
			s = "…" + s
		}
		if l.Current {
			s = "[" + s + "]"
		}
		got = append(got, s)
	}
	if g := strings.Join(got, " "); g != "1 3 4 [5] 6 7 …9" && g != "1 …3 4 [5] 6 7 …9" {
		t.Errorf("pager links = %s", g)
	}
	if p.Prev != "/bg/forum/x/1?page=4" || p.Next != "/bg/forum/x/1?page=6" || p.Links[0].URL != "/bg/forum/x/1" {
		t.Errorf("pager = %+v", p)
	}
	if q := newForumPager("/bg/forum/reports?all=1", 1, 2); q.Next != "/bg/forum/reports?all=1&page=2" {
		t.Errorf("a pager with a query: %+v", q)
	}
}

// TestForumCatalogKeys checks the keys the forum builds at run time.
func TestForumCatalogKeys(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, a := range []string{"pin", "unpin", "lock", "unlock", "hide", "show", "move", "post.hide", "post.show"} {
		keys = append(keys, "forum.mod.done."+a)
	}
	keys = append(keys, "forum.block.done.block", "forum.block.done.unblock", "nav.forum")
	for _, k := range keys {
		for _, l := range db.InterfaceLangs {
			if cats[l][k] == "" {
				t.Errorf("key %q is missing in %s", k, l)
			}
		}
	}
	for key := range cats[db.EN] {
		if strings.HasPrefix(key, "forum.") {
			if a, b := strings.Count(cats[db.EN][key], "%"), strings.Count(cats[db.BG][key], "%"); a != b {
				t.Errorf("%s: %d verbs in English, %d in Bulgarian", key, a, b)
			}
		}
	}
}
