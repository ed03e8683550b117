package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bgimigranti/hub/db"
)

// runWorkers runs a hub's background work (its federation worker among
// it) until the test ends.
func runWorkers(t *testing.T, h *hub) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, work := range h.background {
			go work(ctx)
		}
		<-ctx.Done()
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// TestPartnerForumJourney runs two whole hubs on loopback. The hub follows
// its partner with `hub partner add URL`, and with it the partner's forum
// categories. A thread opened on the partner shows on the hub, marked with
// its origin. A member of the hub replies to it in a browser; the reply
// travels to the partner's Group and a visitor of the partner reads it
// there, attributed to the hub's member.
func TestPartnerForumJourney(t *testing.T) {
	axe := axeSource(t)
	b := tab{t, browser(t)}
	ctx := context.Background()
	partnerSrv, partner, _ := startHub(t, private)
	hubSrv, local, vars := startHub(t, private)
	runWorkers(t, partner)
	runWorkers(t, local)
	partnerHost := strings.TrimPrefix(partnerSrv.URL, "http://")

	cat := forumCategory(t, partner.store)
	c, err := partner.store.ForumCategoryByHandle(ctx, cat)
	if err != nil {
		t.Fatal(err)
	}
	author, err := partner.store.CreateUser(ctx, db.NewUser{Email: "elena@partner.example", Name: "Елена", Password: "elena's long password", Role: db.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := local.store.CreateUser(ctx, db.NewUser{Email: "omar@hub.example", Name: "Omar", Password: "omar's long password", Role: db.RoleMember}); err != nil {
		t.Fatal(err)
	}

	e, out, errb := testEnv(vars, "")
	if err := partnerAddCommand(ctx, []string{partnerSrv.URL}, e); err != nil {
		t.Fatalf("partner add: %v\n%s", err, errb)
	}
	groupURI := partnerSrv.URL + "/actors/" + cat
	if !strings.Contains(out.String(), groupURI) {
		t.Fatalf("partner add followed:\n%s\nwant the category %s among them", out, groupURI)
	}
	remoteHandle := cat + "@" + partnerHost
	waitFor(t, "the partner to accept the follow of its category", func() bool {
		follows, err := local.store.Followings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range follows {
			if f.Followee != nil && f.Followee.URI == groupURI && f.State == db.FollowAccepted {
				return true
			}
		}
		return false
	})

	// A member of the partner opens a thread there.
	thread := &db.ForumThread{CategoryID: c.ID, Title: "Курсове по български език"}
	first := &db.ForumPost{AuthorUserID: author.ID, Lang: db.BG, BodyMD: "Къде има безплатни курсове?", BodyHTML: "<p>Къде има безплатни курсове?</p>"}
	if err := partner.store.CreateForumThread(ctx, thread, first); err != nil {
		t.Fatal(err)
	}
	var localThread int64
	waitFor(t, "the partner's thread to reach the hub", func() bool {
		id, err := local.store.ForumThreadIDByAPID(ctx, partnerSrv.URL+"/forum/threads/"+itoa(thread.ID))
		localThread = id
		return err == nil
	})

	// The hub's forum lists the partner's category and thread, marked
	// with their origin.
	b.do(chromedp.Navigate(hubSrv.URL + "/en/forum"))
	b.waitPath(`p === "/en/forum"`)
	if got := b.text(); !strings.Contains(got, remoteHandle) {
		t.Errorf("the hub's forum does not list the partner's category %s:\n%s", remoteHandle, got)
	}
	b.do(chromedp.Navigate(hubSrv.URL + "/en/forum/" + remoteHandle))
	b.waitPath(`p.startsWith("/en/forum/")`)
	if got := b.text(); !strings.Contains(got, "Курсове по български език") || !strings.Contains(got, partnerHost) {
		t.Errorf("the partner's category on the hub shows:\n%s", got)
	}

	// Its feed carries the partner's thread.
	if st, body := get(t, hubSrv.URL+"/en/feeds/forum/"+remoteHandle+".atom"); st != 200 || !strings.Contains(body, "Курсове по български език") {
		t.Errorf("the partner's category feed: %d\n%.500s", st, body)
	}

	// A member of the hub replies in English.
	b.signIn(hubSrv.URL, "en", "omar@hub.example", "omar's long password")
	threadPath := "/en/forum/threads/" + itoa(localThread)
	b.do(chromedp.Navigate(hubSrv.URL + threadPath))
	b.waitPath(`/^\/en\/forum\/[^/]+\/\d+/.test(p)`)
	if got := b.text(); !strings.Contains(got, "Къде има безплатни курсове?") || !strings.Contains(got, partnerHost) {
		t.Errorf("the partner's thread on the hub shows:\n%s", got)
	}
	b.do(
		chromedp.SendKeys(chromedp.CSS(`section.forum-reply #f-body`), "The library in Haskovo runs free courses on Tuesdays."),
		chromedp.Click(chromedp.CSS(`section.forum-reply input[name="lang"][value="en"]`)),
		chromedp.Click(chromedp.CSS(`section.forum-reply button[type="submit"]:not([name])`)),
	)
	waitText(b, "free courses on Tuesdays")
	if got := b.text(); !strings.Contains(got, "Your reply is sent to "+partnerHost) {
		t.Errorf("the reply form does not say where the reply goes:\n%s", got)
	}
	checkAxe(t, b.ctx, axe, hubSrv.URL+"/en/forum/"+remoteHandle, hubSrv.URL+threadPath, hubSrv.URL+"/bg/forum/"+remoteHandle)

	// The reply went to the partner's Group: a visitor of the partner reads
	// it in the thread, attributed to the hub's member.
	waitFor(t, "the reply to reach the partner", func() bool {
		n, err := partner.store.CountForumPosts(ctx, thread.ID, false)
		return err == nil && n == 2
	})
	b.signOut()
	b.do(chromedp.Navigate(partnerSrv.URL + "/en/forum/threads/" + itoa(thread.ID)))
	b.waitPath(`/^\/en\/forum\/[^/]+\/\d+/.test(p)`)
	if got := b.text(); !strings.Contains(got, "free courses on Tuesdays") || !strings.Contains(got, "@omar@"+strings.TrimPrefix(hubSrv.URL, "http://")) {
		t.Errorf("the partner's thread shows:\n%s", got)
	}

	// The partner's Group announced the reply back; the hub keeps one copy.
	waitFor(t, "the partner's deliveries to the hub", func() bool {
		n, err := partner.store.CountDeliveries(ctx, db.DeliveryPending, strings.TrimPrefix(hubSrv.URL, "http://"))
		return err == nil && n == 0
	})
	if n, err := local.store.CountForumPosts(ctx, localThread, true); err != nil || n != 2 {
		t.Errorf("the hub's copy of the thread has %d posts (%v), want 2", n, err)
	}
}

// waitFor polls cond for up to 30 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30 s for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
