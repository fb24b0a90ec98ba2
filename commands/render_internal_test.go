package commands

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/quota"
)

func TestFmtInt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "0"}, {5, "5"}, {999, "999"}, {1000, "1,000"}, {1495, "1,495"}, {1234567, "1,234,567"}, {-1500, "-1,500"},
	} {
		if got := quota.FormatCount(tc.n); got != tc.want {
			t.Errorf("quota.FormatCount(%d): got %q, want %q", tc.n, got, tc.want)
		}
	}
}

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
		if got := Bar(w); got != tc.want {
			t.Errorf("Bar(%d/%d): got %s, want %s", tc.used, tc.max, got, tc.want)
		}
	}
}

func TestJSONLen(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", "<@U123ABC> & co", `"quoted" \ back`, "tab\there\nnl", "émoji 🚨 ▓░", "\u2028"} {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonLen(s); got != len(b) {
			t.Errorf("jsonLen(%q): got %d, want %d", s, got, len(b))
		}
	}
}

func TestClipText(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("é", 10)
	if got := blockkit.Clip(s, 10); got != s {
		t.Errorf("got %q, want it unchanged", got)
	}
	if got := blockkit.Clip(s, 5); got != "éééé…" {
		t.Errorf("got %q, want éééé…", got)
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
