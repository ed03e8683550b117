package main

import (
	"net/http"
	"net/url"

	"github.com/bgimigranti/hub/db"
)

// badInputText is the answer to a request checkInput refuses, in both
// languages: the request has no language the hub could trust yet.
const badInputText = `400 Bad Request

The address or a header of the request holds a character that is not allowed: a NUL or another control character, or bytes that are not valid UTF-8. Check the link (or what sent the request) and try again.

Адресът или заглавка на заявката съдържа непозволен символ: NUL или друг управляващ символ, или байтове, които не са валиден UTF-8. Проверете връзката (или това, което е изпратило заявката) и опитайте отново.
`

// checkInput is the root mux's middleware: it answers 400 to a request
// whose path, query or header values hold what no handler may see (see
// docs/security.md): in the decoded path and query names, a NUL, another
// control character or invalid UTF-8 (db.ValidLine); in query values the
// same, save tab and line breaks (db.ValidText); in header values a
// control character other than tab. Go's server already refuses the
// latter on the wire; the check keeps a proxy in front from passing them.
// Form bodies are checked where the portal parses them and JSON bodies
// where the inbox does.
func checkInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !validRequest(r) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(badInputText))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func validRequest(r *http.Request) bool {
	if !db.ValidLine(r.URL.Path) {
		return false
	}
	// Pairs that do not parse (a bad escape) are left out by ParseQuery,
	// and so never reach a handler either.
	q, _ := url.ParseQuery(r.URL.RawQuery)
	for k, vs := range q {
		if !db.ValidLine(k) {
			return false
		}
		for _, v := range vs {
			if !db.ValidText(v) {
				return false
			}
		}
	}
	for _, vs := range r.Header {
		for _, v := range vs {
			for i := 0; i < len(v); i++ {
				if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
					return false
				}
			}
		}
	}
	return true
}
