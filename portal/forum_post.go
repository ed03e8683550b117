package portal

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/markup"
)

// What members do in the forum: open threads, reply and quote, edit and
// delete their own posts, follow threads and report posts.

// The posting limit of new members: accounts younger than newMemberAge may
// write at most newMemberPosts posts in any newMemberWindow. Editors and
// admins, whose accounts an admin made, are not limited.
const (
	newMemberAge    = 24 * time.Hour
	newMemberPosts  = 5
	newMemberWindow = 10 * time.Minute
)

// isNewMember reports whether u is a member whose posting is limited at
// now.
func isNewMember(u *db.User, now time.Time) bool {
	return u.Role == db.RoleMember && now.Sub(u.CreatedAt) < newMemberAge
}

// postingLimited reports whether u has used up the posts a new member may
// write for now.
func (h *Handler) postingLimited(ctx context.Context, u *db.User) (bool, error) {
	now := time.Now()
	if !isNewMember(u, now) {
		return false, nil
	}
	n, err := h.store.CountForumPostsSince(ctx, u.ID, now.Add(-newMemberWindow))
	return n >= newMemberPosts, err
}

// tooManyPosts answers 429 with a page that explains the limit for new
// members.
func (h *Handler) tooManyPosts(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	cat := h.cats[lang]
	w.Header().Set("Retry-After", strconv.Itoa(int(newMemberWindow.Seconds())))
	w.Header().Set("Cache-Control", "no-store")
	back := sameSiteReferer(r)
	if back == "" {
		back = forumPath(lang).index()
	}
	return h.render(w, r, http.StatusTooManyRequests, "status", &view{
		Lang: lang, Title: cat.T("forum.limit.title"), Path: pathAfterLang(r, lang), Section: "forum",
		Data: statusData{Reason: "toomany", Text: cat.T("forum.limit.text", newMemberPosts, int(newMemberWindow.Minutes())), Link: back, LinkText: cat.T("acc.status.back")},
	})
}

// forumForm is every form of the forum: a new thread, a reply, an edit, a
// report or sharing an item.
type forumForm struct {
	*form
	View       string // always "form"; forum.html picks the view by it
	Kind       string // new, reply, edit, report or share
	Action     string
	Cancel     string
	AskTitle   bool
	Categories []categoryOption
	Thread     *threadView
	Post       *postView // the post quoted, edited or reported
	Preview    template.HTML
	HasPreview bool
	MaxPost    int
	MaxTitle   int
	MaxReason  int
	// Sharing an item.
	ItemID    int64
	ItemTitle localText
	ItemPath  string
	ItemLangs []langView
	Existing  string // the thread the item is already shared in
}

// newPostForm returns an empty post form with the page's language chosen.
func (h *Handler) newPostForm(lang db.Lang, u *db.User) *forumForm {
	f := &forumForm{form: newForm(h.cats[lang]), View: "form", Kind: "reply", MaxPost: db.MaxPostLen, MaxTitle: db.MaxThreadTitleLen, MaxReason: db.MaxReportReasonLen}
	f.Values["lang"] = string(lang)
	return f
}

// setLang prefills the language fields with l.
func (f *forumForm) setLang(l db.Lang) {
	switch {
	case l == db.BG || l == db.EN:
		f.Values["lang"] = string(l)
	case l == "und":
		f.Values["lang"] = "other"
	default:
		f.Values["lang"], f.Values["lang_other"] = "other", string(l)
	}
}

// readLang reads the language of a post from the form: bg, en, or another
// language given by its tag ("und" when not given).
func (f *forumForm) readLang() db.Lang {
	switch v := f.Get("lang"); v {
	case "bg", "en":
		return db.Lang(v)
	case "other":
		raw := strings.TrimSpace(f.Get("lang_other"))
		if raw == "" {
			return db.Undetermined
		}
		tag, ok := db.ContentLang(raw)
		if !ok {
			f.Fail("lang_other", "forum.lang.invalid")
			return db.Lang(strings.ToLower(raw))
		}
		return tag
	default:
		f.Fail("lang", "form.invalid")
		return ""
	}
}

// readBody checks the Markdown body of a post form.
func (f *forumForm) readBody() {
	f.require("body")
	f.maxLen("body", db.MaxPostLen)
}

// renderForm shows a forum form.
func (h *Handler) renderForm(w http.ResponseWriter, r *http.Request, lang db.Lang, code int, title string, f *forumForm) error {
	w.Header().Set("Cache-Control", "no-store")
	return h.render(w, r, code, "forum", &view{Lang: lang, Title: title, Path: pathAfterLang(r, lang) + queryOf(r), Section: "forum", Data: f})
}

// queryOf is the request's query with its "?", or "".
func queryOf(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return ""
	}
	return "?" + r.URL.RawQuery
}

// wantsPreview reports whether the form was sent with its Preview button.
func wantsPreview(r *http.Request) bool { return r.PostForm.Get("preview") != "" }

// preview renders the body of f for the Preview button; nothing is stored.
// A body with an error (too long, too complex) has no preview.
func (h *Handler) preview(ctx context.Context, f *forumForm) error {
	html, _, err := h.renderBody(ctx, f)
	if err != nil {
		return err
	}
	f.Preview, f.HasPreview = template.HTML(html), f.Err("body") == "" // sanitised by markup
	return nil
}

// renderBody renders the body of a post form with renderPost, unless the
// body has an error already (too long): an over-long body costs nothing
// but its message. Markdown the renderer refuses becomes the body's error.
func (h *Handler) renderBody(ctx context.Context, f *forumForm) (string, []int64, error) {
	if f.Err("body") != "" {
		return "", nil, nil
	}
	html, mentions, err := h.renderPost(ctx, f.Get("body"))
	if errors.Is(err, markup.ErrTooComplex) || errors.Is(err, markup.ErrTooLarge) {
		f.Fail("body", "form.markdown.complex")
		return "", nil, nil
	}
	return html, mentions, err
}

// takePost reads a submitted post form's text and language. When the
// member asked for a preview, the form has errors, or they are posting too
// fast, it answers (the form again, or the rate limit's page) and done is
// true. Otherwise it returns the member's post, rendered and sanitised,
// for the caller to place and store.
func (h *Handler) takePost(w http.ResponseWriter, r *http.Request, lang db.Lang, title string, f *forumForm) (p *db.ForumPost, done bool, err error) {
	ctx := r.Context()
	u := currentUser(r)
	if h.mailOn && !u.EmailConfirmed() {
		return nil, true, h.unconfirmed(w, r, lang)
	}
	f.readBody()
	postLang := f.readLang()
	if wantsPreview(r) || !f.OK() {
		if err := h.preview(ctx, f); err != nil {
			return nil, true, err
		}
		code := http.StatusOK
		if !f.OK() {
			code = http.StatusUnprocessableEntity
		}
		return nil, true, h.renderForm(w, r, lang, code, title, f)
	}
	if limited, err := h.postingLimited(ctx, u); err != nil || limited {
		if err != nil {
			return nil, true, err
		}
		return nil, true, h.tooManyPosts(w, r, lang)
	}
	html, mentions, err := h.renderBody(ctx, f)
	if err != nil {
		return nil, true, err
	}
	if !f.OK() {
		return nil, true, h.renderForm(w, r, lang, http.StatusUnprocessableEntity, title, f)
	}
	return &db.ForumPost{AuthorUserID: u.ID, Lang: postLang, BodyMD: f.Get("body"), BodyHTML: html, Mentions: mentions}, false, nil
}

// forumNewThread shows and takes the form for a new thread in a category.
func (h *Handler) forumNewThread(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	u := currentUser(r)
	cat := h.cats[lang]
	f := h.newPostForm(lang, u)
	f.Kind, f.AskTitle, f.Action, f.Cancel = "new", true, forumPath(lang).index()+"/new", forumPath(lang).index()
	title := cat.T("forum.new.title")
	if r.Method == http.MethodGet {
		f.Values["category"] = r.URL.Query().Get("category")
		if c := f.Values["category"]; c != "" {
			f.Cancel = forumPath(lang).category(c)
		}
		var err error
		if f.Categories, err = h.categoryOptions(ctx, lang, f.Get("category"), true); err != nil {
			return err
		}
		return h.renderForm(w, r, lang, http.StatusOK, title, f)
	}
	f.form = formFrom(r, cat, "category", "title", "body", "lang", "lang_other")
	var err error
	if f.Categories, err = h.categoryOptions(ctx, lang, f.Get("category"), true); err != nil {
		return err
	}
	var c *db.ForumCategory
	if f.Get("category") == "" {
		f.Fail("category", "forum.category.choose")
	} else if c, err = h.store.ForumCategoryByHandle(ctx, f.Get("category")); errors.Is(err, db.ErrNotFound) || (err == nil && !openable(c)) {
		f.Fail("category", "forum.category.choose")
	} else if err != nil {
		return err
	}
	f.require("title")
	f.maxLen("title", db.MaxThreadTitleLen)
	p, done, err := h.takePost(w, r, lang, title, f)
	if done || err != nil {
		return err
	}
	t := &db.ForumThread{CategoryID: c.ID, Title: f.Get("title")}
	if err := h.store.CreateForumThread(ctx, t, p); errors.Is(err, db.ErrInvalid) {
		f.Fail("body", "forum.invalid")
		return h.renderForm(w, r, lang, http.StatusUnprocessableEntity, title, f)
	} else if err != nil {
		return err
	}
	if err := h.store.FollowThread(ctx, u.ID, t.ID); err != nil {
		return err
	}
	h.flash(ctx, "forum.thread.created")
	http.Redirect(w, r, forumPath(lang).thread(c.Handle, t.ID), http.StatusSeeOther)
	return nil
}

// forumReply shows and takes the reply form of a thread, quoting a post
// when ?quote= (or the form's quote field) names one of the thread's.
func (h *Handler) forumReply(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	u := currentUser(r)
	t, err := h.loadThreadParam(r, "id")
	if err != nil {
		return err
	}
	if done, err := h.refuseClosed(w, r, lang, t); done || err != nil {
		return err
	}
	fp := h.forumFmt(lang)
	f := h.newPostForm(lang, u)
	tv := fp.thread(t)
	f.Thread, f.Action, f.Cancel = &tv, fp.path.threadAction(t.ID, "reply"), tv.Path
	title := h.cats[lang].T("forum.reply.title", t.Title)
	quote := r.URL.Query().Get("quote")
	if r.Method == http.MethodPost {
		f.form = formFrom(r, h.cats[lang], "body", "lang", "lang_other", "quote")
		quote = f.Get("quote")
	}
	var quoteID int64
	if quote != "" {
		id, err := strconv.ParseInt(quote, 10, 64)
		if err != nil {
			return h.badRequest(w, r, lang, "forum.quote.bad")
		}
		q, err := h.store.ForumPost(ctx, id)
		if errors.Is(err, db.ErrNotFound) || (err == nil && (q.ThreadID != t.ID || q.Hidden || q.Deleted())) {
			return h.badRequest(w, r, lang, "forum.quote.bad")
		}
		if err != nil {
			return err
		}
		pv := fp.post(q, nil)
		f.Post, quoteID = &pv, q.ID
		f.Values["quote"] = strconv.FormatInt(q.ID, 10)
	}
	if r.Method == http.MethodGet {
		return h.renderForm(w, r, lang, http.StatusOK, title, f)
	}
	p, done, err := h.takePost(w, r, lang, title, f)
	if done || err != nil {
		return err
	}
	p.ThreadID, p.QuoteOf = t.ID, quoteID
	switch err := h.store.CreateForumPost(ctx, p); {
	case isLocked(err):
		return h.lockedThread(w, r, lang, t)
	case errors.Is(err, db.ErrInvalid):
		f.Fail("body", "forum.invalid")
		return h.renderForm(w, r, lang, http.StatusUnprocessableEntity, title, f)
	case err != nil:
		return err
	}
	if err := h.store.FollowThread(ctx, u.ID, t.ID); err != nil {
		return err
	}
	if err := h.store.MarkThreadRead(ctx, u.ID, t.ID, p.ID); err != nil {
		return err
	}
	p.Thread.Category = t.Category
	loc, err := h.postLocation(ctx, lang, p, u)
	if err != nil {
		return err
	}
	http.Redirect(w, r, loc, http.StatusSeeOther)
	return nil
}

// forumEdit shows and takes the form that edits a member's own post; the
// opening post's form also renames the thread.
func (h *Handler) forumEdit(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	u := currentUser(r)
	p, err := h.loadPost(r)
	if err != nil {
		return err
	}
	if p.AuthorUserID != u.ID || p.Deleted() || p.Hidden {
		return h.forbidden(w, r, lang)
	}
	t, err := h.store.ForumThread(ctx, p.ThreadID, u.ID)
	if err != nil {
		return err
	}
	if done, err := h.refuseClosed(w, r, lang, t); done || err != nil {
		return err
	}
	fp := h.forumFmt(lang)
	f := h.newPostForm(lang, u)
	tv := fp.thread(t)
	f.Kind, f.Thread, f.Action = "edit", &tv, fp.path.postAction(p.ID, "edit")
	f.AskTitle = p.ID == t.FirstPostID
	f.Cancel, err = h.postLocation(ctx, lang, p, u)
	if err != nil {
		return err
	}
	title := h.cats[lang].T("forum.edit.title")
	if r.Method == http.MethodGet {
		f.Values["body"] = p.BodyMD
		f.Values["title"] = t.Title
		f.setLang(p.Lang)
		return h.renderForm(w, r, lang, http.StatusOK, title, f)
	}
	f.form = formFrom(r, h.cats[lang], "title", "body", "lang", "lang_other")
	if f.AskTitle {
		f.require("title")
		f.maxLen("title", db.MaxThreadTitleLen)
	}
	f.readBody()
	postLang := f.readLang()
	if wantsPreview(r) || !f.OK() {
		if err := h.preview(ctx, f); err != nil {
			return err
		}
		code := http.StatusOK
		if !f.OK() {
			code = http.StatusUnprocessableEntity
		}
		return h.renderForm(w, r, lang, code, title, f)
	}
	html, mentions, err := h.renderBody(ctx, f)
	if err != nil {
		return err
	}
	if !f.OK() {
		return h.renderForm(w, r, lang, http.StatusUnprocessableEntity, title, f)
	}
	e := db.ForumPostEdit{ID: p.ID, Lang: postLang, BodyMD: f.Get("body"), BodyHTML: html, Mentions: mentions}
	if f.AskTitle {
		e.Title = f.Get("title")
	}
	switch err := h.store.EditForumPost(ctx, e); {
	case isLocked(err):
		return h.lockedThread(w, r, lang, t)
	case errors.Is(err, db.ErrInvalid):
		f.Fail("body", "forum.invalid")
		return h.renderForm(w, r, lang, http.StatusUnprocessableEntity, title, f)
	case err != nil:
		return err
	}
	h.flash(ctx, "forum.edit.done")
	http.Redirect(w, r, f.Cancel, http.StatusSeeOther)
	return nil
}

// forumDelete deletes a member's own post; a marker stays in its place.
func (h *Handler) forumDelete(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	u := currentUser(r)
	p, err := h.loadPost(r)
	if err != nil {
		return err
	}
	if p.AuthorUserID != u.ID {
		return h.forbidden(w, r, lang)
	}
	if err := h.store.DeleteForumPost(ctx, p.ID); err != nil {
		return err
	}
	loc, err := h.postLocation(ctx, lang, p, u)
	if err != nil {
		return err
	}
	h.flash(ctx, "forum.delete.done")
	http.Redirect(w, r, loc, http.StatusSeeOther)
	return nil
}

// forumReport shows and takes the form that reports a post to the
// moderators.
func (h *Handler) forumReport(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	u := currentUser(r)
	p, err := h.loadPost(r)
	if err != nil {
		return err
	}
	if p.AuthorUserID == u.ID || p.Deleted() {
		return h.forbidden(w, r, lang)
	}
	fp := h.forumFmt(lang)
	f := h.newPostForm(lang, u)
	pv := fp.post(p, nil)
	f.Kind, f.Post, f.Action = "report", &pv, fp.path.postAction(p.ID, "report")
	if f.Cancel, err = h.postLocation(ctx, lang, p, u); err != nil {
		return err
	}
	title := h.cats[lang].T("forum.report.title")
	if r.Method == http.MethodGet {
		return h.renderForm(w, r, lang, http.StatusOK, title, f)
	}
	f.form = formFrom(r, h.cats[lang], "reason")
	f.require("reason")
	f.maxLen("reason", db.MaxReportReasonLen)
	if !f.OK() {
		return h.renderForm(w, r, lang, http.StatusUnprocessableEntity, title, f)
	}
	if err := h.store.CreateForumReport(ctx, &db.ForumReport{PostID: p.ID, ReporterUserID: u.ID, Reason: f.Get("reason")}); err != nil {
		return err
	}
	h.flash(ctx, "forum.report.done")
	http.Redirect(w, r, f.Cancel, http.StatusSeeOther)
	return nil
}

// forumFollow follows or stops following a thread (follow=1 or 0).
func (h *Handler) forumFollow(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	u := currentUser(r)
	t, err := h.loadThreadParam(r, "id")
	if err != nil {
		return err
	}
	if r.PostForm.Get("follow") == "1" {
		err = h.store.FollowThread(ctx, u.ID, t.ID)
		h.flash(ctx, "forum.follow.done")
	} else {
		err = h.store.UnfollowThread(ctx, u.ID, t.ID)
		h.flash(ctx, "forum.unfollow.done")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, forumPath(lang).thread(t.Category, t.ID), http.StatusSeeOther)
	return nil
}

// forumUnread sends a follower to the first post they have not read, or
// to the end of the thread.
func (h *Handler) forumUnread(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	u := currentUser(r)
	t, err := h.loadThreadParam(r, "id")
	if err != nil {
		return err
	}
	target := forumPath(lang).thread(t.Category, t.ID)
	if t.Followed {
		id, err := h.store.FirstForumPostAfter(ctx, t.ID, t.LastRead, canModerate(u))
		switch {
		case errors.Is(err, db.ErrNotFound):
			if t.LastPostID != 0 {
				target = forumPath(lang).post(t.LastPostID)
			}
		case err != nil:
			return err
		default:
			p, err := h.store.ForumPost(ctx, id)
			if err != nil {
				return err
			}
			if target, err = h.postLocation(ctx, lang, p, u); err != nil {
				return err
			}
		}
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// forumMentionsData is a member's page of what is new for them: followed
// threads and the posts that mention them.
type forumMentionsData struct {
	View     string
	Threads  []threadView
	Mentions []postView
}

// forumMentions shows the threads a member follows, those with new posts
// first, and the latest posts that mention them.
func (h *Handler) forumMentions(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	u := currentUser(r)
	ts, err := h.store.ForumThreads(ctx, db.ThreadQuery{Viewer: u.ID, FollowedOnly: true, Limit: 100})
	if err != nil {
		return err
	}
	ps, err := h.store.MemberPosts(ctx, db.MemberPostQuery{UserID: u.ID, Mentioning: true, Limit: 30})
	if err != nil {
		return err
	}
	f := h.forumFmt(lang)
	d := &forumMentionsData{View: "mentions"}
	var read []threadView
	for _, t := range ts {
		if v := f.thread(t); v.New {
			d.Threads = append(d.Threads, v)
		} else {
			read = append(read, v)
		}
	}
	d.Threads = append(d.Threads, read...)
	for _, p := range ps {
		d.Mentions = append(d.Mentions, f.post(p, u))
	}
	// Marked before rendering, so that this page's header already counts
	// the mentions as seen.
	if err := h.store.MarkForumNoticesSeen(ctx, u.ID); err != nil {
		return err
	}
	return h.renderForum(w, r, lang, http.StatusOK, h.cats[lang].T("forum.mentions.title"), "/forum/mentions", d)
}

// mentionPattern finds @handle and @handle@host in text. The first group
// is the character before the "@" (Go's regexp has no look-behind), so that
// e-mail addresses and paths are not taken for mentions. host takes every
// form a WebFinger address has (the authority of its URL): a domain name,
// an IPv4 address, an IPv6 address in brackets, or one label (localhost),
// each with a port, which the one label needs.
var mentionPattern = regexp.MustCompile(`(?i)(^|[^\p{L}\p{N}_@/.+-])@([a-z0-9][a-z0-9_-]{0,62})(?:@(` +
	`(?:[a-z0-9][a-z0-9.-]*\.[a-z]{2,63}|[0-9]{1,3}(?:\.[0-9]{1,3}){3}|\[[0-9a-f:.]*:[0-9a-f:.]*\])(?::[0-9]{1,5})?` +
	`|[a-z0-9][a-z0-9-]{0,62}:[0-9]{1,5}))?`)

// rewriteMentions calls link for every mention in the text of sanitised
// HTML outside links, code and preformatted blocks, and wraps the mention
// in a link to the address it returns ("" leaves it as it is). Handles and
// hosts are lower-cased. Sanitised HTML escapes "<" and ">" in text and
// attribute values, so a tag ends at the first ">".
func rewriteMentions(h string, link func(handle, host string) string) string {
	var b strings.Builder
	skip := 0 // depth inside <a>, <code> and <pre>
	for h != "" {
		i := strings.IndexByte(h, '<')
		text := h
		if i >= 0 {
			text = h[:i]
		}
		if skip == 0 {
			b.WriteString(linkText(text, link))
		} else {
			b.WriteString(text)
		}
		if i < 0 {
			break
		}
		h = h[i:]
		j := strings.IndexByte(h, '>')
		if j < 0 {
			b.WriteString(h)
			break
		}
		tag := h[:j+1]
		b.WriteString(tag)
		h = h[j+1:]
		name := strings.ToLower(strings.TrimLeft(tag[1:len(tag)-1], "/"))
		if k := strings.IndexAny(name, " \t\n/"); k >= 0 {
			name = name[:k]
		}
		if name == "a" || name == "code" || name == "pre" {
			if strings.HasPrefix(tag, "</") {
				skip = max(skip-1, 0)
			} else if !strings.HasSuffix(tag, "/>") {
				skip++
			}
		}
	}
	return b.String()
}

func linkText(text string, link func(handle, host string) string) string {
	ms := mentionPattern.FindAllStringSubmatchIndex(text, -1)
	if ms == nil {
		return text
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		at := m[3] // the end of the character before "@"
		handle := strings.ToLower(text[m[4]:m[5]])
		host := ""
		if m[6] >= 0 {
			host = strings.ToLower(text[m[6]:m[7]])
		}
		href := link(handle, host)
		if href == "" {
			continue
		}
		b.WriteString(text[last:at])
		rel := ""
		if strings.HasPrefix(href, "http") {
			rel = ` rel="nofollow noopener"`
		}
		b.WriteString(`<a href="` + template.HTMLEscapeString(href) + `" class="mention"` + rel + `>` + template.HTMLEscapeString(text[at:m[1]]) + `</a>`)
		last = m[1]
	}
	b.WriteString(text[last:])
	return b.String()
}

// renderPost renders a post's Markdown to sanitised HTML with its mentions
// linked: members of this hub to their profile (through the language-
// neutral /forum/users/HANDLE), remote accounts to their page when the hub
// knows them and to https://HOST/@HANDLE otherwise. It returns the ids of
// the members mentioned, at most db.MaxMentions.
func (h *Handler) renderPost(ctx context.Context, md string) (string, []int64, error) {
	out, err := h.acc.md.RenderContext(ctx, md)
	if err != nil {
		return "", nil, err
	}
	self := ""
	if u, err := url.Parse(h.baseURL); err == nil {
		self = strings.ToLower(u.Host)
	}
	var locals, remotes []string
	seen := map[string]bool{}
	rewriteMentions(out, func(handle, host string) string {
		if host == self {
			host = ""
		}
		key := handle + "@" + host
		if seen[key] || len(seen) >= db.MaxMentions {
			return ""
		}
		seen[key] = true
		if host == "" {
			locals = append(locals, handle)
		} else {
			remotes = append(remotes, key)
		}
		return ""
	})
	if len(seen) == 0 {
		return out, nil, nil
	}
	profiles, err := h.store.ForumProfilesByHandle(ctx, locals)
	if err != nil {
		return "", nil, err
	}
	actors, err := h.store.RemoteActorsByAcct(ctx, remotes)
	if err != nil {
		return "", nil, err
	}
	var ids []int64
	counted := map[int64]bool{}
	out = rewriteMentions(out, func(handle, host string) string {
		if host == self {
			host = ""
		}
		if !seen[handle+"@"+host] {
			return ""
		}
		if host == "" {
			p := profiles[handle]
			if p == nil {
				return ""
			}
			if !counted[p.UserID] {
				counted[p.UserID] = true
				ids = append(ids, p.UserID)
			}
			return "/forum/users/" + handle
		}
		if a := actors[handle+"@"+host]; a != nil {
			if u := safeURL(a.URL); u != "" {
				return u
			}
			if u := safeURL(a.URI); u != "" {
				return u
			}
		}
		// Not known here yet: the hub's own address for the account, which
		// sends the reader to its page once federation has found it (the
		// post is looked up by WebFinger when it is sent).
		return "/forum/users/" + handle + "@" + host
	})
	return out, ids, nil
}
