package feeds

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
)

const icalProdID = "-//bgimigranti//hub//EN"

// Layouts of iCalendar DATE and DATE-TIME values.
const (
	icalDate     = "20060102"
	icalLocal    = "20060102T150405"
	icalUTC      = "20060102T150405Z"
	icalFloating = "19700101T000000"
)

// Calendar is an iCalendar document of events, the input of [ICal]. Name
// is required.
type Calendar struct {
	// Name is the calendar's name shown by calendar apps (NAME and
	// X-WR-CALNAME).
	Name string
	// Lang is the BCP 47 tag of the language of Name and of the events'
	// text unless an event says otherwise.
	Lang string
	// URL is the calendar's HTML page.
	URL string
	// Events are written in the order given.
	Events []Event
}

// Event is one event of a [Calendar]. UID, Title, Start and either Updated
// or Created are required.
type Event struct {
	// UID is the event's stable identifier: its canonical URL. It must
	// stay the same when the event changes, so that calendar apps update
	// the event instead of adding a second one.
	UID string
	// URL is the event's page.
	URL string
	// Title and DescriptionText are plain text.
	Title           string
	DescriptionText string
	// Lang is the BCP 47 tag of Title and DescriptionText when it differs
	// from the calendar's, for example when a translation is missing.
	Lang string
	// Start and End are the instants the event starts and ends. End may be
	// zero. For an all-day event only their dates in TimeZone count: the
	// event runs from Start's date to End's date inclusive, or to the day
	// before End's date when End is exactly midnight.
	Start time.Time
	End   time.Time
	// TimeZone is the IANA name of the zone the event happens in, such as
	// "Europe/Sofia". Times are written as wall-clock times in that zone,
	// so that calendar apps keep them right across daylight saving time.
	// Empty or "UTC" writes times in UTC.
	TimeZone string
	// AllDay makes Start and End dates without a time of day.
	AllDay bool
	// Location and Address are the place and its postal address;
	// OnlineURL is the link of an online or hybrid event. LOCATION is the
	// place and address when there is one, and the online link otherwise.
	Location  string
	Address   string
	OnlineURL string
	// Organizer is the name of the organising body and OrganizerURI its
	// address, a mailto: or https: URI. ORGANIZER needs an address, so it
	// is written only when OrganizerURI is set.
	Organizer    string
	OrganizerURI string
	// Sequence is the revision number of the event; raise it whenever the
	// time, place or status changes.
	Sequence int
	// Cancelled marks an event that will not take place. It stays in the
	// calendar, so that subscribers see it cancelled instead of vanished.
	Cancelled bool
	// Created is when the event was first published and Updated when it
	// last changed; Updated (or Created) is also the DTSTAMP.
	Created time.Time
	Updated time.Time
	// Categories are plain-text categories, one CATEGORIES line each.
	Categories []string
}

// ICal writes c to w as an iCalendar object (RFC 5545) with METHOD:PUBLISH.
//
// Each event has UID, DTSTAMP, SEQUENCE, STATUS (CONFIRMED or CANCELLED),
// DTSTART and DTEND with the TZID of its own zone (or in UTC, or as dates
// for all-day events), SUMMARY and DESCRIPTION with a LANGUAGE parameter,
// LOCATION, CONFERENCE for the online link, URL, ORGANIZER, CATEGORIES,
// CREATED and LAST-MODIFIED. A VTIMEZONE generated from Go's time zone
// database precedes the events for every zone a TZID names. Lines end in
// CRLF and are folded at 75 octets.
func ICal(w io.Writer, c *Calendar) error {
	c, err := c.validate()
	if err != nil {
		return err
	}
	cal := ics.NewCalendarFor("bgimigranti")
	cal.SetProductId(icalProdID)
	cal.SetMethod(ics.MethodPublish)
	cal.SetCalscale("GREGORIAN")
	var nameParams []ics.PropertyParameter
	if c.Lang != "" {
		nameParams = append(nameParams, withLanguage(c.Lang))
	}
	cal.CalendarProperties = append(cal.CalendarProperties, ics.CalendarProperty{BaseProperty: ics.BaseProperty{
		IANAToken:      string(ics.PropertyName),
		ICalParameters: paramMap(nameParams),
		Value:          icsText(c.Name),
	}})
	cal.SetXWRCalName(icsText(c.Name))
	if c.URL != "" {
		cal.SetUrl(c.URL)
	}

	locs := map[string]*time.Location{}
	zones := map[string]*zoneUse{}
	events := make([]ics.Component, 0, len(c.Events))
	for i := range c.Events {
		ev, err := c.vevent(&c.Events[i], locs, zones)
		if err != nil {
			return invalid("ical", "event %d (%q): %s", i, c.Events[i].UID, err)
		}
		events = append(events, ev)
	}
	names := make([]string, 0, len(zones))
	for name := range zones {
		names = append(names, name)
	}
	slices.Sort(names)
	cal.Components = make([]ics.Component, 0, len(names)+len(events))
	for _, name := range names {
		cal.Components = append(cal.Components, vtimezone(name, zones[name]))
	}
	cal.Components = append(cal.Components, events...)

	bw := bufio.NewWriter(w)
	if err := cal.SerializeTo(bw, ics.WithNewLineWindows); err != nil {
		return fmt.Errorf("feeds: ical: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("feeds: ical: %w", err)
	}
	return nil
}

// validate checks the calendar and returns it, or a copy without the
// events that cannot be written (one bad event never fails a whole
// calendar; DropInvalid says which).
func (c *Calendar) validate() (*Calendar, error) {
	if c == nil {
		return nil, invalid("ical", "nil calendar")
	}
	if c.Name == "" {
		return nil, invalid("ical", "calendar has no name")
	}
	if c.Lang != "" && !validLang(c.Lang) {
		return nil, invalid("ical", "calendar language %q is not a language tag", c.Lang)
	}
	for i := range c.Events {
		if c.Events[i].validate() != nil {
			d := *c
			d.Events = slices.Clone(c.Events)
			d.DropInvalid()
			return &d, nil
		}
	}
	return c, nil
}

// DropInvalid removes from c the events ICal would skip (no uid, title or
// start, an unknown time zone, …) and returns one error, wrapping
// ErrInvalid, per event removed, so the caller can log them.
func (c *Calendar) DropInvalid() []error {
	var errs []error
	kept := c.Events[:0]
	for i, e := range c.Events {
		if err := e.validate(); err != nil {
			errs = append(errs, invalid("ical", "event %d (%q) skipped: %s", i, e.UID, err))
			continue
		}
		kept = append(kept, e)
	}
	c.Events = kept
	return errs
}

func (e *Event) validate() error {
	switch {
	case e.UID == "":
		return errors.New("no uid")
	case e.Title == "":
		return errors.New("no title")
	case e.Start.IsZero():
		return errors.New("no start")
	case !e.End.IsZero() && e.End.Before(e.Start):
		return errors.New("ends before it starts")
	case e.Updated.IsZero() && e.Created.IsZero():
		return errors.New("neither updated nor created time")
	case !validTime(e.Start) || !validTime(e.End) || !validTime(e.Created) || !validTime(e.Updated):
		return errors.New("time out of range")
	case e.Sequence < 0:
		return errors.New("negative sequence")
	case e.Lang != "" && !validLang(e.Lang):
		return fmt.Errorf("language %q is not a language tag", e.Lang)
	case e.TimeZone == "Local":
		return errors.New(`time zone "Local" depends on the host`)
	}
	if _, err := loadZone(e.TimeZone); err != nil {
		return err
	}
	return nil
}

// vevent builds the VEVENT of e and records in zones every zone its
// DTSTART and DTEND name with a TZID. locs caches the zones loaded.
func (c *Calendar) vevent(e *Event, locs map[string]*time.Location, zones map[string]*zoneUse) (*ics.VEvent, error) {
	loc, ok := locs[e.TimeZone]
	if !ok {
		var err error
		if loc, err = loadZone(e.TimeZone); err != nil {
			return nil, err
		}
		locs[e.TimeZone] = loc
	}
	ev := ics.NewEvent(icsText(e.UID))
	stamp := e.Updated
	if stamp.IsZero() {
		stamp = e.Created
	}
	ev.SetDtStampTime(stamp)
	ev.SetSequence(e.Sequence)
	if e.Cancelled {
		ev.SetStatus(ics.ObjectStatusCancelled)
	} else {
		ev.SetStatus(ics.ObjectStatusConfirmed)
	}

	if e.AllDay {
		start := dateIn(e.Start, loc)
		end := start.AddDate(0, 0, 1)
		if !e.End.IsZero() {
			end = dateIn(e.End, loc)
			if !e.End.In(locOrUTC(loc)).Equal(end) || !end.After(start) {
				end = end.AddDate(0, 0, 1)
			}
		}
		ev.SetProperty(ics.ComponentPropertyDtStart, start.Format(icalDate), ics.WithValue(string(ics.ValueDataTypeDate)))
		ev.SetProperty(ics.ComponentPropertyDtEnd, end.Format(icalDate), ics.WithValue(string(ics.ValueDataTypeDate)))
	} else {
		// Not golang-ical's SetStartAt and SetEndAt: they always write UTC.
		v, params := dateTime(e.Start, e.TimeZone, loc, zones)
		ev.SetProperty(ics.ComponentPropertyDtStart, v, params...)
		if !e.End.IsZero() {
			v, params := dateTime(e.End, e.TimeZone, loc, zones)
			ev.SetProperty(ics.ComponentPropertyDtEnd, v, params...)
		}
	}

	lang := e.Lang
	if lang == "" {
		lang = c.Lang
	}
	var langParams []ics.PropertyParameter
	if lang != "" {
		langParams = append(langParams, withLanguage(lang))
	}
	ev.SetSummary(icsText(e.Title), langParams...)
	if e.DescriptionText != "" {
		ev.SetDescription(icsText(e.DescriptionText), langParams...)
	}
	if place := joinNonEmpty(", ", e.Location, e.Address); place != "" {
		ev.SetLocation(icsText(place))
	} else if e.OnlineURL != "" {
		ev.SetLocation(icsText(e.OnlineURL))
	}
	if e.OnlineURL != "" {
		// RFC 7986 CONFERENCE; calendar apps show it as a join link.
		ev.AddProperty("CONFERENCE", e.OnlineURL, ics.WithValue(string(ics.ValueDataTypeUri)))
	}
	if e.URL != "" {
		ev.SetURL(e.URL)
	}
	if e.OrganizerURI != "" {
		addOrganizer(ev, e.Organizer, e.OrganizerURI)
	}
	for _, cat := range e.Categories {
		if cat != "" {
			// One property per category: golang-ical escapes the commas of
			// a list, which would make it a single category.
			ev.AddCategory(icsText(cat))
		}
	}
	if !e.Created.IsZero() {
		ev.SetCreatedTime(e.Created)
	}
	if !e.Updated.IsZero() {
		ev.SetModifiedAt(e.Updated)
	}
	return ev, nil
}

// addOrganizer adds ORGANIZER;CN="name":uri. golang-ical escapes parameter
// values with backslashes, which RFC 5545 does not define (a CN such as
// "Women's Centre, Sofia" has to be quoted), and quotes only ALTREP; so the
// quoted CN goes into the property name, which it writes as it is, the way
// the library itself writes REFRESH-INTERVAL;VALUE=DURATION.
func addOrganizer(ev *ics.VEvent, name, uri string) {
	token := string(ics.ComponentPropertyOrganizer)
	if name = paramText(name); name != "" {
		token += `;CN="` + name + `"`
	}
	// VALUE=CAL-ADDRESS is the default; it also keeps golang-ical from
	// escaping the URI as text, which it does for property names it does
	// not know.
	ev.AddProperty(ics.ComponentProperty(token), uri, ics.WithValue(string(ics.ValueDataTypeCalAddress)))
}

// zoneUse is a zone named by a TZID and the span of the times written in
// it.
type zoneUse struct {
	loc      *time.Location
	from, to time.Time
}

// dateTime returns t as an iCalendar DATE-TIME and its parameters: UTC with
// a Z when the event has no zone or the wall-clock time is ambiguous,
// otherwise the wall-clock time in loc with a TZID, which it records in
// zones.
func dateTime(t time.Time, name string, loc *time.Location, zones map[string]*zoneUse) (string, []ics.PropertyParameter) {
	if loc == nil || ambiguous(t.In(loc)) {
		return t.UTC().Format(icalUTC), nil
	}
	z := zones[name]
	if z == nil {
		z = &zoneUse{loc: loc, from: t, to: t}
		zones[name] = z
	}
	if t.Before(z.from) {
		z.from = t
	}
	if t.After(z.to) {
		z.to = t
	}
	return t.In(loc).Format(icalLocal), []ics.PropertyParameter{ics.WithTZID(name)}
}

// ambiguous reports whether the wall-clock time of t occurs twice, because
// the clocks are set back just before or after it. RFC 5545 reads such a
// time as the first of the two, but readers differ (Go's time.Date, and so
// golang-ical, takes the second), so it is written in UTC instead.
func ambiguous(t time.Time) bool {
	wall := t.Format(icalLocal)
	_, off := t.Zone()
	start, end := t.ZoneBounds()
	if !start.IsZero() {
		if _, before := start.Add(-time.Second).Zone(); before > off {
			earlier := t.Add(-time.Duration(before-off) * time.Second)
			if earlier.Before(start) && earlier.Format(icalLocal) == wall {
				return true
			}
		}
	}
	if !end.IsZero() {
		if _, after := end.Zone(); after < off {
			later := t.Add(time.Duration(off-after) * time.Second)
			if !later.Before(end) && later.Format(icalLocal) == wall {
				return true
			}
		}
	}
	return false
}

// utcZones are the names written as UTC with a Z instead of with a TZID.
var utcZones = map[string]bool{"": true, "UTC": true, "Etc/UTC": true, "Etc/Universal": true, "Universal": true, "Etc/Zulu": true, "Zulu": true}

// loadZone returns the location of name, or nil for UTC.
func loadZone(name string) (*time.Location, error) {
	if utcZones[name] {
		return nil, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %v", name, err)
	}
	return loc, nil
}

func locOrUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// dateIn returns midnight of t's date in loc (UTC when loc is nil).
func dateIn(t time.Time, loc *time.Location) time.Time {
	loc = locOrUTC(loc)
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

func withLanguage(lang string) ics.PropertyParameter {
	return &ics.KeyValues{Key: string(ics.ParameterLanguage), Value: []string{lang}}
}

func paramMap(params []ics.PropertyParameter) map[string][]string {
	m := make(map[string][]string, len(params))
	for _, p := range params {
		k, v := p.KeyValue()
		m[k] = v
	}
	return m
}

func joinNonEmpty(sep string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

// icsText prepares plain text for an iCalendar TEXT value, which
// golang-ical then escapes: line breaks become LF (golang-ical escapes LF
// but would write a CR as it is), and control characters and invalid UTF-8,
// which RFC 5545 does not allow, are dropped.
func icsText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || r == 0x7f || (r < 0x20 && r != '\t' && r != '\n') {
			return -1
		}
		return r
	}, s)
}

// paramText prepares text for a quoted parameter value, which may hold
// neither control characters nor double quotes. It also drops backslashes,
// which RFC 5545 allows there but some readers, golang-ical among them,
// take for the start of an escape.
func paramText(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r < 0x20 || r == 0x7f:
			return ' '
		case r == '\\' || r == utf8.RuneError:
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}
