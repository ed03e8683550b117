package feeds

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

var update = flag.Bool("update", false, "write the output of the renderers to testdata/*.golden")

// render is one renderer applied to one fixture.
type render struct {
	name string // the golden file is testdata/<name>.golden
	fn   func(io.Writer) error
}

func renders(t testing.TB) []render {
	opml := []Outline{
		{Text: "Български", Children: []Outline{
			{Text: "Новини (Atom)", Title: "Новини — Български имигранти", Type: "rss", XMLURL: "https://hub.example/bg/news/feed.atom", HTMLURL: "https://hub.example/bg/news", Lang: "bg"},
			{Text: "Новини (RSS)", Type: "rss", XMLURL: "https://hub.example/bg/news/feed.rss", HTMLURL: "https://hub.example/bg/news", Lang: "bg"},
			{Text: "Събития (iCalendar)", Type: "link", URL: "https://hub.example/bg/events/calendar.ics"},
		}},
		{Text: "English", Children: []Outline{
			{Text: "Events & news", Type: "rss", XMLURL: "https://hub.example/en/events/feed.json", HTMLURL: "https://hub.example/en/events", Lang: "en"},
		}},
	}
	return []render{
		{"atom_bg", func(w io.Writer) error { return Atom(w, withSelf(bgFeed(t), "atom")) }},
		{"rss_bg", func(w io.Writer) error { return RSS(w, withSelf(bgFeed(t), "rss")) }},
		{"json_bg", func(w io.Writer) error { return JSON(w, withSelf(bgFeed(t), "json")) }},
		{"atom_en", func(w io.Writer) error { return Atom(w, withSelf(enFeed(t), "atom")) }},
		{"rss_en", func(w io.Writer) error { return RSS(w, withSelf(enFeed(t), "rss")) }},
		{"json_en", func(w io.Writer) error { return JSON(w, withSelf(enFeed(t), "json")) }},
		{"calendar", func(w io.Writer) error { return ICal(w, calendar(t)) }},
		{"opml", func(w io.Writer) error {
			return OPML(w, "Всички емисии — Български имигранти", "bg", opml)
		}},
	}
}

// TestGolden compares each renderer's output with testdata/<name>.golden
// byte for byte. Run "go test -update" to rewrite the files after a
// deliberate change, and review the diff.
func TestGolden(t *testing.T) {
	for _, r := range renders(t) {
		t.Run(r.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := r.fn(&buf); err != nil {
				t.Fatalf("render: %v", err)
			}
			got := buf.Bytes()
			path := filepath.Join("testdata", r.name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run go test -update and review the diff)\n%s", path, firstDiff(got, want))
			}
		})
	}
}

// TestDeterministic renders each fixture twice and compares the bytes:
// map order or a clock must not leak into the output.
func TestDeterministic(t *testing.T) {
	for _, r := range renders(t) {
		var a, b bytes.Buffer
		if err := r.fn(&a); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if err := r.fn(&b); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: two renders differ\n%s", r.name, firstDiff(a.Bytes(), b.Bytes()))
		}
	}
}

// firstDiff describes the first line where got and want differ.
func firstDiff(got, want []byte) string {
	gl := bytes.Split(got, []byte("\n"))
	wl := bytes.Split(want, []byte("\n"))
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w []byte
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if !bytes.Equal(g, w) {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + string(g) + "\nwant: " + string(w)
		}
	}
	return "no line differs"
}
