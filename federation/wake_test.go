package federation

import (
	"context"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// TestCommittedWorkWakesTheWorker: with the poll an hour long, what is
// committed reaches a Mastodon-shaped peer at once: the Accepts of Follows
// of an organisation and of a forum category, an item published through
// the Store (on PostgreSQL by another process's Store, heard through
// NOTIFY), a new forum thread and a reply.
func TestCommittedWorkWakesTheWorker(t *testing.T) {
	each(t, func(t *testing.T, d db.Dialect) {
		ctx := context.Background()
		clock := newClock()
		dsn := dbtest.DSN(t, d)
		store, err := db.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		hub := newTestHubOn(t, store, clock, func(c *Config) { c.Delivery.PollInterval = time.Hour })
		// The writer of items: on PostgreSQL another process's Store.
		writer := &testHub{t: t, store: store}
		if d == db.Postgres {
			other, err := db.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { other.Close() })
			writer.store = other
		}
		org := hub.org("ic-shumen")
		cat := hub.forumCategory("vaprosi")
		masto := newFakePeer(t, false, clock)

		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 2)
		go func() { done <- hub.h.Run(runCtx) }()
		go func() { done <- store.WatchChanges(runCtx, dsn, testLogger(t)) }()
		t.Cleanup(func() {
			stop()
			<-done
			<-done
		})
		time.Sleep(200 * time.Millisecond) // the first round (and LISTEN) is over

		arrives := func(what, typ string, n int, act func()) {
			t.Helper()
			start := time.Now()
			act()
			for len(masto.activities(typ)) < n {
				if time.Since(start) > 15*time.Second {
					t.Fatalf("%s: no %s after %v (the poll is an hour)", what, typ, time.Since(start))
				}
				time.Sleep(2 * time.Millisecond)
			}
			t.Logf("%s: %s delivered %v after the commit", what, typ, time.Since(start).Round(time.Millisecond))
		}
		follow := func(object string, n int) func() {
			return func() {
				masto.send(object+"/inbox", map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
					"id": masto.srv.URL + "/follows/" + string(rune('0'+n)), "type": "Follow", "actor": masto.actorID(), "object": object})
			}
		}
		arrives("follow of an organisation", "Accept", 1, follow(hub.h.actorURI("ic-shumen"), 1))
		arrives("follow of a forum category", "Accept", 2, follow(hub.h.actorURI("vaprosi"), 2))
		arrives("item published", "Create", 1, func() { writer.item(org, db.News, "Новина") })

		u, err := store.CreateUser(ctx, db.NewUser{Email: "ivan@example.org", Name: "Ivan", Password: "correct horse battery", Role: db.RoleMember})
		if err != nil {
			t.Fatal(err)
		}
		thread := &db.ForumThread{CategoryID: cat.ID, Title: "Общежитие"}
		arrives("forum thread", "Announce", 1, func() {
			first := &db.ForumPost{AuthorUserID: u.ID, Lang: db.BG, BodyMD: "Къде?", BodyHTML: "<p>Къде?</p>"}
			if err := store.CreateForumThread(ctx, thread, first); err != nil {
				t.Fatal(err)
			}
		})
		n := len(masto.activities("Announce"))
		arrives("forum reply", "Announce", n+1, func() {
			reply := &db.ForumPost{ThreadID: thread.ID, AuthorUserID: u.ID, Lang: db.BG, BodyMD: "Тук", BodyHTML: "<p>Тук</p>"}
			if err := store.CreateForumPost(ctx, reply); err != nil {
				t.Fatal(err)
			}
		})
	})
}
