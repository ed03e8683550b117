package httpsig

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const inboxURL = "https://hub.example/users/alice/inbox"

var testBody = []byte(`{"type":"Follow","actor":"https://remote.example/users/bob"}`)

// signed returns a request signed with Sign at the given time, as a server
// receives it.
func signed(t testing.TB, method, url string, body []byte, at time.Time) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := Sign(r, body, testKeyID, testKey(t), at); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return serverSide(t, r, body)
}

// refSigned returns a request signed by the reference signer, as a server
// receives it. Method, URL, body and date default to a POST of testBody to
// inboxURL at testNow.
func refSigned(t testing.TB, key crypto.Signer, rr refRequest) *http.Request {
	t.Helper()
	if rr.method == "" {
		rr.method = http.MethodPost
	}
	if rr.url == "" {
		rr.url = inboxURL
	}
	if rr.body == nil && rr.method == http.MethodPost {
		rr.body = testBody
	}
	if rr.date.IsZero() {
		rr.date = testNow
	}
	return serverSide(t, refSign(t, key, testKeyID, rr), rr.body)
}

func TestVerify(t *testing.T) {
	key := testKey(t)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	post := func(t *testing.T) *http.Request { return signed(t, http.MethodPost, inboxURL, testBody, testNow) }
	keysReturning := func(k crypto.PublicKey) KeyFunc { return staticKeys(k) }

	tests := []struct {
		name    string
		req     func(t *testing.T) *http.Request
		body    []byte // default testBody
		opts    Options
		keys    KeyFunc // default testKey's public key
		want    error   // nil, ErrUnsigned or ErrInvalid
		wantMsg string  // part of the error message
		alsoIs  error   // another error the result must wrap
	}{
		{name: "POST", req: post},
		{name: "GET", body: []byte{}, req: func(t *testing.T) *http.Request {
			return signed(t, http.MethodGet, "https://hub.example/users/alice", nil, testNow)
		}},
		{name: "Authorization header", req: func(t *testing.T) *http.Request {
			r := post(t)
			r.Header.Set("Authorization", "Signature "+r.Header.Get("Signature"))
			r.Header.Del("Signature")
			return r
		}},
		{name: "whitespace between parameters", req: func(t *testing.T) *http.Request {
			return refSigned(t, key, refRequest{separator: ", "})
		}},
		{name: "key id with comma and no fragment", keys: staticKeys(&key.PublicKey), req: func(t *testing.T) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, inboxURL, bytes.NewReader(testBody))
			if err := Sign(r, testBody, "https://gts.example/users/a,b/main-key", key, testNow); err != nil {
				t.Fatal(err)
			}
			return serverSide(t, r, testBody)
		}},
		{name: "date an hour old", req: func(t *testing.T) *http.Request {
			return signed(t, http.MethodPost, inboxURL, testBody, testNow.Add(-time.Hour))
		}},
		{name: "query string signed", body: []byte{}, req: func(t *testing.T) *http.Request {
			return signed(t, http.MethodGet, "https://hub.example/users/alice/outbox?page=2", nil, testNow)
		}},
		{name: "query string not signed", body: []byte{}, req: func(t *testing.T) *http.Request {
			return refSigned(t, key, refRequest{method: http.MethodGet, url: "https://hub.example/users/alice/outbox?page=2", headers: "(request-target) host date"})
		}},
		{name: "SHA-512 digest", req: func(t *testing.T) *http.Request {
			return refSigned(t, key, refRequest{digestAlgo: "SHA-512"})
		}},
		{name: "RSA-SHA512 signature", req: func(t *testing.T) *http.Request {
			return refSigned(t, key, refRequest{hash: crypto.SHA512, algorithm: "rsa-sha512"})
		}},
		{name: "RSA-SHA512 signature labelled hs2019", req: func(t *testing.T) *http.Request {
			return refSigned(t, key, refRequest{hash: crypto.SHA512, algorithm: "hs2019"})
		}},
		{name: "Ed25519", keys: keysReturning(testEdKey.Public()), req: func(t *testing.T) *http.Request {
			return refSigned(t, testEdKey, refRequest{algorithm: "hs2019"})
		}},
		{name: "Ed25519 key as pointer", keys: keysReturning(new(testEdKey.Public().(ed25519.PublicKey))), req: func(t *testing.T) *http.Request {
			return refSigned(t, testEdKey, refRequest{algorithm: "ed25519"})
		}},
		{name: "created and expires", opts: Options{Now: time.Now()}, req: func(t *testing.T) *http.Request {
			now := time.Now()
			return refSigned(t, key, refRequest{date: now, algorithm: "hs2019", created: now.Unix(), expires: now.Unix() + 300,
				headers: "(request-target) (created) (expires) host date digest"})
		}},

		// No signature at all.
		{name: "unsigned", want: ErrUnsigned, req: func(t *testing.T) *http.Request {
			r := post(t)
			r.Header.Del("Signature")
			return r
		}},
		{name: "empty Signature header", want: ErrUnsigned, req: func(t *testing.T) *http.Request {
			r := post(t)
			r.Header.Set("Signature", " ")
			return r
		}},
		{name: "Authorization Bearer", want: ErrUnsigned, req: func(t *testing.T) *http.Request {
			r := post(t)
			r.Header.Del("Signature")
			r.Header.Set("Authorization", "Bearer abc")
			return r
		}},

		// Signed, but not acceptably.
		{name: "signature in both headers", want: ErrInvalid, wantMsg: "more than one signature", req: func(t *testing.T) *http.Request {
			r := post(t)
			r.Header.Set("Authorization", "Signature "+r.Header.Get("Signature"))
			return r
		}},
		{name: "two Signature headers", want: ErrInvalid, wantMsg: "more than one signature", req: func(t *testing.T) *http.Request {
			r := post(t)
			r.Header.Add("Signature", r.Header.Get("Signature"))
			return r
		}},
		{name: "wrong key", want: ErrInvalid, wantMsg: "signature does not match", keys: staticKeys(&otherKey(t).PublicKey), req: post},
		{name: "body changed after signing", body: []byte(`{"type":"Delete"}`), want: ErrInvalid, wantMsg: "SHA-256 digest does not match the body", req: post},
		{name: "body and digest changed", body: []byte(`{"type":"Delete"}`), want: ErrInvalid, wantMsg: "signature does not match", req: func(t *testing.T) *http.Request {
			r := post(t)
			r.Header.Set("Digest", refDigest("SHA-256", []byte(`{"type":"Delete"}`)))
			return r
		}},
		{name: "digest missing", want: ErrInvalid, wantMsg: "digest header missing", req: func(t *testing.T) *http.Request {
			r := post(t)
			r.Header.Del("Digest")
			return r
		}},
		{name: "digest not signed", want: ErrInvalid, wantMsg: `lack "digest"`, req: func(t *testing.T) *http.Request {
			return refSigned(t, key, refRequest{headers: "(request-target) host date"})
		}},
		{name: "GET with a body, digest not signed", want: ErrInvalid, wantMsg: `lack "digest"`, req: func(t *testing.T) *http.Request {
			return refSigned(t, key, refRequest{method: http.MethodGet, body: testBody, headers: "(request-target) host date"})
		}},
		{name: "digest of unknown algorithm", want: ErrInvalid, wantMsg: "no SHA-256 or SHA-512 entry", req: func(t *testing.T) *http.Request {
			r := post(t)
			r.Header.Set("Digest", "MD5=Q2hlY2sgSW50ZWdyaXR5IQ==")
			return r
		}},
		{name: "digest with a wrong second entry", want: ErrInvalid, wantMsg: "SHA-512 digest does not match", req: func(t *testing.T) *http.Request {
			r := post(t)
			r.Header.Set("Digest", refDigest("SHA-256", testBody)+","+refDigest("SHA-512", []byte("other")))
			return r
		}},
		{name: "digest not base64", want: ErrInvalid, wantMsg: "not base64", req: func(t *testing.T) *http.Request {
			r := post(t)
			r.Header.Set("Digest", "SHA-256=***")
			return r
		}},
		{name: "date a day old", want: ErrInvalid, wantMsg: "24h0m0s old", req: func(t *testing.T) *http.Request {
			return signed(t, http.MethodPost, inboxURL, testBody, testNow.Add(-24*time.Hour))
		}},
		{name: "date 2h in the future", want: ErrInvalid, wantMsg: "2h0m0s in the future", req: func(t *testing.T) *http.Request {
			return signed(t, http.MethodPost, inboxURL, testBody, testNow.Add(2*time.Hour))
		}},
		{name: "date older than MaxAge", opts: Options{Now: testNow, MaxAge: 5 * time.Minute}, want: ErrInvalid, wantMsg: "more than 5m0s allowed", req: func(t *testing.T) *http.Request {
			return signed(t, http.MethodPost, inboxURL, testBody, testNow.Add(-10*time.Minute))
		}},
		{name: "date missing", want: ErrInvalid, wantMsg: "date header missing", req: func(t *testing.T) *http.Request {
			r := post(t)
			r.Header.Del("Date")
			return r
		}},
		{name: "date not a date", want: ErrInvalid, wantMsg: "not an HTTP date", req: func(t *testing.T) *http.Request {
			r := post(t)
			r.Header.Set("Date", "yesterday")
			return r
		}},
		{name: "date changed after signing", want: ErrInvalid, wantMsg: "signature does not match", req: func(t *testing.T) *http.Request {
			r := post(t)
			r.Header.Set("Date", testNow.Add(time.Minute).Format(http.TimeFormat))
			return r
		}},
		{name: "(request-target) not signed", want: ErrInvalid, wantMsg: `lack "(request-target)"`, req: func(t *testing.T) *http.Request {
			return refSigned(t, key, refRequest{headers: "host date digest"})
		}},
		{name: "host not signed", want: ErrInvalid, wantMsg: `lack "host"`, req: func(t *testing.T) *http.Request {
			return refSigned(t, key, refRequest{headers: "(request-target) date digest"})
		}},
		{name: "no headers parameter", want: ErrInvalid, wantMsg: `lack "(request-target)"`, req: func(t *testing.T) *http.Request {
			r := post(t)
			sig := r.Header.Get("Signature")
			i := strings.Index(sig, `headers="`)
			j := strings.Index(sig, `signature="`)
			r.Header.Set("Signature", sig[:i]+sig[j:])
			return r
		}},
		{name: "signed header missing from request", want: ErrInvalid, wantMsg: `signed header "content-type" is missing`, req: func(t *testing.T) *http.Request {
			r := refSigned(t, key, refRequest{headers: "(request-target) host date digest content-type",
				extra: map[string]string{"Content-Type": "application/activity+json"}})
			r.Header.Del("Content-Type")
			return r
		}},
		{name: "query string changed", body: []byte{}, want: ErrInvalid, wantMsg: "signature does not match", req: func(t *testing.T) *http.Request {
			r := signed(t, http.MethodGet, "https://hub.example/users/alice/outbox?page=2", nil, testNow)
			return serverSide(t, withURL(t, r, "https://hub.example/users/alice/outbox?page=3"), nil)
		}},
		{name: "path changed", want: ErrInvalid, wantMsg: "signature does not match", req: func(t *testing.T) *http.Request {
			r := post(t)
			return serverSide(t, withURL(t, r, "https://hub.example/users/carol/inbox"), testBody)
		}},
		{name: "host changed", want: ErrInvalid, wantMsg: "signature does not match", req: func(t *testing.T) *http.Request {
			r := post(t)
			r.Host = "other.example"
			return r
		}},
		{name: "method changed", want: ErrInvalid, wantMsg: "signature does not match", req: func(t *testing.T) *http.Request {
			r := post(t)
			r.Method = http.MethodPut
			return r
		}},
		{name: "Ed25519 signature, RSA key", want: ErrInvalid, wantMsg: "signature does not match", req: func(t *testing.T) *http.Request {
			return refSigned(t, testEdKey, refRequest{algorithm: "hs2019"})
		}},
		{name: "algorithm hmac-sha256", want: ErrInvalid, wantMsg: `unsupported algorithm "hmac-sha256"`, req: func(t *testing.T) *http.Request {
			return refSigned(t, key, refRequest{algorithm: "hmac-sha256"})
		}},
		{name: "algorithm rsa-sha256, Ed25519 key", keys: keysReturning(testEdKey.Public()), want: ErrInvalid, wantMsg: "does not fit", req: func(t *testing.T) *http.Request {
			return refSigned(t, testEdKey, refRequest{})
		}},
		{name: "key func fails", keys: func(context.Context, string, bool) (crypto.PublicKey, string, error) {
			return nil, "", errBoom
		}, want: ErrInvalid, wantMsg: "fetch key", alsoIs: errBoom, req: post},
		{name: "refetch fails", keys: func(_ context.Context, _ string, refresh bool) (crypto.PublicKey, string, error) {
			if refresh {
				return nil, "", errBoom
			}
			return &otherKey(t).PublicKey, testOwner, nil
		}, want: ErrInvalid, wantMsg: "refetch key", alsoIs: errBoom, req: post},
		{name: "nil key", keys: keysReturning(nil), want: ErrInvalid, wantMsg: "no public key", req: post},
		{name: "nil RSA key", keys: keysReturning((*rsa.PublicKey)(nil)), want: ErrInvalid, wantMsg: "malformed RSA public key", req: post},
		{name: "RSA key without modulus", keys: keysReturning(&rsa.PublicKey{E: 65537}), want: ErrInvalid, wantMsg: "malformed RSA public key", req: post},
		{name: "short Ed25519 key", keys: keysReturning(ed25519.PublicKey{1, 2, 3}), want: ErrInvalid, wantMsg: "has 3 bytes", req: func(t *testing.T) *http.Request {
			return refSigned(t, testEdKey, refRequest{algorithm: "hs2019"})
		}},
		{name: "ECDSA key", keys: keysReturning(&ecKey.PublicKey), want: ErrInvalid, wantMsg: "unsupported public key type", req: post},
		{name: "created signed but missing", want: ErrInvalid, wantMsg: "created parameter is missing", req: func(t *testing.T) *http.Request {
			return refSigned(t, key, refRequest{algorithm: "hs2019", headers: "(request-target) (created) host date digest"})
		}},
		{name: "expired", want: ErrInvalid, wantMsg: "signature expired 2h", req: func(t *testing.T) *http.Request {
			return refSigned(t, key, refRequest{algorithm: "hs2019", expires: testNow.Add(-2 * time.Hour).Unix(),
				headers: "(request-target) (expires) host date digest"})
		}},
		{name: "created 2h in the future", want: ErrInvalid, wantMsg: "created is 2h0m0s in the future", req: func(t *testing.T) *http.Request {
			return refSigned(t, key, refRequest{algorithm: "hs2019", created: testNow.Add(2 * time.Hour).Unix(),
				headers: "(request-target) (created) host date digest"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.req(t)
			body := tt.body
			if body == nil {
				body = testBody
			}
			if tt.opts.Now.IsZero() {
				tt.opts.Now = testNow
			}
			keys := tt.keys
			if keys == nil {
				keys = staticKeys(&key.PublicKey)
			}
			res, err := Verify(t.Context(), r, body, tt.opts, keys)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v, want success", err)
				}
				if res.KeyID == "" || res.Owner != testOwner {
					t.Errorf("Verify = %+v, want a key id and owner %q", res, testOwner)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify error = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Verify error = %q, want it to contain %q", err, tt.wantMsg)
			}
			if tt.alsoIs != nil && !errors.Is(err, tt.alsoIs) {
				t.Errorf("Verify error = %v, want it to wrap %v", err, tt.alsoIs)
			}
			if tt.want == ErrInvalid && errors.Is(err, ErrUnsigned) || tt.want == ErrUnsigned && errors.Is(err, ErrInvalid) {
				t.Errorf("Verify error = %v wraps both ErrUnsigned and ErrInvalid", err)
			}
			if res.Owner != "" {
				t.Errorf("Verify failed but returned owner %q", res.Owner)
			}
		})
	}
}

// withURL returns a copy of r sent to another URL.
func withURL(t *testing.T, r *http.Request, url string) *http.Request {
	t.Helper()
	c := r.Clone(r.Context())
	c.URL = mustURL(t, url)
	c.Host = c.URL.Host
	return c
}

func TestVerifyKeyRotation(t *testing.T) {
	right := &testKey(t).PublicKey
	stale := &otherKey(t).PublicKey
	tests := []struct {
		name          string
		first, second crypto.PublicKey
		wantErr       bool
		wantRefreshes int
	}{
		{name: "cached key is current", first: right, second: stale, wantRefreshes: 0},
		{name: "cached key is stale", first: stale, second: right, wantRefreshes: 1},
		{name: "refetched key is stale too", first: stale, second: stale, wantErr: true, wantRefreshes: 1},
		{name: "refetched key differs but is wrong", first: stale, second: &rsa.PublicKey{N: stale.N, E: 3}, wantErr: true, wantRefreshes: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls, refreshes int
			keys := func(ctx context.Context, keyID string, refresh bool) (crypto.PublicKey, string, error) {
				calls++
				if keyID != testKeyID {
					t.Errorf("key func got key id %q, want %q", keyID, testKeyID)
				}
				if refresh {
					refreshes++
					return tt.second, testOwner + "/new", nil
				}
				return tt.first, testOwner, nil
			}
			r := signed(t, http.MethodPost, inboxURL, testBody, testNow)
			res, err := Verify(t.Context(), r, testBody, Options{Now: testNow}, keys)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("Verify error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Errorf("Verify error = %v, want ErrInvalid", err)
			}
			if refreshes != tt.wantRefreshes || calls != 1+tt.wantRefreshes {
				t.Errorf("key func called %d times, %d with refresh; want %d, %d", calls, refreshes, 1+tt.wantRefreshes, tt.wantRefreshes)
			}
			if wantOwner := map[int]string{0: testOwner, 1: testOwner + "/new"}[tt.wantRefreshes]; !tt.wantErr && res.Owner != wantOwner {
				t.Errorf("Owner = %q, want %q", res.Owner, wantOwner)
			}
		})
	}
}

func TestVerifyMalformed(t *testing.T) {
	good := signed(t, http.MethodPost, inboxURL, testBody, testNow).Header.Get("Signature")
	sigParam := good[strings.Index(good, `signature="`):]
	const hdrs = `headers="(request-target) host date digest"`
	tests := []struct {
		name   string
		header string // Signature header value
		auth   string // Authorization header value, instead
		want   error
	}{
		{"garbage", "!!!", "", ErrInvalid},
		{"binary", "\x00\xff\xfe", "", ErrInvalid},
		{"only commas", ",,,", "", ErrInvalid},
		{"lone equals", "=", "", ErrInvalid},
		{"name without value", "keyId", "", ErrInvalid},
		{"name with empty value", "keyId=", "", ErrInvalid},
		{"empty key id", `keyId="",` + hdrs + `,` + sigParam, "", ErrInvalid},
		{"unterminated quote", `keyId="https://remote.example/users/bob#main-key`, "", ErrInvalid},
		{"unterminated signature", `keyId="k",` + hdrs + `,signature="AAAA`, "", ErrInvalid},
		{"trailing backslash", `keyId="k\`, "", ErrInvalid},
		{"escaped quote in key id", `keyId="k\"x",` + hdrs + `,` + sigParam, "", ErrInvalid},
		{"control character", "keyId=\"k\x01\"," + hdrs + "," + sigParam, "", ErrInvalid},
		{"missing comma", `keyId="k" ` + hdrs + `,` + sigParam, "", ErrInvalid},
		{"duplicate parameter", `keyId="k",keyId="j",` + hdrs + `,` + sigParam, "", ErrInvalid},
		{"missing key id", `algorithm="rsa-sha256",` + hdrs + `,` + sigParam, "", ErrInvalid},
		{"missing signature", `keyId="k",algorithm="rsa-sha256",` + hdrs, "", ErrInvalid},
		{"signature not base64", `keyId="k",` + hdrs + `,signature="%%%%"`, "", ErrInvalid},
		{"bad header name", `keyId="k",headers="(request-target) h@st date digest",` + sigParam, "", ErrInvalid},
		{"empty headers", `keyId="k",headers="",` + sigParam, "", ErrInvalid},
		{"created not a number", `keyId="k",created=abc,headers="(request-target) (created) host date digest",` + sigParam, "", ErrInvalid},
		{"created negative", `keyId="k",created=-1,headers="(request-target) (created) host date digest",` + sigParam, "", ErrInvalid},
		{"huge key id", `keyId="` + strings.Repeat("a", 1<<20) + `",` + hdrs + `,` + sigParam, "", ErrInvalid},
		{"huge signature", `keyId="k",` + hdrs + `,signature="` + strings.Repeat("QUFB", 1<<18) + `"`, "", ErrInvalid},
		{"many parameters", strings.Repeat(`x="y",`, 2000), "", ErrInvalid},
		{"random signature bytes", `keyId="k",` + hdrs + `,signature="` + strings.Repeat("QUFB", 80) + `"`, "", ErrInvalid},
		{"Authorization scheme only", "", "Signature ", ErrInvalid},
		{"Authorization garbage", "", `Signature keyId="`, ErrInvalid},
		{"Authorization other scheme", "", "Basic Zm9vOmJhcg==", ErrUnsigned},
	}
	key := testKey(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := signed(t, http.MethodPost, inboxURL, testBody, testNow)
			r.Header.Del("Signature")
			if tt.header != "" {
				r.Header.Set("Signature", tt.header)
			}
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			_, err := Verify(t.Context(), r, testBody, Options{Now: testNow}, staticKeys(&key.PublicKey))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify error = %v, want %v", err, tt.want)
			}
			if len(err.Error()) > 1000 {
				t.Errorf("error message is %d bytes long; it should not echo the input", len(err.Error()))
			}
		})
	}
}

func TestVerifyMisuse(t *testing.T) {
	r := signed(t, http.MethodPost, inboxURL, testBody, testNow)
	if _, err := Verify(t.Context(), r, testBody, Options{Now: testNow}, nil); err == nil || errors.Is(err, ErrInvalid) {
		t.Errorf("Verify with nil KeyFunc: error = %v, want a programming error, not ErrInvalid", err)
	}
	if _, err := Verify(t.Context(), nil, testBody, Options{Now: testNow}, staticKeys(nil)); !errors.Is(err, ErrInvalid) {
		t.Errorf("Verify(nil request): error = %v, want ErrInvalid", err)
	}
}

// TestVerifyLeavesRequestAlone checks that Verify does not add Host (or
// anything else) to the request's headers, as go-fed's NewVerifier would.
func TestVerifyLeavesRequestAlone(t *testing.T) {
	r := signed(t, http.MethodPost, inboxURL, testBody, testNow)
	before := r.Header.Clone()
	if _, err := Verify(t.Context(), r, testBody, Options{Now: testNow}, staticKeys(&testKey(t).PublicKey)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if len(r.Header) != len(before) {
		t.Errorf("headers after Verify: %v, before: %v", r.Header, before)
	}
	for k, v := range before {
		if got := r.Header[k]; strings.Join(got, "\n") != strings.Join(v, "\n") {
			t.Errorf("header %s = %q after Verify, was %q", k, got, v)
		}
	}
	if r.URL.Path != "/users/alice/inbox" {
		t.Errorf("URL path = %q after Verify", r.URL.Path)
	}
}

func BenchmarkVerify(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 2048)
	r := signed(b, http.MethodPost, inboxURL, body, testNow)
	keys := staticKeys(&testKey(b).PublicKey)
	ctx := context.Background()
	for b.Loop() {
		if _, err := Verify(ctx, r, body, Options{Now: testNow}, keys); err != nil {
			b.Fatal(err)
		}
	}
}

// The fixed request FuzzVerify varies: a POST of the fuzzed body to fuzzURL
// at fuzzNow, with a matching Digest and the fuzzed Signature header.
const (
	fuzzURL     = "https://hub.example/users/alice/inbox"
	fuzzEdKeyID = "https://remote.example/users/eddie#ed25519-key"
)

var (
	fuzzNow     = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	updateSeeds = flag.Bool("update", false, "rewrite the FuzzVerify seed corpus in testdata/fuzz/FuzzVerify")
)

// fuzzRequest returns the request FuzzVerify checks.
func fuzzRequest(t testing.TB, sig string, body []byte) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/users/alice/inbox", bytes.NewReader(body))
	r.Host = "hub.example"
	r.Header.Set("Date", fuzzNow.Format(http.TimeFormat))
	r.Header.Set("Digest", refDigest("SHA-256", body))
	r.Header.Set("Content-Type", "application/activity+json")
	r.Header.Set("Signature", sig)
	return r
}

// fuzzKeys returns the Ed25519 test key for fuzzEdKeyID and the RSA test key
// for anything else.
func fuzzKeys(t testing.TB) KeyFunc {
	rsaKey := &testKey(t).PublicKey
	return func(_ context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
		if keyID == fuzzEdKeyID {
			return testEdKey.Public(), testOwner, nil
		}
		return rsaKey, testOwner, nil
	}
}

// fuzzSeed is one file of the committed seed corpus.
type fuzzSeed struct {
	name  string
	sig   string
	body  []byte
	valid bool
}

// fuzzSeeds builds the seed corpus. Both signature schemes are
// deterministic, so the files come out the same on every run.
func fuzzSeeds(t testing.TB) []fuzzSeed {
	t.Helper()
	body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Follow","actor":"https://remote.example/users/bob","object":"https://hub.example/users/alice"}`)
	sign := func(key crypto.Signer, keyID string, rr refRequest) string {
		rr.method, rr.url, rr.body, rr.date = http.MethodPost, fuzzURL, body, fuzzNow
		return refSign(t, key, keyID, rr).Header.Get("Signature")
	}
	r, err := http.NewRequest(http.MethodPost, fuzzURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := Sign(r, body, testKeyID, testKey(t), fuzzNow); err != nil {
		t.Fatal(err)
	}
	valid := r.Header.Get("Signature")
	return []fuzzSeed{
		{"valid_sign", valid, body, true},
		{"valid_mastodon", sign(testKey(t), testKeyID, refRequest{}), body, true},
		{"valid_spaces_rsa_sha512", sign(testKey(t), testKeyID, refRequest{separator: ", ", hash: crypto.SHA512, algorithm: "rsa-sha512",
			headers: "(request-target) content-type date digest host", extra: map[string]string{"Content-Type": "application/activity+json"}}), body, true},
		{"valid_ed25519", sign(testEdKey, fuzzEdKeyID, refRequest{algorithm: "hs2019"}), body, true},
		{"body_changed", valid, []byte(`{"type":"Delete"}`), false},
		{"no_digest_signed", sign(testKey(t), testKeyID, refRequest{headers: "(request-target) host date"}), body, false},
		{"unterminated", valid[:len(valid)-1], body, false},
		{"escapes", `keyId="a\"b\\c",headers="(request-target) host date digest",signature="QUJD"`, body, false},
		{"created_expires", `keyId="k",algorithm="hs2019",created=1795953600,expires=1795953900,headers="(request-target) (created) (expires) host date digest",signature="QUJD"`, body, false},
		{"garbage", `,,=="\`, nil, false},
	}
}

// encodeSeed renders a seed in the go test fuzz v1 format.
func encodeSeed(s fuzzSeed) []byte {
	return []byte("go test fuzz v1\nstring(" + strconv.Quote(s.sig) + ")\n[]byte(" + strconv.Quote(string(s.body)) + ")\n")
}

// TestFuzzSeeds keeps the committed seed corpus honest: the files are what
// fuzzSeeds builds (rewrite them with -update), and the valid seeds verify.
func TestFuzzSeeds(t *testing.T) {
	for _, s := range fuzzSeeds(t) {
		t.Run(s.name, func(t *testing.T) {
			path := filepath.Join("testdata", "fuzz", "FuzzVerify", s.name)
			want := encodeSeed(s)
			if *updateSeeds {
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestFuzzSeeds -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale; run go test -run TestFuzzSeeds -update", path)
			}
			_, err = Verify(t.Context(), fuzzRequest(t, s.sig, s.body), s.body, Options{Now: fuzzNow}, fuzzKeys(t))
			if gotValid := err == nil; gotValid != s.valid {
				t.Errorf("Verify error = %v, want valid %v", err, s.valid)
			}
		})
	}
}

// FuzzVerify feeds arbitrary Signature headers and bodies to Verify. It must
// never panic, must fail only with ErrUnsigned or ErrInvalid, must keep its
// error messages short, and may succeed only for the body the seeds signed.
func FuzzVerify(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s.sig, s.body)
	}
	keys := fuzzKeys(f)
	signedBody := fuzzSeeds(f)[0].body
	f.Fuzz(func(t *testing.T, sig string, body []byte) {
		r := fuzzRequest(t, sig, body)
		res, err := Verify(context.Background(), r, body, Options{Now: fuzzNow}, keys)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsigned) {
				t.Fatalf("Verify error %v wraps neither ErrInvalid nor ErrUnsigned", err)
			}
			if n := len(err.Error()); n > 2000 {
				t.Fatalf("error message is %d bytes long", n)
			}
			if res.Owner != "" {
				t.Fatalf("failed Verify returned owner %q", res.Owner)
			}
			return
		}
		if res.KeyID == "" || res.Owner != testOwner {
			t.Fatalf("Verify = %+v, want a key id and owner", res)
		}
		// A forged signature cannot verify, and digest must be signed on a
		// POST, so only the body the seeds signed can get through.
		if !bytes.Equal(body, signedBody) {
			t.Fatalf("Verify accepted %q over a body nobody signed: %q", sig, body)
		}
	})
}
