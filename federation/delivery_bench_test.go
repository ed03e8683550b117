package federation

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
)

// BenchmarkPublishToDelivery measures, with the worker running as the
// server runs it (Run, default poll interval), the time from publishing an
// item (its outbox event committed by the Store, as the portal does) to
// the first and to the last delivery accepted by a local sink, and the
// process's CPU time per delivered inbox (the in-process sink's share
// included). Cases: one follower (the latency of a wake-up), 1,000
// followers on 100 instances with personal inboxes (1,000 POSTs) and the
// same with shared inboxes (100 POSTs).
func BenchmarkPublishToDelivery(b *testing.B) {
	cases := []struct {
		name            string
		hosts, perHost  int
		personal        bool
		inboxesPerEvent int
	}{
		{"one", 1, 1, false, 1},
		{"personal-100x10", 100, 10, true, 1000},
		{"shared-100x10", 100, 10, false, 100},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			clock := newClock()
			s := newSink(b)
			hub := newTestHub(b, db.SQLite, clock, func(cfg *Config) {
				cfg.Client = s.client()
				cfg.PersonalInboxes = c.personal
			})
			org := hub.org("ic-ruse")
			a, err := hub.h.localActor(ctx, "ic-ruse")
			if err != nil {
				b.Fatal(err)
			}
			addFollowers(b, hub.store, a, c.hosts, c.perHost, true)
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- hub.h.Run(runCtx) }()
			defer func() { stop(); <-done }()
			time.Sleep(100 * time.Millisecond) // the worker's first round is over
			var first, last, cpu time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				from := s.total()
				start, cpu0 := time.Now(), cpuTime()
				hub.item(org, db.News, fmt.Sprintf("Новина %d", i))
				f, l := s.waitFor(b, from, from+c.inboxesPerEvent, start, time.Minute)
				first += f
				last += l
				cpu += cpuTime() - cpu0
			}
			b.StopTimer()
			n := float64(b.N)
			b.ReportMetric(float64(first.Microseconds())/1000/n, "ms-to-first")
			b.ReportMetric(float64(last.Microseconds())/1000/n, "ms-to-last")
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(c.inboxesPerEvent*b.N), "cpu-ms/inbox")
		})
	}
}
