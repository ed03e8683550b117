package mailer

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
)

// Security is how the connection to the SMTP server is protected.
type Security string

// The ways to reach an SMTP server.
const (
	// ImplicitTLS is smtps://: TLS from the first byte (port 465).
	ImplicitTLS Security = "tls"
	// StartTLS is smtp:// to another machine: the session must be upgraded
	// with STARTTLS, or nothing is sent.
	StartTLS Security = "starttls"
	// StartTLSIfOffered is smtp:// to a loopback address, or with
	// ?starttls=opportunistic: STARTTLS when the server offers it, plain
	// text otherwise.
	StartTLSIfOffered Security = "starttls-opportunistic"
)

// Server is where mail goes: an SMTP submission server and how to reach
// it.
type Server struct {
	Host     string
	Port     int
	Security Security
	Username string
	Password string
}

// ParseURL reads an SMTP server's URL:
//
//	smtp://USER:PASS@HOST:587     STARTTLS required (default port 587)
//	smtps://USER:PASS@HOST:465    implicit TLS (default port 465)
//	smtp://127.0.0.1:1025         a local server: STARTTLS if offered
//
// ?starttls=opportunistic allows plain text to a server on another machine
// that offers no STARTTLS (a relay on a private network); the user name and
// password then travel unencrypted only if the server accepts that.
func ParseURL(s string) (*Server, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL", redact(s))
	}
	srv := &Server{Host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		srv.Security, srv.Port = StartTLS, 587
	case "smtps":
		srv.Security, srv.Port = ImplicitTLS, 465
	default:
		return nil, fmt.Errorf("%q must start with smtp:// (STARTTLS) or smtps:// (TLS)", redact(s))
	}
	if srv.Host == "" || (u.Path != "" && u.Path != "/") || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("%q must be smtp://[USER:PASS@]HOST[:PORT] with no path", redact(s))
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("port %q is not a number from 1 to 65535", p)
		}
		srv.Port = n
	}
	if u.User != nil {
		srv.Username = u.User.Username()
		srv.Password, _ = u.User.Password()
	}
	q := u.Query()
	for k := range q {
		if k != "starttls" {
			return nil, fmt.Errorf("unknown option %q (only starttls=opportunistic)", k)
		}
	}
	switch q.Get("starttls") {
	case "":
	case "opportunistic":
		if srv.Security != StartTLS {
			return nil, fmt.Errorf("starttls=opportunistic applies to smtp://, not smtps://")
		}
		srv.Security = StartTLSIfOffered
	default:
		return nil, fmt.Errorf("starttls=%q: the only value is opportunistic", q.Get("starttls"))
	}
	if srv.Security == StartTLS && isLoopback(srv.Host) {
		srv.Security = StartTLSIfOffered
	}
	return srv, nil
}

// String describes the server without its password, for logs.
func (s *Server) String() string {
	user := ""
	if s.Username != "" {
		user = s.Username + "@"
	}
	return fmt.Sprintf("%s%s (%s)", user, net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), s.Security)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redact hides the password of a URL for error messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		if i := strings.LastIndex(s, "@"); i >= 0 {
			return "…" + s[i:]
		}
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// ParseFrom reads the sender address (HUB_MAIL_FROM): a plain address or
// "Name <address>". It must fit on one header line.
func ParseFrom(s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n\x00") {
		return nil, fmt.Errorf("%q contains a line break", s)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not an e-mail address such as hub@example.org or \"Hub <hub@example.org>\"", s)
	}
	return a, nil
}

// ValidAddress reports whether s is one plain e-mail address that can go
// into a To header: what the portal accepts from forms.
func ValidAddress(s string) bool {
	if s == "" || len(s) > 254 || strings.ContainsAny(s, "\r\n\x00") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}
