package federation

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/png"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bgimigranti/hub/db"
)

// fakeImages is an ImageStore that records a media row per image, as the
// portal's does (without resizing: that is the portal's, tested there).
type fakeImages struct {
	store   *db.Store
	saved   atomic.Int32
	deleted atomic.Int32
}

func (f *fakeImages) DeleteImage(ctx context.Context, m *db.Media) error {
	f.deleted.Add(1)
	return nil
}

func (f *fakeImages) SaveImage(ctx context.Context, remoteURL string, data []byte) (*db.Media, error) {
	if !bytes.HasPrefix(data, []byte("\x89PNG")) {
		return nil, errors.New("not a PNG")
	}
	sum := sha256.Sum256(data)
	m := &db.Media{SHA256: hex.EncodeToString(sum[:]), ContentType: "image/png", Size: int64(len(data)), RemoteURL: remoteURL}
	f.saved.Add(1)
	return m, f.store.SaveMedia(ctx, m)
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestPartnerOrganisationProfile runs two hubs on loopback: A's
// organisation has a logo, a banner and contacts; its actor carries them
// as icon, image and PropertyValue attachments; B, following it, stores
// the city, country, website and e-mail and fetches each image once into
// its own storage, however often its worker runs; when A drops the logo,
// B lets its copy go.
func TestPartnerOrganisationProfile(t *testing.T) {
	each(t, func(t *testing.T, d db.Dialect) {
		ctx := context.Background()
		clock := newClock()
		logo := pngBytes(t, 40, 40)
		var imageGets atomic.Int32
		serveMedia := func(c *Config) {
			next := c.Site
			c.Site = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/media/") {
					imageGets.Add(1)
					w.Header().Set("Content-Type", "image/jpeg")
					w.Write(logo)
					return
				}
				next.ServeHTTP(w, r)
			})
		}
		a := newTestHub(t, d, clock, serveMedia)
		var images *fakeImages
		b := newTestHub(t, d, clock, func(c *Config) {
			images = &fakeImages{}
			c.Images = images
		})
		images.store = b.store

		org := a.org("ic-haskovo")
		org.Email = "info@ic.example.org"
		if err := a.store.UpdateOrganisation(ctx, org); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, c := range "12" {
			m := &db.Media{SHA256: strings.Repeat(string(c), 64), ContentType: "image/png", Size: 10}
			if err := a.store.SaveMedia(ctx, m); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		if err := a.store.SetOrganisationImages(ctx, org.ID, ids[0], ids[1]); err != nil {
			t.Fatal(err)
		}

		// The actor document.
		actor, err := a.h.localActor(ctx, "ic-haskovo")
		if err != nil {
			t.Fatal(err)
		}
		doc, err := a.h.actorDocument(ctx, actor)
		if err != nil {
			t.Fatal(err)
		}
		base := "http://" + a.host
		for k, want := range map[string]string{"icon": base + db.MediaPath(ids[0], "thumb"), "image": base + db.MediaPath(ids[1], "medium")} {
			img := objOf(doc[k])
			if img == nil || str(img, "type") != "Image" || str(img, "mediaType") != "image/jpeg" || str(img, "url") != want {
				t.Errorf("actor %s = %v; want an image/jpeg Image at %s", k, doc[k], want)
			}
		}
		fields := map[string]string{}
		for _, at := range objsOf(doc["attachment"]) {
			if typeOf(at) == "PropertyValue" {
				fields[str(at, "name")] = str(at, "value")
			}
		}
		for name, want := range map[string]string{"Град": "Хасково", "Държава": "BG", "Имейл": `<a href="mailto:info@ic.example.org">info@ic.example.org</a>`} {
			if fields[name] != want {
				t.Errorf("PropertyValue %q = %q; want %q (all: %v)", name, fields[name], want, fields)
			}
		}
		if !strings.Contains(fields["Уебсайт"], `href="https://ic.example.org"`) {
			t.Errorf("website field %q does not link the website", fields["Уебсайт"])
		}

		// The partner hub.
		if _, err := b.h.Follow(ctx, "ic-haskovo@"+a.host); err != nil {
			t.Fatal(err)
		}
		b.drain()
		a.drain()
		b.drain()
		b.drain()
		got, err := b.store.OrganisationByActor(ctx, a.h.actorURI("ic-haskovo"))
		if err != nil {
			t.Fatal(err)
		}
		if got.City != "Хасково" || got.Country != "BG" || got.Email != "info@ic.example.org" || got.Website != "https://ic.example.org" {
			t.Errorf("partner organisation on B: city %q country %q e-mail %q website %q", got.City, got.Country, got.Email, got.Website)
		}
		if got.LogoMediaID == 0 || got.BannerMediaID == 0 {
			t.Fatalf("partner organisation on B has logo %d, banner %d; want both fetched", got.LogoMediaID, got.BannerMediaID)
		}
		m, err := b.store.Media(ctx, got.LogoMediaID)
		if err != nil || m.RemoteURL != base+db.MediaPath(ids[0], "thumb") {
			t.Errorf("B's copy of the logo: %+v, %v", m, err)
		}
		if n := imageGets.Load(); n != 2 {
			t.Errorf("A served %d image requests; want 2 (logo and banner, once each)", n)
		}

		// A drops its logo: B lets its copy go at the next Update.
		if err := a.store.SetOrganisationImages(ctx, org.ID, 0, ids[1]); err != nil {
			t.Fatal(err)
		}
		doc, _ = a.h.actorDocument(ctx, actor)
		bActor, _ := b.store.ActorByURI(ctx, actor.URI)
		bActor.Raw = string(mustJSON(t, doc))
		if err := b.store.InTx(ctx, func(tx *db.Store) error { return b.h.refreshRemoteOrganisation(ctx, tx, bActor) }); err != nil {
			t.Fatal(err)
		}
		b.drain()
		got, _ = b.store.OrganisationByActor(ctx, actor.URI)
		if got.LogoMediaID != 0 || got.BannerMediaID == 0 {
			t.Errorf("after the logo was dropped: logo %d, banner %d; want 0 and kept", got.LogoMediaID, got.BannerMediaID)
		}
		if n := imageGets.Load(); n != 2 {
			t.Errorf("A served %d image requests after the update; want still 2", n)
		}
	})
}

// TestFetchImageRefusesPrivateAddresses: with the default client and
// private networks not allowed, a partner's image on a loopback address is
// not fetched.
func TestFetchImageRefusesPrivateAddresses(t *testing.T) {
	a := newTestHub(t, db.SQLite, newClock(), func(c *Config) { c.AllowPrivateNetworks = false })
	_, err := a.h.fetchImage(context.Background(), a.srv.URL+"/media/1/thumb")
	if err == nil || !strings.Contains(err.Error(), errPrivateAddress.Error()) {
		t.Errorf("fetch of a loopback image = %v; want %v", err, errPrivateAddress)
	}
}

// TestPartnerItemImages runs two hubs on loopback: an item of A's with an
// image arrives at B, whose worker fetches the image once into its storage
// and attaches it (the text does not link A's server); more rounds of the
// worker do not fetch it again; when A deletes the item, B deletes its
// copy.
func TestPartnerItemImages(t *testing.T) {
	each(t, func(t *testing.T, d db.Dialect) {
		ctx := context.Background()
		clock := newClock()
		photo := pngBytes(t, 30, 20)
		var imageGets atomic.Int32
		a := newTestHub(t, d, clock, func(c *Config) {
			next := c.Site
			c.Site = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/media/") {
					imageGets.Add(1)
					w.Header().Set("Content-Type", "image/png")
					w.Write(photo)
					return
				}
				next.ServeHTTP(w, r)
			})
		})
		images := &fakeImages{}
		b := newTestHub(t, d, clock, func(c *Config) { c.Images = images })
		images.store = b.store
		org := a.org("ic-haskovo")
		if _, err := b.h.Follow(ctx, "ic-haskovo@"+a.host); err != nil {
			t.Fatal(err)
		}
		b.drain()
		a.drain()

		m := &db.Media{SHA256: strings.Repeat("7", 64), ContentType: "image/png", Size: int64(len(photo)), Width: 30, Height: 20,
			Translations: []db.MediaTranslation{{Lang: db.BG, Alt: "Снимка"}, {Lang: db.EN, Alt: "A photo"}}}
		if err := a.store.SaveMedia(ctx, m); err != nil {
			t.Fatal(err)
		}
		it := a.item(org, db.News, "Новина със снимка")
		if err := a.store.SetItemMedia(ctx, it.ID, []int64{m.ID}); err != nil {
			t.Fatal(err)
		}
		a.drain()
		for range 3 {
			b.drain()
		}
		got, err := b.store.ItemByAPID(ctx, a.h.objectURI(it))
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range got.Texts() {
			if strings.Contains(tx.BodyHTML, a.host) {
				t.Errorf("B's %s text links A's server: %s", tx.Lang, tx.BodyHTML)
			}
		}
		list, err := b.store.ItemMediaList(ctx, got.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("B's files of the item: %+v, %v; want the fetched image", list, err)
		}
		alts := map[db.Lang]string{}
		for _, tr := range list[0].Translations {
			alts[tr.Lang] = tr.Alt
		}
		if alts[db.BG] != "Снимка" || alts[db.EN] != "A photo" || !strings.HasPrefix(list[0].RemoteURL, "http://"+a.host+"/media/") {
			t.Errorf("B's copy: %+v (alts %v)", list[0], alts)
		}
		if n := imageGets.Load(); n != 1 {
			t.Errorf("A served the image %d times; want once", n)
		}

		if err := a.store.DeleteItem(ctx, it.ID); err != nil {
			t.Fatal(err)
		}
		a.drain()
		b.drain()
		if _, err := b.store.Media(ctx, list[0].ID); err == nil {
			t.Error("B kept its copy of the deleted item's image")
		}
		if n := images.deleted.Load(); n != 1 {
			t.Errorf("B deleted %d files; want 1", n)
		}
	})
}
