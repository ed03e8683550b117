package portal

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/bgimigranti/hub/db"
)

// What moderators do in the forum (pin, lock, move, hide and restore
// threads and posts, work through reports, block members) and what editors
// do (share their organisation's items into it).

// forumModerateThread pins, unpins, locks, unlocks, hides, shows or moves
// a thread, as the form's action says.
func (h *Handler) forumModerateThread(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	t, err := h.loadThreadParam(r, "id")
	if err != nil {
		return err
	}
	action := r.PostForm.Get("action")
	logged := db.ForumModAction{UserID: currentUser(r).ID, Action: action, ThreadID: t.ID}
	var do func(tx *db.Store) error
	switch action {
	case "pin", "unpin":
		do = func(tx *db.Store) error { return tx.SetThreadPinned(ctx, t.ID, action == "pin") }
	case "lock", "unlock":
		do = func(tx *db.Store) error { return tx.SetThreadLocked(ctx, t.ID, action == "lock") }
	case "hide", "show":
		do = func(tx *db.Store) error { return tx.SetThreadHidden(ctx, t.ID, action == "hide") }
	case "move":
		c, cerr := h.store.ForumCategoryByHandle(ctx, r.PostForm.Get("category"))
		if errors.Is(cerr, db.ErrNotFound) || (cerr == nil && c.Remote) {
			return h.badRequest(w, r, lang, "forum.category.choose")
		}
		if cerr != nil {
			return cerr
		}
		do = func(tx *db.Store) error { return tx.MoveThread(ctx, t.ID, c.ID) }
		logged.Detail, t.Category = c.Handle, c.Handle
	default:
		return h.badRequest(w, r, lang, "forum.mod.bad")
	}
	if err := h.store.Moderate(ctx, logged, do); err != nil {
		return err
	}
	h.flash(ctx, "forum.mod.done."+action)
	http.Redirect(w, r, forumPath(lang).thread(t.Category, t.ID), http.StatusSeeOther)
	return nil
}

// forumModeratePost hides a post or shows it again, and goes back to the
// page the form was on (the thread or the report queue).
func (h *Handler) forumModeratePost(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	p, err := h.loadPost(r)
	if err != nil {
		return err
	}
	switch action := r.PostForm.Get("action"); action {
	case "hide", "show":
		logged := db.ForumModAction{UserID: currentUser(r).ID, Action: action, ThreadID: p.ThreadID, PostID: p.ID}
		if err := h.store.Moderate(ctx, logged, func(tx *db.Store) error { return tx.SetForumPostHidden(ctx, p.ID, action == "hide") }); err != nil {
			return err
		}
		h.flash(ctx, "forum.mod.done.post."+action)
	default:
		return h.badRequest(w, r, lang, "forum.mod.bad")
	}
	back := safeLocal(r.PostForm.Get("back"))
	if back == "" {
		if back, err = h.postLocation(ctx, lang, p, currentUser(r)); err != nil {
			return err
		}
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// reportView is a report in the moderators' queue.
type reportView struct {
	ID         int64
	Reason     string
	Reporter   authorView
	When       string
	WhenISO    string
	Resolved   bool
	Post       *postView
	PostHidden bool
	BlockURL   string // the reported member's block form, for local authors
	Blocked    bool
}

// forumReportsData is the moderators' queue of reports.
type forumReportsData struct {
	View    string
	Reports []reportView
	All     bool
	Open    int
	Pager   forumPager
	Flash   string
	Back    string
}

// forumReports shows the open reports, oldest first, or with ?all=1 every
// report.
func (h *Handler) forumReports(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	page, ok := parsePage(r)
	if !ok {
		return h.badRequest(w, r, lang, "sec.bad.page")
	}
	ctx := r.Context()
	u := currentUser(r)
	all := r.URL.Query().Get("all") == "1"
	open, err := h.store.CountForumReports(ctx, true)
	if err != nil {
		return err
	}
	total := open
	if all {
		if total, err = h.store.CountForumReports(ctx, false); err != nil {
			return err
		}
	}
	const perPage = 50
	pages := max(1, (total+perPage-1)/perPage)
	if page > pages {
		return db.ErrNotFound
	}
	reps, err := h.store.ForumReports(ctx, db.ForumReportQuery{Open: !all, Limit: perPage, Offset: (page - 1) * perPage})
	if err != nil {
		return err
	}
	f := h.forumFmt(lang)
	base := f.path.index() + "/reports"
	if all {
		base += "?all=1"
	}
	d := &forumReportsData{View: "reports", All: all, Open: open, Pager: newForumPager(base, page, pages), Flash: h.popFlash(r, lang), Back: r.URL.RequestURI()}
	for _, rep := range reps {
		v := reportView{ID: rep.ID, Reason: rep.Reason, Reporter: f.author(rep.Reporter), Resolved: rep.Resolved()}
		v.When, v.WhenISO = f.when(rep.CreatedAt)
		if rep.Post != nil {
			pv := f.post(rep.Post, u)
			v.Post, v.PostHidden = &pv, rep.Post.Hidden
			if a := rep.Post.Author; a.UserID != 0 && a.Handle != "" {
				v.BlockURL, v.Blocked = f.path.member(a.Handle)+"/block", a.Disabled
			}
		}
		d.Reports = append(d.Reports, v)
	}
	title := h.cats[lang].T("forum.reports.title")
	path := "/forum/reports"
	if all {
		path += "?all=1"
	}
	return h.renderForum(w, r, lang, http.StatusOK, title, path, d)
}

// forumResolve marks a report as dealt with.
func (h *Handler) forumResolve(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.store.ResolveForumReport(r.Context(), id, currentUser(r).ID); err != nil {
		return err
	}
	h.flash(r.Context(), "forum.reports.resolved")
	back := safeLocal(r.PostForm.Get("back"))
	if back == "" {
		back = forumPath(lang).index() + "/reports"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// forumBlock blocks a member (their account is disabled, which signs them
// out and stops them signing in) or unblocks them. Admins cannot be
// blocked here.
func (h *Handler) forumBlock(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	prof, err := h.store.ForumProfileByHandle(ctx, r.PathValue("handle"))
	if err != nil {
		return err
	}
	m, err := h.store.User(ctx, prof.UserID)
	if err != nil {
		return err
	}
	if m.Role == db.RoleAdmin {
		return h.forbidden(w, r, lang)
	}
	switch action := r.PostForm.Get("action"); action {
	case "block", "unblock":
		m.Disabled = action == "block"
		if err := h.store.UpdateUser(ctx, m); err != nil {
			return err
		}
		h.flash(ctx, "forum.block.done."+action)
	default:
		return h.badRequest(w, r, lang, "forum.mod.bad")
	}
	back := safeLocal(r.PostForm.Get("back"))
	if back == "" {
		back = forumPath(lang).member(prof.Handle)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// canShareItem reports whether u may share it into the forum: a published
// item of the editor's own organisation, or for admins any published item.
func canShareItem(u *db.User, it *db.Item) bool {
	if u == nil || it.Status != db.Published {
		return false
	}
	if u.Role == db.RoleAdmin {
		return true
	}
	return u.Role == db.RoleEditor && u.OrganisationID != 0 && it.OrganisationID == u.OrganisationID && !it.Remote
}

// forumShare shows (GET /forum/share?item=ID) and takes the form that
// shares an item into a forum category, as a thread whose opening post
// gives the item's title and summary and links its page. An item is shared
// once; the form then links the thread instead.
func (h *Handler) forumShare(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	u := currentUser(r)
	cat := h.cats[lang]
	raw := r.URL.Query().Get("item")
	if r.Method == http.MethodPost {
		raw = r.PostForm.Get("item")
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return h.badRequest(w, r, lang, "forum.share.noitem")
	}
	it, err := h.store.Item(ctx, id)
	if err != nil {
		return err
	}
	if !canShareItem(u, it) {
		return h.forbidden(w, r, lang)
	}
	fp := h.forumFmt(lang)
	f := h.newPostForm(lang, u)
	f.Kind, f.Action, f.ItemID = "share", fp.path.index()+"/share", it.ID
	f.ItemTitle, f.ItemPath = pick(it.Texts(), lang), it.PagePath(lang)
	f.Cancel = f.ItemPath
	for _, l := range it.Texts().Langs() {
		f.ItemLangs = append(f.ItemLangs, fp.badge(l))
	}
	if !it.Texts().Has(lang) {
		f.Values["lang"] = string(f.ItemTitle.Lang)
	}
	if t, err := h.store.ForumThreadByItem(ctx, it.ID); err == nil {
		f.Existing = fp.path.thread(t.Category, t.ID)
	} else if !errors.Is(err, db.ErrNotFound) {
		return err
	}
	title := cat.T("forum.share.title")
	if r.Method == http.MethodPost {
		f.form = formFrom(r, cat, "category", "lang")
		f.Values["item"] = raw
	}
	if f.Categories, err = h.categoryOptions(ctx, lang, f.Get("category"), false); err != nil {
		return err
	}
	if r.Method == http.MethodGet {
		return h.renderForm(w, r, lang, http.StatusOK, title, f)
	}
	if f.Existing != "" {
		f.Fail("category", "forum.share.already")
	}
	var c *db.ForumCategory
	if f.Get("category") == "" {
		f.Fail("category", "forum.category.choose")
	} else if c, err = h.store.ForumCategoryByHandle(ctx, f.Get("category")); errors.Is(err, db.ErrNotFound) || (err == nil && c.Remote) {
		f.Fail("category", "forum.category.choose")
	} else if err != nil {
		return err
	}
	text, _, ok := it.Texts().In(db.Lang(f.Get("lang")))
	if !ok || string(text.Lang) != f.Get("lang") {
		f.Fail("lang", "form.invalid")
	}
	if !f.OK() {
		return h.renderForm(w, r, lang, http.StatusUnprocessableEntity, title, f)
	}
	// The post links the item's page in the post's language, or in the
	// page's when the item's text is in a language the site is not.
	pageLang := text.Lang
	if _, ok := h.cats[pageLang]; !ok {
		pageLang = lang
	}
	md := shareBody(h.cats[pageLang], text, h.baseURL+it.PagePath(pageLang))
	html, _, err := h.renderPost(ctx, md)
	if err != nil {
		return err
	}
	t := &db.ForumThread{CategoryID: c.ID, Title: truncate(text.Title, db.MaxThreadTitleLen-1), ItemID: it.ID}
	p := &db.ForumPost{AuthorUserID: u.ID, Lang: text.Lang, BodyMD: md, BodyHTML: html}
	if err := h.store.CreateForumThread(ctx, t, p); err != nil {
		return err
	}
	if err := h.store.FollowThread(ctx, u.ID, t.ID); err != nil {
		return err
	}
	h.flash(ctx, "forum.share.done")
	http.Redirect(w, r, forumPath(lang).thread(c.Handle, t.ID), http.StatusSeeOther)
	return nil
}

// shareBody is the Markdown of the opening post of a shared item, in the
// item text's language: its summary and a link to its page.
func shareBody(cat catalog, t db.Text, pageURL string) string {
	summary := summaryOf(t, 600)
	var b strings.Builder
	if summary != "" {
		b.WriteString(escapeMarkdown(summary))
		b.WriteString("\n\n")
	}
	b.WriteString("[" + escapeMarkdown(cat.T("forum.share.read", t.Title)) + "](<" + pageURL + ">)")
	return b.String()
}

// escapeMarkdown makes plain text stay plain in Markdown.
func escapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_{}[]()<>#+-.!|~&", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
