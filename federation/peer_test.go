package federation

import (
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/bgimigranti/hub/federation/httpsig"
)

// fakePeer is a server shaped like Mastodon or GoToSocial with one user,
// alice: it serves her actor (GoToSocial: only to signed GETs, with the key
// at its own URL and no shared inbox), WebFinger, and inboxes that verify
// every delivery's signature by fetching the sender's key and record it.
type fakePeer struct {
	t     testing.TB
	gts   bool
	srv   *httptest.Server
	key   *rsa.PrivateKey
	clock *testClock

	mu       sync.Mutex
	received []receivedActivity
	status   func(r *http.Request) int // answer to deliveries; nil: 202
	objects  map[string]any            // extra documents served by path
}

type receivedActivity struct {
	path string
	doc  map[string]any
	raw  []byte
}

func newFakePeer(t testing.TB, gts bool, clock *testClock) *fakePeer {
	t.Helper()
	p := &fakePeer{t: t, gts: gts, key: poolKeys(t)[3], clock: clock, objects: map[string]any{}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *fakePeer) host() string      { return strings.TrimPrefix(p.srv.URL, "http://") }
func (p *fakePeer) actorID() string   { return p.srv.URL + "/users/alice" }
func (p *fakePeer) inbox() string     { return p.actorID() + "/inbox" }
func (p *fakePeer) shared() string    { return p.srv.URL + "/inbox" }
func (p *fakePeer) followers() string { return p.actorID() + "/followers" }

func (p *fakePeer) keyID() string {
	if p.gts {
		return p.actorID() + "/main-key"
	}
	return p.actorID() + "#main-key"
}

func (p *fakePeer) style() sigStyle {
	if p.gts {
		return gtsStyle
	}
	return mastodonStyle
}

func (p *fakePeer) actorDoc() map[string]any {
	pem, _ := httpsig.EncodePublicKey(&p.key.PublicKey)
	doc := map[string]any{
		"@context":          []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":                p.actorID(),
		"type":              "Person",
		"preferredUsername": "alice",
		"name":              "Alice Example",
		"summary":           "<p>I help <script>alert(1)</script>newcomers.</p>",
		"inbox":             p.inbox(),
		"outbox":            p.actorID() + "/outbox",
		"followers":         p.followers(),
		"following":         p.actorID() + "/following",
		"url":               p.srv.URL + "/@alice",
		"publicKey":         map[string]any{"id": p.keyID(), "owner": p.actorID(), "publicKeyPem": pem},
	}
	if !p.gts {
		doc["endpoints"] = map[string]any{"sharedInbox": p.shared()}
	}
	return doc
}

func (p *fakePeer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		p.receive(w, r)
		return
	}
	if p.gts && r.URL.Path != "/.well-known/webfinger" && r.Header.Get("Signature") == "" {
		http.Error(w, "signature required", http.StatusUnauthorized)
		return
	}
	var doc any
	switch r.URL.Path {
	case "/.well-known/webfinger":
		doc = map[string]any{"subject": "acct:alice@" + p.host(),
			"links": []any{map[string]any{"rel": "self", "type": "application/activity+json", "href": p.actorID()}}}
	case "/users/alice":
		doc = p.actorDoc()
	case "/users/alice/main-key":
		if !p.gts {
			http.NotFound(w, r)
			return
		}
		// GoToSocial's stub: the key and who owns it, nothing else.
		full := p.actorDoc()
		doc = map[string]any{"@context": full["@context"], "id": p.actorID(), "type": "Person", "publicKey": full["publicKey"]}
	default:
		p.mu.Lock()
		doc = p.objects[r.URL.Path]
		p.mu.Unlock()
		if doc == nil {
			http.NotFound(w, r)
			return
		}
	}
	w.Header().Set("Content-Type", "application/activity+json; charset=utf-8")
	json.NewEncoder(w).Encode(doc)
}

// receive verifies a delivery as Mastodon does (fetching the sender's key
// from the sender) and records it.
func (p *fakePeer) receive(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	res, err := httpsig.Verify(r.Context(), r, body, httpsig.Options{Now: p.clock.Now()}, p.fetchKey)
	if err != nil {
		p.t.Errorf("peer %s: delivery to %s does not verify: %v", p.host(), r.URL.Path, err)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	if idOf(doc["actor"]) != res.Owner {
		p.t.Errorf("peer: activity actor %v signed by %s", doc["actor"], res.Owner)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/activity+json" {
		p.t.Errorf("peer: delivery content type %q", ct)
	}
	st := http.StatusAccepted
	if p.status != nil {
		st = p.status(r)
	}
	if st < 300 {
		p.mu.Lock()
		p.received = append(p.received, receivedActivity{path: r.URL.Path, doc: doc, raw: body})
		p.mu.Unlock()
	}
	w.WriteHeader(st)
}

// fetchKey fetches a hub actor's key with a signed GET (as GoToSocial
// and Mastodon in secure mode do).
func (p *fakePeer) fetchKey(ctx context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, stripFragment(keyID), nil)
	req.Header.Set("Accept", "application/activity+json")
	peerSign(p.t, req, nil, p.keyID(), p.key, gtsGetStyle, p.clock.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", errors.New(resp.Status)
	}
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return nil, "", err
	}
	k := objOf(doc["publicKey"])
	if str(k, "id") != keyID {
		return nil, "", errors.New("key id mismatch")
	}
	pub, err := httpsig.ParsePublicKey(str(k, "publicKeyPem"))
	return pub, idOf(k["owner"]), err
}

// activities returns what the peer received, of one type.
func (p *fakePeer) activities(typ string) []receivedActivity {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []receivedActivity
	for _, a := range p.received {
		if typeOf(a.doc) == typ {
			out = append(out, a)
		}
	}
	return out
}

// send posts an activity from alice to a hub inbox, signed in the peer's
// style, and returns the status.
func (p *fakePeer) send(inbox string, act map[string]any) int {
	p.t.Helper()
	return postSigned(p.t, inbox, mustJSON(p.t, act), p.keyID(), p.key, p.style(), p.clock.Now())
}

// serveObject makes the peer serve doc at path.
func (p *fakePeer) serveObject(path string, doc any) {
	p.mu.Lock()
	p.objects[path] = doc
	p.mu.Unlock()
}

// shows is what the peer's user reads of the object of a received
// activity (a Create or Update): the text and the content warning, by the
// peer's server's own rules (render_test.go).
func (p *fakePeer) shows(a receivedActivity) (text, cw string) {
	p.t.Helper()
	var act map[string]json.RawMessage
	if err := json.Unmarshal(a.raw, &act); err != nil {
		p.t.Fatalf("peer: %v", err)
	}
	obj, err := decodeOrdered(act["object"])
	if err != nil {
		p.t.Fatalf("peer: the object of %s: %v", typeOf(a.doc), err)
	}
	if p.gts {
		return gtsStatus(obj)
	}
	return mastodonStatus(obj)
}
