package federation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/bgimigranti/hub/db"
)

// Limits on fetching partners' images.
const (
	// maxImageFetch is the largest image fetched, as the portal's upload
	// limit.
	maxImageFetch = 10 << 20
	// imageRetry is how long a URL whose fetch failed is left alone.
	imageRetry = time.Hour
)

// fetchImage GETs an image through the hub's client (so the private-address
// rules apply), refusing other content types and bodies over
// maxImageFetch. Redirects are not followed: a partner links its files.
func (h *Handler) fetchImage(ctx context.Context, uri string) ([]byte, error) {
	if hostOf(uri) == "" {
		return nil, fmt.Errorf("federation: image %.200q is not an http(s) URL", uri)
	}
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, fmt.Errorf("federation: fetch image %.200q: %w", uri, err)
	}
	req.Header.Set("Accept", "image/*")
	req.Header.Set("User-Agent", h.userAgent)
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("federation: fetch image %s: %w", uri, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, &fetchError{url: uri, status: resp.StatusCode}
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if !strings.HasPrefix(mt, "image/") && mt != "application/octet-stream" {
			return nil, fmt.Errorf("federation: fetch image %s: content type %q is not an image", uri, mt)
		}
	}
	if resp.ContentLength > maxImageFetch {
		return nil, fmt.Errorf("federation: fetch image %s: %d bytes, more than %d", uri, resp.ContentLength, maxImageFetch)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxImageFetch+1))
	if err != nil {
		return nil, fmt.Errorf("federation: fetch image %s: %w", uri, err)
	}
	if len(body) > maxImageFetch {
		return nil, fmt.Errorf("federation: fetch image %s: larger than %d bytes", uri, maxImageFetch)
	}
	return body, nil
}

// FetchRemoteImages brings up to limit partners' organisations' logos and
// banners up to date: each image their actors name now is fetched into the
// hub's storage once (not once per visitor), an image no longer named is
// let go. A URL that fails is tried again after imageRetry. It returns how
// many organisations it updated. The worker calls it each round.
func (h *Handler) FetchRemoteImages(ctx context.Context, limit int) (int, error) {
	if h.cfg.Images == nil {
		return 0, nil
	}
	orgs, err := h.store.OrganisationsWithStaleImages(ctx, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, o := range orgs {
		changed := false
		for _, img := range []struct {
			url, fetched *string
			id           *int64
		}{{&o.LogoURL, &o.LogoFetched, &o.LogoMediaID}, {&o.BannerURL, &o.BannerFetched, &o.BannerMediaID}} {
			if *img.url == *img.fetched {
				continue
			}
			if *img.url == "" {
				*img.id, *img.fetched, changed = 0, "", true
				continue
			}
			id, err := h.remoteImage(ctx, *img.url)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			*img.id, *img.fetched, changed = id, *img.url, true
		}
		if !changed {
			continue
		}
		if err := h.store.SetFetchedOrganisationImages(ctx, o); err != nil && !errors.Is(err, db.ErrNotFound) {
			return n, err
		}
		n++
	}
	if len(errs) > 0 {
		h.log.Warn("fetch partners' images", "failed", len(errs), "err", errors.Join(errs...))
	}
	return n, nil
}

// FetchItemImages fetches up to limit images of partners' items into the
// hub's storage, each URL once whatever the number of items naming it,
// skipping the URLs that failed within imageRetry. It returns how many it
// fetched. The worker calls it each round.
func (h *Handler) FetchItemImages(ctx context.Context, limit int) (int, error) {
	if h.cfg.Images == nil {
		return 0, nil
	}
	h.keyMu.Lock()
	var skip []string
	for u, at := range h.imageFails {
		if h.now().Sub(at) < imageRetry && len(skip) < 500 {
			skip = append(skip, u)
		}
	}
	h.keyMu.Unlock()
	pending, err := h.store.PendingRemoteImages(ctx, limit, skip)
	if err != nil {
		return 0, err
	}
	n := 0
	done := map[string]bool{}
	for _, p := range pending {
		if done[p.URL] {
			continue
		}
		done[p.URL] = true
		id, err := h.remoteImage(ctx, p.URL)
		if err != nil {
			h.log.Warn("fetch a partner's image", "url", p.URL, "err", err)
			continue
		}
		if err := h.store.SetRemoteImageMedia(ctx, p.URL, id); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// PruneRemoteImages deletes up to limit copies of partners' images that
// nothing uses any more (the item was deleted or edited, the logo
// replaced): the row, then the files. It returns how many it deleted.
func (h *Handler) PruneRemoteImages(ctx context.Context, limit int) (int, error) {
	if h.cfg.Images == nil {
		return 0, nil
	}
	unused, err := h.store.UnusedRemoteMedia(ctx, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range unused {
		ok, err := h.store.DeleteUnusedMedia(ctx, m.ID)
		if err != nil {
			return n, err
		}
		if !ok {
			continue // used again meanwhile
		}
		if err := h.cfg.Images.DeleteImage(ctx, m); err != nil {
			h.log.Warn("delete the files of a partner's image", "media", m.ID, "err", err)
		}
		n++
	}
	return n, nil
}

// remoteImage fetches and stores one image, unless it failed within
// imageRetry.
func (h *Handler) remoteImage(ctx context.Context, uri string) (int64, error) {
	h.keyMu.Lock()
	last, failed := h.imageFails[uri]
	h.keyMu.Unlock()
	if failed && h.now().Sub(last) < imageRetry {
		return 0, fmt.Errorf("federation: image %s failed at %s", uri, last.Format(time.RFC3339))
	}
	if host := hostOf(uri); h.policy.blocked(ctx, host) {
		return 0, errBlocked
	}
	data, err := h.fetchImage(ctx, uri)
	var m *db.Media
	if err == nil {
		m, err = h.cfg.Images.SaveImage(ctx, uri, data)
	}
	if err != nil {
		h.keyMu.Lock()
		if h.imageFails == nil || len(h.imageFails) > 10000 {
			h.imageFails = map[string]time.Time{}
		}
		h.imageFails[uri] = h.now()
		h.keyMu.Unlock()
		return 0, err
	}
	return m.ID, nil
}
