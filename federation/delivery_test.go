package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// sink stands for many remote servers at once: every host name resolves
// to it (through the client the hub is given). It counts the deliveries it
// accepted, by activity and inbox, and answers as behave says.
type sink struct {
	srv *httptest.Server

	mu       sync.Mutex
	accepted map[string]int // "activity-id inbox-url" → times answered 2xx
	attempts map[string]int // host → requests
	waiting  int            // requests held by a delay right now
	n        int            // deliveries accepted so far
	stamps   []time.Time    // when each was accepted
	behave   func(host string, attempt int) (status int, retryAfter string, delay time.Duration)
}

func newSink(t testing.TB) *sink {
	s := &sink{accepted: map[string]int{}, attempts: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// setBehave changes how the sink answers; requests may be in flight.
func (s *sink) setBehave(b func(host string, attempt int) (status int, retryAfter string, delay time.Duration)) {
	s.mu.Lock()
	s.behave = b
	s.mu.Unlock()
}

func (s *sink) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var doc struct {
		ID string `json:"id"`
	}
	json.Unmarshal(body, &doc)
	if r.Header.Get("Signature") == "" || r.Header.Get("Digest") == "" {
		http.Error(w, "unsigned", http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	s.attempts[r.Host]++
	n := s.attempts[r.Host]
	behave := s.behave
	s.mu.Unlock()
	status, retryAfter, delay := http.StatusAccepted, "", time.Duration(0)
	if behave != nil {
		status, retryAfter, delay = behave(r.Host, n)
	}
	if delay > 0 {
		s.mu.Lock()
		s.waiting++
		s.mu.Unlock()
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		}
		s.mu.Lock()
		s.waiting--
		s.mu.Unlock()
		if r.Context().Err() != nil {
			return // the sender gave up: not accepted
		}
	}
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	if status >= 200 && status < 300 {
		s.mu.Lock()
		s.accepted[doc.ID+" http://"+r.Host+r.URL.Path]++
		s.n++
		s.stamps = append(s.stamps, time.Now())
		s.mu.Unlock()
	}
	w.WriteHeader(status)
}

// client returns a client that sends every host to the sink.
func (s *sink) client() *http.Client {
	addr := s.srv.Listener.Addr().String()
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, addr)
			},
			MaxIdleConnsPerHost: 4,
			MaxIdleConns:        4000,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// counts returns a copy of the accepted counts.
func (s *sink) counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.accepted))
	for k, v := range s.accepted {
		out[k] = v
	}
	return out
}

// total returns how many deliveries the sink accepted so far.
func (s *sink) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// waitFor waits until the sink has accepted n deliveries in all and
// returns how long after start the one after the first from (counted from
// zero) and the nth were accepted.
func (s *sink) waitFor(t testing.TB, from, n int, start time.Time, limit time.Duration) (first, last time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for s.total() < n {
		if time.Now().After(deadline) {
			t.Fatalf("the sink accepted %d deliveries, want %d", s.total(), n)
		}
		time.Sleep(time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stamps[from].Sub(start), s.stamps[n-1].Sub(start)
}

func (s *sink) held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waiting
}

// addFollowers stores, for the local actor a, perHost remote followers on
// each of hosts instances (inst0000.test…), with shared inboxes or not.
func addFollowers(t testing.TB, store *db.Store, a *db.Actor, hosts, perHost int, shared bool) {
	t.Helper()
	ctx := context.Background()
	err := store.InTx(ctx, func(tx *db.Store) error {
		for i := 0; i < hosts; i++ {
			host := fmt.Sprintf("inst%04d.test", i)
			for j := 0; j < perHost; j++ {
				uri := fmt.Sprintf("http://%s/users/u%d", host, j)
				r := &db.Actor{URI: uri, Type: db.ActorPerson, Host: host, Handle: fmt.Sprintf("u%d", j), Inbox: uri + "/inbox"}
				if shared {
					r.SharedInbox = "http://" + host + "/inbox"
				}
				if err := tx.SaveRemoteActor(ctx, r); err != nil {
					return err
				}
				if _, err := tx.SaveFollow(ctx, r.ID, a.ID, uri+"/follow", db.FollowAccepted); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkExactlyOnce checks that every delivery in the store was accepted
// by the sink exactly once.
func checkExactlyOnce(t *testing.T, store *db.Store, s *sink, want int) {
	t.Helper()
	ctx := context.Background()
	rows, err := store.Deliveries(ctx, db.DeliveryQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	counts := s.counts()
	if len(rows) != want {
		t.Errorf("%d deliveries in the queue, want %d", len(rows), want)
	}
	raws := map[int64]string{}
	for _, r := range rows {
		if r.State != db.DeliveryDelivered {
			t.Errorf("delivery %d to %s: %s after %d attempts (%s)", r.ID, r.Inbox, r.State, r.Attempts, r.LastError)
			continue
		}
		if _, ok := raws[r.ActivityID]; !ok {
			m, _ := store.ActivityRaws(ctx, []int64{r.ActivityID})
			raws[r.ActivityID] = str(parseRaw(m[r.ActivityID]), "id")
		}
		if n := counts[raws[r.ActivityID]+" "+r.Inbox]; n != 1 {
			t.Errorf("%s reached %s %d times, want once", raws[r.ActivityID], r.Inbox, n)
		}
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	if total != want {
		t.Errorf("the sink accepted %d deliveries, want %d", total, want)
	}
}

// catchUp moves the clock to the next due delivery and drains, until the
// queue is empty or rounds run out.
func catchUp(t *testing.T, hub *testHub, rounds int, each func(round int)) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < rounds; i++ {
		if each != nil {
			each(i)
		}
		hub.drain()
		due, ok, err := hub.store.NextDeliveryDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return
		}
		if d := due.Sub(hub.clock.Now()); d > 0 {
			hub.clock.Add(d + time.Second)
		}
	}
	t.Fatalf("deliveries still pending after %d rounds", rounds)
}

// TestDeliveryRetriesUntilRecovery: receivers fail for a while (5xx, 429
// with Retry-After, timeouts, a dead host whose breaker opens) and then
// recover; everything arrives exactly once; a permanent 4xx is not
// retried.
func TestDeliveryRetriesUntilRecovery(t *testing.T) {
	each(t, func(t *testing.T, d db.Dialect) {
		ctx := context.Background()
		clock := newClock()
		s := newSink(t)
		hub := newTestHub(t, d, clock, func(c *Config) {
			c.Client = s.client()
			// Short enough that inst0002's slow answer times out, long
			// enough that a starved machine (-race, loaded CI) does not
			// time out a quick one that the sink has already counted.
			c.Delivery.Timeout = 1500 * time.Millisecond
			c.Delivery.BreakerThreshold = 2
		})
		org := hub.org("ic-vidin")
		a, err := hub.h.localActor(ctx, "ic-vidin")
		if err != nil {
			t.Fatal(err)
		}
		addFollowers(t, hub.store, a, 6, 1, true)
		var recovered bool
		var mu sync.Mutex
		s.behave = func(host string, n int) (int, string, time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			switch host {
			case "inst0000.test":
				if n <= 2 {
					return http.StatusInternalServerError, "", 0
				}
			case "inst0001.test":
				if n == 1 {
					return http.StatusTooManyRequests, "7200", 0
				}
			case "inst0002.test":
				if n == 1 {
					return http.StatusAccepted, "", 5 * time.Second // longer than the timeout
				}
			case "inst0003.test":
				if !recovered {
					return http.StatusServiceUnavailable, "", 0
				}
			case "inst0005.test":
				return http.StatusNotFound, "", 0
			}
			return http.StatusAccepted, "", 0
		}
		hub.item(org, db.News, "Първа")
		hub.item(org, db.Event, "Втора")
		start := clock.Now()
		hub.drain()

		// 429 with Retry-After: 7200 pushes that retry two hours out.
		rows, _ := hub.store.Deliveries(ctx, db.DeliveryQuery{Host: "inst0001.test", State: db.DeliveryPending})
		if len(rows) == 0 || rows[len(rows)-1].NextAttemptAt.Before(start.Add(2*time.Hour)) {
			t.Errorf("after a 429 with Retry-After 7200: %+v", rows)
		}
		// Two failures in a row opened inst0003's breaker.
		hs, _ := hub.store.FederationHostState(ctx, "inst0003.test")
		if hs.OpenUntil.IsZero() {
			t.Errorf("inst0003's breaker did not open: %+v", hs)
		}
		catchUp(t, hub, 30, func(round int) {
			if round == 4 {
				mu.Lock()
				recovered = true
				mu.Unlock()
			}
		})
		failed, _ := hub.store.Deliveries(ctx, db.DeliveryQuery{State: db.DeliveryFailed})
		if len(failed) != 2 || failed[0].Host != "inst0005.test" || failed[0].Attempts != 1 || failed[0].LastStatus != 404 {
			t.Errorf("failed deliveries: %+v, want inst0005's two, after one attempt each", failed)
		}
		// The rest arrived exactly once.
		for _, f := range failed {
			if err := hub.store.RetryDelivery(ctx, f.ID, clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		mu.Lock()
		s.setBehave(nil)
		mu.Unlock()
		hub.drain()
		checkExactlyOnce(t, hub.store, s, 12)
	})
}

// TestDeliveryWorkerKilled: a worker stopped while its deliveries are in
// flight gives them back; a worker that dies holding leases loses them when
// the leases run out; either way a new worker delivers everything once.
func TestDeliveryWorkerKilled(t *testing.T) {
	each(t, func(t *testing.T, d db.Dialect) {
		ctx := context.Background()
		clock := newClock()
		s := newSink(t)
		store := dbtest.Open(t, d)
		opts := func(c *Config) { c.Client = s.client() }
		first := newTestHubOn(t, store, clock, opts)
		org := first.org("ic-yambol")
		a, err := first.h.localActor(ctx, "ic-yambol")
		if err != nil {
			t.Fatal(err)
		}
		addFollowers(t, store, a, 20, 1, true)
		s.setBehave(func(string, int) (int, string, time.Duration) { return http.StatusAccepted, "", time.Minute })
		first.item(org, db.News, "Новина")

		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- first.h.Run(runCtx) }()
		deadline := time.Now().Add(20 * time.Second)
		for s.held() < 10 {
			if time.Now().After(deadline) {
				t.Fatalf("only %d deliveries reached the sink", s.held())
			}
			time.Sleep(10 * time.Millisecond)
		}
		stop()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the worker did not stop")
		}
		rows, _ := store.Deliveries(ctx, db.DeliveryQuery{})
		for _, r := range rows {
			if r.State != db.DeliveryPending || !r.LockedUntil.IsZero() || r.Attempts != 0 {
				t.Errorf("after the stop: delivery %d %s leased until %v, %d attempts", r.ID, r.State, r.LockedUntil, r.Attempts)
			}
		}
		if n := len(s.counts()); n != 0 {
			t.Fatalf("%d deliveries accepted while the sink was holding them", n)
		}

		// A worker that dies holding leases.
		dead, err := store.ClaimDeliveries(ctx, db.DeliveryClaim{Worker: "dead", Now: clock.Now(), Lease: 5 * time.Minute, Limit: 100})
		if err != nil || len(dead) != 20 {
			t.Fatalf("claim as the dead worker: %d, %v", len(dead), err)
		}
		s.setBehave(nil)
		second := newTestHubOn(t, store, clock, opts)
		second.drain()
		if n := len(s.counts()); n != 0 {
			t.Fatalf("%d leased deliveries sent before their lease ran out", n)
		}
		clock.Add(6 * time.Minute)
		second.drain()
		checkExactlyOnce(t, store, s, 20)
	})
}

// TestTwoWorkersShareOneQueue: two processes' workers drain one queue at
// the same time; nothing is published or sent twice.
func TestTwoWorkersShareOneQueue(t *testing.T) {
	each(t, func(t *testing.T, d db.Dialect) {
		ctx := context.Background()
		clock := newClock()
		s := newSink(t)
		opts := func(c *Config) {
			c.Client = s.client()
			c.PersonalInboxes = true
			c.Delivery.Workers = 16
		}
		one := newTestHub(t, d, clock, opts)
		two := newTestHubOn(t, one.store, clock, opts)
		org := one.org("ic-gabrovo")
		a, err := one.h.localActor(ctx, "ic-gabrovo")
		if err != nil {
			t.Fatal(err)
		}
		addFollowers(t, one.store, a, 40, 3, true)
		s.behave = func(string, int) (int, string, time.Duration) {
			return http.StatusAccepted, "", time.Millisecond
		}
		for i := 0; i < 3; i++ {
			one.item(org, db.News, fmt.Sprintf("Новина %d", i))
		}
		var wg sync.WaitGroup
		for _, h := range []*testHub{one, two} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				dctx, cancel := context.WithTimeout(ctx, time.Minute)
				defer cancel()
				if err := h.h.Drain(dctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		one.drain()
		checkExactlyOnce(t, one.store, s, 360)
		acts, total, _ := one.store.OutboxPage(ctx, a.ID, 10, 0)
		if total != 3 || len(acts) != 3 {
			t.Errorf("outbox holds %d activities, want 3 (each event published once)", total)
		}
	})
}
