package home_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/home"
	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// TestPublish: one views.publish whose blocks carry the member's numbers:
// what is left, a bar per window, when each resets, the chart of 14 days,
// the last entries with Undo on the newest that stands, Log buttons per
// kind, and no team section for a member who is not an admin.
func TestPublish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setTier("U1", "premium")
	e.clock.Set(thursday(t).AddDate(0, 0, -3)) // Mon 23 Nov
	e.log("U1", quota.Message, 30, "")
	e.clock.Set(thursday(t).Add(-time.Hour))
	e.log("U1", quota.Message, 60, "intro to <Acme> & co")
	e.log("U1", quota.InMail, 3, "")
	undone := e.log("U1", quota.Message, 7, "")
	if _, err := e.ledger.UndoEntry(context.Background(), "U1", undone.ID, ""); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(thursday(t))

	p := e.publish("U1")
	if p.user != "U1" {
		t.Errorf("published for %s, want U1", p.user)
	}
	text := p.text()
	for _, want := range []string{
		"*Messages* · *40 left now*",
		"`▓▓▓▓▓▓░░░░` 60/100 today · resets <!date^1795755600^{date_short_pretty} {time}|Fri 27 Nov 00:00 EST>",
		"`▓░░░░░░░░░` 90/1,500 this month · resets <!date^1796101200^",
		"*InMails* · *17 left now*",
		"3/20 today",
		"Tier *premium*",
		"*Messages* `▁▁▁▁▁▁▁▁▁▁▅▁▁█` 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 30, 0, 0, 60 from Fri 13 Nov · 90 in all",
		"intro to &lt;Acme&gt; &amp; co",
		"~<!date^1795701600^{date_short_pretty} {time}|Thu 26 Nov 09:00 EST> · 7 messages~ · taken back",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("view lacks %q:\n%s", want, text)
		}
	}

	chart := p.chart()
	if chart == nil {
		t.Fatalf("no chart in %s", text)
	}
	if n := len(chart.AxisConfig.Categories); n != 14 || chart.AxisConfig.Categories[0] != "Fri 13 Nov" || chart.AxisConfig.Categories[13] != "Thu 26 Nov" {
		t.Errorf("chart days: got %v, want Fri 13 Nov to Thu 26 Nov", chart.AxisConfig.Categories)
	}
	got := map[string][]float64{}
	for _, s := range chart.Series {
		for _, d := range s.Data {
			got[s.Name] = append(got[s.Name], d.Value)
		}
	}
	if m := got["Messages"]; len(m) != 14 || m[10] != 30 || m[13] != 60 {
		t.Errorf("messages per day: got %v, want 30 on Mon 23 Nov and 60 today (the undone 7 left out)", m)
	}
	if i := got["InMails"]; len(i) != 14 || i[13] != 3 {
		t.Errorf("InMails per day: got %v, want 3 today", i)
	}

	btns := p.buttons()
	for _, want := range []string{"quotabot.log.1 1 message", "quotabot.log.5 5 message", "quotabot.log.1 1 inmail", "quotabot.log.5 5 inmail"} {
		if btns[want] == nil {
			t.Errorf("no button %q; have %v", want, keys(btns))
		}
	}
	es, _ := e.ledger.History(context.Background(), "U1", 10)
	newestStanding := es[1] // es[0] is the undone 7
	var undos []string
	for k := range btns {
		if strings.HasPrefix(k, commands.ActionUndo) {
			undos = append(undos, k)
		}
	}
	if want := commands.ActionUndo + " " + newestStanding.ID; len(undos) != 1 || undos[0] != want {
		t.Errorf("Undo buttons: got %v, want just %q (the 3 InMails)", undos, want)
	}
	if ids, _ := p.teamRows(); len(ids) > 0 || strings.Contains(text, `"Team`) {
		t.Errorf("a member who is not an admin sees a team section: %v", ids)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestPressLogs: a Log 5 press changes the ledger once and republishes
// the view in place with the new numbers and what the press did; the same
// press delivered again counts once.
func TestPressLogs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.log("U1", quota.Message, 60, "")
	e.publish("U1")

	p := e.press("U1", commands.ActionLog5, "5 message", "trig-1/1.1")
	if got := e.used("U1", quota.Message); got != 65 {
		t.Errorf("used today after Log 5: got %d, want 65", got)
	}
	for _, want := range []string{"Logged 5 messages. Left today: 35 of 100.", "*35 left now*", "65/100 today"} {
		if !strings.Contains(p.text(), want) {
			t.Errorf("view after the press lacks %q", want)
		}
	}

	again := e.press("U1", commands.ActionLog5, "5 message", "trig-1/1.1")
	if got := e.used("U1", quota.Message); got != 65 {
		t.Errorf("used today after the press was delivered twice: got %d, want 65", got)
	}
	if !strings.Contains(again.text(), "*35 left now*") {
		t.Errorf("view after the repeat does not read like the first")
	}

	e.press("U1", commands.ActionLog1, "1 message", "trig-2/2.1")
	if got := e.used("U1", quota.Message); got != 66 {
		t.Errorf("used today after Log 1: got %d, want 66", got)
	}
	if n := len(e.fake.Calls("views.publish")); n != 4 {
		t.Errorf("got %d views.publish calls, want 4: the first, one per delivery", n)
	}
}

// TestPressUndo: the Undo button takes back the entry it names, once, and
// the view shows it taken back.
func TestPressUndo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.log("U1", quota.Message, 5, "")
	e.clock.Add(time.Minute)
	seven := e.log("U1", quota.Message, 7, "")
	p := e.publish("U1")
	btn := p.buttons()[commands.ActionUndo+" "+seven.ID]
	if btn == nil {
		t.Fatalf("no Undo button for the 7: %v", keys(p.buttons()))
	}

	p = e.press("U1", commands.ActionUndo, btn.Value, "trig-u/1.1")
	if got := e.used("U1", quota.Message); got != 5 {
		t.Errorf("used today after Undo: got %d, want 5", got)
	}
	if !strings.Contains(p.text(), "Took back 7 messages") || !strings.Contains(p.text(), "7 messages~ · taken back") {
		t.Errorf("view after Undo does not say the 7 was taken back:\n%s", p.text())
	}
	e.press("U1", commands.ActionUndo, btn.Value, "trig-u/1.1")
	if got := e.used("U1", quota.Message); got != 5 {
		t.Errorf("used today after Undo delivered twice: got %d, want 5", got)
	}
	p = e.press("U1", commands.ActionUndo, btn.Value, "trig-u2/1.1")
	if got := e.used("U1", quota.Message); got != 5 || !strings.Contains(p.text(), "that entry was taken back already") {
		t.Errorf("a spent Undo pressed again: used %d, want 5, and a view saying the entry was taken back already", got)
	}
}

// TestNotAdmin: a member who is not an admin sees no team section, even
// after pressing a page button, and cannot change anyone's tier, even with
// a payload built by hand; their own tier they may set, as with /quota tier.
func TestNotAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "UADMIN")
	e.log("U2", quota.Message, 5, "")

	for _, p := range []published{
		e.publish("U1"),
		e.press("U1", home.ActionPage+".next", "2", "k1"),
	} {
		if ids, _ := p.teamRows(); len(ids) > 0 || strings.Contains(p.text(), `"Team`) {
			t.Errorf("team section shown to a member who is not an admin: %v", ids)
		}
	}

	p := e.press("U1", commands.ActionTier, "U2:premium", "forged/1.1")
	if m, _ := e.ledger.Member(context.Background(), "U2"); m.Tier != "free" {
		t.Errorf("U2's tier after a forged change: got %s, want free", m.Tier)
	}
	if !strings.Contains(p.text(), "Only admins can set someone else's tier.") {
		t.Errorf("the view does not say why:\n%s", p.text())
	}

	e.press("U1", commands.ActionTier, "U1:premium", "own/1.1")
	if m, _ := e.ledger.Member(context.Background(), "U1"); m.Tier != "premium" {
		t.Errorf("U1's own tier: got %s, want premium", m.Tier)
	}
}

// TestAdmin: config admins and workspace owners (users.info) see the team
// with a tier menu per member; a change through the menu sets the tier
// once, shows at once in the admin's view, and refreshes the member's own
// home.
func TestAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "UADMIN")
	e.log("U2", quota.Message, 85, "")
	e.log("U3", quota.Message, 120, "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.home.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	for _, admin := range []string{"UADMIN", "UOWNER"} {
		p := e.publish(admin)
		ids, menus := p.teamRows()
		if strings.Join(ids, " ") != "U3 U2" {
			t.Errorf("%s: team rows %v, want U3 (over) then U2 (near)", admin, ids)
		}
		if len(menus) != 2 || menus[1] == nil || menus[1].InitialOption == nil || menus[1].InitialOption.Value != "U2:free" {
			t.Errorf("%s: U2's tier menu does not start at free", admin)
		}
		for _, want := range []string{":red_circle: <@U3> · messages *120/100 today (20 over)*", ":large_yellow_circle: <@U2>", "2 members · :red_circle: 1 over a limit"} {
			if !strings.Contains(p.text(), want) {
				t.Errorf("%s: team section lacks %q", admin, want)
			}
		}
	}

	p := e.press("UOWNER", commands.ActionTier, "U2:premium", "t1/1.1")
	if m, _ := e.ledger.Member(context.Background(), "U2"); m.Tier != "premium" {
		t.Errorf("U2's tier: got %s, want premium", m.Tier)
	}
	if _, menus := p.teamRows(); menus[1].InitialOption.Value != "U2:premium" {
		t.Errorf("the admin's view still shows U2 on %s", menus[1].InitialOption.Value)
	}
	// U2's own home is republished by Run.
	if v := e.waitPublished("U2"); !strings.Contains(v.text(), "Tier *premium*") {
		t.Errorf("U2's home after the change does not show premium:\n%s", v.text())
	}

	// A later change, then the first one delivered again: the tier stays
	// as the later change set it.
	e.press("UOWNER", commands.ActionTier, "U2:free", "t2/2.1")
	e.press("UOWNER", commands.ActionTier, "U2:premium", "t1/1.1")
	if m, _ := e.ledger.Member(context.Background(), "U2"); m.Tier != "free" {
		t.Errorf("U2's tier after a redelivered change: got %s, want free", m.Tier)
	}
}

// TestUnknownAction: an action that is not quotabot's is passed back, and
// nothing is published.
func TestUnknownAction(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.home.HandleAction(context.Background(), commands.ActionRequest{ActionID: "someone.else", UserID: "U1"})
	if !errors.Is(err, commands.ErrUnknownAction) {
		t.Errorf("got %v, want ErrUnknownAction", err)
	}
	if n := len(e.fake.Calls("views.publish")); n != 0 {
		t.Errorf("got %d views.publish calls, want none", n)
	}
}

// TestPublishRateLimited: a 429 from views.publish is waited out as Slack's
// Retry-After says, then the home is published.
func TestPublishRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.Fail("views.publish", slackfake.Failure{Status: 429, RetryAfter: 1})
	start := time.Now()
	if err := e.home.Publish(context.Background(), "U1"); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("published again after %v, want at least the Retry-After of 1s", d)
	}
	calls := e.fake.Calls("views.publish")
	if len(calls) != 2 || calls[0].Status != 429 {
		t.Fatalf("got %d calls, want a 429 then a success", len(calls))
	}
	mustView(t, calls[1])
}

// bigTeam enrolls n members, U0000 and on, with a spread of use: some
// over a limit, some at one, some near, on both tiers.
func bigTeam(tb testing.TB, l *store.Ledger, n int) {
	tb.Helper()
	for i := range n {
		id := fmt.Sprintf("U%04d", i)
		count := 1 + i%50
		switch {
		case i%25 == 0:
			count = 100 + i%30
		case i%17 == 0:
			count = 100
		case i%9 == 0:
			count = 80 + i%20
		}
		if i%3 == 0 {
			if _, err := l.SetTier(context.Background(), store.SetTierRequest{Member: id, Tier: "premium", By: "UADMIN"}); err != nil {
				tb.Fatal(err)
			}
			mustLog(tb, l, id, quota.InMail, 1+i%20, "")
		}
		mustLog(tb, l, id, quota.Message, count, "")
	}
}

// TestTeamPages: an admin of a 500-member team pages through all of them,
// each member once, in the order of /quota team, every page within Slack's
// limits.
func TestTeamPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "UADMIN")
	bigTeam(t, e.ledger, 500)
	usages, err := e.ledger.TeamUsage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var team []quota.Usage // as /quota team orders them
	for _, r := range blockkit.RankTeam(usages) {
		team = append(team, r.Usage)
	}

	p := e.publish("UADMIN")
	var seen []string
	pages := 0
	for {
		pages++
		ids, menus := p.teamRows()
		if len(ids) == 0 || len(ids) > home.DefaultPageSize {
			t.Fatalf("page %d has %d members, want 1 to %d", pages, len(ids), home.DefaultPageSize)
		}
		for i, m := range menus {
			if m == nil || m.ActionID != commands.ActionTier || m.InitialOption == nil || !strings.HasPrefix(m.InitialOption.Value, ids[i]+":") {
				t.Fatalf("page %d: %s has no tier menu starting at their tier", pages, ids[i])
			}
		}
		if want := fmt.Sprintf("Team · page %d of 13", pages); !strings.Contains(p.text(), want) {
			t.Errorf("page %d does not say %q", pages, want)
		}
		seen = append(seen, ids...)
		next := p.block("team.pages")
		var value string
		if next != nil {
			for _, el := range next.(*slack.ActionBlock).Elements.ElementSet {
				if b := el.(*slack.ButtonBlockElement); b.ActionID == home.ActionPage+".next" {
					value = b.Value
				}
			}
		}
		if value == "" {
			break
		}
		if value != fmt.Sprint(pages+1) {
			t.Fatalf("page %d's Next says %s", pages, value)
		}
		p = e.press("UADMIN", home.ActionPage+".next", value, "")
	}
	if pages != 13 || len(seen) != 500 {
		t.Fatalf("got %d members over %d pages, want 500 over 13", len(seen), pages)
	}
	for i, u := range team {
		if seen[i] != u.Member.ID {
			t.Fatalf("row %d: got %s, want %s as /quota team orders them", i, seen[i], u.Member.ID)
		}
	}
	// Back one page, and the page is remembered for the next publish.
	p = e.press("UADMIN", home.ActionPage+".prev", "12", "")
	again := e.publish("UADMIN")
	for _, v := range []published{p, again} {
		if ids, _ := v.teamRows(); len(ids) == 0 || ids[0] != team[11*home.DefaultPageSize].Member.ID {
			t.Errorf("page 12 starts at %v, want %s", ids, team[11*home.DefaultPageSize].Member.ID)
		}
	}
	// A page past the end shows the last one.
	p = e.press("UADMIN", home.ActionPage+".next", "99", "")
	if !strings.Contains(p.text(), "page 13 of 13") {
		t.Errorf("a page past the end does not show the last page")
	}
}

// TestGoldens holds the home of a new member, of a member over a limit and
// of an admin of a 500-member team to the files in testdata/.
func TestGoldens(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		user  string
		setup func(e *env)
	}{
		{"new_member", "UNEW", func(*env) {}},
		{"over_limit", "U1", func(e *env) {
			for d := 12; d >= 1; d -= 3 {
				e.clock.Set(thursday(t).AddDate(0, 0, -d))
				e.log("U1", quota.Message, 100-d*5, "")
			}
			e.clock.Set(thursday(t).Add(-2 * time.Hour))
			e.log("U1", quota.Message, 90, "follow-ups to Acme")
			e.clock.Add(time.Hour)
			e.log("U1", quota.Message, 30, "")
			e.clock.Set(thursday(t))
		}},
		{"admin_500", "UADMIN", func(e *env) { bigTeam(t, e.ledger, 500) }},
		{"credits", "U1", func(e *env) { salesNavigator(t, e) }},
		{"capped", "U1", func(e *env) {
			e.clock.Set(thursday(t).Add(-3 * time.Hour))
			capInvites(t, e, "U1", 30)
			e.clock.Set(thursday(t).Add(-2 * time.Hour))
			e.log("U1", "invite", 31, "")
			e.clock.Set(thursday(t))
		}},
		{"paused", "U1", func(e *env) {
			e.clock.Set(thursday(t).Add(-3 * time.Hour))
			e.log("U1", quota.Message, 12, "")
			if _, err := e.ledger.Pause(context.Background(), store.PauseRequest{Member: "U1", Reason: "LinkedIn warning 2026-11-30", By: "UADMIN"}); err != nil {
				t.Fatal(err)
			}
			e.clock.Set(thursday(t))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "UADMIN")
			tc.setup(e)
			golden(t, tc.name, e.publish(tc.user))
		})
	}
}

// salesNavigator puts U1 on sales_navigator since 10 September, so the
// bank is full, with InMails spent and one given back, invitations over
// the week and messages today.
func salesNavigator(t *testing.T, e *env) {
	now := e.clock.Now()
	e.clock.Set(time.Date(2026, 9, 10, 9, 0, 0, 0, now.Location()))
	e.setTier("U1", "sales_navigator")
	e.clock.Set(now.AddDate(0, 0, -6))
	e.log("U1", quota.InMail, 3, "")
	e.log("U1", quota.Invite, 60, "")
	e.clock.Set(now.AddDate(0, 0, -1))
	if _, err := e.ledger.Log(context.Background(), store.LogRequest{Member: "U1", Kind: quota.InMail, Count: 1, Refund: true}); err != nil {
		t.Fatal(err)
	}
	e.log("U1", quota.Invite, 25, "")
	e.clock.Set(now.Add(-time.Hour))
	e.log("U1", quota.Message, 40, "")
	e.clock.Set(now)
}

// TestAdminCheckFails: when Slack cannot say whether the member is an
// admin, the home goes out without the team section rather than not at
// all, and rights are not guessed.
func TestAdminCheckFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.log("U2", quota.Message, 5, "")
	e.fake.Fail("users.info", slackfake.Failure{Status: 500})
	p := e.publish("UOWNER")
	if ids, _ := p.teamRows(); len(ids) > 0 {
		t.Errorf("team section shown while admin rights were unknown: %v", ids)
	}
	if p = e.publish("UOWNER"); !strings.Contains(p.text(), `"Team`) {
		t.Errorf("once users.info answers, the owner does not see the team")
	}
}

// capInvites caps member at max invitations over any 7 days, as UADMIN.
func capInvites(t *testing.T, e *env, member string, max int) {
	t.Helper()
	req := store.SetCapRequest{Member: member, Kind: "invite", Limit: quota.Limit{Span: 7 * 24 * time.Hour, Max: max}, By: "UADMIN"}
	if _, err := e.ledger.SetCap(context.Background(), req); err != nil {
		t.Fatal(err)
	}
}
