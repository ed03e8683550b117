package feeds

import (
	"github.com/bgimigranti/hub/db"
)

// messages are the words the feeds themselves carry, in one interface
// language: titles of feeds and calendars, category labels, the folders of
// the OPML file and the short texts of error responses. The portal has its
// own catalogue; feeds does not import it (they meet only in db).
type messages struct {
	siteName   string
	tagline    string
	everything string // title of the feed of everything
	events     string // name of the calendar of every event
	orgEvents  string // "%s" is the organisation: name of its calendar
	// orgKinds and sections label categories.
	orgKinds map[db.OrgKind]string
	sections map[db.Kind]string
	// The folders of the OPML file.
	opmlTitle, opmlSite, opmlSections, opmlOrganisations, opmlCalendars string
	// Plain-text bodies of error responses.
	notFound, queryMissing, queryTooLong, badInput, serverError string
	// search is the title of a search feed; "%s" is the query.
	search string
	// forumCategory and forumThread title the forum's feeds ("%s" is the
	// category's name or the thread's title), forumPost titles a post
	// (its author, then the thread) and forumGone names a deleted author;
	// opmlForum is the forum's folder of the OPML file.
	forumCategory, forumThread, forumPost, forumGone, opmlForum string
}

var catalogue = map[db.Lang]*messages{
	db.BG: {
		siteName:   "bgimigranti хъб",
		tagline:    "Платформа за интеграция на имигранти в България",
		everything: "Всички публикации",
		events:     "Събития",
		orgEvents:  "Събития: %s",
		orgKinds: map[db.OrgKind]string{
			db.OrgInfoCentre:    "Информационен център",
			db.OrgNGO:           "Неправителствена организация",
			db.OrgPublicBody:    "Публичен орган",
			db.OrgSocialPartner: "Социален партньор",
			db.OrgInternational: "Международна организация",
			db.OrgOther:         "Друга организация",
		},
		sections: map[db.Kind]string{
			db.News:          "Новини",
			db.Event:         "Събития",
			db.Announcement:  "Обявления",
			db.Service:       "Услуги",
			db.Material:      "Материали",
			db.ProjectUpdate: "Новини по проекта",
			db.Press:         "Публикации в пресата",
			db.Gallery:       "Семинари и галерии",
		},
		opmlTitle:         "Всички емисии",
		opmlSite:          "Целият сайт",
		opmlSections:      "Раздели",
		opmlOrganisations: "Организации",
		opmlCalendars:     "Календари",
		notFound:          "Емисията не е намерена. Списък на всички емисии: %s\n",
		queryMissing:      "Липсва текст за търсене: добавете ?q=… към адреса на емисията.\n",
		queryTooLong:      "Текстът за търсене е твърде дълъг.\n",
		badInput:          "Адресът съдържа стойност, която не може да бъде използвана. Проверете връзката и опитайте отново.\n",
		search:            "Търсене: %s",
		forumCategory:     "Форум: %s",
		forumThread:       "Тема: %s",
		forumPost:         "%s в „%s“",
		forumGone:         "Изтрит профил",
		opmlForum:         "Форум",
		serverError:       "Емисията не може да бъде показана поради грешка при нас. Опитайте отново след малко.\n",
	},
	db.EN: {
		siteName:   "bgimigranti hub",
		tagline:    "A platform for the integration of immigrants in Bulgaria",
		everything: "Everything published",
		events:     "Events",
		orgEvents:  "Events: %s",
		orgKinds: map[db.OrgKind]string{
			db.OrgInfoCentre:    "Information centre",
			db.OrgNGO:           "Non-governmental organisation",
			db.OrgPublicBody:    "Public body",
			db.OrgSocialPartner: "Social partner",
			db.OrgInternational: "International organisation",
			db.OrgOther:         "Other organisation",
		},
		sections: map[db.Kind]string{
			db.News:          "News",
			db.Event:         "Events",
			db.Announcement:  "Announcements",
			db.Service:       "Services",
			db.Material:      "Materials",
			db.ProjectUpdate: "Project updates",
			db.Press:         "Press publications",
			db.Gallery:       "Seminars and galleries",
		},
		opmlTitle:         "All feeds",
		opmlSite:          "The whole site",
		opmlSections:      "Sections",
		opmlOrganisations: "Organisations",
		opmlCalendars:     "Calendars",
		notFound:          "Feed not found. The list of every feed is at %s\n",
		queryMissing:      "There is nothing to search for: add ?q=… to the feed's address.\n",
		queryTooLong:      "The search text is too long.\n",
		badInput:          "The address holds a value that cannot be used. Check the link and try again.\n",
		search:            "Search: %s",
		forumCategory:     "Forum: %s",
		forumThread:       "Thread: %s",
		forumPost:         "%s in “%s”",
		forumGone:         "Deleted account",
		opmlForum:         "Forum",
		serverError:       "The feed cannot be shown because of an error on our side. Please try again in a moment.\n",
	},
}

// msgs returns the messages of lang, or of Bulgarian, the site's first
// language, for a language it does not know.
func msgs(lang db.Lang) *messages {
	if m, ok := catalogue[lang]; ok {
		return m
	}
	return catalogue[db.BG]
}
