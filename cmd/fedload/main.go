// Command fedload measures how fast the hub takes in federation traffic,
// end to end over real HTTP on loopback.
//
// It starts the hub (the real portal and federation handlers, with the
// delivery worker) in a process of its own on a temporary SQLite database
// (or a new schema of the PostgreSQL database given with -database), and,
// in this process, fake remote instances: every host iNNNN.fedload.example
// is served by one loopback server that answers actor documents with keys
// and checks the signature of every delivery it receives. The hub's client
// dials that server for every remote host name; nothing leaves loopback.
// Then it measures, in turn:
//
//   - ceiling: a hello-world handler in the hub process (requests/s and
//     CPU per request) and an RSA-2048 sign and verify here: what the
//     machine itself allows, in the same run.
//   - inbox: -notes signed Create{Note} from -senders actors the hub
//     follows, -concurrency at a time, at the shared inbox: stored per
//     second (each answer is a 202 after the commit) and the hub's CPU per
//     stored activity until it is idle again.
//   - follows: -follows Follows of a local organisation from as many
//     new actors, first at the shared inbox, then at the organisation's own
//     inbox. Each costs the hub a signature check, a signed GET of the
//     actor, a row, and a signed Accept, which the fake instance must
//     receive: the hub's CPU per Follow until idle, and the wall time until
//     the last Accept arrived.
//   - burst: -burst Follows from -instances instances, -concurrency at a
//     time: how many were accepted, how many failed, the wall time and the
//     CPU per accepted Follow, by quarter (flat as followers grow?).
//
// The hub's CPU time and memory are read from /proc (Linux): CPU per
// operation is what the hub process spent, not this one; the peak RSS of
// each phase and the idle RSS are printed too. Page rendering is measured
// by cmd/hubload.
//
//	go run ./cmd/fedload
//	go run ./cmd/fedload -notes 5000 -follows 1000 -burst 10000 -instances 1000
//	go run ./cmd/fedload -database 'postgres://USER@127.0.0.1/DB?sslmode=disable'
package main

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bgimigranti/hub/federation/httpsig"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-role" || len(os.Args) > 1 && os.Args[1] == "-role=hub" {
		if err := runHub(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "fedload hub:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fedload:", err)
		os.Exit(1)
	}
}

// config is what the flags set.
type config struct {
	database    string
	notes       int
	senders     int
	follows     int
	burst       int
	instances   int
	concurrency int
	timeout     time.Duration
	profile     string
	only        *regexp.Regexp
	keep        bool
}

func parseFlags() (config, error) {
	var c config
	flag.StringVar(&c.database, "database", "", "a PostgreSQL URL: run on a new schema there instead of a temporary SQLite file")
	flag.IntVar(&c.notes, "notes", 5000, "inbox: signed Create{Note} to send")
	flag.IntVar(&c.senders, "senders", 50, "inbox: followed actors that send them")
	flag.IntVar(&c.follows, "follows", 500, "follows: Follows at the shared inbox, then as many at the personal one")
	flag.IntVar(&c.burst, "burst", 2000, "burst: Follows to send")
	flag.IntVar(&c.instances, "instances", 200, "burst: instances they come from")
	flag.IntVar(&c.concurrency, "concurrency", 16, "requests in flight at once")
	flag.DurationVar(&c.timeout, "timeout", 5*time.Minute, "longest wait for the Accepts of one phase")
	flag.StringVar(&c.profile, "cpuprofile", "", "write the hub process's CPU profile of the whole run to this file")
	flag.BoolVar(&c.keep, "keep", false, "keep the temporary data directory (and the PostgreSQL schema)")
	only := flag.String("only", "", "run only the phases whose names (ceiling, inbox, follows, burst) match this regular expression")
	flag.Parse()
	var err error
	if c.only, err = regexp.Compile(*only); err != nil {
		return c, fmt.Errorf("-only: %w", err)
	}
	switch {
	case c.notes < 0 || c.notes > 1_000_000:
		return c, errors.New("-notes must be from 0 to 1000000")
	case c.senders < 1 || c.senders > 1000:
		return c, errors.New("-senders must be from 1 to 1000")
	case c.follows < 0 || c.follows > 9000:
		return c, errors.New("-follows must be from 0 to 9000")
	case c.burst < 0 || c.burst > 1_000_000:
		return c, errors.New("-burst must be from 0 to 1000000")
	case c.instances < 1 || c.instances > 9000:
		return c, errors.New("-instances must be from 1 to 9000")
	case c.concurrency < 1 || c.concurrency > 1024:
		return c, errors.New("-concurrency must be from 1 to 1024")
	case c.timeout < time.Second || c.timeout > time.Hour:
		return c, errors.New("-timeout must be from 1s to 1h")
	}
	return c, nil
}

// hubProc is the running hub process.
type hubProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	base  string
	pid   int
}

func run() error {
	cfg, err := parseFlags()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "fedload-*")
	if err != nil {
		return err
	}
	if cfg.keep {
		fmt.Println("data directory:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	dsn, engine := "sqlite:"+filepath.Join(dir, "hub.db"), "SQLite"
	if cfg.database != "" {
		var drop func()
		if dsn, drop, err = pgSchema(cfg.database, cfg.keep); err != nil {
			return err
		}
		defer drop()
		engine = "PostgreSQL"
	}

	keys := make([]*rsa.PrivateKey, 4)
	for i := range keys {
		if keys[i], err = httpsig.GenerateKey(); err != nil {
			return err
		}
	}
	rem, err := newRemotes(keys)
	if err != nil {
		return err
	}
	remSrv := &http.Server{Handler: rem, ReadHeaderTimeout: 10 * time.Second}
	remLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go remSrv.Serve(remLn)
	defer remSrv.Close()
	keyFile := filepath.Join(dir, "keys.json")
	kb, _ := json.Marshal(rem.pems)
	if err := os.WriteFile(keyFile, kb, 0o600); err != nil {
		return err
	}

	hub, err := startHub(dir, dsn, remLn.Addr().String(), keyFile, cfg)
	if err != nil {
		return err
	}
	defer hub.stop()
	rem.hub = hub.base

	client := &http.Client{Timeout: 60 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: cfg.concurrency, MaxConnsPerHost: cfg.concurrency, DisableCompression: true}}
	for range 3 { // warm up: three requests, as a first visitor would
		if _, err := get(client, hub.base+"/fedload/ok"); err != nil {
			return err
		}
	}
	time.Sleep(time.Second)
	idle, _, _ := procMem(hub.pid)
	fmt.Printf("fedload: hub on %s (%s), GOMAXPROCS=%d, %d at a time, load %s; hub idle RSS %s\n\n",
		hub.base, engine, runtime.GOMAXPROCS(0), cfg.concurrency, loadAvg(), mb(idle))

	r := &runner{cfg: cfg, hub: hub, rem: rem, client: client}
	r.measureRSA()
	for _, p := range []struct {
		name string
		fn   func() error
	}{{"ceiling", r.ceiling}, {"inbox", r.inbox}, {"follows", r.follows}, {"burst", r.burstFollows}} {
		if !cfg.only.MatchString(p.name) {
			continue
		}
		if err := p.fn(); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	time.Sleep(2 * time.Second)
	rss, _, _ := procMem(hub.pid)
	fmt.Printf("\nhub RSS at the end, idle: %s (at start: %s)\n", mb(rss), mb(idle))
	if rem.badSig.Load() > 0 || rem.unsigned.Load() > 0 {
		fmt.Printf("WARNING: %d deliveries with a bad signature, %d unsigned actor fetches\n", rem.badSig.Load(), rem.unsigned.Load())
	}
	return nil
}

// startHub runs this program again as the hub process and waits for its
// address.
func startHub(dir, dsn, remote, keyFile string, cfg config) (*hubProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"-role", "hub", "-dsn", dsn, "-data", dir, "-remote", remote, "-keys", keyFile,
		"-followed", fmt.Sprint(cfg.senders)}
	if cfg.profile != "" {
		args = append(args, "-cpuprofile", cfg.profile)
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stdin.Close()
		cmd.Wait()
		return nil, fmt.Errorf("the hub process did not start: %w", err)
	}
	return &hubProc{cmd: cmd, stdin: stdin, base: "http://" + line[:len(line)-1], pid: cmd.Process.Pid}, nil
}

// stop closes the hub's standard input, which stops it, and waits.
func (h *hubProc) stop() {
	h.stdin.Close()
	done := make(chan struct{})
	go func() { h.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		h.cmd.Process.Kill()
		<-done
	}
}

// pgSchema creates a schema for the run in the PostgreSQL database at base
// and returns a URL that uses it, and a function that drops it.
func pgSchema(base string, keep bool) (string, func(), error) {
	b := make([]byte, 6)
	rand.Read(b)
	schema := "fedload_" + hex.EncodeToString(b)
	admin, err := sql.Open("postgres", base)
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		admin.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		if keep {
			fmt.Println("PostgreSQL schema kept:", schema)
		} else {
			admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		}
		admin.Close()
	}, nil
}

// runner runs the phases against one hub.
type runner struct {
	cfg    config
	hub    *hubProc
	rem    *remotes
	client *http.Client
	hello  float64 // hello-world requests/s, when measured
	signCPU,
	verifyCPU time.Duration
}

func get(c *http.Client, u string) ([]byte, error) {
	resp, err := c.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: HTTP %d", u, resp.StatusCode)
	}
	return b, err
}

func (r *runner) stats() (stats, error) {
	var st stats
	b, err := get(r.client, r.hub.base+"/fedload/stats")
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal(b, &st)
}

// measureRSA times an RSA-2048 sign and verify on one thread.
func (r *runner) measureRSA() {
	key := r.rem.keys[0]
	digest := sha256.Sum256([]byte("fedload"))
	var sig []byte
	// CPU time of this thread, which other tenants of the machine do not
	// inflate as they do wall time.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const signs, verifies = 200, 2000
	t0 := threadCPU()
	for range signs {
		sig, _ = rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
	}
	r.signCPU = (threadCPU() - t0) / signs
	t0 = threadCPU()
	for range verifies {
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
			panic(err) // a key made here must verify
		}
	}
	r.verifyCPU = (threadCPU() - t0) / verifies
}

// ceiling measures the hello-world handler (RSA-2048 was measured at the
// start).
func (r *runner) ceiling() error {
	const d = 2 * time.Second
	cpu0, _ := procCPU(r.hub.pid)
	var n, fails atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range r.cfg.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(start) < d {
				if _, err := get(r.client, r.hub.base+"/fedload/ok"); err != nil {
					fails.Add(1)
					continue
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	cpu1, _ := procCPU(r.hub.pid)
	r.hello = float64(n.Load()) / wall.Seconds()
	fmt.Printf("ceiling  hello-world: %.0f req/s, hub CPU %s/req, %d failed; RSA-2048 sign %s, verify %s (CPU); load %s\n",
		r.hello, us(perOp(cpu1-cpu0, int(n.Load()))), fails.Load(), us(r.signCPU), us(r.verifyCPU), loadAvg())
	return nil
}

// signed is a request signed ahead of the measurement.
type signed struct {
	url  string
	body []byte
	hdr  http.Header
}

// signAll signs requests on every core.
func signAll(n int, build func(i int) (url string, body []byte, keyID string, key *rsa.PrivateKey)) ([]signed, error) {
	out := make([]signed, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	now := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				u, body, keyID, key := build(i)
				req, err := http.NewRequest(http.MethodPost, u, nil)
				if err == nil {
					req.Header.Set("Content-Type", "application/activity+json")
					err = httpsig.Sign(req, body, keyID, key, now)
				}
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				out[i] = signed{u, body, req.Header}
			}
		}()
	}
	wg.Wait()
	return out, firstErr
}

// sendResult is what sending a list of requests gave.
type sendResult struct {
	ok, failed int
	statuses   map[int]int // failures by status (0: transport error)
	wall       time.Duration
	// cpuAt is the hub's CPU time after each quarter of the requests.
	cpuAt [4]time.Duration
}

// send posts reqs, concurrency at a time, and counts 202s.
func (r *runner) send(reqs []signed) sendResult {
	res := sendResult{statuses: map[int]int{}}
	var next, done atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	quarter := func(d int64) {
		for q := range 4 {
			if d == int64(len(reqs)*(q+1)/4) {
				c, _ := procCPU(r.hub.pid)
				mu.Lock()
				res.cpuAt[q] = c
				mu.Unlock()
			}
		}
	}
	start := time.Now()
	for range r.cfg.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(reqs) {
					return
				}
				req, _ := http.NewRequest(http.MethodPost, reqs[i].url, bytes.NewReader(reqs[i].body))
				req.Header = reqs[i].hdr.Clone()
				status := 0
				resp, err := r.client.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				mu.Lock()
				if status == http.StatusAccepted {
					res.ok++
				} else {
					res.failed++
					res.statuses[status]++
				}
				mu.Unlock()
				quarter(done.Add(1))
			}
		}()
	}
	wg.Wait()
	res.wall = time.Since(start)
	return res
}

// inbox sends signed Create{Note} from followed actors.
func (r *runner) inbox() error {
	n := r.cfg.notes
	if n == 0 {
		return nil
	}
	tag := time.Now().UnixNano()
	reqs, err := signAll(n, func(i int) (string, []byte, string, *rsa.PrivateKey) {
		inst := i % r.cfg.senders
		actor := actorURI(inst, 0)
		note := fmt.Sprintf("%s/notes/%d-%d", actor, tag, i)
		body, _ := json.Marshal(map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams",
			"id":       note + "/activity", "type": "Create", "actor": actor,
			"published": "2026-12-05T10:00:00Z", "to": []any{asPublic}, "cc": []any{actor + "/followers"},
			"object": map[string]any{"id": note, "type": "Note", "attributedTo": actor,
				"published": "2026-12-05T10:00:00Z", "to": []any{asPublic}, "cc": []any{actor + "/followers"},
				"url": note, "contentMap": map[string]any{"bg": fmt.Sprintf("<p>Съобщение номер %d за курса по български език в Хасково.</p>", i)},
				"content": fmt.Sprintf("<p>Съобщение номер %d за курса по български език в Хасково.</p>", i)},
		})
		return r.hub.base + "/inbox", body, actor + "#main-key", r.rem.key(inst)
	})
	if err != nil {
		return err
	}
	before, err := r.stats()
	if err != nil {
		return err
	}
	resetPeak(r.hub.pid)
	load0 := loadAvg()
	cpu0, _ := procCPU(r.hub.pid)
	res := r.send(reqs)
	cpu1 := waitIdle(r.hub.pid, 30*time.Second)
	_, peak, _ := procMem(r.hub.pid)
	after, err := r.stats()
	if err != nil {
		return err
	}
	stored := after.Items - before.Items
	cpu := perOp(cpu1-cpu0, stored)
	rate := float64(stored) / res.wall.Seconds()
	fmt.Printf("inbox    %d Create{Note} from %d followed actors: %d stored in %s = %.0f/s%s, %d failed %v\n",
		n, r.cfg.senders, stored, res.wall.Round(time.Millisecond), rate, r.ofHello(rate), res.failed, res.statuses)
	fmt.Printf("         hub CPU %s per stored activity (%.1f× an RSA verify); peak RSS %s; load %s → %s\n",
		ms(cpu), ratio(cpu, r.verifyCPU), mb(peak), load0, loadAvg())
	return nil
}

// followReqs signs n Follows of the bench organisation: the i-th comes
// from user prefix+i on instance inst(i), posted to path.
func (r *runner) followReqs(n int, prefix, path string, inst func(i int) int) ([]signed, error) {
	object := r.hub.base + "/actors/" + benchHandle
	return signAll(n, func(i int) (string, []byte, string, *rsa.PrivateKey) {
		in := inst(i)
		actor := fmt.Sprintf("http://%s/users/%s%d", instanceHost(in), prefix, i)
		body, _ := json.Marshal(map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams",
			"id":       fmt.Sprintf("%s/follows/%d", actor, i), "type": "Follow", "actor": actor, "object": object,
		})
		return r.hub.base + path, body, actor + "#main-key", r.rem.key(in)
	})
}

// followRun sends Follows and waits for their Accepts.
type followRun struct {
	res      sendResult
	accepted int
	wall     time.Duration // until the last Accept (or the timeout)
	cpu      time.Duration // the hub's, until idle
	peak     int64
	load     [2]string
}

func (r *runner) runFollows(reqs []signed) followRun {
	var fr followRun
	resetPeak(r.hub.pid)
	fr.load[0] = loadAvg()
	acc0 := r.rem.acceptedCount()
	cpu0, _ := procCPU(r.hub.pid)
	start := time.Now()
	fr.res = r.send(reqs)
	for deadline := start.Add(r.cfg.timeout); r.rem.acceptedCount()-acc0 < fr.res.ok && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	fr.wall = time.Since(start)
	fr.accepted = r.rem.acceptedCount() - acc0
	fr.cpu = waitIdle(r.hub.pid, 30*time.Second) - cpu0
	for q := range fr.res.cpuAt {
		fr.res.cpuAt[q] -= cpu0
	}
	_, fr.peak, _ = procMem(r.hub.pid)
	fr.load[1] = loadAvg()
	return fr
}

// follows sends Follows from new actors of distinct instances, at the
// shared inbox and then at the organisation's own inbox.
func (r *runner) follows() error {
	n := r.cfg.follows
	if n == 0 {
		return nil
	}
	for _, c := range []struct{ name, prefix, path string }{
		{"shared inbox", "s", "/inbox"},
		{"personal inbox", "p", "/actors/" + benchHandle + "/inbox"},
	} {
		reqs, err := r.followReqs(n, c.prefix, c.path, func(i int) int { return i % 9000 })
		if err != nil {
			return err
		}
		fr := r.runFollows(reqs)
		fmt.Printf("follows  %d Follows at the %s from %d new actors: %d accepted (Accept received) in %s, %d failed %v\n",
			n, c.name, n, fr.accepted, fr.wall.Round(time.Millisecond), fr.res.failed, fr.res.statuses)
		fmt.Printf("         hub CPU %s per Follow (%.1f× the floor of one verify and two signs); peak RSS %s; load %s → %s\n",
			ms(perOp(fr.cpu, n)), ratio(perOp(fr.cpu, n), r.verifyCPU+2*r.signCPU), mb(fr.peak), fr.load[0], fr.load[1])
	}
	return nil
}

// burstFollows sends many Follows from many instances.
func (r *runner) burstFollows() error {
	n := r.cfg.burst
	if n == 0 {
		return nil
	}
	reqs, err := r.followReqs(n, "b", "/inbox", func(i int) int { return i % r.cfg.instances })
	if err != nil {
		return err
	}
	before, err := r.stats()
	if err != nil {
		return err
	}
	fr := r.runFollows(reqs)
	after, err := r.stats()
	if err != nil {
		return err
	}
	fmt.Printf("burst    %d Follows from %d instances, %d at a time: %d accepted (Accept received), %d failed %v, in %s; followers %d → %d\n",
		n, r.cfg.instances, r.cfg.concurrency, fr.accepted, fr.res.failed, fr.res.statuses, fr.wall.Round(time.Millisecond), before.Followers, after.Followers)
	var qs []string
	prev := time.Duration(0)
	for _, c := range fr.res.cpuAt {
		qs = append(qs, ms(perOp(c-prev, n/4)))
		prev = c
	}
	fmt.Printf("         hub CPU %s per accepted Follow (by quarter of the requests: %v); peak RSS %s; load %s → %s\n",
		ms(perOp(fr.cpu, fr.accepted)), qs, mb(fr.peak), fr.load[0], fr.load[1])
	return nil
}

// ofHello says what share of the hello-world rate rate is, when that was
// measured.
func (r *runner) ofHello(rate float64) string {
	if r.hello == 0 {
		return ""
	}
	return fmt.Sprintf(" (%.1f%% of hello-world req/s)", 100*rate/r.hello)
}

func perOp(d time.Duration, n int) time.Duration {
	if n <= 0 {
		return 0
	}
	return d / time.Duration(n)
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond)) }
