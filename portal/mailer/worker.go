package mailer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/bgimigranti/hub/db"
)

// Sender sends one mail. SMTP and Log are the two; Timeout bounds Send.
type Sender interface {
	Send(ctx context.Context, m *db.Mail) error
	Timeout() time.Duration
}

// Retries: a temporary failure waits retryBase, then twice as long each
// time, at most retryMax, for maxAttempts attempts in all (about 13 hours).
const (
	retryBase   = time.Minute
	retryMax    = 2 * time.Hour
	maxAttempts = 12
	batch       = 20
)

// Worker drains the mail queue. Several workers, in one process or in
// several on one PostgreSQL database, never send one mail twice: each
// claims mails with a lease and, just before sending one, renews that
// mail's lease beyond the send's timeout, skipping it if the lease has
// passed to another worker.
type Worker struct {
	store  *db.Store
	sender Sender
	log    *slog.Logger
	name   string
	// Now is the worker's clock (tests move it forward).
	Now func() time.Time
	// Poll is how often the queue is looked at without a Wake.
	Poll time.Duration
	wake chan struct{}
}

// NewWorker returns a worker that sends the queue's mail with sender.
func NewWorker(store *db.Store, sender Sender, log *slog.Logger) *Worker {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	host, _ := os.Hostname()
	return &Worker{store: store, sender: sender, log: log, name: fmt.Sprintf("mail-%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b)),
		Now: time.Now, Poll: 5 * time.Second, wake: make(chan struct{}, 1)}
}

// Wake asks the worker to look at the queue now (a mail was just queued).
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run sends due mail until ctx ends. A mail being sent when ctx ends is
// finished and recorded; the rest of the batch is released for the next
// worker, unsent.
func (w *Worker) Run(ctx context.Context) error {
	poll := time.NewTicker(w.Poll)
	defer poll.Stop()
	lastPrune := time.Time{}
	for {
		if _, err := w.Drain(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("mail worker", "err", err)
		}
		if time.Since(lastPrune) > time.Hour {
			w.prune(ctx)
			lastPrune = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		case <-poll.C:
		}
	}
}

// Drain sends every mail that is due now, batch after batch, and returns
// how many it sent. Mails that fail wait for their next attempt.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	sent := 0
	for range 1000 { // bounded: what is left waits for the next round
		if err := ctx.Err(); err != nil {
			return sent, nil
		}
		ms, err := w.store.ClaimMail(ctx, db.MailClaim{Worker: w.name, Now: w.Now(), Lease: w.lease(batch), Limit: batch})
		if err != nil {
			return sent, err
		}
		if len(ms) == 0 {
			return sent, nil
		}
		n, err := w.sendBatch(ctx, ms)
		sent += n
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// lease is how long a claim of n mails holds: long enough to send them all
// one after the other.
func (w *Worker) lease(n int) time.Duration {
	return time.Duration(n)*w.sender.Timeout() + time.Minute
}

func (w *Worker) sendBatch(ctx context.Context, ms []*db.Mail) (int, error) {
	// Records survive a cancelled ctx: a sent mail must be marked sent.
	rec := context.WithoutCancel(ctx)
	sent := 0
	for i, m := range ms {
		if ctx.Err() != nil {
			ids := make([]int64, 0, len(ms)-i)
			for _, rest := range ms[i:] {
				ids = append(ids, rest.ID)
			}
			return sent, w.store.ReleaseMail(rec, w.name, ids)
		}
		err := w.store.HoldMail(rec, w.name, m.ID, w.Now().Add(w.lease(1)))
		if errors.Is(err, db.ErrNotFound) {
			continue // another worker has it now
		}
		if err != nil {
			return sent, err
		}
		sendCtx, cancel := context.WithTimeout(rec, w.sender.Timeout())
		err = w.sender.Send(sendCtx, m)
		cancel()
		now := w.Now()
		if err == nil {
			sent++
			w.log.Info("e-mail sent", "kind", m.Kind, "message_id", m.MessageID)
			if err := w.store.MarkMailSent(rec, w.name, m.ID, now); err != nil {
				return sent, err
			}
			continue
		}
		var se *SendError
		retry := !errors.As(err, &se) || se.Temporary
		res := db.MailResult{Error: err.Error(), Now: now}
		if retry && m.Attempts+1 < maxAttempts {
			res.Retry, res.NextAttempt = true, now.Add(backoff(m.Attempts+1))
			w.log.Warn("e-mail not sent, will retry", "kind", m.Kind, "message_id", m.MessageID, "attempt", m.Attempts+1, "next_attempt", res.NextAttempt, "err", err)
		} else {
			w.log.Error("e-mail not sent, given up", "kind", m.Kind, "message_id", m.MessageID, "attempt", m.Attempts+1, "err", err)
		}
		if err := w.store.MarkMailFailed(rec, w.name, m.ID, res); err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// backoff is the wait after the n-th failed attempt.
func backoff(n int) time.Duration {
	d := retryBase
	for i := 1; i < n && d < retryMax; i++ {
		d *= 2
	}
	return min(d, retryMax)
}

// prune removes sent mail after a day (it holds links with secrets) and
// failed mail after 30 days.
func (w *Worker) prune(ctx context.Context) {
	now := w.Now()
	n, err := w.store.PruneMail(ctx, now.Add(-24*time.Hour), now.Add(-30*24*time.Hour))
	if err != nil {
		w.log.Warn("prune mail", "err", err)
	} else if n > 0 {
		w.log.Info("pruned mail", "count", n)
	}
}
