package blockkit_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/quota"
)

// TestCapsGolden: a capped member reads, in every reply and the team
// line, that an admin holds them below their tier and at what; a paused
// member reads it loudly above everything, the longest reason included,
// within Slack's limits.
func TestCapsGolden(t *testing.T) {
	t.Parallel()
	freeAt := time.Date(2026, 12, 1, 20, 5, 0, 0, time.UTC)
	setAt := time.Date(2026, 11, 27, 14, 30, 0, 0, time.UTC)
	// A fresh one each: member() dates its windows in place, and the
	// subtests run at once.
	capped := func() quota.KindUsage {
		return quota.KindUsage{
			Rolling: []quota.RollingUsage{{Span: week, Max: 30, Used: 31, NextFree: freeAt, Freeing: 6}},
			Caps: []quota.CapHold{{
				Cap:  quota.Cap{Kind: "invite", Limit: quota.Limit{Span: week, Max: 30}, By: "U0ADMIN", At: setAt},
				Tier: quota.Limit{Span: week, Max: 100}, TierHas: true,
			}},
		}
	}
	for _, tc := range []struct {
		name   string
		invite quota.KindUsage
		pause  *quota.Pause
	}{
		{"capped", capped(), nil},
		{"paused", quota.KindUsage{Rolling: []quota.RollingUsage{{Span: week, Max: 100, Used: 12, NextFree: freeAt, Freeing: 12}}},
			&quota.Pause{Reason: "LinkedIn warning 2026-11-30 <restricted> & reviewed", By: "U0ADMIN", At: setAt}},
		{"paused_long_reason", capped(),
			&quota.Pause{Reason: strings.Repeat("<&>", quota.MaxNote/3), By: "U0ADMIN", At: setAt}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := member(t, tc.invite)
			u.Member.Pause = tc.pause
			r := render(t, u)
			if tc.name == "paused_long_reason" {
				return // the limits are its point; the golden would be noise
			}
			golden(t, filepath.Join("testdata", tc.name+".json"), r)
		})
	}
}

// render draws u as the goldens hold it, failing t if Slack would refuse
// the blocks.
func render(t *testing.T, u quota.Usage) rendered {
	t.Helper()
	r := rendered{
		Text:     blockkit.UsageText(u),
		TeamLine: blockkit.RankTeam([]quota.Usage{u})[0].Line(),
		Blocks:   blockkit.UsageBlocks(u),
	}
	for _, ku := range u.Kinds {
		r.Left = append(r.Left, blockkit.LeftText(ku))
	}
	if err := slackfake.CheckBlocks(r.Blocks, blockkit.MaxBlocks); err != nil {
		t.Errorf("CheckBlocks: %v", err)
	}
	return r
}

// TestCapLineCredits: a cap on a kind the tier pays for in credits says
// so, rather than that the tier sets no limit.
func TestCapLineCredits(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	b := quota.CreditsAt(quota.Credits{Grant: 50, Cap: 150, RenewDay: 1}, now.Add(-time.Hour), nil, now, time.UTC)
	ku := quota.KindUsage{Kind: quota.InMail, Credits: &b, Caps: []quota.CapHold{{
		Cap: quota.Cap{Kind: quota.InMail, Limit: quota.Limit{Window: quota.Day, Max: 5}, By: "U0ADMIN", At: now},
	}}}
	want := "Capped at 5 InMails a day by <@U0ADMIN> (the tier pays for them in credits, with no limit there)."
	if got := blockkit.LeftText(ku); !strings.Contains(got, want) {
		t.Errorf("LeftText: %q, want it to say %q", got, want)
	}
}
