package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bgimigranti/hub/portal/mailer"
)

// config is everything the hub is told from outside, from flags and HUB_*
// environment variables (a flag wins over its variable).
type config struct {
	Listen               string
	BaseURL              *url.URL
	DataDir              string
	DatabaseURL          string
	LogLevel             slog.Level
	LogFormat            string
	AllowPrivateNetworks bool
	SignedFetchOnly      bool
	TrustedProxies       []netip.Prefix

	// fastPasswords is set by tests only, never by a flag: see env.
	fastPasswords bool
	// SMTP is where e-mail goes; nil when no server is configured and
	// mails are only logged.
	SMTP *mailer.Server
	// MailFrom is the sender of the hub's e-mail.
	MailFrom *mail.Address
}

// setting is one configuration value: its flag, its variable, its default and
// what it means (the README's table says the same).
type setting struct {
	flag, env, def, usage string
	value                 string
}

func settings() []*setting {
	return []*setting{
		{flag: "listen", env: "HUB_LISTEN", def: "127.0.0.1:8080", usage: "address to listen on (host:port)"},
		{flag: "base-url", env: "HUB_BASE_URL", def: "", usage: "public URL of the hub, used in ActivityPub ids, feeds and links (default: derived from the listen address)"},
		{flag: "data-dir", env: "HUB_DATA_DIR", def: "./data", usage: "directory for the SQLite database and uploaded files"},
		{flag: "database", env: "HUB_DATABASE_URL", def: "", usage: "database URL: postgres://USER@HOST/NAME?sslmode=… or sqlite:PATH (default: sqlite in the data directory)"},
		{flag: "log-level", env: "HUB_LOG_LEVEL", def: "info", usage: "debug, info, warn or error"},
		{flag: "log-format", env: "HUB_LOG_FORMAT", def: "text", usage: "text or json"},
		{flag: "allow-private-networks", env: "HUB_ALLOW_PRIVATE_NETWORKS", def: "false", usage: "let federation fetch from and deliver to loopback and private addresses (local partner setups, tests)"},
		{flag: "signed-fetch-only", env: "HUB_SIGNED_FETCH_ONLY", def: "false", usage: "answer ActivityPub GETs of actors, objects and collections only when HTTP-signed (Mastodon's secure mode)"},
		{flag: "smtp-url", env: "HUB_SMTP_URL", def: "", usage: "SMTP server for e-mail: smtp://USER:PASS@HOST:587 (STARTTLS required), smtps://USER:PASS@HOST:465 (TLS) or smtp://127.0.0.1:1025 (local); unset: mails are only logged"},
		{flag: "mail-from", env: "HUB_MAIL_FROM", def: "", usage: "sender of the hub's e-mail, such as \"Hub <hub@example.org>\" (required with --smtp-url)"},
		{flag: "trusted-proxies", env: "HUB_TRUSTED_PROXIES", def: "", usage: "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For names the client, for rate limits (e.g. 127.0.0.1,10.0.0.0/8)"},
	}
}

// envFileDefault is the settings file every command reads when it exists.
const envFileDefault = "hub.env"

// registerConfigFlags adds the configuration flags to fs and returns a
// function that reads flags, environment, the settings file and defaults
// into a config, in that order of precedence.
func registerConfigFlags(fs *flag.FlagSet, getenv func(string) string) func() (*config, error) {
	ss := settings()
	for _, s := range ss {
		fs.StringVar(&s.value, s.flag, "", fmt.Sprintf("%s (env %s, default %q)", s.usage, s.env, s.def))
	}
	envFile := fs.String("env-file", "", fmt.Sprintf("a file of HUB_NAME=value lines that supplies every setting not given as a flag or in the environment (env HUB_ENV_FILE, default %q, ignored when missing)", envFileDefault))
	return func() (*config, error) {
		path, named := *envFile, true
		if path == "" {
			path = getenv("HUB_ENV_FILE")
		}
		if path == "" {
			path, named = envFileDefault, false
		}
		file, err := readEnvFile(path, ss, named)
		if err != nil {
			return nil, err
		}
		v := map[string]string{}
		for _, s := range ss {
			switch {
			case s.value != "":
				v[s.flag] = s.value
			case getenv(s.env) != "":
				v[s.flag] = getenv(s.env)
			case file[s.env] != "":
				v[s.flag] = file[s.env]
			default:
				v[s.flag] = s.def
			}
		}
		return parseConfig(v)
	}
}

// readEnvFile reads a settings file: one HUB_NAME=value a line, blank lines
// and lines starting with # ignored, the value optionally in single or double
// quotes. A name that is no setting is an error, so that a typo does not
// pass unnoticed. A missing file is an error only when it was named.
func readEnvFile(path string, ss []*setting, named bool) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !named {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("HUB_ENV_FILE: %w", err)
	}
	known := map[string]bool{}
	for _, s := range ss {
		known[s.env] = true
	}
	out := map[string]string{}
	var errs []error
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s line %d: %q is not NAME=value", path, i+1, line))
			continue
		case !known[name]:
			errs = append(errs, fmt.Errorf("%s line %d: %s is not a setting of the hub (see hub -h)", path, i+1, name))
			continue
		}
		if n := len(value); n >= 2 && (value[0] == '"' || value[0] == '\'') && value[n-1] == value[0] {
			value = value[1 : n-1]
		}
		out[name] = value
	}
	return out, errors.Join(errs...)
}

func parseConfig(v map[string]string) (*config, error) {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
	}
	c := &config{Listen: v["listen"], DataDir: v["data-dir"], LogFormat: strings.ToLower(v["log-format"])}

	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		bad("HUB_LISTEN", "%q is not host:port (for example 127.0.0.1:8080 or :8080)", c.Listen)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		bad("HUB_LISTEN", "port %q is not a number from 0 to 65535", port)
	}

	base := v["base-url"]
	if base == "" && err == nil {
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		base = "http://" + net.JoinHostPort(host, port)
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		bad("HUB_BASE_URL", "%q must be an absolute http(s) URL with a host and no path, query or user, such as https://hub.example.org", base)
	} else {
		u.Path = ""
		u.Host = strings.ToLower(u.Host)
		c.BaseURL = u
	}

	switch strings.ToLower(v["log-level"]) {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "info":
		c.LogLevel = slog.LevelInfo
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		bad("HUB_LOG_LEVEL", "%q is not one of debug, info, warn, error", v["log-level"])
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("HUB_LOG_FORMAT", "%q is not text or json", v["log-format"])
	}
	if b, err := strconv.ParseBool(v["allow-private-networks"]); err != nil {
		bad("HUB_ALLOW_PRIVATE_NETWORKS", "%q is not true or false", v["allow-private-networks"])
	} else {
		c.AllowPrivateNetworks = b
	}
	if b, err := strconv.ParseBool(v["signed-fetch-only"]); err != nil {
		bad("HUB_SIGNED_FETCH_ONLY", "%q is not true or false", v["signed-fetch-only"])
	} else {
		c.SignedFetchOnly = b
	}

	for _, part := range strings.Split(v["trusted-proxies"], ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if pr, err := netip.ParsePrefix(part); err == nil {
			c.TrustedProxies = append(c.TrustedProxies, pr.Masked())
		} else if ip, err := netip.ParseAddr(part); err == nil {
			c.TrustedProxies = append(c.TrustedProxies, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
		} else {
			bad("HUB_TRUSTED_PROXIES", "%q is neither an IP address nor a CIDR range such as 10.0.0.0/8", part)
		}
	}

	if v["smtp-url"] != "" {
		if srv, err := mailer.ParseURL(v["smtp-url"]); err != nil {
			bad("HUB_SMTP_URL", "%v", err)
		} else {
			c.SMTP = srv
		}
	}
	if v["mail-from"] != "" {
		if a, err := mailer.ParseFrom(v["mail-from"]); err != nil {
			bad("HUB_MAIL_FROM", "%v", err)
		} else {
			c.MailFrom = a
		}
	} else if v["smtp-url"] != "" {
		bad("HUB_MAIL_FROM", "must be set with HUB_SMTP_URL: the address the hub's e-mail comes from, such as \"Hub <hub@example.org>\"")
	}

	if c.DataDir == "" {
		bad("HUB_DATA_DIR", "must not be empty")
	} else if abs, err := filepath.Abs(c.DataDir); err != nil {
		bad("HUB_DATA_DIR", "%v", err)
	} else {
		c.DataDir = abs
	}

	c.DatabaseURL = v["database"]
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite:" + filepath.Join(c.DataDir, "hub.db")
	}
	scheme, _, _ := strings.Cut(c.DatabaseURL, ":")
	switch strings.ToLower(scheme) {
	case "sqlite", "postgres", "postgresql":
	default:
		bad("HUB_DATABASE_URL", "unknown database scheme %q: use postgres://USER@HOST/NAME?sslmode=disable or sqlite:PATH", scheme)
	}
	return c, errors.Join(errs...)
}

// checkDataDir makes sure the data directory exists and can be written to,
// so that a read-only or misnamed directory fails at start-up with its name
// rather than at the first upload.
func checkDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("HUB_DATA_DIR: cannot create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("HUB_DATA_DIR: %s is not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
