package portal

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"

	"github.com/bgimigranti/hub/db"
)

// mailTemplates renders every mail the portal sends: one plain-text and
// one HTML layout, filled with texts already translated.
type mailTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

func parseMailTemplates() (*mailTemplates, error) {
	t, err := texttemplate.ParseFS(templateFiles, "templates/mail/message.txt")
	if err != nil {
		return nil, fmt.Errorf("portal: mail template: %w", err)
	}
	h, err := htmltemplate.ParseFS(templateFiles, "templates/mail/message.html")
	if err != nil {
		return nil, fmt.Errorf("portal: mail template: %w", err)
	}
	return &mailTemplates{text: t, html: h}, nil
}

// mailKinds are the mails the portal sends; each has its texts in the
// catalogues under mail.KIND.
var mailKinds = []string{"password_reset", "confirm_email", "account_exists"}

// mailMessage is one mail before rendering: who gets it, in which
// language, and its translated texts.
type mailMessage struct {
	Kind     string // password_reset, confirm_email, account_exists
	To       string
	Lang     db.Lang
	Subject  string
	Greeting string
	Before   []string // paragraphs before the link
	Link     string   // an absolute URL on the hub, or ""
	Button   string   // the link's text
	CopyHint string
	After    []string // paragraphs after the link
	HubName  string
	HubURL   string
	Footer   string
}

// newMail starts a message of kind in lang: mail.KIND.subject, .greeting,
// .before, .button and .after from the catalogue, the hub's name and
// address, and the footer. args fill the texts' %s in order of use.
func (h *Handler) newMail(kind, to string, lang db.Lang, link string, args ...any) *mailMessage {
	cat := h.cats[lang]
	k := "mail." + kind
	return &mailMessage{
		Kind: kind, To: to, Lang: lang, Link: link,
		Subject:  cat.T(k+".subject") + " — " + cat.T("site.name"),
		Greeting: cat.T("mail.greeting"),
		Before:   []string{cat.T(k+".before", args...)},
		Button:   cat.T(k + ".button"),
		CopyHint: cat.T("mail.copy"),
		After:    []string{cat.T(k + ".after")},
		HubName:  cat.T("site.name"),
		HubURL:   h.baseURL + "/" + string(lang) + "/",
		Footer:   cat.T("mail.footer"),
	}
}

// queueMail renders m and queues it on s (the caller's transaction, so
// that the mail goes only if what causes it is saved).
func (h *Handler) queueMail(ctx context.Context, s *db.Store, m *mailMessage) error {
	var text, html bytes.Buffer
	if err := h.mail.text.Execute(&text, m); err != nil {
		return fmt.Errorf("portal: render mail %s: %w", m.Kind, err)
	}
	if err := h.mail.html.Execute(&html, m); err != nil {
		return fmt.Errorf("portal: render mail %s: %w", m.Kind, err)
	}
	return s.EnqueueMail(ctx, &db.Mail{Kind: m.Kind, To: m.To, Lang: m.Lang, Subject: m.Subject,
		Text: text.String(), HTML: html.String(), MessageID: h.messageID()})
}

// messageID returns a new Message-ID (without brackets) on the hub's
// host name.
func (h *Handler) messageID() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand panics instead)
	host := "hub.invalid"
	if u, err := url.Parse(h.baseURL); err == nil && u.Hostname() != "" {
		host = strings.ToLower(u.Hostname())
	}
	return hex.EncodeToString(b) + "@" + host
}

// mailQueued tells the mail worker there is something to send.
func (h *Handler) mailQueued() {
	if h.mailWake != nil {
		h.mailWake()
	}
}
