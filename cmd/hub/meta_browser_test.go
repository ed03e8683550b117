package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/bgimigranti/hub/db"
)

// TestStructuredDataUnderCSP: in a browser that enforces the portal's
// Content-Security-Policy, an event page's JSON-LD is there and parses, and
// the page causes no policy violation; an inline script added to the same
// page does, which shows that violations would be seen.
func TestStructuredDataUnderCSP(t *testing.T) {
	tab := browser(t)
	if _, err := chromedp.Call(tab, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: false}); err != nil {
		t.Fatal(err)
	}
	h, srv := testSite(t)
	ev := &db.Item{Kind: db.Event, Status: db.Published, StartsAt: time.Now().AddDate(0, 0, 10), TimeZone: "Europe/Sofia", PlaceName: "Читалище"}
	ev.SetTexts(db.Text{Lang: db.BG, Title: "Семинар </script>", Summary: "Кратко", BodyHTML: "<p>Текст</p>"})
	if err := h.store.CreateItem(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.cspViolations = []; document.addEventListener("securitypolicyviolation", e => window.cspViolations.push(e.violatedDirective));`,
	}); err != nil {
		t.Fatal(err)
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(tab, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/bg/events/"+itoa(ev.ID)), chromedp.WaitReady(chromedp.CSS("main h1"))); err != nil {
		t.Fatal(err)
	}
	ld := eval(`(() => { const d = JSON.parse(document.querySelector('script[type="application/ld+json"]').textContent); return d["@type"] + " " + d.name })()`)
	if ld != "Event Семинар </script>" {
		t.Errorf("the JSON-LD in the browser: %q", ld)
	}
	if got := eval(`new Promise(r => setTimeout(() => r(JSON.stringify(window.cspViolations)), 200))`); got != "[]" {
		t.Errorf("the event page violates its CSP: %s", got)
	}
	got := eval(`new Promise(r => { const s = document.createElement("script"); s.textContent = "1"; document.body.append(s); setTimeout(() => r(JSON.stringify(window.cspViolations)), 200) })`)
	if !strings.Contains(got, "script-src") {
		t.Errorf("an inline script caused no violation (%s): the check cannot fail", got)
	}
}
