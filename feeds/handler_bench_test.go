package feeds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// benchHandler returns a handler on a store of the given engine with 50
// published news items of two organisations, each with about 1.5 KB of
// HTML in both languages and every other one with two attached files.
func benchHandler(b *testing.B, d db.Dialect) *Handler {
	b.Helper()
	s := dbtest.Open(b, d)
	ctx := context.Background()
	var orgs []int64
	for _, handle := range []string{"ic-sofia", "ic-varna"} {
		o := &db.Organisation{Handle: handle, Kind: db.OrgInfoCentre}
		o.SetTexts(db.Text{Lang: db.BG, Title: "Информационен център " + handle}, db.Text{Lang: db.EN, Title: "Information centre " + handle})
		if err := s.CreateOrganisation(ctx, o); err != nil {
			b.Fatal(err)
		}
		orgs = append(orgs, o.ID)
	}
	var media []int64
	for i := range 2 {
		sum := sha256.Sum256([]byte{byte(i)})
		m := &db.Media{SHA256: hex.EncodeToString(sum[:]), ContentType: "image/jpeg", Size: 100_000, OriginalName: "photo.jpg",
			Translations: []db.MediaTranslation{{Lang: db.BG, Alt: "Снимка"}, {Lang: db.EN, Alt: "A photo"}}}
		if err := s.SaveMedia(ctx, m); err != nil {
			b.Fatal(err)
		}
		media = append(media, m.ID)
	}
	para := `<p>Информационният център предлага <a href="https://hub.example/bg/services">консултации</a> за имигранти &amp; бежанци: документи, работа, образование.</p>`
	html := strings.Repeat(para, 1536/len(para)+1)
	for i := range 50 {
		it := &db.Item{Kind: db.News, Status: db.Published, OrganisationID: orgs[i%2]}
		it.SetTexts(
			db.Text{Lang: db.BG, Title: fmt.Sprintf("Новина %d", i), Summary: "Кратко резюме на новината.", BodyHTML: html},
			db.Text{Lang: db.EN, Title: fmt.Sprintf("News %d", i), Summary: "A short summary of the news.", BodyHTML: html},
		)
		if err := s.CreateItem(ctx, it); err != nil {
			b.Fatal(err)
		}
		if i%2 == 0 {
			if err := s.SetItemMedia(ctx, it.ID, media); err != nil {
				b.Fatal(err)
			}
		}
	}
	base, _ := url.Parse(testBase)
	return New(Config{BaseURL: base}, s, slog.New(slog.DiscardHandler))
}

// benchServe serves GET /bg/feeds/all.atom from h b.N times; reset empties
// the cache before each request, so that every one is built from the
// store.
func benchServe(b *testing.B, d db.Dialect, reset bool, headers ...string) {
	h := benchHandler(b, d)
	req := httptest.NewRequest(http.MethodGet, "/bg/feeds/all.atom", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), "<entry") != 50 {
		b.Fatalf("GET = %d with %d entries", rec.Code, strings.Count(rec.Body.String(), "<entry"))
	}
	want := http.StatusOK
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "ETag" {
			headers[i+1] = rec.Header().Get("ETag")
			want = http.StatusNotModified
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	if want == http.StatusOK {
		b.SetBytes(int64(rec.Body.Len()))
	}
	b.ReportAllocs()
	for b.Loop() {
		if reset {
			h.cache.reset()
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			b.Fatalf("GET = %d, want %d", rec.Code, want)
		}
	}
}

func eachDialect(b *testing.B, fn func(b *testing.B, d db.Dialect)) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(d), func(b *testing.B) { fn(b, d) })
	}
}

// BenchmarkAtomFromStore50 builds the 50-entry site feed from the store
// for every request: the queries (items with translations and
// organisations, and the files of all items in one) and the rendering.
func BenchmarkAtomFromStore50(b *testing.B) {
	eachDialect(b, func(b *testing.B, d db.Dialect) { benchServe(b, d, true) })
}

// BenchmarkAtomCached50 serves the same feed from the cache.
func BenchmarkAtomCached50(b *testing.B) {
	eachDialect(b, func(b *testing.B, d db.Dialect) { benchServe(b, d, false) })
}

// BenchmarkAtomNotModified answers a conditional request for it with 304.
func BenchmarkAtomNotModified(b *testing.B) {
	eachDialect(b, func(b *testing.B, d db.Dialect) { benchServe(b, d, false, "If-None-Match", "ETag") })
}
