package portal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strconv"

	"golang.org/x/sync/semaphore"

	"github.com/bgimigranti/hub/db"
)

// The logo and banner of an organisation, and the hub's own: uploaded on
// one form, reached from the admin's organisation page and by the
// organisation's editors from their manage page.

// imageRoutes adds the images forms under the language prefix p.
func (h *Handler) imageRoutes(m *http.ServeMux, lang db.Lang, p string) {
	m.Handle("GET "+p+"/manage/organisations/{id}/images", h.page(lang, h.editor(h.orgImages)))
	m.Handle("POST "+p+"/manage/organisations/{id}/images", h.page(lang, h.editor(h.orgImages)))
	m.Handle("GET "+p+"/admin/hub/images", h.page(lang, h.admin(h.hubImages)))
	m.Handle("POST "+p+"/admin/hub/images", h.page(lang, h.admin(h.hubImages)))
}

// imagesData is what images.html shows.
type imagesData struct {
	Form         *form
	Flash        string
	Action       string
	Back         string
	Logo, Banner string // paths of the current images
	MaxMB        int
	OrgName      string // "" for the hub's own images
	Public       string // the organisation's page
	Hub          bool
}

// orgImages shows and saves an organisation's logo and banner: for admins
// and the organisation's own editors.
func (h *Handler) orgImages(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return db.ErrNotFound
	}
	if u := currentUser(r); u.Role != db.RoleAdmin && u.OrganisationID != id {
		return h.forbidden(w, r, lang)
	}
	o, err := h.store.Organisation(r.Context(), id)
	if err != nil {
		return err
	}
	if o.Remote {
		return db.ErrNotFound // a partner's images come from the partner
	}
	name := pick(o.Texts(), lang).Title
	d := &imagesData{OrgName: name, Public: db.OrganisationPath(lang, o.Handle),
		Action: fmt.Sprintf("/%s/manage/organisations/%d/images", lang, id), Back: "/" + string(lang) + "/manage"}
	if currentUser(r).Role == db.RoleAdmin {
		d.Back = fmt.Sprintf("/%s/admin/organisations/%d", lang, id)
	}
	title := h.cats[lang].T("images.org.title", name)
	return h.imagesForm(w, r, lang, title, d, o.LogoMediaID, o.BannerMediaID, func(ctx context.Context, logo, banner int64) error {
		return h.store.SetOrganisationImages(ctx, id, logo, banner)
	})
}

// hubImages shows and saves the hub's own logo and banner: for admins.
func (h *Handler) hubImages(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	hi, err := h.store.HubImages(r.Context())
	if err != nil {
		return err
	}
	d := &imagesData{Hub: true, Action: "/" + string(lang) + "/admin/hub/images", Back: "/" + string(lang) + "/admin"}
	return h.imagesForm(w, r, lang, h.cats[lang].T("images.hub.title"), d, hi.LogoMediaID, hi.BannerMediaID, func(ctx context.Context, logo, banner int64) error {
		return h.store.SetHubImages(ctx, db.HubImages{LogoMediaID: logo, BannerMediaID: banner})
	})
}

// imagesForm serves the form (GET) or takes it (POST): each of "logo" and
// "banner" is replaced by a new file, removed when its box is ticked, or
// kept. A refused file answers 422 with the reason and stores nothing.
func (h *Handler) imagesForm(w http.ResponseWriter, r *http.Request, lang db.Lang, title string, d *imagesData, logo, banner int64,
	save func(ctx context.Context, logo, banner int64) error) error {
	d.MaxMB = maxUploadBytes >> 20
	show := func(code int) error {
		d.Logo, d.Banner = db.MediaPath(logo, "thumb"), db.MediaPath(banner, "medium")
		d.Flash = h.popFlash(r, lang)
		return h.render(w, r, code, "images", &view{Lang: lang, Title: title, Path: d.Action[len(lang)+1:], Data: d})
	}
	if r.Method != http.MethodPost {
		d.Form = newForm(h.cats[lang])
		return show(http.StatusOK)
	}
	f := formFrom(r, h.cats[lang], "remove_logo", "remove_banner")
	d.Form = f
	newLogo, newBanner := h.readImage(r, f, "logo"), h.readImage(r, f, "banner")
	if !f.OK() {
		return show(http.StatusUnprocessableEntity)
	}
	ctx := r.Context()
	for _, img := range []struct {
		p      *preparedMedia
		id     *int64
		remove string
	}{{newLogo, &logo, "remove_logo"}, {newBanner, &banner, "remove_banner"}} {
		switch {
		case img.p != nil:
			if err := img.p.write(h.acc.dataDir); err != nil {
				return err
			}
			m := img.p.row(currentUser(r).ID, nil)
			if err := h.store.SaveMedia(ctx, m); err != nil {
				return err
			}
			*img.id = m.ID
		case f.Checked(img.remove):
			*img.id = 0
		}
	}
	if err := save(ctx, logo, banner); err != nil {
		return err
	}
	h.flash(ctx, "admin.saved")
	http.Redirect(w, r, d.Action, http.StatusSeeOther)
	return nil
}

// readImage checks the image of a file field, if the form carries one; a
// refused file (not an image, too large, too many pixels, damaged) fails
// the field with the reason.
func (h *Handler) readImage(r *http.Request, f *form, field string) *preparedMedia {
	if r.MultipartForm == nil || len(r.MultipartForm.File[field]) == 0 || r.MultipartForm.File[field][0].Size == 0 {
		return nil
	}
	fh := r.MultipartForm.File[field][0]
	if fh.Size > maxUploadBytes {
		f.Fail(field, "media.too.big", maxUploadBytes>>20)
		return nil
	}
	file, err := fh.Open()
	if err != nil {
		f.Fail(field, "media.broken")
		return nil
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxUploadBytes+1))
	if err != nil {
		f.Fail(field, "media.broken")
		return nil
	}
	p, err := prepareImage(r.Context(), h.acc.decodes, fh.Filename, data)
	var me *mediaError
	switch {
	case errors.As(err, &me) && me.key == "media.too.big":
		f.Fail(field, me.key, maxUploadBytes>>20)
	case errors.As(err, &me):
		f.Fail(field, me.key)
	case err != nil:
		h.log.Error("prepare image", "err", err)
		f.Fail(field, "media.broken")
	default:
		return p
	}
	return nil
}

// prepareImage is prepareMedia for a field that takes only images.
func prepareImage(ctx context.Context, budget *semaphore.Weighted, name string, data []byte) (*preparedMedia, error) {
	p, err := prepareMedia(ctx, budget, name, data)
	if err != nil {
		return nil, err
	}
	if !isImage(p.ContentType) {
		return nil, &mediaError{key: "images.not.image"}
	}
	return p, nil
}

// Images keeps images fetched by federation (partners' logos and
// banners) as the upload forms keep uploads: checked by content, bounded
// in size and pixels, resized. cmd/hub gives it to federation.
type Images struct {
	Store   *db.Store
	DataDir string
}

// SaveImage checks, writes and records an image fetched from remoteURL.
func (im *Images) SaveImage(ctx context.Context, remoteURL string, data []byte) (*db.Media, error) {
	// No shared decode budget: federation's worker decodes one image at
	// a time.
	p, err := prepareImage(ctx, nil, "image", data)
	if err != nil {
		return nil, err
	}
	if err := p.write(im.DataDir); err != nil {
		return nil, err
	}
	m := p.row(0, nil)
	m.RemoteURL = remoteURL
	if err := im.Store.SaveMedia(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// DeleteImage removes the files of a copy federation deleted: the
// original and its resized copies.
func (im *Images) DeleteImage(ctx context.Context, m *db.Media) error {
	path := db.MediaFile(im.DataDir, m.SHA256)
	var errs []error
	for _, p := range []string{path, path + thumbSuffix, path + mediumSuffix} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
