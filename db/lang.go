package db

import "strings"

// Lang is a BCP 47 language tag as the hub stores it: lower-case, such as
// "bg" or "en".
type Lang string

// The two languages every interface string, page and feed exists in.
const (
	BG Lang = "bg"
	EN Lang = "en"
)

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
