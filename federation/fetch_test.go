package federation

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// TestClientRefusesPrivateAddresses: the default client checks the address
// it dials, after name resolution, so neither an IP literal nor a name
// that resolves to loopback gets through, unless private networks are
// allowed.
func TestClientRefusesPrivateAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndexByte(srv.URL, ':'):]
	strict := NewClient(ClientOptions{})
	for _, u := range []string{srv.URL, "http://localhost" + port} {
		resp, err := strict.Get(u)
		if err == nil {
			resp.Body.Close()
			t.Errorf("GET %s: connected, want a refusal", u)
		} else if !errors.Is(err, errPrivateAddress) {
			t.Errorf("GET %s: %v, want errPrivateAddress", u, err)
		}
	}
	resp, err := NewClient(ClientOptions{AllowPrivateNetworks: true}).Get(srv.URL)
	if err != nil {
		t.Fatalf("with private networks allowed: %v", err)
	}
	resp.Body.Close()
	for addr, public := range map[string]bool{
		"8.8.8.8": true, "2a00:1450:4001::1": true, "127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false,
		"192.168.1.1": false, "169.254.169.254": false, "100.64.0.1": false, "0.0.0.0": false, "::1": false,
		"fe80::1": false, "fc00::1": false, "::ffff:127.0.0.1": false, "224.0.0.1": false, "2001:db8::1": false,
	} {
		if got := publicAddr(netip.MustParseAddr(addr)); got != public {
			t.Errorf("publicAddr(%s) = %v, want %v", addr, got, public)
		}
	}
}
