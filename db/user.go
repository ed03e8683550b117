package db

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Role is what a user may do.
type Role string

// The roles, from most to least powerful.
const (
	// RoleAdmin manages users, organisations, handbooks, pages and everything
	// published on the hub.
	RoleAdmin Role = "admin"
	// RoleEditor publishes for one organisation.
	RoleEditor Role = "editor"
	// RoleMember takes part in the forum.
	RoleMember Role = "member"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleEditor || r == RoleMember }

// User is an account on the hub.
type User struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID             int64  `bun:"id,pk,autoincrement"`
	Email          string `bun:"email"`
	Name           string `bun:"name"`
	PasswordHash   string `bun:"password_hash"`
	Role           Role   `bun:"role"`
	OrganisationID int64  `bun:"organisation_id,nullzero"`
	Lang           Lang   `bun:"lang"`
	Disabled       bool   `bun:"disabled"`
	// EmailVerifiedAt is when the owner confirmed the address by a mailed
	// link; zero while unconfirmed.
	EmailVerifiedAt time.Time `bun:"email_verified_at,nullzero"`
	CreatedAt       time.Time `bun:"created_at"`
	UpdatedAt       time.Time `bun:"updated_at"`
}

// NewUser is what it takes to create an account.
type NewUser struct {
	Email, Name, Password string
	Role                  Role
	OrganisationID        int64 // required for editors, optional otherwise
	Lang                  Lang
	// Unconfirmed leaves the address to be confirmed by a mailed link (a
	// member who registers); accounts an admin makes are confirmed.
	Unconfirmed bool
}

// EmailConfirmed reports whether the user confirmed their address.
func (u *User) EmailConfirmed() bool { return !u.EmailVerifiedAt.IsZero() }

// checkEmail normalises an address and checks that it is one plain
// address that can go into a mail header.
func checkEmail(e string) (string, error) {
	email := NormalizeEmail(e)
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return "", fmt.Errorf("%w: %q is not an e-mail address", ErrInvalid, e)
	}
	return email, nil
}

// ErrBadCredentials is returned by Authenticate for an unknown e-mail, a
// wrong password or a disabled account alike, so that callers cannot tell
// which.
var ErrBadCredentials = errors.New("wrong e-mail or password")

// NormalizeEmail lower-cases and trims an address for storage and lookup.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// CreateUser creates an account with an argon2id hash of the password.
func (s *Store) CreateUser(ctx context.Context, n NewUser) (*User, error) {
	const op = "db: create user"
	email, err := checkEmail(n.Email)
	if err != nil {
		return nil, wrap(op, err)
	}
	if !n.Role.Valid() {
		return nil, wrap(op, fmt.Errorf("%w: unknown role %q (admin, editor or member)", ErrInvalid, n.Role))
	}
	if n.Role == RoleEditor && n.OrganisationID == 0 {
		return nil, wrap(op, fmt.Errorf("%w: an editor must belong to an organisation", ErrInvalid))
	}
	name := strings.TrimSpace(n.Name)
	if !ValidLine(name) {
		return nil, wrap(op, fmt.Errorf("%w: the name holds control characters or invalid UTF-8", ErrInvalid))
	}
	if name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	if n.Lang == "" {
		n.Lang = BG
	}
	hash, err := hashPassword(n.Password, s.passwordCost())
	if err != nil {
		return nil, wrap(op, err)
	}
	now := s.utcNow()
	u := &User{Email: email, Name: name, PasswordHash: hash, Role: n.Role, OrganisationID: n.OrganisationID,
		Lang: n.Lang, CreatedAt: now, UpdatedAt: now}
	if !n.Unconfirmed {
		u.EmailVerifiedAt = now
	}
	_, err = s.w.NewInsert().Model(u).Returning("id").Exec(ctx)
	return u, wrap(op, err)
}

// User returns the account with the given id.
func (s *Store) User(ctx context.Context, id int64) (*User, error) {
	u := new(User)
	err := s.r.NewSelect().Model(u).Where("u.id = ?", id).Scan(ctx)
	return u, wrap("db: user", err)
}

// UserByEmail returns the account with the given e-mail address.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	u := new(User)
	err := s.r.NewSelect().Model(u).Where("u.email = ?", NormalizeEmail(email)).Scan(ctx)
	return u, wrap("db: user by email", err)
}

// Users returns every account, oldest first.
func (s *Store) Users(ctx context.Context) ([]*User, error) {
	var out []*User
	err := s.r.NewSelect().Model(&out).OrderExpr("u.id").Scan(ctx)
	return out, wrap("db: users", err)
}

// Authenticate returns the enabled account whose e-mail and password match,
// or ErrBadCredentials.
func (s *Store) Authenticate(ctx context.Context, email, password string) (*User, error) {
	u, err := s.UserByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		// Spend the same time as a real check so that timing does not tell
		// which addresses have accounts.
		checkPassword(dummyHash(s.passwordCost()), password)
		return nil, fmt.Errorf("db: authenticate: %w", ErrBadCredentials)
	}
	if err != nil {
		return nil, err
	}
	if !checkPassword(u.PasswordHash, password) || u.Disabled {
		return nil, fmt.Errorf("db: authenticate: %w", ErrBadCredentials)
	}
	return u, nil
}

// SetPassword replaces a user's password.
func (s *Store) SetPassword(ctx context.Context, id int64, password string) error {
	const op = "db: set password"
	hash, err := hashPassword(password, s.passwordCost())
	if err != nil {
		return wrap(op, err)
	}
	res, err := s.w.NewUpdate().Model((*User)(nil)).Set("password_hash = ?", hash).Set("updated_at = ?", s.utcNow()).
		Where("id = ?", id).Exec(ctx)
	return wrap(op, affected(res, err))
}

// UpdateUser saves a user's name, role, organisation, language and whether
// the account is disabled. E-mail and password change through their own
// methods.
func (s *Store) UpdateUser(ctx context.Context, u *User) error {
	const op = "db: update user"
	if !u.Role.Valid() {
		return wrap(op, fmt.Errorf("%w: unknown role %q", ErrInvalid, u.Role))
	}
	if u.Role == RoleEditor && u.OrganisationID == 0 {
		return wrap(op, fmt.Errorf("%w: an editor must belong to an organisation", ErrInvalid))
	}
	u.UpdatedAt = s.utcNow()
	res, err := s.w.NewUpdate().Model(u).Column("name", "role", "organisation_id", "lang", "disabled", "updated_at").WherePK().Exec(ctx)
	return wrap(op, affected(res, err))
}

// CountUsers returns how many accounts have the given role ("" for all).
func (s *Store) CountUsers(ctx context.Context, role Role) (int, error) {
	q := s.r.NewSelect().Model((*User)(nil))
	if role != "" {
		q.Where("role = ?", role)
	}
	n, err := q.Count(ctx)
	return int(n), wrap("db: count users", err)
}
