package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/markup"
	"github.com/bgimigranti/hub/federation"
	"github.com/bgimigranti/hub/federation/httpsig"
	"github.com/bgimigranti/hub/portal"
)

// The hub process: fedload runs itself again with -role hub, so that the
// hub's CPU time and memory are its own and not mixed with the load
// generator's and the fake instances'.

// benchHandle is the local organisation the Follows are for.
const benchHandle = "ic-bench"

// hubArgs is what the parent tells the hub process.
type hubArgs struct {
	dsn      string
	dataDir  string
	remote   string // address every remote host dials
	keys     string // file with the fake instances' public keys (JSON array of PEM)
	followed int    // how many fake actors the hub follows (i0000/u0 …)
	profile  string
}

// runHub is the hub process: it builds the site and federation as cmd/hub
// does, on 127.0.0.1 with a random port, prints the address on standard
// output, and serves until standard input closes or a signal arrives.
func runHub(args []string) error {
	fs := flag.NewFlagSet("fedload -role hub", flag.ContinueOnError)
	var a hubArgs
	fs.StringVar(&a.dsn, "dsn", "", "database URL")
	fs.StringVar(&a.dataDir, "data", "", "data directory")
	fs.StringVar(&a.remote, "remote", "", "address of the fake instances")
	fs.StringVar(&a.keys, "keys", "", "public keys of the fake instances")
	fs.IntVar(&a.followed, "followed", 0, "fake actors the hub follows")
	fs.StringVar(&a.profile, "cpuprofile", "", "write the hub's CPU profile here")
	fs.String("role", "hub", "")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { // the parent went away, or wants us to stop
		io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	if a.profile != "" {
		f, err := os.Create(a.profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := startProfile(f); err != nil {
			return err
		}
		defer stopProfile()
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, err := db.Open(ctx, a.dsn)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		return err
	}
	if _, err := store.Seed(ctx, markup.New()); err != nil {
		return err
	}
	org := &db.Organisation{Handle: benchHandle, Kind: db.OrgKinds()[0], Country: "BG", City: "София"}
	org.SetTexts(db.Text{Lang: db.BG, Title: "Информационен център (тест)"}, db.Text{Lang: db.EN, Title: "Information centre (test)"})
	if err := store.CreateOrganisation(ctx, org); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base, _ := url.Parse("http://" + ln.Addr().String())
	site, err := portal.New(portal.Config{BaseURL: base, DataDir: a.dataDir}, store, log)
	if err != nil {
		return err
	}
	client := federation.NewClient(federation.ClientOptions{AllowPrivateNetworks: true})
	// Every remote host name is one of the fake instances, served by the
	// parent on one loopback address.
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	client.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr != ln.Addr().String() {
			addr = a.remote
		}
		return dialer.DialContext(ctx, network, addr)
	}
	fed, err := federation.New(federation.Config{BaseURL: base, Site: site, Client: client, AllowPrivateNetworks: true}, store, log)
	if err != nil {
		return err
	}
	if err := followFakes(ctx, store, base.String(), org.ID, a); err != nil {
		return err
	}
	mux := http.NewServeMux()
	fed.Mount(mux)
	mux.HandleFunc("GET /fedload/ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("GET /fedload/stats", func(w http.ResponseWriter, r *http.Request) {
		st, err := hubStats(r.Context(), store)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(st)
	})
	mux.Handle("/", site)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go fed.Run(ctx)
	go store.WatchChanges(ctx, a.dsn, log)
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	fmt.Println(ln.Addr().String())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// stats is what the hub process reports about its database.
type stats struct {
	Items     int `json:"items"`
	Followers int `json:"followers"`
}

func hubStats(ctx context.Context, store *db.Store) (stats, error) {
	var st stats
	var err error
	if st.Items, err = store.CountItems(ctx, db.ItemQuery{Status: db.AnyStatus}); err != nil {
		return st, err
	}
	a, err := store.LocalActor(ctx, benchHandle)
	if errors.Is(err, db.ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	st.Followers, err = store.CountFollowers(ctx, a.ID)
	return st, err
}

// followFakes creates the local organisation's actor and stores the first
// a.followed fake actors (one per instance) as followed by it, as if they
// had accepted its Follow: the inbox scenario's senders.
func followFakes(ctx context.Context, store *db.Store, base string, orgID int64, a hubArgs) error {
	key, err := httpsig.GenerateKey()
	if err != nil {
		return err
	}
	priv, err := httpsig.EncodePrivateKey(key)
	if err != nil {
		return err
	}
	pub, err := httpsig.EncodePublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	uri := base + db.ActorPath(benchHandle)
	local, err := store.CreateLocalActor(ctx, &db.Actor{URI: uri, Handle: benchHandle, Type: db.ActorOrganization,
		OrganisationID: orgID, KeyID: uri + "#main-key", PublicKeyPEM: pub, PrivateKeyPEM: priv,
		Inbox: uri + "/inbox", SharedInbox: base + "/inbox", Outbox: uri + "/outbox", Followers: uri + "/followers", Following: uri + "/following"})
	if err != nil {
		return err
	}
	if a.followed == 0 {
		return nil
	}
	f, err := os.Open(a.keys)
	if err != nil {
		return err
	}
	defer f.Close()
	var pems []string
	if err := json.NewDecoder(bufio.NewReader(f)).Decode(&pems); err != nil || len(pems) == 0 {
		return fmt.Errorf("read keys: %v", err)
	}
	return store.InTx(ctx, func(tx *db.Store) error {
		for i := range a.followed {
			id := actorURI(i, 0)
			act := &db.Actor{URI: id, Type: db.ActorPerson, Host: instanceHost(i), Handle: "u0",
				Inbox: id + "/inbox", SharedInbox: "http://" + instanceHost(i) + "/inbox",
				KeyID: id + "#main-key", PublicKeyPEM: pems[i%len(pems)], Name: "Sender " + instanceHost(i)}
			if err := tx.SaveRemoteActor(ctx, act); err != nil {
				return err
			}
			if _, err := tx.SaveFollow(ctx, local.ID, act.ID, fmt.Sprintf("%s/follows/%d", local.URI, i), db.FollowAccepted); err != nil {
				return err
			}
		}
		return nil
	})
}
