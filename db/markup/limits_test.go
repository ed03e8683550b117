package markup

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
)

// maxDepth returns how deeply the block quotes and lists of an HTML
// fragment nest.
func maxDepth(h string) int {
	depth, deepest := 0, 0
	for _, m := range containerTag.FindAllStringSubmatch(h, -1) {
		if m[1] == "/" {
			depth--
			continue
		}
		depth++
		deepest = max(deepest, depth)
	}
	return deepest
}

var containerTag = regexp.MustCompile(`<(/?)(?:blockquote|ul|ol)>`)

func TestNestingCapped(t *testing.T) {
	r := New()
	tests := []struct{ name, md string }{
		{"quotes on one line", strings.Repeat("> ", 5000) + "deep"},
		{"quote markers without spaces", strings.Repeat(">", 5000) + " deep"},
		{"bullets on one line", strings.Repeat("- ", 5000) + "deep"},
		{"numbers on one line", strings.Repeat("1. ", 5000) + "deep"},
		{"quotes and bullets", strings.Repeat("> - ", 2000) + "deep"},
		{"indented list", indentedList(200)},
		{"quote stairs", quoteStairs(200)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Render(tt.md)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxDepth(got); d != MaxNesting {
				t.Errorf("nesting of %q… = %d, want %d", tt.md[:20], d, MaxNesting)
			}
			if !strings.Contains(got, "deep") {
				t.Errorf("the text after the markers is lost: …%s", got[max(0, len(got)-200):])
			}
			if len(got) > 20*len(tt.md) {
				t.Errorf("HTML is %d bytes for %d of Markdown", len(got), len(tt.md))
			}
		})
	}
	// Within the limit nothing changes.
	got, err := r.Render(strings.Repeat("> ", MaxNesting) + "x")
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDepth(got); d != MaxNesting || strings.Contains(got, "&gt;") {
		t.Errorf("%d quotes: depth %d, %q", MaxNesting, d, got)
	}
}

func indentedList(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat("  ", i) + "- deep\n")
	}
	return b.String()
}

func quoteStairs(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(strings.Repeat("> ", i) + "deep\n")
	}
	return b.String()
}

func TestTableCellsBounded(t *testing.T) {
	r := New()
	// A header of 2 000 columns and 5 000 one-cell rows would be padded to
	// ten million cells.
	wide := strings.Repeat("|a", 2000) + "|\n" + strings.Repeat("|-", 2000) + "|\n" + strings.Repeat("x\n", 5000)
	got, err := r.Render(wide)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "<table>") || len(got) > 2*len(wide) {
		t.Errorf("wide table rendered as a table of %d bytes from %d", len(got), len(wide))
	}
	// An ordinary long table is still a table.
	long := "| a | b | c |\n|---|:-:|--:|\n" + strings.Repeat("| 1 | 2 | 3 |\n", 2000)
	got, err = r.Render(long)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(got, "<td"); n != 6000 {
		t.Errorf("long table has %d cells, want 6000", n)
	}
}

func TestInlineRunsBounded(t *testing.T) {
	r := New()
	got, err := r.Render(strings.Repeat("*a* ", 1000))
	if err != nil {
		t.Fatal(err)
	}
	// Each "*a*" opens one delimiter and closes with another.
	if n := strings.Count(got, "<em>"); n != MaxDelimiters/2 {
		t.Errorf("%d <em>, want %d", n, MaxDelimiters/2)
	}
	got, err = r.Render(strings.Repeat("[a](/b) ", 1000))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(got, "<a "); n != MaxLinkClosers {
		t.Errorf("%d links, want %d", n, MaxLinkClosers)
	}
	// The count is per paragraph.
	got, err = r.Render(strings.Repeat("[a](/b) *c*\n\n", 1000))
	if err != nil {
		t.Fatal(err)
	}
	if n, m := strings.Count(got, "<a "), strings.Count(got, "<em>"); n != 1000 || m != 1000 {
		t.Errorf("%d links and %d <em> in 1000 paragraphs, want 1000 each", n, m)
	}
}

func TestRenderRefuses(t *testing.T) {
	r := New()
	bomb := "[a]: https://example.org/" + strings.Repeat("x", 100_000) + "\n\n" + strings.Repeat("[a] ", 30_000)
	if _, err := r.Render(bomb); !errors.Is(err, ErrTooComplex) {
		t.Errorf("reference bomb: err = %v, want ErrTooComplex", err)
	}
	if _, err := r.Render(strings.Repeat("a", MaxSourceBytes+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversize: err = %v, want ErrTooLarge", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.RenderContext(ctx, "text"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want context.Canceled", err)
	}
	// A reference used a few times is fine.
	got, err := r.Render("[a]: https://example.org/\n\n" + strings.Repeat("[a] ", 100))
	if err != nil || strings.Count(got, "<a ") != 100 {
		t.Errorf("references: %v, %d links", err, strings.Count(got, "<a "))
	}
}

func TestCodeSpansKept(t *testing.T) {
	r := New()
	for md, want := range map[string]string{
		"a `b` c":                 "<code>b</code>",
		"``x ` y`` and `z`":       "<code>x ` y</code> and <code>z</code>",
		"`open\n\nclosed `x`":     "<code>x</code>",
		"\\`` no ``` span ``":     "no ``` span",
		"`a\nb`":                  "<code>a b</code>",
		strings.Repeat("\\``", 3): "``",
	} {
		got, err := r.Render(md)
		if err != nil || !strings.Contains(got, want) {
			t.Errorf("Render(%q) = %q, %v; want it to contain %q", md, got, err, want)
		}
	}
}
