package portal

import (
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"strconv"

	"github.com/bgimigranti/hub/db"
)

// serveMedia serves a stored file: the original at /media/{id}, or with
// variant "variant" the resized copies of an image at /media/{id}/thumb and
// /media/{id}/medium. Files never change (they are named by their SHA-256),
// so they are cached for a year and the hash is the ETag.
func (h *Handler) serveMedia(variant string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			return db.ErrNotFound
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
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
		hd.Set("X-Content-Type-Options", "nosniff")
		if !isImage(m.ContentType) {
			name := cleanFileName(m.OriginalName, m.ContentType)
			hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		}
		http.ServeContent(w, r, "", m.CreatedAt, f)
		return nil
	}
}
