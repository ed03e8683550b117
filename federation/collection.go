package federation

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/bgimigranti/hub/db"
)

// pageSize is how many items one collection page holds.
const pageSize = 20

// collectionPage serves a paged OrderedCollection at id: without ?page, the
// collection with its size and first page; with ?page=N, that page, whose
// orderedItems is always an array, with next and prev links.
func collectionPage(w http.ResponseWriter, r *http.Request, id string, total int, items func(offset int) ([]any, error)) error {
	p := r.URL.Query().Get("page")
	if p == "" {
		doc := map[string]any{"@context": ldContext(), "id": id, "type": "OrderedCollection", "totalItems": total}
		doc["first"] = id + "?page=1"
		if total > 0 {
			doc["last"] = id + "?page=" + strconv.Itoa(max(1, (total+pageSize-1)/pageSize))
		}
		return writeAS(w, http.StatusOK, doc)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 100000 {
		return errorf(http.StatusBadRequest, "page must be a positive number", nil)
	}
	list, err := items((n - 1) * pageSize)
	if err != nil {
		return err
	}
	if list == nil {
		list = []any{}
	}
	doc := map[string]any{"@context": ldContext(), "id": id + "?page=" + strconv.Itoa(n), "type": "OrderedCollectionPage",
		"partOf": id, "totalItems": total, "orderedItems": list}
	if n*pageSize < total {
		doc["next"] = id + "?page=" + strconv.Itoa(n+1)
	}
	if n > 1 {
		doc["prev"] = id + "?page=" + strconv.Itoa(n-1)
	}
	return writeAS(w, http.StatusOK, doc)
}

// collectionActor returns the local actor a collection request is about.
func (h *Handler) collectionActor(r *http.Request) (*db.Actor, error) {
	if err := h.checkFetchSignature(r); err != nil {
		return nil, err
	}
	return h.localActor(r.Context(), strings.ToLower(r.PathValue("handle")))
}

// getFeatured serves an actor's featured collection (Mastodon's pinned
// posts, toot:featured), which every actor names and Mastodon and
// GoToSocial fetch: the hub pins nothing, so it is empty.
func (h *Handler) getFeatured(w http.ResponseWriter, r *http.Request) error {
	a, err := h.collectionActor(r)
	if err != nil {
		return err
	}
	return writeAS(w, http.StatusOK, map[string]any{"@context": ldContext(), "id": a.URI + "/featured",
		"type": "OrderedCollection", "totalItems": 0, "orderedItems": []any{}})
}

// getOutbox serves an actor's outbox: the public activities it sent,
// newest first.
func (h *Handler) getOutbox(w http.ResponseWriter, r *http.Request) error {
	a, err := h.collectionActor(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	_, total, err := h.store.OutboxPage(ctx, a.ID, 1, 0)
	if err != nil {
		return err
	}
	return collectionPage(w, r, a.Outbox, total, func(offset int) ([]any, error) {
		acts, _, err := h.store.OutboxPage(ctx, a.ID, pageSize, offset)
		if err != nil {
			return nil, err
		}
		out := make([]any, 0, len(acts))
		for _, act := range acts {
			if m := parseRaw(act.Raw); m != nil {
				delete(m, "@context")
				out = append(out, m)
			}
		}
		return out, nil
	})
}

// getFollowers serves the ids of an actor's accepted followers.
func (h *Handler) getFollowers(w http.ResponseWriter, r *http.Request) error {
	return h.follows(w, r, true)
}

// getFollowing serves the ids of the actors an actor follows.
func (h *Handler) getFollowing(w http.ResponseWriter, r *http.Request) error {
	return h.follows(w, r, false)
}

func (h *Handler) follows(w http.ResponseWriter, r *http.Request, followers bool) error {
	a, err := h.collectionActor(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	id := a.Following
	if followers {
		id = a.Followers
	}
	_, total, err := h.store.FollowURIs(ctx, db.FollowPage{ActorID: a.ID, Followers: followers, Limit: 1})
	if err != nil {
		return err
	}
	return collectionPage(w, r, id, total, func(offset int) ([]any, error) {
		uris, _, err := h.store.FollowURIs(ctx, db.FollowPage{ActorID: a.ID, Followers: followers, Limit: pageSize, Offset: offset})
		return strings2any(uris), err
	})
}

// getOrganisations serves, for the hub's actor, the ids of the actors of
// every local organisation (hub:organisations): a partner that follows
// the hub follows them too.
func (h *Handler) getOrganisations(w http.ResponseWriter, r *http.Request) error {
	return h.idCollection(w, r, db.ActorApplication, "/organisations", h.organisationActors)
}

// idCollection serves a collection of ids that an actor of the given type
// has at its id + suffix, in pages.
func (h *Handler) idCollection(w http.ResponseWriter, r *http.Request, typ, suffix string, list func(context.Context) ([]string, error)) error {
	a, err := h.collectionActor(r)
	if err != nil {
		return err
	}
	if a.Type != typ {
		return db.ErrNotFound
	}
	ids, err := list(r.Context())
	if err != nil {
		return err
	}
	return collectionPage(w, r, a.URI+suffix, len(ids), func(offset int) ([]any, error) {
		end := min(offset+pageSize, len(ids))
		if offset >= end {
			return nil, nil
		}
		return strings2any(ids[offset:end]), nil
	})
}

// organisationActors returns the actor ids of the local organisations.
func (h *Handler) organisationActors(ctx context.Context) ([]string, error) {
	orgs, err := h.store.Organisations(ctx, db.OrgQuery{Local: true})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(orgs))
	for _, o := range orgs {
		if o.Handle != h.hubHandle {
			out = append(out, h.actorURI(o.Handle))
		}
	}
	return out, nil
}

func strings2any(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
