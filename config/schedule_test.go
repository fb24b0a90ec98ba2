package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/quotabot/quotabot/config"
)

func TestParseSchedule(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		spec, after, want string
	}{
		{"0 0 * * *", "2026-11-26 13:00", "2026-11-27 00:00"},
		{"0 9 1 * *", "2026-11-15 12:00", "2026-12-01 09:00"},
		{"0 9 1 * *", "2026-12-01 09:00", "2027-01-01 09:00"},
		{"30 17 * * 1-5", "2026-11-27 18:00", "2026-11-30 17:30"}, // Friday evening to Monday
		{"@daily", "2026-11-01 00:30", "2026-11-02 00:00"},        // the day the clocks go back
		{"@monthly", "2026-02-10 00:00", "2026-03-01 00:00"},
		{"@every 1h", "2026-11-26 13:00", "2026-11-26 14:00"},
		{"  0 0 * * *  ", "2026-11-26 13:00", "2026-11-27 00:00"},
		{"0 0 29 2 *", "2026-01-01 00:00", "2028-02-29 00:00"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			t.Parallel()
			s, err := config.ParseSchedule(tc.spec)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			// The schedule works in the zone of the time it is given.
			if got, want := s.Next(at(tc.after)), at(tc.want); !got.Equal(want) || got.Location() != ny {
				t.Errorf("next after %s: got %v, want %v", tc.after, got, want)
			}
		})
	}
}

func TestParseScheduleRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		spec, want string
	}{
		{"", "empty schedule"},
		{"   ", "empty schedule"},
		{"0 0 * *", "expected exactly 5 fields, found 4"},
		{"0 0 0 * * *", "expected exactly 5 fields, found 6"},
		{"61 * * * *", "not a valid schedule"},
		{"* * * * mon-xyz", "not a valid schedule"},
		{"@hourly please", "not a valid schedule"},
		{"@every", "not a valid schedule"},
		{"@every soon", "not a valid schedule"},
		{"@every 30s", "at least 1m"},
		{"@every -1h", "at least 1m"},
		{"0 0 31 4 *", "never fires"},
		// robfig/cron v3.0.1 panics on these: a TZ= with no space after it.
		{"TZ=", "prefix is not allowed"},
		{"CRON_TZ=UTC", "prefix is not allowed"},
		{"TZ=Europe/Berlin 0 0 * * *", "schedules run in the time zone set by `timezone`"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			t.Parallel()
			s, err := config.ParseSchedule(tc.spec)
			if err == nil {
				t.Fatalf("got %v, want an error", s)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

// FuzzParseSchedule checks that no spec makes ParseSchedule panic, and that
// what it accepts fires.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"0 0 * * *", "0 9 1 * *", "@every 1h", "@daily", "TZ=UTC 0 0 * * *", "*/5 1-3 1,15 JAN-MAR MON", "0 0 30 2 *"} {
		f.Add(s)
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := config.ParseSchedule(spec)
		if err != nil {
			return
		}
		// Every spec repeats within four years (29 February being the
		// rarest date), well inside the five years Next looks ahead.
		if s.Next(from).IsZero() {
			t.Errorf("%q accepted, but it does not fire after %v", spec, from)
		}
	})
}
