package portal

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// TestForumInSearchAndFeeds checks that search finds visible forum posts
// (never hidden ones) and links their permalinks, that forum category and
// thread pages announce their feeds, and that the feed list names them.
func TestForumInSearchAndFeeds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		ana := fh.user("ana@example.org", "Ана", db.RoleMember, 0)
		var handle string
		for h := range fh.cats {
			handle = h
			break
		}
		th, first := fh.thread(handle, ana, db.BG, "Подновяване на виза", "Кога се подава молбата")
		reply := fh.reply(th, ana, "uk", "Дякую, zaporozhets", 0)
		hidden := fh.reply(th, ana, db.EN, "Zaporozhets spam", 0)
		if err := s.SetForumPostHidden(context.Background(), hidden.ID, true); err != nil {
			t.Fatal(err)
		}
		visitor := fh.client("")

		_, out := fh.get(visitor, "/en/search?q="+url.QueryEscape("zaporozhets"))
		for _, want := range []string{
			`href="/en/forum/posts/` + itoa(reply.ID) + `"`,
			"Forum post · In Language code UK",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("search page lacks %q:\n%s", want, out)
			}
		}
		lacks(t, "search page", out, "/en/forum/posts/"+itoa(hidden.ID), "spam")
		_, out = fh.get(visitor, "/bg/search?q="+url.QueryEscape("виза"))
		if !strings.Contains(out, `href="/bg/forum/posts/`+itoa(first.ID)+`"`) || !strings.Contains(out, "Публикация във форума") {
			t.Errorf("a thread's title does not find its opening post:\n%s", out)
		}

		for _, lang := range db.InterfaceLangs {
			l := string(lang)
			_, out = fh.get(visitor, "/"+l+"/forum/"+handle)
			for _, f := range db.FeedFormats() {
				if want := `href="https://hub.example.org` + db.ForumCategoryFeedPath(lang, handle, f) + `"`; !strings.Contains(out, want) {
					t.Errorf("%s category page does not announce %s", l, want)
				}
			}
			_, out = fh.get(visitor, "/"+l+"/forum/"+handle+"/"+itoa(th.ID))
			for _, f := range db.FeedFormats() {
				if want := `href="https://hub.example.org` + db.ForumThreadFeedPath(lang, th.ID, f) + `"`; !strings.Contains(out, want) {
					t.Errorf("%s thread page does not announce %s", l, want)
				}
			}
			_, out = fh.get(visitor, "/"+l+"/forum")
			lacks(t, l+" forum index", out, "/feeds/forum/")
			_, out = fh.get(visitor, "/"+l+"/feeds")
			for h := range fh.cats {
				if want := `href="https://hub.example.org` + db.ForumCategoryFeedPath(lang, h, db.FeedAtom) + `"`; !strings.Contains(out, want) {
					t.Errorf("%s feed list lacks %s", l, want)
				}
			}
		}
	})
}
