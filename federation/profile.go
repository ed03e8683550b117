package federation

import (
	"html"
	"net/mail"
	"regexp"
	"strings"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/markup"
)

// actorImages sets an actor document's icon (the logo, as the portal's
// thumbnail) and image (the banner, as its medium copy): Images with their
// media type and absolute URL, as Mastodon reads avatars and headers.
func (h *Handler) actorImages(t *actorTexts, logoID, bannerID int64) {
	if logoID != 0 {
		t.extra["icon"] = h.imageObject(db.MediaPath(logoID, "thumb"))
	}
	if bannerID != 0 {
		t.extra["image"] = h.imageObject(db.MediaPath(bannerID, "medium"))
	}
}

// imageObject is an Image of one of the hub's resized copies (always
// JPEG).
func (h *Handler) imageObject(path string) map[string]any {
	return map[string]any{"type": "Image", "mediaType": "image/jpeg", "url": h.base + path}
}

// The profile fields of an organisation, by the hub:field value that names
// them, with their labels per language. A receiving hub reads hub:field;
// other software (Mastodon) shows name and value.
var profileLabels = map[string]map[db.Lang]string{
	"website": {db.BG: "Уебсайт", db.EN: "Website"},
	"email":   {db.BG: "Имейл", db.EN: "E-mail"},
	"phone":   {db.BG: "Телефон", db.EN: "Phone"},
	"city":    {db.BG: "Град", db.EN: "City"},
	"country": {db.BG: "Държава", db.EN: "Country"},
}

// propertyValueContext defines the schema.org terms of profile fields, as
// Mastodon's actors do; only documents that carry them add it.
var propertyValueContext = map[string]any{"PropertyValue": "schema:PropertyValue", "value": "schema:value"}

// profileOrder is the order the fields are sent in.
var profileOrder = []string{"website", "email", "phone", "city", "country"}

// profileFields are an organisation's contacts and place as schema.org
// PropertyValues, Mastodon's profile fields: name and value (HTML, a link
// for the website and e-mail), labelled in the actor's primary language,
// and hub:field naming the field for partner hubs. The country is its
// ISO 3166 code.
func profileFields(o *db.Organisation, lang db.Lang) []any {
	vals := map[string]string{
		"website": o.Website, "email": o.Email, "phone": o.Phone, "city": o.City, "country": o.Country,
	}
	var out []any
	for _, f := range profileOrder {
		v := strings.TrimSpace(vals[f])
		if v == "" {
			continue
		}
		label := profileLabels[f][lang]
		if label == "" {
			label = profileLabels[f][db.EN]
		}
		value := html.EscapeString(v)
		switch f {
		case "website":
			if hostOf(v) == "" {
				continue
			}
			shown := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(v, "https://"), "http://"), "/")
			value = `<a href="` + html.EscapeString(v) + `" rel="me nofollow noopener noreferrer" target="_blank">` + html.EscapeString(shown) + `</a>`
		case "email":
			value = `<a href="mailto:` + html.EscapeString(v) + `">` + html.EscapeString(v) + `</a>`
		}
		out = append(out, map[string]any{"type": "PropertyValue", "name": label, "value": value, termField: f})
	}
	return out
}

var countryCodePattern = regexp.MustCompile(`^[A-Z]{2}$`)

// readProfile copies what a remote actor's document says of its
// organisation into o: the profile fields (PropertyValue attachments, by
// hub:field, else by a label in either language, as Mastodon's
// Account::Field keeps name and value) and the URLs of its icon and image.
// A field the document does not carry is left as it is, except the images,
// which follow the document.
func readProfile(o *db.Organisation, doc map[string]any) {
	byLabel := map[string]string{}
	for f, ls := range profileLabels {
		for _, l := range ls {
			byLabel[strings.ToLower(l)] = f
		}
	}
	for _, a := range objsOf(doc["attachment"]) {
		if typeOf(a) != "PropertyValue" {
			continue
		}
		f := str(a, termField)
		if _, ok := profileLabels[f]; !ok {
			f = byLabel[strings.ToLower(strings.TrimSpace(str(a, "name")))]
		}
		raw := str(a, "value")
		v := strings.TrimSpace(markup.PlainText(raw))
		if len(v) > 300 {
			continue
		}
		switch f {
		case "website":
			if u := hrefOf(raw); hostOf(u) != "" {
				o.Website = u
			} else if hostOf(v) != "" {
				o.Website = v
			} else if hostOf("https://"+v) != "" && !strings.ContainsAny(v, " /@") {
				o.Website = "https://" + v
			}
		case "email":
			if e, err := mail.ParseAddress(v); err == nil && e.Address == v {
				o.Email = v
			}
		case "phone":
			o.Phone = v
		case "city":
			o.City = v
		case "country":
			if c := strings.ToUpper(v); countryCodePattern.MatchString(c) {
				o.Country = c
			}
		}
	}
	o.LogoURL, o.BannerURL = "", ""
	if icon := objOf(doc["icon"]); icon != nil {
		o.LogoURL = httpURL(urlOf(icon), "")
	}
	if img := objOf(doc["image"]); img != nil {
		o.BannerURL = httpURL(urlOf(img), "")
	}
}

var hrefPattern = regexp.MustCompile(`href="([^"]+)"`)

// hrefOf returns the first link target in an HTML snippet.
func hrefOf(s string) string {
	if m := hrefPattern.FindStringSubmatch(s); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}
