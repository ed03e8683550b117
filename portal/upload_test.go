package portal

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// streamPNG returns a real, valid PNG of w x h pixels (8-bit RGBA, or
// 16-bit when deep) whose rows are written one at a time: a 7000 x 7000
// image is a few hundred kilobytes, and making it never holds the image.
func streamPNG(t testing.TB, w, h int, deep bool) []byte {
	t.Helper()
	depth, bpp := byte(8), 4
	if deep {
		depth, bpp = 16, 8
	}
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = depth, 6 // RGBA
	chunk("IHDR", ihdr)
	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	row := make([]byte, 1+w*bpp)
	for y := range h {
		for x := range w {
			row[1+x*bpp] = byte(x + y) // a diagonal pattern, opaque
			row[1+x*bpp+bpp-1] = 0xff
			if deep {
				row[1+x*bpp+bpp-2] = 0xff
			}
		}
		zw.Write(row)
	}
	zw.Close()
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// field is an image that computes its pixels, so that a large JPEG can be
// encoded without holding the image.
type field struct{ w, h int }

func (f field) ColorModel() color.Model { return color.RGBAModel }
func (f field) Bounds() image.Rectangle { return image.Rect(0, 0, f.w, f.h) }
func (f field) At(x, y int) color.Color {
	return color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 0xff}
}

func TestDecodeCost(t *testing.T) {
	var small bytes.Buffer
	if err := jpeg.Encode(&small, field{64, 48}, nil); err != nil {
		t.Fatal(err)
	}
	progressive := bytes.Replace(small.Bytes(), []byte{0xff, 0xc0}, []byte{0xff, 0xc2}, 1)
	for _, tt := range []struct {
		name, ct string
		data     []byte
		ok       bool
	}{
		{"7000 x 7000 RGBA PNG: 49 megapixels", "image/png", streamPNG(t, 7000, 7000, false)[:33], false},
		{"5000 x 5000 RGBA PNG: 100 MB", "image/png", streamPNG(t, 5000, 5000, false)[:33], true},
		{"5000 x 5000 16-bit PNG: 200 MB", "image/png", streamPNG(t, 5000, 5000, true)[:33], false},
		{"small JPEG", "image/jpeg", small.Bytes(), true},
	} {
		_, err := decodeCost(tt.ct, tt.data)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
	// Go's encoder writes 4:2:0 YCbCr: 1.5 samples a pixel, and a
	// progressive JPEG keeps 4 bytes of coefficients for each besides.
	if p, n, ok := jpegFrame(small.Bytes()); !ok || p || n != 1.5 {
		t.Errorf("baseline JPEG frame: progressive %v, samples %v, ok %v", p, n, ok)
	}
	if p, _, ok := jpegFrame(progressive); !ok || !p {
		t.Errorf("progressive JPEG frame: progressive %v, ok %v", p, ok)
	}
	if got := bytesPerPixel("image/jpeg", color.YCbCrModel, progressive); got != 7.5 {
		t.Errorf("progressive 4:2:0 JPEG: %v bytes a pixel, want 7.5", got)
	}
}

// TestHugeImageRefused uploads a real 7000 x 7000 PNG of 200 KB (49
// megapixels, 196 MB decoded): it is refused with a message in the page's
// language before it is decoded, and nothing is stored.
func TestHugeImageRefused(t *testing.T) {
	huge := streamPNG(t, 7000, 7000, false)
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		a := newAccHub(t, s)
		org := mkOrg(t, s, "ngo", "НПО", "NGO")
		mkUser(t, s, "editor@example.org", db.RoleEditor, org.ID)
		c := newClient(t)
		signIn(t, c, a.srv.URL, "editor@example.org", testPassword)
		for lang, want := range map[string]string{
			"en": "This image is too large to process: at most 40 megapixels",
			"bg": "Изображението е твърде голямо за обработка: най-много 40 мегапиксела",
		} {
			v := url.Values{"kind": {"material"}, "action": {"publish"}, "title_en": {"Guide"}, "file_alt_en": {"A picture"}}
			resp, body := postMultipart(t, c, a.srv.URL, "/"+lang+"/manage/new", v, "huge.png", huge)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 422", lang, resp.StatusCode)
			}
			mustContain(t, "the refused upload ("+lang+")", body, want, `id="f-file-error"`)
		}
		if n := countItems(t, s); n != 0 {
			t.Errorf("%d items stored", n)
		}
		if _, err := s.Media(context.Background(), 1); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("a media row was stored: %v", err)
		}
		if files, _ := filepath.Glob(filepath.Join(a.dataDir, "media", "*", "*")); len(files) != 0 {
			t.Errorf("files stored: %v", files)
		}
	})
}

// TestDecodesWaitForMemory takes the whole decoding budget, as uploads in
// flight would: a new upload waits instead of decoding (its client gives
// up, and nothing is stored), and goes through once the budget is back.
func TestDecodesWaitForMemory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		a := newAccHub(t, s)
		org := mkOrg(t, s, "ngo", "НПО", "NGO")
		mkUser(t, s, "editor@example.org", db.RoleEditor, org.ID)
		c := newClient(t)
		signIn(t, c, a.srv.URL, "editor@example.org", testPassword)
		v := url.Values{"kind": {"material"}, "action": {"publish"}, "title_en": {"Guide"}, "file_alt_en": {"A picture"}}
		pic := testPNG(t, 64, 48)

		if err := a.h.acc.decodes.Acquire(ctx, maxDecodeBytes); err != nil {
			t.Fatal(err)
		}
		impatient := *c
		impatient.Timeout = 1500 * time.Millisecond
		v.Set("csrf", sessionToken(t, c, a.srv.URL))
		req := multipartRequest(t, a.srv.URL+"/en/manage/new", v, "pic.png", pic)
		if resp, err := impatient.Do(req); err == nil {
			resp.Body.Close()
			t.Fatalf("an upload was answered (%d) while the decoding budget was taken", resp.StatusCode)
		}
		a.h.acc.decodes.Release(maxDecodeBytes)
		if n := countItems(t, s); n != 0 {
			t.Errorf("the abandoned upload stored %d items", n)
		}
		resp, body := postMultipart(t, c, a.srv.URL, "/en/manage/new", v, "pic.png", pic)
		itemIDFrom(t, resp, body)
		// The budget is whole again: every decode gave back what it took.
		if !a.h.acc.decodes.TryAcquire(maxDecodeBytes) {
			t.Error("the decoding budget was not given back")
		}
		if _, err := os.Stat(a.dataDir); err != nil {
			t.Error(err)
		}
	})
}

// multipartRequest builds the POST of a form with one file.
func multipartRequest(t testing.TB, u string, fields url.Values, fileName string, data []byte) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", fields.Get("csrf"))
	for k, vs := range fields {
		for _, v := range vs {
			if k != "csrf" {
				mw.WriteField(k, v)
			}
		}
	}
	fw, err := mw.CreateFormFile("file", fileName)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest("POST", u, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}
