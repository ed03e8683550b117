package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Kind is the section an item is published in.
type Kind string

// The kinds of item, one per section of the site.
const (
	News          Kind = "news"
	Event         Kind = "event"
	Announcement  Kind = "announcement"
	Service       Kind = "service"
	Material      Kind = "material"
	ProjectUpdate Kind = "project_update"
	Press         Kind = "press"
	Gallery       Kind = "gallery"
)

// Kinds lists every kind of item in the order the site's menu shows them.
func Kinds() []Kind {
	return []Kind{News, Event, Announcement, Service, Material, ProjectUpdate, Press, Gallery}
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, o := range Kinds() {
		if k == o {
			return true
		}
	}
	return false
}

// Status is where an item is in its life.
type Status string

// The statuses of an item.
const (
	Draft     Status = "draft"
	Published Status = "published"
	// Hidden items were removed from view by an admin; they stay stored.
	Hidden Status = "hidden"
)

// Item is one published thing of any kind: a news item, an event, a service…
// Columns that only some kinds use are zero for the others.
type Item struct {
	bun.BaseModel `bun:"table:items,alias:i"`

	ID             int64     `bun:"id,pk,autoincrement"`
	Kind           Kind      `bun:"kind"`
	OrganisationID int64     `bun:"organisation_id,nullzero"` // zero: the hub itself
	AuthorID       int64     `bun:"author_id,nullzero"`
	Status         Status    `bun:"status"`
	PrimaryLang    Lang      `bun:"primary_lang"`
	Remote         bool      `bun:"remote"`
	APID           string    `bun:"ap_id,nullzero"` // the ActivityPub id of a remote item
	URL            string    `bun:"url"`            // the original page of a remote item
	Version        int       `bun:"version"`        // bumped on every edit (iCalendar SEQUENCE)
	PublishedAt    time.Time `bun:"published_at,nullzero"`
	CreatedAt      time.Time `bun:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at"`

	// Events; galleries use StartsAt and PlaceName for the seminar.
	StartsAt  time.Time `bun:"starts_at,nullzero"`
	EndsAt    time.Time `bun:"ends_at,nullzero"`
	TimeZone  string    `bun:"time_zone"` // IANA name, e.g. Europe/Sofia
	AllDay    bool      `bun:"all_day"`
	PlaceName string    `bun:"place_name"`
	Address   string    `bun:"address"`
	OnlineURL string    `bun:"online_url"`
	Cancelled bool      `bun:"cancelled"`

	// Press publications.
	Outlet      string `bun:"outlet"`
	ExternalURL string `bun:"external_url"`

	Translations []ItemTranslation `bun:"rel:has-many,join:id=item_id"`
	Organisation *Organisation     `bun:"rel:belongs-to,join:organisation_id=id"`

	// RemoteImages are the images a received object names, for
	// SetRemoteImages; not a column.
	RemoteImages []RemoteImage `bun:"-"`
}

// ItemTranslation is an item's text in one language.
type ItemTranslation struct {
	bun.BaseModel `bun:"table:item_translations"`
	ItemID        int64 `bun:"item_id,pk"`
	Text
}

// Texts returns the item's translations.
func (it *Item) Texts() Texts {
	return texts(it.Translations, func(t ItemTranslation) Text { return t.Text })
}

// SetTexts replaces the item's translations with ts.
func (it *Item) SetTexts(ts ...Text) {
	it.Translations = it.Translations[:0]
	for _, t := range ts {
		it.Translations = append(it.Translations, ItemTranslation{Text: t})
	}
}

// Limits on what an item may hold; forms show the same numbers.
const (
	MaxTitleLen   = 300
	MaxSummaryLen = 1000
	MaxBodyLen    = 200_000
)

func (it *Item) validate() error {
	switch {
	case !it.Kind.Valid():
		return fmt.Errorf("%w: unknown kind %q", ErrInvalid, it.Kind)
	case it.Status != Draft && it.Status != Published && it.Status != Hidden:
		return fmt.Errorf("%w: unknown status %q", ErrInvalid, it.Status)
	case it.Kind == Event && it.StartsAt.IsZero():
		return fmt.Errorf("%w: an event needs a start", ErrInvalid)
	case !it.EndsAt.IsZero() && it.EndsAt.Before(it.StartsAt):
		return fmt.Errorf("%w: the end is before the start", ErrInvalid)
	}
	if it.TimeZone != "" {
		if _, err := time.LoadLocation(it.TimeZone); err != nil {
			return fmt.Errorf("%w: unknown time zone %q", ErrInvalid, it.TimeZone)
		}
	}
	if err := validTexts(it.Texts()); err != nil {
		return err
	}
	for _, t := range it.Texts() {
		if len([]rune(t.Title)) > MaxTitleLen || len([]rune(t.Summary)) > MaxSummaryLen || len(t.BodyMD)+len(t.BodyHTML) > 2*MaxBodyLen {
			return fmt.Errorf("%w: the %s text is too long", ErrInvalid, t.Lang)
		}
	}
	if it.PrimaryLang == "" || !it.Texts().Has(it.PrimaryLang) {
		it.PrimaryLang = it.Translations[0].Lang
	}
	return nil
}

// CreateItem stores an item and its translations and sets it.ID. A published
// item without a publication time gets the current one.
func (s *Store) CreateItem(ctx context.Context, it *Item) error {
	const op = "db: create item"
	if err := it.validate(); err != nil {
		return wrap(op, err)
	}
	now := s.utcNow()
	it.CreatedAt, it.UpdatedAt, it.Version = now, now, 1
	if it.Status == Published && it.PublishedAt.IsZero() {
		it.PublishedAt = now
	}
	normalizeTimes(it)
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.w.NewInsert().Model(it).Returning("id").Exec(ctx); err != nil {
			return err
		}
		if err := tx.replaceItemTexts(ctx, it); err != nil {
			return err
		}
		return tx.itemChanged(ctx, it.ID, it.Remote, "", it.Status)
	}))
}

// itemState returns an item's status and whether it is remote, inside a
// transaction that is about to change it.
func (s *Store) itemState(ctx context.Context, id int64) (st Status, remote bool, err error) {
	err = s.w.NewSelect().Model((*Item)(nil)).Column("status", "remote").Where("id = ?", id).Scan(ctx, &st, &remote)
	return st, remote, err
}

// UpdateItem saves an edited item with its translations, bumps its version
// and, the first time it is published, sets its publication time.
func (s *Store) UpdateItem(ctx context.Context, it *Item) error {
	const op = "db: update item"
	if err := it.validate(); err != nil {
		return wrap(op, err)
	}
	it.UpdatedAt = s.utcNow()
	if it.Status == Published && it.PublishedAt.IsZero() {
		it.PublishedAt = it.UpdatedAt
	}
	normalizeTimes(it)
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		before, _, err := tx.itemState(ctx, it.ID)
		if err != nil {
			return err
		}
		res, err := tx.w.NewUpdate().Model(it).ExcludeColumn("id", "created_at", "version").
			Set("version = version + 1").WherePK().Returning("version").Exec(ctx)
		if err := affected(res, err); err != nil {
			return err
		}
		if err := tx.replaceItemTexts(ctx, it); err != nil {
			return err
		}
		return tx.itemChanged(ctx, it.ID, it.Remote, before, it.Status)
	}))
}

// SetItemStatus publishes, unpublishes or hides an item without touching its
// text.
func (s *Store) SetItemStatus(ctx context.Context, id int64, st Status) error {
	const op = "db: set item status"
	if st != Draft && st != Published && st != Hidden {
		return wrap(op, fmt.Errorf("%w: unknown status %q", ErrInvalid, st))
	}
	now := s.utcNow()
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		before, remote, err := tx.itemState(ctx, id)
		if err != nil {
			return err
		}
		q := tx.w.NewUpdate().Model((*Item)(nil)).Set("status = ?", st).Set("updated_at = ?", now).
			Set("version = version + 1").Where("id = ?", id)
		if st == Published {
			q.Set("published_at = COALESCE(published_at, ?)", now)
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
		return tx.itemChanged(ctx, id, remote, before, st)
	}))
}

// DeleteItem removes an item and its translations for good.
func (s *Store) DeleteItem(ctx context.Context, id int64) error {
	return wrap("db: delete item", s.InTx(ctx, func(tx *Store) error {
		before, remote, err := tx.itemState(ctx, id)
		if err != nil {
			return err
		}
		if _, err := tx.w.NewDelete().Model((*Item)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
			return err
		}
		return tx.itemChanged(ctx, id, remote, before, "")
	}))
}

func normalizeTimes(it *Item) {
	for _, t := range []*time.Time{&it.PublishedAt, &it.StartsAt, &it.EndsAt} {
		if !t.IsZero() {
			*t = t.UTC().Truncate(time.Microsecond)
		}
	}
}

func (s *Store) replaceItemTexts(ctx context.Context, it *Item) error {
	if _, err := s.w.NewDelete().Model((*ItemTranslation)(nil)).Where("item_id = ?", it.ID).Exec(ctx); err != nil {
		return err
	}
	for i := range it.Translations {
		it.Translations[i].ItemID = it.ID
	}
	_, err := s.w.NewInsert().Model(&it.Translations).Exec(ctx)
	return err
}

// Item returns the item with the given id, with its translations and
// organisation.
func (s *Store) Item(ctx context.Context, id int64) (*Item, error) {
	it := new(Item)
	err := s.r.NewSelect().Model(it).Relation("Translations").Relation("Organisation").
		Relation("Organisation.Translations").Where("i.id = ?", id).Scan(ctx)
	return it, wrap("db: item", err)
}

// ItemQuery selects items for a listing. Zero fields do not filter, except
// Status, which defaults to Published.
type ItemQuery struct {
	Kinds          []Kind
	OrganisationID int64
	Status         Status // default Published; "any" for every status
	Lang           Lang   // only items with a translation in Lang
	Upcoming       bool   // events that have not ended by Now, soonest first
	Past           bool   // events that ended before Now, latest first
	Now            time.Time
	// StartsFrom and StartsBefore select items (events, galleries) that
	// start in [StartsFrom, StartsBefore); either may be zero. Unless
	// Upcoming or Past says otherwise, such a listing is by start time,
	// soonest first.
	StartsFrom, StartsBefore time.Time
	// HappensFrom and HappensBefore select events under way at any time in
	// [HappensFrom, HappensBefore): a multi-day event that began earlier
	// is in a week or month it reaches into. Both must be set.
	HappensFrom, HappensBefore time.Time
	// City selects items whose organisation is in that city, as written in
	// the directory (see EventCities).
	City string
	// Attendance selects events by how people attend: AttendOnline (with an
	// online link) or AttendInPerson (with a place or an address).
	Attendance    string
	Limit, Offset int
}

// The values of ItemQuery.Attendance.
const (
	AttendOnline   = "online"
	AttendInPerson = "in_person"
)

// AnyStatus in ItemQuery.Status selects items whatever their status.
const AnyStatus Status = "any"

// Items returns the items that match q with their translations and
// organisations: newest first, or by start time for event listings.
func (s *Store) Items(ctx context.Context, q ItemQuery) ([]*Item, error) {
	var out []*Item
	sel := s.r.NewSelect().Model(&out).Relation("Translations").Relation("Organisation").Relation("Organisation.Translations")
	s.itemFilter(sel, q)
	switch {
	case q.Upcoming:
		sel.OrderExpr("i.starts_at ASC, i.id ASC")
	case q.Past:
		sel.OrderExpr("i.starts_at DESC, i.id DESC")
	case !q.StartsFrom.IsZero() || !q.StartsBefore.IsZero():
		sel.OrderExpr("i.starts_at ASC, i.id ASC")
	default:
		sel.OrderExpr("i.published_at DESC, i.id DESC")
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	sel.Limit(int64(limit)).Offset(int64(max(q.Offset, 0)))
	err := sel.Scan(ctx)
	return out, wrap("db: items", err)
}

// CountItems returns how many items match q, for pagination.
func (s *Store) CountItems(ctx context.Context, q ItemQuery) (int, error) {
	sel := s.r.NewSelect().Model((*Item)(nil))
	s.itemFilter(sel, q)
	n, err := sel.Count(ctx)
	return int(n), wrap("db: count items", err)
}

func (s *Store) itemFilter(sel *bun.SelectQuery, q ItemQuery) {
	switch q.Status {
	case "":
		sel.Where("i.status = ?", Published)
	case AnyStatus:
	default:
		sel.Where("i.status = ?", q.Status)
	}
	if len(q.Kinds) > 0 {
		sel.Where("i.kind IN (?)", bun.In(q.Kinds))
	}
	if q.OrganisationID != 0 {
		sel.Where("i.organisation_id = ?", q.OrganisationID)
	}
	if q.Lang != "" {
		sel.Where("EXISTS (SELECT 1 FROM item_translations t WHERE t.item_id = i.id AND t.lang = ?)", q.Lang)
	}
	now := q.Now
	if now.IsZero() {
		now = s.utcNow()
	}
	if q.Upcoming {
		sel.Where("COALESCE(i.ends_at, i.starts_at) >= ?", now.UTC())
	}
	if q.Past {
		sel.Where("COALESCE(i.ends_at, i.starts_at) < ?", now.UTC())
	}
	if !q.StartsFrom.IsZero() {
		sel.Where("i.starts_at >= ?", q.StartsFrom.UTC())
	}
	if !q.StartsBefore.IsZero() {
		sel.Where("i.starts_at < ?", q.StartsBefore.UTC())
	}
	if !q.HappensFrom.IsZero() && !q.HappensBefore.IsZero() {
		sel.Where("i.starts_at < ? AND COALESCE(i.ends_at, i.starts_at) >= ?", q.HappensBefore.UTC(), q.HappensFrom.UTC())
	}
	if q.City != "" {
		sel.Where("EXISTS (SELECT 1 FROM organisations o WHERE o.id = i.organisation_id AND o.city = ?)", q.City)
	}
	switch q.Attendance {
	case AttendOnline:
		sel.Where("i.online_url <> ''")
	case AttendInPerson:
		sel.Where("(i.place_name <> '' OR i.address <> '')")
	}
}

// Slugify makes an ASCII URL segment from a title, transliterating Bulgarian
// Cyrillic by the official Bulgarian system (Закон за транслитерацията).
func Slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		var out string
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			out = string(r)
		default:
			out = bgTranslit[r]
		}
		if out == "" {
			if b.Len() > 0 && !dash {
				b.WriteByte('-')
				dash = true
			}
			continue
		}
		b.WriteString(out)
		dash = false
		if b.Len() >= 80 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

var bgTranslit = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ж': "zh", 'з': "z", 'и': "i", 'й': "y",
	'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u",
	'ф': "f", 'х': "h", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "sht", 'ъ': "a", 'ь': "y", 'ю': "yu", 'я': "ya",
}

// EventCities returns the cities of the organisations that have published
// events, sorted, for the events page's filter.
func (s *Store) EventCities(ctx context.Context) ([]string, error) {
	var out []string
	err := s.r.NewRaw(`
		SELECT DISTINCT o.city FROM organisations o
		WHERE o.city <> '' AND EXISTS (
			SELECT 1 FROM items i WHERE i.organisation_id = o.id AND i.kind = ? AND i.status = ?)
		ORDER BY o.city`, Event, Published).Scan(ctx, &out)
	return out, wrap("db: event cities", err)
}
