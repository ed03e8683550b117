package portal

import (
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bgimigranti/hub/db"
)

// segment is a piece of text that a search result shows, marked when it is
// a word that matched. Templates escape Text; only the <mark> is markup.
type segment struct {
	Text string
	Mark bool
}

// hitView is a search result as the page shows it.
type hitView struct {
	Path    string
	Title   []segment
	Snippet []segment
	Lang    db.Lang // of the text that matched
	// LangName names Lang; a forum post may be in a language that is not
	// one of the interface's.
	LangName string
	Exact    bool   // whether that is the page's language
	Kind     string // what it is, in words
}

// isWordRune reports whether r belongs to a word, as db.SearchTerms splits
// them.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// highlight splits text into segments, marking each word that begins with
// one of the (lower-case) terms.
func highlight(text string, terms []string) (segs []segment, matched bool) {
	add := func(s string, mark bool) {
		if s == "" {
			return
		}
		if n := len(segs); n > 0 && segs[n-1].Mark == mark {
			segs[n-1].Text += s
			return
		}
		segs = append(segs, segment{Text: s, Mark: mark})
	}
	for len(text) > 0 {
		i := strings.IndexFunc(text, isWordRune)
		if i < 0 {
			add(text, false)
			break
		}
		add(text[:i], false)
		text = text[i:]
		j := strings.IndexFunc(text, func(r rune) bool { return !isWordRune(r) })
		if j < 0 {
			j = len(text)
		}
		word := text[:j]
		mark := matches(word, terms)
		matched = matched || mark
		add(word, mark)
		text = text[j:]
	}
	return segs, matched
}

func matches(word string, terms []string) bool {
	lw := strings.ToLower(word)
	for _, t := range terms {
		if strings.HasPrefix(lw, t) {
			return true
		}
	}
	return false
}

// snippetLen is about how many characters of text a result shows.
const snippetLen = 240

// snippet is the part of a text's summary or body around its first matching
// word, marked; or the summary when only the title matched.
func snippet(t db.Text, terms []string) []segment {
	summary := strings.TrimSpace(t.Summary)
	for _, text := range []string{summary, plainText(t.BodyHTML)} {
		if text == "" {
			continue
		}
		at := firstMatch(text, terms)
		if at < 0 {
			continue
		}
		segs, _ := highlight(window(text, at), terms)
		return segs
	}
	segs, _ := highlight(summaryOf(t, snippetLen), terms)
	return segs
}

// firstMatch returns the byte offset of the first word of text that begins
// with one of the terms, or -1.
func firstMatch(text string, terms []string) int {
	off := 0
	for off < len(text) {
		i := strings.IndexFunc(text[off:], isWordRune)
		if i < 0 {
			return -1
		}
		off += i
		j := strings.IndexFunc(text[off:], func(r rune) bool { return !isWordRune(r) })
		if j < 0 {
			j = len(text) - off
		}
		if matches(text[off:off+j], terms) {
			return off
		}
		off += j
	}
	return -1
}

// window cuts about snippetLen characters out of text around the byte
// offset at, on word boundaries, with an ellipsis where it cut.
func window(text string, at int) string {
	if utf8.RuneCountInString(text) <= snippetLen {
		return text
	}
	start := at
	for n := 0; start > 0 && n < snippetLen/3; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:start])
		start -= size
	}
	if start > 0 {
		if sp := strings.IndexFunc(text[start:at], unicode.IsSpace); sp >= 0 {
			start += sp + 1
		}
	}
	end := start
	for n := 0; end < len(text) && n < snippetLen; n++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	if end < len(text) {
		if sp := strings.LastIndexFunc(text[at:end], unicode.IsSpace); sp > 0 {
			end = at + sp
		}
	}
	out := text[start:end]
	if start > 0 {
		out = "…" + out
	}
	if end < len(text) {
		out += "…"
	}
	return out
}

// search serves the search form and its results: ?q=words, ranked, with the
// matching words marked.
func (h *Handler) search(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	cat := h.cats[lang]
	raw := r.URL.Query().Get("q")
	if utf8.RuneCountInString(raw) > db.MaxSearchLen {
		return h.badRequest(w, r, lang, "search.bad.long", db.MaxSearchLen)
	}
	page, ok := parsePage(r)
	if !ok {
		return h.badRequest(w, r, lang, "sec.bad.page")
	}
	q := strings.TrimSpace(raw)
	data := map[string]any{"Q": q, "Max": db.MaxSearchLen}
	title := cat.T("search.title")
	if q != "" {
		terms := db.SearchTerms(q)
		hits, total, err := h.store.Search(r.Context(), db.SearchQuery{Q: q, Lang: lang, Limit: perPage, Offset: (page - 1) * perPage})
		if err != nil {
			return err
		}
		if len(hits) == 0 && page > 1 {
			return db.ErrNotFound
		}
		badge := h.forumFmt(lang).badge
		views := make([]hitView, len(hits))
		for i, hit := range hits {
			tsegs, _ := highlight(hit.Text.Title, terms)
			v := hitView{Path: hit.PagePath(lang), Title: tsegs, Snippet: snippet(hit.Text, terms), Lang: hit.Text.Lang, Exact: hit.Text.Lang == lang,
				LangName: badge(hit.Text.Lang).Label}
			switch hit.Source {
			case db.SearchItem:
				v.Kind = cat.T("sec.kind." + string(hit.Kind))
			default:
				v.Kind = cat.T("search.kind." + string(hit.Source))
			}
			views[i] = v
		}
		data["Hits"] = views
		data["Total"] = total
		data["Searched"] = true
		data["Pager"] = newPager(lang, "/search", only(r.URL.Query(), "q"), page, total)
		title = cat.T("search.title.q", q)
	}
	remember(w, r, lang)
	return h.render(w, r, http.StatusOK, "search", &view{
		Lang: lang, Title: title, Path: withQuery("/search", only(r.URL.Query(), "q", "page")), Section: "search", Data: data,
	})
}
