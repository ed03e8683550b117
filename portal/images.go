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
	"runtime"
	"strings"

	"golang.org/x/image/webp"
	"golang.org/x/sync/semaphore"

	"github.com/bgimigranti/hub/db"
)

// The sizes of the resized copies of an image, their suffixes on the
// original's path (see db.MediaFile) and the URL segment that serves them.
const (
	thumbWidth   = 400
	mediumWidth  = 1200
	thumbSuffix  = "-thumb.jpg"
	mediumSuffix = "-medium.jpg"
	jpegQuality  = 82
	// maxTallness bounds a resized copy's height to this many times its
	// width, so that a strip of 100 x 400 000 pixels has no huge copy.
	maxTallness = 4
)

// Limits on decoding images, read from their headers before anything is
// decoded: a PNG of 62 KB can claim 7000 x 7000 pixels and take 390 MiB.
const (
	// maxImagePixels is the most pixels an uploaded image may have.
	maxImagePixels = 40_000_000
	// maxDecodeBytes bounds the memory of the images being decoded at one
	// time (the portal's Handler has a semaphore of this weight), and so
	// the memory one image may take: 8-bit RGBA PNGs up to about 33
	// megapixels, 16-bit ones or progressive JPEGs fewer. With the rest of
	// the hub it keeps a process under 256 MiB with uploads in flight.
	maxDecodeBytes = 128 << 20
	// gcAfterBytes is the decode size after which the garbage collector
	// runs before the next decode starts, so that decodes in a row do not
	// pile up uncollected images.
	gcAfterBytes = 16 << 20
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
// decode, or one too large to decode safely is a *mediaError. An image
// waits for its estimated decoding memory on budget (when not nil), and
// gives up, returning ctx's error, when ctx is done first.
func prepareMedia(ctx context.Context, budget *semaphore.Weighted, name string, data []byte) (*preparedMedia, error) {
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
	cost, err := decodeCost(ct, data)
	if err != nil {
		return nil, err
	}
	if budget != nil {
		if err := budget.Acquire(ctx, cost); err != nil {
			return nil, fmt.Errorf("portal: wait to decode: %w", err)
		}
		defer budget.Release(cost)
	}
	if err := p.resize(ct); err != nil {
		return nil, err
	}
	if cost >= gcAfterBytes {
		// The decoded image is garbage now; collect it before the next
		// decode takes the budget, or two would be in memory at once.
		runtime.GC()
	}
	return p, nil
}

// resize decodes the image in p.Data and makes its resized copies.
func (p *preparedMedia) resize(ct string) error {
	img, err := decodeImage(ct, p.Data)
	if err != nil {
		return err
	}
	b := img.Bounds()
	p.Width, p.Height = b.Dx(), b.Dy()
	medium := shrink(img, mediumWidth)
	if p.Medium, err = encodeJPEG(medium); err != nil {
		return err
	}
	// The thumbnail comes from the medium copy: the same result at a
	// fraction of the work.
	p.Thumb, err = encodeJPEG(shrink(medium, thumbWidth))
	return err
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

// imageCodecs returns the decoder and the header reader of an image type.
func imageCodecs(ct string) (func(io.Reader) (image.Image, error), func(io.Reader) (image.Config, error), error) {
	switch ct {
	case "image/jpeg":
		return jpeg.Decode, jpeg.DecodeConfig, nil
	case "image/png":
		return png.Decode, png.DecodeConfig, nil
	case "image/gif":
		return gif.Decode, gif.DecodeConfig, nil
	case "image/webp":
		return webp.Decode, webp.DecodeConfig, nil
	}
	return nil, nil, errMediaType
}

// decodeCost reads an image's header and returns about how many bytes
// decoding it takes: its pixels times the bytes the decoder keeps for
// each. An image of more than maxImagePixels, or one that would take more
// than maxDecodeBytes, is errMediaPixels; nothing has been decoded.
func decodeCost(ct string, data []byte) (int64, error) {
	_, config, err := imageCodecs(ct)
	if err != nil {
		return 0, err
	}
	cfg, err := config(bytes.NewReader(data))
	if err != nil {
		return 0, &mediaError{key: "media.broken", err: err}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return 0, &mediaError{key: "media.broken", err: errors.New("empty image")}
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if pixels > maxImagePixels {
		return 0, errMediaPixels
	}
	cost := int64(float64(pixels)*bytesPerPixel(ct, cfg.ColorModel, data)) + 1<<20
	if cost > maxDecodeBytes {
		return 0, errMediaPixels
	}
	return cost, nil
}

// bytesPerPixel is how many bytes per pixel the standard decoders hold
// while decoding an image of the given type and colour model, rounded up.
func bytesPerPixel(ct string, model color.Model, data []byte) float64 {
	switch ct {
	case "image/jpeg":
		// The decoder keeps each component's samples (fewer for
		// subsampled chroma) and, for a progressive JPEG, four bytes of
		// coefficients per sample besides; CMYK is converted to 4 bytes.
		progressive, samples, ok := jpegFrame(data)
		if !ok {
			return 20
		}
		n := samples
		if progressive {
			n += 4 * samples
		}
		if model == color.CMYKModel {
			n += 4
		}
		return n
	case "image/png":
		n := 4.0
		switch model {
		case color.GrayModel:
			n = 1
		case color.Gray16Model:
			n = 2
		case color.RGBA64Model, color.NRGBA64Model:
			n = 8
		default:
			if _, ok := model.(color.Palette); ok {
				n = 1
			}
		}
		if len(data) > 28 && data[28] == 1 {
			n *= 2 // Adam7: each pass is decoded apart, then merged
		}
		return n
	case "image/gif":
		return 2 // the frame and the decompressed indices
	case "image/webp":
		if model == color.NRGBAModel {
			return 8 // lossless: ARGB words, then the image
		}
		return 3 // lossy: subsampled YCbCr and maybe alpha
	}
	return 20
}

// jpegFrame reads a JPEG's frame header (SOFn): whether the JPEG is
// progressive and how many samples it stores per pixel (3 for 4:4:4
// colour, 1.5 for 4:2:0, 1 for grey).
func jpegFrame(data []byte) (progressive bool, samples float64, ok bool) {
	i := 2 // after SOI
	for i+4 <= len(data) {
		if data[i] != 0xff {
			return false, 0, false
		}
		m := data[i+1]
		if m == 0xff {
			i++ // fill byte
			continue
		}
		n := int(data[i+2])<<8 | int(data[i+3])
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc {
			seg := data[i+4 : min(len(data), i+2+n)]
			if len(seg) < 6 {
				return false, 0, false
			}
			nf := int(seg[5])
			if nf == 0 || len(seg) < 6+3*nf {
				return false, 0, false
			}
			hmax, vmax := 1, 1
			for c := range nf {
				hv := seg[6+3*c+1]
				hmax, vmax = max(hmax, int(hv>>4)), max(vmax, int(hv&0x0f))
			}
			for c := range nf {
				hv := seg[6+3*c+1]
				samples += float64(int(hv>>4)*int(hv&0x0f)) / float64(hmax*vmax)
			}
			return m == 0xc2 || m == 0xc6 || m == 0xca || m == 0xce, samples, true
		}
		i += 2 + n
	}
	return false, 0, false
}

// decodeImage decodes an image of a sniffed type; decodeCost has checked
// its header.
func decodeImage(ct string, data []byte) (image.Image, error) {
	decode, _, err := imageCodecs(ct)
	if err != nil {
		return nil, err
	}
	img, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, &mediaError{key: "media.broken", err: err}
	}
	return img, nil
}

// shrink returns img scaled to width (never up, and at most maxTallness
// times as high as wide) on white where it is transparent. Each pixel is
// the average of the source pixels it covers (a box filter): the memory it
// needs is the result and one row of sums, never a copy of img.
func shrink(img image.Image, width int) *image.RGBA {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	w, h := sw, sh
	if w > width {
		h = max(1, int(int64(h)*int64(width)/int64(w)))
		w = width
	}
	if h > maxTallness*w {
		h = maxTallness * w
		w = max(1, int(int64(sw)*int64(h)/int64(sh)))
	}
	src, ok := img.(image.RGBA64Image)
	if !ok {
		src = rgba64{img}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	sums := make([]uint64, 4*w)
	counts := make([]uint64, w)
	for dy := range h {
		clear(sums)
		clear(counts)
		sy0, sy1 := int(int64(dy)*int64(sh)/int64(h)), int(int64(dy+1)*int64(sh)/int64(h))
		for sy := sy0; sy < sy1; sy++ {
			for sx := range sw {
				c := src.RGBA64At(b.Min.X+sx, b.Min.Y+sy)
				dx := int(int64(sx) * int64(w) / int64(sw))
				s := sums[4*dx : 4*dx+4 : 4*dx+4]
				s[0] += uint64(c.R)
				s[1] += uint64(c.G)
				s[2] += uint64(c.B)
				s[3] += uint64(c.A)
				counts[dx]++
			}
		}
		row := dst.Pix[dy*dst.Stride : dy*dst.Stride+4*w]
		for dx := range w {
			n := counts[dx]
			// Premultiplied colour over white: c + (1 - alpha) * white.
			white := 0xffff - sums[4*dx+3]/n
			for k := range 3 {
				row[4*dx+k] = uint8((sums[4*dx+k]/n + white) >> 8)
			}
			row[4*dx+3] = 0xff
		}
	}
	return dst
}

// rgba64 gives RGBA64At to an image without it (every standard decoder's
// image has it).
type rgba64 struct{ image.Image }

func (i rgba64) RGBA64At(x, y int) color.RGBA64 {
	r, g, b, a := i.At(x, y).RGBA()
	return color.RGBA64{uint16(r), uint16(g), uint16(b), uint16(a)}
}

// encodeJPEG encodes a resized copy.
func encodeJPEG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
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
	p, err := prepareMedia(ctx, nil, u.Name, u.Data)
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
