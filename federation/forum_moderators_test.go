package federation

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/bgimigranti/hub/db"
)

// TestForumModeratorsFederate: a category's Group names its moderators
// (attributedTo → a collection of the admins' Person actors, as Lemmy
// reads it); a moderator's lock and hide go out as the moderator's own
// Lock and Delete, announced by the Group, which a Lemmy-shaped follower
// can check against that collection.
func TestForumModeratorsFederate(t *testing.T) {
	each(t, func(t *testing.T, d db.Dialect) {
		ctx := context.Background()
		clock := newClock()
		hub := newTestHub(t, d, clock)
		f := hub.forumFixture()
		lemmy := newFakePeer(t, false, clock)
		follow := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": lemmy.srv.URL + "/follows/1",
			"type": "Follow", "actor": lemmy.actorID(), "object": f.groupURI}
		if st := lemmy.send(f.groupURI+"/inbox", follow); st != http.StatusAccepted {
			t.Fatalf("follow: %d", st)
		}
		hub.drain()
		admin, err := hub.store.CreateUser(ctx, db.NewUser{Email: "admin@example.org", Name: "Admin", Password: "correct horse battery", Role: db.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}

		// The moderator locks the thread and hides a post, through the log.
		if err := hub.store.Moderate(ctx, db.ForumModAction{UserID: admin.ID, Action: db.ModLock, ThreadID: f.thread.ID},
			func(tx *db.Store) error { return tx.SetThreadLocked(ctx, f.thread.ID, true) }); err != nil {
			t.Fatal(err)
		}
		if err := hub.store.Moderate(ctx, db.ForumModAction{UserID: admin.ID, Action: db.ModHide, ThreadID: f.thread.ID, PostID: f.reply.ID},
			func(tx *db.Store) error { return tx.SetForumPostHidden(ctx, f.reply.ID, true) }); err != nil {
			t.Fatal(err)
		}
		hub.drain()
		prof, err := hub.store.ForumProfile(ctx, admin.ID)
		if err != nil {
			t.Fatalf("the moderator has no forum handle: %v", err)
		}
		modURI := hub.h.actorURI(prof.Handle)

		// The Group names its moderators.
		st, _, body := get(t, f.groupURI, "application/activity+json")
		if g := decode(t, body); st != http.StatusOK || str(g, "attributedTo") != f.groupURI+"/moderators" {
			t.Fatalf("group: %d attributedTo %v", st, g["attributedTo"])
		}
		st, _, body = get(t, f.groupURI+"/moderators?page=1", "application/activity+json")
		if mods := idsOf(decode(t, body)["orderedItems"]); st != http.StatusOK || !slices.Equal(mods, []string{modURI}) {
			t.Errorf("moderators: %d %v, want [%s]", st, mods, modURI)
		}
		if st, _, _ := get(t, modURI, "application/activity+json"); st != http.StatusOK {
			t.Errorf("the moderator's actor answers %d", st)
		}

		var lock, del map[string]any
		for _, a := range lemmy.activities("Announce") {
			if idOf(a.doc["actor"]) != f.groupURI {
				continue
			}
			switch in := objOf(a.doc["object"]); typeOf(in) {
			case "Lock":
				lock = in
			case "Delete":
				del = in
			}
		}
		if lock == nil || idOf(lock["actor"]) != modURI || idOf(lock["object"]) != hub.h.threadURI(f.thread.ID) {
			t.Errorf("the announced Lock: %v", lock)
		}
		if del == nil || idOf(del["actor"]) != modURI || idOf(objOf(del["object"])["id"]) != hub.h.postURI(f.reply.ID) {
			t.Errorf("the announced Delete: %v", del)
		}
		for _, typ := range []string{"Lock", "Delete"} {
			for _, a := range lemmy.activities(typ) {
				if idOf(a.doc["actor"]) == f.groupURI {
					t.Errorf("the Group also sent its own %s: %v", typ, a.doc)
				}
			}
		}
	})
}
