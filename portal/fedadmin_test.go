package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// fedRemoteActor stores a remote actor the way the federation worker does.
func fedRemoteActor(t *testing.T, s *db.Store, host, user, name string) *db.Actor {
	t.Helper()
	uri := "https://" + host + "/users/" + user
	a := &db.Actor{URI: uri, Type: db.ActorPerson, Host: host, Handle: user, Name: name, Inbox: uri + "/inbox",
		URL: "https://" + host + "/@" + user, KeyID: uri + "#main-key", PublicKeyPEM: "pem"}
	if err := s.SaveRemoteActor(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

// failedDelivery queues a delivery to inbox and gives up on it, as the
// worker does after a permanent error.
func failedDelivery(t *testing.T, s *db.Store, n int, inbox string) *db.Delivery {
	t.Helper()
	ctx := context.Background()
	local, err := s.CreateLocalActor(ctx, &db.Actor{URI: "https://hub.example/actors/fedtest", Handle: "fedtest", Type: db.ActorOrganization,
		KeyID: "https://hub.example/actors/fedtest#main-key", PublicKeyPEM: "pub", PrivateKeyPEM: "priv"})
	if err != nil {
		t.Fatal(err)
	}
	act := &db.Activity{URI: fmt.Sprintf("https://hub.example/activities/%d", n), Type: "Create", Outgoing: true, Raw: "{}", LocalActorID: local.ID}
	if _, err := s.InsertActivity(ctx, act); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := s.EnqueueDeliveries(ctx, act.ID, local.ID, []string{inbox}, now); err != nil {
		t.Fatal(err)
	}
	rows, err := s.ClaimDeliveries(ctx, db.DeliveryClaim{Worker: "w", Now: now.Add(time.Second), Lease: time.Hour, Limit: 10})
	if err != nil || len(rows) != 1 {
		t.Fatalf("claim: %v, %d rows", err, len(rows))
	}
	if err := s.MarkAttemptFailed(ctx, "w", rows[0].ID, db.DeliveryResult{Status: 410, Error: "gone", Now: now}); err != nil {
		t.Fatal(err)
	}
	return rows[0]
}

func fedPaths() (gets, posts []string) {
	return []string{"/admin/federation"}, []string{"/admin/federation/follow", "/admin/federation/deliveries/1/retry",
		"/admin/federation/hosts/retry", "/admin/federation/domains", "/admin/federation/allowlist", "/admin/federation/actors",
		"/admin/federation/reports/1/resolve", "/admin/replies/1/hide", "/admin/replies/1/show"}
}

func TestFederationAdminIsForAdminsOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		f := newAdminFixture(t, s)
		gets, posts := fedPaths()
		for _, lang := range db.InterfaceLangs {
			p := "/" + string(lang)
			for _, path := range gets {
				resp, body := getPage(t, f.adminC, f.a.srv.URL+p+path)
				if resp.StatusCode != 200 {
					t.Errorf("admin GET %s%s = %d", p, path, resp.StatusCode)
				}
				mustContain(t, "federation page", body, `<html lang="`+string(lang)+`">`, f.a.h.cats[lang].T("fed.partners.none"))
				if strings.Contains(body, "[fed.") || strings.Contains(body, "[admin.") {
					t.Errorf("GET %s%s shows a missing catalogue key", p, path)
				}
				for who, c := range map[string]*http.Client{"editor": f.editorC, "member": f.memberC} {
					if resp, _ := getPage(t, c, f.a.srv.URL+p+path); resp.StatusCode != http.StatusForbidden {
						t.Errorf("%s GET %s%s = %d, want 403", who, p, path, resp.StatusCode)
					}
				}
				if resp, _ := getPage(t, f.visitorC, f.a.srv.URL+p+path); resp.StatusCode != http.StatusSeeOther {
					t.Errorf("visitor GET %s%s = %d, want a redirect to sign in", p, path, resp.StatusCode)
				}
			}
			for _, path := range posts {
				for who, c := range map[string]*http.Client{"editor": f.editorC, "member": f.memberC} {
					v := url.Values{"target": {"@x@partner.example"}, "action": {"follow"}, "host": {"evil.example"}, "policy": {"block"}, "on": {"1"}, "uri": {"https://evil.example/u"}, "block": {"1"}}
					if resp, _ := submitForm(t, c, f.a.srv.URL, p+path, v); resp.StatusCode != http.StatusForbidden {
						t.Errorf("%s POST %s%s = %d, want 403", who, p, path, resp.StatusCode)
					}
				}
			}
			_, body := getPage(t, f.adminC, f.a.srv.URL+p+"/admin")
			mustContain(t, "admin home", body, `href="`+p+`/admin/federation"`, f.a.h.cats[lang].T("fed.title"))
		}
		ctx := context.Background()
		if reqs, _ := s.FollowRequests(ctx, 10); len(reqs) != 0 {
			t.Error("a forbidden POST queued a follow request")
		}
		if ps, _ := s.DomainPolicies(ctx); len(ps) != 0 {
			t.Error("a forbidden POST set a domain policy")
		}
		if on, _ := s.AllowlistMode(ctx); on {
			t.Error("a forbidden POST switched allowlist mode on")
		}
	})
}

func TestFederationAdminActions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		f := newAdminFixture(t, s)
		srv, c := f.a.srv.URL, f.adminC
		post := func(path string, v url.Values) {
			t.Helper()
			resp, body := submitForm(t, c, srv, path, v)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("POST %s = %d\n%s", path, resp.StatusCode, body)
			}
			if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, path[:3]+"/admin/federation") {
				t.Errorf("POST %s redirects to %q", path, loc)
			}
		}

		// Adding a partner queues a follow request for the worker.
		post("/en/admin/federation/follow", url.Values{"target": {"@ic-plovdiv@partner.example"}, "action": {"follow"}})
		reqs, err := s.FollowRequests(ctx, 10)
		if err != nil || len(reqs) != 1 || reqs[0].Target != "@ic-plovdiv@partner.example" || reqs[0].Action != db.RequestFollow ||
			reqs[0].State != db.RequestPending || reqs[0].RequestedBy != f.admin.ID {
			t.Fatalf("follow requests = %+v, %v", reqs, err)
		}
		_, body := getPage(t, c, srv+"/en/admin/federation")
		mustContain(t, "page after follow", body, "The follow request has been queued", "@ic-plovdiv@partner.example", "waiting for the worker")
		post("/bg/admin/federation/follow", url.Values{"target": {""}, "action": {"follow"}})
		_, body = getPage(t, c, srv+"/bg/admin/federation")
		mustContain(t, "empty target", body, f.a.h.cats[db.BG].T("fed.invalid"))

		// A partner that accepted shows as followed, with its deliveries.
		hub, err := s.CreateLocalActor(ctx, &db.Actor{URI: "https://hub.example/actors/hub", Handle: "fedhub", Type: db.ActorApplication,
			KeyID: "https://hub.example/actors/hub#main-key", PublicKeyPEM: "pub", PrivateKeyPEM: "priv"})
		if err != nil {
			t.Fatal(err)
		}
		partner := fedRemoteActor(t, s, "partner.example", "ic-plovdiv", "IC Plovdiv")
		if _, err := s.SaveFollow(ctx, hub.ID, partner.ID, "https://hub.example/follows/1", db.FollowAccepted); err != nil {
			t.Fatal(err)
		}
		d := failedDelivery(t, s, 1, "https://partner.example/inbox")
		failedDelivery(t, s, 2, "https://partner.example/users/other/inbox")
		if err := s.RecordHostFailure(ctx, "partner.example", 5, time.Now().Add(time.Hour), "connection refused", time.Now()); err != nil {
			t.Fatal(err)
		}
		for _, lang := range db.InterfaceLangs {
			cat := f.a.h.cats[lang]
			_, body := getPage(t, c, srv+"/"+string(lang)+"/admin/federation")
			mustContain(t, "partners", body, "@ic-plovdiv@partner.example", cat.T("fed.state.accepted"), "https://partner.example/inbox",
				`name="target" value="https://partner.example/users/ic-plovdiv"`, "connection refused", strings.TrimSuffix(cat.T("fed.paused"), "%s"),
				"HTTP 410 gone", fmt.Sprintf("/admin/federation/deliveries/%d/retry", d.ID), cat.T("fed.retry.host"))
		}

		// Retry puts one failed delivery back in the queue, due now.
		post(fmt.Sprintf("/en/admin/federation/deliveries/%d/retry", d.ID), url.Values{})
		got, err := s.Deliveries(ctx, db.DeliveryQuery{Host: "partner.example"})
		if err != nil || len(got) != 2 {
			t.Fatalf("deliveries: %v, %d", err, len(got))
		}
		for _, g := range got {
			want := db.DeliveryFailed
			if g.ID == d.ID {
				want = db.DeliveryPending
				if g.Attempts != 0 || !g.FinishedAt.IsZero() {
					t.Errorf("retried delivery: attempts %d, finished %v", g.Attempts, g.FinishedAt)
				}
			}
			if g.State != want {
				t.Errorf("delivery %d is %s, want %s", g.ID, g.State, want)
			}
		}
		post("/en/admin/federation/hosts/retry", url.Values{"host": {"partner.example"}})
		if n, _ := s.CountDeliveries(ctx, db.DeliveryFailed, "partner.example"); n != 0 {
			t.Errorf("after retry all: %d failed", n)
		}
		if n, _ := s.CountDeliveries(ctx, db.DeliveryPending, "partner.example"); n != 2 {
			t.Errorf("after retry all: %d pending, want 2", n)
		}
		post("/en/admin/federation/deliveries/999999/retry", url.Values{})

		// Unfollowing queues the opposite request.
		post("/bg/admin/federation/follow", url.Values{"target": {"@ic-plovdiv@partner.example"}, "action": {"unfollow"}})
		if reqs, _ := s.FollowRequests(ctx, 10); len(reqs) != 2 || reqs[0].Action != db.RequestUnfollow {
			t.Errorf("after unfollow: %+v", reqs)
		}

		// Domain policies and allowlist mode.
		post("/en/admin/federation/domains", url.Values{"host": {"Spam.Example"}, "policy": {"block"}, "reason": {"spam waves"}})
		post("/en/admin/federation/domains", url.Values{"host": {"friends.example"}, "policy": {"allow"}})
		post("/en/admin/federation/allowlist", url.Values{"on": {"1"}})
		if on, _ := s.AllowlistMode(ctx); !on {
			t.Error("allowlist mode is off")
		}
		for _, lang := range db.InterfaceLangs {
			cat := f.a.h.cats[lang]
			_, body := getPage(t, c, srv+"/"+string(lang)+"/admin/federation")
			mustContain(t, "domains", body, "<td>spam.example</td>", "spam waves", "<td>friends.example</td>",
				cat.T("fed.policy.block"), cat.T("fed.policy.allow"), cat.T("fed.allowlist.disable"))
		}
		post("/en/admin/federation/domains", url.Values{"host": {"friends.example"}, "policy": {""}})
		post("/en/admin/federation/allowlist", url.Values{"on": {"0"}})
		ps, _ := s.DomainPolicies(ctx)
		if len(ps) != 1 || ps[0].Host != "spam.example" || ps[0].Policy != db.PolicyBlock {
			t.Errorf("policies = %+v", ps)
		}
		if on, _ := s.AllowlistMode(ctx); on {
			t.Error("allowlist mode is still on")
		}
		post("/en/admin/federation/domains", url.Values{"host": {"not a host/"}, "policy": {"block"}})
		_, body = getPage(t, c, srv+"/en/admin/federation")
		mustContain(t, "bad host", body, "That did not work")

		// Blocking an actor by URI, and unblocking it.
		troll := fedRemoteActor(t, s, "troll.example", "troll", "Troll")
		post("/en/admin/federation/actors", url.Values{"uri": {troll.URI}, "block": {"1"}})
		if bs, _ := s.BlockedActors(ctx); len(bs) != 1 || bs[0].URI != troll.URI {
			t.Errorf("blocked = %+v", bs)
		}
		_, body = getPage(t, c, srv+"/bg/admin/federation")
		mustContain(t, "blocked actor", body, "<code>"+troll.URI+"</code>", f.a.h.cats[db.BG].T("fed.actor.unblock"))
		post("/en/admin/federation/actors", url.Values{"uri": {troll.URI}, "block": {"0"}})
		if bs, _ := s.BlockedActors(ctx); len(bs) != 0 {
			t.Errorf("still blocked: %+v", bs)
		}

		// A Flag report shows until it is resolved.
		if err := s.AddReport(ctx, "https://partner.example/flags/1", partner.ID, "This item is spam", []string{"https://hub.example/items/1"}); err != nil {
			t.Fatal(err)
		}
		reps, _ := s.Reports(ctx, false)
		if len(reps) != 1 {
			t.Fatalf("reports = %d", len(reps))
		}
		for _, lang := range db.InterfaceLangs {
			_, body := getPage(t, c, srv+"/"+string(lang)+"/admin/federation")
			mustContain(t, "reports", body, "This item is spam", "@ic-plovdiv@partner.example", "https://hub.example/items/1",
				fmt.Sprintf("/admin/federation/reports/%d/resolve", reps[0].ID), f.a.h.cats[lang].T("fed.report.resolve"))
		}
		post(fmt.Sprintf("/bg/admin/federation/reports/%d/resolve", reps[0].ID), url.Values{})
		if reps, _ := s.Reports(ctx, false); len(reps) != 0 {
			t.Errorf("open reports after resolve: %d", len(reps))
		}
		_, body = getPage(t, c, srv+"/en/admin/federation")
		if strings.Contains(body, "This item is spam") {
			t.Error("a resolved report is still listed")
		}
	})
}

// TestFederationCatalogKeys checks the keys the federation pages use,
// those built at run time included, in both languages.
func TestFederationCatalogKeys(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"fed.invalid", "fed.notfound", "fed.retried", "fed.report.resolved", "fed.actor.blocked", "fed.actor.unblocked",
		"fed.allowlist.on.done", "fed.allowlist.off.done"}
	for _, st := range []db.FollowState{db.FollowPending, db.FollowAccepted, db.FollowRejected} {
		keys = append(keys, "fed.state."+string(st))
	}
	for _, a := range []string{db.RequestFollow, db.RequestUnfollow} {
		keys = append(keys, "fed.action."+a, "fed.requested."+a)
	}
	for _, st := range []string{db.RequestPending, db.RequestDone, db.RequestFailed} {
		keys = append(keys, "fed.request."+st)
	}
	for _, p := range []string{db.PolicyBlock, db.PolicyAllow, "none"} {
		keys = append(keys, "fed.domain.set."+p)
	}
	for _, p := range []string{db.PolicyBlock, db.PolicyAllow} {
		keys = append(keys, "fed.policy."+p)
	}
	used := regexp.MustCompile(`(?:\{\{|\()t "(fed\.[a-z0-9._]+)"`)
	for _, name := range []string{"fedadmin.html", "item.html", "admin.html"} {
		b, err := templateFiles.ReadFile("templates/" + name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
	}
	if len(keys) < 70 {
		t.Fatalf("found only %d keys: the template scan is broken", len(keys))
	}
	for _, k := range keys {
		for _, l := range db.InterfaceLangs {
			if cats[l][k] == "" {
				t.Errorf("key %q is missing in %s", k, l)
			}
		}
	}
}
