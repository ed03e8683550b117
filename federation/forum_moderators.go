package federation

// Moderators (FEP-1b12 as Lemmy reads it): a category's Group names its
// moderators in the collection its attributedTo points to, the Person
// actors of the hub's admins. A moderator's lock or removal goes out as
// the moderator's own activity, announced by the Group, which Lemmy checks
// against that collection; when the log names no moderator, the Group acts
// itself.

import (
	"context"
	"errors"
	"net/http"

	"github.com/bgimigranti/hub/db"
)

// moderatorURIs returns the Person actor ids of the forum's moderators: the
// admins who are not disabled and have a forum handle.
func (h *Handler) moderatorURIs(ctx context.Context) ([]string, error) {
	users, err := h.store.Users(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, u := range users {
		if u.Role != db.RoleAdmin || u.Disabled {
			continue
		}
		prof, err := h.store.ForumProfile(ctx, u.ID)
		if err != nil {
			continue // no forum handle: not acting in the forum yet
		}
		a, err := h.UserActor(ctx, u.ID, prof.Handle)
		if err != nil {
			h.log.Info("moderator without an actor", "user", u.ID, "err", err)
			continue
		}
		out = append(out, a.URI)
	}
	return out, nil
}

// getModerators serves a category Group's moderators collection.
func (h *Handler) getModerators(w http.ResponseWriter, r *http.Request) error {
	return h.idCollection(w, r, db.ActorGroup, "/moderators", h.moderatorURIs)
}

// moderatorActor returns the Person actor of the moderator who, by the
// log, last did one of actions to a thread (postID 0) or a post, or nil.
func (h *Handler) moderatorActor(ctx context.Context, threadID, postID int64, actions ...string) *db.Actor {
	m, err := h.store.LastModeration(ctx, threadID, postID, actions...)
	if err != nil || m.UserID == 0 {
		return nil
	}
	u, err := h.store.User(ctx, m.UserID)
	if err != nil || u.Role != db.RoleAdmin || u.Disabled {
		return nil // no longer a moderator: the Group speaks for them
	}
	prof, err := h.store.ForumProfile(ctx, m.UserID)
	if err != nil {
		return nil
	}
	a, err := h.UserActor(ctx, m.UserID, prof.Handle)
	if err != nil {
		h.log.Info("moderator without an actor", "user", m.UserID, "err", err)
		return nil
	}
	return a
}

// moderation sends a Group's moderation activity: as the moderator's own,
// announced by the Group to its followers, when mod is known; else as the
// Group's, to its followers.
func (h *Handler) moderation(group, mod *db.Actor, doc map[string]any, typ, object string, inboxes []string,
	also func(context.Context, *db.Store) error) []*outgoing {
	if mod == nil {
		return []*outgoing{{actor: group, doc: doc, typ: typ, object: object, public: true, inboxes: inboxes, also: also}}
	}
	doc["actor"] = mod.URI
	return []*outgoing{{actor: mod, doc: doc, typ: typ, object: object, public: true, also: also}, h.groupAnnounce(group, doc, "", inboxes)}
}

// forumObjectOf returns the thread an outbox event of the forum is about
// and the ActivityPub id of its subject (the thread's, or the post's; an
// opening post's is its thread's).
func (h *Handler) forumObjectOf(ctx context.Context, ev *db.OutboxEvent) (*db.ForumThread, *db.ForumPost, string, error) {
	if ev.Subject == db.OutboxForumThread {
		t, err := h.store.ForumThread(ctx, ev.SubjectID, 0)
		if err != nil {
			return nil, nil, "", err
		}
		return t, nil, h.threadID(t), nil
	}
	p, err := h.store.ForumPost(ctx, ev.SubjectID)
	if err != nil {
		return nil, nil, "", err
	}
	t, err := h.store.ForumThread(ctx, p.ThreadID, 0)
	if err != nil {
		return nil, nil, "", err
	}
	switch {
	case p.APID != "":
		return t, p, p.APID, nil
	case p.ID == t.FirstPostID:
		return t, p, h.threadID(t), nil
	}
	return t, p, h.postURI(p.ID), nil
}

// forumRestore builds what showing again a thread or post sends when a
// moderator's hiding of it federated: the Undo of that Delete, by whoever
// sent it (the moderator, announced by the Group, or the Group), to the
// Group's followers, and the object's Tombstone goes. ok is false when the
// object was never sent (the event is then its first Create); an object
// that was sent and not taken back sends nothing again.
func (h *Handler) forumRestore(ctx context.Context, ev *db.OutboxEvent) (outs []*outgoing, ok bool, err error) {
	t, p, objectURI, err := h.forumObjectOf(ctx, ev)
	if errors.Is(err, db.ErrNotFound) {
		return nil, true, nil
	}
	if err != nil {
		return nil, true, err
	}
	if t.Hidden || (p != nil && (p.Hidden || p.Deleted())) {
		return nil, false, nil
	}
	last, err := h.store.LastOutgoingActivity(ctx, objectURI, "Create", "Update", "Delete", "Undo")
	switch {
	case errors.Is(err, db.ErrNotFound):
		return nil, false, nil // never sent: this is its first publication
	case err != nil:
		return nil, true, err
	case last.Type != "Delete":
		return nil, true, nil // sent and never taken back: nothing to say again
	}
	group, err := h.threadGroup(ctx, t)
	if errors.Is(err, db.ErrNotFound) {
		return nil, true, nil
	}
	if err != nil {
		return nil, true, err
	}
	if !group.Local {
		return nil, true, nil // a partner's thread: its moderators speak
	}
	actor, err := h.store.Actor(ctx, last.LocalActorID)
	if err != nil {
		return nil, true, err
	}
	prev := parseRaw(last.Raw)
	if prev == nil {
		return nil, false, nil
	}
	delete(prev, "@context")
	inboxes, err := h.store.FollowerInboxes(ctx, group.ID, !h.cfg.PersonalInboxes)
	if err != nil {
		return nil, true, err
	}
	undo := map[string]any{"@context": ldContext(), "id": h.newID(), "type": "Undo", "actor": actor.URI, "object": prev,
		"to": []any{asPublic}, "cc": []any{group.Followers}, "audience": group.URI,
		"published": h.now().UTC().Format("2006-01-02T15:04:05Z")}
	also := func(ctx context.Context, tx *db.Store) error { return tx.RemoveTombstone(ctx, objectURI) }
	if actor.ID == group.ID {
		return []*outgoing{{actor: group, doc: undo, typ: "Undo", object: objectURI, public: true, inboxes: inboxes, also: also}}, true, nil
	}
	return []*outgoing{{actor: actor, doc: undo, typ: "Undo", object: objectURI, public: true, also: also},
		h.groupAnnounce(group, undo, "", inboxes)}, true, nil
}
