package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// The ActivityStreams types of actor the hub stores.
const (
	ActorApplication  = "Application"
	ActorOrganization = "Organization"
	ActorPerson       = "Person"
	ActorService      = "Service"
	ActorGroup        = "Group"
)

// Actor is an ActivityPub actor: a local one (the hub itself, an
// organisation, a user), with its key pair, or a remote one, cached from its
// server with its public key. Local actors have Local set and a handle unique
// among local actors (one flat namespace); their URI is built from the hub's
// base URL and the handle.
type Actor struct {
	bun.BaseModel `bun:"table:actors,alias:a"`

	ID             int64     `bun:"id,pk,autoincrement"`
	URI            string    `bun:"uri"`
	Local          bool      `bun:"local"`
	Handle         string    `bun:"handle"` // local: the handle; remote: preferredUsername
	Host           string    `bun:"host"`   // remote: host[:port] of URI, lower-case
	Type           string    `bun:"type"`   // Application, Organization, Person…
	Inbox          string    `bun:"inbox"`
	SharedInbox    string    `bun:"shared_inbox"`
	Outbox         string    `bun:"outbox"`
	Followers      string    `bun:"followers"`
	Following      string    `bun:"following"`
	KeyID          string    `bun:"key_id"`
	PublicKeyPEM   string    `bun:"public_key_pem"`
	PrivateKeyPEM  string    `bun:"private_key_pem"` // local actors only
	Name           string    `bun:"name"`
	Summary        string    `bun:"summary"`
	IconURL        string    `bun:"icon_url"`
	URL            string    `bun:"url"` // the actor's HTML page
	OrganisationID int64     `bun:"organisation_id,nullzero"`
	UserID         int64     `bun:"user_id,nullzero"`
	Blocked        bool      `bun:"blocked"`
	Raw            string    `bun:"raw"` // remote: the actor document as fetched
	FetchedAt      time.Time `bun:"fetched_at,nullzero"`
	CreatedAt      time.Time `bun:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at"`
}

// LocalActor returns the local actor with the given handle.
func (s *Store) LocalActor(ctx context.Context, handle string) (*Actor, error) {
	a := new(Actor)
	// "a.local" as the partial index actors_local_handle states it:
	// SQLite uses the index only when the query repeats its WHERE term,
	// and scans every actor for "a.local = 1".
	err := s.r.NewSelect().Model(a).Where("a.local").Where("a.handle = ?", strings.ToLower(handle)).Scan(ctx)
	return a, wrap("db: local actor", err)
}

// LocalActorOfOrganisation returns the local actor of an organisation.
func (s *Store) LocalActorOfOrganisation(ctx context.Context, orgID int64) (*Actor, error) {
	a := new(Actor)
	err := s.r.NewSelect().Model(a).Where("a.local = ?", true).Where("a.organisation_id = ?", orgID).Limit(1).Scan(ctx)
	return a, wrap("db: local actor of organisation", err)
}

// CreateLocalActor stores a new local actor, or, when another process or
// request created the same one first (same URI or handle), leaves that one
// alone; either way it returns the stored actor. Its URI, handle, type and
// keys must be set.
func (s *Store) CreateLocalActor(ctx context.Context, a *Actor) (*Actor, error) {
	const op = "db: create local actor"
	a.Local = true
	a.Handle = strings.ToLower(a.Handle)
	switch {
	case a.URI == "" || a.Handle == "" || a.Type == "":
		return nil, wrap(op, fmt.Errorf("%w: a local actor needs a URI, a handle and a type", ErrInvalid))
	case a.PrivateKeyPEM == "" || a.PublicKeyPEM == "":
		return nil, wrap(op, fmt.Errorf("%w: a local actor needs a key pair", ErrInvalid))
	}
	now := s.utcNow()
	a.CreatedAt, a.UpdatedAt = now, now
	if _, err := s.w.NewInsert().Model(a).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return nil, wrap(op, err)
	}
	got := new(Actor)
	err := s.w.NewSelect().Model(got).Where("a.uri = ?", a.URI).Scan(ctx)
	if err != nil {
		// The handle was taken by an actor with another URI.
		return nil, wrap(op, fmt.Errorf("%w: handle %q is taken", ErrConflict, a.Handle))
	}
	return got, nil
}

// ActorByURI returns the actor, local or remote, whose id is uri.
func (s *Store) ActorByURI(ctx context.Context, uri string) (*Actor, error) {
	a := new(Actor)
	err := s.r.NewSelect().Model(a).Where("a.uri = ?", uri).Scan(ctx)
	return a, wrap("db: actor by uri", err)
}

// ActorByKeyID returns the actor whose public key has the given id.
func (s *Store) ActorByKeyID(ctx context.Context, keyID string) (*Actor, error) {
	a := new(Actor)
	err := s.r.NewSelect().Model(a).Where("a.key_id = ?", keyID).OrderExpr("a.id").Limit(1).Scan(ctx)
	return a, wrap("db: actor by key id", err)
}

// Actor returns the actor with the given row id.
func (s *Store) Actor(ctx context.Context, id int64) (*Actor, error) {
	a := new(Actor)
	err := s.r.NewSelect().Model(a).Where("a.id = ?", id).Scan(ctx)
	return a, wrap("db: actor", err)
}

// SaveRemoteActor inserts a remote actor or refreshes the stored copy (by
// URI) and sets a.ID. It never overwrites a local actor, and it keeps the
// blocked flag and the organisation link of a stored copy.
func (s *Store) SaveRemoteActor(ctx context.Context, a *Actor) error {
	const op = "db: save remote actor"
	if a.URI == "" || a.Type == "" {
		return wrap(op, fmt.Errorf("%w: a remote actor needs a URI and a type", ErrInvalid))
	}
	a.Local = false
	a.PrivateKeyPEM = ""
	a.Host = strings.ToLower(a.Host)
	now := s.utcNow()
	a.CreatedAt, a.UpdatedAt = now, now
	if a.FetchedAt.IsZero() {
		a.FetchedAt = now
	}
	a.FetchedAt = a.FetchedAt.UTC().Truncate(time.Microsecond)
	_, err := s.w.NewInsert().Model(a).ExcludeColumn("organisation_id", "blocked").
		On("CONFLICT (uri) DO UPDATE").
		Set("handle = EXCLUDED.handle, host = EXCLUDED.host, type = EXCLUDED.type").
		Set("inbox = EXCLUDED.inbox, shared_inbox = EXCLUDED.shared_inbox, outbox = EXCLUDED.outbox").
		Set("followers = EXCLUDED.followers, following = EXCLUDED.following").
		Set("key_id = EXCLUDED.key_id, public_key_pem = EXCLUDED.public_key_pem").
		Set("name = EXCLUDED.name, summary = EXCLUDED.summary, icon_url = EXCLUDED.icon_url, url = EXCLUDED.url").
		Set("raw = EXCLUDED.raw, fetched_at = EXCLUDED.fetched_at, updated_at = EXCLUDED.updated_at").
		Where("a.local = ?", false).
		Exec(ctx)
	if err != nil {
		return wrap(op, err)
	}
	got := new(Actor)
	if err := s.w.NewSelect().Model(got).Where("a.uri = ?", a.URI).Scan(ctx); err != nil {
		return wrap(op, err)
	}
	if got.Local {
		return wrap(op, fmt.Errorf("%w: %s is a local actor", ErrConflict, a.URI))
	}
	*a = *got
	return nil
}

// LinkActorOrganisation records which organisation of the directory stands
// for an actor.
func (s *Store) LinkActorOrganisation(ctx context.Context, actorID, orgID int64) error {
	res, err := s.w.NewUpdate().Model((*Actor)(nil)).Set("organisation_id = ?", orgID).Where("id = ?", actorID).Exec(ctx)
	return wrap("db: link actor organisation", affected(res, err))
}

// SetActorBlocked blocks or unblocks a remote actor by URI, creating a bare
// row for an actor not seen yet. Blocking also ends follows both ways,
// removes the actor's replies and the items of the organisation it stands
// for.
func (s *Store) SetActorBlocked(ctx context.Context, uri string, blocked bool) error {
	const op = "db: set actor blocked"
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		a, err := tx.ActorByURI(ctx, uri)
		if err != nil {
			a = &Actor{URI: uri, Type: ActorPerson, Host: hostOf(uri)}
			if err := tx.SaveRemoteActor(ctx, a); err != nil {
				return err
			}
		}
		if a.Local {
			return fmt.Errorf("%w: %s is a local actor", ErrInvalid, uri)
		}
		if _, err := tx.w.NewUpdate().Model((*Actor)(nil)).Set("blocked = ?", blocked).Where("id = ?", a.ID).Exec(ctx); err != nil {
			return err
		}
		if !blocked {
			return nil
		}
		return tx.purgeActor(ctx, a)
	}))
}

// purgeActor removes what a remote actor brought: follows both ways, its
// replies and likes, and the items of the organisation it stands for.
func (s *Store) purgeActor(ctx context.Context, a *Actor) error {
	if _, err := s.w.NewDelete().Model((*Follow)(nil)).Where("follower_id = ? OR followee_id = ?", a.ID, a.ID).Exec(ctx); err != nil {
		return err
	}
	if _, err := s.w.NewDelete().Model((*Reply)(nil)).Where("actor_id = ?", a.ID).Exec(ctx); err != nil {
		return err
	}
	if _, err := s.w.NewDelete().Model((*Like)(nil)).Where("actor_id = ?", a.ID).Exec(ctx); err != nil {
		return err
	}
	if a.OrganisationID != 0 {
		n, err := s.w.NewDelete().Model((*Item)(nil)).Where("organisation_id = ? AND remote = ?", a.OrganisationID, true).Exec(ctx)
		if err != nil {
			return err
		}
		if c, _ := n.RowsAffected(); c > 0 {
			s.touched(ctx)
		}
	}
	return nil
}

// DeleteRemoteActor removes a remote actor that its server deleted, with
// everything it brought (see SetActorBlocked) and the remote organisation
// that stood for it.
func (s *Store) DeleteRemoteActor(ctx context.Context, uri string) error {
	return wrap("db: delete remote actor", s.InTx(ctx, func(tx *Store) error {
		a, err := tx.ActorByURI(ctx, uri)
		if err != nil {
			return err
		}
		if a.Local {
			return fmt.Errorf("%w: %s is a local actor", ErrInvalid, uri)
		}
		if err := tx.purgeActor(ctx, a); err != nil {
			return err
		}
		if a.OrganisationID != 0 {
			if _, err := tx.w.NewDelete().Model((*Organisation)(nil)).Where("id = ? AND remote = ?", a.OrganisationID, true).Exec(ctx); err != nil {
				return err
			}
			tx.touched(ctx)
		}
		_, err = tx.w.NewDelete().Model((*Actor)(nil)).Where("id = ?", a.ID).Exec(ctx)
		return err
	}))
}

// hostOf returns the lower-case host[:port] of an absolute URL, or "".
func hostOf(uri string) string {
	_, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	return strings.ToLower(rest)
}
