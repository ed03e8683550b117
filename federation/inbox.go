package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-fed/activity/streams"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/markup"
	"github.com/bgimigranti/hub/federation/httpsig"
)

// activity is a received activity: its raw JSON, parsed once.
type activity struct {
	raw   map[string]any
	body  []byte
	typ   string
	id    string
	actor string
	// forget lists actors whose cached state the activity changes.
	forget []*db.Actor
}

// errMalformed marks a body that is not an acceptable activity (400).
var errMalformed = errors.New("malformed activity")

// parseActivity parses and checks a received activity: a JSON object that
// go-fed resolves (or, for a type it does not know, that has a type), with
// an id on the host of its actor.
func parseActivity(ctx context.Context, body []byte) (*activity, error) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, fmt.Errorf("%w: not a JSON object", errMalformed)
	}
	if err := checkDoc(body, m); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	a := &activity{raw: m, body: body}
	t, err := streams.ToType(ctx, m)
	switch {
	case err == nil:
		a.typ = t.GetTypeName()
	case streams.IsUnmatchedErr(err):
		a.typ = typeOf(m)
	default:
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	a.id, a.actor = str(m, "id"), idOf(m["actor"])
	switch {
	case a.typ == "":
		return nil, fmt.Errorf("%w: no type", errMalformed)
	case hostOf(a.actor) == "":
		return nil, fmt.Errorf("%w: no actor", errMalformed)
	case hostOf(a.id) == "":
		return nil, fmt.Errorf("%w: no id", errMalformed)
	case hostOf(a.id) != hostOf(a.actor):
		return nil, fmt.Errorf("%w: the id %.200q is not on the actor's host", errMalformed, a.id)
	case len(a.id) > 2000:
		return nil, fmt.Errorf("%w: the id is too long", errMalformed)
	}
	return a, nil
}

// hasSignature reports whether a request carries an HTTP signature.
func hasSignature(r *http.Request) bool {
	if r.Header.Get("Signature") != "" {
		return true
	}
	for _, v := range r.Header.Values("Authorization") {
		if len(v) >= 10 && strings.EqualFold(v[:10], "Signature ") {
			return true
		}
	}
	return false
}

// postInbox receives an activity at an actor's inbox or the shared one:
// body limit (413), signature (401), JSON (400), domain policy (403), key
// owner equal to the activity's actor (401), then deduplication by id and
// the side effects in one transaction, answered 202. Unknown types are
// stored and ignored; bad input never causes a 5xx.
func (h *Handler) postInbox(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if handle := r.PathValue("handle"); handle != "" {
		if _, err := h.localActor(ctx, handle); err != nil {
			return err
		}
	}
	if !hasSignature(r) {
		return errorf(http.StatusUnauthorized, "the request must be signed (HTTP Signatures)", nil)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxInboxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errorf(http.StatusRequestEntityTooLarge, "the activity is too large", err)
		}
		return errorf(http.StatusBadRequest, "the body could not be read", err)
	}
	act, err := parseActivity(ctx, body)
	if err != nil {
		return errorf(http.StatusBadRequest, "the body is not a valid activity", err)
	}
	if h.policy.blocked(ctx, hostOf(act.actor)) {
		return errorf(http.StatusForbidden, "forbidden", errBlocked)
	}
	// From here the request is on its way to the group commit, which
	// waits a little for it when it is about to commit a small batch.
	coming := h.gc.expect()
	defer coming.cancel()
	res, err := httpsig.Verify(ctx, r, body, httpsig.Options{Now: h.now()}, h.keyFunc)
	if err != nil {
		switch {
		case errors.Is(err, errBlocked):
			return errorf(http.StatusForbidden, "forbidden", err)
		case act.typ == "Delete" && idOf(act.raw["object"]) == act.actor && gone(err):
			// An actor deleted before we ever knew it: nothing to undo.
			w.WriteHeader(http.StatusAccepted)
			return nil
		case ctx.Err() != nil:
			return errorf(http.StatusServiceUnavailable, "try again later", err)
		}
		return errorf(http.StatusUnauthorized, "the signature could not be verified", err)
	}
	if res.Owner != act.actor {
		return errorf(http.StatusUnauthorized, "the signing key does not belong to the activity's actor",
			fmt.Errorf("key owner %s, actor %s", res.Owner, act.actor))
	}
	sender, err := h.cachedActor(ctx, res.Owner)
	if err != nil {
		return err
	}
	if sender.Blocked {
		return errorf(http.StatusForbidden, "forbidden", errBlocked)
	}
	eff, err := h.prepare(ctx, act, sender)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return errorf(http.StatusServiceUnavailable, "try again later", err)
	case ignorable(err):
		h.notApplied(act, err)
		eff = nil
	default:
		return err // the database failed: the sender will retry
	}
	coming.cancel()
	if err := h.commit(ctx, act, eff); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// effect is what an activity does to the database, run in the
// transaction that stores it.
type effect func(ctx context.Context, tx *db.Store) error

// ignorable reports whether an effect failed on the content (invalid,
// conflicting, ignored, about something missing) rather than on the
// database: the activity is then kept, the effect undone.
func ignorable(err error) bool {
	return errors.Is(err, errIgnore) || errors.Is(err, db.ErrInvalid) || errors.Is(err, db.ErrConflict) || errors.Is(err, db.ErrNotFound)
}

// commit stores a received activity and, the first time it is seen, runs
// its effect, in one transaction shared with the activities that arrive
// at the same moment (group commit).
func (h *Handler) commit(ctx context.Context, act *activity, eff effect) error {
	job := &commitJob{act: act, eff: eff, done: make(chan struct{})}
	return h.gc.submit(job)
}

// groupCommit batches received activities into one transaction: the
// request that finds nobody committing becomes the leader and commits what
// is queued, including what arrives meanwhile, until its own activity is
// committed; then it hands the rest to a new leader. Commits, not
// statements, are what an inbox pays most for on both databases.
//
// A leader about to commit fewer than maxBatch activities while other
// requests are still verifying or preparing theirs waits for them, up to
// maxBatchWait: on a busy machine they arrive a few at a time, and a
// transaction of one costs nearly as much as one of twenty.
type groupCommit struct {
	h       *Handler
	mu      sync.Mutex
	queue   []*commitJob
	leading bool
	coming  atomic.Int64  // requests that will submit soon (see expect)
	arrived chan struct{} // a job was queued
}

// maxBatch bounds the activities of one transaction; maxBatchWait bounds
// how long a leader waits for more.
const (
	maxBatch     = 64
	maxBatchWait = 3 * time.Millisecond
)

func newGroupCommit(h *Handler) *groupCommit {
	return &groupCommit{h: h, arrived: make(chan struct{}, 1)}
}

// arrival is a request on its way to the group commit: counted as coming
// until it submits its job or gives up.
type arrival struct {
	g    *groupCommit
	done bool
}

// expect counts a request that will probably submit a job.
func (g *groupCommit) expect() *arrival {
	g.coming.Add(1)
	return &arrival{g: g}
}

// cancel stops counting the request; it may be called more than once.
func (a *arrival) cancel() {
	if !a.done {
		a.done = true
		a.g.coming.Add(-1)
	}
}

type commitJob struct {
	act   *activity
	eff   effect
	err   error
	fresh bool // seen for the first time, effect applied
	done  chan struct{}
}

func (g *groupCommit) submit(job *commitJob) error {
	g.mu.Lock()
	g.queue = append(g.queue, job)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	select {
	case g.arrived <- struct{}{}:
	default:
	}
	if lead {
		g.lead(job)
	}
	<-job.done
	return job.err
}

// lead commits batches until mine is done (or, for mine nil, until the
// queue is empty).
func (g *groupCommit) lead(mine *commitJob) {
	for {
		g.gather()
		g.mu.Lock()
		n := min(len(g.queue), maxBatch)
		if n == 0 {
			g.leading = false
			g.mu.Unlock()
			return
		}
		batch := append([]*commitJob(nil), g.queue[:n]...)
		g.queue = append(g.queue[:0], g.queue[n:]...)
		g.mu.Unlock()
		g.run(batch)
		if mine != nil && closed(mine.done) {
			go g.lead(nil)
			return
		}
	}
}

// gather waits, up to maxBatchWait, while the queue holds fewer than
// maxBatch jobs and more are coming.
func (g *groupCommit) gather() {
	var timer *time.Timer
	for {
		g.mu.Lock()
		n := len(g.queue)
		g.mu.Unlock()
		if n == 0 || n >= maxBatch || g.coming.Load() <= 0 {
			break
		}
		if timer == nil {
			timer = time.NewTimer(maxBatchWait)
		}
		select {
		case <-g.arrived:
			continue
		case <-timer.C:
		}
		break
	}
	if timer != nil {
		timer.Stop()
	}
}

func closed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// run commits one batch. When the transaction fails (an activity's effect
// failed, or the database did), each activity is committed again alone,
// so that one cannot sink the others.
func (g *groupCommit) run(batch []*commitJob) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var err error
	if len(batch) == 1 {
		err = g.h.applyAlone(ctx, batch[0])
	} else {
		err = g.h.store.InTx(ctx, func(tx *db.Store) error {
			for _, j := range batch {
				if err := g.h.apply(ctx, tx, j); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			for _, j := range batch {
				g.run([]*commitJob{j})
			}
			return
		}
	}
	for _, j := range batch {
		j.err = err
		if err == nil && j.fresh {
			g.h.Wake()
			for _, a := range j.act.forget {
				g.h.forget(a)
			}
		}
		close(j.done)
	}
}

// record is the row a received activity is stored as.
func (h *Handler) record(act *activity) *db.Activity {
	return &db.Activity{URI: act.id, Type: act.typ, ActorURI: act.actor, Host: hostOf(act.actor),
		ObjectURI: idOf(act.raw["object"]), Raw: string(act.body), CreatedAt: h.now()}
}

// notApplied logs why an accepted activity changes nothing: at Debug
// level when the hub deliberately ignores it (errIgnore: not followed, not
// content, a fetch that failed), at Info when its content was refused by
// the store.
func (h *Handler) notApplied(act *activity, err error) {
	level := slog.LevelInfo
	if errors.Is(err, errIgnore) {
		level = slog.LevelDebug
	}
	h.log.Log(context.Background(), level, "activity not applied", "id", act.id, "type", act.typ, "actor", act.actor, "reason", err)
}

// apply stores one activity and, the first time, runs its effect, in tx.
func (h *Handler) apply(ctx context.Context, tx *db.Store, j *commitJob) error {
	j.fresh = false
	ok, err := tx.InsertActivity(ctx, h.record(j.act))
	if err == nil && !ok {
		h.log.Debug("activity not applied", "id", j.act.id, "type", j.act.typ, "actor", j.act.actor, "reason", "received before")
	}
	if err != nil || !ok || j.eff == nil {
		return err
	}
	j.fresh = true
	return j.eff(ctx, tx)
}

// applyAlone commits one activity in its own transaction; when its effect
// fails on the content, the activity is stored without it.
func (h *Handler) applyAlone(ctx context.Context, j *commitJob) error {
	err := h.store.InTx(ctx, func(tx *db.Store) error { return h.apply(ctx, tx, j) })
	if err == nil || !ignorable(err) {
		return err
	}
	h.notApplied(j.act, err)
	j.fresh = false
	_, err = h.store.InsertActivity(ctx, h.record(j.act))
	return err
}

// prepare works out what a received activity does, fetching what it needs
// first (outside the transaction). It returns errIgnore (wrapped) for
// activities that do nothing here.
func (h *Handler) prepare(ctx context.Context, act *activity, sender *db.Actor) (effect, error) {
	if eff, ok, err := h.fromPartner(ctx, act, sender); ok {
		return eff, err
	}
	switch act.typ {
	case "Follow":
		return h.onFollow(ctx, act, sender)
	case "Undo":
		return h.onUndo(ctx, act, sender)
	case "Accept", "Reject":
		return h.onAnswer(act, sender)
	case "Create":
		return h.onCreate(ctx, act, sender)
	case "Update":
		return h.onUpdate(ctx, act, sender)
	case "Delete":
		return h.onDelete(act, sender)
	case "Announce":
		return h.onAnnounce(ctx, act, sender)
	case "Like":
		return h.onLike(act, sender)
	case "Flag":
		return h.onFlag(act, sender)
	case "Block":
		return h.onBlock(ctx, act, sender)
	case "Add":
		return h.onAdd(ctx, act, sender)
	}
	return nil, ignoref("%s activities are not handled", act.typ)
}

// onFollow accepts every Follow of a local actor: the follower is stored
// and an Accept queued.
func (h *Handler) onFollow(ctx context.Context, act *activity, sender *db.Actor) (effect, error) {
	handle := h.localHandle(idOf(act.raw["object"]))
	if handle == "" {
		return nil, ignoref("follow of a non-local actor")
	}
	local, err := h.localActor(ctx, handle)
	if err != nil {
		return nil, ignoref("follow of %s: %v", handle, err)
	}
	if sender.Inbox == "" {
		return nil, ignoref("follower %s has no inbox", sender.URI)
	}
	follow := make(map[string]any, len(act.raw))
	for k, v := range act.raw {
		if k != "@context" {
			follow[k] = v
		}
	}
	accept := map[string]any{"@context": ldContext(), "id": h.newID(), "type": "Accept", "actor": local.URI,
		"to": []any{sender.URI}, "object": follow}
	return func(ctx context.Context, tx *db.Store) error {
		if _, err := tx.SaveFollow(ctx, sender.ID, local.ID, act.id, db.FollowAccepted); err != nil {
			return err
		}
		return h.storeOutgoing(ctx, tx, &outgoing{actor: local, doc: accept, typ: "Accept", object: act.id, inboxes: []string{sender.Inbox}})
	}, nil
}

// inner returns the activity an Undo, Accept or Reject is about: embedded,
// or looked up by id among stored activities. It may return nil with a
// bare id.
func (h *Handler) inner(ctx context.Context, v any) (map[string]any, string) {
	if obj := objOf(v); obj != nil && typeOf(obj) != "" {
		return obj, str(obj, "id")
	}
	id := idOf(v)
	if id == "" {
		return nil, ""
	}
	if a, err := h.store.ActivityByURI(ctx, id); err == nil {
		return parseRaw(a.Raw), id
	}
	return nil, id
}

// onUndo reverses a Follow, Like or Block the sender made.
func (h *Handler) onUndo(ctx context.Context, act *activity, sender *db.Actor) (effect, error) {
	obj, id := h.inner(ctx, act.raw["object"])
	if obj != nil {
		if a := idOf(obj["actor"]); a != "" && a != sender.URI {
			return nil, ignoref("undo of another actor's activity")
		}
	}
	typ := typeOf(obj)
	switch {
	case typ == "Follow" || obj == nil:
		handle := h.localHandle(idOf(obj["object"]))
		return func(ctx context.Context, tx *db.Store) error {
			if handle != "" {
				local, err := tx.LocalActor(ctx, handle)
				if err != nil {
					return err
				}
				_, err = tx.DeleteFollow(ctx, sender.ID, local.ID)
				return err
			}
			f, err := tx.FollowByURI(ctx, id)
			if err != nil || f.FollowerID != sender.ID {
				return ignoref("undo of an unknown follow")
			}
			_, err = tx.DeleteFollow(ctx, f.FollowerID, f.FolloweeID)
			return err
		}, nil
	case typ == "Like":
		return func(ctx context.Context, tx *db.Store) error { return tx.RemoveLike(ctx, id, sender.ID) }, nil
	case typ == "Block":
		handle := h.localHandle(idOf(obj["object"]))
		return func(ctx context.Context, tx *db.Store) error {
			local, err := tx.LocalActor(ctx, handle)
			if err != nil {
				return err
			}
			return tx.RemoveActorBlock(ctx, sender.ID, local.ID)
		}, nil
	}
	return nil, ignoref("undo of %s", typ)
}

// onAnswer records the sender's Accept or Reject of a local actor's Follow.
func (h *Handler) onAnswer(act *activity, sender *db.Actor) (effect, error) {
	st := db.FollowAccepted
	if act.typ == "Reject" {
		st = db.FollowRejected
	}
	act.forget = append(act.forget, sender)
	v := act.raw["object"]
	id := idOf(v)
	obj := objOf(v)
	return func(ctx context.Context, tx *db.Store) error {
		f, err := tx.FollowByURI(ctx, id)
		if errors.Is(err, db.ErrNotFound) && obj != nil {
			// Some servers answer with a Follow of their own making.
			local, lerr := tx.LocalActor(ctx, h.localHandle(idOf(obj["actor"])))
			if lerr != nil {
				return ignoref("answer to an unknown follow")
			}
			f, err = tx.FollowBetween(ctx, local.ID, sender.ID)
		}
		if err != nil {
			return ignoref("answer to an unknown follow: %v", err)
		}
		if f.FolloweeID != sender.ID {
			return ignoref("answer from an actor that was not followed")
		}
		return tx.SetFollowState(ctx, f.ID, st)
	}, nil
}

// embeddedOrFetched returns the object of an activity: embedded, or
// fetched when only its id is given. It must be on the sender's host.
func (h *Handler) embeddedOrFetched(ctx context.Context, act *activity, sender *db.Actor) (map[string]any, error) {
	obj := objOf(act.raw["object"])
	if obj == nil || typeOf(obj) == "" {
		id := idOf(act.raw["object"])
		if hostOf(id) == "" || hostOf(id) != sender.Host {
			return nil, ignoref("object %.200q is not the sender's", id)
		}
		doc, _, err := h.fetch(ctx, id)
		if err != nil {
			return nil, ignoref("fetch object: %v", err)
		}
		obj = doc
	}
	if hostOf(str(obj, "id")) != sender.Host {
		return nil, ignoref("object %.200q is not on the sender's host", str(obj, "id"))
	}
	return obj, nil
}

// onCreate stores content: a reply to a local item from anyone, or an
// item from an actor someone here follows.
func (h *Handler) onCreate(ctx context.Context, act *activity, sender *db.Actor) (effect, error) {
	obj, err := h.embeddedOrFetched(ctx, act, sender)
	if err != nil {
		return nil, err
	}
	if eff, ok, err := h.forumCreate(ctx, act, obj, sender); ok {
		return eff, err
	}
	return h.contentEffect(ctx, obj, sender, sender)
}

// contentEffect decides what to do with a received content object by
// author: store it as a reply, as an item, or not at all.
func (h *Handler) contentEffect(ctx context.Context, obj map[string]any, sender, author *db.Actor) (effect, error) {
	if !knownObjectTypes[typeOf(obj)] {
		return nil, ignoref("object type %q", typeOf(obj))
	}
	if at := idOf(obj["attributedTo"]); at != "" && at != author.URI {
		return nil, ignoref("object attributed to %.200q, not %s", at, author.URI)
	}
	if !isPublic(obj) {
		// Followers-only and direct posts must not end up on public pages.
		return nil, ignoref("object %.200q is not public", str(obj, "id"))
	}
	if parent := idOf(obj["inReplyTo"]); parent != "" {
		return h.replyEffect(ctx, obj, author, parent)
	}
	followed, err := h.isFollowed(ctx, sender.URI)
	if err != nil {
		return nil, err
	}
	if !followed && sender.URI != author.URI {
		followed, err = h.isFollowed(ctx, author.URI)
		if err != nil {
			return nil, err
		}
	}
	if !followed {
		return nil, ignoref("%s is not followed here", sender.URI)
	}
	it, err := h.remoteItem(obj)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, tx *db.Store) error {
		return h.saveRemoteItem(ctx, tx, it, author)
	}, nil
}

// saveRemoteItem creates or replaces a remote item of author's.
func (h *Handler) saveRemoteItem(ctx context.Context, tx *db.Store, it *db.Item, author *db.Actor) error {
	orgID, ok := h.orgs.get(author.URI)
	if !ok {
		org, err := h.remoteOrganisation(ctx, tx, author)
		if err != nil {
			return err
		}
		orgID = org.ID
	}
	it.OrganisationID = orgID
	saved, err := tx.SaveRemoteItem(ctx, it)
	if err != nil {
		h.orgs.forget(author.URI)
		return err
	}
	if !saved {
		return ignoref("%s belongs to someone else", it.APID)
	}
	h.orgs.put(author.URI, orgID)
	if h.cfg.Images != nil {
		if err := tx.SetRemoteImages(ctx, it.ID, it.RemoteImages); err != nil {
			return err
		}
		h.Wake() // the worker fetches new images and lets dropped ones go
	}
	return nil
}

// replyEffect stores a reply to a local item, or to a stored reply to
// one, from any actor that is not blocked.
func (h *Handler) replyEffect(ctx context.Context, obj map[string]any, author *db.Actor, parent string) (effect, error) {
	var itemID int64
	if id := h.itemIDFromURI(parent); id > 0 {
		it, err := h.store.Item(ctx, id)
		if err != nil || it.Remote || it.Status != db.Published {
			return nil, ignoref("reply to an item that is not published here")
		}
		itemID = it.ID
	} else if p, err := h.store.ReplyByURI(ctx, parent); err == nil {
		itemID = p.ItemID
	} else {
		return nil, ignoref("reply to %.200q, which is not here", parent)
	}
	r, err := h.replyFrom(obj)
	if err != nil {
		return nil, err
	}
	r.ItemID, r.ActorID = itemID, author.ID
	return func(ctx context.Context, tx *db.Store) error { return tx.SaveReply(ctx, r) }, nil
}

// onUpdate refreshes the sender's own actor, or replaces an item or reply
// of the sender's (or stores it, like a Create, when it is new here).
func (h *Handler) onUpdate(ctx context.Context, act *activity, sender *db.Actor) (effect, error) {
	obj, err := h.embeddedOrFetched(ctx, act, sender)
	if err != nil {
		return nil, err
	}
	if actorTypes[typeOf(obj)] {
		if str(obj, "id") != sender.URI {
			return nil, ignoref("update of another actor")
		}
		raw, _ := json.Marshal(obj)
		a, err := h.actorFromDoc(obj, raw)
		if err != nil {
			return nil, ignoref("update of actor: %v", err)
		}
		if a.PublicKeyPEM == "" {
			a.KeyID, a.PublicKeyPEM = sender.KeyID, sender.PublicKeyPEM
		}
		act.forget = append(act.forget, sender, a)
		return func(ctx context.Context, tx *db.Store) error {
			if err := tx.SaveRemoteActor(ctx, a); err != nil {
				return err
			}
			return h.refreshRemoteOrganisation(ctx, tx, a)
		}, nil
	}
	if eff, ok, err := h.forumUpdate(ctx, act, obj, sender); ok {
		return eff, err
	}
	if r, err := h.store.ReplyByURI(ctx, str(obj, "id")); err == nil {
		if r.ActorID != sender.ID {
			return nil, ignoref("update of another actor's reply")
		}
	}
	return h.contentEffect(ctx, obj, sender, sender)
}

// onDelete removes the sender itself, or an item or reply of the sender's.
func (h *Handler) onDelete(act *activity, sender *db.Actor) (effect, error) {
	id := idOf(act.raw["object"])
	if id == "" {
		return nil, ignoref("delete without an object")
	}
	if id == sender.URI {
		act.forget = append(act.forget, sender)
		return func(ctx context.Context, tx *db.Store) error { return tx.DeleteRemoteActor(ctx, sender.URI) }, nil
	}
	return func(ctx context.Context, tx *db.Store) error {
		it, err := tx.ItemByAPID(ctx, id)
		if err == nil {
			if !it.Remote || it.Organisation == nil || it.Organisation.ActorID != sender.URI {
				return ignoref("delete of another actor's item")
			}
			return tx.DeleteItem(ctx, it.ID)
		}
		if !errors.Is(err, db.ErrNotFound) {
			return err
		}
		if done, err := tx.DeleteRemoteForumPost(ctx, id, sender.ID); done || err != nil {
			return err
		}
		_, err = tx.DeleteReply(ctx, id, sender.ID)
		return err
	}, nil
}

// onAnnounce stores an announced (boosted) object when the announcer or
// the object's author is followed here: the object is fetched from its
// origin and attributed to its author.
func (h *Handler) onAnnounce(ctx context.Context, act *activity, sender *db.Actor) (effect, error) {
	id := idOf(act.raw["object"])
	if hostOf(id) == "" || hostOf(id) == h.host {
		return nil, ignoref("announce of a local or unknown object")
	}
	if h.policy.blocked(ctx, hostOf(id)) {
		return nil, ignoref("announce of an object from a blocked host")
	}
	followed, err := h.isFollowed(ctx, sender.URI)
	if err != nil {
		return nil, err
	}
	obj, _, err := h.fetch(ctx, id)
	if err != nil {
		return nil, ignoref("fetch announced object: %v", err)
	}
	if str(obj, "id") != id {
		return nil, ignoref("announced object answered with another id")
	}
	authorID := idOf(obj["attributedTo"])
	if hostOf(authorID) != hostOf(id) {
		return nil, ignoref("announced object's author is on another host")
	}
	if !followed {
		if followed, err = h.isFollowed(ctx, authorID); err != nil {
			return nil, err
		}
		if !followed {
			return nil, ignoref("neither %s nor %s is followed here", sender.URI, authorID)
		}
	}
	author, err := h.remoteActor(ctx, authorID)
	if err != nil {
		return nil, ignoref("author of announced object: %v", err)
	}
	if author.Blocked {
		return nil, ignoref("author is blocked")
	}
	if idOf(obj["inReplyTo"]) != "" {
		return nil, ignoref("announced replies are not kept")
	}
	it, err := h.remoteItem(obj)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, tx *db.Store) error { return h.saveRemoteItem(ctx, tx, it, author) }, nil
}

// onLike counts a Like of a local item.
func (h *Handler) onLike(act *activity, sender *db.Actor) (effect, error) {
	itemID := h.itemIDFromURI(idOf(act.raw["object"]))
	if itemID == 0 {
		return nil, ignoref("like of a non-local object")
	}
	return func(ctx context.Context, tx *db.Store) error { return tx.AddLike(ctx, act.id, itemID, sender.ID) }, nil
}

// onFlag stores a report for the admins.
func (h *Handler) onFlag(act *activity, sender *db.Actor) (effect, error) {
	objects := idsOf(act.raw["object"])
	if len(objects) > 100 {
		objects = objects[:100]
	}
	content := markup.Truncate(markup.PlainText(str(act.raw, "content")), 5000)
	return func(ctx context.Context, tx *db.Store) error {
		if err := tx.AddReport(ctx, act.id, sender.ID, content, objects); err != nil {
			return err
		}
		return h.forumFlag(ctx, tx, act.id, sender, content, objects)
	}, nil
}

// onBlock records that the sender blocked a local actor, which ends their
// follows both ways.
func (h *Handler) onBlock(ctx context.Context, act *activity, sender *db.Actor) (effect, error) {
	handle := h.localHandle(idOf(act.raw["object"]))
	if handle == "" {
		return nil, ignoref("block of a non-local actor")
	}
	local, err := h.localActor(ctx, handle)
	if err != nil {
		return nil, ignoref("block of %s: %v", handle, err)
	}
	act.forget = append(act.forget, sender)
	return func(ctx context.Context, tx *db.Store) error {
		return tx.AddActorBlock(ctx, act.id, sender.ID, local.ID)
	}, nil
}
