package feeds

import (
	"container/list"
	"sync"
	"time"
)

// cached is a built response, ready to be sent again: the document and the
// headers that describe it.
type cached struct {
	key         string
	etag        string
	body        []byte
	modified    time.Time
	contentType string
	disposition string // Content-Disposition, for a single event's file
}

// size is what an entry counts against the cache's bound: its body, its
// key and a little for the rest.
func (c *cached) size() int64 { return int64(len(c.body)+len(c.key)+len(c.etag)) + 256 }

// cache keeps built feeds in memory, at most max bytes of them, dropping the
// least recently used first. An entry is keyed by the feed (its language,
// kind and format) and valid only for the ETag it was built under; since the
// ETag changes with the store's content version, a write makes every entry
// stale, and the next request for a feed replaces its entry. Concurrent
// requests for a feed that is not built yet wait for one build instead of
// each querying the database.
type cache struct {
	max int64

	mu      sync.Mutex
	size    int64
	lru     *list.List               // of *cached, most recently used first
	entries map[string]*list.Element // by key
	calls   map[string]*call         // builds in flight, by key and ETag
}

// call is one build in flight; done is closed when c and err are set.
type call struct {
	done chan struct{}
	c    *cached
	err  error
}

func newCache(max int64) *cache {
	return &cache{max: max, lru: list.New(), entries: map[string]*list.Element{}, calls: map[string]*call{}}
}

// get returns the entry for key if it was built under etag.
func (c *cache) get(key, etag string) *cached {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.getLocked(key, etag)
}

func (c *cache) getLocked(key, etag string) *cached {
	el, ok := c.entries[key]
	if !ok {
		return nil
	}
	e := el.Value.(*cached)
	if e.etag != etag {
		return nil
	}
	c.lru.MoveToFront(el)
	return e
}

// do returns the entry for key built under etag: from the cache, from a
// build another request has started, or from build, whose result it
// stores. Errors are not cached.
func (c *cache) do(key, etag string, build func() (*cached, error)) (*cached, error) {
	c.mu.Lock()
	if e := c.getLocked(key, etag); e != nil {
		c.mu.Unlock()
		return e, nil
	}
	id := key + "\x00" + etag
	if cl, ok := c.calls[id]; ok {
		c.mu.Unlock()
		<-cl.done
		return cl.c, cl.err
	}
	cl := &call{done: make(chan struct{})}
	c.calls[id] = cl
	c.mu.Unlock()

	func() {
		// A panicking build must still release the requests waiting for it.
		defer func() {
			if cl.c == nil && cl.err == nil {
				cl.err = errBuildPanicked
			}
			c.mu.Lock()
			delete(c.calls, id)
			if cl.err == nil {
				c.putLocked(cl.c)
			}
			c.mu.Unlock()
			close(cl.done)
		}()
		cl.c, cl.err = build()
		if cl.c != nil {
			cl.c.key, cl.c.etag = key, etag
		}
	}()
	return cl.c, cl.err
}

// putLocked stores e, replacing the entry of the same key, and evicts the
// least recently used entries until the cache fits its bound. An entry
// larger than the whole bound is not stored.
func (c *cache) putLocked(e *cached) {
	if el, ok := c.entries[e.key]; ok {
		c.size -= el.Value.(*cached).size()
		c.lru.Remove(el)
		delete(c.entries, e.key)
	}
	if e.size() > c.max {
		return
	}
	c.entries[e.key] = c.lru.PushFront(e)
	c.size += e.size()
	for c.size > c.max {
		el := c.lru.Back()
		old := el.Value.(*cached)
		c.lru.Remove(el)
		delete(c.entries, old.key)
		c.size -= old.size()
	}
}

// reset empties the cache.
func (c *cache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Init()
	c.entries = map[string]*list.Element{}
	c.size = 0
}

// stats returns the number of entries and the bytes they count for.
func (c *cache) stats() (n int, size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.size
}

// inflight returns the number of builds in flight.
func (c *cache) inflight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.calls)
}
