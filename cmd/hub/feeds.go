package main

import (
	"log/slog"
	"net/http"
	// Calendars write times in each event's own zone, which needs the time
	// zone database even on hosts without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/feeds"
)

// siteNames is the hub's name in each language, as feeds title themselves;
// the portal's catalogues (site.name) say the same.
var siteNames = map[db.Lang]string{
	db.BG: "bgimigranti хъб",
	db.EN: "bgimigranti hub",
}

// mountFeeds adds the RSS, Atom, JSON Feed, iCalendar and OPML endpoints to
// mux, one pattern per route and language (see docs/feeds.md).
func mountFeeds(mux *http.ServeMux, c *config, store *db.Store, log *slog.Logger) error {
	h := feeds.New(feeds.Config{BaseURL: c.BaseURL, SiteName: siteNames}, store, log)
	for _, p := range h.Patterns() {
		mux.Handle(p, h)
	}
	return nil
}
