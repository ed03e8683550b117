package main

import (
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bgimigranti/hub/federation/httpsig"
)

// The fake instances: every host name iNNNN.fedload.example is served by
// one loopback server that answers as a Mastodon-like server with users
// u0, u1, … (actor documents with a key, an inbox each and a shared inbox),
// and that checks the signature of every delivery it receives, with the
// key it fetches from the hub, as Mastodon does (modelled on
// app/controllers/concerns/signature_verification.rb: fetch the key by its
// id, verify, answer 202).

const asPublic = "https://www.w3.org/ns/activitystreams#Public"

func instanceHost(i int) string { return fmt.Sprintf("i%04d.fedload.example", i) }

func actorURI(instance, user int) string {
	return fmt.Sprintf("http://%s/users/u%d", instanceHost(instance), user)
}

// instanceOf returns the number of a fake instance host, or -1.
func instanceOf(host string) int {
	var n int
	if _, err := fmt.Sscanf(host, "i%04d.fedload.example", &n); err != nil {
		return -1
	}
	return n
}

// remotes is the fake instances' server.
type remotes struct {
	keys []*rsa.PrivateKey
	pems []string
	hub  string // the hub's base URL, for fetching its keys
	cli  *http.Client

	keyMu   sync.Mutex
	hubKeys map[string]crypto.PublicKey

	mu        sync.Mutex
	accepted  map[string]bool // ids of Follows the hub accepted
	accepts   atomic.Int64
	badSig    atomic.Int64
	actorGets atomic.Int64
	unsigned  atomic.Int64
}

func newRemotes(keys []*rsa.PrivateKey) (*remotes, error) {
	r := &remotes{keys: keys, hubKeys: map[string]crypto.PublicKey{}, accepted: map[string]bool{},
		cli: &http.Client{Timeout: 10 * time.Second}}
	for _, k := range keys {
		pem, err := httpsig.EncodePublicKey(&k.PublicKey)
		if err != nil {
			return nil, err
		}
		r.pems = append(r.pems, pem)
	}
	return r, nil
}

// key returns the private key of a fake instance's users.
func (r *remotes) key(instance int) *rsa.PrivateKey { return r.keys[instance%len(r.keys)] }

func (r *remotes) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	host, _, _ := strings.Cut(req.Host, ":")
	inst := instanceOf(host)
	if inst < 0 {
		http.NotFound(w, req)
		return
	}
	if req.Method == http.MethodPost {
		r.receive(w, req)
		return
	}
	user, ok := strings.CutPrefix(req.URL.Path, "/users/")
	if !ok || strings.Contains(user, "/") {
		http.NotFound(w, req)
		return
	}
	if req.Header.Get("Signature") == "" {
		r.unsigned.Add(1)
	}
	r.actorGets.Add(1)
	id := "http://" + host + "/users/" + user
	doc := map[string]any{
		"@context":          []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":                id,
		"type":              "Person",
		"preferredUsername": user,
		"name":              "User " + user + " of " + host,
		"inbox":             id + "/inbox",
		"outbox":            id + "/outbox",
		"followers":         id + "/followers",
		"following":         id + "/following",
		"url":               "http://" + host + "/@" + user,
		"endpoints":         map[string]any{"sharedInbox": "http://" + host + "/inbox"},
		"publicKey":         map[string]any{"id": id + "#main-key", "owner": id, "publicKeyPem": r.pems[inst%len(r.pems)]},
	}
	w.Header().Set("Content-Type", "application/activity+json; charset=utf-8")
	json.NewEncoder(w).Encode(doc)
}

// receive checks a delivery's signature with the hub's key and records
// the Accepts.
func (r *remotes) receive(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	if _, err := httpsig.Verify(req.Context(), req, body, httpsig.Options{}, r.hubKey); err != nil {
		r.badSig.Add(1)
		http.Error(w, "signature", http.StatusUnauthorized)
		return
	}
	var doc struct {
		Type   string          `json:"type"`
		Object json.RawMessage `json:"object"`
	}
	json.Unmarshal(body, &doc)
	if doc.Type == "Accept" {
		var obj struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(doc.Object, &obj) != nil || obj.ID == "" {
			json.Unmarshal(doc.Object, &obj.ID)
		}
		r.mu.Lock()
		if !r.accepted[obj.ID] {
			r.accepted[obj.ID] = true
			r.accepts.Add(1)
		}
		r.mu.Unlock()
	}
	w.WriteHeader(http.StatusAccepted)
}

// hubKey fetches (once) the public key of a hub actor.
func (r *remotes) hubKey(ctx context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
	owner, _, _ := strings.Cut(keyID, "#")
	r.keyMu.Lock()
	k, ok := r.hubKeys[keyID]
	r.keyMu.Unlock()
	if ok {
		return k, owner, nil
	}
	if !strings.HasPrefix(keyID, r.hub+"/") {
		return nil, "", fmt.Errorf("key %s is not the hub's", keyID)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, owner, nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := r.cli.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	var doc struct {
		PublicKey struct {
			PEM string `json:"publicKeyPem"`
		} `json:"publicKey"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return nil, "", fmt.Errorf("hub key %s: %w", keyID, err)
	}
	k, err = httpsig.ParsePublicKey(doc.PublicKey.PEM)
	if err != nil {
		return nil, "", err
	}
	r.keyMu.Lock()
	r.hubKeys[keyID] = k
	r.keyMu.Unlock()
	return k, owner, nil
}

// acceptedCount is how many distinct Follows the hub has accepted.
func (r *remotes) acceptedCount() int { return int(r.accepts.Load()) }
