package federation

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/federation/httpsig"
)

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkInboxCreate measures signed Create{Article} activities from a
// followed partner accepted (202 after the commit) and stored as items per
// second, at the shared inbox of a hub on SQLite, 16 senders at once over
// loopback. Requests are signed before the timer starts; the key is
// cached, as it is after the first activity from an actor.
func BenchmarkInboxCreate(b *testing.B) {
	ctx := context.Background()
	clock := newClock()
	hub := newTestHub(b, db.SQLite, clock)
	key := poolKeys(b)[2]
	pem, _ := httpsig.EncodePublicKey(&key.PublicKey)
	partner := "https://partner.example/actors/ic-sofia"
	a := &db.Actor{URI: partner, Type: db.ActorOrganization, Host: "partner.example", Handle: "ic-sofia",
		Inbox: partner + "/inbox", SharedInbox: "https://partner.example/inbox", KeyID: partner + "#main-key", PublicKeyPEM: pem,
		Name: "IC Sofia"}
	if err := hub.store.SaveRemoteActor(ctx, a); err != nil {
		b.Fatal(err)
	}
	hubActor, err := hub.h.localActor(ctx, hub.h.hubHandle)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := hub.store.SaveFollow(ctx, hubActor.ID, a.ID, "https://hub/f", db.FollowAccepted); err != nil {
		b.Fatal(err)
	}
	inbox := hub.h.base + "/inbox"
	type signed struct {
		body []byte
		hdr  http.Header
	}
	reqs := make([]signed, b.N)
	for i := range reqs {
		obj := fmt.Sprintf("https://partner.example/items/%d", i)
		body := mustJSON(b, map[string]any{
			"@context": ldContext(), "id": fmt.Sprintf("https://partner.example/activities/%d", i), "type": "Create",
			"actor": partner, "to": []any{asPublic}, "cc": []any{partner + "/followers"},
			"object": map[string]any{"id": obj, "type": "Article", "attributedTo": partner, "to": []any{asPublic},
				"name": "Обява", "nameMap": map[string]any{"bg": "Обява", "en": "Announcement"},
				"summary": "кратко", "summaryMap": map[string]any{"bg": "кратко", "en": "short"},
				"content": "<p>Текст на обявата.</p>", "contentMap": map[string]any{"bg": "<p>Текст на обявата.</p>", "en": "<p>The text.</p>"},
				"url": obj, termSection: "announcement", "published": "2026-11-24T10:00:00Z"},
		})
		req, _ := http.NewRequest(http.MethodPost, inbox, nil)
		if err := httpsig.Sign(req, body, a.KeyID, key, clock.Now()); err != nil {
			b.Fatal(err)
		}
		reqs[i] = signed{body, req.Header}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var next atomic.Int64
	var failures atomic.Int64
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(reqs) {
					return
				}
				req, _ := http.NewRequest(http.MethodPost, inbox, bytes.NewReader(reqs[i].body))
				req.Header = reqs[i].hdr.Clone()
				req.Header.Set("Content-Type", contentType)
				resp, err := client.Do(req)
				if err != nil {
					failures.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					failures.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	wall, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d requests failed", n)
	}
	n, err := hub.store.CountItems(ctx, db.ItemQuery{Kinds: []db.Kind{db.Announcement}})
	if err != nil || n != b.N {
		b.Fatalf("%d items stored, want %d (%v)", n, b.N, err)
	}
	b.ReportMetric(float64(b.N)/wall.Seconds(), "activities/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/activity")
}

// BenchmarkDeliveryFanout measures publishing one item to 10,000 followers
// on 1,000 instances against a local sink (every host name dials it), with
// shared inboxes (1,000 POSTs) and without (10,000): wall time and the
// process's CPU time (the in-process sink's share included) per item.
func BenchmarkDeliveryFanout(b *testing.B) {
	for _, shared := range []bool{true, false} {
		name := "shared"
		if !shared {
			name = "personal"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			clock := newClock()
			s := newSink(b)
			hub := newTestHub(b, db.SQLite, clock, func(c *Config) {
				c.Client = s.client()
				c.PersonalInboxes = !shared
				c.Delivery.Workers = 256
				c.Delivery.Timeout = 30 * time.Second
			})
			org := hub.org("ic-haskovo")
			a, err := hub.h.localActor(ctx, "ic-haskovo")
			if err != nil {
				b.Fatal(err)
			}
			addFollowers(b, hub.store, a, 1000, 10, true)
			inboxes := 1000
			if !shared {
				inboxes = 10000
			}
			b.ResetTimer()
			var wall, cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				hub.item(org, db.News, fmt.Sprintf("Новина %d", i))
				b.StartTimer()
				start, cpu0 := time.Now(), cpuTime()
				hub.drain()
				wall += time.Since(start)
				cpu += cpuTime() - cpu0
			}
			b.StopTimer()
			if n, _ := hub.store.CountDeliveries(ctx, db.DeliveryDelivered, ""); n != inboxes*b.N {
				b.Fatalf("%d delivered, want %d", n, inboxes*b.N)
			}
			b.ReportMetric(wall.Seconds()/float64(b.N), "wall-s/item")
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/item")
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(inboxes*b.N), "cpu-ms/inbox")
		})
	}
}
