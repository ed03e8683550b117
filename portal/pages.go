package portal

import (
	"net/http"

	"github.com/bgimigranti/hub/db"
)

type handbookCard struct {
	Slug     string
	Text     localText
	Chapters int
}

func handbookCards(hs []*db.Handbook, lang db.Lang) []handbookCard {
	out := make([]handbookCard, len(hs))
	for i, hb := range hs {
		out[i] = handbookCard{Slug: hb.Slug, Text: pick(hb.Texts(), lang), Chapters: len(hb.Chapters)}
	}
	return out
}

// home serves the home page: the latest of every section that changes, the
// directory, the handbooks and what the project is.
func (h *Handler) home(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	return h.cachedSite(h.renderHome)(w, r, lang)
}

func (h *Handler) renderHome(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	hs, err := h.store.Handbooks(ctx)
	if err != nil {
		return err
	}
	var about *localText
	if p, err := h.store.Page(ctx, "about"); err == nil {
		t := pick(p.Texts(), lang)
		about = &t
	}
	f := h.formatter(lang)
	latest := func(q db.ItemQuery) ([]entry, error) {
		items, err := h.store.Items(ctx, q)
		out := make([]entry, len(items))
		for i, it := range items {
			out[i] = f.entry(it)
		}
		return out, err
	}
	news, err := latest(db.ItemQuery{Kinds: []db.Kind{db.News}, Limit: 5})
	if err != nil {
		return err
	}
	events, err := latest(db.ItemQuery{Kinds: []db.Kind{db.Event}, Upcoming: true, Limit: 5})
	if err != nil {
		return err
	}
	announcements, err := latest(db.ItemQuery{Kinds: []db.Kind{db.Announcement}, Limit: 3})
	if err != nil {
		return err
	}
	services, err := latest(db.ItemQuery{Kinds: []db.Kind{db.Service}, Limit: 3})
	if err != nil {
		return err
	}
	orgs, err := h.store.CountOrganisations(ctx, db.OrgQuery{})
	if err != nil {
		return err
	}
	centres, err := h.store.CountOrganisations(ctx, db.OrgQuery{Kind: db.OrgInfoCentre})
	if err != nil {
		return err
	}
	remember(w, r, lang)
	cat := h.cats[lang]
	return h.render(w, r, http.StatusOK, "home", &view{
		Lang: lang, Title: cat.T("home.title"), Description: cat.T("home.lead"), Section: "home",
		Data: map[string]any{
			"Handbooks": handbookCards(hs, lang), "About": about,
			"News": news, "Events": events, "Announcements": announcements, "Services": services,
			"Organisations": orgs, "Centres": centres,
		},
	})
}

func (h *Handler) handbooks(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	return h.cachedSite(h.renderHandbooks)(w, r, lang)
}

func (h *Handler) renderHandbooks(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	hs, err := h.store.Handbooks(r.Context())
	if err != nil {
		return err
	}
	remember(w, r, lang)
	cat := h.cats[lang]
	return h.render(w, r, http.StatusOK, "handbooks", &view{
		Lang: lang, Title: cat.T("handbooks.title"), Description: cat.T("handbooks.lead"), Path: "/handbooks", Section: "handbooks",
		Data: handbookCards(hs, lang),
	})
}

type chapterLink struct {
	Slug string
	Text localText
	N    int
}

func chapterLinks(hb *db.Handbook, lang db.Lang) []chapterLink {
	out := make([]chapterLink, len(hb.Chapters))
	for i, c := range hb.Chapters {
		out[i] = chapterLink{Slug: c.Slug, Text: pick(c.Texts(), lang), N: i + 1}
	}
	return out
}

func (h *Handler) handbook(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	return h.cachedSite(h.renderHandbook)(w, r, lang)
}

func (h *Handler) renderHandbook(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	hb, err := h.store.HandbookBySlug(r.Context(), r.PathValue("handbook"))
	if err != nil {
		return err
	}
	remember(w, r, lang)
	t := pick(hb.Texts(), lang)
	return h.render(w, r, http.StatusOK, "handbook", &view{
		Lang: lang, Title: t.Title, Description: t.Summary, Path: "/handbooks/" + hb.Slug, Section: "handbooks",
		Data: map[string]any{"Slug": hb.Slug, "Text": t, "Chapters": chapterLinks(hb, lang), "Updated": hb.UpdatedAt},
	})
}

func (h *Handler) chapter(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	return h.cachedSite(h.renderChapter)(w, r, lang)
}

func (h *Handler) renderChapter(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	hb, err := h.store.HandbookBySlug(r.Context(), r.PathValue("handbook"))
	if err != nil {
		return err
	}
	links := chapterLinks(hb, lang)
	at := -1
	for i, c := range hb.Chapters {
		if c.Slug == r.PathValue("chapter") {
			at = i
		}
	}
	if at < 0 {
		return db.ErrNotFound
	}
	remember(w, r, lang)
	c := hb.Chapters[at]
	t := pick(c.Texts(), lang)
	data := map[string]any{
		"Handbook": handbookCard{Slug: hb.Slug, Text: pick(hb.Texts(), lang), Chapters: len(links)},
		"Text":     t, "N": at + 1, "Total": len(links), "Chapters": links, "Updated": c.UpdatedAt,
	}
	if at > 0 {
		data["Prev"] = links[at-1]
	}
	if at+1 < len(links) {
		data["Next"] = links[at+1]
	}
	return h.render(w, r, http.StatusOK, "chapter", &view{
		Lang: lang, Title: t.Title, Description: t.Summary, Path: "/handbooks/" + hb.Slug + "/" + c.Slug, Section: "handbooks", Data: data,
	})
}

func (h *Handler) staticPage(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	return h.cachedSite(h.renderStaticPage)(w, r, lang)
}

func (h *Handler) renderStaticPage(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	p, err := h.store.Page(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	remember(w, r, lang)
	t := pick(p.Texts(), lang)
	return h.render(w, r, http.StatusOK, "page", &view{
		Lang: lang, Title: t.Title, Description: t.Summary, Path: "/pages/" + p.Slug, Section: "page-" + p.Slug,
		Data: map[string]any{"Text": t, "Updated": p.UpdatedAt},
	})
}
