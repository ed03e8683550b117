package portal

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/bgimigranti/hub/db"
)

// fedAdminRoutes adds the federation admin pages under the language prefix
// p: partners and follows, the delivery queue, domain and actor policies,
// the reports other servers sent, and hiding replies. Admins only.
func (h *Handler) fedAdminRoutes(m *http.ServeMux, lang db.Lang, p string) {
	a := func(fn pageFunc) http.Handler { return h.page(lang, h.admin(fn)) }
	m.Handle("GET "+p+"/admin/federation", a(h.fedAdmin))
	m.Handle("POST "+p+"/admin/federation/follow", a(h.fedFollow))
	m.Handle("POST "+p+"/admin/federation/deliveries/{id}/retry", a(h.fedRetry))
	m.Handle("POST "+p+"/admin/federation/hosts/retry", a(h.fedRetryHost))
	m.Handle("POST "+p+"/admin/federation/domains", a(h.fedDomain))
	m.Handle("POST "+p+"/admin/federation/allowlist", a(h.fedAllowlist))
	m.Handle("POST "+p+"/admin/federation/actors", a(h.fedActor))
	m.Handle("POST "+p+"/admin/federation/reports/{id}/resolve", a(h.fedResolve))
	m.Handle("POST "+p+"/admin/replies/{id}/hide", a(h.replyHidden(true)))
	m.Handle("POST "+p+"/admin/replies/{id}/show", a(h.replyHidden(false)))
}

// fedAdminData is what fedadmin.html shows.
type fedAdminData struct {
	Flash     string
	Partners  []fedPartner
	Requests  []fedRequest
	Hosts     []fedHost
	Failed    []fedDelivery
	Domains   []*db.DomainPolicy
	Allowlist bool
	Blocked   []*db.Actor
	Reports   []fedReport
}

type fedPartner struct {
	Local, Remote string // handles
	URI           string // the partner's actor id, to unfollow
	URL           string // the partner's profile
	State         db.FollowState
	Pending       int
	Failed        int
	LastActivity  string
}

type fedRequest struct {
	Target, Action, State, Error string
	At                           string
}

type fedHost struct {
	db.HostDeliveries
	LastActivity string
	LastError    string
	PausedUntil  string // while the circuit breaker is open
}

type fedDelivery struct {
	ID       int64
	Host     string
	Inbox    string
	Attempts int
	Status   int
	Error    string
	At       string
}

type fedReport struct {
	ID       int64
	Reporter string
	URL      string
	Content  string
	Objects  []string
	At       string
}

// stamp formats a moment for the admin pages: the day in the page's
// language and the time in UTC.
func stamp(c catalog, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return c.Date(t) + " " + t.UTC().Format("15:04") + " UTC"
}

// actorHandle is an actor's @user@host, or its URI when it has no name.
func actorHandle(a *db.Actor) string {
	if a == nil {
		return ""
	}
	if a.Handle != "" && a.Host != "" {
		return "@" + a.Handle + "@" + a.Host
	}
	return a.URI
}

func (h *Handler) fedAdmin(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	cat := h.cats[lang]
	d := &fedAdminData{Flash: h.popFlash(r, lang)}
	counts, err := h.store.DeliveriesByHost(ctx)
	if err != nil {
		return err
	}
	byHost := map[string]db.HostDeliveries{}
	for _, c := range counts {
		byHost[c.Host] = c
	}
	last := map[string]string{}
	lastFrom := func(host string) (string, error) {
		if s, ok := last[host]; ok {
			return s, nil
		}
		t, err := h.store.LastActivityFrom(ctx, host)
		last[host] = stamp(cat, t)
		return last[host], err
	}
	follows, err := h.store.Followings(ctx)
	if err != nil {
		return err
	}
	for _, f := range follows {
		if f.Followee == nil || f.Follower == nil {
			continue
		}
		p := fedPartner{Local: "@" + f.Follower.Handle, Remote: actorHandle(f.Followee), URI: f.Followee.URI, URL: safeURL(f.Followee.URL),
			State: f.State, Pending: byHost[f.Followee.Host].Pending, Failed: byHost[f.Followee.Host].Failed}
		if p.URL == "" {
			p.URL = safeURL(f.Followee.URI)
		}
		if p.LastActivity, err = lastFrom(f.Followee.Host); err != nil {
			return err
		}
		d.Partners = append(d.Partners, p)
	}
	reqs, err := h.store.FollowRequests(ctx, 20)
	if err != nil {
		return err
	}
	for _, q := range reqs {
		d.Requests = append(d.Requests, fedRequest{Target: q.Target, Action: q.Action, State: q.State, Error: q.Error, At: stamp(cat, q.CreatedAt)})
	}
	hosts, err := h.store.FederationHosts(ctx)
	if err != nil {
		return err
	}
	state := map[string]*db.FederationHost{}
	for _, fh := range hosts {
		state[fh.Host] = fh
	}
	now := time.Now()
	for _, c := range counts {
		fh := fedHost{HostDeliveries: c}
		if st := state[c.Host]; st != nil {
			fh.LastError = st.LastError
			if st.OpenUntil.After(now) {
				fh.PausedUntil = stamp(cat, st.OpenUntil)
			}
		}
		if fh.LastActivity, err = lastFrom(c.Host); err != nil {
			return err
		}
		d.Hosts = append(d.Hosts, fh)
	}
	failed, err := h.store.Deliveries(ctx, db.DeliveryQuery{State: db.DeliveryFailed, Limit: 100})
	if err != nil {
		return err
	}
	for _, f := range failed {
		d.Failed = append(d.Failed, fedDelivery{ID: f.ID, Host: f.Host, Inbox: f.Inbox, Attempts: f.Attempts, Status: f.LastStatus, Error: f.LastError, At: stamp(cat, f.FinishedAt)})
	}
	if d.Domains, err = h.store.DomainPolicies(ctx); err != nil {
		return err
	}
	if d.Allowlist, err = h.store.AllowlistMode(ctx); err != nil {
		return err
	}
	if d.Blocked, err = h.store.BlockedActors(ctx); err != nil {
		return err
	}
	reports, err := h.store.Reports(ctx, false)
	if err != nil {
		return err
	}
	for _, rep := range reports {
		fr := fedReport{ID: rep.ID, Content: rep.Content, At: stamp(cat, rep.CreatedAt)}
		_ = json.Unmarshal([]byte(rep.Objects), &fr.Objects)
		if rep.ActorID != 0 {
			a, err := h.store.Actor(ctx, rep.ActorID)
			switch {
			case err == nil:
				fr.Reporter, fr.URL = actorHandle(a), safeURL(a.URL)
			case !errors.Is(err, db.ErrNotFound):
				return err
			}
		}
		d.Reports = append(d.Reports, fr)
	}
	w.Header().Set("Cache-Control", "no-store")
	return h.render(w, r, http.StatusOK, "fedadmin", &view{Lang: lang, Title: cat.T("fed.title"), Path: "/admin/federation", Section: "admin", Data: d})
}

// fedDone leaves a message and goes back to the federation page.
func (h *Handler) fedDone(w http.ResponseWriter, r *http.Request, lang db.Lang, key string) error {
	h.flash(r.Context(), key)
	http.Redirect(w, r, "/"+string(lang)+"/admin/federation", http.StatusSeeOther)
	return nil
}

// fedResult turns a store error of an admin action into the message to
// show: invalid input and missing rows are the admin's to fix.
func (h *Handler) fedResult(w http.ResponseWriter, r *http.Request, lang db.Lang, err error, ok string) error {
	switch {
	case errors.Is(err, db.ErrInvalid):
		return h.fedDone(w, r, lang, "fed.invalid")
	case errors.Is(err, db.ErrNotFound):
		return h.fedDone(w, r, lang, "fed.notfound")
	case err != nil:
		return err
	}
	return h.fedDone(w, r, lang, ok)
}

func (h *Handler) fedFollow(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	action := r.PostForm.Get("action")
	if action != db.RequestFollow && action != db.RequestUnfollow {
		return h.fedDone(w, r, lang, "fed.invalid")
	}
	_, err := h.store.RequestFollow(r.Context(), r.PostForm.Get("target"), action, currentUser(r).ID)
	return h.fedResult(w, r, lang, err, "fed.requested."+action)
}

func (h *Handler) fedRetry(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return h.fedResult(w, r, lang, h.store.RetryDelivery(r.Context(), id, time.Now()), "fed.retried")
}

func (h *Handler) fedRetryHost(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	host := strings.TrimSpace(r.PostForm.Get("host"))
	if host == "" {
		return h.fedDone(w, r, lang, "fed.invalid")
	}
	_, err := h.store.RetryHostDeliveries(r.Context(), host, time.Now())
	return h.fedResult(w, r, lang, err, "fed.retried")
}

func (h *Handler) fedDomain(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	policy := r.PostForm.Get("policy")
	if policy != db.PolicyBlock && policy != db.PolicyAllow && policy != "" {
		return h.fedDone(w, r, lang, "fed.invalid")
	}
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if len(reason) > 500 {
		reason = reason[:500]
	}
	err := h.store.SetDomainPolicy(r.Context(), r.PostForm.Get("host"), policy, reason)
	if policy == "" {
		policy = "none"
	}
	return h.fedResult(w, r, lang, err, "fed.domain.set."+policy)
}

func (h *Handler) fedAllowlist(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	on := r.PostForm.Get("on") == "1"
	key := "fed.allowlist.off.done"
	if on {
		key = "fed.allowlist.on.done"
	}
	return h.fedResult(w, r, lang, h.store.SetAllowlistMode(r.Context(), on), key)
}

func (h *Handler) fedActor(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	uri := strings.TrimSpace(r.PostForm.Get("uri"))
	if safeURL(uri) == "" {
		return h.fedDone(w, r, lang, "fed.invalid")
	}
	block := r.PostForm.Get("block") == "1"
	key := "fed.actor.unblocked"
	if block {
		key = "fed.actor.blocked"
	}
	return h.fedResult(w, r, lang, h.store.SetActorBlocked(r.Context(), uri, block), key)
}

func (h *Handler) fedResolve(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return h.fedResult(w, r, lang, h.store.ResolveReport(r.Context(), id), "fed.report.resolved")
}
