package db

import (
	"context"

	"github.com/uptrace/bun"
)

// RemoteImage is an image a partner's item names: its URL, alt text per
// language, and the hub's copy (MediaID, 0 until fetched).
type RemoteImage struct {
	bun.BaseModel `bun:"table:remote_images,alias:ri"`

	ItemID   int64           `bun:"item_id,pk"`
	Position int             `bun:"position,pk"`
	URL      string          `bun:"url"`
	Alts     map[Lang]string `bun:"alts,type:text"`
	MediaID  int64           `bun:"media_id,nullzero"`
}

// SetRemoteImages replaces the images a remote item names. An image whose
// URL was named before keeps its copy; the others wait for the worker
// (PendingRemoteImages). The item's attached files follow.
func (s *Store) SetRemoteImages(ctx context.Context, itemID int64, imgs []RemoteImage) error {
	return wrap("db: set remote images", s.InTx(ctx, func(tx *Store) error {
		var old []RemoteImage
		if err := tx.w.NewSelect().Model(&old).Where("item_id = ?", itemID).Scan(ctx); err != nil {
			return err
		}
		have := map[string]int64{}
		for _, o := range old {
			if o.MediaID != 0 {
				have[o.URL] = o.MediaID
			}
		}
		if _, err := tx.w.NewDelete().Model((*RemoteImage)(nil)).Where("item_id = ?", itemID).Exec(ctx); err != nil {
			return err
		}
		if len(imgs) > 0 {
			rows := make([]RemoteImage, len(imgs))
			for i, im := range imgs {
				rows[i] = RemoteImage{ItemID: itemID, Position: i + 1, URL: im.URL, Alts: im.Alts, MediaID: have[im.URL]}
				if rows[i].Alts == nil {
					rows[i].Alts = map[Lang]string{}
				}
			}
			if _, err := tx.w.NewInsert().Model(&rows).Exec(ctx); err != nil {
				return err
			}
		}
		return tx.attachRemoteImages(ctx, itemID)
	}))
}

// attachRemoteImages makes an item's attached files its fetched remote
// images, in order.
func (s *Store) attachRemoteImages(ctx context.Context, itemID int64) error {
	var ids []int64
	if err := s.w.NewSelect().Model((*RemoteImage)(nil)).Column("media_id").Where("item_id = ?", itemID).
		Where("media_id IS NOT NULL").OrderExpr("position").Scan(ctx, &ids); err != nil {
		return err
	}
	seen := map[int64]bool{}
	var uniq []int64
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	return s.SetItemMedia(ctx, itemID, uniq)
}

// PendingRemoteImages returns up to limit remote images not fetched yet,
// skipping the URLs in skip (those that failed lately).
func (s *Store) PendingRemoteImages(ctx context.Context, limit int, skip []string) ([]RemoteImage, error) {
	var out []RemoteImage
	q := s.r.NewSelect().Model(&out).Where("ri.media_id IS NULL").OrderExpr("ri.item_id, ri.position").Limit(int64(limit))
	if len(skip) > 0 {
		q.Where("ri.url NOT IN (?)", bun.In(skip))
	}
	err := q.Scan(ctx)
	return out, wrap("db: pending remote images", err)
}

// SetRemoteImageMedia records the copy of a remote image (every item that
// names the URL gets it) with its alt texts, and attaches it to the items.
func (s *Store) SetRemoteImageMedia(ctx context.Context, url string, mediaID int64) error {
	return wrap("db: set remote image media", s.InTx(ctx, func(tx *Store) error {
		var rows []RemoteImage
		if err := tx.w.NewSelect().Model(&rows).Where("url = ?", url).Where("media_id IS NULL").Scan(ctx); err != nil {
			return err
		}
		if _, err := tx.w.NewUpdate().Model((*RemoteImage)(nil)).Set("media_id = ?", mediaID).
			Where("url = ?", url).Where("media_id IS NULL").Exec(ctx); err != nil {
			return err
		}
		var texts []MediaTranslation
		done := map[int64]bool{}
		for _, r := range rows {
			if len(texts) == 0 {
				for l, alt := range r.Alts {
					if l != "" && len(l) <= 35 && alt != "" {
						texts = append(texts, MediaTranslation{MediaID: mediaID, Lang: l, Alt: alt})
					}
				}
			}
			if !done[r.ItemID] {
				done[r.ItemID] = true
				if err := tx.attachRemoteImages(ctx, r.ItemID); err != nil {
					return err
				}
			}
		}
		if len(texts) > 0 {
			if _, err := tx.w.NewInsert().Model(&texts).On("CONFLICT (media_id, lang) DO UPDATE").Set("alt = EXCLUDED.alt").Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}))
}

// UnusedRemoteMedia returns up to limit files fetched from partners that
// nothing uses any more: no item attaches them, no remote image names them
// and no organisation shows them.
func (s *Store) UnusedRemoteMedia(ctx context.Context, limit int) ([]*Media, error) {
	var out []*Media
	err := s.r.NewSelect().Model(&out).Where("m.remote_url <> ''").Where(unusedMedia).
		OrderExpr("m.id").Limit(int64(limit)).Scan(ctx)
	return out, wrap("db: unused remote media", err)
}

const unusedMedia = `NOT EXISTS (SELECT 1 FROM item_media im WHERE im.media_id = m.id)
	AND NOT EXISTS (SELECT 1 FROM remote_images ri WHERE ri.media_id = m.id)
	AND NOT EXISTS (SELECT 1 FROM organisations o WHERE o.logo_media_id = m.id OR o.banner_media_id = m.id)
	AND NOT EXISTS (SELECT 1 FROM federation_settings fs WHERE fs.name IN ('hub_logo_media_id', 'hub_banner_media_id') AND fs.value = CAST(m.id AS TEXT))`

// DeleteUnusedMedia deletes the media row id if nothing uses it, and
// reports whether it did; the caller then removes its files.
func (s *Store) DeleteUnusedMedia(ctx context.Context, id int64) (bool, error) {
	res, err := s.w.NewDelete().TableExpr("media AS m").Where("m.id = ?", id).Where(unusedMedia).Exec(ctx)
	if err != nil {
		return false, wrap("db: delete unused media", err)
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		s.touched(ctx)
	}
	return n > 0, nil
}
