package db_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
	"github.com/bgimigranti/hub/db/markup"
)

func TestOpenRejectsUnknownScheme(t *testing.T) {
	for _, dsn := range []string{"mysql://x/y", "nonsense", "sqlite:"} {
		if _, err := db.Open(context.Background(), dsn); err == nil {
			t.Errorf("Open(%q) succeeded, want an error", dsn)
		}
	}
}

func TestMigrateTwiceIsANoop(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		names, err := s.Migrate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(names) != 0 {
			t.Errorf("second Migrate applied %v, want nothing", names)
		}
	})
}

func newOrg(handle string) *db.Organisation {
	o := &db.Organisation{Handle: handle, Kind: db.OrgInfoCentre, Country: "bg", City: "Хасково", Website: "https://example.org"}
	o.SetTexts(
		db.Text{Lang: db.BG, Title: "Информационен център Хасково", Summary: "Помощ за имигранти"},
		db.Text{Lang: db.EN, Title: "Haskovo Information Centre"},
	)
	return o
}

func TestOrganisations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		o := newOrg("IC-Haskovo")
		if err := s.CreateOrganisation(ctx, o); err != nil {
			t.Fatal(err)
		}
		if o.ID == 0 || o.Handle != "ic-haskovo" || o.Country != "BG" {
			t.Fatalf("after create: id=%d handle=%q country=%q", o.ID, o.Handle, o.Country)
		}
		got, err := s.OrganisationByHandle(ctx, "ic-haskovo")
		if err != nil {
			t.Fatal(err)
		}
		bg, exact, _ := got.Texts().In(db.BG)
		if !exact || bg.Title != "Информационен център Хасково" || bg.Summary != "Помощ за имигранти" {
			t.Errorf("BG text = %+v (exact %v), want the Cyrillic text back exactly", bg, exact)
		}
		if err := s.CreateOrganisation(ctx, newOrg("ic-haskovo")); !errors.Is(err, db.ErrConflict) {
			t.Errorf("duplicate handle: err = %v, want ErrConflict", err)
		}
		bad := newOrg("bad handle!")
		if err := s.CreateOrganisation(ctx, bad); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("bad handle: err = %v, want ErrInvalid", err)
		}
		got.City = "Свиленград"
		got.SetTexts(db.Text{Lang: db.EN, Title: "Svilengrad centre"})
		if err := s.UpdateOrganisation(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, err := s.Organisation(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if again.City != "Свиленград" || len(again.Translations) != 1 || again.Texts().Has(db.BG) {
			t.Errorf("after update: city %q, texts %+v", again.City, again.Translations)
		}
		ngo := newOrg("ngo-sofia")
		ngo.Kind, ngo.Country = db.OrgNGO, "DE"
		if err := s.CreateOrganisation(ctx, ngo); err != nil {
			t.Fatal(err)
		}
		list, err := s.Organisations(ctx, db.OrgQuery{Country: "de"})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Handle != "ngo-sofia" {
			t.Errorf("Organisations(country DE) = %v", list)
		}
		all, err := s.Organisations(ctx, db.OrgQuery{Local: true})
		if err != nil || len(all) != 2 {
			t.Errorf("Organisations(local) = %d, %v; want 2", len(all), err)
		}
		if _, err := s.Organisation(ctx, 9999); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("missing organisation: err = %v, want ErrNotFound", err)
		}
		missing := newOrg("ghost")
		missing.ID = 9999
		if err := s.UpdateOrganisation(ctx, missing); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("update missing organisation: err = %v, want ErrNotFound", err)
		}
	})
}

func TestUsers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		o := newOrg("ic")
		if err := s.CreateOrganisation(ctx, o); err != nil {
			t.Fatal(err)
		}
		u, err := s.CreateUser(ctx, db.NewUser{Email: " Мария@Example.ORG ", Password: "дълга парола 123", Role: db.RoleEditor, OrganisationID: o.ID, Name: "Мария"})
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "мария@example.org" || strings.Contains(u.PasswordHash, "парола") || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
			t.Errorf("stored user: email %q hash %q", u.Email, u.PasswordHash)
		}
		if _, err := s.Authenticate(ctx, "МАРИЯ@example.org", "дълга парола 123"); err != nil {
			t.Errorf("Authenticate with the right password: %v", err)
		}
		for _, pw := range []string{"wrong password", ""} {
			if _, err := s.Authenticate(ctx, "мария@example.org", pw); !errors.Is(err, db.ErrBadCredentials) {
				t.Errorf("Authenticate(%q) err = %v, want ErrBadCredentials", pw, err)
			}
		}
		if _, err := s.Authenticate(ctx, "nobody@example.org", "whatever123"); !errors.Is(err, db.ErrBadCredentials) {
			t.Errorf("unknown user: err = %v, want ErrBadCredentials", err)
		}
		if _, err := s.CreateUser(ctx, db.NewUser{Email: "мария@example.org", Password: "another password", Role: db.RoleMember}); !errors.Is(err, db.ErrConflict) {
			t.Errorf("duplicate e-mail: err = %v, want ErrConflict", err)
		}
		for name, n := range map[string]db.NewUser{
			"short password": {Email: "a@example.org", Password: "short", Role: db.RoleMember},
			"bad email":      {Email: "not-an-email", Password: "long enough pw", Role: db.RoleMember},
			"bad role":       {Email: "b@example.org", Password: "long enough pw", Role: "root"},
			"orphan editor":  {Email: "c@example.org", Password: "long enough pw", Role: db.RoleEditor},
		} {
			if _, err := s.CreateUser(ctx, n); !errors.Is(err, db.ErrInvalid) {
				t.Errorf("%s: err = %v, want ErrInvalid", name, err)
			}
		}
		if err := s.SetPassword(ctx, u.ID, "нова парола 456"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, u.Email, "нова парола 456"); err != nil {
			t.Errorf("after SetPassword: %v", err)
		}
		u.Disabled = true
		if err := s.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, u.Email, "нова парола 456"); !errors.Is(err, db.ErrBadCredentials) {
			t.Errorf("disabled user authenticated: %v", err)
		}
		if got, err := s.User(ctx, u.ID); err != nil || !got.Disabled || got.OrganisationID != o.ID {
			t.Errorf("User = %+v, %v", got, err)
		}
		if n, err := s.CountUsers(ctx, db.RoleEditor); err != nil || n != 1 {
			t.Errorf("CountUsers(editor) = %d, %v", n, err)
		}
		if all, err := s.Users(ctx); err != nil || len(all) != 1 {
			t.Errorf("Users = %d, %v", len(all), err)
		}
	})
}

func newEvent(start time.Time) *db.Item {
	it := &db.Item{Kind: db.Event, Status: db.Published, StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		TimeZone: "Europe/Sofia", PlaceName: "Читалище „Заря“", Address: "ул. „Славянска“ 1, Хасково"}
	it.SetTexts(
		db.Text{Lang: db.BG, Title: "Семинар за междукултурна комуникация", Summary: "Открит семинар", BodyMD: "**Заповядайте!**", BodyHTML: "<p><strong>Заповядайте!</strong></p>"},
		db.Text{Lang: db.EN, Title: "Intercultural communication seminar"},
	)
	return it
}

func TestItems(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		o := newOrg("ic")
		if err := s.CreateOrganisation(ctx, o); err != nil {
			t.Fatal(err)
		}
		sofia, _ := time.LoadLocation("Europe/Sofia")
		now := time.Now()
		future := newEvent(time.Date(now.Year()+1, 7, 1, 18, 0, 0, 0, sofia))
		future.OrganisationID = o.ID
		if err := s.CreateItem(ctx, future); err != nil {
			t.Fatal(err)
		}
		past := newEvent(now.Add(-48 * time.Hour))
		if err := s.CreateItem(ctx, past); err != nil {
			t.Fatal(err)
		}
		news := &db.Item{Kind: db.News, Status: db.Draft, PrimaryLang: db.EN}
		news.SetTexts(db.Text{Lang: db.EN, Title: "Only in English"})
		if err := s.CreateItem(ctx, news); err != nil {
			t.Fatal(err)
		}

		got, err := s.Item(ctx, future.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.StartsAt.Equal(future.StartsAt) || got.PlaceName != "Читалище „Заря“" || got.Organisation == nil || got.Organisation.Handle != "ic" {
			t.Errorf("round trip: starts %v (want %v), place %q, org %+v", got.StartsAt, future.StartsAt, got.PlaceName, got.Organisation)
		}
		if bg, _, _ := got.Texts().In(db.BG); bg.BodyHTML != "<p><strong>Заповядайте!</strong></p>" || got.PrimaryLang != db.BG {
			t.Errorf("BG text %+v, primary %q", bg, got.PrimaryLang)
		}
		if got.PublishedAt.IsZero() || got.Version != 1 {
			t.Errorf("published at %v, version %d", got.PublishedAt, got.Version)
		}

		up, err := s.Items(ctx, db.ItemQuery{Kinds: []db.Kind{db.Event}, Upcoming: true})
		if err != nil || len(up) != 1 || up[0].ID != future.ID {
			t.Errorf("upcoming events = %v, %v", ids(up), err)
		}
		pastList, err := s.Items(ctx, db.ItemQuery{Kinds: []db.Kind{db.Event}, Past: true})
		if err != nil || len(pastList) != 1 || pastList[0].ID != past.ID {
			t.Errorf("past events = %v, %v", ids(pastList), err)
		}
		if pub, _ := s.Items(ctx, db.ItemQuery{}); len(pub) != 2 {
			t.Errorf("published items = %v, want the two events (the draft is not published)", ids(pub))
		}
		if all, _ := s.Items(ctx, db.ItemQuery{Status: db.AnyStatus}); len(all) != 3 {
			t.Errorf("all items = %v, want 3", ids(all))
		}
		if en, _ := s.Items(ctx, db.ItemQuery{Status: db.AnyStatus, Lang: db.BG}); len(en) != 2 {
			t.Errorf("items with Bulgarian = %v, want 2", ids(en))
		}
		if byOrg, _ := s.Items(ctx, db.ItemQuery{OrganisationID: o.ID}); len(byOrg) != 1 {
			t.Errorf("items of the organisation = %v, want 1", ids(byOrg))
		}
		if n, err := s.CountItems(ctx, db.ItemQuery{Kinds: []db.Kind{db.Event}}); err != nil || n != 2 {
			t.Errorf("CountItems = %d, %v", n, err)
		}

		got.SetTexts(db.Text{Lang: db.BG, Title: "Ново заглавие"})
		got.Cancelled = true
		if err := s.UpdateItem(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, _ := s.Item(ctx, future.ID)
		if again.Version != 2 || !again.Cancelled || len(again.Translations) != 1 || again.Translations[0].Title != "Ново заглавие" {
			t.Errorf("after update: version %d, cancelled %v, texts %+v", again.Version, again.Cancelled, again.Translations)
		}

		if err := s.SetItemStatus(ctx, news.ID, db.Published); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.Item(ctx, news.ID); n.Status != db.Published || n.PublishedAt.IsZero() {
			t.Errorf("after publishing: %s %v", n.Status, n.PublishedAt)
		}
		if err := s.SetItemStatus(ctx, news.ID, db.Hidden); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteItem(ctx, past.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Item(ctx, past.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("deleted item: err = %v", err)
		}
		if err := s.DeleteItem(ctx, past.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("delete twice: err = %v", err)
		}
	})
}

func TestItemValidationLeavesNothingBehind(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		bad := map[string]*db.Item{}
		e := newEvent(time.Now())
		e.EndsAt = e.StartsAt.Add(-time.Hour)
		bad["end before start"] = e
		e2 := newEvent(time.Time{})
		bad["event without start"] = e2
		e3 := newEvent(time.Now())
		e3.TimeZone = "Mars/Olympus"
		bad["unknown zone"] = e3
		n := &db.Item{Kind: db.News, Status: db.Published}
		bad["no translation"] = n
		long := &db.Item{Kind: db.News, Status: db.Published}
		long.SetTexts(db.Text{Lang: db.BG, Title: strings.Repeat("я", db.MaxTitleLen+1)})
		bad["title too long"] = long
		unknown := &db.Item{Kind: "blog", Status: db.Published}
		unknown.SetTexts(db.Text{Lang: db.BG, Title: "x"})
		bad["unknown kind"] = unknown
		for name, it := range bad {
			if err := s.CreateItem(ctx, it); !errors.Is(err, db.ErrInvalid) {
				t.Errorf("%s: err = %v, want ErrInvalid", name, err)
			}
		}
		// A translation that breaks the primary key fails the whole insert.
		dup := &db.Item{Kind: db.News, Status: db.Published}
		dup.Translations = []db.ItemTranslation{{Text: db.Text{Lang: db.BG, Title: "а"}}, {Text: db.Text{Lang: db.BG, Title: "б"}}}
		if err := s.CreateItem(ctx, dup); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("duplicate language: err = %v, want ErrInvalid", err)
		}
		if n, _ := s.CountItems(ctx, db.ItemQuery{Status: db.AnyStatus}); n != 0 {
			t.Errorf("%d items stored after failed creates, want 0", n)
		}
	})
}

func TestTransactionRollsBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := s.InTx(ctx, func(tx *db.Store) error {
			if err := tx.CreateOrganisation(ctx, newOrg("rolled-back")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx err = %v", err)
		}
		if _, err := s.OrganisationByHandle(ctx, "rolled-back"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("row survived the rollback: %v", err)
		}
	})
}

func TestHandbooksAndChapters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		h := &db.Handbook{Slug: "guide", Position: 1}
		h.SetTexts(db.Text{Lang: db.BG, Title: "Наръчник"}, db.Text{Lang: db.EN, Title: "Guide"})
		if err := s.CreateHandbook(ctx, h); err != nil {
			t.Fatal(err)
		}
		for _, slug := range []string{"first", "second"} {
			c := &db.Chapter{HandbookID: h.ID, Slug: slug}
			c.SetTexts(db.Text{Lang: db.BG, Title: "Глава " + slug})
			if err := s.CreateChapter(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		dup := &db.Chapter{HandbookID: h.ID, Slug: "first"}
		dup.SetTexts(db.Text{Lang: db.BG, Title: "x"})
		if err := s.CreateChapter(ctx, dup); !errors.Is(err, db.ErrConflict) {
			t.Errorf("duplicate chapter slug: %v", err)
		}
		got, err := s.HandbookBySlug(ctx, "guide")
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Chapters) != 2 || got.Chapters[0].Slug != "first" || got.Chapters[1].Position != 2 {
			t.Fatalf("chapters = %+v", got.Chapters)
		}
		c := got.Chapters[1]
		c.Position = 0
		c.SetTexts(db.Text{Lang: db.EN, Title: "Second, now first"})
		if err := s.UpdateChapter(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, _ = s.HandbookBySlug(ctx, "guide")
		if got.Chapters[0].Slug != "second" || !got.Chapters[0].Texts().Has(db.EN) {
			t.Errorf("after reorder: %+v", got.Chapters[0])
		}
		all, err := s.Handbooks(ctx)
		if err != nil || len(all) != 1 || len(all[0].Chapters) != 2 {
			t.Errorf("Handbooks = %v, %v", all, err)
		}
		if _, err := s.HandbookBySlug(ctx, "nope"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("missing handbook: %v", err)
		}
	})
}

func TestPagesAndMedia(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		p := &db.Page{Slug: "contact"}
		p.SetTexts(db.Text{Lang: db.BG, Title: "Контакти"})
		if err := s.SavePage(ctx, p); err != nil {
			t.Fatal(err)
		}
		first := p.ID
		p2 := &db.Page{Slug: "contact"}
		p2.SetTexts(db.Text{Lang: db.BG, Title: "Контакти"}, db.Text{Lang: db.EN, Title: "Contact"})
		if err := s.SavePage(ctx, p2); err != nil {
			t.Fatal(err)
		}
		got, err := s.Page(ctx, "contact")
		if err != nil || got.ID != first || len(got.Translations) != 2 {
			t.Errorf("page after second save: %+v, %v", got, err)
		}
		if pages, _ := s.Pages(ctx); len(pages) != 1 {
			t.Errorf("Pages = %d", len(pages))
		}

		m := &db.Media{SHA256: strings.Repeat("ab", 32), ContentType: "image/jpeg", Size: 1234, Width: 800, Height: 600,
			Translations: []db.MediaTranslation{{Lang: db.BG, Alt: "Участници в семинара"}}}
		if err := s.SaveMedia(ctx, m); err != nil {
			t.Fatal(err)
		}
		same := &db.Media{SHA256: strings.Repeat("ab", 32), ContentType: "image/jpeg", Size: 1234}
		if err := s.SaveMedia(ctx, same); err != nil || same.ID != m.ID {
			t.Errorf("same content saved again: id %d vs %d, %v", same.ID, m.ID, err)
		}
		if err := s.SaveMedia(ctx, &db.Media{SHA256: "nothex", ContentType: "x", Size: 1}); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("bad hash: %v", err)
		}
		it := &db.Item{Kind: db.Gallery, Status: db.Published}
		it.SetTexts(db.Text{Lang: db.BG, Title: "Семинар"})
		if err := s.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		if err := s.SetItemMedia(ctx, it.ID, []int64{m.ID}); err != nil {
			t.Fatal(err)
		}
		list, err := s.ItemMediaList(ctx, it.ID)
		if err != nil || len(list) != 1 || list[0].Translations[0].Alt != "Участници в семинара" {
			t.Errorf("ItemMediaList = %+v, %v", list, err)
		}
		if got, err := s.Media(ctx, m.ID); err != nil || got.Width != 800 {
			t.Errorf("Media = %+v, %v", got, err)
		}
	})
}

func TestSeedIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		r := markup.New()
		created, err := s.Seed(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, c := range created {
			kind, _, _ := strings.Cut(c, " ")
			kinds[kind]++
		}
		if kinds["handbook"] != 3 || kinds["page"] != 2 || kinds["chapter"] < 18 {
			t.Errorf("first seed created %v, want 3 handbooks, their chapters and 2 pages", kinds)
		}
		hs, err := s.Handbooks(ctx)
		if err != nil || len(hs) != 3 {
			t.Fatalf("handbooks = %d, %v", len(hs), err)
		}
		for _, h := range hs {
			for _, l := range db.InterfaceLangs {
				txt, exact, _ := h.Texts().In(l)
				if !exact || txt.Title == "" || txt.Summary == "" || !strings.Contains(txt.BodyHTML, "<p>") {
					t.Errorf("handbook %s in %s: %+v", h.Slug, l, txt)
				}
			}
			if n := len(h.Chapters); n < 6 || n > 9 {
				t.Errorf("handbook %s has %d chapters, want 6 to 9", h.Slug, n)
			}
			for i, c := range h.Chapters {
				if c.Position != i+1 {
					t.Errorf("chapter %s/%s at position %d, want %d", h.Slug, c.Slug, c.Position, i+1)
				}
				for _, l := range db.InterfaceLangs {
					txt, exact, _ := c.Texts().In(l)
					if !exact || txt.Title == "" || txt.Summary == "" || len(txt.BodyMD) < 800 ||
						!strings.Contains(txt.BodyHTML, "<h2") || !strings.Contains(txt.BodyHTML, "<li>") {
						t.Errorf("chapter %s/%s in %s: title %q, summary %q, %d bytes of Markdown",
							h.Slug, c.Slug, l, txt.Title, txt.Summary, len(txt.BodyMD))
					}
				}
			}
		}
		if c := hs[2].Chapters[0]; c.Slug != "first-steps" || c.Texts()[0].Title == "" ||
			!strings.HasPrefix(c.Texts()[0].Title, "Първи стъпки") && !strings.HasPrefix(c.Texts()[0].Title, "First steps") {
			t.Errorf("the first chapter of %s: %s with %+v", hs[2].Slug, c.Slug, c.Texts())
		}
		about, err := s.Page(ctx, "about")
		if err != nil {
			t.Fatal(err)
		}
		if bg, _, _ := about.Texts().In(db.BG); !strings.Contains(bg.BodyMD, "Хасково") {
			t.Errorf("the Bulgarian about page does not mention Haskovo: %q", bg.Title)
		}

		// An admin edits and renames a chapter; the next start keeps the
		// edit and brings back neither the old name nor a duplicate.
		first := hs[2].Chapters[0]
		first.Slug = "arrival"
		first.SetTexts(db.Text{Lang: db.BG, Title: "Пристигане", BodyMD: "Нов текст.", BodyHTML: "<p>Нов текст.</p>"})
		if err := s.UpdateChapter(ctx, first); err != nil {
			t.Fatal(err)
		}
		again, err := s.Seed(ctx, r)
		if err != nil || len(again) != 0 {
			t.Errorf("second seed created %v (%v), want nothing", again, err)
		}
		h, err := s.HandbookBySlug(ctx, hs[2].Slug)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Chapters) != len(hs[2].Chapters) {
			t.Errorf("after a second seed %s has %d chapters, want %d", h.Slug, len(h.Chapters), len(hs[2].Chapters))
		}
		if c := h.Chapters[0]; c.Slug != "arrival" || len(c.Translations) != 1 || c.Translations[0].Title != "Пристигане" {
			t.Errorf("the edited chapter after a second seed: %s %+v", c.Slug, c.Translations)
		}
	})
}

// TestSeedAddsChaptersToEmptyHandbooks: an install seeded before the
// handbooks had chapters gets them on its next start, once.
func TestSeedAddsChaptersToEmptyHandbooks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		h := &db.Handbook{Slug: "common-cases", Position: 3}
		h.SetTexts(db.Text{Lang: db.BG, Title: "Казуси", BodyHTML: "<p>Въведение от админ.</p>"})
		if err := s.CreateHandbook(ctx, h); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Seed(ctx, markup.New()); err != nil {
			t.Fatal(err)
		}
		got, err := s.HandbookBySlug(ctx, "common-cases")
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Translations) != 1 || got.Translations[0].Title != "Казуси" {
			t.Errorf("the admin's introduction was overwritten: %+v", got.Translations)
		}
		if len(got.Chapters) < 6 {
			t.Errorf("an existing handbook got %d chapters, want the seeded ones", len(got.Chapters))
		}
	})
}

func TestTextsFallback(t *testing.T) {
	ts := db.Texts{{Lang: db.EN, Title: "English"}}
	got, exact, ok := ts.In(db.BG)
	if !ok || exact || got.Title != "English" {
		t.Errorf("In(BG) = %+v exact=%v ok=%v; want the English text, not exact", got, exact, ok)
	}
	if _, _, ok := (db.Texts{}).In(db.BG); ok {
		t.Error("In on no texts reported ok")
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Интеграция на имигранти – често срещани казуси": "integratsiya-na-imigranti-chesto-sreshtani-kazusi",
		"Hello, World!": "hello-world",
		"Щастие и Юли":  "shtastie-i-yuli",
		"   ":           "",
	} {
		if got := db.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func ids(items []*db.Item) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func TestOutboxEventsFollowVisibility(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		v0 := s.ContentVersion()
		draft := &db.Item{Kind: db.News, Status: db.Draft}
		draft.SetTexts(db.Text{Lang: db.BG, Title: "Чернова"})
		if err := s.CreateItem(ctx, draft); err != nil {
			t.Fatal(err)
		}
		if s.ContentVersion() == v0 {
			t.Error("ContentVersion did not grow after a write")
		}
		pub := &db.Item{Kind: db.News, Status: db.Published}
		pub.SetTexts(db.Text{Lang: db.BG, Title: "Новина"})
		if err := s.CreateItem(ctx, pub); err != nil {
			t.Fatal(err)
		}
		remote := &db.Item{Kind: db.News, Status: db.Published, Remote: true, APID: "https://partner.example/items/1"}
		remote.SetTexts(db.Text{Lang: db.EN, Title: "From a partner"})
		if err := s.CreateItem(ctx, remote); err != nil {
			t.Fatal(err)
		}
		steps := []func() error{
			func() error {
				pub.SetTexts(db.Text{Lang: db.BG, Title: "Поправена"})
				return s.UpdateItem(ctx, pub)
			},
			func() error {
				draft.SetTexts(db.Text{Lang: db.BG, Title: "Все още чернова"})
				return s.UpdateItem(ctx, draft)
			},
			func() error { return s.SetItemStatus(ctx, draft.ID, db.Published) },
			func() error { return s.SetItemStatus(ctx, pub.ID, db.Hidden) },
			func() error { return s.DeleteItem(ctx, pub.ID) },
			func() error { return s.DeleteItem(ctx, draft.ID) },
			func() error { return s.DeleteItem(ctx, remote.ID) },
		}
		for i, step := range steps {
			if err := step(); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		events, err := s.PendingOutboxEvents(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range events {
			got = append(got, fmt.Sprintf("%d:%s", e.SubjectID, e.Action))
		}
		want := []string{
			fmt.Sprintf("%d:create", pub.ID), fmt.Sprintf("%d:update", pub.ID), fmt.Sprintf("%d:create", draft.ID),
			fmt.Sprintf("%d:delete", pub.ID), fmt.Sprintf("%d:delete", draft.ID),
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("outbox events = %v, want %v", got, want)
		}
		if err := s.MarkOutboxEventProcessed(ctx, events[0].ID); err != nil {
			t.Fatal(err)
		}
		if rest, _ := s.PendingOutboxEvents(ctx, 100); len(rest) != len(want)-1 {
			t.Errorf("%d pending after marking one, want %d", len(rest), len(want)-1)
		}
		// A failed transaction leaves no event and does not bump the version.
		v := s.ContentVersion()
		bad := &db.Item{Kind: db.News, Status: db.Published}
		bad.Translations = []db.ItemTranslation{{Text: db.Text{Lang: db.BG, Title: "а"}}, {Text: db.Text{Lang: "bg ", Title: "б"}}}
		_ = s.InTx(ctx, func(tx *db.Store) error {
			if err := tx.CreateItem(ctx, pub); err != nil {
				return err
			}
			return errors.New("abort")
		})
		if s.ContentVersion() != v {
			t.Error("a rolled-back transaction bumped ContentVersion")
		}
		if rest, _ := s.PendingOutboxEvents(ctx, 100); len(rest) != len(want)-1 {
			t.Errorf("a rolled-back transaction left an outbox event")
		}
	})
}

func TestWatchChangesSeesOtherProcesses(t *testing.T) {
	dsn := dbtest.DSN(t, db.Postgres)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	go b.WatchChanges(ctx, dsn, slog.New(slog.DiscardHandler))
	time.Sleep(300 * time.Millisecond) // let the listener connect
	v := b.ContentVersion()
	if err := a.CreateOrganisation(ctx, newOrg("elsewhere")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for b.ContentVersion() == v && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if b.ContentVersion() == v {
		t.Error("a write in one process did not bump the other's ContentVersion")
	}
	if b.SiteVersion() == 0 {
		t.Error("an organisation's creation did not bump the other process's SiteVersion")
	}

	// A forum write moves ContentVersion, not SiteVersion.
	if _, err := a.SeedForum(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	cats, err := a.ForumCategories(ctx)
	if err != nil || len(cats) == 0 {
		t.Fatalf("categories: %v", err)
	}
	u, err := a.CreateUser(ctx, db.NewUser{Email: "m@example.org", Name: "M", Password: "correct horse battery", Role: db.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) { // let the notifications of the set-up arrive
		before := b.ContentVersion()
		time.Sleep(200 * time.Millisecond)
		if b.ContentVersion() == before {
			break
		}
	}
	v, site := b.ContentVersion(), b.SiteVersion()
	th := &db.ForumThread{CategoryID: cats[0].ID, Title: "Въпрос"}
	if err := a.CreateForumThread(ctx, th, &db.ForumPost{AuthorUserID: u.ID, Lang: db.BG, BodyMD: "?", BodyHTML: "<p>?</p>"}); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for b.ContentVersion() == v && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if b.ContentVersion() == v {
		t.Error("a forum write in one process did not bump the other's ContentVersion")
	}
	if b.SiteVersion() != site {
		t.Error("a forum write in one process bumped the other's SiteVersion")
	}
}
