package db

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

// contentChannel is the PostgreSQL NOTIFY channel on which every committed
// content write is announced, so that the caches of every hub process on the
// same database are invalidated, not only the writer's.
const contentChannel = "hub_content"

// forumPayload marks the NOTIFY of a write that changed only the forum.
const forumPayload = "forum"

// versions counts committed writes: all of them, and those outside the
// forum (the site's sections, directory, handbooks, pages), which change
// far less often once partners' forums federate in.
type versions struct{ all, site atomic.Uint64 }

// bump records a write, of everything (site) or of the forum only.
func (v *versions) bump(any, site bool) {
	if any {
		v.all.Add(1)
	}
	if site {
		v.site.Add(1)
	}
}

// ContentVersion returns a number that grows after every committed write of
// content (items, organisations, handbooks, pages, media, the forum).
// Caches of rendered pages and feeds key on it; reading it costs no query.
func (s *Store) ContentVersion() uint64 { return s.version.all.Load() }

// SiteVersion is ContentVersion without the forum's writes: pages that show
// nothing of the forum key on it, and stay cached while the forum is busy.
func (s *Store) SiteVersion() uint64 { return s.version.site.Load() }

// touched records a content write: at once outside a transaction, at commit
// inside one. On PostgreSQL it also queues a NOTIFY, which the server
// delivers to every listening process when the transaction commits.
func (s *Store) touched(ctx context.Context) { s.touch(ctx, true) }

// touchedForum records a write that changes only what the forum shows.
func (s *Store) touchedForum(ctx context.Context) { s.touch(ctx, false) }

func (s *Store) touch(ctx context.Context, site bool) {
	if s.dialect == Postgres {
		// Errors here only cost other processes a stale cache until their
		// next notification; the write itself must not fail for it.
		payload := forumPayload
		if site {
			payload = ""
		}
		s.w.ExecContext(ctx, "SELECT pg_notify(?, ?)", contentChannel, payload)
	}
	if s.tx != nil {
		s.tx.dirty = true
		s.tx.dirtySite = s.tx.dirtySite || site
		return
	}
	s.version.bump(true, site)
}

// txState is shared by the Stores of one transaction.
type txState struct{ dirty, dirtySite, queued bool }

// WatchChanges listens for the content writes of other processes on the same
// PostgreSQL database and bumps ContentVersion for each, and for the work
// they queue for federation (see WorkQueued), until ctx ends. On
// SQLite, where one process owns the file, it returns at once.
func (s *Store) WatchChanges(ctx context.Context, dsn string, log *slog.Logger) error {
	if s.dialect != Postgres {
		return nil
	}
	l := pq.NewListener(dsn, time.Second, time.Minute, func(ev pq.ListenerEventType, err error) {
		if err != nil {
			log.Warn("content change listener", "event", ev, "err", err)
		}
		// After a reconnect, notifications may have been missed.
		if ev == pq.ListenerEventReconnected {
			s.version.bump(true, true)
			s.queue.fire()
		}
	})
	defer l.Close()
	if err := l.Listen(contentChannel); err != nil {
		return fmt.Errorf("db: watch changes: %w", err)
	}
	if err := l.Listen(outboxChannel); err != nil {
		return fmt.Errorf("db: watch changes: %w", err)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case n := <-l.Notify:
			switch {
			case n == nil: // reconnected: handled by the callback above
			case n.Channel == outboxChannel:
				s.queue.fire()
			default:
				s.version.bump(true, n.Extra != forumPayload)
			}
		case <-time.After(90 * time.Second):
			go l.Ping()
		}
	}
}
