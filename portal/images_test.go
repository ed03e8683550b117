package portal

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image"
	"image/gif"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/bgimigranti/hub/db"
)

// webpGopher is x/image's testdata/gopher-doc.1bpp.lossless.webp.
const webpGopher = "UklGRrIBAABXRUJQVlA4TKUBAAAvSsAYAA8w//M///MfeJAkbXvaSG7m8Q3GfYSBJekwQztm/IcZlgwnmWImn2BK7aFmBtnVir6q//8VOkFE/xm4baTIu8c48ArEo6+B3zFKYln3pqClSCKX0begFTAXFOLXHSyF8cCNcZEG4OywuA4KVVfJCiArU7GAgJI8+lJP/OKMT/fBAjevg1cYB7YVkFuWga2lyPi5I0HFy5YTpWIHg0RZpkniRVW9odHAKOwosWuOGdxIyn2OvaCDvhg/we6TwadPBPbqBV58MsLmMJ8yZnOWk8SRz4N+QoyPL+MnamzMvcE1rHNEr91F9GKZPVUcS9w7PhhH36suB9qPeYb/oLk6cuTiJ0wOK3m5h1cKjW6EVZCYMK7dxcKCBdgP9HkKr9gkAO2P8GKZGWVdIAatQa+1IDpt6qyorVwdy01xdW8Jkfk6xjEXmVQQ+HQdFr6OKhIN34dXWq0+0qr6EJSCeeVLH9+gvGTLyqM65PQ44ihzlTXxQKjKbAvshXgir7Lil9w4L2bvMycmjQcqXaMCO6BlY28i+FOLzbfI1vEqxAhotocAAA=="

// zipOf returns a ZIP file with the given entries, in the given order for
// a single entry and in map order otherwise.
func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// odfOf returns an OpenDocument container: a stored "mimetype" entry first.
func odfOf(t *testing.T, mimetype string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(mimetype))
	w, _ = zw.Create("content.xml")
	w.Write([]byte("<office:document-content/>"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func ooxml(t *testing.T, mainType string) []byte {
	return zipOf(t, map[string]string{"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/main.xml" ContentType="` + mainType + `"/></Types>`})
}

func TestDetectType(t *testing.T) {
	webp, _ := base64.StdEncoding.DecodeString(webpGopher)
	var jpg, gifb bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 30, 20))
	jpeg.Encode(&jpg, img, nil)
	gif.Encode(&gifb, img, nil)
	for _, tt := range []struct {
		name string
		data []byte
		want string // "" for refused
	}{
		{"png", testPNG(t, 10, 10), "image/png"},
		{"jpeg", jpg.Bytes(), "image/jpeg"},
		{"gif", gifb.Bytes(), "image/gif"},
		{"webp", webp, "image/webp"},
		{"pdf", []byte("%PDF-1.4\n%%EOF\n"), typePDF},
		{"docx", ooxml(t, typeDOCX+".main+xml"), typeDOCX},
		{"xlsx", ooxml(t, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"), typeXLSX},
		{"pptx", ooxml(t, typePPTX+".main+xml"), typePPTX},
		{"odt", odfOf(t, typeODT), typeODT},
		{"ods", odfOf(t, typeODS), typeODS},
		{"macro docm", ooxml(t, "application/vnd.ms-word.document.macroEnabled.main+xml"), ""},
		{"odp", odfOf(t, "application/vnd.oasis.opendocument.presentation"), ""},
		{"plain zip", zipOf(t, map[string]string{"x.txt": "x"}), ""},
		{"text", []byte("hello"), ""},
		{"html", []byte("<!DOCTYPE html><html><script>x</script>"), ""},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), ""},
		{"exe", []byte("MZ\x90\x00\x03"), ""},
		{"empty", nil, ""},
	} {
		got, err := detectType(tt.data)
		if tt.want == "" {
			if err == nil {
				t.Errorf("%s: accepted as %s, want refused", tt.name, got)
			}
			var me *mediaError
			if err != nil && !errors.As(err, &me) {
				t.Errorf("%s: error %v is not a mediaError", tt.name, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	if _, err := prepareMedia(context.Background(), nil, "gopher.webp", webp); err != nil {
		t.Errorf("a WebP image does not decode: %v", err)
	}
}

func TestCleanFileName(t *testing.T) {
	for _, tt := range []struct{ in, ctype, want string }{
		{"../../etc/passwd", typePDF, "passwd.pdf"},
		{`C:\Users\ана\доклад 2026.PDF`, typePDF, "доклад 2026.pdf"},
		{"photo.jpg", "image/png", "photo.png"},
		{"\"quoted\";\r\n.docx", typeDOCX, "quoted.docx"},
		{"", typeODT, "file.odt"},
		{"...", typeODS, "file.ods"},
	} {
		if got := cleanFileName(tt.in, tt.ctype); got != tt.want {
			t.Errorf("cleanFileName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWriteOnceIsAtomicAndIdempotent(t *testing.T) {
	dir := t.TempDir()
	p, err := prepareMedia(context.Background(), nil, "a.png", testPNG(t, 500, 100))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := p.write(dir); err != nil {
			t.Fatal(err)
		}
	}
	base := db.MediaFile(dir, p.SHA256)
	for _, f := range []string{base, base + thumbSuffix, base + mediumSuffix} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(base), ".upload-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestDecompressionBombIsRefused(t *testing.T) {
	// A PNG header claiming 100000 x 100000 pixels.
	var buf bytes.Buffer
	buf.Write(testPNG(t, 1, 1)[:8])
	ihdr := []byte{0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0, 8, 6, 0, 0, 0}
	buf.Write(ihdr)
	buf.Write([]byte{0, 0, 0, 0}) // a wrong CRC is fine: DecodeConfig fails or reports the size
	_, err := prepareMedia(context.Background(), nil, "bomb.png", buf.Bytes())
	var me *mediaError
	if !errors.As(err, &me) {
		t.Fatalf("a decompression bomb: %v, want a mediaError", err)
	}
}
