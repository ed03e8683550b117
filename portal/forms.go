package portal

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/markup"
)

// form is a submitted (or prefilled) form: the values to show again and an
// error message per field, in the page's language. Passwords are never put
// in Values, so they are never sent back.
type form struct {
	Values map[string]string
	Errors map[string]string
	order  []string // fields in the order their errors were found
	cat    catalog
}

func newForm(cat catalog) *form {
	return &form{Values: map[string]string{}, Errors: map[string]string{}, cat: cat}
}

// formFrom reads the named fields of a parsed request, trimmed of
// surrounding white space.
func formFrom(r *http.Request, cat catalog, fields ...string) *form {
	f := newForm(cat)
	for _, name := range fields {
		f.Values[name] = strings.TrimSpace(r.PostForm.Get(name))
	}
	return f
}

// Get returns the value of a field.
func (f *form) Get(name string) string { return f.Values[name] }

// Checked reports whether a checkbox was ticked.
func (f *form) Checked(name string) bool {
	v := f.Values[name]
	return v == "on" || v == "1" || v == "true"
}

// Err returns the error message of a field, or "".
func (f *form) Err(name string) string { return f.Errors[name] }

// Fail records the first error of a field, from the catalogue.
func (f *form) Fail(name, key string, args ...any) {
	if _, ok := f.Errors[name]; ok {
		return
	}
	f.Errors[name] = f.cat.T(key, args...)
	f.order = append(f.order, name)
}

// OK reports whether the form has no errors.
func (f *form) OK() bool { return len(f.Errors) == 0 }

// fieldError is an error in the summary at the top of a form, linking its
// field.
type fieldError struct {
	Field, Message string
}

// Summary lists the errors in the order they were found.
func (f *form) Summary() []fieldError {
	out := make([]fieldError, 0, len(f.order))
	for _, name := range f.order {
		out = append(out, fieldError{Field: name, Message: f.Errors[name]})
	}
	return out
}

// require fails each named field that is empty.
func (f *form) require(names ...string) {
	for _, n := range names {
		if f.Values[n] == "" {
			f.Fail(n, "form.required")
		}
	}
}

// maxLen fails a field longer than n characters.
func (f *form) maxLen(name string, n int) {
	if utf8.RuneCountInString(f.Values[name]) > n {
		f.Fail(name, "form.too.long", n)
	}
}

// webURL fails a field that is neither empty nor an absolute http(s) URL.
func (f *form) webURL(name string) {
	v := f.Values[name]
	if v == "" {
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		f.Fail(name, "form.url")
	}
}

// textFields are the names of the fields of one language in a bilingual
// editor: title_bg, summary_bg, body_bg…
func textFields(lang db.Lang) (title, summary, body string) {
	l := string(lang)
	return "title_" + l, "summary_" + l, "body_" + l
}

// allTextFields lists the text fields of every interface language.
func allTextFields() []string {
	var out []string
	for _, l := range db.InterfaceLangs {
		t, s, b := textFields(l)
		out = append(out, t, s, b)
	}
	return out
}

// textLimits are the longest title, summary and body a text may have.
type textLimits struct{ title, summary, body int }

var itemLimits = textLimits{db.MaxTitleLen, db.MaxSummaryLen, db.MaxBodyLen}

// texts reads the bilingual editor of f into one Text per language that was
// filled in, with the body rendered to sanitised HTML and the summary made
// plain. A language counts as filled in when any of its fields is; it then
// needs a title. At least one language is required; the error goes on the
// page's language's title. A body is rendered only once its length is
// checked, so an over-long one costs nothing but the error.
func (f *form) texts(ctx context.Context, md *markup.Renderer, lang db.Lang, lim textLimits) ([]db.Text, error) {
	var out []db.Text
	for _, l := range db.InterfaceLangs {
		tn, sn, bn := textFields(l)
		title, summary, body := f.Values[tn], f.Values[sn], f.Values[bn]
		if title == "" && summary == "" && body == "" {
			continue
		}
		if title == "" {
			f.Fail(tn, "form.title.missing", f.cat.T("lang.name."+string(l)))
		}
		f.maxLen(tn, lim.title)
		f.maxLen(sn, lim.summary)
		f.maxLen(bn, lim.body)
		html, err := f.render(ctx, md, bn)
		if err != nil {
			return nil, err
		}
		out = append(out, db.Text{Lang: l, Title: title, Summary: strings.Join(strings.Fields(summary), " "), BodyMD: body, BodyHTML: html})
	}
	if len(out) == 0 {
		tn, _, _ := textFields(lang)
		f.Fail(tn, "form.one.language")
	}
	return out, nil
}

// render renders the Markdown of a field unless the field has an error
// already (it is too long), stopping when the request's context is done.
// Markdown the renderer refuses becomes the field's error, and "".
func (f *form) render(ctx context.Context, md *markup.Renderer, name string) (string, error) {
	if f.Err(name) != "" || f.Values[name] == "" {
		return "", nil
	}
	h, err := md.RenderContext(ctx, f.Values[name])
	switch {
	case errors.Is(err, markup.ErrTooComplex), errors.Is(err, markup.ErrTooLarge):
		f.Fail(name, "form.markdown.complex")
		return "", nil
	case err != nil:
		return "", fmt.Errorf("portal: render %s: %w", name, err)
	}
	return h, nil
}

// setTexts prefills the bilingual editor from stored texts.
func (f *form) setTexts(ts db.Texts) {
	for _, t := range ts {
		tn, sn, bn := textFields(t.Lang)
		f.Values[tn], f.Values[sn], f.Values[bn] = t.Title, t.Summary, t.BodyMD
	}
}

// previewsOf returns the rendered bodies of texts for the Preview button;
// nothing is stored. A body with an error (too long, too complex) was not
// rendered and has no preview: its message says why.
func previewsOf(texts []db.Text) map[db.Lang]template.HTML {
	out := map[db.Lang]template.HTML{}
	for _, t := range texts {
		if t.BodyHTML != "" {
			out[t.Lang] = template.HTML(t.BodyHTML) // sanitised by markup
		}
	}
	return out
}

// formStatus is the status of a page that shows f again: 422 when it has
// errors, 200 otherwise (a preview).
func formStatus(f *form) int {
	if f.OK() {
		return http.StatusOK
	}
	return http.StatusUnprocessableEntity
}

// editorLang is one column of a bilingual editor as templates see it.
type editorLang struct {
	Lang                 db.Lang
	Title, Summary, Body string // field names
	Preview              template.HTML
	HasPreview           bool
}

// editorLangs describes the columns of the bilingual editor, with the
// previews when there are any.
func editorLangs(previews map[db.Lang]template.HTML) []editorLang {
	var out []editorLang
	for _, l := range db.InterfaceLangs {
		t, s, b := textFields(l)
		p, ok := previews[l]
		out = append(out, editorLang{Lang: l, Title: t, Summary: s, Body: b, Preview: p, HasPreview: ok})
	}
	return out
}
