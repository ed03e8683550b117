// Package markup turns the Markdown that people write into HTML that is safe
// to show, sanitises HTML that arrives from other servers, and derives plain
// text from either. Rendering happens once, when content is saved or
// received; pages and feeds show the stored result.
package markup

import (
	"bytes"
	"fmt"
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
)

// Renderer renders Markdown and sanitises HTML. It is safe for concurrent use;
// build one with New and share it.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// New returns a Renderer: GitHub-flavoured Markdown (tables, strikethrough,
// autolinks), raw HTML in the source escaped, heading ids for anchors, and
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
			goldmark.WithExtensions(extension.GFM),
			goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		),
		policy: p,
	}
}

// Render converts Markdown to sanitised HTML.
func (r *Renderer) Render(md string) (string, error) {
	var buf bytes.Buffer
	ctx := parser.NewContext(parser.WithIDs(&headingIDs{seen: map[string]int{}}))
	if err := r.md.Convert([]byte(md), &buf, parser.WithContext(ctx)); err != nil {
		return "", fmt.Errorf("markup: render: %w", err)
	}
	return r.policy.Sanitize(buf.String()), nil
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
