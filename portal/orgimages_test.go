package portal

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// postImage POSTs the images form with one file in field.
func postImage(t *testing.T, c *http.Client, srvURL, path, field, name string, data []byte) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", sessionToken(t, c, srvURL))
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest("POST", srvURL+path, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return doRequest(t, c, req)
}

// hugePNG is a PNG header that claims w×h pixels (no pixel data follows):
// the decoder must refuse it from the header alone.
func hugePNG(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk := func(typ string, data []byte) []byte {
		var b bytes.Buffer
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
		return b.Bytes()
	}
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	return append(out, chunk("IEND", nil)...)
}

// TestOrganisationImages: the admin and the organisation's editor upload
// a logo and a banner; another organisation's editor is refused; a file
// that is not an image, too large, or of too many pixels gets a 422 in
// the page's language and changes nothing; the logo shows in the
// directory and on the organisation's page in both languages.
func TestOrganisationImages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		f := newAdminFixture(t, s)
		other := mkOrg(t, s, "ic-varna", "ИЦ Варна", "IC Varna")
		mkUser(t, s, "other@example.org", db.RoleEditor, other.ID)
		otherC := newClient(t)
		signIn(t, otherC, f.a.srv.URL, "other@example.org", testPassword)
		path := fmt.Sprintf("/%%s/manage/organisations/%d/images", f.org.ID)

		// The editor uploads a logo.
		resp, body := postImage(t, f.editorC, f.a.srv.URL, fmt.Sprintf(path, "en"), "logo", "logo.png", testPNG(t, 500, 500))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("editor's logo upload = %d\n%s", resp.StatusCode, body)
		}
		o, _ := s.Organisation(ctx, f.org.ID)
		if o.LogoMediaID == 0 {
			t.Fatal("the logo was not recorded")
		}
		m, err := s.Media(ctx, o.LogoMediaID)
		if err != nil || m.ContentType != "image/png" {
			t.Fatalf("logo media %+v, %v", m, err)
		}
		if _, err := os.Stat(db.MediaFile(f.a.dataDir, m.SHA256) + thumbSuffix); err != nil {
			t.Errorf("no thumbnail of the logo: %v", err)
		}
		// The admin uploads a banner; the logo stays.
		resp, body = postImage(t, f.adminC, f.a.srv.URL, fmt.Sprintf(path, "bg"), "banner", "banner.png", testPNG(t, 900, 300))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("admin's banner upload = %d\n%s", resp.StatusCode, body)
		}
		o, _ = s.Organisation(ctx, f.org.ID)
		if o.BannerMediaID == 0 || o.LogoMediaID != m.ID {
			t.Fatalf("after the banner: logo %d banner %d", o.LogoMediaID, o.BannerMediaID)
		}
		// Another organisation's editor.
		for _, method := range []string{"GET", "POST"} {
			var code int
			if method == "GET" {
				r, _ := getPage(t, otherC, f.a.srv.URL+fmt.Sprintf(path, "en"))
				code = r.StatusCode
			} else {
				r, _ := postImage(t, otherC, f.a.srv.URL, fmt.Sprintf(path, "en"), "logo", "x.png", testPNG(t, 10, 10))
				code = r.StatusCode
			}
			if code != http.StatusForbidden {
				t.Errorf("another organisation's editor %s = %d, want 403", method, code)
			}
		}
		// Bad files, in both languages.
		big := append(testPNG(t, 10, 10), bytes.Repeat([]byte{0}, maxUploadBytes)...)
		for _, tt := range []struct {
			name string
			data []byte
			en   string
			bg   string
		}{
			{"notes.txt", []byte("just some text, not an image"), "not accepted", "не се приема"},
			{"big.png", big, "larger than 10 MB", "10 MB"},
			{"huge.png", hugePNG(20000, 20000), "too large to process", "твърде голямо"},
			{"doc.pdf", []byte("%PDF-1.4\n%%EOF\n"), "not an image", "не е изображение"},
		} {
			for lang, want := range map[string]string{"en": tt.en, "bg": tt.bg} {
				resp, body := postImage(t, f.editorC, f.a.srv.URL, fmt.Sprintf(path, lang), "logo", tt.name, tt.data)
				if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
					t.Errorf("%s in %s = %d; want 422 saying %q", tt.name, lang, resp.StatusCode, want)
				}
			}
		}
		if got, _ := s.Organisation(ctx, f.org.ID); got.LogoMediaID != o.LogoMediaID || got.BannerMediaID != o.BannerMediaID {
			t.Errorf("a refused file changed the images: %d %d", got.LogoMediaID, got.BannerMediaID)
		}

		// The directory, the organisation's page and the item's box.
		logo := db.MediaPath(o.LogoMediaID, "thumb")
		for _, lang := range db.InterfaceLangs {
			for _, p := range []string{"/organisations", "/organisations/ic-sofia", f.item.PagePath(lang)[3:]} {
				_, body := getPage(t, f.visitorC, f.a.srv.URL+"/"+string(lang)+p)
				if !strings.Contains(body, `src="`+logo+`"`) {
					t.Errorf("%s%s does not show the logo %s", lang, p, logo)
				}
			}
		}
		_, body = getPage(t, f.visitorC, f.a.srv.URL+"/bg/organisations/ic-sofia")
		mustContain(t, "organisation page", body, `alt="Лого на ИЦ София"`, `src="`+db.MediaPath(o.BannerMediaID, "medium")+`"`)
		if r, _ := getPage(t, f.visitorC, f.a.srv.URL+logo); r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("GET %s = %d %s", logo, r.StatusCode, r.Header.Get("Content-Type"))
		}

		// Removing the logo.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("csrf", sessionToken(t, f.editorC, f.a.srv.URL))
		mw.WriteField("remove_logo", "on")
		mw.Close()
		req, _ := http.NewRequest("POST", f.a.srv.URL+fmt.Sprintf(path, "en"), &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if resp, _ := doRequest(t, f.editorC, req); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("removing the logo = %d", resp.StatusCode)
		}
		if got, _ := s.Organisation(ctx, f.org.ID); got.LogoMediaID != 0 || got.BannerMediaID == 0 {
			t.Errorf("after removing the logo: %d %d", got.LogoMediaID, got.BannerMediaID)
		}
	})
}

// TestHubImages: the admin sets the hub's logo; editors may not.
func TestHubImages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		f := newAdminFixture(t, s)
		if resp, _ := postImage(t, f.editorC, f.a.srv.URL, "/en/admin/hub/images", "logo", "l.png", testPNG(t, 50, 50)); resp.StatusCode != http.StatusForbidden {
			t.Errorf("editor's hub logo = %d, want 403", resp.StatusCode)
		}
		if resp, body := postImage(t, f.adminC, f.a.srv.URL, "/bg/admin/hub/images", "logo", "l.png", testPNG(t, 50, 50)); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("admin's hub logo = %d\n%s", resp.StatusCode, body)
		}
		hi, err := s.HubImages(context.Background())
		if err != nil || hi.LogoMediaID == 0 {
			t.Errorf("hub images %+v, %v", hi, err)
		}
	})
}
