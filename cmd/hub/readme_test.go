package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestReadmeCommands runs the commands of the README's section "The first
// admin and organisations", in their order, in a fresh directory, as a
// newcomer would paste them: it builds the binary, writes hub.env, starts the
// server, creates the admin, the organisation and its editor, and loads the
// demo. Every command must succeed, and the addresses they print and serve
// must use the base URL of hub.env, not the listen address.
func TestReadmeCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the hub binary")
	}
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	lines := readmeCommands(t, string(readme), "## The first admin and organisations")
	dir := t.TempDir()
	environ := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "GOCACHE=" + goEnv(t, "GOCACHE"),
		"GOMODCACHE=" + goEnv(t, "GOMODCACHE"), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local"}
	port := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	var serving bool
	for _, line := range lines {
		switch {
		case strings.HasPrefix(line, "go build"):
			// Build from the repository into the test's directory.
			cmd := exec.CommandContext(ctx, filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", filepath.Join(dir, "hub"), "./cmd/hub")
			cmd.Dir, cmd.Env = root, environ
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", line, err, out)
			}
		case line == "./hub serve":
			// The README's listen address may be taken on this machine:
			// a later line of hub.env wins.
			f, err := os.OpenFile(filepath.Join(dir, "hub.env"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatalf("hub.env was not written before %q: %v", line, err)
			}
			fmt.Fprintf(f, "HUB_LISTEN=127.0.0.1:%d\n", port)
			f.Close()
			srv := exec.CommandContext(ctx, "sh", "-c", "exec "+line)
			srv.Dir, srv.Env = dir, environ
			var logs bytes.Buffer
			srv.Stdout, srv.Stderr = &logs, &logs
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				srv.Process.Signal(os.Interrupt)
				srv.Wait()
				if t.Failed() {
					t.Logf("the server's log:\n%s", logs.String())
				}
			})
			waitFor(t, "the hub to answer /healthz", func() bool {
				resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", port))
				if err != nil {
					return false
				}
				resp.Body.Close()
				return resp.StatusCode == http.StatusOK
			})
			serving = true
		default:
			cmd := exec.CommandContext(ctx, "sh", "-c", line)
			cmd.Dir, cmd.Env = dir, environ
			cmd.Stdin = strings.NewReader("a long enough password\n")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", line, err, out)
			}
			switch {
			case strings.Contains(line, "org create --handle ic-haskovo"):
				if !strings.Contains(string(out), "@ic-haskovo@hub.example.org") {
					t.Errorf("%s printed %q, want the address @ic-haskovo@hub.example.org from hub.env", line, out)
				}
			case strings.HasPrefix(line, "./hub demo"):
				if !strings.Contains(string(out), "loaded the demo dataset") || strings.Contains(string(out), "you@example.org") {
					t.Errorf("%s printed %q: want the demo loaded, and a hint that does not reuse the README's admin address", line, out)
				}
			}
		}
	}
	if !serving {
		t.Fatal("the README's section never starts the hub")
	}
	// The running server agrees with the commands on its address.
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/.well-known/webfinger?resource=acct:ic-haskovo@hub.example.org", port))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "https://hub.example.org/") {
		t.Errorf("WebFinger for the README's organisation: %d %s; want its actor at https://hub.example.org/", resp.StatusCode, body)
	}
}

// readmeCommands returns the command lines of the sh blocks in the README's
// section with the given heading, joining continued lines.
func readmeCommands(t *testing.T, readme, heading string) []string {
	t.Helper()
	i := strings.Index(readme, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README has no section %q", heading)
	}
	section := readme[i+len(heading)+2:]
	if j := strings.Index(section, "\n## "); j >= 0 {
		section = section[:j]
	}
	var out []string
	in := false
	sc := bufio.NewScanner(strings.NewReader(section))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```sh"):
			in = true
		case strings.HasPrefix(line, "```"):
			in = false
		case in && strings.TrimSpace(line) != "":
			if n := len(out); n > 0 && strings.HasSuffix(out[n-1], "\\") {
				out[n-1] = strings.TrimSuffix(out[n-1], "\\") + strings.TrimSpace(line)
				continue
			}
			out = append(out, strings.TrimSpace(line))
		}
	}
	if len(out) < 5 {
		t.Fatalf("README's section %q has %d commands, want the build, hub.env, serve, user and org commands", heading, len(out))
	}
	return out
}

func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "env", name).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
