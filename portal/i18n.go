package portal

import (
	"embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bgimigranti/hub/db"
)

//go:embed locales/*.json
var localeFiles embed.FS

// catalog is one language's interface strings, by key.
type catalog map[string]string

// loadCatalogs reads locales/LANG.json for every interface language.
func loadCatalogs() (map[db.Lang]catalog, error) {
	out := map[db.Lang]catalog{}
	for _, l := range db.InterfaceLangs {
		b, err := localeFiles.ReadFile("locales/" + string(l) + ".json")
		if err != nil {
			return nil, fmt.Errorf("portal: locale %s: %w", l, err)
		}
		c := catalog{}
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("portal: locale %s: %w", l, err)
		}
		out[l] = c
	}
	return out, nil
}

// T returns the string for key, formatted with args when there are any. A
// missing key shows as itself in brackets, so that it is visible in a page
// and caught by the catalogue test rather than silently blank.
func (c catalog) T(key string, args ...any) string {
	s, ok := c[key]
	if !ok || s == "" {
		return "[" + key + "]"
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Date formats a day as people write it in the language: "24 ноември 2026 г."
// or "24 November 2026".
func (c catalog) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return c.T("date.format", t.Day(), c.T(fmt.Sprintf("month.%d", int(t.Month()))), t.Year())
}
