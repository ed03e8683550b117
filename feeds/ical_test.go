package feeds

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
)

// renderCalendar renders c and parses the bytes back with golang-ical.
func renderCalendar(t *testing.T, c *Calendar) ([]byte, *ics.Calendar) {
	t.Helper()
	var buf bytes.Buffer
	if err := ICal(&buf, c); err != nil {
		t.Fatalf("ICal: %v", err)
	}
	parsed, err := ics.ParseCalendar(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("golang-ical cannot parse the output: %v\n%s", err, buf.Bytes())
	}
	return buf.Bytes(), parsed
}

func eventByUID(t *testing.T, cal *ics.Calendar, uid string) *ics.VEvent {
	t.Helper()
	for _, e := range cal.Events() {
		if e.Id() == uid {
			return e
		}
	}
	t.Fatalf("no event %q", uid)
	return nil
}

func prop(t *testing.T, e *ics.VEvent, p ics.ComponentProperty) *ics.IANAProperty {
	t.Helper()
	got := e.GetProperty(p)
	if got == nil {
		t.Fatalf("event %q has no %s", e.Id(), p)
	}
	return got
}

func param(p *ics.IANAProperty, name string) string {
	if v := p.ICalParameters[name]; len(v) == 1 {
		return v[0]
	}
	return ""
}

// TestICalTimes checks that each event's start and end, read back by
// golang-ical (which resolves the TZID with Go's database) and by the
// VTIMEZONE in the file, are the instants given, and how they are written.
func TestICalTimes(t *testing.T) {
	c := calendar(t)
	_, cal := renderCalendar(t, c)
	tzs := timezones(t, cal)
	tests := []struct {
		uid        string
		tzid       string // "" for UTC
		start, end string // as written
		startUTC   string
	}{
		// 18:00 in July is EEST, UTC+3.
		{"https://hub.example/events/seminar-sofia-july", "Europe/Sofia", "20260715T180000", "20260715T203000", "2026-07-15T15:00:00Z"},
		// 18:00 in January is EET, UTC+2.
		{"https://hub.example/events/consultations-january", "Europe/Sofia", "20270114T180000", "20270114T190000", "2027-01-14T16:00:00Z"},
		// Another zone keeps its own TZID: 18:00 EDT is UTC-4.
		{"https://partner.example/events/diaspora-meetup", "America/New_York", "20260912T180000", "20260912T210000", "2026-09-12T22:00:00Z"},
		{"https://hub.example/events/webinar", "", "20260803T140000Z", "20260803T150000Z", "2026-08-03T14:00:00Z"},
		// 03:30 occurs twice on 25 October 2026 in Sofia, so both the first
		// and the second are written in UTC.
		{"https://hub.example/events/night-shift", "", "20261025T003000Z", "20261025T013000Z", "2026-10-25T00:30:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.uid, func(t *testing.T) {
			var want *Event
			for i := range c.Events {
				if c.Events[i].UID == tc.uid {
					want = &c.Events[i]
				}
			}
			e := eventByUID(t, cal, tc.uid)
			start := prop(t, e, ics.ComponentPropertyDtStart)
			if start.Value != tc.start || param(start, "TZID") != tc.tzid {
				t.Errorf("DTSTART = %q TZID %q, want %q TZID %q", start.Value, param(start, "TZID"), tc.start, tc.tzid)
			}
			if end := prop(t, e, ics.ComponentPropertyDtEnd); end.Value != tc.end {
				t.Errorf("DTEND = %q, want %q", end.Value, tc.end)
			}
			got, err := e.GetStartAt()
			if err != nil {
				t.Fatal(err)
			}
			if s := got.UTC().Format(time.RFC3339); s != tc.startUTC || !got.Equal(want.Start) {
				t.Errorf("start = %s, want %s", s, tc.startUTC)
			}
			gotEnd, err := e.GetEndAt()
			if err != nil {
				t.Fatal(err)
			}
			if !gotEnd.Equal(want.End) {
				t.Errorf("end = %v, want %v", gotEnd.UTC(), want.End.UTC())
			}
			// The same instants from the VTIMEZONE alone, as a calendar
			// app without a time zone database reads them.
			if tc.tzid != "" {
				if got := tzs[tc.tzid].resolve(t, start.Value); !got.Equal(want.Start) {
					t.Errorf("start by VTIMEZONE = %v, want %v", got.UTC(), want.Start.UTC())
				}
			}
		})
	}
}

// TestICalProperties checks status, language, location, organizer,
// categories and stamps.
func TestICalProperties(t *testing.T) {
	c := calendar(t)
	_, cal := renderCalendar(t, c)
	for _, want := range c.Events {
		e := eventByUID(t, cal, want.UID)
		status := "CONFIRMED"
		if want.Cancelled {
			status = "CANCELLED"
		}
		if got := prop(t, e, ics.ComponentPropertyStatus).Value; got != status {
			t.Errorf("%s: STATUS = %q, want %q", want.UID, got, status)
		}
		if got := prop(t, e, ics.ComponentPropertySequence).Value; got != strconv.Itoa(want.Sequence) {
			t.Errorf("%s: SEQUENCE = %q, want %d", want.UID, got, want.Sequence)
		}
		lang := want.Lang
		if lang == "" {
			lang = c.Lang
		}
		summary := prop(t, e, ics.ComponentPropertySummary)
		if summary.Value != want.Title || param(summary, "LANGUAGE") != lang {
			t.Errorf("%s: SUMMARY = %q LANGUAGE %q, want %q LANGUAGE %q", want.UID, summary.Value, param(summary, "LANGUAGE"), want.Title, lang)
		}
		if want.DescriptionText != "" {
			d := prop(t, e, ics.ComponentPropertyDescription)
			if d.Value != want.DescriptionText || param(d, "LANGUAGE") != lang {
				t.Errorf("%s: DESCRIPTION = %q LANGUAGE %q, want %q LANGUAGE %q", want.UID, d.Value, param(d, "LANGUAGE"), want.DescriptionText, lang)
			}
		}
		stamp := want.Updated
		if stamp.IsZero() {
			stamp = want.Created
		}
		if got, err := e.GetDtStampTime(); err != nil || !got.Equal(stamp) {
			t.Errorf("%s: DTSTAMP = %v %v, want %v", want.UID, got, err, stamp)
		}
	}

	seminar := eventByUID(t, cal, c.Events[0].UID)
	if got, want := prop(t, seminar, ics.ComponentPropertyLocation).Value, c.Events[0].Location+", "+c.Events[0].Address; got != want {
		t.Errorf("LOCATION = %q, want %q", got, want)
	}
	org := prop(t, seminar, ics.ComponentPropertyOrganizer)
	if org.Value != c.Events[0].OrganizerURI || param(org, "CN") != `Women's Centre, 'Sofia'` {
		t.Errorf("ORGANIZER = %q CN %q", org.Value, param(org, "CN"))
	}
	var cats []string
	for _, p := range seminar.GetProperties(ics.ComponentPropertyCategories) {
		cats = append(cats, p.Value)
	}
	if !slices.Equal(cats, c.Events[0].Categories) {
		t.Errorf("CATEGORIES = %q, want %q", cats, c.Events[0].Categories)
	}

	webinar := eventByUID(t, cal, "https://hub.example/events/webinar")
	if got := prop(t, webinar, ics.ComponentPropertyLocation).Value; got != c.Events[3].OnlineURL {
		t.Errorf("online LOCATION = %q, want %q", got, c.Events[3].OnlineURL)
	}
	if got := webinar.GetProperty("CONFERENCE"); got == nil || got.Value != c.Events[3].OnlineURL {
		t.Errorf("CONFERENCE = %+v, want %q", got, c.Events[3].OnlineURL)
	}

	allDay := eventByUID(t, cal, "https://hub.example/events/open-days")
	for p, want := range map[ics.ComponentProperty]string{ics.ComponentPropertyDtStart: "20260921", ics.ComponentPropertyDtEnd: "20260923"} {
		got := prop(t, allDay, p)
		if got.Value != want || param(got, "VALUE") != "DATE" || param(got, "TZID") != "" {
			t.Errorf("all-day %s = %q %v, want %q VALUE=DATE", p, got.Value, got.ICalParameters, want)
		}
	}

	props := map[string]string{}
	for _, p := range cal.CalendarProperties {
		props[p.IANAToken] = p.Value
	}
	for k, want := range map[string]string{"METHOD": "PUBLISH", "PRODID": icalProdID, "VERSION": "2.0", "X-WR-CALNAME": c.Name, "NAME": c.Name, "URL": c.URL} {
		if props[k] != want {
			t.Errorf("calendar %s = %q, want %q", k, props[k], want)
		}
	}
}

// TestICalAllDayEnd checks how End becomes an exclusive DTEND date.
func TestICalAllDayEnd(t *testing.T) {
	sofia := mustZone(t, "Europe/Sofia")
	day := func(d, h int) time.Time { return time.Date(2026, 9, d, h, 0, 0, 0, sofia) }
	tests := []struct {
		name       string
		start, end time.Time
		want       string
	}{
		{"no end", day(21, 0), time.Time{}, "20260922"},
		{"end at midnight is exclusive", day(21, 0), day(23, 0), "20260923"},
		{"end during a day includes it", day(21, 10), day(23, 17), "20260924"},
		{"same instant is one day", day(21, 0), day(21, 0), "20260922"},
	}
	for _, tc := range tests {
		c := &Calendar{Name: "c", Events: []Event{{UID: "u", Title: "t", Start: tc.start, End: tc.end, TimeZone: "Europe/Sofia", AllDay: true, Updated: tc.start}}}
		_, cal := renderCalendar(t, c)
		if got := prop(t, eventByUID(t, cal, "u"), ics.ComponentPropertyDtEnd).Value; got != tc.want {
			t.Errorf("%s: DTEND = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestICalFolding checks the line format: CRLF line ends, lines of at most
// 75 octets that are each valid UTF-8, so that a fold never splits a
// Cyrillic letter, and text that unfolds to what was given.
func TestICalFolding(t *testing.T) {
	c := calendar(t)
	out, cal := renderCalendar(t, c)
	if !bytes.HasSuffix(out, []byte("\r\n")) {
		t.Error("output does not end with CRLF")
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\r\n"), "\r\n")
	folded := 0
	for i, l := range lines {
		if len(l) > 75 {
			t.Errorf("line %d has %d octets: %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d is not valid UTF-8: %q", i+1, l)
		}
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, l)
		}
		if strings.HasPrefix(l, " ") {
			folded++
		}
	}
	if folded < 5 {
		t.Errorf("only %d continuation lines; the long description should fold", folded)
	}
	if got := prop(t, eventByUID(t, cal, c.Events[0].UID), ics.ComponentPropertyDescription).Value; got != longCyrillic {
		t.Errorf("unfolded DESCRIPTION = %q, want %q", got, longCyrillic)
	}

	// Text with CR, CRLF and control characters becomes valid TEXT.
	c = &Calendar{Name: "c", Events: []Event{{UID: "u", Title: "a\r\nb\rc\x00d\x1be", Start: time.Unix(0, 0), Updated: time.Unix(0, 0)}}}
	out, cal = renderCalendar(t, c)
	if got := prop(t, eventByUID(t, cal, "u"), ics.ComponentPropertySummary).Value; got != "a\nb\ncde" {
		t.Errorf("SUMMARY = %q, want %q", got, "a\nb\ncde")
	}
	if bytes.Contains(bytes.ReplaceAll(out, []byte("\r\n"), nil), []byte("\r")) {
		t.Errorf("bare CR in output:\n%q", out)
	}
}

// TestVTimezone checks the generated VTIMEZONEs against Go's time zone
// database at every hour of the years the events span, for zones with the
// EU rule, the US rule, a southern-hemisphere rule, no DST, an irregular
// rule, and DST abolished in the middle of the span.
func TestVTimezone(t *testing.T) {
	tests := []struct {
		zone       string
		from, to   int // years of the first and the last event
		wantRRULEs []string
	}{
		{"Europe/Sofia", 2026, 2027, []string{"FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"}},
		{"America/New_York", 2026, 2026, []string{"FREQ=YEARLY;BYMONTH=11;BYDAY=1SU", "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"}},
		{"Australia/Sydney", 2025, 2027, []string{"FREQ=YEARLY;BYMONTH=10;BYDAY=1SU", "FREQ=YEARLY;BYMONTH=4;BYDAY=1SU"}},
		{"Asia/Tokyo", 2026, 2026, nil},
		{"Africa/Casablanca", 2025, 2026, nil},
		{"Europe/Istanbul", 2014, 2018, nil},
		{"America/Sao_Paulo", 2017, 2020, nil},
	}
	for _, tc := range tests {
		t.Run(tc.zone, func(t *testing.T) {
			loc := mustZone(t, tc.zone)
			c := &Calendar{Name: "c", Events: []Event{
				{UID: "first", Title: "t", Start: time.Date(tc.from, 6, 1, 12, 0, 0, 0, loc), TimeZone: tc.zone, Updated: time.Unix(0, 0)},
				{UID: "last", Title: "t", Start: time.Date(tc.to, 6, 1, 12, 0, 0, 0, loc), TimeZone: tc.zone, Updated: time.Unix(0, 0)},
			}}
			_, cal := renderCalendar(t, c)
			tz := timezones(t, cal)[tc.zone]
			if tz == nil {
				t.Fatalf("no VTIMEZONE %s", tc.zone)
			}
			if tc.wantRRULEs != nil {
				var got []string
				for _, o := range tz.obs {
					if o.rrule != "" {
						got = append(got, o.rrule)
					}
				}
				slices.Sort(got)
				if !slices.Equal(got, tc.wantRRULEs) {
					t.Errorf("RRULEs = %q, want %q", got, tc.wantRRULEs)
				}
			}
			end := time.Date(tc.to+1, 1, 1, 0, 0, 0, 0, time.UTC)
			for at := time.Date(tc.from, 1, 1, 0, 0, 0, 0, time.UTC); at.Before(end); at = at.Add(time.Hour) {
				_, want := at.In(loc).Zone()
				if got, ok := tz.offset(at); !ok || got != want {
					t.Fatalf("offset at %v = %d (covered %v), Go says %d\n%s", at, got, ok, want, tz)
				}
			}
		})
	}
}

// testTZ is a VTIMEZONE read back from the output, evaluated without Go's
// time zone database: the onsets its DTSTARTs and RRULEs produce.
type testTZ struct {
	obs    []testObservance
	onsets []testOnset // sorted by instant
}

type testObservance struct {
	dtstart    string
	from, to   int
	rrule      string
	componentT string
}

type testOnset struct {
	at time.Time
	to int
}

func (tz *testTZ) String() string {
	var b strings.Builder
	for _, o := range tz.obs {
		fmt.Fprintf(&b, "%s %s %d→%d %s\n", o.componentT, o.dtstart, o.from, o.to, o.rrule)
	}
	return b.String()
}

// timezones reads every VTIMEZONE of cal and expands its observances up to
// the year 2035.
func timezones(t *testing.T, cal *ics.Calendar) map[string]*testTZ {
	t.Helper()
	out := map[string]*testTZ{}
	for _, vt := range cal.Timezones() {
		tzid := vt.GetProperty(ics.ComponentPropertyTzid)
		if tzid == nil {
			t.Fatal("VTIMEZONE without TZID")
		}
		tz := &testTZ{}
		for _, sub := range vt.Components {
			var cb *ics.ComponentBase
			kind := ""
			switch s := sub.(type) {
			case *ics.Standard:
				cb, kind = &s.ComponentBase, "STANDARD"
			case *ics.Daylight:
				cb, kind = &s.ComponentBase, "DAYLIGHT"
			default:
				t.Fatalf("unexpected %T in VTIMEZONE", sub)
			}
			get := func(name string) string {
				if p := cb.GetProperty(ics.ComponentProperty(name)); p != nil {
					return p.Value
				}
				return ""
			}
			o := testObservance{
				dtstart:    get("DTSTART"),
				from:       parseOffset(t, get("TZOFFSETFROM")),
				to:         parseOffset(t, get("TZOFFSETTO")),
				rrule:      get("RRULE"),
				componentT: kind,
			}
			tz.obs = append(tz.obs, o)
			tz.onsets = append(tz.onsets, expand(t, o, 2035)...)
		}
		slices.SortFunc(tz.onsets, func(a, b testOnset) int { return a.at.Compare(b.at) })
		out[tzid.Value] = tz
	}
	return out
}

// offset returns the UTC offset in force at the instant at, and false when
// no observance has begun by then.
func (tz *testTZ) offset(at time.Time) (int, bool) {
	off, ok := 0, false
	for _, o := range tz.onsets {
		if o.at.After(at) {
			break
		}
		off, ok = o.to, true
	}
	return off, ok
}

// resolve turns a wall-clock DATE-TIME into an instant with the VTIMEZONE,
// taking the first occurrence of a time that occurs twice (RFC 5545).
func (tz *testTZ) resolve(t *testing.T, value string) time.Time {
	t.Helper()
	wall, err := time.ParseInLocation(icalLocal, value, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	var best time.Time
	for _, o := range tz.obs {
		at := wall.Add(-time.Duration(o.to) * time.Second)
		if off, ok := tz.offset(at); ok && off == o.to && (best.IsZero() || at.Before(best)) {
			best = at
		}
	}
	if best.IsZero() {
		t.Fatalf("%s does not exist in the VTIMEZONE", value)
	}
	return best
}

// expand returns the onsets of one observance until the year last. It
// understands the RRULEs the renderer writes: FREQ=YEARLY with BYMONTH and
// either BYDAY (-1SU, 2SU…) or BYMONTHDAY, and an optional UNTIL.
func expand(t *testing.T, o testObservance, last int) []testOnset {
	t.Helper()
	wall, err := time.ParseInLocation(icalLocal, o.dtstart, time.UTC)
	if err != nil {
		t.Fatalf("DTSTART %q: %v", o.dtstart, err)
	}
	at := func(w time.Time) time.Time { return w.Add(-time.Duration(o.from) * time.Second) }
	if o.rrule == "" {
		return []testOnset{{at(wall), o.to}}
	}
	parts := map[string]string{}
	for _, p := range strings.Split(o.rrule, ";") {
		k, v, _ := strings.Cut(p, "=")
		parts[k] = v
	}
	if parts["FREQ"] != "YEARLY" {
		t.Fatalf("RRULE %q is not yearly", o.rrule)
	}
	month, err := strconv.Atoi(parts["BYMONTH"])
	if err != nil {
		t.Fatalf("RRULE %q: BYMONTH: %v", o.rrule, err)
	}
	var until time.Time
	if u := parts["UNTIL"]; u != "" {
		if until, err = time.Parse(icalUTC, u); err != nil {
			t.Fatalf("RRULE %q: UNTIL: %v", o.rrule, err)
		}
	}
	var out []testOnset
	for y := wall.Year(); y <= last; y++ {
		var day int
		switch {
		case parts["BYMONTHDAY"] != "":
			day, _ = strconv.Atoi(parts["BYMONTHDAY"])
		case parts["BYDAY"] != "":
			byday := parts["BYDAY"]
			n, err := strconv.Atoi(byday[:len(byday)-2])
			if err != nil {
				t.Fatalf("RRULE %q: BYDAY: %v", o.rrule, err)
			}
			wd := slices.Index(icalWeekdays[:], byday[len(byday)-2:])
			dim := time.Date(y, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
			var days []int
			for d := 1; d <= dim; d++ {
				if int(time.Date(y, time.Month(month), d, 0, 0, 0, 0, time.UTC).Weekday()) == wd {
					days = append(days, d)
				}
			}
			if n < 0 {
				day = days[len(days)+n]
			} else {
				day = days[n-1]
			}
		default:
			t.Fatalf("RRULE %q has neither BYDAY nor BYMONTHDAY", o.rrule)
		}
		w := time.Date(y, time.Month(month), day, wall.Hour(), wall.Minute(), wall.Second(), 0, time.UTC)
		if !until.IsZero() && at(w).After(until) {
			break
		}
		out = append(out, testOnset{at(w), o.to})
	}
	if len(out) == 0 || !out[0].at.Equal(at(wall)) {
		t.Errorf("RRULE %q does not produce its DTSTART %s", o.rrule, o.dtstart)
	}
	return out
}

func parseOffset(t *testing.T, s string) int {
	t.Helper()
	if len(s) != 5 && len(s) != 7 {
		t.Fatalf("bad UTC offset %q", s)
	}
	n := func(i int) int {
		v, err := strconv.Atoi(s[i : i+2])
		if err != nil {
			t.Fatalf("bad UTC offset %q", s)
		}
		return v
	}
	sec := n(1)*3600 + n(3)*60
	if len(s) == 7 {
		sec += n(5)
	}
	if s[0] == '-' {
		sec = -sec
	}
	return sec
}

// TestICalZonesUsed checks that the calendar has a VTIMEZONE for exactly
// the zones its TZIDs name.
func TestICalZonesUsed(t *testing.T) {
	out, cal := renderCalendar(t, calendar(t))
	var defined []string
	for _, vt := range cal.Timezones() {
		defined = append(defined, vt.GetProperty(ics.ComponentPropertyTzid).Value)
	}
	used := map[string]bool{}
	for _, l := range strings.Split(string(out), "\r\n") {
		if _, rest, ok := strings.Cut(l, ";TZID="); ok {
			tzid, _, _ := strings.Cut(rest, ":")
			used[tzid] = true
		}
	}
	var usedList []string
	for z := range used {
		usedList = append(usedList, z)
	}
	slices.Sort(usedList)
	if !slices.Equal(defined, usedList) {
		t.Errorf("VTIMEZONEs %q, TZIDs used %q", defined, usedList)
	}
}

// TestAmbiguous checks which wall-clock times are written in UTC.
func TestAmbiguous(t *testing.T) {
	sofia := mustZone(t, "Europe/Sofia")
	tests := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"first 03:30 of the night clocks go back", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), true},
		{"second 03:30 of that night", time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), true},
		{"02:59 that night", time.Date(2026, 10, 24, 23, 59, 0, 0, time.UTC), false},
		{"04:00 that night", time.Date(2026, 10, 25, 2, 0, 0, 0, time.UTC), false},
		{"the night clocks go forward", time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), false},
		{"an ordinary evening", time.Date(2026, 7, 15, 15, 0, 0, 0, time.UTC), false},
	}
	for _, tc := range tests {
		if got := ambiguous(tc.at.In(sofia)); got != tc.want {
			t.Errorf("%s (%s): ambiguous = %v, want %v", tc.name, tc.at.In(sofia).Format(time.DateTime+" MST"), got, tc.want)
		}
	}
}

// FuzzICalText puts arbitrary text into every text property and checks that
// golang-ical reads the output back, that every line is at most 75 octets
// of valid UTF-8, and that the title and description come back as given,
// less the characters iCalendar cannot carry.
func FuzzICalText(f *testing.F) {
	for _, s := range []string{"", "plain", longCyrillic, "a,b;c\\d\ne", "\r\n\x00\x1b\x7f", "\xff\xfe", strings.Repeat("щ", 100), strings.Repeat("a ", 60), `"quoted", 'single'`, strings.Repeat("😀", 30)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := &Calendar{Name: "n" + s, Lang: "bg", URL: "https://x.example/", Events: []Event{{
			UID: "u" + s, URL: "https://x.example/e", Title: "t" + s, DescriptionText: s,
			Start: time.Date(2026, 7, 15, 15, 0, 0, 0, time.UTC), TimeZone: "Europe/Sofia",
			Location: s, Address: s, OnlineURL: "https://x.example/o", Organizer: s, OrganizerURI: "mailto:a@x.example",
			Updated: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), Categories: []string{s, "c" + s},
		}}}
		out, cal := renderCalendar(t, c)
		for i, l := range strings.Split(strings.TrimSuffix(string(out), "\r\n"), "\r\n") {
			if len(l) > 75 || !utf8.ValidString(l) || strings.ContainsAny(l, "\r\n") {
				t.Fatalf("line %d: %q", i+1, l)
			}
		}
		e := eventByUID(t, cal, icsText("u"+s))
		if got, want := prop(t, e, ics.ComponentPropertySummary).Value, icsText("t"+s); got != want {
			t.Errorf("SUMMARY = %q, want %q", got, want)
		}
		if d := e.GetProperty(ics.ComponentPropertyDescription); icsText(s) != "" && (d == nil || d.Value != icsText(s)) {
			t.Errorf("DESCRIPTION = %+v, want %q", d, icsText(s))
		}
	})
}
