package portal

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

// testPNG returns a real PNG of the given size.
func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// postMultipart POSTs a multipart form with one file (when data is not
// nil), adding the session's CSRF token unless fields has one.
func postMultipart(t *testing.T, c *http.Client, srvURL, path string, fields url.Values, fileName string, data []byte) (*http.Response, string) {
	t.Helper()
	if _, ok := fields["csrf"]; !ok {
		fields.Set("csrf", sessionToken(t, c, srvURL))
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	// The token first, as browsers send the fields in document order.
	mw.WriteField("csrf", fields.Get("csrf"))
	for k, vs := range fields {
		if k == "csrf" {
			continue
		}
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if data != nil {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	req, err := http.NewRequest("POST", srvURL+path, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return doRequest(t, c, req)
}

// eventForm is a valid event in both languages.
func eventForm(action string) url.Values {
	return url.Values{
		"kind": {"event"}, "action": {action},
		"title_bg": {"Информационна среща в Хасково"}, "summary_bg": {"Среща за права и услуги."}, "body_bg": {"Ще говорим за **права** и услуги."},
		"title_en": {"Information meeting in Haskovo"}, "summary_en": {"A meeting about rights and services."}, "body_en": {"We will talk about **rights** and services.\n\n<script>alert(1)</script>"},
		"starts": {"2030-12-01T18:30"}, "ends": {"2030-12-01T20:00"}, "tz": {"Europe/Sofia"},
		"place": {"ИЦ Хасково"}, "address": {"ул. „Съединение“ 1, Хасково"}, "online_url": {"https://meet.example.org/ic"},
	}
}

var itemLocation = regexp.MustCompile(`^/(bg|en)/manage/items/(\d+)$`)

// itemIDFrom reads the id of a saved item from the redirect after saving.
func itemIDFrom(t *testing.T, resp *http.Response, body string) int64 {
	t.Helper()
	m := itemLocation.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("save: %d → %q, want 303 to the item's edit page\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	id, _ := strconv.ParseInt(m[2], 10, 64)
	return id
}

func countItems(t *testing.T, s *db.Store) int {
	t.Helper()
	n, err := s.CountManagedItems(context.Background(), db.ManagedItemQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEditorPublishesEventWithImage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		a := newAccHub(t, s)
		org := mkOrg(t, s, "ic-haskovo", "ИЦ Хасково", "IC Haskovo")
		mkUser(t, s, "editor@example.org", db.RoleEditor, org.ID)
		c := newClient(t)
		signIn(t, c, a.srv.URL, "editor@example.org", testPassword)
		pic := testPNG(t, 800, 600)

		for _, lang := range db.InterfaceLangs {
			p := "/" + string(lang)
			words := map[db.Lang][]string{
				db.BG: {"Управление на съдържанието", "Съдържание на ИЦ Хасково", "Нова публикация: Събитие", "Заглавие на английски", "Преглед", "Публикуване", "Записано и публикувано.", "Няма текст на английски"},
				db.EN: {"Manage content", "Content of IC Haskovo", "New: Event", "Title in English", "Preview", "Publish", "Saved and published.", "No English text"},
			}[lang]
			resp, body := getPage(t, c, a.srv.URL+p+"/manage")
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s/manage = %d", p, resp.StatusCode)
			}
			mustContain(t, "the manage page", body, words[0], words[1], `href="`+p+`/manage/new?kind=event"`)
			if strings.Contains(body, "kind=press") {
				t.Error("an editor is offered to create press publications")
			}
			resp, body = getPage(t, c, a.srv.URL+p+"/manage/new?kind=event")
			if resp.StatusCode != 200 {
				t.Fatalf("GET new event = %d", resp.StatusCode)
			}
			mustContain(t, "the new event form", body, words[2], words[3], `type="datetime-local"`, `value="Europe/Sofia"`, `enctype="multipart/form-data"`, `lang="bg"`, `name="title_en"`)

			// Preview renders the Markdown and saves nothing.
			resp, body = postMultipart(t, c, a.srv.URL, p+"/manage/new", eventForm("preview"), "", nil)
			if resp.StatusCode != 200 {
				t.Fatalf("preview: %d\n%s", resp.StatusCode, body)
			}
			mustContain(t, "the preview", body, "We will talk about <strong>rights</strong>", "Ще говорим за <strong>права</strong>", `value="Information meeting in Haskovo"`)
			if strings.Contains(body, "<script>alert(1)</script>") {
				t.Error("the preview lets a script through")
			}
			before := countItems(t, s)

			// Publish with an image.
			v := eventForm("publish")
			v.Set("file_alt_bg", "Участници в срещата")
			v.Set("file_alt_en", "People at the meeting")
			v.Set("file_caption_en", "The last meeting")
			resp, body = postMultipart(t, c, a.srv.URL, p+"/manage/new", v, "../../среща.png", pic)
			id := itemIDFrom(t, resp, body)
			if countItems(t, s) != before+1 {
				t.Errorf("publishing stored %d items, want 1", countItems(t, s)-before)
			}
			it, err := s.Item(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			sofia, _ := time.LoadLocation("Europe/Sofia")
			if it.Status != db.Published || it.OrganisationID != org.ID || it.Kind != db.Event || len(it.Texts()) != 2 ||
				!it.StartsAt.Equal(time.Date(2030, 12, 1, 18, 30, 0, 0, sofia)) || it.TimeZone != "Europe/Sofia" || it.OnlineURL != "https://meet.example.org/ic" {
				t.Errorf("stored event: %+v", it)
			}
			en, _, _ := it.Texts().In(db.EN)
			if !strings.Contains(en.BodyHTML, "<strong>rights</strong>") || strings.Contains(en.BodyHTML, "<script") || en.Summary != "A meeting about rights and services." {
				t.Errorf("stored EN text: %+v", en)
			}
			media, err := s.ItemMediaList(ctx, id)
			if err != nil || len(media) != 1 {
				t.Fatalf("attached media: %v, %v", media, err)
			}
			m := media[0]
			if m.ContentType != "image/png" || m.Width != 800 || m.Height != 600 || m.OriginalName != "среща.png" || len(m.Translations) != 2 {
				t.Errorf("stored media: %+v", m)
			}
			if _, err := os.Stat(db.MediaFile(a.dataDir, m.SHA256)); err != nil {
				t.Errorf("the original is not on disk: %v", err)
			}

			// It is served, with its resized copies.
			for _, tt := range []struct {
				path, ctype string
				width       int
			}{
				{fmt.Sprintf("/media/%d", m.ID), "image/png", 800},
				{fmt.Sprintf("/media/%d/thumb", m.ID), "image/jpeg", 400},
				{fmt.Sprintf("/media/%d/medium", m.ID), "image/jpeg", 800}, // never upscaled
			} {
				resp, body := getPage(t, newClient(t), a.srv.URL+tt.path)
				if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tt.ctype {
					t.Errorf("GET %s: %d %s", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"))
					continue
				}
				cfg, _, err := image.DecodeConfig(strings.NewReader(body))
				if err != nil || cfg.Width != tt.width || cfg.Width > 400 && strings.HasSuffix(tt.path, "thumb") {
					t.Errorf("GET %s: %dx%d, %v; want width %d", tt.path, cfg.Width, cfg.Height, err, tt.width)
				}
				if resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
					!strings.Contains(resp.Header.Get("ETag"), m.SHA256) || resp.Header.Get("Set-Cookie") != "" {
					t.Errorf("GET %s headers: %v", tt.path, resp.Header)
				}
			}
			req, _ := http.NewRequest("GET", a.srv.URL+fmt.Sprintf("/media/%d/thumb", m.ID), nil)
			req.Header.Set("If-None-Match", `"`+m.SHA256+`-thumb"`)
			if resp, _ := doRequest(t, newClient(t), req); resp.StatusCode != http.StatusNotModified {
				t.Errorf("conditional GET of the thumbnail: %d, want 304", resp.StatusCode)
			}

			// The edit form shows what was saved; editing keeps it published.
			resp, body = getPage(t, c, a.srv.URL+fmt.Sprintf("%s/manage/items/%d", p, id))
			if resp.StatusCode != 200 {
				t.Fatalf("GET edit = %d", resp.StatusCode)
			}
			mustContain(t, "the edit form", body, words[6], `value="2030-12-01T18:30"`, `value="People at the meeting"`, fmt.Sprintf(`src="/media/%d/thumb"`, m.ID), `value="unpublish"`)
			v = eventForm("save")
			v.Del("title_en")
			v.Del("summary_en")
			v.Del("body_en")
			v.Set(fmt.Sprintf("alt_bg_%d", m.ID), "Участници в срещата")
			v.Set(fmt.Sprintf("alt_en_%d", m.ID), "People at the meeting in Haskovo")
			resp, body = postMultipart(t, c, a.srv.URL, fmt.Sprintf("%s/manage/items/%d", p, id), v, "", nil)
			itemIDFrom(t, resp, body)
			it, _ = s.Item(ctx, id)
			if it.Status != db.Published || it.Texts().Has(db.EN) || it.Version != 2 {
				t.Errorf("after saving without English: status %s, langs %v, version %d", it.Status, it.Texts().Langs(), it.Version)
			}
			if got, _ := s.Media(ctx, m.ID); len(got.Translations) != 2 || (got.Translations[0].Alt != "People at the meeting in Haskovo" && got.Translations[1].Alt != "People at the meeting in Haskovo") {
				t.Errorf("the alt text was not changed: %+v", got.Translations)
			}
			_, body = getPage(t, c, a.srv.URL+p+"/manage")
			mustContain(t, "the list", body, words[7], fmt.Sprintf(`href="%s/manage/items/%d"`, p, id))

			// Published items are on the public site (when the section exists).
			pub, pubBody := getPage(t, newClient(t), a.srv.URL+it.PagePath(lang))
			if pub.StatusCode == 200 && !strings.Contains(pubBody, "Информационна среща в Хасково") {
				t.Errorf("the public page of the event lacks its title")
			}

			// Unpublish.
			v = eventForm("unpublish")
			v.Set(fmt.Sprintf("alt_en_%d", m.ID), "People")
			resp, body = postMultipart(t, c, a.srv.URL, fmt.Sprintf("%s/manage/items/%d", p, id), v, "", nil)
			itemIDFrom(t, resp, body)
			if it, _ = s.Item(ctx, id); it.Status != db.Draft {
				t.Errorf("after unpublish: %s", it.Status)
			}
			if pub.StatusCode == 200 {
				if resp, _ := getPage(t, newClient(t), a.srv.URL+it.PagePath(lang)); resp.StatusCode != http.StatusNotFound {
					t.Errorf("an unpublished event's page answers %d", resp.StatusCode)
				}
			}
		}
	})
}

func TestUploadsAreCheckedByContent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		a := newAccHub(t, s)
		org := mkOrg(t, s, "ngo", "НПО", "NGO")
		mkUser(t, s, "editor@example.org", db.RoleEditor, org.ID)
		c := newClient(t)
		signIn(t, c, a.srv.URL, "editor@example.org", testPassword)
		material := func() url.Values {
			return url.Values{"kind": {"material"}, "action": {"publish"}, "title_en": {"Guide"}, "file_alt_en": {"A picture"}}
		}
		pic := testPNG(t, 50, 40)
		for _, tt := range []struct {
			name, lang, file string
			data             []byte
			alt              bool
			want             string
		}{
			{"text named .jpg", "en", "photo.jpg", []byte("this is only text, whatever the name says\n"), true, "This type of file is not accepted"},
			{"text named .jpg", "bg", "photo.jpg", []byte("this is only text, whatever the name says\n"), true, "Този вид файл не се приема"},
			{"html named .png", "en", "x.png", []byte("<html><script>alert(1)</script></html>"), true, "This type of file is not accepted"},
			{"broken png", "en", "broken.png", pic[:len(pic)/2], true, "This image could not be read"},
			{"zip without manifest", "en", "doc.docx", zipOf(t, map[string]string{"a.txt": "x"}), true, "This type of file is not accepted"},
			{"11 MB", "en", "big.pdf", append([]byte("%PDF-1.4\n"), make([]byte, 11<<20)...), true, "This file is larger than 10 MB"},
			{"11 MB", "bg", "big.pdf", append([]byte("%PDF-1.4\n"), make([]byte, 11<<20)...), true, "Файлът е по-голям от 10 MB"},
			{"image without alt", "en", "pic.png", pic, false, "Describe the image in at least one language"},
		} {
			v := material()
			if !tt.alt {
				v.Del("file_alt_en")
			}
			resp, body := postMultipart(t, c, a.srv.URL, "/"+tt.lang+"/manage/new", v, tt.file, tt.data)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s (%s): status %d, want 422", tt.name, tt.lang, resp.StatusCode)
			}
			errID := `id="f-file-error"`
			if !tt.alt {
				errID = `id="f-file_alt_en-error"`
			}
			mustContain(t, tt.name+" ("+tt.lang+")", body, tt.want, errID, `value="Guide"`)
			if countItems(t, s) != 0 {
				t.Fatalf("%s: an item was stored", tt.name)
			}
		}
		entries, _ := os.ReadDir(a.dataDir)
		if len(entries) != 0 {
			t.Errorf("refused uploads left files in the data directory: %v", entries)
		}

		// Documents are accepted by their content and downloaded as
		// attachments with a clean name.
		for _, tt := range []struct {
			file, ctype, name string
			data              []byte
		}{
			{"report.pdf", typePDF, "report.pdf", []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")},
			{`..\evil"name.docx`, typeDOCX, "evilname.docx", zipOf(t, map[string]string{"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`, "word/document.xml": "<w/>"})},
			{"table.xls", typeODS, "table.ods", odfOf(t, typeODS)},
		} {
			resp, body := postMultipart(t, c, a.srv.URL, "/en/manage/new", url.Values{"kind": {"material"}, "action": {"publish"}, "title_en": {"Doc " + tt.file}}, tt.file, tt.data)
			id := itemIDFrom(t, resp, body)
			media, err := s.ItemMediaList(ctx, id)
			if err != nil || len(media) != 1 || media[0].ContentType != tt.ctype {
				t.Fatalf("%s: media %+v, %v", tt.file, media, err)
			}
			resp, _ = getPage(t, newClient(t), a.srv.URL+fmt.Sprintf("/media/%d", media[0].ID))
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tt.ctype ||
				!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") || !strings.Contains(resp.Header.Get("Content-Disposition"), tt.name) {
				t.Errorf("GET the %s: %d %q %q", tt.file, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
			}
			if resp, _ := getPage(t, newClient(t), a.srv.URL+fmt.Sprintf("/media/%d/thumb", media[0].ID)); resp.StatusCode != 404 {
				t.Errorf("a document has a thumbnail: %d", resp.StatusCode)
			}
		}
		for _, p := range []string{"/media/999999", "/media/x", "/media/1/huge"} {
			if resp, _ := getPage(t, newClient(t), a.srv.URL+p); resp.StatusCode != 404 {
				t.Errorf("GET %s = %d, want 404", p, resp.StatusCode)
			}
		}
	})
}

func TestItemFormValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		a := newAccHub(t, s)
		org := mkOrg(t, s, "ngo", "НПО", "NGO")
		mkUser(t, s, "editor@example.org", db.RoleEditor, org.ID)
		c := newClient(t)
		signIn(t, c, a.srv.URL, "editor@example.org", testPassword)
		for _, tt := range []struct {
			name   string
			lang   db.Lang
			change func(url.Values)
			field  string
			want   string
		}{
			{"end before start", db.EN, func(v url.Values) { v.Set("ends", "2030-12-01T17:00") }, "ends", "The end is before the start"},
			{"end before start", db.BG, func(v url.Values) { v.Set("ends", "2030-11-30T20:00") }, "ends", "Краят е преди началото"},
			{"long title", db.EN, func(v url.Values) { v.Set("title_bg", strings.Repeat("я", db.MaxTitleLen+1)) }, "title_bg", "at most 300 characters"},
			{"unknown time zone", db.BG, func(v url.Values) { v.Set("tz", "Europe/Haskovo") }, "tz", "„Europe/Haskovo“ не е позната часова зона"},
			{"no start", db.EN, func(v url.Values) { v.Del("starts") }, "starts", "Please fill in this field."},
			{"bad date", db.EN, func(v url.Values) { v.Set("starts", "tomorrow") }, "starts", "Enter a date such as"},
			{"missing title", db.EN, func(v url.Values) { v.Del("title_en") }, "title_en", "Give the English text a title"},
			{"missing title", db.BG, func(v url.Values) { v.Del("title_en") }, "title_en", "Дайте заглавие на текста на английски"},
			{"no language", db.BG, func(v url.Values) {
				for _, k := range allTextFields() {
					v.Del(k)
				}
			}, "title_bg", "Попълнете заглавието и текста на поне един език."},
			{"bad link", db.EN, func(v url.Values) { v.Set("online_url", "javascript:alert(1)") }, "online_url", "Enter a full web address"},
		} {
			v := eventForm("publish")
			tt.change(v)
			resp, body := postMultipart(t, c, a.srv.URL, "/"+string(tt.lang)+"/manage/new", v, "", nil)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s (%s): status %d, want 422", tt.name, tt.lang, resp.StatusCode)
			}
			mustContain(t, tt.name, body, tt.want, `id="f-`+tt.field+`-error"`, `href="#f-`+tt.field+`"`, `value="ИЦ Хасково"`)
		}
		if n := countItems(t, s); n != 0 {
			t.Errorf("invalid forms stored %d items", n)
		}
	})
}

func TestEditorsTouchOnlyTheirOrganisation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		a := newAccHub(t, s)
		mine := mkOrg(t, s, "mine", "Моята", "Mine")
		theirs := mkOrg(t, s, "theirs", "Тяхната", "Theirs")
		mkUser(t, s, "editor@example.org", db.RoleEditor, mine.ID)
		mkUser(t, s, "member@example.org", db.RoleMember, 0)
		other := &db.Item{Kind: db.News, OrganisationID: theirs.ID, Status: db.Published}
		other.SetTexts(db.Text{Lang: db.EN, Title: "Their news"})
		if err := s.CreateItem(ctx, other); err != nil {
			t.Fatal(err)
		}
		c := newClient(t)
		signIn(t, c, a.srv.URL, "editor@example.org", testPassword)
		for _, lang := range db.InterfaceLangs {
			p := "/" + string(lang)
			want := map[db.Lang]string{db.BG: "Нямате право на това действие", db.EN: "You may not do this"}[lang]
			resp, body := getPage(t, c, a.srv.URL+fmt.Sprintf("%s/manage/items/%d", p, other.ID))
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("GET another organisation's item: %d, want 403", resp.StatusCode)
			}
			mustContain(t, "the 403 page", body, want, `lang="`+string(lang)+`"`)
			// A forged POST with a valid token.
			v := url.Values{"kind": {"news"}, "action": {"publish"}, "title_en": {"Defaced"}}
			resp, _ = postMultipart(t, c, a.srv.URL, fmt.Sprintf("%s/manage/items/%d", p, other.ID), v, "", nil)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST to another organisation's item: %d, want 403", resp.StatusCode)
			}
			if got, _ := s.Item(ctx, other.ID); got.Texts()[0].Title != "Their news" || got.Version != 1 {
				t.Errorf("the other organisation's item changed: %+v", got.Texts())
			}
			// Admin kinds and admin routes are refused.
			resp, _ = postMultipart(t, c, a.srv.URL, p+"/manage/new", url.Values{"kind": {"press"}, "title_en": {"x"}, "outlet": {"x"}, "action": {"publish"}}, "", nil)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("an editor creating a press publication: %d, want 403", resp.StatusCode)
			}
			resp, _ = submitForm(t, c, a.srv.URL, fmt.Sprintf("%s/admin/items/%d/hide", p, other.ID), url.Values{})
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("an editor hiding an item: %d, want 403", resp.StatusCode)
			}
		}
		// A forged owner is ignored: the item is the editor's organisation's.
		resp, body := postMultipart(t, c, a.srv.URL, "/en/manage/new", url.Values{"kind": {"news"}, "action": {"draft"}, "title_en": {"Mine"}, "owner": {strconv.FormatInt(theirs.ID, 10)}}, "", nil)
		id := itemIDFrom(t, resp, body)
		if it, _ := s.Item(ctx, id); it.OrganisationID != mine.ID || it.Status != db.Draft || it.AuthorID == 0 {
			t.Errorf("item created with a forged owner: org %d (mine %d), status %s", it.OrganisationID, mine.ID, it.Status)
		}
		// The list shows only the editor's organisation's items.
		_, body = getPage(t, c, a.srv.URL+"/en/manage")
		if strings.Contains(body, "Their news") || !strings.Contains(body, "Mine") {
			t.Error("the editor's list shows another organisation's items or lacks their own")
		}
		// Members do not edit at all.
		m := newClient(t)
		signIn(t, m, a.srv.URL, "member@example.org", testPassword)
		for _, path := range []string{"/en/manage", "/bg/manage/new?kind=news", fmt.Sprintf("/en/manage/items/%d", id)} {
			if resp, _ := getPage(t, m, a.srv.URL+path); resp.StatusCode != http.StatusForbidden {
				t.Errorf("member GET %s: %d, want 403", path, resp.StatusCode)
			}
		}
	})
}

func TestThumbnailsNeverUpscale(t *testing.T) {
	for _, tt := range []struct{ w, h, thumbW, mediumW int }{
		{3000, 2000, 400, 1200},
		{1000, 10, 400, 1000},
		{120, 90, 120, 120},
	} {
		img := image.NewRGBA(image.Rect(0, 0, tt.w, tt.h))
		p, err := prepareMedia(context.Background(), nil, "x.png", encodePNG(t, img))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			data []byte
			want int
		}{{p.Thumb, tt.thumbW}, {p.Medium, tt.mediumW}} {
			cfg, err := jpeg.DecodeConfig(bytes.NewReader(c.data))
			if err != nil || cfg.Width != c.want || cfg.Height < 1 {
				t.Errorf("%dx%d: resized to %dx%d (%v), want width %d", tt.w, tt.h, cfg.Width, cfg.Height, err, c.want)
			}
		}
	}
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
