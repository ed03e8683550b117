package portal

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/portal/mailer"
)

// accountsData is what accounts.html shows: one of its views, the form and
// the message left by the previous page.
type accountsData struct {
	View    string // login, register or account
	Form    *form
	Flash   string
	Next    string
	OrgName string
	MinPass int
	// MailOn is true when the hub can send e-mail; pages that depend on
	// it say so when it cannot.
	MailOn bool
	Sent   string // what the "sent" view says was mailed
	Token  string // the mailed link's token, on the reset and confirm views
}

func (h *Handler) renderAccounts(w http.ResponseWriter, r *http.Request, lang db.Lang, code int, d *accountsData) error {
	cat := h.cats[lang]
	d.Flash = h.popFlash(r, lang)
	d.MinPass = db.MinPasswordLen
	h.ensureCSRF(r)
	w.Header().Set("Cache-Control", "no-store")
	path := "/" + d.View
	switch d.View {
	case "forgot", "sent", "reset", "confirm":
		path = pathAfterLang(r, lang)
	}
	return h.render(w, r, code, "accounts", &view{
		Lang: lang, Title: cat.T("acc." + d.View + ".title"), Path: path, Section: "account", Data: d,
	})
}

// loginForm shows the sign-in form; a signed-in user goes straight on.
func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	next := safeLocal(r.URL.Query().Get("next"))
	if u := currentUser(r); u != nil {
		http.Redirect(w, r, h.afterLogin(u, lang, next), http.StatusSeeOther)
		return nil
	}
	f := newForm(h.cats[lang])
	return h.renderAccounts(w, r, lang, http.StatusOK, &accountsData{View: "login", Form: f, Next: next})
}

// loginSubmit signs a user in. Every failure gets the same message, so the
// form does not tell which addresses have accounts.
func (h *Handler) loginSubmit(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	if ok, wait := h.acc.login.allow(h.clientKey(r)); !ok {
		return h.tooMany(w, r, lang, wait)
	}
	f := formFrom(r, h.cats[lang], "email")
	next := safeLocal(r.PostForm.Get("next"))
	password := r.PostForm.Get("password")
	f.require("email")
	if password == "" {
		f.Fail("password", "form.required")
	}
	if f.OK() {
		u, err := h.store.Authenticate(r.Context(), f.Get("email"), password)
		switch {
		case errors.Is(err, db.ErrBadCredentials):
			f.Fail("password", "acc.login.failed")
		case err != nil:
			return err
		default:
			if err := h.startSession(r.Context(), u); err != nil {
				return err
			}
			http.Redirect(w, r, h.afterLogin(u, lang, next), http.StatusSeeOther)
			return nil
		}
	}
	return h.renderAccounts(w, r, lang, http.StatusUnprocessableEntity, &accountsData{View: "login", Form: f, Next: next})
}

// afterLogin is where a user goes after signing in: the page they came
// for, else the administration for admins, the editing pages for editors,
// else the home page.
func (h *Handler) afterLogin(u *db.User, lang db.Lang, next string) string {
	switch {
	case next != "":
		return next
	case u.Role == db.RoleAdmin:
		return "/" + string(lang) + "/admin"
	case u.Role == db.RoleEditor:
		return "/" + string(lang) + "/manage"
	default:
		return "/" + string(lang) + "/"
	}
}

// logout signs the user out and goes to the home page.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	if err := h.endSession(r.Context()); err != nil {
		return err
	}
	http.Redirect(w, r, "/"+string(lang)+"/", http.StatusSeeOther)
	return nil
}

// registerForm shows the registration form for members.
func (h *Handler) registerForm(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	if currentUser(r) != nil {
		http.Redirect(w, r, "/"+string(lang)+"/account", http.StatusSeeOther)
		return nil
	}
	return h.renderAccounts(w, r, lang, http.StatusOK, &accountsData{View: "register", Form: newForm(h.cats[lang]), MailOn: h.mailOn})
}

// registerSubmit creates a member account whose address is to be
// confirmed by a mailed link. It answers the same whether or not the
// address already has an account (a redirect to the sign-in page with the
// same message), so the form does not tell who has one; the owner of an
// existing account is told by e-mail instead.
func (h *Handler) registerSubmit(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	if ok, wait := h.acc.signup.allow(h.clientKey(r)); !ok {
		return h.tooMany(w, r, lang, wait)
	}
	f := formFrom(r, h.cats[lang], "name", "email")
	p1, p2 := r.PostForm.Get("password"), r.PostForm.Get("password2")
	f.require("name", "email")
	f.maxLen("name", 100)
	email := db.NormalizeEmail(f.Get("email"))
	if f.Get("email") != "" && !mailer.ValidAddress(email) {
		f.Fail("email", "form.email")
	}
	checkNewPassword(f, "password", "password2", p1, p2)
	if !f.OK() {
		return h.renderAccounts(w, r, lang, http.StatusUnprocessableEntity, &accountsData{View: "register", Form: f, MailOn: h.mailOn})
	}
	if ok, wait := h.acc.mailTo.allow(email); !ok {
		return h.tooMany(w, r, lang, wait)
	}
	ctx := r.Context()
	err := h.store.InTx(ctx, func(tx *db.Store) error {
		u, err := tx.CreateUser(ctx, db.NewUser{Email: email, Name: f.Get("name"), Password: p1, Role: db.RoleMember, Lang: lang, Unconfirmed: true})
		if err != nil {
			return err
		}
		return h.queueConfirmation(ctx, tx, u, lang)
	})
	switch {
	case errors.Is(err, db.ErrConflict):
		err = h.tellOwner(ctx, email, lang)
	case errors.Is(err, db.ErrInvalid):
		f.Fail("email", "form.email")
		return h.renderAccounts(w, r, lang, http.StatusUnprocessableEntity, &accountsData{View: "register", Form: f, MailOn: h.mailOn})
	}
	if err != nil {
		return err
	}
	h.mailQueued()
	key := "acc.register.done.nomail"
	if h.mailOn {
		key = "acc.register.done.mail"
	}
	h.flash(ctx, key)
	http.Redirect(w, r, "/"+string(lang)+"/login", http.StatusSeeOther)
	return nil
}

// tellOwner mails the owner of the account with address email that
// someone tried to register with it, and how to sign in or reset the
// password. A disabled account is told nothing.
func (h *Handler) tellOwner(ctx context.Context, email string, lang db.Lang) error {
	u, err := h.store.UserByEmail(ctx, email)
	if err != nil {
		return err
	}
	if u.Disabled {
		return nil
	}
	link := h.baseURL + "/" + string(lang) + "/password/forgot"
	return h.store.InTx(ctx, func(tx *db.Store) error {
		return h.queueMail(ctx, tx, h.newMail("account_exists", u.Email, lang, link, u.Email))
	})
}

// checkNewPassword checks a new password typed twice.
func checkNewPassword(f *form, name, again, p1, p2 string) {
	switch n := utf8.RuneCountInString(p1); {
	case p1 == "":
		f.Fail(name, "form.required")
	case n < db.MinPasswordLen:
		f.Fail(name, "form.password.short", db.MinPasswordLen)
	case len(p1) > 1024:
		f.Fail(name, "form.too.long", 1024)
	case p1 != p2:
		f.Fail(again, "form.password.mismatch")
	}
}

// accountPage shows the user's account and the password form.
func (h *Handler) accountPage(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	d, err := h.accountData(r, lang, newForm(h.cats[lang]))
	if err != nil {
		return err
	}
	return h.renderAccounts(w, r, lang, http.StatusOK, d)
}

func (h *Handler) accountData(r *http.Request, lang db.Lang, f *form) (*accountsData, error) {
	d := &accountsData{View: "account", Form: f, MailOn: h.mailOn}
	if u := currentUser(r); u.OrganisationID != 0 {
		o, err := h.store.Organisation(r.Context(), u.OrganisationID)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return nil, err
		}
		if err == nil {
			d.OrgName = pick(o.Texts(), lang).Title
		}
	}
	return d, nil
}

// accountSubmit changes the user's password after checking the current
// one; the user's other sessions end.
func (h *Handler) accountSubmit(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	if ok, wait := h.acc.login.allow(h.clientKey(r)); !ok {
		return h.tooMany(w, r, lang, wait)
	}
	u := currentUser(r)
	f := newForm(h.cats[lang])
	current := r.PostForm.Get("current")
	p1, p2 := r.PostForm.Get("password"), r.PostForm.Get("password2")
	if current == "" {
		f.Fail("current", "form.required")
	}
	checkNewPassword(f, "password", "password2", p1, p2)
	if f.OK() {
		_, err := h.store.Authenticate(r.Context(), u.Email, current)
		switch {
		case errors.Is(err, db.ErrBadCredentials):
			f.Fail("current", "acc.account.current.wrong")
		case err != nil:
			return err
		}
	}
	if f.OK() {
		ctx := r.Context()
		if err := h.store.SetPassword(ctx, u.ID, p1); err != nil {
			return err
		}
		nu, err := h.store.User(ctx, u.ID)
		if err != nil {
			return err
		}
		if err := h.startSession(ctx, nu); err != nil {
			return err
		}
		h.flash(ctx, "acc.account.changed")
		http.Redirect(w, r, "/"+string(lang)+"/account", http.StatusSeeOther)
		return nil
	}
	d, err := h.accountData(r, lang, f)
	if err != nil {
		return err
	}
	return h.renderAccounts(w, r, lang, http.StatusUnprocessableEntity, d)
}

// tooMany answers 429 with a page that says when to try again.
func (h *Handler) tooMany(w http.ResponseWriter, r *http.Request, lang db.Lang, wait time.Duration) error {
	secs := int(wait.Seconds()) + 1
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	cat := h.cats[lang]
	mins := (secs + 59) / 60
	w.Header().Set("Cache-Control", "no-store")
	return h.render(w, r, http.StatusTooManyRequests, "status", &view{
		Lang: lang, Title: cat.T("acc.status.toomany.title"), Path: pathAfterLang(r, lang),
		Data: statusData{Reason: "toomany", Text: cat.T("acc.status.toomany.text", mins), Link: r.URL.Path, LinkText: cat.T("acc.status.retry")},
	})
}
