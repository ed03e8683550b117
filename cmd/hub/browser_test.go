package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// Browser tests drive Debian's headless Chromium through the DevTools
// protocol. They are skipped, loudly, when Chromium is not installed, unless
// HUB_REQUIRE_CHROMIUM is set (CI sets it), in which case they fail.

var chromiumOnce, axeOnce sync.Once

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("HUB_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("HUB_REQUIRE_CHROMIUM") != "" {
		t.Fatal("Chromium is required (HUB_REQUIRE_CHROMIUM) but not installed: apt-get install chromium")
	}
	chromiumOnce.Do(func() {
		dbtest.Warn("Chromium not found: SKIPPING the browser and accessibility tests (apt-get install chromium)")
	})
	t.Skip("Chromium not installed")
	return ""
}

// axeSource returns axe-core's script: $HUB_AXE_JS, or the copy .ci/run
// installs under .ci/node; "" when neither exists (a failure under
// HUB_REQUIRE_CHROMIUM). Call it before browser, so that a missing axe-core
// is known before Chromium starts.
func axeSource(t *testing.T) string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	candidates := []string{os.Getenv("HUB_AXE_JS"), filepath.Join(filepath.Dir(here), "..", "..", ".ci", "node", "node_modules", "axe-core", "axe.min.js")}
	for _, p := range candidates {
		if p == "" {
			continue
		}
		if b, err := os.ReadFile(p); err == nil {
			return string(b)
		}
	}
	if os.Getenv("HUB_REQUIRE_CHROMIUM") != "" {
		t.Fatal("axe-core not found: run `npm install --prefix .ci/node axe-core@4` or set HUB_AXE_JS")
	}
	axeOnce.Do(func() {
		dbtest.Warn("axe-core not found: SKIPPING the accessibility checks (npm install --prefix .ci/node axe-core@4.14.1)")
	})
	return ""
}

// needAxe is axeSource for tests that check accessibility and nothing else:
// without axe-core they skip, before starting Chromium.
func needAxe(t *testing.T) string {
	t.Helper()
	axe := axeSource(t)
	if axe == "" {
		t.Skip("axe-core not installed: npm install --prefix .ci/node axe-core@4")
	}
	return axe
}

// checkAxe runs axe-core on each URL in the subtest "axe" and reports every
// serious or critical violation, so that a journey reports its own result
// apart from the accessibility check, which alone skips without axe-core.
func checkAxe(t *testing.T, tab context.Context, axe string, urls ...string) {
	t.Helper()
	t.Run("axe", func(t *testing.T) {
		if axe == "" {
			t.Skip("axe-core not installed: npm install --prefix .ci/node axe-core@4")
		}
		for _, u := range urls {
			for _, v := range seriousViolations(t, tab, axe, u) {
				t.Errorf("%s: %s", u, v)
			}
		}
	})
}

// browser starts a headless Chromium for the test and returns a context for
// one tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelTimeout := context.WithTimeout(context.Background(), 6*time.Minute)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelTab(); cancelAlloc(); cancelTimeout() })
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	if _, err := chromedp.Call(tab, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatalf("let axe-core run despite the page's CSP: %v", err)
	}
	return tab
}

// testSite builds the whole hub on a fresh SQLite data directory and serves
// it on loopback.
func testSite(t *testing.T) (*hub, *httptest.Server) {
	t.Helper()
	srv, h, _ := startHub(t, nil)
	return h, srv
}

// startHub builds the whole hub on a fresh SQLite data directory, with the
// extra settings given, serves it on loopback and returns the settings it
// used (so that commands can run against the same data).
func startHub(t *testing.T, extra map[string]string) (*httptest.Server, *hub, map[string]string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	vars := map[string]string{"HUB_DATA_DIR": t.TempDir(), "HUB_DATABASE_URL": dbtest.DSN(t, db.SQLite),
		"HUB_BASE_URL": "http://" + srv.Listener.Addr().String()}
	for k, v := range extra {
		vars[k] = v
	}
	c, err := registerConfigFlags(newFlagSet("t", env{stderr: io.Discard}), func(k string) string { return vars[k] })()
	if err != nil {
		t.Fatal(err)
	}
	c.fastPasswords = true
	store, err := open(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h, err := newHub(c, store, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h.handler
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, h, vars
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// seriousViolations loads url, runs axe-core on it for WCAG 2.1 A/AA and
// returns its serious and critical violations, one line each.
func seriousViolations(t *testing.T, tab context.Context, axe, url string) []string {
	t.Helper()
	err := chromedp.Do(tab,
		chromedp.Navigate(url),
		chromedp.WaitReady(chromedp.CSS("body")),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Run(ctx, chromedp.Evaluate[any](axe))
			return err
		}),
	)
	if err != nil {
		t.Fatalf("axe on %s: %v", url, err)
	}
	raw, err := chromedp.Run(tab, chromedp.Evaluate[string](
		`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).then(r => JSON.stringify(r.violations))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", url, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		t.Fatalf("axe result for %s: %v", url, err)
	}
	var out []string
	for _, v := range vs {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		var where []string
		for i, n := range v.Nodes {
			if i == 3 {
				where = append(where, "…")
				break
			}
			where = append(where, n.HTML)
		}
		out = append(out, fmt.Sprintf("%s violation %s (%s): %s", v.Impact, v.ID, v.Help, strings.Join(where, " | ")))
	}
	return out
}

// TestAxeCatchesViolations proves the check can fail: a page with an
// unlabelled field and an image without alt text must be reported.
func TestAxeCatchesViolations(t *testing.T) {
	axe := needAxe(t)
	tab := browser(t)
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html><head><title>x</title></head><body><main><img src="/x.png"><input type="text"></main></body></html>`)
	}))
	defer bad.Close()
	if got := seriousViolations(t, tab, axe, bad.URL); len(got) < 2 {
		t.Errorf("axe found %d serious violations on a broken page, want at least 2 (image-alt, label): %v", len(got), got)
	}
}

// TestPagesPassAxe runs axe-core on every kind of page a visitor meets, in
// both languages: the home page, lists, an event and a news item, a handbook
// with a chapter, a static page, the directory, search, the sign-in and
// registration forms, and the 404.
func TestPagesPassAxe(t *testing.T) {
	axe := needAxe(t)
	tab := browser(t)
	h, srv := testSite(t)
	ctx := context.Background()
	org := newOrganisation(t, h.store, "ic-haskovo", "Информационен център Хасково", "Haskovo Information Centre")
	ev := &db.Item{Kind: db.Event, Status: db.Published, OrganisationID: org.ID, StartsAt: time.Now().AddDate(0, 0, 10), TimeZone: "Europe/Sofia", PlaceName: "Читалище"}
	ev.SetTexts(db.Text{Lang: db.BG, Title: "Семинар", Summary: "Кратко", BodyHTML: "<p>Текст</p>"}, db.Text{Lang: db.EN, Title: "Seminar", Summary: "Short", BodyHTML: "<p>Text</p>"})
	news := &db.Item{Kind: db.News, Status: db.Published, OrganisationID: org.ID}
	news.SetTexts(db.Text{Lang: db.BG, Title: "Новина само на български", Summary: "Резюме", BodyHTML: "<p>Текст</p>"})
	for _, it := range []*db.Item{ev, news} {
		if err := h.store.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	hb, err := h.store.HandbookBySlug(ctx, "common-cases")
	if err != nil {
		t.Fatal(err)
	}
	ch := &db.Chapter{HandbookID: hb.ID, Slug: "first"}
	ch.SetTexts(db.Text{Lang: db.BG, Title: "Първа глава", BodyHTML: "<h2 id=\"a\">Раздел</h2><p>Текст</p>"})
	if err := h.store.CreateChapter(ctx, ch); err != nil {
		t.Fatal(err)
	}
	paths := []string{"/", "/handbooks", "/handbooks/common-cases", "/handbooks/common-cases/first",
		"/handbooks/common-cases/where-to-turn", "/handbooks/intercultural-competences/culture-and-identity", "/handbooks/common-cases/print", "/pages/about",
		"/news", "/events", "/events?view=calendar", "/events?when=week", "/events/" + itoa(ev.ID), "/news/" + itoa(news.ID), "/organisations", "/organisations/ic-haskovo",
		"/search?q=семинар", "/login", "/register", "/password/forgot", "/no-such-page"}
	for _, lang := range []string{"bg", "en"} {
		for _, path := range paths {
			for _, v := range seriousViolations(t, tab, axe, srv.URL+"/"+lang+path) {
				t.Errorf("%s: %s", "/"+lang+path, v)
			}
		}
	}
}

// TestVisitorJourney: a visitor whose browser asks for English arrives at
// "/", uses the skip link from the keyboard, switches to Bulgarian, reads a
// handbook through the menu and its table of contents, and on the next visit
// to "/" gets Bulgarian again (the remembered choice beats Accept-Language).
func TestVisitorJourney(t *testing.T) {
	tab := browser(t)
	_, srv := testSite(t)
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tab, steps...); err != nil {
			t.Fatal(err)
		}
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(tab, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	run(chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("main h1")),
		// Keyboard: the first Tab reaches the skip link.
		chromedp.KeyEvent("\t"))
	if lang, focused := eval(`document.documentElement.lang`), eval(`document.activeElement.textContent`); lang != "en" || focused != "Skip to content" {
		t.Fatalf("landing page: lang %q, first Tab focuses %q; want en (the browser's language) and the skip link", lang, focused)
	}
	run(chromedp.KeyEvent("\r"))
	if got := eval(`document.activeElement.id`); got != "main" {
		t.Errorf("Enter on the skip link focused %q, want main", got)
	}
	run(
		chromedp.Click(chromedp.CSS(`nav.langs a[hreflang="bg"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main h1`)),
	)
	if got := eval(`document.documentElement.lang`); got != "bg" {
		t.Fatalf("after the language switch: lang %q", got)
	}
	run(
		chromedp.Click(`//nav[@class="menu"]/ul//a[text()="Справочници"]`), // the desktop row, not the folded copy
		chromedp.WaitVisible(chromedp.CSS(`ol.cards`)),
		chromedp.Click(`//a[contains(., "често срещани казуси")]`),
		chromedp.WaitVisible(chromedp.CSS(`nav.toc`)),
	)
	title, err := chromedp.Run(tab, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	h1, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS("main h1")))
	if err != nil {
		t.Fatal(err)
	}
	if h1 != "Интеграция на имигранти – често срещани казуси" || !strings.Contains(title, "казуси") {
		t.Errorf("after navigating: title %q, h1 %q", title, h1)
	}
	// The choice of English is remembered for the next visit to /.
	run(chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if again := eval(`document.documentElement.lang`); again != "bg" {
		t.Errorf("returning to / gave lang %q, want bg (remembered over Accept-Language)", again)
	}
}
