package portal

import (
	"bytes"
	"container/list"
	"net/http"
	"sync"

	"github.com/bgimigranti/hub/db"
)

// defaultCacheBytes bounds the rendered pages kept in memory, in two
// caches: pages that show the forum and pages that do not.
const (
	defaultCacheBytes     = 16 << 20
	defaultSiteCacheBytes = 24 << 20
)

// maxCachedPage is the largest page kept; bigger ones are rendered each time.
const maxCachedPage = 1 << 20

// pageCache keeps the rendered HTML of pages that anonymous visitors get,
// least recently used first out, within a total size. It holds only pages
// rendered at one version: when the version it keys on moves, everything
// in it goes, since any write of that kind may change any of its pages.
//
// Only the body and the headers that describe it are kept. Headers a
// handler sets for one visitor (Set-Cookie above all) are never stored; a
// page served from the cache still remembers the visitor's language.
type pageCache struct {
	mu      sync.Mutex
	max     int
	size    int
	version uint64
	lru     *list.List // of *cachedPage, most recently used at the front
	pages   map[string]*list.Element
}

type cachedPage struct {
	key         string
	body        []byte
	contentType string
	contentLang string
}

func newPageCache(maxBytes int) *pageCache {
	return &pageCache{max: maxBytes, lru: list.New(), pages: map[string]*list.Element{}}
}

// sync empties the cache when version is not the one its pages were
// rendered at. It must be called with mu held.
func (c *pageCache) sync(version uint64) {
	if version == c.version {
		return
	}
	c.version, c.size = version, 0
	c.lru.Init()
	clear(c.pages)
}

func (c *pageCache) get(key string, version uint64) (*cachedPage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sync(version)
	el, ok := c.pages[key]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(el)
	return el.Value.(*cachedPage), true
}

// put keeps p if it was rendered at the cache's current version.
func (c *pageCache) put(p *cachedPage, version uint64) {
	n := len(p.body) + len(p.key)
	if n > maxCachedPage || n > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if version != c.version {
		return // rendered before a write; the next request renders anew
	}
	if el, ok := c.pages[p.key]; ok {
		c.size -= len(el.Value.(*cachedPage).body) + len(p.key)
		c.lru.Remove(el)
	}
	c.pages[p.key] = c.lru.PushFront(p)
	c.size += n
	for c.size > c.max {
		old := c.lru.Back()
		op := old.Value.(*cachedPage)
		c.lru.Remove(old)
		delete(c.pages, op.key)
		c.size -= len(op.body) + len(op.key)
	}
}

// len reports how many pages the cache holds and their total size.
func (c *pageCache) len() (pages, size int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pages), c.size
}

// cached serves fn's page from the cache when it can: a GET (or HEAD) of an
// anonymous visitor, keyed by language, path and query. The page is
// rendered anew after any write (ContentVersion): for pages that show the
// forum (its own, search).
func (h *Handler) cached(fn pageFunc) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
		return h.serveCached(w, r, lang, fn, h.cache, h.store.ContentVersion)
	}
}

// cachedSite is cached for pages that show nothing of the forum (sections,
// items, the directory, printed handbooks): they stay cached while only
// the forum changes (SiteVersion), which with partners' forums federating
// in is most of the time.
func (h *Handler) cachedSite(fn pageFunc) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
		return h.serveCached(w, r, lang, fn, h.siteCache, h.store.SiteVersion)
	}
}

func (h *Handler) serveCached(w http.ResponseWriter, r *http.Request, lang db.Lang, fn pageFunc, c *pageCache, current func() uint64) error {
	if c == nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) || currentUser(r) != nil {
		return fn(w, r, lang)
	}
	key := string(lang) + " " + r.URL.Path + "?" + r.URL.RawQuery
	version := current()
	if p, ok := c.get(key, version); ok {
		remember(w, r, lang)
		hd := w.Header()
		hd.Set("Content-Type", p.contentType)
		hd.Set("Content-Language", p.contentLang)
		w.WriteHeader(http.StatusOK)
		_, err := w.Write(p.body)
		return err
	}
	rec := &recorder{ResponseWriter: w}
	if err := fn(rec, r, lang); err != nil {
		return err
	}
	if rec.status == http.StatusOK && !rec.tooBig {
		hd := w.Header()
		c.put(&cachedPage{key: key, body: rec.buf.Bytes(), contentType: hd.Get("Content-Type"), contentLang: hd.Get("Content-Language")}, version)
	}
	return nil
}

// recorder passes a response through and keeps a copy of its body.
type recorder struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
	tooBig bool
}

func (rec *recorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if !rec.tooBig {
		if rec.buf.Len()+len(b) > maxCachedPage {
			rec.tooBig = true
			rec.buf = bytes.Buffer{}
		} else {
			rec.buf.Write(b)
		}
	}
	return rec.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }
