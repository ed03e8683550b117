package federation

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
	"github.com/bgimigranti/hub/federation/httpsig"
)

// testClock is a clock tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock { return &testClock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Keys: generating RSA keys is slow, so tests share a few, made once.
var (
	keyPoolOnce sync.Once
	keyPool     []*rsa.PrivateKey
	keyPoolMu   sync.Mutex
	keyPoolNext int
)

func poolKeys(t testing.TB) []*rsa.PrivateKey {
	keyPoolOnce.Do(func() {
		b, err := os.ReadFile("httpsig/testdata/testkey.pem")
		if err == nil {
			if k, err := httpsig.ParsePrivateKey(string(b)); err == nil {
				keyPool = append(keyPool, k)
			}
		}
		for len(keyPool) < 8 {
			k, err := httpsig.GenerateKey()
			if err != nil {
				panic(err)
			}
			keyPool = append(keyPool, k)
		}
	})
	if len(keyPool) == 0 {
		t.Fatal("no test keys")
	}
	return keyPool
}

// testKeyGen hands out the pool's keys in turn (index 0, the committed
// test key, is kept for golden files).
func testKeyGen(t testing.TB) func() (*rsa.PrivateKey, error) {
	keys := poolKeys(t)
	return func() (*rsa.PrivateKey, error) {
		keyPoolMu.Lock()
		defer keyPoolMu.Unlock()
		keyPoolNext++
		return keys[1+keyPoolNext%(len(keys)-1)], nil
	}
}

// testLogger logs to the test when HUB_TEST_LOG is set, else nowhere.
func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("HUB_TEST_LOG") == "" {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("test", t.Name())
}

// testHub is one hub: a store, a server on loopback and its federation.
type testHub struct {
	t     testing.TB
	store *db.Store
	srv   *httptest.Server
	h     *Handler
	clock *testClock
	host  string
	site  *int // requests that went to the site
}

type hubOption func(*Config)

// newTestHub starts a hub on a fresh database of dialect d.
func newTestHub(t testing.TB, d db.Dialect, clock *testClock, opts ...hubOption) *testHub {
	t.Helper()
	return newTestHubOn(t, dbtest.Open(t, d), clock, opts...)
}

func newTestHubOn(t testing.TB, store *db.Store, clock *testClock, opts ...hubOption) *testHub {
	t.Helper()
	th := &testHub{t: t, store: store, clock: clock, site: new(int)}
	var handler http.Handler
	th.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(th.srv.Close)
	base, _ := url.Parse(th.srv.URL)
	th.host = base.Host
	site := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*th.site++
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!doctype html><title>page</title>")
	})
	cfg := Config{BaseURL: base, Site: site, AllowPrivateNetworks: true, Now: clock.Now, KeyGen: testKeyGen(t),
		Delivery: DeliveryConfig{HostRate: -1, Timeout: 5 * time.Second}}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := New(cfg, store, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	th.h = h
	handler = h.Routes()
	return th
}

// drain runs the hub's worker until it has nothing to do, bounded.
func (th *testHub) drain() {
	th.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := th.h.Drain(ctx); err != nil {
		th.t.Fatalf("drain %s: %v", th.host, err)
	}
}

// org creates a local organisation.
func (th *testHub) org(handle string) *db.Organisation {
	th.t.Helper()
	o := &db.Organisation{Handle: handle, Kind: db.OrgInfoCentre, Country: "BG", City: "Хасково", Website: "https://ic.example.org"}
	o.SetTexts(
		db.Text{Lang: db.BG, Title: "Информационен център " + handle, Summary: "Помощ за имигранти"},
		db.Text{Lang: db.EN, Title: "Information centre " + handle, Summary: "Help for immigrants"},
	)
	if err := th.store.CreateOrganisation(context.Background(), o); err != nil {
		th.t.Fatal(err)
	}
	return o
}

var eventStart = time.Date(2026, 12, 10, 16, 0, 0, 0, time.UTC)

// item creates a published local item of kind k for org, in Bulgarian and
// English.
func (th *testHub) item(org *db.Organisation, k db.Kind, title string) *db.Item {
	th.t.Helper()
	it := &db.Item{Kind: k, OrganisationID: org.ID, Status: db.Published, PrimaryLang: db.BG,
		PublishedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	if k == db.Event {
		it.StartsAt, it.EndsAt = eventStart, eventStart.Add(2*time.Hour)
		it.TimeZone, it.PlaceName, it.Address = "Europe/Sofia", "Читалище „Заря“", "ул. „Отец Паисий“ 5, Хасково"
		it.OnlineURL = "https://meet.example.org/room"
	}
	it.SetTexts(
		db.Text{Lang: db.BG, Title: title + " (бг)", Summary: "Кратко описание", BodyHTML: "<p>Текст на български.</p>"},
		db.Text{Lang: db.EN, Title: title + " (en)", Summary: "A short description", BodyHTML: "<p>Text in English.</p>"},
	)
	if err := th.store.CreateItem(context.Background(), it); err != nil {
		th.t.Fatal(err)
	}
	return it
}

// get fetches a URL with an Accept header and returns status, headers and
// body.
func get(t testing.TB, u, accept string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func decode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	return m
}

// --- A signer that writes signatures the way Mastodon and GoToSocial do,
// sharing no code with federation/httpsig.

type sigStyle struct {
	algorithm string   // the algorithm parameter
	headers   []string // the signed headers, in order
}

var (
	mastodonStyle = sigStyle{"rsa-sha256", []string{"(request-target)", "host", "date", "digest", "content-type"}}
	gtsStyle      = sigStyle{"hs2019", []string{"(request-target)", "host", "date", "digest"}}
	gtsGetStyle   = sigStyle{"hs2019", []string{"(request-target)", "host", "date"}}
)

// peerSign signs req (whose body is body) as keyID with key at date.
func peerSign(t testing.TB, req *http.Request, body []byte, keyID string, key *rsa.PrivateKey, st sigStyle, date time.Time) {
	t.Helper()
	req.Header.Set("Date", date.UTC().Format(http.TimeFormat))
	req.Header.Set("Host", req.URL.Host)
	if body != nil {
		sum := sha256.Sum256(body)
		req.Header.Set("Digest", "SHA-256="+base64.StdEncoding.EncodeToString(sum[:]))
	}
	var lines []string
	for _, h := range st.headers {
		switch h {
		case "(request-target)":
			lines = append(lines, "(request-target): "+strings.ToLower(req.Method)+" "+req.URL.RequestURI())
		case "host":
			lines = append(lines, "host: "+req.URL.Host)
		default:
			lines = append(lines, h+": "+req.Header.Get(h))
		}
	}
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Signature", `keyId="`+keyID+`",algorithm="`+st.algorithm+`",headers="`+strings.Join(st.headers, " ")+`",signature="`+base64.StdEncoding.EncodeToString(sig)+`"`)
}

// postSigned POSTs a signed activity and returns the status.
func postSigned(t testing.TB, inbox string, body []byte, keyID string, key *rsa.PrivateKey, st sigStyle, date time.Time) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, inbox, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/activity+json")
	peerSign(t, req, body, keyID, key, st, date)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
