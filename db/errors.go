package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The kinds of failure a caller may want to tell apart. Store methods wrap
// them with the operation that failed; test with errors.Is.
var (
	// ErrNotFound means the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the write would break a uniqueness rule (an e-mail,
	// a handle or a slug already taken) or a reference to a missing row.
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the value given cannot be stored as it is.
	ErrInvalid = errors.New("invalid")
)

// wrap is the single place where driver errors become the package's
// sentinels; op names the operation ("db: create user").
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrConflict), errors.Is(err, ErrInvalid):
		return fmt.Errorf("%s: %w", op, err)
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code {
		case "23505", "23503": // unique_violation, foreign_key_violation
			return fmt.Errorf("%s: %w: %s", op, ErrConflict, pqErr.Message)
		case "23502", "23514", "22001", "22P02", // not null, check, too long, bad text
			"22021", "22P05": // invalid byte sequence for UTF8, untranslatable character (NUL)
			return fmt.Errorf("%s: %w: %s", op, ErrInvalid, pqErr.Message)
		}
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		switch liteErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%s: %w: %s", op, ErrConflict, liteErr.Error())
		case sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_CHECK:
			return fmt.Errorf("%s: %w: %s", op, ErrInvalid, liteErr.Error())
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// bunNULMarker is what bun writes into a query in place of a string that
// holds a NUL byte, which no database stores; the database would answer
// with a syntax error.
const bunNULMarker = "?!(bun: string contains a NUL byte (0x00))"

// errNUL is the error of a query that nulGuard stopped.
var errNUL = fmt.Errorf("%w: text with a NUL byte", ErrInvalid)

// nulGuard is a query hook that stops a query bun could not format
// because a value holds a NUL byte, before it reaches the database: the
// query's context is done with errNUL, which database/sql returns as the
// query's error and wrap passes on as ErrInvalid. The edges refuse such
// input first; this keeps whatever slips past them from becoming a 500.
type nulGuard struct{}

// BeforeQuery implements bun.QueryHook.
func (nulGuard) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if strings.Contains(e.Query, bunNULMarker) {
		return refusedCtx{ctx}
	}
	return ctx
}

// AfterQuery implements bun.QueryHook.
func (nulGuard) AfterQuery(context.Context, *bun.QueryEvent) {}

// refusedCtx is a context that is done with errNUL.
type refusedCtx struct{ context.Context }

var closedDone = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (refusedCtx) Done() <-chan struct{} { return closedDone }
func (refusedCtx) Err() error            { return errNUL }
