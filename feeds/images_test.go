package feeds

import (
	"context"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// TestFeedImages: an organisation's feeds carry its logo where the format
// has a place (Atom icon and logo, RSS image, JSON Feed icon and author
// avatars); the site's feeds carry the hub's logo.
func TestFeedImages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		x := newHub(t, s)
		logo := &db.Media{SHA256: strings.Repeat("c", 64), ContentType: "image/png", Size: 10}
		banner := &db.Media{SHA256: strings.Repeat("d", 64), ContentType: "image/png", Size: 10}
		hubLogo := &db.Media{SHA256: strings.Repeat("e", 64), ContentType: "image/png", Size: 10}
		for _, m := range []*db.Media{logo, banner, hubLogo} {
			if err := s.SaveMedia(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetOrganisationImages(ctx, x.org.ID, logo.ID, banner.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.SetHubImages(ctx, db.HubImages{LogoMediaID: hubLogo.ID}); err != nil {
			t.Fatal(err)
		}
		logoURL := testBase + db.MediaPath(logo.ID, "thumb")
		bannerURL := testBase + db.MediaPath(banner.ID, "medium")
		hubURL := testBase + db.MediaPath(hubLogo.ID, "thumb")
		for _, lang := range db.InterfaceLangs {
			org := x.feed(db.OrganisationFeedPath(lang, x.org.Handle, db.FeedAtom), db.FeedAtom)
			if org.Image == nil || org.Image.URL != bannerURL {
				t.Errorf("Atom logo of the organisation in %s = %+v; want %s", lang, org.Image, bannerURL)
			}
			if !strings.Contains(string(org.body), "<icon>"+logoURL+"</icon>") {
				t.Errorf("Atom feed of the organisation in %s has no icon %s", lang, logoURL)
			}
			rss := x.feed(db.OrganisationFeedPath(lang, x.org.Handle, db.FeedRSS), db.FeedRSS)
			if rss.Image == nil || rss.Image.URL != logoURL {
				t.Errorf("RSS image of the organisation in %s = %+v; want %s", lang, rss.Image, logoURL)
			}
			js := x.feed(db.OrganisationFeedPath(lang, x.org.Handle, db.FeedJSON), db.FeedJSON)
			if !strings.Contains(string(js.body), `"icon": "`+logoURL+`"`) || !strings.Contains(string(js.body), `"avatar": "`+logoURL+`"`) {
				t.Errorf("JSON Feed of the organisation in %s lacks icon or avatar %s:\n%s", lang, logoURL, js.body)
			}
			site := x.feed(db.SiteFeedPath(lang, db.FeedRSS), db.FeedRSS)
			if site.Image == nil || site.Image.URL != hubURL {
				t.Errorf("RSS image of the site in %s = %+v; want the hub's logo %s", lang, site.Image, hubURL)
			}
		}
	})
}
