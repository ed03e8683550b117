package markup

import (
	"strings"
	"testing"
)

func TestRenderSanitises(t *testing.T) {
	r := New()
	tests := []struct {
		name, md      string
		want, mustNot []string
	}{
		{"cyrillic heading", "## Междукултурни компетенции\n\nТекст.", []string{`<h2 id="междукултурни-компетенции">`, "<p>Текст.</p>"}, nil},
		{"raw script escaped", "<script>alert(1)</script>", nil, []string{"<script"}},
		{"event handler", `<img src="x" onerror="alert(1)">`, nil, []string{"onerror"}},
		{"javascript link", "[click](javascript:alert(1))", nil, []string{"javascript:"}},
		{"http link nofollow", "[site](https://example.org)", []string{`href="https://example.org"`, `rel="nofollow"`}, nil},
		{"table", "| a | b |\n|---|---|\n| 1 | 2 |", []string{"<table>", "<td>1</td>"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Render(tt.md)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Render(%q) = %q, want it to contain %q", tt.md, got, w)
				}
			}
			for _, w := range tt.mustNot {
				if strings.Contains(got, w) {
					t.Errorf("Render(%q) = %q, must not contain %q", tt.md, got, w)
				}
			}
		})
	}
}

func TestSanitizeRemoteHTML(t *testing.T) {
	got := New().Sanitize(`<p onclick="x()">Здравей <a href="javascript:x()">връзка</a><iframe src="https://evil"></iframe><style>p{}</style></p>`)
	for _, bad := range []string{"onclick", "javascript:", "<iframe", "<style"} {
		if strings.Contains(got, bad) {
			t.Errorf("Sanitize kept %q: %s", bad, got)
		}
	}
	if !strings.Contains(got, "Здравей") {
		t.Errorf("Sanitize lost the text: %s", got)
	}
}

func TestPlainTextAndTruncate(t *testing.T) {
	if got, want := PlainText("<p>Първи&nbsp;ред</p><p>Втори &amp; <b>трети</b></p>"), "Първи\u00a0ред Втори & трети"; got != want {
		t.Errorf("PlainText = %q, want %q", got, want)
	}
	if got, want := Truncate("Интеграция на имигранти в България", 20), "Интеграция на…"; got != want {
		t.Errorf("Truncate = %q, want %q", got, want)
	}
	if got := Truncate("кратко", 20); got != "кратко" {
		t.Errorf("Truncate of short text = %q", got)
	}
}
