package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
	"github.com/bgimigranti/hub/portal"
)

// TestPartnerOrganisationLogo runs two whole hubs on loopback, on SQLite
// and PostgreSQL. The partner's organisation has a city, a country and a
// logo; after `hub partner add`, the hub's directory shows all three in
// both languages, the logo served from the hub's own storage.
func TestPartnerOrganisationLogo(t *testing.T) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		name := map[db.Dialect]string{db.SQLite: "sqlite", db.Postgres: "postgres"}[d]
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			partnerSrv, partner, partnerVars := startHub(t, map[string]string{"HUB_ALLOW_PRIVATE_NETWORKS": "true", "HUB_DATABASE_URL": dbtest.DSN(t, d)})
			hubSrv, local, vars := startHub(t, map[string]string{"HUB_ALLOW_PRIVATE_NETWORKS": "true", "HUB_DATABASE_URL": dbtest.DSN(t, d)})
			runWorkers(t, partner)
			runWorkers(t, local)

			o := &db.Organisation{Handle: "ic-stara-zagora", Kind: db.OrgNGO, Country: "BG", City: "Стара Загора"}
			o.SetTexts(db.Text{Lang: db.BG, Title: "Център Стара Загора"}, db.Text{Lang: db.EN, Title: "Stara Zagora Centre"})
			if err := partner.store.CreateOrganisation(ctx, o); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(pngFile(t))
			if err != nil {
				t.Fatal(err)
			}
			m, err := portal.SaveUpload(ctx, partner.store, partnerVars["HUB_DATA_DIR"], portal.Upload{Name: "logo.png", Data: data})
			if err != nil {
				t.Fatal(err)
			}
			if err := partner.store.SetOrganisationImages(ctx, o.ID, m.ID, 0); err != nil {
				t.Fatal(err)
			}

			e, _, errb := testEnv(vars, "")
			if err := partnerAddCommand(ctx, []string{"ic-stara-zagora@" + strings.TrimPrefix(partnerSrv.URL, "http://")}, e); err != nil {
				t.Fatalf("partner add: %v\n%s", err, errb)
			}
			var copy *db.Organisation
			waitFor(t, "the partner's logo to be fetched", func() bool {
				copy, err = local.store.OrganisationByActor(ctx, partnerSrv.URL+"/actors/ic-stara-zagora")
				return err == nil && copy.LogoMediaID != 0
			})
			logo := db.MediaPath(copy.LogoMediaID, "thumb")
			for lang, country := range map[string]string{"bg": "България", "en": "Bulgaria"} {
				for _, p := range []string{"/organisations", "/organisations/" + copy.Handle} {
					body := getBody(t, hubSrv.URL+"/"+lang+p)
					for _, want := range []string{"Стара Загора", country, `src="` + logo + `"`} {
						if !strings.Contains(body, want) {
							t.Errorf("%s%s on the hub lacks %q", lang, p, want)
						}
					}
				}
			}
			resp, err := http.Get(hubSrv.URL + logo)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
				t.Errorf("GET %s on the hub = %d %s", logo, resp.StatusCode, resp.Header.Get("Content-Type"))
			}

			// An item of the partner's with an image: the hub shows its own
			// copy, and drops it when the partner deletes the item.
			photo, err := portal.SaveUpload(ctx, partner.store, partnerVars["HUB_DATA_DIR"], portal.Upload{Name: "photo.png", Data: data,
				Texts: []db.MediaTranslation{{Lang: db.BG, Alt: "Зала"}, {Lang: db.EN, Alt: "A hall"}}})
			if err != nil {
				t.Fatal(err)
			}
			// A draft first, published once its image is attached: the
			// worker wakes at the commit and would otherwise send the
			// item before the image is set, as the editor's form never does.
			it := &db.Item{Kind: db.News, OrganisationID: o.ID, Status: db.Draft, PrimaryLang: db.BG}
			it.SetTexts(db.Text{Lang: db.BG, Title: "Новина", BodyHTML: "<p>Текст.</p>"}, db.Text{Lang: db.EN, Title: "News", BodyHTML: "<p>Text.</p>"})
			if err := partner.store.CreateItem(ctx, it); err != nil {
				t.Fatal(err)
			}
			if err := partner.store.SetItemMedia(ctx, it.ID, []int64{photo.ID}); err != nil {
				t.Fatal(err)
			}
			if err := partner.store.SetItemStatus(ctx, it.ID, db.Published); err != nil {
				t.Fatal(err)
			}
			apid := partnerSrv.URL + it.ObjectPath()
			var files []*db.Media
			waitFor(t, "the partner's item and its image", func() bool {
				got, err := local.store.ItemByAPID(ctx, apid)
				if err != nil {
					return false
				}
				files, _ = local.store.ItemMediaList(ctx, got.ID)
				return len(files) == 1
			})
			got, _ := local.store.ItemByAPID(ctx, apid)
			for lang, alt := range map[db.Lang]string{db.BG: "Зала", db.EN: "A hall"} {
				body := getBody(t, hubSrv.URL+got.PagePath(lang))
				if !strings.Contains(body, fmt.Sprintf(`src="/media/%d/`, files[0].ID)) || !strings.Contains(body, `alt="`+alt+`"`) {
					t.Errorf("the item's page in %s does not show the hub's copy /media/%d with alt %q", lang, files[0].ID, alt)
				}
				if strings.Contains(body, partnerSrv.URL+"/media/") {
					t.Errorf("the item's page in %s links the partner's image", lang)
				}
			}
			copyPath := db.MediaFile(vars["HUB_DATA_DIR"], files[0].SHA256)
			if _, err := os.Stat(copyPath + "-thumb.jpg"); err != nil {
				t.Errorf("no thumbnail of the copy: %v", err)
			}
			if err := partner.store.DeleteItem(ctx, it.ID); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the copy to go with the item", func() bool {
				_, err := local.store.Media(ctx, files[0].ID)
				return err != nil
			})
			waitFor(t, "the copy's files to go", func() bool {
				_, err := os.Stat(copyPath)
				return err != nil
			})
		})
	}
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Errorf("GET %s = %d", url, resp.StatusCode)
	}
	return string(b)
}
