package db

import (
	"context"
	"sync/atomic"

	"github.com/uptrace/bun"
)

// QueryCounter counts the statements a Store runs. Tests use it to prove
// that a page costs a bounded number of queries, such as a forum thread's
// page whatever the number of posts and authors on it.
type QueryCounter struct{ n atomic.Int64 }

// BeforeQuery implements bun.QueryHook.
func (c *QueryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	c.n.Add(1)
	return ctx
}

// AfterQuery implements bun.QueryHook.
func (c *QueryCounter) AfterQuery(context.Context, *bun.QueryEvent) {}

// Count returns how many statements have run since the counter was made or
// last reset.
func (c *QueryCounter) Count() int64 { return c.n.Load() }

// Reset sets the count back to zero.
func (c *QueryCounter) Reset() { c.n.Store(0) }

// Counting returns a Store on the same connections as s whose every
// statement, in or out of transactions, is counted by the returned counter.
// s itself is unchanged. It must not be called inside a transaction.
func (s *Store) Counting() (*Store, *QueryCounter) {
	c := new(QueryCounter)
	if s.writer == nil {
		panic("db: Counting inside a transaction")
	}
	w := s.writer.WithQueryHook(c)
	r := w
	if s.reader != s.writer {
		r = s.reader.WithQueryHook(c)
	}
	return &Store{w: w, r: r, writer: w, reader: r, dialect: s.dialect, now: s.now, version: s.version, kdf: s.kdf, queue: s.queue, path: s.path}, c
}
