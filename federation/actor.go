package federation

import (
	"context"
	"crypto"
	"crypto/rsa"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strings"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/markup"
	"github.com/bgimigranti/hub/federation/httpsig"
)

// actorURI is the id of the local actor with the given handle.
func (h *Handler) actorURI(handle string) string { return h.base + db.ActorPath(handle) }

// localHandle returns the handle of a local actor id, or "".
func (h *Handler) localHandle(uri string) string {
	rest, ok := strings.CutPrefix(uri, h.base+"/actors/")
	if !ok || rest == "" || strings.ContainsAny(rest, "/?#") {
		return ""
	}
	return strings.ToLower(rest)
}

// localActor returns the local actor with the given handle, creating it
// (with a new key pair) the first time it is needed: the hub's own actor,
// or an organisation's. db.ErrNotFound means there is no such actor.
func (h *Handler) localActor(ctx context.Context, handle string) (*db.Actor, error) {
	handle = strings.ToLower(handle)
	h.locals.sync(h.store.SiteVersion())
	if a, ok := h.locals.get(handle); ok {
		return a, nil
	}
	a, err := h.findOrCreateLocalActor(ctx, handle)
	if err == nil {
		h.locals.put(handle, a)
	}
	return a, err
}

func (h *Handler) findOrCreateLocalActor(ctx context.Context, handle string) (*db.Actor, error) {
	a, err := h.store.LocalActor(ctx, handle)
	if err == nil || !errors.Is(err, db.ErrNotFound) {
		return a, err
	}
	// One creation at a time: the first Follows of a new hub all sign a
	// GET with the hub's key, and each would otherwise make a key pair
	// (an RSA key costs a second of CPU or more) only to find another's.
	h.createMu.Lock()
	defer h.createMu.Unlock()
	if a, err := h.store.LocalActor(ctx, handle); err == nil || !errors.Is(err, db.ErrNotFound) {
		return a, err
	}
	n := &db.Actor{URI: h.actorURI(handle), Handle: handle}
	switch {
	case handle == h.hubHandle:
		n.Type = db.ActorApplication
		n.URL = h.base + "/"
	case db.ValidHandle(handle):
		o, err := h.store.OrganisationByHandle(ctx, handle)
		if errors.Is(err, db.ErrNotFound) {
			return h.newCategoryActor(ctx, n)
		}
		if err != nil {
			return nil, err
		}
		if o.Remote {
			return nil, fmt.Errorf("federation: %s is a partner's organisation: %w", handle, db.ErrNotFound)
		}
		n.Type = db.ActorOrganization
		n.OrganisationID = o.ID
	default:
		return nil, fmt.Errorf("federation: local actor %.100q: %w", handle, db.ErrNotFound)
	}
	return h.createLocalActor(ctx, n)
}

// createLocalActor gives n a key pair and stores it.
func (h *Handler) createLocalActor(ctx context.Context, n *db.Actor) (*db.Actor, error) {
	key, err := h.keyGen()
	if err != nil {
		return nil, err
	}
	priv, err := httpsig.EncodePrivateKey(key)
	if err != nil {
		return nil, err
	}
	pub, err := httpsig.EncodePublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	n.PrivateKeyPEM, n.PublicKeyPEM = priv, pub
	n.KeyID = n.URI + "#main-key"
	n.Inbox = n.URI + "/inbox"
	n.SharedInbox = h.base + "/inbox"
	n.Outbox = n.URI + "/outbox"
	n.Followers = n.URI + "/followers"
	n.Following = n.URI + "/following"
	return h.store.CreateLocalActor(ctx, n)
}

// UserActor returns the Person actor of a local user, creating it with the
// given handle the first time (forum posts will be its activities). The
// handle shares the one namespace of local actors, organisations included.
func (h *Handler) UserActor(ctx context.Context, userID int64, handle string) (*db.Actor, error) {
	handle = strings.ToLower(handle)
	if a, err := h.store.LocalActor(ctx, handle); err == nil {
		if a.UserID != userID {
			return nil, fmt.Errorf("federation: handle %q is taken: %w", handle, db.ErrConflict)
		}
		return a, nil
	}
	if !db.ValidHandle(handle) || handle == h.hubHandle {
		return nil, fmt.Errorf("federation: %q cannot be a handle: %w", handle, db.ErrInvalid)
	}
	if _, err := h.store.OrganisationByHandle(ctx, handle); err == nil {
		return nil, fmt.Errorf("federation: handle %q is an organisation's: %w", handle, db.ErrConflict)
	}
	u, err := h.store.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	return h.createLocalActor(ctx, &db.Actor{URI: h.actorURI(handle), Handle: handle, Type: db.ActorPerson,
		UserID: u.ID, Name: u.Name})
}

// hubSigner returns the hub's actor and its private key, which sign every
// GET the hub makes.
func (h *Handler) hubSigner(ctx context.Context) (*db.Actor, *rsa.PrivateKey, error) {
	a, err := h.localActor(ctx, h.hubHandle)
	if err != nil {
		return nil, nil, fmt.Errorf("federation: hub actor: %w", err)
	}
	key, err := h.privateKey(a)
	return a, key, err
}

// privateKey returns the parsed private key of a local actor, cached.
func (h *Handler) privateKey(a *db.Actor) (*rsa.PrivateKey, error) {
	h.keyMu.Lock()
	k, ok := h.privKeys[a.ID]
	h.keyMu.Unlock()
	if ok {
		return k, nil
	}
	k, err := httpsig.ParsePrivateKey(a.PrivateKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("federation: key of %s: %w", a.URI, err)
	}
	k.Precompute()
	h.keyMu.Lock()
	h.privKeys[a.ID] = k
	h.keyMu.Unlock()
	return k, nil
}

// publicKeyOf parses a PEM public key, cached by its text.
func (h *Handler) publicKeyOf(pemText string) (crypto.PublicKey, error) {
	h.keyMu.Lock()
	k, ok := h.pubKeys[pemText]
	h.keyMu.Unlock()
	if ok {
		return k, nil
	}
	k, err := httpsig.ParsePublicKey(pemText)
	if err != nil {
		return nil, err
	}
	h.keyMu.Lock()
	if len(h.pubKeys) > 10000 {
		clear(h.pubKeys)
	}
	h.pubKeys[pemText] = k
	h.keyMu.Unlock()
	return k, nil
}

// keyRefetchInterval limits how often one key id is fetched again because
// a signature did not verify with the cached key.
const keyRefetchInterval = time.Minute

// keyFunc finds the public key of a signature for httpsig.Verify: from the
// actors table, else (or on refresh, at most once a minute per key) by a
// signed GET of the key id, storing the actor. The owner is the actor id.
func (h *Handler) keyFunc(ctx context.Context, keyID string, refresh bool) (crypto.PublicKey, string, error) {
	host := hostOf(keyID)
	if host == "" {
		return nil, "", fmt.Errorf("key id %.200q is not an http(s) URL", keyID)
	}
	if h.policy.blocked(ctx, host) {
		return nil, "", errBlocked
	}
	a, cached := h.actors.get("key " + keyID)
	var err error
	if !cached {
		a, err = h.store.ActorByKeyID(ctx, keyID)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return nil, "", err
		}
	}
	if err == nil && refresh {
		h.keyMu.Lock()
		last := h.refetch[keyID]
		recent := h.now().Sub(last) < keyRefetchInterval && h.now().Sub(last) > -keyRefetchInterval
		if !recent {
			if len(h.refetch) > 10000 {
				clear(h.refetch)
			}
			h.refetch[keyID] = h.now()
		}
		h.keyMu.Unlock()
		if recent {
			refresh = false // use the key we have; Verify then fails
		}
	}
	if err != nil || refresh {
		if a, err = h.fetchKeyOwner(ctx, keyID); err != nil {
			return nil, "", err
		}
		h.forget(a)
	}
	h.actors.put("key "+keyID, a)
	h.actors.put("uri "+a.URI, a)
	if a.Blocked {
		return nil, "", errBlocked
	}
	return h.publicKeyFromActor(a)
}

func (h *Handler) publicKeyFromActor(a *db.Actor) (crypto.PublicKey, string, error) {
	k, err := h.publicKeyOf(a.PublicKeyPEM)
	if err != nil {
		return nil, "", fmt.Errorf("key of %s: %w", a.URI, err)
	}
	return k, a.URI, nil
}

// fetchKeyOwner fetches the actor that owns keyID and stores it. The key
// id may be the actor's id with a fragment (Mastodon: …#main-key) or a URL
// of its own that serves the key or a stub (GoToSocial: …/main-key); in the
// second case the owner is fetched too. The owner must be on the key's host.
func (h *Handler) fetchKeyOwner(ctx context.Context, keyID string) (*db.Actor, error) {
	doc, body, err := h.fetch(ctx, stripFragment(keyID))
	if err != nil {
		return nil, err
	}
	key := findKey(doc, keyID)
	if key == nil {
		return nil, fmt.Errorf("federation: %s does not hold the key %s", stripFragment(keyID), keyID)
	}
	owner := idOf(key["owner"])
	if owner == "" {
		owner = str(doc, "id")
	}
	if hostOf(owner) != hostOf(keyID) {
		return nil, fmt.Errorf("federation: key %s is owned by %s, on another host", keyID, owner)
	}
	if str(doc, "id") != owner || str(doc, "inbox") == "" {
		if doc, body, err = h.fetch(ctx, owner); err != nil {
			return nil, err
		}
		if str(doc, "id") != owner || findKey(doc, keyID) == nil {
			return nil, fmt.Errorf("federation: actor %s does not hold the key %s", owner, keyID)
		}
	}
	return h.saveActor(ctx, doc, body)
}

// findKey returns the publicKey entry with the given id in an actor or key
// document (or the document itself when it is that key).
func findKey(doc map[string]any, keyID string) map[string]any {
	if str(doc, "id") == keyID && str(doc, "publicKeyPem") != "" {
		return doc
	}
	for _, k := range objsOf(doc["publicKey"]) {
		if str(k, "id") == keyID && str(k, "publicKeyPem") != "" {
			return k
		}
	}
	return nil
}

// actorFromDoc turns an actor document into a db.Actor (not stored).
func (h *Handler) actorFromDoc(doc map[string]any, raw []byte) (*db.Actor, error) {
	id := str(doc, "id")
	typ := typeOf(doc)
	if hostOf(id) == "" || !actorTypes[typ] {
		return nil, fmt.Errorf("federation: %.200q is not an actor (type %q)", id, typ)
	}
	a := &db.Actor{
		URI: id, Type: typ, Host: hostOf(id),
		Handle:    markup.Truncate(str(doc, "preferredUsername"), 100),
		Inbox:     httpURL(idOf(doc["inbox"]), ""),
		Outbox:    idOf(doc["outbox"]),
		Followers: idOf(doc["followers"]),
		Following: idOf(doc["following"]),
		URL:       urlOf(doc),
		Raw:       string(raw),
		FetchedAt: h.now(),
	}
	if ep := objOf(doc["endpoints"]); ep != nil {
		a.SharedInbox = httpURL(str(ep, "sharedInbox"), "")
	}
	if k := findOwnKey(doc); k != nil {
		a.KeyID, a.PublicKeyPEM = str(k, "id"), str(k, "publicKeyPem")
	}
	name := str(doc, "name")
	if name == "" {
		if m, keys := langMapOf(doc, "name"); len(keys) > 0 {
			name = m[keys[0]]
		}
	}
	a.Name = markup.Truncate(markup.PlainText(name), 300)
	a.Summary = markup.Truncate(h.md.Sanitize(str(doc, "summary")), 5000)
	if icon := objOf(doc["icon"]); icon != nil {
		a.IconURL = httpURL(idOf(icon["url"]), "")
	}
	return a, nil
}

// findOwnKey returns the actor's main public key: the one it owns.
func findOwnKey(doc map[string]any) map[string]any {
	id := str(doc, "id")
	for _, k := range objsOf(doc["publicKey"]) {
		if str(k, "publicKeyPem") != "" && (idOf(k["owner"]) == id || idOf(k["owner"]) == "") && hostOf(str(k, "id")) == hostOf(id) {
			return k
		}
	}
	return nil
}

// httpURL returns s when it is an absolute http(s) URL, else def.
func httpURL(s, def string) string {
	if hostOf(s) == "" {
		return def
	}
	return s
}

// urlOf returns an object's url: a string, a Link's href (text/html
// preferred), or the first of a list.
func urlOf(m map[string]any) string {
	switch v := m["url"].(type) {
	case string:
		return httpURL(v, "")
	case map[string]any:
		return httpURL(str(v, "href"), "")
	case []any:
		first := ""
		for _, e := range v {
			var href, mt string
			switch e := e.(type) {
			case string:
				href = e
			case map[string]any:
				href, mt = str(e, "href"), str(e, "mediaType")
			}
			if hostOf(href) == "" {
				continue
			}
			if mt == "text/html" {
				return href
			}
			if first == "" {
				first = href
			}
		}
		return first
	}
	return ""
}

// saveActor stores a fetched actor document.
func (h *Handler) saveActor(ctx context.Context, doc map[string]any, raw []byte) (*db.Actor, error) {
	a, err := h.actorFromDoc(doc, raw)
	if err != nil {
		return nil, err
	}
	if err := h.store.SaveRemoteActor(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// remoteActor returns the stored actor with the given id, fetching it when
// it is not stored.
func (h *Handler) remoteActor(ctx context.Context, uri string) (*db.Actor, error) {
	a, err := h.store.ActorByURI(ctx, uri)
	if err == nil {
		return a, nil
	}
	if !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	doc, body, err := h.fetch(ctx, uri)
	if err != nil {
		return nil, err
	}
	if str(doc, "id") != uri {
		return nil, fmt.Errorf("federation: %s answered with id %.200q", uri, str(doc, "id"))
	}
	return h.saveActor(ctx, doc, body)
}

// --- Serving actors ------------------------------------------------------

// getActor serves /actors/{handle} as ActivityStreams.
func (h *Handler) getActor(w http.ResponseWriter, r *http.Request) error {
	handle := strings.ToLower(r.PathValue("handle"))
	if handle != h.hubHandle {
		if err := h.checkFetchSignature(r); err != nil {
			return err
		}
	}
	a, err := h.localActor(r.Context(), handle)
	if err != nil {
		return err
	}
	doc, err := h.actorDocument(r.Context(), a)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	return writeAS(w, http.StatusOK, doc)
}

// actorBuilder is what the go-fed actor types have in common.
type actorBuilder interface {
	vocab.Type
	SetJSONLDId(vocab.JSONLDIdProperty)
	SetActivityStreamsPreferredUsername(vocab.ActivityStreamsPreferredUsernameProperty)
	SetActivityStreamsName(vocab.ActivityStreamsNameProperty)
	SetActivityStreamsSummary(vocab.ActivityStreamsSummaryProperty)
	SetActivityStreamsUrl(vocab.ActivityStreamsUrlProperty)
	SetActivityStreamsInbox(vocab.ActivityStreamsInboxProperty)
	SetActivityStreamsOutbox(vocab.ActivityStreamsOutboxProperty)
	SetActivityStreamsFollowers(vocab.ActivityStreamsFollowersProperty)
	SetActivityStreamsFollowing(vocab.ActivityStreamsFollowingProperty)
	SetActivityStreamsIcon(vocab.ActivityStreamsIconProperty)
	SetW3IDSecurityV1PublicKey(vocab.W3IDSecurityV1PublicKeyProperty)
	SetTootDiscoverable(vocab.TootDiscoverableProperty)
}

// actorTexts is what an actor document says about its actor.
type actorTexts struct {
	name, summary *langMap // summary is HTML
	primary       string
	url           string
	extra         map[string]any
}

// actorDocument builds the ActivityStreams document of a local actor.
func (h *Handler) actorDocument(ctx context.Context, a *db.Actor) (map[string]any, error) {
	var b actorBuilder
	t := actorTexts{name: newLangMap(), summary: newLangMap(), extra: map[string]any{}}
	switch a.Type {
	case db.ActorApplication:
		b = streams.NewActivityStreamsApplication()
		for _, l := range db.InterfaceLangs {
			if n := h.cfg.HubName[l]; n != "" {
				t.name.set(string(l), n)
			}
			if s := h.cfg.HubSummary[l]; s != "" {
				t.summary.set(string(l), "<p>"+html.EscapeString(s)+"</p>")
			}
		}
		t.primary, t.url = string(db.BG), h.base+"/"
		t.extra[termOrganisations] = a.URI + "/organisations"
		t.extra[termCategories] = a.URI + "/categories"
		hi, err := h.store.HubImages(ctx)
		if err != nil {
			return nil, err
		}
		h.actorImages(&t, hi.LogoMediaID, hi.BannerMediaID)
	case db.ActorOrganization:
		b = streams.NewActivityStreamsOrganization()
		o, err := h.store.Organisation(ctx, a.OrganisationID)
		if err != nil {
			return nil, err
		}
		ts := o.Texts()
		primary := db.BG
		if !ts.Has(primary) && len(ts) > 0 {
			primary = ts[0].Lang
		}
		for _, tx := range orderTexts(ts, primary) {
			t.name.set(string(tx.Lang), tx.Title)
			if s := orgSummaryHTML(tx); s != "" {
				t.summary.set(string(tx.Lang), s)
			}
		}
		t.primary, t.url = string(primary), h.base+db.OrganisationPath(primary, o.Handle)
		t.extra[termOrgKind] = string(o.Kind)
		h.actorImages(&t, o.LogoMediaID, o.BannerMediaID)
		if fields := profileFields(o, primary); len(fields) > 0 {
			t.extra["attachment"] = fields
			t.extra["@context"] = append(ldContext(), propertyValueContext)
		}
	case db.ActorGroup:
		g := streams.NewActivityStreamsGroup()
		b = g
		if err := h.groupTexts(ctx, a, &t); err != nil {
			return nil, err
		}
		t.extra["attributedTo"] = a.URI + "/moderators"
	case db.ActorPerson:
		b = streams.NewActivityStreamsPerson()
		t.name.set(string(db.BG), a.Name)
		t.primary, t.url = string(db.BG), a.URI
	default:
		return nil, fmt.Errorf("federation: local actor %s has type %q", a.URI, a.Type)
	}

	b.SetJSONLDId(idProp(a.URI))
	pu := streams.NewActivityStreamsPreferredUsernameProperty()
	pu.SetXMLSchemaString(a.Handle)
	b.SetActivityStreamsPreferredUsername(pu)
	if n := t.name.vals[t.primary]; n != "" {
		b.SetActivityStreamsName(nameProp(n))
	}
	if s := t.summary.vals[t.primary]; s != "" {
		b.SetActivityStreamsSummary(summaryProp(s))
	}
	b.SetActivityStreamsUrl(urlProp(t.url))
	inbox := streams.NewActivityStreamsInboxProperty()
	inbox.SetIRI(mustURL(a.Inbox))
	b.SetActivityStreamsInbox(inbox)
	outbox := streams.NewActivityStreamsOutboxProperty()
	outbox.SetIRI(mustURL(a.Outbox))
	b.SetActivityStreamsOutbox(outbox)
	followers := streams.NewActivityStreamsFollowersProperty()
	followers.SetIRI(mustURL(a.Followers))
	b.SetActivityStreamsFollowers(followers)
	following := streams.NewActivityStreamsFollowingProperty()
	following.SetIRI(mustURL(a.Following))
	b.SetActivityStreamsFollowing(following)
	if a.IconURL != "" {
		img := streams.NewActivityStreamsImage()
		img.SetActivityStreamsUrl(urlProp(a.IconURL))
		icon := streams.NewActivityStreamsIconProperty()
		icon.AppendActivityStreamsImage(img)
		b.SetActivityStreamsIcon(icon)
	}
	key := streams.NewW3IDSecurityV1PublicKey()
	key.SetJSONLDId(idProp(a.KeyID))
	owner := streams.NewW3IDSecurityV1OwnerProperty()
	owner.SetIRI(mustURL(a.URI))
	key.SetW3IDSecurityV1Owner(owner)
	pem := streams.NewW3IDSecurityV1PublicKeyPemProperty()
	pem.Set(a.PublicKeyPEM)
	key.SetW3IDSecurityV1PublicKeyPem(pem)
	keys := streams.NewW3IDSecurityV1PublicKeyProperty()
	keys.AppendW3IDSecurityV1PublicKey(key)
	b.SetW3IDSecurityV1PublicKey(keys)
	disc := streams.NewTootDiscoverableProperty()
	disc.Set(true)
	b.SetTootDiscoverable(disc)

	m, err := serialize(b)
	if err != nil {
		return nil, err
	}
	if len(t.name.keys) > 1 {
		m["nameMap"] = t.name
	}
	if len(t.summary.keys) > 1 {
		m["summaryMap"] = t.summary
	}
	m["manuallyApprovesFollowers"] = false
	m["featured"] = a.URI + "/featured"
	m["endpoints"] = map[string]any{"sharedInbox": a.SharedInbox}
	for k, v := range t.extra {
		m[k] = v
	}
	return m, nil
}

// orderTexts returns ts with the primary language first.
func orderTexts(ts db.Texts, primary db.Lang) db.Texts {
	out := make(db.Texts, 0, len(ts))
	for _, t := range ts {
		if t.Lang == primary {
			out = append(out, t)
		}
	}
	for _, t := range ts {
		if t.Lang != primary {
			out = append(out, t)
		}
	}
	return out
}

// orgSummaryHTML is an organisation's description as actor summary HTML.
func orgSummaryHTML(t db.Text) string {
	if t.Summary != "" {
		return "<p>" + html.EscapeString(t.Summary) + "</p>"
	}
	return t.BodyHTML
}

// --- Remote organisations --------------------------------------------------

// remoteOrganisation returns the directory entry that stands for a remote
// actor, creating or refreshing it from the actor's document.
func (h *Handler) remoteOrganisation(ctx context.Context, tx *db.Store, a *db.Actor) (*db.Organisation, error) {
	var doc map[string]any
	if a.Raw != "" {
		doc = parseRaw(a.Raw)
	}
	o, err := tx.OrganisationByActor(ctx, a.URI)
	switch {
	case err == nil:
		if a.OrganisationID != o.ID {
			if err := tx.LinkActorOrganisation(ctx, a.ID, o.ID); err != nil {
				return nil, err
			}
			a.OrganisationID = o.ID
		}
		return o, nil
	case !errors.Is(err, db.ErrNotFound):
		return nil, err
	}
	o = &db.Organisation{Kind: db.OrgOther, Remote: true, ActorID: a.URI, Website: a.URL}
	if k := db.OrgKind(str(doc, termOrgKind)); k.Valid() {
		o.Kind = k
	}
	o.SetTexts(remoteOrgTexts(a, doc)...)
	readProfile(o, doc)
	base := remoteHandle(a)
	for i := 1; i <= 20; i++ {
		o.Handle = base
		if i > 1 {
			suffix := fmt.Sprintf("-%d", i)
			o.Handle = strings.TrimRight(base[:min(len(base), 63-len(suffix))], "-_") + suffix
		}
		if _, err := tx.OrganisationByHandle(ctx, o.Handle); errors.Is(err, db.ErrNotFound) {
			break
		}
	}
	if err := tx.CreateOrganisation(ctx, o); err != nil {
		return nil, err
	}
	if err := tx.LinkActorOrganisation(ctx, a.ID, o.ID); err != nil {
		return nil, err
	}
	a.OrganisationID = o.ID
	if o.LogoURL != "" || o.BannerURL != "" {
		h.Wake() // the worker fetches the images
	}
	return o, nil
}

// refreshRemoteOrganisation updates the directory entry of an actor after
// an Update of the actor, or, for a partner's Group, its forum category.
func (h *Handler) refreshRemoteOrganisation(ctx context.Context, tx *db.Store, a *db.Actor) error {
	if a.Type == db.ActorGroup {
		// A partner's forum category: its names and description.
		stored, err := tx.ActorByURI(ctx, a.URI)
		if err != nil {
			return err
		}
		if _, err := tx.ForumCategoryByActor(ctx, stored.ID); errors.Is(err, db.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		_, err = h.remoteCategory(ctx, tx, stored)
		return err
	}
	o, err := tx.OrganisationByActor(ctx, a.URI)
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	o.SetTexts(remoteOrgTexts(a, parseRaw(a.Raw))...)
	if a.URL != "" {
		o.Website = a.URL
	}
	readProfile(o, parseRaw(a.Raw))
	if o.LogoURL != o.LogoFetched || o.BannerURL != o.BannerFetched {
		h.Wake() // the worker fetches the new images
	}
	return tx.UpdateOrganisation(ctx, o)
}

// remoteOrgTexts are the names and descriptions of a remote actor, per
// language.
func remoteOrgTexts(a *db.Actor, doc map[string]any) []db.Text {
	names, nameLangs := langMapOf(doc, "name")
	sums, _ := langMapOf(doc, "summary")
	fallback := a.Name
	if fallback == "" {
		fallback = a.Handle
	}
	if fallback == "" {
		fallback = a.Host
	}
	plainSummary := func(s string) string { return markup.Truncate(markup.PlainText(s), db.MaxSummaryLen) }
	if len(nameLangs) == 0 {
		lang := guessLang(fallback + " " + a.Summary)
		return []db.Text{{Lang: db.Lang(lang), Title: markup.Truncate(fallback, db.MaxTitleLen), Summary: plainSummary(a.Summary)}}
	}
	var out []db.Text
	for _, l := range nameLangs {
		title := strings.TrimSpace(markup.PlainText(names[l]))
		if title == "" {
			title = fallback
		}
		s := sums[l]
		if s == "" {
			s = a.Summary
		}
		out = append(out, db.Text{Lang: db.Lang(l), Title: markup.Truncate(title, db.MaxTitleLen), Summary: plainSummary(s)})
	}
	return out
}

// remoteHandle makes a directory handle for a remote actor:
// its username and its host, as one valid handle.
func remoteHandle(a *db.Actor) string {
	user := a.Handle
	if user == "" {
		user = "actor"
	}
	h := handleSlug(user + "-" + a.Host)
	if h == "" {
		h = "partner"
	}
	return h
}

// handleSlug lower-cases s and keeps what a handle allows.
func handleSlug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_':
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 63 {
			break
		}
	}
	out := strings.Trim(b.String(), "-_")
	if len(out) > 63 {
		out = strings.TrimRight(out[:63], "-_")
	}
	return out
}

// guessLang guesses the language of a text that says nothing of it:
// Bulgarian when it is mostly Cyrillic, English otherwise.
func guessLang(s string) string {
	cyr, lat := 0, 0
	for _, r := range s {
		switch {
		case r >= 0x400 && r <= 0x4ff:
			cyr++
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			lat++
		}
	}
	if cyr > lat {
		return string(db.BG)
	}
	return string(db.EN)
}
