package portal

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bgimigranti/hub/db"
)

// The admin pages of the forum's categories: a list, and forms to create a
// local category, to edit its position, names and descriptions, and to
// delete it while it has no threads. A category's handle is its fediverse
// name, so it is set once and never changes. Partners' categories come
// from federation and are only listed.

// maxCategoryPosition bounds the position field; categories are few.
const maxCategoryPosition = 9999

// categoryLimits are the longest name and description a category may have,
// the same as db checks; categories have no body.
var categoryLimits = textLimits{title: 100, summary: db.MaxSummaryLen}

// forumCategoryRoutes adds the category admin pages under the language
// prefix p. Every one of them is for admins only. Their literal
// "categories" segment makes them more specific than the forum's
// /{category} and /{category}/{thread} pages, and "categories" is a
// reserved forum handle, so no category can hide behind them.
func (h *Handler) forumCategoryRoutes(m *http.ServeMux, lang db.Lang, p string) {
	c := p + "/forum/categories"
	a := func(fn pageFunc) http.Handler { return h.page(lang, h.admin(fn)) }
	m.Handle("GET "+c, a(h.forumCategoryList))
	m.Handle("GET "+c+"/new", a(h.forumCategoryForm))
	m.Handle("POST "+c+"/new", a(h.forumSaveCategory))
	m.Handle("GET "+c+"/{handle}/edit", a(h.forumCategoryForm))
	m.Handle("POST "+c+"/{handle}/edit", a(h.forumSaveCategory))
	m.Handle("POST "+c+"/{handle}/delete", a(h.forumDeleteCategory))
}

// forumCategoriesData is what forum_categories.html shows; View is "list"
// or "form".
type forumCategoriesData struct {
	View   string
	Flash  string
	Local  []categoryRow
	Remote []categoryRow
	// The form.
	Form         *form
	Editors      []editorLang
	New          bool
	Handle       string
	Fediverse    string // @handle@host of the category being edited
	Action       string
	DeleteAction string
	MaxPosition  int
	MaxName      int
	MaxSummary   int
}

// categoryRow is a category in the admin list.
type categoryRow struct {
	Handle   string
	Name     localText
	Position int
	Threads  int
	Edit     string // the edit form, for local categories
	Page     string // the category's page here
	Origin   string // a remote category's host
	Link     string // a remote category's page on its server
}

// categoryAdminPath builds the category admin URLs in one language; with
// an empty handle it is the list.
func categoryAdminPath(lang db.Lang, handle, action string) string {
	p := forumPath(lang).index() + "/categories"
	if handle != "" {
		p += "/" + url.PathEscape(handle)
	}
	if action != "" {
		p += "/" + action
	}
	return p
}

// categoryTextFields lists the name and description fields of every
// interface language: the bilingual editor without bodies.
func categoryTextFields() []string {
	var out []string
	for _, l := range db.InterfaceLangs {
		t, s, _ := textFields(l)
		out = append(out, t, s)
	}
	return out
}

func (h *Handler) renderCategories(w http.ResponseWriter, r *http.Request, lang db.Lang, code int, title, path string, d *forumCategoriesData) error {
	d.Flash = h.popFlash(r, lang)
	if d.Form == nil {
		d.Form = newForm(h.cats[lang])
	}
	d.MaxPosition, d.MaxName, d.MaxSummary = maxCategoryPosition, categoryLimits.title, categoryLimits.summary
	w.Header().Set("Cache-Control", "no-store")
	return h.render(w, r, code, "forum_categories", &view{Lang: lang, Title: title, Path: path, Section: "forum", Data: d})
}

// forumCategoryList lists local categories, with links to edit them, and
// partners' categories, read-only.
func (h *Handler) forumCategoryList(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	cats, err := h.store.ForumCategories(ctx)
	if err != nil {
		return err
	}
	acts, err := h.store.ForumActivities(ctx)
	if err != nil {
		return err
	}
	fp := forumPath(lang)
	d := &forumCategoriesData{View: "list"}
	for _, c := range cats {
		row := categoryRow{Handle: c.Handle, Name: pick(c.Texts(), lang), Position: c.Position, Page: fp.category(c.Handle)}
		if a := acts[c.ID]; a != nil {
			row.Threads = a.Threads
		}
		if !c.Remote {
			row.Edit = categoryAdminPath(lang, c.Handle, "edit")
			d.Local = append(d.Local, row)
			continue
		}
		row.Link = safeURL(c.URL)
		if row.Link == "" {
			row.Link = safeURL(c.APID)
		}
		if _, host, ok := strings.Cut(c.Handle, "@"); ok {
			row.Origin = host
		}
		d.Remote = append(d.Remote, row)
	}
	return h.renderCategories(w, r, lang, http.StatusOK, h.cats[lang].T("forum.categories.title"), "/forum/categories", d)
}

// loadCategory loads the local category of the path for editing, or a new
// one placed after the others. Partners' categories are edited where they
// live: here they are not found.
func (h *Handler) loadCategory(r *http.Request) (*db.ForumCategory, error) {
	ctx := r.Context()
	handle := r.PathValue("handle")
	if handle == "" {
		cats, err := h.store.ForumCategories(ctx)
		if err != nil {
			return nil, err
		}
		pos := 1
		for _, c := range cats {
			if !c.Remote && c.Position >= pos {
				pos = c.Position + 1
			}
		}
		return &db.ForumCategory{Position: min(pos, maxCategoryPosition)}, nil
	}
	c, err := h.store.ForumCategoryByHandle(ctx, handle)
	if err != nil {
		return nil, err
	}
	if c.Remote {
		return nil, db.ErrNotFound
	}
	return c, nil
}

func (h *Handler) forumCategoryForm(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	c, err := h.loadCategory(r)
	if err != nil {
		return err
	}
	f := newForm(h.cats[lang])
	f.setTexts(c.Texts())
	f.Values["handle"], f.Values["position"] = c.Handle, strconv.Itoa(c.Position)
	return h.showCategoryForm(w, r, lang, http.StatusOK, c, f)
}

func (h *Handler) showCategoryForm(w http.ResponseWriter, r *http.Request, lang db.Lang, code int, c *db.ForumCategory, f *form) error {
	cat := h.cats[lang]
	d := &forumCategoriesData{View: "form", Form: f, Editors: editorLangs(nil), New: c.ID == 0, Handle: c.Handle}
	title, path := cat.T("forum.categories.new"), "/forum/categories/new"
	d.Action = "/" + string(lang) + path
	if c.ID != 0 {
		title = cat.T("forum.categories.edit.title", pick(c.Texts(), lang).Title)
		d.Action = categoryAdminPath(lang, c.Handle, "edit")
		d.DeleteAction = categoryAdminPath(lang, c.Handle, "delete")
		path = strings.TrimPrefix(d.Action, "/"+string(lang))
		if u, err := url.Parse(h.baseURL); err == nil {
			d.Fediverse = "@" + c.Handle + "@" + u.Host
		}
	}
	return h.renderCategories(w, r, lang, code, title, path, d)
}

// forumSaveCategory creates or updates a local category. Mistakes show the
// form again: 400 for what the admin typed, 409 for a handle that is
// taken in the namespace of local actors (an organisation, a category, a
// member's forum handle).
func (h *Handler) forumSaveCategory(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	c, err := h.loadCategory(r)
	if err != nil {
		return err
	}
	f := formFrom(r, h.cats[lang], append(categoryTextFields(), "handle", "position")...)
	if c.ID != 0 {
		f.Values["handle"] = c.Handle // the category's fediverse name: fixed
	} else {
		hd := strings.ToLower(f.Get("handle"))
		f.Values["handle"] = hd
		switch {
		case hd == "":
			f.Fail("handle", "form.required")
		case !db.ValidHandle(hd):
			f.Fail("handle", "forum.categories.handle.invalid")
		case db.ForumHandleReserved(hd):
			f.Fail("handle", "forum.categories.handle.reserved")
		}
	}
	pos, err := strconv.Atoi(f.Get("position"))
	if err != nil || pos < 0 || pos > maxCategoryPosition {
		f.Fail("position", "forum.categories.position.invalid", maxCategoryPosition)
	}
	// Say "name" where the shared editor says "title": the first error of
	// a field is the one kept.
	filled := false
	for _, l := range db.InterfaceLangs {
		tn, sn, _ := textFields(l)
		if f.Get(tn) == "" && f.Get(sn) != "" {
			f.Fail(tn, "forum.categories.name.missing", h.cats[lang].T("lang.name."+string(l)))
		}
		filled = filled || f.Get(tn) != "" || f.Get(sn) != ""
	}
	if !filled {
		tn, _, _ := textFields(lang)
		f.Fail(tn, "forum.categories.one.language")
	}
	texts, err := f.texts(r.Context(), h.acc.md, lang, categoryLimits)
	if err != nil {
		return err
	}
	if !f.OK() {
		return h.showCategoryForm(w, r, lang, http.StatusBadRequest, c, f)
	}
	isNew := c.ID == 0
	if isNew {
		c.Handle = f.Get("handle")
	}
	c.Position = pos
	for i := range texts {
		texts[i].BodyMD, texts[i].BodyHTML = "", ""
	}
	c.SetTexts(texts...)
	if isNew {
		err = h.store.CreateForumCategory(r.Context(), c)
	} else {
		err = h.store.UpdateForumCategory(r.Context(), c)
	}
	code := http.StatusBadRequest
	switch {
	case errors.Is(err, db.ErrConflict) && isNew:
		f.Fail("handle", "forum.categories.handle.taken")
		code = http.StatusConflict
	case errors.Is(err, db.ErrConflict):
		f.Fail("form", "forum.categories.invalid")
		code = http.StatusConflict
	case errors.Is(err, db.ErrInvalid):
		f.Fail("form", "forum.categories.invalid")
	case err != nil:
		return err
	default:
		h.flash(r.Context(), "forum.categories.saved")
		http.Redirect(w, r, categoryAdminPath(lang, "", ""), http.StatusSeeOther)
		return nil
	}
	if isNew {
		c.ID, c.Handle = 0, ""
	}
	return h.showCategoryForm(w, r, lang, code, c, f)
}

// forumDeleteCategory deletes a local category that has no threads; one
// that has shows its form again with a 409 and says why.
func (h *Handler) forumDeleteCategory(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	c, err := h.loadCategory(r)
	if err != nil {
		return err
	}
	err = h.store.DeleteForumCategory(r.Context(), c.ID)
	switch {
	case errors.Is(err, db.ErrConflict):
		f := newForm(h.cats[lang])
		f.setTexts(c.Texts())
		f.Values["handle"], f.Values["position"] = c.Handle, strconv.Itoa(c.Position)
		f.Fail("form", "forum.categories.delete.busy")
		return h.showCategoryForm(w, r, lang, http.StatusConflict, c, f)
	case err != nil:
		return err
	}
	h.flash(r.Context(), "forum.categories.deleted")
	http.Redirect(w, r, categoryAdminPath(lang, "", ""), http.StatusSeeOther)
	return nil
}
