package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bgimigranti/hub/db"
)

// tab wraps a browser tab with helpers that fail the test on error.
type tab struct {
	t   *testing.T
	ctx context.Context
}

func (b tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

func (b tab) eval(js string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

// waitPath waits until the page's path satisfies the JavaScript condition
// on p (for example p.startsWith("/bg/search")) and the page has loaded, so
// that a check never reads the page that was being left.
func (b tab) waitPath(cond string) {
	b.t.Helper()
	js := `(() => { const p = location.pathname + location.search; return (` + cond + `) && document.readyState === "complete"; })()`
	deadline := time.Now().Add(20 * time.Second)
	for {
		// While a navigation replaces the page, evaluating fails; that is
		// not an answer, so try again until the deadline.
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			where, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`location.href`))
			b.t.Fatalf("waiting for a page where %s: still at %s (last error: %v)", cond, where, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// text returns the visible text of the page's main element.
func (b tab) text() string { return b.eval(`document.querySelector("main").innerText`) }

// status navigates and returns the HTTP status of the page.
func (b tab) status(url string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Navigate(url))
	if err != nil {
		b.t.Fatal(err)
	}
	return resp.Status
}

func (b tab) signIn(base, lang, email, password string) {
	b.t.Helper()
	b.do(
		chromedp.Navigate(base+"/"+lang+"/login"),
		chromedp.SendKeys(chromedp.CSS(`main input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`main input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
	)
	b.waitPath(`!p.includes("/login")`)
	b.do(chromedp.WaitVisible(chromedp.CSS(`header .account form button`))) // the sign-out button
}

func (b tab) signOut() {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS(`header .account form button`)))
	b.waitPath(`true`)
	b.do(chromedp.WaitVisible(chromedp.CSS(`header .account a[href$="/login"]`)))
}

func newOrganisation(t *testing.T, s *db.Store, handle, bg, en string) *db.Organisation {
	t.Helper()
	o := &db.Organisation{Handle: handle, Kind: db.OrgInfoCentre, Country: "BG", City: "Хасково"}
	o.SetTexts(db.Text{Lang: db.BG, Title: bg}, db.Text{Lang: db.EN, Title: en})
	if err := s.CreateOrganisation(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o
}

func pngFile(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for x := 0; x < 640; x++ {
		for y := 0; y < 480; y++ {
			img.Set(x, y, color.RGBA{uint8(x / 3), uint8(y / 2), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "seminar.png")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEditorPublishesEventJourney: an editor signs in, creates an event in
// both languages with an image, publishes it; a visitor then finds it under
// upcoming events and on the organisation's page, with the image and its alt
// text in the page's language. The form passes axe too.
func TestEditorPublishesEventJourney(t *testing.T) {
	axe := axeSource(t)
	b := tab{t, browser(t)}
	h, srv := testSite(t)
	ctx := context.Background()
	org := newOrganisation(t, h.store, "ic-haskovo", "Информационен център Хасково", "Haskovo Information Centre")
	if _, err := h.store.CreateUser(ctx, db.NewUser{Email: "editor@example.org", Password: "редактор парола", Role: db.RoleEditor, OrganisationID: org.ID}); err != nil {
		t.Fatal(err)
	}
	b.signIn(srv.URL, "bg", "editor@example.org", "редактор парола")
	checkAxe(t, b.ctx, axe, srv.URL+"/bg/manage/new?kind=event")
	start := time.Now().AddDate(0, 1, 0).Format("2006-01-02") + "T18:00"
	b.do(
		chromedp.Navigate(srv.URL+"/bg/manage/new?kind=event"),
		chromedp.SendKeys(chromedp.CSS(`#f-title_bg`), "Ден на отворените врати"),
		chromedp.SendKeys(chromedp.CSS(`#f-summary_bg`), "Заповядайте в центъра."),
		chromedp.SendKeys(chromedp.CSS(`#f-title_en`), "Open day at the centre"),
		chromedp.SendKeys(chromedp.CSS(`#f-summary_en`), "Come and meet us."),
		chromedp.SetValue(chromedp.CSS(`#f-starts`), start),
		chromedp.SendKeys(chromedp.CSS(`#f-place`), "Читалище „Заря“"),
		chromedp.SetUploadFiles(chromedp.CSS(`#f-file`), []string{pngFile(t)}),
		chromedp.SendKeys(chromedp.CSS(`#f-file_alt_bg`), "Посетители пред центъра"),
		chromedp.SendKeys(chromedp.CSS(`#f-file_alt_en`), "Visitors in front of the centre"),
		chromedp.Click(chromedp.CSS(`button[value="publish"]`)),
	)
	b.waitPath(`!p.includes("/manage/new")`)
	if got := b.text(); strings.Contains(got, "грешк") && !strings.Contains(got, "Ден на отворените врати") {
		t.Fatalf("publishing failed: %s", got)
	}
	b.signOut()

	if got := b.status(srv.URL + "/en/events"); got != 200 {
		t.Fatalf("/en/events = %d", got)
	}
	if got := b.text(); !strings.Contains(got, "Open day at the centre") || !strings.Contains(got, "Haskovo Information Centre") {
		t.Fatalf("the event is not under upcoming events:\n%s", got)
	}
	b.do(chromedp.Click(`//main//a[contains(., "Open day at the centre")]`))
	b.waitPath(`/^\/en\/events\/\d+$/.test(p)`)
	if alt := b.eval(`Array.from(document.querySelectorAll("main img")).map(i => i.alt).join("|")`); !strings.Contains(alt, "Visitors in front of the centre") {
		t.Errorf("the event page's image alt texts are %q, want the English one", alt)
	}
	if ok := b.eval(`String(Array.from(document.querySelectorAll("main img")).every(i => i.complete && i.naturalWidth > 0))`); ok != "true" {
		t.Errorf("an image on the event page did not load")
	}
	b.status(srv.URL + "/bg/organisations/ic-haskovo")
	if got := b.text(); !strings.Contains(got, "Ден на отворените врати") {
		t.Errorf("the event is not on the organisation's page:\n%s", got)
	}
}

// TestMemberRegistersJourney: a visitor registers as a member in Bulgarian,
// is told (the same whether or not the address had an account) to sign in,
// signs in; after signing out, signs in again in English.
func TestMemberRegistersJourney(t *testing.T) {
	b := tab{t, browser(t)}
	_, srv := testSite(t)
	b.do(
		chromedp.Navigate(srv.URL+"/bg/register"),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Амина"),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "amina@example.org"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "моята тайна парола"),
		chromedp.SendKeys(chromedp.CSS(`#f-password2`), "моята тайна парола"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
	)
	b.waitPath(`p === "/bg/login"`)
	if got := b.eval(`document.querySelector("main .flash").innerText`); !strings.Contains(got, "Ако адресът е нов тук") {
		t.Errorf("after registering the page says %q", got)
	}
	b.signIn(srv.URL, "bg", "amina@example.org", "моята тайна парола")
	if got := b.eval(`document.querySelector("header .account").innerText`); !strings.Contains(got, "Амина") {
		t.Errorf("after registering and signing in the header shows %q, want the member's name", got)
	}
	b.signOut()
	b.signIn(srv.URL, "en", "amina@example.org", "моята тайна парола")
	if got := b.eval(`document.querySelector("header .account").innerText`); !strings.Contains(got, "Амина") {
		t.Errorf("after signing in again the header shows %q", got)
	}
}

// TestEditorCannotEditAnotherOrganisationsItem: the edit page of another
// organisation's item is refused with a 403 page that says why.
func TestEditorCannotEditAnotherOrganisationsItem(t *testing.T) {
	b := tab{t, browser(t)}
	h, srv := testSite(t)
	ctx := context.Background()
	mine := newOrganisation(t, h.store, "mine", "Моята", "Mine")
	theirs := newOrganisation(t, h.store, "theirs", "Тяхната", "Theirs")
	if _, err := h.store.CreateUser(ctx, db.NewUser{Email: "e@example.org", Password: "редактор парола", Role: db.RoleEditor, OrganisationID: mine.ID}); err != nil {
		t.Fatal(err)
	}
	it := &db.Item{Kind: db.News, Status: db.Published, OrganisationID: theirs.ID}
	it.SetTexts(db.Text{Lang: db.EN, Title: "Their news"})
	if err := h.store.CreateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	b.signIn(srv.URL, "en", "e@example.org", "редактор парола")
	if got := b.status(srv.URL + "/en/manage/items/" + itoa(it.ID)); got != 403 {
		t.Errorf("editing another organisation's item: status %d, want 403", got)
	}
	if got := b.text(); !strings.Contains(got, "You may not do this") || b.eval(`String(!!document.querySelector("#f-title_en"))`) != "false" {
		t.Errorf("the refusal page does not explain itself or shows the form:\n%s", got)
	}
}

// TestSearchFindsChapterJourney: a visitor switches to Bulgarian, searches
// from the header and opens the handbook chapter found.
func TestSearchFindsChapterJourney(t *testing.T) {
	b := tab{t, browser(t)}
	h, srv := testSite(t)
	ctx := context.Background()
	hb, err := h.store.HandbookBySlug(ctx, "common-cases")
	if err != nil {
		t.Fatal(err)
	}
	c := &db.Chapter{HandbookID: hb.ID, Slug: "current-address"}
	c.SetTexts(
		db.Text{Lang: db.BG, Title: "Адресна регистрация", BodyHTML: "<p>Как се заявява настоящ адрес.</p>", BodyMD: "Как се заявява настоящ адрес."},
		db.Text{Lang: db.EN, Title: "Registering an address", BodyHTML: "<p>How to declare a current address.</p>", BodyMD: "How to declare a current address."},
	)
	if err := h.store.CreateChapter(ctx, c); err != nil {
		t.Fatal(err)
	}
	b.do(
		chromedp.Navigate(srv.URL+"/en/"),
		chromedp.WaitVisible(chromedp.CSS(`nav.langs a[hreflang="bg"]`)),
		chromedp.Click(chromedp.CSS(`nav.langs a[hreflang="bg"]`)),
	)
	b.waitPath(`p === "/bg/"`)
	b.do(chromedp.SendKeys(chromedp.CSS(`#site-search`), "АДРЕСНА\r"))
	b.waitPath(`p.startsWith("/bg/search")`)
	if got := b.text(); !strings.Contains(got, "Адресна регистрация") {
		t.Fatalf("search for АДРЕСНА did not find the chapter:\n%s", got)
	}
	b.do(chromedp.Click(`//main//a[contains(., "Адресна регистрация")]`))
	b.waitPath(`p.startsWith("/bg/handbooks/")`)
	if h1 := b.eval(`document.querySelector("main article h1").textContent`); h1 != "Адресна регистрация" {
		t.Errorf("the search result led to %q", h1)
	}
	if loc := b.eval(`location.pathname`); loc != "/bg/handbooks/common-cases/current-address" {
		t.Errorf("the search result led to %s", loc)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
