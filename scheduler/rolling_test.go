package scheduler_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/scheduler"
)

// TestDailyRolling: the reset note lists who stands at 80% or more of a
// rolling limit now, fullest first, beside the calendar lists; a member
// under 80% of theirs, or with only calendar windows, is not in it.
func TestDailyRolling(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	now := date(ny, 2026, 11, 27, 0, 0)
	day := quota.Day.Period(now, ny).Prev()
	week := 7 * 24 * time.Hour
	roll := func(id string, used, max int, span time.Duration) quota.Usage {
		return quota.Usage{Member: quota.Member{ID: id}, At: now, Kinds: []quota.KindUsage{
			{Kind: quota.Message, Windows: []quota.WindowUsage{{Limit: quota.Limit{Window: quota.Day, Max: 100}, Period: day.Next(), Used: 0}}},
			{Kind: "invite", Rolling: []quota.RollingUsage{{Span: span, Max: max, At: now, Used: used, NextFree: now.Add(time.Hour), Freeing: 1}}},
		}}
	}
	team := []quota.Usage{
		roll("U01", 88, 100, week),
		roll("U02", 103, 100, week),
		roll("U03", 40, 100, week),
		roll("U04", 45, 50, 36*time.Hour),
		{Member: quota.Member{ID: "U05"}, At: now},
	}
	daySum := quota.Summary{Period: day, Totals: map[quota.Kind]int{}}
	monthSum := quota.Summary{Period: quota.Month.Period(day.Start, ny), Totals: map[quota.Kind]int{}}
	text, blocks := scheduler.BuildDaily(quota.DefaultPlan(), daySum, monthSum, team)
	if err := slackfake.CheckBlocks(blocks, blockkit.MaxBlocks); err != nil {
		t.Errorf("CheckBlocks: %v", err)
	}
	golden(t, filepath.Join("testdata", "daily_rolling.json"), struct {
		Text   string        `json:"text"`
		Blocks []slack.Block `json:"blocks"`
	}{text, blocks})
}
