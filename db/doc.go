// Package db is the hub's persistence: the content model (organisations,
// users, items of every kind with their translations, handbooks and their
// chapters, static pages, media) and, as later features land, federation and
// forum state.
//
// One [Store] runs the same methods on SQLite (the embedded default, through
// the pure-Go modernc.org/sqlite driver) and on PostgreSQL (through lib/pq),
// both via bun. Translations are rows keyed by (parent, language), so content
// may exist in one language only and readers fall back visibly.
//
// Every error a Store method returns is wrapped with the operation that
// failed, and driver errors are translated once, in one function, into the
// sentinels [ErrNotFound], [ErrConflict] and [ErrInvalid].
package db
