package db

import (
	"context"
	"strconv"
)

// HubImages are the hub's own logo and banner (media ids, 0 for none),
// which its instance actor carries as icon and image and the site and
// feeds show.
type HubImages struct {
	LogoMediaID   int64
	BannerMediaID int64
}

// The settings that hold the hub's images.
const (
	settingHubLogo   = "hub_logo_media_id"
	settingHubBanner = "hub_banner_media_id"
)

// HubImages returns the hub's logo and banner.
func (s *Store) HubImages(ctx context.Context) (HubImages, error) {
	var rows []federationSetting
	err := s.r.NewSelect().Model(&rows).Where("name IN (?, ?)", settingHubLogo, settingHubBanner).Scan(ctx)
	var hi HubImages
	for _, r := range rows {
		id, _ := strconv.ParseInt(r.Value, 10, 64)
		switch r.Name {
		case settingHubLogo:
			hi.LogoMediaID = id
		case settingHubBanner:
			hi.BannerMediaID = id
		}
	}
	return hi, wrap("db: hub images", err)
}

// SetHubImages replaces the hub's logo and banner.
func (s *Store) SetHubImages(ctx context.Context, hi HubImages) error {
	return wrap("db: set hub images", s.InTx(ctx, func(tx *Store) error {
		for name, id := range map[string]int64{settingHubLogo: hi.LogoMediaID, settingHubBanner: hi.BannerMediaID} {
			row := &federationSetting{Name: name, Value: strconv.FormatInt(id, 10)}
			if _, err := tx.w.NewInsert().Model(row).On("CONFLICT (name) DO UPDATE").Set("value = EXCLUDED.value").Exec(ctx); err != nil {
				return err
			}
		}
		tx.touched(ctx)
		return nil
	}))
}

// isShownImage reports whether a media file is an organisation's or the
// hub's logo or banner.
func (s *Store) isShownImage(ctx context.Context, mediaID int64) (bool, error) {
	orgs, err := s.r.NewSelect().Model((*Organisation)(nil)).
		Where("logo_media_id = ? OR banner_media_id = ?", mediaID, mediaID).Exists(ctx)
	if err != nil || orgs {
		return orgs, err
	}
	return s.r.NewSelect().Model((*federationSetting)(nil)).Where("name IN (?, ?)", settingHubLogo, settingHubBanner).
		Where("value = ?", strconv.FormatInt(mediaID, 10)).Exists(ctx)
}
