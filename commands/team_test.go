package commands_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// usage builds a member's standing by hand: used messages today and this
// month on the free tier's limits.
func usage(tb testing.TB, id string, day, month int) quota.Usage {
	now := thursday(tb)
	loc := now.Location()
	return quota.Usage{
		Member: quota.Member{ID: id, Tier: "free"},
		At:     now,
		Kinds: []quota.KindUsage{{Kind: quota.Message, Windows: []quota.WindowUsage{
			{Limit: quota.Limit{Window: quota.Day, Max: 100}, Period: quota.Day.Period(now, loc), Used: day},
			{Limit: quota.Limit{Window: quota.Month, Max: 1500}, Period: quota.Month.Period(now, loc), Used: month},
		}}},
	}
}

// rowsShown counts the member lines in a team reply.
var memberLine = regexp.MustCompile(`(?m)^(:[a-z_]+: )?<@U[0-9A-Z]+>`)

func rowsShown(tb testing.TB, r commands.Reply) int {
	n := 0
	for _, b := range r.Blocks {
		if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil {
			n += len(memberLine.FindAllString(s.Text.Text, -1))
		}
	}
	return n
}

func TestTeamReplySizes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		members   int
		maxBlocks int
		maxBytes  int
	}{
		{"nobody", 0, blockkit.MaxBlocks, 14_000},
		{"one", 1, blockkit.MaxBlocks, 14_000},
		{"a hundred in an ack", 100, blockkit.MaxBlocks, 14_000},
		{"two thousand in an ack", 2000, blockkit.MaxBlocks, 14_000},
		{"two thousand by response_url", 2000, blockkit.MaxBlocks, 120_000},
		{"two thousand in the App Home", 2000, blockkit.MaxHomeBlocks, 240_000},
		{"two thousand, unbounded bytes", 2000, blockkit.MaxBlocks, 1 << 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			team := make([]quota.Usage, tc.members)
			for i := range team {
				team[i] = usage(t, fmt.Sprintf("U%07d", i), (i*37)%130, (i*53)%1700)
			}
			r := commands.TeamReply(team, thursday(t), tc.maxBlocks, tc.maxBytes)
			if err := slackfake.CheckBlocks(r.Blocks, tc.maxBlocks); err != nil {
				t.Errorf("CheckBlocks: %v", err)
			}
			if r.Text == "" {
				t.Errorf("no fallback text")
			}
			shown := rowsShown(t, r)
			js := blocksJSON(t, r)
			if tc.members == 0 {
				if !strings.Contains(r.Text, "No one on the team has logged anything yet.") {
					t.Errorf("got %q, want it to say nobody has logged", r.Text)
				}
				return
			}
			if shown == 0 {
				t.Fatalf("got no member lines")
			}
			if rest := tc.members - shown; rest > 0 {
				want := fmt.Sprintf("…and %s more member", commaInt(rest))
				if !strings.Contains(js, want) {
					t.Errorf("%d of %d shown; want %q in %s", shown, tc.members, want, js[len(js)-300:])
				}
			} else if strings.Contains(js, "more member") {
				t.Errorf("all %d shown, yet it says there are more", shown)
			}
			if want := fmt.Sprintf("Team quota: %s member", commaInt(tc.members)); !strings.HasPrefix(r.Text, want) {
				t.Errorf("text %q: want it to start %q", r.Text, want)
			}
		})
	}
}

func TestTeamMarksTroubleFirst(t *testing.T) {
	t.Parallel()
	team := []quota.Usage{
		usage(t, "UCALM", 10, 100),
		usage(t, "UNEAR", 85, 200),
		usage(t, "UAT", 100, 300),
		usage(t, "UOVER", 120, 300),
		usage(t, "UMONTH", 0, 1600),
	}
	r := commands.TeamReply(team, thursday(t), blockkit.MaxBlocks, 14_000)
	var lines []string
	for _, b := range r.Blocks {
		if s, ok := b.(*slack.SectionBlock); ok {
			lines = append(lines, strings.Split(s.Text.Text, "\n")...)
		}
	}
	want := []string{
		":red_circle: <@UOVER> · messages *120/100 today (20 over)*, 300/1,500 this month",
		":red_circle: <@UMONTH> · messages 0/100 today, *1,600/1,500 this month (100 over)*",
		":large_orange_circle: <@UAT> · messages 100/100 today, 300/1,500 this month",
		":large_yellow_circle: <@UNEAR> · messages 85/100 today, 200/1,500 this month",
		"<@UCALM> · messages 10/100 today, 100/1,500 this month",
	}
	// UOVER is 120% over the day, UMONTH 107% of the month: the bigger
	// share of a limit comes first.
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got lines\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	wantText := "Team quota: 5 members. 2 over a limit: <@UOVER>, <@UMONTH>. 1 at a limit: <@UAT>. 1 at 80% or more: <@UNEAR>."
	if r.Text != wantText {
		t.Errorf("got  %q\nwant %q", r.Text, wantText)
	}
}

// TestTeamThroughHandler runs /quota team on a real ledger with a team
// just past the Slow threshold, and with none.
func TestTeamThroughHandler(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{BigTeam: 150})
	req := commands.Request{Command: "/quota", Text: "team", UserID: "U0"}
	r := e.do("U0", "/quota team", "")
	if !strings.Contains(r.Text, "No one on the team has logged anything yet.") {
		t.Errorf("empty team: got %q", r.Text)
	}
	if e.h.Slow(req) {
		t.Errorf("Slow for an empty team: got true, want false")
	}

	var wg sync.WaitGroup
	for i := range 151 {
		wg.Go(func() {
			_, err := e.ledger.Log(context.Background(), store.LogRequest{Member: fmt.Sprintf("U%04d", i), Kind: quota.Message, Count: 1 + i%120})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if !e.h.Slow(req) {
		t.Errorf("Slow for 151 members over a threshold of 150: got false, want true")
	}
	for _, other := range []string{"", "<@U0001>", "history", "tier premium"} {
		if e.h.Slow(commands.Request{Command: "/quota", Text: other}) {
			t.Errorf("Slow(/quota %s): got true, want false", other)
		}
	}
	if e.h.Slow(commands.Request{Command: "/logsend", Text: "team"}) {
		t.Errorf("Slow(/logsend team): got true, want false")
	}
	r = e.h.Handle(context.Background(), req).Reply
	mustFit(t, r, false)
	if !strings.HasPrefix(r.Text, "Team quota: 151 members. 20 over a limit:") {
		t.Errorf("got %q", r.Text[:min(len(r.Text), 120)])
	}
	if got := rowsShown(t, r); got != 151 {
		t.Errorf("got %d rows by response_url, want all 151", got)
	}
}

func TestTeamBelowThresholdFitsAck(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	var wg sync.WaitGroup
	for i := range commands.DefaultBigTeam {
		wg.Go(func() {
			member := fmt.Sprintf("UMEMBER%04d", i)
			if _, err := e.ledger.SetTier(context.Background(), store.SetTierRequest{Member: member, Tier: "premium", By: "U0"}); err != nil {
				t.Error(err)
			}
			for _, k := range []quota.Kind{quota.Message, quota.InMail} {
				if _, err := e.ledger.Log(context.Background(), store.LogRequest{Member: member, Kind: k, Count: 1000}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	r := e.do("U0", "/quota team", "") // checks the 20 KB ack limit
	if got := rowsShown(t, r); got < 50 {
		t.Errorf("got %d rows, want at least 50 of %d in an ack", got, commands.DefaultBigTeam)
	}
}

func commaInt(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

var _ = time.Second

// TestTeamPieces: blockkit's RankTeam, Line and TeamSummary, which the App
// Home pages the team with, agree with the /quota team table.
func TestTeamPieces(t *testing.T) {
	t.Parallel()
	team := []quota.Usage{
		usage(t, "UQUIET", 1, 10),
		usage(t, "UOVER", 120, 300),
		usage(t, "UNEAR", 85, 300),
		usage(t, "UAT", 100, 300),
		usage(t, "UALSO", 1, 10),
	}
	rows := blockkit.RankTeam(team)
	var got []string
	for _, r := range rows {
		got = append(got, r.Usage.Member.ID)
	}
	if want := "UOVER UAT UNEAR UALSO UQUIET"; strings.Join(got, " ") != want {
		t.Errorf("RankTeam: got %v, want %s", got, want)
	}
	reply := commands.TeamReply(team, thursday(t), blockkit.MaxBlocks, 14_000)
	table := blocksJSON(t, reply)
	for _, r := range rows {
		if line := r.Line(); !strings.Contains(table, line) {
			t.Errorf("Line %q is not in the table %s", line, table)
		}
	}
	if want := "5 members · :red_circle: 1 over a limit · :large_orange_circle: 1 at a limit · :large_yellow_circle: 1 at 80% or more"; blockkit.TeamSummary(rows) != want {
		t.Errorf("TeamSummary: got %q, want %q", blockkit.TeamSummary(rows), want)
	}
	if line := rows[0].Line(); !strings.HasPrefix(line, ":red_circle: <@UOVER> · messages *120/100 today (20 over)*") {
		t.Errorf("Line of the member over: got %q", line)
	}
}

// TestTeamHeldBack: the text and the summary line of /quota team name who
// is paused and who is capped, as the rows mark them; a team with neither
// reads as before.
func TestTeamHeldBack(t *testing.T) {
	t.Parallel()
	bob := usage(t, "UBOB", 10, 100)
	bob.Member.Pause = &quota.Pause{Reason: "warned", By: "UADMIN"}
	ana := usage(t, "UANA", 10, 100)
	ana.Kinds[0].Caps = []quota.CapHold{{Cap: quota.Cap{Kind: quota.Message, Limit: quota.Limit{Window: quota.Day, Max: 50}, By: "UADMIN"}}}
	both := usage(t, "UBOTH", 10, 100)
	both.Member.Pause, both.Kinds[0].Caps = bob.Member.Pause, ana.Kinds[0].Caps
	for _, tc := range []struct {
		name              string
		team              []quota.Usage
		wantText, summary string
	}{
		{"paused and capped", []quota.Usage{bob, ana, usage(t, "UCALM", 1, 10)},
			"Team quota: 3 members. Everyone is under 80% of their limits. 1 paused: <@UBOB>. 1 capped below their tier: <@UANA>.",
			"3 members · :red_circle: 0 over a limit · :large_orange_circle: 0 at a limit · :large_yellow_circle: 0 at 80% or more · :double_vertical_bar: 1 paused · :lock: 1 capped"},
		{"both at once", []quota.Usage{both},
			"Team quota: 1 member. Everyone is under 80% of their limits. 1 paused: <@UBOTH>. 1 capped below their tier: <@UBOTH>.",
			"1 member · :red_circle: 0 over a limit · :large_orange_circle: 0 at a limit · :large_yellow_circle: 0 at 80% or more · :double_vertical_bar: 1 paused · :lock: 1 capped"},
		{"neither", []quota.Usage{usage(t, "UCALM", 1, 10)},
			"Team quota: 1 member. Everyone is under 80% of their limits.",
			"1 member · :red_circle: 0 over a limit · :large_orange_circle: 0 at a limit · :large_yellow_circle: 0 at 80% or more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := commands.TeamReply(tc.team, thursday(t), blockkit.MaxBlocks, 14_000)
			if r.Text != tc.wantText {
				t.Errorf("text: got %q, want %q", r.Text, tc.wantText)
			}
			if got := blockkit.TeamSummary(blockkit.RankTeam(tc.team)); got != tc.summary {
				t.Errorf("summary: got %q, want %q", got, tc.summary)
			}
			if j := blocksJSON(t, r); !strings.Contains(j, tc.summary) {
				t.Errorf("the reply's blocks lack the summary %q: %s", tc.summary, j)
			}
		})
	}
}
