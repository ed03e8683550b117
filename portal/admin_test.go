package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// adminPaths are every admin page, GET and POST, with the ids they need.
func adminPaths(orgID, chapterID, handbookID, userID, itemID int64) (gets, posts []string) {
	gets = []string{"/admin", "/admin/users", fmt.Sprintf("/admin/users/%d", userID), "/admin/organisations", "/admin/organisations/new",
		fmt.Sprintf("/admin/organisations/%d", orgID), "/admin/handbooks", fmt.Sprintf("/admin/handbooks/%d", handbookID),
		fmt.Sprintf("/admin/handbooks/%d/chapters/new", handbookID), fmt.Sprintf("/admin/chapters/%d", chapterID), "/admin/pages", "/admin/pages/about"}
	posts = []string{"/admin/users", fmt.Sprintf("/admin/users/%d", userID), fmt.Sprintf("/admin/users/%d/password", userID), "/admin/organisations/new",
		fmt.Sprintf("/admin/organisations/%d", orgID), fmt.Sprintf("/admin/handbooks/%d", handbookID), fmt.Sprintf("/admin/handbooks/%d/chapters/new", handbookID),
		fmt.Sprintf("/admin/chapters/%d", chapterID), fmt.Sprintf("/admin/chapters/%d/move", chapterID), "/admin/pages/about",
		fmt.Sprintf("/admin/items/%d/hide", itemID), fmt.Sprintf("/admin/items/%d/unhide", itemID)}
	return gets, posts
}

type adminFixture struct {
	a                                  *accHub
	org                                *db.Organisation
	admin, editor, member              *db.User
	handbook                           *db.Handbook
	chapters                           []*db.Chapter
	item                               *db.Item
	adminC, editorC, memberC, visitorC *http.Client
}

func newAdminFixture(t *testing.T, s *db.Store) *adminFixture {
	t.Helper()
	ctx := context.Background()
	f := &adminFixture{a: newAccHub(t, s)}
	f.org = mkOrg(t, s, "ic-sofia", "ИЦ София", "IC Sofia")
	f.admin = mkUser(t, s, "admin@example.org", db.RoleAdmin, 0)
	f.editor = mkUser(t, s, "editor@example.org", db.RoleEditor, f.org.ID)
	f.member = mkUser(t, s, "member@example.org", db.RoleMember, 0)
	hb := emptyHandbook(t, s, "casebook")
	f.handbook = hb
	for _, slug := range []string{"first", "second", "third"} {
		c := &db.Chapter{HandbookID: hb.ID, Slug: slug}
		c.SetTexts(db.Text{Lang: db.EN, Title: "Chapter " + slug}, db.Text{Lang: db.BG, Title: "Глава " + slug})
		if err := s.CreateChapter(ctx, c); err != nil {
			t.Fatal(err)
		}
		f.chapters = append(f.chapters, c)
	}
	f.item = &db.Item{Kind: db.News, OrganisationID: f.org.ID, Status: db.Published}
	f.item.SetTexts(db.Text{Lang: db.EN, Title: "Open day at the centre"}, db.Text{Lang: db.BG, Title: "Ден на отворените врати"})
	if err := s.CreateItem(ctx, f.item); err != nil {
		t.Fatal(err)
	}
	f.adminC, f.editorC, f.memberC, f.visitorC = newClient(t), newClient(t), newClient(t), newClient(t)
	signIn(t, f.adminC, f.a.srv.URL, "admin@example.org", testPassword)
	signIn(t, f.editorC, f.a.srv.URL, "editor@example.org", testPassword)
	signIn(t, f.memberC, f.a.srv.URL, "member@example.org", testPassword)
	return f
}

func TestAdminPagesAreForAdminsOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		f := newAdminFixture(t, s)
		gets, posts := adminPaths(f.org.ID, f.chapters[0].ID, f.handbook.ID, f.member.ID, f.item.ID)
		for _, lang := range db.InterfaceLangs {
			p := "/" + string(lang)
			for _, path := range gets {
				resp, body := getPage(t, f.adminC, f.a.srv.URL+p+path)
				if resp.StatusCode != 200 {
					t.Errorf("admin GET %s%s = %d", p, path, resp.StatusCode)
				}
				mustContain(t, "admin "+path, body, `<html lang="`+string(lang)+`">`)
				if strings.Contains(body, "[admin.") || strings.Contains(body, "[form.") || strings.Contains(body, "[manage.") {
					t.Errorf("admin GET %s%s shows a missing catalogue key", p, path)
				}
				for who, c := range map[string]*http.Client{"editor": f.editorC, "member": f.memberC} {
					if resp, _ := getPage(t, c, f.a.srv.URL+p+path); resp.StatusCode != http.StatusForbidden {
						t.Errorf("%s GET %s%s = %d, want 403", who, p, path, resp.StatusCode)
					}
				}
				if resp, _ := getPage(t, f.visitorC, f.a.srv.URL+p+path); resp.StatusCode != http.StatusSeeOther {
					t.Errorf("visitor GET %s%s = %d, want a redirect to sign in", p, path, resp.StatusCode)
				}
			}
			for _, path := range posts {
				for who, c := range map[string]*http.Client{"editor": f.editorC, "member": f.memberC} {
					if resp, _ := submitForm(t, c, f.a.srv.URL, p+path, url.Values{"new_password": {"a new password here"}, "role": {"admin"}}); resp.StatusCode != http.StatusForbidden {
						t.Errorf("%s POST %s%s = %d, want 403", who, p, path, resp.StatusCode)
					}
				}
			}
		}
		if u, _ := s.User(context.Background(), f.member.ID); u.Role != db.RoleMember {
			t.Error("a forbidden POST changed the member's role")
		}
	})
}

func TestAdminManagesUsers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		f := newAdminFixture(t, s)
		a := f.a
		a.unlimit()
		orgID := strconv.FormatInt(f.org.ID, 10)
		// Errors come back in the page's language.
		resp, body := submitForm(t, f.adminC, a.srv.URL, "/bg/admin/users", url.Values{"email": {"editor@example.org"}, "role": {"editor"}, "org": {""}, "lang": {"bg"}, "password": {"short"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("invalid new user: %d", resp.StatusCode)
		}
		mustContain(t, "the users form", body, "Редакторът трябва да принадлежи към организация", "Паролата е твърде кратка", `value="editor@example.org"`)
		resp, body = submitForm(t, f.adminC, a.srv.URL, "/en/admin/users", url.Values{"email": {"editor@example.org"}, "role": {"editor"}, "org": {orgID}, "lang": {"bg"}, "password": {testPassword}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "There is already an account with this e-mail address") {
			t.Errorf("duplicate user: %d", resp.StatusCode)
		}
		// Create an editor.
		resp, _ = submitForm(t, f.adminC, a.srv.URL, "/en/admin/users", url.Values{"email": {"new.editor@example.org"}, "name": {"Нов редактор"}, "role": {"editor"}, "org": {orgID}, "lang": {"en"}, "password": {testPassword}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create user: %d", resp.StatusCode)
		}
		u, err := s.UserByEmail(ctx, "new.editor@example.org")
		if err != nil || u.Role != db.RoleEditor || u.OrganisationID != f.org.ID || u.Lang != db.EN || u.Name != "Нов редактор" {
			t.Fatalf("created user: %+v, %v", u, err)
		}
		_, body = getPage(t, f.adminC, a.srv.URL+"/en/admin/users")
		mustContain(t, "the users list", body, "new.editor@example.org", "IC Sofia", "Editor")
		nc := newClient(t)
		signIn(t, nc, a.srv.URL, "new.editor@example.org", testPassword)

		// Disable: the user's session ends and signing in fails; enable again.
		userPath := fmt.Sprintf("/en/admin/users/%d", u.ID)
		resp, _ = submitForm(t, f.adminC, a.srv.URL, userPath, url.Values{"name": {"Нов редактор"}, "role": {"editor"}, "org": {orgID}, "disabled": {"on"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("disable: %d", resp.StatusCode)
		}
		if resp, _ := getPage(t, nc, a.srv.URL+"/en/manage"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("a disabled editor still reaches /en/manage: %d", resp.StatusCode)
		}
		if _, err := s.Authenticate(ctx, "new.editor@example.org", testPassword); err == nil {
			t.Error("a disabled user can sign in")
		}
		submitForm(t, f.adminC, a.srv.URL, userPath, url.Values{"name": {"Нов редактор"}, "role": {"editor"}, "org": {orgID}})
		signIn(t, nc, a.srv.URL, "new.editor@example.org", testPassword)

		// Reset the password: the old one stops working and the session ends.
		resp, body = submitForm(t, f.adminC, a.srv.URL, userPath+"/password", url.Values{"new_password": {"short"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "The password is too short") {
			t.Errorf("short reset password: %d", resp.StatusCode)
		}
		resp, _ = submitForm(t, f.adminC, a.srv.URL, userPath+"/password", url.Values{"new_password": {"reset by the admin"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("reset password: %d", resp.StatusCode)
		}
		if resp, _ := getPage(t, nc, a.srv.URL+"/en/manage"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the session survived a password reset: %d", resp.StatusCode)
		}
		signIn(t, newClient(t), a.srv.URL, "new.editor@example.org", "reset by the admin")

		// An admin cannot lock themselves out.
		resp, body = submitForm(t, f.adminC, a.srv.URL, fmt.Sprintf("/bg/admin/users/%d", f.admin.ID), url.Values{"role": {"member"}, "disabled": {"on"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("admin demoting themselves: %d", resp.StatusCode)
		}
		mustContain(t, "the self-edit page", body, "Не можете да деактивирате собствения си профил", "Не можете да отнемете ролята")
	})
}

func TestAdminManagesOrganisationsHandbooksAndPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		f := newAdminFixture(t, s)
		a, c := f.a, f.adminC

		// Organisations.
		v := url.Values{"handle": {"Bad Handle"}, "kind": {"ngo"}, "country": {"Bulgaria"}, "title_bg": {"Фондация"}, "website": {"example.org"}}
		resp, body := submitForm(t, c, a.srv.URL, "/en/admin/organisations/new", v)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("invalid organisation: %d", resp.StatusCode)
		}
		mustContain(t, "the organisation form", body, "Use 1 to 63 lower-case Latin letters", "two-letter country code", "Enter a full web address", `value="Фондация"`)
		v = url.Values{"handle": {"ngo-friends"}, "kind": {"ngo"}, "country": {"bg"}, "city": {"Пловдив"}, "title_bg": {"Приятели"}, "title_en": {"Friends"},
			"body_en": {"We *help*."}, "website": {"https://friends.example.org"}, "email": {"info@friends.example.org"}, "phone": {"+359 32 000 000"}}
		resp, _ = submitForm(t, c, a.srv.URL, "/en/admin/organisations/new", v)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create organisation: %d", resp.StatusCode)
		}
		o, err := s.OrganisationByHandle(ctx, "ngo-friends")
		if err != nil || o.Country != "BG" || o.City != "Пловдив" || len(o.Translations) != 2 {
			t.Fatalf("created organisation: %+v, %v", o, err)
		}
		if en, _, _ := o.Texts().In(db.EN); !strings.Contains(en.BodyHTML, "<em>help</em>") {
			t.Errorf("the description was not rendered: %q", en.BodyHTML)
		}
		resp, body = submitForm(t, c, a.srv.URL, "/bg/admin/organisations/new", v)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Този идентификатор е зает") {
			t.Errorf("duplicate handle: %d", resp.StatusCode)
		}
		v.Set("title_en", "Friends of Plovdiv")
		v.Set("handle", "changed")
		resp, _ = submitForm(t, c, a.srv.URL, fmt.Sprintf("/en/admin/organisations/%d", o.ID), v)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit organisation: %d", resp.StatusCode)
		}
		if o, _ = s.Organisation(ctx, o.ID); o.Handle != "ngo-friends" || o.Texts()[1].Title != "Friends of Plovdiv" && o.Texts()[0].Title != "Friends of Plovdiv" {
			t.Errorf("edited organisation: %+v", o)
		}

		// Chapters: add, edit, reorder.
		resp, body = submitForm(t, c, a.srv.URL, fmt.Sprintf("/en/admin/handbooks/%d/chapters/new", f.handbook.ID), url.Values{"title_en": {"Work permits"}, "body_en": {"# Work\n\nText"}, "action": {"preview"}})
		if resp.StatusCode != 200 || !strings.Contains(body, "<h1 id=\"work\">Work</h1>") {
			t.Errorf("chapter preview: %d", resp.StatusCode)
		}
		resp, _ = submitForm(t, c, a.srv.URL, fmt.Sprintf("/en/admin/handbooks/%d/chapters/new", f.handbook.ID), url.Values{"title_en": {"Work permits"}, "title_bg": {"Разрешения за работа"}, "body_en": {"Text"}, "action": {"save"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add chapter: %d", resp.StatusCode)
		}
		hb, _ := s.HandbookByID(ctx, f.handbook.ID)
		last := hb.Chapters[len(hb.Chapters)-1]
		if last.Slug != "work-permits" || len(hb.Chapters) != 4 {
			t.Errorf("added chapter: slug %q, %d chapters", last.Slug, len(hb.Chapters))
		}
		resp, body = submitForm(t, c, a.srv.URL, fmt.Sprintf("/bg/admin/handbooks/%d/chapters/new", f.handbook.ID), url.Values{"title_en": {"Again"}, "slug": {"first"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Друга глава на този наръчник има този адрес") {
			t.Errorf("duplicate chapter slug: %d", resp.StatusCode)
		}
		resp, _ = submitForm(t, c, a.srv.URL, fmt.Sprintf("/en/admin/chapters/%d", last.ID), url.Values{"slug": {"work"}, "title_en": {"Work"}, "title_bg": {"Работа"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit chapter: %d", resp.StatusCode)
		}
		resp, _ = submitForm(t, c, a.srv.URL, fmt.Sprintf("/en/admin/chapters/%d/move", last.ID), url.Values{"dir": {"up"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("move chapter: %d", resp.StatusCode)
		}
		hb, _ = s.HandbookBySlug(ctx, "casebook")
		var slugs []string
		for _, ch := range hb.Chapters {
			slugs = append(slugs, ch.Slug)
		}
		if got := strings.Join(slugs, " "); got != "first second work third" {
			t.Errorf("chapters after moving the last up: %s", got)
		}
		_, body = getPage(t, c, a.srv.URL+"/bg/admin/handbooks")
		mustContain(t, "the handbooks page", body, "Нагоре", "Надолу", "Глава first", "Работа")
		// The handbook's introduction.
		resp, _ = submitForm(t, c, a.srv.URL, fmt.Sprintf("/en/admin/handbooks/%d", f.handbook.ID), url.Values{"title_en": {"Common cases"}, "body_en": {"New introduction."}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit handbook: %d", resp.StatusCode)
		}
		if hb, _ = s.HandbookByID(ctx, f.handbook.ID); hb.Texts().Has(db.BG) || !strings.Contains(hb.Translations[0].BodyHTML, "New introduction.") {
			t.Errorf("edited handbook: %+v", hb.Translations)
		}

		// A static page.
		resp, _ = submitForm(t, c, a.srv.URL, "/bg/admin/pages/about", url.Values{"title_bg": {"За нас"}, "summary_bg": {"Кратко."}, "body_bg": {"Нов **текст**."}, "title_en": {"About us"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit page: %d", resp.StatusCode)
		}
		_, body = getPage(t, f.visitorC, a.srv.URL+"/bg/pages/about")
		mustContain(t, "the edited page", body, "За нас", "Нов <strong>текст</strong>.")
		if resp, _ := submitForm(t, c, a.srv.URL, "/en/admin/pages/nope", url.Values{"title_en": {"x"}}); resp.StatusCode != 404 {
			t.Errorf("editing an unknown page: %d, want 404", resp.StatusCode)
		}
	})
}

func TestAdminHubItemsAndHiding(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		f := newAdminFixture(t, s)
		a, c := f.a, f.adminC

		// A project update owned by the hub, through the item form.
		resp, body := getPage(t, c, a.srv.URL+"/en/manage/new?kind=project_update")
		if resp.StatusCode != 200 {
			t.Fatalf("admin new project update: %d", resp.StatusCode)
		}
		mustContain(t, "the admin item form", body, `<select id="f-owner" name="owner">`, `<option value="" selected>The hub</option>`)
		resp, body = postMultipart(t, c, a.srv.URL, "/en/manage/new", url.Values{"kind": {"project_update"}, "owner": {""}, "action": {"publish"}, "title_en": {"The project starts"}}, "", nil)
		id := itemIDFrom(t, resp, body)
		if it, _ := s.Item(ctx, id); it.OrganisationID != 0 || it.Kind != db.ProjectUpdate || it.Status != db.Published {
			t.Errorf("hub item: %+v", it)
		}
		// A press publication needs its outlet.
		resp, body = postMultipart(t, c, a.srv.URL, "/bg/manage/new", url.Values{"kind": {"press"}, "action": {"publish"}, "title_bg": {"Статия"}, "issued": {"2013-05-10"}}, "", nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-outlet-error"`) {
			t.Errorf("press without outlet: %d", resp.StatusCode)
		}
		resp, body = postMultipart(t, c, a.srv.URL, "/bg/manage/new", url.Values{"kind": {"press"}, "action": {"publish"}, "title_bg": {"Статия"}, "issued": {"2013-05-10"}, "outlet": {"Хасковска Марица"}, "external_url": {"https://example.org/a"}}, "", nil)
		pid := itemIDFrom(t, resp, body)
		if it, _ := s.Item(ctx, pid); it.Outlet != "Хасковска Марица" || it.StartsAt.IsZero() || it.ExternalURL != "https://example.org/a" {
			t.Errorf("press item: %+v", it)
		}
		// Filters of the admin list.
		_, body = getPage(t, c, a.srv.URL+"/en/manage?org=hub")
		if !strings.Contains(body, "The project starts") || strings.Contains(body, "Open day at the centre") {
			t.Error("the hub filter shows the wrong items")
		}
		_, body = getPage(t, c, a.srv.URL+fmt.Sprintf("/en/manage?org=%d", f.org.ID))
		if strings.Contains(body, "The project starts") || !strings.Contains(body, "Open day at the centre") {
			t.Error("the organisation filter shows the wrong items")
		}

		// Hide an organisation's item: visitors no longer see it.
		page := f.item.PagePath(db.EN)
		before, _ := getPage(t, f.visitorC, a.srv.URL+page)
		resp, _ = submitForm(t, c, a.srv.URL, fmt.Sprintf("/en/admin/items/%d/hide", f.item.ID), url.Values{"back": {"/en/manage?org=hub"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/en/manage?org=hub" {
			t.Fatalf("hide: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if it, _ := s.Item(ctx, f.item.ID); it.Status != db.Hidden {
			t.Errorf("after hiding: %s", it.Status)
		}
		if before.StatusCode == 200 {
			if resp, _ := getPage(t, f.visitorC, a.srv.URL+page); resp.StatusCode != http.StatusNotFound {
				t.Errorf("a hidden item's page answers %d to visitors, want 404", resp.StatusCode)
			}
		} else {
			t.Logf("no public item page at %s (%d): checked through the store only", page, before.StatusCode)
		}
		// The editor cannot publish it again by saving.
		resp, body = postMultipart(t, f.editorC, a.srv.URL, fmt.Sprintf("/en/manage/items/%d", f.item.ID), url.Values{"kind": {"news"}, "action": {"publish"}, "title_en": {"Open day at the centre"}}, "", nil)
		itemIDFrom(t, resp, body)
		if it, _ := s.Item(ctx, f.item.ID); it.Status != db.Hidden {
			t.Errorf("an editor's publish unhid the item: %s", it.Status)
		}
		_, body = getPage(t, f.editorC, a.srv.URL+fmt.Sprintf("/bg/manage/items/%d", f.item.ID))
		mustContain(t, "the hidden item's form", body, "Администратор е скрил тази публикация")
		// Unhide.
		resp, _ = submitForm(t, c, a.srv.URL, fmt.Sprintf("/bg/admin/items/%d/unhide", f.item.ID), url.Values{})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("unhide: %d", resp.StatusCode)
		}
		if it, _ := s.Item(ctx, f.item.ID); it.Status != db.Published {
			t.Errorf("after unhiding: %s", it.Status)
		}
		_, body = getPage(t, c, a.srv.URL+"/bg/manage")
		mustContain(t, "the admin list", body, "Публикацията отново е видима.", "Скриване")
	})
}
