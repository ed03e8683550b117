package portal

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/bgimigranti/hub/db"
)

var countryPattern = regexp.MustCompile(`^[A-Za-z]{2}$`)

// countryName is a country's name in lang ("Германия", "Germany") for an ISO
// 3166-1 alpha-2 code, or the code itself when it names no country.
func countryName(lang db.Lang, code string) string {
	if code == "" {
		return ""
	}
	r, err := language.ParseRegion(code)
	if err != nil || !r.IsCountry() {
		return code
	}
	if n := display.Regions(language.Make(string(lang))).Name(r); n != "" {
		return n
	}
	return code
}

// host is the hub's host name, the domain of its fediverse handles.
func (h *Handler) host() string {
	if u, err := url.Parse(h.baseURL); err == nil && u.Host != "" {
		return u.Host
	}
	return h.baseURL
}

// dirEntry is an organisation in the directory.
type dirEntry struct {
	orgBox
	Summary string
	Host    string // a partner's instance
}

// kindGroup is the organisations of one kind.
type kindGroup struct {
	Kind    db.OrgKind
	Name    string
	Entries []dirEntry
}

// option is a choice in a filter.
type option struct {
	Value, Label string
	Selected     bool
}

// directory serves the organisations, grouped by kind and sorted by name in
// the page's language, with ?kind= and ?country= filters.
func (h *Handler) directory(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	qs := r.URL.Query()
	kind := db.OrgKind(qs.Get("kind"))
	if kind != "" && !kind.Valid() {
		return h.badRequest(w, r, lang, "dir.bad.kind")
	}
	country := qs.Get("country")
	if country != "" && !countryPattern.MatchString(country) {
		return h.badRequest(w, r, lang, "dir.bad.country")
	}
	country = strings.ToUpper(country)
	ctx := r.Context()
	orgs, err := h.store.Organisations(ctx, db.OrgQuery{Kind: kind, Country: country})
	if err != nil {
		return err
	}
	countries, err := h.store.OrganisationCountries(ctx)
	if err != nil {
		return err
	}
	f := h.formatter(lang)
	cat := h.cats[lang]
	col := collate.New(language.Make(string(lang)), collate.IgnoreCase)
	var groups []kindGroup
	for _, k := range db.OrgKinds() {
		g := kindGroup{Kind: k, Name: cat.T("dir.kinds." + string(k))}
		for _, o := range orgs {
			if o.Kind != k {
				continue
			}
			d := dirEntry{orgBox: *h.orgBox(f, o), Summary: summaryOf(pick(o.Texts(), lang).Text, 200)}
			if o.Remote {
				if u, err := url.Parse(o.ActorID); err == nil {
					d.Host = u.Hostname()
				}
			}
			g.Entries = append(g.Entries, d)
		}
		slices.SortFunc(g.Entries, func(a, b dirEntry) int { return col.CompareString(a.Name.Title, b.Name.Title) })
		if len(g.Entries) > 0 {
			groups = append(groups, g)
		}
	}
	kinds := []option{{Value: "", Label: cat.T("dir.filter.any.kind"), Selected: kind == ""}}
	for _, k := range db.OrgKinds() {
		kinds = append(kinds, option{Value: string(k), Label: cat.T("dir.kinds." + string(k)), Selected: k == kind})
	}
	cs := []option{{Value: "", Label: cat.T("dir.filter.any.country"), Selected: country == ""}}
	for _, c := range countries {
		cs = append(cs, option{Value: c, Label: countryName(lang, c), Selected: c == country})
	}
	if country != "" && !slices.Contains(countries, country) {
		cs = append(cs, option{Value: country, Label: countryName(lang, country), Selected: true})
	}
	slices.SortFunc(cs[1:], func(a, b option) int { return col.CompareString(a.Label, b.Label) })
	remember(w, r, lang)
	return h.render(w, r, http.StatusOK, "organisations", &view{
		Lang: lang, Title: cat.T("dir.title"), Description: cat.T("dir.lead"), Path: withQuery("/organisations", only(qs, "kind", "country")), Section: "organisations",
		Data: map[string]any{
			"Groups": groups, "Total": len(orgs), "Kinds": kinds, "Countries": cs,
			"Filtered": kind != "" || country != "", "CountryName": countryName(lang, country),
		},
	})
}

// sectionGroup is an organisation's latest items of one section.
type sectionGroup struct {
	Kind    db.Kind
	Name    string
	Path    string
	Entries []entry
}

// organisation serves an organisation's page: who it is, how to reach it,
// and what it has published lately.
func (h *Handler) organisation(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	handle := r.PathValue("handle")
	if !db.ValidHandle(strings.ToLower(handle)) {
		return db.ErrNotFound
	}
	ctx := r.Context()
	o, err := h.store.OrganisationByHandle(ctx, handle)
	if err != nil {
		return err
	}
	if handle != o.Handle {
		http.Redirect(w, r, db.OrganisationPath(lang, o.Handle), http.StatusMovedPermanently)
		return nil
	}
	upcoming, err := h.store.Items(ctx, db.ItemQuery{Kinds: []db.Kind{db.Event}, OrganisationID: o.ID, Upcoming: true, Limit: 5})
	if err != nil {
		return err
	}
	latest, err := h.store.Items(ctx, db.ItemQuery{OrganisationID: o.ID, Limit: 100})
	if err != nil {
		return err
	}
	f := h.formatter(lang)
	cat := h.cats[lang]
	var groups []sectionGroup
	for _, k := range db.Kinds() {
		if k == db.Event {
			continue // upcoming events have their own list
		}
		g := sectionGroup{Kind: k, Name: cat.T(sectionKey(k)), Path: "/" + string(lang) + "/" + k.Section()}
		for _, it := range latest {
			if it.Kind == k && len(g.Entries) < 5 {
				g.Entries = append(g.Entries, f.entry(it))
			}
		}
		if len(g.Entries) > 0 {
			groups = append(groups, g)
		}
	}
	events := make([]entry, len(upcoming))
	for i, it := range upcoming {
		events[i] = f.entry(it)
	}
	box := h.orgBox(f, o)
	t := pick(o.Texts(), lang)
	data := map[string]any{
		"Org": box, "Logo": o.LogoPath(), "Banner": o.BannerPath(), "Text": t, "Address": o.Address, "Email": o.Email, "Phone": o.Phone,
		"Events": events, "Groups": groups,
	}
	if o.Remote {
		if u := safeURL(o.ActorID); u != "" {
			data["Profile"] = u
			if pu, err := url.Parse(u); err == nil {
				data["ProfileHost"] = pu.Hostname()
			}
		}
	}
	if o.Phone != "" {
		data["Tel"] = strings.Map(func(r rune) rune {
			if r == '+' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, o.Phone)
	}
	remember(w, r, lang)
	return h.render(w, r, http.StatusOK, "organisation", &view{
		Lang: lang, Title: t.Title, Description: t.Summary, Path: "/organisations/" + o.Handle, Section: "organisations", Data: data,
	})
}

// actorRedirect sends a browser from an actor's language-neutral id,
// /actors/ic-haskovo, to the organisation's page in the visitor's language.
func (h *Handler) actorRedirect(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	handle := r.PathValue("handle")
	if !db.ValidHandle(handle) {
		return db.ErrNotFound
	}
	o, err := h.store.OrganisationByHandle(r.Context(), handle)
	if err != nil {
		return err
	}
	if o.Remote {
		return db.ErrNotFound // a partner's organisation is an actor on its own instance
	}
	w.Header().Add("Vary", "Accept, Accept-Language, Cookie")
	http.Redirect(w, r, db.OrganisationPath(lang, o.Handle), http.StatusSeeOther)
	return nil
}
