package db

import (
	"context"
	"strconv"
	"time"
)

// SitemapEntry is a public page backed by content, for the sitemap: its
// path after the language prefix (the page exists in every interface
// language) and when its content last changed.
type SitemapEntry struct {
	Path    string
	Updated time.Time
}

// Sitemap returns the public pages backed by content, in a stable order: the
// handbooks with their chapters, the static pages, the local organisations
// and the published local items. Copies of other servers' items and
// organisations are left out; their own servers list them.
func (s *Store) Sitemap(ctx context.Context) ([]SitemapEntry, error) {
	const op = "db: sitemap"
	var out []SitemapEntry
	hs, err := s.Handbooks(ctx)
	if err != nil {
		return nil, wrap(op, err)
	}
	for _, h := range hs {
		updated := h.UpdatedAt
		for _, c := range h.Chapters {
			out = append(out, SitemapEntry{Path: "/handbooks/" + h.Slug + "/" + c.Slug, Updated: c.UpdatedAt})
			if c.UpdatedAt.After(updated) {
				updated = c.UpdatedAt
			}
		}
		out = append(out, SitemapEntry{Path: "/handbooks/" + h.Slug, Updated: updated})
	}
	var pages []Page
	if err := s.r.NewSelect().Model(&pages).Column("slug", "updated_at").OrderExpr("slug").Scan(ctx); err != nil {
		return nil, wrap(op, err)
	}
	for _, p := range pages {
		out = append(out, SitemapEntry{Path: "/pages/" + p.Slug, Updated: p.UpdatedAt})
	}
	var orgs []Organisation
	if err := s.r.NewSelect().Model(&orgs).Column("handle", "updated_at").Where("remote = ?", false).
		OrderExpr("handle").Scan(ctx); err != nil {
		return nil, wrap(op, err)
	}
	for _, o := range orgs {
		out = append(out, SitemapEntry{Path: "/organisations/" + o.Handle, Updated: o.UpdatedAt})
	}
	var items []Item
	if err := s.r.NewSelect().Model(&items).Column("id", "kind", "updated_at").
		Where("status = ? AND remote = ?", Published, false).OrderExpr("id").Scan(ctx); err != nil {
		return nil, wrap(op, err)
	}
	for _, it := range items {
		out = append(out, SitemapEntry{Path: "/" + it.Kind.Section() + "/" + strconv.FormatInt(it.ID, 10), Updated: it.UpdatedAt})
	}
	return out, nil
}
