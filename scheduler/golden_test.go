package scheduler_test

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/scheduler"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// smallTeam logs a November in New York for four members: U01 on free,
// over the monthly limit and at the daily one on the 26th, and at 90 of
// 100 invitations over the last 7 days; U02 on premium, at 83% of the
// month's messages and over the day's InMails; U03 with a few messages
// and invitations; U04 on premium, at 83% of the month's InMails; U05 on
// sales_navigator, who spent past their InMail credits and got 3 back;
// U06 on career, who never spends.
func smallTeam(t *testing.T, e *env) {
	t.Helper()
	ny := e.loc
	// U06 has been on career (5 InMail credits a month, banked up to 15)
	// since August and never spent one: November's grant is lost to the
	// cap.
	e.clock.Set(date(ny, 2026, 8, 3, 9, 0))
	e.setTier("U06", "career")
	e.clock.Set(date(ny, 2026, 11, 1, 0, 0))
	e.setTier("U02", "premium")
	e.setTier("U04", "premium")
	e.setTier("U05", "sales_navigator")
	e.log(date(ny, 2026, 11, 2, 10, 0), "U01", quota.Message, 1000)
	e.log(date(ny, 2026, 11, 3, 10, 0), "U04", quota.InMail, 250)
	e.log(date(ny, 2026, 11, 4, 10, 0), "U05", quota.InMail, 20)
	e.log(date(ny, 2026, 11, 5, 10, 0), "U01", quota.Invite, 100)
	e.log(date(ny, 2026, 11, 10, 10, 0), "U01", quota.Message, 420)
	e.log(date(ny, 2026, 11, 12, 10, 0), "U02", quota.Message, 1000)
	e.log(date(ny, 2026, 11, 20, 10, 0), "U02", quota.Message, 210)
	e.log(date(ny, 2026, 11, 18, 10, 0), "U05", quota.InMail, 45) // 15 past the balance
	e.refund(date(ny, 2026, 11, 19, 10, 0), "U05", quota.InMail, 3)
	e.log(date(ny, 2026, 11, 20, 11, 0), "U01", quota.Invite, 50)
	e.log(date(ny, 2026, 11, 24, 15, 0), "U03", quota.Invite, 12)
	e.log(date(ny, 2026, 11, 26, 9, 0), "U01", quota.Message, 100)
	e.log(date(ny, 2026, 11, 26, 10, 0), "U02", quota.Message, 40)
	e.log(date(ny, 2026, 11, 26, 10, 30), "U01", quota.Invite, 40)
	e.log(date(ny, 2026, 11, 26, 11, 0), "U02", quota.InMail, 25)
	e.log(date(ny, 2026, 11, 26, 12, 0), "U03", quota.Message, 3)
}

// The Block Kit of both posts, byte for byte. Run with -update to rewrite
// testdata/ after a change meant to alter them, and read the diff.
func TestGolden(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	for _, tc := range []struct {
		name    string
		team    bool
		monthly bool
	}{
		{"daily", true, false},
		{"monthly", true, true},
		{"daily_empty", false, false},
		{"monthly_empty", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, ny, date(ny, 2026, 11, 1, 0, 0))
			if tc.team {
				smallTeam(t, e)
				// Names for the chart; U03 has none and shows as its ID,
				// and the second Ana is told apart.
				e.fake.SetUser(slack.User{ID: "U01", Name: "ana", Profile: slack.UserProfile{DisplayName: "Ana"}})
				e.fake.SetUser(slack.User{ID: "U02", Name: "ana.b", RealName: "Ana"})
				e.fake.SetUser(slack.User{ID: "U04", Name: "bartholomew", RealName: "Bartholomew Featherstonehaugh"})
			}
			var err error
			if tc.monthly {
				err = e.sched.MonthlySummary(ctx, date(ny, 2026, 12, 1, 9, 0))
			} else {
				err = e.sched.DailyReset(ctx, date(ny, 2026, 11, 27, 0, 0))
			}
			if err != nil {
				t.Fatal(err)
			}
			ps := posts(e.fake)
			if len(ps) != 1 {
				t.Fatalf("posted %q, want one message", keys(e.fake))
			}
			checkLimits(t, ps[0])
			golden(t, filepath.Join("testdata", tc.name+".json"), ps[0])
		})
	}
}

// The near-limit direct messages, on: one per member and kind at 80% or
// more of a monthly limit, once however often the job runs.
func TestNearLimitDirectMessages(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	e := newEnv(t, ny, date(ny, 2026, 11, 1, 0, 0), withOptions(func(o *scheduler.Options) { o.NotifyNearLimit = true }))
	smallTeam(t, e)
	for range 2 {
		if err := e.sched.DailyReset(ctx, date(ny, 2026, 11, 27, 0, 0)); err != nil {
			t.Fatal(err)
		}
	}
	wantKeys(t, e.fake, "daily/2026-11-26", "dm/2026-11/U01/message", "dm/2026-11/U02/message", "dm/2026-11/U04/inmail")
	ps := posts(e.fake)
	for _, p := range ps[1:] {
		checkLimits(t, p)
	}
	golden(t, filepath.Join("testdata", "dm.json"), ps[1:])
	if n := len(e.fake.Calls("conversations.open")); n != 3 {
		t.Errorf("%d conversations opened, want 3", n)
	}

	// On the 1st, the month has reset: nobody is told about November.
	e.restart()
	if err := e.sched.DailyReset(ctx, date(ny, 2026, 12, 1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if got := len(posts(e.fake)); got != 5 {
		t.Errorf("%d posts, want the 4 before and the note for 30 November", got)
	}
}

// The near-limit messages are off unless asked for.
func TestNearLimitDirectMessagesOffByDefault(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	e := newEnv(t, ny, date(ny, 2026, 11, 1, 0, 0))
	smallTeam(t, e)
	if err := e.sched.DailyReset(ctx, date(ny, 2026, 11, 27, 0, 0)); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, e.fake, "daily/2026-11-26")
}

// golden compares v, as indented JSON, with the file at path, or rewrites
// the file with -update.
func golden(t *testing.T, path string, v any) {
	t.Helper()
	testutil.Golden(t, path, testutil.JSON(t, v), *update)
}
