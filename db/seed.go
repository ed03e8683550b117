package db

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/bgimigranti/hub/db/markup"
)

//go:embed seed
var seedFiles embed.FS

// The handbooks every install starts with, in order; their introductions are
// seed/handbooks/SLUG.LANG.md and their chapters
// seed/handbooks/SLUG/NN-CHAPTER.LANG.md, in the order of NN.
var seedHandbooks = []string{"intercultural-competences", "public-bodies-and-civil-society", "common-cases"}

// The static pages every install starts with; seed/pages/SLUG.LANG.md.
var seedPages = []string{"about", "eu-funding"}

// Seed creates what every install needs and does not have yet: the three
// handbooks with their introductions and chapters and the static pages, in
// every language a seed file exists for. It never overwrites what an admin has
// edited, so running it on every start is safe: a handbook, page or chapter
// that exists is left as it is, and a handbook's chapters are added only while
// it has none (so an install made before the chapters were written gets them,
// and one whose admin has written or renamed chapters keeps its own). It
// returns what it created.
func (s *Store) Seed(ctx context.Context, r *markup.Renderer) ([]string, error) {
	var created []string
	err := s.InTx(ctx, func(tx *Store) error {
		for i, slug := range seedHandbooks {
			h, err := tx.HandbookBySlug(ctx, slug)
			if errors.Is(err, ErrNotFound) {
				ts, err := seedTexts(r, "seed/handbooks/"+slug)
				if err != nil {
					return err
				}
				h = &Handbook{Slug: slug, Position: i + 1}
				h.SetTexts(ts...)
				if err := tx.CreateHandbook(ctx, h); err != nil {
					return err
				}
				created = append(created, "handbook "+slug)
			} else if err != nil {
				return err
			}
			if len(h.Chapters) > 0 {
				continue
			}
			chapters, err := seedChapters(r, slug)
			if err != nil {
				return err
			}
			if err := tx.createChapters(ctx, h.ID, chapters); err != nil {
				return fmt.Errorf("chapters of %s: %w", slug, err)
			}
			for _, c := range chapters {
				created = append(created, "chapter "+slug+"/"+c.Slug)
			}
		}
		for _, slug := range seedPages {
			if _, err := tx.Page(ctx, slug); !errors.Is(err, ErrNotFound) {
				if err != nil {
					return err
				}
				continue
			}
			ts, err := seedTexts(r, "seed/pages/"+slug)
			if err != nil {
				return err
			}
			p := &Page{Slug: slug}
			p.SetTexts(ts...)
			if err := tx.SavePage(ctx, p); err != nil {
				return err
			}
			created = append(created, "page "+slug)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("db: seed: %w", err)
	}
	return created, nil
}

// createChapters stores a handbook's chapters, numbered as given, with two
// statements (the chapters, then all their translations) rather than a few
// per chapter: every test's fresh database is seeded.
func (s *Store) createChapters(ctx context.Context, handbookID int64, cs []*Chapter) error {
	if len(cs) == 0 {
		return nil
	}
	now := s.utcNow()
	for _, c := range cs {
		if err := validSlug(c.Slug); err != nil {
			return err
		}
		if err := validTexts(c.Texts()); err != nil {
			return fmt.Errorf("%s: %w", c.Slug, err)
		}
		c.HandbookID, c.CreatedAt, c.UpdatedAt = handbookID, now, now
	}
	if _, err := s.w.NewInsert().Model(&cs).Returning("id").Exec(ctx); err != nil {
		return err
	}
	var ts []ChapterTranslation
	for _, c := range cs {
		for i := range c.Translations {
			c.Translations[i].ChapterID = c.ID
		}
		ts = append(ts, c.Translations...)
	}
	if _, err := s.w.NewInsert().Model(&ts).Exec(ctx); err != nil {
		return err
	}
	s.touched(ctx)
	return nil
}

// seedChapters reads the chapters of a handbook from
// seed/handbooks/HANDBOOK/NN-SLUG.LANG.md, ordered by NN.
func seedChapters(r *markup.Renderer, handbook string) ([]*Chapter, error) {
	dir := "seed/handbooks/" + handbook
	entries, err := fs.ReadDir(seedFiles, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*Chapter
	seen := map[string]bool{}
	for _, e := range entries { // ReadDir sorts by name, so by NN
		base, _, _ := strings.Cut(e.Name(), ".")
		_, slug, ok := strings.Cut(base, "-")
		if !ok {
			return nil, fmt.Errorf("%s/%s: a chapter file is named NN-SLUG.LANG.md", dir, e.Name())
		}
		if seen[slug] {
			continue
		}
		seen[slug] = true
		ts, err := seedTexts(r, dir+"/"+base)
		if err != nil {
			return nil, err
		}
		c := &Chapter{Slug: slug, Position: len(out) + 1}
		c.SetTexts(ts...)
		out = append(out, c)
	}
	return out, nil
}

// seedTexts reads PREFIX.LANG.md for every interface language.
func seedTexts(r *markup.Renderer, prefix string) ([]Text, error) {
	var out []Text
	for _, lang := range InterfaceLangs {
		b, err := fs.ReadFile(seedFiles, prefix+"."+string(lang)+".md")
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		t, err := ParseDocument(r, lang, string(b))
		if err != nil {
			return nil, fmt.Errorf("%s.%s.md: %w", prefix, lang, err)
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no seed text for %s", prefix)
	}
	return out, nil
}

// ParseDocument reads a Markdown document laid out as "# Title", a blank
// line, a one-paragraph plain summary, a blank line and the body, and returns
// it as a Text with the body rendered.
func ParseDocument(r *markup.Renderer, lang Lang, doc string) (Text, error) {
	doc = strings.ReplaceAll(doc, "\r\n", "\n")
	head, rest, _ := strings.Cut(strings.TrimLeft(doc, "\n"), "\n")
	title, ok := strings.CutPrefix(head, "# ")
	if !ok || strings.TrimSpace(title) == "" {
		return Text{}, fmt.Errorf("%w: a document must start with \"# Title\"", ErrInvalid)
	}
	rest = strings.TrimLeft(rest, "\n")
	summary, body, _ := strings.Cut(rest, "\n\n")
	html, err := r.Render(body)
	if err != nil {
		return Text{}, err
	}
	return Text{
		Lang:     lang,
		Title:    strings.TrimSpace(title),
		Summary:  strings.Join(strings.Fields(summary), " "),
		BodyMD:   strings.TrimSpace(body),
		BodyHTML: html,
	}, nil
}
