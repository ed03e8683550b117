package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// asHub is the variable that makes the test binary run as the hub (see
// TestMain), so that a test can kill a hub process of its own.
const asHub = "HUB_TEST_RUN_AS_HUB"

func TestMain(m *testing.M) {
	if os.Getenv(asHub) == "1" {
		main() // exits
	}
	os.Exit(m.Run())
}

// inboxFarm is many remote inboxes on loopback: hosts listeners, each a
// "server" of its own to the hub (host:port), serving perHost personal
// inboxes /users/uN/inbox. Each delivery is answered 202 after delay; the
// farm counts what it accepted, by activity and inbox.
type inboxFarm struct {
	hosts []string
	delay time.Duration

	mu       sync.Mutex
	accepted map[string]int // "activity-id inbox-url" → times answered 202
	total    int
}

func newInboxFarm(t *testing.T, hosts int, delay time.Duration) *inboxFarm {
	t.Helper()
	f := &inboxFarm{delay: delay, accepted: map[string]int{}}
	srv := &http.Server{Handler: http.HandlerFunc(f.serve), ReadHeaderTimeout: 5 * time.Second}
	for range hosts {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		f.hosts = append(f.hosts, ln.Addr().String())
		go srv.Serve(ln)
	}
	t.Cleanup(func() { srv.Close() })
	return f
}

func (f *inboxFarm) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var doc struct {
		ID string `json:"id"`
	}
	if r.Method != http.MethodPost || r.Header.Get("Signature") == "" || json.Unmarshal(body, &doc) != nil || doc.ID == "" {
		http.Error(w, "unsigned or malformed", http.StatusBadRequest)
		return
	}
	select {
	case <-time.After(f.delay):
	case <-r.Context().Done():
		return // the sender is gone: not accepted
	}
	f.mu.Lock()
	f.accepted[doc.ID+" http://"+r.Host+r.URL.Path]++
	f.total++
	f.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// counts returns how many deliveries the farm accepted in all and how many
// distinct inboxes got each activity.
func (f *inboxFarm) counts() (total int, distinct int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.total, len(f.accepted)
}

// waitUntil polls cond every millisecond until it holds, for at most limit.
func waitUntil(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %v", what, limit)
		}
		time.Sleep(time.Millisecond)
	}
}

// hubProcess is the hub running in a process of its own.
type hubProcess struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
}

func startHubProcess(t *testing.T, vars map[string]string) *hubProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = append(os.Environ(), asHub+"=1")
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &hubProcess{cmd: cmd, stderr: new(bytes.Buffer)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return p
}

// stop sends sig and waits for the process to end.
func (p *hubProcess) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if sig == syscall.SIGTERM && err != nil {
			t.Fatalf("the hub did not stop cleanly on SIGTERM: %v\n%s", err, p.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the hub did not stop on %v\n%s", sig, p.stderr)
	}
}

// leased counts the deliveries leased right now, and all delivered.
func leased(t *testing.T, store *db.Store) (inFlight, delivered int) {
	t.Helper()
	ctx := context.Background()
	rows, err := store.Deliveries(ctx, db.DeliveryQuery{State: db.DeliveryPending, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.LockedUntil.After(time.Now()) {
			inFlight++
		}
	}
	delivered, err = store.CountDeliveries(ctx, db.DeliveryDelivered, "")
	if err != nil {
		t.Fatal(err)
	}
	return inFlight, delivered
}

// TestDeliveriesSurviveStopAndCrash runs the hub as a process of its own,
// fanning one news item out to 1,000 personal inboxes on 100 loopback
// servers, and interrupts it twice: SIGTERM at about a quarter (the hub
// finishes or releases what is in flight: nothing is sent twice), then
// SIGKILL at about half. Each restart takes the queue over at once, though
// leases last five minutes (the default); at the end every inbox has the
// item, and at most as many twice as deliveries were leased at the kill.
func TestDeliveriesSurviveStopAndCrash(t *testing.T) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			const hosts, perHost = 100, 10
			farm := newInboxFarm(t, hosts, 10*time.Millisecond)
			vars := map[string]string{"HUB_DATA_DIR": t.TempDir(), "HUB_DATABASE_URL": dbtest.DSN(t, d),
				"HUB_BASE_URL": "https://hub.example.org", "HUB_LISTEN": "127.0.0.1:0",
				"HUB_ALLOW_PRIVATE_NETWORKS": "true", "HUB_LOG_LEVEL": "warn"}
			c, err := registerConfigFlags(newFlagSet("t", env{stderr: io.Discard}), func(k string) string { return vars[k] })()
			if err != nil {
				t.Fatal(err)
			}
			log := slog.New(slog.DiscardHandler)
			store, err := open(ctx, c, log)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
			h, err := newHub(c, store, log) // serves the actor, to create it; its worker does not run
			if err != nil {
				t.Fatal(err)
			}
			org := &db.Organisation{Handle: "ngo-ruse", Kind: db.OrgNGO, Country: "BG"}
			org.SetTexts(db.Text{Lang: db.BG, Title: "Организация Русе"}, db.Text{Lang: db.EN, Title: "Organisation Ruse"})
			if err := store.CreateOrganisation(ctx, org); err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodGet, "https://hub.example.org/actors/ngo-ruse", nil)
			req.Header.Set("Accept", "application/activity+json")
			rec := httptest.NewRecorder()
			h.handler.ServeHTTP(rec, req)
			actor, err := store.LocalActor(ctx, "ngo-ruse")
			if rec.Code != http.StatusOK || err != nil {
				t.Fatalf("actor: %d, %v", rec.Code, err)
			}
			err = store.InTx(ctx, func(tx *db.Store) error {
				for _, host := range farm.hosts {
					for j := range perHost {
						uri := fmt.Sprintf("http://%s/users/u%d", host, j)
						r := &db.Actor{URI: uri, Type: db.ActorPerson, Host: host, Handle: fmt.Sprintf("u%d", j), Inbox: uri + "/inbox"}
						if err := tx.SaveRemoteActor(ctx, r); err != nil {
							return err
						}
						if _, err := tx.SaveFollow(ctx, r.ID, actor.ID, uri+"/follow", db.FollowAccepted); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			it := &db.Item{Kind: db.News, OrganisationID: org.ID, Status: db.Published, PrimaryLang: db.BG, PublishedAt: time.Now()}
			it.SetTexts(db.Text{Lang: db.BG, Title: "Новина", BodyHTML: "<p>Текст</p>"}, db.Text{Lang: db.EN, Title: "News", BodyHTML: "<p>Text</p>"})
			if err := store.CreateItem(ctx, it); err != nil {
				t.Fatal(err)
			}
			const want = hosts * perHost
			accepted := func() int { n, _ := farm.counts(); return n }
			start := time.Now()

			// SIGTERM a quarter of the way: nothing in flight is lost or
			// left leased, and every accepted delivery is recorded.
			p := startHubProcess(t, vars)
			waitUntil(t, "a quarter delivered", 30*time.Second, func() bool { return accepted() >= want/4 })
			p.stop(t, syscall.SIGTERM)
			inFlight, delivered := leased(t, store)
			total, distinct := farm.counts()
			t.Logf("SIGTERM: %d accepted by the inboxes, %d recorded delivered, %d leased", total, delivered, inFlight)
			if inFlight != 0 || total != distinct || delivered != total {
				t.Fatalf("after SIGTERM: %d leased (want 0), %d accepted for %d inboxes, %d recorded\n%s", inFlight, total, distinct, delivered, p.stderr)
			}

			// SIGKILL half way: what was leased then may go out twice.
			p = startHubProcess(t, vars)
			waitUntil(t, "half delivered", 30*time.Second, func() bool { return accepted() >= want/2 })
			p.stop(t, syscall.SIGKILL)
			killedAt := time.Now()
			inFlight, delivered = leased(t, store)
			total, _ = farm.counts()
			t.Logf("SIGKILL: %d accepted by the inboxes, %d recorded delivered, %d leased (in flight)", total, delivered, inFlight)
			if inFlight > 64 {
				t.Errorf("%d deliveries leased at the kill, more than the 64 workers", inFlight)
			}

			// The restart takes the dead process's leases back at once.
			p = startHubProcess(t, vars)
			waitUntil(t, "every inbox reached", 60*time.Second, func() bool { _, n := farm.counts(); return n >= want })
			t.Logf("restart to last inbox: %v; whole run %v", time.Since(killedAt).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
			p.stop(t, syscall.SIGTERM)
			total, distinct = farm.counts()
			if distinct != want {
				t.Errorf("%d inboxes reached, want %d", distinct, want)
			}
			if dup := total - distinct; dup > inFlight {
				t.Errorf("%d deliveries went out twice, more than the %d in flight at the kill", dup, inFlight)
			} else {
				t.Logf("%d sent twice (%d were in flight at the kill)", dup, inFlight)
			}
			if _, delivered = leased(t, store); delivered != want {
				t.Errorf("%d deliveries recorded delivered, want %d", delivered, want)
			}
		})
	}
}
