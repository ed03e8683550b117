package federation

import (
	"sync"
	"time"
)

// ttlCache is a small map whose entries expire. The inbox uses such caches
// for what every activity from the same sender looks up again (the actor
// and its key, whether it is followed, its directory entry), so that an
// admin's change made in another process takes effect within the TTL.
type ttlCache[V any] struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	m       map[string]ttlEntry[V]
	version uint64    // see sync
	swept   time.Time // when expired entries were last dropped
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

func newTTLCache[V any](ttl time.Duration, max int) *ttlCache[V] {
	return &ttlCache[V]{ttl: ttl, max: max, m: map[string]ttlEntry[V]{}}
}

func (c *ttlCache[V]) get(k string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || time.Now().After(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[V]) put(k string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	// Expired entries are dropped once a TTL, so that a burst of senders
	// (each actor with its raw document) is not kept until the map fills.
	if len(c.m) >= c.max || now.Sub(c.swept) > c.ttl {
		for k, e := range c.m {
			if now.After(e.expires) {
				delete(c.m, k)
			}
		}
		c.swept = now
	}
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[k] = ttlEntry[V]{v: v, expires: now.Add(c.ttl)}
}

func (c *ttlCache[V]) forget(k string) {
	c.mu.Lock()
	delete(c.m, k)
	c.mu.Unlock()
}

// sync empties the cache when version differs from the one it last saw:
// entries then live until the TTL or the next change of version, whichever
// comes first.
func (c *ttlCache[V]) sync(version uint64) {
	c.mu.Lock()
	if c.version != version {
		clear(c.m)
		c.version = version
	}
	c.mu.Unlock()
}
