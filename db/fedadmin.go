package db

import (
	"context"
	"time"
)

// HostDeliveries counts the deliveries to one host that are still waiting
// and those given up on, for the admin pages.
type HostDeliveries struct {
	Host    string
	Pending int
	Failed  int
}

// DeliveriesByHost returns, for every host with waiting or failed
// deliveries, how many of each there are, by host.
func (s *Store) DeliveriesByHost(ctx context.Context) ([]HostDeliveries, error) {
	var rows []struct {
		Host  string        `bun:"host"`
		State DeliveryState `bun:"state"`
		N     int           `bun:"n"`
	}
	err := s.r.NewSelect().Model((*Delivery)(nil)).ColumnExpr("host, state, COUNT(*) AS n").
		Where("state IN (?, ?)", DeliveryPending, DeliveryFailed).
		GroupExpr("host, state").OrderExpr("host").Scan(ctx, &rows)
	if err != nil {
		return nil, wrap("db: deliveries by host", err)
	}
	var out []HostDeliveries
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].Host != r.Host {
			out = append(out, HostDeliveries{Host: r.Host})
		}
		if r.State == DeliveryPending {
			out[len(out)-1].Pending = r.N
		} else {
			out[len(out)-1].Failed = r.N
		}
	}
	return out, nil
}

// RetryHostDeliveries puts every failed delivery to host back in the
// queue, due now, as RetryDelivery does for one, and returns how many.
func (s *Store) RetryHostDeliveries(ctx context.Context, host string, now time.Time) (int, error) {
	res, err := s.w.NewUpdate().Model((*Delivery)(nil)).Set("state = ?", DeliveryPending).
		Set("next_attempt_at = ?", now.UTC().Truncate(time.Microsecond)).Set("attempts = 0").
		Set("locked_until = NULL").Set("finished_at = NULL").
		Where("host = ?", host).Where("state = ?", DeliveryFailed).Exec(ctx)
	if err != nil {
		return 0, wrap("db: retry host deliveries", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// BlockedActors returns the remote actors an admin blocked, by URI.
func (s *Store) BlockedActors(ctx context.Context) ([]*Actor, error) {
	var out []*Actor
	err := s.r.NewSelect().Model(&out).Where("a.blocked = ?", true).Where("a.local = ?", false).OrderExpr("a.uri").Scan(ctx)
	return out, wrap("db: blocked actors", err)
}
