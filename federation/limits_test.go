package federation

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bgimigranti/hub/db"
)

// syncBuffer is a log sink tests read while handlers write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// followedPeer starts a hub on d that follows a fake Mastodon peer, with
// the hub's log at Debug level in the returned buffer.
func followedPeer(t *testing.T, d db.Dialect) (*testHub, *fakePeer, *syncBuffer) {
	t.Helper()
	ctx := context.Background()
	clock := newClock()
	hub := newTestHub(t, d, clock)
	logs := &syncBuffer{}
	hub.h.log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	masto := newFakePeer(t, false, clock)
	if _, err := hub.h.Follow(ctx, "alice@"+masto.host()); err != nil {
		t.Fatal(err)
	}
	hub.drain()
	follow := masto.activities("Follow")
	if len(follow) != 1 {
		t.Fatalf("the peer got %d Follows", len(follow))
	}
	accept := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": masto.srv.URL + "/accepts/1",
		"type": "Accept", "actor": masto.actorID(), "object": str(follow[0].doc, "id")}
	if st := masto.send(hub.h.base+"/inbox", accept); st != http.StatusAccepted {
		t.Fatalf("accept: %d", st)
	}
	return hub, masto, logs
}

// article is a public Create of an Article of the peer's.
func article(p *fakePeer, n int, obj map[string]any) map[string]any {
	id := fmt.Sprintf("%s/users/alice/statuses/%d", p.srv.URL, n)
	o := map[string]any{"id": id, "type": "Article", "attributedTo": p.actorID(), "to": []any{asPublic},
		"name": "Заглавие", "content": "<p>Текст</p>"}
	for k, v := range obj {
		o[k] = v
	}
	return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id + "/activity", "type": "Create",
		"actor": p.actorID(), "to": []any{asPublic}, "object": o}
}

// TestPartnerLanguagesAndCaps sends a followed partner's Articles through
// the real inbox: a contentMap key that is not a language tag ("x1", which
// once took every feed down) is dropped, a map of thousands of languages
// keeps at most db.MaxTranslations with bg and en among them, and
// a thousand tags and recipients are cut before anything is stored.
func TestPartnerLanguagesAndCaps(t *testing.T) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			hub, masto, _ := followedPeer(t, d)

			bad := article(masto, 1, map[string]any{"content": "<p>Bad key</p>", "contentMap": map[string]any{"x1": "<p>Bad key</p>", "en-x1": "<p>x</p>"},
				"nameMap": map[string]any{"x1": "Bad"}})
			if st := masto.send(hub.h.base+"/inbox", bad); st != http.StatusAccepted {
				t.Fatalf("article with x1: %d", st)
			}
			it, err := hub.store.ItemByAPID(ctx, masto.srv.URL+"/users/alice/statuses/1")
			if err != nil {
				t.Fatal(err)
			}
			for _, tr := range it.Texts() {
				if !tr.Lang.Valid() {
					t.Errorf("stored a translation in %q", tr.Lang)
				}
			}
			if !it.PrimaryLang.Valid() || len(it.Texts()) != 1 {
				t.Errorf("article with x1 stored in %v (primary %q), want one valid language", it.Texts().Langs(), it.PrimaryLang)
			}

			langs := map[string]any{}
			for _, l := range []string{"bg", "en", "BG-bg", "uk", "ru", "de", "fr", "es", "it", "el", "tr", "ar", "fa", "ro", "pt-BR", "x1"} {
				langs[l] = "<p>Текст " + l + "</p>"
			}
			for a := 'a'; a <= 'j'; a++ {
				for b := 'a'; b <= 'z'; b++ {
					for c := 'a'; c <= 'z'; c++ {
						langs[string([]rune{a, b, c})] = "<p>x</p>"
					}
				}
			}
			var tags, to []any
			for i := range 1000 {
				tags = append(tags, map[string]any{"type": "Hashtag", "name": fmt.Sprintf("#t%d", i), "href": fmt.Sprintf("%s/tags/t%d", masto.srv.URL, i)})
				to = append(to, fmt.Sprintf("%s/users/u%d", masto.srv.URL, i))
			}
			huge := article(masto, 2, map[string]any{"contentMap": langs, "tag": tags, "to": append([]any{asPublic}, to...),
				"cc": to, "bto": to, "bcc": to, "attachment": tags})
			if st := masto.send(hub.h.base+"/inbox", huge); st != http.StatusAccepted {
				t.Fatalf("article with %d languages: %d", len(langs), st)
			}
			it, err = hub.store.ItemByAPID(ctx, masto.srv.URL+"/users/alice/statuses/2")
			if err != nil {
				t.Fatal(err)
			}
			got := it.Texts().Langs()
			if len(got) > db.MaxTranslations || !slices.Contains(got, db.BG) || !slices.Contains(got, db.EN) {
				t.Errorf("article with %d languages stored in %v, want at most %d with bg and en", len(langs), got, db.MaxTranslations)
			}
		})
	}
}

// TestNotAppliedIsLogged checks that an accepted activity the hub does not
// apply leaves its reason in the log at Debug level: an Announce whose
// object cannot be fetched, and an activity of a type the hub ignores.
func TestNotAppliedIsLogged(t *testing.T) {
	hub, masto, logs := followedPeer(t, db.SQLite)
	announce := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": masto.srv.URL + "/announces/1",
		"type": "Announce", "actor": masto.actorID(), "to": []any{asPublic}, "object": masto.srv.URL + "/users/alice/statuses/gone"}
	if st := masto.send(hub.h.base+"/inbox", announce); st != http.StatusAccepted {
		t.Fatalf("announce: %d", st)
	}
	move := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": masto.srv.URL + "/moves/1",
		"type": "Move", "actor": masto.actorID(), "object": masto.actorID()}
	if st := masto.send(hub.h.base+"/inbox", move); st != http.StatusAccepted {
		t.Fatalf("move: %d", st)
	}
	if st := masto.send(hub.h.base+"/inbox", move); st != http.StatusAccepted {
		t.Fatalf("move again: %d", st)
	}
	out := logs.String()
	for _, want := range []string{
		`level=DEBUG msg="activity not applied" id=` + masto.srv.URL + `/announces/1 type=Announce actor=` + masto.actorID() + ` reason="ignored: fetch announced object`,
		`level=DEBUG msg="activity not applied" id=` + masto.srv.URL + `/moves/1 type=Move actor=` + masto.actorID() + ` reason="ignored: Move activities are not handled"`,
		`level=DEBUG msg="activity not applied" id=` + masto.srv.URL + `/moves/1 type=Move actor=` + masto.actorID() + ` reason="received before"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks\n%s\n--- log:\n%s", want, out)
		}
	}
}
