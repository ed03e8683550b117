package federation

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/markup"
)

// FuzzInboxParse feeds arbitrary bodies to everything the inbox does to a
// body before it touches the database: parsing and resolving the activity
// (go-fed), reading its object as an item, a reply or an actor. Nothing may
// panic; a parsed activity holds no string the database refuses, nesting
// no deeper than maxDepth and no list longer than its cap; and an item
// that comes out must be storable, in at most db.MaxTranslations valid
// languages. The seed corpus in
// testdata/fuzz/FuzzInboxParse holds real shapes from Mastodon, GoToSocial,
// Mobilizon, Lemmy and this hub.
func FuzzInboxParse(f *testing.F) {
	f.Add([]byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"https://a.example/1","type":"Follow","actor":"https://a.example/u","object":"https://hub.example/actors/x"}`))
	f.Add([]byte(`{"type":["Create"],"object":[{"type":"Note","contentMap":{"bg":1}}]}`))
	f.Add([]byte(`{"id":"https://a.example/2","type":"Create","actor":"https://a.example/u","object":{"id":"https://a.example/n","type":"Article","name":"t","contentMap":{"x1":"<p>a</p>","en-x1":"b","BG-bg":"c"}}}`))
	f.Add([]byte(`{"id":"https://a.example/3","type":"Create","actor":"https://a.example/u","object":{"id":"https://a.example/n","type":"Note","content":"\u0000"}}`))
	base, _ := url.Parse("https://hub.example")
	h := &Handler{md: markup.New(), base: "https://hub.example", host: base.Host, now: time.Now, cfg: Config{BaseURL: base}}
	f.Fuzz(func(t *testing.T, body []byte) {
		act, err := parseActivity(context.Background(), body)
		if err != nil {
			return
		}
		if act.id == "" || act.actor == "" || act.typ == "" {
			t.Fatalf("parsed without id, actor or type: %+v", act)
		}
		checkLimits(t, act.raw, 0)
		addressedTo(act.raw)
		isPublic(act.raw)
		h.actorFromDoc(act.raw, body)
		for _, obj := range objsOf(act.raw["object"]) {
			sectionOf(obj)
			h.replyFrom(obj)
			it, err := h.remoteItem(obj)
			if err != nil {
				continue
			}
			if !it.Kind.Valid() || len(it.Translations) == 0 || (it.Kind == db.Event && it.StartsAt.IsZero()) {
				t.Fatalf("unstorable item: %+v", it)
			}
			if len(it.Translations) > db.MaxTranslations {
				t.Fatalf("%d translations, more than %d", len(it.Translations), db.MaxTranslations)
			}
			for _, tr := range it.Translations {
				if strings.TrimSpace(tr.Title) == "" || !tr.Lang.Valid() || len([]rune(tr.Title)) > db.MaxTitleLen ||
					len([]rune(tr.Summary)) > db.MaxSummaryLen {
					t.Fatalf("unstorable translation: %+v", tr)
				}
			}
		}
	})
}

// seed returns the body of a file of the fuzz seed corpus.
func seed(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzInboxParse", name))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(s)
}

// TestRealShapes reads the corpus's real activities as the inbox would and
// checks what comes out: every one parses (go-fed accepts them) but the
// hostile ones with what the database refuses, and the content becomes
// the right items.
func TestRealShapes(t *testing.T) {
	base, _ := url.Parse("https://hub.example")
	h := &Handler{md: markup.New(), base: "https://hub.example", host: base.Host, now: time.Now, cfg: Config{BaseURL: base}}
	entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", "FuzzInboxParse"))
	if err != nil {
		t.Fatal(err)
	}
	refused := map[string]bool{"hostile_invalid_utf8": true, "hostile_nul_escape": true, "hostile_control": true, "hostile_deep": true}
	for _, e := range entries {
		_, err := parseActivity(context.Background(), seed(t, e.Name()))
		switch {
		case refused[e.Name()] && !errors.Is(err, errMalformed):
			t.Errorf("%s parses (%v), want it refused", e.Name(), err)
		case !refused[e.Name()] && err != nil:
			t.Errorf("%s does not parse: %v", e.Name(), err)
		}
	}
	item := func(name string) *db.Item {
		t.Helper()
		act, err := parseActivity(context.Background(), seed(t, name))
		if err != nil {
			t.Fatal(err)
		}
		it, err := h.remoteItem(objOf(act.raw["object"]))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return it
	}
	mz := item("mobilizon_create_event")
	if mz.Kind != db.Event || !mz.StartsAt.Equal(time.Date(2026, 12, 10, 16, 0, 0, 0, time.UTC)) || mz.PlaceName != "Читалище" ||
		mz.Address != "ул. Първа 1, 6300, Хасково, BG" || mz.PrimaryLang != db.BG {
		t.Errorf("Mobilizon event: %+v", mz)
	}
	lemmy := item("lemmy_create_page")
	if en, _, _ := lemmy.Texts().In(db.EN); lemmy.Kind != db.News || en.Title != "A post title" {
		t.Errorf("Lemmy page: %s %+v", lemmy.Kind, en)
	}
	hub := item("hub_create_article")
	if en, exact, _ := hub.Texts().In(db.EN); hub.Kind != db.Announcement || !exact || en.Title != "Announcement" || en.BodyHTML != "<p>text</p>" {
		t.Errorf("hub article: %s %+v", hub.Kind, en)
	}
	ev := item("hub_create_event")
	if ev.Kind != db.Event || ev.OnlineURL != "https://meet.example/x" || ev.Address != "ул. 1" || ev.TimeZone != "Europe/Sofia" {
		t.Errorf("hub event: %+v", ev)
	}
	masto := item("mastodon_create_note")
	if bg, _, _ := masto.Texts().In(db.BG); !strings.HasPrefix(bg.BodyHTML, "<p>Благодаря!</p><figure><img src=\"https://files.mastodon.example/1.jpg\" alt=\"A photo\">") {
		t.Errorf("Mastodon note (contentMap read from the raw JSON): %+v", bg)
	}
}

// checkLimits fails when a parsed document breaks what checkDoc promises.
func checkLimits(t *testing.T, v any, depth int) {
	t.Helper()
	if depth > maxDepth {
		t.Fatalf("nested deeper than %d", maxDepth)
	}
	switch v := v.(type) {
	case string:
		if !db.ValidText(v) {
			t.Fatalf("string %q passed", v)
		}
	case map[string]any:
		for k, e := range v {
			if !db.ValidText(k) {
				t.Fatalf("key %q passed", k)
			}
			if l, ok := e.([]any); ok && listCaps[k] > 0 && len(l) > listCaps[k] {
				t.Fatalf("%s has %d entries, more than %d", k, len(l), listCaps[k])
			}
			checkLimits(t, e, depth+1)
		}
	case []any:
		for _, e := range v {
			checkLimits(t, e, depth+1)
		}
	}
}
