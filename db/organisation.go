package db

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// OrgKind is what sort of organisation a directory entry is.
type OrgKind string

// The kinds of organisation in the directory.
const (
	OrgInfoCentre    OrgKind = "information_centre"
	OrgNGO           OrgKind = "ngo"
	OrgPublicBody    OrgKind = "public_body"
	OrgSocialPartner OrgKind = "social_partner"
	OrgInternational OrgKind = "international"
	OrgOther         OrgKind = "other"
)

// OrgKinds lists every organisation kind, in the order forms offer them.
func OrgKinds() []OrgKind {
	return []OrgKind{OrgInfoCentre, OrgNGO, OrgPublicBody, OrgSocialPartner, OrgInternational, OrgOther}
}

// Valid reports whether k is one of the known kinds.
func (k OrgKind) Valid() bool {
	for _, o := range OrgKinds() {
		if k == o {
			return true
		}
	}
	return false
}

// Organisation is an entry in the directory: a local organisation that
// publishes on this hub (and is an ActivityPub actor), or a partner's,
// known through federation (Remote, with ActorID).
type Organisation struct {
	bun.BaseModel `bun:"table:organisations,alias:o"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Handle    string    `bun:"handle"`
	Kind      OrgKind   `bun:"kind"`
	Country   string    `bun:"country"` // ISO 3166-1 alpha-2, upper-case
	City      string    `bun:"city"`
	Address   string    `bun:"address"`
	Website   string    `bun:"website"`
	Email     string    `bun:"email"`
	Phone     string    `bun:"phone"`
	Remote    bool      `bun:"remote"`
	ActorID   string    `bun:"actor_id,nullzero"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`

	// LogoMediaID and BannerMediaID are the organisation's images (media
	// rows, 0 for none): uploaded by its editors, or for a partner's
	// organisation fetched from LogoURL and BannerURL, the URLs its actor's
	// icon and image name.
	LogoMediaID   int64  `bun:"logo_media_id,nullzero"`
	BannerMediaID int64  `bun:"banner_media_id,nullzero"`
	LogoURL       string `bun:"logo_url"`
	BannerURL     string `bun:"banner_url"`
	// LogoFetched and BannerFetched are the URLs the stored copies came
	// from; where they differ from LogoURL and BannerURL the copy is stale.
	LogoFetched   string `bun:"logo_fetched"`
	BannerFetched string `bun:"banner_fetched"`

	Translations []OrganisationTranslation `bun:"rel:has-many,join:id=organisation_id"`
}

// OrganisationTranslation is an organisation's name (Title) and description
// in one language.
type OrganisationTranslation struct {
	bun.BaseModel  `bun:"table:organisation_translations"`
	OrganisationID int64 `bun:"organisation_id,pk"`
	Text
}

// Texts returns the organisation's translations.
func (o *Organisation) Texts() Texts {
	return texts(o.Translations, func(t OrganisationTranslation) Text { return t.Text })
}

// SetTexts replaces the organisation's translations with ts.
func (o *Organisation) SetTexts(ts ...Text) {
	o.Translations = o.Translations[:0]
	for _, t := range ts {
		o.Translations = append(o.Translations, OrganisationTranslation{Text: t})
	}
}

func texts[T any](rows []T, text func(T) Text) Texts {
	out := make(Texts, 0, len(rows))
	for _, r := range rows {
		out = append(out, text(r))
	}
	return out
}

var handlePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ValidHandle reports whether h can name an actor: ASCII lower-case letters,
// digits, '-' and '_', 1 to 63 characters, starting with a letter or digit.
// Handles are ASCII because they appear in signed ActivityPub URLs.
func ValidHandle(h string) bool { return handlePattern.MatchString(h) }

func (o *Organisation) validate() error {
	o.Handle = strings.ToLower(strings.TrimSpace(o.Handle))
	o.Country = strings.ToUpper(strings.TrimSpace(o.Country))
	switch {
	case !ValidHandle(o.Handle):
		return fmt.Errorf("%w: handle %q must be 1-63 lower-case ASCII letters, digits, '-' or '_'", ErrInvalid, o.Handle)
	case !o.Kind.Valid():
		return fmt.Errorf("%w: unknown organisation kind %q", ErrInvalid, o.Kind)
	case o.Country != "" && !regexp.MustCompile(`^[A-Z]{2}$`).MatchString(o.Country):
		return fmt.Errorf("%w: country %q must be a two-letter ISO 3166 code such as BG", ErrInvalid, o.Country)
	}
	return validTexts(o.Texts())
}

// validTexts checks that there is at least one translation, each with a
// title and a distinct language.
func validTexts(ts Texts) error {
	if len(ts) == 0 {
		return fmt.Errorf("%w: at least one translation is required", ErrInvalid)
	}
	if len(ts) > MaxTranslations {
		return fmt.Errorf("%w: %d translations, at most %d are kept", ErrInvalid, len(ts), MaxTranslations)
	}
	seen := map[Lang]bool{}
	for _, t := range ts {
		switch {
		case t.Lang == "":
			return fmt.Errorf("%w: a translation has no language", ErrInvalid)
		case !t.Lang.Valid():
			return fmt.Errorf("%w: %.40q is not a language tag (BCP 47, as ContentLang writes it)", ErrInvalid, t.Lang)
		case !ValidText(t.Title) || !ValidText(t.Summary) || !ValidText(t.BodyMD) || !ValidText(t.BodyHTML):
			return fmt.Errorf("%w: the %s translation holds control characters or invalid UTF-8", ErrInvalid, t.Lang)
		case seen[t.Lang]:
			return fmt.Errorf("%w: two translations in %q", ErrInvalid, t.Lang)
		case strings.TrimSpace(t.Title) == "":
			return fmt.Errorf("%w: the %s translation has no title", ErrInvalid, t.Lang)
		}
		seen[t.Lang] = true
	}
	return nil
}

// CreateOrganisation stores o with its translations and sets o.ID. A
// local organisation's handle shares the one namespace of local actors, so
// it may not be a forum category's or a member's forum handle: that is
// ErrConflict.
func (s *Store) CreateOrganisation(ctx context.Context, o *Organisation) error {
	const op = "db: create organisation"
	if err := o.validate(); err != nil {
		return wrap(op, err)
	}
	now := s.utcNow()
	o.CreatedAt, o.UpdatedAt = now, now
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		if !o.Remote {
			if err := tx.handleFree(ctx, o.Handle, 0); err != nil {
				return err
			}
		}
		if _, err := tx.w.NewInsert().Model(o).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return tx.replaceOrgTexts(ctx, o)
	}))
}

// UpdateOrganisation saves o's fields and replaces its translations.
func (s *Store) UpdateOrganisation(ctx context.Context, o *Organisation) error {
	const op = "db: update organisation"
	if err := o.validate(); err != nil {
		return wrap(op, err)
	}
	o.UpdatedAt = s.utcNow()
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		res, err := tx.w.NewUpdate().Model(o).ExcludeColumn("id", "created_at").WherePK().Exec(ctx)
		if err := affected(res, err); err != nil {
			return err
		}
		return tx.replaceOrgTexts(ctx, o)
	}))
}

func (s *Store) replaceOrgTexts(ctx context.Context, o *Organisation) error {
	s.touched(ctx)
	if _, err := s.w.NewDelete().Model((*OrganisationTranslation)(nil)).Where("organisation_id = ?", o.ID).Exec(ctx); err != nil {
		return err
	}
	for i := range o.Translations {
		o.Translations[i].OrganisationID = o.ID
	}
	_, err := s.w.NewInsert().Model(&o.Translations).Exec(ctx)
	return err
}

// LogoPath is where the hub serves the organisation's logo (a square-ish
// thumbnail, JPEG), or "" when it has none.
func (o *Organisation) LogoPath() string { return MediaPath(o.LogoMediaID, "thumb") }

// BannerPath is where the hub serves the organisation's banner (1200 px
// wide, JPEG), or "" when it has none.
func (o *Organisation) BannerPath() string { return MediaPath(o.BannerMediaID, "medium") }

// SetOrganisationImages sets an organisation's logo and banner (media ids,
// 0 for none) and leaves every other field alone.
func (s *Store) SetOrganisationImages(ctx context.Context, id, logoID, bannerID int64) error {
	res, err := s.w.NewUpdate().Model((*Organisation)(nil)).
		Set("logo_media_id = ?", nullID(logoID)).Set("banner_media_id = ?", nullID(bannerID)).
		Set("updated_at = ?", s.utcNow()).Where("id = ?", id).Exec(ctx)
	if err = affected(res, err); err == nil {
		s.touched(ctx)
	}
	return wrap("db: set organisation images", err)
}

// OrganisationsWithStaleImages returns up to limit partners' organisations
// whose stored logo or banner is not the one their actor names now.
func (s *Store) OrganisationsWithStaleImages(ctx context.Context, limit int) ([]*Organisation, error) {
	var out []*Organisation
	err := s.r.NewSelect().Model(&out).Where("o.remote = ?", true).
		Where("(o.logo_url <> o.logo_fetched OR o.banner_url <> o.banner_fetched)").
		OrderExpr("o.id").Limit(int64(limit)).Scan(ctx)
	return out, wrap("db: organisations with stale images", err)
}

// SetFetchedOrganisationImages records the copies of a partner
// organisation's images: o's LogoMediaID, BannerMediaID, LogoFetched and
// BannerFetched.
func (s *Store) SetFetchedOrganisationImages(ctx context.Context, o *Organisation) error {
	res, err := s.w.NewUpdate().Model((*Organisation)(nil)).
		Set("logo_media_id = ?", nullID(o.LogoMediaID)).Set("banner_media_id = ?", nullID(o.BannerMediaID)).
		Set("logo_fetched = ?", o.LogoFetched).Set("banner_fetched = ?", o.BannerFetched).
		Where("id = ?", o.ID).Exec(ctx)
	if err = affected(res, err); err == nil {
		s.touched(ctx)
	}
	return wrap("db: set fetched organisation images", err)
}

// Organisation returns the organisation with the given id.
func (s *Store) Organisation(ctx context.Context, id int64) (*Organisation, error) {
	o := new(Organisation)
	err := s.r.NewSelect().Model(o).Relation("Translations").Where("o.id = ?", id).Scan(ctx)
	return o, wrap("db: organisation", err)
}

// OrganisationByHandle returns the organisation whose handle is h.
func (s *Store) OrganisationByHandle(ctx context.Context, h string) (*Organisation, error) {
	o := new(Organisation)
	err := s.r.NewSelect().Model(o).Relation("Translations").Where("o.handle = ?", strings.ToLower(h)).Scan(ctx)
	return o, wrap("db: organisation by handle", err)
}

// OrgQuery selects organisations for the directory. Zero fields do not
// filter.
type OrgQuery struct {
	Kind    OrgKind
	Country string
	Local   bool // only this hub's own organisations
}

// Organisations returns the organisations that match q, ordered by handle.
func (s *Store) Organisations(ctx context.Context, q OrgQuery) ([]*Organisation, error) {
	var out []*Organisation
	sel := s.r.NewSelect().Model(&out).Relation("Translations").OrderExpr("o.handle")
	if q.Kind != "" {
		sel.Where("o.kind = ?", q.Kind)
	}
	if q.Country != "" {
		sel.Where("o.country = ?", strings.ToUpper(q.Country))
	}
	if q.Local {
		sel.Where("o.remote = ?", false)
	}
	err := sel.Scan(ctx)
	return out, wrap("db: organisations", err)
}

// affected turns an UPDATE or DELETE that touched no row into ErrNotFound.
func affected(res interface{ RowsAffected() (int64, error) }, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
