package portal

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"net/url"

	"github.com/bgimigranti/hub/db"
)

// csrfField is the hidden field every state-changing form carries; scripts
// may send the X-CSRF-Token header instead.
const csrfField = "csrf"

// newToken returns 256 random bits, URL-safe.
func newToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ensureCSRF returns the session's form token, starting a session for it
// if the visitor has none yet (the sign-in and registration forms).
func (h *Handler) ensureCSRF(r *http.Request) string {
	if tok := h.csrfToken(r); tok != "" {
		return tok
	}
	if st := state(r); st == nil || !st.session {
		return ""
	}
	tok := newToken()
	h.acc.sessions.Put(r.Context(), sessionCSRF, tok)
	return tok
}

// checkRequest guards a state-changing request, in this order: the browser
// must not say it comes from another site (Sec-Fetch-Site, or an Origin
// that is not this host); the body is bounded and parsed; and it must carry
// the session's synchronizer token. It returns "" when the request may
// proceed, or the reason it may not: "csrf", "toolarge", "badform" or
// "badchars" (a field or file name holds a NUL or another control
// character, or invalid UTF-8: db.ValidText, the rule of what is stored).
func (h *Handler) checkRequest(w http.ResponseWriter, r *http.Request) string {
	if err := h.acc.origins.Check(r); err != nil {
		return "csrf"
	}
	multipart := false
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && ct == "multipart/form-data" {
		multipart = true
	}
	var err error
	if multipart {
		r.Body = http.MaxBytesReader(w, r.Body, maxMultipartBytes)
		// Up to 1 MiB of it is kept in memory, the rest in temporary files
		// that the server removes after the request.
		err = r.ParseMultipartForm(1 << 20)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		err = r.ParseForm()
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return "toolarge"
	case err != nil:
		return "badform"
	case !validForm(r):
		return "badchars"
	}
	sent := r.PostForm.Get(csrfField)
	if sent == "" {
		sent = r.Header.Get("X-CSRF-Token")
	}
	want := h.csrfToken(r)
	if want == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(want)) != 1 {
		return "csrf"
	}
	return ""
}

// validForm reports whether every field name and value of a parsed form
// is text the hub may store, and every file name one line of it.
func validForm(r *http.Request) bool {
	for k, vs := range r.PostForm {
		if !db.ValidLine(k) {
			return false
		}
		for _, v := range vs {
			if !db.ValidText(v) {
				return false
			}
		}
	}
	if r.MultipartForm != nil {
		for _, fhs := range r.MultipartForm.File {
			for _, fh := range fhs {
				if !db.ValidLine(fh.Filename) {
					return false
				}
			}
		}
	}
	return true
}

// sameSiteReferer returns the path and query of the request's Referer when
// it is a page of this host, to offer "go back" on an error page.
func sameSiteReferer(r *http.Request) string {
	u, err := url.Parse(r.Referer())
	if err != nil || u.Host != r.Host || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return safeLocal(u.RequestURI())
}

// safeLocal returns p if it is a path on this site ("/bg/manage?x=1"), and
// "" for anything that could lead elsewhere: absolute URLs, "//host",
// "/\host", control characters.
func safeLocal(p string) string {
	if len(p) == 0 || p[0] != '/' || len(p) > 2000 {
		return ""
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return ""
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return ""
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return p
}
