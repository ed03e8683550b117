//go:build !unix

package db

import (
	"errors"
	"os"
)

// errLocked: another open file holds the lock.
var errLocked = errors.New("locked")

// lockFile is not supported here: SQLite worker slots have no number, and
// a crashed worker's leases run out instead of being taken back.
func lockFile(string) (*os.File, error) { return nil, errors.ErrUnsupported }
