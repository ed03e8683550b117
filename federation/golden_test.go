package federation

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenHub is a hub at https://hub.example whose actors all have the
// committed test key, with content made at fixed times.
func goldenHub(t *testing.T) (*Handler, *db.Store, map[string]*db.Item) {
	t.Helper()
	ctx := context.Background()
	store := dbtest.Open(t, db.SQLite)
	base, _ := url.Parse("https://hub.example")
	key := poolKeys(t)[0]
	clock := &testClock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	h, err := New(Config{BaseURL: base, Now: clock.Now, KeyGen: func() (*rsa.PrivateKey, error) { return key, nil }}, store, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	th := &testHub{t: t, store: store, clock: clock}
	org := th.org("ic-haskovo")
	items := map[string]*db.Item{"news": th.item(org, db.News, "Новина"), "event": th.item(org, db.Event, "Среща")}
	gallery := &db.Item{Kind: db.Gallery, OrganisationID: org.ID, Status: db.Published, PrimaryLang: db.EN,
		PublishedAt: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC), StartsAt: time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC), PlaceName: "Хасково"}
	gallery.SetTexts(db.Text{Lang: db.EN, Title: "Seminar photos", Summary: "Capacity-building seminar"},
		db.Text{Lang: db.BG, Title: "Снимки от семинара"})
	if err := store.CreateItem(ctx, gallery); err != nil {
		t.Fatal(err)
	}
	m := &db.Media{SHA256: strings.Repeat("ab", 32), ContentType: "image/jpeg", Size: 12345, Width: 1200, Height: 800,
		Translations: []db.MediaTranslation{{Lang: db.BG, Alt: "Участници в семинара"}, {Lang: db.EN, Alt: "Seminar participants"}}}
	if err := store.SaveMedia(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := store.SetItemMedia(ctx, gallery.ID, []int64{m.ID}); err != nil {
		t.Fatal(err)
	}
	items["gallery"] = gallery
	// A follower, and the Creates in the outbox.
	a, err := h.localActor(ctx, "ic-haskovo")
	if err != nil {
		t.Fatal(err)
	}
	addFollowers(t, store, a, 1, 1, true)
	if _, err := h.PublishPending(ctx, 10); err != nil {
		t.Fatal(err)
	}
	return h, store, items
}

var activityIDs = regexp.MustCompile(`/activities/[0-9a-f]{32}`)

// TestGolden compares the documents the hub serves with testdata/*.golden
// (go test -run TestGolden -update rewrites them).
func TestGolden(t *testing.T) {
	h, _, items := goldenHub(t)
	routes := h.Routes()
	cases := []struct{ name, path, accept string }{
		{"webfinger", "/.well-known/webfinger?resource=acct:ic-haskovo@hub.example", ""},
		{"webfinger_hub", "/.well-known/webfinger?resource=https://hub.example/actors/hub.example", ""},
		{"nodeinfo_index", "/.well-known/nodeinfo", ""},
		{"nodeinfo", "/nodeinfo/2.1", ""},
		{"host_meta", "/.well-known/host-meta", ""},
		{"actor_organisation", "/actors/ic-haskovo", contentType},
		{"actor_hub", "/actors/hub.example", contentType},
		{"object_article", items["news"].ObjectPath(), contentType},
		{"object_event", items["event"].ObjectPath(), contentType},
		{"object_gallery", items["gallery"].ObjectPath(), contentType},
		{"outbox", "/actors/ic-haskovo/outbox", contentType},
		{"outbox_page", "/actors/ic-haskovo/outbox?page=1", contentType},
		{"followers_page", "/actors/ic-haskovo/followers?page=1", contentType},
		{"featured", "/actors/ic-haskovo/featured", contentType},
		{"organisations", "/actors/hub.example/organisations?page=1", contentType},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "https://hub.example"+c.path, nil)
			if c.accept != "" {
				req.Header.Set("Accept", c.accept)
			}
			rec := httptest.NewRecorder()
			routes.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s: %d %s", c.path, rec.Code, rec.Body)
			}
			got := rec.Body.Bytes()
			ext := ".json"
			if strings.Contains(rec.Header().Get("Content-Type"), "xml") {
				ext = ".xml"
			} else {
				var buf bytes.Buffer
				if err := json.Indent(&buf, got, "", "  "); err != nil {
					t.Fatalf("GET %s: not JSON: %v", c.path, err)
				}
				buf.WriteByte('\n')
				got = buf.Bytes()
			}
			got = activityIDs.ReplaceAll(got, []byte("/activities/ID"))
			file := filepath.Join("testdata", c.name+ext+".golden")
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("GET %s differs from %s (run with -update to accept):\n%s", c.path, file, got)
			}
		})
	}
}

// TestWebFingerErrors: unknown resources are 404, malformed ones 400.
func TestWebFingerErrors(t *testing.T) {
	h, _, _ := goldenHub(t)
	routes := h.Routes()
	for _, c := range []struct {
		query string
		want  int
	}{
		{"", http.StatusBadRequest},
		{"resource=", http.StatusBadRequest},
		{"resource=ic-haskovo", http.StatusBadRequest},
		{"resource=acct:ic-haskovo", http.StatusBadRequest},
		{"resource=acct:@hub.example", http.StatusBadRequest},
		{"resource=acct:nobody@hub.example", http.StatusNotFound},
		{"resource=acct:ic-haskovo@elsewhere.example", http.StatusNotFound},
		{"resource=https://hub.example/items/1", http.StatusNotFound},
		{"resource=acct:IC-Haskovo@HUB.example", http.StatusOK},
		{"resource=acct:%40ic-haskovo@hub.example", http.StatusOK},
	} {
		rec := httptest.NewRecorder()
		routes.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://hub.example/.well-known/webfinger?"+c.query, nil))
		if rec.Code != c.want {
			t.Errorf("webfinger ?%s: %d, want %d", c.query, rec.Code, c.want)
		}
	}
}
