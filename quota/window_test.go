package quota_test

import (
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
)

func TestPeriods(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	berlin := testutil.MustLoadLocation(t, "Europe/Berlin")
	lordHowe := testutil.MustLoadLocation(t, "Australia/Lord_Howe") // shifts by 30 minutes
	kolkata := testutil.MustLoadLocation(t, "Asia/Kolkata")
	samoa := testutil.MustLoadLocation(t, "Pacific/Apia")
	for _, tc := range []struct {
		name      string
		loc       *time.Location
		at        time.Time
		w         quota.Window
		key       string
		start     string // RFC 3339 in loc
		end       string
		hoursLong float64
	}{
		{"plain day", time.UTC, time.Date(2026, 11, 26, 15, 4, 5, 0, time.UTC), quota.Day, "2026-11-26", "2026-11-26T00:00:00Z", "2026-11-27T00:00:00Z", 24},
		{"spring forward NY is 23h", ny, time.Date(2026, 3, 8, 12, 0, 0, 0, ny), quota.Day, "2026-03-08", "2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", 23},
		{"fall back NY is 25h", ny, time.Date(2026, 11, 1, 1, 30, 0, 0, ny), quota.Day, "2026-11-01", "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", 25},
		{"second 01:30 of fall back", ny, time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), quota.Day, "2026-11-01", "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", 25},
		{"Berlin spring forward", berlin, time.Date(2026, 3, 29, 3, 30, 0, 0, berlin), quota.Day, "2026-03-29", "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 23},
		{"Lord Howe spring forward is 23.5h", lordHowe, time.Date(2026, 10, 4, 12, 0, 0, 0, lordHowe), quota.Day, "2026-10-04", "2026-10-04T00:00:00+10:30", "2026-10-05T00:00:00+11:00", 23.5},
		{"Lord Howe fall back is 24.5h", lordHowe, time.Date(2026, 4, 5, 12, 0, 0, 0, lordHowe), quota.Day, "2026-04-05", "2026-04-05T00:00:00+11:00", "2026-04-06T00:00:00+10:30", 24.5},
		{"Kolkata half hour offset", kolkata, time.Date(2026, 11, 26, 18, 45, 0, 0, time.UTC), quota.Day, "2026-11-27", "2026-11-27T00:00:00+05:30", "2026-11-28T00:00:00+05:30", 24},
		{"last second of the month UTC", time.UTC, time.Date(2026, 11, 30, 23, 59, 59, 999999999, time.UTC), quota.Month, "2026-11", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", 720},
		{"first instant of the month", time.UTC, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), quota.Month, "2026-12", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z", 744},
		{"month with a fall back", ny, time.Date(2026, 11, 15, 0, 0, 0, 0, ny), quota.Month, "2026-11", "2026-11-01T00:00:00-04:00", "2026-12-01T00:00:00-05:00", 721},
		{"29 February", time.UTC, time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC), quota.Day, "2028-02-29", "2028-02-29T00:00:00Z", "2028-03-01T00:00:00Z", 24},
		{"February of a leap year", time.UTC, time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC), quota.Month, "2028-02", "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z", 29 * 24},
		{"New Year's Eve", berlin, time.Date(2026, 12, 31, 23, 59, 59, 0, berlin), quota.Day, "2026-12-31", "2026-12-31T00:00:00+01:00", "2027-01-01T00:00:00+01:00", 24},
		{"UTC instant already next year in Berlin", berlin, time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), quota.Month, "2027-01", "2027-01-01T00:00:00+01:00", "2027-02-01T00:00:00+01:00", 744},
		{"ISO week, Monday", time.UTC, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), quota.Week, "2026-W48", "2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z", 168},
		{"ISO week, Sunday night", time.UTC, time.Date(2026, 11, 29, 23, 59, 0, 0, time.UTC), quota.Week, "2026-W48", "2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z", 168},
		{"ISO week across the year", time.UTC, time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC), quota.Week, "2026-W53", "2026-12-28T00:00:00Z", "2027-01-04T00:00:00Z", 168},
		{"week with spring forward", berlin, time.Date(2026, 3, 27, 12, 0, 0, 0, berlin), quota.Week, "2026-W13", "2026-03-23T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 167},
		{"Samoa skipped 30 Dec 2011", samoa, time.Date(2011, 12, 31, 12, 0, 0, 0, samoa), quota.Day, "2011-12-31", "2011-12-31T00:00:00+14:00", "2012-01-01T00:00:00+14:00", 24},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := tc.w.Period(tc.at, tc.loc)
			if got := p.Key(); got != tc.key {
				t.Errorf("key: got %s, want %s", got, tc.key)
			}
			if got := p.Start.Format(time.RFC3339); got != tc.start {
				t.Errorf("start: got %s, want %s", got, tc.start)
			}
			if got := p.End().Format(time.RFC3339); got != tc.end {
				t.Errorf("end: got %s, want %s", got, tc.end)
			}
			if got := p.End().Sub(p.Start).Hours(); got != tc.hoursLong {
				t.Errorf("length: got %vh, want %vh", got, tc.hoursLong)
			}
			if !p.Contains(tc.at) {
				t.Errorf("period %s does not contain %v", p.Key(), tc.at)
			}
			if next := p.Next(); !next.Start.Equal(p.End()) || next.Prev().Key() != p.Key() {
				t.Errorf("next %s / prev of next %s do not meet %s", next.Key(), next.Prev().Key(), p.Key())
			}
		})
	}
}

// TestPeriodsTile walks a year hour by hour in zones with odd shifts:
// consecutive periods must meet exactly, with no instant in two periods and
// none in no period, so nothing double-counts or drops across a change.
func TestPeriodsTile(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago", "Asia/Tehran"} {
		loc := testutil.MustLoadLocation(t, name)
		for _, w := range quota.Windows {
			t.Run(name+"/"+w.String(), func(t *testing.T) {
				t.Parallel()
				at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
				p := w.Period(at, loc)
				for at.Year() < 2027 {
					got := w.Period(at, loc)
					if got.Key() != p.Key() {
						if !got.Start.Equal(p.End()) {
							t.Fatalf("at %v: period %s starts %v, previous %s ended %v", at, got.Key(), got.Start, p.Key(), p.End())
						}
						p = got
					}
					if !p.Contains(at) {
						t.Fatalf("period %s [%v, %v) does not contain %v", p.Key(), p.Start, p.End(), at)
					}
					at = at.Add(30 * time.Minute)
				}
			})
		}
	}
}

func TestParseWindow(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"day", "week", "month"} {
		w, err := quota.ParseWindow(s)
		if err != nil || w.String() != s {
			t.Errorf("ParseWindow(%q): got %v, %v", s, w, err)
		}
	}
	if _, err := quota.ParseWindow("year"); err == nil {
		t.Error("ParseWindow(year): no error")
	}
}

func TestMidnightSkipped(t *testing.T) {
	t.Parallel()
	// Santiago's clocks went from 00:00 to 01:00 on 6 September 2026.
	loc := testutil.MustLoadLocation(t, "America/Santiago")
	p := quota.Day.Period(time.Date(2026, 9, 6, 12, 0, 0, 0, loc), loc)
	if got, want := p.Start.Format(time.RFC3339), "2026-09-06T01:00:00-03:00"; got != want {
		t.Errorf("start: got %s, want %s", got, want)
	}
	if got := p.Prev().End(); !got.Equal(p.Start) {
		t.Errorf("previous day ends %v, want %v", got, p.Start)
	}
}
