package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Handbook is one of the hub's long guides: an introduction (its own Texts)
// followed by ordered chapters.
type Handbook struct {
	bun.BaseModel `bun:"table:handbooks,alias:h"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Slug      string    `bun:"slug"`
	Position  int       `bun:"position"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`

	Translations []HandbookTranslation `bun:"rel:has-many,join:id=handbook_id"`
	Chapters     []*Chapter            `bun:"rel:has-many,join:id=handbook_id"`
}

// HandbookTranslation is a handbook's title and introduction in one language.
type HandbookTranslation struct {
	bun.BaseModel `bun:"table:handbook_translations"`
	HandbookID    int64 `bun:"handbook_id,pk"`
	Text
}

// Texts returns the handbook's translations.
func (h *Handbook) Texts() Texts {
	return texts(h.Translations, func(t HandbookTranslation) Text { return t.Text })
}

// SetTexts replaces the handbook's translations with ts.
func (h *Handbook) SetTexts(ts ...Text) {
	h.Translations = h.Translations[:0]
	for _, t := range ts {
		h.Translations = append(h.Translations, HandbookTranslation{Text: t})
	}
}

// Chapter is one chapter of a handbook.
type Chapter struct {
	bun.BaseModel `bun:"table:chapters,alias:c"`

	ID         int64     `bun:"id,pk,autoincrement"`
	HandbookID int64     `bun:"handbook_id"`
	Slug       string    `bun:"slug"`
	Position   int       `bun:"position"`
	CreatedAt  time.Time `bun:"created_at"`
	UpdatedAt  time.Time `bun:"updated_at"`

	Translations []ChapterTranslation `bun:"rel:has-many,join:id=chapter_id"`
}

// ChapterTranslation is a chapter's text in one language.
type ChapterTranslation struct {
	bun.BaseModel `bun:"table:chapter_translations"`
	ChapterID     int64 `bun:"chapter_id,pk"`
	Text
}

// Texts returns the chapter's translations.
func (c *Chapter) Texts() Texts {
	return texts(c.Translations, func(t ChapterTranslation) Text { return t.Text })
}

// SetTexts replaces the chapter's translations with ts.
func (c *Chapter) SetTexts(ts ...Text) {
	c.Translations = c.Translations[:0]
	for _, t := range ts {
		c.Translations = append(c.Translations, ChapterTranslation{Text: t})
	}
}

func validSlug(slug string) error {
	if !ValidHandle(slug) {
		return fmt.Errorf("%w: slug %q must be 1-63 lower-case ASCII letters, digits, '-' or '_'", ErrInvalid, slug)
	}
	return nil
}

// CreateHandbook stores a handbook with its translations and sets h.ID.
func (s *Store) CreateHandbook(ctx context.Context, h *Handbook) error {
	const op = "db: create handbook"
	if err := validSlug(h.Slug); err != nil {
		return wrap(op, err)
	}
	if err := validTexts(h.Texts()); err != nil {
		return wrap(op, err)
	}
	now := s.utcNow()
	h.CreatedAt, h.UpdatedAt = now, now
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.w.NewInsert().Model(h).Returning("id").Exec(ctx); err != nil {
			return err
		}
		tx.touched(ctx)
		for i := range h.Translations {
			h.Translations[i].HandbookID = h.ID
		}
		_, err := tx.w.NewInsert().Model(&h.Translations).Exec(ctx)
		return err
	}))
}

// Handbooks returns every handbook with its translations and chapters (with
// their translations), in order.
func (s *Store) Handbooks(ctx context.Context) ([]*Handbook, error) {
	var out []*Handbook
	err := s.r.NewSelect().Model(&out).Relation("Translations").
		Relation("Chapters", func(q *bun.SelectQuery) *bun.SelectQuery { return q.OrderExpr("c.position, c.id") }).
		Relation("Chapters.Translations").OrderExpr("h.position, h.id").Scan(ctx)
	return out, wrap("db: handbooks", err)
}

// HandbookBySlug returns a handbook with its translations and ordered
// chapters.
func (s *Store) HandbookBySlug(ctx context.Context, slug string) (*Handbook, error) {
	h := new(Handbook)
	err := s.r.NewSelect().Model(h).Relation("Translations").
		Relation("Chapters", func(q *bun.SelectQuery) *bun.SelectQuery { return q.OrderExpr("c.position, c.id") }).
		Relation("Chapters.Translations").Where("h.slug = ?", slug).Scan(ctx)
	return h, wrap("db: handbook by slug", err)
}

// CreateChapter appends a chapter to its handbook (after the last one when
// c.Position is zero) and sets c.ID.
func (s *Store) CreateChapter(ctx context.Context, c *Chapter) error {
	const op = "db: create chapter"
	if err := validSlug(c.Slug); err != nil {
		return wrap(op, err)
	}
	if err := validTexts(c.Texts()); err != nil {
		return wrap(op, err)
	}
	now := s.utcNow()
	c.CreatedAt, c.UpdatedAt = now, now
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		if c.Position == 0 {
			var last int
			if err := tx.w.NewSelect().Model((*Chapter)(nil)).ColumnExpr("COALESCE(MAX(position), 0)").
				Where("handbook_id = ?", c.HandbookID).Scan(ctx, &last); err != nil {
				return err
			}
			c.Position = last + 1
		}
		if _, err := tx.w.NewInsert().Model(c).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return tx.replaceChapterTexts(ctx, c)
	}))
}

// UpdateChapter saves a chapter's slug, position and translations.
func (s *Store) UpdateChapter(ctx context.Context, c *Chapter) error {
	const op = "db: update chapter"
	if err := validSlug(c.Slug); err != nil {
		return wrap(op, err)
	}
	if err := validTexts(c.Texts()); err != nil {
		return wrap(op, err)
	}
	c.UpdatedAt = s.utcNow()
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		res, err := tx.w.NewUpdate().Model(c).Column("slug", "position", "updated_at").WherePK().Exec(ctx)
		if err := affected(res, err); err != nil {
			return err
		}
		return tx.replaceChapterTexts(ctx, c)
	}))
}

func (s *Store) replaceChapterTexts(ctx context.Context, c *Chapter) error {
	s.touched(ctx)
	if _, err := s.w.NewDelete().Model((*ChapterTranslation)(nil)).Where("chapter_id = ?", c.ID).Exec(ctx); err != nil {
		return err
	}
	for i := range c.Translations {
		c.Translations[i].ChapterID = c.ID
	}
	_, err := s.w.NewInsert().Model(&c.Translations).Exec(ctx)
	return err
}
