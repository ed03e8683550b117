package portal

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/mail"
	"regexp"
	"strconv"
	"strings"

	"github.com/bgimigranti/hub/db"
)

// adminRoutes adds the admin pages under the language prefix p: users,
// organisations, handbooks and their chapters, static pages, and hiding
// items. Every one of them is for admins only.
func (h *Handler) adminRoutes(m *http.ServeMux, lang db.Lang, p string) {
	a := func(fn pageFunc) http.Handler { return h.page(lang, h.admin(fn)) }
	m.Handle("GET "+p+"/admin", a(h.adminHome))
	m.Handle("GET "+p+"/admin/users", a(h.adminUsers))
	m.Handle("POST "+p+"/admin/users", a(h.adminCreateUser))
	m.Handle("GET "+p+"/admin/users/{id}", a(h.adminUser))
	m.Handle("POST "+p+"/admin/users/{id}", a(h.adminUpdateUser))
	m.Handle("POST "+p+"/admin/users/{id}/password", a(h.adminResetPassword))
	m.Handle("GET "+p+"/admin/organisations", a(h.adminOrgs))
	m.Handle("GET "+p+"/admin/organisations/new", a(h.adminOrgForm))
	m.Handle("POST "+p+"/admin/organisations/new", a(h.adminSaveOrg))
	m.Handle("GET "+p+"/admin/organisations/{id}", a(h.adminOrgForm))
	m.Handle("POST "+p+"/admin/organisations/{id}", a(h.adminSaveOrg))
	m.Handle("GET "+p+"/admin/handbooks", a(h.adminHandbooks))
	m.Handle("GET "+p+"/admin/handbooks/{id}", a(h.adminHandbookForm))
	m.Handle("POST "+p+"/admin/handbooks/{id}", a(h.adminSaveHandbook))
	m.Handle("GET "+p+"/admin/handbooks/{id}/chapters/new", a(h.adminChapterForm))
	m.Handle("POST "+p+"/admin/handbooks/{id}/chapters/new", a(h.adminSaveChapter))
	m.Handle("GET "+p+"/admin/chapters/{id}", a(h.adminChapterForm))
	m.Handle("POST "+p+"/admin/chapters/{id}", a(h.adminSaveChapter))
	m.Handle("POST "+p+"/admin/chapters/{id}/move", a(h.adminMoveChapter))
	m.Handle("GET "+p+"/admin/pages", a(h.adminPages))
	m.Handle("GET "+p+"/admin/pages/{slug}", a(h.adminPageForm))
	m.Handle("POST "+p+"/admin/pages/{slug}", a(h.adminSavePage))
	m.Handle("POST "+p+"/admin/items/{id}/hide", a(h.adminItemStatus(db.Hidden)))
	m.Handle("POST "+p+"/admin/items/{id}/unhide", a(h.adminItemStatus(db.Published)))
	h.fedAdminRoutes(m, lang, p)
}

// adminData is what admin.html shows; View picks the part.
type adminData struct {
	View       string
	Flash      string
	Form       *form
	Action     string
	Back       string
	Users      []userRow
	User       *db.User
	Self       bool
	Roles      []db.Role
	OrgOptions []orgOption
	Orgs       []orgRow
	OrgKinds   []db.OrgKind
	New        bool
	Handle     string
	OrgID      string // the organisation edited, for the link to its images
	Handbooks  []adminHandbook
	Pages      []adminPage
	Editors    []editorLang
	Preview    bool
	WithSlug   bool
	Heading    string
	Langs      []db.Lang
	MinPass    int
}

type userRow struct {
	*db.User
	Org string
}

type orgRow struct {
	ID     int64
	Handle string
	Name   string
	Kind   db.OrgKind
	Place  string
	Remote bool
}

type adminHandbook struct {
	ID       int64
	Slug     string
	Title    string
	Chapters []adminChapter
}

type adminChapter struct {
	ID          int64
	Slug        string
	Text        localText
	First, Last bool
}

type adminPage struct {
	Slug string
	Text localText
}

// renderAdmin shows an admin view.
func (h *Handler) renderAdmin(w http.ResponseWriter, r *http.Request, lang db.Lang, code int, title, path string, d *adminData) error {
	d.Flash = h.popFlash(r, lang)
	d.Langs = db.InterfaceLangs
	d.MinPass = db.MinPasswordLen
	if d.Form == nil {
		d.Form = newForm(h.cats[lang])
	}
	w.Header().Set("Cache-Control", "no-store")
	return h.render(w, r, code, "admin", &view{Lang: lang, Title: title, Path: path, Section: "admin", Data: d})
}

func (h *Handler) adminHome(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	return h.renderAdmin(w, r, lang, http.StatusOK, h.cats[lang].T("admin.title"), "/admin", &adminData{View: "home"})
}

// pathID reads the numeric {id} of the path.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, db.ErrNotFound
	}
	return id, nil
}

// orgOptions lists the local organisations for a select, with none first
// when noneLabel is given.
func (h *Handler) orgOptions(r *http.Request, lang db.Lang, selected, noneLabel string) ([]orgOption, error) {
	orgs, err := h.store.Organisations(r.Context(), db.OrgQuery{Local: true})
	if err != nil {
		return nil, err
	}
	var out []orgOption
	if noneLabel != "" {
		out = append(out, orgOption{Value: "", Name: noneLabel, Selected: selected == ""})
	}
	for _, o := range orgs {
		v := strconv.FormatInt(o.ID, 10)
		out = append(out, orgOption{Value: v, Name: pick(o.Texts(), lang).Title, Selected: v == selected})
	}
	return out, nil
}

// Users.

func (h *Handler) adminUsers(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	f := newForm(h.cats[lang])
	f.Values["role"], f.Values["lang"] = string(db.RoleEditor), string(lang)
	return h.showUsers(w, r, lang, http.StatusOK, f)
}

func (h *Handler) showUsers(w http.ResponseWriter, r *http.Request, lang db.Lang, code int, f *form) error {
	ctx := r.Context()
	users, err := h.store.Users(ctx)
	if err != nil {
		return err
	}
	orgs, err := h.store.Organisations(ctx, db.OrgQuery{Local: true})
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, o := range orgs {
		names[o.ID] = pick(o.Texts(), lang).Title
	}
	d := &adminData{View: "users", Form: f, Roles: []db.Role{db.RoleAdmin, db.RoleEditor, db.RoleMember}, Action: "/" + string(lang) + "/admin/users"}
	for _, u := range users {
		d.Users = append(d.Users, userRow{User: u, Org: names[u.OrganisationID]})
	}
	if d.OrgOptions, err = h.orgOptions(r, lang, f.Get("org"), h.cats[lang].T("admin.users.org.none")); err != nil {
		return err
	}
	return h.renderAdmin(w, r, lang, code, h.cats[lang].T("admin.users.title"), "/admin/users", d)
}

// readOrgChoice reads the organisation field of the user forms: it must be
// a local organisation, and editors must have one.
func (h *Handler) readOrgChoice(r *http.Request, f *form, role db.Role) (int64, error) {
	v := f.Get("org")
	if v == "" {
		if role == db.RoleEditor {
			f.Fail("org", "admin.users.org.required")
		}
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		f.Fail("org", "form.invalid")
		return 0, nil
	}
	o, err := h.store.Organisation(r.Context(), id)
	switch {
	case errors.Is(err, db.ErrNotFound) || (err == nil && o.Remote):
		f.Fail("org", "form.invalid")
		return 0, nil
	case err != nil:
		return 0, err
	}
	return id, nil
}

func (h *Handler) adminCreateUser(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	f := formFrom(r, h.cats[lang], "email", "name", "role", "org", "lang")
	password := r.PostForm.Get("password")
	f.require("email")
	if e := f.Get("email"); e != "" {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			f.Fail("email", "form.email")
		}
	}
	f.maxLen("name", 100)
	role := db.Role(f.Get("role"))
	if !role.Valid() {
		f.Fail("role", "form.invalid")
	}
	ul, ok := db.ParseLang(f.Get("lang"))
	if !ok {
		f.Fail("lang", "form.invalid")
	}
	orgID, err := h.readOrgChoice(r, f, role)
	if err != nil {
		return err
	}
	checkNewPassword(f, "password", "password", password, password)
	if f.OK() {
		u, err := h.store.CreateUser(r.Context(), db.NewUser{Email: f.Get("email"), Name: f.Get("name"), Password: password, Role: role, OrganisationID: orgID, Lang: ul})
		switch {
		case errors.Is(err, db.ErrConflict):
			f.Fail("email", "acc.register.taken")
		case errors.Is(err, db.ErrInvalid):
			f.Fail("email", "form.invalid")
		case err != nil:
			return err
		default:
			h.flash(r.Context(), "admin.users.created")
			http.Redirect(w, r, fmt.Sprintf("/%s/admin/users/%d", lang, u.ID), http.StatusSeeOther)
			return nil
		}
	}
	return h.showUsers(w, r, lang, http.StatusUnprocessableEntity, f)
}

func (h *Handler) adminUser(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u, err := h.store.User(r.Context(), id)
	if err != nil {
		return err
	}
	f := newForm(h.cats[lang])
	f.Values["name"], f.Values["role"], f.Values["disabled"] = u.Name, string(u.Role), checkbox(u.Disabled)
	if u.OrganisationID != 0 {
		f.Values["org"] = strconv.FormatInt(u.OrganisationID, 10)
	}
	return h.showUser(w, r, lang, http.StatusOK, u, f)
}

func (h *Handler) showUser(w http.ResponseWriter, r *http.Request, lang db.Lang, code int, u *db.User, f *form) error {
	d := &adminData{View: "user", Form: f, User: u, Self: u.ID == currentUser(r).ID,
		Roles: []db.Role{db.RoleAdmin, db.RoleEditor, db.RoleMember}, Action: fmt.Sprintf("/%s/admin/users/%d", lang, u.ID)}
	var err error
	if d.OrgOptions, err = h.orgOptions(r, lang, f.Get("org"), h.cats[lang].T("admin.users.org.none")); err != nil {
		return err
	}
	return h.renderAdmin(w, r, lang, code, u.Email, fmt.Sprintf("/admin/users/%d", u.ID), d)
}

// adminUpdateUser saves a user's name, role, organisation and whether the
// account is disabled. Admins cannot disable themselves or give up their
// own role, so that the hub never loses its last admin by accident.
func (h *Handler) adminUpdateUser(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u, err := h.store.User(r.Context(), id)
	if err != nil {
		return err
	}
	f := formFrom(r, h.cats[lang], "name", "role", "org", "disabled")
	f.maxLen("name", 100)
	role := db.Role(f.Get("role"))
	if !role.Valid() {
		f.Fail("role", "form.invalid")
	}
	self := u.ID == currentUser(r).ID
	if self && role != db.RoleAdmin {
		f.Fail("role", "admin.users.self.role")
	}
	if self && f.Checked("disabled") {
		f.Fail("disabled", "admin.users.self.disable")
	}
	orgID, err := h.readOrgChoice(r, f, role)
	if err != nil {
		return err
	}
	if !f.OK() {
		return h.showUser(w, r, lang, http.StatusUnprocessableEntity, u, f)
	}
	if f.Get("name") != "" {
		u.Name = f.Get("name")
	}
	u.Role, u.OrganisationID, u.Disabled = role, orgID, f.Checked("disabled")
	if err := h.store.UpdateUser(r.Context(), u); err != nil {
		return err
	}
	h.flash(r.Context(), "admin.saved")
	http.Redirect(w, r, fmt.Sprintf("/%s/admin/users/%d", lang, u.ID), http.StatusSeeOther)
	return nil
}

// adminResetPassword sets a user's password to the one the admin typed;
// the user's sessions end.
func (h *Handler) adminResetPassword(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u, err := h.store.User(r.Context(), id)
	if err != nil {
		return err
	}
	f := newForm(h.cats[lang])
	p := r.PostForm.Get("new_password")
	checkNewPassword(f, "new_password", "new_password", p, p)
	if !f.OK() {
		f.Values["name"], f.Values["role"], f.Values["disabled"] = u.Name, string(u.Role), checkbox(u.Disabled)
		if u.OrganisationID != 0 {
			f.Values["org"] = strconv.FormatInt(u.OrganisationID, 10)
		}
		return h.showUser(w, r, lang, http.StatusUnprocessableEntity, u, f)
	}
	if err := h.store.SetPassword(r.Context(), u.ID, p); err != nil {
		return err
	}
	if u.ID == currentUser(r).ID {
		nu, err := h.store.User(r.Context(), u.ID)
		if err != nil {
			return err
		}
		if err := h.startSession(r.Context(), nu); err != nil {
			return err
		}
	}
	h.flash(r.Context(), "admin.users.password.done")
	http.Redirect(w, r, fmt.Sprintf("/%s/admin/users/%d", lang, u.ID), http.StatusSeeOther)
	return nil
}

// Organisations.

func (h *Handler) adminOrgs(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	orgs, err := h.store.Organisations(r.Context(), db.OrgQuery{})
	if err != nil {
		return err
	}
	d := &adminData{View: "orgs"}
	for _, o := range orgs {
		place := o.City
		if o.Country != "" {
			if place != "" {
				place += ", "
			}
			place += o.Country
		}
		d.Orgs = append(d.Orgs, orgRow{ID: o.ID, Handle: o.Handle, Name: pick(o.Texts(), lang).Title, Kind: o.Kind, Place: place, Remote: o.Remote})
	}
	return h.renderAdmin(w, r, lang, http.StatusOK, h.cats[lang].T("admin.orgs.title"), "/admin/organisations", d)
}

// orgFields are the organisation form's fields besides its texts.
var orgFields = []string{"handle", "kind", "country", "city", "address", "website", "email", "phone"}

var orgLimits = textLimits{title: 200, summary: db.MaxSummaryLen, body: 50_000}

// loadOrg loads the organisation of the path for editing, or a new one.
func (h *Handler) loadOrg(r *http.Request) (*db.Organisation, error) {
	if r.PathValue("id") == "" {
		return &db.Organisation{Kind: db.OrgInfoCentre, Country: "BG"}, nil
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	o, err := h.store.Organisation(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if o.Remote {
		// Partners' organisations come from federation; they are edited
		// where they live.
		return nil, db.ErrNotFound
	}
	return o, nil
}

func (h *Handler) adminOrgForm(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	o, err := h.loadOrg(r)
	if err != nil {
		return err
	}
	f := newForm(h.cats[lang])
	f.setTexts(o.Texts())
	f.Values["handle"], f.Values["kind"], f.Values["country"], f.Values["city"] = o.Handle, string(o.Kind), o.Country, o.City
	f.Values["address"], f.Values["website"], f.Values["email"], f.Values["phone"] = o.Address, o.Website, o.Email, o.Phone
	return h.showOrg(w, r, lang, http.StatusOK, o, f)
}

func (h *Handler) showOrg(w http.ResponseWriter, r *http.Request, lang db.Lang, code int, o *db.Organisation, f *form) error {
	cat := h.cats[lang]
	d := &adminData{View: "org", Form: f, OrgKinds: db.OrgKinds(), New: o.ID == 0, Handle: o.Handle}
	d.Editors = editorLangs(nil)
	d.Action = "/" + string(lang) + "/admin/organisations/new"
	path := "/admin/organisations/new"
	title := cat.T("admin.orgs.new")
	if o.ID != 0 {
		path = fmt.Sprintf("/admin/organisations/%d", o.ID)
		d.Action = "/" + string(lang) + path
		d.OrgID = strconv.FormatInt(o.ID, 10)
		title = pick(o.Texts(), lang).Title
	}
	return h.renderAdmin(w, r, lang, code, title, path, d)
}

var countryCode = regexp.MustCompile(`^[A-Za-z]{2}$`)

func (h *Handler) adminSaveOrg(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	o, err := h.loadOrg(r)
	if err != nil {
		return err
	}
	f := formFrom(r, h.cats[lang], append(allTextFields(), orgFields...)...)
	if o.ID != 0 {
		f.Values["handle"] = o.Handle // the handle is the actor's name: fixed
	} else if !db.ValidHandle(f.Get("handle")) {
		f.Fail("handle", "admin.orgs.handle.invalid")
	}
	kind := db.OrgKind(f.Get("kind"))
	if !kind.Valid() {
		f.Fail("kind", "form.invalid")
	}
	if c := f.Get("country"); c != "" && !countryCode.MatchString(c) {
		f.Fail("country", "admin.orgs.country.invalid")
	}
	for _, n := range []string{"city", "address", "phone"} {
		f.maxLen(n, 300)
	}
	f.webURL("website")
	if e := f.Get("email"); e != "" {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			f.Fail("email", "form.email")
		}
	}
	texts, err := f.texts(r.Context(), h.acc.md, lang, orgLimits)
	if err != nil {
		return err
	}
	if !f.OK() {
		return h.showOrg(w, r, lang, http.StatusUnprocessableEntity, o, f)
	}
	o.Handle, o.Kind, o.Country, o.City = f.Get("handle"), kind, f.Get("country"), f.Get("city")
	o.Address, o.Website, o.Email, o.Phone = f.Get("address"), f.Get("website"), f.Get("email"), f.Get("phone")
	o.SetTexts(texts...)
	if o.ID == 0 {
		err = h.store.CreateOrganisation(r.Context(), o)
	} else {
		err = h.store.UpdateOrganisation(r.Context(), o)
	}
	switch {
	case errors.Is(err, db.ErrConflict):
		f.Fail("handle", "admin.orgs.handle.taken")
		o.ID = 0
		return h.showOrg(w, r, lang, http.StatusUnprocessableEntity, o, f)
	case err != nil:
		return err
	}
	h.flash(r.Context(), "admin.saved")
	http.Redirect(w, r, fmt.Sprintf("/%s/admin/organisations/%d", lang, o.ID), http.StatusSeeOther)
	return nil
}

// Handbooks and chapters.

func (h *Handler) adminHandbooks(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	hs, err := h.store.Handbooks(r.Context())
	if err != nil {
		return err
	}
	d := &adminData{View: "handbooks"}
	for _, hb := range hs {
		ah := adminHandbook{ID: hb.ID, Slug: hb.Slug, Title: pick(hb.Texts(), lang).Title}
		for i, c := range hb.Chapters {
			ah.Chapters = append(ah.Chapters, adminChapter{ID: c.ID, Slug: c.Slug, Text: pick(c.Texts(), lang), First: i == 0, Last: i == len(hb.Chapters)-1})
		}
		d.Handbooks = append(d.Handbooks, ah)
	}
	return h.renderAdmin(w, r, lang, http.StatusOK, h.cats[lang].T("admin.handbooks.title"), "/admin/handbooks", d)
}

var chapterLimits = textLimits{title: db.MaxTitleLen, summary: db.MaxSummaryLen, body: db.MaxBodyLen}

// showTexts renders the bilingual text editor used for handbook
// introductions, chapters and static pages, with the previews of the
// bodies when previews is not nil.
func (h *Handler) showTexts(w http.ResponseWriter, r *http.Request, lang db.Lang, code int, heading, path string, withSlug bool, f *form, previews map[db.Lang]template.HTML) error {
	d := &adminData{View: "texts", Form: f, Heading: heading, WithSlug: withSlug, Action: "/" + string(lang) + path, Preview: previews != nil}
	d.Editors = editorLangs(previews)
	return h.renderAdmin(w, r, lang, code, heading, path, d)
}

func (h *Handler) adminHandbookForm(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	hb, err := h.store.HandbookByID(r.Context(), id)
	if err != nil {
		return err
	}
	f := newForm(h.cats[lang])
	f.setTexts(hb.Texts())
	return h.showTexts(w, r, lang, http.StatusOK, pick(hb.Texts(), lang).Title, fmt.Sprintf("/admin/handbooks/%d", hb.ID), false, f, nil)
}

func (h *Handler) adminSaveHandbook(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	hb, err := h.store.HandbookByID(r.Context(), id)
	if err != nil {
		return err
	}
	path := fmt.Sprintf("/admin/handbooks/%d", hb.ID)
	return h.saveTexts(w, r, lang, pick(hb.Texts(), lang).Title, path, "/admin/handbooks", func(texts []db.Text) error {
		hb.SetTexts(texts...)
		return h.store.UpdateHandbook(r.Context(), hb)
	})
}

// saveTexts takes the side-by-side translations form of the thing at path
// (a handbook's introduction, a static page): it shows the preview, or the
// form again with its errors, or saves the texts with save and returns to
// back with a "saved" message.
func (h *Handler) saveTexts(w http.ResponseWriter, r *http.Request, lang db.Lang, heading, path, back string, save func([]db.Text) error) error {
	f := formFrom(r, h.cats[lang], allTextFields()...)
	texts, err := f.texts(r.Context(), h.acc.md, lang, chapterLimits)
	if err != nil {
		return err
	}
	if r.PostForm.Get("action") == "preview" {
		return h.showTexts(w, r, lang, formStatus(f), heading, path, false, f, previewsOf(texts))
	}
	if !f.OK() {
		return h.showTexts(w, r, lang, http.StatusUnprocessableEntity, heading, path, false, f, nil)
	}
	if err := save(texts); err != nil {
		return err
	}
	h.flash(r.Context(), "admin.saved")
	http.Redirect(w, r, "/"+string(lang)+back, http.StatusSeeOther)
	return nil
}

// loadChapter loads the chapter of the path, or a new one for the handbook
// of the path.
func (h *Handler) loadChapter(r *http.Request) (*db.Chapter, *db.Handbook, error) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return nil, nil, err
	}
	var c *db.Chapter
	hid := id
	if !isNewChapter(r) {
		if c, err = h.store.Chapter(ctx, id); err != nil {
			return nil, nil, err
		}
		hid = c.HandbookID
	}
	hb, err := h.store.HandbookByID(ctx, hid)
	if err != nil {
		return nil, nil, err
	}
	if c == nil {
		c = &db.Chapter{HandbookID: hb.ID}
	}
	return c, hb, nil
}

func isNewChapter(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/chapters/new") }

func chapterPath(c *db.Chapter) string {
	if c.ID == 0 {
		return fmt.Sprintf("/admin/handbooks/%d/chapters/new", c.HandbookID)
	}
	return fmt.Sprintf("/admin/chapters/%d", c.ID)
}

func (h *Handler) chapterHeading(lang db.Lang, c *db.Chapter, hb *db.Handbook) string {
	cat := h.cats[lang]
	if c.ID == 0 {
		return cat.T("admin.chapter.new", pick(hb.Texts(), lang).Title)
	}
	return pick(c.Texts(), lang).Title
}

func (h *Handler) adminChapterForm(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	c, hb, err := h.loadChapter(r)
	if err != nil {
		return err
	}
	f := newForm(h.cats[lang])
	f.setTexts(c.Texts())
	f.Values["slug"] = c.Slug
	return h.showTexts(w, r, lang, http.StatusOK, h.chapterHeading(lang, c, hb), chapterPath(c), true, f, nil)
}

func (h *Handler) adminSaveChapter(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	c, hb, err := h.loadChapter(r)
	if err != nil {
		return err
	}
	heading, path := h.chapterHeading(lang, c, hb), chapterPath(c)
	f := formFrom(r, h.cats[lang], append(allTextFields(), "slug")...)
	texts, err := f.texts(r.Context(), h.acc.md, lang, chapterLimits)
	if err != nil {
		return err
	}
	if r.PostForm.Get("action") == "preview" {
		return h.showTexts(w, r, lang, formStatus(f), heading, path, true, f, previewsOf(texts))
	}
	slug := f.Get("slug")
	if slug == "" && len(texts) > 0 {
		t, _, _ := db.Texts(texts).In(db.EN)
		slug = db.Slugify(t.Title)
		if len(slug) > 63 {
			slug = slug[:63]
		}
		f.Values["slug"] = slug
	}
	if slug != "" && !db.ValidHandle(slug) {
		f.Fail("slug", "admin.chapter.slug.invalid")
	}
	if !f.OK() {
		return h.showTexts(w, r, lang, http.StatusUnprocessableEntity, heading, path, true, f, nil)
	}
	c.Slug = slug
	c.SetTexts(texts...)
	if c.ID == 0 {
		err = h.store.CreateChapter(r.Context(), c)
	} else {
		err = h.store.UpdateChapter(r.Context(), c)
	}
	switch {
	case errors.Is(err, db.ErrConflict):
		f.Fail("slug", "admin.chapter.slug.taken")
		c.ID = 0
		return h.showTexts(w, r, lang, http.StatusUnprocessableEntity, heading, path, true, f, nil)
	case err != nil:
		return err
	}
	h.flash(r.Context(), "admin.saved")
	http.Redirect(w, r, "/"+string(lang)+"/admin/handbooks", http.StatusSeeOther)
	return nil
}

func (h *Handler) adminMoveChapter(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	by := 1
	if r.PostForm.Get("dir") == "up" {
		by = -1
	}
	if err := h.store.MoveChapter(r.Context(), id, by); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/%s/admin/handbooks#chapter-%d", lang, id), http.StatusSeeOther)
	return nil
}

// Static pages.

func (h *Handler) adminPages(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ps, err := h.store.Pages(r.Context())
	if err != nil {
		return err
	}
	d := &adminData{View: "pages"}
	for _, p := range ps {
		d.Pages = append(d.Pages, adminPage{Slug: p.Slug, Text: pick(p.Texts(), lang)})
	}
	return h.renderAdmin(w, r, lang, http.StatusOK, h.cats[lang].T("admin.pages.title"), "/admin/pages", d)
}

func (h *Handler) adminPageForm(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	p, err := h.store.Page(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	f := newForm(h.cats[lang])
	f.setTexts(p.Texts())
	return h.showTexts(w, r, lang, http.StatusOK, pick(p.Texts(), lang).Title, "/admin/pages/"+p.Slug, false, f, nil)
}

func (h *Handler) adminSavePage(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	p, err := h.store.Page(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	return h.saveTexts(w, r, lang, pick(p.Texts(), lang).Title, "/admin/pages/"+p.Slug, "/admin/pages", func(texts []db.Text) error {
		p.SetTexts(texts...)
		return h.store.SavePage(r.Context(), p)
	})
}

// Items.

// adminItemStatus hides an item (local or from a partner) or shows it
// again: an item that had been published is published again, one that had
// not goes back to draft.
func (h *Handler) adminItemStatus(to db.Status) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		it, err := h.store.Item(r.Context(), id)
		if err != nil {
			return err
		}
		st := to
		if to != db.Hidden && it.PublishedAt.IsZero() {
			st = db.Draft
		}
		if err := h.store.SetItemStatus(r.Context(), id, st); err != nil {
			return err
		}
		if to == db.Hidden {
			h.flash(r.Context(), "admin.items.hidden")
		} else {
			h.flash(r.Context(), "admin.items.shown")
		}
		back := safeLocal(r.PostForm.Get("back"))
		if back == "" {
			back = "/" + string(lang) + "/manage"
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
}
