// Package markup turns the Markdown that people write into HTML that is safe
// to show, sanitises HTML that arrives from other servers, and derives plain
// text from either. Rendering happens once, when content is saved or
// received; pages and feeds show the stored result.
package markup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Errors of RenderContext. Both are the writer's to fix: a form shows them
// as a message on the field.
var (
	// ErrTooLarge means the source is longer than MaxSourceBytes.
	ErrTooLarge = errors.New("markup: source too large")
	// ErrTooComplex means the HTML would be far larger than the source,
	// as when one long link definition is used thousands of times.
	ErrTooComplex = errors.New("markup: source too complex")
)

// Renderer renders Markdown and sanitises HTML. It is safe for concurrent use;
// build one with New and share it.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// New returns a Renderer: GitHub-flavoured Markdown (tables, strikethrough,
// autolinks) within the limits of limits.go, raw HTML in the source escaped, heading ids for anchors, and
// bluemonday's user-generated-content policy on the output with links made
// rel="nofollow noopener" and only http, https and mailto URLs kept.
func New() *Renderer {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[\p{L}\p{N}_-]{1,80}$`)).OnElements("h1", "h2", "h3", "h4", "h5", "h6")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	p.RequireNoReferrerOnLinks(false)
	return &Renderer{
		md: goldmark.New(
			goldmark.WithParser(newParser()),
			goldmark.WithExtensions(limitedGFM{}),
		),
		policy: p,
	}
}

// Render converts Markdown to sanitised HTML; see RenderContext.
func (r *Renderer) Render(md string) (string, error) {
	return r.RenderContext(context.Background(), md)
}

// RenderContext converts Markdown to sanitised HTML. It refuses a source
// longer than MaxSourceBytes (ErrTooLarge) or one whose HTML would be out
// of proportion to it (ErrTooComplex), and stops between its steps (parse,
// render, sanitise) once ctx is done, returning ctx's error. Within those
// bounds its time grows about linearly with the source's length.
func (r *Renderer) RenderContext(ctx context.Context, md string) (string, error) {
	if len(md) > MaxSourceBytes {
		return "", fmt.Errorf("markup: render %d bytes: %w", len(md), ErrTooLarge)
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("markup: render: %w", err)
	}
	src := []byte(md)
	pc := parser.NewContext(parser.WithIDs(&headingIDs{seen: map[string]int{}}))
	doc := r.md.Parser().Parse(text.NewReader(src), parser.WithContext(pc))
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("markup: render: %w", err)
	}
	if expansion(doc) > len(src)+maxExpansion {
		return "", fmt.Errorf("markup: render: links: %w", ErrTooComplex)
	}
	out := &limitWriter{max: 32*len(src) + 8<<20}
	if err := r.md.Renderer().Render(out, src, doc); err != nil {
		return "", fmt.Errorf("markup: render: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("markup: render: %w", err)
	}
	return r.policy.Sanitize(out.buf.String()), nil
}

// limitWriter is a buffer that refuses to grow beyond max bytes, a last
// bound on the HTML of one document.
type limitWriter struct {
	buf bytes.Buffer
	max int
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.buf.Len()+len(p) > w.max {
		return 0, ErrTooComplex
	}
	return w.buf.Write(p)
}

// Sanitize cleans HTML from an untrusted source (another server, a form)
// with the same policy as rendered Markdown.
func (r *Renderer) Sanitize(h string) string { return r.policy.Sanitize(h) }

// headingIDs makes anchors from heading text that keep Cyrillic and other
// letters (goldmark's default keeps only ASCII), unique within a document.
type headingIDs struct{ seen map[string]int }

func (h *headingIDs) Generate(value []byte, _ ast.NodeKind) []byte {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(string(value)) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	id := strings.TrimRight(b.String(), "-")
	if id == "" {
		id = "section"
	}
	if r := []rune(id); len(r) > 60 {
		id = strings.TrimRight(string(r[:60]), "-")
	}
	n := h.seen[id]
	h.seen[id] = n + 1
	if n > 0 {
		id = fmt.Sprintf("%s-%d", id, n)
	}
	return []byte(id)
}

func (h *headingIDs) Put(value []byte) { h.seen[string(value)]++ }

var (
	strip  = bluemonday.StrictPolicy()
	blocks = regexp.MustCompile(`(?i)</?(p|br|div|li|h[1-6]|tr|blockquote|pre)[^>]*>`)
	spaces = regexp.MustCompile(`\s+`)
)

// PlainText returns the text of an HTML fragment with tags removed, entities
// decoded and white space folded.
func PlainText(h string) string {
	h = blocks.ReplaceAllString(h, " ")
	t := html.UnescapeString(strip.Sanitize(h))
	return strings.TrimSpace(spaces.ReplaceAllString(t, " "))
}

// Truncate shortens plain text to at most n runes, cutting at a word boundary
// where it can and marking the cut with an ellipsis.
func Truncate(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	cut := string(runes[:n-1])
	if i := strings.LastIndexAny(cut, " \t\n"); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:-–—") + "…"
}
