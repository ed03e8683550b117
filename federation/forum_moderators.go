package federation

// Moderators (FEP-1b12 as Lemmy reads it): a category's Group names its
// moderators in the collection its attributedTo points to, the Person
// actors of the hub's admins. A moderator's lock or removal goes out as
// the moderator's own activity, announced by the Group, which Lemmy checks
// against that collection; when the log names no moderator, the Group acts
// itself.

import (
	"context"
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
	a, err := h.collectionActor(r)
	if err != nil {
		return err
	}
	if a.Type != db.ActorGroup {
		return db.ErrNotFound
	}
	ids, err := h.moderatorURIs(r.Context())
	if err != nil {
		return err
	}
	return collectionPage(w, r, a.URI+"/moderators", len(ids), func(offset int) ([]any, error) {
		end := min(offset+pageSize, len(ids))
		if offset >= end {
			return nil, nil
		}
		return strings2any(ids[offset:end]), nil
	})
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
