package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// DeliveryState is where a delivery stands.
type DeliveryState string

// The states of a delivery.
const (
	DeliveryPending   DeliveryState = "pending"   // waiting for its next attempt
	DeliveryDelivered DeliveryState = "delivered" // the inbox answered 2xx
	DeliveryFailed    DeliveryState = "failed"    // given up: permanent error or too many attempts
)

// Delivery is one activity to POST to one inbox: a row of the outgoing
// queue. A worker claims it by setting a lease (LockedUntil, LockedBy);
// a lease that runs out without a result makes the row claimable again, so
// a crashed worker loses nothing.
type Delivery struct {
	bun.BaseModel `bun:"table:deliveries,alias:d"`

	ID            int64         `bun:"id,pk,autoincrement"`
	ActivityID    int64         `bun:"activity_id"`
	ActorID       int64         `bun:"actor_id"` // the local actor whose key signs
	Inbox         string        `bun:"inbox"`
	Host          string        `bun:"host"`
	State         DeliveryState `bun:"state"`
	Attempts      int           `bun:"attempts"`
	NextAttemptAt time.Time     `bun:"next_attempt_at"`
	LockedUntil   time.Time     `bun:"locked_until,nullzero"`
	LockedBy      string        `bun:"locked_by"`
	LastStatus    int           `bun:"last_status"`
	LastError     string        `bun:"last_error"`
	CreatedAt     time.Time     `bun:"created_at"`
	FinishedAt    time.Time     `bun:"finished_at,nullzero"`
}

// EnqueueDeliveries adds one pending delivery of an activity per inbox,
// due at now, signed by the local actor actorID. An inbox that already has
// a delivery of the same activity is skipped.
func (s *Store) EnqueueDeliveries(ctx context.Context, activityID, actorID int64, inboxes []string, now time.Time) error {
	const op = "db: enqueue deliveries"
	now = now.UTC().Truncate(time.Microsecond)
	queued := false
	const chunk = 500
	for start := 0; start < len(inboxes); start += chunk {
		part := inboxes[start:min(start+chunk, len(inboxes))]
		rows := make([]Delivery, 0, len(part))
		for _, in := range part {
			h := hostOf(in)
			if h == "" {
				continue
			}
			rows = append(rows, Delivery{ActivityID: activityID, ActorID: actorID, Inbox: in, Host: h,
				State: DeliveryPending, NextAttemptAt: now, CreatedAt: now})
		}
		if len(rows) == 0 {
			continue
		}
		if _, err := s.w.NewInsert().Model(&rows).On("CONFLICT (activity_id, inbox) DO NOTHING").Exec(ctx); err != nil {
			return wrap(op, err)
		}
		queued = true
	}
	if queued {
		s.queued(ctx)
	}
	return nil
}

// DeliveryClaim says which due deliveries a worker wants.
type DeliveryClaim struct {
	Worker string        // who claims; results must name the same worker
	Now    time.Time     // deliveries due at or before Now
	Lease  time.Duration // how long the claim holds without a result
	Limit  int           // at most this many rows
	// PerHost caps the rows claimed for one host in this call (0: no cap),
	// so that one busy host does not fill a batch.
	PerHost int
	// ExcludeHosts are hosts the worker cannot serve now (at their
	// concurrency limit, paced or cooling down).
	ExcludeHosts []string
}

// ClaimDeliveries leases due, unleased (or lease-expired) pending
// deliveries to q.Worker and returns them, oldest due first. On PostgreSQL
// the rows are locked with FOR UPDATE SKIP LOCKED, so several processes can
// claim from one queue at once without ever getting the same row; on SQLite
// the single writer makes the UPDATE atomic.
func (s *Store) ClaimDeliveries(ctx context.Context, q DeliveryClaim) ([]*Delivery, error) {
	const op = "db: claim deliveries"
	if q.Worker == "" || q.Lease <= 0 {
		return nil, wrap(op, fmt.Errorf("%w: a claim needs a worker name and a lease", ErrInvalid))
	}
	now := q.Now.UTC().Truncate(time.Microsecond)
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	perHost := q.PerHost
	if perHost <= 0 {
		perHost = limit
	}
	exclude := ""
	args := []any{now, now}
	if len(q.ExcludeHosts) > 0 {
		exclude = "AND host NOT IN (?)"
		args = append(args, bun.In(q.ExcludeHosts))
	}
	args = append(args, perHost, limit)
	var ids []int64
	// Candidates first: the window function spreads a batch over hosts.
	// PostgreSQL does not allow FOR UPDATE with window functions, so the
	// rows are locked in the UPDATE's own subquery, which re-checks them.
	err := s.w.NewRaw(`
		SELECT id FROM (
			SELECT id, next_attempt_at,
				ROW_NUMBER() OVER (PARTITION BY host ORDER BY next_attempt_at, id) AS rn
			FROM deliveries
			WHERE state = 'pending' AND next_attempt_at <= ?
				AND (locked_until IS NULL OR locked_until < ?) `+exclude+`
		) AS c
		WHERE rn <= ?
		ORDER BY next_attempt_at, id
		LIMIT ?`, args...).Scan(ctx, &ids)
	if err != nil {
		return nil, wrap(op, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	lock := ""
	if s.dialect == Postgres {
		lock = "FOR UPDATE SKIP LOCKED"
	}
	var out []*Delivery
	err = s.w.NewRaw(`
		UPDATE deliveries SET locked_until = ?, locked_by = ?
		WHERE id IN (
			SELECT id FROM deliveries
			WHERE id IN (?) AND state = 'pending' AND (locked_until IS NULL OR locked_until < ?)
			`+lock+`
		)
		RETURNING *`, now.Add(q.Lease), q.Worker, bun.In(ids), now).Scan(ctx, &out)
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// MarkDelivered records that the deliveries ids, claimed by worker, were
// accepted by their inboxes. Rows whose lease passed to another worker are
// left alone.
func (s *Store) MarkDelivered(ctx context.Context, worker string, ids []int64, status int, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.w.NewUpdate().Model((*Delivery)(nil)).
		Set("state = ?", DeliveryDelivered).Set("finished_at = ?", now.UTC().Truncate(time.Microsecond)).
		Set("attempts = attempts + 1").Set("last_status = ?", status).Set("last_error = ''").
		Set("locked_until = NULL").
		Where("id IN (?)", bun.In(ids)).Where("locked_by = ?", worker).Where("state = ?", DeliveryPending).
		Exec(ctx)
	return wrap("db: mark delivered", err)
}

// DeliveryResult is the outcome of a failed attempt.
type DeliveryResult struct {
	Status int    // HTTP status, 0 for a network error
	Error  string // what went wrong, for the admin pages
	// Retry at NextAttempt; otherwise the delivery has failed for good.
	Retry       bool
	NextAttempt time.Time
	Now         time.Time
}

// MarkAttemptFailed records a failed attempt of delivery id, claimed by
// worker: it is scheduled again or given up, as r says.
func (s *Store) MarkAttemptFailed(ctx context.Context, worker string, id int64, r DeliveryResult) error {
	if len(r.Error) > 500 {
		r.Error = r.Error[:500]
	}
	q := s.w.NewUpdate().Model((*Delivery)(nil)).
		Set("attempts = attempts + 1").Set("last_status = ?", r.Status).Set("last_error = ?", r.Error).
		Set("locked_until = NULL").
		Where("id = ?", id).Where("locked_by = ?", worker).Where("state = ?", DeliveryPending)
	if r.Retry {
		q.Set("next_attempt_at = ?", r.NextAttempt.UTC().Truncate(time.Microsecond))
	} else {
		q.Set("state = ?", DeliveryFailed).Set("finished_at = ?", r.Now.UTC().Truncate(time.Microsecond))
	}
	_, err := q.Exec(ctx)
	return wrap("db: mark attempt failed", err)
}

// ReleaseDeliveries gives up worker's leases on ids without counting an
// attempt, so that they can be claimed again at once (a worker shutting
// down).
func (s *Store) ReleaseDeliveries(ctx context.Context, worker string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.w.NewUpdate().Model((*Delivery)(nil)).Set("locked_until = NULL").
		Where("id IN (?)", bun.In(ids)).Where("locked_by = ?", worker).Where("state = ?", DeliveryPending).Exec(ctx)
	return wrap("db: release deliveries", err)
}

// PostponeHost moves every pending delivery to host that is due before
// until to until: the host's circuit breaker is open. The deliveries wait;
// none is dropped and no attempt is counted.
func (s *Store) PostponeHost(ctx context.Context, host string, until time.Time) error {
	until = until.UTC().Truncate(time.Microsecond)
	_, err := s.w.NewUpdate().Model((*Delivery)(nil)).Set("next_attempt_at = ?", until).
		Where("host = ?", host).Where("state = ?", DeliveryPending).Where("next_attempt_at < ?", until).Exec(ctx)
	return wrap("db: postpone host", err)
}

// NextDeliveryDue returns when the earliest pending delivery is due, and
// false when there is none.
func (s *Store) NextDeliveryDue(ctx context.Context) (time.Time, bool, error) {
	var ts []time.Time
	err := s.w.NewSelect().Model((*Delivery)(nil)).Column("next_attempt_at").Where("state = ?", DeliveryPending).
		OrderExpr("next_attempt_at").Limit(1).Scan(ctx, &ts)
	if err != nil || len(ts) == 0 {
		return time.Time{}, false, wrap("db: next delivery due", err)
	}
	return ts[0], true, nil
}

// DeliveryQuery selects deliveries for the admin pages.
type DeliveryQuery struct {
	State DeliveryState // empty: any
	Host  string
	Limit int
}

// Deliveries returns deliveries matching q, newest first.
func (s *Store) Deliveries(ctx context.Context, q DeliveryQuery) ([]*Delivery, error) {
	var out []*Delivery
	sel := s.r.NewSelect().Model(&out).OrderExpr("d.id DESC")
	if q.State != "" {
		sel.Where("d.state = ?", q.State)
	}
	if q.Host != "" {
		sel.Where("d.host = ?", q.Host)
	}
	limit := q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	err := sel.Limit(int64(limit)).Scan(ctx)
	return out, wrap("db: deliveries", err)
}

// CountDeliveries returns how many deliveries are in state st, for one host
// or (host "") for all.
func (s *Store) CountDeliveries(ctx context.Context, st DeliveryState, host string) (int, error) {
	sel := s.r.NewSelect().Model((*Delivery)(nil)).Where("state = ?", st)
	if host != "" {
		sel.Where("host = ?", host)
	}
	n, err := sel.Count(ctx)
	return int(n), wrap("db: count deliveries", err)
}

// RetryDelivery puts a failed (or waiting) delivery back in the queue, due
// now, with its attempts reset: what an admin does after fixing a problem.
func (s *Store) RetryDelivery(ctx context.Context, id int64, now time.Time) error {
	res, err := s.w.NewUpdate().Model((*Delivery)(nil)).Set("state = ?", DeliveryPending).
		Set("next_attempt_at = ?", now.UTC().Truncate(time.Microsecond)).Set("attempts = 0").
		Set("locked_until = NULL").Set("finished_at = NULL").
		Where("id = ?", id).Where("state <> ?", DeliveryDelivered).Exec(ctx)
	if err = affected(res, err); err != nil {
		return wrap("db: retry delivery", err)
	}
	s.queued(ctx)
	return nil
}

// PruneDeliveries removes deliveries that finished before before, to keep
// the queue table small. Failed ones stay for the admin pages until
// failedBefore.
func (s *Store) PruneDeliveries(ctx context.Context, before, failedBefore time.Time) (int, error) {
	res, err := s.w.NewDelete().Model((*Delivery)(nil)).
		Where("(state = ? AND finished_at < ?) OR (state = ? AND finished_at < ?)",
			DeliveryDelivered, before.UTC(), DeliveryFailed, failedBefore.UTC()).Exec(ctx)
	if err != nil {
		return 0, wrap("db: prune deliveries", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// FederationHost is what the hub knows of the health of deliveries to one
// host: consecutive failures and, while its circuit breaker is open, until
// when it is skipped.
type FederationHost struct {
	bun.BaseModel `bun:"table:federation_hosts,alias:fh"`

	Host                string    `bun:"host,pk"`
	ConsecutiveFailures int       `bun:"consecutive_failures"`
	OpenUntil           time.Time `bun:"open_until,nullzero"`
	LastSuccessAt       time.Time `bun:"last_success_at,nullzero"`
	LastFailureAt       time.Time `bun:"last_failure_at,nullzero"`
	LastError           string    `bun:"last_error"`
}

// RecordHostSuccess records a delivery to host that worked: its failures
// and breaker are reset.
func (s *Store) RecordHostSuccess(ctx context.Context, host string, now time.Time) error {
	h := &FederationHost{Host: host, LastSuccessAt: now.UTC().Truncate(time.Microsecond)}
	_, err := s.w.NewInsert().Model(h).On("CONFLICT (host) DO UPDATE").
		Set("consecutive_failures = 0, open_until = NULL, last_success_at = EXCLUDED.last_success_at").Exec(ctx)
	return wrap("db: record host success", err)
}

// RecordHostFailure records a failed delivery to host: how many failed in
// a row, until when its breaker is open (zero: closed) and the error.
func (s *Store) RecordHostFailure(ctx context.Context, host string, failures int, openUntil time.Time, errText string, now time.Time) error {
	if len(errText) > 500 {
		errText = errText[:500]
	}
	h := &FederationHost{Host: host, ConsecutiveFailures: failures, LastFailureAt: now.UTC().Truncate(time.Microsecond), LastError: errText}
	if !openUntil.IsZero() {
		h.OpenUntil = openUntil.UTC().Truncate(time.Microsecond)
	}
	_, err := s.w.NewInsert().Model(h).On("CONFLICT (host) DO UPDATE").
		Set("consecutive_failures = EXCLUDED.consecutive_failures, open_until = EXCLUDED.open_until").
		Set("last_failure_at = EXCLUDED.last_failure_at, last_error = EXCLUDED.last_error").Exec(ctx)
	return wrap("db: record host failure", err)
}

// FederationHostState returns the stored state of host; a host never seen
// has a zero state and no error.
func (s *Store) FederationHostState(ctx context.Context, host string) (*FederationHost, error) {
	h := new(FederationHost)
	err := s.r.NewSelect().Model(h).Where("fh.host = ?", host).Scan(ctx)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return &FederationHost{Host: host}, nil
		}
		return nil, wrap("db: federation host", err)
	}
	return h, nil
}

// FederationHosts returns the state of every host deliveries went to.
func (s *Store) FederationHosts(ctx context.Context) ([]*FederationHost, error) {
	var out []*FederationHost
	err := s.r.NewSelect().Model(&out).OrderExpr("fh.host").Scan(ctx)
	return out, wrap("db: federation hosts", err)
}
