package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
	"github.com/bgimigranti/hub/federation/httpsig"
	"github.com/bgimigranti/hub/feeds"
)

// The hostile corpus: what a stranger can put into a request. Every value
// goes into every path parameter, query, form field and JSON string the
// routes below take (docs/security.md lists the rules they test).

// hostilePathValues are put, escaped as written, into every {parameter}.
var hostilePathValues = []string{
	"%00", "a%00b", "%01", "%7F", "%0D%0A", "%C2%85", "%FF", "%C3%28", "x1", strings.Repeat("a", 3000),
	"99999999999999999999", "%00.rss",
}

// hostileQueries are appended to every GET route.
var hostileQueries = []string{
	"q=%00", "q=a%01b", "page=%FF", "lang=x1", "before=%00", "cursor=99999999999999999999",
	"q=" + strings.Repeat("%D1%89", 2000), "resource=acct:%00@x", "next=%0D%0Ahttp://evil", "q=%",
}

// hostileFormValues are sent in every form field.
var hostileFormValues = []string{
	"\x00", "name\x00", "\x01\x1b", "\x7f", "bad \xff utf8", "\u0085", "x1", strings.Repeat("щ", 20000),
	"-1", "99999999999999999999", "<script>", "",
}

// formFields are the field names of the portal's forms, each of which
// gets every hostile value.
var formFields = []string{"name", "email", "password", "password2", "lang", "lang_other", "title", "title_bg", "title_en",
	"summary_bg", "summary_en", "body", "body_bg", "body_en", "kind", "handle", "slug", "status", "role", "organisation",
	"starts_at", "ends_at", "time_zone", "place_name", "address", "online_url", "next", "target", "domain", "reason",
	"comment", "position", "country", "city", "website", "action", "uri", "alt_bg", "alt_en", "category", "q"}

// hostileHeaders are odd but transmittable header values; the ones that
// cannot travel (NUL, line breaks) go through the handler directly.
var hostileHeaders = map[string][]string{
	"Accept-Language": {"x1", "*;q=abc", strings.Repeat("bg,", 500), "\xff\xfe"},
	"Accept":          {"application/activity+json;q=x", "*/*;profile=\"\xff\""},
	"If-None-Match":   {`"` + strings.Repeat("x", 4000) + `"`, "W/"},
	"Cookie":          {"hub_session=%00; lang=x1", "lang=" + strings.Repeat("a", 3000)},
	"Signature":       {`keyId="%00",signature="x"`, "garbage"},
	"Date":            {"yesterday"},
}

// routeLine finds the routes the portal and federation register:
// m.Handle("GET "+p+"/path", …) and mux.Handle("POST /path", …).
var routeLine = regexp.MustCompile(`\b(?:m|mux)\.Handle(?:Func)?\("(GET|POST) ([^"]*)"(?:\+(\w+)(?:\+"([^"]*)")?)?`)

// prefixes are what the variables in the registrations stand for.
func prefixes() map[string][]string {
	out := map[string][]string{"": {""}}
	for _, l := range db.InterfaceLangs {
		p := "/" + string(l)
		out["p"] = append(out["p"], p)
		out["f"] = append(out["f"], p+"/forum")
		out["c"] = append(out["c"], p+"/forum/categories")
		for _, k := range db.Kinds() {
			out["sec"] = append(out["sec"], p+"/"+k.Section())
		}
	}
	return out
}

// route is one registered pattern with its variable expanded.
type hostileRoute struct{ method, path string }

// registeredRoutes reads the route registrations from the sources of
// portal and federation, and takes the feeds' from the feeds handler. The
// test fails on a registration whose prefix it does not know, so a new
// route cannot escape the corpus.
func registeredRoutes(t *testing.T, h *hub) []hostileRoute {
	t.Helper()
	pre := prefixes()
	var out []hostileRoute
	for _, dir := range []string{"../../portal", "../../federation"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range routeLine.FindAllStringSubmatch(string(src), -1) {
				ps, ok := pre[m[3]]
				if !ok {
					t.Errorf("%s registers %q under a prefix %q the hostile corpus does not know: add it to prefixes()", name, m[0], m[3])
					continue
				}
				for _, p := range ps {
					if path := m[2] + p + m[4]; path != "" {
						out = append(out, hostileRoute{m[1], path})
					} else {
						t.Errorf("%s: cannot read the route of %q", name, m[0])
					}
				}
			}
		}
	}
	out = append(out, hostileRoute{"GET", "/healthz"})
	if len(out) < 100 {
		t.Fatalf("found only %d routes in the sources; the pattern that reads them is out of date", len(out))
	}
	return out
}

// feedRoutes are the feeds' patterns, from the handler itself.
func feedRoutes(c *config, store *db.Store) []hostileRoute {
	var out []hostileRoute
	for _, p := range feeds.New(feeds.Config{BaseURL: c.BaseURL}, store, slog.New(slog.DiscardHandler)).Patterns() {
		method, path, _ := strings.Cut(p, " ")
		out = append(out, hostileRoute{method, path})
	}
	return out
}

var param = regexp.MustCompile(`\{[^}]+\}`)

// expand returns the concrete paths of a route: each hostile value in
// each parameter in turn (the others get a plain value), and the route
// with plain values.
func expand(path string, values []string) []string {
	path = strings.TrimSuffix(path, "{$}")
	params := param.FindAllStringIndex(path, -1)
	if len(params) == 0 {
		return []string{path}
	}
	fill := func(hostile int, v string) string {
		var b strings.Builder
		last := 0
		for i, loc := range params {
			b.WriteString(path[last:loc[0]])
			name := path[loc[0]+1 : loc[1]-1]
			switch {
			case i == hostile:
				b.WriteString(v)
			case name == "file":
				b.WriteString("news.atom")
			case name == "id" || name == "thread":
				b.WriteString("1")
			default:
				b.WriteString("x")
			}
			last = loc[1]
		}
		b.WriteString(path[last:])
		return strings.TrimSuffix(b.String(), "...")
	}
	out := []string{fill(-1, "")}
	for i := range params {
		for _, v := range values {
			out = append(out, fill(i, v))
		}
	}
	return out
}

// hostileHub is the whole hub on a fresh database behind a test server,
// with a second connection to the same database that bypasses the store.
type hostileHub struct {
	t     *testing.T
	h     *hub
	c     *config
	srv   *httptest.Server
	raw   *bun.DB
	d     db.Dialect
	table []string
	// last is the row counts after the last request when it was a 4xx
	// (nothing changes between requests: no background work runs).
	last []int64
}

func newHostileHub(t *testing.T, d db.Dialect) *hostileHub {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	dsn := dbtest.DSN(t, d)
	vars := map[string]string{"HUB_DATA_DIR": t.TempDir(), "HUB_DATABASE_URL": dsn,
		"HUB_BASE_URL": "http://" + srv.Listener.Addr().String(), "HUB_ALLOW_PRIVATE_NETWORKS": "true"}
	c, err := registerConfigFlags(newFlagSet("t", env{stderr: io.Discard}), func(k string) string { return vars[k] })()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	store, err := open(context.Background(), c, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h, err := newHub(c, store, log)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h.handler
	srv.Start()
	t.Cleanup(srv.Close)
	x := &hostileHub{t: t, h: h, c: c, srv: srv, d: d, raw: rawDB(t, d, dsn)}
	x.table = x.tables()
	return x
}

// rawDB opens the test database without the store, to count rows and to
// write what the store would refuse.
func rawDB(t *testing.T, d db.Dialect, dsn string) *bun.DB {
	t.Helper()
	var b *bun.DB
	if d == db.SQLite {
		sqldb, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:")+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		b = bun.NewDB(sqldb, sqlitedialect.New())
	} else {
		sqldb, err := sql.Open("postgres", dsn)
		if err != nil {
			t.Fatal(err)
		}
		b = bun.NewDB(sqldb, pgdialect.New())
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func (x *hostileHub) tables() []string {
	q := `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	if x.d == db.SQLite {
		q = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	}
	var names []string
	if err := x.raw.NewRaw(q).Scan(context.Background(), &names); err != nil {
		x.t.Fatal(err)
	}
	slices.Sort(names)
	if len(names) < 10 {
		x.t.Fatalf("found only tables %v", names)
	}
	return names
}

// counts returns the row count of every table, in one query.
func (x *hostileHub) counts() []int64 {
	x.t.Helper()
	parts := make([]string, len(x.table))
	for i, n := range x.table {
		parts[i] = fmt.Sprintf(`SELECT %d AS i, COUNT(*) AS n FROM "%s"`, i, n)
	}
	var rows []struct {
		I int
		N int64
	}
	if err := x.raw.NewRaw(strings.Join(parts, " UNION ALL ")).Scan(context.Background(), &rows); err != nil {
		x.t.Fatal(err)
	}
	out := make([]int64, len(x.table))
	for _, r := range rows {
		out[r.I] = r.N
	}
	return out
}

// check sends one request and holds the answer to the rules: never a 5xx,
// and nothing written when it is a 4xx.
func (x *hostileHub) check(client *http.Client, req *http.Request, what string) int {
	x.t.Helper()
	before := x.last
	if before == nil {
		before = x.counts()
	}
	x.last = nil
	resp, err := client.Do(req)
	if err != nil {
		x.t.Errorf("%s: %v", what, err)
		return 0
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		x.t.Errorf("%s: %d\n%.300s", what, resp.StatusCode, body)
	}
	if resp.StatusCode >= 400 && resp.StatusCode < 500 {
		after := x.counts()
		x.last = after
		for i := range after {
			if after[i] != before[i] {
				x.t.Errorf("%s: %d, but table %s went from %d to %d rows", what, resp.StatusCode, x.table[i], before[i], after[i])
			}
		}
	}
	return resp.StatusCode
}

func noRedirects() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signIn signs an admin in and returns a client with the session and the
// form token.
func (x *hostileHub) signIn() (*http.Client, string) {
	x.t.Helper()
	ctx := context.Background()
	if _, err := x.h.store.CreateUser(ctx, db.NewUser{Email: "admin@hub.example", Name: "Admin", Password: "a long admin password", Role: db.RoleAdmin}); err != nil {
		x.t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	client := noRedirects()
	client.Jar = jar
	token := func() string {
		resp, err := client.Get(x.srv.URL + "/en/login")
		if err != nil {
			x.t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(b)
		if m == nil {
			x.t.Fatalf("no form token on the login page:\n%.500s", b)
		}
		return string(m[1])
	}
	resp, err := client.PostForm(x.srv.URL+"/en/login", url.Values{"csrf": {token()}, "email": {"admin@hub.example"}, "password": {"a long admin password"}})
	if err != nil {
		x.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		x.t.Fatalf("sign-in answered %d", resp.StatusCode)
	}
	resp, err = client.Get(x.srv.URL + "/en/account")
	if err != nil {
		x.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(b)
	if resp.StatusCode != 200 || m == nil {
		x.t.Fatalf("account page after sign-in: %d", resp.StatusCode)
	}
	return client, string(m[1])
}

// TestHostileInputs sends the corpus to every route of the real mux, on
// both databases, anonymously and as a signed-in admin, and through the
// inbox signed by a remote actor: every answer is 2xx, 3xx or 4xx, and no
// 4xx leaves a row behind.
func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("the hostile corpus takes a while")
	}
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			x := newHostileHub(t, d)
			routes := append(registeredRoutes(t, x.h), feedRoutes(x.c, x.h.store)...)
			// PostgreSQL gets the values that reach its driver differently
			// (NUL, control characters, invalid UTF-8), to keep the test
			// within minutes on a loaded machine; SQLite gets them all.
			values := hostilePathValues
			if d == db.Postgres {
				values = values[:8]
			}
			anon := noRedirects()
			admin, token := x.signIn()
			n := 0
			for _, rt := range routes {
				paths := expand(rt.path, values)
				plain := paths[0]
				for _, path := range paths {
					for _, client := range []*http.Client{anon, admin} {
						if client == anon && path != plain {
							continue // strangers get the hostile values as the admin does, and are turned away sooner
						}
						if rt.method == "GET" {
							req, err := http.NewRequest("GET", x.srv.URL+path, nil)
							if err != nil {
								continue // not even a URL: no client sends it
							}
							x.check(client, req, "GET "+path)
							n++
							continue
						}
						for _, v := range hostileFormValues[:3] {
							form := url.Values{"csrf": {token}}
							for _, f := range formFields {
								form.Set(f, v)
							}
							req, err := http.NewRequest("POST", x.srv.URL+path, strings.NewReader(form.Encode()))
							if err != nil {
								continue
							}
							req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
							x.check(client, req, fmt.Sprintf("POST %s %q", path, v))
							n++
						}
					}
				}
				if rt.method == "GET" && !strings.Contains(rt.path, "{") {
					for _, q := range hostileQueries {
						req, _ := http.NewRequest("GET", x.srv.URL+rt.path+"?"+q, nil)
						x.check(admin, req, "GET "+rt.path+"?"+q)
						n++
					}
				}
				if rt.method == "POST" && !strings.Contains(rt.path, "{") {
					for _, v := range hostileFormValues {
						form := url.Values{"csrf": {token}}
						for _, f := range formFields {
							form.Set(f, v)
						}
						req, _ := http.NewRequest("POST", x.srv.URL+rt.path, strings.NewReader(form.Encode()))
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
						x.check(admin, req, fmt.Sprintf("POST %s (every field %.40q)", rt.path, v))
						n++
					}
				}
			}
			// The registration name and an item body with a NUL, the
			// reported cases, answer a page that says what to fix.
			for _, rq := range []struct{ path, field string }{{"/en/register", "name"}, {"/bg/manage/new", "body_bg"}} {
				form := url.Values{"csrf": {token}, "email": {"new@hub.example"}, "password": {"a long new password"}, "kind": {"news"},
					"title_bg": {"Заглавие"}, "body_bg": {"Текст"}, "name": {"Нов"}}
				form.Set(rq.field, "a\x00b")
				req, _ := http.NewRequest("POST", x.srv.URL+rq.path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if st := x.check(admin, req, "POST "+rq.path+" with a NUL in "+rq.field); st != http.StatusBadRequest {
					t.Errorf("POST %s with a NUL in %s: %d, want 400", rq.path, rq.field, st)
				}
			}
			n += x.headers(routes)
			n += x.inbox()
			t.Logf("%d hostile requests", n)
		})
	}
}

// headers sends the odd header values over the wire to every GET route
// without parameters, and the ones that cannot travel (control
// characters) to the handler directly, as a lax proxy would pass them.
func (x *hostileHub) headers(routes []hostileRoute) int {
	n := 0
	for _, rt := range routes {
		if rt.method != "GET" || strings.Contains(rt.path, "{") {
			continue
		}
		for name, vs := range hostileHeaders {
			for _, v := range vs {
				req, _ := http.NewRequest("GET", x.srv.URL+rt.path, nil)
				req.Header.Set(name, v)
				x.check(noRedirects(), req, fmt.Sprintf("GET %s with %s: %.40q", rt.path, name, v))
				n++
			}
		}
		for _, v := range []string{"\x00", "a\x01", "bg\r\nX-Evil: 1", "\x7f"} {
			for _, name := range []string{"Accept-Language", "Accept", "Cookie", "If-None-Match", "Signature", "User-Agent"} {
				req := httptest.NewRequest("GET", rt.path, nil)
				req.Header.Set(name, v)
				rec := httptest.NewRecorder()
				x.h.handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusBadRequest {
					x.t.Errorf("GET %s with %s: %q: %d, want 400", rt.path, name, v, rec.Code)
				}
				n++
			}
		}
	}
	return n
}

// remoteActor is a fake remote server with one actor, whose key signs
// the hostile activities (modelled on federation/peer_test.go's fake peer).
type remoteActor struct {
	srv *httptest.Server
	key *rsa.PrivateKey
	id  string
}

func newRemoteActor(t *testing.T) *remoteActor {
	t.Helper()
	key, err := httpsig.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := httpsig.EncodePublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	a := &remoteActor{key: key}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/users/mallory" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(map[string]any{
			"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
			"id":       a.id, "type": "Person", "preferredUsername": "mallory", "name": "Mallory",
			"inbox": a.id + "/inbox", "outbox": a.id + "/outbox", "followers": a.id + "/followers",
			"publicKey": map[string]any{"id": a.id + "#main-key", "owner": a.id, "publicKeyPem": pub},
		})
	}))
	t.Cleanup(a.srv.Close)
	a.id = a.srv.URL + "/users/mallory"
	return a
}

// post signs body as the actor and POSTs it to inbox.
func (a *remoteActor) request(t *testing.T, inbox string, body []byte) *http.Request {
	req, err := http.NewRequest("POST", inbox, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	if err := httpsig.Sign(req, body, a.id+"#main-key", a.key, time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

// hostileActivities are signed activities from an actor nobody follows:
// every JSON string that matters with a NUL or control character, odd
// language tags, huge lists and deep nesting.
func hostileActivities(actor, hub string) map[string][]byte {
	note := func(mut func(obj map[string]any)) map[string]any {
		obj := map[string]any{"id": actor + "/notes/1", "type": "Note", "attributedTo": actor,
			"to": []any{"https://www.w3.org/ns/activitystreams#Public"}, "content": "<p>hello</p>",
			"contentMap": map[string]any{"bg": "<p>здравей</p>"}}
		if mut != nil {
			mut(obj)
		}
		return obj
	}
	create := func(obj map[string]any) map[string]any {
		return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": actor + "/activities/1",
			"type": "Create", "actor": actor, "to": obj["to"], "object": obj}
	}
	out := map[string]any{
		"content NUL":        create(note(func(o map[string]any) { o["content"] = "a\x00b" })),
		"contentMap key NUL": create(note(func(o map[string]any) { o["contentMap"] = map[string]any{"b\x00g": "x"} })),
		"contentMap x1":      create(note(func(o map[string]any) { o["contentMap"] = map[string]any{"x1": "<p>x</p>"} })),
		"name control":       create(note(func(o map[string]any) { o["name"] = "bell\x07" })),
		"id NUL":             create(note(func(o map[string]any) { o["id"] = actor + "/notes/\x00" })),
		"activity id NUL":    map[string]any{"id": actor + "/a\x00", "type": "Follow", "actor": actor, "object": hub + "/actors/hub"},
		"follow object NUL":  map[string]any{"id": actor + "/f", "type": "Follow", "actor": actor, "object": hub + "/actors/\x00"},
		"like NUL":           map[string]any{"id": actor + "/l", "type": "Like", "actor": actor, "object": hub + "/items/\x00"},
		"flag content NUL":   map[string]any{"id": actor + "/flag", "type": "Flag", "actor": actor, "object": []any{hub + "/items/1"}, "content": "\x00"},
		"announce NUL":       map[string]any{"id": actor + "/an", "type": "Announce", "actor": actor, "object": actor + "/notes/\x00"},
		"update actor NUL":   map[string]any{"id": actor + "/u", "type": "Update", "actor": actor, "object": map[string]any{"id": actor, "type": "Person", "name": "\x00", "inbox": actor + "/inbox"}},
		"delete NUL":         map[string]any{"id": actor + "/d", "type": "Delete", "actor": actor, "object": actor + "/notes/\x00"},
		"undo NUL":           map[string]any{"id": actor + "/un", "type": "Undo", "actor": actor, "object": map[string]any{"type": "Follow", "actor": actor, "object": "\x00"}},
		"unknown type NUL":   map[string]any{"id": actor + "/x", "type": "Move\x00", "actor": actor},
	}
	langs := manyLangs()
	tags := []any{}
	for i := range 5000 {
		tags = append(tags, map[string]any{"type": "Mention", "href": fmt.Sprintf("%s/u/%d", actor, i), "name": "@x"})
	}
	out["30000 languages"] = create(note(func(o map[string]any) { o["contentMap"] = langs }))
	out["5000 tags"] = create(note(func(o map[string]any) { o["tag"] = tags }))
	deep := any("x")
	for range 200 {
		deep = []any{deep}
	}
	out["deep nesting"] = create(note(func(o map[string]any) { o["content"] = deep }))
	bodies := map[string][]byte{}
	for k, v := range out {
		b, _ := json.Marshal(v)
		bodies[k] = b
	}
	bodies["invalid UTF-8"] = []byte(`{"id":"` + actor + `/x","type":"Follow","actor":"` + actor + `","object":"` + hub + "/actors/hub\xff\"}")
	bodies["escaped NUL"] = []byte(`{"id":"` + actor + `/y","type":"Create","actor":"` + actor + `","object":{"id":"` + actor + `/n","type":"Note","content":"\u0000"}}`)
	return bodies
}

// inbox sends the hostile activities to the shared inbox and to an
// actor's inbox, with the actor's handle hostile too.
func (x *hostileHub) inbox() int {
	a := newRemoteActor(x.t)
	n := 0
	inboxes := []string{x.srv.URL + "/inbox"}
	for _, p := range expand("/actors/{handle}/inbox", hostilePathValues) {
		inboxes = append(inboxes, x.srv.URL+p)
	}
	for name, body := range hostileActivities(a.id, x.srv.URL) {
		for i, inbox := range inboxes {
			if i > 0 && i%5 != 0 {
				continue // a sample of the hostile handles
			}
			if _, err := url.Parse(inbox); err != nil {
				continue
			}
			x.check(http.DefaultClient, a.request(x.t, inbox, body), "inbox "+name+" at "+strings.TrimPrefix(inbox, x.srv.URL))
			n++
		}
	}
	return n
}

// manyLangs is a language map with every two- and three-letter tag, some
// 18,000 keys of which thousands are real languages.
func manyLangs() map[string]any {
	out := map[string]any{}
	for a := 'a'; a <= 'z'; a++ {
		for b := 'a'; b <= 'z'; b++ {
			out[string([]rune{a, b})] = "<p>x</p>"
			for c := 'a'; c <= 'z'; c++ {
				out[string([]rune{a, b, c})] = "<p>x</p>"
			}
		}
	}
	return out
}

// TestFeedsSurviveABadEntry writes rows the store would refuse straight to
// the database (translations in "x1" and "zz9", an event in a time zone that does
// not exist), as an older version or a hand edit could have left them,
// and fetches every feed that lists them, in every format and both
// languages: each answers 200, well-formed, with the good items and
// without the bad ones.
func TestFeedsSurviveABadEntry(t *testing.T) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			x := newHostileHub(t, d)
			createOrg(t, x.h.store, "ngo-haskovo")
			org, err := x.h.store.OrganisationByHandle(ctx, "ngo-haskovo")
			if err != nil {
				t.Fatal(err)
			}
			newItem := func(k db.Kind, title string) *db.Item {
				it := &db.Item{OrganisationID: org.ID, Kind: k, Status: db.Published, PrimaryLang: db.BG}
				if k == db.Event {
					it.StartsAt = time.Now().Add(48 * time.Hour).UTC().Truncate(time.Minute)
					it.TimeZone = "Europe/Sofia"
				}
				it.SetTexts(db.Text{Lang: db.BG, Title: title + " БГ", BodyHTML: "<p>" + title + "</p>"},
					db.Text{Lang: db.EN, Title: title + " EN", BodyHTML: "<p>" + title + "</p>"})
				if err := x.h.store.CreateItem(ctx, it); err != nil {
					t.Fatal(err)
				}
				return it
			}
			newItem(db.News, "Good news")
			bad := newItem(db.News, "Bad news")
			newItem(db.Event, "Good event")
			badEvent := newItem(db.Event, "Bad event")
			for from, to := range map[string]string{"bg": "x1", "en": "zz9"} {
				if _, err := x.raw.NewRaw(`UPDATE item_translations SET lang = ? WHERE item_id = ? AND lang = ?`, to, bad.ID, from).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := x.raw.NewRaw(`UPDATE items SET time_zone = 'Europe/Atlantis' WHERE id = ?`, badEvent.ID).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			for _, lang := range db.InterfaceLangs {
				want := map[string][]string{
					"all":                       {"Good news", "Good event"},
					"news":                      {"Good news"},
					"organisations/ngo-haskovo": {"Good news", "Good event"},
					"events":                    {"Good event"},
				}
				for name, goods := range want {
					for _, ext := range []string{"atom", "rss", "json"} {
						x.feedHolds(fmt.Sprintf("/%s/feeds/%s.%s", lang, name, ext), ext, goods)
					}
				}
				x.feedHolds("/"+string(lang)+"/feeds/events.ics", "ics", []string{"Good event"})
				x.feedHolds("/"+string(lang)+"/feeds/organisations/ngo-haskovo/events.ics", "ics", []string{"Good event"})
			}
		})
	}
}

// feedHolds fetches a feed and checks it answers 200, parses, holds every
// good title and no bad one.
func (x *hostileHub) feedHolds(path, ext string, goods []string) {
	x.t.Helper()
	resp, err := http.Get(x.srv.URL + path)
	if err != nil {
		x.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		x.t.Errorf("%s: %d\n%.300s", path, resp.StatusCode, b)
		return
	}
	switch ext {
	case "json":
		if !json.Valid(b) {
			x.t.Errorf("%s: not valid JSON", path)
		}
	case "atom", "rss":
		if _, err := gofeed.NewParser().ParseString(string(b)); err != nil {
			x.t.Errorf("%s: does not parse: %v", path, err)
		}
	}
	for _, g := range goods {
		if !bytes.Contains(b, []byte(g)) {
			x.t.Errorf("%s lacks %q", path, g)
		}
	}
	bads := []string{"Bad news", "x1", "zz9"}
	if ext == "ics" {
		bads = append(bads, "Bad event") // its zone is unknown; the other formats need none
	}
	for _, bad := range bads {
		if bytes.Contains(b, []byte(bad)) {
			x.t.Errorf("%s holds %q", path, bad)
		}
	}
}
