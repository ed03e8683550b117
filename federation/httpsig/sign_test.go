package httpsig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSignHeaders(t *testing.T) {
	key := testKey(t)
	body := []byte(`{"type":"Follow"}`)
	tests := []struct {
		name        string
		method, url string
		body        []byte
		wantDigest  string
		wantHeaders string
	}{
		{
			name:        "POST",
			method:      http.MethodPost,
			url:         "https://hub.example/users/alice/inbox",
			body:        body,
			wantDigest:  refDigest("SHA-256", body),
			wantHeaders: "(request-target) host date digest",
		},
		{
			name:        "POST without body",
			method:      http.MethodPost,
			url:         "https://hub.example/inbox",
			wantDigest:  refDigest("SHA-256", nil),
			wantHeaders: "(request-target) host date digest",
		},
		{
			name:        "GET",
			method:      http.MethodGet,
			url:         "https://hub.example:8443/users/alice?page=true",
			wantHeaders: "(request-target) host date",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest(tt.method, tt.url, bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			// Signing twice must leave one Digest and one Signature.
			for range 2 {
				if err := Sign(r, tt.body, testKeyID, key, testNow); err != nil {
					t.Fatalf("Sign: %v", err)
				}
			}
			if got, want := r.Header.Get("Host"), r.URL.Host; got != want {
				t.Errorf("Host = %q, want %q", got, want)
			}
			if got, want := r.Header.Get("Date"), "Tue, 24 Nov 2026 12:00:00 GMT"; got != want {
				t.Errorf("Date = %q, want %q", got, want)
			}
			if got := r.Header.Values("Digest"); strings.Join(got, "|") != tt.wantDigest {
				t.Errorf("Digest = %q, want %q", got, tt.wantDigest)
			}
			sigs := r.Header.Values("Signature")
			if len(sigs) != 1 {
				t.Fatalf("got %d Signature headers, want 1", len(sigs))
			}
			prefix := `keyId="` + testKeyID + `",algorithm="rsa-sha256",headers="` + tt.wantHeaders + `",signature="`
			if !strings.HasPrefix(sigs[0], prefix) || !strings.HasSuffix(sigs[0], `"`) {
				t.Errorf("Signature = %q, want prefix %q", sigs[0], prefix)
			}
		})
	}
}

func TestSignErrors(t *testing.T) {
	key := testKey(t)
	newReq := func(url string) *http.Request {
		r, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	otherHost := newReq("https://hub.example/x")
	otherHost.Host = "elsewhere.example"
	tests := []struct {
		name  string
		r     *http.Request
		keyID string
		key   bool
		want  string
	}{
		{"nil request", nil, testKeyID, true, "no URL"},
		{"no host", newReq("/users/alice"), testKeyID, true, "no host"},
		{"Host differs from URL", otherHost, testKeyID, true, "differs"},
		{"nil key", newReq("https://hub.example/x"), testKeyID, false, "no private key"},
		{"empty key id", newReq("https://hub.example/x"), "", true, "empty key id"},
		{"quote in key id", newReq("https://hub.example/x"), `https://a.example/"k`, true, "quote"},
		{"newline in key id", newReq("https://hub.example/x"), "https://a.example/\nk", true, "control"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := key
			if !tt.key {
				k = nil
			}
			err := Sign(tt.r, nil, tt.keyID, k, testNow)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Sign error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// verifyServer starts a server that checks every request with both the
// reference verifier and Verify, and answers with both outcomes.
func verifyServer(t *testing.T) *httptest.Server {
	t.Helper()
	key := testKey(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ref := "ok"
		if err := refVerify(r, body, &key.PublicKey); err != nil {
			ref = err.Error()
		}
		ver := "ok"
		res, err := Verify(r.Context(), r, body, Options{}, staticKeys(&key.PublicKey))
		if err != nil {
			ver = err.Error()
		}
		fmt.Fprintf(w, "ref=%s\nverify=%s\nkey=%s\nowner=%s\n", ref, ver, res.KeyID, res.Owner)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// send sends r and returns the server's report.
func send(t *testing.T, srv *httptest.Server, r *http.Request) string {
	t.Helper()
	resp, err := srv.Client().Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: status %d: %s", r.Method, r.URL, resp.StatusCode, b)
	}
	return string(b)
}

// TestRoundTrip signs with Sign, sends the request through a real server and
// checks it there with Verify and with the reference verifier, which is
// built like Mastodon's.
func TestRoundTrip(t *testing.T) {
	srv := verifyServer(t)
	key := testKey(t)
	body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Follow"}`)
	tests := []struct {
		name   string
		method string
		path   string
		body   []byte
	}{
		{"GET", http.MethodGet, "/users/alice", nil},
		{"GET with query", http.MethodGet, "/users/alice/outbox?page=true", nil},
		{"POST", http.MethodPost, "/users/alice/inbox", body},
		{"POST empty body", http.MethodPost, "/inbox", []byte{}},
		{"POST percent-encoded path", http.MethodPost, "/users/%D0%B8%D0%B2%D0%B0%D0%BD/inbox", body},
		{"POST non-ASCII path", http.MethodPost, "/users/иван/inbox", body},
		{"PUT", http.MethodPut, "/objects/1", body},
	}
	want := "ref=ok\nverify=ok\nkey=" + testKeyID + "\nowner=" + testOwner + "\n"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest(tt.method, srv.URL+tt.path, bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if err := Sign(r, tt.body, testKeyID, key, time.Now()); err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if got := send(t, srv, r); got != want {
				t.Errorf("server says\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestVerifyReferenceSigned sends requests signed by the reference signer,
// exactly as Mastodon signs them, through a real server to Verify.
func TestVerifyReferenceSigned(t *testing.T) {
	srv := verifyServer(t)
	key := testKey(t)
	body := []byte(`{"type":"Create"}`)
	tests := []struct {
		name string
		rr   refRequest
	}{
		{"POST", refRequest{method: http.MethodPost, url: srv.URL + "/users/x/inbox", body: body}},
		{"POST hs2019", refRequest{method: http.MethodPost, url: srv.URL + "/users/x/inbox", body: body, algorithm: "hs2019"}},
		{"GET", refRequest{method: http.MethodGet, url: srv.URL + "/users/x", headers: "(request-target) host date"}},
		{"GET with query signed without it", refRequest{method: http.MethodGet, url: srv.URL + "/users/x/outbox?page=true", headers: "(request-target) host date"}},
		{"GET with query signed with it", refRequest{method: http.MethodGet, url: srv.URL + "/users/x/outbox?page=true", headers: "(request-target) host date", target: "/users/x/outbox?page=true"}},
		{"WriteFreely header order", refRequest{method: http.MethodPost, url: srv.URL + "/users/x/inbox", body: body, headers: "(request-target) date host digest"}},
		{"Lemmy header set", refRequest{method: http.MethodPost, url: srv.URL + "/users/x/inbox", body: body, headers: "(request-target) content-type date digest host",
			extra: map[string]string{"Content-Type": "application/activity+json"}}},
	}
	want := "ref=ok\nverify=ok\nkey=" + testKeyID + "\nowner=" + testOwner + "\n"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.rr.date = time.Now()
			r := refSign(t, key, testKeyID, tt.rr)
			if got := send(t, srv, r); got != want {
				t.Errorf("server says\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestSignConcurrent signs with one key from many goroutines; run it with
// -race.
func TestSignConcurrent(t *testing.T) {
	key := testKey(t)
	keys := staticKeys(&key.PublicKey)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 16 {
		wg.Go(func() {
			for i := range 4 {
				body := []byte(fmt.Sprintf(`{"n":%d}`, g*10+i))
				r, err := http.NewRequest(http.MethodPost, "https://hub.example/users/alice/inbox", bytes.NewReader(body))
				if err != nil {
					errs <- err
					return
				}
				if err := Sign(r, body, testKeyID, key, testNow); err != nil {
					errs <- err
					return
				}
				s := serverSide(t, r, body)
				if _, err := Verify(context.Background(), s, body, Options{Now: testNow}, keys); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func BenchmarkSign(b *testing.B) {
	key := testKey(b)
	body := bytes.Repeat([]byte("x"), 2048)
	for b.Loop() {
		r, err := http.NewRequest(http.MethodPost, "https://remote.example/users/bob/inbox", nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := Sign(r, body, testKeyID, key, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

// errBoom is what failing KeyFuncs in tests return.
var errBoom = errors.New("boom")
