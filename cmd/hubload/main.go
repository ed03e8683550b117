// Command hubload measures how fast the portal serves its pages.
//
// It creates a temporary SQLite data directory, seeds it with organisations
// and -items items of every kind in both languages, builds the real portal
// handler and serves it with httptest on 127.0.0.1, next to a trivial
// handler that writes "ok" on the same server. Then, for each scenario in
// turn, a closed-loop client of -workers goroutines requests pages for
// -duration and the command prints requests per second and the p50 and p99
// latencies as a table. Nothing leaves the loopback interface, and the data
// directory is removed at the end unless -keep is given.
//
// The page cache serves repeated requests for the same page from memory, so
// the table shows both: fixed pages (cache hits after the first) and pages
// that miss the cache (every item page once, or a query parameter the portal
// ignores that makes each request a new page), which measure rendering from
// the database. The seeded texts are drawn from a vocabulary of fifteen words
// a language, so a search for one of them matches most of the 10,000 items
// (the worst case for ranking); every title also carries its item's number,
// a rare word.
//
//	go run ./cmd/hubload -workers 16 -duration 5s
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/markup"
	"github.com/bgimigranti/hub/portal"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "hubload:", err)
		os.Exit(1)
	}
}

// config is what the flags set.
type config struct {
	items    int
	workers  int
	duration time.Duration
	warmup   time.Duration
	keep     bool
	profile  string
	only     *regexp.Regexp
}

func parseFlags() (config, error) {
	var c config
	flag.IntVar(&c.items, "items", 10_000, "how many items to seed")
	flag.IntVar(&c.workers, "workers", 16, "concurrent client workers")
	flag.DurationVar(&c.duration, "duration", 5*time.Second, "how long to measure each scenario")
	flag.DurationVar(&c.warmup, "warmup", 500*time.Millisecond, "how long to run each scenario before measuring")
	flag.BoolVar(&c.keep, "keep", false, "keep the temporary data directory")
	flag.StringVar(&c.profile, "cpuprofile", "", "write a CPU profile of the measurements to this file")
	only := flag.String("only", "", "run only the scenarios whose names match this regular expression")
	flag.Parse()
	var err error
	if c.only, err = regexp.Compile(*only); err != nil {
		return c, fmt.Errorf("-only: %w", err)
	}
	switch {
	case c.items < 100 || c.items > 1_000_000:
		return c, errors.New("-items must be from 100 to 1000000")
	case c.workers < 1 || c.workers > 1024:
		return c, errors.New("-workers must be from 1 to 1024")
	case c.duration < 100*time.Millisecond || c.duration > 10*time.Minute:
		return c, errors.New("-duration must be from 100ms to 10m")
	case c.warmup < 0 || c.warmup > time.Minute:
		return c, errors.New("-warmup must be from 0 to 1m")
	}
	return c, nil
}

func run() error {
	cfg, err := parseFlags()
	if err != nil {
		return err
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "hubload-*")
	if err != nil {
		return err
	}
	if cfg.keep {
		fmt.Println("data directory:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	store, err := db.Open(ctx, "sqlite:"+filepath.Join(dir, "hub.db"))
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
	start := time.Now()
	seeded, err := seed(ctx, store, cfg.items)
	if err != nil {
		return err
	}
	fmt.Printf("seeded %d items and %d organisations in %s\n", cfg.items, seededOrgs, time.Since(start).Round(time.Millisecond))

	srv, err := serve(store, dir)
	if err != nil {
		return err
	}
	defer srv.Close()

	words := []string{"интеграция", "курс", "Хасково", "работа", "integration", "course", "residence", "сем", "docum", "пребиваване"}
	news := seeded[db.News]
	// "n" is a query parameter the portal ignores: it makes every request
	// a different page for the cache, so those rows measure rendering.
	scenarios := []*scenario{
		{name: "trivial handler (ok)", path: func(int) string { return "/ok" }},
		{name: "home /bg/ (cached)", path: func(int) string { return "/bg/" }},
		{name: "home, always a cache miss", path: func(i int) string { return "/bg/?n=" + strconv.Itoa(i) }},
		{name: "list /bg/news?page=3 (cached)", path: func(int) string { return "/bg/news?page=3" }},
		{name: "list, always a cache miss", path: func(i int) string { return "/bg/news?page=3&n=" + strconv.Itoa(i) }},
		{name: "item /bg/news/ID (cached)", path: func(int) string { return news[len(news)/2] }},
		{name: "item, each of 10,000 once", path: func(i int) string { return seeded[all][i%len(seeded[all])] }},
		{name: "search интеграция (cached)", path: func(int) string { return "/bg/search?q=" + url.QueryEscape("интеграция") }},
		{name: "search, rare word, cache miss", path: func(i int) string {
			return "/en/search?q=" + strconv.Itoa(i%cfg.items) + "&n=" + strconv.Itoa(i)
		}},
		{name: "search, word in most items, miss", path: func(i int) string {
			return "/en/search?q=" + url.QueryEscape(words[i%len(words)]) + "&n=" + strconv.Itoa(i)
		}},
	}
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: cfg.workers, MaxConnsPerHost: cfg.workers, DisableCompression: true},
	}
	fmt.Printf("GOMAXPROCS=%d, %d workers, %s per scenario after %s warm-up, SQLite, page cache on\n\n",
		runtime.GOMAXPROCS(0), cfg.workers, cfg.duration, cfg.warmup)
	if cfg.profile != "" {
		f, err := os.Create(cfg.profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\trequests\treq/s\tp50\tp99\terrors\t")
	for _, sc := range scenarios {
		if !cfg.only.MatchString(sc.name) {
			continue
		}
		if cfg.warmup > 0 {
			load(client, srv.URL, sc, cfg.workers, cfg.warmup)
		}
		r := load(client, srv.URL, sc, cfg.workers, cfg.duration)
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%d\t\n", sc.name, r.n, float64(r.n)/r.elapsed.Seconds(),
			fmtDur(r.quantile(0.50)), fmtDur(r.quantile(0.99)), r.errors)
	}
	return tw.Flush()
}

// all keys every seeded item page in the map seed returns.
const all db.Kind = "all"

// seededOrgs is how many organisations seed creates.
const seededOrgs = 24

// seed creates organisations and n items of every kind, in transactions of
// 500, and returns the page paths of the items by kind (and all under all).
func seed(ctx context.Context, s *db.Store, n int) (map[db.Kind][]string, error) {
	md := markup.New()
	rnd := rand.New(rand.NewPCG(1, 2))
	cities := []string{"София", "Пловдив", "Варна", "Бургас", "Русе", "Хасково", "Стара Загора", "Плевен"}
	var orgs []int64
	for i := range seededOrgs {
		o := &db.Organisation{Handle: fmt.Sprintf("org-%02d", i), Kind: db.OrgKinds()[i%len(db.OrgKinds())],
			Country: []string{"BG", "BG", "BG", "DE", "GR", "TR"}[i%6], City: cities[i%len(cities)]}
		if i%8 == 7 {
			o.Remote, o.ActorID = true, fmt.Sprintf("https://partner%d.example/actors/org-%02d", i, i)
		}
		o.SetTexts(db.Text{Lang: db.BG, Title: fmt.Sprintf("Организация %d – %s", i, o.City), Summary: "Помощ за граждани на трети страни."},
			db.Text{Lang: db.EN, Title: fmt.Sprintf("Organisation %d", i), Summary: "Help for third-country nationals."})
		if err := s.CreateOrganisation(ctx, o); err != nil {
			return nil, err
		}
		orgs = append(orgs, o.ID)
	}
	bgWords := []string{"интеграция", "курс", "български", "език", "работа", "жилище", "здраве", "училище", "документи", "пребиваване", "консултация", "семинар", "Хасково", "София", "община"}
	enWords := []string{"integration", "course", "Bulgarian", "language", "work", "housing", "health", "school", "documents", "residence", "counselling", "seminar", "Haskovo", "Sofia", "municipality"}
	sentence := func(words []string, k int) string {
		b := make([]byte, 0, 16*k)
		for i := range k {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, words[rnd.IntN(len(words))]...)
		}
		return string(b)
	}
	now := time.Now().UTC()
	out := map[db.Kind][]string{}
	const batch = 500
	for from := 0; from < n; from += batch {
		err := s.InTx(ctx, func(tx *db.Store) error {
			for i := from; i < min(from+batch, n); i++ {
				k := db.Kinds()[i%len(db.Kinds())]
				it := &db.Item{Kind: k, Status: db.Published, PublishedAt: now.Add(-time.Duration(rnd.IntN(2*365*24)) * time.Hour)}
				if i%5 != 0 {
					it.OrganisationID = orgs[rnd.IntN(len(orgs))]
				}
				if k == db.Event || k == db.Gallery {
					it.StartsAt = now.Add(time.Duration(rnd.IntN(2*365*24)-365*24) * time.Hour).Truncate(time.Hour)
					it.EndsAt = it.StartsAt.Add(2 * time.Hour)
					it.PlaceName = cities[rnd.IntN(len(cities))]
				}
				var ts []db.Text
				for _, l := range []struct {
					lang  db.Lang
					words []string
				}{{db.BG, bgWords}, {db.EN, enWords}} {
					if i%7 == 0 && l.lang == db.EN || i%11 == 0 && i%7 != 0 && l.lang == db.BG {
						continue // some items exist in one language only
					}
					body := sentence(l.words, 40) + ".\n\n" + sentence(l.words, 60) + ".\n\n- " + sentence(l.words, 8) + "\n- " + sentence(l.words, 8) + "\n"
					html, err := md.Render(body)
					if err != nil {
						return err
					}
					ts = append(ts, db.Text{Lang: l.lang, Title: sentence(l.words, 5) + " " + strconv.Itoa(i), Summary: sentence(l.words, 20) + ".", BodyMD: body, BodyHTML: html})
				}
				it.SetTexts(ts...)
				if err := tx.CreateItem(ctx, it); err != nil {
					return err
				}
				p := it.PagePath(db.BG)
				out[k] = append(out[k], p)
				out[all] = append(out[all], p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	rnd.Shuffle(len(out[all]), func(i, j int) { out[all][i], out[all][j] = out[all][j], out[all][i] })
	return out, nil
}

// serve starts the portal and the trivial handler on one loopback server.
func serve(store *db.Store, dir string) (*httptest.Server, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	srv := httptest.NewUnstartedServer(mux)
	base, err := url.Parse("http://" + srv.Listener.Addr().String())
	if err != nil {
		srv.Close()
		return nil, err
	}
	h, err := portal.New(portal.Config{BaseURL: base, DataDir: dir}, store, slog.New(slog.DiscardHandler))
	if err != nil {
		srv.Close()
		return nil, err
	}
	mux.Handle("/", h)
	srv.Start()
	return srv, nil
}

// scenario is a named sequence of paths: the i-th request asks for path(i).
// The count goes on from the warm-up into the measurement.
type scenario struct {
	name string
	path func(i int) string
	next atomic.Int64
}

// result is what one scenario measured.
type result struct {
	n, errors int
	elapsed   time.Duration
	lat       []time.Duration // sorted
}

func (r result) quantile(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(q*float64(len(r.lat))))]
}

// maxSamples bounds the latencies one worker keeps.
const maxSamples = 1 << 20

// load runs workers closed loops against base for d: each sends a request,
// reads the whole answer, and sends the next.
func load(client *http.Client, base string, sc *scenario, workers int, d time.Duration) result {
	var (
		mu  sync.Mutex
		res result
		wg  sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 4096)
			errs := 0
			for time.Now().Before(deadline) && len(lat) < maxSamples {
				t0 := time.Now()
				resp, err := client.Get(base + sc.path(int(sc.next.Add(1))))
				if err != nil {
					errs++
					continue
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					errs++
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.errors += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.n = len(res.lat)
	slices.Sort(res.lat)
	return res
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	default:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
}
