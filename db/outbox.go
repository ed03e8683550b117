package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Action is what happened to a published thing, as the fediverse sees it.
type Action string

// The actions an outbox event records.
const (
	ActionCreate Action = "create" // it became visible
	ActionUpdate Action = "update" // it changed while visible
	ActionDelete Action = "delete" // it stopped being visible, or is gone
)

// OutboxEvent records, in the transaction of the change itself, that a
// local item became visible, changed, or stopped being visible. Federation
// turns each event into activities; ProcessedAt is set when it has.
type OutboxEvent struct {
	bun.BaseModel `bun:"table:outbox_events,alias:oe"`

	ID          int64     `bun:"id,pk,autoincrement"`
	Subject     string    `bun:"subject"` // "item"
	SubjectID   int64     `bun:"subject_id"`
	Action      Action    `bun:"action"`
	CreatedAt   time.Time `bun:"created_at"`
	ProcessedAt time.Time `bun:"processed_at,nullzero"`
}

// itemChanged writes the outbox event that a change of a local item from
// status before ("" when it is new) to after ("" when it was deleted) means,
// if any. It must run in the transaction of the change.
func (s *Store) itemChanged(ctx context.Context, id int64, remote bool, before, after Status) error {
	s.touched(ctx)
	if remote {
		return nil
	}
	var a Action
	switch {
	case before != Published && after == Published:
		a = ActionCreate
	case before == Published && after == Published:
		a = ActionUpdate
	case before == Published:
		a = ActionDelete
	default:
		return nil
	}
	_, err := s.w.NewInsert().Model(&OutboxEvent{Subject: "item", SubjectID: id, Action: a, CreatedAt: s.utcNow()}).Exec(ctx)
	return err
}

// PendingOutboxEvents returns up to limit events not yet processed, oldest
// first.
func (s *Store) PendingOutboxEvents(ctx context.Context, limit int) ([]*OutboxEvent, error) {
	var out []*OutboxEvent
	err := s.w.NewSelect().Model(&out).Where("oe.processed_at IS NULL").OrderExpr("oe.id").Limit(int64(max(limit, 1))).Scan(ctx)
	return out, wrap("db: pending outbox events", err)
}

// MarkOutboxEventProcessed records that an event has been turned into
// activities.
func (s *Store) MarkOutboxEventProcessed(ctx context.Context, id int64) error {
	res, err := s.w.NewUpdate().Model((*OutboxEvent)(nil)).Set("processed_at = ?", s.utcNow()).Where("id = ?", id).Exec(ctx)
	return wrap("db: mark outbox event processed", affected(res, err))
}
