package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Activity is an ActivityPub activity the hub received (Outgoing false) or
// sent (Outgoing true), with its JSON exactly as received or as sent. The
// URI is unique, so storing an incoming activity is also its deduplication.
type Activity struct {
	bun.BaseModel `bun:"table:activities,alias:act"`

	ID        int64  `bun:"id,pk,autoincrement"`
	URI       string `bun:"uri"`
	Type      string `bun:"type"`
	Outgoing  bool   `bun:"outgoing"`
	Public    bool   `bun:"public"` // sent: shown in the sender's outbox
	ActorURI  string `bun:"actor_uri"`
	Host      string `bun:"host"` // received: the sender's host[:port]
	ObjectURI string `bun:"object_uri"`
	// LocalActorID is the local actor that sent an outgoing activity.
	LocalActorID int64     `bun:"local_actor_id,nullzero"`
	Raw          string    `bun:"raw"`
	CreatedAt    time.Time `bun:"created_at"`
}

// InsertActivity stores a and sets a.ID, unless an activity with the same
// URI is stored already, in which case it reports false and changes
// nothing: the caller has seen this activity before.
func (s *Store) InsertActivity(ctx context.Context, a *Activity) (bool, error) {
	const op = "db: insert activity"
	if a.URI == "" || a.Type == "" || a.Raw == "" {
		return false, wrap(op, fmt.Errorf("%w: an activity needs a URI, a type and its JSON", ErrInvalid))
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.utcNow()
	}
	a.CreatedAt = a.CreatedAt.UTC().Truncate(time.Microsecond)
	res, err := s.w.NewInsert().Model(a).On("CONFLICT (uri) DO NOTHING").Returning("id").Exec(ctx)
	if err != nil {
		return false, wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap(op, err)
	}
	return n > 0, nil
}

// ActivityByURI returns the stored activity with the given id.
func (s *Store) ActivityByURI(ctx context.Context, uri string) (*Activity, error) {
	a := new(Activity)
	err := s.r.NewSelect().Model(a).Where("act.uri = ?", uri).Scan(ctx)
	return a, wrap("db: activity by uri", err)
}

// ActivityRaws returns the JSON of the activities with the given row ids,
// keyed by id.
func (s *Store) ActivityRaws(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID  int64  `bun:"id"`
		Raw string `bun:"raw"`
	}
	err := s.r.NewSelect().Model((*Activity)(nil)).Column("id", "raw").Where("id IN (?)", bun.In(ids)).Scan(ctx, &rows)
	for _, r := range rows {
		out[r.ID] = r.Raw
	}
	return out, wrap("db: activity raws", err)
}

// LastOutgoingActivity returns the newest activity a local actor sent about
// the object objectURI with one of the given types.
func (s *Store) LastOutgoingActivity(ctx context.Context, objectURI string, types ...string) (*Activity, error) {
	a := new(Activity)
	q := s.w.NewSelect().Model(a).Where("act.outgoing = ?", true).Where("act.object_uri = ?", objectURI)
	if len(types) > 0 {
		q.Where("act.type IN (?)", bun.In(types))
	}
	err := q.OrderExpr("act.id DESC").Limit(1).Scan(ctx)
	return a, wrap("db: last outgoing activity", err)
}

// OutboxPage returns one page of the public activities a local actor sent,
// newest first, and how many there are in all.
func (s *Store) OutboxPage(ctx context.Context, actorID int64, limit, offset int) ([]*Activity, int, error) {
	const op = "db: outbox page"
	if limit <= 0 || limit > 500 {
		limit = 20
	}
	var out []*Activity
	q := s.r.NewSelect().Model(&out).Where("act.local_actor_id = ?", actorID).Where("act.outgoing = ?", true).Where("act.public = ?", true)
	if err := q.OrderExpr("act.id DESC").Limit(int64(limit)).Offset(int64(max(offset, 0))).Scan(ctx); err != nil {
		return nil, 0, wrap(op, err)
	}
	n, err := s.r.NewSelect().Model((*Activity)(nil)).Where("local_actor_id = ?", actorID).Where("outgoing = ?", true).Where("public = ?", true).Count(ctx)
	return out, int(n), wrap(op, err)
}

// LastActivityFrom returns when the newest activity from a host arrived,
// or the zero time.
func (s *Store) LastActivityFrom(ctx context.Context, host string) (time.Time, error) {
	var t []time.Time
	err := s.r.NewSelect().Model((*Activity)(nil)).Column("created_at").Where("host = ?", host).Where("outgoing = ?", false).
		OrderExpr("id DESC").Limit(1).Scan(ctx, &t)
	if err != nil || len(t) == 0 {
		return time.Time{}, wrap("db: last activity from", err)
	}
	return t[0], nil
}

// PruneActivities removes received activities stored before before: they
// are kept to deduplicate redeliveries (which stop after a few days) and
// for inspection, not for ever. Sent activities stay: the outbox shows
// them.
func (s *Store) PruneActivities(ctx context.Context, before time.Time) (int, error) {
	res, err := s.w.NewDelete().Model((*Activity)(nil)).Where("outgoing = ?", false).
		Where("created_at < ?", before.UTC().Truncate(time.Microsecond)).Exec(ctx)
	if err != nil {
		return 0, wrap("db: prune activities", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
