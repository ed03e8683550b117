package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// leasedBy counts the deliveries leased (unexpired) under names that begin
// with prefix.
func leasedBy(t *testing.T, s *db.Store, prefix string) int {
	t.Helper()
	rows, err := s.Deliveries(context.Background(), db.DeliveryQuery{State: db.DeliveryPending, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		if strings.HasPrefix(r.LockedBy, prefix) && r.LockedUntil.After(time.Now()) {
			n++
		}
	}
	return n
}

// TestWorkerSlots: two live workers hold two slots and cannot take each
// other's leases; once a slot is free (its process gone), the next worker
// to take it gets its leases back at once, and any worker can release
// them, all long before the leases run out.
func TestWorkerSlots(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Now()
		queue(t, s, 30, 3, now)
		one, err := s.TakeWorkerSlot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		two, err := s.TakeWorkerSlot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer two.Release()
		if !strings.HasPrefix(one.Name, "slot-1/") || !strings.HasPrefix(two.Name, "slot-2/") {
			t.Fatalf("slots %q and %q, want slot-1 and slot-2", one.Name, two.Name)
		}
		if err := one.Check(ctx); err != nil {
			t.Errorf("check a held slot: %v", err)
		}
		for _, w := range []*db.WorkerSlot{one, two} {
			rows, err := s.ClaimDeliveries(ctx, db.DeliveryClaim{Worker: w.Name, Now: now, Lease: time.Hour, Limit: 10})
			if err != nil || len(rows) != 10 {
				t.Fatalf("claim as %s: %d rows, %v", w.Name, len(rows), err)
			}
		}
		// Both alive: nothing to reclaim.
		if n, err := s.ReclaimLeases(ctx, two); err != nil || n != 0 {
			t.Errorf("reclaim while both live: %d, %v; want 0", n, err)
		}
		// The first process dies (its lock goes with it).
		if err := one.Release(); err != nil {
			t.Fatal(err)
		}
		// It comes back: it takes slot 1 again and with it its leases.
		again, err := s.TakeWorkerSlot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(again.Name, "slot-1/") || again.Name == one.Name {
			t.Errorf("restarted worker is %q (was %q), want slot-1 with a new suffix", again.Name, one.Name)
		}
		if n := leasedBy(t, s, "slot-1/"); n != 0 {
			t.Errorf("%d leases of the dead slot-1 holder left after its restart", n)
		}
		if n := leasedBy(t, s, "slot-2/"); n != 10 {
			t.Errorf("the live slot-2 holds %d leases, want 10", n)
		}
		// A record under a dead incarnation's name changes nothing.
		rows, err := s.ClaimDeliveries(ctx, db.DeliveryClaim{Worker: again.Name, Now: now, Lease: time.Hour, Limit: 5})
		if err != nil || len(rows) != 5 {
			t.Fatalf("claim as %s: %d rows, %v", again.Name, len(rows), err)
		}
		if err := s.MarkDelivered(ctx, one.Name, []int64{rows[0].ID}, 202, now); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountDeliveries(ctx, db.DeliveryDelivered, ""); n != 0 {
			t.Errorf("a dead incarnation recorded %d deliveries", n)
		}
		// slot-1 dies for good: any worker releases its leases.
		again.Release()
		if n, err := s.ReclaimLeases(ctx, two); err != nil || n != 5 {
			t.Errorf("reclaim after slot-1 died: %d, %v; want 5", n, err)
		}
		if n := leasedBy(t, s, "slot-2/"); n != 10 {
			t.Errorf("the live slot-2 holds %d leases after the reclaim, want 10", n)
		}
	})
}

// TestWorkQueuedAfterCommit: a write that gives the federation worker work
// signals its subscribers when it commits, not before, and not at all when
// it rolls back.
func TestWorkQueuedAfterCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		ch, stop := s.WorkQueued()
		defer stop()
		signalled := func() bool {
			select {
			case <-ch:
				return true
			case <-time.After(50 * time.Millisecond):
				return false
			}
		}
		err := s.InTx(ctx, func(tx *db.Store) error {
			if _, err := tx.RequestFollow(ctx, "ana@partner.example", db.RequestFollow, 0); err != nil {
				return err
			}
			if signalled() {
				t.Error("signalled before the commit")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !signalled() {
			t.Error("no signal after the commit")
		}
		boom := errors.New("boom")
		err = s.InTx(ctx, func(tx *db.Store) error {
			if _, err := tx.RequestFollow(ctx, "ivo@partner.example", db.RequestFollow, 0); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if signalled() {
			t.Error("signalled after a rollback")
		}
		if _, err := s.RequestFollow(ctx, "eva@partner.example", db.RequestFollow, 0); err != nil {
			t.Fatal(err)
		}
		if !signalled() {
			t.Error("no signal after a write outside a transaction")
		}
	})
}
