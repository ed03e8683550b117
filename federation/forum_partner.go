package federation

// Partner forums (FEP-1b12, the follower's side): the hub follows the
// category Groups of partner instances (their instance actor lists them in
// hub:forumCategories; any Group, a Lemmy community too, can be followed by
// name). Each followed Group is a remote category here. What the Group
// announces (its members' threads and replies, their edits and deletions)
// is stored with its origin; what the Group itself does (Delete, Lock,
// Undo Lock, Move) is moderation and is applied here too. Members here
// reply into a partner's thread through its Group: forumActivities sends
// the Create to the Group, which announces it to everyone.
//
// Trust: an activity of an actor on the Group's own host, embedded in the
// Group's Announce, is taken as the Group's server vouches for it; an
// activity of an actor on a third host is checked against the object's
// origin (fetched), as FEP-1b12 advises when no signature travels with it.

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/markup"
)

// maxPartnerCategories bounds how many Groups of one partner instance a
// follow of the instance follows.
const maxPartnerCategories = 200

// groupInbox is where activities for a Group go: its shared inbox when it
// has one.
func groupInbox(a *db.Actor) string {
	if a.SharedInbox != "" {
		return a.SharedInbox
	}
	return a.Inbox
}

// categoryActors returns the Group ids of the local forum categories.
func (h *Handler) categoryActors(ctx context.Context) ([]string, error) {
	cats, err := h.store.ForumCategories(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(cats))
	for _, c := range cats {
		if !c.Remote {
			out = append(out, h.actorURI(c.Handle))
		}
	}
	return out, nil
}

// remoteCategory creates or refreshes the remote category that stands for
// a followed Group actor.
func (h *Handler) remoteCategory(ctx context.Context, tx *db.Store, a *db.Actor) (*db.ForumCategory, error) {
	name := a.Handle
	if name == "" {
		name = handleSlug(a.Name)
	}
	if name == "" {
		name = "group"
	}
	c := &db.ForumCategory{Remote: true, APID: a.URI, URL: a.URL, ActorID: a.ID, Handle: strings.ToLower(name + "@" + a.Host)}
	var ts []db.Text
	for _, t := range remoteOrgTexts(a, parseRaw(a.Raw)) {
		t.Title = markup.Truncate(t.Title, 100)
		ts = append(ts, t)
	}
	c.SetTexts(ts...)
	return c, tx.SaveRemoteForumCategory(ctx, c)
}

// fromPartner handles what a followed partner Group sends about its forum:
// its Announces, and its own moderation (Delete, Lock, Undo, Move). ok is
// false for anything else, such as the Group's Update of itself or its
// Accept, and for Groups that are not followed here.
func (h *Handler) fromPartner(ctx context.Context, act *activity, sender *db.Actor) (eff effect, ok bool, err error) {
	if sender.Type != db.ActorGroup || sender.Local {
		return nil, false, nil
	}
	switch act.typ {
	case "Announce", "Delete", "Lock", "Undo", "Move":
	default:
		return nil, false, nil
	}
	if act.typ == "Delete" && idOf(act.raw["object"]) == sender.URI {
		return nil, false, nil
	}
	if t := typeOf(objOf(act.raw["object"])); act.typ == "Undo" && t != "Lock" && t != "Delete" {
		return nil, false, nil
	}
	cat, err := h.store.ForumCategoryByActor(ctx, sender.ID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	raw := act.raw
	if act.typ == "Announce" {
		in := objOf(raw["object"])
		switch typeOf(in) {
		case "Create", "Update", "Delete", "Lock", "Undo", "Move":
			raw = in
		default:
			// A plain Announce of a thread (for Mastodon): fetched from its
			// origin unless it is here already.
			eff, err := h.partnerAnnounced(ctx, idOf(raw["object"]), sender, cat)
			return eff, true, err
		}
	}
	eff, err = h.partnerActivity(ctx, raw, sender, cat)
	return eff, true, err
}

// partnerAnnounced stores a thread or post the Group announced by id.
func (h *Handler) partnerAnnounced(ctx context.Context, id string, group *db.Actor, cat *db.ForumCategory) (effect, error) {
	if hostOf(id) == "" || hostOf(id) == h.host {
		return nil, ignoref("announce of a local or unknown object")
	}
	if _, err := h.store.ForumObjectByAPID(ctx, id); err == nil {
		return nil, ignoref("%.200q is here already", id)
	}
	obj, _, err := h.fetch(ctx, id)
	if err != nil {
		return nil, ignoref("fetch announced object: %v", err)
	}
	if str(obj, "id") != id {
		return nil, ignoref("announced object answered with another id")
	}
	return h.partnerObject(ctx, "Create", obj, idOf(obj["attributedTo"]), true, group, cat)
}

// partnerActivity applies one activity of the Group or of a member of it.
func (h *Handler) partnerActivity(ctx context.Context, raw map[string]any, group *db.Actor, cat *db.ForumCategory) (effect, error) {
	actor := idOf(raw["actor"])
	if actor == "" {
		return nil, ignoref("activity without an actor")
	}
	sameHost := hostOf(actor) == group.Host
	objectID := idOf(raw["object"])
	switch typ := typeOf(raw); typ {
	case "Create", "Update":
		obj := objOf(raw["object"])
		if obj == nil || typeOf(obj) == "" || !sameHost {
			// Only an id, or an author elsewhere: the origin says what it is.
			if hostOf(objectID) == h.host {
				return nil, ignoref("our own %.200q, announced back", objectID)
			}
			if hostOf(objectID) != hostOf(actor) {
				return nil, ignoref("object %.200q is not on its author's host", objectID)
			}
			doc, _, err := h.fetch(ctx, objectID)
			if err != nil {
				return nil, ignoref("fetch %.200q: %v", objectID, err)
			}
			if str(doc, "id") != objectID {
				return nil, ignoref("object answered with another id")
			}
			obj = doc
		}
		return h.partnerObject(ctx, typ, obj, actor, false, group, cat)
	case "Delete":
		if actor == group.URI {
			return h.partnerHide(objectID, cat), nil
		}
		if !sameHost {
			if _, _, err := h.fetch(ctx, objectID); !gone(err) {
				return nil, ignoref("delete of %.200q, which its origin still serves", objectID)
			}
		}
		var authorID int64
		if author, err := h.store.ActorByURI(ctx, actor); err == nil {
			authorID = author.ID
		}
		hide := h.partnerHide(objectID, cat)
		return func(ctx context.Context, tx *db.Store) error {
			if authorID != 0 {
				o, err := tx.ForumObjectByAPID(ctx, objectID)
				if err == nil && o.CategoryID == cat.ID {
					if found, err := tx.DeleteRemoteForumPost(ctx, objectID, authorID); err != nil || found {
						return err
					}
				}
			}
			if sameHost {
				// Not the author's own: a moderator of the Group's server
				// removed it (Lemmy's way), announced by the Group.
				return hide(ctx, tx)
			}
			return ignoref("delete of %.200q by someone else than its author", objectID)
		}, nil
	case "Lock", "Undo":
		on := typ == "Lock"
		if !on {
			in := objOf(raw["object"])
			switch typeOf(in) {
			case "Lock":
			case "Delete":
				// A moderator's removal undone: shown here again.
				if actor != group.URI && !sameHost {
					return nil, ignoref("undo of a removal by %.200q, who does not moderate %s", actor, group.URI)
				}
				return h.partnerShow(idOf(in["object"]), cat), nil
			default:
				return nil, ignoref("undo of %s", typeOf(in))
			}
			objectID = idOf(in["object"])
		}
		if actor != group.URI && !sameHost {
			return nil, ignoref("lock by %.200q, who does not moderate %s", actor, group.URI)
		}
		return func(ctx context.Context, tx *db.Store) error {
			id, err := h.partnerThread(ctx, tx, objectID, cat)
			if err != nil {
				return err
			}
			return tx.SetThreadLocked(ctx, id, on)
		}, nil
	case "Move":
		if actor != group.URI {
			return nil, ignoref("move by %.200q, not the Group", actor)
		}
		target := idOf(raw["target"])
		return func(ctx context.Context, tx *db.Store) error {
			id, err := h.partnerThread(ctx, tx, objectID, cat)
			if err != nil {
				return err
			}
			if a, err := tx.ActorByURI(ctx, target); err == nil {
				if to, err := tx.ForumCategoryByActor(ctx, a.ID); err == nil {
					return tx.MoveThread(ctx, id, to.ID)
				}
			}
			// Moved to a category not followed here: it leaves this hub.
			return tx.SetThreadHidden(ctx, id, true)
		}, nil
	default:
		return nil, ignoref("%s in a partner's Announce", typ)
	}
}

// partnerObject stores (Create) or replaces (Update) a thread or post of a
// partner's category, written by actor.
func (h *Handler) partnerObject(ctx context.Context, typ string, obj map[string]any, actor string, announcedOnly bool, group *db.Actor, cat *db.ForumCategory) (effect, error) {
	id := str(obj, "id")
	switch t := typeOf(obj); {
	case t != "Note" && t != "Page" && t != "Article":
		return nil, ignoref("%s in a forum", t)
	case hostOf(id) == h.host:
		return nil, ignoref("our own %.200q, announced back", id)
	case idOf(obj["attributedTo"]) != actor || actor == "":
		return nil, ignoref("object attributed to %.200q, not %.200q", idOf(obj["attributedTo"]), actor)
	case hostOf(id) != hostOf(actor):
		return nil, ignoref("object %.200q is not on its author's host", id)
	case !isPublic(obj):
		return nil, ignoref("forum object %.200q is not public", id)
	case h.policy.blocked(ctx, hostOf(actor)):
		return nil, ignoref("author's host is blocked")
	}
	author, err := h.remoteActor(ctx, actor)
	if err != nil {
		return nil, ignoref("author: %v", err)
	}
	if author.Blocked {
		return nil, ignoref("author is blocked")
	}
	r, err := h.replyFrom(obj)
	if err != nil {
		return nil, err
	}
	lang, ok := db.ContentLang(string(r.Lang))
	if !ok {
		lang = db.Undetermined
	}
	title := forumTitle(obj)
	mentions := h.forumMentions(ctx, obj)
	if known, err := h.store.ForumObjectByAPID(ctx, id); err == nil {
		if typ != "Update" || known.CategoryID != cat.ID {
			return nil, ignoref("%.200q is here already", id)
		}
		return func(ctx context.Context, tx *db.Store) error {
			if known.Thread && title != "" {
				if err := tx.UpdateRemoteForumThread(ctx, id, author.ID, title); err != nil {
					return err
				}
			}
			_, err := tx.UpdateRemoteForumPost(ctx, id, author.ID, lang, r.ContentHTML, mentions)
			return err
		}, nil
	} else if !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	post := &db.ForumPost{AuthorActorID: author.ID, Lang: lang, BodyHTML: r.ContentHTML, URL: r.URL, CreatedAt: r.PublishedAt, APID: id,
		FromGroup: true, Mentions: mentions}
	parent := idOf(obj["inReplyTo"])
	if parent == "" {
		if title == "" {
			title = markup.Truncate(strings.TrimSpace(markup.PlainText(r.ContentHTML)), 80)
		}
		t := &db.ForumThread{CategoryID: cat.ID, Title: title, APID: id, URL: r.URL}
		if c := idOf(obj["context"]); c != "" && c != id {
			t.Context = c
		}
		return func(ctx context.Context, tx *db.Store) error {
			return ignoreConflict(tx.CreateForumThread(ctx, t, post))
		}, nil
	}
	return func(ctx context.Context, tx *db.Store) error {
		threadID, quote, err := h.partnerParent(ctx, tx, parent)
		if err != nil {
			return err
		}
		t, err := tx.ForumThread(ctx, threadID, 0)
		if err != nil || t.CategoryID != cat.ID {
			return ignoref("reply to %.200q, which is not in %s here", parent, cat.Handle)
		}
		post.ThreadID, post.QuoteOf = threadID, quote
		return ignoreConflict(tx.CreateForumPost(ctx, post))
	}, nil
}

// partnerParent finds the thread a partner's reply belongs to, and the
// post it answers when that is not the thread's opening post.
func (h *Handler) partnerParent(ctx context.Context, tx *db.Store, parent string) (threadID, quote int64, err error) {
	if id := h.localForumID(parent, "threads"); id > 0 {
		return id, 0, nil // a thread a member here opened in the partner's category
	}
	if id := h.localForumID(parent, "posts"); id > 0 {
		p, err := tx.ForumPost(ctx, id)
		if err != nil {
			return 0, 0, ignoref("reply to a post that is not here")
		}
		return p.ThreadID, p.ID, nil
	}
	o, err := tx.ForumObjectByAPID(ctx, parent)
	if errors.Is(err, db.ErrNotFound) {
		id, err := tx.ForumThreadIDByAPID(ctx, parent) // a thread's context
		if err != nil {
			return 0, 0, ignoref("reply to %.200q, which is not here", parent)
		}
		return id, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	if o.Thread {
		return o.ThreadID, 0, nil
	}
	return o.ThreadID, o.PostID, nil
}

// partnerThread finds the thread of a partner's category an id names: a
// thread that came from the partner, or one a member here opened in it.
func (h *Handler) partnerThread(ctx context.Context, tx *db.Store, id string, cat *db.ForumCategory) (int64, error) {
	if local := h.localForumID(id, "threads"); local > 0 {
		t, err := tx.ForumThread(ctx, local, 0)
		if err != nil || t.CategoryID != cat.ID {
			return 0, ignoref("%.200q is no thread of %s here", id, cat.Handle)
		}
		return local, nil
	}
	o, err := tx.ForumObjectByAPID(ctx, id)
	if err != nil || !o.Thread || o.CategoryID != cat.ID {
		return 0, ignoref("%.200q is no thread of %s here", id, cat.Handle)
	}
	return o.ThreadID, nil
}

// partnerHide applies the Group's Delete of a thread or post in its
// category: a moderator there removed it, so it is hidden here too (local
// moderators still see it). A member's post here, in a partner's thread,
// is hidden the same way. partnerShow applies the Undo of such a Delete.
func (h *Handler) partnerHide(objectID string, cat *db.ForumCategory) effect {
	return h.partnerSetHidden(objectID, cat, true)
}

func (h *Handler) partnerShow(objectID string, cat *db.ForumCategory) effect {
	return h.partnerSetHidden(objectID, cat, false)
}

func (h *Handler) partnerSetHidden(objectID string, cat *db.ForumCategory, hidden bool) effect {
	return func(ctx context.Context, tx *db.Store) error {
		if id := h.localForumID(objectID, "threads"); id > 0 {
			t, err := tx.ForumThread(ctx, id, 0)
			if err != nil || t.CategoryID != cat.ID {
				return ignoref("moderation of a thread outside %s", cat.Handle)
			}
			return tx.SetThreadHidden(ctx, id, hidden)
		}
		if id := h.localForumID(objectID, "posts"); id > 0 {
			p, err := tx.ForumPost(ctx, id)
			if err != nil {
				return ignoref("moderation of a post that is not here")
			}
			t, err := tx.ForumThread(ctx, p.ThreadID, 0)
			if err != nil || t.CategoryID != cat.ID {
				return ignoref("moderation of a post outside %s", cat.Handle)
			}
			return tx.SetForumPostHidden(ctx, id, hidden)
		}
		o, err := tx.ForumObjectByAPID(ctx, objectID)
		if err != nil || o.CategoryID != cat.ID {
			return ignoref("moderation of %.200q, which is not in %s here", objectID, cat.Handle)
		}
		if o.Thread {
			return tx.SetThreadHidden(ctx, o.ThreadID, hidden)
		}
		return tx.SetForumPostHidden(ctx, o.PostID, hidden)
	}
}

// forumTitle is a Page's name, plain and at most a title's length.
func forumTitle(obj map[string]any) string {
	title := markup.Truncate(strings.TrimSpace(markup.PlainText(str(obj, "name"))), 200)
	if title == "" {
		if m, keys := langMapOf(obj, "name"); len(keys) > 0 {
			title = markup.Truncate(strings.TrimSpace(markup.PlainText(m[keys[0]])), 200)
		}
	}
	return title
}

// firstBreak ends a post's first line: a paragraph's end or a line break.
var firstBreak = regexp.MustCompile(`(?i)</p>|<br\s*/?>`)

// noteTitle makes a thread's title of a post without one (a Note that
// mentions a category): its first line, without the mentions it starts
// with, at most 100 characters.
func noteTitle(content string) string {
	line := content
	if i := firstBreak.FindStringIndex(content); i != nil {
		line = content[:i[0]]
	}
	dropMentions := func(s string) string {
		for strings.HasPrefix(s, "@") {
			_, rest, _ := strings.Cut(s, " ")
			s = strings.TrimSpace(rest)
		}
		return s
	}
	title := dropMentions(markup.PlainText(line))
	if title == "" {
		title = dropMentions(markup.PlainText(content))
	}
	return markup.Truncate(title, 100)
}

// ignoreConflict turns a duplicate (the same object delivered twice) into
// an ignored activity.
func ignoreConflict(err error) error {
	if errors.Is(err, db.ErrConflict) {
		return ignoref("here already: %v", err)
	}
	return err
}

// --- Outbound: locks and moves ----------------------------------------------

// forumThreadChanged builds what a change of a local thread's flags sends:
// a Lock (or Undo of the Lock) by its Group when the lock changed since the
// Group last said, and a Move by the old Group when a moderator moved it
// to another category, followed by the new Group's Announce of it. Pins
// send nothing, and so does anything done here to a partner's thread.
func (h *Handler) forumThreadChanged(ctx context.Context, ev *db.OutboxEvent) ([]*outgoing, error) {
	t, err := h.store.ForumThread(ctx, ev.SubjectID, 0)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if t.Hidden {
		return nil, nil
	}
	group, err := h.threadGroup(ctx, t)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !group.Local {
		return nil, nil
	}
	uri := h.threadID(t)
	ann, err := h.store.LastOutgoingActivity(ctx, uri, "Announce")
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil // never federated
	}
	if err != nil {
		return nil, err
	}
	inboxes, err := h.store.FollowerInboxes(ctx, group.ID, !h.cfg.PersonalInboxes)
	if err != nil {
		return nil, err
	}
	published := h.now().UTC().Format("2006-01-02T15:04:05Z")
	var outs []*outgoing
	if ann.LocalActorID != group.ID {
		from, err := h.store.Actor(ctx, ann.LocalActorID)
		if err != nil {
			return nil, err
		}
		fromInboxes, err := h.store.FollowerInboxes(ctx, from.ID, !h.cfg.PersonalInboxes)
		if err != nil {
			return nil, err
		}
		move := map[string]any{"@context": ldContext(), "id": h.newID(), "type": "Move", "actor": from.URI,
			"object": uri, "origin": from.URI, "target": group.URI, "to": []any{asPublic},
			"cc": []any{from.Followers, group.Followers}, "audience": from.URI, "published": published}
		outs = append(outs, &outgoing{actor: from, doc: move, typ: "Move", object: uri, public: true, inboxes: union(fromInboxes, inboxes)},
			h.groupAnnounce(group, uri, uri, inboxes))
	}
	wasLocked := false
	last, err := h.store.LastOutgoingActivity(ctx, uri, "Lock", "Undo")
	switch {
	case err == nil:
		wasLocked = last.Type == "Lock"
	case !errors.Is(err, db.ErrNotFound):
		return nil, err
	}
	if t.Locked != wasLocked {
		lock := map[string]any{"@context": ldContext(), "id": h.newID(), "type": "Lock", "actor": group.URI,
			"object": uri, "to": []any{asPublic}, "cc": []any{group.Followers}, "audience": group.URI, "published": published}
		doc, typ := lock, "Lock"
		if !t.Locked {
			prev := parseRaw(last.Raw)
			delete(prev, "@context")
			doc = map[string]any{"@context": ldContext(), "id": h.newID(), "type": "Undo", "actor": group.URI,
				"object": prev, "to": []any{asPublic}, "cc": []any{group.Followers}, "audience": group.URI, "published": published}
			typ = "Undo"
		}
		mod := h.moderatorActor(ctx, t.ID, 0, db.ModLock, db.ModUnlock)
		outs = append(outs, h.moderation(group, mod, doc, typ, uri, inboxes, nil)...)
	}
	return outs, nil
}

// union returns the strings of a and b, each once.
func union(a, b []string) []string {
	seen := make(map[string]bool, len(a)+len(b))
	out := make([]string, 0, len(a)+len(b))
	for _, s := range append(append([]string{}, a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// getCategories serves, for the hub's actor, the Group ids of the local
// forum categories (hub:forumCategories): a partner that follows the hub
// follows them too.
func (h *Handler) getCategories(w http.ResponseWriter, r *http.Request) error {
	return h.idCollection(w, r, db.ActorApplication, "/categories", h.categoryActors)
}

// maxBackfill bounds how many of a followed Group's latest activities the
// hub reads from its outbox when it starts following it.
const maxBackfill = 60

// backfillGroup reads the latest activities of a partner's Group from its
// outbox, oldest first, and applies them as if they had been delivered:
// the threads and replies it announced lately appear at once, with the
// edits, hides, locks and moves since. Failures are logged, never fatal:
// what comes next arrives by delivery anyway.
func (h *Handler) backfillGroup(ctx context.Context, group *db.Actor) {
	if group.Outbox == "" || hostOf(group.Outbox) != group.Host {
		return
	}
	cat, err := h.store.ForumCategoryByActor(ctx, group.ID)
	if err != nil {
		h.log.Warn("backfill: no category for group", "group", group.URI, "err", err)
		return
	}
	doc, _, err := h.fetch(ctx, group.Outbox)
	if err != nil {
		h.log.Warn("backfill: outbox", "group", group.URI, "err", err)
		return
	}
	page := doc
	if page["orderedItems"] == nil && page["items"] == nil {
		first := page["first"]
		if page = objOf(first); page == nil || (page["orderedItems"] == nil && page["items"] == nil) {
			u := idOf(first)
			if hostOf(u) != group.Host {
				return
			}
			if page, _, err = h.fetch(ctx, u); err != nil {
				h.log.Warn("backfill: outbox page", "group", group.URI, "err", err)
				return
			}
		}
	}
	var items []map[string]any
	for pages := 0; page != nil && pages < 5; pages++ {
		for _, k := range []string{"orderedItems", "items"} {
			for _, it := range objsOf(page[k]) {
				if len(items) < maxBackfill {
					items = append(items, it)
				}
			}
		}
		next := idOf(page["next"])
		if next == "" || hostOf(next) != group.Host || len(items) >= maxBackfill {
			break
		}
		if page, _, err = h.fetch(ctx, next); err != nil {
			h.log.Warn("backfill: outbox page", "group", group.URI, "err", err)
			break
		}
	}
	applied := 0
	for i := len(items) - 1; i >= 0; i-- { // outboxes list the newest first
		act := items[i]
		if idOf(act["actor"]) != group.URI {
			continue
		}
		var eff effect
		var err error
		switch in := objOf(act["object"]); {
		case typeOf(act) == "Announce" && typeOf(in) == "Create", typeOf(act) == "Announce" && typeOf(in) == "Update",
			typeOf(act) == "Announce" && typeOf(in) == "Delete":
			eff, err = h.partnerActivity(ctx, in, group, cat)
		case typeOf(act) == "Announce":
			continue // the plain Announce of a thread the Create above brings
		case typeOf(act) == "Delete", typeOf(act) == "Lock", typeOf(act) == "Undo", typeOf(act) == "Move":
			eff, err = h.partnerActivity(ctx, act, group, cat)
		default:
			continue
		}
		if err == nil {
			err = h.store.InTx(ctx, func(tx *db.Store) error { return eff(ctx, tx) })
		}
		switch {
		case err == nil:
			applied++
		case ignorable(err):
		default:
			h.log.Warn("backfill: activity", "group", group.URI, "activity", str(act, "id"), "err", err)
		}
	}
	h.log.Info("backfilled partner category", "group", group.URI, "read", len(items), "applied", applied)
}

// --- Categories --------------------------------------------------------------

// categoryActivities builds what a change of a local category sends: for a
// new one, the hub actor's Add of its Group to hub:forumCategories, so that
// partners following the hub follow it too; for new names, the Group's
// Update of itself. Nothing is sent (and no Group made) while nobody
// follows the hub, or the Group.
func (h *Handler) categoryActivities(ctx context.Context, ev *db.OutboxEvent) ([]*outgoing, error) {
	c, err := h.store.ForumCategory(ctx, ev.SubjectID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if c.Remote {
		return nil, nil
	}
	published := h.now().UTC().Format("2006-01-02T15:04:05Z")
	switch ev.Action {
	case db.ActionCreate:
		hub, err := h.localActor(ctx, h.hubHandle)
		if err != nil {
			return nil, err
		}
		inboxes, err := h.store.FollowerInboxes(ctx, hub.ID, !h.cfg.PersonalInboxes)
		if err != nil || len(inboxes) == 0 {
			return nil, err
		}
		group, err := h.localActor(ctx, c.Handle)
		if err != nil {
			return nil, err
		}
		add := map[string]any{"@context": ldContext(), "id": h.newID(), "type": "Add", "actor": hub.URI,
			"object": group.URI, "target": hub.URI + "/categories", "to": []any{asPublic}, "cc": []any{hub.Followers},
			"published": published}
		return []*outgoing{{actor: hub, doc: add, typ: "Add", object: group.URI, public: true, inboxes: inboxes}}, nil
	case db.ActionUpdate:
		group, err := h.store.LocalActor(ctx, c.Handle)
		if errors.Is(err, db.ErrNotFound) {
			return nil, nil // no Group yet: nobody to tell
		}
		if err != nil {
			return nil, err
		}
		inboxes, err := h.store.FollowerInboxes(ctx, group.ID, !h.cfg.PersonalInboxes)
		if err != nil || len(inboxes) == 0 {
			return nil, err
		}
		doc, err := h.actorDocument(ctx, group)
		if err != nil {
			return nil, err
		}
		delete(doc, "@context")
		upd := map[string]any{"@context": ldContext(), "id": h.newID(), "type": "Update", "actor": group.URI,
			"object": doc, "to": []any{asPublic}, "cc": []any{group.Followers}, "published": published}
		return []*outgoing{{actor: group, doc: upd, typ: "Update", object: group.URI, public: true, inboxes: inboxes}}, nil
	}
	return nil, nil
}

// onAdd follows a new category of a partner instance the hub follows: the
// instance actor's Add of a Group on its own host to its
// hub:forumCategories collection. The follow is queued for the worker,
// which fetches the Group as it does for an admin's request.
func (h *Handler) onAdd(ctx context.Context, act *activity, sender *db.Actor) (effect, error) {
	if sender.Type != db.ActorApplication {
		return nil, ignoref("Add from a %s", sender.Type)
	}
	object, target := idOf(act.raw["object"]), idOf(act.raw["target"])
	if target == "" || target != idOf(parseRaw(sender.Raw)[termCategories]) {
		return nil, ignoref("Add to %.200q, not the sender's forum categories", target)
	}
	if hostOf(object) != sender.Host {
		return nil, ignoref("Add of %.200q, which is not on the sender's host", object)
	}
	followed, err := h.isFollowed(ctx, sender.URI)
	if err != nil {
		return nil, err
	}
	if !followed {
		return nil, ignoref("%s is not followed here", sender.URI)
	}
	return func(ctx context.Context, tx *db.Store) error {
		_, err := tx.RequestFollow(ctx, object, db.RequestFollow, 0)
		return err
	}, nil
}
