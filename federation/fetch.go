package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/bgimigranti/hub/federation/httpsig"
)

// ClientOptions configures NewClient.
type ClientOptions struct {
	// AllowPrivateNetworks lets the client connect to loopback, private,
	// link-local and other non-public addresses.
	AllowPrivateNetworks bool
	// MaxConnsPerHost bounds connections to one host (default 8).
	MaxConnsPerHost int
}

// NewClient returns the HTTP client federation uses by default. It never
// follows redirects (fetches follow them one by one, signing each), uses no
// proxy, and, unless AllowPrivateNetworks, refuses at dial time to connect
// to an address that is not public: the check runs on the resolved IP, so a
// host name that resolves to 127.0.0.1 or 10.0.0.1 is refused too.
func NewClient(o ClientOptions) *http.Client {
	if o.MaxConnsPerHost <= 0 {
		o.MaxConnsPerHost = 8
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !o.AllowPrivateNetworks {
		dialer.Control = refusePrivate
	}
	return &http.Client{
		Transport: &http.Transport{
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          1000,
			MaxIdleConnsPerHost:   4,
			MaxConnsPerHost:       o.MaxConnsPerHost,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 20 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// errPrivateAddress is returned when a connection would go to a
// non-public address.
var errPrivateAddress = errors.New("refusing to connect to a non-public address")

// refusePrivate is a net.Dialer Control function that rejects non-public
// destination addresses.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s", errPrivateAddress, address)
	}
	if !publicAddr(ip) {
		return fmt.Errorf("%w: %s", errPrivateAddress, ip)
	}
	return nil
}

// sharedAddressSpace is RFC 6598's carrier-grade NAT range.
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// publicAddr reports whether ip is a public unicast address.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && ip.IsGlobalUnicast() && !ip.IsPrivate() && !ip.IsLoopback() &&
		!ip.IsLinkLocalUnicast() && !sharedAddressSpace.Contains(ip) &&
		!(ip.Is6() && ip.As16()[0] == 0x20 && ip.As16()[1] == 0x01 && ip.As16()[2] == 0x0d && ip.As16()[3] == 0xb8) // 2001:db8::/32
}

// fetchError is a fetch that got an answer other than 200; status is the
// HTTP status.
type fetchError struct {
	url    string
	status int
}

func (e *fetchError) Error() string { return fmt.Sprintf("GET %s: HTTP %d", e.url, e.status) }

// gone reports whether err says the remote document is gone for good.
func gone(err error) bool {
	var fe *fetchError
	return errors.As(err, &fe) && (fe.status == http.StatusGone || fe.status == http.StatusNotFound)
}

// fetch GETs an ActivityStreams document, signed with the hub actor's key,
// following up to three redirects (each checked and signed again), reading
// at most maxFetchBody bytes, and returns it parsed with the raw bytes. The
// document's id must have the host of the URL it finally came from.
func (h *Handler) fetch(ctx context.Context, uri string) (map[string]any, []byte, error) {
	doc, body, final, err := h.fetchJSON(ctx, uri, acceptAS, true)
	if err != nil {
		return nil, nil, err
	}
	id := str(doc, "id")
	if id == "" {
		return nil, nil, fmt.Errorf("federation: fetch %s: the document has no id", uri)
	}
	if hostOf(id) != hostOf(final) {
		return nil, nil, fmt.Errorf("federation: fetch %s: id %.200q is on another host", uri, id)
	}
	return doc, body, nil
}

// fetchJSON GETs a JSON document and returns it, its bytes and the URL it
// came from after redirects.
func (h *Handler) fetchJSON(ctx context.Context, uri, accept string, sign bool) (map[string]any, []byte, string, error) {
	for hop := 0; ; hop++ {
		if hostOf(uri) == "" {
			return nil, nil, "", fmt.Errorf("federation: fetch: %.200q is not an http(s) URL", uri)
		}
		if h.policy.blocked(ctx, hostOf(uri)) {
			return nil, nil, "", fmt.Errorf("federation: fetch %s: %w", uri, errBlocked)
		}
		body, loc, err := h.get(ctx, uri, accept, sign)
		if err != nil {
			return nil, nil, "", err
		}
		if loc == "" {
			var doc map[string]any
			if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
				return nil, nil, "", fmt.Errorf("federation: fetch %s: not a JSON object", uri)
			}
			if err := checkDoc(body, doc); err != nil {
				return nil, nil, "", fmt.Errorf("federation: fetch %s: %w", uri, err)
			}
			return doc, body, uri, nil
		}
		if hop == 3 {
			return nil, nil, "", fmt.Errorf("federation: fetch %s: too many redirects", uri)
		}
		uri = loc
	}
}

// get does one GET and returns the body of a 200, or the target of a
// redirect.
func (h *Handler) get(ctx context.Context, uri, accept string, sign bool) (body []byte, location string, err error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, "", fmt.Errorf("federation: fetch %.200q: %w", uri, err)
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", h.userAgent)
	if sign {
		hub, key, err := h.hubSigner(ctx)
		if err != nil {
			return nil, "", err
		}
		if err := httpsig.Sign(req, nil, hub.KeyID, key, h.now()); err != nil {
			return nil, "", fmt.Errorf("federation: fetch %s: %w", uri, err)
		}
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("federation: fetch %s: %w", uri, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode >= 300 && resp.StatusCode < 400 && resp.Header.Get("Location") != "":
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		next, err := req.URL.Parse(resp.Header.Get("Location"))
		if err != nil {
			return nil, "", fmt.Errorf("federation: fetch %s: bad redirect: %w", uri, err)
		}
		return nil, next.String(), nil
	default:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, "", &fetchError{url: uri, status: resp.StatusCode}
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if !strings.HasSuffix(mt, "json") {
			return nil, "", fmt.Errorf("federation: fetch %s: content type %q is not JSON", uri, mt)
		}
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxFetchBody+1))
	if err != nil {
		return nil, "", fmt.Errorf("federation: fetch %s: %w", uri, err)
	}
	if len(body) > maxFetchBody {
		return nil, "", fmt.Errorf("federation: fetch %s: document larger than %d bytes", uri, maxFetchBody)
	}
	return body, "", nil
}

// schemesFor returns the URL schemes to try for a host given without one:
// https, and plain http too when private networks are allowed (local
// partner setups and tests).
func (h *Handler) schemesFor() []string {
	if h.cfg.AllowPrivateNetworks {
		return []string{"https", "http"}
	}
	return []string{"https"}
}

// webfinger resolves acct:user@host to the actor id its server names.
func (h *Handler) webfinger(ctx context.Context, user, host string) (string, error) {
	var lastErr error
	for _, scheme := range h.schemesFor() {
		u := url.URL{Scheme: scheme, Host: host, Path: "/.well-known/webfinger",
			RawQuery: "resource=" + url.QueryEscape("acct:"+user+"@"+host)}
		doc, _, _, err := h.fetchJSON(ctx, u.String(), "application/jrd+json, application/json", false)
		if err != nil {
			lastErr = err
			if errors.Is(err, errBlocked) {
				break
			}
			continue
		}
		for _, l := range objsOf(doc["links"]) {
			if str(l, "rel") != "self" {
				continue
			}
			mt, _, _ := mime.ParseMediaType(str(l, "type"))
			if mt == "application/activity+json" || mt == "application/ld+json" {
				if href := str(l, "href"); hostOf(href) != "" {
					return href, nil
				}
			}
		}
		return "", fmt.Errorf("federation: webfinger acct:%s@%s: no ActivityPub actor link", user, host)
	}
	return "", fmt.Errorf("federation: webfinger acct:%s@%s: %w", user, host, lastErr)
}
