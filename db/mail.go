package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// MailState is where a queued e-mail stands.
type MailState string

// The states of a queued e-mail.
const (
	MailPending MailState = "pending" // waiting for its next attempt
	MailSent    MailState = "sent"    // the SMTP server accepted it
	MailFailed  MailState = "failed"  // given up: refused for good or too many attempts
)

// Mail is one e-mail to one person: a row of the outgoing mail queue. It is
// rendered when it is queued, in its recipient's language, in the same
// transaction as what causes it, so that nothing that should be mailed is
// lost and nothing rolled back is mailed. A worker claims it with a lease
// (LockedUntil, LockedBy) like a Delivery.
type Mail struct {
	bun.BaseModel `bun:"table:mail_queue,alias:mq"`

	ID      int64  `bun:"id,pk,autoincrement"`
	Kind    string `bun:"kind"` // what it is about (password_reset, confirm_email, …), for logs
	To      string `bun:"to_addr"`
	Lang    Lang   `bun:"lang"`
	Subject string `bun:"subject"`
	Text    string `bun:"text_body"`
	HTML    string `bun:"html_body"`
	// MessageID is the Message-ID header, without angle brackets: the same
	// on every attempt, so that a receiver can tell a repeat.
	MessageID     string    `bun:"message_id"`
	State         MailState `bun:"state"`
	Attempts      int       `bun:"attempts"`
	NextAttemptAt time.Time `bun:"next_attempt_at"`
	LockedUntil   time.Time `bun:"locked_until,nullzero"`
	LockedBy      string    `bun:"locked_by"`
	LastError     string    `bun:"last_error"`
	CreatedAt     time.Time `bun:"created_at"`
	FinishedAt    time.Time `bun:"finished_at,nullzero"`
}

// EnqueueMail adds m to the queue, due at once. The recipient, subject and
// Message-ID reach headers, so a line break in them is refused.
func (s *Store) EnqueueMail(ctx context.Context, m *Mail) error {
	const op = "db: enqueue mail"
	for _, v := range []string{m.To, m.Subject, m.MessageID, m.Kind} {
		if v == "" || strings.ContainsAny(v, "\r\n\x00") {
			return wrap(op, fmt.Errorf("%w: a mail needs a kind, recipient, subject and message id, each on one line", ErrInvalid))
		}
	}
	now := s.utcNow()
	m.State, m.Attempts, m.NextAttemptAt, m.CreatedAt = MailPending, 0, now, now
	_, err := s.w.NewInsert().Model(m).Returning("id").Exec(ctx)
	return wrap(op, err)
}

// MailClaim says which due mails a worker wants.
type MailClaim struct {
	Worker string        // who claims; results must name the same worker
	Now    time.Time     // mails due at or before Now
	Lease  time.Duration // how long the claim holds without a result
	Limit  int           // at most this many
}

// ClaimMail leases due, unleased (or lease-expired) pending mails to
// q.Worker and returns them, oldest due first. On PostgreSQL the rows are
// locked with FOR UPDATE SKIP LOCKED, so several processes never claim the
// same row; on SQLite the single writer makes the UPDATE atomic.
func (s *Store) ClaimMail(ctx context.Context, q MailClaim) ([]*Mail, error) {
	const op = "db: claim mail"
	if q.Worker == "" || q.Lease <= 0 {
		return nil, wrap(op, fmt.Errorf("%w: a claim needs a worker name and a lease", ErrInvalid))
	}
	now := q.Now.UTC().Truncate(time.Microsecond)
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	lock := ""
	if s.dialect == Postgres {
		lock = "FOR UPDATE SKIP LOCKED"
	}
	var out []*Mail
	err := s.w.NewRaw(`
		UPDATE mail_queue SET locked_until = ?, locked_by = ?
		WHERE id IN (
			SELECT id FROM mail_queue
			WHERE state = 'pending' AND next_attempt_at <= ?
				AND (locked_until IS NULL OR locked_until < ?)
			ORDER BY next_attempt_at, id
			LIMIT ?
			`+lock+`
		)
		RETURNING *`, now.Add(q.Lease), q.Worker, now, now, limit).Scan(ctx, &out)
	if err != nil {
		return nil, wrap(op, err)
	}
	// RETURNING gives no order; send the oldest first.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].ID < out[j-1].ID; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// HoldMail renews worker's lease on mail id until until, just before it is
// sent. It returns ErrNotFound when the lease has passed to another worker
// or the mail is no longer pending: the caller must not send it then.
func (s *Store) HoldMail(ctx context.Context, worker string, id int64, until time.Time) error {
	res, err := s.w.NewUpdate().Model((*Mail)(nil)).Set("locked_until = ?", until.UTC().Truncate(time.Microsecond)).
		Where("id = ?", id).Where("locked_by = ?", worker).Where("state = ?", MailPending).Exec(ctx)
	return wrap("db: hold mail", affected(res, err))
}

// MarkMailSent records that mail id, claimed by worker, was accepted by the
// SMTP server.
func (s *Store) MarkMailSent(ctx context.Context, worker string, id int64, now time.Time) error {
	_, err := s.w.NewUpdate().Model((*Mail)(nil)).
		Set("state = ?", MailSent).Set("finished_at = ?", now.UTC().Truncate(time.Microsecond)).
		Set("attempts = attempts + 1").Set("last_error = ''").Set("locked_until = NULL").
		Where("id = ?", id).Where("locked_by = ?", worker).Where("state = ?", MailPending).Exec(ctx)
	return wrap("db: mark mail sent", err)
}

// MailResult is the outcome of a failed attempt to send a mail.
type MailResult struct {
	Error string // what went wrong, for the logs and admins
	// Retry at NextAttempt; otherwise the mail has failed for good.
	Retry       bool
	NextAttempt time.Time
	Now         time.Time
}

// MarkMailFailed records a failed attempt of mail id, claimed by worker: it
// is scheduled again or given up, as r says.
func (s *Store) MarkMailFailed(ctx context.Context, worker string, id int64, r MailResult) error {
	if len(r.Error) > 500 {
		r.Error = r.Error[:500]
	}
	q := s.w.NewUpdate().Model((*Mail)(nil)).
		Set("attempts = attempts + 1").Set("last_error = ?", r.Error).Set("locked_until = NULL").
		Where("id = ?", id).Where("locked_by = ?", worker).Where("state = ?", MailPending)
	if r.Retry {
		q.Set("next_attempt_at = ?", r.NextAttempt.UTC().Truncate(time.Microsecond))
	} else {
		q.Set("state = ?", MailFailed).Set("finished_at = ?", r.Now.UTC().Truncate(time.Microsecond))
	}
	_, err := q.Exec(ctx)
	return wrap("db: mark mail failed", err)
}

// ReleaseMail gives up worker's leases on ids without counting an attempt,
// so that they can be claimed again at once (a worker shutting down).
func (s *Store) ReleaseMail(ctx context.Context, worker string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.w.NewUpdate().Model((*Mail)(nil)).Set("locked_until = NULL").
		Where("id IN (?)", bun.In(ids)).Where("locked_by = ?", worker).Where("state = ?", MailPending).Exec(ctx)
	return wrap("db: release mail", err)
}

// NextMailDue returns when the earliest pending mail is due, and false when
// there is none.
func (s *Store) NextMailDue(ctx context.Context) (time.Time, bool, error) {
	var ts []time.Time
	err := s.w.NewSelect().Model((*Mail)(nil)).Column("next_attempt_at").Where("state = ?", MailPending).
		OrderExpr("next_attempt_at").Limit(1).Scan(ctx, &ts)
	if err != nil || len(ts) == 0 {
		return time.Time{}, false, wrap("db: next mail due", err)
	}
	return ts[0], true, nil
}

// MailQuery selects queued mails, for admins and tests.
type MailQuery struct {
	State MailState // empty: any
	To    string
	Limit int
}

// Mails returns queued mails matching q, newest first.
func (s *Store) Mails(ctx context.Context, q MailQuery) ([]*Mail, error) {
	var out []*Mail
	sel := s.r.NewSelect().Model(&out).OrderExpr("mq.id DESC")
	if q.State != "" {
		sel.Where("mq.state = ?", q.State)
	}
	if q.To != "" {
		sel.Where("mq.to_addr = ?", q.To)
	}
	limit := q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	err := sel.Limit(int64(limit)).Scan(ctx)
	return out, wrap("db: mails", err)
}

// PruneMail removes mails that finished before before: sent mails carry
// links with secrets and have no use once sent. Failed ones stay until
// failedBefore.
func (s *Store) PruneMail(ctx context.Context, before, failedBefore time.Time) (int, error) {
	res, err := s.w.NewDelete().Model((*Mail)(nil)).
		Where("(state = ? AND finished_at < ?) OR (state = ? AND finished_at < ?)",
			MailSent, before.UTC(), MailFailed, failedBefore.UTC()).Exec(ctx)
	if err != nil {
		return 0, wrap("db: prune mail", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
