package db

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// Media is an uploaded or fetched file, stored once by the SHA-256 of its
// content: an image (with its size and alt text per language) or a document.
// The bytes live on disk under the data directory; the row describes them.
type Media struct {
	bun.BaseModel `bun:"table:media,alias:m"`

	ID           int64     `bun:"id,pk,autoincrement"`
	SHA256       string    `bun:"sha256"` // hex
	ContentType  string    `bun:"content_type"`
	Size         int64     `bun:"size"`
	Width        int       `bun:"width"`
	Height       int       `bun:"height"`
	OriginalName string    `bun:"original_name"`
	UploaderID   int64     `bun:"uploader_id,nullzero"`
	RemoteURL    string    `bun:"remote_url"`
	CreatedAt    time.Time `bun:"created_at"`

	Translations []MediaTranslation `bun:"rel:has-many,join:id=media_id"`
}

// MediaTranslation is a file's alt text and caption in one language.
type MediaTranslation struct {
	bun.BaseModel `bun:"table:media_translations"`
	MediaID       int64  `bun:"media_id,pk"`
	Lang          Lang   `bun:"lang,pk"`
	Alt           string `bun:"alt"`
	Caption       string `bun:"caption"`
}

// ItemMedia attaches a file to an item at a position.
type ItemMedia struct {
	bun.BaseModel `bun:"table:item_media"`
	ItemID        int64 `bun:"item_id,pk"`
	MediaID       int64 `bun:"media_id,pk"`
	Position      int   `bun:"position"`
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// SaveMedia stores m, or finds the row that already holds the same content,
// and sets m.ID either way; translations given replace the stored ones.
func (s *Store) SaveMedia(ctx context.Context, m *Media) error {
	const op = "db: save media"
	if !sha256Hex.MatchString(m.SHA256) {
		return wrap(op, fmt.Errorf("%w: sha256 must be 64 lower-case hex digits", ErrInvalid))
	}
	if m.ContentType == "" || m.Size < 0 {
		return wrap(op, fmt.Errorf("%w: content type and size are required", ErrInvalid))
	}
	m.CreatedAt = s.utcNow()
	return wrap(op, s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.w.NewInsert().Model(m).On("CONFLICT (sha256) DO UPDATE").Set("content_type = EXCLUDED.content_type").
			Returning("id, created_at").Exec(ctx); err != nil {
			return err
		}
		tx.touched(ctx)
		if len(m.Translations) == 0 {
			return nil
		}
		if _, err := tx.w.NewDelete().Model((*MediaTranslation)(nil)).Where("media_id = ?", m.ID).Exec(ctx); err != nil {
			return err
		}
		for i := range m.Translations {
			m.Translations[i].MediaID = m.ID
		}
		_, err := tx.w.NewInsert().Model(&m.Translations).Exec(ctx)
		return err
	}))
}

// Media returns the file with the given id.
func (s *Store) Media(ctx context.Context, id int64) (*Media, error) {
	m := new(Media)
	err := s.r.NewSelect().Model(m).Relation("Translations").Where("m.id = ?", id).Scan(ctx)
	return m, wrap("db: media", err)
}

// MediaAudience says who may fetch a media file.
type MediaAudience struct {
	// Public is true when the file is attached to at least one published
	// item: anyone may fetch it, and caches may keep it.
	Public bool
	// Organisations are those of the items the file is attached to. While
	// the file is not public, only their editors and the hub's admins may
	// fetch it; a file attached to nothing is the admins' alone.
	Organisations []int64
}

// MediaAudience returns who may fetch the media file with the given id:
// everyone once an item it belongs to is published, and until then (draft
// or hidden items only) the organisations of those items.
func (s *Store) MediaAudience(ctx context.Context, mediaID int64) (MediaAudience, error) {
	var rows []struct {
		Status         Status `bun:"status"`
		OrganisationID int64  `bun:"organisation_id"`
	}
	err := s.r.NewRaw(`
		SELECT i.status, COALESCE(i.organisation_id, 0) AS organisation_id
		FROM item_media im
		JOIN items i ON i.id = im.item_id
		WHERE im.media_id = ?`, mediaID).Scan(ctx, &rows)
	var a MediaAudience
	for _, r := range rows {
		a.Public = a.Public || r.Status == Published
		if r.OrganisationID != 0 && !slices.Contains(a.Organisations, r.OrganisationID) {
			a.Organisations = append(a.Organisations, r.OrganisationID)
		}
	}
	if err == nil && !a.Public {
		// Logos and banners (an organisation's or the hub's) are public.
		a.Public, err = s.isShownImage(ctx, mediaID)
	}
	return a, wrap("db: media audience", err)
}

// SetItemMedia replaces the files attached to an item, in the given order.
func (s *Store) SetItemMedia(ctx context.Context, itemID int64, mediaIDs []int64) error {
	return wrap("db: set item media", s.InTx(ctx, func(tx *Store) error {
		tx.touched(ctx)
		if _, err := tx.w.NewDelete().Model((*ItemMedia)(nil)).Where("item_id = ?", itemID).Exec(ctx); err != nil {
			return err
		}
		if len(mediaIDs) == 0 {
			return nil
		}
		rows := make([]ItemMedia, len(mediaIDs))
		for i, id := range mediaIDs {
			rows[i] = ItemMedia{ItemID: itemID, MediaID: id, Position: i + 1}
		}
		_, err := tx.w.NewInsert().Model(&rows).Exec(ctx)
		return err
	}))
}

// ItemMediaList returns the files attached to an item, in order.
func (s *Store) ItemMediaList(ctx context.Context, itemID int64) ([]*Media, error) {
	var out []*Media
	err := s.r.NewSelect().Model(&out).Relation("Translations").
		Join("JOIN item_media AS im ON im.media_id = m.id").Where("im.item_id = ?", itemID).
		OrderExpr("im.position").Scan(ctx)
	return out, wrap("db: item media", err)
}

// MediaFile is where the bytes of a media file with the given SHA-256 live
// under the data directory: DATA/media/ab/abcdef… (the original) and, for
// images, the same path with "-thumb.jpg" (400 px wide) and "-medium.jpg"
// (1200 px wide) appended for the resized variants. The portal serves them
// at /media/{id}, /media/{id}/thumb and /media/{id}/medium.
func MediaFile(dataDir, sha256 string) string {
	if len(sha256) < 2 {
		return filepath.Join(dataDir, "media", "invalid")
	}
	return filepath.Join(dataDir, "media", sha256[:2], sha256)
}
