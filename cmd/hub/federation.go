package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/federation"
	"github.com/bgimigranti/hub/portal"
)

// newFederation builds the federation handler for the configuration.
func newFederation(c *config, store *db.Store, site http.Handler, log *slog.Logger) (*federation.Handler, error) {
	return federation.New(federation.Config{
		BaseURL:              c.BaseURL,
		Site:                 site,
		AllowPrivateNetworks: c.AllowPrivateNetworks,
		SignedFetchOnly:      c.SignedFetchOnly,
		HubName:              siteNames,
		// Partners' logos and banners go through the portal's image
		// checks and resizing (federation does not import portal).
		Images: &portal.Images{Store: store, DataDir: c.DataDir},
	}, store, log)
}

// mountFederation adds the ActivityPub endpoints to mux. site is the portal,
// to which requests for the same URLs without an ActivityPub Accept header
// go. It returns the background work (delivery workers) that serve runs
// until shutdown.
func mountFederation(mux *http.ServeMux, c *config, store *db.Store, site http.Handler, log *slog.Logger) (func(context.Context) error, error) {
	h, err := newFederation(c, store, site, log)
	if err != nil {
		return nil, err
	}
	h.Mount(mux)
	return h.Run, nil
}

// partnerDrainTime bounds how long a partner command waits to deliver the
// Follow it queued; whatever is left, the running server delivers.
const partnerDrainTime = 30 * time.Second

// partnerAddCommand is `hub partner add TARGET…`: follow a partner instance
// (its bare URL: the hub follows its instance actor and every organisation
// it lists), an organisation (handle@host) or any actor (its URL). Each
// followed actor is stored and listed in the directory; the Follow is
// delivered at once if possible, else by the running server.
func partnerAddCommand(ctx context.Context, args []string, e env) error {
	return partnerCommand(ctx, "partner add", args, e, func(ctx context.Context, h *federation.Handler, target string) ([]string, error) {
		return h.Follow(ctx, target)
	})
}

// partnerRemoveCommand is `hub partner remove TARGET…`: stop following what
// partner add followed (an instance's bare URL stops following everything
// on that host).
func partnerRemoveCommand(ctx context.Context, args []string, e env) error {
	return partnerCommand(ctx, "partner remove", args, e, func(ctx context.Context, h *federation.Handler, target string) ([]string, error) {
		return h.Unfollow(ctx, target)
	})
}

func partnerCommand(ctx context.Context, name string, args []string, e env, do func(context.Context, *federation.Handler, string) ([]string, error)) error {
	cmd := newCommand(name, e)
	fs := cmd.fs
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: hub %s [FLAGS] HANDLE@HOST|URL…\n", name)
		fs.PrintDefaults()
	}
	c, err := cmd.parse(args)
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	log := newLogger(c, e.stderr)
	store, err := open(ctx, c, log)
	if err != nil {
		return err
	}
	defer store.Close()
	h, err := newFederation(c, store, http.NotFoundHandler(), log.With("component", "federation"))
	if err != nil {
		return err
	}
	var errs []error
	for _, target := range fs.Args() {
		actors, err := do(ctx, h, target)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", target, err))
			continue
		}
		for _, a := range actors {
			fmt.Fprintf(e.stdout, "%s: %s\n", name, a)
		}
		if len(actors) == 0 {
			fmt.Fprintf(e.stdout, "%s: nothing to do for %s\n", name, target)
		}
	}
	dctx, cancel := context.WithTimeout(ctx, partnerDrainTime)
	defer cancel()
	if err := h.Drain(dctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// partnerListCommand is `hub partner list`: what the hub follows and where
// each follow stands, with the health of deliveries to each host.
func partnerListCommand(ctx context.Context, args []string, e env) error {
	cmd := newCommand("partner list", e)
	c, err := cmd.parse(args)
	if err != nil {
		return err
	}
	store, err := open(ctx, c, newLogger(c, io.Discard))
	if err != nil {
		return err
	}
	defer store.Close()
	follows, err := store.Followings(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTOR\tSTATE\tPENDING\tFAILED\tLAST ACTIVITY")
	for _, f := range follows {
		if f.Followee == nil {
			continue
		}
		pending, _ := store.CountDeliveries(ctx, db.DeliveryPending, f.Followee.Host)
		failed, _ := store.CountDeliveries(ctx, db.DeliveryFailed, f.Followee.Host)
		last, _ := store.LastActivityFrom(ctx, f.Followee.Host)
		when := "-"
		if !last.IsZero() {
			when = last.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", f.Followee.URI, f.State, pending, failed, when)
	}
	return tw.Flush()
}
