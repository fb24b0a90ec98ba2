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
