package portal

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
	"github.com/bgimigranti/hub/db/markup"
	"github.com/bgimigranti/hub/portal/mailer"
	"github.com/bgimigranti/hub/portal/mailer/mailtest"
)

// mailHub is a portal with e-mail configured: its mail worker sends
// through Mailpit, and its store's clock can be moved forward.
type mailHub struct {
	*accHub
	mp     *mailtest.Server
	worker *mailer.Worker
	mu     sync.Mutex
	now    time.Time
}

func (m *mailHub) clock() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

func (m *mailHub) advance(d time.Duration) {
	m.mu.Lock()
	m.now = m.now.Add(d)
	m.mu.Unlock()
}

func newMailHub(t *testing.T, s *db.Store) *mailHub {
	t.Helper()
	mp := mailtest.Start(t)
	ctx := context.Background()
	if _, err := s.Seed(ctx, markup.New()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SeedForum(ctx); err != nil {
		t.Fatal(err)
	}
	m := &mailHub{mp: mp, now: time.Now()}
	clocked := s.WithClock(m.clock)
	base, _ := url.Parse("https://hub.example.org")
	dir := t.TempDir()
	h, err := New(Config{BaseURL: base, DataDir: dir, Mail: true}, clocked, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	h.acc.login = newRateLimiter(10_000, time.Minute, 100)
	h.acc.forgot = newRateLimiter(10_000, time.Minute, 100) // one client makes every request
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	m.accHub = &accHub{h: h, srv: srv, s: s, dataDir: dir}
	smtp, err := mailer.ParseURL(mp.URL())
	if err != nil {
		t.Fatal(err)
	}
	from, _ := mailer.ParseFrom(`"bgimigranti hub" <hub@example.org>`)
	m.worker = mailer.NewWorker(s, mailer.NewSMTP(smtp, from), slog.New(slog.DiscardHandler))
	m.worker.Now = m.clock
	return m
}

// deliver runs the mail worker until the queue is empty and returns the
// mails Mailpit has for to.
func (m *mailHub) deliver(t *testing.T, to string) []mailtest.Message {
	t.Helper()
	if _, err := m.worker.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m.mp.To(to)
}

var hubLink = regexp.MustCompile(`https://hub\.example\.org(/[a-z]{2}/[A-Za-z0-9_/-]+)`)

// link checks a received mail (language, headers, the same link in both
// bodies) and returns the path of its link.
func checkMail(t *testing.T, msg mailtest.Message, lang db.Lang, subject string) string {
	t.Helper()
	if !strings.HasPrefix(msg.Subject, subject) || !strings.Contains(msg.Subject, map[db.Lang]string{db.BG: "bgimigranti хъб", db.EN: "bgimigranti hub"}[lang]) {
		t.Errorf("subject %q, want %q and the hub's name", msg.Subject, subject)
	}
	for h, want := range map[string]string{"Auto-Submitted": "auto-generated", "Content-Language": string(lang)} {
		if got := msg.Header(h); got != want {
			t.Errorf("%s: header %s = %q, want %q", msg.Subject, h, got, want)
		}
	}
	if !strings.HasSuffix(msg.MessageID, "@hub.example.org") || msg.Header("Date") == "" {
		t.Errorf("Message-ID %q, Date %q", msg.MessageID, msg.Header("Date"))
	}
	if !strings.Contains(msg.HTML, `<html lang="`+string(lang)+`">`) {
		t.Errorf("the HTML part is not marked as %s", lang)
	}
	mt := hubLink.FindStringSubmatch(msg.Text)
	mh := hubLink.FindStringSubmatch(msg.HTML)
	if mt == nil || mh == nil || mt[1] != mh[1] {
		t.Fatalf("links: text %v, html %v\n%s", mt, mh, msg.Text)
	}
	if !strings.HasPrefix(mt[1], "/"+string(lang)+"/") {
		t.Errorf("link %s is not in %s", mt[1], lang)
	}
	return mt[1]
}

// TestPasswordResetJourney: a member who forgot their password asks for a
// link, in each language, follows it from the mail Mailpit received, sets
// a new password; their other sessions end and the link works only once.
func TestPasswordResetJourney(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		m := newMailHub(t, s)
		subjects := map[db.Lang]string{db.BG: "Изберете нова парола", db.EN: "Choose a new password"}
		for i, lang := range db.InterfaceLangs {
			p := "/" + string(lang)
			email := "ana-" + string(lang) + "@example.org"
			mkUser(t, s, email, db.RoleMember, 0)
			old1, old2 := newClient(t), newClient(t)
			signIn(t, old1, m.srv.URL, email, testPassword)
			signIn(t, old2, m.srv.URL, email, testPassword)

			c := newClient(t)
			_, body := getPage(t, c, m.srv.URL+p+"/login")
			mustContain(t, "the sign-in page", body, `href="`+p+`/password/forgot"`)
			_, body = getPage(t, c, m.srv.URL+p+"/password/forgot")
			if strings.Contains(body, "no mail server") || strings.Contains(body, "няма настроен пощенски сървър") {
				t.Error("the forgot page says there is no mail server")
			}
			resp, known := submitForm(t, c, m.srv.URL, p+"/password/forgot", url.Values{"email": {strings.ToUpper(email)}})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("forgot: %d", resp.StatusCode)
			}
			resp2, unknown := submitForm(t, newClient(t), m.srv.URL, p+"/password/forgot", url.Values{"email": {"nobody@example.org"}})
			norm := func(s string) string {
				s = strings.ReplaceAll(s, email, "ADDR")
				s = strings.ReplaceAll(s, "nobody@example.org", "ADDR")
				return regexp.MustCompile(`value="[^"]+"`).ReplaceAllString(s, "")
			}
			if resp2.StatusCode != resp.StatusCode || norm(known) != norm(unknown) {
				t.Errorf("the answer tells whether the address has an account (%d vs %d)", resp.StatusCode, resp2.StatusCode)
			}
			mails := m.deliver(t, email)
			if len(mails) != 1 {
				t.Fatalf("%d mails to %s, want 1", len(mails), email)
			}
			if n := len(m.mp.To("nobody@example.org")); n != 0 {
				t.Errorf("%d mails to an address without an account", n)
			}
			link := checkMail(t, mails[0], lang, subjects[lang])
			if !strings.HasPrefix(link, p+"/password/reset/") {
				t.Fatalf("link %s", link)
			}

			// The link opens the form; a refused password keeps it usable.
			_, body = getPage(t, c, m.srv.URL+link)
			mustContain(t, "the reset form", body, `autocomplete="new-password"`, `action="`+link+`"`)
			resp, _ = submitForm(t, c, m.srv.URL, link, url.Values{"password": {"short"}, "password2": {"short"}})
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("short password: %d, want 422", resp.StatusCode)
			}
			newPass := "a fresh password " + string(lang)
			resp, _ = submitForm(t, c, m.srv.URL, link, url.Values{"password": {newPass}, "password2": {newPass}})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != p+"/login" {
				t.Fatalf("reset: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			for _, old := range []*http.Client{old1, old2} {
				if resp, _ := getPage(t, old, m.srv.URL+p+"/account"); resp.StatusCode != http.StatusSeeOther {
					t.Errorf("a session from before the reset still works: %d", resp.StatusCode)
				}
			}
			// Spent: the link cannot be used again.
			if resp, body := getPage(t, c, m.srv.URL+link); resp.StatusCode != http.StatusGone {
				t.Errorf("GET a used link: %d, want 410", resp.StatusCode)
			} else {
				mustContain(t, "the used link's page", body, map[db.Lang]string{db.BG: "вече е използвана", db.EN: "already used"}[lang])
			}
			resp, _ = submitForm(t, c, m.srv.URL, link, url.Values{"password": {"yet another password"}, "password2": {"yet another password"}})
			if resp.StatusCode != http.StatusGone {
				t.Errorf("POST a used link: %d, want 410", resp.StatusCode)
			}
			signIn(t, newClient(t), m.srv.URL, email, newPass)
			if _, err := s.Authenticate(context.Background(), email, "yet another password"); err == nil {
				t.Error("the used link changed the password again")
			}

			// A forged link, and one that expired.
			forged := p + "/password/reset/" + strings.Repeat("A", 43)
			if resp, _ := getPage(t, c, m.srv.URL+forged); resp.StatusCode != http.StatusNotFound {
				t.Errorf("forged link: %d, want 404", resp.StatusCode)
			}
			submitForm(t, c, m.srv.URL, p+"/password/forgot", url.Values{"email": {email}})
			mails = m.deliver(t, email)
			if len(mails) != 2 {
				t.Fatalf("%s: %d mails, want 2", lang, len(mails))
			}
			late := checkMail(t, mails[0], lang, subjects[lang])
			m.advance(time.Hour + time.Second)
			resp, body = submitForm(t, c, m.srv.URL, late, url.Values{"password": {"yet another password"}, "password2": {"yet another password"}})
			if resp.StatusCode != http.StatusGone || !strings.Contains(body, map[db.Lang]string{db.BG: "изтекла", db.EN: "expired"}[lang]) {
				t.Errorf("expired link: %d, want 410 saying so", resp.StatusCode)
			}
			if _, err := s.Authenticate(context.Background(), email, newPass); err != nil {
				t.Errorf("the expired link changed the password: %v", err)
			}
			_ = i
		}
	})
}

// TestForgotPasswordRefusesBadInput: malformed addresses and header
// injection get a 422 and queue nothing; too many requests get a 429.
func TestForgotPasswordRefusesBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		a := newAccHub(t, s)
		mkUser(t, s, "ana@example.org", db.RoleMember, 0)
		c := newClient(t)
		a.h.acc.forgot = newRateLimiter(100, time.Hour, 100)
		for _, bad := range []string{"", "not an address", "ana@example.org\r\nBcc: eve@example.org", "ana@example.org\nSubject: x", "Ana <ana@example.org>", "ana@example.org, eve@example.org"} {
			resp, body := submitForm(t, c, a.srv.URL, "/en/password/forgot", url.Values{"email": {bad}})
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("forgot %q: %d, want 422", bad, resp.StatusCode)
			}
			mustContain(t, "the refused form", body, `id="f-email-error"`)
		}
		if ms, _ := s.Mails(context.Background(), db.MailQuery{}); len(ms) != 0 {
			t.Errorf("%d mails queued for bad input", len(ms))
		}
		// Per address: three an hour, then 429, for any address alike.
		for _, addr := range []string{"ana@example.org", "nobody@example.org"} {
			a.h.acc.forgot = newRateLimiter(100, time.Hour, 100)
			for i := 1; i <= 4; i++ {
				resp, _ := submitForm(t, newClient(t), a.srv.URL, "/bg/password/forgot", url.Values{"email": {addr}})
				if want := map[bool]int{true: 200, false: 429}[i <= 3]; resp.StatusCode != want {
					t.Errorf("%s request %d: %d, want %d", addr, i, resp.StatusCode, want)
				}
			}
		}
		if ms, _ := s.Mails(context.Background(), db.MailQuery{To: "ana@example.org"}); len(ms) != 3 {
			t.Errorf("%d mails queued to ana, want 3", len(ms))
		}
		// Per client: five an hour.
		a.h.acc.forgot = newRateLimiter(5, time.Hour, 100)
		for i := 1; i <= 6; i++ {
			resp, _ := submitForm(t, c, a.srv.URL, "/en/password/forgot", url.Values{"email": {"x" + itoa(int64(i)) + "@example.org"}})
			if want := map[bool]int{true: 200, false: 429}[i <= 5]; resp.StatusCode != want {
				t.Errorf("client request %d: %d, want %d", i, resp.StatusCode, want)
			}
		}
	})
}

// TestNoMailServerSaysSo: without SMTP the pages say e-mail cannot be
// sent, and the mail is still queued (the worker logs it).
func TestNoMailServerSaysSo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		a := newAccHub(t, s)
		mkUser(t, s, "ana@example.org", db.RoleMember, 0)
		c := newClient(t)
		_, body := getPage(t, c, a.srv.URL+"/en/password/forgot")
		mustContain(t, "the forgot page", body, "This hub has no mail server set up")
		_, body = getPage(t, c, a.srv.URL+"/bg/register")
		mustContain(t, "the registration page", body, "няма настроен пощенски сървър")
		_, body = submitForm(t, c, a.srv.URL, "/en/password/forgot", url.Values{"email": {"ana@example.org"}})
		mustContain(t, "the answer", body, "This hub has no mail server set up")
		if ms, _ := s.Mails(context.Background(), db.MailQuery{To: "ana@example.org"}); len(ms) != 1 || !strings.Contains(ms[0].Text, "https://hub.example.org/en/password/reset/") {
			t.Errorf("queued %d mails", len(ms))
		}
	})
}

// TestConfirmAddressJourney: a visitor registers, in each language; the
// confirmation mail arrives in that language; until the link is
// followed the member cannot post; an admin sees who has not confirmed.
// Registering with an address that has an account answers the same and
// tells its owner by mail.
func TestConfirmAddressJourney(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		m := newMailHub(t, s)
		mkUser(t, s, "admin@example.org", db.RoleAdmin, 0)
		owner := mkUser(t, s, "owner@example.org", db.RoleMember, 0)
		subjects := map[db.Lang]string{db.BG: "Потвърдете имейл адреса си", db.EN: "Confirm your e-mail address"}
		for _, lang := range db.InterfaceLangs {
			p := "/" + string(lang)
			email := "new-" + string(lang) + "@example.org"
			c := newClient(t)
			m.h.acc.signup = newRateLimiter(100, time.Hour, 100)
			resp, _ := submitForm(t, c, m.srv.URL, p+"/register", url.Values{"name": {"Нов член"}, "email": {email}, "password": {testPassword}, "password2": {testPassword}})
			_, flash := getPage(t, c, m.srv.URL+p+"/login")
			taken := newClient(t)
			resp2, _ := submitForm(t, taken, m.srv.URL, p+"/register", url.Values{"name": {"Someone"}, "email": {"Owner@example.org"}, "password": {testPassword}, "password2": {testPassword}})
			_, flash2 := getPage(t, taken, m.srv.URL+p+"/login")
			if resp.StatusCode != http.StatusSeeOther || resp2.StatusCode != resp.StatusCode || resp.Header.Get("Location") != resp2.Header.Get("Location") || resp.Header.Get("Location") != p+"/login" {
				t.Errorf("register new: %d → %s; taken: %d → %s; want the same 303", resp.StatusCode, resp.Header.Get("Location"), resp2.StatusCode, resp2.Header.Get("Location"))
			}
			flashRE := regexp.MustCompile(`<p class="flash" role="status">[^<]*</p>`)
			if f1, f2 := flashRE.FindString(flash), flashRE.FindString(flash2); f1 == "" || f1 != f2 {
				t.Errorf("the messages differ: %q vs %q", f1, f2)
			}
			if u, _ := s.UserByEmail(context.Background(), "owner@example.org"); u.Name != owner.Name {
				t.Error("registering with a taken address changed the account")
			}
			ownerMails := m.deliver(t, "owner@example.org")
			if len(ownerMails) == 0 {
				t.Fatal("the owner was not told")
			}
			if l := checkMail(t, ownerMails[0], lang, map[db.Lang]string{db.BG: "Някой опита", db.EN: "Someone tried"}[lang]); l != p+"/password/forgot" {
				t.Errorf("the owner's mail links to %s", l)
			}

			mails := m.mp.To(email)
			if len(mails) != 1 {
				t.Fatalf("%d mails to %s, want 1", len(mails), email)
			}
			link := checkMail(t, mails[0], lang, subjects[lang])

			signIn(t, c, m.srv.URL, email, testPassword)
			_, body := getPage(t, c, m.srv.URL+p+"/account")
			mustContain(t, "the unconfirmed account page", body, map[db.Lang]string{db.BG: "още не е потвърден", db.EN: "not confirmed yet"}[lang], `action="`+p+`/account/confirm"`)
			admin := newClient(t)
			signIn(t, admin, m.srv.URL, "admin@example.org", testPassword)
			_, body = getPage(t, admin, m.srv.URL+p+"/admin/users")
			row := regexp.MustCompile(`(?s)<tr>\s*<td><a [^>]*>` + regexp.QuoteMeta(email) + `</a>.*?</tr>`).FindString(body)
			mustContain(t, "the admin's row of the new member", row, map[db.Lang]string{db.BG: "адресът не е потвърден", db.EN: "address not confirmed"}[lang])

			thread := url.Values{"category": {"questions"}, "title": {"Въпрос " + string(lang)}, "body": {"Текст на въпроса"}, "lang": {"bg"}}
			resp, body = submitForm(t, c, m.srv.URL, p+"/forum/new", thread)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("an unconfirmed member posts: %d, want 403", resp.StatusCode)
			}
			mustContain(t, "the refusal", body, email)

			_, body = getPage(t, c, m.srv.URL+link)
			mustContain(t, "the confirmation page", body, `action="`+link+`"`)
			resp, _ = submitForm(t, c, m.srv.URL, link, url.Values{})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != p+"/account" {
				t.Fatalf("confirm: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			_, body = getPage(t, c, m.srv.URL+p+"/account")
			mustContain(t, "the confirmed account page", body, map[db.Lang]string{db.BG: "потвърден)", db.EN: "confirmed)"}[lang])
			if resp, _ := submitForm(t, c, m.srv.URL, link, url.Values{}); resp.StatusCode != http.StatusGone {
				t.Errorf("a used confirmation link: %d, want 410", resp.StatusCode)
			}
			if resp, _ := submitForm(t, c, m.srv.URL, p+"/forum/new", thread); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("a confirmed member posts: %d, want 303", resp.StatusCode)
			}
			if n := len(m.mp.To(email)); n != 1 {
				t.Errorf("%d mails to %s, want 1", n, email)
			}
		}
	})
}

// TestMailKindsInBothLanguages checks the catalogue keys every mail uses.
func TestMailKindsInBothLanguages(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range mailKinds {
		for _, part := range []string{"subject", "before", "button", "after"} {
			for _, lang := range db.InterfaceLangs {
				if cats[lang]["mail."+kind+"."+part] == "" {
					t.Errorf("%s: mail.%s.%s is missing", lang, kind, part)
				}
			}
		}
	}
}
