package feeds

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

func body(n int) *cached { return &cached{body: bytes.Repeat([]byte("x"), n)} }

// TestCacheBounded checks the byte bound, least-recently-used eviction and
// that an entry is valid only for the ETag it was built under.
func TestCacheBounded(t *testing.T) {
	one := (&cached{key: "k0", etag: `"e"`, body: make([]byte, 1000)}).size()
	c := newCache(3 * one)
	put := func(key, etag string) {
		t.Helper()
		if _, err := c.do(key, etag, func() (*cached, error) { return body(1000), nil }); err != nil {
			t.Fatal(err)
		}
	}
	put("k0", `"e"`)
	put("k1", `"e"`)
	put("k2", `"e"`)
	if n, size := c.stats(); n != 3 || size > 3*one {
		t.Fatalf("3 entries: stats %d, %d bytes (bound %d)", n, size, 3*one)
	}
	c.get("k0", `"e"`) // k1 is now the least recently used
	put("k3", `"e"`)
	if c.get("k1", `"e"`) != nil {
		t.Error("k1 not evicted")
	}
	for _, k := range []string{"k0", "k2", "k3"} {
		if c.get(k, `"e"`) == nil {
			t.Errorf("%s evicted", k)
		}
	}
	if c.get("k0", `"f"`) != nil {
		t.Error("entry served under another ETag")
	}
	put("k0", `"f"`) // replaces the stale entry of the same key
	if n, size := c.stats(); n != 3 || size > 3*one {
		t.Errorf("after replacing: %d entries, %d bytes", n, size)
	}
	if _, err := c.do("huge", `"e"`, func() (*cached, error) { return body(int(4 * one)), nil }); err != nil {
		t.Fatal(err)
	}
	if c.get("huge", `"e"`) != nil {
		t.Error("an entry larger than the bound was stored")
	}
	if n, _ := c.stats(); n != 3 {
		t.Errorf("an oversized entry evicted others: %d left", n)
	}
}

// TestCacheBuildsOnce checks that concurrent requests for the same feed
// wait for one build, and that errors are not cached.
func TestCacheBuildsOnce(t *testing.T) {
	c := newCache(1 << 20)
	var builds atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := c.do("k", `"e"`, func() (*cached, error) {
				builds.Add(1)
				<-release
				return body(10), nil
			})
			if err != nil || len(got.body) != 10 {
				t.Errorf("do = %v, %v", got, err)
			}
		}()
	}
	for c.inflight() == 0 {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if n := builds.Load(); n != 1 {
		t.Errorf("%d builds, want 1", n)
	}

	fail := errors.New("boom")
	for i := range 2 {
		_, err := c.do("bad", `"e"`, func() (*cached, error) { builds.Add(1); return nil, fmt.Errorf("try %d: %w", i, fail) })
		if !errors.Is(err, fail) {
			t.Errorf("err = %v", err)
		}
	}
	if n := builds.Load(); n != 3 {
		t.Errorf("failed builds were cached: %d builds, want 3", n)
	}
}
