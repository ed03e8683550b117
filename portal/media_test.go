package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// TestDraftMediaIsPrivate follows an image from a draft (its file is not
// found for visitors and other organisations' editors, and no cache keeps
// it) through publishing (public and cacheable) to hiding (private again).
func TestDraftMediaIsPrivate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		a := newAccHub(t, s)
		ruse := mkOrg(t, s, "ic-ruse", "ИЦ Русе", "IC Ruse")
		varna := mkOrg(t, s, "ic-varna", "ИЦ Варна", "IC Varna")
		mkUser(t, s, "editor@example.org", db.RoleEditor, ruse.ID)
		mkUser(t, s, "other@example.org", db.RoleEditor, varna.ID)
		mkUser(t, s, "admin@example.org", db.RoleAdmin, 0)
		editor, other, admin, visitor := newClient(t), newClient(t), newClient(t), newClient(t)
		signIn(t, editor, a.srv.URL, "editor@example.org", testPassword)
		signIn(t, other, a.srv.URL, "other@example.org", testPassword)
		signIn(t, admin, a.srv.URL, "admin@example.org", testPassword)

		v := eventForm("draft")
		v.Set("file_alt_bg", "Участници")
		v.Set("file_alt_en", "People")
		resp, body := postMultipart(t, editor, a.srv.URL, "/bg/manage/new", v, "draft.png", testPNG(t, 300, 200))
		id := itemIDFrom(t, resp, body)
		ms, err := s.ItemMediaList(ctx, id)
		if err != nil || len(ms) != 1 {
			t.Fatalf("the draft's media: %v, %d", err, len(ms))
		}
		paths := []string{fmt.Sprintf("/media/%d", ms[0].ID), fmt.Sprintf("/media/%d/thumb", ms[0].ID), fmt.Sprintf("/media/%d/medium", ms[0].ID)}

		check := func(stage string, c *http.Client, who string, code int, cacheControl string) {
			t.Helper()
			for _, p := range paths {
				resp, _ := getPage(t, c, a.srv.URL+p)
				if resp.StatusCode != code {
					t.Errorf("%s: %s GET %s = %d, want %d", stage, who, p, resp.StatusCode, code)
				}
				if got := resp.Header.Get("Cache-Control"); got != cacheControl {
					t.Errorf("%s: %s GET %s: Cache-Control %q, want %q", stage, who, p, got, cacheControl)
				}
			}
		}
		const private, public = "private, no-store", "public, max-age=31536000, immutable"
		check("draft", visitor, "a visitor", 404, private)
		check("draft", other, "another organisation's editor", 404, private)
		check("draft", editor, "its editor", 200, private)
		check("draft", admin, "an admin", 200, private)

		v = eventForm("publish")
		v.Set(fmt.Sprintf("alt_bg_%d", ms[0].ID), "Участници")
		resp, body = postMultipart(t, editor, a.srv.URL, fmt.Sprintf("/bg/manage/items/%d", id), v, "", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish: %d\n%s", resp.StatusCode, body)
		}
		check("published", visitor, "a visitor", 200, public)
		check("published", other, "another organisation's editor", 200, public)

		resp, _ = submitForm(t, admin, a.srv.URL, fmt.Sprintf("/bg/admin/items/%d/hide", id), url.Values{})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("hide: %d", resp.StatusCode)
		}
		check("hidden", visitor, "a visitor", 404, private)
		check("hidden", editor, "its editor", 200, private)

		// A file no item uses any more is the admins' alone.
		if err := s.SetItemMedia(ctx, id, nil); err != nil {
			t.Fatal(err)
		}
		check("detached", editor, "its editor", 404, private)
		check("detached", admin, "an admin", 200, private)
	})
}
