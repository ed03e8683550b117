package portal

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// rateLimiter is a token bucket per client: each client may make burst
// requests at once and gets one more every per/burst. It tracks at most max
// clients; when full it forgets the clients whose buckets have refilled,
// and then arbitrary ones, so memory stays bounded under a flood of
// addresses.
type rateLimiter struct {
	mu      sync.Mutex
	burst   float64
	rate    float64 // tokens per second
	max     int
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// newRateLimiter allows n requests per period to each client, tracking at
// most max clients.
func newRateLimiter(n int, per time.Duration, max int) *rateLimiter {
	return &rateLimiter{
		burst: float64(n), rate: float64(n) / per.Seconds(), max: max,
		buckets: map[string]*bucket{}, now: time.Now,
	}
}

// allow takes a token for key. When there is none it reports false and how
// long until there is.
func (l *rateLimiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// evict makes room for one more client: first by dropping every client
// whose bucket is full again (forgetting them changes nothing), then, if
// none is, by dropping a tenth of the clients, whichever the map yields.
func (l *rateLimiter) evict(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	drop := len(l.buckets) - l.max + 1 + l.max/10
	for k := range l.buckets {
		if len(l.buckets) < l.max && drop <= 0 {
			break
		}
		delete(l.buckets, k)
		drop--
	}
}

// clientKey identifies the client of a request for rate limiting: its IP
// address, or for IPv6 its /64 network, which one user usually holds
// whole. When the request comes from a trusted reverse proxy, the client is
// the last address in X-Forwarded-For that is not itself a trusted proxy
// (the addresses before it could be anything the client wrote); from
// anywhere else the header is ignored.
func (h *Handler) clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if h.trusted(ip) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a malformed hop: trust nothing before it
			}
			ip = hop.Unmap()
			if !h.trusted(ip) {
				break
			}
		}
	}
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// trusted reports whether ip is one of the configured reverse proxies.
func (h *Handler) trusted(ip netip.Addr) bool {
	for _, p := range h.proxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
