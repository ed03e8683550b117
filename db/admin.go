package db

import (
	"context"

	"github.com/uptrace/bun"
)

// ManagedItemQuery selects items for the editing pages: every status, most
// recently changed first. Zero fields do not filter.
type ManagedItemQuery struct {
	OrganisationID int64 // only this organisation's items
	HubOnly        bool  // only the hub's own items (no organisation)
	Remote         bool  // items received from partners instead of local ones
	Limit, Offset  int
}

func managedFilter(sel *bun.SelectQuery, q ManagedItemQuery) {
	sel.Where("i.remote = ?", q.Remote)
	switch {
	case q.HubOnly:
		sel.Where("i.organisation_id IS NULL")
	case q.OrganisationID != 0:
		sel.Where("i.organisation_id = ?", q.OrganisationID)
	}
}

// ManagedItems returns the items that match q, whatever their status, with
// their translations and organisations, most recently changed first.
func (s *Store) ManagedItems(ctx context.Context, q ManagedItemQuery) ([]*Item, error) {
	var out []*Item
	sel := s.r.NewSelect().Model(&out).Relation("Translations").Relation("Organisation").Relation("Organisation.Translations")
	managedFilter(sel, q)
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	err := sel.OrderExpr("i.updated_at DESC, i.id DESC").Limit(int64(limit)).Offset(int64(max(q.Offset, 0))).Scan(ctx)
	return out, wrap("db: managed items", err)
}

// CountManagedItems returns how many items match q, for pagination.
func (s *Store) CountManagedItems(ctx context.Context, q ManagedItemQuery) (int, error) {
	sel := s.r.NewSelect().Model((*Item)(nil))
	managedFilter(sel, q)
	n, err := sel.Count(ctx)
	return int(n), wrap("db: count managed items", err)
}

// Chapter returns the chapter with the given id, with its translations.
func (s *Store) Chapter(ctx context.Context, id int64) (*Chapter, error) {
	c := new(Chapter)
	err := s.r.NewSelect().Model(c).Relation("Translations").Where("c.id = ?", id).Scan(ctx)
	return c, wrap("db: chapter", err)
}

// MoveChapter moves a chapter one place earlier (by < 0) or later (by > 0)
// in its handbook, swapping it with its neighbour. The handbook's chapters
// are renumbered 1…n on the way, so positions stay distinct. Moving the
// first chapter up or the last one down changes nothing.
func (s *Store) MoveChapter(ctx context.Context, id int64, by int) error {
	const op = "db: move chapter"
	if by == 0 {
		return nil
	}
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		var handbookID int64
		if err := tx.w.NewSelect().Model((*Chapter)(nil)).Column("handbook_id").Where("id = ?", id).Scan(ctx, &handbookID); err != nil {
			return err
		}
		var ids []int64
		if err := tx.w.NewSelect().Model((*Chapter)(nil)).Column("id").Where("handbook_id = ?", handbookID).
			OrderExpr("position, id").Scan(ctx, &ids); err != nil {
			return err
		}
		at := -1
		for i, cid := range ids {
			if cid == id {
				at = i
			}
		}
		to := at + 1
		if by < 0 {
			to = at - 1
		}
		if at < 0 || to < 0 || to >= len(ids) {
			return nil
		}
		ids[at], ids[to] = ids[to], ids[at]
		now := s.utcNow()
		for i, cid := range ids {
			if _, err := tx.w.NewUpdate().Model((*Chapter)(nil)).Set("position = ?", i+1).Set("updated_at = ?", now).
				Where("id = ?", cid).Exec(ctx); err != nil {
				return err
			}
		}
		tx.touched(ctx)
		return nil
	}))
}

// UpdateHandbook saves a handbook's position and replaces its translations
// (title and introduction). Its slug never changes: it is part of URLs and
// ActivityPub ids.
func (s *Store) UpdateHandbook(ctx context.Context, h *Handbook) error {
	const op = "db: update handbook"
	if err := validTexts(h.Texts()); err != nil {
		return wrap(op, err)
	}
	h.UpdatedAt = s.utcNow()
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		res, err := tx.w.NewUpdate().Model(h).Column("position", "updated_at").WherePK().Exec(ctx)
		if err := affected(res, err); err != nil {
			return err
		}
		tx.touched(ctx)
		if _, err := tx.w.NewDelete().Model((*HandbookTranslation)(nil)).Where("handbook_id = ?", h.ID).Exec(ctx); err != nil {
			return err
		}
		for i := range h.Translations {
			h.Translations[i].HandbookID = h.ID
		}
		_, err = tx.w.NewInsert().Model(&h.Translations).Exec(ctx)
		return err
	}))
}

// HandbookByID returns a handbook with its translations and ordered
// chapters.
func (s *Store) HandbookByID(ctx context.Context, id int64) (*Handbook, error) {
	h := new(Handbook)
	err := s.r.NewSelect().Model(h).Relation("Translations").
		Relation("Chapters", func(q *bun.SelectQuery) *bun.SelectQuery { return q.OrderExpr("c.position, c.id") }).
		Relation("Chapters.Translations").Where("h.id = ?", id).Scan(ctx)
	return h, wrap("db: handbook", err)
}

// SetMediaTexts replaces the alt texts and captions of a file with ts (none
// at all clears them).
func (s *Store) SetMediaTexts(ctx context.Context, mediaID int64, ts []MediaTranslation) error {
	return wrap("db: set media texts", s.InTx(ctx, func(tx *Store) error {
		exists, err := tx.w.NewSelect().Model((*Media)(nil)).Where("id = ?", mediaID).Exists(ctx)
		if err != nil {
			return err
		}
		if !exists {
			return ErrNotFound
		}
		tx.touched(ctx)
		if _, err := tx.w.NewDelete().Model((*MediaTranslation)(nil)).Where("media_id = ?", mediaID).Exec(ctx); err != nil {
			return err
		}
		if len(ts) == 0 {
			return nil
		}
		rows := make([]MediaTranslation, len(ts))
		for i, t := range ts {
			t.MediaID = mediaID
			rows[i] = t
		}
		_, err = tx.w.NewInsert().Model(&rows).Exec(ctx)
		return err
	}))
}
