package portal

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

func TestRepliesUnderItem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		f := newAdminFixture(t, s)
		srv := f.a.srv.URL
		author := fedRemoteActor(t, s, "social.example", "maria", "Мария <Петрова>")
		rp := &db.Reply{URI: "https://social.example/users/maria/statuses/1", ItemID: f.item.ID, ActorID: author.ID,
			InReplyTo: "https://hub.example/items/1", ContentHTML: `<p>Thank you, <strong>see you there</strong>!</p>`, Lang: db.EN}
		if err := s.SaveReply(ctx, rp); err != nil {
			t.Fatal(err)
		}
		other := &db.Reply{URI: "https://social.example/users/maria/statuses/2", ItemID: f.item.ID, ActorID: author.ID,
			InReplyTo: rp.URI, ContentHTML: `<p>A second reply</p>`}
		if err := s.SaveReply(ctx, other); err != nil {
			t.Fatal(err)
		}
		for _, lang := range db.InterfaceLangs {
			path := srv + f.item.PagePath(lang)
			cat := f.a.h.cats[lang]
			resp, body := getPage(t, f.visitorC, path)
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s = %d", path, resp.StatusCode)
			}
			mustContain(t, "replies", body, cat.T("fed.replies.title"),
				`<p>Thank you, <strong>see you there</strong>!</p>`, `<p>A second reply</p>`,
				`<a href="https://social.example/@maria" rel="nofollow ugc">Мария &lt;Петрова&gt;</a>`, "@maria@social.example",
				`lang="en"`, `id="reply-`+fmt.Sprint(rp.ID)+`"`)
			if strings.Contains(body, "/admin/replies/") {
				t.Error("a visitor sees the hide buttons")
			}
			_, body = getPage(t, f.editorC, path)
			if strings.Contains(body, "/admin/replies/") {
				t.Error("an editor sees the hide buttons")
			}
			_, body = getPage(t, f.adminC, path)
			mustContain(t, "admin view", body, fmt.Sprintf(`action="/%s/admin/replies/%d/hide"`, lang, rp.ID), cat.T("fed.reply.hide"))
		}

		// Hidden, it disappears for visitors; admins still see it, marked.
		resp, _ := submitForm(t, f.adminC, srv, fmt.Sprintf("/en/admin/replies/%d/hide", rp.ID), url.Values{"back": {f.item.PagePath(db.EN)}})
		if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), f.item.PagePath(db.EN)) {
			t.Fatalf("hide: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		for _, lang := range db.InterfaceLangs {
			path := srv + f.item.PagePath(lang)
			cat := f.a.h.cats[lang]
			_, body := getPage(t, f.visitorC, path)
			if strings.Contains(body, "see you there") {
				t.Errorf("%s: a hidden reply is shown to visitors", lang)
			}
			mustContain(t, "other reply", body, "A second reply")
			_, body = getPage(t, f.adminC, path)
			mustContain(t, "admin sees hidden", body, "see you there", `class="reply is-hidden"`, cat.T("fed.reply.hidden"),
				fmt.Sprintf(`action="/%s/admin/replies/%d/show"`, lang, rp.ID), cat.T("fed.reply.show"))
		}
		resp, _ = submitForm(t, f.adminC, srv, fmt.Sprintf("/bg/admin/replies/%d/show", rp.ID), url.Values{"back": {f.item.PagePath(db.BG)}})
		if resp.StatusCode != 303 {
			t.Fatalf("show: %d", resp.StatusCode)
		}
		_, body := getPage(t, f.visitorC, srv+f.item.PagePath(db.BG))
		mustContain(t, "shown again", body, "see you there")

		// Once every reply is hidden, the section goes for visitors.
		for _, id := range []int64{rp.ID, other.ID} {
			submitForm(t, f.adminC, srv, fmt.Sprintf("/en/admin/replies/%d/hide", id), url.Values{})
		}
		_, body = getPage(t, f.visitorC, srv+f.item.PagePath(db.EN))
		if strings.Contains(body, f.a.h.cats[db.EN].T("fed.replies.title")) {
			t.Error("the replies heading shows with every reply hidden")
		}
		if resp, _ := submitForm(t, f.adminC, srv, "/en/admin/replies/999999/hide", url.Values{}); resp.StatusCode != 404 {
			t.Errorf("hiding a missing reply: %d, want 404", resp.StatusCode)
		}
	})
}
