package federation

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"strings"

	"github.com/bgimigranti/hub/db"
)

// getWebFinger answers RFC 7033 queries for the hub's actors: resource
// acct:HANDLE@HOST (HOST as in the base URL, port included) or the actor's
// URL. A resource that is not one of ours is 404; a missing or malformed
// one is 400.
func (h *Handler) getWebFinger(w http.ResponseWriter, r *http.Request) error {
	res := strings.TrimSpace(r.URL.Query().Get("resource"))
	if res == "" {
		return errorf(http.StatusBadRequest, "the resource parameter is required", nil)
	}
	var handle string
	switch {
	case strings.HasPrefix(strings.ToLower(res), "acct:"):
		acct := res[len("acct:"):]
		acct = strings.TrimPrefix(acct, "@")
		i := strings.LastIndexByte(acct, '@')
		if i <= 0 || i == len(acct)-1 {
			return errorf(http.StatusBadRequest, "the resource must be acct:handle@host", nil)
		}
		if !strings.EqualFold(acct[i+1:], h.host) {
			return errorf(http.StatusNotFound, "not a handle of this server", nil)
		}
		handle = strings.ToLower(acct[:i])
	case strings.HasPrefix(res, "https://") || strings.HasPrefix(res, "http://"):
		handle = h.localHandle(res)
		if handle == "" {
			return errorf(http.StatusNotFound, "not an actor of this server", nil)
		}
	default:
		return errorf(http.StatusBadRequest, "the resource must be an acct: URI or an actor URL", nil)
	}
	a, err := h.localActor(r.Context(), handle)
	if errors.Is(err, db.ErrNotFound) {
		return errorf(http.StatusNotFound, "no such actor", err)
	}
	if err != nil {
		return err
	}
	page := h.base + "/"
	if a.Type == db.ActorOrganization {
		page = h.base + db.OrganisationPath(db.BG, a.Handle)
	}
	doc := map[string]any{
		"subject": "acct:" + a.Handle + "@" + h.host,
		"aliases": []string{a.URI, page},
		"links": []map[string]any{
			{"rel": "self", "type": contentType, "href": a.URI},
			{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": page},
		},
	}
	return writeJSON(w, "application/jrd+json", doc)
}

// getHostMeta points XRD clients at WebFinger.
func (h *Handler) getHostMeta(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/xrd+xml; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
  <Link rel="lrdd" type="application/jrd+json" template="%s/.well-known/webfinger?resource={uri}"/>
</XRD>
`, html.EscapeString(h.base))
	return nil
}

// getNodeInfoIndex is /.well-known/nodeinfo: the pointer to NodeInfo 2.1
// and, per FEP-2677, to the hub's own (application) actor.
func (h *Handler) getNodeInfoIndex(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, "application/json", map[string]any{
		"links": []map[string]string{
			{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": h.base + "/nodeinfo/2.1"},
			{"rel": "https://www.w3.org/ns/activitystreams#Application", "href": h.actorURI(h.hubHandle)},
		},
	})
}

// getNodeInfo serves NodeInfo 2.1.
func (h *Handler) getNodeInfo(w http.ResponseWriter, r *http.Request) error {
	st, err := h.store.NodeStats(r.Context(), h.now())
	if err != nil {
		return err
	}
	return writeJSON(w, `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"`, map[string]any{
		"version": "2.1",
		"software": map[string]any{
			"name":       "bgimigranti-hub",
			"version":    h.cfg.Version,
			"repository": "https://github.com/bgimigranti/hub",
			"homepage":   "https://github.com/bgimigranti/hub",
		},
		"protocols":         []string{"activitypub"},
		"services":          map[string]any{"inbound": []string{}, "outbound": []string{"atom1.0", "rss2.0"}},
		"openRegistrations": false,
		"usage": map[string]any{
			"users": map[string]int{
				"total":          st.Users,
				"activeMonth":    st.ActiveMonth,
				"activeHalfyear": st.ActiveHalfyear,
			},
			"localPosts": st.LocalPosts,
		},
		"metadata": map[string]any{
			"nodeName": h.cfg.HubName[db.EN],
			"nodeNameMap": map[string]string{
				"bg": h.cfg.HubName[db.BG],
				"en": h.cfg.HubName[db.EN],
			},
			"federation": map[string]any{"instanceActor": h.actorURI(h.hubHandle)},
		},
	})
}
