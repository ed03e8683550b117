package portal

import (
	"time"

	"github.com/bgimigranti/hub/db"
)

// ogLocales are the Open Graph locales (language_TERRITORY) of the
// interface languages.
var ogLocales = map[db.Lang]string{db.BG: "bg_BG", db.EN: "en_GB"}

// ogLocale returns the Open Graph locale of a language.
func ogLocale(l db.Lang) string {
	if s, ok := ogLocales[l]; ok {
		return s
	}
	return string(l)
}

// ldThing is a schema.org node of a page's JSON-LD. Only what the page says
// is filled in; nothing is made up for an empty field.
type ldThing = map[string]any

// itemLD describes an event or a news item for search engines and link
// previews, as schema.org JSON-LD; other kinds get none (nil). page is the
// item page's absolute URL and image the absolute URL of its first picture,
// if any.
func (h *Handler) itemLD(it *db.Item, e entry, lang db.Lang, page, image string) ldThing {
	publisher := ldThing{"@type": "Organization", "name": h.cats[lang].T("site.name"), "url": h.baseURL + "/" + string(lang) + "/",
		"logo": ldThing{"@type": "ImageObject", "url": h.baseURL + "/static/logo.svg"}}
	author := publisher
	if e.Org != nil {
		author = ldThing{"@type": "Organization", "name": e.Org.Name.Title, "url": h.baseURL + e.Org.Path}
	}
	out := ldThing{"@context": "https://schema.org", "url": page, "inLanguage": string(e.Text.Lang)}
	if e.Summary != "" {
		out["description"] = e.Summary
	}
	if image != "" {
		out["image"] = []string{image}
	}
	switch it.Kind {
	case db.Event:
		out["@type"] = "Event"
		out["name"] = e.Text.Title
		out["startDate"] = ldTime(it.StartsAt, it.TimeZone, it.AllDay)
		if !it.EndsAt.IsZero() {
			out["endDate"] = ldTime(it.EndsAt, it.TimeZone, it.AllDay)
		}
		out["eventStatus"] = "https://schema.org/EventScheduled"
		if it.Cancelled {
			out["eventStatus"] = "https://schema.org/EventCancelled"
		}
		var places []ldThing
		if it.PlaceName != "" || it.Address != "" {
			place := ldThing{"@type": "Place", "name": it.PlaceName}
			if it.PlaceName == "" {
				place["name"] = it.Address
			}
			if it.Address != "" {
				place["address"] = ldThing{"@type": "PostalAddress", "streetAddress": it.Address}
			}
			places = append(places, place)
		}
		if u := safeURL(it.OnlineURL); u != "" {
			places = append(places, ldThing{"@type": "VirtualLocation", "url": u})
		}
		switch {
		case len(places) == 2:
			out["eventAttendanceMode"] = "https://schema.org/MixedEventAttendanceMode"
			out["location"] = places
		case len(places) == 1 && places[0]["@type"] == "VirtualLocation":
			out["eventAttendanceMode"] = "https://schema.org/OnlineEventAttendanceMode"
			out["location"] = places[0]
		case len(places) == 1:
			out["eventAttendanceMode"] = "https://schema.org/OfflineEventAttendanceMode"
			out["location"] = places[0]
		}
		out["organizer"] = author
	case db.News, db.Announcement, db.ProjectUpdate:
		out["@type"] = "NewsArticle"
		headline := []rune(e.Text.Title)
		if len(headline) > 110 { // what search engines show of a headline
			headline = append(headline[:109], '…')
		}
		out["headline"] = string(headline)
		out["mainEntityOfPage"] = page
		published := it.PublishedAt
		if published.IsZero() {
			published = it.CreatedAt
		}
		out["datePublished"] = published.UTC().Format(time.RFC3339)
		out["dateModified"] = it.UpdatedAt.UTC().Format(time.RFC3339)
		out["author"] = author
		out["publisher"] = publisher
	default:
		return nil
	}
	return out
}

// ldTime writes an event's time as ISO 8601 in the event's own time zone
// (a date alone for an all-day event).
func ldTime(t time.Time, zone string, allDay bool) string {
	if loc, err := time.LoadLocation(zone); err == nil && zone != "" {
		t = t.In(loc)
	}
	if allDay {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339)
}
