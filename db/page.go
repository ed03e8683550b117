package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Page is a static page of the site ("About the project", "EU funding"…),
// found by its slug.
type Page struct {
	bun.BaseModel `bun:"table:pages,alias:p"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Slug      string    `bun:"slug"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`

	Translations []PageTranslation `bun:"rel:has-many,join:id=page_id"`
}

// PageTranslation is a page's text in one language.
type PageTranslation struct {
	bun.BaseModel `bun:"table:page_translations"`
	PageID        int64 `bun:"page_id,pk"`
	Text
}

// Texts returns the page's translations.
func (p *Page) Texts() Texts {
	return texts(p.Translations, func(t PageTranslation) Text { return t.Text })
}

// SetTexts replaces the page's translations with ts.
func (p *Page) SetTexts(ts ...Text) {
	p.Translations = p.Translations[:0]
	for _, t := range ts {
		p.Translations = append(p.Translations, PageTranslation{Text: t})
	}
}

// SavePage creates the page with p.Slug, or replaces the translations of the
// one that exists, and sets p.ID.
func (s *Store) SavePage(ctx context.Context, p *Page) error {
	const op = "db: save page"
	if err := validSlug(p.Slug); err != nil {
		return wrap(op, err)
	}
	if err := validTexts(p.Texts()); err != nil {
		return wrap(op, err)
	}
	now := s.utcNow()
	p.CreatedAt, p.UpdatedAt = now, now
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.w.NewInsert().Model(p).On("CONFLICT (slug) DO UPDATE").Set("updated_at = EXCLUDED.updated_at").
			Returning("id, created_at").Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.w.NewDelete().Model((*PageTranslation)(nil)).Where("page_id = ?", p.ID).Exec(ctx); err != nil {
			return err
		}
		tx.touched(ctx)
		for i := range p.Translations {
			p.Translations[i].PageID = p.ID
		}
		_, err := tx.w.NewInsert().Model(&p.Translations).Exec(ctx)
		return err
	}))
}

// Page returns the page with the given slug.
func (s *Store) Page(ctx context.Context, slug string) (*Page, error) {
	p := new(Page)
	err := s.r.NewSelect().Model(p).Relation("Translations").Where("p.slug = ?", slug).Scan(ctx)
	return p, wrap("db: page", err)
}

// Pages returns every static page, by slug.
func (s *Store) Pages(ctx context.Context) ([]*Page, error) {
	var out []*Page
	err := s.r.NewSelect().Model(&out).Relation("Translations").OrderExpr("p.slug").Scan(ctx)
	return out, wrap("db: pages", err)
}
