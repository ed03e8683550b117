package portal

import (
	"net/http"

	"github.com/bgimigranti/hub/db"
)

// sectionRoutes adds the public sections under the language prefix p: item
// listings and pages, the directory of organisations and search.
func (h *Handler) sectionRoutes(m *http.ServeMux, lang db.Lang, p string) {}
