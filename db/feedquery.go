package db

import (
	"context"

	"github.com/uptrace/bun"
)

// ItemMediaLists returns the files attached to each of the items with the
// given ids, in order, keyed by item id; an item without files has no key.
// It runs one query for the files and one for their translations, however
// many items there are, so that a feed of fifty entries does not cost
// fifty queries.
func (s *Store) ItemMediaLists(ctx context.Context, itemIDs []int64) (map[int64][]*Media, error) {
	out := map[int64][]*Media{}
	if len(itemIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		Media
		ItemID int64 `bun:"item_id"`
	}
	err := s.r.NewSelect().Model(&rows).ModelTableExpr("media AS m").ColumnExpr("m.*, im.item_id").
		Join("JOIN item_media AS im ON im.media_id = m.id").Where("im.item_id IN (?)", bun.In(itemIDs)).
		OrderExpr("im.item_id, im.position").Scan(ctx)
	if err != nil {
		return nil, wrap("db: item media lists", err)
	}
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]int64, 0, len(rows))
	seen := map[int64]bool{}
	for _, r := range rows {
		if !seen[r.ID] {
			seen[r.ID] = true
			ids = append(ids, r.ID)
		}
	}
	var trs []MediaTranslation
	if err := s.r.NewSelect().Model(&trs).Where("media_id IN (?)", bun.In(ids)).OrderExpr("media_id, lang").Scan(ctx); err != nil {
		return nil, wrap("db: item media lists", err)
	}
	byMedia := map[int64][]MediaTranslation{}
	for _, t := range trs {
		byMedia[t.MediaID] = append(byMedia[t.MediaID], t)
	}
	for _, r := range rows {
		m := r.Media
		m.Translations = byMedia[m.ID]
		out[r.ItemID] = append(out[r.ItemID], &m)
	}
	return out, nil
}

// PublishedItemsByID returns the published items among those with the
// given ids, with their translations and organisations, newest first. Ids
// of items that do not exist or are not published are left out.
func (s *Store) PublishedItemsByID(ctx context.Context, ids []int64) ([]*Item, error) {
	var out []*Item
	if len(ids) == 0 {
		return out, nil
	}
	err := s.r.NewSelect().Model(&out).Relation("Translations").Relation("Organisation").Relation("Organisation.Translations").
		Where("i.id IN (?)", bun.In(ids)).Where("i.status = ?", Published).
		OrderExpr("i.published_at DESC, i.id DESC").Scan(ctx)
	return out, wrap("db: published items by id", err)
}
