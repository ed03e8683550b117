package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// FollowState is where a follow stands.
type FollowState string

// The states of a follow.
const (
	// FollowPending: the Follow was sent (or received) and not yet
	// answered.
	FollowPending FollowState = "pending"
	// FollowAccepted: the followee accepted; activities flow.
	FollowAccepted FollowState = "accepted"
	// FollowRejected: the followee said no.
	FollowRejected FollowState = "rejected"
)

// Follow is one actor following another, in either direction: a remote
// actor following a local one (a follower to deliver to) or a local actor
// following a remote one (a partner whose content the hub keeps).
type Follow struct {
	bun.BaseModel `bun:"table:follows,alias:f"`

	ID         int64       `bun:"id,pk,autoincrement"`
	FollowerID int64       `bun:"follower_id"`
	FolloweeID int64       `bun:"followee_id"`
	URI        string      `bun:"uri"` // the id of the Follow activity
	State      FollowState `bun:"state"`
	CreatedAt  time.Time   `bun:"created_at"`
	UpdatedAt  time.Time   `bun:"updated_at"`

	Follower *Actor `bun:"rel:belongs-to,join:follower_id=id"`
	Followee *Actor `bun:"rel:belongs-to,join:followee_id=id"`
}

// SaveFollow records that follower follows followee, in state st, through
// the Follow activity uri. A follow between the same two actors is updated
// in place (a repeated Follow replaces the earlier one).
func (s *Store) SaveFollow(ctx context.Context, followerID, followeeID int64, uri string, st FollowState) (*Follow, error) {
	const op = "db: save follow"
	now := s.utcNow()
	f := &Follow{FollowerID: followerID, FolloweeID: followeeID, URI: uri, State: st, CreatedAt: now, UpdatedAt: now}
	_, err := s.w.NewInsert().Model(f).On("CONFLICT (follower_id, followee_id) DO UPDATE").
		Set("uri = EXCLUDED.uri, state = EXCLUDED.state, updated_at = EXCLUDED.updated_at").
		Returning("id").Exec(ctx)
	if err != nil {
		return nil, wrap(op, err)
	}
	return f, nil
}

// FollowBetween returns the follow of followee by follower.
func (s *Store) FollowBetween(ctx context.Context, followerID, followeeID int64) (*Follow, error) {
	f := new(Follow)
	err := s.w.NewSelect().Model(f).Where("f.follower_id = ? AND f.followee_id = ?", followerID, followeeID).Scan(ctx)
	return f, wrap("db: follow", err)
}

// FollowByURI returns the follow made by the Follow activity uri.
func (s *Store) FollowByURI(ctx context.Context, uri string) (*Follow, error) {
	f := new(Follow)
	err := s.w.NewSelect().Model(f).Where("f.uri = ?", uri).Limit(1).Scan(ctx)
	return f, wrap("db: follow by uri", err)
}

// SetFollowState changes the state of a follow.
func (s *Store) SetFollowState(ctx context.Context, id int64, st FollowState) error {
	if err := validFollowState(st); err != nil {
		return wrap("db: set follow state", err)
	}
	res, err := s.w.NewUpdate().Model((*Follow)(nil)).Set("state = ?", st).Set("updated_at = ?", s.utcNow()).Where("id = ?", id).Exec(ctx)
	return wrap("db: set follow state", affected(res, err))
}

// DeleteFollow removes the follow of followee by follower. It reports
// whether there was one.
func (s *Store) DeleteFollow(ctx context.Context, followerID, followeeID int64) (bool, error) {
	res, err := s.w.NewDelete().Model((*Follow)(nil)).Where("follower_id = ? AND followee_id = ?", followerID, followeeID).Exec(ctx)
	if err != nil {
		return false, wrap("db: delete follow", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// IsFollowedLocally reports whether some local actor follows the actor with
// the given URI (accepted or still pending), which is what makes its content
// welcome here.
func (s *Store) IsFollowedLocally(ctx context.Context, actorURI string) (bool, error) {
	n, err := s.w.NewSelect().Model((*Follow)(nil)).
		Join("JOIN actors AS fe ON fe.id = f.followee_id").
		Join("JOIN actors AS fr ON fr.id = f.follower_id").
		Where("fe.uri = ?", actorURI).Where("fr.local = ?", true).
		Where("f.state IN (?)", bun.In([]FollowState{FollowPending, FollowAccepted})).
		Count(ctx)
	return n > 0, wrap("db: is followed locally", err)
}

// FollowerInboxes returns the distinct inboxes to deliver to for the
// accepted, unblocked followers of a local actor: each follower's shared
// inbox when it offers one and shared is true, its own inbox otherwise.
func (s *Store) FollowerInboxes(ctx context.Context, actorID int64, shared bool) ([]string, error) {
	var out []string
	expr := "a.inbox"
	if shared {
		expr = "CASE WHEN a.shared_inbox <> '' THEN a.shared_inbox ELSE a.inbox END"
	}
	err := s.w.NewRaw(`
		SELECT DISTINCT `+expr+` AS inbox
		FROM follows AS f
		JOIN actors AS a ON a.id = f.follower_id
		WHERE f.followee_id = ? AND f.state = ? AND NOT a.blocked AND a.inbox <> ''
		ORDER BY 1`, actorID, FollowAccepted).Scan(ctx, &out)
	return out, wrap("db: follower inboxes", err)
}

// FollowPage selects a page of a local actor's followers or followings.
type FollowPage struct {
	ActorID   int64
	Followers bool // followers of ActorID; otherwise the actors it follows
	Limit     int
	Offset    int
}

// FollowURIs returns the actor URIs of one page of accepted followers or
// followings, newest first, and how many there are in all.
func (s *Store) FollowURIs(ctx context.Context, q FollowPage) ([]string, int, error) {
	const op = "db: follow uris"
	self, other := "f.followee_id", "f.follower_id"
	if !q.Followers {
		self, other = other, self
	}
	var out []string
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 20
	}
	err := s.r.NewRaw(`
		SELECT a.uri FROM follows AS f JOIN actors AS a ON a.id = `+other+`
		WHERE `+self+` = ? AND f.state = ?
		ORDER BY f.id DESC LIMIT ? OFFSET ?`, q.ActorID, FollowAccepted, limit, max(q.Offset, 0)).Scan(ctx, &out)
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	n, err := s.r.NewSelect().Model((*Follow)(nil)).Where(self+" = ?", q.ActorID).Where("f.state = ?", FollowAccepted).Count(ctx)
	return out, int(n), wrap(op, err)
}

// Followings returns the follows made by local actors, with both actors,
// newest first: the partners the hub follows and where each stands.
func (s *Store) Followings(ctx context.Context) ([]*Follow, error) {
	var out []*Follow
	err := s.r.NewSelect().Model(&out).Relation("Follower").Relation("Followee").
		Where("follower.local = ?", true).OrderExpr("f.id DESC").Scan(ctx)
	return out, wrap("db: followings", err)
}

// CountFollowers returns how many accepted followers a local actor has.
func (s *Store) CountFollowers(ctx context.Context, actorID int64) (int, error) {
	n, err := s.r.NewSelect().Model((*Follow)(nil)).Where("f.followee_id = ? AND f.state = ?", actorID, FollowAccepted).Count(ctx)
	return int(n), wrap("db: count followers", err)
}

// validFollowState is used by callers that take a state from outside.
func validFollowState(st FollowState) error {
	switch st {
	case FollowPending, FollowAccepted, FollowRejected:
		return nil
	}
	return fmt.Errorf("%w: unknown follow state %q", ErrInvalid, st)
}
