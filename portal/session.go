package portal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/bgimigranti/hub/db"
)

// The session cookie and what a session holds.
const (
	sessionCookie   = "hub_session"
	sessionUser     = "uid"   // int64: the signed-in user
	sessionPassword = "pwf"   // string: passwordFingerprint at sign-in
	sessionCSRF     = "csrf"  // string: the synchronizer token
	sessionFlash    = "flash" // string: a catalogue key to show once
)

// Session lifetimes: a session ends 30 days after sign-in at the latest, or
// after a week without a visit.
const (
	sessionLifetime = 30 * 24 * time.Hour
	sessionIdle     = 7 * 24 * time.Hour
	purgeEvery      = time.Hour
)

// newSessionManager returns an scs session manager that keeps sessions in
// the database, under the SHA-256 of their tokens. Cookies are written by
// sessionWriter, which knows whether each request came over TLS.
func newSessionManager(store *db.Store, log *slog.Logger) *scs.SessionManager {
	sm := scs.New()
	sm.Store = &sessionStore{store: store, log: log}
	sm.Lifetime = sessionLifetime
	sm.IdleTimeout = sessionIdle
	sm.HashTokenInStore = true
	sm.Cookie.Name = sessionCookie
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	return sm
}

// sessionStore is scs's store on the database. It purges expired sessions
// at most once an hour, when a session is written.
type sessionStore struct {
	store     *db.Store
	log       *slog.Logger
	lastPurge atomic.Int64 // unix seconds
}

var _ scs.CtxStore = (*sessionStore)(nil)

// FindCtx returns the data of an unexpired session.
func (s *sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	return s.store.FindSession(ctx, token)
}

// CommitCtx writes a session and now and then removes expired ones.
func (s *sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if err := s.store.CommitSession(ctx, token, b, expiry); err != nil {
		return err
	}
	now := time.Now().Unix()
	if last := s.lastPurge.Load(); now-last >= int64(purgeEvery/time.Second) && s.lastPurge.CompareAndSwap(last, now) {
		if n, err := s.store.DeleteExpiredSessions(ctx); err != nil {
			s.log.Warn("purge expired sessions", "err", err)
		} else if n > 0 {
			s.log.Debug("purged expired sessions", "count", n)
		}
	}
	return nil
}

// DeleteCtx removes a session.
func (s *sessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.store.DeleteSession(ctx, token)
}

// Find implements scs.Store for callers without a context.
func (s *sessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit implements scs.Store for callers without a context.
func (s *sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete implements scs.Store for callers without a context.
func (s *sessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// loadSession returns the request's context with its session: the one its
// cookie names, or a new, empty one that is stored only once something is
// put in it.
func (h *Handler) loadSession(r *http.Request) (context.Context, error) {
	var token string
	if c, err := r.Cookie(sessionCookie); err == nil {
		token = c.Value
	}
	return h.acc.sessions.Load(r.Context(), token)
}

// sessionWriter saves the session and sets or clears its cookie just before
// the response's header goes out.
type sessionWriter struct {
	http.ResponseWriter
	h    *Handler
	r    *http.Request
	done bool
}

// WriteHeader commits the session, then writes the header.
func (sw *sessionWriter) WriteHeader(code int) {
	sw.commit()
	sw.ResponseWriter.WriteHeader(code)
}

// Write commits the session before the first bytes of the body.
func (sw *sessionWriter) Write(b []byte) (int, error) {
	sw.commit()
	return sw.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the underlying writer.
func (sw *sessionWriter) Unwrap() http.ResponseWriter { return sw.ResponseWriter }

func (sw *sessionWriter) commit() {
	if sw.done {
		return
	}
	sw.done = true
	sm := sw.h.acc.sessions
	ctx := sw.r.Context()
	cookie := &http.Cookie{
		Name: sessionCookie, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: sw.h.acc.secure || sw.r.TLS != nil,
	}
	switch sm.Status(ctx) {
	case scs.Modified:
		token, expiry, err := sm.Commit(ctx)
		if err != nil {
			// The page still goes out; the visitor's change of session
			// (a sign-in, a new form token) is lost and the next form says so.
			sw.h.log.Error("commit session", "err", err)
			return
		}
		cookie.Value = token
		cookie.Expires = time.Unix(expiry.Unix()+1, 0)
		cookie.MaxAge = int(time.Until(expiry).Seconds() + 1)
	case scs.Destroyed:
		cookie.Expires = time.Unix(1, 0)
		cookie.MaxAge = -1
	default:
		return
	}
	http.SetCookie(sw.ResponseWriter, cookie)
	// A response that sets someone's session must never be cached by a
	// shared cache.
	sw.Header().Set("Cache-Control", "no-store")
}

// startSession signs u in: a new session token (so that a token planted
// before sign-in is worthless), the user, their password fingerprint and a
// new form token.
func (h *Handler) startSession(ctx context.Context, u *db.User) error {
	sm := h.acc.sessions
	if err := sm.RenewToken(ctx); err != nil {
		return err
	}
	sm.Put(ctx, sessionUser, u.ID)
	sm.Put(ctx, sessionPassword, passwordFingerprint(u))
	sm.Put(ctx, sessionCSRF, newToken())
	return nil
}

// endSession signs the user out: the session is deleted from the store and
// its cookie cleared; the next request starts afresh.
func (h *Handler) endSession(ctx context.Context) error {
	return h.acc.sessions.Destroy(ctx)
}

// flash leaves a message (a catalogue key) for the next page the user sees.
func (h *Handler) flash(ctx context.Context, key string) {
	h.acc.sessions.Put(ctx, sessionFlash, key)
}

// popFlash returns the message left for this page, translated, once.
func (h *Handler) popFlash(r *http.Request, lang db.Lang) string {
	if st := state(r); st == nil || !st.session {
		return ""
	}
	if key := h.acc.sessions.PopString(r.Context(), sessionFlash); key != "" {
		return h.cats[lang].T(key)
	}
	return ""
}

// passwordFingerprint identifies the password a session was started with,
// so that changing or resetting a password ends the other sessions. It
// reveals nothing useful about the hash.
func passwordFingerprint(u *db.User) string {
	sum := sha256.Sum256([]byte("hub session\x00" + u.PasswordHash))
	return hex.EncodeToString(sum[:8])
}
