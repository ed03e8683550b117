package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestLayoutFits: on a 1280 px desktop the main menu is one row; on a
// 390 px phone it folds behind a menu button that works without JavaScript
// (<details>), and the header takes at most a fifth of the first screen.
// With HUB_SCREENSHOTS=DIR the test leaves a screenshot of each case there.
func TestLayoutFits(t *testing.T) {
	tab := browser(t)
	_, srv := testSite(t)
	shots := os.Getenv("HUB_SCREENSHOTS")
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(tab, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	for _, c := range []struct {
		name          string
		width, height int64
	}{{"desktop", 1280, 800}, {"phone", 390, 844}} {
		for _, lang := range []string{"bg", "en"} {
			for _, path := range []string{"/", "/handbooks/common-cases/first-steps"} {
				url := srv.URL + "/" + lang + path
				if err := chromedp.Do(tab, chromedp.EmulateViewport(c.width, c.height), chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("main h1"))); err != nil {
					t.Fatal(err)
				}
				if shots != "" {
					png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
					if err != nil {
						t.Fatal(err)
					}
					name := c.name + "-" + lang + map[string]string{"/": "-home"}[path] + ".png"
					if path != "/" {
						name = c.name + "-" + lang + "-chapter.png"
					}
					os.WriteFile(filepath.Join(shots, name), png, 0o644)
				}
				rows := eval(`String(new Set([...document.querySelectorAll("nav.menu li")].filter(li => li.checkVisibility()).map(li => Math.round(li.getBoundingClientRect().top))).size)`)
				button := eval(`String(document.querySelector("nav.menu summary").checkVisibility())`)
				header, _ := strconv.ParseFloat(eval(`String(document.querySelector("header.site").getBoundingClientRect().height)`), 64)
				// The bar is one row when its parts' vertical extents all overlap.
				bar := eval(`(() => { const r = [...document.querySelectorAll("header.site .bar > *")].map(e => e.getBoundingClientRect()); return Math.max(...r.map(b => b.top)) < Math.min(...r.map(b => b.bottom)) ? "1" : "more" })()`)
				t.Logf("%s %s%s: menu rows %s, menu button %s, header %.0f px, header rows %s", c.name, lang, path, rows, button, header, bar)
				where := c.name + " " + lang + path
				if c.name == "desktop" && (rows != "1" || button != "false" || bar != "1") {
					t.Errorf("%s: the menu takes %s rows and the bar %s (want one each), the menu button shows: %s", where, rows, bar, button)
				}
				if c.name == "phone" {
					if rows != "0" || button != "true" {
						t.Errorf("%s: %s rows of menu entries show before the menu button is used (button shown: %s)", where, rows, button)
					}
					if header > float64(c.height)/5 {
						t.Errorf("%s: the header is %.0f px high, more than a fifth of %d", where, header, c.height)
					}
					if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("nav.menu summary"))); err != nil {
						t.Fatal(err)
					}
					if n := eval(`String([...document.querySelectorAll("nav.menu li")].filter(li => li.checkVisibility()).length)`); n != "10" {
						t.Errorf("%s: after the menu button, %s entries show, want 10", where, n)
					}
					if shots != "" && path == "/" {
						png, _ := chromedp.Run(tab, chromedp.CaptureScreenshot())
						os.WriteFile(filepath.Join(shots, c.name+"-"+lang+"-menu-open.png"), png, 0o644)
					}
				}
			}
		}
	}
}
