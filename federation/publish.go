package federation

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"

	"github.com/bgimigranti/hub/db"
)

// PublishPending turns up to limit pending outbox events into Create,
// Update and Delete activities from the items' actors, stores them (the
// outbox shows them) and queues one delivery per follower inbox, each
// event in one transaction that also marks it processed. It returns how
// many events it handled.
func (h *Handler) PublishPending(ctx context.Context, limit int) (int, error) {
	events, err := h.store.PendingOutboxEvents(ctx, limit)
	if err != nil {
		return 0, err
	}
	for _, ev := range events {
		if err := h.publish(ctx, ev); err != nil {
			return 0, fmt.Errorf("federation: publish outbox event %d: %w", ev.ID, err)
		}
	}
	if len(events) > 0 {
		h.Wake()
	}
	return len(events), nil
}

// outgoing is an activity ready to store and deliver.
type outgoing struct {
	actor   *db.Actor
	doc     map[string]any
	typ     string
	object  string
	public  bool
	inboxes []string
	// also runs in the transaction (a tombstone, a follow).
	also func(ctx context.Context, tx *db.Store) error
}

// publish handles one outbox event.
func (h *Handler) publish(ctx context.Context, ev *db.OutboxEvent) error {
	var outs []*outgoing
	switch ev.Subject {
	case "item":
		out, err := h.itemActivity(ctx, ev)
		if err != nil {
			return err
		}
		if out != nil {
			outs = append(outs, out)
		}
	case db.OutboxForumThread, db.OutboxForumPost:
		var err error
		if outs, err = h.forumActivities(ctx, ev); err != nil {
			return err
		}
	case db.OutboxForumCategory:
		var err error
		if outs, err = h.categoryActivities(ctx, ev); err != nil {
			return err
		}
	}
	return h.store.InTx(ctx, func(tx *db.Store) error {
		took, err := tx.TakeOutboxEvent(ctx, ev.ID, h.now())
		if err != nil || !took {
			return err
		}
		for _, out := range outs {
			if err := h.storeOutgoing(ctx, tx, out); err != nil {
				return err
			}
		}
		return nil
	})
}

// storeOutgoing stores an activity the hub sends and queues its
// deliveries, in tx.
func (h *Handler) storeOutgoing(ctx context.Context, tx *db.Store, out *outgoing) error {
	raw, err := marshalJSON(out.doc)
	if err != nil {
		return err
	}
	act := &db.Activity{URI: str(out.doc, "id"), Type: out.typ, Outgoing: true, Public: out.public,
		ActorURI: out.actor.URI, ObjectURI: out.object, LocalActorID: out.actor.ID, Raw: string(raw), CreatedAt: h.now()}
	if _, err := tx.InsertActivity(ctx, act); err != nil {
		return err
	}
	if out.also != nil {
		if err := out.also(ctx, tx); err != nil {
			return err
		}
	}
	return tx.EnqueueDeliveries(ctx, act.ID, out.actor.ID, h.allowedInboxes(ctx, out.inboxes), h.now())
}

// allowedInboxes drops the inboxes on blocked (or, in allowlist mode,
// unapproved) hosts.
func (h *Handler) allowedInboxes(ctx context.Context, inboxes []string) []string {
	out := inboxes[:0:0]
	for _, in := range inboxes {
		if host := hostOf(in); host != "" && !h.policy.blocked(ctx, host) {
			out = append(out, in)
		}
	}
	return out
}

// itemActivity builds the activity an item's outbox event means, or nil
// when there is nothing to send (the item changed again since, or was
// never sent).
func (h *Handler) itemActivity(ctx context.Context, ev *db.OutboxEvent) (*outgoing, error) {
	objectURI := h.base + "/items/" + strconv.FormatInt(ev.SubjectID, 10)
	if ev.Action == db.ActionDelete {
		return h.deleteActivity(ctx, objectURI)
	}
	it, err := h.store.Item(ctx, ev.SubjectID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if it.Remote || it.Status != db.Published {
		return nil, nil
	}
	actor, err := h.itemActor(ctx, it)
	if err != nil {
		return nil, err
	}
	media, err := h.store.ItemMediaList(ctx, it.ID)
	if err != nil {
		return nil, err
	}
	obj, err := h.itemObject(it, actor, media)
	if err != nil {
		return nil, err
	}
	var act vocab.Type
	typ := "Create"
	if ev.Action == db.ActionUpdate {
		typ = "Update"
		u := streams.NewActivityStreamsUpdate()
		u.SetJSONLDId(idProp(h.newID()))
		u.SetActivityStreamsActor(actorProp(actor.URI))
		u.SetActivityStreamsTo(toProp(asPublic))
		u.SetActivityStreamsCc(ccProp(actor.Followers))
		u.SetActivityStreamsPublished(publishedProp(h.now()))
		act = u
	} else {
		c := streams.NewActivityStreamsCreate()
		c.SetJSONLDId(idProp(h.newID()))
		c.SetActivityStreamsActor(actorProp(actor.URI))
		c.SetActivityStreamsTo(toProp(asPublic))
		c.SetActivityStreamsCc(ccProp(actor.Followers))
		c.SetActivityStreamsPublished(publishedProp(it.PublishedAt))
		act = c
	}
	doc, err := serialize(act)
	if err != nil {
		return nil, err
	}
	doc["object"] = obj
	inboxes, err := h.store.FollowerInboxes(ctx, actor.ID, !h.cfg.PersonalInboxes)
	if err != nil {
		return nil, err
	}
	return &outgoing{actor: actor, doc: doc, typ: typ, object: objectURI, public: true, inboxes: inboxes,
		also: func(ctx context.Context, tx *db.Store) error { return tx.RemoveTombstone(ctx, objectURI) }}, nil
}

// deleteActivity builds the Delete of a local object, sent by the actor
// that sent it last, to that actor's followers, with a Tombstone.
func (h *Handler) deleteActivity(ctx context.Context, objectURI string) (*outgoing, error) {
	last, err := h.store.LastOutgoingActivity(ctx, objectURI, "Create", "Update")
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil // never federated
	}
	if err != nil {
		return nil, err
	}
	actor, err := h.store.Actor(ctx, last.LocalActorID)
	if err != nil {
		return nil, err
	}
	formerType := "Article"
	if prev := parseRaw(last.Raw); prev != nil {
		if t := typeOf(objOf(prev["object"])); t != "" {
			formerType = t
		}
	}
	now := h.now()
	d := streams.NewActivityStreamsDelete()
	d.SetJSONLDId(idProp(h.newID()))
	d.SetActivityStreamsActor(actorProp(actor.URI))
	d.SetActivityStreamsTo(toProp(asPublic))
	d.SetActivityStreamsCc(ccProp(actor.Followers))
	d.SetActivityStreamsPublished(publishedProp(now))
	doc, err := serialize(d)
	if err != nil {
		return nil, err
	}
	doc["object"] = h.tombstone(objectURI, formerType, now, false)
	inboxes, err := h.store.FollowerInboxes(ctx, actor.ID, !h.cfg.PersonalInboxes)
	if err != nil {
		return nil, err
	}
	return &outgoing{actor: actor, doc: doc, typ: "Delete", object: objectURI, public: true, inboxes: inboxes,
		also: func(ctx context.Context, tx *db.Store) error { return tx.AddTombstone(ctx, objectURI, formerType, now) }}, nil
}
