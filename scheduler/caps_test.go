package scheduler_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// TestDailyHeldBack: the reset note for the day just ended lists the
// members an admin has paused or capped, and a capped member's daily
// limit there is the capped one; and the members past their credits
// now (smallTeam's U05).
func TestDailyHeldBack(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	e := newEnv(t, ny, date(ny, 2026, 11, 1, 0, 0))
	smallTeam(t, e)
	ctx := context.Background()
	if _, err := e.ledger.SetCap(ctx, store.SetCapRequest{Member: "U03", Kind: quota.Message, Limit: quota.Limit{Window: quota.Day, Max: 2}, By: "UADMIN"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ledger.Pause(ctx, store.PauseRequest{Member: "U04", Reason: "LinkedIn warning <2026-11-30>", By: "UADMIN"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(date(ny, 2026, 11, 27, 0, 5))
	if err := e.sched.DailyReset(ctx, date(ny, 2026, 11, 27, 0, 5)); err != nil {
		t.Fatal(err)
	}
	ps := posts(e.fake)
	if len(ps) != 1 {
		t.Fatalf("posted %q, want one message", keys(e.fake))
	}
	checkLimits(t, ps[0])
	golden(t, filepath.Join("testdata", "daily_held.json"), ps[0])
	for _, want := range []string{
		"*Held back by an admin* (2 members)\n• <@U03>: capped at 2 messages a day\n• <@U04>: *paused* (LinkedIn warning &lt;2026-11-30&gt;)",
		"• <@U03>: 3 of 2 messages, 1 over",
		"*Past their credits now* (1 member)\n• <@U05>: 12 InMail credits past the balance",
	} {
		if !strings.Contains(ps[0].Text, want) {
			t.Errorf("the reset note's text: got %q, want %q in it", ps[0].Text, want)
		}
	}
}
