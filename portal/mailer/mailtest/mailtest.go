// Package mailtest runs Mailpit, a real SMTP server with an HTTP API, on
// loopback ports for tests, and reads what it received.
//
// Tests that need it call Start; when the mailpit binary is missing they
// are skipped with a loud line, unless HUB_REQUIRE_MAILPIT is set (CI sets
// it), in which case they fail. Install it with
//
//	go install github.com/axllent/mailpit@v1.33.1
package mailtest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db/dbtest"
)

// EnvRequire names the variable that turns a missing Mailpit into a
// failure.
const EnvRequire = "HUB_REQUIRE_MAILPIT"

// Server is a running Mailpit.
type Server struct {
	// SMTP is the host:port it receives mail on.
	SMTP string
	api  string
	bin  string
	dir  string
	cmd  *exec.Cmd
	t    testing.TB
}

// binary finds mailpit on PATH or in GOPATH/bin.
func binary() string {
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if home, err := os.UserHomeDir(); err == nil {
			gopath = filepath.Join(home, "go")
		}
	}
	p := filepath.Join(gopath, "bin", "mailpit")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// Available reports whether Mailpit can be started; when it cannot, it
// skips the test (or fails it under HUB_REQUIRE_MAILPIT).
func Available(t testing.TB) string {
	t.Helper()
	bin := binary()
	if bin == "" {
		msg := "mailpit is not installed: the tests against a real SMTP server are SKIPPED (go install github.com/axllent/mailpit@v1.33.1)"
		if os.Getenv(EnvRequire) != "" {
			t.Fatal(msg)
		}
		dbtest.Warn(msg)
		t.Skip(msg)
	}
	return bin
}

// FreeAddr returns a loopback host:port that nothing listens on now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// Start runs Mailpit on free loopback ports until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartAt(t, FreeAddr(t))
}

// StartAt runs Mailpit receiving SMTP on smtpAddr (a server that comes
// back on the address the hub was told) until the test ends or Stop;
// args are more Mailpit flags.
func StartAt(t testing.TB, smtpAddr string, args ...string) *Server {
	t.Helper()
	bin := Available(t)
	s := &Server{SMTP: smtpAddr, api: "http://" + FreeAddr(t), bin: bin, dir: t.TempDir(), t: t}
	s.cmd = exec.Command(bin, "--smtp", smtpAddr, "--listen", strings.TrimPrefix(s.api, "http://"),
		"--database", filepath.Join(s.dir, "mailpit.db"), "--smtp-auth-accept-any", "--smtp-auth-allow-insecure",
		"--disable-version-check", "--quiet")
	s.cmd.Args = append(s.cmd.Args, args...)
	s.cmd.Stdout, s.cmd.Stderr = os.Stderr, os.Stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("mailtest: start mailpit: %v", err)
	}
	t.Cleanup(s.Stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(s.api + "/api/v1/info")
		if err == nil {
			resp.Body.Close()
			if c, err := net.DialTimeout("tcp", smtpAddr, time.Second); err == nil {
				c.Close()
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: mailpit did not answer on %s and %s in 20s", s.api, smtpAddr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends Mailpit; the SMTP address then refuses connections.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// URL is the SMTP URL the hub is given to reach this server.
func (s *Server) URL() string { return "smtp://" + s.SMTP }

// Address is one party of a message.
type Address struct {
	Name    string
	Address string
}

// Message is a received message: its summary, and after Get its bodies.
type Message struct {
	ID        string
	MessageID string
	From      Address
	To        []Address
	Subject   string
	Text      string
	HTML      string
	Headers   map[string][]string
}

func (s *Server) getJSON(path string, v any) {
	s.t.Helper()
	resp, err := http.Get(s.api + path)
	if err != nil {
		s.t.Fatalf("mailtest: GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("mailtest: GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		s.t.Fatalf("mailtest: GET %s: %v", path, err)
	}
}

// Messages returns the summaries of every message received, newest first.
func (s *Server) Messages() []Message {
	s.t.Helper()
	var list struct {
		Messages []Message `json:"messages"`
	}
	s.getJSON("/api/v1/messages?limit=1000", &list)
	return list.Messages
}

// To returns the messages received for address, newest first, with their
// bodies and headers.
func (s *Server) To(address string) []Message {
	s.t.Helper()
	var out []Message
	for _, m := range s.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to.Address, address) {
				out = append(out, s.Get(m.ID))
				break
			}
		}
	}
	return out
}

// Get returns a message with its text, HTML and headers.
func (s *Server) Get(id string) Message {
	s.t.Helper()
	var m Message
	s.getJSON("/api/v1/message/"+id, &m)
	s.getJSON("/api/v1/message/"+id+"/headers", &m.Headers)
	return m
}

// Header returns the first value of header name.
func (m Message) Header(name string) string {
	for k, v := range m.Headers {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// DeleteAll empties the mailbox.
func (s *Server) DeleteAll() {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, s.api+"/api/v1/messages", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("mailtest: delete messages: %v", err)
	}
	resp.Body.Close()
}

// String names the server in test messages.
func (s *Server) String() string { return fmt.Sprintf("mailpit smtp %s api %s", s.SMTP, s.api) }
