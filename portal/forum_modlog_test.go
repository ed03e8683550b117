package portal

import (
	"net/url"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// TestForumModlog: each moderation action through the forum's forms lands
// in the public moderation log, newest first, with the moderator's name; a
// visitor reads it in both languages, and a hidden thread's title is not
// shown there.
func TestForumModlog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		ana := fh.user("ana@example.org", "Ана", db.RoleMember, 0)
		fh.user("admin@example.org", "Админ Иванов", db.RoleAdmin, 0)
		mod := fh.client("admin@example.org")
		open, _ := fh.thread("questions", ana, db.BG, "Открита тема", "Здравейте")
		secret, _ := fh.thread("questions", ana, db.BG, "Тайна тема", "Нещо")
		reply := fh.reply(open, ana, db.EN, "spam", 0)

		visitor := fh.client("")
		_, body := fh.get(visitor, "/en/forum/modlog")
		mustContain(t, "the empty log", body, "No moderation actions yet.")
		resp, _ := fh.post(mod, "/en/forum/threads/"+itoa(secret.ID)+"/moderate", url.Values{"action": {"pin"}})
		wantStatus(t, "the first moderation", resp, 303)
		fh.queries.Reset()
		fh.get(fh.client(""), "/bg/forum/modlog?page=1")
		oneEntry := fh.queries.Count()

		for _, step := range []struct {
			path   string
			values url.Values
		}{
			{"/en/forum/threads/" + itoa(open.ID) + "/moderate", url.Values{"action": {"pin"}}},
			{"/en/forum/threads/" + itoa(open.ID) + "/moderate", url.Values{"action": {"lock"}}},
			{"/en/forum/posts/" + itoa(reply.ID) + "/moderate", url.Values{"action": {"hide"}}},
			{"/en/forum/threads/" + itoa(open.ID) + "/moderate", url.Values{"action": {"move"}, "category": {"good-practice"}}},
			{"/en/forum/threads/" + itoa(secret.ID) + "/moderate", url.Values{"action": {"hide"}}},
		} {
			resp, _ := fh.post(mod, step.path, step.values)
			wantStatus(t, "moderation "+step.values.Get("action"), resp, 303)
		}
		fh.queries.Reset()
		fh.get(fh.client(""), "/bg/forum/modlog?page=1")
		if n := fh.queries.Count(); n != oneEntry {
			t.Errorf("the log costs %d queries with 6 entries and %d with 1, want the same", n, oneEntry)
		}
		_, body = fh.get(visitor, "/en/forum/modlog")
		rows := strings.Split(body, "<tr>")
		if len(rows) != 8 { // the head's row, six entries, and what precedes the table
			t.Fatalf("the log has %d rows, want 6 entries:\n%s", len(rows)-2, body)
		}
		for i, want := range []string{"hid the thread", "moved the thread to “Sharing good practice”", "hid a post", "locked the thread", "pinned the thread"} {
			if !strings.Contains(rows[i+2], want) || !strings.Contains(rows[i+2], "Админ Иванов") {
				t.Errorf("entry %d reads %q, want %q by the moderator", i+1, rows[i+2], want)
			}
		}
		mustContain(t, "the log", body, "Открита тема", "(a hidden thread)")
		lacks(t, "the log", body, "Тайна тема")
		_, body = fh.get(visitor, "/bg/forum/modlog")
		mustContain(t, "the log in Bulgarian", body, "Дневник на модерацията", "заключи темата", "скри мнение", "премести темата в „Обмен на добри практики“")
		_, body = fh.get(visitor, "/en/forum")
		mustContain(t, "the forum's index", body, `href="/en/forum/modlog"`)
	})
}
