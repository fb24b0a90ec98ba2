package blockkit_test

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// rendered is everything blockkit draws of one member, as the goldens hold
// it: the /quota blocks and fallback, each kind's left line as /logsend's
// fallback has it, and the member's line in the team table.
type rendered struct {
	Text     string        `json:"text"`
	Left     []string      `json:"left"`
	TeamLine string        `json:"team_line"`
	Blocks   []slack.Block `json:"blocks"`
}

const week = 7 * 24 * time.Hour

// member is U01 on a tier with messages by the day and month and
// invitations by limits, at 3 PM on Monday 30 November 2026 in New York.
func member(t *testing.T, invite quota.KindUsage) quota.Usage {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	now := time.Date(2026, 11, 30, 15, 0, 0, 0, loc)
	cal := func(w quota.Window, used, max int) quota.WindowUsage {
		return quota.WindowUsage{Limit: quota.Limit{Window: w, Max: max}, Period: w.Period(now, loc), Used: used}
	}
	for i := range invite.Windows {
		w := &invite.Windows[i]
		*w = cal(w.Limit.Window, w.Used, w.Limit.Max)
	}
	for i := range invite.Rolling {
		invite.Rolling[i].At = now
	}
	invite.Kind = "invite"
	return quota.Usage{
		Member: quota.Member{ID: "U01", Tier: "recruiter"},
		At:     now,
		Kinds: []quota.KindUsage{
			{Kind: quota.Message, Windows: []quota.WindowUsage{cal(quota.Day, 40, 100), cal(quota.Month, 140, 1500)}},
			invite,
		},
	}
}

// TestRollingGolden: a rolling window is drawn beside the calendar ones,
// and when it binds, the reply says when room comes back rather than a
// reset.
func TestRollingGolden(t *testing.T) {
	t.Parallel()
	// The oldest of the week's invitations free up on Tuesday at 3:05 PM.
	freeAt := time.Date(2026, 12, 1, 20, 5, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		invite quota.KindUsage
	}{
		{"rolling_near", quota.KindUsage{Rolling: []quota.RollingUsage{{Span: week, Max: 100, Used: 88, NextFree: freeAt, Freeing: 12}}}},
		{"rolling_over", quota.KindUsage{Rolling: []quota.RollingUsage{{Span: week, Max: 100, Used: 103, NextFree: freeAt, Freeing: 2}}}},
		{"rolling_reached", quota.KindUsage{Rolling: []quota.RollingUsage{{Span: 36 * time.Hour, Max: 50, Used: 50, NextFree: freeAt, Freeing: 5}}}},
		{"rolling_unused", quota.KindUsage{
			Windows: []quota.WindowUsage{{Limit: quota.Limit{Window: quota.Day, Max: 30}}},
			Rolling: []quota.RollingUsage{{Span: week, Max: 100}},
		}},
		{"rolling_calendar_binds", quota.KindUsage{
			Windows: []quota.WindowUsage{{Limit: quota.Limit{Window: quota.Day, Max: 30}, Used: 30}},
			Rolling: []quota.RollingUsage{{Span: week, Max: 100, Used: 84, NextFree: freeAt, Freeing: 12}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := render(t, member(t, tc.invite))
			golden(t, filepath.Join("testdata", tc.name+".json"), r)
		})
	}
}

// TestRollingOnlyWhenGiven: a kind without rolling windows reads as it
// always has, and the message and InMail nouns are as they were.
func TestRollingOnlyWhenGiven(t *testing.T) {
	t.Parallel()
	u := member(t, quota.KindUsage{Windows: []quota.WindowUsage{{Limit: quota.Limit{Window: quota.Week, Max: 100}, Used: 5}}})
	got := blockkit.UsageText(u)
	for _, bad := range []string{"last", "free up"} {
		if strings.Contains(got, bad) {
			t.Errorf("got %q, want no %q without a rolling window", got, bad)
		}
	}
	for k, want := range map[quota.Kind]string{quota.Message: "Messages", quota.InMail: "InMails", "invite": "Invitations", "connect": "Connects"} {
		if got := blockkit.Title(k); got != want {
			t.Errorf("Title(%s): got %q, want %q", k, got, want)
		}
	}
	if got := quota.Kind("invite").Noun(1); got != "invitation" {
		t.Errorf("invite's noun: got %q, want invitation", got)
	}
}

// golden compares v, as indented JSON, with the file at path, or rewrites
// the file with -update.
func golden(t *testing.T, path string, v any) {
	t.Helper()
	testutil.Golden(t, path, testutil.JSON(t, v), *update)
}
