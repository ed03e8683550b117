package feeds

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/bgimigranti/hub/db"
)

// The forum's feeds: a category's new threads and a thread's new posts, in
// each interface language. Hidden threads and hidden or deleted posts are
// never in them; a hidden thread has no feed.

// forumCategoryFile serves /{lang}/feeds/forum/{category}.{ext}.
func (h *Handler) forumCategoryFile(w http.ResponseWriter, r *http.Request) error {
	lang, err := langOf(r)
	if err != nil {
		return err
	}
	handle, ext, ok := splitFile(r.PathValue("file"))
	if !ok || !validForumHandle(handle) {
		return errNotFound
	}
	f, ok := itemFormat(ext)
	if !ok {
		return errNotFound
	}
	return h.serve(w, r, target{kind: forumCategoryFeed, lang: lang, format: f, handle: strings.ToLower(handle)})
}

// forumThreadFile serves /{lang}/feeds/forum/threads/{id}.{ext}.
func (h *Handler) forumThreadFile(w http.ResponseWriter, r *http.Request) error {
	lang, err := langOf(r)
	if err != nil {
		return err
	}
	name, ext, ok := splitFile(r.PathValue("file"))
	if !ok || name[0] < '1' || name[0] > '9' {
		return errNotFound
	}
	id, err := strconv.ParseInt(name, 10, 64)
	if err != nil {
		return errNotFound
	}
	f, ok := itemFormat(ext)
	if !ok {
		return errNotFound
	}
	return h.serve(w, r, target{kind: forumThreadFeed, lang: lang, format: f, id: id})
}

// validForumHandle reports whether s can be a category's handle: a local
// one, or a partner's name@host (with the host's port, if it has one).
func validForumHandle(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == '@', c == ':':
		default:
			return false
		}
	}
	return true
}

// forumFeed builds the feed of a category's new threads or of a thread's
// new posts in the target's language.
func (h *Handler) forumFeed(ctx context.Context, t target) (*Feed, error) {
	lang := t.lang
	m := msgs(lang)
	site := h.names[lang]
	f := &Feed{
		Lang:      string(lang),
		SelfURL:   h.base + t.path(),
		Generator: generator,
		Author:    h.siteAuthor(lang),
	}
	switch t.kind {
	case forumCategoryFeed:
		c, err := h.store.ForumCategoryByHandle(ctx, t.handle)
		if err != nil {
			return nil, err
		}
		text, _, _ := c.Texts().In(lang)
		name := text.Title
		if name == "" {
			name = c.Handle
		}
		f.HTMLURL = h.base + forumCategoryPath(lang, c.Handle)
		f.Title = fmt.Sprintf(m.forumCategory, name) + " — " + site
		f.Subtitle = text.Summary
		if f.Subtitle == "" {
			f.Subtitle = m.tagline
		}
		threads, err := h.store.NewestForumThreads(ctx, c.ID, feedSize)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, 0, len(threads))
		for _, th := range threads {
			ids = append(ids, th.FirstPostID)
		}
		firsts, err := h.store.ForumPostsByID(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, th := range threads {
			f.Entries = append(f.Entries, h.threadEntry(th, firsts[th.FirstPostID], name, lang))
		}
		if c.UpdatedAt.After(f.Updated) {
			f.Updated = c.UpdatedAt
		}
	case forumThreadFeed:
		th, err := h.store.ForumThread(ctx, t.id, 0)
		if err != nil {
			return nil, err
		}
		if th.Hidden {
			return nil, errNotFound
		}
		f.HTMLURL = h.base + forumThreadPath(lang, th.Category, th.ID)
		f.Title = fmt.Sprintf(m.forumThread, th.Title) + " — " + site
		f.Subtitle = m.tagline
		posts, err := h.store.NewestForumPosts(ctx, th.ID, feedSize)
		if err != nil {
			return nil, err
		}
		for _, p := range posts {
			f.Entries = append(f.Entries, h.postEntry(p, lang))
		}
	default:
		return nil, errNotFound
	}
	f.ID = f.HTMLURL
	for i := range f.Entries {
		if u := f.Entries[i].updated(); u.After(f.Updated) {
			f.Updated = u
		}
	}
	if f.Updated.IsZero() {
		f.Updated = h.started
	}
	return f, nil
}

func forumCategoryPath(lang db.Lang, handle string) string {
	return "/" + string(lang) + "/forum/" + handle
}

func forumThreadPath(lang db.Lang, category string, id int64) string {
	return forumCategoryPath(lang, category) + "/" + strconv.FormatInt(id, 10)
}

// threadEntry is a thread as an entry of its category's feed: its title,
// and its opening post (first, nil when that is hidden or deleted) as
// content.
func (h *Handler) threadEntry(th *db.ForumThread, first *db.ForumPost, category string, lang db.Lang) Entry {
	e := Entry{
		ID:        h.forumID(th.APID, "/forum/threads/", th.ID),
		URL:       h.base + forumThreadPath(lang, th.Category, th.ID),
		Title:     th.Title,
		Lang:      string(th.Lang),
		Published: th.CreatedAt,
		Authors:   []Person{h.forumAuthor(th.Author, lang)},
		Categories: []Category{{
			Term:   th.Category,
			Label:  category,
			Scheme: h.base + "/" + string(lang) + "/forum/",
		}},
	}
	if th.URL != "" {
		e.Source = &Source{Title: hostOf(th.URL), URL: th.URL}
	}
	if first != nil {
		e.ContentHTML = first.BodyHTML
		e.Lang = string(first.Lang)
		if first.Edited() {
			e.Updated = first.EditedAt
		}
	}
	return e
}

// postEntry is a post as an entry of its thread's feed.
func (h *Handler) postEntry(p *db.ForumPost, lang db.Lang) Entry {
	a := h.forumAuthor(p.Author, lang)
	e := Entry{
		ID:          h.forumID(p.APID, "/forum/posts/", p.ID),
		URL:         h.base + db.ForumPostPath(lang, p.ID),
		Title:       fmt.Sprintf(msgs(lang).forumPost, a.Name, p.Thread.Title),
		ContentHTML: p.BodyHTML,
		Lang:        string(p.Lang),
		Published:   p.CreatedAt,
		Authors:     []Person{a},
	}
	if p.Edited() {
		e.Updated = p.EditedAt
	}
	if p.URL != "" {
		e.Source = &Source{Title: hostOf(p.URL), URL: p.URL}
	}
	return e
}

// forumID is the canonical id of a thread or post: its ActivityPub id when
// it came by federation, else its language-neutral link on the hub.
func (h *Handler) forumID(apID, prefix string, id int64) string {
	if apID != "" {
		return apID
	}
	return h.base + prefix + strconv.FormatInt(id, 10)
}

// forumAuthor is a forum author as a feed's person: a member with their
// page on the hub, a remote actor with theirs.
func (h *Handler) forumAuthor(a db.ForumAuthor, lang db.Lang) Person {
	m := msgs(lang)
	switch {
	case a.Remote():
		name := a.Name
		if name == "" {
			name = a.Handle
		}
		if a.Host != "" {
			name += " (@" + a.Handle + "@" + a.Host + ")"
		}
		return Person{Name: name, URI: a.URL}
	case a.Gone() || a.Handle == "":
		return Person{Name: m.forumGone}
	}
	name := a.Name
	if name == "" {
		name = a.Handle
	}
	return Person{Name: name, URI: h.base + "/" + string(lang) + "/forum/users/" + a.Handle}
}
