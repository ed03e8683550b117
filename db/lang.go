package db

import (
	"strings"

	"golang.org/x/text/language"
)

// Lang is a BCP 47 language tag as the hub stores it: lower-case, such as
// "bg" or "en".
type Lang string

// The two languages every interface string, page and feed exists in.
const (
	BG Lang = "bg"
	EN Lang = "en"
)

// Undetermined is the tag of a forum post whose language is not known
// ("und" in BCP 47). It is never the language of a translation.
const Undetermined Lang = "und"

// InterfaceLangs are the languages of the hub's interface, in the order the
// language switch shows them. Content may come in more languages.
var InterfaceLangs = []Lang{BG, EN}

// ParseLang returns the Lang for s if it is one of the interface languages.
func ParseLang(s string) (Lang, bool) {
	l := Lang(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range InterfaceLangs {
		if l == k {
			return l, true
		}
	}
	return "", false
}

// MaxTranslations bounds the translations of one thing: the interface
// languages and a few more. Federation keeps at most this many of a
// received object's languages (the interface languages first); a store
// method refuses more with ErrInvalid.
const MaxTranslations = 8

// maxLangLen bounds a stored language tag (a language, script and region
// take at most 3+1+4+1+3 characters; some room for a variant).
const maxLangLen = 35

// baseOnly are languages whose regional variants the hub does not tell
// apart: "bg-BG" and "en-GB" are stored as "bg" and "en".
var baseOnly = map[string]bool{"bg": true, "en": true, "uk": true, "ru": true, "ar": true, "tr": true, "fa": true,
	"de": true, "fr": true, "es": true, "it": true, "el": true, "ro": true, "sr": true, "mk": true}

// ContentLang is the one rule for the language of content, wherever it
// comes from (a form, a partner's contentMap, a feed): s must be a
// well-formed, valid BCP 47 tag (golang.org/x/text/language) with a known
// primary language, not "und" nor a private-use tag. The result is the
// form the hub stores and writes to every output: lower case, language
// with script and region only (extensions and variants dropped), and the
// bare language for the languages in baseOnly. ok is false when s is not
// such a tag; "x1", "", "und" and "en-x1" are not.
func ContentLang(s string) (Lang, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxLangLen {
		return "", false
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", false
	}
	base, script, region := tag.Raw()
	b := base.String()
	if b == "und" || strings.HasPrefix(b, "x") && len(b) == 1 {
		return "", false
	}
	out := b
	if !baseOnly[b] {
		if sc := script.String(); sc != "Zzzz" {
			out += "-" + sc
		}
		if rg := region.String(); rg != "ZZ" {
			out += "-" + rg
		}
	}
	return Lang(strings.ToLower(out)), true
}

// Valid reports whether l is a language tag in the form ContentLang
// returns, the only form stored.
func (l Lang) Valid() bool {
	c, ok := ContentLang(string(l))
	return ok && c == l
}

// Other returns the other interface language: EN for BG and BG for anything
// else.
func (l Lang) Other() Lang {
	if l == BG {
		return EN
	}
	return BG
}

// Text is one language's version of a translatable thing: its title, a plain
// summary, the Markdown source of its body and the rendered, sanitised HTML.
type Text struct {
	Lang     Lang   `bun:"lang,pk"`
	Title    string `bun:"title"`
	Summary  string `bun:"summary"`
	BodyMD   string `bun:"body_md"`
	BodyHTML string `bun:"body_html"`
}

// Texts is the set of translations of one thing.
type Texts []Text

// In returns the translation in lang. When there is none it falls back to the
// other interface language, then to any translation, and reports exact=false
// so that the page can say the text is not available in lang. ok is false
// only when there is no translation at all.
func (ts Texts) In(lang Lang) (t Text, exact, ok bool) {
	for _, t := range ts {
		if t.Lang == lang {
			return t, true, true
		}
	}
	for _, t := range ts {
		if t.Lang == lang.Other() {
			return t, false, true
		}
	}
	if len(ts) > 0 {
		return ts[0], false, true
	}
	return Text{}, false, false
}

// Has reports whether there is a translation in lang.
func (ts Texts) Has(lang Lang) bool {
	_, exact, _ := ts.In(lang)
	return exact
}

// Langs lists the languages the texts exist in.
func (ts Texts) Langs() []Lang {
	out := make([]Lang, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.Lang)
	}
	return out
}
