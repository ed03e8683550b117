package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
	"github.com/bgimigranti/hub/federation/httpsig"
)

// peer is a fediverse server with one user, alice, shaped like GoToSocial
// (no shared inbox, the key at its own URL, every GET signed) or like
// Lemmy (a shared inbox). It verifies and records every delivery.
type peer struct {
	t   *testing.T
	gts bool
	srv *httptest.Server
	key *rsa.PrivateKey

	mu       sync.Mutex
	received []map[string]any
}

func newPeer(t *testing.T, gts bool) *peer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return newPeerOn(t, gts, l)
}

// newPeerOn starts a peer on l.
func newPeerOn(t *testing.T, gts bool, l net.Listener) *peer {
	t.Helper()
	key, err := httpsig.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{t: t, gts: gts, key: key}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	p.srv.Listener.Close()
	p.srv.Listener = l
	p.srv.Start()
	t.Cleanup(p.srv.Close)
	return p
}

func (p *peer) host() string { return strings.TrimPrefix(p.srv.URL, "http://") }

func (p *peer) actor() string { return p.srv.URL + "/users/alice" }

func (p *peer) keyID() string {
	if p.gts {
		return p.actor() + "/main-key"
	}
	return p.actor() + "#main-key"
}

func (p *peer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		p.receive(w, r)
		return
	}
	if p.gts && r.URL.Path != "/.well-known/webfinger" && r.Header.Get("Signature") == "" {
		http.Error(w, "signature required", http.StatusUnauthorized)
		return
	}
	pem, _ := httpsig.EncodePublicKey(&p.key.PublicKey)
	doc := map[string]any{
		"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":       p.actor(), "type": "Person", "preferredUsername": "alice", "name": "Alice",
		"inbox": p.actor() + "/inbox", "outbox": p.actor() + "/outbox", "followers": p.actor() + "/followers",
		"publicKey": map[string]any{"id": p.keyID(), "owner": p.actor(), "publicKeyPem": pem},
	}
	if !p.gts {
		doc["endpoints"] = map[string]any{"sharedInbox": p.srv.URL + "/inbox"}
	}
	switch r.URL.Path {
	case "/.well-known/webfinger":
		w.Header().Set("Content-Type", "application/jrd+json")
		json.NewEncoder(w).Encode(map[string]any{"subject": "acct:alice@" + p.host(),
			"links": []any{map[string]any{"rel": "self", "type": "application/activity+json", "href": p.actor()}}})
	case "/users/alice", "/users/alice/main-key":
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(doc)
	default:
		http.NotFound(w, r)
	}
}

func (p *peer) receive(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if _, err := httpsig.Verify(r.Context(), r, body, httpsig.Options{}, p.fetchKey); err != nil {
		p.t.Errorf("peer: delivery to %s does not verify: %v", r.URL.Path, err)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	p.received = append(p.received, doc)
	p.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// fetchKey fetches the hub's key with a signed GET, as GoToSocial does.
func (p *peer) fetchKey(ctx context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
	u, _, _ := strings.Cut(keyID, "#")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	req.Header.Set("Accept", "application/activity+json")
	if err := httpsig.Sign(req, nil, p.keyID(), p.key, time.Now()); err != nil {
		return nil, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", errors.New(resp.Status)
	}
	var doc struct {
		PublicKey struct{ ID, Owner, PublicKeyPem string } `json:"publicKey"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return nil, "", err
	}
	pub, err := httpsig.ParsePublicKey(doc.PublicKey.PublicKeyPem)
	return pub, doc.PublicKey.Owner, err
}

// send posts an activity from alice, signed.
func (p *peer) send(inbox string, act map[string]any) int {
	p.t.Helper()
	body, _ := json.Marshal(act)
	req, _ := http.NewRequest(http.MethodPost, inbox, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/activity+json")
	if err := httpsig.Sign(req, body, p.keyID(), p.key, time.Now()); err != nil {
		p.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// got returns the activities of one type received so far.
func (p *peer) got(typ string) []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []map[string]any
	for _, d := range p.received {
		if d["type"] == typ {
			out = append(out, d)
		}
	}
	return out
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formPost GETs page with c, then POSTs v to action with the page's CSRF
// token, and returns the final status and body.
func formPost(t *testing.T, c *http.Client, page, action string, v url.Values) (int, string) {
	t.Helper()
	resp, err := c.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(b)
	if m == nil {
		t.Fatalf("GET %s (%d): no form token", page, resp.StatusCode)
	}
	v.Set("csrf", string(m[1]))
	resp, err = c.PostForm(action, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ = io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func strOf(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func listOf(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// TestFediverseThreadByMention: a GoToSocial user opens a thread on the
// hub by mentioning a forum category; a Lemmy-shaped user follows the
// category. A member answers through the portal's reply form. The
// GoToSocial user receives the member's Create{Note} at their own inbox,
// addressed and mentioned (GoToSocial puts a post that mentions its owner
// in the home timeline: internal/filter/visibility/home_timeline.go), with
// no summary or name (either would become a content warning:
// internal/typeutils/astointernal.go) and with the thread's title; the
// Lemmy-shaped follower receives the Group's Announce of that Create.
func TestFediverseThreadByMention(t *testing.T) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			srv, h, _ := startHub(t, map[string]string{"HUB_ALLOW_PRIVATE_NETWORKS": "true", "HUB_DATABASE_URL": dbtest.DSN(t, d)})
			runWorkers(t, h)
			ctx := context.Background()
			cat := forumCategory(t, h.store)
			group := srv.URL + "/actors/" + cat
			gts, lemmy := newPeer(t, true), newPeer(t, false)

			follow := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": lemmy.srv.URL + "/activities/follow/1",
				"type": "Follow", "actor": lemmy.actor(), "object": group}
			if st := lemmy.send(group+"/inbox", follow); st != http.StatusAccepted {
				t.Fatalf("Lemmy follow: %d", st)
			}
			host := strings.TrimPrefix(srv.URL, "http://")
			note := map[string]any{"id": gts.srv.URL + "/users/alice/statuses/1", "type": "Note", "attributedTo": gts.actor(),
				"content":   `<p><span class="h-card"><a href="` + group + `" class="u-url mention">@<span>` + cat + `</span></a></span> Where can I learn Bulgarian for free?</p>`,
				"to":        []any{"https://www.w3.org/ns/activitystreams#Public"},
				"cc":        []any{gts.actor() + "/followers", group},
				"tag":       []any{map[string]any{"type": "Mention", "href": group, "name": "@" + cat + "@" + host}},
				"published": time.Now().UTC().Format(time.RFC3339)}
			create := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": note["id"].(string) + "/activity",
				"type": "Create", "actor": gts.actor(), "to": note["to"], "cc": note["cc"], "object": note}
			if st := gts.send(group+"/inbox", create); st != http.StatusAccepted {
				t.Fatalf("GoToSocial Create: %d", st)
			}
			var threadID int64
			waitFor(t, "the thread opened by mention", func() bool {
				id, err := h.store.ForumThreadIDByAPID(ctx, note["id"].(string))
				threadID = id
				return err == nil
			})
			thread, err := h.store.ForumThread(ctx, threadID, 0)
			if err != nil {
				t.Fatal(err)
			}

			if _, err := h.store.CreateUser(ctx, db.NewUser{Email: "maria@hub.example", Name: "Мария", Password: "maria's long password", Role: db.RoleMember}); err != nil {
				t.Fatal(err)
			}
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar}
			if st, body := formPost(t, c, srv.URL+"/en/login", srv.URL+"/en/login",
				url.Values{"email": {"maria@hub.example"}, "password": {"maria's long password"}}); st != http.StatusOK {
				t.Fatalf("sign in: %d %.300s", st, body)
			}
			replyForm := fmt.Sprintf("%s/en/forum/threads/%d/reply", srv.URL, threadID)
			if st, body := formPost(t, c, replyForm, replyForm,
				url.Values{"body": {"The library in Haskovo runs free courses on Tuesdays."}, "lang": {"en"}}); st != http.StatusOK ||
				!strings.Contains(body, "free courses on Tuesdays") {
				t.Fatalf("reply: %d %.500s", st, body)
			}

			waitFor(t, "the member's reply to reach the GoToSocial user", func() bool { return len(gts.got("Create")) > 0 })
			got := gts.got("Create")[0]
			obj, _ := got["object"].(map[string]any)
			if strOf(obj, "type") != "Note" || !strings.Contains(strOf(obj, "content"), "free courses on Tuesdays") {
				t.Fatalf("GoToSocial received %v", got)
			}
			addressed := false
			for _, v := range append(listOf(obj["to"]), listOf(obj["cc"])...) {
				addressed = addressed || v == gts.actor()
			}
			mentioned := mentions(obj, gts.actor())
			if !addressed || !mentioned {
				t.Errorf("the reply is not addressed (%v) and mentioned (%v) to the thread's opener: to %v cc %v tag %v",
					addressed, mentioned, obj["to"], obj["cc"], obj["tag"])
			}
			if strOf(obj, "summary") != "" || strOf(obj, "name") != "" {
				t.Errorf("GoToSocial would show the reply behind a content warning: summary %q name %q", obj["summary"], obj["name"])
			}
			if !strings.Contains(strOf(obj, "content"), thread.Title) {
				t.Errorf("the reply does not say which thread it answers (%q): %s", thread.Title, obj["content"])
			}

			waitFor(t, "the Group's Announce to reach the Lemmy follower", func() bool {
				for _, a := range lemmy.got("Announce") {
					if inner, ok := a["object"].(map[string]any); ok && strOf(inner, "type") == "Create" {
						if n, ok := inner["object"].(map[string]any); ok && strOf(n, "id") == strOf(obj, "id") {
							return true
						}
					}
				}
				return false
			})

			// Mentions of accounts on a host with a port or an IP address, in a
			// post and in an edit, reach those accounts.
			lemmyAcct := "@alice@" + lemmy.host()
			if st, body := formPost(t, c, replyForm, replyForm,
				url.Values{"body": {"Ask " + lemmyAcct + " too."}, "lang": {"en"}}); st != http.StatusOK || !strings.Contains(body, `class="mention"`) {
				t.Fatalf("reply with %s: %d, mention not linked: %.500s", lemmyAcct, st, body)
			}
			waitFor(t, "the mention of "+lemmyAcct+" to reach its server", func() bool {
				for _, c := range lemmy.got("Create") {
					obj, _ := c["object"].(map[string]any)
					if mentions(obj, lemmy.actor()) {
						return true
					}
				}
				return false
			})
			l6, err := net.Listen("tcp", "[::1]:0")
			if err != nil {
				t.Logf("no IPv6 loopback (%v): the edit is checked with an IPv4 host", err)
				l6, err = net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
			}
			v6 := newPeerOn(t, false, l6)
			posts, err := h.store.ForumPosts(ctx, db.PostQuery{ThreadID: threadID, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			last := posts[len(posts)-1]
			v6Acct := "@alice@" + v6.host()
			edit := fmt.Sprintf("%s/en/forum/posts/%d/edit", srv.URL, last.ID)
			if st, body := formPost(t, c, edit, edit,
				url.Values{"body": {"Ask " + lemmyAcct + " and " + v6Acct + " too."}, "lang": {"en"}}); st != http.StatusOK {
				t.Fatalf("edit: %d %.500s", st, body)
			}
			if p, err := h.store.ForumPost(ctx, last.ID); err != nil || !strings.Contains(p.BodyHTML, v6.host()) {
				t.Fatalf("the edit did not change post %d (%v): %s", last.ID, err, p.BodyHTML)
			}
			waitFor(t, "the mention of "+v6Acct+" in an edit to reach its server", func() bool {
				for _, typ := range []string{"Create", "Update"} {
					for _, c := range v6.got(typ) {
						obj, _ := c["object"].(map[string]any)
						if mentions(obj, v6.actor()) {
							return true
						}
					}
				}
				return false
			})
		})
	}
}

// mentions reports whether obj has a Mention tag of actor.
func mentions(obj map[string]any, actor string) bool {
	for _, tag := range listOf(obj["tag"]) {
		m, _ := tag.(map[string]any)
		if strOf(m, "type") == "Mention" && strOf(m, "href") == actor {
			return true
		}
	}
	return false
}
