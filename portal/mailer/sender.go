package mailer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/bgimigranti/hub/db"
)

// SendError is a failed attempt to send a mail. Temporary errors (the
// server did not answer, or answered 4xx) are retried later; the others
// (5xx: a refused recipient or message) are not.
type SendError struct {
	Temporary bool
	Err       error
}

func (e *SendError) Error() string { return e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// SMTP sends mail through an SMTP server, one connection per message.
type SMTP struct {
	server  *Server
	from    *mail.Address
	timeout time.Duration
}

// NewSMTP returns a sender through server, from the address from.
func NewSMTP(server *Server, from *mail.Address) *SMTP {
	return &SMTP{server: server, from: from, timeout: 30 * time.Second}
}

// Timeout is the longest one message may take to send, connection
// included. The worker's lease on a mail outlasts it.
func (s *SMTP) Timeout() time.Duration { return s.timeout }

// Send sends m. When the server has accepted the message, a failure to
// close the connection politely is no error: the message went.
func (s *SMTP) Send(ctx context.Context, m *db.Mail) error {
	msg, err := compose(s.from, m, time.Now())
	if err != nil {
		return &SendError{Err: err}
	}
	opts := []gomail.Option{gomail.WithPort(s.server.Port), gomail.WithTimeout(s.timeout)}
	switch s.server.Security {
	case ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case StartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.server.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.server.Username), gomail.WithPassword(s.server.Password))
	}
	c, err := gomail.NewClient(s.server.Host, opts...)
	if err != nil {
		return &SendError{Err: fmt.Errorf("mailer: smtp client: %w", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	conn, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return &SendError{Temporary: true, Err: fmt.Errorf("mailer: connect to %s: %w", s.server, err)}
	}
	err = c.SendWithSMTPClient(conn, msg)
	_ = c.CloseWithSMTPClient(conn)
	if err != nil {
		return &SendError{Temporary: temporary(err), Err: fmt.Errorf("mailer: send to %s: %w", s.server, err)}
	}
	return nil
}

// temporary reports whether err may go away by itself: everything but an
// SMTP reply in the 5xx range.
func temporary(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) {
		if code := se.ErrorCode(); code >= 500 && code < 600 {
			return false
		}
	}
	return true
}

// compose builds the MIME message for m: plain text with an HTML
// alternative, the queue's Message-ID, Date, and Auto-Submitted so that
// vacation responders stay quiet.
func compose(from *mail.Address, m *db.Mail, now time.Time) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	msg.FromMailAddress(from)
	if !ValidAddress(m.To) {
		return nil, fmt.Errorf("mailer: %q is not one e-mail address", m.To)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mailer: recipient %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(now)
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetGenHeader(gomail.HeaderContentLang, string(m.Lang))
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// Log is the sender when no SMTP server is configured: it logs each mail,
// its text included (a developer finds the reset link there), and reports
// it sent.
type Log struct {
	log *slog.Logger
}

// NewLog returns a sender that writes mails to log at info level.
func NewLog(log *slog.Logger) *Log { return &Log{log: log} }

// Timeout is how long logging one mail may take.
func (l *Log) Timeout() time.Duration { return time.Second }

// Send logs m.
func (l *Log) Send(ctx context.Context, m *db.Mail) error {
	l.log.Info("e-mail not sent: no SMTP server is configured (HUB_SMTP_URL)",
		"to", m.To, "kind", m.Kind, "subject", m.Subject, "message_id", m.MessageID, "text", m.Text)
	return nil
}
