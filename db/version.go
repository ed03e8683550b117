package db

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/lib/pq"
)

// contentChannel is the PostgreSQL NOTIFY channel on which every committed
// content write is announced, so that the caches of every hub process on the
// same database are invalidated, not only the writer's.
const contentChannel = "hub_content"

// ContentVersion returns a number that grows after every committed write of
// content (items, organisations, handbooks, pages, media). Caches of
// rendered pages and feeds key on it; reading it costs no query.
func (s *Store) ContentVersion() uint64 { return s.version.Load() }

// touched records a content write: at once outside a transaction, at commit
// inside one. On PostgreSQL it also queues a NOTIFY, which the server
// delivers to every listening process when the transaction commits.
func (s *Store) touched(ctx context.Context) {
	if s.dialect == Postgres {
		// Errors here only cost other processes a stale cache until their
		// next notification; the write itself must not fail for it.
		s.w.ExecContext(ctx, "SELECT pg_notify(?, '')", contentChannel)
	}
	if s.tx != nil {
		s.tx.dirty = true
		return
	}
	s.version.Add(1)
}

// txState is shared by the Stores of one transaction.
type txState struct{ dirty bool }

// WatchChanges listens for the content writes of other processes on the same
// PostgreSQL database and bumps ContentVersion for each, until ctx ends. On
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
			s.version.Add(1)
		}
	})
	defer l.Close()
	if err := l.Listen(contentChannel); err != nil {
		return fmt.Errorf("db: watch changes: %w", err)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case n := <-l.Notify:
			if n != nil {
				s.version.Add(1)
			}
		case <-time.After(90 * time.Second):
			go l.Ping()
		}
	}
}
