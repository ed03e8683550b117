package federation

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/markup"
	"github.com/bgimigranti/hub/federation/httpsig"
)

// Handler is the hub's ActivityPub server: discovery, actors, objects,
// collections, inboxes, and the workers that publish and deliver. Build it
// with New, mount its routes with Mount, and run Run in the background.
type Handler struct {
	cfg       Config
	store     *db.Store
	client    Doer
	log       *slog.Logger
	md        *markup.Renderer
	base      string // BaseURL without a trailing slash
	host      string // host[:port] of BaseURL
	hubHandle string
	userAgent string
	now       func() time.Time
	keyGen    func() (*rsa.PrivateKey, error)
	policy    *policies

	keyMu    sync.Mutex
	privKeys map[int64]*rsa.PrivateKey // local actors' parsed keys
	pubKeys  map[string]any            // parsed public keys by PEM
	refetch  map[string]time.Time      // when each key id was last refetched

	imageFails map[string]time.Time // partners' image URLs that failed, and when (under keyMu)

	// Caches of what the inbox looks up for every activity; see ttlCache.
	actors   *ttlCache[*db.Actor] // by "key "+key id and "uri "+actor id
	followed *ttlCache[bool]      // actor id → followed by a local actor
	orgs     *ttlCache[int64]     // actor id → its directory entry's id
	// locals holds local actors by handle (the hub's signs every GET);
	// a change of the site (an organisation deleted) empties it.
	locals   *ttlCache[*db.Actor]
	createMu sync.Mutex // one local actor created at a time

	wake chan struct{} // pokes the worker: something to publish or deliver
	dl   *deliverer
	gc   *groupCommit
}

// New returns a Handler for the hub at cfg.BaseURL on store.
func New(cfg Config, store *db.Store, log *slog.Logger) (*Handler, error) {
	if cfg.BaseURL == nil || cfg.BaseURL.Host == "" || (cfg.BaseURL.Scheme != "https" && cfg.BaseURL.Scheme != "http") {
		return nil, errors.New("federation: the base URL must be an absolute http(s) URL")
	}
	if store == nil || log == nil {
		return nil, errors.New("federation: a store and a logger are required")
	}
	cfg.Delivery.defaults()
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.KeyGen == nil {
		cfg.KeyGen = keyGen
	}
	if cfg.Client == nil {
		cfg.Client = NewClient(ClientOptions{AllowPrivateNetworks: cfg.AllowPrivateNetworks})
	}
	if cfg.Site == nil {
		cfg.Site = http.NotFoundHandler()
	}
	if cfg.HubName == nil {
		cfg.HubName = defaultHubName
	}
	if cfg.HubSummary == nil {
		cfg.HubSummary = defaultHubSummary
	}
	if cfg.Version == "" {
		cfg.Version = "0.1.0"
	}
	host := strings.ToLower(cfg.BaseURL.Host)
	if cfg.HubHandle == "" {
		cfg.HubHandle = "hub"
		if name := cfg.BaseURL.Hostname(); strings.Contains(name, ".") {
			cfg.HubHandle = strings.ToLower(name)
		}
	}
	h := &Handler{
		cfg:       cfg,
		store:     store,
		client:    cfg.Client,
		log:       log,
		md:        markup.New(),
		base:      strings.TrimRight(cfg.BaseURL.Scheme+"://"+host, "/"),
		host:      host,
		hubHandle: strings.ToLower(cfg.HubHandle),
		userAgent: "bgimigranti-hub/" + cfg.Version + " (+" + cfg.BaseURL.Scheme + "://" + host + "/)",
		now:       cfg.Now,
		keyGen:    cfg.KeyGen,
		privKeys:  map[int64]*rsa.PrivateKey{},
		pubKeys:   map[string]any{},
		refetch:   map[string]time.Time{},
		wake:      make(chan struct{}, 1),
		actors:    newTTLCache[*db.Actor](10*time.Second, 10000),
		followed:  newTTLCache[bool](10*time.Second, 10000),
		orgs:      newTTLCache[int64](time.Minute, 10000),
		locals:    newTTLCache[*db.Actor](time.Minute, 10000),
	}
	h.policy = &policies{store: store, log: log}
	h.dl = newDeliverer(h)
	h.gc = newGroupCommit(h)
	return h, nil
}

// Mount registers the federation routes on mux. Requests for actor and
// object URLs that do not ask for ActivityStreams go to Config.Site.
func (h *Handler) Mount(mux *http.ServeMux) {
	mux.Handle("GET /.well-known/webfinger", h.serve(h.getWebFinger))
	mux.Handle("GET /.well-known/nodeinfo", h.serve(h.getNodeInfoIndex))
	mux.Handle("GET /nodeinfo/2.1", h.serve(h.getNodeInfo))
	mux.Handle("GET /.well-known/host-meta", h.serve(h.getHostMeta))
	mux.Handle("GET /actors/{handle}", h.negotiateActor(h.serve(h.getActor)))
	mux.Handle("GET /actors/{handle}/outbox", h.serve(h.getOutbox))
	mux.Handle("GET /actors/{handle}/followers", h.serve(h.getFollowers))
	mux.Handle("GET /actors/{handle}/following", h.serve(h.getFollowing))
	mux.Handle("GET /actors/{handle}/featured", h.serve(h.getFeatured))
	mux.Handle("GET /actors/{handle}/organisations", h.serve(h.getOrganisations))
	mux.Handle("GET /actors/{handle}/categories", h.serve(h.getCategories))
	mux.Handle("GET /actors/{handle}/moderators", h.serve(h.getModerators))
	mux.Handle("POST /actors/{handle}/inbox", h.serve(h.postInbox))
	mux.Handle("POST /inbox", h.serve(h.postInbox))
	mux.Handle("GET /items/{id}", h.negotiate(h.serve(h.getItem)))
	mux.Handle("GET /activities/{id}", h.serve(h.getActivity))
	mux.Handle("GET /forum/threads/{id}", h.negotiate(h.serve(h.getForumThread)))
	mux.Handle("GET /forum/posts/{id}", h.negotiate(h.serve(h.getForumPost)))
}

// Routes returns a handler with only the federation routes, the rest going
// to Config.Site.
func (h *Handler) Routes() http.Handler {
	mux := http.NewServeMux()
	h.Mount(mux)
	mux.Handle("/", h.cfg.Site)
	return mux
}

// apError is an error with the status and the client-safe message it
// answers with.
type apError struct {
	status int
	msg    string
	err    error // the cause, logged, never shown
}

func (e *apError) Error() string {
	if e.err != nil {
		return fmt.Sprintf("%d %s: %v", e.status, e.msg, e.err)
	}
	return fmt.Sprintf("%d %s", e.status, e.msg)
}

func (e *apError) Unwrap() error { return e.err }

func errorf(status int, msg string, cause error) error {
	return &apError{status: status, msg: msg, err: cause}
}

// serve is the one adapter from handlers that return errors to responses:
// an apError answers with its status and message as JSON, db.ErrNotFound
// with 404, db.ErrInvalid (a value the store refused) with 400, anything
// else is logged and answered with a generic 500.
func (h *Handler) serve(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := fn(w, r)
		if err == nil {
			return
		}
		var ae *apError
		switch {
		case errors.As(err, &ae):
			if ae.status >= 500 {
				h.log.Error("federation request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			} else {
				h.log.Debug("federation request refused", "method", r.Method, "path", r.URL.Path, "status", ae.status, "err", err)
			}
		case errors.Is(err, db.ErrNotFound):
			ae = &apError{status: http.StatusNotFound, msg: "not found"}
		case errors.Is(err, db.ErrInvalid):
			h.log.Debug("federation request refused", "method", r.Method, "path", r.URL.Path, "status", http.StatusBadRequest, "err", err)
			ae = &apError{status: http.StatusBadRequest, msg: "invalid request"}
		default:
			h.log.Error("federation request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			ae = &apError{status: http.StatusInternalServerError, msg: "internal error"}
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(ae.status)
		json.NewEncoder(w).Encode(map[string]string{"error": ae.msg})
	})
}

// wantsAS reports whether a request asks for ActivityStreams JSON: an
// Accept of application/activity+json, application/ld+json (with or without
// the ActivityStreams profile) or application/json, not refused with q=0.
func wantsAS(r *http.Request) bool {
	for _, part := range strings.Split(strings.Join(r.Header.Values("Accept"), ","), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if params["q"] == "0" || strings.HasPrefix(params["q"], "0.0") && strings.Trim(params["q"], "0.") == "" {
			continue
		}
		switch mt {
		case "application/activity+json", "application/ld+json", "application/json":
			return true
		}
	}
	return false
}

// negotiate sends requests that do not ask for ActivityStreams to the site.
func (h *Handler) negotiate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept")
		if !wantsAS(r) {
			h.cfg.Site.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// negotiateActor is negotiate for actor URLs; browsers asking for the
// hub's own actor, which has no page of its own, go to the home page.
func (h *Handler) negotiateActor(next http.Handler) http.Handler {
	site := h.negotiate(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !wantsAS(r) && strings.EqualFold(r.PathValue("handle"), h.hubHandle) {
			w.Header().Add("Vary", "Accept")
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		site.ServeHTTP(w, r)
	})
}

// writeAS answers with an ActivityStreams document.
func writeAS(w http.ResponseWriter, status int, doc any) error {
	b, err := marshalJSON(doc)
	if err != nil {
		return fmt.Errorf("federation: encode response: %w", err)
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Vary", "Accept")
	w.WriteHeader(status)
	w.Write(b) // a client that went away needs no answer
	return nil
}

// writeJSON answers with a JSON document of another media type.
func writeJSON(w http.ResponseWriter, mediaType string, doc any) error {
	b, err := marshalJSON(doc)
	if err != nil {
		return fmt.Errorf("federation: encode response: %w", err)
	}
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(b)
	return nil
}

// checkFetchSignature enforces SignedFetchOnly on a GET: the request must
// carry a valid signature from a host that is not blocked.
func (h *Handler) checkFetchSignature(r *http.Request) error {
	if !h.cfg.SignedFetchOnly {
		return nil
	}
	_, err := httpsig.Verify(r.Context(), r, nil, httpsig.Options{Now: h.now()}, h.keyFunc)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errBlocked):
		return errorf(http.StatusForbidden, "forbidden", err)
	default:
		return errorf(http.StatusUnauthorized, "a valid HTTP signature is required", err)
	}
}

// newID returns a new id for an activity the hub sends.
func (h *Handler) newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return h.base + "/activities/" + hex.EncodeToString(b)
}

// Wake tells the worker there is work: an item was published, a follow
// requested. It never blocks.
func (h *Handler) Wake() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// forget drops what the caches hold about a remote actor, after a change
// to it, its follows or its directory entry.
func (h *Handler) forget(a *db.Actor) {
	if a == nil {
		return
	}
	h.actors.forget("uri " + a.URI)
	h.actors.forget("key " + a.KeyID)
	h.followed.forget(a.URI)
	h.orgs.forget(a.URI)
}

// cachedActor returns the actor with the given id, from the cache or the
// database.
func (h *Handler) cachedActor(ctx context.Context, uri string) (*db.Actor, error) {
	if a, ok := h.actors.get("uri " + uri); ok {
		return a, nil
	}
	a, err := h.store.ActorByURI(ctx, uri)
	if err != nil {
		return nil, err
	}
	h.actors.put("uri "+uri, a)
	return a, nil
}

// isFollowed reports whether a local actor follows the actor uri, cached.
func (h *Handler) isFollowed(ctx context.Context, uri string) (bool, error) {
	if f, ok := h.followed.get(uri); ok {
		return f, nil
	}
	f, err := h.store.IsFollowedLocally(ctx, uri)
	if err != nil {
		return false, err
	}
	h.followed.put(uri, f)
	return f, nil
}
