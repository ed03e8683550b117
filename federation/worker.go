package federation

import (
	"context"
	"errors"
	"time"
)

// Run is the federation worker: it publishes outbox events, carries out
// follow requests from the admin pages and drains the delivery queue. It
// is woken when work is committed (the Store's WorkQueued, which on
// PostgreSQL hears other processes too, and Wake) and by finished
// deliveries, and otherwise every poll interval, until ctx ends. On return
// no delivery of this process is left leased: the requests in flight are
// finished and recorded (or, when they fail, released). Several processes
// may run it on one PostgreSQL database.
func (h *Handler) Run(ctx context.Context) error {
	d := h.dl
	defer d.stop()
	queued, stopQueued := h.store.WorkQueued()
	defer stopQueued()
	poll := time.NewTicker(h.cfg.Delivery.PollInterval)
	defer poll.Stop()
	lastPrune := time.Time{}
	full := true // publish and follow requests too, not only deliveries
	for {
		var err error
		if full {
			err = h.step(ctx)
		} else {
			_, err = d.pump(ctx)
		}
		if err != nil && ctx.Err() == nil {
			h.log.Error("federation worker", "err", err)
		}
		if time.Since(lastPrune) > time.Hour {
			h.prune(ctx)
			lastPrune = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-h.wake:
			full = true
		case <-queued:
			full = true
		case <-d.done:
			full = false
		case <-poll.C:
			full = true
			d.reclaim(ctx)
		}
	}
}

// step does one round of work: publish, follow requests, start deliveries.
func (h *Handler) step(ctx context.Context) error {
	var errs []error
	for range 20 { // bounded: a burst of events is finished next round
		n, err := h.PublishPending(ctx, 100)
		if err != nil {
			errs = append(errs, err)
		}
		if n < 100 || err != nil {
			break
		}
	}
	if _, err := h.ProcessFollowRequests(ctx, 20); err != nil {
		errs = append(errs, err)
	}
	if _, err := h.dl.pump(ctx); err != nil {
		errs = append(errs, err)
	}
	if _, err := h.syncImages(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Drain does the worker's work until nothing is left that can be done now:
// every pending outbox event published, every follow request carried out,
// every due delivery attempted (deliveries that failed wait for their next
// attempt, which a later Drain at a later clock makes). It waits for the
// deliveries it starts. Tests and the CLI use it instead of Run.
func (h *Handler) Drain(ctx context.Context) error {
	d := h.dl
	defer d.stop()
	idle := true // nothing in flight: time to look for new work
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		published, requests := 0, 0
		if idle {
			var err error
			if published, err = h.PublishPending(ctx, 100); err != nil {
				return err
			}
			if requests, err = h.ProcessFollowRequests(ctx, 20); err != nil {
				return err
			}
			synced, err := h.syncImages(ctx)
			if err != nil {
				return err
			}
			requests += synced
		}
		started, err := d.pump(ctx)
		if err != nil {
			return err
		}
		busy := d.busy()
		if idle && published == 0 && requests == 0 && started == 0 && busy == 0 {
			return nil
		}
		idle = busy == 0 && started == 0
		if !idle && started == 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-d.done:
			case <-time.After(50 * time.Millisecond):
			}
			idle = d.busy() == 0
		}
	}
}

// syncImages brings partners' images up to date, a bounded batch of
// each kind: organisations' logos and banners, items' images, unused
// copies. It returns how many changes it made.
func (h *Handler) syncImages(ctx context.Context) (int, error) {
	total := 0
	for _, fn := range []func(context.Context, int) (int, error){h.FetchRemoteImages, h.FetchItemImages, h.PruneRemoteImages} {
		n, err := fn(ctx, 20)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// prune removes deliveries that finished long ago (delivered: a week;
// failed: 30 days) and received activities older than 90 days.
func (h *Handler) prune(ctx context.Context) {
	now := h.now()
	n, err := h.store.PruneDeliveries(ctx, now.Add(-7*24*time.Hour), now.Add(-30*24*time.Hour))
	if err != nil {
		h.log.Warn("prune deliveries", "err", err)
	} else if n > 0 {
		h.log.Info("pruned deliveries", "count", n)
	}
	n, err = h.store.PruneActivities(ctx, now.Add(-90*24*time.Hour))
	if err != nil {
		h.log.Warn("prune activities", "err", err)
	} else if n > 0 {
		h.log.Info("pruned received activities", "count", n)
	}
}
