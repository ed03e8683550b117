package federation

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/bgimigranti/hub/db"
)

// errBlocked means a host is blocked by a domain policy, or not allowed in
// allowlist mode.
var errBlocked = errors.New("blocked by domain policy")

// policyTTL is how long the domain policies are cached; an admin's change
// takes effect within it.
const policyTTL = 10 * time.Second

// policies caches the domain policies and the allowlist switch.
type policies struct {
	store *db.Store
	log   *slog.Logger

	mu        sync.Mutex
	loaded    time.Time
	block     map[string]bool
	allow     map[string]bool
	allowlist bool
}

// refresh reloads the policies when the cache is stale.
func (p *policies) refresh(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.loaded.IsZero() && time.Since(p.loaded) < policyTTL {
		return
	}
	list, err := p.store.DomainPolicies(ctx)
	if err != nil {
		p.log.Warn("load domain policies", "err", err)
		return
	}
	on, err := p.store.AllowlistMode(ctx)
	if err != nil {
		p.log.Warn("load allowlist mode", "err", err)
		return
	}
	p.block, p.allow, p.allowlist = map[string]bool{}, map[string]bool{}, on
	for _, d := range list {
		switch d.Policy {
		case db.PolicyBlock:
			p.block[d.Host] = true
		case db.PolicyAllow:
			p.allow[d.Host] = true
		}
	}
	p.loaded = time.Now()
}

// invalidate drops the cache, after a change made through this process.
func (p *policies) invalidate() {
	p.mu.Lock()
	p.loaded = time.Time{}
	p.mu.Unlock()
}

// blocked reports whether the hub refuses to federate with host: a block
// on the host or on a parent domain, or allowlist mode without an allow.
func (p *policies) blocked(ctx context.Context, host string) bool {
	p.refresh(ctx)
	host = strings.ToLower(host)
	p.mu.Lock()
	defer p.mu.Unlock()
	name := host
	if i := strings.LastIndexByte(name, ':'); i >= 0 && !strings.Contains(name[i:], "]") {
		name = name[:i]
	}
	for _, h := range []string{host, name} {
		for d := h; d != ""; {
			if p.block[d] {
				return true
			}
			_, rest, ok := strings.Cut(d, ".")
			if !ok || !strings.Contains(rest, ".") {
				break
			}
			d = rest
		}
	}
	if p.allowlist {
		return !p.allow[host] && !p.allow[name]
	}
	return false
}
