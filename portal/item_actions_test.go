package portal

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// TestItemPageActions: an event page links its .ics download; the "share in
// the forum" button shows to the editor of the item's organisation only,
// never to visitors (who must not make the page fail) or other editors.
func TestItemPageActions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		a := newAccHub(t, s)
		mine := &db.Organisation{Handle: "mine", Kind: db.OrgNGO}
		mine.SetTexts(db.Text{Lang: db.BG, Title: "Моята"})
		other := &db.Organisation{Handle: "other", Kind: db.OrgNGO}
		other.SetTexts(db.Text{Lang: db.BG, Title: "Друга"})
		for _, o := range []*db.Organisation{mine, other} {
			if err := s.CreateOrganisation(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		ev := &db.Item{Kind: db.Event, Status: db.Published, OrganisationID: mine.ID, StartsAt: time.Now().AddDate(0, 0, 3), TimeZone: "Europe/Sofia"}
		ev.SetTexts(db.Text{Lang: db.BG, Title: "Среща"})
		if err := s.CreateItem(ctx, ev); err != nil {
			t.Fatal(err)
		}
		mkUser(t, s, "mine@example.org", db.RoleEditor, mine.ID)
		mkUser(t, s, "other@example.org", db.RoleEditor, other.ID)
		page := a.srv.URL + ev.PagePath(db.BG)
		share := `href="/bg/forum/share?item=` + itoa(ev.ID) + `"`
		ics := `href="` + db.EventCalendarPath(db.BG, ev.ID) + `"`

		visitor := newClient(t)
		resp, body := doRequest(t, visitor, mustGet(t, page))
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, ics) || strings.Contains(body, share) {
			t.Errorf("visitor: status %d, .ics link %v, share button %v; want 200, true, false",
				resp.StatusCode, strings.Contains(body, ics), strings.Contains(body, share))
		}
		for email, want := range map[string]bool{"mine@example.org": true, "other@example.org": false} {
			c := newClient(t)
			signIn(t, c, a.srv.URL, email, testPassword)
			_, body := doRequest(t, c, mustGet(t, page))
			if got := strings.Contains(body, share); got != want {
				t.Errorf("%s sees the share button: %v, want %v", email, got, want)
			}
		}
	})
}

func mustGet(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestUnpublishedItemPages: a hidden item answers 404 to visitors and to
// other organisations' editors, and shows to its own editor and to admins
// with a banner that says so, in both languages; the admin restores it from
// the banner, and sign-in takes an admin to the administration.
func TestUnpublishedItemPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		a := newAccHub(t, s)
		var orgs []*db.Organisation
		for _, h := range []string{"mine", "other"} {
			o := &db.Organisation{Handle: h, Kind: db.OrgNGO}
			o.SetTexts(db.Text{Lang: db.BG, Title: h})
			if err := s.CreateOrganisation(ctx, o); err != nil {
				t.Fatal(err)
			}
			orgs = append(orgs, o)
		}
		news := &db.Item{Kind: db.News, Status: db.Published, OrganisationID: orgs[0].ID}
		news.SetTexts(db.Text{Lang: db.BG, Title: "Скрита новина"}, db.Text{Lang: db.EN, Title: "Hidden news"})
		if err := s.CreateItem(ctx, news); err != nil {
			t.Fatal(err)
		}
		draft := &db.Item{Kind: db.News, Status: db.Draft, OrganisationID: orgs[0].ID}
		draft.SetTexts(db.Text{Lang: db.BG, Title: "Чернова"})
		if err := s.CreateItem(ctx, draft); err != nil {
			t.Fatal(err)
		}
		if err := s.SetItemStatus(ctx, news.ID, db.Hidden); err != nil {
			t.Fatal(err)
		}
		mkUser(t, s, "mine@example.org", db.RoleEditor, orgs[0].ID)
		mkUser(t, s, "other@example.org", db.RoleEditor, orgs[1].ID)
		mkUser(t, s, "admin@example.org", db.RoleAdmin, 0)
		clients := map[string]*http.Client{"visitor": newClient(t)}
		for _, who := range []string{"mine", "other", "admin"} {
			c := newClient(t)
			signIn(t, c, a.srv.URL, who+"@example.org", testPassword)
			clients[who] = c
		}
		restore := `action="/en/admin/items/` + itoa(news.ID) + `/unhide"`
		for _, tt := range []struct {
			who, path string
			status    int
			want      []string
			restore   bool
		}{
			{"visitor", news.PagePath(db.EN), 404, nil, false},
			{"other", news.PagePath(db.EN), 404, nil, false},
			{"other", draft.PagePath(db.BG), 404, nil, false},
			{"mine", news.PagePath(db.EN), 200, []string{"An admin has hidden this item", "Hidden news"}, false},
			{"mine", draft.PagePath(db.BG), 200, []string{"Това е чернова", "Чернова"}, false},
			{"admin", news.PagePath(db.BG), 200, []string{"Администратор е скрил тази публикация", "Скрита новина"}, false},
			{"admin", news.PagePath(db.EN), 200, []string{"An admin has hidden this item", "Only admins and the editors"}, true},
		} {
			resp, body := doRequest(t, clients[tt.who], mustGet(t, a.srv.URL+tt.path))
			if resp.StatusCode != tt.status {
				t.Errorf("%s GET %s: %d, want %d", tt.who, tt.path, resp.StatusCode, tt.status)
				continue
			}
			mustContain(t, tt.who+" "+tt.path, body, tt.want...)
			if got := strings.Contains(body, restore); got != tt.restore {
				t.Errorf("%s GET %s: restore button %v, want %v", tt.who, tt.path, got, tt.restore)
			}
			if tt.status == 200 && !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
				t.Errorf("%s GET %s: Cache-Control %q, want no-store", tt.who, tt.path, resp.Header.Get("Cache-Control"))
			}
		}
		// The banner's button restores the item, and visitors see it again.
		resp, _ := submitForm(t, clients["admin"], a.srv.URL, "/en/admin/items/"+itoa(news.ID)+"/unhide", url.Values{"back": {news.PagePath(db.EN)}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != news.PagePath(db.EN) {
			t.Errorf("restore: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ := doRequest(t, clients["visitor"], mustGet(t, a.srv.URL+news.PagePath(db.EN))); resp.StatusCode != http.StatusOK {
			t.Errorf("the restored item answers %d to a visitor", resp.StatusCode)
		}

		// Lists say what they list.
		for who, want := range map[string]string{"admin": "Items on the hub and from partners", "mine": "Your items"} {
			_, body := doRequest(t, clients[who], mustGet(t, a.srv.URL+"/en/manage"))
			mustContain(t, who+"'s list of items", body, `<h2 id="list-heading">`+want+`</h2>`)
		}

		// An admin signs in to the administration, an editor to their items.
		for who, want := range map[string]string{"admin": "/bg/admin", "mine": "/bg/manage"} {
			resp, _ := submitForm(t, newClient(t), a.srv.URL, "/bg/login", url.Values{"email": {who + "@example.org"}, "password": {testPassword}})
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != want {
				t.Errorf("%s signs in: %d → %q, want %s", who, resp.StatusCode, loc, want)
			}
		}
	})
}
