package federation

import (
	"context"
	"crypto/rsa"
	"net/http"
	"net/url"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/federation/httpsig"
)

// Doer sends HTTP requests. Federation reaches the network only through
// one, so tests can serve fake peers and record what is sent; NewClient
// builds the real one.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Config is what New needs to know. Only BaseURL is required.
type Config struct {
	// BaseURL is the hub's public URL (scheme, host and port, no path):
	// every actor and object id is built on it, and WebFinger answers for
	// its host (with the port, when it has one).
	BaseURL *url.URL
	// Site serves what is not ActivityStreams: a browser asking for an
	// actor or object URL gets the page from it.
	Site http.Handler
	// Client sends every outgoing request. Nil means NewClient with
	// AllowPrivateNetworks.
	Client Doer
	// AllowPrivateNetworks lets the default client reach loopback,
	// private and link-local addresses (tests, partners on one LAN).
	AllowPrivateNetworks bool
	// SignedFetchOnly requires an HTTP signature on GETs of actors,
	// objects and collections (Mastodon's "authorized fetch"). The hub's
	// own actor, WebFinger and NodeInfo stay open, so that peers can
	// fetch the key they sign with.
	SignedFetchOnly bool
	// HubHandle is the handle of the hub's own actor (an Application).
	// Default: the host name of BaseURL when it has a dot (it cannot clash
	// with an organisation's handle, which cannot), else "hub".
	HubHandle string
	// HubName and HubSummary are the hub actor's name and description per
	// language.
	HubName, HubSummary map[db.Lang]string
	// PersonalInboxes delivers to each follower's own inbox even when its
	// server offers a shared inbox (for measurements; off in production).
	PersonalInboxes bool
	// Delivery tunes the delivery workers; zero fields take defaults.
	Delivery DeliveryConfig
	// Now is the clock; nil means time.Now. Tests move it.
	Now func() time.Time
	// KeyGen makes the key of a new local actor; nil means
	// httpsig.GenerateKey (RSA-2048).
	KeyGen func() (*rsa.PrivateKey, error)
	// Version is the software version NodeInfo reports.
	Version string
	// Images keeps the images fetched from partners (their organisations'
	// logos and banners, their items' images) in the hub's own storage.
	// Nil means logos are not fetched, and items' images stay links to
	// the partner's server in the item's text.
	Images ImageStore
}

// ImageStore checks, resizes and stores a fetched image. cmd/hub passes
// the portal's, which does to a fetched image what it does to an upload:
// its type from its content, its dimensions bounded, a thumbnail and a
// medium copy made. Federation calls it from its worker, outside any
// transaction, after fetching the bytes through its own client.
type ImageStore interface {
	// SaveImage stores data, fetched from remoteURL, and returns its
	// media row. An error means the file is refused (not an image, too
	// large) or could not be written.
	SaveImage(ctx context.Context, remoteURL string, data []byte) (*db.Media, error)
	// DeleteImage removes the files of a copy whose row federation
	// deleted because nothing used it any more.
	DeleteImage(ctx context.Context, m *db.Media) error
}

// DeliveryConfig tunes the delivery of activities.
type DeliveryConfig struct {
	// Workers is how many deliveries may be in flight at once in this
	// process (default 64).
	Workers int
	// PerHost is how many may be in flight to one host (default 2).
	PerHost int
	// HostRate and HostBurst pace requests to one host: a token bucket
	// refilled with HostRate tokens per second up to HostBurst (defaults
	// 1/s and 100, under GoToSocial's 300 per 5 minutes per IP). A
	// negative HostRate turns pacing off.
	HostRate  float64
	HostBurst int
	// Timeout bounds one POST (default 15s).
	Timeout time.Duration
	// Lease is how long a claimed delivery stays claimed without a result
	// before another worker may take it (default 5 minutes).
	Lease time.Duration
	// PollInterval is how often the worker looks for due deliveries when
	// nothing wakes it (default 5s).
	PollInterval time.Duration
	// Backoff is the wait after each failed attempt; after the last the
	// delivery is given up. Default: 1m, 5m, 30m, 2h, 6h, 12h, 24h, 24h
	// (nine attempts over about three days). A jitter of ±20% is added.
	Backoff []time.Duration
	// BreakerThreshold is how many consecutive failures open a host's
	// circuit breaker (default 10); BreakerCooldown is the first pause
	// (default 1 minute), doubled each time it opens again, up to an hour.
	BreakerThreshold int
	BreakerCooldown  time.Duration
}

// DefaultBackoff is the retry schedule when DeliveryConfig.Backoff is nil.
var DefaultBackoff = []time.Duration{
	time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
	6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 24 * time.Hour,
}

func (c *DeliveryConfig) defaults() {
	if c.Workers <= 0 {
		c.Workers = 64
	}
	if c.PerHost <= 0 {
		c.PerHost = 2
	}
	if c.HostRate == 0 {
		c.HostRate = 1
	}
	if c.HostBurst <= 0 {
		c.HostBurst = 100
	}
	if c.Timeout <= 0 {
		c.Timeout = 15 * time.Second
	}
	if c.Lease <= 0 {
		c.Lease = 5 * time.Minute
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 5 * time.Second
	}
	if c.Backoff == nil {
		c.Backoff = DefaultBackoff
	}
	if c.BreakerThreshold <= 0 {
		c.BreakerThreshold = 10
	}
	if c.BreakerCooldown <= 0 {
		c.BreakerCooldown = time.Minute
	}
}

// Limits on what the hub reads from others.
const (
	// maxInboxBody is the largest activity the inbox reads (413 above).
	maxInboxBody = 1 << 20
	// maxFetchBody is the largest document a fetch reads.
	maxFetchBody = 2 << 20
	// fetchTimeout bounds one fetch (and each of its redirects).
	fetchTimeout = 10 * time.Second
)

var defaultHubName = map[db.Lang]string{
	db.BG: "bgimigranti хъб",
	db.EN: "bgimigranti hub",
}

var defaultHubSummary = map[db.Lang]string{
	db.BG: "Платформа на организациите, които работят за интеграцията на имигранти в България.",
	db.EN: "The platform of the organisations working on the integration of immigrants in Bulgaria.",
}

// keyGen is the default key maker.
func keyGen() (*rsa.PrivateKey, error) { return httpsig.GenerateKey() }
