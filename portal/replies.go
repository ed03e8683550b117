package portal

import (
	"net/http"
	"strconv"

	"github.com/bgimigranti/hub/db"
)

// replyView is one fediverse reply under an item.
type replyView struct {
	ID       int64
	Author   string // display name, or the handle when there is none
	Profile  string // the author's profile page
	Handle   string // @user@host
	Time     string
	TimeISO  string
	HTML     string // sanitised when stored
	Lang     db.Lang
	LangName string
	Hidden   bool
}

// replies returns the replies shown under an item: the visible ones, and
// for admins the hidden ones too.
func (h *Handler) replies(r *http.Request, lang db.Lang, itemID int64) ([]replyView, error) {
	u := currentUser(r)
	admin := u != nil && u.Role == db.RoleAdmin
	rs, err := h.store.Replies(r.Context(), itemID, admin)
	if err != nil {
		return nil, err
	}
	cat := h.cats[lang]
	out := make([]replyView, 0, len(rs))
	for _, rp := range rs {
		v := replyView{ID: rp.ID, HTML: rp.ContentHTML, Lang: rp.Lang, Hidden: rp.Hidden,
			Time: stamp(cat, rp.PublishedAt), TimeISO: rp.PublishedAt.UTC().Format("2006-01-02T15:04:05Z")}
		if a := rp.Actor; a != nil {
			v.Author, v.Handle = a.Name, actorHandle(a)
			if v.Profile = safeURL(a.URL); v.Profile == "" {
				v.Profile = safeURL(a.URI)
			}
		}
		if v.Author == "" {
			v.Author = v.Handle
		}
		if rp.Lang != "" {
			if n, ok := cat["lang.name."+string(rp.Lang)]; ok && n != "" {
				v.LangName = n
			} else {
				v.LangName = string(rp.Lang)
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// replyHidden hides a reply from view or shows it again, and goes back to
// the page the admin came from.
func (h *Handler) replyHidden(hidden bool) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if err := h.store.SetReplyHidden(r.Context(), id, hidden); err != nil {
			return err
		}
		back := safeLocal(r.PostForm.Get("back"))
		if back == "" {
			back = "/" + string(lang) + "/admin/federation"
		}
		http.Redirect(w, r, back+"#reply-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return nil
	}
}
