package portal

import (
	"net/http"

	"github.com/bgimigranti/hub/db"
)

// printChapter is a chapter of a handbook's print view, whole.
type printChapter struct {
	N    int
	Slug string
	Text localText
}

// handbookPrint serves a whole handbook on one page, for printing or saving
// as PDF: its introduction and every chapter, in order.
func (h *Handler) handbookPrint(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	hb, err := h.store.HandbookBySlug(r.Context(), r.PathValue("handbook"))
	if err != nil {
		return err
	}
	chapters := make([]printChapter, len(hb.Chapters))
	for i, c := range hb.Chapters {
		chapters[i] = printChapter{N: i + 1, Slug: c.Slug, Text: pick(c.Texts(), lang)}
	}
	f := h.formatter(lang)
	updated := hb.UpdatedAt
	for _, c := range hb.Chapters {
		if c.UpdatedAt.After(updated) {
			updated = c.UpdatedAt
		}
	}
	remember(w, r, lang)
	t := pick(hb.Texts(), lang)
	return h.render(w, r, http.StatusOK, "handbook_print", &view{
		Lang: lang, Title: t.Title, Description: t.Summary, Path: "/handbooks/" + hb.Slug + "/print", Section: "handbooks",
		Data: map[string]any{"Slug": hb.Slug, "Text": t, "Chapters": chapters, "Updated": f.day(updated)},
	})
}
