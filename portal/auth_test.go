package portal

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
	"github.com/bgimigranti/hub/db/markup"
)

// testPassword is the password of every account the tests create.
const testPassword = "correct horse battery"

// accHub is a portal on a test database with direct access to its Handler
// (to loosen rate limits) and its data directory.
type accHub struct {
	h       *Handler
	srv     *httptest.Server
	s       *db.Store
	dataDir string
}

// newAccHub serves a seeded portal whose base URL is https, as in
// production: its cookies are Secure (a cookie jar still sends them to the
// loopback test server, as browsers do for localhost).
func newAccHub(t *testing.T, s *db.Store) *accHub {
	t.Helper()
	if _, err := s.Seed(context.Background(), markup.New()); err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://hub.example.org")
	dir := t.TempDir()
	h, err := New(Config{BaseURL: base, DataDir: dir}, s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &accHub{h: h, srv: srv, s: s, dataDir: dir}
}

// unlimit lifts the sign-in limit for tests that sign in many times.
func (a *accHub) unlimit() { a.h.acc.login = newRateLimiter(10_000, 60e9, 100) }

// newClient returns a client with a cookie jar that does not follow
// redirects, so that tests see them.
func newClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// doRequest sends req with c and returns the response and its body.
func doRequest(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// getPage GETs a URL with c.
func getPage(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return doRequest(t, c, req)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formToken returns the CSRF token of the first form on the page at u.
func formToken(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, body := getPage(t, c, u)
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("GET %s (%d): no CSRF token in the page", u, resp.StatusCode)
	}
	return m[1]
}

// sessionToken returns the CSRF token of c's session: from the account
// page when signed in, else from the sign-in form.
func sessionToken(t *testing.T, c *http.Client, srvURL string) string {
	t.Helper()
	resp, body := getPage(t, c, srvURL+"/bg/account")
	if resp.StatusCode == http.StatusOK {
		if m := csrfInput.FindStringSubmatch(body); m != nil {
			return m[1]
		}
	}
	return formToken(t, c, srvURL+"/bg/login")
}

// submitForm POSTs a URL-encoded form with c, adding the session's CSRF token
// unless v already has a "csrf" field.
func submitForm(t *testing.T, c *http.Client, srvURL, path string, v url.Values) (*http.Response, string) {
	t.Helper()
	if _, ok := v["csrf"]; !ok {
		v.Set("csrf", sessionToken(t, c, srvURL))
	}
	req, err := http.NewRequest("POST", srvURL+path, strings.NewReader(v.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return doRequest(t, c, req)
}

// signIn signs client in on the portal at srvURL through the sign-in form,
// and fails the test if that does not work. The client needs a cookie jar;
// it may follow redirects or not.
func signIn(t *testing.T, client *http.Client, srvURL, email, password string) {
	t.Helper()
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	tok := formToken(t, &c, srvURL+"/bg/login")
	v := url.Values{"csrf": {tok}, "email": {email}, "password": {password}}
	req, _ := http.NewRequest("POST", srvURL+"/bg/login", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body := doRequest(t, &c, req)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d, want 303\n%s", email, resp.StatusCode, body)
	}
}

// mkUser creates an account with testPassword.
func mkUser(t *testing.T, s *db.Store, email string, role db.Role, orgID int64) *db.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), db.NewUser{Email: email, Name: strings.Split(email, "@")[0], Password: testPassword, Role: role, OrganisationID: orgID})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// mkOrg creates a local organisation.
func mkOrg(t *testing.T, s *db.Store, handle, nameBG, nameEN string) *db.Organisation {
	t.Helper()
	o := &db.Organisation{Handle: handle, Kind: db.OrgInfoCentre, Country: "BG"}
	o.SetTexts(db.Text{Lang: db.BG, Title: nameBG}, db.Text{Lang: db.EN, Title: nameEN})
	if err := s.CreateOrganisation(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func TestSignInAndOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		a := newAccHub(t, s)
		org := mkOrg(t, s, "ic-haskovo", "ИЦ Хасково", "IC Haskovo")
		mkUser(t, s, "editor@example.org", db.RoleEditor, org.ID)
		for _, tt := range []struct {
			lang               db.Lang
			title, wrong, home string
		}{
			{db.BG, "<title>Вход", "Имейл адресът или паролата са грешни", "Управление на съдържанието"},
			{db.EN, "<title>Sign in", "The e-mail address or the password is wrong", "Manage content"},
		} {
			c := newClient(t)
			p := "/" + string(tt.lang)
			resp, body := getPage(t, c, a.srv.URL+p+"/login")
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s/login = %d", p, resp.StatusCode)
			}
			mustContain(t, "the sign-in form", body, tt.title, `autocomplete="current-password"`, `autocomplete="username"`, `<label for="f-email">`)
			cookie := resp.Header.Get("Set-Cookie")
			for _, attr := range []string{"hub_session=", "HttpOnly", "SameSite=Lax", "Secure", "Path=/"} {
				if !strings.Contains(cookie, attr) {
					t.Errorf("session cookie %q lacks %s", cookie, attr)
				}
			}

			// Wrong password: the form comes back with a generic message
			// next to the password and the e-mail kept.
			resp, body = submitForm(t, c, a.srv.URL, p+"/login", url.Values{"email": {"editor@example.org"}, "password": {"wrong password!"}})
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("wrong password: status %d", resp.StatusCode)
			}
			mustContain(t, "the wrong-password page", body, tt.wrong, `value="editor@example.org"`, `aria-describedby=" f-password-error"`, `id="f-password-error"`)
			if strings.Contains(body, "wrong password!") {
				t.Error("the password was sent back in the form")
			}
			// Unknown address: the same message.
			_, body = submitForm(t, c, a.srv.URL, p+"/login", url.Values{"email": {"nobody@example.org"}, "password": {"whatever it is"}})
			mustContain(t, "the unknown-address page", body, tt.wrong)

			// Sign in, with a session token different from the one before.
			before := sessionValue(t, c, a.srv.URL)
			signIn(t, c, a.srv.URL, "editor@example.org", testPassword)
			if after := sessionValue(t, c, a.srv.URL); after == before || after == "" {
				t.Error("signing in did not renew the session token")
			}
			_, body = getPage(t, c, a.srv.URL+p+"/account")
			mustContain(t, "the account page", body, "editor@example.org", tt.home)

			// A safe next is followed, an unsafe one is not.
			resp, _ = getPage(t, c, a.srv.URL+p+"/login?next="+url.QueryEscape(p+"/manage?org=1"))
			if loc := resp.Header.Get("Location"); loc != p+"/manage?org=1" {
				t.Errorf("signed-in GET login with a local next → %q", loc)
			}
			resp, _ = getPage(t, c, a.srv.URL+p+"/login?next="+url.QueryEscape("//evil.example/x"))
			if loc := resp.Header.Get("Location"); loc != p+"/manage" {
				t.Errorf("signed-in GET login with next=//evil.example → %q, want %s/manage", loc, p)
			}

			// Sign out.
			resp, _ = submitForm(t, c, a.srv.URL, p+"/logout", url.Values{})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != p+"/" {
				t.Errorf("logout: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			resp, _ = getPage(t, c, a.srv.URL+p+"/account")
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), p+"/login?next=") {
				t.Errorf("after logout, /account = %d → %q, want a redirect to sign in", resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	})
}

// sessionValue is the value of c's session cookie for the server.
func sessionValue(t *testing.T, c *http.Client, srvURL string) string {
	t.Helper()
	u, _ := url.Parse(srvURL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "hub_session" {
			return ck.Value
		}
	}
	return ""
}

func TestSignInRedirectsToNext(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		a := newAccHub(t, s)
		mkUser(t, s, "member@example.org", db.RoleMember, 0)
		c := newClient(t)
		resp, _ := getPage(t, c, a.srv.URL+"/en/account")
		loc := resp.Header.Get("Location")
		if loc != "/en/login?next=%2Fen%2Faccount" {
			t.Fatalf("anonymous /en/account → %q", loc)
		}
		_, body := getPage(t, c, a.srv.URL+loc)
		mustContain(t, "the sign-in form", body, `name="next" value="/en/account"`)
		for next, want := range map[string]string{"/en/account": "/en/account", "https://evil.example/": "/en/", "/\\evil.example": "/en/"} {
			resp, _ = submitForm(t, c, a.srv.URL, "/en/login", url.Values{"email": {"member@example.org"}, "password": {testPassword}, "next": {next}})
			if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != want {
				t.Errorf("sign in with next=%q: %d → %q, want %q", next, resp.StatusCode, got, want)
			}
			submitForm(t, c, a.srv.URL, "/en/logout", url.Values{})
		}
	})
}

func TestDisabledUserIsSignedOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		a := newAccHub(t, s)
		u := mkUser(t, s, "member@example.org", db.RoleMember, 0)
		c := newClient(t)
		signIn(t, c, a.srv.URL, "member@example.org", testPassword)
		if resp, _ := getPage(t, c, a.srv.URL+"/en/account"); resp.StatusCode != 200 {
			t.Fatalf("signed-in /en/account = %d", resp.StatusCode)
		}
		u.Disabled = true
		if err := s.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if resp, _ := getPage(t, c, a.srv.URL+"/en/account"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("a disabled user still reaches /en/account: %d", resp.StatusCode)
		}
		// And cannot sign in again, with the generic message.
		resp, body := submitForm(t, c, a.srv.URL, "/bg/login", url.Values{"email": {"member@example.org"}, "password": {testPassword}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Имейл адресът или паролата са грешни") {
			t.Errorf("a disabled user signing in: %d", resp.StatusCode)
		}
	})
}

func TestRegistration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		a := newAccHub(t, s)
		mkUser(t, s, "taken@example.org", db.RoleMember, 0)
		msgs := map[db.Lang]map[string]string{
			db.BG: {"required": "Моля, попълнете това поле.", "short": "Паролата е твърде кратка", "mismatch": "Двете пароли се различават", "email": "Въведете имейл адрес", "taken": "Вече има профил с този имейл адрес"},
			db.EN: {"required": "Please fill in this field.", "short": "The password is too short", "mismatch": "The two passwords differ", "email": "Enter an e-mail address", "taken": "There is already an account with this e-mail address"},
		}
		for _, lang := range db.InterfaceLangs {
			p := "/" + string(lang)
			c := newClient(t)
			resp, body := getPage(t, c, a.srv.URL+p+"/register")
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s/register = %d", p, resp.StatusCode)
			}
			mustContain(t, "the registration form", body, `autocomplete="new-password"`, `autocomplete="email"`, `autocomplete="name"`, `for="f-password2"`)
			for _, tt := range []struct {
				name          string
				v             url.Values
				field, msgKey string
			}{
				{"no name", url.Values{"email": {"a@example.org"}, "password": {testPassword}, "password2": {testPassword}}, "name", "required"},
				{"bad email", url.Values{"name": {"Ана"}, "email": {"not an address"}, "password": {testPassword}, "password2": {testPassword}}, "email", "email"},
				{"short password", url.Values{"name": {"Ана"}, "email": {"a@example.org"}, "password": {"short"}, "password2": {"short"}}, "password", "short"},
				{"mismatch", url.Values{"name": {"Ана"}, "email": {"a@example.org"}, "password": {testPassword}, "password2": {testPassword + "x"}}, "password2", "mismatch"},
				{"line break in the address", url.Values{"name": {"Ана"}, "email": {"a@example.org\r\nBcc: eve@example.org"}, "password": {testPassword}, "password2": {testPassword}}, "email", "email"},
			} {
				resp, body := submitForm(t, c, a.srv.URL, p+"/register", tt.v)
				if resp.StatusCode != http.StatusUnprocessableEntity {
					t.Errorf("%s %s: status %d, want 422", lang, tt.name, resp.StatusCode)
				}
				mustContain(t, string(lang)+" "+tt.name, body, msgs[lang][tt.msgKey], `id="f-`+tt.field+`-error"`, `aria-invalid="true"`)
				if n := tt.v.Get("name"); n != "" && !strings.Contains(body, `value="`+n+`"`) {
					t.Errorf("%s %s: the name typed was not kept", lang, tt.name)
				}
				if strings.Contains(body, testPassword) {
					t.Errorf("%s %s: a password was sent back", lang, tt.name)
				}
			}
			a.h.acc.signup = newRateLimiter(100, 3600e9, 100) // the errors above used up the hour's registrations
			email := "new-" + string(lang) + "@example.org"
			resp, _ = submitForm(t, c, a.srv.URL, p+"/register", url.Values{"name": {"Нов член"}, "email": {email}, "password": {testPassword}, "password2": {testPassword}})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != p+"/login" {
				t.Fatalf("%s register: %d → %q", lang, resp.StatusCode, resp.Header.Get("Location"))
			}
			_, body = getPage(t, c, a.srv.URL+p+"/login")
			mustContain(t, "the sign-in page after registering", body, map[db.Lang]string{db.BG: "Ако адресът е нов тук", db.EN: "If this address is new here"}[lang])
			// The same address again, or a taken one: the same answer.
			for _, again := range []string{email, "Taken@Example.org"} {
				resp, _ = submitForm(t, c, a.srv.URL, p+"/register", url.Values{"name": {"Друг"}, "email": {again}, "password": {testPassword}, "password2": {testPassword}})
				if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != p+"/login" {
					t.Errorf("%s register with %s: %d → %q", lang, again, resp.StatusCode, resp.Header.Get("Location"))
				}
			}
			signIn(t, c, a.srv.URL, email, testPassword)
			_, body = getPage(t, c, a.srv.URL+p+"/account")
			mustContain(t, "the new member's account page", body, email, "Нов член")
			u, err := s.UserByEmail(context.Background(), email)
			if err != nil || u.Role != db.RoleMember || u.Lang != lang || u.EmailConfirmed() || u.Name != "Нов член" {
				t.Errorf("registered user: %+v, %v", u, err)
			}
			kinds := map[string]int{}
			for _, m := range mustMails(t, s) {
				kinds[m.Kind+" "+m.To]++
			}
			if kinds["confirm_email "+email] != 1 || kinds["account_exists "+email] != 1 || kinds["account_exists taken@example.org"] == 0 {
				t.Errorf("queued mails: %v", kinds)
			}
		}
	})
}

func mustMails(t *testing.T, s *db.Store) []*db.Mail {
	t.Helper()
	ms, err := s.Mails(context.Background(), db.MailQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func TestPasswordChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		a := newAccHub(t, s)
		mkUser(t, s, "member@example.org", db.RoleMember, 0)
		c, other := newClient(t), newClient(t)
		signIn(t, c, a.srv.URL, "member@example.org", testPassword)
		signIn(t, other, a.srv.URL, "member@example.org", testPassword)
		resp, body := submitForm(t, c, a.srv.URL, "/en/account", url.Values{"current": {"not my password"}, "password": {"a brand new password"}, "password2": {"a brand new password"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "This is not your current password.") {
			t.Errorf("wrong current password: %d", resp.StatusCode)
		}
		resp, body = submitForm(t, c, a.srv.URL, "/bg/account", url.Values{"current": {testPassword}, "password": {"a brand new password"}, "password2": {"another one entirely"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Двете пароли се различават") {
			t.Errorf("mismatched new passwords: %d", resp.StatusCode)
		}
		resp, _ = submitForm(t, c, a.srv.URL, "/bg/account", url.Values{"current": {testPassword}, "password": {"a brand new password"}, "password2": {"a brand new password"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("change password: %d", resp.StatusCode)
		}
		_, body = getPage(t, c, a.srv.URL+"/bg/account")
		mustContain(t, "the account page after the change", body, "Паролата ви е сменена")
		if resp, _ := getPage(t, other, a.srv.URL+"/bg/account"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the other session survived the password change: %d", resp.StatusCode)
		}
		if _, err := s.Authenticate(context.Background(), "member@example.org", "a brand new password"); err != nil {
			t.Errorf("the new password does not work: %v", err)
		}
	})
}

func TestRateLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		a := newAccHub(t, s)
		// Stop the limiters' clocks: on a loaded machine a minute can pass
		// between attempts, and the bucket refills.
		frozen := time.Now()
		a.h.acc.login.now = func() time.Time { return frozen }
		a.h.acc.signup.now = func() time.Time { return frozen }
		c := newClient(t)
		for i := 1; i <= 11; i++ {
			resp, body := submitForm(t, c, a.srv.URL, "/en/login", url.Values{"email": {"x@example.org"}, "password": {"wrong"}})
			switch {
			case i <= 10 && resp.StatusCode != http.StatusUnprocessableEntity:
				t.Fatalf("login attempt %d: %d, want 422", i, resp.StatusCode)
			case i == 11:
				if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
					t.Errorf("login attempt 11: %d, Retry-After %q; want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
				}
				mustContain(t, "the 429 page", body, "Too many attempts", `lang="en"`)
			}
		}
		for i := 1; i <= 6; i++ {
			resp, body := submitForm(t, c, a.srv.URL, "/bg/register", url.Values{"email": {"bad"}})
			switch {
			case i <= 5 && resp.StatusCode != http.StatusUnprocessableEntity:
				t.Fatalf("registration %d: %d, want 422", i, resp.StatusCode)
			case i == 6:
				if resp.StatusCode != http.StatusTooManyRequests {
					t.Errorf("registration 6: %d, want 429", resp.StatusCode)
				}
				mustContain(t, "the BG 429 page", body, "Твърде много опити", `lang="bg"`)
			}
		}
	})
}

func TestRateLimiterIsBounded(t *testing.T) {
	l := newRateLimiter(2, 60e9, 100)
	for i := range 1000 {
		l.allow(strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune(i)))
		if len(l.buckets) > 100 {
			t.Fatalf("the limiter tracks %d clients, more than its bound of 100", len(l.buckets))
		}
	}
	if ok, _ := l.allow("k"); !ok {
		t.Error("first request refused")
	}
	l.allow("k")
	if ok, wait := l.allow("k"); ok || wait <= 0 {
		t.Errorf("third request within the burst of 2: allowed=%v wait=%v", ok, wait)
	}
}

func TestCSRF(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		a := newAccHub(t, s)
		mkUser(t, s, "member@example.org", db.RoleMember, 0)
		c := newClient(t)
		signIn(t, c, a.srv.URL, "member@example.org", testPassword)
		tok := sessionToken(t, c, a.srv.URL)
		post := func(path, token string, headers ...string) (*http.Response, string) {
			v := url.Values{"current": {"x"}}
			if token != "" {
				v.Set("csrf", token)
			}
			req, _ := http.NewRequest("POST", a.srv.URL+path, strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for i := 0; i+1 < len(headers); i += 2 {
				req.Header.Set(headers[i], headers[i+1])
			}
			return doRequest(t, c, req)
		}
		for _, tt := range []struct {
			name, path, token string
			headers           []string
			status            int
			want              string
		}{
			{"no token", "/en/account", "", nil, 403, "This form could not be accepted"},
			{"wrong token", "/bg/account", "forged", nil, 403, "Формулярът не може да бъде приет"},
			{"foreign origin", "/en/account", tok, []string{"Origin", "https://evil.example"}, 403, "sent from another site"},
			{"cross-site fetch", "/en/account", tok, []string{"Sec-Fetch-Site", "cross-site"}, 403, "This form could not be accepted"},
			{"logout without token", "/en/logout", "", nil, 403, "This form could not be accepted"},
			{"unknown page", "/en/nowhere", "", nil, 403, "This form could not be accepted"},
			{"with the token", "/en/account", tok, nil, 422, "Please fill in this field."},
			{"same origin", "/en/account", tok, []string{"Origin", a.srv.URL, "Sec-Fetch-Site", "same-origin"}, 422, "Please fill in this field."},
		} {
			resp, body := post(tt.path, tt.token, tt.headers...)
			if resp.StatusCode != tt.status {
				t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.status)
			}
			mustContain(t, tt.name, body, tt.want)
		}
		// The refused logout did not sign the user out.
		if resp, _ := getPage(t, c, a.srv.URL+"/en/account"); resp.StatusCode != 200 {
			t.Errorf("after forged requests the user is signed out: %d", resp.StatusCode)
		}
		// An anonymous visitor without a session cannot post either.
		anon := newClient(t)
		resp, _ := doRequest(t, anon, mustRequest(t, "POST", a.srv.URL+"/en/login", "email=a%40b.c&password=x"))
		if resp.StatusCode != 403 {
			t.Errorf("sign-in without a session or token: %d, want 403", resp.StatusCode)
		}
	})
}

func mustRequest(t *testing.T, method, u, form string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func TestPublicPagesStartNoSession(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		a := newAccHub(t, s)
		c := newClient(t)
		for _, p := range []string{"/bg/", "/en/handbooks", "/en/pages/about"} {
			resp, _ := getPage(t, c, a.srv.URL+p)
			if sc := resp.Header.Get("Set-Cookie"); strings.Contains(sc, "hub_session") {
				t.Errorf("GET %s started a session: %s", p, sc)
			}
		}
	})
}

func TestSafeLocal(t *testing.T) {
	for in, want := range map[string]string{
		"/bg/manage":         "/bg/manage",
		"/en/manage?org=hub": "/en/manage?org=hub",
		"":                   "",
		"//evil.example":     "",
		"/\\evil.example":    "",
		"https://evil.ex/":   "",
		"bg/manage":          "",
		"/bg/\nx":            "",
		"javascript:alert()": "",
	} {
		if got := safeLocal(in); got != want {
			t.Errorf("safeLocal(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSessionsAreStoredHashedAndSurviveCorruption(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		a := newAccHub(t, s)
		mkUser(t, s, "member@example.org", db.RoleMember, 0)
		c := newClient(t)
		signIn(t, c, a.srv.URL, "member@example.org", testPassword)
		token := sessionValue(t, c, a.srv.URL)
		if _, found, _ := s.FindSession(ctx, token); found {
			t.Error("the session token is stored in clear")
		}
		sum := sha256.Sum256([]byte(token))
		key := base64.RawURLEncoding.EncodeToString(sum[:])
		if _, found, _ := s.FindSession(ctx, key); !found {
			t.Fatal("the session is not stored under the SHA-256 of its token")
		}
		if err := s.CommitSession(ctx, key, []byte("garbage"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		resp, _ := getPage(t, c, a.srv.URL+"/en/account")
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("with a corrupt session, /en/account = %d, want a redirect to sign in", resp.StatusCode)
		}
		if resp, _ := getPage(t, c, a.srv.URL+"/en/login"); resp.StatusCode != 200 {
			t.Errorf("with a corrupt session, the sign-in form = %d", resp.StatusCode)
		}
		signIn(t, c, a.srv.URL, "member@example.org", testPassword)
	})
}
