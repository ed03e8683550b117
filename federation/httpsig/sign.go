package httpsig

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	gofed "github.com/go-fed/httpsig"
)

// The headers signed on every request, and on requests with a body. They are
// Mastodon's and GoToSocial's, in the same order.
var (
	signedWithoutBody = []string{gofed.RequestTarget, "host", "date"}
	signedWithBody    = []string{gofed.RequestTarget, "host", "date", "digest"}
)

// Sign signs r as keyID with key, the way Mastodon signs its requests.
//
// It sets the Host header to r.URL.Host and the Date header to now in UTC
// (time.Now when now is zero). When body is not nil, or the method is POST,
// PUT or PATCH, it adds "Digest: SHA-256=…" computed from body and signs
// "(request-target) host date digest"; otherwise it signs
// "(request-target) host date". The signature is RSASSA-PKCS1-v1_5 with
// SHA-256 and the Signature header says algorithm="rsa-sha256".
//
// body must be exactly the bytes that will be sent as r's body; Sign does not
// read or set r.Body. Earlier Signature and Digest headers are replaced, so a
// request can be signed again before a retry, which it should be: peers
// reject a Date older than about an hour.
//
// The (request-target) is r.URL.RequestURI(), the percent-encoded path and
// query as sent on the wire. See the package documentation for why signed
// URLs should still be ASCII.
//
// Sign is safe for concurrent use; it must not be called concurrently on the
// same request.
func Sign(r *http.Request, body []byte, keyID string, key *rsa.PrivateKey, now time.Time) error {
	switch {
	case r == nil || r.URL == nil:
		return errors.New("httpsig: sign: request has no URL")
	case key == nil:
		return errors.New("httpsig: sign: no private key")
	case r.URL.Host == "":
		return fmt.Errorf("httpsig: sign: URL %q has no host", r.URL.Redacted())
	case r.Host != "" && r.Host != r.URL.Host:
		return fmt.Errorf("httpsig: sign: request Host %q differs from URL host %q", r.Host, r.URL.Host)
	}
	if err := checkKeyID(keyID); err != nil {
		return fmt.Errorf("httpsig: sign: %w", err)
	}
	if now.IsZero() {
		now = time.Now()
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}

	headers := signedWithoutBody
	if body != nil || methodHasBody(method) {
		headers = signedWithBody
		if body == nil {
			body = []byte{} // go-fed adds a Digest only for a non-nil body
		}
	} else {
		body = nil
	}

	if r.Header == nil {
		r.Header = make(http.Header)
	}
	r.Header.Del("Signature")
	r.Header.Del("Digest")
	r.Header.Set("Host", r.URL.Host)
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))

	// go-fed signers hold a hash.Hash and are not safe for concurrent use,
	// and expiresIn is captured when the signer is built: one per call.
	signer, algo, err := gofed.NewSigner([]gofed.Algorithm{gofed.RSA_SHA256}, gofed.DigestSha256, headers, gofed.Signature, 0)
	if err != nil {
		return fmt.Errorf("httpsig: sign: %w", err)
	}
	if algo != gofed.RSA_SHA256 { // NewSigner silently falls back to its default
		return fmt.Errorf("httpsig: sign: go-fed chose algorithm %q instead of %q", algo, gofed.RSA_SHA256)
	}

	// go-fed writes r.URL.Path (decoded) into the (request-target). Hand it
	// a request whose Path is the wire form instead; it shares r.Header, so
	// the headers go-fed adds land on r.
	wire := &http.Request{
		Method: method,
		URL:    &url.URL{Path: r.URL.RequestURI()},
		Header: r.Header,
	}
	if err := signer.SignRequest(key, keyID, wire, body); err != nil {
		r.Header.Del("Digest")
		return fmt.Errorf("httpsig: sign: %w", err)
	}

	// go-fed always labels the signature algorithm="hs2019". Mastodon
	// accepts that, but say what it is, as Mastodon itself does.
	sig := r.Header.Get("Signature")
	prefix := `keyId="` + keyID + `",algorithm="hs2019",`
	if !strings.HasPrefix(sig, prefix) {
		r.Header.Del("Signature")
		r.Header.Del("Digest")
		return fmt.Errorf("httpsig: sign: unexpected Signature header from go-fed: %.80q", sig)
	}
	r.Header.Set("Signature", `keyId="`+keyID+`",algorithm="rsa-sha256",`+sig[len(prefix):])
	return nil
}

// checkKeyID rejects key ids that cannot be written into a quoted-string as
// go-fed writes it (it does not escape).
func checkKeyID(keyID string) error {
	if keyID == "" {
		return errors.New("empty key id")
	}
	for i := 0; i < len(keyID); i++ {
		if c := keyID[i]; c == '"' || c == '\\' || c < 0x20 || c == 0x7f {
			return fmt.Errorf("key id %.200q contains a quote, backslash or control character", keyID)
		}
	}
	return nil
}

// methodHasBody reports whether requests with this method carry a body that
// must be covered by a Digest.
func methodHasBody(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		return true
	}
	return false
}
