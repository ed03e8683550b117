package portal

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestClientKeyBehindProxy: behind a trusted reverse proxy the client is
// the last untrusted address of X-Forwarded-For; from an untrusted
// address the header is ignored, so a client cannot choose its own key.
func TestClientKeyBehindProxy(t *testing.T) {
	h := &Handler{proxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")}}
	for _, c := range []struct {
		remote, xff, want string
	}{
		{"203.0.113.7:5000", "", "203.0.113.7"},
		{"203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},                 // not a proxy: header ignored
		{"127.0.0.1:5000", "198.51.100.1", "198.51.100.1"},                  // the proxy names the client
		{"127.0.0.1:5000", "1.2.3.4, 198.51.100.1", "198.51.100.1"},         // a forged first hop is not used
		{"127.0.0.1:5000", "198.51.100.1, 10.1.2.3", "198.51.100.1"},        // two proxies
		{"127.0.0.1:5000", "", "127.0.0.1"},                                 // no header: the proxy itself
		{"127.0.0.1:5000", "garbage, 10.1.2.3", "10.1.2.3"},                 // a malformed hop ends the walk
		{"[::ffff:127.0.0.1]:5000", "2001:db8:1:2::9", "2001:db8:1:2::/64"}, // IPv6 clients by /64
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := h.clientKey(r); got != c.want {
			t.Errorf("from %s with X-Forwarded-For %q: key %q, want %q", c.remote, c.xff, got, c.want)
		}
	}
	untrusting := &Handler{}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr, r.Header["X-Forwarded-For"] = "127.0.0.1:1", []string{"198.51.100.1"}
	if got := untrusting.clientKey(r); got != "127.0.0.1" {
		t.Errorf("with no trusted proxies the key is %q, want the peer's address", got)
	}
}
