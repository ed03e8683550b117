package portal

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// categoryForm is a filled-in category form.
func categoryForm(handle, position, titleBG, summaryBG, titleEN, summaryEN string) url.Values {
	return url.Values{"handle": {handle}, "position": {position},
		"title_bg": {titleBG}, "summary_bg": {summaryBG}, "title_en": {titleEN}, "summary_en": {summaryEN}}
}

// msg is a catalogue message as a page shows it, HTML-escaped.
func msg(lang db.Lang, key string, args ...any) string {
	cats, err := loadCatalogs()
	if err != nil {
		panic(err)
	}
	return html.EscapeString(cats[lang].T(key, args...))
}

func noMissingKeys(t *testing.T, what, body string) {
	t.Helper()
	for _, p := range []string{"[forum.", "[form.", "[admin.", "[lang."} {
		if strings.Contains(body, p) {
			t.Errorf("%s shows a missing catalogue key %s…", what, p)
		}
	}
}

func TestForumCategoriesAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		ctx := context.Background()
		fh.user("admin@example.org", "Админ", db.RoleAdmin, 0)
		fh.user("ana@example.org", "Анна", db.RoleMember, 0)
		admin, member, visitor := fh.client("admin@example.org"), fh.client("ana@example.org"), fh.client("")

		// The forum's front page links the admin page for admins only.
		_, body := fh.get(admin, "/bg/forum")
		mustContain(t, "the forum for an admin", body, `href="/bg/forum/categories"`, msg(db.BG, "forum.categories.manage"))
		_, body = fh.get(member, "/bg/forum")
		lacks(t, "the forum for a member", body, `href="/bg/forum/categories"`)

		for _, lang := range db.InterfaceLangs {
			p := "/" + string(lang) + "/forum/categories"
			resp, body := fh.get(admin, p)
			wantStatus(t, "admin GET "+p, resp, http.StatusOK)
			mustContain(t, p, body, `<html lang="`+string(lang)+`">`, `href="`+p+`/new"`, `href="`+p+`/questions/edit"`,
				pick(fh.cats["questions"].Texts(), lang).Title)
			noMissingKeys(t, p, body)
			resp, body = fh.get(admin, p+"/new")
			wantStatus(t, "admin GET "+p+"/new", resp, http.StatusOK)
			mustContain(t, p+"/new", body, `name="csrf"`, `name="handle"`, `name="position"`, `name="title_bg"`, `name="summary_en"`, `for="f-title_en"`)
			noMissingKeys(t, p+"/new", body)
		}

		// Create, in both languages; the handle is lower-cased.
		resp, _ := fh.post(admin, "/bg/forum/categories/new", categoryForm("Legal-Aid", "9", "Правна помощ", "Безплатни правни консултации", "Legal aid", "Free legal advice"))
		wantRedirect(t, "create", resp, http.StatusSeeOther, "/bg/forum/categories")
		c, err := s.ForumCategoryByHandle(ctx, "legal-aid")
		if err != nil {
			t.Fatalf("the new category: %v", err)
		}
		if c.Position != 9 || c.Remote || len(c.Texts()) != 2 {
			t.Errorf("the new category: %+v", c)
		}
		_, body = fh.get(admin, "/bg/forum/categories")
		mustContain(t, "the list after creating", body, msg(db.BG, "forum.categories.saved"), "Правна помощ", `href="/bg/forum/categories/legal-aid/edit"`)
		_, body = fh.get(visitor, "/bg/forum")
		mustContain(t, "/bg/forum", body, "Правна помощ", "Безплатни правни консултации", `href="/bg/forum/legal-aid"`)
		lacks(t, "/bg/forum for a visitor", body, "Legal aid", `href="/bg/forum/categories"`)
		_, body = fh.get(visitor, "/en/forum")
		mustContain(t, "/en/forum", body, "Legal aid", "Free legal advice", `href="/en/forum/legal-aid"`)
		resp, body = fh.get(visitor, "/en/forum/legal-aid")
		wantStatus(t, "the new category's page", resp, http.StatusOK)
		mustContain(t, "the new category's page", body, "Legal aid")
		_, body = fh.get(visitor, "/en/forum")
		if i, j := strings.Index(body, "Questions and answers"), strings.Index(body, "Legal aid"); i < 0 || j < i {
			t.Errorf("/en/forum: a category at position 9 is not after one at 4")
		}

		// Edit: texts and position change, the handle does not.
		resp, body = fh.get(admin, "/en/forum/categories/legal-aid/edit")
		wantStatus(t, "edit form", resp, http.StatusOK)
		mustContain(t, "edit form", body, "<code>legal-aid</code>", "@legal-aid@hub.example.org", `value="Правна помощ"`, "Free legal advice", `action="/en/forum/categories/legal-aid/delete"`)
		lacks(t, "edit form", body, `name="handle"`)
		noMissingKeys(t, "edit form", body)
		resp, _ = fh.post(admin, "/en/forum/categories/legal-aid/edit", categoryForm("hijack", "0", "Правна помощ за имигранти", "", "Legal aid for immigrants", "Free advice on residence and work"))
		wantRedirect(t, "edit", resp, http.StatusSeeOther, "/en/forum/categories")
		if _, err := s.ForumCategoryByHandle(ctx, "hijack"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("an edit changed the handle: %v", err)
		}
		c, err = s.ForumCategoryByHandle(ctx, "legal-aid")
		if err != nil || c.Position != 0 {
			t.Fatalf("after the edit: %+v, %v", c, err)
		}
		if bg, _, _ := c.Texts().In(db.BG); bg.Title != "Правна помощ за имигранти" || bg.Summary != "" {
			t.Errorf("after the edit, in Bulgarian: %+v", bg)
		}
		_, body = fh.get(visitor, "/en/forum")
		mustContain(t, "/en/forum after the edit", body, "Legal aid for immigrants", "Free advice on residence and work")
		if i, j := strings.Index(body, "Legal aid for immigrants"), strings.Index(body, "Events and training"); i < 0 || j < i {
			t.Errorf("/en/forum: the category at position 0 is not first")
		}
		_, body = fh.get(visitor, "/bg/forum")
		mustContain(t, "/bg/forum after the edit", body, "Правна помощ за имигранти")
		lacks(t, "/bg/forum after the edit", body, "Безплатни правни консултации")

		// Bad input shows the form again with a 4xx and says why, in the
		// page's language; nothing is stored.
		org := mkOrg(t, s, "ic-ruse", "Информационен център Русе", "Ruse Information Centre")
		ana, _ := s.UserByEmail(ctx, "ana@example.org")
		fh.thread("questions", ana, db.BG, "Въпрос", "Здравейте")
		profile, err := s.ForumProfile(ctx, ana.ID)
		if err != nil {
			t.Fatal(err)
		}
		before, _ := s.ForumCategories(ctx)
		long := strings.Repeat("я", 101)
		for _, tt := range []struct {
			name string
			lang db.Lang
			form url.Values
			code int
			want string
		}{
			{"no handle", db.BG, categoryForm("", "1", "Име", "", "", ""), 400, msg(db.BG, "form.required")},
			{"bad handle", db.BG, categoryForm("правна помощ", "1", "Име", "", "", ""), 400, msg(db.BG, "forum.categories.handle.invalid")},
			{"bad handle, English", db.EN, categoryForm("a/b", "1", "", "", "Name", ""), 400, msg(db.EN, "forum.categories.handle.invalid")},
			{"reserved handle", db.BG, categoryForm("categories", "1", "Име", "", "", ""), 400, msg(db.BG, "forum.categories.handle.reserved")},
			{"an organisation's handle", db.BG, categoryForm(org.Handle, "1", "Име", "", "", ""), 409, msg(db.BG, "forum.categories.handle.taken")},
			{"a category's handle", db.EN, categoryForm("questions", "1", "", "", "Name", ""), 409, msg(db.EN, "forum.categories.handle.taken")},
			{"a member's forum handle", db.BG, categoryForm(profile.Handle, "1", "Име", "", "", ""), 409, msg(db.BG, "forum.categories.handle.taken")},
			{"no names", db.BG, categoryForm("nameless", "1", "", "", "", ""), 400, msg(db.BG, "forum.categories.one.language")},
			{"no names, English", db.EN, categoryForm("nameless", "1", "", "", "", ""), 400, msg(db.EN, "forum.categories.one.language")},
			{"a description without a name", db.BG, categoryForm("half", "1", "Име", "", "", "Only a description"), 400, msg(db.BG, "forum.categories.name.missing", "английски")},
			{"a name too long", db.BG, categoryForm("long", "1", long, "", "", ""), 400, msg(db.BG, "form.too.long", 100)},
			{"a description too long", db.EN, categoryForm("long", "1", "", "", "Long", strings.Repeat("x", db.MaxSummaryLen+1)), 400, msg(db.EN, "form.too.long", db.MaxSummaryLen)},
			{"a position that is no number", db.BG, categoryForm("pos", "първа", "Име", "", "", ""), 400, msg(db.BG, "forum.categories.position.invalid", maxCategoryPosition)},
			{"a negative position", db.EN, categoryForm("pos", "-1", "", "", "Name", ""), 400, msg(db.EN, "forum.categories.position.invalid", maxCategoryPosition)},
		} {
			p := "/" + string(tt.lang) + "/forum/categories/new"
			resp, body := fh.post(admin, p, tt.form)
			wantStatus(t, tt.name, resp, tt.code)
			mustContain(t, tt.name, body, tt.want, `class="form-errors"`, `<html lang="`+string(tt.lang)+`">`)
			noMissingKeys(t, tt.name, body)
			if v := tt.form.Get("title_bg"); v != "" && v != long {
				mustContain(t, tt.name+": the form keeps what was typed", body, `value="`+v+`"`)
			}
		}
		resp, body = fh.post(admin, "/bg/forum/categories/legal-aid/edit", categoryForm("", "x", "", "", "", ""))
		wantStatus(t, "an edit without names", resp, http.StatusBadRequest)
		mustContain(t, "an edit without names", body, msg(db.BG, "forum.categories.one.language"), msg(db.BG, "forum.categories.position.invalid", maxCategoryPosition))
		if after, _ := s.ForumCategories(ctx); len(after) != len(before) {
			t.Errorf("bad forms stored categories: %d before, %d after", len(before), len(after))
		}
		if got, _ := s.OrganisationByHandle(ctx, org.Handle); got.ID != org.ID {
			t.Error("the organisation changed")
		}

		// Delete: only a category without threads.
		resp, _ = fh.post(admin, "/bg/forum/categories/new", categoryForm("short-lived", "", "Временна", "", "", ""))
		wantStatus(t, "create with no position", resp, http.StatusBadRequest)
		resp, _ = fh.post(admin, "/bg/forum/categories/new", categoryForm("short-lived", "5", "Временна", "", "", ""))
		wantRedirect(t, "create short-lived", resp, http.StatusSeeOther, "/bg/forum/categories")
		resp, body = fh.post(admin, "/en/forum/categories/questions/delete", url.Values{})
		wantStatus(t, "deleting a category with threads", resp, http.StatusConflict)
		mustContain(t, "deleting a category with threads", body, msg(db.EN, "forum.categories.delete.busy"))
		if _, err := s.ForumCategoryByHandle(ctx, "questions"); err != nil {
			t.Errorf("a category with threads was deleted: %v", err)
		}
		resp, _ = fh.post(admin, "/bg/forum/categories/short-lived/delete", url.Values{})
		wantRedirect(t, "delete", resp, http.StatusSeeOther, "/bg/forum/categories")
		if _, err := s.ForumCategoryByHandle(ctx, "short-lived"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("after delete: %v", err)
		}
		_, body = fh.get(admin, "/bg/forum/categories")
		mustContain(t, "the list after delete", body, msg(db.BG, "forum.categories.deleted"))
		lacks(t, "the list after delete", body, "Временна")
	})
}

func TestForumCategoriesAreForAdminsOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		ctx := context.Background()
		fh.user("ana@example.org", "Анна", db.RoleMember, 0)
		fh.user("editor@example.org", "Редактор", db.RoleEditor, mkOrg(t, s, "ic-sofia", "ИЦ София", "IC Sofia").ID)
		clients := map[string]*http.Client{"member": fh.client("ana@example.org"), "editor": fh.client("editor@example.org")}
		visitor := fh.client("")
		for _, lang := range db.InterfaceLangs {
			p := "/" + string(lang) + "/forum/categories"
			for _, path := range []string{p, p + "/new", p + "/questions/edit"} {
				for who, c := range clients {
					resp, _ := fh.get(c, path)
					wantStatus(t, who+" GET "+path, resp, http.StatusForbidden)
				}
				resp, _ := fh.get(visitor, path)
				wantRedirect(t, "visitor GET "+path, resp, http.StatusSeeOther, "/"+string(lang)+"/login")
			}
			for _, path := range []string{p + "/new", p + "/questions/edit", p + "/questions/delete"} {
				form := categoryForm("sneaky", "0", "Хак", "", "Hack", "")
				for who, c := range clients {
					resp, _ := fh.post(c, path, form)
					wantStatus(t, who+" POST "+path, resp, http.StatusForbidden)
				}
				// A visitor has no session, so no form token either.
				resp, _ := fh.post(visitor, path, url.Values{"csrf": {"guess"}, "handle": {"sneaky"}, "title_bg": {"Хак"}, "position": {"0"}})
				if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusSeeOther {
					t.Errorf("visitor POST %s = %d, want 403 or a redirect to sign in", path, resp.StatusCode)
				}
			}
		}
		if _, err := s.ForumCategoryByHandle(ctx, "sneaky"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("a forbidden POST created a category: %v", err)
		}
		c, err := s.ForumCategoryByHandle(ctx, "questions")
		if err != nil || c.Position != fh.cats["questions"].Position || !strings.Contains(pick(c.Texts(), db.EN).Title, "Questions") {
			t.Errorf("a forbidden POST changed or deleted a category: %+v, %v", c, err)
		}
	})
}

// TestForumCategoriesRoutes checks that the literal /forum/categories
// patterns win over the forum's /{category} and /{category}/{thread}
// pages, and that those still work.
func TestForumCategoriesRoutes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		ana := fh.user("ana@example.org", "Анна", db.RoleMember, 0)
		fh.user("admin@example.org", "Админ", db.RoleAdmin, 0)
		admin, visitor := fh.client("admin@example.org"), fh.client("")
		th, _ := fh.thread("questions", ana, db.BG, "Къде се подава заявление?", "Здравейте")
		for _, tt := range []struct {
			c    *http.Client
			path string
			code int
			want string
		}{
			{admin, "/bg/forum/categories", 200, `name="csrf"`},
			{admin, "/bg/forum/categories/new", 200, `name="handle"`},
			{admin, "/en/forum/categories/new", 200, `name="handle"`},
			{visitor, "/bg/forum/categories/new", 303, ""},
			{admin, "/bg/forum/categories/questions/edit", 200, "<code>questions</code>"},
			{admin, "/bg/forum/categories/no-such/edit", 404, ""},
			{visitor, "/bg/forum/questions", 200, "Къде се подава заявление?"},
			{visitor, "/bg/forum/questions/" + itoa(th.ID), 200, "Здравейте"},
			// Not a page of ours: the thread page, which sends it on to
			// the thread's own address.
			{visitor, "/bg/forum/categories/" + itoa(th.ID), 301, ""},
		} {
			resp, body := fh.get(tt.c, tt.path)
			wantStatus(t, "GET "+tt.path, resp, tt.code)
			if tt.code == 301 {
				wantRedirect(t, "GET "+tt.path, resp, 301, "/bg/forum/questions/"+itoa(th.ID))
			}
			if tt.want != "" {
				mustContain(t, tt.path, body, tt.want)
			}
		}
	})
}

func TestRemoteForumCategoriesAreReadOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		ctx := context.Background()
		fh.user("admin@example.org", "Админ", db.RoleAdmin, 0)
		admin := fh.client("admin@example.org")
		rc := &db.ForumCategory{Handle: "news@partner.example", Remote: true, APID: "https://partner.example/groups/news", URL: "https://partner.example/forum/news"}
		rc.SetTexts(db.Text{Lang: db.BG, Title: "Новини на партньора"})
		if err := s.CreateForumCategory(ctx, rc); err != nil {
			t.Fatal(err)
		}
		resp, body := fh.get(admin, "/bg/forum/categories")
		wantStatus(t, "the list", resp, http.StatusOK)
		mustContain(t, "the list", body, "Новини на партньора", "news@partner.example", `href="https://partner.example/forum/news"`, ">partner.example</a>")
		lacks(t, "the list", body, "news@partner.example/edit")
		for _, path := range []string{"/bg/forum/categories/news@partner.example/edit", "/en/forum/categories/news%40partner.example/edit"} {
			resp, _ := fh.get(admin, path)
			wantStatus(t, "GET "+path, resp, http.StatusNotFound)
		}
		for _, action := range []string{"edit", "delete"} {
			path := "/bg/forum/categories/news@partner.example/" + action
			resp, _ := fh.post(admin, path, categoryForm("", "0", "Хак", "", "", ""))
			wantStatus(t, "POST "+path, resp, http.StatusNotFound)
		}
		got, err := s.ForumCategoryByHandle(ctx, "news@partner.example")
		if err != nil || pick(got.Texts(), db.BG).Title != "Новини на партньора" {
			t.Errorf("the remote category changed: %+v, %v", got, err)
		}
	})
}

// TestOrganisationFormHandleClash checks that the admin's organisation
// form refuses a handle a forum category holds, with a message.
func TestOrganisationFormHandleClash(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		fh.user("admin@example.org", "Админ", db.RoleAdmin, 0)
		admin := fh.client("admin@example.org")
		resp, body := fh.post(admin, "/bg/admin/organisations/new", url.Values{"handle": {"questions"}, "kind": {string(db.OrgNGO)}, "country": {"BG"}, "title_bg": {"Сдружение Въпроси"}})
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("an organisation with a category's handle: status %d, want 4xx", resp.StatusCode)
		}
		mustContain(t, "the organisation form", body, msg(db.BG, "admin.orgs.handle.taken"), `value="Сдружение Въпроси"`)
		if _, err := s.OrganisationByHandle(context.Background(), "questions"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("the organisation was stored: %v", err)
		}
	})
}

// TestPartnerCategoriesOnForumIndex: two partners' categories named like
// the local one show on the forum index with their partner in the name
// itself, grouped by partner.
func TestPartnerCategoriesOnForumIndex(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		ctx := context.Background()
		local := &db.ForumCategory{Handle: "pomosht", Position: 1}
		local.SetTexts(db.Text{Lang: db.BG, Title: "Помощ"}, db.Text{Lang: db.EN, Title: "Help"})
		if err := s.CreateForumCategory(ctx, local); err != nil {
			t.Fatal(err)
		}
		for _, host := range []string{"ruse.example", "plovdiv.example:8443"} {
			for _, h := range []string{"pomosht", "novini"} {
				rc := &db.ForumCategory{Handle: h + "@" + host, Remote: true, APID: "https://" + host + "/actors/" + h, URL: "https://" + host + "/bg/forum/" + h}
				rc.SetTexts(db.Text{Lang: db.BG, Title: map[string]string{"pomosht": "Помощ", "novini": "Новини"}[h]})
				if err := s.CreateForumCategory(ctx, rc); err != nil {
					t.Fatal(err)
				}
			}
		}
		resp, body := fh.get(fh.client(""), "/bg/forum")
		wantStatus(t, "the forum index", resp, http.StatusOK)
		mustContain(t, "the forum index", body, ">Помощ</a>", "Помощ (на ruse.example)", "Новини (на ruse.example)",
			"Помощ (на plovdiv.example:8443)", "Категории на партньорската платформа ruse.example", "Категории на партньорската платформа plovdiv.example:8443")
		ruse := strings.Index(body, "Категории на партньорската платформа ruse.example")
		plovdiv := strings.Index(body, "Категории на партньорската платформа plovdiv.example:8443")
		for _, c := range []string{"Помощ (на ruse.example)", "Новини (на ruse.example)"} {
			if i := strings.Index(body, c); ruse > plovdiv && i < ruse || ruse < plovdiv && (i < ruse || i > plovdiv) {
				t.Errorf("%q is not under its partner's heading", c)
			}
		}
		resp, body = fh.get(fh.client(""), "/en/forum/pomosht@ruse.example")
		wantStatus(t, "the partner's category", resp, http.StatusOK)
		mustContain(t, "the partner's category", body, "(at ruse.example)")
	})
}
