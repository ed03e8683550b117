package portal

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/bgimigranti/hub/db"
)

// The sizes of the resized copies of an image, their suffixes on the
// original's path (see db.MediaFile) and the URL segment that serves them.
const (
	thumbWidth    = 400
	mediumWidth   = 1200
	thumbSuffix   = "-thumb.jpg"
	mediumSuffix  = "-medium.jpg"
	jpegQuality   = 82
	maxImagePixel = 50_000_000 // refuse decompression bombs before decoding
)

// mediaError is an upload the hub refuses, with the catalogue key of the
// message that tells the uploader why.
type mediaError struct {
	key string
	err error
}

func (e *mediaError) Error() string {
	if e.err != nil {
		return "portal: media: " + e.key + ": " + e.err.Error()
	}
	return "portal: media: " + e.key
}

func (e *mediaError) Unwrap() error { return e.err }

var (
	errMediaType   = &mediaError{key: "media.type"}
	errMediaPixels = &mediaError{key: "media.pixels"}
	errMediaSize   = &mediaError{key: "media.too.big"}
)

// The document types the hub accepts, by what their content is.
const (
	typePDF  = "application/pdf"
	typeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	typeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	typePPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	typeODT  = "application/vnd.oasis.opendocument.text"
	typeODS  = "application/vnd.oasis.opendocument.spreadsheet"
)

// extensions gives the file name extension of each accepted type, for
// naming downloads.
var extensions = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
	typePDF: ".pdf", typeDOCX: ".docx", typeXLSX: ".xlsx", typePPTX: ".pptx", typeODT: ".odt", typeODS: ".ods",
}

// isImage reports whether a stored content type is one of the accepted
// image types (which have resized copies).
func isImage(contentType string) bool { return strings.HasPrefix(contentType, "image/") }

// preparedMedia is an upload that passed every check, with its resized
// copies made, ready to be written to disk and recorded.
type preparedMedia struct {
	Name          string
	SHA256        string
	ContentType   string
	Data          []byte
	Width, Height int
	Thumb, Medium []byte // JPEG; nil for documents
}

// prepareMedia decides what an upload is from its content alone (never its
// name), and for images decodes it fully and makes the resized copies. A
// file that is not one of the accepted types, an image that does not
// decode, or one too large to decode safely is a *mediaError.
func prepareMedia(name string, data []byte) (*preparedMedia, error) {
	if len(data) > maxUploadBytes {
		return nil, errMediaSize
	}
	ct, err := detectType(data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	p := &preparedMedia{Name: cleanFileName(name, ct), SHA256: hex.EncodeToString(sum[:]), ContentType: ct, Data: data}
	if !isImage(ct) {
		return p, nil
	}
	img, err := decodeImage(ct, data)
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	p.Width, p.Height = b.Dx(), b.Dy()
	if p.Thumb, err = resizedJPEG(img, thumbWidth); err != nil {
		return nil, err
	}
	if p.Medium, err = resizedJPEG(img, mediumWidth); err != nil {
		return nil, err
	}
	return p, nil
}

// detectType returns the content type of an accepted file: the sniffed
// type for images and PDF, and for ZIP containers the office format their
// manifest declares.
func detectType(data []byte) (string, error) {
	switch ct := http.DetectContentType(data); ct {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		return ct, nil
	case typePDF:
		if bytes.HasPrefix(data, []byte("%PDF-")) {
			return typePDF, nil
		}
	case "application/zip":
		return officeType(data)
	}
	return "", errMediaType
}

// officeType tells OOXML (DOCX, XLSX, PPTX) and ODF (ODT, ODS) documents
// apart by their manifests: [Content_Types].xml declares the main part of
// an OOXML file, and an ODF file starts with a "mimetype" entry. Any other
// ZIP file, including macro-enabled documents, is refused.
func officeType(data []byte) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", &mediaError{key: "media.type", err: err}
	}
	if len(zr.File) > 0 && zr.File[0].Name == "mimetype" {
		b, err := readZipEntry(zr.File[0], 200)
		if err != nil {
			return "", &mediaError{key: "media.type", err: err}
		}
		switch t := strings.TrimSpace(string(b)); t {
		case typeODT, typeODS:
			return t, nil
		}
		return "", errMediaType
	}
	for _, f := range zr.File {
		if f.Name != "[Content_Types].xml" {
			continue
		}
		b, err := readZipEntry(f, 1<<20)
		if err != nil {
			return "", &mediaError{key: "media.type", err: err}
		}
		var types struct {
			Overrides []struct {
				PartName    string `xml:"PartName,attr"`
				ContentType string `xml:"ContentType,attr"`
			} `xml:"Override"`
		}
		if err := xml.Unmarshal(b, &types); err != nil {
			return "", &mediaError{key: "media.type", err: err}
		}
		for _, o := range types.Overrides {
			switch o.ContentType {
			case typeDOCX + ".main+xml":
				return typeDOCX, nil
			case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":
				return typeXLSX, nil
			case typePPTX + ".main+xml":
				return typePPTX, nil
			}
		}
	}
	return "", errMediaType
}

func readZipEntry(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, limit))
}

// decodeImage decodes an image of a sniffed type, checking its dimensions
// first.
func decodeImage(ct string, data []byte) (image.Image, error) {
	var decode func(io.Reader) (image.Image, error)
	var config func(io.Reader) (image.Config, error)
	switch ct {
	case "image/jpeg":
		decode, config = jpeg.Decode, jpeg.DecodeConfig
	case "image/png":
		decode, config = png.Decode, png.DecodeConfig
	case "image/gif":
		decode, config = gif.Decode, gif.DecodeConfig
	case "image/webp":
		decode, config = webp.Decode, webp.DecodeConfig
	default:
		return nil, errMediaType
	}
	cfg, err := config(bytes.NewReader(data))
	if err != nil {
		return nil, &mediaError{key: "media.broken", err: err}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, &mediaError{key: "media.broken", err: errors.New("empty image")}
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxImagePixel {
		return nil, errMediaPixels
	}
	img, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, &mediaError{key: "media.broken", err: err}
	}
	return img, nil
}

// resizedJPEG returns img scaled to width (never up) as a JPEG, on white
// where the image is transparent.
func resizedJPEG(img image.Image, width int) ([]byte, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > width {
		h = max(1, int(int64(h)*int64(width)/int64(w)))
		w = width
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return nil, fmt.Errorf("portal: encode resized image: %w", err)
	}
	return buf.Bytes(), nil
}

// write stores the file and its resized copies under dataDir, each once:
// content-addressed files that exist already are left alone. Each file is
// written to a temporary file and renamed, so a reader never sees half of
// one.
func (p *preparedMedia) write(dataDir string) error {
	path := db.MediaFile(dataDir, p.SHA256)
	files := map[string][]byte{path: p.Data}
	if p.Thumb != nil {
		files[path+thumbSuffix] = p.Thumb
		files[path+mediumSuffix] = p.Medium
	}
	for name, data := range files {
		if err := writeOnce(name, data); err != nil {
			return fmt.Errorf("portal: store media %s: %w", p.SHA256, err)
		}
	}
	return nil
}

func writeOnce(path string, data []byte) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// row is the database record of a prepared file, with its texts.
func (p *preparedMedia) row(uploaderID int64, texts []db.MediaTranslation) *db.Media {
	return &db.Media{
		SHA256: p.SHA256, ContentType: p.ContentType, Size: int64(len(p.Data)),
		Width: p.Width, Height: p.Height, OriginalName: p.Name, UploaderID: uploaderID,
		Translations: texts,
	}
}

// cleanFileName keeps the last element of an uploaded file's name, without
// control characters, quotes or path separators, at most 100 characters,
// with the extension of its real type.
func cleanFileName(name, contentType string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20, r == 0x7f, r == '"', r == '\'', r == ';', r == '<', r == '>', r == '|', r == ':', r == '*', r == '?':
			return -1
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	ext := extensions[contentType]
	base := strings.TrimSuffix(name, filepath.Ext(name))
	if r := []rune(base); len(r) > 100 {
		base = string(r[:100])
	}
	if base == "" {
		base = "file"
	}
	return base + ext
}

// Upload is a file to store as media through SaveUpload.
type Upload struct {
	Name       string // the name it came with; only its last element is kept
	Data       []byte
	UploaderID int64                 // 0 when no user sent it
	Texts      []db.MediaTranslation // alt text and caption per language
}

// SaveUpload checks an upload the way the editing pages do (type from the
// content, images decoded), writes it and its resized copies under
// dataDir/media and records it in store. `hub demo` uses it; the editing
// pages use the same steps with the database writes in their own
// transaction.
func SaveUpload(ctx context.Context, store *db.Store, dataDir string, u Upload) (*db.Media, error) {
	p, err := prepareMedia(u.Name, u.Data)
	if err != nil {
		return nil, err
	}
	if err := p.write(dataDir); err != nil {
		return nil, err
	}
	m := p.row(u.UploaderID, u.Texts)
	if err := store.SaveMedia(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}
