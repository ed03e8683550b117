package db

import (
	"fmt"
	"strconv"
)

// The URL scheme the portal, feeds and federation share. Pages live under a
// language prefix; ActivityPub ids are language-neutral and content-
// negotiated (an AS2 Accept gets JSON, a browser is sent to the page).

// Section returns the URL segment of a kind's section: "news", "events",
// "project-updates"…
func (k Kind) Section() string {
	switch k {
	case Event:
		return "events"
	case Announcement:
		return "announcements"
	case Service:
		return "services"
	case Material:
		return "materials"
	case ProjectUpdate:
		return "project-updates"
	case Gallery:
		return "galleries"
	default: // news, press
		return string(k)
	}
}

// KindOfSection is the inverse of Kind.Section.
func KindOfSection(section string) (Kind, bool) {
	for _, k := range Kinds() {
		if k.Section() == section {
			return k, true
		}
	}
	return "", false
}

// PagePath is the path of an item's page in a language:
// /bg/events/42.
func (it *Item) PagePath(lang Lang) string {
	return fmt.Sprintf("/%s/%s/%d", lang, it.Kind.Section(), it.ID)
}

// ObjectPath is the language-neutral path of a local item's ActivityPub
// object, /items/42; the portal redirects browsers from it to the page.
func (it *Item) ObjectPath() string { return "/items/" + strconv.FormatInt(it.ID, 10) }

// ActorPath is the path of a local actor (organisation, forum category, user
// or the hub itself) by handle: /actors/ic-haskovo. The portal redirects
// browsers from it to the actor's page.
func ActorPath(handle string) string { return "/actors/" + handle }

// OrganisationPath is the path of an organisation's page in a language.
func OrganisationPath(lang Lang, handle string) string {
	return fmt.Sprintf("/%s/organisations/%s", lang, handle)
}

// MediaPath is the path of a media file, or of its resized copy when
// variant is "thumb" (400 px wide) or "medium" (1200 px wide): /media/7,
// /media/7/thumb. It is "" for id 0.
func MediaPath(id int64, variant string) string {
	if id == 0 {
		return ""
	}
	p := "/media/" + strconv.FormatInt(id, 10)
	if variant != "" {
		p += "/" + variant
	}
	return p
}
