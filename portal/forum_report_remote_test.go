package portal

import (
	"context"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// TestForumRemoteReport: a report a remote actor sent over federation (a
// Flag) shows in the moderators' queue with the reporter as @user@host,
// linked to their page.
func TestForumRemoteReport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		fh := newForumHub(t, s)
		ctx := context.Background()
		ana := fh.user("ana@example.org", "Ana", db.RoleMember, 0)
		admin := fh.user("admin@example.org", "Admin", db.RoleAdmin, 0)
		_, p := fh.thread("questions", ana, db.EN, "Cheap watches", "Buy cheap watches")
		maria := &db.Actor{URI: "https://social.example/users/maria", Type: db.ActorPerson, Handle: "maria", Host: "social.example", URL: "https://social.example/@maria"}
		if err := s.SaveRemoteActor(ctx, maria); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateForumReport(ctx, &db.ForumReport{PostID: p.ID, ReporterActorID: maria.ID, Reason: "Spam from afar",
			APID: "https://social.example/flags/1"}); err != nil {
			t.Fatal(err)
		}
		resp, body := fh.get(fh.client(admin.Email), "/en/forum/reports")
		wantStatus(t, "the report queue", resp, 200)
		mustContain(t, "the report queue", body, "Spam from afar", "Buy cheap watches",
			`Reported by <a href="https://social.example/@maria" rel="external nofollow" class="author">maria</a> <span class="meta handle">@maria@social.example</span>`)
	})
}
