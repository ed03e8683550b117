package portal

import (
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"slices"
	"strconv"

	"github.com/bgimigranti/hub/db"
)

// serveMedia serves a stored file: the original at /media/{id}, or with
// variant "variant" the resized copies of an image at /media/{id}/thumb and
// /media/{id}/medium. A file of a published item is everyone's: files never
// change (they are named by their SHA-256), so it is cached for a year and
// the hash is the ETag. A file attached only to drafts and hidden items is
// not found for anyone but its organisations' editors and the admins, and
// no cache keeps it, nor its 404.
func (h *Handler) serveMedia(variant string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			return db.ErrNotFound
		}
		aud, err := h.store.MediaAudience(r.Context(), id)
		if err != nil {
			return err
		}
		cacheControl := "public, max-age=31536000, immutable"
		if !aud.Public {
			cacheControl = "private, no-store"
			w.Header().Set("Cache-Control", cacheControl)
			if !mayFetch(h.mediaUser(r), aud) {
				return db.ErrNotFound
			}
		}
		m, err := h.store.Media(r.Context(), id)
		if err != nil {
			return err
		}
		path := db.MediaFile(h.acc.dataDir, m.SHA256)
		ct, etag := m.ContentType, m.SHA256
		if variant != "" {
			v := r.PathValue("variant")
			if !isImage(m.ContentType) || (v != "thumb" && v != "medium") {
				return db.ErrNotFound
			}
			path += "-" + v + ".jpg"
			ct, etag = "image/jpeg", m.SHA256+"-"+v
		}
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			// A row without its file: a remote file never fetched, or a
			// data directory restored without its media.
			return db.ErrNotFound
		}
		if err != nil {
			return err
		}
		defer f.Close()
		hd := w.Header()
		hd.Set("Content-Type", ct)
		hd.Set("ETag", `"`+etag+`"`)
		hd.Set("Cache-Control", cacheControl)
		hd.Set("X-Content-Type-Options", "nosniff")
		if !isImage(m.ContentType) {
			name := cleanFileName(m.OriginalName, m.ContentType)
			hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		}
		http.ServeContent(w, r, "", m.CreatedAt, f)
		return nil
	}
}

// mayFetch reports whether u may fetch a file that is not public: admins
// may, and editors of an organisation whose item it is attached to.
func mayFetch(u *db.User, aud db.MediaAudience) bool {
	switch {
	case u == nil:
		return false
	case u.Role == db.RoleAdmin:
		return true
	}
	return u.Role == db.RoleEditor && u.OrganisationID != 0 && slices.Contains(aud.Organisations, u.OrganisationID)
}

// mediaUser returns the signed-in user of a media request. Media requests
// skip the session (public files are the same for everyone), so the
// session is read here, only for files that are not public, and never
// saved or started.
func (h *Handler) mediaUser(r *http.Request) *db.User {
	if u := currentUser(r); u != nil {
		return u
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	ctx, err := h.acc.sessions.Load(r.Context(), c.Value)
	if err != nil {
		h.log.Warn("media: load session", "err", err)
		return nil
	}
	st := &reqState{session: true}
	if err := h.loadUser(r.WithContext(ctx), st); err != nil {
		h.log.Warn("media: load user", "err", err)
		return nil
	}
	return st.user
}
