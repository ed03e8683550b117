package federation

import (
	"testing"
	"time"
)

func TestTTLCacheDropsExpiredEntries(t *testing.T) {
	c := newTTLCache[int](5*time.Millisecond, 100)
	for i, k := range []string{"a", "b", "c"} {
		c.put(k, i)
	}
	if v, ok := c.get("b"); !ok || v != 1 {
		t.Fatalf("get(b) = %d, %v; want 1, true", v, ok)
	}
	time.Sleep(20 * time.Millisecond)
	if _, ok := c.get("a"); ok {
		t.Error("an expired entry was returned")
	}
	c.put("d", 3)
	c.mu.Lock()
	n := len(c.m)
	c.mu.Unlock()
	if n != 1 {
		t.Errorf("after a put past the TTL the cache holds %d entries, want 1 (the expired ones dropped)", n)
	}
}

func TestTTLCacheSyncEmptiesOnNewVersion(t *testing.T) {
	c := newTTLCache[int](time.Minute, 100)
	c.sync(1)
	c.put("a", 1)
	c.sync(1)
	if _, ok := c.get("a"); !ok {
		t.Fatal("the same version emptied the cache")
	}
	c.sync(2)
	if _, ok := c.get("a"); ok {
		t.Error("a new version kept the entry")
	}
}
