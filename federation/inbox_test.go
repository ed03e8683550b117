package federation

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
)

// TestInboxRejectsBadInput sends what a broken or hostile server might,
// one case at a time, and checks the status and that nothing happened: no
// 5xx anywhere.
func TestInboxRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	hub := newTestHub(t, db.SQLite, clock)
	org := hub.org("ic-pleven")
	orgURI := hub.h.actorURI("ic-pleven")
	peer := newFakePeer(t, false, clock)
	other := poolKeys(t)[5] // not alice's key
	inbox := hub.h.base + "/inbox"

	followN := 0
	follow := func() []byte {
		followN++
		return mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": peer.srv.URL + "/follows/" + string(rune('a'+followN)), "type": "Follow", "actor": peer.actorID(), "object": orgURI})
	}
	send := func(body []byte, sign func(*http.Request, []byte)) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, inbox, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/activity+json")
		if sign != nil {
			sign(req, body)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	asAlice := func(req *http.Request, body []byte) {
		peerSign(t, req, body, peer.keyID(), peer.key, mastodonStyle, clock.Now())
	}

	cases := []struct {
		name string
		body []byte
		sign func(*http.Request, []byte)
		want int
	}{
		{"unsigned", follow(), nil, http.StatusUnauthorized},
		{"wrong key", follow(), func(r *http.Request, b []byte) {
			peerSign(t, r, b, peer.keyID(), other, mastodonStyle, clock.Now())
		}, http.StatusUnauthorized},
		{"body changed after signing", nil, nil, http.StatusUnauthorized},
		{"date a day old", follow(), func(r *http.Request, b []byte) {
			peerSign(t, r, b, peer.keyID(), peer.key, mastodonStyle, clock.Now().Add(-24*time.Hour))
		}, http.StatusUnauthorized},
		{"date a day ahead", follow(), func(r *http.Request, b []byte) {
			peerSign(t, r, b, peer.keyID(), peer.key, mastodonStyle, clock.Now().Add(24*time.Hour))
		}, http.StatusUnauthorized},
		{"digest not signed", follow(), func(r *http.Request, b []byte) {
			peerSign(t, r, b, peer.keyID(), peer.key, gtsGetStyle, clock.Now())
		}, http.StatusUnauthorized},
		{"5 MB body", append(append([]byte(`{"type":"Create","x":"`), bytes.Repeat([]byte("a"), 5<<20)...), `"}`...), asAlice, http.StatusRequestEntityTooLarge},
		{"malformed JSON", []byte(`{"type": "Follow", "id": `), asAlice, http.StatusBadRequest},
		{"JSON array", []byte(`[1,2,3]`), asAlice, http.StatusBadRequest},
		{"no actor", mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": peer.srv.URL + "/x", "type": "Follow"}), asAlice, http.StatusBadRequest},
		{"id on another host", mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": "https://elsewhere.example/x",
			"type": "Follow", "actor": peer.actorID(), "object": orgURI}), asAlice, http.StatusBadRequest},
		{"actor is not the key owner", mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": peer.srv.URL + "/follows/bob",
			"type": "Follow", "actor": peer.srv.URL + "/users/bob", "object": orgURI}), asAlice, http.StatusUnauthorized},
		{"unknown activity type", mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": peer.srv.URL + "/reacts/1",
			"type": "EmojiReact", "actor": peer.actorID(), "object": orgURI, "content": "🎉"}), asAlice, http.StatusAccepted},
		{"unknown inbox", nil, nil, http.StatusNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got int
			switch c.name {
			case "body changed after signing":
				body := follow()
				req, _ := http.NewRequest(http.MethodPost, inbox, nil)
				asAlice(req, body)
				changed := bytes.Replace(body, []byte(orgURI), []byte(hub.h.actorURI(hub.h.hubHandle)), 1)
				req.Body = io.NopCloser(bytes.NewReader(changed))
				req.ContentLength = int64(len(changed))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				got = resp.StatusCode
			case "unknown inbox":
				got = postSigned(t, hub.h.base+"/actors/nobody/inbox", follow(), peer.keyID(), peer.key, mastodonStyle, clock.Now())
			default:
				got = send(c.body, c.sign)
			}
			if got != c.want {
				t.Errorf("status %d, want %d", got, c.want)
			}
		})
	}
	a, err := hub.h.localActor(ctx, org.Handle)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := hub.store.CountFollowers(ctx, a.ID); n != 0 {
		t.Errorf("a rejected Follow made %d followers", n)
	}
	if _, err := hub.store.ActivityByURI(ctx, peer.srv.URL+"/reacts/1"); err != nil {
		t.Errorf("unknown activity not stored: %v", err)
	}
	if n, _ := hub.store.CountDeliveries(ctx, db.DeliveryPending, ""); n != 0 {
		t.Errorf("%d deliveries queued by rejected or ignored activities", n)
	}

	// A replay: the same Follow twice has one effect.
	body := follow()
	for i := 0; i < 2; i++ {
		if st := postSigned(t, inbox, body, peer.keyID(), peer.key, mastodonStyle, clock.Now()); st != http.StatusAccepted {
			t.Fatalf("follow %d: %d", i, st)
		}
	}
	if n, _ := hub.store.CountFollowers(ctx, a.ID); n != 1 {
		t.Errorf("followers after a replayed Follow: %d, want 1", n)
	}
	if n, _ := hub.store.CountDeliveries(ctx, db.DeliveryPending, ""); n != 1 {
		t.Errorf("Accepts queued after a replayed Follow: %d, want 1", n)
	}

	// A blocked domain gets 403, and its follower is gone.
	if err := hub.store.SetDomainPolicy(ctx, peer.host(), db.PolicyBlock, "spam"); err != nil {
		t.Fatal(err)
	}
	hub.h.policy.invalidate()
	if st := postSigned(t, inbox, follow(), peer.keyID(), peer.key, mastodonStyle, clock.Now()); st != http.StatusForbidden {
		t.Errorf("blocked domain: %d, want 403", st)
	}
	if n, _ := hub.store.CountFollowers(ctx, a.ID); n != 0 {
		t.Errorf("blocked domain keeps %d followers", n)
	}
}

// TestInboxAllowlistMode refuses hosts that are not approved.
func TestInboxAllowlistMode(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	hub := newTestHub(t, db.SQLite, clock)
	hub.org("ic-lom")
	peer := newFakePeer(t, false, clock)
	if err := hub.store.SetAllowlistMode(ctx, true); err != nil {
		t.Fatal(err)
	}
	follow := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": peer.srv.URL + "/f/1",
		"type": "Follow", "actor": peer.actorID(), "object": hub.h.actorURI("ic-lom")}
	if st := peer.send(hub.h.base+"/inbox", follow); st != http.StatusForbidden {
		t.Errorf("unapproved host in allowlist mode: %d, want 403", st)
	}
	if err := hub.store.SetDomainPolicy(ctx, peer.host(), db.PolicyAllow, "partner"); err != nil {
		t.Fatal(err)
	}
	hub.h.policy.invalidate()
	if st := peer.send(hub.h.base+"/inbox", follow); st != http.StatusAccepted {
		t.Errorf("approved host: %d, want 202", st)
	}
}

// TestSignedFetchOnly serves actors and objects only to signed GETs,
// except the hub's own actor, which peers need to verify the hub.
func TestSignedFetchOnly(t *testing.T) {
	clock := newClock()
	hub := newTestHub(t, db.SQLite, clock, func(c *Config) { c.SignedFetchOnly = true })
	org := hub.org("ic-kardzhali")
	it := hub.item(org, db.News, "Новина")
	peer := newFakePeer(t, false, clock)
	for _, u := range []string{hub.h.actorURI("ic-kardzhali"), hub.h.objectURI(it)} {
		if st, _, _ := get(t, u, contentType); st != http.StatusUnauthorized {
			t.Errorf("unsigned GET %s: %d, want 401", u, st)
		}
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Accept", contentType)
		peerSign(t, req, nil, peer.keyID(), peer.key, gtsGetStyle, clock.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("signed GET %s: %d, want 200", u, resp.StatusCode)
		}
	}
	if st, _, _ := get(t, hub.h.actorURI(hub.h.hubHandle), contentType); st != http.StatusOK {
		t.Errorf("unsigned GET of the hub actor: %d, want 200", st)
	}
}

// TestContentNegotiation: AS2 Accept headers get JSON, anything else the
// site's page, on the same URLs.
func TestContentNegotiation(t *testing.T) {
	clock := newClock()
	hub := newTestHub(t, db.SQLite, clock)
	org := hub.org("ic-shumen")
	it := hub.item(org, db.News, "Новина")
	urls := []string{hub.h.actorURI("ic-shumen"), hub.h.objectURI(it)}
	for _, u := range urls {
		for _, accept := range []string{contentType, `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`,
			"application/activity+json, application/ld+json"} {
			st, hdr, body := get(t, u, accept)
			if st != http.StatusOK || hdr.Get("Content-Type") != contentType || str(decode(t, body), "id") != u {
				t.Errorf("GET %s Accept %q: %d %q", u, accept, st, hdr.Get("Content-Type"))
			}
			if !strings.Contains(hdr.Get("Vary"), "Accept") {
				t.Errorf("GET %s: no Vary: Accept", u)
			}
		}
		before := *hub.site
		for _, accept := range []string{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "", "*/*"} {
			st, hdr, _ := get(t, u, accept)
			if st != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
				t.Errorf("GET %s Accept %q: %d %q, want the page", u, accept, st, hdr.Get("Content-Type"))
			}
		}
		if *hub.site != before+3 {
			t.Errorf("site served %d of 3 browser requests", *hub.site-before)
		}
	}
	if st, _, _ := get(t, hub.h.base+"/items/999", contentType); st != http.StatusNotFound {
		t.Errorf("unknown item: %d", st)
	}
	draft := &db.Item{Kind: db.News, OrganisationID: org.ID, Status: db.Draft}
	draft.SetTexts(db.Text{Lang: db.BG, Title: "Чернова"})
	if err := hub.store.CreateItem(context.Background(), draft); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := get(t, hub.h.objectURI(draft), contentType); st != http.StatusNotFound {
		t.Errorf("draft item: %d, want 404", st)
	}
}
