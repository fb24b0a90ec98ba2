package blockkit

import (
	"testing"
	"time"

	"github.com/quotabot/quotabot/quota"
)

func TestBar(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		used, max int
		want      string
	}{
		{0, 100, "░░░░░░░░░░"},
		{1, 100, "▓░░░░░░░░░"},   // any use shows
		{60, 100, "▓▓▓▓▓▓░░░░"},  // the README's example
		{99, 100, "▓▓▓▓▓▓▓▓▓░"},  // full only when nothing is left
		{100, 100, "▓▓▓▓▓▓▓▓▓▓"}, // reached
		{250, 100, "▓▓▓▓▓▓▓▓▓▓"}, // over
		{140, 1500, "▓░░░░░░░░░"},
		{0, 0, "▓▓▓▓▓▓▓▓▓▓"}, // a zero limit has nothing to give
	} {
		w := quota.WindowUsage{Limit: quota.Limit{Window: quota.Day, Max: tc.max}, Used: tc.used}
		if got := bar(w); got != tc.want {
			t.Errorf("bar(%d/%d): got %s, want %s", tc.used, tc.max, got, tc.want)
		}
	}
}

// TestWarningsDST: on the day clocks fall back the day is 25 hours, and the
// reset shown is still the next local midnight.
func TestWarningsDST(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, loc) // fall back at 02:00
	w := quota.WindowUsage{Limit: quota.Limit{Window: quota.Day, Max: 100}, Period: quota.Day.Period(now, loc), Used: 105}
	ws := warnings(quota.KindUsage{Kind: quota.Message, Windows: []quota.WindowUsage{w}})
	if len(ws) != 1 || ws[0].text != "Over today's message limit by 5: none left until Mon 2 Nov 00:00 EST." {
		t.Errorf("got %+v", ws)
	}
}

func TestSpanWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		span      time.Duration
		last, adj string
	}{
		{time.Hour, "the last hour", "1-hour"},
		{24 * time.Hour, "the last 24 hours", "24-hour"},
		{36 * time.Hour, "the last 36 hours", "36-hour"},
		{48 * time.Hour, "the last 2 days", "2-day"},
		{7 * 24 * time.Hour, "the last 7 days", "7-day"},
	} {
		if got := lastSpan(tc.span); got != tc.last {
			t.Errorf("lastSpan(%v): got %q, want %q", tc.span, got, tc.last)
		}
		if got := spanAdjective(tc.span); got != tc.adj {
			t.Errorf("spanAdjective(%v): got %q, want %q", tc.span, got, tc.adj)
		}
	}
}

// TestBindingRolling: a rolling window binds when it has the least left,
// and on a tie when it frees up after the calendar window resets.
func TestBindingRolling(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	day := quota.WindowUsage{Limit: quota.Limit{Window: quota.Day, Max: 30}, Period: quota.Day.Period(now, time.UTC), Used: 20}
	roll := func(used int, free time.Time) quota.RollingUsage {
		return quota.RollingUsage{Span: 7 * 24 * time.Hour, Max: 100, At: now, Used: used, NextFree: free, Freeing: 1}
	}
	for _, tc := range []struct {
		name string
		r    quota.RollingUsage
		want bool
	}{
		{"less left", roll(95, now.Add(time.Hour)), true},
		{"more left", roll(50, now.Add(time.Hour)), false},
		{"as much left, frees up before the reset", roll(90, now.Add(time.Hour)), false},
		{"as much left, frees up after the reset", roll(90, now.Add(48*time.Hour)), true},
	} {
		_, got := bindingRolling(quota.KindUsage{Windows: []quota.WindowUsage{day}, Rolling: []quota.RollingUsage{tc.r}})
		if got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestFreeUp: what a rolling window says frees up is the room it gains,
// not what leaves it: 3 sent against a limit of 1 free up 1, and one
// "frees up".
func TestFreeUp(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	date := func(time.Time) string { return "Tue" }
	for _, c := range []struct {
		used, max, freeing int
		want               string
	}{
		{12, 100, 12, "12 free up Tue"},
		{1, 100, 1, "1 frees up Tue"},
		{3, 1, 3, "1 frees up Tue"},
		{103, 100, 2, ""}, // still over: the warning says so
		{0, 100, 0, ""},
	} {
		r := quota.RollingUsage{Span: 7 * 24 * time.Hour, Max: c.max, Used: c.used, Freeing: c.freeing, NextFree: at}
		if got := freeUp(r, date); got != c.want {
			t.Errorf("%d of %d, %d leaving: got %q, want %q", c.used, c.max, c.freeing, got, c.want)
		}
	}
}
