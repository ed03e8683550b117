package portal

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// nestedQuotes is n characters of "> ": before the renderer's limits it
// took goldmark seconds (200 000 characters: 11 s) to nest them.
func nestedQuotes(n int) string { return strings.Repeat("> ", n/2) + strings.Repeat("x", n%2) }

// referenceBomb is n characters of Markdown whose HTML would repeat one
// long link definition thousands of times.
func referenceBomb(n int) string {
	def := "[a]: https://example.org/" + strings.Repeat("x", n/2) + "\n\n"
	return def + strings.Repeat("[a]", (n-len(def))/3)
}

// TestMarkdownLimits sends over-long and over-complex Markdown to every
// form that renders it (item editor, handbook chapter, static page, forum
// post) in both languages: each answers 422 with the message of the field,
// shows no preview and stores nothing.
func TestMarkdownLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		a := newAccHub(t, s)
		org := mkOrg(t, s, "ic-ruse", "ИЦ Русе", "IC Ruse")
		mkUser(t, s, "editor@example.org", db.RoleEditor, org.ID)
		mkUser(t, s, "admin@example.org", db.RoleAdmin, 0)
		if _, err := s.SeedForum(ctx); err != nil {
			t.Fatal(err)
		}
		mkUser(t, s, "member@example.org", db.RoleMember, 0)
		editor, admin, member := newClient(t), newClient(t), newClient(t)
		signIn(t, editor, a.srv.URL, "editor@example.org", testPassword)
		signIn(t, admin, a.srv.URL, "admin@example.org", testPassword)
		signIn(t, member, a.srv.URL, "member@example.org", testPassword)
		hb, err := s.Handbooks(ctx)
		if err != nil || len(hb) == 0 {
			t.Fatalf("seeded handbooks: %v, %d", err, len(hb))
		}
		page, err := s.Page(ctx, "about")
		if err != nil {
			t.Fatal(err)
		}

		tooLong := map[db.Lang]string{db.BG: "Текстът е твърде дълъг: най-много %d знака.", db.EN: "This is too long: at most %d characters."}
		tooComplex := map[db.Lang]string{db.BG: "Този текст не може да бъде показан", db.EN: "This text cannot be shown"}
		items := countItems(t, s)
		for _, lang := range db.InterfaceLangs {
			p := "/" + string(lang)
			cases := []struct {
				what, path, field string
				fields            func() url.Values
				send              func(path string, v url.Values) (int, string)
				limit             int
			}{
				{"item preview", p + "/manage/new", "body_bg", func() url.Values { return eventForm("preview") }, func(path string, v url.Values) (int, string) {
					resp, body := submitForm(t, editor, a.srv.URL, path, v)
					return resp.StatusCode, body
				}, db.MaxBodyLen},
				{"item publish", p + "/manage/new", "body_en", func() url.Values { return eventForm("publish") }, func(path string, v url.Values) (int, string) {
					resp, body := submitForm(t, editor, a.srv.URL, path, v)
					return resp.StatusCode, body
				}, db.MaxBodyLen},
				{"chapter preview", fmt.Sprintf("%s/admin/handbooks/%d/chapters/new", p, hb[0].ID), "body_bg", func() url.Values {
					return url.Values{"title_bg": {"Глава"}, "action": {"preview"}}
				}, func(path string, v url.Values) (int, string) {
					resp, body := submitForm(t, admin, a.srv.URL, path, v)
					return resp.StatusCode, body
				}, db.MaxBodyLen},
				{"page save", p + "/admin/pages/" + page.Slug, "body_en", func() url.Values {
					return url.Values{"title_en": {"About"}}
				}, func(path string, v url.Values) (int, string) {
					resp, body := submitForm(t, admin, a.srv.URL, path, v)
					return resp.StatusCode, body
				}, db.MaxBodyLen},
				{"forum preview", p + "/forum/new", "body", func() url.Values {
					return url.Values{"category": {"questions"}, "title": {"Въпрос"}, "lang": {"bg"}, "preview": {"1"}}
				}, func(path string, v url.Values) (int, string) {
					resp, body := submitForm(t, member, a.srv.URL, path, v)
					return resp.StatusCode, body
				}, db.MaxPostLen},
				{"forum post", p + "/forum/new", "body", func() url.Values {
					return url.Values{"category": {"questions"}, "title": {"Въпрос"}, "lang": {"bg"}}
				}, func(path string, v url.Values) (int, string) {
					resp, body := submitForm(t, member, a.srv.URL, path, v)
					return resp.StatusCode, body
				}, db.MaxPostLen},
			}
			for _, c := range cases {
				for _, bad := range []struct {
					name, md, want string
				}{
					{"over-long", nestedQuotes(c.limit + 1), fmt.Sprintf(tooLong[lang], c.limit)},
					{"complex", referenceBomb(c.limit - 10), tooComplex[lang]},
				} {
					v := c.fields()
					v.Set(c.field, bad.md)
					code, body := c.send(c.path, v)
					what := fmt.Sprintf("%s %s (%s)", bad.name, c.what, lang)
					if code != 422 {
						t.Errorf("%s: status %d, want 422", what, code)
					}
					mustContain(t, what, body, bad.want)
					lacks(t, what, body, "<blockquote>", `href="https://example.org/xxx`)
				}
			}
		}
		if n := countItems(t, s); n != items {
			t.Errorf("items: %d, want %d: an over-long or complex one was stored", n, items)
		}
		if got, err := s.Page(ctx, "about"); err != nil || got.Texts()[0].Title != page.Texts()[0].Title {
			t.Errorf("the page changed: %v", err)
		}
		u, err := s.UserByEmail(ctx, "member@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if n, err := s.CountMemberPosts(ctx, db.MemberPostQuery{UserID: u.ID, WithHidden: true}); err != nil || n != 0 {
			t.Errorf("member's posts: %d (%v), want 0", n, err)
		}

		// Deep nesting within the limits renders, capped.
		v := eventForm("preview")
		v.Set("body_bg", nestedQuotes(db.MaxBodyLen))
		resp, body := submitForm(t, editor, a.srv.URL, "/bg/manage/new", v)
		if resp.StatusCode != 200 {
			t.Fatalf("preview of deep quotes: %d", resp.StatusCode)
		}
		if n := strings.Count(body, "<blockquote>"); n != 16 {
			t.Errorf("preview of deep quotes has %d <blockquote>, want 16", n)
		}
	})
}
