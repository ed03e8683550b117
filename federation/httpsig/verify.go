package httpsig

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	gofed "github.com/go-fed/httpsig"
)

// The kinds of verification failure. Verify wraps them with what went wrong;
// test with errors.Is.
var (
	// ErrUnsigned means the request carries no HTTP signature: neither a
	// Signature header nor an "Authorization: Signature …" header.
	ErrUnsigned = errors.New("request is not signed")
	// ErrInvalid means the request is signed but the signature cannot be
	// accepted: it is malformed, covers too little, is too old or too new,
	// does not match the body, its key cannot be had, or it does not verify.
	ErrInvalid = errors.New("invalid signature")
)

// The defaults for [Options] are Mastodon's (app/lib/signed_request.rb): a
// signature without an expiry expires five minutes after its Date, and an
// hour of clock skew is allowed either way.
const (
	// DefaultMaxAge is how old a Date may be when Options.MaxAge is zero.
	DefaultMaxAge = time.Hour + 5*time.Minute
	// DefaultMaxFuture is how far ahead a Date may be when
	// Options.MaxFuture is zero.
	DefaultMaxFuture = time.Hour
)

// maxSignatureLen bounds the signature header. A 300-character key id and an
// RSA-4096 signature need about 1.2 kB.
const maxSignatureLen = 8 << 10

// KeyFunc returns the public key for keyID and the id of the actor that owns
// it. Verify calls it with refresh false first, and, when the signature does
// not verify with that key, once more with refresh true, asking the caller to
// bypass its cache and fetch the key again (the actor may have rotated it).
//
// The key must be an *rsa.PublicKey or an ed25519.PublicKey. keyID is the
// keyId parameter exactly as the request sent it, fragment and all.
type KeyFunc func(ctx context.Context, keyID string, refresh bool) (key crypto.PublicKey, owner string, err error)

// Options tunes Verify. The zero value gives Mastodon's limits.
type Options struct {
	// Now is the time the Date header is checked against; zero means
	// time.Now().
	Now time.Time
	// MaxAge is how far Date may lie in the past; zero means
	// DefaultMaxAge.
	MaxAge time.Duration
	// MaxFuture is how far Date may lie in the future, which is also the
	// clock skew allowed past an expires parameter; zero means
	// DefaultMaxFuture.
	MaxFuture time.Duration
}

// Result says who signed a verified request.
type Result struct {
	// KeyID is the keyId parameter exactly as sent.
	KeyID string
	// Owner is the actor id the KeyFunc returned for KeyID. The caller
	// must still check that it is the actor of the activity.
	Owner string
}

// Verify checks the HTTP signature of r, a request received by a server,
// whose body has already been read into body.
//
// It accepts the signature in a Signature header or in an
// "Authorization: Signature …" header. It requires that (request-target),
// host and date are signed, and digest too for POST, PUT and PATCH and
// whenever body is not empty; that Date lies within opts' window; that a
// Digest (SHA-256 or SHA-512) matches body; and that the signature verifies
// with the key keys returns: RSA keys with RSA-SHA256 or RSA-SHA512, Ed25519
// keys with Ed25519. The request target is tried with the query string and
// without it. All checks that need no key run before keys is called.
//
// The error is ErrUnsigned when there is no signature and wraps ErrInvalid
// for every other failure, including a failing keys, whose error is wrapped
// as well. (Mastodon answers 401 when it cannot fetch a key, and senders
// retry a 401.) On failure, Result still carries the key id when the
// signature header could be parsed, for logging; Owner is then empty.
//
// A signature that does not verify costs up to four RSA verifications per
// key plus a second keys call, so keys should limit how often it refetches
// a key id.
//
// Verify does not modify r.
func Verify(ctx context.Context, r *http.Request, body []byte, opts Options, keys KeyFunc) (Result, error) {
	if keys == nil {
		return Result{}, errors.New("httpsig: verify: nil KeyFunc")
	}
	if r == nil || r.URL == nil {
		return Result{}, invalidf("request has no URL")
	}
	raw, err := signatureHeader(r.Header)
	if err != nil {
		return Result{}, err
	}
	p, err := parseSignature(raw)
	if err != nil {
		return Result{}, err
	}
	res := Result{KeyID: p.keyID}

	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	needDigest := methodHasBody(method) || len(body) > 0
	required := signedWithoutBody
	if needDigest {
		required = signedWithBody
	}
	for _, name := range required {
		if !p.signs(name) {
			return res, invalidf("signed headers %.200q lack %q", strings.Join(p.headers, " "), name)
		}
	}

	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultMaxAge
	}
	if opts.MaxFuture <= 0 {
		opts.MaxFuture = DefaultMaxFuture
	}
	if err := checkDate(r.Header, opts); err != nil {
		return res, err
	}
	if err := p.checkCreatedExpires(opts); err != nil {
		return res, err
	}
	if err := checkDigest(r.Header, body, needDigest); err != nil {
		return res, err
	}

	// Everything go-fed reads goes into a request of our own: r stays as
	// it is (go-fed's NewVerifier adds a Host header to the request it is
	// given), and go-fed never sees the sender's header syntax, which its
	// parser (split on commas, no whitespace) would get wrong.
	h := make(http.Header, len(p.headers)+1)
	for _, name := range p.headers {
		if name[0] == '(' {
			continue
		}
		k := textproto.CanonicalMIMEHeaderKey(name)
		if k == "Host" {
			host := r.Host
			if host == "" {
				host = r.Header.Get("Host")
			}
			if host == "" {
				return res, invalidf("signed header %q is missing from the request", name)
			}
			h[k] = []string{host}
			continue
		}
		v, ok := r.Header[k]
		if !ok {
			return res, invalidf("signed header %q is missing from the request", name)
		}
		h[k] = v
	}
	h["Signature"] = []string{p.canonical()}
	target := requestTarget(r)
	req := &http.Request{Method: method, URL: &url.URL{Path: target}, Header: h}
	v, err := gofed.NewVerifier(req)
	if err != nil {
		return res, invalidf("%v", err)
	}
	targets := []string{target}
	if i := strings.IndexByte(target, '?'); i >= 0 {
		// GoToSocial and Mastodon try both; older senders sign the path
		// alone.
		targets = append(targets, target[:i])
	}

	key, owner, err := keys(ctx, p.keyID, false)
	if err != nil {
		return res, fmt.Errorf("httpsig: verify: %w: fetch key %.200q: %w", ErrInvalid, p.keyID, err)
	}
	err = verifyTargets(v, req, targets, key, p.algorithm)
	if err == nil {
		res.Owner = owner
		return res, nil
	}
	if ctx.Err() != nil {
		return res, fmt.Errorf("httpsig: verify: %w: %w", ErrInvalid, ctx.Err())
	}
	fresh, freshOwner, ferr := keys(ctx, p.keyID, true)
	if ferr != nil {
		return res, fmt.Errorf("httpsig: verify: %w: key %.200q: %w; refetch key: %w", ErrInvalid, p.keyID, err, ferr)
	}
	if sameKey(key, fresh) {
		return res, fmt.Errorf("httpsig: verify: %w: key %.200q: %w", ErrInvalid, p.keyID, err)
	}
	if err := verifyTargets(v, req, targets, fresh, p.algorithm); err != nil {
		return res, fmt.Errorf("httpsig: verify: %w: refetched key %.200q: %w", ErrInvalid, p.keyID, err)
	}
	res.Owner = freshOwner
	return res, nil
}

// invalidf returns an error that wraps ErrInvalid.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("httpsig: verify: %w: "+format, append([]any{ErrInvalid}, args...)...)
}

// errNoMatch is the cause when a well-formed signature does not verify.
var errNoMatch = errors.New("signature does not match")

// verifyTargets tries every request target with every algorithm the key
// allows. It returns a plain error; the caller wraps it.
func verifyTargets(v gofed.Verifier, req *http.Request, targets []string, key crypto.PublicKey, algorithm string) error {
	key, algos, err := algorithmsFor(key, algorithm)
	if err != nil {
		return err
	}
	for _, t := range targets {
		// go-fed's verifier builds the signing string from req.URL.Path
		// at each Verify call.
		req.URL.Path = t
		for _, a := range algos {
			if v.Verify(key, a) == nil {
				return nil
			}
		}
	}
	return errNoMatch
}

// algorithmsFor normalises key and returns the go-fed algorithms to try for
// it, in order. It rejects keys that would make crypto/rsa or crypto/ed25519
// panic, and keys that contradict the signature's algorithm parameter.
func algorithmsFor(key crypto.PublicKey, algorithm string) (crypto.PublicKey, []gofed.Algorithm, error) {
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k == nil || k.N == nil || k.N.Sign() <= 0 || k.E < 2 {
			return nil, nil, errors.New("malformed RSA public key")
		}
		switch algorithm {
		case "", "hs2019", "rsa-sha256":
			return k, []gofed.Algorithm{gofed.RSA_SHA256, gofed.RSA_SHA512}, nil
		case "rsa-sha512":
			return k, []gofed.Algorithm{gofed.RSA_SHA512, gofed.RSA_SHA256}, nil
		}
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return nil, nil, fmt.Errorf("ed25519 public key has %d bytes, want %d", len(k), ed25519.PublicKeySize)
		}
		switch algorithm {
		case "", "hs2019", "ed25519":
			return k, []gofed.Algorithm{gofed.ED25519}, nil
		}
	case *ed25519.PublicKey:
		if k == nil {
			return nil, nil, errors.New("nil ed25519 public key")
		}
		return algorithmsFor(*k, algorithm)
	case nil:
		return nil, nil, errors.New("no public key")
	default:
		return nil, nil, fmt.Errorf("unsupported public key type %T", key)
	}
	return nil, nil, fmt.Errorf("algorithm %q does not fit a %T key", algorithm, key)
}

// sameKey reports whether a and b are the same, well-formed public key.
func sameKey(a, b crypto.PublicKey) bool {
	switch a := a.(type) {
	case *rsa.PublicKey:
		b, ok := b.(*rsa.PublicKey)
		return ok && a != nil && b != nil && a.N != nil && b.N != nil && a.Equal(b)
	case ed25519.PublicKey:
		b, ok := b.(ed25519.PublicKey)
		return ok && a.Equal(b)
	}
	return false
}

// requestTarget returns the path and query of r as they came over the wire.
func requestTarget(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

// signatureHeader returns the signature parameters of h, from the Signature
// header or an Authorization header with the Signature scheme.
func signatureHeader(h http.Header) (string, error) {
	var sig, auth []string
	for _, v := range h.Values("Signature") {
		if strings.TrimSpace(v) != "" {
			sig = append(sig, v)
		}
	}
	for _, v := range h.Values("Authorization") {
		if len(v) >= 10 && strings.EqualFold(v[:10], "Signature ") {
			auth = append(auth, v[10:])
		}
	}
	switch {
	case len(sig) == 0 && len(auth) == 0:
		return "", fmt.Errorf("httpsig: verify: %w", ErrUnsigned)
	case len(sig)+len(auth) > 1:
		return "", invalidf("more than one signature (%d Signature, %d Authorization headers)", len(sig), len(auth))
	case len(sig) == 1:
		return sig[0], nil
	}
	return auth[0], nil
}

// signature holds the parameters of a draft-cavage signature.
type signature struct {
	keyID     string
	algorithm string   // lower-cased; empty when absent
	headers   []string // lower-cased
	sig       []byte
	created   int64 // 0 when absent
	expires   int64 // 0 when absent
}

// parseSignature parses and validates the parameter list of a Signature
// header: comma-separated name=value pairs, values quoted strings or tokens,
// optional whitespace around commas and equals signs.
func parseSignature(s string) (*signature, error) {
	if len(s) > maxSignatureLen {
		return nil, invalidf("signature header is %d bytes, more than %d", len(s), maxSignatureLen)
	}
	params, err := parseParams(s)
	if err != nil {
		return nil, invalidf("malformed signature header: %v", err)
	}
	p := &signature{keyID: params["keyId"], algorithm: strings.ToLower(params["algorithm"])}
	if p.keyID == "" {
		return nil, invalidf("signature has no keyId")
	}
	if err := checkKeyID(p.keyID); err != nil {
		return nil, invalidf("%v", err)
	}
	switch p.algorithm {
	case "", "hs2019", "rsa-sha256", "rsa-sha512", "ed25519":
	default:
		return nil, invalidf("unsupported algorithm %.40q", p.algorithm)
	}

	sig, ok := params["signature"]
	if !ok || sig == "" {
		return nil, invalidf("signature has no signature parameter")
	}
	p.sig, err = base64.StdEncoding.DecodeString(sig)
	if err != nil {
		// Some senders drop the padding.
		p.sig, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(sig, "="))
	}
	if err != nil || len(p.sig) == 0 {
		return nil, invalidf("signature parameter is not base64")
	}

	list, ok := params["headers"]
	if !ok {
		list = "date" // the draft's default
	}
	p.headers = strings.Fields(strings.ToLower(list))
	if len(p.headers) == 0 {
		return nil, invalidf("signature has an empty headers parameter")
	}
	for _, name := range p.headers {
		if !validHeaderName(name) {
			return nil, invalidf("signed header name %.40q is not valid", name)
		}
	}
	for _, f := range []struct {
		pseudo, param string
		dst           *int64
	}{{"(created)", "created", &p.created}, {"(expires)", "expires", &p.expires}} {
		v, ok := params[f.param]
		if !ok {
			if p.signs(f.pseudo) {
				return nil, invalidf("%s is signed but the %s parameter is missing", f.pseudo, f.param)
			}
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return nil, invalidf("%s parameter %.40q is not a positive integer", f.param, v)
		}
		if p.signs(f.pseudo) {
			*f.dst = n // unsigned values mean nothing and go-fed would check them
		}
	}
	return p, nil
}

// signs reports whether the header or pseudo-header name is signed.
func (p *signature) signs(name string) bool {
	for _, h := range p.headers {
		if h == name {
			return true
		}
	}
	return false
}

// canonical renders p in the one syntax go-fed's parser handles. The key id
// is left out: go-fed does not need it, and ours may hold commas.
func (p *signature) canonical() string {
	var b strings.Builder
	b.WriteString(`keyId="-",headers="`)
	b.WriteString(strings.Join(p.headers, " "))
	b.WriteString(`",signature="`)
	b.WriteString(base64.StdEncoding.EncodeToString(p.sig))
	b.WriteString(`"`)
	if p.created != 0 {
		b.WriteString(",created=" + strconv.FormatInt(p.created, 10))
	}
	if p.expires != 0 {
		b.WriteString(",expires=" + strconv.FormatInt(p.expires, 10))
	}
	return b.String()
}

// checkCreatedExpires applies opts' window to signed (created) and (expires)
// values. go-fed checks them again against the wall clock, allowing only ten
// seconds of skew.
func (p *signature) checkCreatedExpires(opts Options) error {
	if p.created != 0 {
		if d := time.Unix(p.created, 0).Sub(opts.Now); d > opts.MaxFuture {
			return invalidf("created is %s in the future, more than %s allowed", d.Round(time.Second), opts.MaxFuture)
		}
	}
	if p.expires != 0 {
		if d := opts.Now.Sub(time.Unix(p.expires, 0)); d > opts.MaxFuture {
			return invalidf("signature expired %s ago", d.Round(time.Second))
		}
	}
	return nil
}

// parseParams splits a signature parameter list into a map. Duplicate names
// are an error.
func parseParams(s string) (map[string]string, error) {
	params := make(map[string]string, 6)
	i := 0
	for {
		i = skipSpace(s, i)
		if i == len(s) {
			break
		}
		if s[i] == ',' { // empty list elements are allowed
			i++
			continue
		}
		start := i
		for i < len(s) && isTokenChar(s[i]) {
			i++
		}
		if i == start {
			return nil, fmt.Errorf("unexpected %q at offset %d", s[i], i)
		}
		name := s[start:i]
		i = skipSpace(s, i)
		if i == len(s) || s[i] != '=' {
			return nil, fmt.Errorf("parameter %.40q has no value", name)
		}
		i = skipSpace(s, i+1)
		var value string
		if i < len(s) && s[i] == '"' {
			var err error
			value, i, err = quotedString(s, i)
			if err != nil {
				return nil, fmt.Errorf("parameter %.40q: %w", name, err)
			}
		} else {
			start := i
			for i < len(s) && isTokenChar(s[i]) {
				i++
			}
			if i == start {
				return nil, fmt.Errorf("parameter %.40q has no value", name)
			}
			value = s[start:i]
		}
		if _, dup := params[name]; dup {
			return nil, fmt.Errorf("parameter %.40q appears twice", name)
		}
		params[name] = value
		i = skipSpace(s, i)
		if i < len(s) && s[i] != ',' {
			return nil, fmt.Errorf("expected a comma after parameter %.40q at offset %d", name, i)
		}
	}
	if len(params) == 0 {
		return nil, errors.New("no parameters")
	}
	return params, nil
}

// quotedString reads the quoted-string that starts at s[i] and returns its
// value and the offset after the closing quote.
func quotedString(s string, i int) (string, int, error) {
	i++ // opening quote
	start := i
	var b []byte // nil until an escape is seen
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			if b == nil {
				return s[start:i], i + 1, nil
			}
			return string(b), i + 1, nil
		case c == '\\':
			if b == nil {
				b = append([]byte(nil), s[start:i]...)
			}
			i++
			if i == len(s) {
				return "", 0, errors.New("unterminated quoted string")
			}
			c = s[i]
			if c < 0x20 && c != '\t' || c == 0x7f {
				return "", 0, errors.New("control character in quoted string")
			}
			b = append(b, c)
		case c < 0x20 && c != '\t' || c == 0x7f:
			return "", 0, errors.New("control character in quoted string")
		default:
			if b != nil {
				b = append(b, c)
			}
		}
	}
	return "", 0, errors.New("unterminated quoted string")
}

// skipSpace returns the offset of the first byte at or after i that is not a
// space or tab.
func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// isTokenChar reports whether c may appear in an RFC 9110 token.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// validHeaderName reports whether name, already lower-cased, is a header
// field name or one of the draft's pseudo-headers.
func validHeaderName(name string) bool {
	switch name {
	case gofed.RequestTarget, "(created)", "(expires)":
		return true
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return false
		}
	}
	return name != ""
}

// checkDate checks that h has exactly one Date header and that it lies in
// opts' window.
func checkDate(h http.Header, opts Options) error {
	vals := h.Values("Date")
	switch {
	case len(vals) == 0:
		return invalidf("date header missing")
	case len(vals) > 1:
		return invalidf("%d date headers", len(vals))
	}
	date, err := http.ParseTime(vals[0])
	if err != nil {
		return invalidf("date header %.64q is not an HTTP date", vals[0])
	}
	if d := opts.Now.Sub(date); d > opts.MaxAge {
		return invalidf("date %s is %s old, more than %s allowed", vals[0], d.Round(time.Second), opts.MaxAge)
	}
	if d := date.Sub(opts.Now); d > opts.MaxFuture {
		return invalidf("date %s is %s in the future, more than %s allowed", vals[0], d.Round(time.Second), opts.MaxFuture)
	}
	return nil
}

// checkDigest compares every SHA-256 and SHA-512 entry of the Digest header
// with body. When required, the header must exist and hold such an entry;
// otherwise it is checked only if present.
func checkDigest(h http.Header, body []byte, required bool) error {
	vals := h.Values("Digest")
	if len(vals) == 0 {
		if required {
			return invalidf("digest header missing")
		}
		return nil
	}
	checked := 0
	for _, entry := range strings.Split(strings.Join(vals, ","), ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		algo, value, ok := strings.Cut(entry, "=")
		if !ok {
			return invalidf("digest entry %.64q has no value", entry)
		}
		algo = strings.ToUpper(strings.TrimSpace(algo))
		var sum []byte
		switch algo {
		case "SHA-256":
			s := sha256.Sum256(body)
			sum = s[:]
		case "SHA-512":
			s := sha512.Sum512(body)
			sum = s[:]
		default:
			continue // RFC 3230 lets senders add algorithms we do not know
		}
		got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
		if err != nil {
			return invalidf("digest %.64q is not base64", entry)
		}
		if !bytes.Equal(got, sum) {
			return invalidf("%s digest does not match the body", algo)
		}
		checked++
	}
	if checked == 0 && required {
		return invalidf("digest header %.64q has no SHA-256 or SHA-512 entry", strings.Join(vals, ","))
	}
	return nil
}
