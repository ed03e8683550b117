package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bgimigranti/hub/db"
)

// forumCategory returns the handle of the first local category the hub
// seeded.
func forumCategory(t *testing.T, s *db.Store) string {
	t.Helper()
	cats, err := s.ForumCategories(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		if !c.Remote {
			return c.Handle
		}
	}
	t.Fatal("the hub seeded no local forum category")
	return ""
}

// TestForumJourney: a member registers and opens a thread in Bulgarian in a
// category; another member signs in and replies in English; an admin signs
// in and pins the thread; a visitor then sees it pinned in the category,
// and in the thread both posts with their language badges.
func TestForumJourney(t *testing.T) {
	b := tab{t, browser(t)}
	h, srv := testSite(t)
	ctx := context.Background()
	cat := forumCategory(t, h.store)
	for _, u := range []db.NewUser{
		{Email: "ben@example.org", Name: "Ben Carter", Password: "ben's long password", Role: db.RoleMember},
		{Email: "admin@example.org", Name: "Админ", Password: "admin's long password", Role: db.RoleAdmin},
	} {
		if _, err := h.store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}

	// A member registers and opens a thread in Bulgarian.
	b.do(
		chromedp.Navigate(srv.URL+"/bg/register"),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Амина"),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "amina@example.org"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "моята тайна парола"),
		chromedp.SendKeys(chromedp.CSS(`#f-password2`), "моята тайна парола"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
	)
	b.waitPath(`p === "/bg/login"`)
	b.signIn(srv.URL, "bg", "amina@example.org", "моята тайна парола")
	b.do(chromedp.Navigate(srv.URL + "/bg/forum/" + cat))
	b.waitPath(`p === "/bg/forum/` + cat + `"`)
	b.do(chromedp.Click(chromedp.CSS(`main .forum-actions a.button`)))
	b.waitPath(`p.startsWith("/bg/forum/new")`)
	b.do(
		chromedp.SendKeys(chromedp.CSS(`#f-title`), "Как се подновява разрешение за пребиваване?"),
		chromedp.SendKeys(chromedp.CSS(`#f-body`), "Здравейте! Какви документи са нужни за подновяване?"),
		chromedp.Click(chromedp.CSS(`main input[name="lang"][value="bg"]`)),
		chromedp.Click(chromedp.CSS(`main form.forum-form button[type="submit"]:not([name])`)),
	)
	b.waitPath(`/^\/bg\/forum\/[^/]+\/\d+/.test(p)`)
	threadPath := b.eval(`location.pathname`)
	if got := b.text(); !strings.Contains(got, "Какви документи са нужни") {
		t.Fatalf("the new thread's page shows:\n%s", got)
	}
	b.signOut()

	// Another member replies in English.
	b.signIn(srv.URL, "en", "ben@example.org", "ben's long password")
	enThread := "/en" + strings.TrimPrefix(threadPath, "/bg")
	b.do(chromedp.Navigate(srv.URL + enThread))
	b.waitPath(`p.startsWith("` + enThread + `")`)
	b.do(
		chromedp.SendKeys(chromedp.CSS(`section.forum-reply #f-body`), "You need your passport and a rental contract."),
		chromedp.Click(chromedp.CSS(`section.forum-reply input[name="lang"][value="en"]`)),
		chromedp.Click(chromedp.CSS(`section.forum-reply button[type="submit"]:not([name])`)),
	)
	waitText(b, "rental contract")
	b.signOut()

	// An admin pins it.
	b.signIn(srv.URL, "bg", "admin@example.org", "admin's long password")
	b.do(chromedp.Navigate(srv.URL + threadPath))
	b.waitPath(`p.startsWith("` + threadPath + `")`)
	b.do(
		chromedp.Click(chromedp.CSS(`main details.forum-mod summary`)), // the moderation tools are folded
		chromedp.Click(chromedp.CSS(`main form:has(input[name="action"][value="pin"]) button`)),
	)
	b.waitPath(`p.startsWith("` + threadPath + `")`)
	b.do(chromedp.WaitReady(chromedp.CSS(`main input[name="action"][value="unpin"]`)))
	b.signOut()

	// A visitor sees it pinned, with both posts and their languages.
	b.do(chromedp.Navigate(srv.URL + "/en/forum/" + cat))
	b.waitPath(`p === "/en/forum/` + cat + `"`)
	if got := b.eval(`(() => { const li = document.querySelector("main li.forum-thread.is-pinned"); return li ? li.innerText : ""; })()`); !strings.Contains(got, "Как се подновява") || !strings.Contains(got, "Pinned") {
		t.Errorf("the category lists the thread as %q, want it pinned", got)
	}
	b.do(chromedp.Navigate(srv.URL + enThread))
	b.waitPath(`p.startsWith("` + enThread + `")`)
	badges := b.eval(`Array.from(document.querySelectorAll("main article .langbadge")).map(e => e.textContent.trim()).join("|")`)
	if !strings.Contains(badges, "Language: Bulgarian") || !strings.Contains(badges, "Language: English") {
		t.Errorf("the posts' language badges read %q, want Bulgarian and English", badges)
	}
	if got := b.text(); !strings.Contains(got, "Какви документи са нужни") || !strings.Contains(got, "rental contract") || !strings.Contains(got, "Pinned") {
		t.Errorf("a visitor sees the thread as:\n%s", got)
	}
	if got := b.eval(`document.querySelector('link[rel="alternate"][type="application/atom+xml"]').href`); !strings.Contains(got, "/en/feeds/forum/threads/") {
		t.Errorf("the thread page announces %q first, want its own feed", got)
	}
}

// TestForumPagesPassAxe runs axe-core on the forum's index, a category and
// a thread with posts in two languages, in both interface languages.
func TestForumPagesPassAxe(t *testing.T) {
	axe := needAxe(t)
	tb := browser(t)
	h, srv := testSite(t)
	ctx := context.Background()
	cat := forumCategory(t, h.store)
	c, err := h.store.ForumCategoryByHandle(ctx, cat)
	if err != nil {
		t.Fatal(err)
	}
	u, err := h.store.CreateUser(ctx, db.NewUser{Email: "ana@example.org", Name: "Ана", Password: "a long enough password", Role: db.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	th := &db.ForumThread{CategoryID: c.ID, Title: "Курсове по български"}
	if err := h.store.CreateForumThread(ctx, th, &db.ForumPost{AuthorUserID: u.ID, Lang: db.BG, BodyMD: "Къде?", BodyHTML: "<p>Къде?</p>"}); err != nil {
		t.Fatal(err)
	}
	if err := h.store.CreateForumPost(ctx, &db.ForumPost{ThreadID: th.ID, AuthorUserID: u.ID, Lang: db.EN, BodyMD: "In Sofia.", BodyHTML: "<p>In Sofia.</p>"}); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"bg", "en"} {
		for _, path := range []string{"/forum", "/forum/" + cat, "/forum/" + cat + "/" + itoa(th.ID)} {
			for _, v := range seriousViolations(t, tb, axe, srv.URL+"/"+lang+path) {
				t.Errorf("%s: %s", "/"+lang+path, v)
			}
		}
	}

	// The admin's pages for categories, and the form showing its errors.
	if _, err := h.store.CreateUser(ctx, db.NewUser{Email: "admin@example.org", Name: "Админ", Password: "admin's long password", Role: db.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	b := tab{t, tb}
	b.signIn(srv.URL, "bg", "admin@example.org", "admin's long password")
	for _, lang := range []string{"bg", "en"} {
		for _, path := range []string{"/forum", "/forum/categories", "/forum/categories/new", "/forum/categories/" + cat + "/edit"} {
			for _, v := range seriousViolations(t, tb, axe, srv.URL+"/"+lang+path) {
				t.Errorf("%s (admin): %s", "/"+lang+path, v)
			}
		}
	}
	b.do(chromedp.Navigate(srv.URL + "/en/forum/categories/new"))
	b.waitPath(`p === "/en/forum/categories/new"`)
	b.eval(`document.querySelectorAll("main form").forEach(f => f.noValidate = true), ""`) // the server's checks, not the browser's
	b.do(chromedp.SendKeys(chromedp.CSS(`main input[name="handle"]`), "Not a handle!"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)))
	b.waitPath(`p === "/en/forum/categories/new"`)
	b.do(chromedp.WaitReady(chromedp.CSS(`main input[name="handle"][aria-invalid="true"]`)))
	if got := b.eval(`document.getElementById("f-handle-error").innerText`); got == "" {
		t.Errorf("the form with errors says nothing about the handle")
	}
}

// waitText waits until the page's main element shows want, and fails with
// what it shows instead.
func waitText(b tab, want string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(() => { const m = document.querySelector("main"); return document.readyState === "complete" && m ? m.innerText : ""; })()`))
		if err == nil && strings.Contains(got, want) {
			return
		}
		if time.Now().After(deadline) {
			where, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`location.href`))
			b.t.Fatalf("waiting for %q at %s; the page shows:\n%s", want, where, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
