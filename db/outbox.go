package db

import (
	"context"
	"sync"
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
	if err == nil {
		s.queued(ctx)
	}
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

// outboxChannel is the PostgreSQL NOTIFY channel on which every committed
// write that gives the federation worker work (an outbox event, a queued
// delivery, a follow request) is announced, so that the workers of every
// process on the database start at once instead of at their next poll.
const outboxChannel = "hub_outbox"

// signals fans the news that work was queued out to the federation workers
// of this process.
type signals struct {
	mu   sync.Mutex
	subs map[chan struct{}]struct{}
}

// fire wakes every subscriber; it never blocks (a subscriber that has not
// yet taken the last signal gets no second one).
func (g *signals) fire() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for ch := range g.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// WorkQueued returns a channel that receives a value after every committed
// write that gives the federation worker work: an outbox event (an item or
// a forum post published, changed or withdrawn), a queued delivery, a
// delivery retried by an admin, a follow request. Signals that come while
// one is waiting are merged into it. On PostgreSQL, while WatchChanges runs,
// the writes of other processes on the database count too. Call stop when
// done listening.
func (s *Store) WorkQueued() (ch <-chan struct{}, stop func()) {
	c := make(chan struct{}, 1)
	s.queue.mu.Lock()
	if s.queue.subs == nil {
		s.queue.subs = map[chan struct{}]struct{}{}
	}
	s.queue.subs[c] = struct{}{}
	s.queue.mu.Unlock()
	return c, func() {
		s.queue.mu.Lock()
		delete(s.queue.subs, c)
		s.queue.mu.Unlock()
	}
}

// queued records a write that gives the federation worker work: the
// workers of this process are woken at once outside a transaction, at
// commit inside one (a worker woken before the commit would not see the
// row). On PostgreSQL it also queues a NOTIFY, which the server delivers to
// the listening processes when the transaction commits.
func (s *Store) queued(ctx context.Context) {
	if s.dialect == Postgres {
		// An error costs other processes only the wait for their poll; the
		// write itself must not fail for it.
		s.w.ExecContext(ctx, "SELECT pg_notify(?, '')", outboxChannel)
	}
	if s.tx != nil {
		s.tx.queued = true
		return
	}
	s.queue.fire()
}
