package quota

import (
	"fmt"
	"time"
)

// Window is a calendar window a limit applies to.
type Window int

// The windows, shortest first; that is also the order they are shown in.
const (
	Day Window = iota + 1
	Week
	Month
)

// Windows lists every window, shortest first.
var Windows = []Window{Day, Week, Month}

// ParseWindow turns "day", "week" or "month" into a Window.
func ParseWindow(s string) (Window, error) {
	for _, w := range Windows {
		if w.String() == s {
			return w, nil
		}
	}
	return 0, fmt.Errorf("%w %q: want day, week or month", ErrUnknownWindow, s)
}

func (w Window) String() string {
	switch w {
	case Day:
		return "day"
	case Week:
		return "week"
	case Month:
		return "month"
	}
	return fmt.Sprintf("Window(%d)", int(w))
}

// Adverb is how the window reads after a number: "a day", "this month".
func (w Window) Adverb() string {
	switch w {
	case Day:
		return "today"
	case Week:
		return "this week"
	case Month:
		return "this month"
	}
	return w.String()
}

// Period returns the period of w that contains t, in loc.
func (w Window) Period(t time.Time, loc *time.Location) Period {
	t = t.In(loc)
	y, m, d := t.Date()
	switch w {
	case Day:
	case Week:
		// ISO weeks start on Monday; time.Weekday has Sunday as 0.
		back := (int(t.Weekday()) + 6) % 7
		d -= back
	case Month:
		d = 1
	default:
		panic(fmt.Sprintf("quota: period of unknown window %d", int(w)))
	}
	return Period{Window: w, Start: midnight(y, m, d, loc)}
}

// midnight returns the first instant of the local day y-m-d (d may overflow;
// it is normalised). Where the clocks skip midnight itself (Santiago springs
// from 00:00 to 01:00), time.Date answers with an instant of the day before,
// so the day then starts at the transition instead.
func midnight(y int, m time.Month, d int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	wy, wm, wd := time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Date()
	if gy, gm, gd := t.Date(); gy == wy && gm == wm && gd == wd {
		return t
	}
	_, end := t.ZoneBounds()
	return end
}

// Period is one concrete window: a given day, ISO week or month.
type Period struct {
	Window Window
	// Start is the first instant of the period, in the ledger's location.
	Start time.Time
}

// End returns the first instant after the period, which is when it resets.
// It is computed on the calendar, so a day is 23 or 25 hours long across a
// daylight-saving change.
func (p Period) End() time.Time {
	y, m, d := p.Start.Date()
	loc := p.Start.Location()
	switch p.Window {
	case Day:
		d++
	case Week:
		d += 7
	case Month:
		m++
	}
	return midnight(y, m, d, loc)
}

// Next returns the period after p.
func (p Period) Next() Period { return p.Window.Period(p.End(), p.Start.Location()) }

// Prev returns the period before p.
func (p Period) Prev() Period {
	// An hour before the start is inside the previous period however long
	// that period's last day was.
	return p.Window.Period(p.Start.Add(-time.Hour), p.Start.Location())
}

// Contains reports whether t falls inside p.
func (p Period) Contains(t time.Time) bool {
	return !t.Before(p.Start) && t.Before(p.End())
}

// Key is a short, sortable, zone-independent name of the period, used in
// storage keys and outbox records: "2026-11-26", "2026-W48", "2026-11".
func (p Period) Key() string {
	switch p.Window {
	case Day:
		return p.Start.Format("2006-01-02")
	case Week:
		y, w := p.Start.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	case Month:
		return p.Start.Format("2006-01")
	}
	return ""
}

// String reads well in a message: "Thu 26 Nov 2026", "week 48 of 2026",
// "November 2026".
func (p Period) String() string {
	switch p.Window {
	case Day:
		return p.Start.Format("Mon 2 Jan 2006")
	case Week:
		y, w := p.Start.ISOWeek()
		return fmt.Sprintf("week %d of %d", w, y)
	case Month:
		return p.Start.Format("January 2006")
	}
	return p.Key()
}
