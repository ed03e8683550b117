package feeds

import (
	"bytes"
	"io"
	"testing"
)

// benchFeed renders a 50-entry feed with about 1.5 KB of HTML per entry
// and reports the size of one document.
func benchFeed(b *testing.B, render func(io.Writer, *Feed) error) {
	f := bigFeed(b, 50)
	var buf bytes.Buffer
	if err := render(&buf, f); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := render(&buf, f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAtom50(b *testing.B) { benchFeed(b, Atom) }
func BenchmarkRSS50(b *testing.B)  { benchFeed(b, RSS) }
func BenchmarkJSON50(b *testing.B) { benchFeed(b, JSON) }

// BenchmarkICal50 renders a 50-event calendar in three zones, with a long
// Cyrillic description per event.
func BenchmarkICal50(b *testing.B) {
	c := bigCalendar(b, 50)
	var buf bytes.Buffer
	if err := ICal(&buf, c); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := ICal(&buf, c); err != nil {
			b.Fatal(err)
		}
	}
}
