package feeds

import (
	"fmt"
	"slices"
	"time"

	ics "github.com/arran4/golang-ical"
)

// maxOnsets bounds the transitions read for one VTIMEZONE, so that a
// strange zone or absurd dates cannot make a calendar grow without limit.
// It covers about 250 years of a zone with daylight saving time; times in
// one zone further apart than that get a VTIMEZONE that stops early.
const maxOnsets = 500

// onset is one change of a zone's offset: from the instant at, wall clocks
// show offset to (seconds east of UTC) and the abbreviation name, after
// showing offset from. A zero at means "since the zone began".
type onset struct {
	at       time.Time
	from, to int
	name     string
	dst      bool
}

// observance is one STANDARD or DAYLIGHT sub-component: an onset and the
// yearly rule that repeats it, if any.
type observance struct {
	onset
	rrule string
}

// vtimezone builds the VTIMEZONE of the zone z describes. It reads the
// zone's transitions from Go's time zone database, from the year before the
// first time written in it to the year after the last, and writes the
// onsets that follow a yearly rule, such as the EU's "last Sunday of March
// at 01:00 UTC", as one observance with an RRULE and any other onset as an
// observance of its own.
func vtimezone(name string, z *zoneUse) *ics.VTimezone {
	from := time.Date(z.from.In(z.loc).Year()-1, time.January, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(z.to.In(z.loc).Year()+2, time.January, 1, 0, 0, 0, 0, time.UTC)
	tz := ics.NewTimezone(name)
	for _, o := range observances(onsets(z.loc, from, to), to.Year()-1) {
		var cb *ics.ComponentBase
		if o.dst {
			d := &ics.Daylight{}
			tz.Components = append(tz.Components, d)
			cb = &d.ComponentBase
		} else {
			cb = &tz.AddStandard().ComponentBase
		}
		start := icalFloating
		if !o.at.IsZero() {
			start = o.wall().Format(icalLocal)
		}
		cb.AddProperty(ics.ComponentPropertyDtStart, start)
		cb.AddProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), utcOffset(o.from))
		cb.AddProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), utcOffset(o.to))
		if o.name != "" {
			cb.AddProperty(ics.ComponentProperty(ics.PropertyTzname), o.name)
		}
		if o.rrule != "" {
			cb.AddProperty(ics.ComponentPropertyRrule, o.rrule)
		}
	}
	return tz
}

// onsets returns the onset in force at from and every onset after it until
// to.
func onsets(loc *time.Location, from, to time.Time) []onset {
	t := from.In(loc)
	start, end := t.ZoneBounds()
	first := onsetAt(t)
	first.at = start
	if start.IsZero() {
		first.from = first.to
	} else {
		_, first.from = start.Add(-time.Second).Zone()
	}
	list := []onset{first}
	for len(list) < maxOnsets && !end.IsZero() && end.Before(to) {
		t = end
		o := onsetAt(t)
		if last := list[len(list)-1]; o.to != last.to || o.name != last.name || o.dst != last.dst {
			list = append(list, o)
		}
		if _, end = t.ZoneBounds(); !end.IsZero() && !end.After(t) {
			break
		}
	}
	return list
}

// onsetAt returns the onset of the zone in force at t, with at set to t.
func onsetAt(t time.Time) onset {
	name, off := t.Zone()
	_, before := t.Add(-time.Second).Zone()
	return onset{at: t, from: before, to: off, name: name, dst: t.IsDST()}
}

// wall returns the onset's instant on the wall clock in use just before it,
// which is how VTIMEZONE writes DTSTART.
func (o onset) wall() time.Time {
	return o.at.In(time.FixedZone("", o.from))
}

// observances groups onsets that repeat every year on the same rule, with
// the same offsets and name, into one observance with an RRULE; the rest
// stay single. A rule whose last onset falls before lastYear ends with
// UNTIL. The result is sorted by onset.
func observances(list []onset, lastYear int) []observance {
	type key struct {
		from, to int
		name     string
		dst      bool
		month    time.Month
		clock    string
	}
	var keys []key
	groups := map[key][]onset{}
	var out []observance
	for _, o := range list {
		if o.at.IsZero() {
			out = append(out, observance{onset: o})
			continue
		}
		w := o.wall()
		k := key{o.from, o.to, o.name, o.dst, w.Month(), w.Format("150405")}
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], o)
	}
	for _, k := range keys {
		g := groups[k]
		rule := yearlyRule(g)
		if rule == "" {
			for _, o := range g {
				out = append(out, observance{onset: o})
			}
			continue
		}
		last := g[len(g)-1]
		if last.wall().Year() < lastYear {
			rule += ";UNTIL=" + last.at.UTC().Format(icalUTC)
		}
		out = append(out, observance{onset: g[0], rrule: rule})
	}
	slices.SortFunc(out, func(a, b observance) int { return a.at.Compare(b.at) })
	return out
}

var icalWeekdays = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// yearlyRule returns the RRULE that produces exactly the onsets of g, which
// share month and time of day, or "" when there is none: they must fall in
// consecutive years, on the last or the nth given weekday of the month, or
// on one day of the month.
func yearlyRule(g []onset) string {
	if len(g) < 2 {
		return ""
	}
	first := g[0].wall()
	sameWeekday, sameDay, allLast, sameNth := true, true, true, true
	for i, o := range g {
		w := o.wall()
		if i > 0 && w.Year() != g[i-1].wall().Year()+1 {
			return ""
		}
		daysInMonth := time.Date(w.Year(), w.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
		sameWeekday = sameWeekday && w.Weekday() == first.Weekday()
		sameDay = sameDay && w.Day() == first.Day()
		allLast = allLast && w.Day() > daysInMonth-7
		sameNth = sameNth && (w.Day()-1)/7 == (first.Day()-1)/7
	}
	month := fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d", first.Month())
	switch {
	case sameWeekday && allLast:
		return month + ";BYDAY=-1" + icalWeekdays[first.Weekday()]
	case sameWeekday && sameNth:
		return fmt.Sprintf("%s;BYDAY=%d%s", month, (first.Day()-1)/7+1, icalWeekdays[first.Weekday()])
	case sameDay:
		return fmt.Sprintf("%s;BYMONTHDAY=%d", month, first.Day())
	}
	return ""
}

// utcOffset formats an offset in seconds east of UTC as ±hhmm, or ±hhmmss
// when it has seconds.
func utcOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	s := fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec/60%60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}
