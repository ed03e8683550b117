package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

func TestContentLang(t *testing.T) {
	for _, c := range []struct {
		in   string
		want db.Lang
		ok   bool
	}{
		{"bg", "bg", true},
		{"BG-bg", "bg", true},
		{" en-GB ", "en", true},
		{"zh-Hant-TW", "zh-hant-tw", true},
		{"pt-BR", "pt-br", true},
		{"de-CH-1996", "de", true},
		{"tlh", "tlh", true},
		{"en-US-u-ca-gregory", "en", true},
		{"x1", "", false},
		{"en-x1", "", false},
		{"", "", false},
		{"und", "", false},
		{"x-private", "", false},
		{"xx", "", false},
		{"b\x00g", "", false},
		{"bg;DROP", "", false},
		{strings.Repeat("a", 40), "", false},
	} {
		got, ok := db.ContentLang(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ContentLang(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
		if ok && !got.Valid() {
			t.Errorf("ContentLang(%q) = %q, which is not Valid", c.in, got)
		}
	}
	for _, l := range []db.Lang{"BG", "bg-bg", "x1", "zh-Hant"} {
		if l.Valid() {
			t.Errorf("%q.Valid() = true, want false: only the stored form is valid", l)
		}
	}
}

func TestValidText(t *testing.T) {
	for s, want := range map[string]bool{
		"Здравей, свят":     true,
		"line\nnext\ttab\r": true,
		"":                  true,
		"nul\x00":           false,
		"bell\x07":          false,
		"del\x7f":           false,
		"c1\u0085":          false,
		"bad\xff utf8":      false,
		"\xed\xa0\x80":      false, // a surrogate
	} {
		if got := db.ValidText(s); got != want {
			t.Errorf("ValidText(%q) = %v, want %v", s, got, want)
		}
	}
	if db.ValidLine("a\nb") || !db.ValidLine("a b") {
		t.Error("ValidLine must refuse line breaks and allow spaces")
	}
}

// TestDriverRefusalsAreInvalid sends what the drivers refuse (NUL, invalid
// UTF-8) straight to queries: the store answers ErrInvalid or ErrNotFound,
// never an untranslated driver error that would become a 500.
func TestDriverRefusalsAreInvalid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		for _, bad := range []string{"a\x00b", "a\xffb", "\xc3"} {
			_, err := s.HandbookBySlug(ctx, bad)
			if !errors.Is(err, db.ErrInvalid) && !errors.Is(err, db.ErrNotFound) {
				t.Errorf("HandbookBySlug(%q): %v, want ErrInvalid or ErrNotFound", bad, err)
			}
			_, err = s.CreateUser(ctx, db.NewUser{Email: "x@example.org", Name: bad, Password: "a long enough password", Role: db.RoleMember})
			if !errors.Is(err, db.ErrInvalid) {
				t.Errorf("CreateUser(name %q): %v, want ErrInvalid", bad, err)
			}
		}
	})
}

// FuzzContentLang holds the one language rule to its promises for any
// string: it never panics, and what it accepts is the stored form (Valid,
// a fixed point, lower-case letters, digits and hyphens, at most 35
// bytes), so a tag that passed once passes everywhere after. Seeds are in
// testdata/fuzz/FuzzContentLang.
func FuzzContentLang(f *testing.F) {
	for _, s := range []string{"bg", "x1", "en-US", "zh-Hant-TW", "und", "i-klingon", "sgn-BE-FR", "de-CH-1996", "en-u-ca-x1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, ok := db.ContentLang(s)
		if !ok {
			if l != "" {
				t.Fatalf("ContentLang(%q) = %q, false", s, l)
			}
			return
		}
		if !l.Valid() || len(l) > 35 || len(l) < 2 {
			t.Fatalf("ContentLang(%q) = %q, which is not Valid", s, l)
		}
		if again, ok := db.ContentLang(string(l)); !ok || again != l {
			t.Fatalf("ContentLang(%q) = %q, but ContentLang(%q) = %q, %v", s, l, l, again, ok)
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Fatalf("ContentLang(%q) = %q holds %q", s, l, r)
			}
		}
	})
}
