// Command hub runs the bgimigranti hub: the bilingual website, its feeds and
// its ActivityPub server, in one process.
//
//	hub [serve]          run the hub (the default)
//	hub migrate          apply database migrations and exit
//	hub user create      create an account (admin, editor or member)
//	hub org create       create a local organisation
//	hub demo             load a labelled demo dataset
//	hub partner add|remove|list   manage partner instances
//
// Every command takes the configuration flags; `hub COMMAND -h` lists them.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // event time zones work on machines without /usr/share/zoneinfo

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/markup"
	"github.com/bgimigranti/hub/portal"
	"github.com/bgimigranti/hub/portal/mailer"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], env{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}))
}

// env is what a command may touch of the outside world, so tests can give
// their own.
type env struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
	// ready, when set, receives the listener's address once serve listens.
	ready func(addr string)
	// fastPasswords makes the store hash passwords at the cheapest cost; set
	// only by tests, which create many accounts.
	fastPasswords bool
}

const usage = `usage: hub [COMMAND] [FLAGS]

commands:
  serve         run the hub (the default)
  migrate       apply database migrations and exit
  user create   create an account: --email, --role admin|editor|member, [--org HANDLE] [--name NAME]
  org create    create a local organisation: --handle, --name-bg, --name-en, --kind, [--country, --city, --website]
  demo          load a clearly labelled demo dataset (never loaded by default; running it twice adds nothing)
  partner add HANDLE@HOST|URL …     follow a partner instance or organisation (and be followed back)
  partner remove HANDLE@HOST|URL …  stop following a partner
  partner list  partners with their follow state, pending and failed deliveries, last activity

Run "hub COMMAND -h" for the flags of a command.
`

func run(ctx context.Context, args []string, e env) int {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(e.stdout, usage)
		return 0
	}
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
		if (cmd == "user" || cmd == "org") && len(args) > 0 && args[0] == "create" {
			cmd, args = cmd+" create", args[1:]
		}
		if cmd == "partner" && len(args) > 0 && (args[0] == "add" || args[0] == "remove" || args[0] == "list") {
			cmd, args = cmd+" "+args[0], args[1:]
		}
	}
	var err error
	switch cmd {
	case "serve":
		err = serveCommand(ctx, args, e)
	case "migrate":
		err = migrateCommand(ctx, args, e)
	case "user create":
		err = userCreateCommand(ctx, args, e)
	case "org create":
		err = orgCreateCommand(ctx, args, e)
	case "demo":
		err = demoCommand(ctx, args, e)
	case "partner add":
		err = partnerAddCommand(ctx, args, e)
	case "partner remove":
		err = partnerRemoveCommand(ctx, args, e)
	case "partner list":
		err = partnerListCommand(ctx, args, e)
	default:
		fmt.Fprintf(e.stderr, "hub: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if errors.Is(err, errUsage) {
		return 2
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "hub: %v\n", err)
		return 1
	}
	return 0
}

var errUsage = errors.New("usage")

func newLogger(c *config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// hub is the assembled server: the store and the one handler that serves
// the site, its feeds and federation.
type hub struct {
	store   *db.Store
	handler http.Handler
	// background is the work that runs beside the server until shutdown
	// (delivery workers, the listener for other processes' writes).
	background []func(context.Context) error
}

// open checks the data directory, opens and migrates the database and seeds
// what every install needs.
func open(ctx context.Context, c *config, log *slog.Logger) (*db.Store, error) {
	if err := checkDataDir(c.DataDir); err != nil {
		return nil, err
	}
	store, err := db.Open(ctx, c.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if c.fastPasswords {
		store.UseFastPasswordHashing()
	}
	applied, err := store.Migrate(ctx)
	if err != nil {
		store.Close()
		return nil, err
	}
	for _, name := range applied {
		log.Info("applied migration", "name", name)
	}
	created, err := store.Seed(ctx, markup.New())
	if err != nil {
		store.Close()
		return nil, err
	}
	forum, err := store.SeedForum(ctx)
	if err != nil {
		store.Close()
		return nil, err
	}
	created = append(created, forum...)
	for _, what := range created {
		log.Info("seeded", "what", what)
	}
	return store, nil
}

// newHub builds the hub on an open store.
func newHub(c *config, store *db.Store, log *slog.Logger) (*hub, error) {
	mail := newMailWorker(c, store, log.With("component", "mail"))
	site, err := portal.New(portal.Config{BaseURL: c.BaseURL, DataDir: c.DataDir, TrustedProxies: c.TrustedProxies,
		Mail: c.SMTP != nil, MailQueued: mail.Wake}, store, log.With("component", "portal"))
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := store.Ping(ctx); err != nil {
			log.Error("health check failed", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "database unavailable")
			return
		}
		fmt.Fprintln(w, "ok")
	})
	if err := mountFeeds(mux, c, store, log.With("component", "feeds")); err != nil {
		return nil, err
	}
	fed, err := mountFederation(mux, c, store, site, log.With("component", "federation"))
	if err != nil {
		return nil, err
	}
	mux.Handle("/", site)
	watch := func(ctx context.Context) error { return store.WatchChanges(ctx, c.DatabaseURL, log) }
	return &hub{store: store, handler: checkInput(mux), background: []func(context.Context) error{fed, watch, mail.Run}}, nil
}

// newMailWorker returns the worker that sends queued e-mail: through the
// configured SMTP server, or into the log when there is none.
func newMailWorker(c *config, store *db.Store, log *slog.Logger) *mailer.Worker {
	var sender mailer.Sender = mailer.NewLog(log)
	if c.SMTP != nil {
		sender = mailer.NewSMTP(c.SMTP, c.MailFrom)
	}
	return mailer.NewWorker(store, sender, log)
}

func serveCommand(ctx context.Context, args []string, e env) error {
	cmd := newCommand("serve", e)
	c, err := cmd.parse(args)
	if err != nil {
		return err
	}
	log := newLogger(c, e.stderr)
	store, err := open(ctx, c, log)
	if err != nil {
		return err
	}
	defer store.Close()
	h, err := newHub(c, store, log)
	if err != nil {
		return err
	}
	if n, err := store.CountUsers(ctx, db.RoleAdmin); err == nil && n == 0 {
		log.Warn("there is no admin account yet; create the first one with: ./hub user create --email YOU@EXAMPLE.ORG --role admin (after go build -o hub ./cmd/hub, or with go run ./cmd/hub in its place)")
	}

	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return fmt.Errorf("HUB_LISTEN: cannot listen on %s: %w", c.Listen, err)
	}
	srv := &http.Server{
		Handler:           h.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("hub listening", "addr", ln.Addr().String(), "base_url", c.BaseURL.String(), "database", store.Dialect(), "data_dir", c.DataDir)
	if c.SMTP != nil {
		log.Info("e-mail goes through SMTP", "smtp", c.SMTP.String(), "from", c.MailFrom.String())
	} else {
		log.Info("no SMTP server configured (HUB_SMTP_URL): e-mail is written to this log instead of sent")
	}
	if e.ready != nil {
		e.ready(ln.Addr().String())
	}
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, work := range h.background {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := work(bgCtx); err != nil {
				log.Error("background work stopped", "err", err)
			}
		}()
	}
	defer func() { stopBackground(); wg.Wait() }()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

func migrateCommand(ctx context.Context, args []string, e env) error {
	cmd := newCommand("migrate", e)
	c, err := cmd.parse(args)
	if err != nil {
		return err
	}
	store, err := open(ctx, c, newLogger(c, e.stderr))
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Fprintln(e.stdout, "database is up to date")
	return nil
}
