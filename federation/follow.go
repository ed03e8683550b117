package federation

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/go-fed/activity/streams"

	"github.com/bgimigranti/hub/db"
)

// maxPartnerActors bounds how many organisations of one partner instance
// a follow of the instance follows.
const maxPartnerActors = 500

// resolve turns what an admin types (handle@host, @handle@host,
// acct:handle@host, an actor's URL, or an instance's bare URL) into actor
// ids. A bare URL stands for the instance's own actor (acct:HOST@HOST,
// then acct:hub@HOST, as Mastodon and this software name it).
func (h *Handler) resolve(ctx context.Context, target string) (string, error) {
	t := strings.TrimSpace(target)
	if strings.Contains(t, "://") {
		u, err := url.Parse(t)
		if err != nil || hostOf(t) == "" {
			return "", fmt.Errorf("federation: %q is not an http(s) URL", target)
		}
		if u.Path != "" && u.Path != "/" {
			return t, nil
		}
		host := strings.ToLower(u.Host)
		var errs []error
		for _, user := range []string{u.Hostname(), "hub"} {
			id, err := h.webfinger(ctx, user, host)
			if err == nil {
				return id, nil
			}
			errs = append(errs, err)
		}
		return "", errors.Join(errs...)
	}
	t = strings.TrimPrefix(strings.TrimPrefix(t, "acct:"), "@")
	i := strings.LastIndexByte(t, '@')
	if i <= 0 || i == len(t)-1 || strings.ContainsAny(t, "/?# ") {
		return "", fmt.Errorf("federation: %q is neither handle@host nor a URL", target)
	}
	return h.webfinger(ctx, t[:i], strings.ToLower(t[i+1:]))
}

// Follow makes the hub's actor follow target (see resolve for the forms
// it takes): it fetches and stores the actor, adds it to the directory as
// a partner organisation (or, for a Group, to the forum as a partner's
// category), and queues a Follow. When the actor is the instance actor of
// a partner running this software, the hub follows each of the partner's
// organisations (hub:organisations) and forum categories
// (hub:forumCategories) too. It returns the
// ids of the actors it now follows (pending until they accept).
func (h *Handler) Follow(ctx context.Context, target string) ([]string, error) {
	id, err := h.resolve(ctx, target)
	if err != nil {
		return nil, err
	}
	if hostOf(id) == h.host {
		return nil, fmt.Errorf("federation: %s is on this hub", id)
	}
	if h.policy.blocked(ctx, hostOf(id)) {
		return nil, fmt.Errorf("federation: follow %s: %w", id, errBlocked)
	}
	doc, body, err := h.fetch(ctx, id)
	if err != nil {
		return nil, err
	}
	if str(doc, "id") != id {
		return nil, fmt.Errorf("federation: %s answered with id %.200q", id, str(doc, "id"))
	}
	a, err := h.saveActor(ctx, doc, body)
	if err != nil {
		return nil, err
	}
	if err := h.followActor(ctx, a); err != nil {
		return nil, err
	}
	if a.Type == db.ActorGroup {
		h.backfillGroup(ctx, a)
	}
	followed := []string{a.URI}
	if a.Type == db.ActorApplication {
		for _, c := range []struct {
			term  string
			limit int
		}{{termOrganisations, maxPartnerActors}, {termCategories, maxPartnerCategories}} {
			more, err := h.followMembers(ctx, a, idOf(doc[c.term]), c.limit)
			followed = append(followed, more...)
			if err != nil {
				return followed, err
			}
		}
	}
	h.Wake()
	return followed, nil
}

// followMembers follows the actors in a partner instance's collection (its
// organisations, its forum categories) that are on its own host.
func (h *Handler) followMembers(ctx context.Context, instance *db.Actor, collection string, limit int) ([]string, error) {
	if collection == "" {
		return nil, nil
	}
	members, err := h.collectionItems(ctx, collection, limit)
	if err != nil {
		h.log.Warn("partner collection", "collection", collection, "err", err)
	}
	var followed []string
	for _, m := range members {
		if hostOf(m) != hostOf(instance.URI) {
			continue
		}
		ma, err := h.remoteActorFresh(ctx, m)
		if err != nil {
			h.log.Warn("partner actor", "actor", m, "err", err)
			continue
		}
		if err := h.followActor(ctx, ma); err != nil {
			return followed, err
		}
		if ma.Type == db.ActorGroup {
			h.backfillGroup(ctx, ma)
		}
		followed = append(followed, ma.URI)
	}
	return followed, nil
}

// remoteActorFresh fetches and stores an actor.
func (h *Handler) remoteActorFresh(ctx context.Context, uri string) (*db.Actor, error) {
	doc, body, err := h.fetch(ctx, uri)
	if err != nil {
		return nil, err
	}
	if str(doc, "id") != uri {
		return nil, fmt.Errorf("federation: %s answered with id %.200q", uri, str(doc, "id"))
	}
	return h.saveActor(ctx, doc, body)
}

// followActor stores a pending follow of a by the hub's actor, the
// partner's directory entry, and the Follow activity with its delivery.
func (h *Handler) followActor(ctx context.Context, a *db.Actor) error {
	hub, err := h.localActor(ctx, h.hubHandle)
	if err != nil {
		return err
	}
	if a.Inbox == "" {
		return fmt.Errorf("federation: %s has no inbox", a.URI)
	}
	if f, err := h.store.FollowBetween(ctx, hub.ID, a.ID); err == nil && f.State == db.FollowAccepted {
		return nil // followed already
	}
	f := streams.NewActivityStreamsFollow()
	followID := h.newID()
	f.SetJSONLDId(idProp(followID))
	f.SetActivityStreamsActor(actorProp(hub.URI))
	obj := streams.NewActivityStreamsObjectProperty()
	obj.AppendIRI(mustURL(a.URI))
	f.SetActivityStreamsObject(obj)
	f.SetActivityStreamsTo(toProp(a.URI))
	doc, err := serialize(f)
	if err != nil {
		return err
	}
	defer h.forget(a)
	return h.store.InTx(ctx, func(tx *db.Store) error {
		if a.Type == db.ActorGroup {
			// A forum category (a partner's, or a Lemmy community).
			if _, err := h.remoteCategory(ctx, tx, a); err != nil {
				return err
			}
		} else if _, err := h.remoteOrganisation(ctx, tx, a); err != nil {
			return err
		}
		if _, err := tx.SaveFollow(ctx, hub.ID, a.ID, followID, db.FollowPending); err != nil {
			return err
		}
		return h.storeOutgoing(ctx, tx, &outgoing{actor: hub, doc: doc, typ: "Follow", object: a.URI, inboxes: []string{a.Inbox}})
	})
}

// Unfollow stops the hub's actor following target (same forms as Follow;
// an instance's bare URL stops following everything the hub follows on
// that host): each follow is removed and an Undo of it queued. It returns
// the ids of the actors no longer followed.
func (h *Handler) Unfollow(ctx context.Context, target string) ([]string, error) {
	hub, err := h.localActor(ctx, h.hubHandle)
	if err != nil {
		return nil, err
	}
	var targets []*db.Actor
	t := strings.TrimSpace(target)
	if u, err := url.Parse(t); err == nil && strings.Contains(t, "://") && (u.Path == "" || u.Path == "/") {
		follows, err := h.store.Followings(ctx)
		if err != nil {
			return nil, err
		}
		for _, f := range follows {
			if f.FollowerID == hub.ID && f.Followee != nil && f.Followee.Host == strings.ToLower(u.Host) {
				targets = append(targets, f.Followee)
			}
		}
	} else {
		id := t
		if !strings.Contains(t, "://") {
			if id, err = h.resolve(ctx, t); err != nil {
				return nil, err
			}
		}
		a, err := h.store.ActorByURI(ctx, id)
		if err != nil {
			return nil, err
		}
		targets = append(targets, a)
	}
	var done []string
	for _, a := range targets {
		f, err := h.store.FollowBetween(ctx, hub.ID, a.ID)
		if errors.Is(err, db.ErrNotFound) {
			continue
		}
		if err != nil {
			return done, err
		}
		undo := map[string]any{
			"@context": ldContext(), "id": h.newID(), "type": "Undo", "actor": hub.URI, "to": []any{a.URI},
			"object": map[string]any{"id": f.URI, "type": "Follow", "actor": hub.URI, "object": a.URI},
		}
		err = h.store.InTx(ctx, func(tx *db.Store) error {
			if _, err := tx.DeleteFollow(ctx, hub.ID, a.ID); err != nil {
				return err
			}
			if a.Inbox == "" {
				return nil
			}
			return h.storeOutgoing(ctx, tx, &outgoing{actor: hub, doc: undo, typ: "Undo", object: f.URI, inboxes: []string{a.Inbox}})
		})
		h.forget(a)
		if err != nil {
			return done, err
		}
		done = append(done, a.URI)
	}
	h.Wake()
	return done, nil
}

// ProcessFollowRequests carries out up to limit follow requests the admin
// pages queued (db.RequestFollow), recording each outcome. It returns how
// many it handled.
func (h *Handler) ProcessFollowRequests(ctx context.Context, limit int) (int, error) {
	reqs, err := h.store.PendingFollowRequests(ctx, limit)
	if err != nil {
		return 0, err
	}
	for _, r := range reqs {
		var ferr error
		if r.Action == db.RequestUnfollow {
			_, ferr = h.Unfollow(ctx, r.Target)
		} else {
			_, ferr = h.Follow(ctx, r.Target)
		}
		msg := ""
		if ferr != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			msg = ferr.Error()
			h.log.Warn("follow request failed", "target", r.Target, "action", r.Action, "err", ferr)
		}
		if err := h.store.FinishFollowRequest(ctx, r.ID, msg); err != nil && !errors.Is(err, db.ErrNotFound) {
			return 0, err
		}
	}
	return len(reqs), nil
}

// collectionItems reads the ids in a remote collection, following its
// pages, up to limit.
func (h *Handler) collectionItems(ctx context.Context, uri string, limit int) ([]string, error) {
	doc, _, err := h.fetch(ctx, uri)
	if err != nil {
		return nil, err
	}
	var out []string
	take := func(m map[string]any) {
		for _, k := range []string{"orderedItems", "items"} {
			for _, id := range idsOf(m[k]) {
				if len(out) < limit {
					out = append(out, id)
				}
			}
		}
	}
	take(doc)
	next := doc["first"]
	for pages := 0; next != nil && len(out) < limit && pages < 50; pages++ {
		page := objOf(next)
		if page == nil {
			u := idOf(next)
			if hostOf(u) != hostOf(uri) {
				break
			}
			if page, _, err = h.fetch(ctx, u); err != nil {
				return out, err
			}
		}
		take(page)
		next = page["next"]
	}
	return out, nil
}
