package federation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/federation/httpsig"
)

// deliverer drains the delivery queue: it claims due rows with a lease,
// POSTs each activity to its inbox signed at send time, and records the
// outcome, with a global limit on requests in flight, a per-host limit and
// pace, and a circuit breaker per host.
//
// Every outcome is written as soon as the request ends, before its place
// among the Workers is free again, so that at any moment at most Workers
// deliveries are leased to this process without a recorded outcome: a
// crash sends at most that many again.
type deliverer struct {
	h   *Handler
	cfg DeliveryConfig

	persistMu sync.Mutex // orders the writes of host states

	mu          sync.Mutex
	slot        *db.WorkerSlot // the identity deliveries are leased under; nil until the first pump
	slotChecked time.Time
	slotLost    bool // the slot may be gone: lease nothing more under it
	inFlight    int
	hosts       map[string]*hostState
	payloads    map[int64][]byte    // activity JSON by activity row id
	signers     map[int64]*db.Actor // local actors that sign, by row id
	done        chan struct{}       // a delivery finished
	wg          sync.WaitGroup

	rec recorder
}

// recorder writes successes as they happen, in group commits: a request
// that ends waits until its success is written; those that end while a
// write is under way are written together by the next one, so that a busy
// queue costs far fewer statements than deliveries, and an idle one waits
// for no batch to fill.
type recorder struct {
	mu      sync.Mutex
	writing bool
	next    *successes // waiting for the write under way to end
}

// successes are deliveries to record as delivered in one write.
type successes struct {
	ids  map[successKey][]int64
	done chan struct{}
	err  error
}

type successKey struct {
	worker string
	status int
}

// delivered records the success of delivery id, leased under worker, and
// returns when it is written (or failed to be).
func (d *deliverer) delivered(ctx context.Context, worker string, id int64, status int) error {
	r := &d.rec
	r.mu.Lock()
	if r.next == nil {
		r.next = &successes{ids: map[successKey][]int64{}, done: make(chan struct{})}
	}
	b := r.next
	k := successKey{worker, status}
	b.ids[k] = append(b.ids[k], id)
	if r.writing {
		r.mu.Unlock()
		<-b.done
		return b.err
	}
	// No write under way: this goroutine writes, until nothing waits.
	r.writing = true
	for r.next != nil {
		b := r.next
		r.next = nil
		r.mu.Unlock()
		now := d.h.now()
		for k, ids := range b.ids {
			b.err = errors.Join(b.err, d.h.store.MarkDelivered(ctx, k.worker, ids, k.status, now))
		}
		close(b.done)
		r.mu.Lock()
	}
	r.writing = false
	r.mu.Unlock()
	return b.err
}

// hostState is what this process knows of one host.
type hostState struct {
	inFlight  int
	tokens    float64
	refilled  time.Time
	failures  int       // consecutive failures
	opened    int       // how often the breaker opened in a row
	openUntil time.Time // breaker open: skip the host until then
}

func newDeliverer(h *Handler) *deliverer {
	return &deliverer{h: h, cfg: h.cfg.Delivery, hosts: map[string]*hostState{},
		payloads: map[int64][]byte{}, signers: map[int64]*db.Actor{}, done: make(chan struct{}, 1)}
}

// host returns the state of host; d.mu must be held.
func (d *deliverer) host(name string) *hostState {
	hs, ok := d.hosts[name]
	if !ok {
		hs = &hostState{tokens: float64(d.cfg.HostBurst), refilled: d.h.now()}
		d.hosts[name] = hs
	}
	return hs
}

// available reports whether a request to the host may start now, refilling
// its tokens; d.mu must be held.
func (d *deliverer) available(hs *hostState, now time.Time) bool {
	if hs.inFlight >= d.cfg.PerHost || now.Before(hs.openUntil) {
		return false
	}
	if d.cfg.HostRate < 0 {
		return true
	}
	if el := now.Sub(hs.refilled).Seconds(); el > 0 {
		hs.tokens = min(float64(d.cfg.HostBurst), hs.tokens+el*d.cfg.HostRate)
		hs.refilled = now
	}
	return hs.tokens >= 1
}

// pump claims as many due deliveries as there is room for and starts
// sending them. It returns how many it started. It claims only when a
// quarter of the workers (or all) are free, so that a busy queue is read
// in batches.
func (d *deliverer) pump(ctx context.Context) (int, error) {
	worker, err := d.identity(ctx)
	if err != nil || worker == "" {
		return 0, err
	}
	now := d.h.now()
	d.mu.Lock()
	free := d.cfg.Workers - d.inFlight
	if d.inFlight > 0 && free < max(1, d.cfg.Workers/4) {
		d.mu.Unlock()
		return 0, nil
	}
	var exclude []string
	for name, hs := range d.hosts {
		if !d.available(hs, now) {
			exclude = append(exclude, name)
		} else if hs.inFlight == 0 && hs.failures == 0 && len(d.hosts) > 10000 {
			delete(d.hosts, name)
		}
	}
	d.mu.Unlock()
	if free <= 0 {
		return 0, nil
	}
	if ctx.Err() != nil {
		return 0, nil
	}
	// A claim cancelled half way may have leased rows whose ids never
	// come back: the claim is not cancelled with the worker.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	rows, err := d.h.store.ClaimDeliveries(cctx, db.DeliveryClaim{Worker: worker, Now: now, Lease: d.cfg.Lease,
		Limit: free, PerHost: d.cfg.PerHost, ExcludeHosts: exclude})
	cancel()
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	if err := d.loadPayloads(ctx, rows); err != nil {
		d.h.store.ReleaseDeliveries(context.WithoutCancel(ctx), worker, ids(rows))
		return 0, err
	}
	started := 0
	for _, row := range rows {
		d.mu.Lock()
		hs := d.host(row.Host)
		if hs.inFlight >= d.cfg.PerHost || now.Before(hs.openUntil) {
			// Claimed beyond the host's limit (another batch was in
			// flight): give it back for the next round.
			d.mu.Unlock()
			d.h.store.ReleaseDeliveries(context.WithoutCancel(ctx), worker, []int64{row.ID})
			continue
		}
		hs.inFlight++
		if d.cfg.HostRate >= 0 {
			hs.tokens--
		}
		d.inFlight++
		payload := d.payloads[row.ActivityID]
		d.mu.Unlock()
		started++
		d.wg.Add(1)
		go d.send(ctx, worker, row, payload)
	}
	return started, nil
}

// slotCheckEvery is how often the worker makes sure it still holds its slot.
const slotCheckEvery = time.Second

// identity returns the name to lease deliveries under, taking a worker
// slot (and with it the leases a crashed earlier holder left) the first
// time. It returns "" while the worker must not lease: its slot was lost
// and deliveries leased under it are still in flight.
func (d *deliverer) identity(ctx context.Context) (string, error) {
	d.mu.Lock()
	slot, inFlight, lost := d.slot, d.inFlight, d.slotLost
	check := slot != nil && !lost && time.Since(d.slotChecked) >= slotCheckEvery
	if check {
		d.slotChecked = time.Now()
	}
	d.mu.Unlock()
	if check {
		if err := slot.Check(ctx); err != nil {
			d.h.log.Error("delivery worker lost its slot; it takes a new one when its deliveries in flight are done", "worker", slot.Name, "err", err)
			lost = true
			d.mu.Lock()
			d.slotLost = true
			d.mu.Unlock()
		}
	}
	if lost {
		if inFlight > 0 {
			return "", nil
		}
		d.releaseSlot()
		slot = nil
	}
	if slot != nil {
		return slot.Name, nil
	}
	slot, err := d.h.store.TakeWorkerSlot(ctx)
	if err != nil {
		return "", err
	}
	if n, err := d.h.store.ReclaimLeases(ctx, slot); err != nil {
		d.h.log.Warn("reclaim leases of stopped workers", "err", err)
	} else if n > 0 {
		d.h.log.Info("released the leases of stopped workers", "count", n)
	}
	d.h.log.Debug("delivery worker started", "worker", slot.Name)
	d.mu.Lock()
	d.slot, d.slotChecked, d.slotLost = slot, time.Now(), false
	d.mu.Unlock()
	return slot.Name, nil
}

// releaseSlot gives up the worker's slot, if it holds one; deliveries must
// no longer be in flight.
func (d *deliverer) releaseSlot() {
	d.mu.Lock()
	slot := d.slot
	d.slot = nil
	d.mu.Unlock()
	if slot != nil {
		if err := slot.Release(); err != nil {
			d.h.log.Warn("release worker slot", "worker", slot.Name, "err", err)
		}
	}
}

// reclaim releases the leases of workers that are gone (see
// db.ReclaimLeases); the poll does it now and then.
func (d *deliverer) reclaim(ctx context.Context) {
	d.mu.Lock()
	slot := d.slot
	d.mu.Unlock()
	if slot == nil {
		return
	}
	if n, err := d.h.store.ReclaimLeases(ctx, slot); err != nil {
		d.h.log.Warn("reclaim leases of stopped workers", "err", err)
	} else if n > 0 {
		d.h.log.Info("released the leases of stopped workers", "count", n)
	}
}

// stop waits for the deliveries in flight, whose outcomes are recorded,
// and gives up the worker's slot.
func (d *deliverer) stop() {
	d.wg.Wait()
	d.releaseSlot()
}

func ids(rows []*db.Delivery) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

// loadPayloads makes sure the JSON of every claimed row's activity is in
// the cache.
func (d *deliverer) loadPayloads(ctx context.Context, rows []*db.Delivery) error {
	d.mu.Lock()
	if len(d.payloads) > 512 {
		clear(d.payloads)
	}
	var missing []int64
	seen := map[int64]bool{}
	for _, r := range rows {
		if _, ok := d.payloads[r.ActivityID]; !ok && !seen[r.ActivityID] {
			missing = append(missing, r.ActivityID)
			seen[r.ActivityID] = true
		}
	}
	d.mu.Unlock()
	if len(missing) == 0 {
		return nil
	}
	raws, err := d.h.store.ActivityRaws(ctx, missing)
	if err != nil {
		return err
	}
	d.mu.Lock()
	for id, raw := range raws {
		d.payloads[id] = []byte(raw)
	}
	d.mu.Unlock()
	return nil
}

// outcome is what one attempt came to.
type outcome struct {
	status     int
	err        error
	retryAfter time.Duration
}

// send delivers one row, leased under the name worker, and records the
// outcome. A worker that is told to stop (ctx ends) does not cut the
// request short: an inbox may act on a request whose answer the hub never
// reads, and the delivery would then go out twice. The request ends by
// itself within Timeout and its outcome is recorded; a failure during a
// shutdown releases the lease instead of counting an attempt.
func (d *deliverer) send(ctx context.Context, worker string, row *db.Delivery, payload []byte) {
	defer d.wg.Done()
	var oc outcome
	if payload == nil {
		oc.err = errors.New("the activity is gone")
		oc.status = http.StatusGone // nothing to send: give up
	} else {
		oc = d.post(context.WithoutCancel(ctx), row, payload)
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if ctx.Err() != nil && oc.err != nil {
		if err := d.h.store.ReleaseDeliveries(rctx, worker, []int64{row.ID}); err != nil {
			d.h.log.Warn("release delivery", "id", row.ID, "err", err)
		}
		d.finish(row.Host, nil)
		return
	}
	d.record(rctx, worker, row, oc)
}

// post signs and sends one activity.
func (d *deliverer) post(ctx context.Context, row *db.Delivery, payload []byte) outcome {
	if d.h.policy.blocked(ctx, row.Host) {
		return outcome{err: errBlocked, status: http.StatusForbidden} // blocked since it was queued
	}
	actor, err := d.signer(ctx, row.ActorID)
	if err != nil {
		return outcome{err: err}
	}
	key, err := d.h.privateKey(actor)
	if err != nil {
		return outcome{err: err, status: http.StatusGone}
	}
	rctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, row.Inbox, bytes.NewReader(payload))
	if err != nil {
		return outcome{err: err, status: http.StatusBadRequest}
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", acceptAS)
	req.Header.Set("User-Agent", d.h.userAgent)
	if err := httpsig.Sign(req, payload, actor.KeyID, key, d.h.now()); err != nil {
		return outcome{err: err, status: http.StatusBadRequest}
	}
	resp, err := d.h.client.Do(req)
	if err != nil {
		return outcome{err: err}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	oc := outcome{status: resp.StatusCode}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		oc.err = fmt.Errorf("HTTP %d", resp.StatusCode)
		oc.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), d.h.now())
	}
	return oc
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// maxRetryAfter caps how long a Retry-After can postpone a delivery.
const maxRetryAfter = 24 * time.Hour

// retryable reports whether a failed attempt may succeed later: network
// errors, timeouts, 5xx (but 501), 401 (the key may not be fetched yet),
// 408 and 429. Other 4xx are permanent (Mastodon's rule).
func retryable(oc outcome) bool {
	switch {
	case oc.status == 0:
		return true
	case oc.status == http.StatusUnauthorized, oc.status == http.StatusRequestTimeout, oc.status == http.StatusTooManyRequests:
		return true
	case oc.status == http.StatusNotImplemented:
		return false
	case oc.status >= 500:
		return true
	}
	return false
}

// hostFailure reports whether a failure says the host is unwell (and
// counts towards its circuit breaker).
func hostFailure(oc outcome) bool {
	return oc.status == 0 || oc.status >= 500 || oc.status == http.StatusTooManyRequests || oc.status == http.StatusRequestTimeout
}

// record writes an attempt's outcome and updates the host's breaker.
func (d *deliverer) record(ctx context.Context, worker string, row *db.Delivery, oc outcome) {
	now := d.h.now()
	log := d.h.log.With("inbox", row.Inbox, "delivery", row.ID)
	if oc.err == nil {
		// A success not written is sent again when its lease is taken
		// back: try a little before leaving it to that.
		var err error
		for i, wait := range []time.Duration{0, 100 * time.Millisecond, time.Second} {
			if i > 0 {
				time.Sleep(wait)
			}
			if err = d.delivered(ctx, worker, row.ID, oc.status); err == nil {
				break
			}
		}
		if err != nil {
			log.Warn("record delivery; it will be sent again", "err", err)
		}
		d.finish(row.Host, &oc)
		return
	}
	res := db.DeliveryResult{Status: oc.status, Error: oc.err.Error(), Now: now}
	attempt := row.Attempts + 1
	if retryable(oc) && attempt <= len(d.cfg.Backoff) {
		wait := jitter(d.cfg.Backoff[attempt-1])
		if oc.retryAfter > wait {
			wait = min(oc.retryAfter, maxRetryAfter)
		}
		res.Retry, res.NextAttempt = true, now.Add(wait)
		log.Info("delivery failed, will retry", "attempt", attempt, "status", oc.status, "err", oc.err, "retry_at", res.NextAttempt)
	} else {
		log.Warn("delivery failed for good", "attempt", attempt, "status", oc.status, "err", oc.err)
	}
	if err := d.h.store.MarkAttemptFailed(ctx, worker, row.ID, res); err != nil {
		log.Warn("record failed delivery", "err", err)
	}
	d.finish(row.Host, &oc)
}

// jitter spreads a wait by ±20%.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// finish updates the in-flight counts and the host's breaker after a
// delivery (oc is nil for one released unsent).
func (d *deliverer) finish(host string, oc *outcome) {
	now := d.h.now()
	var success, failure bool
	var postpone time.Time
	d.mu.Lock()
	hs := d.host(host)
	hs.inFlight--
	d.inFlight--
	switch {
	case oc == nil:
	case oc.err == nil || !hostFailure(*oc):
		success = hs.failures > 0 || hs.opened > 0
		hs.failures, hs.opened, hs.openUntil = 0, 0, time.Time{}
	default:
		hs.failures++
		if hs.failures >= d.cfg.BreakerThreshold && !now.Before(hs.openUntil) {
			cool := min(d.cfg.BreakerCooldown<<min(hs.opened, 10), time.Hour)
			hs.opened++
			hs.failures = 0
			hs.openUntil = now.Add(cool)
			postpone = hs.openUntil
			d.h.log.Warn("circuit breaker open", "host", host, "until", hs.openUntil)
		}
		failure = true
	}
	d.mu.Unlock()
	if success || failure {
		d.persistHost(host, oc, postpone)
	}
	select {
	case d.done <- struct{}{}:
	default:
	}
}

// persistHost writes the host's breaker state as it is now (not as it was
// when this delivery finished: concurrent deliveries to one host finish in
// any order, and the last write must hold the last state), and postpones
// the host's queue when its breaker just opened.
func (d *deliverer) persistHost(host string, oc *outcome, postpone time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d.persistMu.Lock()
	defer d.persistMu.Unlock()
	d.mu.Lock()
	hs := *d.host(host)
	d.mu.Unlock()
	now := d.h.now()
	var err error
	if hs.failures == 0 && hs.opened == 0 {
		err = d.h.store.RecordHostSuccess(ctx, host, now)
	} else {
		msg := ""
		if oc.err != nil {
			msg = oc.err.Error()
		}
		err = d.h.store.RecordHostFailure(ctx, host, hs.failures, hs.openUntil, msg, now)
	}
	if err != nil {
		d.h.log.Warn("save host state", "host", host, "err", err)
	}
	if !postpone.IsZero() {
		if err := d.h.store.PostponeHost(ctx, host, postpone); err != nil {
			d.h.log.Warn("postpone host", "host", host, "err", err)
		}
	}
}

// busy reports how many deliveries are in flight.
func (d *deliverer) busy() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.inFlight
}

// signer returns the local actor whose key signs a delivery, cached: local
// actors and their keys do not change.
func (d *deliverer) signer(ctx context.Context, id int64) (*db.Actor, error) {
	d.mu.Lock()
	a, ok := d.signers[id]
	d.mu.Unlock()
	if ok {
		return a, nil
	}
	a, err := d.h.store.Actor(ctx, id)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.signers[id] = a
	d.mu.Unlock()
	return a, nil
}
