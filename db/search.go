package db

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/uptrace/bun"
)

// SearchSource is what kind of thing a search hit is.
type SearchSource string

// The things search finds.
const (
	SearchItem     SearchSource = "item"
	SearchChapter  SearchSource = "chapter"
	SearchHandbook SearchSource = "handbook"
	SearchPage     SearchSource = "page"
	// SearchForumPost is a visible forum post, found by its body or, for
	// a thread's opening post, by the thread's title.
	SearchForumPost SearchSource = "forum_post"
)

// Limits of a search; the portal shows the same numbers.
const (
	// MaxSearchLen is the longest query, in characters, that Search accepts.
	MaxSearchLen = 200
	// maxSearchTerms bounds the work one query can ask for.
	maxSearchTerms = 12
)

// SearchQuery is a full-text search over published items, handbook chapters,
// handbook introductions, static pages and the forum's visible threads and
// posts, in every language.
type SearchQuery struct {
	// Q is what the visitor typed. Every word of it must occur (as a word or
	// the beginning of one), in any case; operators and punctuation are not
	// syntax, only separators.
	Q string
	// Lang is the page's language. It does not filter: when a thing matches
	// in several languages, the hit shows the text in Lang if that one
	// matches.
	Lang          Lang
	Limit, Offset int
}

// SearchHit is one thing that matched, with the translation that matched.
type SearchHit struct {
	Source SearchSource
	ID     int64 // of the item, chapter, handbook, page or forum post
	Kind   Kind  // items only
	// Slug is the handbook's or the page's slug, or the chapter's, whose
	// handbook's is HandbookSlug.
	Slug         string
	HandbookSlug string
	Text         Text    // the matching translation
	Score        float64 // higher is better; comparable within one result set only
}

// PagePath returns the path of the hit's page in lang.
func (h *SearchHit) PagePath(lang Lang) string {
	switch h.Source {
	case SearchItem:
		return fmt.Sprintf("/%s/%s/%d", lang, h.Kind.Section(), h.ID)
	case SearchChapter:
		return fmt.Sprintf("/%s/handbooks/%s/%s", lang, h.HandbookSlug, h.Slug)
	case SearchHandbook:
		return fmt.Sprintf("/%s/handbooks/%s", lang, h.Slug)
	case SearchForumPost:
		return ForumPostPath(lang, h.ID)
	default:
		return fmt.Sprintf("/%s/pages/%s", lang, h.Slug)
	}
}

// SearchTerms splits a query into the lower-cased words Search looks for:
// runs of letters, digits and combining marks, at most a dozen, each with at
// least one letter or digit. Everything else (quotes, '+', '#', '*', '-',
// parentheses…) separates words, so no input is a syntax error.
func SearchTerms(q string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r)
	}) {
		if !strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || o == w
		}
		if !dup {
			out = append(out, w)
		}
		if len(out) == maxSearchTerms {
			break
		}
	}
	return out
}

// ftsQuery is an FTS5 MATCH expression that asks for every term as a
// prefix: "term"* "term"*. Each term is quoted, so nothing in it is syntax.
func ftsQuery(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"*`
	}
	return strings.Join(parts, " ")
}

// tsQuery is a PostgreSQL to_tsquery expression that asks for every term as
// a prefix: 'term':* & 'term':*.
func tsQuery(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = "'" + strings.ReplaceAll(strings.ReplaceAll(t, `\`, `\\`), "'", "''") + "':*"
	}
	return strings.Join(parts, " & ")
}

// searchRow is one ranked match before its text is loaded.
type searchRow struct {
	Source   SearchSource `bun:"source"`
	ParentID int64        `bun:"parent_id"`
	Lang     Lang         `bun:"lang"`
	Score    float64      `bun:"score"`
	Total    int          `bun:"total"`
}

// Search returns the things that match q, best first, one hit per thing,
// and how many things match in all. A query without words matches nothing;
// one longer than MaxSearchLen is ErrInvalid.
func (s *Store) Search(ctx context.Context, q SearchQuery) ([]SearchHit, int, error) {
	const op = "db: search"
	if len([]rune(q.Q)) > MaxSearchLen {
		return nil, 0, wrap(op, fmt.Errorf("%w: the query is longer than %d characters", ErrInvalid, MaxSearchLen))
	}
	terms := SearchTerms(q.Q)
	if len(terms) == 0 {
		return nil, 0, nil
	}
	limit := q.Limit
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	var matches string
	var args []any
	if s.dialect == Postgres {
		tsq := tsQuery(terms)
		var parts []string
		for _, src := range []struct {
			source      SearchSource
			table, col  string
			extra, join string
		}{
			{SearchItem, "item_translations", "item_id", " AND i.status = 'published'", " JOIN items i ON i.id = t.item_id"},
			{SearchChapter, "chapter_translations", "chapter_id", "", ""},
			{SearchHandbook, "handbook_translations", "handbook_id", "", ""},
			{SearchPage, "page_translations", "page_id", "", ""},
		} {
			parts = append(parts, fmt.Sprintf(
				"SELECT '%s' AS source, t.%s AS parent_id, t.lang, ts_rank(t.search_tsv, to_tsquery('simple', ?)) AS score FROM %s t%s WHERE t.search_tsv @@ to_tsquery('simple', ?)%s",
				src.source, src.col, src.table, src.join, src.extra))
			args = append(args, tsq, tsq)
		}
		parts = append(parts,
			// A thread's title is found as its opening post.
			`SELECT 'forum_post' AS source, fp.id AS parent_id, fp.lang, ts_rank(ft.search_tsv, to_tsquery('simple', ?)) AS score
			FROM forum_threads ft JOIN forum_posts fp ON fp.id = ft.first_post_id
			WHERE ft.search_tsv @@ to_tsquery('simple', ?) AND NOT ft.hidden AND NOT fp.hidden AND fp.deleted_at IS NULL`,
			`SELECT 'forum_post' AS source, fp.id AS parent_id, fp.lang, ts_rank(fp.search_tsv, to_tsquery('simple', ?)) AS score
			FROM forum_posts fp JOIN forum_threads ft ON ft.id = fp.thread_id
			WHERE fp.search_tsv @@ to_tsquery('simple', ?) AND NOT fp.hidden AND fp.deleted_at IS NULL AND NOT ft.hidden`)
		args = append(args, tsq, tsq, tsq, tsq)
		matches = strings.Join(parts, " UNION ALL ")
	} else {
		// bm25 is lower for better matches; negate it so that higher is
		// better on both engines. Titles weigh most, then summaries.
		// A thread's title (source 'forum_thread') is found as its opening
		// post.
		matches = `SELECT CASE WHEN fp.id IS NULL THEN d.source ELSE 'forum_post' END AS source,
			COALESCE(fp.id, d.parent_id) AS parent_id, d.lang, -bm25(search_fts, 10.0, 4.0, 1.0) AS score
			FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid
			LEFT JOIN items i ON d.source = 'item' AND i.id = d.parent_id
			LEFT JOIN forum_posts fp ON fp.id = CASE d.source WHEN 'forum_post' THEN d.parent_id
				WHEN 'forum_thread' THEN (SELECT first_post_id FROM forum_threads WHERE id = d.parent_id) END
			LEFT JOIN forum_threads ft ON ft.id = fp.thread_id
			WHERE search_fts MATCH ? AND (d.source <> 'item' OR i.status = 'published')
			AND (d.source NOT IN ('forum_thread', 'forum_post') OR (NOT ft.hidden AND NOT fp.hidden AND fp.deleted_at IS NULL))`
		args = append(args, ftsQuery(terms))
	}
	// One hit per thing: the translation in the page's language when it
	// matches, else the best one; ranked by the thing's best score.
	query := `WITH m AS (` + matches + `),
		r AS (SELECT source, parent_id, lang, MAX(score) OVER (PARTITION BY source, parent_id) AS score,
			ROW_NUMBER() OVER (PARTITION BY source, parent_id ORDER BY CASE WHEN lang = ? THEN 0 ELSE 1 END, score DESC, lang) AS n FROM m)
		SELECT source, parent_id, lang, score, COUNT(*) OVER () AS total FROM r WHERE n = 1
		ORDER BY score DESC, source, parent_id LIMIT ? OFFSET ?`
	args = append(args, q.Lang, limit, max(q.Offset, 0))
	var rows []searchRow
	if err := s.r.NewRaw(query, args...).Scan(ctx, &rows); err != nil {
		return nil, 0, wrap(op, err)
	}
	if len(rows) == 0 {
		return nil, 0, nil
	}
	hits, err := s.searchHits(ctx, rows)
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	return hits, rows[0].Total, nil
}

// searchHits loads the texts (and the slugs and kinds that make the links)
// of ranked matches, keeping their order. A thing deleted between the two
// queries is left out.
func (s *Store) searchHits(ctx context.Context, rows []searchRow) ([]SearchHit, error) {
	ids := map[SearchSource][]int64{}
	for _, r := range rows {
		ids[r.Source] = append(ids[r.Source], r.ParentID)
	}
	type key struct {
		src SearchSource
		id  int64
	}
	found := map[key]*SearchHit{}
	texts := map[key]Texts{}
	if len(ids[SearchItem]) > 0 {
		var items []*Item
		if err := s.r.NewSelect().Model(&items).Column("i.id", "i.kind").Relation("Translations").
			Where("i.id IN (?)", bun.In(ids[SearchItem])).Scan(ctx); err != nil {
			return nil, err
		}
		for _, it := range items {
			k := key{SearchItem, it.ID}
			found[k] = &SearchHit{Source: SearchItem, ID: it.ID, Kind: it.Kind}
			texts[k] = it.Texts()
		}
	}
	if len(ids[SearchChapter]) > 0 {
		var cs []*Chapter
		if err := s.r.NewSelect().Model(&cs).Relation("Translations").
			Where("c.id IN (?)", bun.In(ids[SearchChapter])).Scan(ctx); err != nil {
			return nil, err
		}
		hbIDs := make([]int64, 0, len(cs))
		for _, c := range cs {
			hbIDs = append(hbIDs, c.HandbookID)
		}
		var hbs []*Handbook
		if err := s.r.NewSelect().Model(&hbs).Column("h.id", "h.slug").Where("h.id IN (?)", bun.In(hbIDs)).Scan(ctx); err != nil {
			return nil, err
		}
		slugs := map[int64]string{}
		for _, hb := range hbs {
			slugs[hb.ID] = hb.Slug
		}
		for _, c := range cs {
			k := key{SearchChapter, c.ID}
			found[k] = &SearchHit{Source: SearchChapter, ID: c.ID, Slug: c.Slug, HandbookSlug: slugs[c.HandbookID]}
			texts[k] = c.Texts()
		}
	}
	if len(ids[SearchHandbook]) > 0 {
		var hbs []*Handbook
		if err := s.r.NewSelect().Model(&hbs).Relation("Translations").
			Where("h.id IN (?)", bun.In(ids[SearchHandbook])).Scan(ctx); err != nil {
			return nil, err
		}
		for _, hb := range hbs {
			k := key{SearchHandbook, hb.ID}
			found[k] = &SearchHit{Source: SearchHandbook, ID: hb.ID, Slug: hb.Slug}
			texts[k] = hb.Texts()
		}
	}
	if len(ids[SearchPage]) > 0 {
		var ps []*Page
		if err := s.r.NewSelect().Model(&ps).Relation("Translations").
			Where("p.id IN (?)", bun.In(ids[SearchPage])).Scan(ctx); err != nil {
			return nil, err
		}
		for _, p := range ps {
			k := key{SearchPage, p.ID}
			found[k] = &SearchHit{Source: SearchPage, ID: p.ID, Slug: p.Slug}
			texts[k] = p.Texts()
		}
	}
	if err := s.forumSearchHits(ctx, ids, func(src SearchSource, id int64, h *SearchHit, t Text) {
		k := key{src, id}
		found[k] = h
		texts[k] = Texts{t}
	}); err != nil {
		return nil, err
	}
	out := make([]SearchHit, 0, len(rows))
	for _, r := range rows {
		k := key{r.Source, r.ParentID}
		h, ok := found[k]
		if !ok {
			continue
		}
		t, _, ok := texts[k].In(r.Lang)
		if !ok {
			continue
		}
		h.Text, h.Score = t, r.Score
		out = append(out, *h)
	}
	return out, nil
}
