package db

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// TokenPurpose is what an account token lets its holder do, once.
type TokenPurpose string

// The purposes of account tokens.
const (
	// TokenPasswordReset lets whoever reads the mail set a new password.
	TokenPasswordReset TokenPurpose = "password_reset"
	// TokenConfirmEmail confirms that the account's owner reads its address.
	TokenConfirmEmail TokenPurpose = "confirm_email"
)

// Why a token cannot be used. Unknown and forged tokens are ErrNotFound.
var (
	// ErrTokenExpired means the token is older than its lifetime.
	ErrTokenExpired = errors.New("token expired")
	// ErrTokenUsed means the token was used already, or a newer event (a
	// changed address, a later reset) made it void.
	ErrTokenUsed = errors.New("token already used")
)

// AccountToken is a single-use secret mailed to a user: the database keeps
// only its SHA-256, so a copy of the database opens no account.
type AccountToken struct {
	bun.BaseModel `bun:"table:account_tokens,alias:at"`

	Hash      string       `bun:"hash,pk"`
	UserID    int64        `bun:"user_id"`
	Purpose   TokenPurpose `bun:"purpose"`
	Email     string       `bun:"email"` // the address the token was mailed to
	ExpiresAt time.Time    `bun:"expires_at"`
	UsedAt    time.Time    `bun:"used_at,nullzero"`
	CreatedAt time.Time    `bun:"created_at"`
}

// hashToken is how a token is stored and looked up.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateAccountToken makes a new random token for user u and purpose,
// valid for ttl, stores its hash and returns the token itself, for the
// mail. The token is tied to u's address at this moment.
func (s *Store) CreateAccountToken(ctx context.Context, u *User, purpose TokenPurpose, ttl time.Duration) (string, error) {
	const op = "db: create account token"
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := s.utcNow()
	t := &AccountToken{Hash: hashToken(token), UserID: u.ID, Purpose: purpose, Email: u.Email,
		ExpiresAt: now.Add(ttl), CreatedAt: now}
	if _, err := s.w.NewInsert().Model(t).Exec(ctx); err != nil {
		return "", wrap(op, err)
	}
	return token, nil
}

// AccountToken returns the stored token for token and purpose if it can
// still be used: ErrNotFound when there is none (unknown or forged),
// ErrTokenUsed or ErrTokenExpired otherwise. It does not use it.
func (s *Store) AccountToken(ctx context.Context, purpose TokenPurpose, token string) (*AccountToken, error) {
	const op = "db: account token"
	t := new(AccountToken)
	err := s.r.NewSelect().Model(t).Where("at.hash = ?", hashToken(token)).Where("at.purpose = ?", purpose).Scan(ctx)
	if err != nil {
		return nil, wrap(op, err)
	}
	switch {
	case !t.UsedAt.IsZero():
		return nil, fmt.Errorf("%s: %w", op, ErrTokenUsed)
	case !s.utcNow().Before(t.ExpiresAt):
		return nil, fmt.Errorf("%s: %w", op, ErrTokenExpired)
	}
	u, err := s.User(ctx, t.UserID)
	if err != nil {
		return nil, wrap(op, err)
	}
	if u.Email != t.Email {
		return nil, fmt.Errorf("%s: %w", op, ErrTokenUsed)
	}
	return t, nil
}

// useAccountToken marks token used, atomically: of two requests with one
// token, one gets it and the other ErrTokenUsed.
func (s *Store) useAccountToken(ctx context.Context, purpose TokenPurpose, token string) (*AccountToken, error) {
	t, err := s.AccountToken(ctx, purpose, token)
	if err != nil {
		return nil, err
	}
	now := s.utcNow()
	res, err := s.w.NewUpdate().Model((*AccountToken)(nil)).Set("used_at = ?", now).
		Where("hash = ?", t.Hash).Where("used_at IS NULL").Where("expires_at > ?", now).Exec(ctx)
	if err := affected(res, err); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("db: use account token: %w", ErrTokenUsed)
		}
		return nil, wrap("db: use account token", err)
	}
	t.UsedAt = now
	return t, nil
}

// ResetPassword uses a password-reset token and sets the password of its
// user, in one transaction, and returns the user. Every other unused reset
// token of the user becomes void; the address counts as confirmed, since
// the token came to it. Sessions started with the old password end because
// the portal compares password fingerprints.
func (s *Store) ResetPassword(ctx context.Context, token, password string) (*User, error) {
	var u *User
	err := s.InTx(ctx, func(tx *Store) error {
		t, err := tx.useAccountToken(ctx, TokenPasswordReset, token)
		if err != nil {
			return err
		}
		if err := tx.SetPassword(ctx, t.UserID, password); err != nil {
			return err
		}
		now := tx.utcNow()
		if _, err := tx.w.NewUpdate().Model((*AccountToken)(nil)).Set("used_at = ?", now).
			Where("user_id = ?", t.UserID).Where("purpose = ?", TokenPasswordReset).Where("used_at IS NULL").Exec(ctx); err != nil {
			return wrap("db: reset password", err)
		}
		if _, err := tx.w.NewUpdate().Model((*User)(nil)).Set("email_verified_at = ?", now).
			Where("id = ?", t.UserID).Where("email = ?", t.Email).Where("email_verified_at IS NULL").Exec(ctx); err != nil {
			return wrap("db: reset password", err)
		}
		u, err = tx.User(ctx, t.UserID)
		return err
	})
	return u, err
}

// ConfirmEmail uses an address-confirmation token and marks its user's
// address confirmed, and returns the user.
func (s *Store) ConfirmEmail(ctx context.Context, token string) (*User, error) {
	var u *User
	err := s.InTx(ctx, func(tx *Store) error {
		t, err := tx.useAccountToken(ctx, TokenConfirmEmail, token)
		if err != nil {
			return err
		}
		if _, err := tx.w.NewUpdate().Model((*User)(nil)).Set("email_verified_at = ?", tx.utcNow()).
			Where("id = ?", t.UserID).Where("email = ?", t.Email).Where("email_verified_at IS NULL").Exec(ctx); err != nil {
			return wrap("db: confirm email", err)
		}
		u, err = tx.User(ctx, t.UserID)
		return err
	})
	return u, err
}

// SetEmail changes a user's address. The new address is not confirmed
// until its owner follows a confirmation link, and tokens mailed to the old
// one no longer work.
func (s *Store) SetEmail(ctx context.Context, id int64, email string) error {
	const op = "db: set email"
	email, err := checkEmail(email)
	if err != nil {
		return wrap(op, err)
	}
	res, err := s.w.NewUpdate().Model((*User)(nil)).Set("email = ?", email).Set("email_verified_at = NULL").
		Set("updated_at = ?", s.utcNow()).Where("id = ?", id).Where("email <> ?", email).Exec(ctx)
	if err := affected(res, err); err != nil && !errors.Is(err, ErrNotFound) {
		return wrap(op, err)
	}
	return nil
}
