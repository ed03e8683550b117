package db

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// The forum: categories (each a future ActivityPub Group, FEP-1b12), threads
// in them and posts in threads. Authors are local users or remote actors;
// rows that arrived over federation keep their ActivityPub id in APID.
// Writes that change what visitors see call touched, so cached pages go;
// a member's follows and read marks are private and do not.

// ErrLocked is returned when a post is added to, or edited in, a locked
// thread. It wraps ErrConflict.
var ErrLocked = fmt.Errorf("thread locked: %w", ErrConflict)

// Limits on what the forum stores; forms show the same numbers.
const (
	MaxThreadTitleLen  = 200
	MaxPostLen         = 50_000 // Markdown source, in characters
	MaxReportReasonLen = 2_000
	MaxMentions        = 20 // mentions linked and stored per post
)

// ForumCategory is a forum category: local, with a handle that is also its
// fediverse name (@handle@host), or a partner's, known through federation
// (Remote, with APID, the Group's id, and a handle of the form name@host).
type ForumCategory struct {
	bun.BaseModel `bun:"table:forum_categories,alias:fc"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Handle    string    `bun:"handle"`
	Position  int       `bun:"position"`
	Remote    bool      `bun:"remote"`
	APID      string    `bun:"ap_id,nullzero"`
	URL       string    `bun:"url"`               // a remote category's page
	ActorID   int64     `bun:"actor_id,nullzero"` // its Group actor, once federation has one
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
	// Followed: a remote category's Group is followed from here (the
	// follow may still wait for its answer). Read only.
	Followed bool `bun:"followed,scanonly"`

	Translations []ForumCategoryTranslation `bun:"rel:has-many,join:id=category_id"`
}

// ForumCategoryTranslation is a category's name (Title) and description
// (Summary) in one language.
type ForumCategoryTranslation struct {
	bun.BaseModel `bun:"table:forum_category_translations"`
	CategoryID    int64 `bun:"category_id,pk"`
	Text
}

// Texts returns the category's translations.
func (c *ForumCategory) Texts() Texts {
	return texts(c.Translations, func(t ForumCategoryTranslation) Text { return t.Text })
}

// SetTexts replaces the category's translations with ts.
func (c *ForumCategory) SetTexts(ts ...Text) {
	c.Translations = c.Translations[:0]
	for _, t := range ts {
		c.Translations = append(c.Translations, ForumCategoryTranslation{Text: t})
	}
}

// reservedForumHandles are the path segments the forum's own pages use
// under /{lang}/forum/, which no category may take, and the member handles
// that would mislead.
var reservedForumHandles = map[string]bool{
	"new": true, "share": true, "posts": true, "threads": true, "users": true, "reports": true,
	"mentions": true, "feeds": true, "search": true, "categories": true, "admin": true,
	"moderation": true, "hub": true, "forum": true, "modlog": true,
}

// ForumHandleReserved reports whether h is a word the forum keeps for
// itself and no category or member may use.
func ForumHandleReserved(h string) bool { return reservedForumHandles[h] }

func (c *ForumCategory) validate() error {
	c.Handle = strings.ToLower(strings.TrimSpace(c.Handle))
	switch {
	case c.Remote:
		name, host, ok := strings.Cut(c.Handle, "@")
		if !ok || name == "" || host == "" || strings.ContainsAny(c.Handle, "/?#\\ ") {
			return fmt.Errorf("%w: a remote category's handle must be name@host, not %q", ErrInvalid, c.Handle)
		}
		if c.APID == "" {
			return fmt.Errorf("%w: a remote category needs its ActivityPub id", ErrInvalid)
		}
	case !ValidHandle(c.Handle):
		return fmt.Errorf("%w: handle %q must be 1-63 lower-case ASCII letters, digits, '-' or '_'", ErrInvalid, c.Handle)
	case ForumHandleReserved(c.Handle):
		return fmt.Errorf("%w: %q is reserved for the forum's pages", ErrInvalid, c.Handle)
	}
	if err := validTexts(c.Texts()); err != nil {
		return err
	}
	for _, t := range c.Texts() {
		if utf8.RuneCountInString(t.Title) > 100 || utf8.RuneCountInString(t.Summary) > MaxSummaryLen {
			return fmt.Errorf("%w: the %s name or description is too long", ErrInvalid, t.Lang)
		}
	}
	return nil
}

// CreateForumCategory stores a category with its translations and sets
// c.ID. A local category's handle shares the one namespace of local actors,
// so it may not be an organisation's.
func (s *Store) CreateForumCategory(ctx context.Context, c *ForumCategory) error {
	const op = "db: create forum category"
	if err := c.validate(); err != nil {
		return wrap(op, err)
	}
	now := s.utcNow()
	c.CreatedAt, c.UpdatedAt = now, now
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		if !c.Remote {
			if err := tx.handleFree(ctx, c.Handle, 0); err != nil {
				return err
			}
		}
		if _, err := tx.w.NewInsert().Model(c).Returning("id").Exec(ctx); err != nil {
			return err
		}
		if !c.Remote {
			if err := tx.forumChanged(ctx, OutboxForumCategory, c.ID, ActionCreate); err != nil {
				return err
			}
		}
		return tx.replaceCategoryTexts(ctx, c)
	}))
}

// UpdateForumCategory saves a category's position and translations. Its
// handle never changes: it is part of its fediverse identity.
func (s *Store) UpdateForumCategory(ctx context.Context, c *ForumCategory) error {
	const op = "db: update forum category"
	if err := c.validate(); err != nil {
		return wrap(op, err)
	}
	c.UpdatedAt = s.utcNow()
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		res, err := tx.w.NewUpdate().Model(c).Column("position", "url", "actor_id", "updated_at").WherePK().Exec(ctx)
		if err := affected(res, err); err != nil {
			return err
		}
		if !c.Remote {
			if err := tx.forumChanged(ctx, OutboxForumCategory, c.ID, ActionUpdate); err != nil {
				return err
			}
		}
		return tx.replaceCategoryTexts(ctx, c)
	}))
}

// DeleteForumCategory deletes a local category that has no threads, not
// even hidden ones, and that the fediverse has never seen as a Group
// actor (whose followers would be left with a dangling address). Otherwise
// it returns ErrConflict and deletes nothing.
func (s *Store) DeleteForumCategory(ctx context.Context, id int64) error {
	const op = "db: delete forum category"
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		c := new(ForumCategory)
		if err := tx.w.NewSelect().Model(c).Where("fc.id = ?", id).Scan(ctx); err != nil {
			return err
		}
		if c.Remote {
			return fmt.Errorf("%w: category %q is a partner's", ErrConflict, c.Handle)
		}
		var n int
		err := tx.w.NewRaw(`
			SELECT (SELECT COUNT(*) FROM forum_threads WHERE category_id = ?0)
			     + (SELECT COUNT(*) FROM actors WHERE actors.local AND handle = ?1)`,
			c.ID, c.Handle).Scan(ctx, &n)
		if err != nil {
			return err
		}
		if n > 0 || c.ActorID != 0 {
			return fmt.Errorf("%w: category %q has threads or a fediverse actor", ErrConflict, c.Handle)
		}
		tx.touchedForum(ctx)
		if _, err := tx.w.NewDelete().Model((*ForumCategoryTranslation)(nil)).Where("category_id = ?", c.ID).Exec(ctx); err != nil {
			return err
		}
		res, err := tx.w.NewDelete().Model((*ForumCategory)(nil)).Where("id = ?", c.ID).Exec(ctx)
		return affected(res, err)
	}))
}

func (s *Store) replaceCategoryTexts(ctx context.Context, c *ForumCategory) error {
	s.touchedForum(ctx)
	if _, err := s.w.NewDelete().Model((*ForumCategoryTranslation)(nil)).Where("category_id = ?", c.ID).Exec(ctx); err != nil {
		return err
	}
	for i := range c.Translations {
		c.Translations[i].CategoryID = c.ID
	}
	_, err := s.w.NewInsert().Model(&c.Translations).Exec(ctx)
	return err
}

// handleFree fails with ErrConflict when h is taken in the namespace of
// local actors: by an organisation, a forum category, a member's forum
// handle (other than userID's) or a local actor of another kind.
func (s *Store) handleFree(ctx context.Context, h string, userID int64) error {
	var n int
	err := s.w.NewRaw(`
		SELECT (SELECT COUNT(*) FROM organisations WHERE handle = ?0)
		     + (SELECT COUNT(*) FROM forum_categories WHERE handle = ?0)
		     + (SELECT COUNT(*) FROM forum_profiles WHERE handle = ?0 AND user_id <> ?1)
		     + (SELECT COUNT(*) FROM actors WHERE actors.local AND handle = ?0 AND (user_id IS NULL OR user_id <> ?1) AND type <> ?2)`,
		h, userID, ActorGroup).Scan(ctx, &n)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: the handle %q is taken", ErrConflict, h)
	}
	return nil
}

// ForumCategories returns every category with its translations, local ones
// first, in their order.
func (s *Store) ForumCategories(ctx context.Context) ([]*ForumCategory, error) {
	var out []*ForumCategory
	err := s.selectCategories(&out).OrderExpr("fc.remote, fc.position, fc.id").Scan(ctx)
	return out, wrap("db: forum categories", err)
}

// selectCategories selects categories with their translations and whether
// a remote one's Group is followed.
func (s *Store) selectCategories(model any) *bun.SelectQuery {
	return s.r.NewSelect().Model(model).ColumnExpr("fc.*").
		ColumnExpr("EXISTS (SELECT 1 FROM follows f JOIN actors fa ON fa.id = f.follower_id WHERE f.followee_id = fc.actor_id AND fa.local) AS followed").
		Relation("Translations")
}

// ForumCategory returns the category with the given id.
func (s *Store) ForumCategory(ctx context.Context, id int64) (*ForumCategory, error) {
	c := new(ForumCategory)
	err := s.selectCategories(c).Where("fc.id = ?", id).Scan(ctx)
	return c, wrap("db: forum category", err)
}

// ForumCategoryByHandle returns the category whose handle is h (name@host
// for a remote one).
func (s *Store) ForumCategoryByHandle(ctx context.Context, h string) (*ForumCategory, error) {
	c := new(ForumCategory)
	err := s.selectCategories(c).Where("fc.handle = ?", strings.ToLower(h)).Scan(ctx)
	return c, wrap("db: forum category by handle", err)
}

// ForumActivity is what the forum's front page says about a category: how
// many visible threads and posts it has and its most recently active
// thread.
type ForumActivity struct {
	CategoryID int64
	Threads    int
	Posts      int
	LastThread int64
	LastTitle  string
	LastLang   Lang
	LastPostID int64
	LastPostAt time.Time
	LastPoster ForumAuthor
}

// ForumActivities returns the activity of every category that has visible
// threads, by category id, in one query whatever the number of categories.
func (s *Store) ForumActivities(ctx context.Context) (map[int64]*ForumActivity, error) {
	var rows []struct {
		CategoryID  int64      `bun:"category_id"`
		ThreadCount int        `bun:"thread_count"`
		PostCount   int        `bun:"post_count"`
		ID          int64      `bun:"id"`
		Title       string     `bun:"title"`
		Lang        Lang       `bun:"lang"`
		LastPostID  int64      `bun:"last_post_id"`
		LastPostAt  time.Time  `bun:"last_post_at"`
		Poster      authorCols `bun:"embed:l_"`
	}
	err := s.r.NewRaw(`
		SELECT x.category_id, x.thread_count, x.post_count, x.id, x.title, x.lang, x.last_post_id, x.last_post_at,
		       `+authorSelect("l_", "x.last_post_user_id", "x.last_post_actor_id", "l")+`
		FROM (
		    SELECT t.category_id, t.id, t.title, t.lang, t.last_post_id, t.last_post_at,
		           t.last_post_user_id, t.last_post_actor_id,
		           COUNT(*) OVER w AS thread_count,
		           SUM(t.post_count) OVER w AS post_count,
		           ROW_NUMBER() OVER (PARTITION BY t.category_id ORDER BY t.last_post_at DESC, t.id DESC) AS rn
		    FROM forum_threads t
		    WHERE NOT t.hidden
		    WINDOW w AS (PARTITION BY t.category_id)
		) x
		`+authorJoins("x.last_post_user_id", "x.last_post_actor_id", "l")+`
		WHERE x.rn = 1`).Scan(ctx, &rows)
	if err != nil {
		return nil, wrap("db: forum activities", err)
	}
	out := make(map[int64]*ForumActivity, len(rows))
	for _, r := range rows {
		out[r.CategoryID] = &ForumActivity{
			CategoryID: r.CategoryID, Threads: r.ThreadCount, Posts: r.PostCount, LastThread: r.ID, LastTitle: r.Title,
			LastLang: r.Lang, LastPostID: r.LastPostID, LastPostAt: r.LastPostAt, LastPoster: r.Poster.author(),
		}
	}
	return out, nil
}

// ForumAuthor is who wrote a post or opened a thread, as pages show them: a
// local member (UserID, with their forum Handle) or a remote actor
// (ActorID, with Handle and Host making @handle@host, and URL their page).
// All fields are zero when the author's account is gone.
type ForumAuthor struct {
	UserID   int64
	ActorID  int64
	Name     string
	Handle   string
	Host     string
	URL      string
	Disabled bool
}

// Remote reports whether the author is a remote actor.
func (a ForumAuthor) Remote() bool { return a.UserID == 0 && a.ActorID != 0 }

// Gone reports whether the author's account no longer exists.
func (a ForumAuthor) Gone() bool { return a.UserID == 0 && a.ActorID == 0 }

// authorCols are the columns authorSelect adds to a query, scanned; a
// struct embeds them with the prefix it gave authorSelect.
type authorCols struct {
	UserID      int64  `bun:"user_id"`
	ActorID     int64  `bun:"actor_id"`
	Name        string `bun:"name"`
	Handle      string `bun:"handle"`
	Disabled    bool   `bun:"disabled"`
	ActorHandle string `bun:"actor_handle"`
	ActorHost   string `bun:"actor_host"`
	ActorName   string `bun:"actor_name"`
	ActorURL    string `bun:"actor_url"`
	ActorURI    string `bun:"actor_uri"`
}

func (c authorCols) author() ForumAuthor {
	switch {
	case c.UserID != 0:
		return ForumAuthor{UserID: c.UserID, Name: c.Name, Handle: c.Handle, Disabled: c.Disabled}
	case c.ActorID != 0:
		a := ForumAuthor{ActorID: c.ActorID, Name: c.ActorName, Handle: c.ActorHandle, Host: c.ActorHost, URL: c.ActorURL}
		if a.URL == "" {
			a.URL = c.ActorURI
		}
		if a.Name == "" {
			a.Name = a.Handle
		}
		return a
	}
	return ForumAuthor{}
}

// authorSelect lists the columns of authorCols, each named with prefix,
// for an author given by the user and actor id expressions. The tables are
// joined by authorJoins under the aliases al+"u" (users), al+"p"
// (forum_profiles) and al+"a" (actors).
func authorSelect(prefix, userCol, actorCol, al string) string {
	u, p, a := al+"u", al+"p", al+"a"
	return userCol + ` AS ` + prefix + `user_id, ` + actorCol + ` AS ` + prefix + `actor_id, ` +
		`COALESCE(` + u + `.name, '') AS ` + prefix + `name, COALESCE(` + p + `.handle, '') AS ` + prefix + `handle, ` +
		`COALESCE(` + u + `.disabled, FALSE) AS ` + prefix + `disabled, ` +
		`COALESCE(` + a + `.handle, '') AS ` + prefix + `actor_handle, COALESCE(` + a + `.host, '') AS ` + prefix + `actor_host, ` +
		`COALESCE(` + a + `.name, '') AS ` + prefix + `actor_name, COALESCE(` + a + `.url, '') AS ` + prefix + `actor_url, ` +
		`COALESCE(` + a + `.uri, '') AS ` + prefix + `actor_uri`
}

// authorJoins joins what authorSelect reads.
func authorJoins(userCol, actorCol, al string) string {
	u, p, a := al+"u", al+"p", al+"a"
	return `
		LEFT JOIN users ` + u + ` ON ` + u + `.id = ` + userCol + `
		LEFT JOIN forum_profiles ` + p + ` ON ` + p + `.user_id = ` + userCol + `
		LEFT JOIN actors ` + a + ` ON ` + a + `.id = ` + actorCol
}

// ForumProfile is a member's public identity in the forum: the handle
// mentions use (@handle) and, when federation gives the member a Person
// actor, its preferredUsername. It is created with the member's first post.
type ForumProfile struct {
	bun.BaseModel `bun:"table:forum_profiles,alias:fpr"`

	UserID    int64     `bun:"user_id,pk"`
	Handle    string    `bun:"handle"`
	CreatedAt time.Time `bun:"created_at"`
}

// ForumProfile returns the forum profile of a user.
func (s *Store) ForumProfile(ctx context.Context, userID int64) (*ForumProfile, error) {
	p := new(ForumProfile)
	err := s.r.NewSelect().Model(p).Where("user_id = ?", userID).Scan(ctx)
	return p, wrap("db: forum profile", err)
}

// ForumProfileByHandle returns the forum profile whose handle is h.
func (s *Store) ForumProfileByHandle(ctx context.Context, h string) (*ForumProfile, error) {
	p := new(ForumProfile)
	err := s.r.NewSelect().Model(p).Where("handle = ?", strings.ToLower(h)).Scan(ctx)
	return p, wrap("db: forum profile by handle", err)
}

// ForumProfilesByHandle returns the profiles of the given handles that
// exist, by handle, in one query.
func (s *Store) ForumProfilesByHandle(ctx context.Context, handles []string) (map[string]*ForumProfile, error) {
	out := map[string]*ForumProfile{}
	if len(handles) == 0 {
		return out, nil
	}
	var ps []*ForumProfile
	if err := s.r.NewSelect().Model(&ps).Where("handle IN (?)", bun.In(handles)).Scan(ctx); err != nil {
		return nil, wrap("db: forum profiles by handle", err)
	}
	for _, p := range ps {
		out[p.Handle] = p
	}
	return out, nil
}

// RemoteActorsByAcct returns the known remote actors among the addresses
// given as "handle@host", by address, in one query.
func (s *Store) RemoteActorsByAcct(ctx context.Context, accts []string) (map[string]*Actor, error) {
	out := map[string]*Actor{}
	if len(accts) == 0 {
		return out, nil
	}
	var as []*Actor
	q := s.r.NewSelect().Model(&as).Where("NOT a.local")
	q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		for _, acct := range accts {
			h, host, _ := strings.Cut(strings.ToLower(acct), "@")
			q.WhereOr("(LOWER(a.handle) = ? AND a.host = ?)", h, host)
		}
		return q
	})
	if err := q.Scan(ctx); err != nil {
		return nil, wrap("db: remote actors by acct", err)
	}
	for _, a := range as {
		out[strings.ToLower(a.Handle)+"@"+a.Host] = a
	}
	return out, nil
}

var handleJunk = regexp.MustCompile(`[^a-z0-9_-]+`)

// ensureProfile gives user a forum profile if they have none, with a
// handle made from their name (transliterated) or e-mail address, made
// unique with a number.
func (s *Store) ensureProfile(ctx context.Context, userID int64) error {
	var n int
	if err := s.w.NewRaw("SELECT COUNT(*) FROM forum_profiles WHERE user_id = ?", userID).Scan(ctx, &n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	var u User
	if err := s.w.NewSelect().Model(&u).Column("name", "email").Where("id = ?", userID).Scan(ctx); err != nil {
		return err
	}
	base := Slugify(u.Name)
	if base == "" {
		local, _, _ := strings.Cut(u.Email, "@")
		base = strings.Trim(handleJunk.ReplaceAllString(strings.ToLower(local), "-"), "-_")
	}
	if len(base) > 40 {
		base = strings.Trim(base[:40], "-_")
	}
	if base == "" || !ValidHandle(base) {
		base = "member"
	}
	for i := 1; i < 1000; i++ {
		h := base
		if i > 1 {
			h = fmt.Sprintf("%s-%d", base, i)
		}
		if ForumHandleReserved(h) {
			continue
		}
		err := s.handleFree(ctx, h, userID)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return err
		}
		_, err = s.w.NewInsert().Model(&ForumProfile{UserID: userID, Handle: h, CreatedAt: s.utcNow()}).Exec(ctx)
		return err
	}
	return fmt.Errorf("%w: no free forum handle for user %d", ErrConflict, userID)
}

// seedCategories are the categories every install starts with.
var seedCategories = []struct {
	handle                       string
	nameBG, nameEN               string
	descriptionBG, descriptionEN string
}{
	{"events-and-training", "Събития и обучения", "Events and training",
		"Обучения, семинари, срещи и други събития за хората и организациите, които работят за интеграцията на имигранти.",
		"Training, seminars, meetings and other events for the people and organisations working on the integration of immigrants."},
	{"services-and-materials", "Услуги и материали", "Services and materials",
		"Услуги за имигранти и полезни материали: наръчници, брошури, формуляри, преводи.",
		"Services for immigrants and useful materials: guides, leaflets, forms, translations."},
	{"good-practice", "Обмен на добри практики", "Sharing good practice",
		"Какво работи на практика: опит на информационните центрове, институциите и неправителствените организации.",
		"What works in practice: experience from information centres, public bodies and NGOs."},
	{"questions", "Въпроси и отговори", "Questions and answers",
		"Питайте за пребиваване, работа, образование, здравеопазване и всичко друго, свързано с живота в България.",
		"Ask about residence, work, education, health care and anything else about life in Bulgaria."},
}

// SeedForum creates the forum categories every install starts with, in
// Bulgarian and English, unless a category with the same handle exists. It
// never overwrites what an admin changed, so running it on every start is
// safe. It returns what it created.
func (s *Store) SeedForum(ctx context.Context) ([]string, error) {
	var created []string
	err := s.InTx(ctx, func(tx *Store) error {
		for i, sc := range seedCategories {
			if _, err := tx.ForumCategoryByHandle(ctx, sc.handle); !errors.Is(err, ErrNotFound) {
				if err != nil {
					return err
				}
				continue
			}
			c := &ForumCategory{Handle: sc.handle, Position: i + 1}
			c.SetTexts(Text{Lang: BG, Title: sc.nameBG, Summary: sc.descriptionBG}, Text{Lang: EN, Title: sc.nameEN, Summary: sc.descriptionEN})
			if err := tx.CreateForumCategory(ctx, c); err != nil {
				return err
			}
			created = append(created, "forum category "+sc.handle)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("db: seed forum: %w", err)
	}
	return created, nil
}
