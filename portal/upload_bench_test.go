package portal

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
	"github.com/bgimigranti/hub/db/markup"
)

// BenchmarkConcurrentUploads sends four of the largest images the hub
// accepts at once, through HTTP, and reports the process's peak resident
// memory (VmHWM, reset before the uploads) and peak Go heap. The hub's
// target is to stay under 256 MiB. The process includes the test's
// clients, the SQLite database and the (small) files.
// Run: go test ./portal -run '^$' -bench ConcurrentUploads -benchtime 1x
func BenchmarkConcurrentUploads(b *testing.B) {
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, field{8000, 5000}, &jpeg.Options{Quality: 60}); err != nil {
		b.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		data []byte
	}{
		// 8-bit RGBA at the decoding budget: 5700 x 5700, 124 MiB decoded.
		{"png-32MP", streamPNG(b, 5700, 5700, false)},
		// A baseline 4:2:0 JPEG at the pixel limit: 40 MP, 57 MiB decoded.
		{"jpeg-40MP", jpg.Bytes()},
	} {
		b.Run(tt.name, func(b *testing.B) {
			a, clients, tokens := uploadBench(b, 4)
			runtime.GC()
			debug.FreeOSMemory()
			for b.Loop() {
				resetPeakRSS(b)
				var peakHeap atomic.Uint64
				stop := make(chan struct{})
				go sampleHeap(&peakHeap, stop)
				var wg sync.WaitGroup
				for i, c := range clients {
					wg.Go(func() {
						v := url.Values{"kind": {"material"}, "action": {"publish"}, "title_en": {fmt.Sprintf("Image %d", i)},
							"file_alt_en": {"A picture"}, "csrf": {tokens[i]}}
						// Each upload differs by a byte after the image
						// data, so none is stored as a copy of another.
						data := append(append([]byte{}, tt.data...), byte(i))
						resp, err := c.Do(multipartRequest(b, a.URL+"/en/manage/new", v, "big", data))
						if err != nil {
							b.Error(err)
							return
						}
						resp.Body.Close()
						if resp.StatusCode != 303 {
							b.Errorf("upload %d: status %d", i, resp.StatusCode)
						}
					})
				}
				wg.Wait()
				close(stop)
				b.ReportMetric(float64(peakRSS(b))/(1<<20), "peak-RSS-MiB")
				b.ReportMetric(float64(peakHeap.Load())/(1<<20), "peak-heap-MiB")
			}
		})
	}
}

// resetPeakRSS resets the kernel's high-water mark of resident memory.
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skipf("cannot reset the peak RSS: %v", err)
	}
}

// peakRSS returns the process's peak resident memory since the last reset.
func peakRSS(b *testing.B) uint64 {
	st, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(st), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// sampleHeap records the largest heap in use every few milliseconds.
func sampleHeap(peak *atomic.Uint64, stop chan struct{}) {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	var ms runtime.MemStats
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	}
}

// uploadBench serves a portal on SQLite with an editor signed in n times,
// and returns its server, the n clients and their forms' tokens.
func uploadBench(b *testing.B, n int) (*httptest.Server, []*http.Client, []string) {
	ctx := context.Background()
	s := dbtest.Open(b, db.SQLite)
	if _, err := s.Seed(ctx, markup.New()); err != nil {
		b.Fatal(err)
	}
	o := &db.Organisation{Handle: "ngo", Kind: db.OrgInfoCentre, Country: "BG"}
	o.SetTexts(db.Text{Lang: db.EN, Title: "NGO"})
	if err := s.CreateOrganisation(ctx, o); err != nil {
		b.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, db.NewUser{Email: "editor@example.org", Name: "editor", Password: testPassword, Role: db.RoleEditor, OrganisationID: o.ID}); err != nil {
		b.Fatal(err)
	}
	base, _ := url.Parse("https://hub.example.org")
	h, err := New(Config{BaseURL: base, DataDir: b.TempDir()}, s, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	token := func(c *http.Client, path string) string {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		m := csrfInput.FindSubmatch(body)
		if m == nil {
			b.Fatalf("no form token at %s", path)
		}
		return string(m[1])
	}
	clients, tokens := make([]*http.Client, n), make([]string, n)
	for i := range clients {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		v := url.Values{"csrf": {token(c, "/en/login")}, "email": {"editor@example.org"}, "password": {testPassword}}
		resp, err := c.PostForm(srv.URL+"/en/login", v)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			b.Fatalf("sign in: %d", resp.StatusCode)
		}
		clients[i], tokens[i] = c, token(c, "/en/account")
	}
	return srv, clients, tokens
}
