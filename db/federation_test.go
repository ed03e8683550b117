package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

func localActor(t *testing.T, s *db.Store, handle string) *db.Actor {
	t.Helper()
	uri := "https://hub.example/actors/" + handle
	a, err := s.CreateLocalActor(context.Background(), &db.Actor{URI: uri, Handle: handle, Type: db.ActorOrganization,
		KeyID: uri + "#main-key", PublicKeyPEM: "pub", PrivateKeyPEM: "priv", Inbox: uri + "/inbox"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func remoteActor(t *testing.T, s *db.Store, host, user string) *db.Actor {
	t.Helper()
	uri := "https://" + host + "/users/" + user
	a := &db.Actor{URI: uri, Type: db.ActorPerson, Host: host, Handle: user, Inbox: uri + "/inbox",
		SharedInbox: "https://" + host + "/inbox", KeyID: uri + "#main-key", PublicKeyPEM: "pem"}
	if err := s.SaveRemoteActor(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestActors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		a := localActor(t, s, "ic-haskovo")
		again := localActor(t, s, "ic-haskovo")
		if again.ID != a.ID || again.PrivateKeyPEM != "priv" {
			t.Errorf("creating a local actor twice: %+v vs %+v", again, a)
		}
		_, err := s.CreateLocalActor(ctx, &db.Actor{URI: "https://hub.example/other", Handle: "IC-Haskovo", Type: db.ActorPerson,
			PublicKeyPEM: "p", PrivateKeyPEM: "q"})
		if !errors.Is(err, db.ErrConflict) {
			t.Errorf("a second local actor with the same handle: %v, want ErrConflict", err)
		}
		// A remote copy never overwrites a local actor.
		fake := &db.Actor{URI: a.URI, Type: db.ActorPerson, PublicKeyPEM: "evil"}
		if err := s.SaveRemoteActor(ctx, fake); !errors.Is(err, db.ErrConflict) {
			t.Errorf("saving a remote actor over a local one: %v", err)
		}
		if got, _ := s.ActorByURI(ctx, a.URI); got.PublicKeyPEM != "pub" || !got.Local {
			t.Errorf("local actor changed: %+v", got)
		}
		r := remoteActor(t, s, "masto.example", "alice")
		r.Name = "Alice"
		if err := s.SaveRemoteActor(ctx, r); err != nil {
			t.Fatal(err)
		}
		got, err := s.ActorByKeyID(ctx, r.KeyID)
		if err != nil || got.Name != "Alice" || got.ID != r.ID {
			t.Errorf("actor by key id: %+v, %v", got, err)
		}
		if err := s.SetActorBlocked(ctx, r.URI, true); err != nil {
			t.Fatal(err)
		}
		r.Name = "Alice 2"
		if err := s.SaveRemoteActor(ctx, r); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.ActorByURI(ctx, r.URI); !got.Blocked || got.Name != "Alice 2" {
			t.Errorf("a refresh must keep the block: %+v", got)
		}
	})
}

func TestFollowsAndInboxes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		org := localActor(t, s, "ic-sofia")
		var followers []*db.Actor
		for i, host := range []string{"a.example", "a.example", "b.example"} {
			r := remoteActor(t, s, host, fmt.Sprintf("u%d", i))
			followers = append(followers, r)
			if _, err := s.SaveFollow(ctx, r.ID, org.ID, r.URI+"/follow", db.FollowAccepted); err != nil {
				t.Fatal(err)
			}
		}
		shared, err := s.FollowerInboxes(ctx, org.ID, true)
		if err != nil || len(shared) != 2 {
			t.Errorf("shared inboxes: %v, %v; want one per host", shared, err)
		}
		own, _ := s.FollowerInboxes(ctx, org.ID, false)
		if len(own) != 3 {
			t.Errorf("personal inboxes: %v", own)
		}
		uris, total, err := s.FollowURIs(ctx, db.FollowPage{ActorID: org.ID, Followers: true, Limit: 2})
		if err != nil || total != 3 || len(uris) != 2 {
			t.Errorf("followers page: %v %d %v", uris, total, err)
		}
		ok, _ := s.DeleteFollow(ctx, followers[0].ID, org.ID)
		if n, _ := s.CountFollowers(ctx, org.ID); !ok || n != 2 {
			t.Errorf("after unfollow: %v %d", ok, n)
		}
		// The hub following a partner.
		if _, err := s.SaveFollow(ctx, org.ID, followers[2].ID, "https://hub.example/activities/1", db.FollowPending); err != nil {
			t.Fatal(err)
		}
		if yes, _ := s.IsFollowedLocally(ctx, followers[2].URI); !yes {
			t.Error("a pending follow of a partner must count")
		}
		if yes, _ := s.IsFollowedLocally(ctx, followers[1].URI); yes {
			t.Error("an actor nobody here follows counts as followed")
		}
		f, err := s.FollowByURI(ctx, "https://hub.example/activities/1")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetFollowState(ctx, f.ID, db.FollowAccepted); err != nil {
			t.Fatal(err)
		}
		list, err := s.Followings(ctx)
		if err != nil || len(list) != 1 || list[0].Followee.URI != followers[2].URI || list[0].State != db.FollowAccepted {
			t.Errorf("followings: %+v, %v", list, err)
		}
		if err := s.SetFollowState(ctx, f.ID, "maybe"); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("unknown state: %v", err)
		}
	})
}

func TestActivityDedup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		a := &db.Activity{URI: "https://x.example/1", Type: "Follow", Raw: `{"id":"https://x.example/1"}`}
		for i, want := range []bool{true, false} {
			got, err := s.InsertActivity(ctx, &db.Activity{URI: a.URI, Type: a.Type, Raw: a.Raw})
			if err != nil || got != want {
				t.Errorf("insert %d: %v, %v; want %v", i, got, err, want)
			}
		}
	})
}

// queue sets up n pending deliveries to hosts h0…h(hosts-1).
func queue(t *testing.T, s *db.Store, n, hosts int, now time.Time) {
	t.Helper()
	ctx := context.Background()
	sender := localActor(t, s, "sender")
	act := &db.Activity{URI: "https://hub.example/activities/x", Type: "Create", Outgoing: true, LocalActorID: sender.ID, Raw: "{}"}
	if _, err := s.InsertActivity(ctx, act); err != nil {
		t.Fatal(err)
	}
	var inboxes []string
	for i := 0; i < n; i++ {
		inboxes = append(inboxes, fmt.Sprintf("https://h%d.example/users/u%d/inbox", i%hosts, i))
	}
	if err := s.EnqueueDeliveries(ctx, act.ID, sender.ID, inboxes, now); err != nil {
		t.Fatal(err)
	}
	if err := s.EnqueueDeliveries(ctx, act.ID, sender.ID, inboxes, now); err != nil { // idempotent
		t.Fatal(err)
	}
}

func TestDeliveryClaims(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
		queue(t, s, 12, 3, now)
		claim := func(worker string, at time.Time, q db.DeliveryClaim) []*db.Delivery {
			t.Helper()
			q.Worker, q.Now, q.Lease = worker, at, time.Minute
			rows, err := s.ClaimDeliveries(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}
		if rows := claim("w1", now.Add(-time.Second), db.DeliveryClaim{}); len(rows) != 0 {
			t.Errorf("claimed %d deliveries before they were due", len(rows))
		}
		rows := claim("w1", now, db.DeliveryClaim{Limit: 100, PerHost: 2, ExcludeHosts: []string{"h2.example"}})
		if len(rows) != 4 {
			t.Fatalf("claimed %d, want 2 for each of 2 hosts", len(rows))
		}
		for _, r := range rows {
			if r.Host == "h2.example" || r.LockedBy != "w1" {
				t.Errorf("claimed %+v", r)
			}
		}
		if again := claim("w2", now, db.DeliveryClaim{Limit: 100}); len(again) != 8 {
			t.Errorf("a second worker claimed %d, want the 8 left", len(again))
		}
		if none := claim("w3", now.Add(30*time.Second), db.DeliveryClaim{Limit: 100}); len(none) != 0 {
			t.Errorf("claimed %d leased deliveries", len(none))
		}
		// w1 finishes two, fails one for good, retries one, and dies.
		if err := s.MarkDelivered(ctx, "w1", []int64{rows[0].ID, rows[1].ID}, 202, now); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkAttemptFailed(ctx, "w1", rows[2].ID, db.DeliveryResult{Status: 404, Error: "gone", Now: now}); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkAttemptFailed(ctx, "w1", rows[3].ID, db.DeliveryResult{Status: 503, Error: "busy", Retry: true, NextAttempt: now.Add(time.Hour), Now: now}); err != nil {
			t.Fatal(err)
		}
		// A result from a worker that lost the lease is ignored.
		if err := s.MarkDelivered(ctx, "w9", []int64{rows[3].ID}, 202, now); err != nil {
			t.Fatal(err)
		}
		// After w2's lease runs out, its 8 come back.
		back := claim("w3", now.Add(2*time.Minute), db.DeliveryClaim{Limit: 100})
		if len(back) != 8 {
			t.Errorf("after the lease: %d claimable, want 8", len(back))
		}
		later := claim("w4", now.Add(63*time.Minute), db.DeliveryClaim{Limit: 100})
		found := false
		for _, r := range later {
			found = found || (r.ID == rows[3].ID && r.Attempts == 1 && r.LastStatus == 503)
		}
		if len(later) != 9 || !found {
			t.Errorf("after the retry time: %d claimable (want 9, with the retried one: %v)", len(later), found)
		}
		for st, want := range map[db.DeliveryState]int{db.DeliveryDelivered: 2, db.DeliveryFailed: 1, db.DeliveryPending: 9} {
			if n, _ := s.CountDeliveries(ctx, st, ""); n != want {
				t.Errorf("%s: %d, want %d", st, n, want)
			}
		}
		// The breaker postpones a host; an admin retries a failed one.
		if err := s.PostponeHost(ctx, "h0.example", now.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.RetryDelivery(ctx, rows[2].ID, now); err != nil {
			t.Fatal(err)
		}
		due, ok, _ := s.NextDeliveryDue(ctx)
		if !ok || due.After(now.Add(time.Hour)) {
			t.Errorf("next due: %v %v", due, ok)
		}
	})
}

// TestDeliveryClaimsConcurrent: many workers claiming at once never get
// the same row.
func TestDeliveryClaimsConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
		queue(t, s, 400, 50, now)
		var mu sync.Mutex
		seen := map[int64]string{}
		var wg sync.WaitGroup
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := fmt.Sprintf("w%d", w)
				for range 200 {
					rows, err := s.ClaimDeliveries(ctx, db.DeliveryClaim{Worker: name, Now: now, Lease: time.Hour, Limit: 7, PerHost: 1})
					if err != nil {
						t.Error(err)
						return
					}
					if len(rows) == 0 {
						return
					}
					mu.Lock()
					for _, r := range rows {
						if other, dup := seen[r.ID]; dup {
							t.Errorf("delivery %d claimed by %s and %s", r.ID, other, name)
						}
						seen[r.ID] = name
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != 400 {
			t.Errorf("claimed %d of 400", len(seen))
		}
	})
}

func TestTakeOutboxEvent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		o := newOrg("ic-ruse")
		if err := s.CreateOrganisation(ctx, o); err != nil {
			t.Fatal(err)
		}
		it := &db.Item{Kind: db.News, OrganisationID: o.ID, Status: db.Published}
		it.SetTexts(db.Text{Lang: db.BG, Title: "Новина"})
		if err := s.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		evs, _ := s.PendingOutboxEvents(ctx, 10)
		if len(evs) != 1 {
			t.Fatalf("events: %d", len(evs))
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		took := 0
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.InTx(ctx, func(tx *db.Store) error {
					ok, err := tx.TakeOutboxEvent(ctx, evs[0].ID, time.Now())
					if ok {
						mu.Lock()
						took++
						mu.Unlock()
					}
					return err
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if took != 1 {
			t.Errorf("%d takers, want 1", took)
		}
	})
}

func TestModerationState(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		o := newOrg("ic-varna")
		if err := s.CreateOrganisation(ctx, o); err != nil {
			t.Fatal(err)
		}
		it := &db.Item{Kind: db.News, OrganisationID: o.ID, Status: db.Published}
		it.SetTexts(db.Text{Lang: db.BG, Title: "Новина"})
		if err := s.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		spam := remoteActor(t, s, "spam.example", "x")
		// A partner organisation with an item from that host.
		po := &db.Organisation{Handle: "x-spam-example", Kind: db.OrgOther, Remote: true, ActorID: spam.URI}
		po.SetTexts(db.Text{Lang: db.EN, Title: "Spam"})
		if err := s.CreateOrganisation(ctx, po); err != nil {
			t.Fatal(err)
		}
		if err := s.LinkActorOrganisation(ctx, spam.ID, po.ID); err != nil {
			t.Fatal(err)
		}
		rit := &db.Item{Kind: db.News, OrganisationID: po.ID, Status: db.Published, Remote: true, APID: "https://spam.example/1"}
		rit.SetTexts(db.Text{Lang: db.EN, Title: "Buy"})
		if err := s.CreateItem(ctx, rit); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveReply(ctx, &db.Reply{URI: "https://spam.example/r/1", ItemID: it.ID, ActorID: spam.ID, InReplyTo: "x", ContentHTML: "<p>hi</p>"}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddLike(ctx, "https://spam.example/l/1", it.ID, spam.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.AddLike(ctx, "https://spam.example/l/2", it.ID, spam.ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountLikes(ctx, it.ID); n != 1 {
			t.Errorf("likes: %d", n)
		}
		if err := s.AddReport(ctx, "https://spam.example/f/1", spam.ID, "bad", []string{"https://hub.example/items/1"}); err != nil {
			t.Fatal(err)
		}
		reps, _ := s.Reports(ctx, false)
		if len(reps) != 1 {
			t.Fatalf("reports: %d", len(reps))
		}
		if err := s.ResolveReport(ctx, reps[0].ID); err != nil {
			t.Fatal(err)
		}
		if reps, _ := s.Reports(ctx, false); len(reps) != 0 {
			t.Errorf("resolved report still open")
		}
		// Blocking the domain removes what it brought.
		if err := s.SetDomainPolicy(ctx, "Spam.Example", db.PolicyBlock, "spam"); err != nil {
			t.Fatal(err)
		}
		if rs, _ := s.Replies(ctx, it.ID, true); len(rs) != 0 {
			t.Errorf("replies after the block: %d", len(rs))
		}
		if _, err := s.ItemByAPID(ctx, "https://spam.example/1"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("item from a blocked domain: %v", err)
		}
		pols, _ := s.DomainPolicies(ctx)
		if len(pols) != 1 || pols[0].Host != "spam.example" || pols[0].Policy != db.PolicyBlock {
			t.Errorf("policies: %+v", pols)
		}
		if err := s.SetDomainPolicy(ctx, "spam.example", "", ""); err != nil {
			t.Fatal(err)
		}
		if err := s.SetDomainPolicy(ctx, "x", "nuke", ""); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("unknown policy: %v", err)
		}
		on, _ := s.AllowlistMode(ctx)
		if err := s.SetAllowlistMode(ctx, true); err != nil {
			t.Fatal(err)
		}
		on2, _ := s.AllowlistMode(ctx)
		if on || !on2 {
			t.Errorf("allowlist mode: %v then %v", on, on2)
		}
		// Tombstones and follow requests.
		if err := s.AddTombstone(ctx, "https://hub.example/items/9", "Article", time.Now()); err != nil {
			t.Fatal(err)
		}
		if ts, err := s.TombstoneByURI(ctx, "https://hub.example/items/9"); err != nil || ts.FormerType != "Article" {
			t.Errorf("tombstone: %+v %v", ts, err)
		}
		r, err := s.RequestFollow(ctx, "ic@partner.example", db.RequestFollow, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.RequestFollow(ctx, " ", db.RequestFollow, 0); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("empty target: %v", err)
		}
		if err := s.FinishFollowRequest(ctx, r.ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishFollowRequest(ctx, r.ID, ""); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("finishing twice: %v", err)
		}
	})
}
