package portal

import (
	"net/http"
	"strconv"

	"github.com/bgimigranti/hub/db"
)

// The forum's public moderation log (as Lemmy keeps one): who pinned,
// locked, moved, hid or showed which thread or post, and when. Anyone may
// read it; a hidden thread's title is not shown.

// modlogEntry is one line of the log as the page shows it.
type modlogEntry struct {
	Moderator string
	Action    string // the translated sentence
	Thread    string // the thread's title, "" when hidden or gone
	Link      string
	When      string
	WhenISO   string
}

type forumModlogData struct {
	View    string
	Entries []modlogEntry
	Pager   forumPager
}

// forumModlog serves a page of the moderation log, newest first.
func (h *Handler) forumModlog(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	page, ok := parsePage(r)
	if !ok {
		return h.badRequest(w, r, lang, "sec.bad.page")
	}
	const perPage = 50
	ctx := r.Context()
	acts, total, err := h.store.ForumModLog(ctx, perPage, (page-1)*perPage)
	if err != nil {
		return err
	}
	pages := max(1, (total+perPage-1)/perPage)
	if page > pages {
		return db.ErrNotFound
	}
	f := h.forumFmt(lang)
	cat := h.cats[lang]
	d := &forumModlogData{View: "modlog", Pager: newForumPager(f.path.index()+"/modlog", page, pages)}
	cats, err := h.store.ForumCategories(ctx) // to name moves' targets
	if err != nil {
		return err
	}
	names := make(map[string]string, len(cats))
	for _, c := range cats {
		names[c.Handle] = pick(c.Texts(), lang).Title
	}
	for _, a := range acts {
		e := modlogEntry{Moderator: a.Moderator}
		if e.Moderator == "" {
			e.Moderator = cat.T("forum.modlog.gone")
		}
		key := "forum.modlog." + a.Action
		if a.PostID != 0 {
			key += ".post"
		}
		if a.Action == db.ModMove {
			name := a.Detail // the target category's handle, named in the page's language
			if n, ok := names[a.Detail]; ok {
				name = n
			}
			e.Action = cat.T(key, name)
		} else {
			e.Action = cat.T(key)
		}
		if a.ThreadID != 0 && !a.ThreadHidden && a.ThreadTitle != "" {
			e.Thread, e.Link = a.ThreadTitle, f.path.thread(a.Category, a.ThreadID)
			if a.PostID != 0 {
				e.Link = "/forum/posts/" + strconv.FormatInt(a.PostID, 10)
			}
		}
		e.When, e.WhenISO = f.when(a.CreatedAt)
		d.Entries = append(d.Entries, e)
	}
	return h.renderForum(w, r, lang, http.StatusOK, cat.T("forum.modlog.title"), "/forum/modlog", d)
}
