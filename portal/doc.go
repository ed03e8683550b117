// Package portal is the hub's website: server-rendered, bilingual pages under
// /{lang}/…, built from html/template files and locale catalogues embedded in
// the binary. Pages work without JavaScript.
//
// Language comes from the URL prefix. "/" redirects to the language of the
// "lang" cookie, else the best match of Accept-Language, else Bulgarian.
// Content shows the language it is written in; when a translation is
// missing, the page says so and links the language that exists.
package portal
