package scheduler_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/scheduler"
	"github.com/quotabot/quotabot/store"
)

// schedules returns the daily and monthly schedules New was given, parsed
// from the specs as the config parses them.
func schedules(t *testing.T, loc *time.Location, dailySpec, monthlySpec string) (cron.Schedule, cron.Schedule) {
	t.Helper()
	l, err := store.Open("", store.Options{Location: loc, InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	opts := scheduler.Options{Channel: channel}
	opts.Daily, opts.Monthly = specs(t, dailySpec, monthlySpec)
	s, err := scheduler.New(l, apiOf(newFake(t)), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s.Schedules()
}

// next lists the n firings after from.
func next(s cron.Schedule, from time.Time, n int) []string {
	var out []string
	for t := from; len(out) < n; {
		t = s.Next(t)
		out = append(out, t.Format("2006-01-02 15:04 MST"))
	}
	return out
}

// The specs as cron runs them, on fixed dates: robfig/cron v3.0.1 has no
// clock to inject, so Schedule.Next is what can be tested.
func TestScheduleNext(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	berlin := testutil.MustLoadLocation(t, "Europe/Berlin")
	for _, tc := range []struct {
		name    string
		loc     *time.Location
		daily   string
		monthly string
		from    time.Time
		wantD   []string
		wantM   []string
	}{
		{
			name: "defaults, spring forward in New York", loc: ny, from: date(ny, 2026, 3, 7, 12, 0),
			wantD: []string{"2026-03-08 00:00 EST", "2026-03-09 00:00 EDT", "2026-03-10 00:00 EDT"},
			wantM: []string{"2026-04-01 09:00 EDT", "2026-05-01 09:00 EDT", "2026-06-01 09:00 EDT"},
		},
		{
			name: "defaults, fall back in New York", loc: ny, from: date(ny, 2026, 10, 31, 12, 0),
			wantD: []string{"2026-11-01 00:00 EDT", "2026-11-02 00:00 EST", "2026-11-03 00:00 EST"},
			wantM: []string{"2026-11-01 09:00 EST", "2026-12-01 09:00 EST", "2027-01-01 09:00 EST"},
		},
		{
			// The trap: 02:30 does not exist on 8 March, and cron skips
			// the day (catch-up posts it at the next firing).
			name: "02:30 on a spring-forward day is skipped", loc: ny, daily: "30 2 * * *", from: date(ny, 2026, 3, 7, 12, 0),
			wantD: []string{"2026-03-09 02:30 EDT", "2026-03-10 02:30 EDT", "2026-03-11 02:30 EDT"},
			wantM: []string{"2026-04-01 09:00 EDT", "2026-05-01 09:00 EDT", "2026-06-01 09:00 EDT"},
		},
		{
			// The other trap: 01:30 happens twice on 1 November, and cron
			// fires twice (the outbox posts once).
			name: "01:30 on a fall-back day runs twice", loc: ny, daily: "30 1 * * *", monthly: "@monthly", from: date(ny, 2026, 10, 31, 12, 0),
			wantD: []string{"2026-11-01 01:30 EDT", "2026-11-01 01:30 EST", "2026-11-02 01:30 EST"},
			wantM: []string{"2026-11-01 00:00 EDT", "2026-12-01 00:00 EST", "2027-01-01 00:00 EST"},
		},
		{
			name: "Berlin spring forward", loc: berlin, daily: "@daily", from: date(berlin, 2026, 3, 28, 12, 0),
			wantD: []string{"2026-03-29 00:00 CET", "2026-03-30 00:00 CEST", "2026-03-31 00:00 CEST"},
			wantM: []string{"2026-04-01 09:00 CEST", "2026-05-01 09:00 CEST", "2026-06-01 09:00 CEST"},
		},
		{
			name: "Berlin fall back, leap day, New Year", loc: berlin, daily: "0 6 * * *", monthly: "0 0 1 * *", from: date(berlin, 2026, 10, 24, 12, 0),
			wantD: []string{"2026-10-25 06:00 CET", "2026-10-26 06:00 CET", "2026-10-27 06:00 CET"},
			wantM: []string{"2026-11-01 00:00 CET", "2026-12-01 00:00 CET", "2027-01-01 00:00 CET"},
		},
		{
			name: "29 February", loc: time.UTC, daily: "0 0 29 2 *", monthly: "@yearly", from: date(time.UTC, 2026, 6, 1, 0, 0),
			wantD: []string{"2028-02-29 00:00 UTC", "2032-02-29 00:00 UTC", "2036-02-29 00:00 UTC"},
			wantM: []string{"2027-01-01 00:00 UTC", "2028-01-01 00:00 UTC", "2029-01-01 00:00 UTC"},
		},
		{
			name: "@every counts real time across the change", loc: ny, daily: "@every 12h", from: date(ny, 2026, 3, 7, 18, 0),
			wantD: []string{"2026-03-08 07:00 EDT", "2026-03-08 19:00 EDT", "2026-03-09 07:00 EDT"},
			wantM: []string{"2026-04-01 09:00 EDT", "2026-05-01 09:00 EDT", "2026-06-01 09:00 EDT"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, m := schedules(t, tc.loc, tc.daily, tc.monthly)
			if got := next(d, tc.from, 3); !slices.Equal(got, tc.wantD) {
				t.Errorf("daily fires at %q, want %q", got, tc.wantD)
			}
			if got := next(m, tc.from, 3); !slices.Equal(got, tc.wantM) {
				t.Errorf("monthly fires at %q, want %q", got, tc.wantM)
			}
		})
	}
}

// DueAt is when a period's post falls due: the wall time the spec names,
// even on a day cron skips it.
func TestDueAt(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	for _, tc := range []struct {
		name, spec string
		window     quota.Window
		in         time.Time // a time in the period
		want       string
	}{
		{"midnight after an ordinary day", "0 0 * * *", quota.Day, date(ny, 2026, 11, 26, 12, 0), "2026-11-27 00:00 EST"},
		{"02:30 moves past the spring-forward gap", "30 2 * * *", quota.Day, date(ny, 2026, 3, 7, 12, 0), "2026-03-08 03:30 EDT"},
		{"02:30 the day after", "30 2 * * *", quota.Day, date(ny, 2026, 3, 8, 12, 0), "2026-03-09 02:30 EDT"},
		{"01:30 on the fall-back day is the first one", "30 1 * * *", quota.Day, date(ny, 2026, 10, 31, 12, 0), "2026-11-01 01:30 EDT"},
		{"09:00 on the 1st, the fall-back day", "0 9 1 * *", quota.Month, date(ny, 2026, 10, 15, 12, 0), "2026-11-01 09:00 EST"},
		{"February in a leap year", "0 9 1 * *", quota.Month, date(ny, 2028, 2, 29, 23, 0), "2028-03-01 09:00 EST"},
		{"New Year", "0 0 * * *", quota.Day, date(ny, 2026, 12, 31, 23, 59), "2027-01-01 00:00 EST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, m := schedules(t, ny, tc.spec, tc.spec)
			s := d
			if tc.window == quota.Month {
				s = m
			}
			got := scheduler.DueAt(s, tc.window.Period(tc.in, ny)).Format("2006-01-02 15:04 MST")
			if got != tc.want {
				t.Errorf("due at %s, want %s", got, tc.want)
			}
		})
	}
}

func TestNewRefusesMissingOptions(t *testing.T) {
	t.Parallel()
	l, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	api := apiOf(newFake(t))
	// Bad specs are the config's to refuse (config.ParseSchedule).
	d, m := specs(t, "", "")
	for _, tc := range []struct {
		name string
		opts scheduler.Options
		want string
	}{
		{"no channel", scheduler.Options{Daily: d, Monthly: m}, "channel"},
		{"no daily schedule", scheduler.Options{Channel: channel, Monthly: m}, "schedule.daily"},
		{"no monthly schedule", scheduler.Options{Channel: channel, Daily: d}, "schedule.monthly"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := scheduler.New(l, api, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}
