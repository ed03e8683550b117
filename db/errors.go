package db

import (
	"database/sql"
	"errors"
	"fmt"

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
		case "23502", "23514", "22001", "22P02": // not null, check, too long, bad text
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
