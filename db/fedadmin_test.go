package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

func TestFederationAdminQueries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
		queue(t, s, 6, 2, now) // h0.example and h1.example, 3 each
		rows, err := s.ClaimDeliveries(ctx, db.DeliveryClaim{Worker: "w", Now: now, Lease: time.Minute, Limit: 100})
		if err != nil || len(rows) != 6 {
			t.Fatalf("claim: %v, %d", err, len(rows))
		}
		failed := 0
		for _, r := range rows {
			if r.Host != "h0.example" {
				continue
			}
			if failed == 2 {
				if err := s.MarkDelivered(ctx, "w", []int64{r.ID}, 202, now); err != nil {
					t.Fatal(err)
				}
				continue
			}
			failed++
			if err := s.MarkAttemptFailed(ctx, "w", r.ID, db.DeliveryResult{Status: 404, Error: "gone", Now: now}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.DeliveriesByHost(ctx)
		want := []db.HostDeliveries{{Host: "h0.example", Failed: 2}, {Host: "h1.example", Pending: 3}}
		if err != nil || len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Fatalf("by host = %+v, %v; want %+v", got, err, want)
		}
		if n, err := s.RetryHostDeliveries(ctx, "h0.example", now.Add(time.Hour)); err != nil || n != 2 {
			t.Fatalf("retry host: %d, %v", n, err)
		}
		if n, _ := s.RetryHostDeliveries(ctx, "h0.example", now); n != 0 {
			t.Errorf("retrying again touched %d", n)
		}
		got, _ = s.DeliveriesByHost(ctx)
		if len(got) != 2 || got[0] != (db.HostDeliveries{Host: "h0.example", Pending: 2}) {
			t.Errorf("after retry = %+v", got)
		}
		ds, _ := s.Deliveries(ctx, db.DeliveryQuery{Host: "h0.example", State: db.DeliveryPending})
		for _, d := range ds {
			if d.Attempts != 0 || !d.FinishedAt.IsZero() || !d.NextAttemptAt.Equal(now.Add(time.Hour)) {
				t.Errorf("retried delivery %+v", d)
			}
		}

		if bs, err := s.BlockedActors(ctx); err != nil || len(bs) != 0 {
			t.Fatalf("blocked = %v, %v", bs, err)
		}
		a := remoteActor(t, s, "troll.example", "troll")
		remoteActor(t, s, "fine.example", "fine")
		if err := s.SetActorBlocked(ctx, a.URI, true); err != nil {
			t.Fatal(err)
		}
		if bs, err := s.BlockedActors(ctx); err != nil || len(bs) != 1 || bs[0].URI != a.URI {
			t.Errorf("blocked = %v, %v", bs, err)
		}
	})
}
