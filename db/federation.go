package db

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// TakeOutboxEvent marks an outbox event processed if nobody has yet, and
// reports whether this call did. Run it in the transaction that writes the
// event's activities: when two processes race for one event, exactly one
// gets true (on PostgreSQL the loser waits for the winner's row lock and
// then sees processed_at set).
func (s *Store) TakeOutboxEvent(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := s.w.NewUpdate().Model((*OutboxEvent)(nil)).Set("processed_at = ?", now.UTC().Truncate(time.Microsecond)).
		Where("id = ?", id).Where("processed_at IS NULL").Exec(ctx)
	if err != nil {
		return false, wrap("db: take outbox event", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// ItemByAPID returns the remote item whose ActivityPub id is apid.
func (s *Store) ItemByAPID(ctx context.Context, apid string) (*Item, error) {
	it := new(Item)
	err := s.w.NewSelect().Model(it).Relation("Translations").Relation("Organisation").
		Where("i.ap_id = ?", apid).Scan(ctx)
	return it, wrap("db: item by ap id", err)
}

// OrganisationByActor returns the organisation that stands for the actor
// with the given URI in the directory.
func (s *Store) OrganisationByActor(ctx context.Context, actorURI string) (*Organisation, error) {
	o := new(Organisation)
	err := s.w.NewSelect().Model(o).Relation("Translations").Where("o.actor_id = ?", actorURI).Scan(ctx)
	return o, wrap("db: organisation by actor", err)
}

// NodeStats is what NodeInfo reports about this hub's usage.
type NodeStats struct {
	Users          int // accounts that are not disabled
	ActiveMonth    int // of those, updated within 30 days
	ActiveHalfyear int // of those, updated within 180 days
	LocalPosts     int // published local items
}

// NodeStats counts what NodeInfo reports.
func (s *Store) NodeStats(ctx context.Context, now time.Time) (NodeStats, error) {
	const op = "db: node stats"
	var st NodeStats
	users := func() *bun.SelectQuery {
		return s.r.NewSelect().Model((*User)(nil)).Where("disabled = ?", false)
	}
	for _, c := range []struct {
		dst *int
		q   *bun.SelectQuery
	}{
		{&st.Users, users()},
		{&st.ActiveMonth, users().Where("updated_at >= ?", now.UTC().AddDate(0, 0, -30))},
		{&st.ActiveHalfyear, users().Where("updated_at >= ?", now.UTC().AddDate(0, 0, -180))},
		{&st.LocalPosts, s.r.NewSelect().Model((*Item)(nil)).Where("remote = ?", false).Where("status = ?", Published)},
	} {
		n, err := c.q.Count(ctx)
		if err != nil {
			return st, wrap(op, err)
		}
		*c.dst = int(n)
	}
	return st, nil
}

// The policies a domain can have.
const (
	PolicyBlock = "block" // nothing is accepted from it, nothing sent to it
	PolicyAllow = "allow" // approved, for allowlist mode
)

// DomainPolicy is the admin's decision about one host.
type DomainPolicy struct {
	bun.BaseModel `bun:"table:domain_policies,alias:dp"`

	Host      string    `bun:"host,pk"` // host[:port], lower-case
	Policy    string    `bun:"policy"`
	Reason    string    `bun:"reason"`
	CreatedAt time.Time `bun:"created_at"`
}

// SetDomainPolicy sets (or with policy "" removes) the policy of a host.
// Blocking a host also removes what its actors brought: follows both ways,
// replies, likes and the items of their organisations.
func (s *Store) SetDomainPolicy(ctx context.Context, host, policy, reason string) error {
	const op = "db: set domain policy"
	host = strings.ToLower(strings.TrimSpace(host))
	if host == "" || strings.ContainsAny(host, "/ ") {
		return wrap(op, fmt.Errorf("%w: %q is not a host name", ErrInvalid, host))
	}
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.w.NewDelete().Model((*DomainPolicy)(nil)).Where("host = ?", host).Exec(ctx); err != nil {
			return err
		}
		switch policy {
		case "":
			return nil
		case PolicyBlock, PolicyAllow:
		default:
			return fmt.Errorf("%w: unknown policy %q (block or allow)", ErrInvalid, policy)
		}
		p := &DomainPolicy{Host: host, Policy: policy, Reason: reason, CreatedAt: tx.utcNow()}
		if _, err := tx.w.NewInsert().Model(p).Exec(ctx); err != nil {
			return err
		}
		if policy != PolicyBlock {
			return nil
		}
		var actors []*Actor
		if err := tx.w.NewSelect().Model(&actors).Where("a.host = ?", host).Where("a.local = ?", false).Scan(ctx); err != nil {
			return err
		}
		for _, a := range actors {
			if err := tx.purgeActor(ctx, a); err != nil {
				return err
			}
		}
		return nil
	}))
}

// DomainPolicies returns every domain policy, by host.
func (s *Store) DomainPolicies(ctx context.Context) ([]*DomainPolicy, error) {
	var out []*DomainPolicy
	err := s.r.NewSelect().Model(&out).OrderExpr("dp.host").Scan(ctx)
	return out, wrap("db: domain policies", err)
}

// federationSetting is one named switch of the federation.
type federationSetting struct {
	bun.BaseModel `bun:"table:federation_settings"`
	Name          string `bun:"name,pk"`
	Value         string `bun:"value"`
}

// settingAllowlist is the name of the allowlist-mode switch.
const settingAllowlist = "allowlist_mode"

// SetAllowlistMode switches allowlist mode on or off: when on, the hub
// federates only with hosts whose policy is "allow".
func (s *Store) SetAllowlistMode(ctx context.Context, on bool) error {
	v := "false"
	if on {
		v = "true"
	}
	_, err := s.w.NewInsert().Model(&federationSetting{Name: settingAllowlist, Value: v}).
		On("CONFLICT (name) DO UPDATE").Set("value = EXCLUDED.value").Exec(ctx)
	return wrap("db: set allowlist mode", err)
}

// AllowlistMode reports whether allowlist mode is on.
func (s *Store) AllowlistMode(ctx context.Context) (bool, error) {
	var v []string
	err := s.r.NewSelect().Model((*federationSetting)(nil)).Column("value").Where("name = ?", settingAllowlist).Scan(ctx, &v)
	return len(v) == 1 && v[0] == "true", wrap("db: allowlist mode", err)
}

// Reply is a remote actor's reply to a local item (or to a reply to one),
// its HTML sanitised before storage. Admins can hide it.
type Reply struct {
	bun.BaseModel `bun:"table:replies,alias:rp"`

	ID          int64     `bun:"id,pk,autoincrement"`
	URI         string    `bun:"uri"`
	ItemID      int64     `bun:"item_id"`
	ActorID     int64     `bun:"actor_id"`
	InReplyTo   string    `bun:"in_reply_to"`
	ContentHTML string    `bun:"content_html"`
	Lang        Lang      `bun:"lang"`
	URL         string    `bun:"url"`
	Hidden      bool      `bun:"hidden"`
	PublishedAt time.Time `bun:"published_at,nullzero"`
	CreatedAt   time.Time `bun:"created_at"`
	UpdatedAt   time.Time `bun:"updated_at"`

	Actor *Actor `bun:"rel:belongs-to,join:actor_id=id"`
}

// SaveReply stores a reply, or replaces the content of the stored one with
// the same URI (an Update), and sets r.ID.
func (s *Store) SaveReply(ctx context.Context, r *Reply) error {
	now := s.utcNow()
	r.CreatedAt, r.UpdatedAt = now, now
	if r.PublishedAt.IsZero() {
		r.PublishedAt = now
	}
	r.PublishedAt = r.PublishedAt.UTC().Truncate(time.Microsecond)
	_, err := s.w.NewInsert().Model(r).On("CONFLICT (uri) DO UPDATE").
		Set("content_html = EXCLUDED.content_html, lang = EXCLUDED.lang, url = EXCLUDED.url, updated_at = EXCLUDED.updated_at").
		Where("rp.actor_id = EXCLUDED.actor_id").
		Returning("id").Exec(ctx)
	if err == nil {
		s.touched(ctx)
	}
	return wrap("db: save reply", err)
}

// ReplyByURI returns the reply with the given ActivityPub id.
func (s *Store) ReplyByURI(ctx context.Context, uri string) (*Reply, error) {
	r := new(Reply)
	err := s.w.NewSelect().Model(r).Where("rp.uri = ?", uri).Scan(ctx)
	return r, wrap("db: reply by uri", err)
}

// DeleteReply removes the reply uri if actorID wrote it, and reports
// whether it did.
func (s *Store) DeleteReply(ctx context.Context, uri string, actorID int64) (bool, error) {
	res, err := s.w.NewDelete().Model((*Reply)(nil)).Where("uri = ? AND actor_id = ?", uri, actorID).Exec(ctx)
	if err != nil {
		return false, wrap("db: delete reply", err)
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		s.touched(ctx)
	}
	return n > 0, nil
}

// Replies returns the replies to an item with their authors, oldest first;
// hidden ones only when withHidden is set.
func (s *Store) Replies(ctx context.Context, itemID int64, withHidden bool) ([]*Reply, error) {
	var out []*Reply
	q := s.r.NewSelect().Model(&out).Relation("Actor").Where("rp.item_id = ?", itemID).OrderExpr("rp.published_at, rp.id")
	if !withHidden {
		q.Where("rp.hidden = ?", false)
	}
	err := q.Scan(ctx)
	return out, wrap("db: replies", err)
}

// SetReplyHidden hides a reply from view or shows it again.
func (s *Store) SetReplyHidden(ctx context.Context, id int64, hidden bool) error {
	res, err := s.w.NewUpdate().Model((*Reply)(nil)).Set("hidden = ?", hidden).Set("updated_at = ?", s.utcNow()).Where("id = ?", id).Exec(ctx)
	if err == nil {
		s.touched(ctx)
	}
	return wrap("db: set reply hidden", affected(res, err))
}

// Like is a remote actor's Like of a local item.
type Like struct {
	bun.BaseModel `bun:"table:likes,alias:lk"`

	ID        int64     `bun:"id,pk,autoincrement"`
	URI       string    `bun:"uri"`
	ItemID    int64     `bun:"item_id"`
	ActorID   int64     `bun:"actor_id"`
	CreatedAt time.Time `bun:"created_at"`
}

// AddLike records that an actor likes an item; a second Like by the same
// actor counts once.
func (s *Store) AddLike(ctx context.Context, uri string, itemID, actorID int64) error {
	l := &Like{URI: uri, ItemID: itemID, ActorID: actorID, CreatedAt: s.utcNow()}
	_, err := s.w.NewInsert().Model(l).On("CONFLICT (item_id, actor_id) DO NOTHING").Exec(ctx)
	return wrap("db: add like", err)
}

// RemoveLike undoes the Like uri by actorID.
func (s *Store) RemoveLike(ctx context.Context, uri string, actorID int64) error {
	_, err := s.w.NewDelete().Model((*Like)(nil)).Where("uri = ? AND actor_id = ?", uri, actorID).Exec(ctx)
	return wrap("db: remove like", err)
}

// CountLikes returns how many actors like an item.
func (s *Store) CountLikes(ctx context.Context, itemID int64) (int, error) {
	n, err := s.r.NewSelect().Model((*Like)(nil)).Where("item_id = ?", itemID).Count(ctx)
	return int(n), wrap("db: count likes", err)
}

// Report is a Flag another server sent: a complaint about some of the
// hub's actors or objects, for the admins.
type Report struct {
	bun.BaseModel `bun:"table:reports,alias:rep"`

	ID         int64     `bun:"id,pk,autoincrement"`
	URI        string    `bun:"uri"`
	ActorID    int64     `bun:"actor_id,nullzero"` // who reported
	Content    string    `bun:"content"`           // their comment, plain text
	Objects    string    `bun:"objects"`           // JSON array of the URIs reported
	ResolvedAt time.Time `bun:"resolved_at,nullzero"`
	CreatedAt  time.Time `bun:"created_at"`
}

// AddReport stores a report; the same Flag twice is stored once.
func (s *Store) AddReport(ctx context.Context, uri string, actorID int64, content string, objects []string) error {
	b, err := json.Marshal(objects)
	if err != nil {
		return wrap("db: add report", err)
	}
	r := &Report{URI: uri, ActorID: actorID, Content: content, Objects: string(b), CreatedAt: s.utcNow()}
	_, err = s.w.NewInsert().Model(r).On("CONFLICT (uri) DO NOTHING").Exec(ctx)
	return wrap("db: add report", err)
}

// Reports returns the reports, unresolved first, newest first.
func (s *Store) Reports(ctx context.Context, withResolved bool) ([]*Report, error) {
	var out []*Report
	q := s.r.NewSelect().Model(&out).OrderExpr("rep.id DESC")
	if !withResolved {
		q.Where("rep.resolved_at IS NULL")
	}
	err := q.Scan(ctx)
	return out, wrap("db: reports", err)
}

// ResolveReport marks a report as dealt with.
func (s *Store) ResolveReport(ctx context.Context, id int64) error {
	res, err := s.w.NewUpdate().Model((*Report)(nil)).Set("resolved_at = ?", s.utcNow()).Where("id = ?", id).Exec(ctx)
	return wrap("db: resolve report", affected(res, err))
}

// ActorBlock records that a remote actor blocked a local one.
type ActorBlock struct {
	bun.BaseModel `bun:"table:actor_blocks,alias:ab"`

	ID        int64     `bun:"id,pk,autoincrement"`
	URI       string    `bun:"uri"`
	ActorID   int64     `bun:"actor_id"`  // who blocks
	TargetID  int64     `bun:"target_id"` // whom
	CreatedAt time.Time `bun:"created_at"`
}

// AddActorBlock records that actorID blocked targetID and ends the follows
// between the two, both ways.
func (s *Store) AddActorBlock(ctx context.Context, uri string, actorID, targetID int64) error {
	return wrap("db: add actor block", s.InTx(ctx, func(tx *Store) error {
		b := &ActorBlock{URI: uri, ActorID: actorID, TargetID: targetID, CreatedAt: tx.utcNow()}
		if _, err := tx.w.NewInsert().Model(b).On("CONFLICT (actor_id, target_id) DO UPDATE").Set("uri = EXCLUDED.uri").Exec(ctx); err != nil {
			return err
		}
		_, err := tx.w.NewDelete().Model((*Follow)(nil)).
			Where("(follower_id = ? AND followee_id = ?) OR (follower_id = ? AND followee_id = ?)", actorID, targetID, targetID, actorID).Exec(ctx)
		return err
	}))
}

// RemoveActorBlock undoes a block (an Undo of a Block).
func (s *Store) RemoveActorBlock(ctx context.Context, actorID, targetID int64) error {
	_, err := s.w.NewDelete().Model((*ActorBlock)(nil)).Where("actor_id = ? AND target_id = ?", actorID, targetID).Exec(ctx)
	return wrap("db: remove actor block", err)
}

// IsBlockedBy reports whether the remote actor actorID blocked the local
// actor targetID.
func (s *Store) IsBlockedBy(ctx context.Context, targetID, actorID int64) (bool, error) {
	n, err := s.r.NewSelect().Model((*ActorBlock)(nil)).Where("actor_id = ? AND target_id = ?", actorID, targetID).Count(ctx)
	return n > 0, wrap("db: is blocked by", err)
}

// Tombstone remembers a local object that was deleted, so that fetching
// its id answers 410 Gone with a Tombstone.
type Tombstone struct {
	bun.BaseModel `bun:"table:tombstones,alias:ts"`

	URI        string    `bun:"uri,pk"`
	FormerType string    `bun:"former_type"`
	DeletedAt  time.Time `bun:"deleted_at"`
}

// AddTombstone records that the object uri is gone.
func (s *Store) AddTombstone(ctx context.Context, uri, formerType string, at time.Time) error {
	t := &Tombstone{URI: uri, FormerType: formerType, DeletedAt: at.UTC().Truncate(time.Microsecond)}
	_, err := s.w.NewInsert().Model(t).On("CONFLICT (uri) DO UPDATE").Set("deleted_at = EXCLUDED.deleted_at").Exec(ctx)
	return wrap("db: add tombstone", err)
}

// RemoveTombstone forgets a tombstone: the object is visible again.
func (s *Store) RemoveTombstone(ctx context.Context, uri string) error {
	_, err := s.w.NewDelete().Model((*Tombstone)(nil)).Where("uri = ?", uri).Exec(ctx)
	return wrap("db: remove tombstone", err)
}

// TombstoneByURI returns the tombstone of a deleted local object.
func (s *Store) TombstoneByURI(ctx context.Context, uri string) (*Tombstone, error) {
	t := new(Tombstone)
	err := s.r.NewSelect().Model(t).Where("ts.uri = ?", uri).Scan(ctx)
	return t, wrap("db: tombstone", err)
}

// The actions of a follow request.
const (
	RequestFollow   = "follow"
	RequestUnfollow = "unfollow"
)

// The states of a follow request.
const (
	RequestPending = "pending"
	RequestDone    = "done"
	RequestFailed  = "failed"
)

// FollowRequest asks the federation worker to follow (or stop following) a
// partner, given by handle@host or URL. The admin pages write these rows;
// the worker, which can reach the network, carries them out.
type FollowRequest struct {
	bun.BaseModel `bun:"table:follow_requests,alias:fr"`

	ID          int64     `bun:"id,pk,autoincrement"`
	Target      string    `bun:"target"`
	Action      string    `bun:"action"`
	State       string    `bun:"state"`
	Error       string    `bun:"error"`
	RequestedBy int64     `bun:"requested_by,nullzero"`
	CreatedAt   time.Time `bun:"created_at"`
	ProcessedAt time.Time `bun:"processed_at,nullzero"`
}

// RequestFollow queues a follow (action RequestFollow) or unfollow
// (RequestUnfollow) of target for the federation worker.
func (s *Store) RequestFollow(ctx context.Context, target, action string, userID int64) (*FollowRequest, error) {
	const op = "db: request follow"
	target = strings.TrimSpace(target)
	if target == "" || len(target) > 2000 {
		return nil, wrap(op, fmt.Errorf("%w: give a handle@host or a URL", ErrInvalid))
	}
	if action != RequestFollow && action != RequestUnfollow {
		return nil, wrap(op, fmt.Errorf("%w: unknown action %q", ErrInvalid, action))
	}
	r := &FollowRequest{Target: target, Action: action, State: RequestPending, RequestedBy: userID, CreatedAt: s.utcNow()}
	if _, err := s.w.NewInsert().Model(r).Returning("id").Exec(ctx); err != nil {
		return nil, wrap(op, err)
	}
	s.queued(ctx)
	return r, nil
}

// PendingFollowRequests returns up to limit requests not yet carried out,
// oldest first.
func (s *Store) PendingFollowRequests(ctx context.Context, limit int) ([]*FollowRequest, error) {
	var out []*FollowRequest
	err := s.w.NewSelect().Model(&out).Where("fr.state = ?", RequestPending).OrderExpr("fr.id").Limit(int64(max(limit, 1))).Scan(ctx)
	return out, wrap("db: pending follow requests", err)
}

// FinishFollowRequest records the outcome of a request: done, or failed
// with errText.
func (s *Store) FinishFollowRequest(ctx context.Context, id int64, errText string) error {
	st := RequestDone
	if errText != "" {
		st = RequestFailed
	}
	if len(errText) > 500 {
		errText = errText[:500]
	}
	res, err := s.w.NewUpdate().Model((*FollowRequest)(nil)).Set("state = ?", st).Set("error = ?", errText).
		Set("processed_at = ?", s.utcNow()).Where("id = ?", id).Where("state = ?", RequestPending).Exec(ctx)
	return wrap("db: finish follow request", affected(res, err))
}

// FollowRequests returns the latest follow requests, newest first.
func (s *Store) FollowRequests(ctx context.Context, limit int) ([]*FollowRequest, error) {
	var out []*FollowRequest
	err := s.r.NewSelect().Model(&out).OrderExpr("fr.id DESC").Limit(int64(max(limit, 1))).Scan(ctx)
	return out, wrap("db: follow requests", err)
}

// SaveRemoteItem stores an item received from another server, by its
// ActivityPub id (it.APID) in one statement: a new one is inserted; a
// stored one is replaced (translations too, version bumped) when it is
// remote and belongs to the same organisation, keeping its creation time,
// and staying hidden if an admin hid it. It reports false, changing
// nothing, when the id belongs to a local item or another organisation's.
func (s *Store) SaveRemoteItem(ctx context.Context, it *Item) (bool, error) {
	const op = "db: save remote item"
	it.Remote = true
	if it.Status == "" {
		it.Status = Published
	}
	if it.APID == "" || it.OrganisationID == 0 {
		return false, wrap(op, fmt.Errorf("%w: a remote item needs an ActivityPub id and an organisation", ErrInvalid))
	}
	if err := it.validate(); err != nil {
		return false, wrap(op, err)
	}
	now := s.utcNow()
	it.CreatedAt, it.UpdatedAt, it.Version = now, now, 1
	if it.PublishedAt.IsZero() {
		it.PublishedAt = now
	}
	normalizeTimes(it)
	// Most received items are new: a plain insert, which SQLite parses
	// faster than an upsert, and the update only when the id is taken.
	res, err := s.w.NewInsert().Model(it).On("CONFLICT (ap_id) DO NOTHING").Returning("id").Exec(ctx)
	if err != nil {
		return false, wrap(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		res, err := s.w.NewUpdate().Model(it).
			ExcludeColumn("id", "organisation_id", "author_id", "remote", "ap_id", "created_at", "version", "status").
			Set("status = CASE WHEN status = ? THEN status ELSE ? END", Hidden, it.Status).
			Set("version = version + 1").
			Where("ap_id = ? AND remote = ? AND organisation_id = ?", it.APID, true, it.OrganisationID).
			Returning("id, created_at, version, status").Exec(ctx)
		if err != nil {
			return false, wrap(op, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return false, nil
		}
		if _, err := s.w.NewDelete().Model((*ItemTranslation)(nil)).Where("item_id = ?", it.ID).Exec(ctx); err != nil {
			return false, wrap(op, err)
		}
	}
	for i := range it.Translations {
		it.Translations[i].ItemID = it.ID
	}
	if _, err := s.w.NewInsert().Model(&it.Translations).Exec(ctx); err != nil {
		return false, wrap(op, err)
	}
	s.touched(ctx)
	return true, nil
}
