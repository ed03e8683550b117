package portal

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/portal/mailer"
)

// Lifetimes of the links the hub mails.
const (
	resetTTL   = time.Hour
	confirmTTL = 48 * time.Hour
)

// mailRoutes adds the pages behind the links the hub mails: forgotten
// passwords and address confirmation.
func (h *Handler) mailRoutes(m *http.ServeMux, lang db.Lang, p string) {
	m.Handle("GET "+p+"/password/forgot", h.page(lang, h.forgotForm))
	m.Handle("POST "+p+"/password/forgot", h.page(lang, h.forgotSubmit))
	m.Handle("GET "+p+"/password/reset/{token}", h.page(lang, h.resetForm))
	m.Handle("POST "+p+"/password/reset/{token}", h.page(lang, h.resetSubmit))
	m.Handle("GET "+p+"/confirm/{token}", h.page(lang, h.confirmForm))
	m.Handle("POST "+p+"/confirm/{token}", h.page(lang, h.confirmSubmit))
	m.Handle("POST "+p+"/account/confirm", h.page(lang, h.signedIn(h.confirmResend)))
}

// forgotForm asks for the address of the account whose password is lost.
func (h *Handler) forgotForm(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	return h.renderAccounts(w, r, lang, http.StatusOK, &accountsData{View: "forgot", Form: newForm(h.cats[lang]), MailOn: h.mailOn})
}

// forgotSubmit mails a reset link to the address if an account has it,
// in the language of the page. The answer is the same either way, so the
// page does not tell which addresses have accounts; requests are limited
// per client and per address, so that nobody floods an inbox.
func (h *Handler) forgotSubmit(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	if ok, wait := h.acc.forgot.allow(h.clientKey(r)); !ok {
		return h.tooMany(w, r, lang, wait)
	}
	f := formFrom(r, h.cats[lang], "email")
	f.require("email")
	email := db.NormalizeEmail(f.Get("email"))
	if f.OK() && !mailer.ValidAddress(email) {
		f.Fail("email", "form.email")
	}
	if !f.OK() {
		return h.renderAccounts(w, r, lang, http.StatusUnprocessableEntity, &accountsData{View: "forgot", Form: f, MailOn: h.mailOn})
	}
	if ok, wait := h.acc.mailTo.allow(email); !ok {
		return h.tooMany(w, r, lang, wait)
	}
	ctx := r.Context()
	u, err := h.store.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, db.ErrNotFound):
	case err != nil:
		return err
	case u.Disabled:
		h.log.Info("password reset asked for a disabled account", "user", u.ID)
	default:
		err := h.store.InTx(ctx, func(tx *db.Store) error {
			token, err := tx.CreateAccountToken(ctx, u, db.TokenPasswordReset, resetTTL)
			if err != nil {
				return err
			}
			link := h.baseURL + "/" + string(lang) + "/password/reset/" + token
			return h.queueMail(ctx, tx, h.newMail("password_reset", u.Email, lang, link, u.Email))
		})
		if err != nil {
			return err
		}
		h.mailQueued()
	}
	return h.renderAccounts(w, r, lang, http.StatusOK, &accountsData{View: "sent", Form: f, MailOn: h.mailOn,
		Sent: h.cats[lang].T("acc.forgot.sent", email)})
}

// tokenProblem answers a link that cannot be used: 404 for one the hub
// never made (mistyped or forged), 410 for one that expired or was used.
func (h *Handler) tokenProblem(w http.ResponseWriter, r *http.Request, lang db.Lang, err error, again string) error {
	cat := h.cats[lang]
	code, reason := http.StatusNotFound, "unknown"
	switch {
	case errors.Is(err, db.ErrTokenExpired):
		code, reason = http.StatusGone, "expired"
	case errors.Is(err, db.ErrTokenUsed):
		code, reason = http.StatusGone, "used"
	case !errors.Is(err, db.ErrNotFound):
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return h.render(w, r, code, "status", &view{Lang: lang, Title: cat.T("acc.token." + reason + ".title"), Path: pathAfterLang(r, lang),
		Data: statusData{Reason: "token", Text: cat.T("acc.token." + reason + ".text"), Link: "/" + string(lang) + again, LinkText: cat.T("acc.token.again" + again)}})
}

// resetForm shows the new-password form of a valid reset link. It does
// not use the link: mail scanners that fetch links must not spend it.
func (h *Handler) resetForm(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	if _, err := h.store.AccountToken(r.Context(), db.TokenPasswordReset, r.PathValue("token")); err != nil {
		return h.tokenProblem(w, r, lang, err, "/password/forgot")
	}
	return h.renderAccounts(w, r, lang, http.StatusOK, &accountsData{View: "reset", Form: newForm(h.cats[lang]), Token: r.PathValue("token")})
}

// resetSubmit sets the new password and spends the link; every session of
// the account ends (their password fingerprint no longer matches) and the
// visitor signs in with the new password.
func (h *Handler) resetSubmit(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	if ok, wait := h.acc.login.allow(h.clientKey(r)); !ok {
		return h.tooMany(w, r, lang, wait)
	}
	token := r.PathValue("token")
	f := newForm(h.cats[lang])
	p1, p2 := r.PostForm.Get("password"), r.PostForm.Get("password2")
	checkNewPassword(f, "password", "password2", p1, p2)
	if !f.OK() {
		if _, err := h.store.AccountToken(r.Context(), db.TokenPasswordReset, token); err != nil {
			return h.tokenProblem(w, r, lang, err, "/password/forgot")
		}
		return h.renderAccounts(w, r, lang, http.StatusUnprocessableEntity, &accountsData{View: "reset", Form: f, Token: token})
	}
	ctx := r.Context()
	if _, err := h.store.ResetPassword(ctx, token, p1); err != nil {
		return h.tokenProblem(w, r, lang, err, "/password/forgot")
	}
	h.flash(ctx, "acc.reset.done")
	http.Redirect(w, r, "/"+string(lang)+"/login", http.StatusSeeOther)
	return nil
}

// queueConfirmation makes an address-confirmation link for u and queues
// the mail that carries it, in lang, on s (the caller's transaction).
func (h *Handler) queueConfirmation(ctx context.Context, s *db.Store, u *db.User, lang db.Lang) error {
	token, err := s.CreateAccountToken(ctx, u, db.TokenConfirmEmail, confirmTTL)
	if err != nil {
		return err
	}
	link := h.baseURL + "/" + string(lang) + "/confirm/" + token
	return h.queueMail(ctx, s, h.newMail("confirm_email", u.Email, lang, link, u.Email))
}

// confirmForm shows a valid confirmation link's button. Only the POST
// confirms: mail scanners that fetch links must not spend them.
func (h *Handler) confirmForm(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	if _, err := h.store.AccountToken(r.Context(), db.TokenConfirmEmail, r.PathValue("token")); err != nil {
		return h.tokenProblem(w, r, lang, err, "/account")
	}
	return h.renderAccounts(w, r, lang, http.StatusOK, &accountsData{View: "confirm", Form: newForm(h.cats[lang]), Token: r.PathValue("token")})
}

// confirmSubmit confirms the address and goes to the account page (or the
// sign-in page for a visitor who is not signed in).
func (h *Handler) confirmSubmit(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	ctx := r.Context()
	if _, err := h.store.ConfirmEmail(ctx, r.PathValue("token")); err != nil {
		return h.tokenProblem(w, r, lang, err, "/account")
	}
	h.flash(ctx, "acc.confirm.done")
	target := "/" + string(lang) + "/account"
	if currentUser(r) == nil {
		target = "/" + string(lang) + "/login"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// confirmResend mails a new confirmation link to the signed-in user.
func (h *Handler) confirmResend(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	u := currentUser(r)
	if u.EmailConfirmed() {
		http.Redirect(w, r, "/"+string(lang)+"/account", http.StatusSeeOther)
		return nil
	}
	if ok, wait := h.acc.mailTo.allow(u.Email); !ok {
		return h.tooMany(w, r, lang, wait)
	}
	ctx := r.Context()
	if err := h.store.InTx(ctx, func(tx *db.Store) error { return h.queueConfirmation(ctx, tx, u, lang) }); err != nil {
		return err
	}
	h.mailQueued()
	h.flash(ctx, "acc.confirm.sent")
	http.Redirect(w, r, "/"+string(lang)+"/account", http.StatusSeeOther)
	return nil
}

// unconfirmed answers 403 to a member who has not confirmed their address
// yet and tries to post: the account page sends a new link.
func (h *Handler) unconfirmed(w http.ResponseWriter, r *http.Request, lang db.Lang) error {
	cat := h.cats[lang]
	w.Header().Set("Cache-Control", "no-store")
	return h.render(w, r, http.StatusForbidden, "status", &view{Lang: lang, Title: cat.T("acc.unconfirmed.title"), Path: pathAfterLang(r, lang), Section: "forum",
		Data: statusData{Reason: "unconfirmed", Text: cat.T("acc.unconfirmed.text", currentUser(r).Email), Link: "/" + string(lang) + "/account", LinkText: cat.T("acc.unconfirmed.link")}})
}
