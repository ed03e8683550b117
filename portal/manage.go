package portal

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bgimigranti/hub/db"
)

// defaultTimeZone is where events happen unless their editor says
// otherwise.
const defaultTimeZone = "Europe/Sofia"

// managePageSize is how many items a page of the editing list shows.
const managePageSize = 50

// errForbidden is what the item loaders return when the user may not touch
// the item; handlers answer it with the 403 page.
var errForbidden = errors.New("portal: forbidden")

// itemKinds lists the kinds a user may create: editors publish their
// organisation's news, events, announcements, services and materials;
// admins also the hub's project updates, press publications and galleries.
func itemKinds(u *db.User) []db.Kind {
	if u.Role == db.RoleAdmin {
		return db.Kinds()
	}
	return []db.Kind{db.News, db.Event, db.Announcement, db.Service, db.Material}
}

// canEditItem reports whether u may edit it: admins any local item,
// editors only their own organisation's.
func canEditItem(u *db.User, it *db.Item) bool {
	if it.Remote {
		return false
	}
	if u.Role == db.RoleAdmin {
		return true
	}
	return u.Role == db.RoleEditor && u.OrganisationID != 0 && it.OrganisationID == u.OrganisationID &&
		slices.Contains(itemKinds(u), it.Kind)
}

// manageRow is one item in the editing list.
type manageRow struct {
	ID      int64
	Kind    db.Kind
	Status  db.Status
	Text    localText
	Owner   string
	Updated time.Time
	Missing []db.Lang // interface languages the item has no text in
	Remote  bool
	Edit    bool
	Public  string // the item's public page, when visitors can see it
}

// orgOption is an organisation in a select.
type orgOption struct {
	Value    string
	Name     string
	Selected bool
}

// manageData is what manage.html shows.
type manageData struct {
	Flash    string
	Rows     []manageRow
	Kinds    []db.Kind
	Admin    bool
	Filters  []orgOption
	Filter   string
	Page     int
	Pages    int
	Prev     string
	Next     string
	Back     string // this page, for the hide and unhide forms to return to
	OrgName  string
	OrgID    int64 // the editor's organisation, for the link to its images
	Total    int
	Language db.Lang
}

// orgName is an organisation's name in lang, or the hub's for items
// without one.
func (h *Handler) orgName(o *db.Organisation, lang db.Lang) string {
	if o == nil {
		return h.cats[lang].T("manage.owner.hub")
	}
	return pick(o.Texts(), lang).Title
}

// manageList lists the items the user may edit: an editor's organisation's,
// or for admins every local item, filtered by owner, or the items received
// from partners (which admins can hide).
func (h *Handler) manageList(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	u := currentUser(r)
	q := db.ManagedItemQuery{Limit: managePageSize}
	d := &manageData{Flash: h.popFlash(r, lang), Kinds: itemKinds(u), Admin: u.Role == db.RoleAdmin, Language: lang}
	d.Filter = r.URL.Query().Get("org")
	if d.Admin {
		orgs, err := h.store.Organisations(ctx, db.OrgQuery{Local: true})
		if err != nil {
			return err
		}
		cat := h.cats[lang]
		d.Filters = []orgOption{{Value: "", Name: cat.T("manage.filter.all")}, {Value: "hub", Name: cat.T("manage.owner.hub")}}
		for _, o := range orgs {
			d.Filters = append(d.Filters, orgOption{Value: strconv.FormatInt(o.ID, 10), Name: pick(o.Texts(), lang).Title})
		}
		d.Filters = append(d.Filters, orgOption{Value: "remote", Name: cat.T("manage.filter.remote")})
		for i := range d.Filters {
			d.Filters[i].Selected = d.Filters[i].Value == d.Filter
		}
		switch d.Filter {
		case "":
		case "hub":
			q.HubOnly = true
		case "remote":
			q.Remote = true
		default:
			id, err := strconv.ParseInt(d.Filter, 10, 64)
			if err != nil {
				return db.ErrNotFound
			}
			q.OrganisationID = id
		}
	} else {
		q.OrganisationID = u.OrganisationID
		o, err := h.store.Organisation(ctx, u.OrganisationID)
		if err != nil {
			return err
		}
		d.OrgName, d.OrgID = pick(o.Texts(), lang).Title, o.ID
	}
	d.Page = 1
	if p, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && p > 1 && p < 100_000 {
		d.Page = p
	}
	q.Offset = (d.Page - 1) * managePageSize
	total, err := h.store.CountManagedItems(ctx, q)
	if err != nil {
		return err
	}
	items, err := h.store.ManagedItems(ctx, q)
	if err != nil {
		return err
	}
	d.Total = total
	d.Pages = max(1, (total+managePageSize-1)/managePageSize)
	pageURL := func(n int) string {
		v := url.Values{}
		if d.Filter != "" {
			v.Set("org", d.Filter)
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		s := "/" + string(lang) + "/manage"
		if len(v) > 0 {
			s += "?" + v.Encode()
		}
		return s
	}
	if d.Page > 1 {
		d.Prev = pageURL(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.Next = pageURL(d.Page + 1)
	}
	d.Back = pageURL(d.Page)
	for _, it := range items {
		row := manageRow{
			ID: it.ID, Kind: it.Kind, Status: it.Status, Text: pick(it.Texts(), lang), Owner: h.orgName(it.Organisation, lang),
			Updated: it.UpdatedAt, Remote: it.Remote, Edit: canEditItem(u, it),
		}
		for _, l := range db.InterfaceLangs {
			if !it.Texts().Has(l) {
				row.Missing = append(row.Missing, l)
			}
		}
		if it.Status == db.Published {
			row.Public = it.PagePath(lang)
		}
		d.Rows = append(d.Rows, row)
	}
	w.Header().Set("Cache-Control", "no-store")
	return h.render(w, r, http.StatusOK, "manage", &view{
		Lang: lang, Title: h.cats[lang].T("manage.title"), Path: "/manage", Section: "manage", Data: d,
	})
}

// mediaRow is a file attached to the item being edited.
type mediaRow struct {
	ID     int64
	Image  bool
	Name   string
	Type   string
	SizeKB int64
}

// itemData is what manage_item.html shows.
type itemData struct {
	Form      *form
	Kind      db.Kind
	ID        int64
	Status    db.Status
	Admin     bool
	Owners    []orgOption
	Editors   []editorLang
	Media     []mediaRow
	Action    string
	Flash     string
	FileAgain bool
	Preview   bool
	Public    string
	Zones     []string
	Langs     []db.Lang
	MaxTitle  int
	MaxMB     int
}

// The time zones the form suggests; any IANA name is accepted.
var suggestedZones = []string{"Europe/Sofia", "UTC", "Europe/Athens", "Europe/Istanbul", "Europe/Bucharest", "Europe/Berlin", "Europe/Brussels", "Europe/London"}

// newItemForm shows an empty form for a new item of the kind asked for.
func (h *Handler) newItemForm(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	u := currentUser(r)
	kind := db.Kind(r.URL.Query().Get("kind"))
	if !slices.Contains(itemKinds(u), kind) {
		http.Redirect(w, r, "/"+string(lang)+"/manage", http.StatusSeeOther)
		return nil
	}
	it := &db.Item{Kind: kind, Status: db.Draft, OrganisationID: u.OrganisationID, TimeZone: defaultTimeZone}
	f := newForm(h.cats[lang])
	fillItemForm(f, it, nil)
	return h.renderItem(w, r, lang, http.StatusOK, it, f, nil, nil)
}

// loadEditable loads the item named in the path for editing: ErrNotFound
// when there is none (or it came from a partner), errForbidden when the
// user may not edit it.
func (h *Handler) loadEditable(r *http.Request) (*db.Item, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, db.ErrNotFound
	}
	it, err := h.store.Item(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if it.Remote {
		return nil, db.ErrNotFound
	}
	if !canEditItem(currentUser(r), it) {
		return nil, errForbidden
	}
	return it, nil
}

// editItemForm shows the form for an existing item.
func (h *Handler) editItemForm(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	it, err := h.loadEditable(r)
	if errors.Is(err, errForbidden) {
		return h.forbidden(w, r, lang)
	}
	if err != nil {
		return err
	}
	media, err := h.store.ItemMediaList(r.Context(), it.ID)
	if err != nil {
		return err
	}
	f := newForm(h.cats[lang])
	fillItemForm(f, it, media)
	return h.renderItem(w, r, lang, http.StatusOK, it, f, media, nil)
}

// fillItemForm puts a stored item and its files into the form.
func fillItemForm(f *form, it *db.Item, media []*db.Media) {
	f.setTexts(it.Texts())
	if it.OrganisationID != 0 {
		f.Values["owner"] = strconv.FormatInt(it.OrganisationID, 10)
	}
	tz := it.TimeZone
	if tz == "" {
		tz = defaultTimeZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	local := func(t time.Time, layout string) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(layout)
	}
	f.Values["tz"] = tz
	switch it.Kind {
	case db.Event:
		f.Values["starts"] = local(it.StartsAt, "2006-01-02T15:04")
		f.Values["ends"] = local(it.EndsAt, "2006-01-02T15:04")
		f.Values["all_day"] = checkbox(it.AllDay)
		f.Values["cancelled"] = checkbox(it.Cancelled)
		f.Values["place"], f.Values["address"], f.Values["online_url"] = it.PlaceName, it.Address, it.OnlineURL
	case db.Press:
		f.Values["outlet"], f.Values["external_url"] = it.Outlet, it.ExternalURL
		f.Values["issued"] = local(it.StartsAt, "2006-01-02")
	case db.Gallery:
		f.Values["held"] = local(it.StartsAt, "2006-01-02")
		f.Values["place"] = it.PlaceName
	}
	for _, m := range media {
		for _, t := range m.Translations {
			f.Values[mediaField("alt", t.Lang, m.ID)] = t.Alt
			f.Values[mediaField("caption", t.Lang, m.ID)] = t.Caption
		}
	}
}

func checkbox(b bool) string {
	if b {
		return "on"
	}
	return ""
}

// mediaField names the alt text or caption field of an attached file in a
// language ("alt_bg_12"), or of the file being uploaded when id is 0
// ("file_alt_bg").
func mediaField(what string, lang db.Lang, id int64) string {
	if id == 0 {
		return "file_" + what + "_" + string(lang)
	}
	return fmt.Sprintf("%s_%s_%d", what, lang, id)
}

// renderItem shows the item form, with previews of the bodies when asked.
func (h *Handler) renderItem(w http.ResponseWriter, r *http.Request, lang db.Lang, code int, it *db.Item, f *form, media []*db.Media, previews map[db.Lang]template.HTML) error {
	ctx := r.Context()
	u := currentUser(r)
	cat := h.cats[lang]
	d := &itemData{
		Form: f, Kind: it.Kind, ID: it.ID, Status: it.Status, Admin: u.Role == db.RoleAdmin,
		Editors: editorLangs(previews), Flash: h.popFlash(r, lang), Preview: previews != nil,
		Zones: suggestedZones, Langs: db.InterfaceLangs, MaxTitle: db.MaxTitleLen, MaxMB: maxUploadBytes >> 20,
	}
	d.Action = "/" + string(lang) + "/manage/new"
	path := "/manage/new?kind=" + string(it.Kind)
	if it.ID != 0 {
		d.Action = "/" + string(lang) + "/manage/items/" + strconv.FormatInt(it.ID, 10)
		path = "/manage/items/" + strconv.FormatInt(it.ID, 10)
	}
	if it.ID != 0 && it.Status == db.Published {
		d.Public = it.PagePath(lang)
	}
	if d.Admin {
		orgs, err := h.store.Organisations(ctx, db.OrgQuery{Local: true})
		if err != nil {
			return err
		}
		d.Owners = []orgOption{{Value: "", Name: cat.T("manage.owner.hub"), Selected: f.Get("owner") == ""}}
		for _, o := range orgs {
			v := strconv.FormatInt(o.ID, 10)
			d.Owners = append(d.Owners, orgOption{Value: v, Name: pick(o.Texts(), lang).Title, Selected: f.Get("owner") == v})
		}
	}
	for _, m := range media {
		d.Media = append(d.Media, mediaRow{ID: m.ID, Image: isImage(m.ContentType), Name: m.OriginalName, Type: m.ContentType, SizeKB: (m.Size + 1023) / 1024})
	}
	d.FileAgain = f.Checked("file_sent")
	title := cat.T("manage.new.title", cat.T("manage.kind."+string(it.Kind)))
	if it.ID != 0 {
		title = cat.T("manage.edit.title", pick(it.Texts(), lang).Title)
	}
	w.Header().Set("Cache-Control", "no-store")
	return h.render(w, r, code, "manage_item", &view{Lang: lang, Title: title, Path: path, Section: "manage", Data: d})
}

// itemFormFields are the fields of the item form besides the texts and
// the files.
var itemFormFields = []string{"owner", "starts", "ends", "tz", "all_day", "place", "address", "online_url", "cancelled", "outlet", "issued", "external_url", "held"}

// saveItem handles the item form: Preview shows the rendered bodies and
// saves nothing; Save as draft, Publish, Save and Unpublish check
// everything, then store the item, its new file and its files' texts in one
// transaction. A form with an error comes back with every message and
// nothing stored.
func (h *Handler) saveItem(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	u := currentUser(r)
	cat := h.cats[lang]
	var it *db.Item
	var media []*db.Media
	if r.PathValue("id") != "" {
		var err error
		it, err = h.loadEditable(r)
		if errors.Is(err, errForbidden) {
			return h.forbidden(w, r, lang)
		}
		if err != nil {
			return err
		}
		if media, err = h.store.ItemMediaList(ctx, it.ID); err != nil {
			return err
		}
	} else {
		kind := db.Kind(r.PostForm.Get("kind"))
		if !slices.Contains(itemKinds(u), kind) {
			return h.forbidden(w, r, lang)
		}
		it = &db.Item{Kind: kind, Status: db.Draft, AuthorID: u.ID, OrganisationID: u.OrganisationID}
	}

	fields := append(append([]string{}, allTextFields()...), itemFormFields...)
	for _, l := range db.InterfaceLangs {
		fields = append(fields, mediaField("alt", l, 0), mediaField("caption", l, 0))
		for _, m := range media {
			fields = append(fields, mediaField("alt", l, m.ID), mediaField("caption", l, m.ID))
		}
	}
	f := formFrom(r, cat, fields...)
	for _, m := range media {
		if r.PostForm.Get(fmt.Sprintf("remove_%d", m.ID)) != "" {
			f.Values[fmt.Sprintf("remove_%d", m.ID)] = "on"
		}
	}
	texts, err := f.texts(r.Context(), h.acc.md, lang, itemLimits)
	if err != nil {
		return err
	}
	h.readItemFields(f, it, u)

	if r.PostForm.Get("action") == "preview" {
		if hasFile(r) {
			f.Values["file_sent"] = "on"
		}
		return h.renderItem(w, r, lang, formStatus(f), it, f, media, previewsOf(texts))
	}

	if it.OrganisationID != 0 && u.Role == db.RoleAdmin {
		o, err := h.store.Organisation(ctx, it.OrganisationID)
		switch {
		case errors.Is(err, db.ErrNotFound) || (err == nil && o.Remote):
			f.Fail("owner", "form.invalid")
		case err != nil:
			return err
		}
	}
	up := h.readUpload(r, f, lang)
	keep, changed := mediaTexts(f, media, lang)
	if !f.OK() {
		if hasFile(r) {
			f.Values["file_sent"] = "on"
		}
		return h.renderItem(w, r, lang, http.StatusUnprocessableEntity, it, f, media, nil)
	}

	it.SetTexts(texts...)
	before := it.Status
	switch r.PostForm.Get("action") {
	case "publish":
		it.Status = db.Published
	case "draft", "unpublish":
		it.Status = db.Draft
	}
	if before == db.Hidden && u.Role != db.RoleAdmin {
		// Only admins hide and unhide: an editor's save keeps a hidden item
		// hidden, whatever the form says.
		it.Status = db.Hidden
	}
	if up != nil {
		if err := up.write(h.acc.dataDir); err != nil {
			return err
		}
	}
	created := it.ID == 0
	err = h.store.InTx(ctx, func(tx *db.Store) error {
		if created {
			if err := tx.CreateItem(ctx, it); err != nil {
				return err
			}
		} else if err := tx.UpdateItem(ctx, it); err != nil {
			return err
		}
		ids := make([]int64, 0, len(keep)+1)
		for _, m := range keep {
			if changed[m.ID] {
				if err := tx.SetMediaTexts(ctx, m.ID, m.Translations); err != nil {
					return err
				}
			}
			ids = append(ids, m.ID)
		}
		if up != nil {
			m := up.row(u.ID, uploadTexts(f))
			if err := tx.SaveMedia(ctx, m); err != nil {
				return err
			}
			if !slices.Contains(ids, m.ID) {
				ids = append(ids, m.ID)
			}
		}
		if created && len(ids) == 0 {
			return nil
		}
		return tx.SetItemMedia(ctx, it.ID, ids)
	})
	if errors.Is(err, db.ErrInvalid) || errors.Is(err, db.ErrConflict) {
		h.log.Warn("item refused by the store", "err", err)
		f.Fail("form", "form.invalid")
		if created {
			it.ID = 0
		}
		return h.renderItem(w, r, lang, http.StatusUnprocessableEntity, it, f, media, nil)
	}
	if err != nil {
		return err
	}
	switch {
	case it.Status == db.Published:
		h.flash(ctx, "manage.saved.published")
	case it.Status == db.Hidden:
		h.flash(ctx, "manage.saved.hidden")
	default:
		h.flash(ctx, "manage.saved.draft")
	}
	http.Redirect(w, r, fmt.Sprintf("/%s/manage/items/%d", lang, it.ID), http.StatusSeeOther)
	return nil
}

// readItemFields reads the owner and the kind's own fields into it.
func (h *Handler) readItemFields(f *form, it *db.Item, u *db.User) {
	if u.Role == db.RoleAdmin {
		it.OrganisationID = 0
		if v := f.Get("owner"); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				f.Fail("owner", "form.invalid")
			}
			it.OrganisationID = id
		}
	} else {
		it.OrganisationID = u.OrganisationID
	}
	switch it.Kind {
	case db.Event:
		f.require("starts")
		tz := f.Get("tz")
		if tz == "" {
			tz = defaultTimeZone
			f.Values["tz"] = tz
		}
		loc, err := time.LoadLocation(tz)
		if err != nil || strings.EqualFold(tz, "local") {
			f.Fail("tz", "manage.tz.unknown", tz)
			loc = time.UTC
		}
		it.TimeZone = tz
		it.AllDay, it.Cancelled = f.Checked("all_day"), f.Checked("cancelled")
		it.StartsAt = parseLocal(f, "starts", loc, it.AllDay)
		it.EndsAt = parseLocal(f, "ends", loc, it.AllDay)
		if !it.StartsAt.IsZero() && !it.EndsAt.IsZero() && it.EndsAt.Before(it.StartsAt) {
			f.Fail("ends", "manage.ends.before")
		}
		it.PlaceName, it.Address, it.OnlineURL = f.Get("place"), f.Get("address"), f.Get("online_url")
		f.maxLen("place", 300)
		f.maxLen("address", 500)
		f.webURL("online_url")
	case db.Press:
		it.Outlet, it.ExternalURL = f.Get("outlet"), f.Get("external_url")
		f.require("outlet")
		f.maxLen("outlet", 200)
		f.webURL("external_url")
		it.TimeZone = defaultTimeZone
		it.StartsAt = parseLocal(f, "issued", defaultLocation(), true)
	case db.Gallery:
		it.TimeZone = defaultTimeZone
		it.StartsAt = parseLocal(f, "held", defaultLocation(), true)
		it.PlaceName = f.Get("place")
		f.maxLen("place", 300)
	}
}

// defaultLocation is defaultTimeZone, or UTC on a system without time zone
// data.
func defaultLocation() *time.Location {
	if loc, err := time.LoadLocation(defaultTimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// parseLocal reads a date and time (or, for whole days, a date) typed in
// loc; a value that does not parse fails the field.
func parseLocal(f *form, name string, loc *time.Location, dateOnly bool) time.Time {
	v := f.Get(name)
	if v == "" {
		return time.Time{}
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		t, err := time.ParseInLocation(layout, v, loc)
		if err != nil {
			continue
		}
		if dateOnly {
			t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		}
		if t.Year() < 1900 || t.Year() > 2200 {
			break
		}
		return t
	}
	f.Fail(name, "manage.date.invalid")
	return time.Time{}
}

// hasFile reports whether the request carries a non-empty file.
func hasFile(r *http.Request) bool {
	if r.MultipartForm == nil {
		return false
	}
	fhs := r.MultipartForm.File["file"]
	return len(fhs) > 0 && fhs[0].Size > 0
}

// readUpload checks the file of the form, if there is one, and returns it
// ready to be stored; a refused file fails the "file" field.
func (h *Handler) readUpload(r *http.Request, f *form, lang db.Lang) *preparedMedia {
	if !hasFile(r) {
		return nil
	}
	fh := r.MultipartForm.File["file"][0]
	if fh.Size > maxUploadBytes {
		f.Fail("file", "media.too.big", maxUploadBytes>>20)
		return nil
	}
	file, err := fh.Open()
	if err != nil {
		f.Fail("file", "media.broken")
		return nil
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxUploadBytes+1))
	if err != nil {
		f.Fail("file", "media.broken")
		return nil
	}
	p, err := prepareMedia(r.Context(), h.acc.decodes, fh.Filename, data)
	var me *mediaError
	switch {
	case errors.As(err, &me) && me.key == "media.too.big":
		f.Fail("file", me.key, maxUploadBytes>>20)
		return nil
	case errors.As(err, &me) && me.key == "media.pixels":
		f.Fail("file", me.key, maxImagePixels/1_000_000)
		return nil
	case r.Context().Err() != nil:
		f.Fail("file", "media.broken") // nobody waits for the answer
		return nil
	case errors.As(err, &me):
		f.Fail("file", me.key)
		return nil
	case err != nil:
		h.log.Error("prepare upload", "err", err)
		f.Fail("file", "media.broken")
		return nil
	}
	for _, l := range db.InterfaceLangs {
		f.maxLen(mediaField("alt", l, 0), 1000)
		f.maxLen(mediaField("caption", l, 0), 1000)
	}
	if isImage(p.ContentType) && !hasAlt(f, 0) {
		f.Fail(mediaField("alt", lang, 0), "media.alt.missing")
	}
	return p
}

// hasAlt reports whether the form gives an alt text in any language for
// the file with the given id (0: the upload).
func hasAlt(f *form, id int64) bool {
	for _, l := range db.InterfaceLangs {
		if f.Get(mediaField("alt", l, id)) != "" {
			return true
		}
	}
	return false
}

// uploadTexts are the alt texts and captions typed for the upload.
func uploadTexts(f *form) []db.MediaTranslation {
	var out []db.MediaTranslation
	for _, l := range db.InterfaceLangs {
		alt, caption := f.Get(mediaField("alt", l, 0)), f.Get(mediaField("caption", l, 0))
		if alt != "" || caption != "" {
			out = append(out, db.MediaTranslation{Lang: l, Alt: alt, Caption: caption})
		}
	}
	return out
}

// mediaTexts reads the texts of the files already attached: the files to
// keep (not ticked for removal) with their texts from the form, and which
// of them changed. An image kept without any alt text fails its field.
func mediaTexts(f *form, media []*db.Media, lang db.Lang) (keep []*db.Media, changed map[int64]bool) {
	changed = map[int64]bool{}
	for _, m := range media {
		if f.Checked(fmt.Sprintf("remove_%d", m.ID)) {
			continue
		}
		var ts []db.MediaTranslation
		for _, l := range db.InterfaceLangs {
			f.maxLen(mediaField("alt", l, m.ID), 1000)
			f.maxLen(mediaField("caption", l, m.ID), 1000)
			alt, caption := f.Get(mediaField("alt", l, m.ID)), f.Get(mediaField("caption", l, m.ID))
			if alt != "" || caption != "" {
				ts = append(ts, db.MediaTranslation{MediaID: m.ID, Lang: l, Alt: alt, Caption: caption})
			}
		}
		if isImage(m.ContentType) && !hasAlt(f, m.ID) {
			f.Fail(mediaField("alt", lang, m.ID), "media.alt.missing")
		}
		if !sameMediaTexts(m.Translations, ts) {
			changed[m.ID] = true
			m.Translations = ts
		}
		keep = append(keep, m)
	}
	return keep, changed
}

func sameMediaTexts(a, b []db.MediaTranslation) bool {
	key := func(ts []db.MediaTranslation) map[db.Lang][2]string {
		m := map[db.Lang][2]string{}
		for _, t := range ts {
			if t.Alt != "" || t.Caption != "" {
				m[t.Lang] = [2]string{t.Alt, t.Caption}
			}
		}
		return m
	}
	ka, kb := key(a), key(b)
	if len(ka) != len(kb) {
		return false
	}
	for l, v := range ka {
		if kb[l] != v {
			return false
		}
	}
	return true
}
