package portal

import (
	"context"
	"net/http"
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
