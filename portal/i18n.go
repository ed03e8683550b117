package portal

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"time"

	"github.com/bgimigranti/hub/db"
)

//go:embed locales
var localeFiles embed.FS

// catalog is one language's interface strings, by key.
type catalog map[string]string

// loadCatalogs reads and merges locales/LANG/*.json for every interface
// language. Each area of the site keeps its own file; a key defined in two
// files is an error.
func loadCatalogs() (map[db.Lang]catalog, error) {
	out := map[db.Lang]catalog{}
	for _, l := range db.InterfaceLangs {
		files, err := fs.Glob(localeFiles, "locales/"+string(l)+"/*.json")
		if err != nil || len(files) == 0 {
			return nil, fmt.Errorf("portal: no locale files for %s", l)
		}
		c := catalog{}
		for _, f := range files {
			b, err := localeFiles.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("portal: %s: %w", f, err)
			}
			part := map[string]string{}
			if err := json.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("portal: %s: %w", f, err)
			}
			for k, v := range part {
				if _, dup := c[k]; dup {
					return nil, fmt.Errorf("portal: %s: key %q is defined in another file too", f, k)
				}
				c[k] = v
			}
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
