package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/lib/pq" // registers the "postgres" driver for database/sql
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// Dialect names the database engine behind a Store.
type Dialect string

// The two engines the hub runs on.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "pg"
)

// Store is the hub's single way into its database. Its methods run on the
// connection pool, or inside a transaction when reached through InTx.
type Store struct {
	w       bun.IDB // writes (and, inside a transaction, everything)
	r       bun.IDB // reads
	dialect Dialect
	now     func() time.Time
	version *versions // shared by a Store and its transactions
	kdf     argonCost // zero: production cost; see UseFastPasswordHashing
	queue   *signals  // shared by a Store and its transactions
	tx      *txState  // set inside a transaction
	path    string    // the SQLite file; "" on PostgreSQL

	// Set only on the Store returned by Open; nil inside transactions.
	writer, reader *bun.DB
}

// Open connects to the database named by dsn and returns a Store. It does
// not migrate; call Migrate for that.
//
// A dsn is either a PostgreSQL URL (postgres:// or postgresql://, passed to
// lib/pq as is; set sslmode explicitly) or a SQLite one: sqlite:PATH or
// sqlite:///ABSOLUTE/PATH. Any other scheme is an error that names the two.
func Open(ctx context.Context, dsn string) (*Store, error) {
	scheme, rest, ok := strings.Cut(dsn, ":")
	if !ok {
		return nil, fmt.Errorf("db: open: %q is not a database URL: use sqlite:PATH or postgres://USER@HOST/NAME", dsn)
	}
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3", "file":
		path := strings.TrimPrefix(rest, "//")
		if path == "" {
			return nil, errors.New("db: open: the sqlite URL has no file path (sqlite:PATH)")
		}
		return openSQLite(ctx, path)
	case "postgres", "postgresql":
		return openPostgres(ctx, dsn)
	default:
		return nil, fmt.Errorf("db: open: unknown database scheme %q: use sqlite:PATH or postgres://USER@HOST/NAME", scheme)
	}
}

func openSQLite(ctx context.Context, path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("db: open sqlite: create directory for %s: %w", path, err)
		}
	}
	// busy_timeout must come before journal_mode, so that switching to WAL
	// waits for a concurrent opener instead of failing.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=cache_size(-4000)"
	// One writer connection, transactions that take the write lock at BEGIN
	// (deferred ones fail with SQLITE_BUSY_SNAPSHOT under contention).
	wsql, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&"+pragmas)
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	wsql.SetMaxOpenConns(1)
	wsql.SetMaxIdleConns(1)
	wsql.SetConnMaxLifetime(0)
	if err := wsql.PingContext(ctx); err != nil {
		wsql.Close()
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	rsql, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		wsql.Close()
		return nil, fmt.Errorf("db: open sqlite reader %s: %w", path, err)
	}
	rsql.SetMaxOpenConns(4)
	rsql.SetMaxIdleConns(4)
	writer := bun.NewDB(wsql, sqlitedialect.New())
	reader := bun.NewDB(rsql, sqlitedialect.New())
	writer.AddQueryHook(nulGuard{})
	reader.AddQueryHook(nulGuard{})
	return &Store{w: writer, r: reader, writer: writer, reader: reader, dialect: SQLite, now: time.Now, version: new(versions), queue: new(signals), path: path}, nil
}

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open postgres: malformed URL: %w", err)
	}
	q := u.Query()
	if q.Get("sslmode") == "" {
		// lib/pq defaults to sslmode=require, which fails against a local
		// server without TLS with a confusing error; say what we chose.
		q.Set("sslmode", "prefer")
		u.RawQuery = q.Encode()
	}
	sqldb, err := sql.Open("postgres", u.String())
	if err != nil {
		return nil, fmt.Errorf("db: open postgres: %w", err)
	}
	sqldb.SetMaxOpenConns(16)
	sqldb.SetMaxIdleConns(8)
	sqldb.SetConnMaxLifetime(30 * time.Minute)
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("db: open postgres %s@%s: %w", u.User.Username(), u.Host, err)
	}
	d := bun.NewDB(sqldb, pgdialect.New())
	d.AddQueryHook(nulGuard{})
	return &Store{w: d, r: d, writer: d, reader: d, dialect: Postgres, now: time.Now, version: new(versions), queue: new(signals)}, nil
}

// Dialect reports which engine the Store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes the Store's connections. It is a no-op inside a transaction.
func (s *Store) Close() error {
	if s.writer == nil {
		return nil
	}
	err := s.writer.Close()
	if s.reader != s.writer {
		err = errors.Join(err, s.reader.Close())
	}
	return err
}

// Ping checks that the database answers; /healthz uses it.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.NewRaw("SELECT 1").Scan(ctx, &one); err != nil {
		return fmt.Errorf("db: ping: %w", err)
	}
	return nil
}

// Analyze refreshes the planner's statistics (ANALYZE on both engines).
// Autovacuum does it on PostgreSQL in time; after a bulk load (a demo,
// an import, a benchmark) plans are poor until it has.
func (s *Store) Analyze(ctx context.Context) error {
	_, err := s.w.ExecContext(ctx, "ANALYZE")
	return wrap("db: analyze", err)
}

// InTx runs fn with a Store bound to one transaction. The transaction commits
// when fn returns nil and rolls back when it returns an error or panics.
// Calling InTx on a Store that is already in a transaction runs fn in that
// same transaction.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	if s.writer == nil {
		return fn(s)
	}
	state := &txState{}
	err := s.writer.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return fn(&Store{w: tx, r: tx, dialect: s.dialect, now: s.now, version: s.version, kdf: s.kdf, queue: s.queue, tx: state, path: s.path})
	})
	if err == nil {
		s.version.bump(state.dirty, state.dirtySite)
		if state.queued {
			s.queue.fire()
		}
	}
	return err
}

// utcNow is the one clock of the store: times are always written from Go, in
// UTC, truncated to what both engines keep (microseconds).
func (s *Store) utcNow() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// WithClock returns a Store on the same connections whose clock is now:
// tests use it to see tokens expire. Close the original, not the copy.
func (s *Store) WithClock(now func() time.Time) *Store {
	c := *s
	c.now = now
	return &c
}
