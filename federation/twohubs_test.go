package federation

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
)

// each runs fn on SQLite and, when configured, PostgreSQL.
func each(t *testing.T, fn func(t *testing.T, d db.Dialect)) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		name := "sqlite"
		if d == db.Postgres {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) { fn(t, d) })
	}
}

// TestTwoHubs runs two hubs on loopback, each on its own database: B
// follows A's organisation, A accepts; an event and a news item published
// on A appear on B as remote items of the right kinds in both languages;
// an edit and a deletion follow; a reply from B arrives at A; after B
// unfollows, nothing more flows.
func TestTwoHubs(t *testing.T) {
	each(t, func(t *testing.T, d db.Dialect) {
		ctx := context.Background()
		clock := newClock()
		a := newTestHub(t, d, clock)
		b := newTestHub(t, d, clock)
		org := a.org("ic-haskovo")

		followed, err := b.h.Follow(ctx, "ic-haskovo@"+a.host)
		if err != nil {
			t.Fatal(err)
		}
		orgURI := a.h.actorURI("ic-haskovo")
		if len(followed) != 1 || followed[0] != orgURI {
			t.Fatalf("followed %v, want [%s]", followed, orgURI)
		}
		b.drain() // Follow → A
		a.drain() // Accept → B
		hubB, _ := b.store.LocalActor(ctx, b.h.hubHandle)
		target, err := b.store.ActorByURI(ctx, orgURI)
		if err != nil {
			t.Fatal(err)
		}
		f, err := b.store.FollowBetween(ctx, hubB.ID, target.ID)
		if err != nil || f.State != db.FollowAccepted {
			t.Fatalf("B's follow of A's organisation: %+v, %v; want accepted", f, err)
		}
		remoteOrg, err := b.store.OrganisationByActor(ctx, orgURI)
		if err != nil || !remoteOrg.Remote {
			t.Fatalf("A's organisation in B's directory: %+v, %v", remoteOrg, err)
		}
		if bg, exact, _ := remoteOrg.Texts().In(db.BG); !exact || bg.Title != "Информационен център ic-haskovo" {
			t.Errorf("B's directory entry in Bulgarian: %+v (exact %v)", bg, exact)
		}
		if en, exact, _ := remoteOrg.Texts().In(db.EN); !exact || en.Title != "Information centre ic-haskovo" {
			t.Errorf("B's directory entry in English: %+v (exact %v)", en, exact)
		}

		event := a.item(org, db.Event, "Среща")
		news := a.item(org, db.News, "Новина")
		a.drain()
		remoteItem := func(it *db.Item) *db.Item {
			t.Helper()
			got, err := b.store.ItemByAPID(ctx, a.h.objectURI(it))
			if err != nil {
				t.Fatalf("item %d of A on B: %v", it.ID, err)
			}
			return got
		}
		gotEvent, gotNews := remoteItem(event), remoteItem(news)
		if gotEvent.Kind != db.Event || gotNews.Kind != db.News {
			t.Errorf("kinds on B: %s and %s, want event and news", gotEvent.Kind, gotNews.Kind)
		}
		for _, it := range []*db.Item{gotEvent, gotNews} {
			if !it.Remote || it.OrganisationID != remoteOrg.ID || it.Status != db.Published {
				t.Errorf("item on B: remote %v org %d status %s", it.Remote, it.OrganisationID, it.Status)
			}
			if len(it.Translations) != 2 || !it.Texts().Has(db.BG) || !it.Texts().Has(db.EN) {
				t.Errorf("item %s on B has languages %v, want bg and en", it.APID, it.Texts().Langs())
			}
			if it.PrimaryLang != db.BG {
				t.Errorf("item %s on B: primary language %s, want bg", it.APID, it.PrimaryLang)
			}
		}
		if en, _, _ := gotNews.Texts().In(db.EN); en.Title != "Новина (en)" || en.BodyHTML != "<p>Text in English.</p>" || en.Summary != "A short description" {
			t.Errorf("news in English on B: %+v", en)
		}
		if !gotEvent.StartsAt.Equal(eventStart) || !gotEvent.EndsAt.Equal(eventStart.Add(2*time.Hour)) ||
			gotEvent.PlaceName != event.PlaceName || gotEvent.Address != event.Address ||
			gotEvent.OnlineURL != event.OnlineURL || gotEvent.TimeZone != "Europe/Sofia" {
			t.Errorf("event on B: start %v end %v place %q address %q online %q zone %q", gotEvent.StartsAt, gotEvent.EndsAt,
				gotEvent.PlaceName, gotEvent.Address, gotEvent.OnlineURL, gotEvent.TimeZone)
		}
		if want := a.h.base + news.PagePath(db.BG); gotNews.URL != want {
			t.Errorf("news URL on B: %q, want %q", gotNews.URL, want)
		}

		// An edit follows.
		news.SetTexts(
			db.Text{Lang: db.BG, Title: "Поправена новина", Summary: "Ново", BodyHTML: "<p>Нов текст.</p>"},
			db.Text{Lang: db.EN, Title: "Corrected news", Summary: "New", BodyHTML: "<p>New text.</p>"},
		)
		if err := a.store.UpdateItem(ctx, news); err != nil {
			t.Fatal(err)
		}
		a.drain()
		gotNews = remoteItem(news)
		if en, _, _ := gotNews.Texts().In(db.EN); en.Title != "Corrected news" || en.BodyHTML != "<p>New text.</p>" {
			t.Errorf("edited news on B: %+v", en)
		}

		// A deletion follows, and A answers 410 for the object.
		if err := a.store.DeleteItem(ctx, event.ID); err != nil {
			t.Fatal(err)
		}
		a.drain()
		if _, err := b.store.ItemByAPID(ctx, a.h.objectURI(event)); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("deleted event still on B: %v", err)
		}
		st, _, body := get(t, a.h.objectURI(event), contentType)
		if st != http.StatusGone || typeOf(decode(t, body)) != "Tombstone" {
			t.Errorf("GET deleted event: %d %s", st, body)
		}

		// A reply from B's user arrives at A.
		u, err := b.store.CreateUser(ctx, db.NewUser{Email: "ana@b.example", Name: "Ana", Password: "long enough password", Role: db.RoleMember})
		if err != nil {
			t.Fatal(err)
		}
		ana, err := b.h.UserActor(ctx, u.ID, "ana")
		if err != nil {
			t.Fatal(err)
		}
		replyID := ana.URI + "/notes/1"
		reply := map[string]any{
			"@context": ldContext(), "id": replyID + "/activity", "type": "Create", "actor": ana.URI,
			"to": []any{asPublic}, "cc": []any{orgURI},
			"object": map[string]any{"id": replyID, "type": "Note", "attributedTo": ana.URI, "inReplyTo": a.h.objectURI(news),
				"to": []any{asPublic}, "content": `<p>Благодаря! <a href="javascript:alert(1)">x</a></p>`,
				"contentMap": map[string]any{"bg": `<p>Благодаря! <a href="javascript:alert(1)">x</a></p>`}},
		}
		err = b.store.InTx(ctx, func(tx *db.Store) error {
			return b.h.storeOutgoing(ctx, tx, &outgoing{actor: ana, doc: reply, typ: "Create", object: replyID, public: true,
				inboxes: []string{a.h.base + "/inbox"}})
		})
		if err != nil {
			t.Fatal(err)
		}
		b.drain()
		replies, err := a.store.Replies(ctx, news.ID, false)
		if err != nil || len(replies) != 1 {
			t.Fatalf("replies on A: %v, %v; want 1", replies, err)
		}
		if r := replies[0]; r.URI != replyID || r.Actor == nil || r.Actor.URI != ana.URI || r.Lang != db.BG ||
			r.ContentHTML != `<p>Благодаря! x</p>` {
			t.Errorf("reply on A: %+v (content %q)", r, r.ContentHTML)
		}

		// B unfollows: A stops delivering to B.
		if _, err := b.h.Unfollow(ctx, orgURI); err != nil {
			t.Fatal(err)
		}
		b.drain()
		orgActor, _ := a.store.LocalActorOfOrganisation(ctx, org.ID)
		if n, _ := a.store.CountFollowers(ctx, orgActor.ID); n != 0 {
			t.Errorf("A's organisation still has %d followers after Undo", n)
		}
		late := a.item(org, db.Announcement, "Късно")
		a.drain()
		if _, err := b.store.ItemByAPID(ctx, a.h.objectURI(late)); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("item published after unfollow reached B: %v", err)
		}
		if n, _ := a.store.CountDeliveries(ctx, db.DeliveryFailed, ""); n != 0 {
			t.Errorf("%d failed deliveries on A", n)
		}
		if n, _ := b.store.CountDeliveries(ctx, db.DeliveryFailed, ""); n != 0 {
			t.Errorf("%d failed deliveries on B", n)
		}
	})
}

// TestPartnerByInstanceURL follows a partner by its bare URL: the hub
// follows the partner's instance actor and each of its organisations, and
// the partner's hub-level items arrive too.
func TestPartnerByInstanceURL(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	a := newTestHub(t, db.SQLite, clock)
	b := newTestHub(t, db.SQLite, clock)
	a.org("ic-sofia")
	a.org("ngo-varna")
	followed, err := b.h.Follow(ctx, a.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{a.h.actorURI(a.h.hubHandle), a.h.actorURI("ic-sofia"), a.h.actorURI("ngo-varna")}
	if len(followed) != len(want) {
		t.Fatalf("followed %v, want %v", followed, want)
	}
	for i := range want {
		if followed[i] != want[i] {
			t.Errorf("followed[%d] = %s, want %s", i, followed[i], want[i])
		}
	}
	b.drain()
	a.drain()
	follows, err := b.store.Followings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range follows {
		if f.State != db.FollowAccepted {
			t.Errorf("follow of %s: %s", f.Followee.URI, f.State)
		}
	}
	// An item of the hub itself (no organisation) comes from its actor.
	it := &db.Item{Kind: db.ProjectUpdate, Status: db.Published, PrimaryLang: db.EN}
	it.SetTexts(db.Text{Lang: db.EN, Title: "Project news", BodyHTML: "<p>Seminar done.</p>"})
	if err := a.store.CreateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	a.drain()
	got, err := b.store.ItemByAPID(ctx, a.h.base+"/items/"+strconv.FormatInt(it.ID, 10))
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != db.ProjectUpdate || got.PrimaryLang != db.EN {
		t.Errorf("hub item on B: kind %s lang %s", got.Kind, got.PrimaryLang)
	}
	// Removing the partner by URL unfollows everything on its host.
	gone, err := b.h.Unfollow(ctx, a.srv.URL)
	if err != nil || len(gone) != 3 {
		t.Fatalf("unfollow partner: %v, %v", gone, err)
	}
	b.drain()
	hubA, _ := a.store.LocalActor(ctx, a.h.hubHandle)
	if n, _ := a.store.CountFollowers(ctx, hubA.ID); n != 0 {
		t.Errorf("A's hub actor keeps %d followers", n)
	}
}

// TestFollowRequestsFromDatabase checks the path the admin pages take: a
// follow request row, carried out by the worker.
func TestFollowRequestsFromDatabase(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	a := newTestHub(t, db.SQLite, clock)
	b := newTestHub(t, db.SQLite, clock)
	a.org("ic-burgas")
	if _, err := b.store.RequestFollow(ctx, "ic-burgas@"+a.host, db.RequestFollow, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.RequestFollow(ctx, "nobody@127.0.0.1:1", db.RequestFollow, 0); err != nil {
		t.Fatal(err)
	}
	b.drain()
	a.drain()
	reqs, err := b.store.FollowRequests(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, r := range reqs {
		states[r.Target] = r.State
	}
	if states["ic-burgas@"+a.host] != db.RequestDone || states["nobody@127.0.0.1:1"] != db.RequestFailed {
		t.Errorf("request states: %v", states)
	}
	follows, _ := b.store.Followings(ctx)
	if len(follows) != 1 || follows[0].State != db.FollowAccepted {
		t.Errorf("follows after request: %+v", follows)
	}
}
