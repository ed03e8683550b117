package portal

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bgimigranti/hub/db"
)

// sectionKey is the catalogue key of a section's name: "nav.news".
func sectionKey(k db.Kind) string { return "nav." + strings.ReplaceAll(k.Section(), "-", "_") }

// listing serves the pages of one section (any kind but events): the
// newest first, perPage a page.
func (h *Handler) listing(k db.Kind) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
		page, ok := parsePage(r)
		if !ok {
			return h.badRequest(w, r, lang, "sec.bad.page")
		}
		ctx := r.Context()
		q := db.ItemQuery{Kinds: []db.Kind{k}}
		total, err := h.store.CountItems(ctx, q)
		if err != nil {
			return err
		}
		if page > pages(total) {
			return db.ErrNotFound
		}
		q.Limit, q.Offset = perPage, (page-1)*perPage
		items, err := h.store.Items(ctx, q)
		if err != nil {
			return err
		}
		f := h.formatter(lang)
		entries := make([]entry, len(items))
		for i, it := range items {
			entries[i] = f.entry(it)
		}
		remember(w, r, lang)
		cat := h.cats[lang]
		path := "/" + k.Section()
		qs := only(r.URL.Query(), "page")
		title := cat.T(sectionKey(k))
		if page > 1 {
			title = cat.T("sec.page.title", title, page)
		}
		return h.render(w, r, http.StatusOK, "items", &view{
			Lang: lang, Title: title, Description: cat.T("sec.lead." + string(k)), Path: withQuery(path, qs), Section: k.Section(),
			Data: map[string]any{
				"Kind": k, "Heading": cat.T(sectionKey(k)), "Entries": entries, "Total": total,
				"Pager": newPager(lang, path, qs, page, total),
			},
		})
	}
}

var monthPattern = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})$`)

// parseMonth reads "2026-12" as the first instant of that month in loc.
func parseMonth(s string, loc *time.Location) (time.Time, bool) {
	m := monthPattern.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	if y < 1900 || y > 2200 || mo < 1 || mo > 12 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, loc), true
}

// monthGroup is the events of one month.
type monthGroup struct {
	Name    string
	Entries []entry
}

// attachment is a file attached to an item, as its page shows it.
type attachment struct {
	ID                 int64
	URL, Thumb, Medium string
	Image              bool
	Width, Height      int // of the thumbnail
	Alt, Caption       string
	Lang               db.Lang // of Alt and Caption when not the page's
	Name, Type, Size   string
}

// attachments splits an item's files into images and documents, with alt
// text and captions in the page's language when they exist.
func (f *formatter) attachments(ms []*db.Media, title string) (images, docs []attachment) {
	for i, m := range ms {
		a := attachment{ID: m.ID, URL: "/media/" + strconv.FormatInt(m.ID, 10), Size: f.size(m.Size), Type: docType(m.ContentType, m.OriginalName)}
		if mt := mediaText(m.Translations, f.lang); mt != nil {
			a.Alt, a.Caption = mt.Alt, mt.Caption
			if mt.Lang != f.lang {
				a.Lang = mt.Lang
			}
		}
		a.Name = a.Caption
		if a.Name == "" {
			a.Name = m.OriginalName
		}
		if a.Name == "" {
			a.Name = f.cat.T("sec.media.file", i+1)
		}
		if strings.HasPrefix(m.ContentType, "image/") {
			a.Image = true
			a.Thumb, a.Medium = a.URL+"/thumb", a.URL+"/medium"
			if m.Width > 0 && m.Height > 0 {
				a.Width = min(400, m.Width)
				a.Height = a.Width * m.Height / m.Width
			}
			if a.Alt == "" {
				a.Alt = f.cat.T("sec.media.photo", title, len(images)+1)
				a.Lang = ""
			}
			images = append(images, a)
			continue
		}
		docs = append(docs, a)
	}
	return images, docs
}

// mediaText picks a file's alt text and caption in lang, else in the other
// interface language, else any.
func mediaText(ts []db.MediaTranslation, lang db.Lang) *db.MediaTranslation {
	for _, want := range []db.Lang{lang, lang.Other()} {
		for i := range ts {
			if ts[i].Lang == want {
				return &ts[i]
			}
		}
	}
	if len(ts) > 0 {
		return &ts[0]
	}
	return nil
}

// docType names a document's format the way people know it: PDF, Word…
func docType(contentType, name string) string {
	ct, _, _ := strings.Cut(contentType, ";")
	switch strings.TrimSpace(strings.ToLower(ct)) {
	case "application/pdf":
		return "PDF"
	case "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return "Word"
	case "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return "Excel"
	case "application/vnd.ms-powerpoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation":
		return "PowerPoint"
	case "application/vnd.oasis.opendocument.text":
		return "ODT"
	case "application/vnd.oasis.opendocument.spreadsheet":
		return "ODS"
	case "application/vnd.oasis.opendocument.presentation":
		return "ODP"
	case "application/zip":
		return "ZIP"
	case "text/plain":
		return "TXT"
	case "text/csv":
		return "CSV"
	case "image/jpeg":
		return "JPEG"
	case "image/png":
		return "PNG"
	case "image/webp":
		return "WebP"
	case "image/gif":
		return "GIF"
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 && len(name)-i <= 6 {
		return strings.ToUpper(name[i+1:])
	}
	return ct
}

// orgBox is the organisation box of an item page and the heading of an
// organisation's page.
type orgBox struct {
	orgRef
	Kind      string // in words
	City      string
	Country   string // in words
	Fediverse string // @handle@host, for local organisations
	Website   string
	Logo      string // path of the logo's thumbnail, "" for none
	Banner    string // path of the banner, "" for none
}

func (h *Handler) orgBox(f *formatter, o *db.Organisation) *orgBox {
	ref := f.org(o)
	if ref == nil {
		return nil
	}
	b := &orgBox{orgRef: *ref, Kind: f.cat.T("dir.kind." + string(o.Kind)), City: o.City, Country: countryName(f.lang, o.Country), Website: safeURL(o.Website),
		Logo: o.LogoPath(), Banner: o.BannerPath()}
	if !o.Remote {
		b.Fediverse = "@" + o.Handle + "@" + h.host()
	}
	return b
}

// itemPage serves an item's page in the section of kind k; an item of
// another kind is redirected to its own section.
func (h *Handler) itemPage(k db.Kind) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			return db.ErrNotFound
		}
		ctx := r.Context()
		it, err := h.store.Item(ctx, id)
		if err != nil {
			return err
		}
		u := currentUser(r)
		if it.Status != db.Published && !canSeeUnpublished(u, it) {
			return db.ErrNotFound
		}
		if it.Kind != k {
			http.Redirect(w, r, it.PagePath(lang), http.StatusMovedPermanently)
			return nil
		}
		media, err := h.store.ItemMediaList(ctx, id)
		if err != nil {
			return err
		}
		f := h.formatter(lang)
		e := f.entry(it)
		images, docs := f.attachments(media, e.Text.Title)
		data := map[string]any{
			"Entry": e, "Text": e.Text, "Images": images, "Docs": docs, "Org": h.orgBox(f, it.Organisation),
			"Section": h.cats[lang].T(sectionKey(k)), "Updated": f.day(it.UpdatedAt),
			"CanShare": canShareItem(u, it),
		}
		if it.Status != db.Published {
			// Only its editors and admins get here; nothing of this
			// page may be kept by a cache or indexed.
			w.Header().Set("Cache-Control", "private, no-store")
			w.Header().Set("X-Robots-Tag", "noindex")
			data["Unpublished"] = string(it.Status)
			data["CanRestore"] = it.Status == db.Hidden && u.Role == db.RoleAdmin
			data["ItemID"] = it.ID
			data["Back"] = r.URL.Path
		}
		if data["Replies"], err = h.replies(r, lang, it.ID); err != nil {
			return err
		}
		if it.Kind == db.Event {
			data["ICS"] = db.EventCalendarPath(lang, it.ID)
			if it.OrganisationID != 0 && !it.Remote {
				if data["MoreEvents"], err = h.moreEvents(r, f, it); err != nil {
					return err
				}
			}
		}
		cat := h.cats[lang]
		data["PhotosHeading"], data["DocsHeading"] = cat.T("sec.item.images"), cat.T("sec.item.attachments")
		switch it.Kind {
		case db.Material:
			data["DocsHeading"] = cat.T("sec.item.documents")
		case db.Gallery:
			data["PhotosHeading"], data["DocsHeading"] = cat.T("sec.item.photos"), cat.T("sec.item.seminar")
		}
		switch it.Kind {
		case db.Press:
			data["PhotosHeading"], data["DocsHeading"] = cat.T("sec.item.scan"), cat.T("sec.item.scan")
			data["Outlet"] = it.Outlet
			data["Link"] = safeURL(it.ExternalURL)
		case db.Gallery:
			data["Place"] = it.PlaceName
		}
		remember(w, r, lang)
		v := &view{
			Lang: lang, Title: e.Text.Title, Description: e.Summary, Path: "/" + k.Section() + "/" + strconv.FormatInt(id, 10),
			Section: k.Section(), Data: data, OGType: "article",
		}
		if len(images) > 0 {
			v.Image = h.baseURL + images[0].Medium
		}
		v.LD = h.itemLD(it, e, lang, h.baseURL+"/"+string(lang)+v.Path, v.Image)
		return h.render(w, r, http.StatusOK, "item", v)
	}
}

// canSeeUnpublished reports whether u may read an item that visitors do not
// see: admins any, an organisation's editors their own drafts and hidden items.
func canSeeUnpublished(u *db.User, it *db.Item) bool {
	if u == nil {
		return false
	}
	return u.Role == db.RoleAdmin || (canEditItem(u, it) && it.Status != db.Published)
}

// itemRedirect sends a browser from an item's language-neutral id,
// /items/42, to its page in the visitor's language.
func (h *Handler) itemRedirect(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return db.ErrNotFound
	}
	it, err := h.store.Item(r.Context(), id)
	if err != nil {
		return err
	}
	if it.Status != db.Published && !canSeeUnpublished(currentUser(r), it) {
		return db.ErrNotFound
	}
	w.Header().Add("Vary", "Accept, Accept-Language, Cookie")
	http.Redirect(w, r, it.PagePath(lang), http.StatusSeeOther)
	return nil
}
