package mailer

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Server
		wantErr bool
	}{
		{in: "smtp://user:pa%40ss@mail.example.org:587", want: Server{Host: "mail.example.org", Port: 587, Security: StartTLS, Username: "user", Password: "pa@ss"}},
		{in: "smtp://mail.example.org", want: Server{Host: "mail.example.org", Port: 587, Security: StartTLS}},
		{in: "smtps://u:p@mail.example.org", want: Server{Host: "mail.example.org", Port: 465, Security: ImplicitTLS, Username: "u", Password: "p"}},
		{in: "smtp://127.0.0.1:1025", want: Server{Host: "127.0.0.1", Port: 1025, Security: StartTLSIfOffered}},
		{in: "smtp://localhost:25", want: Server{Host: "localhost", Port: 25, Security: StartTLSIfOffered}},
		{in: "smtp://[::1]:1025", want: Server{Host: "::1", Port: 1025, Security: StartTLSIfOffered}},
		{in: "smtp://relay.lan:25?starttls=opportunistic", want: Server{Host: "relay.lan", Port: 25, Security: StartTLSIfOffered}},
		{in: "http://mail.example.org", wantErr: true},
		{in: "mail.example.org:587", wantErr: true},
		{in: "smtp://", wantErr: true},
		{in: "smtp://mail.example.org:99999", wantErr: true},
		{in: "smtp://mail.example.org:x", wantErr: true},
		{in: "smtp://mail.example.org/path", wantErr: true},
		{in: "smtp://mail.example.org?tls=off", wantErr: true},
		{in: "smtps://mail.example.org?starttls=opportunistic", wantErr: true},
		{in: "smtp://mail.example.org?starttls=never", wantErr: true},
	} {
		got, err := ParseURL(tc.in)
		if tc.wantErr {
			if err == nil {
				t.Errorf("ParseURL(%q) = %+v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || *got != tc.want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseURLHidesThePassword(t *testing.T) {
	_, err := ParseURL("ftp://user:secret@mail.example.org")
	if err == nil || contains(err.Error(), "secret") {
		t.Errorf("error %v shows the password", err)
	}
	s, _ := ParseURL("smtp://user:secret@mail.example.org")
	if contains(s.String(), "secret") {
		t.Errorf("String() = %q shows the password", s)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestAddresses(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"ana@example.org", true},
		{"Ana <ana@example.org>", false},
		{"ana@example.org\r\nBcc: eve@example.org", false},
		{"ana@example.org\nBcc: eve@example.org", false},
		{"not an address", false},
		{"", false},
	} {
		if got := ValidAddress(tc.in); got != tc.want {
			t.Errorf("ValidAddress(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if a, err := ParseFrom(`"Hub" <hub@example.org>`); err != nil || a.Name != "Hub" || a.Address != "hub@example.org" {
		t.Errorf("ParseFrom = %v, %v", a, err)
	}
	for _, bad := range []string{"hub", "hub@example.org\r\nBcc: eve@example.org", ""} {
		if _, err := ParseFrom(bad); err == nil {
			t.Errorf("ParseFrom(%q) accepted", bad)
		}
	}
}
