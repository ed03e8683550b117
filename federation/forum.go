package federation

// Forum federation (FEP-1b12): each local forum category is a Group actor
// at /actors/{handle}; local threads and posts are Page and Note objects at
// /forum/threads/{id} and /forum/posts/{id}; the Group announces what it
// accepts to its followers.

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"

	"github.com/bgimigranti/hub/db"
)

// newCategoryActor creates the Group actor of a local forum category, or
// returns db.ErrNotFound when the handle is no local category's.
func (h *Handler) newCategoryActor(ctx context.Context, n *db.Actor) (*db.Actor, error) {
	c, err := h.store.ForumCategoryByHandle(ctx, n.Handle)
	if err != nil {
		return nil, err
	}
	if c.Remote {
		return nil, fmt.Errorf("federation: %s is a partner's category: %w", n.Handle, db.ErrNotFound)
	}
	n.Type = db.ActorGroup
	n.URL = h.categoryPage(c.Handle)
	if t, _, ok := c.Texts().In(db.BG); ok {
		n.Name = t.Title
	}
	return h.createLocalActor(ctx, n)
}

func (h *Handler) categoryPage(handle string) string { return h.base + "/bg/forum/" + handle }

// groupTexts fills what a category's Group document says.
func (h *Handler) groupTexts(ctx context.Context, a *db.Actor, t *actorTexts) error {
	c, err := h.store.ForumCategoryByHandle(ctx, a.Handle)
	if err != nil {
		return err
	}
	ts := c.Texts()
	primary := db.BG
	if !ts.Has(primary) && len(ts) > 0 {
		primary = ts[0].Lang
	}
	for _, tx := range orderTexts(ts, primary) {
		t.name.set(string(tx.Lang), tx.Title)
		if s := strings.TrimSpace(tx.Summary); s != "" {
			t.summary.set(string(tx.Lang), "<p>"+html.EscapeString(s)+"</p>")
		}
	}
	t.primary, t.url = string(primary), h.categoryPage(c.Handle)
	return nil
}

// threadURI and postURI are the ActivityPub ids of local threads and posts.
func (h *Handler) threadURI(id int64) string {
	return h.base + "/forum/threads/" + strconv.FormatInt(id, 10)
}
func (h *Handler) postURI(id int64) string {
	return h.base + "/forum/posts/" + strconv.FormatInt(id, 10)
}

// localForumID returns the id in a local thread or post URI, or 0.
func (h *Handler) localForumID(uri, kind string) int64 {
	rest, ok := strings.CutPrefix(uri, h.base+"/forum/"+kind+"/")
	if !ok {
		return 0
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// forumAuthorURI returns the actor id of a post's author: a local user's
// Person actor (created on first need) or the remote actor's id.
func (h *Handler) forumAuthorURI(ctx context.Context, p *db.ForumPost) (string, error) {
	if p.AuthorUserID != 0 {
		prof, err := h.store.ForumProfile(ctx, p.AuthorUserID)
		if err != nil {
			return "", err
		}
		a, err := h.UserActor(ctx, p.AuthorUserID, prof.Handle)
		if err != nil {
			return "", err
		}
		return a.URI, nil
	}
	if p.AuthorActorID != 0 {
		a, err := h.store.Actor(ctx, p.AuthorActorID)
		if err != nil {
			return "", err
		}
		return a.URI, nil
	}
	return "", fmt.Errorf("federation: post %d has no author: %w", p.ID, db.ErrNotFound)
}

// visibleThread returns a visible thread and its category's Group: a
// local thread, or (with partner) a partner's thread, whose Group is
// remote.
func (h *Handler) visibleThread(ctx context.Context, id int64, partner bool) (*db.ForumThread, *db.Actor, error) {
	t, err := h.store.ForumThread(ctx, id, 0)
	if err != nil {
		return nil, nil, err
	}
	if t.Hidden || (t.APID != "" && !partner) {
		return nil, nil, db.ErrNotFound
	}
	group, err := h.threadGroup(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	if !group.Local && !partner {
		return nil, nil, db.ErrNotFound
	}
	return t, group, nil
}

// threadGroup returns the Group of a thread's category: the local
// category's, or the partner's the hub follows.
func (h *Handler) threadGroup(ctx context.Context, t *db.ForumThread) (*db.Actor, error) {
	if !strings.Contains(t.Category, "@") {
		return h.localActor(ctx, t.Category)
	}
	c, err := h.store.ForumCategory(ctx, t.CategoryID)
	if err != nil {
		return nil, err
	}
	if c.ActorID == 0 {
		return nil, fmt.Errorf("federation: partner category %s has no Group: %w", c.Handle, db.ErrNotFound)
	}
	return h.store.Actor(ctx, c.ActorID)
}

// threadID is a thread's ActivityPub id: its own for a local thread, its
// origin's for a partner's.
func (h *Handler) threadID(t *db.ForumThread) string {
	if t.APID != "" {
		return t.APID
	}
	return h.threadURI(t.ID)
}

// forumObject builds the Page of a thread (for its opening post) or the
// Note of a reply.
func (h *Handler) forumObject(ctx context.Context, t *db.ForumThread, group *db.Actor, p *db.ForumPost) (map[string]any, error) {
	author, err := h.forumAuthorURI(ctx, p)
	if err != nil {
		return nil, err
	}
	thread := h.threadID(t)
	threadContext := thread
	if t.Context != "" {
		threadContext = t.Context
	}
	content := newLangMap()
	content.set(string(p.Lang), p.BodyHTML)
	body := p.BodyHTML
	if p.ID != t.FirstPostID {
		// Who reads a reply alone (Mastodon, GoToSocial) learns which thread
		// it answers; contentMap keeps the post alone for partner hubs.
		body += `<p>` + label(p.Lang, "Тема", "Thread") + `: <a href="` +
			html.EscapeString(h.base+"/forum/threads/"+strconv.FormatInt(t.ID, 10)) + `">` + html.EscapeString(t.Title) + `</a></p>`
	}
	obj := map[string]any{
		"attributedTo": author,
		"audience":     group.URI,
		"to":           []any{asPublic, group.URI},
		"cc":           []any{group.Followers},
		"context":      threadContext,
		"content":      body,
		"contentMap":   content,
		"mediaType":    "text/html",
		"published":    p.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"),
	}
	h.addMentionTags(ctx, p, obj)
	if !p.EditedAt.IsZero() {
		obj["updated"] = p.EditedAt.UTC().Format("2006-01-02T15:04:05Z")
	}
	if p.ID == t.FirstPostID {
		obj["id"], obj["type"], obj["name"] = thread, "Page", t.Title
		obj["url"] = h.base + "/bg/forum/threads/" + strconv.FormatInt(t.ID, 10)
		nm := newLangMap()
		nm.set(string(t.Lang), t.Title)
		obj["nameMap"] = nm
		return obj, nil
	}
	obj["id"], obj["type"] = h.postURI(p.ID), "Note"
	obj["url"] = h.base + "/bg/forum/posts/" + strconv.FormatInt(p.ID, 10)
	h.addConversation(ctx, t, p, obj)
	obj["inReplyTo"] = thread
	if p.QuoteOf != 0 && p.QuoteOf != t.FirstPostID {
		obj["inReplyTo"] = h.postURI(p.QuoteOf)
		if q, err := h.store.ForumPost(ctx, p.QuoteOf); err == nil && q.APID != "" {
			obj["inReplyTo"] = q.APID
		}
	}
	return obj, nil
}

// getForumThread serves a local thread as a Page.
func (h *Handler) getForumThread(w http.ResponseWriter, r *http.Request) error {
	if err := h.checkFetchSignature(r); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return db.ErrNotFound
	}
	ctx := r.Context()
	t, group, err := h.visibleThread(ctx, id, true)
	if err == nil && t.APID != "" {
		err = db.ErrNotFound // a partner's thread: its id is the partner's
	}
	if err != nil {
		return h.forumGone(ctx, w, h.threadURI(id), err)
	}
	p, err := h.store.ForumPost(ctx, t.FirstPostID)
	if err != nil {
		return err
	}
	return h.writeForumObject(ctx, w, t, group, p)
}

// getForumPost serves a local reply as a Note (the opening post is the
// thread's Page: redirected there).
func (h *Handler) getForumPost(w http.ResponseWriter, r *http.Request) error {
	if err := h.checkFetchSignature(r); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return db.ErrNotFound
	}
	ctx := r.Context()
	p, err := h.store.ForumPost(ctx, id)
	if err != nil {
		return err
	}
	if p.APID != "" {
		return db.ErrNotFound
	}
	t, group, err := h.visibleThread(ctx, p.ThreadID, true)
	if err != nil {
		return h.forumGone(ctx, w, h.postURI(id), err)
	}
	if p.ID == t.FirstPostID {
		http.Redirect(w, r, h.threadURI(t.ID), http.StatusMovedPermanently)
		return nil
	}
	return h.writeForumObject(ctx, w, t, group, p)
}

// forumGone answers 410 with the Tombstone of a deleted forum object, or
// returns err.
func (h *Handler) forumGone(ctx context.Context, w http.ResponseWriter, uri string, err error) error {
	if !errors.Is(err, db.ErrNotFound) {
		return err
	}
	ts, terr := h.store.TombstoneByURI(ctx, uri)
	if terr != nil {
		return err
	}
	return writeAS(w, http.StatusGone, h.tombstone(ts.URI, ts.FormerType, ts.DeletedAt, true))
}

func (h *Handler) writeForumObject(ctx context.Context, w http.ResponseWriter, t *db.ForumThread, group *db.Actor, p *db.ForumPost) error {
	if p.Hidden || p.Deleted() {
		uri := h.postURI(p.ID)
		if p.ID == t.FirstPostID {
			uri = h.threadURI(t.ID)
		}
		return h.forumGone(ctx, w, uri, db.ErrNotFound)
	}
	obj, err := h.forumObject(ctx, t, group, p)
	if err != nil {
		return err
	}
	obj["@context"] = ldContext()
	w.Header().Set("Cache-Control", "public, max-age=60")
	return writeAS(w, http.StatusOK, obj)
}

// --- Outbound --------------------------------------------------------------

// forumActivities builds what a local forum outbox event sends: for a new
// thread or reply, the author's Create (stored, served at /activities/…,
// delivered to nobody by itself) and the Group's Announce of it to the
// Group's followers (FEP-1b12); for a new thread also a plain Announce of
// the Page, which Mastodon shows as a boost. An edit of a federated post
// is the author's Update, announced the same way; deletions are
// forumDelete's. Pins, locks and moves send nothing.
func (h *Handler) forumActivities(ctx context.Context, ev *db.OutboxEvent) ([]*outgoing, error) {
	switch ev.Action {
	case db.ActionDelete:
		return h.forumDelete(ctx, ev)
	case db.ActionCreate:
		if outs, ok, err := h.forumRestore(ctx, ev); ok || err != nil {
			return outs, err
		}
	case db.ActionUpdate:
		if ev.Subject != db.OutboxForumPost {
			return h.forumThreadChanged(ctx, ev) // pin (nothing), lock, move
		}
	default:
		return nil, nil
	}
	var p *db.ForumPost
	var err error
	if ev.Subject == db.OutboxForumThread {
		t, terr := h.store.ForumThread(ctx, ev.SubjectID, 0)
		if errors.Is(terr, db.ErrNotFound) {
			return nil, nil
		}
		if terr != nil {
			return nil, terr
		}
		p, err = h.store.ForumPost(ctx, t.FirstPostID)
	} else {
		p, err = h.store.ForumPost(ctx, ev.SubjectID)
	}
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if p.AuthorUserID == 0 || p.Hidden || p.Deleted() {
		return nil, nil
	}
	t, group, err := h.visibleThread(ctx, p.ThreadID, true)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if ev.Subject == db.OutboxForumPost && p.ID == t.FirstPostID && ev.Action == db.ActionCreate {
		return nil, nil // the thread's own event sends it
	}
	h.resolveMentions(ctx, p)
	obj, err := h.forumObject(ctx, t, group, p)
	if errors.Is(err, db.ErrConflict) || errors.Is(err, db.ErrInvalid) || errors.Is(err, db.ErrNotFound) {
		// The author has no usable actor (say, their handle is taken): the
		// event must not block the queue.
		h.log.Warn("forum post not federated", "post", p.ID, "err", err)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	author, err := h.store.ActorByURI(ctx, str(obj, "attributedTo"))
	if err != nil {
		return nil, err
	}
	typ := "Create"
	if ev.Action == db.ActionUpdate {
		typ = "Update"
		if _, err := h.store.LastOutgoingActivity(ctx, str(obj, "id"), "Create", "Update"); errors.Is(err, db.ErrNotFound) {
			return nil, nil // never federated
		} else if err != nil {
			return nil, err
		}
	}
	create := map[string]any{"@context": ldContext(), "id": h.newID(), "type": typ, "actor": author.URI,
		"to": obj["to"], "cc": obj["cc"], "audience": group.URI, "published": obj["published"], "object": obj}
	objectURI := str(obj, "id")
	outs := []*outgoing{{actor: author, doc: create, typ: typ, object: objectURI, public: true,
		also: func(ctx context.Context, tx *db.Store) error { return tx.RemoveTombstone(ctx, objectURI) }}}
	// The author's activity itself goes to the accounts the post mentions.
	outs[0].inboxes = h.mentionInboxes(ctx, obj)
	if !group.Local {
		// A reply in a partner's thread goes to the partner's Group, which
		// announces it to its followers, this hub among them (FEP-1b12).
		outs[0].inboxes = union([]string{groupInbox(group)}, outs[0].inboxes)
		return outs, nil
	}
	inboxes, err := h.store.FollowerInboxes(ctx, group.ID, !h.cfg.PersonalInboxes)
	if err != nil {
		return nil, err
	}
	outs = append(outs, h.groupAnnounce(group, create, objectURI, inboxes))
	if str(obj, "type") == "Page" && typ == "Create" {
		outs = append(outs, h.groupAnnounce(group, objectURI, objectURI, inboxes))
	}
	return outs, nil
}

// forumDelete builds what the deletion of a federated forum post or
// thread sends: when its author here deleted it, the author's Delete (with
// a Tombstone), announced by the local Group or sent to the partner's;
// when a moderator hid it in a local category, the Group's own Delete
// (FEP-1b12 moderation), also for posts and threads that came from
// elsewhere. Local objects leave a Tombstone (410) at their id. A
// moderator's hide in a partner's thread stays here: the partner's
// moderators own it.
func (h *Handler) forumDelete(ctx context.Context, ev *db.OutboxEvent) ([]*outgoing, error) {
	var t *db.ForumThread
	var objectURI string
	authorDeleted, remoteObject := false, false
	if ev.Subject == db.OutboxForumThread {
		var err error
		if t, err = h.store.ForumThread(ctx, ev.SubjectID, 0); errors.Is(err, db.ErrNotFound) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		objectURI, remoteObject = h.threadID(t), t.APID != ""
	} else {
		p, err := h.store.ForumPost(ctx, ev.SubjectID)
		if errors.Is(err, db.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if t, err = h.store.ForumThread(ctx, p.ThreadID, 0); errors.Is(err, db.ErrNotFound) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		objectURI, authorDeleted, remoteObject = h.postURI(p.ID), p.Deleted() && !p.Hidden, p.APID != ""
		switch {
		case p.APID != "":
			objectURI = p.APID
		case t.FirstPostID == p.ID:
			objectURI = h.threadURI(t.ID)
		}
	}
	group, err := h.threadGroup(ctx, t)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	postID := int64(0)
	if ev.Subject == db.OutboxForumPost {
		postID = ev.SubjectID
	}
	if remoteObject {
		if !group.Local {
			return nil, nil
		}
		formerType := "Note"
		if ev.Subject == db.OutboxForumThread || objectURI == t.APID {
			formerType = "Page"
		}
		return h.groupModerationDelete(ctx, group, h.moderatorActor(ctx, t.ID, postID, db.ModHide), objectURI, formerType)
	}
	last, err := h.store.LastOutgoingActivity(ctx, objectURI, "Create", "Update")
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil // never federated
	}
	if err != nil {
		return nil, err
	}
	formerType := "Note"
	if prev := parseRaw(last.Raw); prev != nil {
		if t := typeOf(objOf(prev["object"])); t != "" {
			formerType = t
		}
	}
	author, err := h.store.Actor(ctx, last.LocalActorID)
	if err != nil {
		return nil, err
	}
	if !group.Local && !authorDeleted {
		return nil, nil
	}
	now := h.now()
	actor := group
	if authorDeleted {
		actor = author
	}
	del := map[string]any{"@context": ldContext(), "id": h.newID(), "type": "Delete", "actor": actor.URI,
		"to": []any{asPublic}, "cc": []any{group.URI, group.Followers}, "audience": group.URI,
		"published": now.UTC().Format("2006-01-02T15:04:05Z"), "object": h.tombstone(objectURI, formerType, now, false)}
	out := &outgoing{actor: actor, doc: del, typ: "Delete", object: objectURI, public: true,
		also: func(ctx context.Context, tx *db.Store) error { return tx.AddTombstone(ctx, objectURI, formerType, now) }}
	if !group.Local {
		out.inboxes = []string{groupInbox(group)}
		return []*outgoing{out}, nil
	}
	inboxes, err := h.store.FollowerInboxes(ctx, group.ID, !h.cfg.PersonalInboxes)
	if err != nil {
		return nil, err
	}
	if !authorDeleted {
		return h.moderation(group, h.moderatorActor(ctx, t.ID, postID, db.ModHide), del, "Delete", objectURI, inboxes, out.also), nil
	}
	return []*outgoing{out, h.groupAnnounce(group, del, "", inboxes)}, nil
}

// groupModerationDelete is a local Group's Delete of a post or thread that
// came from elsewhere, hidden by a moderator here (mod, when known), to
// the Group's followers.
func (h *Handler) groupModerationDelete(ctx context.Context, group, mod *db.Actor, objectURI, formerType string) ([]*outgoing, error) {
	inboxes, err := h.store.FollowerInboxes(ctx, group.ID, !h.cfg.PersonalInboxes)
	if err != nil {
		return nil, err
	}
	now := h.now()
	del := map[string]any{"@context": ldContext(), "id": h.newID(), "type": "Delete", "actor": group.URI,
		"to": []any{asPublic}, "cc": []any{group.Followers}, "audience": group.URI,
		"published": now.UTC().Format("2006-01-02T15:04:05Z"), "object": h.tombstone(objectURI, formerType, now, false)}
	return h.moderation(group, mod, del, "Delete", objectURI, inboxes, nil), nil
}

// groupAnnounce is the Group's Announce of object (an activity, as
// received, or an object id) to the given inboxes.
func (h *Handler) groupAnnounce(group *db.Actor, object any, objectURI string, inboxes []string) *outgoing {
	if m, ok := object.(map[string]any); ok {
		objectURI = str(m, "id")
	}
	doc := map[string]any{"@context": ldContext(), "id": h.newID(), "type": "Announce", "actor": group.URI,
		"to": []any{asPublic}, "cc": []any{group.Followers}, "audience": group.URI,
		"published": h.now().UTC().Format("2006-01-02T15:04:05Z"), "object": object}
	return &outgoing{actor: group, doc: doc, typ: "Announce", object: objectURI, public: true, inboxes: inboxes}
}

// --- Inbound ---------------------------------------------------------------

// errThreadLocked refuses a federated reply to a locked thread (403).
var errThreadLocked = errorf(http.StatusForbidden, "this thread is locked and takes no replies", nil)

// forumCreate handles a Create that is about the forum: a reply to a local
// thread or post, or to a remote post stored in a local thread, becomes a
// post; a Page (or Article) addressed to a local category's Group becomes
// a thread there. ok is false when the object is not about the forum.
func (h *Handler) forumCreate(ctx context.Context, act *activity, obj map[string]any, sender *db.Actor) (eff effect, ok bool, err error) {
	typ := typeOf(obj)
	if typ != "Note" && typ != "Page" && typ != "Article" {
		return nil, false, nil
	}
	threadID, quote := int64(0), int64(0) // quote: the post answered, shown quoted
	parent := idOf(obj["inReplyTo"])
	if parent != "" {
		if id := h.localForumID(parent, "threads"); id > 0 {
			threadID = id
		} else if id := h.localForumID(parent, "posts"); id > 0 {
			p, err := h.store.ForumPost(ctx, id)
			if err != nil {
				return nil, true, ignoref("reply to a forum post that is not here")
			}
			threadID, quote = p.ThreadID, p.ID
		} else if id, err := h.store.ForumThreadIDByAPID(ctx, parent); err == nil {
			threadID = id
			if o, err := h.store.ForumObjectByAPID(ctx, parent); err == nil && !o.Thread {
				quote = o.PostID
			}
		} else if !errors.Is(err, db.ErrNotFound) {
			return nil, true, err
		} else {
			return nil, false, nil
		}
	}
	var group *db.Actor
	if threadID != 0 {
		t, err := h.store.ForumThread(ctx, threadID, 0)
		if err != nil {
			return nil, true, ignoref("reply to a missing thread: %v", err)
		}
		if t.Hidden {
			return nil, true, ignoref("reply to a hidden thread")
		}
		if t.Locked {
			return nil, true, errThreadLocked
		}
		if quote == t.FirstPostID {
			quote = 0
		}
		if group, err = h.localActor(ctx, t.Category); err != nil {
			return nil, true, ignoref("thread %d has no local group: %v", t.ID, err)
		}
	} else {
		group = h.addressedGroup(ctx, obj, act.raw)
		if group == nil {
			return nil, false, nil
		}
		if typ == "Note" && noteTitle(str(obj, "content")) == "" {
			return nil, true, ignoref("a Note to a category with no text starts no thread")
		}
	}
	if at := idOf(obj["attributedTo"]); at != "" && at != sender.URI {
		return nil, true, ignoref("object attributed to %.200q, not %s", at, sender.URI)
	}
	if !isPublic(obj) {
		return nil, true, ignoref("forum object %.200q is not public", str(obj, "id"))
	}
	if err := h.checkForumRate(ctx, act, sender); err != nil {
		return nil, true, err
	}
	r, err := h.replyFrom(obj)
	if err != nil {
		return nil, true, err
	}
	lang, ok := db.ContentLang(string(r.Lang))
	if !ok {
		lang = db.Undetermined
	}
	post := &db.ForumPost{AuthorActorID: sender.ID, Lang: lang, BodyHTML: r.ContentHTML, URL: r.URL, CreatedAt: r.PublishedAt}
	post.Mentions = h.forumMentions(ctx, obj)
	inboxes, err := h.store.FollowerInboxes(ctx, group.ID, !h.cfg.PersonalInboxes)
	if err != nil {
		return nil, true, err
	}
	raw := act.raw
	if threadID != 0 {
		post.ThreadID, post.APID, post.QuoteOf = threadID, r.URI, quote
		return func(ctx context.Context, tx *db.Store) error {
			if err := tx.CreateForumPost(ctx, post); err != nil {
				return err
			}
			return h.storeOutgoing(ctx, tx, h.groupAnnounce(group, raw, "", inboxes))
		}, true, nil
	}
	c, err := h.store.ForumCategoryByHandle(ctx, group.Handle)
	if err != nil {
		return nil, true, err
	}
	title := forumTitle(obj)
	if title == "" {
		// A Mastodon post that mentions the category: its first line is
		// the title, as Lemmy does.
		title = noteTitle(str(obj, "content"))
	}
	post.APID = r.URI // the opening post shares the Page's id: its Update and Delete find it
	t := &db.ForumThread{CategoryID: c.ID, Title: title, APID: r.URI, URL: r.URL}
	if ctxID := idOf(obj["context"]); ctxID != "" && ctxID != r.URI {
		t.Context = ctxID
	}
	return func(ctx context.Context, tx *db.Store) error {
		if err := tx.CreateForumThread(ctx, t, post); err != nil {
			return err
		}
		if err := h.storeOutgoing(ctx, tx, h.groupAnnounce(group, raw, "", inboxes)); err != nil {
			return err
		}
		return h.storeOutgoing(ctx, tx, h.groupAnnounce(group, r.URI, r.URI, inboxes))
	}, true, nil
}

// forumUpdate handles the Update of a federated forum post by its author:
// the new text replaces the old (marked edited), and the Group announces
// the Update as received. ok is false when the object is no forum post.
func (h *Handler) forumUpdate(ctx context.Context, act *activity, obj map[string]any, sender *db.Actor) (eff effect, ok bool, err error) {
	id := str(obj, "id")
	threadID, err := h.store.ForumThreadIDByAPID(ctx, id)
	if errors.Is(err, db.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	t, err := h.store.ForumThread(ctx, threadID, 0)
	if err != nil {
		return nil, true, ignoref("update in a missing thread: %v", err)
	}
	if t.Locked {
		return nil, true, errThreadLocked
	}
	group, err := h.localActor(ctx, t.Category)
	if err != nil {
		return nil, true, ignoref("thread %d has no local group: %v", t.ID, err)
	}
	r, err := h.replyFrom(obj)
	if err != nil {
		return nil, true, err
	}
	lang, ok := db.ContentLang(string(r.Lang))
	if !ok {
		lang = db.Undetermined
	}
	inboxes, err := h.store.FollowerInboxes(ctx, group.ID, !h.cfg.PersonalInboxes)
	if err != nil {
		return nil, true, err
	}
	raw := act.raw
	mentions := h.forumMentions(ctx, obj)
	return func(ctx context.Context, tx *db.Store) error {
		found, err := tx.UpdateRemoteForumPost(ctx, id, sender.ID, lang, r.ContentHTML, mentions)
		if err != nil {
			return err
		}
		if !found {
			return ignoref("update of a forum post that is not the sender's, or deleted")
		}
		return h.storeOutgoing(ctx, tx, h.groupAnnounce(group, raw, "", inboxes))
	}, true, nil
}

// addressedGroup returns the local category Group an object or its
// activity is addressed to (to, cc, audience), or nil.
func (h *Handler) addressedGroup(ctx context.Context, obj, act map[string]any) *db.Actor {
	var cands []string
	for _, m := range []map[string]any{obj, act} {
		cands = append(cands, addressedTo(m)...)
		cands = append(cands, idsOf(m["audience"])...)
	}
	for _, tag := range objsOf(obj["tag"]) {
		if typeOf(tag) == "Mention" {
			cands = append(cands, idOf(tag["href"]))
		}
	}
	for _, c := range cands {
		handle := h.localHandle(c)
		if handle == "" {
			continue
		}
		a, err := h.localActor(ctx, handle)
		if err == nil && a.Type == db.ActorGroup {
			return a
		}
	}
	return nil
}
