package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
)

// private lets two hubs on loopback federate with each other.
var private = map[string]string{"HUB_ALLOW_PRIVATE_NETWORKS": "true"}

func createOrg(t *testing.T, store *db.Store, handle string) {
	t.Helper()
	o := &db.Organisation{Handle: handle, Kind: db.OrgNGO, Country: "BG"}
	o.SetTexts(db.Text{Lang: db.BG, Title: "Организация " + handle}, db.Text{Lang: db.EN, Title: "Organisation " + handle})
	if err := store.CreateOrganisation(context.Background(), o); err != nil {
		t.Fatal(err)
	}
}

// TestFederationMounted checks the federation routes on the real mux:
// discovery, the actor as ActivityStreams, and the same URL sent to the
// portal's page for a browser.
func TestFederationMounted(t *testing.T) {
	srv, h, _ := startHub(t, private)
	createOrg(t, h.store, "ngo-plovdiv")
	host := strings.TrimPrefix(srv.URL, "http://")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, c := range []struct {
		path, accept string
		status       int
		ctype, want  string
	}{
		{"/.well-known/webfinger?resource=acct:ngo-plovdiv@" + host, "", 200, "application/jrd+json", `"href":"` + srv.URL + `/actors/ngo-plovdiv"`},
		{"/.well-known/nodeinfo", "", 200, "application/json", "/nodeinfo/2.1"},
		{"/nodeinfo/2.1", "", 200, "application/json", `"bgimigranti-hub"`},
		{"/actors/ngo-plovdiv", "application/activity+json", 200, "application/activity+json", `"preferredUsername":"ngo-plovdiv"`},
		{"/actors/ngo-plovdiv", "text/html", 303, "", ""},
		{"/actors/ngo-plovdiv/outbox", "application/activity+json", 200, "application/activity+json", `"OrderedCollection"`},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+c.path, nil)
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.ctype) || !strings.Contains(string(b), c.want) {
			t.Errorf("GET %s (Accept %q): %d %q %.300s", c.path, c.accept, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
		if c.status == 303 && !strings.HasSuffix(resp.Header.Get("Location"), "/organisations/ngo-plovdiv") {
			t.Errorf("browser GET %s redirects to %q", c.path, resp.Header.Get("Location"))
		}
	}
}

// TestPartnerCommands runs `hub partner add` against a second real hub:
// the CLI resolves the organisation, stores it, delivers the Follow; the
// partner's worker accepts; `hub partner list` shows the follow accepted;
// `hub partner remove` ends it.
func TestPartnerCommands(t *testing.T) {
	partnerSrv, partner, _ := startHub(t, private)
	createOrg(t, partner.store, "ic-stara-zagora")
	_, local, vars := startHub(t, private)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		partner.background[0](ctx) // the partner's federation worker
	}()
	defer func() { cancel(); <-done }()

	target := "ic-stara-zagora@" + strings.TrimPrefix(partnerSrv.URL, "http://")
	e, out, errb := testEnv(vars, "")
	if err := partnerAddCommand(context.Background(), []string{target}, e); err != nil {
		t.Fatalf("partner add: %v\n%s", err, errb)
	}
	if !strings.Contains(out.String(), "partner add: "+partnerSrv.URL+"/actors/ic-stara-zagora") {
		t.Errorf("partner add printed %q", out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		follows, err := local.store.Followings(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(follows) == 1 && follows[0].State == db.FollowAccepted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the partner did not accept within 30 s: %+v", follows)
		}
		time.Sleep(50 * time.Millisecond)
	}
	o, err := local.store.OrganisationByActor(context.Background(), partnerSrv.URL+"/actors/ic-stara-zagora")
	if err != nil || !o.Remote {
		t.Errorf("the partner's organisation in the directory: %+v, %v", o, err)
	}
	e, out, _ = testEnv(vars, "")
	if err := partnerListCommand(context.Background(), nil, e); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "/actors/ic-stara-zagora") || !strings.Contains(out.String(), "accepted") {
		t.Errorf("partner list:\n%s", out)
	}
	e, out, errb = testEnv(vars, "")
	if err := partnerRemoveCommand(context.Background(), []string{partnerSrv.URL + "/actors/ic-stara-zagora"}, e); err != nil {
		t.Fatalf("partner remove: %v\n%s", err, errb)
	}
	if follows, _ := local.store.Followings(context.Background()); len(follows) != 0 {
		t.Errorf("follows after remove: %+v", follows)
	}
	var js struct{ TotalItems int }
	req, _ := http.NewRequest(http.MethodGet, partnerSrv.URL+"/actors/ic-stara-zagora/followers", nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&js)
	resp.Body.Close()
	if js.TotalItems != 0 {
		t.Errorf("the partner still lists %d followers after the Undo", js.TotalItems)
	}
	if err := partnerAddCommand(context.Background(), nil, e); err != errUsage {
		t.Errorf("partner add without a target: %v, want usage", err)
	}
}
