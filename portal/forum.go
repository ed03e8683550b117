package portal

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bgimigranti/hub/db"
)

// The forum: categories, threads and posts (forum.go, the pages everyone
// reads), what members do (forum_post.go) and what moderators and editors
// do (forum_mod.go). Every page is forum.html, which picks its view by
// Data.View.
//
// Moderators are the hub's admins: they moderate every category. Editors
// publish for their organisation and share its items into the forum, but
// do not moderate.

// Forum listings show this many threads or posts a page.
const (
	forumThreadsPerPage = 30
	forumPostsPerPage   = 30
)

// forumRoutes adds the forum under the language prefix p.
func (h *Handler) forumRoutes(m *http.ServeMux, lang db.Lang, p string) {
	f := p + "/forum"
	m.Handle("GET "+f, h.page(lang, h.cached(h.forumIndex)))
	m.Handle("GET "+f+"/{category}", h.page(lang, h.cached(h.forumCategory)))
	m.Handle("GET "+f+"/{category}/{thread}", h.page(lang, h.cached(h.forumThread)))
	m.Handle("GET "+f+"/posts/{id}", h.page(lang, h.forumPostLink))
	m.Handle("GET "+f+"/threads/{id}", h.page(lang, h.forumThreadLink))
	m.Handle("GET "+f+"/users/{handle}", h.page(lang, h.cached(h.forumMember)))
	m.Handle("GET "+f+"/modlog", h.page(lang, h.cached(h.forumModlog)))

	m.Handle("GET "+f+"/new", h.page(lang, h.signedIn(h.forumNewThread)))
	m.Handle("POST "+f+"/new", h.page(lang, h.signedIn(h.forumNewThread)))
	m.Handle("GET "+f+"/threads/{id}/reply", h.page(lang, h.signedIn(h.forumReply)))
	m.Handle("POST "+f+"/threads/{id}/reply", h.page(lang, h.signedIn(h.forumReply)))
	m.Handle("POST "+f+"/threads/{id}/follow", h.page(lang, h.signedIn(h.forumFollow)))
	m.Handle("GET "+f+"/threads/{id}/unread", h.page(lang, h.signedIn(h.forumUnread)))
	m.Handle("GET "+f+"/posts/{id}/edit", h.page(lang, h.signedIn(h.forumEdit)))
	m.Handle("POST "+f+"/posts/{id}/edit", h.page(lang, h.signedIn(h.forumEdit)))
	m.Handle("POST "+f+"/posts/{id}/delete", h.page(lang, h.signedIn(h.forumDelete)))
	m.Handle("GET "+f+"/posts/{id}/report", h.page(lang, h.signedIn(h.forumReport)))
	m.Handle("POST "+f+"/posts/{id}/report", h.page(lang, h.signedIn(h.forumReport)))
	m.Handle("GET "+f+"/mentions", h.page(lang, h.signedIn(h.forumMentions)))

	m.Handle("POST "+f+"/threads/{id}/moderate", h.page(lang, h.moderator(h.forumModerateThread)))
	m.Handle("POST "+f+"/posts/{id}/moderate", h.page(lang, h.moderator(h.forumModeratePost)))
	m.Handle("GET "+f+"/reports", h.page(lang, h.moderator(h.forumReports)))
	m.Handle("POST "+f+"/reports/{id}/resolve", h.page(lang, h.moderator(h.forumResolve)))
	m.Handle("POST "+f+"/users/{handle}/block", h.page(lang, h.moderator(h.forumBlock)))

	m.Handle("GET "+f+"/share", h.page(lang, h.editor(h.forumShare)))
	m.Handle("POST "+f+"/share", h.page(lang, h.editor(h.forumShare)))

	// Language-neutral links (mentions in stored posts, and the browser
	// side of the forum's future ActivityPub ids); registered once.
	if lang == db.InterfaceLangs[0] {
		m.Handle("GET /forum/posts/{id}", h.page("", h.forumPostLink))
		m.Handle("GET /forum/threads/{id}", h.page("", h.forumThreadLink))
		m.Handle("GET /forum/users/{handle}", h.page("", h.forumMemberLink))
	}
	h.forumCategoryRoutes(m, lang, p)
}

// canModerate reports whether u moderates the forum: admins do, everywhere.
func canModerate(u *db.User) bool { return u != nil && u.Role == db.RoleAdmin }

// moderator lets only forum moderators reach fn.
func (h *Handler) moderator(fn pageFunc) pageFunc {
	return h.signedIn(func(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
		if !canModerate(currentUser(r)) {
			return h.forbidden(w, r, lang)
		}
		return fn(w, r, lang)
	})
}

// forumPath builds forum URLs in one language.
type forumPath db.Lang

func (l forumPath) index() string { return "/" + string(l) + "/forum" }

func (l forumPath) category(handle string) string { return l.index() + "/" + handle }

func (l forumPath) thread(category string, id int64) string {
	return l.category(category) + "/" + strconv.FormatInt(id, 10)
}

func (l forumPath) threadPage(category string, id int64, page int) string {
	p := l.thread(category, id)
	if page > 1 {
		p += "?page=" + strconv.Itoa(page)
	}
	return p
}

func (l forumPath) post(id int64) string { return l.index() + "/posts/" + strconv.FormatInt(id, 10) }

func (l forumPath) member(handle string) string { return l.index() + "/users/" + handle }

func (l forumPath) threadAction(id int64, action string) string {
	return l.index() + "/threads/" + strconv.FormatInt(id, 10) + "/" + action
}

func (l forumPath) postAction(id int64, action string) string {
	return l.post(id) + "/" + action
}

func postAnchor(id int64) string { return "post-" + strconv.FormatInt(id, 10) }

// authorView is an author as pages link them.
type authorView struct {
	Name   string
	Handle string // @handle, or @handle@host for remote authors
	Link   string // their profile here, or their page on their server
	Remote bool
	Gone   bool // the account no longer exists
}

func (f *forumFmt) author(a db.ForumAuthor) authorView {
	switch {
	case a.Gone():
		return authorView{Name: f.cat.T("forum.author.gone"), Gone: true}
	case a.Remote():
		v := authorView{Name: a.Name, Handle: "@" + a.Handle + "@" + a.Host, Link: safeURL(a.URL), Remote: true}
		if v.Name == "" {
			v.Name = v.Handle
		}
		return v
	}
	v := authorView{Name: a.Name, Handle: "@" + a.Handle}
	if a.Handle != "" {
		v.Link = f.path.member(a.Handle)
	} else {
		v.Handle = ""
	}
	return v
}

// forumFmt formats forum values for one page's language.
type forumFmt struct {
	*formatter
	path forumPath
}

func (h *Handler) forumFmt(lang db.Lang) *forumFmt {
	return &forumFmt{formatter: h.formatter(lang), path: forumPath(lang)}
}

// when formats an instant in Sofia: "24 ноември 2026 г., 18:30 ч.".
func (f *forumFmt) when(t time.Time) (text, iso string) {
	if t.IsZero() {
		return "", ""
	}
	s := t.In(f.zone(""))
	return f.cat.T("forum.at", f.cat.Date(s), s.Format("15:04")), t.UTC().Format(time.RFC3339)
}

// langView is the language of a post or a title, for its badge.
type langView struct {
	Tag   db.Lang
	Label string // the language's name in the page's language, or its tag
}

func (f *forumFmt) badge(l db.Lang) langView {
	for _, il := range db.InterfaceLangs {
		if l == il {
			return langView{Tag: l, Label: f.cat.T("lang.name." + string(l))}
		}
	}
	if l == "und" || l == "" {
		return langView{Tag: "und", Label: f.cat.T("forum.lang.und")}
	}
	return langView{Tag: l, Label: f.cat.T("forum.lang.code", strings.ToUpper(string(l)))}
}

// categoryView is a category as lists and headings show it.
type categoryView struct {
	Handle      string
	Path        string
	Name        localText
	Description string
	Remote      bool
	Origin      string // a partner's category: its hub's host
	OriginURL   string // and its page there
	Openable    bool   // members can open threads in it
	Fediverse   string // @handle@host, for following it from the fediverse
	Threads     int
	Posts       int
	Last        *threadView
}

func (h *Handler) categoryView(f *forumFmt, c *db.ForumCategory) categoryView {
	t := pick(c.Texts(), f.lang)
	v := categoryView{Handle: c.Handle, Path: f.path.category(c.Handle), Name: t, Description: t.Summary, Remote: c.Remote, Openable: openable(c)}
	if !c.Remote {
		if u, err := url.Parse(h.baseURL); err == nil {
			v.Fediverse = "@" + c.Handle + "@" + u.Host
		}
	} else {
		_, v.Origin, _ = strings.Cut(c.Handle, "@")
		v.OriginURL = safeURL(c.URL)
		// A partner's categories often bear the same names as the local
		// ones: the name itself says whose it is.
		v.Name.Title = h.cats[f.lang].T("forum.partner.name", v.Name.Title, v.Origin)
	}
	return v
}

// partnerCategories are a partner hub's categories on the forum index.
type partnerCategories struct {
	Origin     string
	OriginURL  string
	Categories []categoryView
}

// byPartner groups partners' categories by their hub, in the order they
// come.
func byPartner(cats []categoryView) []partnerCategories {
	var out []partnerCategories
	at := map[string]int{}
	for _, c := range cats {
		i, ok := at[c.Origin]
		if !ok {
			i = len(out)
			at[c.Origin] = i
			home := ""
			if u, err := url.Parse(c.OriginURL); err == nil && u.Host != "" {
				home = u.Scheme + "://" + u.Host + "/"
			}
			out = append(out, partnerCategories{Origin: c.Origin, OriginURL: safeURL(home)})
		}
		out[i].Categories = append(out[i].Categories, c)
	}
	return out
}

// threadView is a thread as lists and its own page show it.
type threadView struct {
	ID         int64
	Title      string
	Lang       langView
	Path       string
	Category   string
	Pinned     bool
	Locked     bool
	Hidden     bool
	Replies    int
	Author     authorView
	Started    string
	StartedISO string
	Last       authorView
	LastWhen   string
	LastISO    string
	LastLink   string // the last post
	New        bool   // the viewer follows it and has not read everything
	UnreadLink string
	Pages      int
	LastPage   string
	Remote     *remoteRef
}

func (f *forumFmt) thread(t *db.ForumThread) threadView {
	v := threadView{
		ID: t.ID, Title: t.Title, Lang: f.badge(t.Lang), Path: f.path.thread(t.Category, t.ID), Category: t.Category,
		Pinned: t.Pinned, Locked: t.Locked, Hidden: t.Hidden, Replies: t.Replies(),
		Author: f.author(t.Author), Last: f.author(t.LastPoster), New: t.Unread(),
		Pages: max(1, (t.PostCount+forumPostsPerPage-1)/forumPostsPerPage),
	}
	v.Started, v.StartedISO = f.when(t.CreatedAt)
	v.LastWhen, v.LastISO = f.when(t.LastPostAt)
	if t.LastPostID != 0 {
		v.LastLink = f.path.post(t.LastPostID)
	}
	if v.New {
		v.UnreadLink = f.path.threadAction(t.ID, "unread")
	}
	if v.Pages > 1 {
		v.LastPage = f.path.threadPage(t.Category, t.ID, v.Pages)
	}
	if t.APID != "" || t.URL != "" {
		ref := &remoteRef{URL: safeURL(t.URL)}
		if ref.URL == "" {
			ref.URL = safeURL(t.APID)
		}
		if u, err := url.Parse(ref.URL); err == nil && ref.URL != "" {
			ref.Host = u.Hostname()
			v.Remote = ref
		}
	}
	return v
}

// postView is a post as a thread page, a profile or the report queue shows
// it.
type postView struct {
	ID         int64
	Anchor     string
	Number     int // its place in the thread, from 1; 0 where unknown
	Author     authorView
	Lang       langView
	Body       template.HTML
	When       string
	WhenISO    string
	Edited     bool
	EditedWhen string
	EditedISO  string
	Deleted    bool
	Hidden     bool
	Quote      *quoteView
	Permalink  string
	Thread     string // the thread's title, where the post is shown out of it
	ThreadLang db.Lang
	ThreadPath string
	// What the viewer may do with it, and where.
	CanQuote, CanEdit, CanDelete, CanReport, CanModerate bool
	ReplyURL, EditURL, DeleteURL, ReportURL, ModURL      string
	// ShowBody is false for deleted posts, except for moderators, who
	// see what was deleted.
	ShowBody bool
}

// quoteView is the post a post quotes.
type quoteView struct {
	Author  authorView
	Lang    langView
	Excerpt string
	Link    string
	Gone    bool // hidden or deleted: only the link is shown
}

// postView turns a post into what pages show, with what viewer may do
// with it in a thread that is locked or not.
func (f *forumFmt) post(p *db.ForumPost, viewer *db.User) postView {
	mod := canModerate(viewer)
	v := postView{
		ID: p.ID, Anchor: postAnchor(p.ID), Author: f.author(p.Author), Lang: f.badge(p.Lang), Body: template.HTML(p.BodyHTML), // sanitised when stored
		Deleted: p.Deleted(), Hidden: p.Hidden, Edited: p.Edited(), Permalink: f.path.post(p.ID),
		Thread: p.Thread.Title, ThreadLang: p.Thread.Lang, ThreadPath: f.path.thread(p.Thread.Category, p.ThreadID),
	}
	v.ShowBody = !v.Deleted || mod
	v.When, v.WhenISO = f.when(p.CreatedAt)
	v.EditedWhen, v.EditedISO = f.when(p.EditedAt)
	if q := p.Quote; q != nil {
		qv := &quoteView{Author: f.author(q.Author), Lang: f.badge(q.Lang), Link: f.path.post(q.ID), Gone: q.Deleted || (q.Hidden && !mod)}
		if !qv.Gone {
			qv.Excerpt = truncate(plainText(q.BodyHTML), 300)
		}
		v.Quote = qv
	}
	if viewer != nil {
		own := p.AuthorUserID == viewer.ID
		open := !p.Thread.Locked && !p.Thread.Hidden
		v.CanQuote = open && !v.Deleted && !p.Hidden
		v.CanEdit = own && open && !v.Deleted && !p.Hidden
		v.CanDelete = own && !v.Deleted
		v.CanReport = !own && !v.Deleted
		v.CanModerate = mod
		v.ReplyURL = f.path.threadAction(p.ThreadID, "reply")
		v.EditURL, v.DeleteURL = f.path.postAction(p.ID, "edit"), f.path.postAction(p.ID, "delete")
		v.ReportURL, v.ModURL = f.path.postAction(p.ID, "report"), f.path.postAction(p.ID, "moderate")
	}
	return v
}

// pageLink is one link of a forum pager.
type pageLink struct {
	N       int
	URL     string
	Current bool
	Gap     bool // "…" before it
}

// forumPager links the pages of a thread or a list: the first, the last
// and two on either side of the current one.
type forumPager struct {
	Page, Pages int
	Prev, Next  string
	Links       []pageLink
}

func newForumPager(base string, page, pages int) forumPager {
	link := func(n int) string {
		if n <= 1 {
			return base
		}
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		return base + sep + "page=" + strconv.Itoa(n)
	}
	p := forumPager{Page: page, Pages: pages}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	last := 0
	for n := 1; n <= pages; n++ {
		if n != 1 && n != pages && (n < page-2 || n > page+2) {
			continue
		}
		p.Links = append(p.Links, pageLink{N: n, URL: link(n), Current: n == page, Gap: last != 0 && n != last+1})
		last = n
	}
	return p
}

// forumIndexData is the forum's front page.
type forumIndexData struct {
	View       string
	Categories []categoryView
	Remote     []categoryView
	Partners   []partnerCategories // Remote, grouped by partner
	Reports    int                 // open reports, for moderators
}

// renderForum renders forum.html.
func (h *Handler) renderForum(w http.ResponseWriter, r *http.Request, lang db.Lang, code int, title, path string, data any) error {
	if currentUser(r) != nil {
		w.Header().Set("Cache-Control", "no-store")
	}
	return h.render(w, r, code, "forum", &view{Lang: lang, Title: title, Path: path, Section: "forum", Data: data})
}

// forumIndex lists the categories with their activity.
func (h *Handler) forumIndex(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	cats, err := h.store.ForumCategories(ctx)
	if err != nil {
		return err
	}
	acts, err := h.store.ForumActivities(ctx)
	if err != nil {
		return err
	}
	f := h.forumFmt(lang)
	d := &forumIndexData{View: "index"}
	for _, c := range cats {
		v := h.categoryView(f, c)
		if a := acts[c.ID]; a != nil {
			v.Threads, v.Posts = a.Threads, a.Posts
			last := &threadView{ID: a.LastThread, Title: a.LastTitle, Lang: f.badge(a.LastLang), Path: f.path.thread(c.Handle, a.LastThread),
				Last: f.author(a.LastPoster)}
			last.LastWhen, last.LastISO = f.when(a.LastPostAt)
			if a.LastPostID != 0 {
				last.LastLink = f.path.post(a.LastPostID)
			}
			v.Last = last
		}
		if c.Remote {
			d.Remote = append(d.Remote, v)
		} else {
			d.Categories = append(d.Categories, v)
		}
	}
	d.Partners = byPartner(d.Remote)
	if canModerate(currentUser(r)) {
		if d.Reports, err = h.store.CountForumReports(ctx, true); err != nil {
			return err
		}
	}
	remember(w, r, lang)
	return h.renderForum(w, r, lang, http.StatusOK, h.cats[lang].T("forum.title"), "/forum", d)
}

// forumCategoryData is a category's thread list.
type forumCategoryData struct {
	View     string
	Category categoryView
	Threads  []threadView
	Total    int
	Pager    forumPager
	Mod      bool
}

// forumCategory lists a category's threads: pinned ones first, then by
// latest activity.
func (h *Handler) forumCategory(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	page, ok := parsePage(r)
	if !ok {
		return h.badRequest(w, r, lang, "sec.bad.page")
	}
	ctx := r.Context()
	c, err := h.store.ForumCategoryByHandle(ctx, r.PathValue("category"))
	if err != nil {
		return err
	}
	u := currentUser(r)
	q := db.ThreadQuery{CategoryID: c.ID, WithHidden: canModerate(u)}
	if u != nil {
		q.Viewer = u.ID
	}
	total, err := h.store.CountForumThreads(ctx, q)
	if err != nil {
		return err
	}
	pages := max(1, (total+forumThreadsPerPage-1)/forumThreadsPerPage)
	if page > pages {
		return db.ErrNotFound
	}
	q.Limit, q.Offset = forumThreadsPerPage, (page-1)*forumThreadsPerPage
	ts, err := h.store.ForumThreads(ctx, q)
	if err != nil {
		return err
	}
	f := h.forumFmt(lang)
	d := &forumCategoryData{View: "category", Category: h.categoryView(f, c), Total: total, Mod: q.WithHidden,
		Pager: newForumPager(f.path.category(c.Handle), page, pages)}
	for _, t := range ts {
		d.Threads = append(d.Threads, f.thread(t))
	}
	remember(w, r, lang)
	title := d.Category.Name.Title
	if page > 1 {
		title = h.cats[lang].T("forum.page.title", title, page)
	}
	path := "/forum/" + c.Handle
	if page > 1 {
		path += "?page=" + strconv.Itoa(page)
	}
	return h.renderForum(w, r, lang, http.StatusOK, title, path, d)
}

// forumThreadData is a thread's page.
type forumThreadData struct {
	View       string
	Category   categoryView
	Thread     threadView
	Posts      []postView
	Pager      forumPager
	Followed   bool
	Mod        bool
	Reply      *forumForm // the reply form on the last page, for members
	SignIn     string     // where visitors sign in to reply
	Flash      string
	Categories []categoryOption // where a moderator may move the thread
	FollowURL  string
	ModURL     string
}

// categoryOption is a category in a select.
type categoryOption struct {
	Handle   string
	Name     string
	Selected bool
}

// loadThreadParam reads the thread named by the path's {name} wildcard,
// hidden ones only for moderators.
func (h *Handler) loadThreadParam(r *http.Request, name string) (*db.ForumThread, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return nil, db.ErrNotFound
	}
	var viewer int64
	u := currentUser(r)
	if u != nil {
		viewer = u.ID
	}
	t, err := h.store.ForumThread(r.Context(), id, viewer)
	if err != nil {
		return nil, err
	}
	if t.Hidden && !canModerate(u) {
		return nil, db.ErrNotFound
	}
	return t, nil
}

// forumThread shows a page of a thread's posts. A thread that moved is
// found at its old address too, and sent to the new one.
func (h *Handler) forumThread(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	page, ok := parsePage(r)
	if !ok {
		return h.badRequest(w, r, lang, "sec.bad.page")
	}
	ctx := r.Context()
	t, err := h.loadThreadParam(r, "thread")
	if err != nil {
		return err
	}
	f := h.forumFmt(lang)
	if r.PathValue("category") != t.Category {
		http.Redirect(w, r, f.path.threadPage(t.Category, t.ID, page), http.StatusMovedPermanently)
		return nil
	}
	c, err := h.store.ForumCategory(ctx, t.CategoryID)
	if err != nil {
		return err
	}
	u := currentUser(r)
	mod := canModerate(u)
	count := t.PostCount
	if mod {
		if count, err = h.store.CountForumPosts(ctx, t.ID, true); err != nil {
			return err
		}
	}
	pages := max(1, (count+forumPostsPerPage-1)/forumPostsPerPage)
	if page > pages {
		return db.ErrNotFound
	}
	posts, err := h.store.ForumPosts(ctx, db.PostQuery{ThreadID: t.ID, WithHidden: mod, Limit: forumPostsPerPage, Offset: (page - 1) * forumPostsPerPage})
	if err != nil {
		return err
	}
	d := &forumThreadData{
		View: "thread", Category: h.categoryView(f, c), Thread: f.thread(t), Followed: t.Followed, Mod: mod,
		Pager:     newForumPager(f.path.thread(t.Category, t.ID), page, pages),
		FollowURL: f.path.threadAction(t.ID, "follow"), ModURL: f.path.threadAction(t.ID, "moderate"),
	}
	for i, p := range posts {
		v := f.post(p, u)
		v.Number = (page-1)*forumPostsPerPage + i + 1
		d.Posts = append(d.Posts, v)
	}
	if u == nil {
		d.SignIn = "/" + string(lang) + "/login?next=" + url.QueryEscape(r.URL.RequestURI())
	} else {
		d.Flash = h.popFlash(r, lang)
		if page == pages && !t.Locked && openable(c) {
			d.Reply = h.newPostForm(lang, u)
			d.Reply.Action = f.path.threadAction(t.ID, "reply")
		}
		if t.Followed && len(posts) > 0 && posts[len(posts)-1].ID > t.LastRead {
			if err := h.store.MarkThreadRead(ctx, u.ID, t.ID, posts[len(posts)-1].ID); err != nil {
				return err
			}
		}
	}
	if mod {
		if d.Categories, err = h.categoryOptions(ctx, lang, t.Category, false); err != nil {
			return err
		}
	}
	remember(w, r, lang)
	title := t.Title
	if page > 1 {
		title = h.cats[lang].T("forum.page.title", title, page)
	}
	path := "/forum/" + t.Category + "/" + strconv.FormatInt(t.ID, 10)
	if page > 1 {
		path += "?page=" + strconv.Itoa(page)
	}
	return h.renderForum(w, r, lang, http.StatusOK, title, path, d)
}

// categoryOptions lists the local categories for a select, in lang, and
// with partners the partners' categories a thread can be opened in (those
// whose Group the hub follows), named with their origin.
func (h *Handler) categoryOptions(ctx context.Context, lang db.Lang, selected string, partners bool) ([]categoryOption, error) {
	cats, err := h.store.ForumCategories(ctx)
	if err != nil {
		return nil, err
	}
	var out []categoryOption
	for _, c := range cats {
		if c.Remote && !(partners && openable(c)) {
			continue
		}
		name := pick(c.Texts(), lang).Title
		if c.Remote {
			name += " (" + c.Handle + ")"
		}
		out = append(out, categoryOption{Handle: c.Handle, Name: name, Selected: c.Handle == selected})
	}
	return out, nil
}

// openable reports whether members can open threads and reply in c: every
// local category, and a partner's whose Group the hub follows (posts go to
// that Group, which announces them). A partner's category the hub stopped
// following stays readable, as an archive.
func openable(c *db.ForumCategory) bool { return !c.Remote || (c.ActorID != 0 && c.Followed) }

// postLocation is where a post is shown: its thread's page and anchor, as
// viewer sees the thread.
func (h *Handler) postLocation(ctx context.Context, lang db.Lang, p *db.ForumPost, viewer *db.User) (string, error) {
	i, err := h.store.ForumPostIndex(ctx, p, canModerate(viewer))
	if err != nil {
		return "", err
	}
	return forumPath(lang).threadPage(p.Thread.Category, p.ThreadID, i/forumPostsPerPage+1) + "#" + postAnchor(p.ID), nil
}

// loadPost reads the post named by the path's {id}, if viewer may see it.
func (h *Handler) loadPost(r *http.Request) (*db.ForumPost, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	p, err := h.store.ForumPost(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if (p.Hidden || p.Thread.Hidden) && !canModerate(currentUser(r)) {
		return nil, db.ErrNotFound
	}
	return p, nil
}

// forumPostLink sends a post's permanent link to the page of its thread
// that shows it, at its anchor.
func (h *Handler) forumPostLink(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	p, err := h.loadPost(r)
	if err != nil {
		return err
	}
	loc, err := h.postLocation(r.Context(), lang, p, currentUser(r))
	if err != nil {
		return err
	}
	http.Redirect(w, r, loc, http.StatusFound)
	return nil
}

// forumThreadLink sends /forum/threads/{id} to the thread's page.
func (h *Handler) forumThreadLink(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	t, err := h.loadThreadParam(r, "id")
	if err != nil {
		return err
	}
	http.Redirect(w, r, forumPath(lang).thread(t.Category, t.ID), http.StatusFound)
	return nil
}

// forumMemberLink sends the language-neutral link of a member (mentions in
// posts use it) to their profile in the visitor's language.
func (h *Handler) forumMemberLink(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	handle := strings.ToLower(r.PathValue("handle"))
	if user, host, remote := strings.Cut(handle, "@"); remote {
		return h.remoteAccountLink(w, r, user, host)
	}
	if !db.ValidHandle(handle) {
		return db.ErrNotFound
	}
	w.Header().Add("Vary", "Accept-Language, Cookie")
	http.Redirect(w, r, forumPath(lang).member(handle), http.StatusFound)
	return nil
}

// remoteAccountLink sends a mention's reader to a remote account's page:
// the one its actor gives when federation knows it, else the address
// Mastodon and most servers use.
func (h *Handler) remoteAccountLink(w http.ResponseWriter, r *http.Request, user, host string) error {
	if !db.ValidHandle(user) || host == "" || strings.ContainsAny(host, "/?#@\\ ") {
		return db.ErrNotFound
	}
	target := safeURL("https://" + host + "/@" + user)
	actors, err := h.store.RemoteActorsByAcct(r.Context(), []string{user + "@" + host})
	if err != nil {
		return err
	}
	if a := actors[user+"@"+host]; a != nil {
		if u := safeURL(a.URL); u != "" {
			target = u
		} else if u := safeURL(a.URI); u != "" {
			target = u
		}
	}
	if target == "" {
		return db.ErrNotFound
	}
	http.Redirect(w, r, target, http.StatusFound)
	return nil
}

// forumMemberData is a member's forum profile.
type forumMemberData struct {
	View     string
	Name     string
	Handle   string
	Fedi     string
	Since    string
	Role     db.Role
	Disabled bool
	Posts    []postView
	Total    int
	Pager    forumPager
	Mod      bool
	BlockURL string
	CanBlock bool
	Flash    string
}

// forumMember shows a member's posts, newest first.
func (h *Handler) forumMember(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	page, ok := parsePage(r)
	if !ok {
		return h.badRequest(w, r, lang, "sec.bad.page")
	}
	ctx := r.Context()
	prof, err := h.store.ForumProfileByHandle(ctx, r.PathValue("handle"))
	if err != nil {
		return err
	}
	m, err := h.store.User(ctx, prof.UserID)
	if err != nil {
		return err
	}
	u := currentUser(r)
	mod := canModerate(u)
	q := db.MemberPostQuery{UserID: m.ID, WithHidden: mod}
	total, err := h.store.CountMemberPosts(ctx, q)
	if err != nil {
		return err
	}
	pages := max(1, (total+forumPostsPerPage-1)/forumPostsPerPage)
	if page > pages {
		return db.ErrNotFound
	}
	q.Limit, q.Offset = forumPostsPerPage, (page-1)*forumPostsPerPage
	posts, err := h.store.MemberPosts(ctx, q)
	if err != nil {
		return err
	}
	f := h.forumFmt(lang)
	d := &forumMemberData{View: "member", Name: m.Name, Handle: prof.Handle, Role: m.Role, Disabled: m.Disabled, Total: total, Mod: mod,
		Pager: newForumPager(f.path.member(prof.Handle), page, pages), BlockURL: f.path.member(prof.Handle) + "/block",
		CanBlock: mod && m.Role != db.RoleAdmin}
	if base, err := url.Parse(h.baseURL); err == nil {
		d.Fedi = "@" + prof.Handle + "@" + base.Host
	}
	d.Since = f.day(prof.CreatedAt)
	for _, p := range posts {
		d.Posts = append(d.Posts, f.post(p, u))
	}
	if u != nil {
		d.Flash = h.popFlash(r, lang)
	}
	remember(w, r, lang)
	return h.renderForum(w, r, lang, http.StatusOK, h.cats[lang].T("forum.member.title", m.Name), "/forum/users/"+prof.Handle, d)
}

// refuseClosed answers a post to a thread that takes none: a locked one,
// or one of a partner's category the hub stopped following. done says it
// answered.
func (h *Handler) refuseClosed(w http.ResponseWriter, r *http.Request, lang db.Lang, t *db.ForumThread) (done bool, err error) {
	if t.Locked {
		return true, h.lockedThread(w, r, lang, t)
	}
	c, err := h.store.ForumCategory(r.Context(), t.CategoryID)
	if err != nil {
		return true, err
	}
	if !openable(c) {
		return true, h.archivedThread(w, r, lang, t)
	}
	return false, nil
}

// lockedThread answers a reply or edit in a locked thread.
func (h *Handler) lockedThread(w http.ResponseWriter, r *http.Request, lang db.Lang, t *db.ForumThread) error {
	return h.threadRefused(w, r, lang, t, "locked", "forum.locked.title", "forum.locked.text")
}

// archivedThread answers a reply to a thread of a partner's category the
// hub no longer follows: readable, but posts would go nowhere.
func (h *Handler) archivedThread(w http.ResponseWriter, r *http.Request, lang db.Lang, t *db.ForumThread) error {
	return h.threadRefused(w, r, lang, t, "archived", "forum.partner.unfollowed.title", "forum.partner.unfollowed")
}

// threadRefused is the 403 page of a post a thread does not take, saying
// why and leading back to it.
func (h *Handler) threadRefused(w http.ResponseWriter, r *http.Request, lang db.Lang, t *db.ForumThread, reason, titleKey, textKey string) error {
	cat := h.cats[lang]
	w.Header().Set("Cache-Control", "no-store")
	return h.render(w, r, http.StatusForbidden, "status", &view{
		Lang: lang, Title: cat.T(titleKey), Path: pathAfterLang(r, lang), Section: "forum",
		Data: statusData{Reason: reason, Text: cat.T(textKey), Link: forumPath(lang).thread(t.Category, t.ID), LinkText: cat.T("forum.back.thread")},
	})
}

// isLocked reports whether err says the thread is locked.
func isLocked(err error) bool { return errors.Is(err, db.ErrLocked) }
