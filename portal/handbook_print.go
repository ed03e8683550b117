package portal

import (
	"net/http"
	"strings"

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
		t := pick(c.Texts(), lang)
		t.BodyHTML = inPrint(t.BodyHTML, c.Slug)
		chapters[i] = printChapter{N: i + 1, Slug: c.Slug, Text: t}
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

// printHeadings moves a chapter's headings one level down, under the
// chapter's own <h2> in the print view (an <h6> stays one).
var printHeadings = strings.NewReplacer(
	"<h1", "<h2", "</h1>", "</h2>", "<h2", "<h3", "</h2>", "</h3>", "<h3", "<h4", "</h3>", "</h4>",
	"<h4", "<h5", "</h4>", "</h5>", "<h5", "<h6", "</h5>", "</h6>")

// inPrint fits a chapter's sanitised HTML into the one page of the print
// view: its headings under the chapter's title and its anchors prefixed with
// the chapter's slug, so that chapters with a heading of the same name ("In
// short") do not share an id. Links within the chapter follow their anchors.
func inPrint(body, slug string) string {
	body = printHeadings.Replace(body)
	return strings.NewReplacer(` id="`, ` id="`+slug+"-", ` href="#`, ` href="#`+slug+"-").Replace(body)
}
