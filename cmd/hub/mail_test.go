package main

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
	"github.com/bgimigranti/hub/portal/mailer/mailtest"
)

// TestServeSendsMail runs the real serve command with HUB_SMTP_URL set to
// Mailpit, on each database: a reset link asked for over HTTP arrives,
// sent by the background worker the request woke, from HUB_MAIL_FROM.
func TestServeSendsMail(t *testing.T) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			mp := mailtest.Start(t)
			vars := map[string]string{"HUB_DATA_DIR": t.TempDir(), "HUB_DATABASE_URL": dbtest.DSN(t, d), "HUB_LISTEN": "127.0.0.1:0", "HUB_BASE_URL": "https://hub.example.org",
				"HUB_SMTP_URL": mp.URL(), "HUB_MAIL_FROM": "Hub <hub@example.org>"}
			e, _, errb := testEnv(vars, "a long enough password\n")
			if code := run(context.Background(), []string{"user", "create", "--email", "ana@example.org", "--role", "member"}, e); code != 0 {
				t.Fatalf("user create: %d %s", code, errb)
			}
			e, _, errb = testEnv(vars, "")
			addr := make(chan string, 1)
			e.ready = func(a string) { addr <- a }
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan int, 1)
			go func() { done <- run(ctx, nil, e) }()
			stopped := false
			stop := func() {
				if stopped {
					return
				}
				stopped = true
				cancel()
				select {
				case <-done:
				case <-time.After(20 * time.Second):
					t.Error("serve did not stop within 20 s")
				}
			}
			defer stop()
			var base string
			select {
			case a := <-addr:
				base = "http://" + a
			case <-done:
				t.Fatalf("serve exited: %s", errb)
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not listen within 30 s")
			}
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar}
			resp, err := c.Get(base + "/en/password/forgot")
			if err != nil {
				t.Fatal(err)
			}
			page := readAll(resp)
			m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
			if m == nil {
				t.Fatal("no form on the forgot page")
			}
			resp, err = c.PostForm(base+"/en/password/forgot", url.Values{"csrf": {m[1]}, "email": {"ana@example.org"}})
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("forgot: %v %v", resp, err)
			}
			resp.Body.Close()
			deadline := time.Now().Add(20 * time.Second)
			for len(mp.Messages()) == 0 {
				if time.Now().After(deadline) {
					stop()
					t.Fatalf("no mail within 20 s:\n%s", errb)
				}
				time.Sleep(100 * time.Millisecond)
			}
			got := mp.To("ana@example.org")
			if len(got) != 1 || got[0].From.Address != "hub@example.org" || !strings.Contains(got[0].Text, "https://hub.example.org/en/password/reset/") {
				t.Errorf("received %+v", got)
			}
			// The server writes its log until it stops: read it after.
			stop()
			if !strings.Contains(errb.String(), "e-mail goes through SMTP") {
				t.Errorf("the log does not say where mail goes:\n%s", errb)
			}
		})
	}
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}
