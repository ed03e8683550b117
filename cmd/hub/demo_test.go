package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

func TestDemoLoadsOnceWithEveryKind(t *testing.T) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			dataDir := t.TempDir()
			vars := map[string]string{"HUB_DATA_DIR": dataDir, "HUB_DATABASE_URL": dbtest.DSN(t, d)}
			e, out, errb := testEnv(vars, "")
			if err := demoCommand(ctx, nil, e); err != nil {
				t.Fatalf("demo: %v\n%s", err, errb)
			}
			if !strings.Contains(out.String(), "loaded the demo dataset: 5 organisations") {
				t.Errorf("demo output: %q", out)
			}
			store, err := db.Open(ctx, vars["HUB_DATABASE_URL"])
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			count := func() (orgs, items int) {
				list, err := store.Organisations(ctx, db.OrgQuery{})
				if err != nil {
					t.Fatal(err)
				}
				n, err := store.CountItems(ctx, db.ItemQuery{Status: db.AnyStatus})
				if err != nil {
					t.Fatal(err)
				}
				return len(list), n
			}
			orgs, items := count()
			if orgs != 5 || items < 16 {
				t.Errorf("after demo: %d organisations, %d items", orgs, items)
			}
			for _, k := range db.Kinds() {
				n, _ := store.CountItems(ctx, db.ItemQuery{Kinds: []db.Kind{k}})
				if n < 1 {
					t.Errorf("the demo has no published %s", k)
				}
			}
			up, _ := store.CountItems(ctx, db.ItemQuery{Kinds: []db.Kind{db.Event}, Upcoming: true})
			past, _ := store.CountItems(ctx, db.ItemQuery{Kinds: []db.Kind{db.Event}, Past: true})
			if up < 2 || past < 1 {
				t.Errorf("demo events: %d upcoming, %d past", up, past)
			}
			onlyEN, _ := store.CountItems(ctx, db.ItemQuery{Lang: db.EN})
			onlyBG, _ := store.CountItems(ctx, db.ItemQuery{Lang: db.BG})
			if onlyEN == items || onlyBG == items {
				t.Errorf("every demo item is in both languages (%d EN, %d BG of %d)", onlyEN, onlyBG, items)
			}
			all, err := store.Items(ctx, db.ItemQuery{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			var gallery *db.Item
			for _, it := range all {
				for _, tx := range it.Texts() {
					if !strings.HasPrefix(tx.Title, "[Demo] ") && !strings.HasPrefix(tx.Title, "[Демо] ") {
						t.Errorf("demo title %q is not labelled", tx.Title)
					}
				}
				if it.Kind == db.Gallery && gallery == nil { // the newest, the seminar in Haskovo
					gallery = it
				}
			}
			media, err := store.ItemMediaList(ctx, gallery.ID)
			if err != nil || len(media) < 3 {
				t.Fatalf("gallery media: %d, %v", len(media), err)
			}
			for _, m := range media {
				files := []string{db.MediaFile(dataDir, m.SHA256)}
				if strings.HasPrefix(m.ContentType, "image/") {
					files = append(files, files[0]+"-thumb.jpg", files[0]+"-medium.jpg")
					if len(m.Translations) == 0 || m.Translations[0].Alt == "" {
						t.Errorf("demo image %d has no alt text", m.ID)
					}
				}
				for _, f := range files {
					if _, err := os.Stat(f); err != nil {
						t.Errorf("demo media file: %v", err)
					}
				}
			}

			// Again: nothing changes.
			e, out, _ = testEnv(vars, "")
			if err := demoCommand(ctx, nil, e); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "already loaded") {
				t.Errorf("second demo output: %q", out)
			}
			if o2, i2 := count(); o2 != orgs || i2 != items {
				t.Errorf("second run: %d organisations, %d items; want %d, %d", o2, i2, orgs, items)
			}
		})
	}
}
