package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Session is a browser session of the portal: an opaque token (the portal
// stores its SHA-256, never the token itself), the encoded session data and
// when the session expires.
type Session struct {
	bun.BaseModel `bun:"table:sessions,alias:se"`

	Token  string    `bun:"token,pk"`
	Data   []byte    `bun:"data"`
	Expiry time.Time `bun:"expiry"`
}

// FindSession returns the data of the session with the given token. An
// unknown or expired token is not an error: found is false.
func (s *Store) FindSession(ctx context.Context, token string) (data []byte, found bool, err error) {
	se := new(Session)
	err = s.r.NewSelect().Model(se).Where("se.token = ?", token).Where("se.expiry > ?", s.utcNow()).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, wrap("db: find session", err)
	}
	return se.Data, true, nil
}

// CommitSession stores the session with the given token, replacing its data
// and expiry if it exists.
func (s *Store) CommitSession(ctx context.Context, token string, data []byte, expiry time.Time) error {
	const op = "db: commit session"
	if token == "" {
		return wrap(op, fmt.Errorf("%w: empty session token", ErrInvalid))
	}
	se := &Session{Token: token, Data: data, Expiry: expiry.UTC().Truncate(time.Microsecond)}
	_, err := s.w.NewInsert().Model(se).On("CONFLICT (token) DO UPDATE").
		Set("data = EXCLUDED.data").Set("expiry = EXCLUDED.expiry").Exec(ctx)
	return wrap(op, err)
}

// DeleteSession removes the session with the given token; an unknown token
// is not an error.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	_, err := s.w.NewDelete().Model((*Session)(nil)).Where("token = ?", token).Exec(ctx)
	return wrap("db: delete session", err)
}

// DeleteExpiredSessions removes every session that has expired and returns
// how many there were.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int, error) {
	res, err := s.w.NewDelete().Model((*Session)(nil)).Where("expiry <= ?", s.utcNow()).Exec(ctx)
	if err != nil {
		return 0, wrap("db: delete expired sessions", err)
	}
	n, err := res.RowsAffected()
	return int(n), wrap("db: delete expired sessions", err)
}
