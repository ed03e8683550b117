package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// testEnv gives a command the variables in vars and captures its output.
func testEnv(vars map[string]string, stdin string) (env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return env{
		getenv: func(k string) string { return vars[k] },
		stdin:  strings.NewReader(stdin),
		stdout: &out, stderr: &errb,
		fastPasswords: true,
	}, &out, &errb
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestHubServesSeededSiteAndRestarts builds the real server on a fresh data
// directory, on each database, checks the pages in both languages, and
// starts it again on the same database to check that seeds are not doubled.
func TestHubServesSeededSiteAndRestarts(t *testing.T) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			dataDir := t.TempDir()
			dsn := dbtest.DSN(t, d)
			vars := map[string]string{"HUB_DATA_DIR": dataDir, "HUB_DATABASE_URL": dsn, "HUB_BASE_URL": "https://hub.example.org"}
			for start := 1; start <= 2; start++ {
				c, err := registerConfigFlags(newFlagSet("t", env{stderr: io.Discard}), func(k string) string { return vars[k] })()
				if err != nil {
					t.Fatal(err)
				}
				c.fastPasswords = true
				store, err := open(context.Background(), c, slog.New(slog.DiscardHandler))
				if err != nil {
					t.Fatalf("start %d: %v", start, err)
				}
				h, err := newHub(c, store, slog.New(slog.DiscardHandler))
				if err != nil {
					t.Fatal(err)
				}
				srv := httptest.NewServer(h.handler)

				tests := []struct {
					path   string
					status int
					want   []string
				}{
					{"/bg/", 200, []string{`<html lang="bg">`, "Справочници", "Междукултурните компетенции", `hreflang="en" href="https://hub.example.org/en/"`}},
					{"/en/", 200, []string{`<html lang="en">`, "Handbooks", "Intercultural competences", `hreflang="bg"`}},
					{"/bg/handbooks", 200, []string{"Интеграция на имигранти – често срещани казуси"}},
					{"/en/handbooks/common-cases", 200, []string{"Integration of immigrants: common cases", "Contents"}},
					{"/bg/pages/about", 200, []string{"За проекта", "РСО „Марица“"}},
					{"/en/pages/eu-funding", 200, []string{"EU funding", "European"}},
					{"/en/handbooks/no-such-handbook", 404, []string{"Page not found"}},
					{"/bg/nowhere", 404, []string{"Страницата не е намерена"}},
					{"/healthz", 200, []string{"ok"}},
				}
				for _, tt := range tests {
					status, body := get(t, srv.URL+tt.path)
					if status != tt.status {
						t.Errorf("start %d: GET %s = %d, want %d", start, tt.path, status, tt.status)
					}
					for _, w := range tt.want {
						if !strings.Contains(body, w) {
							t.Errorf("start %d: GET %s: body lacks %q", start, tt.path, w)
						}
					}
				}
				hs, err := store.Handbooks(context.Background())
				if err != nil || len(hs) != 3 {
					t.Errorf("start %d: %d handbooks (%v), want 3", start, len(hs), err)
				}
				pages, err := store.Pages(context.Background())
				if err != nil || len(pages) != 2 {
					t.Errorf("start %d: %d pages (%v), want 2", start, len(pages), err)
				}
				srv.Close()
				store.Close()
			}
		})
	}
}

// TestServeCommandListensAndShutsDown runs the real serve command on a free
// port, fetches a page and stops it the way SIGTERM does.
func TestServeCommandListensAndShutsDown(t *testing.T) {
	e, _, errb := testEnv(map[string]string{"HUB_DATA_DIR": t.TempDir(), "HUB_LISTEN": "127.0.0.1:0"}, "")
	addr := make(chan string, 1)
	e.ready = func(a string) { addr <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, nil, e) }()
	var a string
	select {
	case a = <-addr:
	case code := <-done:
		t.Fatalf("serve exited with %d before listening: %s", code, errb)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start listening within 30 s")
	}
	if status, body := get(t, "http://"+a+"/bg/handbooks"); status != 200 || !strings.Contains(body, "Справочници") {
		t.Errorf("GET /bg/handbooks = %d", status)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited with %d after shutdown: %s", code, errb)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down within 20 s")
	}
	if !strings.Contains(errb.String(), "no admin account yet") || !strings.Contains(errb.String(), "user create") {
		t.Errorf("the start-up log does not say how to create the first admin:\n%s", errb)
	}
}

func TestBadConfigurationStopsStartup(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	typo := filepath.Join(t.TempDir(), "hub.env")
	if err := os.WriteFile(typo, []byte("# the public address\nHUB_BASEURL=https://hub.example.org\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"unknown database scheme", map[string]string{"HUB_DATABASE_URL": "mysql://root@localhost/hub"}, nil, "HUB_DATABASE_URL: unknown database scheme"},
		{"unwritable data dir", map[string]string{"HUB_DATA_DIR": filepath.Join(file, "data")}, nil, "HUB_DATA_DIR"},
		{"malformed base URL", map[string]string{"HUB_BASE_URL": "hub.example.org/path"}, nil, "HUB_BASE_URL"},
		{"base URL with a path", nil, []string{"--base-url", "https://hub.example.org/hub"}, "HUB_BASE_URL"},
		{"bad listen address", map[string]string{"HUB_LISTEN": "8080"}, nil, "HUB_LISTEN"},
		{"bad log level", map[string]string{"HUB_LOG_LEVEL": "loud"}, nil, "HUB_LOG_LEVEL"},
		{"bad boolean", map[string]string{"HUB_ALLOW_PRIVATE_NETWORKS": "perhaps"}, nil, "HUB_ALLOW_PRIVATE_NETWORKS"},
		{"bad trusted proxy", map[string]string{"HUB_TRUSTED_PROXIES": "127.0.0.1, nginx.local"}, nil, `HUB_TRUSTED_PROXIES: "nginx.local" is neither`},
		{"a typo in the settings file", map[string]string{"HUB_ENV_FILE": typo}, nil, "line 2: HUB_BASEURL is not a setting"},
		{"a settings file that is missing", nil, []string{"--env-file", filepath.Join(file, "hub.env")}, "HUB_ENV_FILE"},
		{"bad SMTP scheme", map[string]string{"HUB_SMTP_URL": "http://mail.example.org", "HUB_MAIL_FROM": "hub@example.org"}, nil, "HUB_SMTP_URL: \"http://mail.example.org\" must start with smtp://"},
		{"bad SMTP port", nil, []string{"--smtp-url", "smtp://mail.example.org:0", "--mail-from", "hub@example.org"}, "HUB_SMTP_URL: port"},
		{"SMTP without a sender", map[string]string{"HUB_SMTP_URL": "smtp://mail.example.org"}, nil, "HUB_MAIL_FROM: must be set"},
		{"bad sender", map[string]string{"HUB_MAIL_FROM": "hub at example"}, nil, "HUB_MAIL_FROM: \"hub at example\" is not an e-mail address"},
		{"sender with a line break", map[string]string{"HUB_MAIL_FROM": "hub@example.org\r\nBcc: eve@example.org"}, nil, "HUB_MAIL_FROM"},
		{"unreachable postgres", map[string]string{"HUB_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"}, nil, "db: open postgres"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{"HUB_DATA_DIR": t.TempDir()}
			for k, v := range tt.vars {
				vars[k] = v
			}
			e, _, errb := testEnv(vars, "")
			code := run(context.Background(), append([]string{"serve"}, tt.args...), e)
			if code == 0 {
				t.Fatalf("exit code 0, want non-zero")
			}
			if !strings.Contains(errb.String(), tt.want) {
				t.Errorf("stderr = %q, want it to mention %q", errb.String(), tt.want)
			}
		})
	}
	e, _, errb := testEnv(nil, "")
	if code := run(context.Background(), []string{"frobnicate"}, e); code != 2 || !strings.Contains(errb.String(), "unknown command") {
		t.Errorf("unknown command: exit %d, stderr %q", code, errb)
	}
}

func TestUserAndOrgCreate(t *testing.T) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			vars := map[string]string{"HUB_DATA_DIR": t.TempDir(), "HUB_DATABASE_URL": dbtest.DSN(t, d)}
			ctx := context.Background()
			e, out, errb := testEnv(vars, "")
			if code := run(ctx, []string{"org", "create", "--handle", "ic-haskovo", "--name-bg", "ИЦ Хасково", "--name-en", "IC Haskovo", "--city", "Хасково"}, e); code != 0 {
				t.Fatalf("org create: exit %d: %s", code, errb)
			}
			if !strings.Contains(out.String(), "@ic-haskovo@127.0.0.1:8080") {
				t.Errorf("org create output %q does not give the fediverse address", out)
			}
			e, _, errb = testEnv(vars, "")
			if code := run(ctx, []string{"org", "create", "--handle", "ic-haskovo", "--name-en", "Again"}, e); code != 1 || !strings.Contains(errb.String(), "is taken") {
				t.Errorf("duplicate org: exit %d, stderr %q", code, errb)
			}
			e, out, errb = testEnv(vars, "много тайна парола\n")
			if code := run(ctx, []string{"user", "create", "--email", "editor@example.org", "--role", "editor", "--org", "ic-haskovo"}, e); code != 0 {
				t.Fatalf("user create: exit %d: %s", code, errb)
			}
			if !strings.Contains(out.String(), "created editor account editor@example.org") {
				t.Errorf("user create output %q", out)
			}
			for name, args := range map[string][]string{
				"unknown org":    {"--email", "x@example.org", "--role", "editor", "--org", "nope"},
				"short password": {"--email", "y@example.org", "--role", "admin"},
				"bad role":       {"--email", "z@example.org", "--role", "god"},
				"no email":       {"--role", "admin"},
			} {
				e, _, errb := testEnv(vars, "short\n")
				if name == "bad role" || name == "unknown org" {
					e.stdin = strings.NewReader("a long enough password\n")
				}
				if code := run(ctx, append([]string{"user", "create"}, args...), e); code == 0 {
					t.Errorf("%s: exit 0, want failure", name)
				} else if errb.Len() == 0 {
					t.Errorf("%s: no message on stderr", name)
				}
			}
			store, err := db.Open(ctx, vars["HUB_DATABASE_URL"])
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			u, err := store.Authenticate(ctx, "editor@example.org", "много тайна парола")
			if err != nil || u.Role != db.RoleEditor || u.OrganisationID == 0 {
				t.Errorf("the created editor cannot sign in: %+v, %v", u, err)
			}
		})
	}
}

// TestPagesAreLight: a typical page with its stylesheet weighs under 100 KB
// before images, and no page needs a script.
func TestPagesAreLight(t *testing.T) {
	_, srv := testSite(t)
	_, css := get(t, srv.URL+"/static/style.css")
	for _, path := range []string{"/bg/", "/en/", "/bg/news", "/bg/events", "/en/handbooks/common-cases", "/bg/organisations", "/en/login"} {
		status, body := get(t, srv.URL+path)
		if status != 200 {
			t.Errorf("GET %s = %d", path, status)
		}
		if size := len(body) + len(css); size > 100_000 {
			t.Errorf("%s with its CSS weighs %d bytes, want under 100 KB", path, size)
		}
		if strings.Contains(body, "<script") {
			t.Errorf("%s carries a script; pages must work without JavaScript", path)
		}
	}
}

// TestSettingsFile: a command reads hub.env for what neither a flag nor the
// environment says, so that the server and the commands agree on the base
// URL once it is written there.
func TestSettingsFile(t *testing.T) {
	ctx := context.Background()
	envFile := filepath.Join(t.TempDir(), "hub.env")
	content := "# written once\nexport HUB_BASE_URL=\"https://file.example\"\n\nHUB_LOG_LEVEL=warn\n"
	if err := os.WriteFile(envFile, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"HUB_DATA_DIR": t.TempDir(), "HUB_ENV_FILE": envFile}
	for i, tt := range []struct {
		env  string
		args []string
		want string
	}{
		{"", nil, "@org0@file.example"},
		{"https://env.example", nil, "@org1@env.example"},
		{"https://env.example", []string{"--base-url", "https://flag.example"}, "@org2@flag.example"},
	} {
		vars["HUB_BASE_URL"] = tt.env
		e, out, errb := testEnv(vars, "")
		args := append([]string{"org", "create", "--handle", fmt.Sprintf("org%d", i), "--name-en", "Org"}, tt.args...)
		if code := run(ctx, args, e); code != 0 {
			t.Fatalf("org create: exit %d: %s", code, errb)
		}
		if !strings.Contains(out.String(), tt.want) {
			t.Errorf("with HUB_BASE_URL=%q and flags %v: %q, want %q", tt.env, tt.args, out, tt.want)
		}
	}
}
