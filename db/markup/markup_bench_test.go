package markup

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
)

// Sizes at which forms refuse Markdown: a forum post (db.MaxPostLen) and
// an item, page or chapter body (db.MaxBodyLen), in ASCII characters.
const (
	postSize = 50_000
	bodySize = 200_000
)

// repeat fills n bytes with s.
func repeat(s string, n int) string { return strings.Repeat(s, n/len(s)) }

// worstInputs are the slowest shapes known for CommonMark parsers (cmark's
// test/pathological_tests.py and the reports against goldmark, md4c and
// pulldown-cmark), each n bytes long.
var worstInputs = []struct {
	name string
	gen  func(n int) string
}{
	{"nested-quotes", func(n int) string { return repeat("> ", n) + "x" }},
	{"quote-markers", func(n int) string { return repeat(">", n) + " x" }},
	{"nested-lists", func(n int) string { return repeat("- ", n) + "x" }},
	{"nested-ordered", func(n int) string { return repeat("1. ", n) + "x" }},
	{"quotes-and-lists", func(n int) string { return repeat("> - ", n) + "x" }},
	{"emphasis-mismatched", func(n int) string { return repeat("*a_", n) }},
	{"emphasis-openers", func(n int) string { return repeat("_a ", n) }},
	{"emphasis-nested", func(n int) string { return repeat("*a **a ", n/2) + "b" + repeat(" a** a*", n/2) }},
	{"link-unclosed", func(n int) string { return repeat("[a](", n) }},
	{"link-unclosed-angle", func(n int) string { return repeat("[a](<b", n) }},
	{"link-openers", func(n int) string { return repeat("[a", n) }},
	{"link-closers", func(n int) string { return repeat("a]", n) }},
	{"brackets-nested", func(n int) string { return repeat("[", n/2) + "a" + repeat("]", n/2) }},
	{"link-emphasis", func(n int) string { return repeat("[ a_", n) }},
	{"reference-bomb", func(n int) string {
		return "[a]: /" + strings.Repeat("x", n/2) + "\n\n" + repeat("[a]", n/2)
	}},
	{"references-many", func(n int) string {
		var b strings.Builder
		for i := 0; b.Len() < n/2; i++ {
			fmt.Fprintf(&b, "[%d]: /u%d\n", i, i)
		}
		return b.String() + "\n" + repeat("[1][1]", n/2)
	}},
	{"table-wide", func(n int) string {
		return repeat("|a", n/4) + "|\n" + repeat("|-", n/4) + "|\n" + repeat("x\n", n/2)
	}},
	{"table-long", func(n int) string { return "| a | b | c |\n|---|---|---|\n" + repeat("| 1 | 2 | 3 |\n", n) }},
	{"backticks", func(n int) string {
		var b strings.Builder
		for i := 1; b.Len() < n; i++ {
			b.WriteString("e" + strings.Repeat("`", i))
		}
		return b.String()
	}},
	{"backslash-backticks", func(n int) string { return repeat("\\``", n) }},
	{"html-comments", func(n int) string { return "</" + repeat("<!--", n) }},
	{"indented-list", func(n int) string { return indentedList(isqrt(n)) }},
}

func isqrt(n int) int {
	i := 0
	for (i+1)*(i+1) <= n {
		i++
	}
	return i
}

// BenchmarkRender renders each worst input at the two form limits.
// Run: go test ./db/markup -run '^$' -bench Render -benchtime 3x
func BenchmarkRender(b *testing.B) {
	r := New()
	for _, size := range []int{postSize, bodySize} {
		for _, in := range worstInputs {
			md := in.gen(size)
			b.Run(fmt.Sprintf("%s/%dk", in.name, size/1000), func(b *testing.B) {
				b.SetBytes(int64(len(md)))
				for b.Loop() {
					if _, err := r.Render(md); err != nil && in.name != "reference-bomb" {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkRenderUnbounded is the renderer as it was before the limits of
// limits.go: goldmark with extension.GFM and the same sanitiser. Some
// inputs take minutes and gigabytes at the form limits, so it runs only
// when HUB_BENCH_UNBOUNDED is set, and table-wide only at 10k.
// Run: HUB_BENCH_UNBOUNDED=1 go test ./db/markup -run '^$' -bench RenderUnbounded -benchtime 1x
func BenchmarkRenderUnbounded(b *testing.B) {
	if os.Getenv("HUB_BENCH_UNBOUNDED") == "" {
		b.Skip("set HUB_BENCH_UNBOUNDED=1 to measure the renderer without limits")
	}
	md := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithParserOptions(parser.WithAutoHeadingID()))
	policy := New().policy
	for _, size := range []int{postSize, bodySize} {
		for _, in := range worstInputs {
			n := size
			if in.name == "table-wide" || in.name == "reference-bomb" {
				n = 10_000
			}
			src := []byte(in.gen(n))
			b.Run(fmt.Sprintf("%s/%dk", in.name, n/1000), func(b *testing.B) {
				b.SetBytes(int64(len(src)))
				for b.Loop() {
					var buf bytes.Buffer
					if err := md.Convert(src, &buf); err != nil {
						b.Fatal(err)
					}
					policy.Sanitize(buf.String())
				}
			})
		}
	}
}

// BenchmarkSanitize cleans the worst shapes of HTML another server may
// send, at the inbox's limit (1 MiB): bluemonday tokenises without a tree,
// so deep nesting costs no more than flat tags.
// Run: go test ./db/markup -run '^$' -bench Sanitize -benchtime 3x
func BenchmarkSanitize(b *testing.B) {
	r := New()
	const size = 1 << 20
	for _, in := range []struct{ name, unit string }{
		{"nested-div", "<div>"},
		{"nested-blockquote", "<blockquote>"},
		{"nested-list", "<ul><li>"},
		{"links", `<a href="https://example.org/">`},
		{"lone-lt", "<"},
		{"comments", "<!--"},
		{"attributes", `<p a="b" c="d">`},
	} {
		h := repeat(in.unit, size)
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(h)))
			for b.Loop() {
				PlainText(r.Sanitize(h))
			}
		})
	}
}
