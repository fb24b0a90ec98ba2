package commands_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

func TestLogReplies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		before string // logged first, if any
		line   string
		want   string // the whole fallback text
	}{
		{"five", "", "/logsend 5", "Logged 5 messages. Left today: 95 of 100. Left this month: 1,495 of 1,500."},
		{"one by default", "", "/logsend", "Logged 1 message. Left today: 99 of 100. Left this month: 1,499 of 1,500."},
		{"with a note", "", "/logsend 5 message intro to Acme", "Logged 5 messages. Left today: 95 of 100. Left this month: 1,495 of 1,500."},
		{"near the day's limit", "/logsend 75", "/logsend 5",
			"Logged 5 messages. Left today: 20 of 100. Left this month: 1,420 of 1,500. Warning: 80% of today's messages used (20 left)."},
		{"at the day's limit", "/logsend 90", "/logsend 10",
			"Logged 10 messages. Left today: 0 of 100. Left this month: 1,400 of 1,500. Today's message limit reached: none left until Fri 27 Nov 00:00 EST."},
		{"over the day's limit", "/logsend 100", "/logsend 5",
			"Logged 5 messages. Left today: 0 of 100. Left this month: 1,395 of 1,500. Over today's message limit by 5: none left until Fri 27 Nov 00:00 EST."},
		{"over both", "/logsend 1000", "/logsend 600",
			"Logged 600 messages. Left today: 0 of 100. Left this month: 0 of 1,500. " +
				"Over today's message limit by 1,500: none left until Fri 27 Nov 00:00 EST. " +
				"Over this month's message limit by 100: none left until Tue 1 Dec 00:00 EST."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, commands.Options{})
			if tc.before != "" {
				e.do("U1", tc.before, "")
			}
			r := e.do("U1", tc.line, "t1")
			if r.Text != tc.want {
				t.Errorf("got  %q\nwant %q", r.Text, tc.want)
			}
		})
	}
}

func TestLogReplyBlocks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	e.do("U1", "/logsend 55", "")
	r := e.do("U1", "/logsend 5 message intro <!channel> &amp; co", "t1")
	js := blocksJSON(t, r)
	day := thursday(t).AddDate(0, 0, 1)
	for _, want := range []string{
		"Logged *5 messages*",
		"*40 left now*",
		"`▓▓▓▓▓▓░░░░` 60/100 today · resets <!date^" + fmt.Sprint(time.Date(2026, 11, 27, 0, 0, 0, 0, day.Location()).Unix()) + "^{date_short_pretty} {time}|Fri 27 Nov 00:00 EST>",
		"`▓░░░░░░░░░` 60/1,500 this month · resets <!date^",
		"Note: intro &lt;!channel&gt; &amp; co", // a note cannot ping the channel
	} {
		if !strings.Contains(js, want) {
			t.Errorf("blocks %s\nwant them to contain %q", js, want)
		}
	}
	btn := buttons(r)
	for id, value := range map[string]string{commands.ActionLog1: "1 message", commands.ActionLog5: "5 message"} {
		if btn[id] == nil || btn[id].Value != value {
			t.Errorf("button %s: got %+v, want value %q", id, btn[id], value)
		}
	}
	if btn[commands.ActionUndo] == nil || btn[commands.ActionUndo].Value == "" {
		t.Errorf("got no Undo button naming the entry")
	}
}

// TestNoteLength: the note limit is 500 characters, as the reply says,
// whatever bytes they take; a note past it is refused with its length, and
// nothing is recorded.
func TestNoteLength(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		note string
		want string // the fallback text starts with it
	}{
		{"200 emoji", strings.Repeat("😀", 200), "Logged 1 message."},
		{"500 emoji", strings.Repeat("😀", 500), "Logged 1 message."},
		{"500 ampersands as Slack sends them", strings.Repeat("&amp;", 500), "Logged 1 message."},
		{"501 letters", strings.Repeat("n", 501), "That note is 501 characters long: keep it to 500. Nothing was recorded."},
		{"501 emoji", strings.Repeat("😀", 501), "That note is 501 characters long: keep it to 500. Nothing was recorded."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, commands.Options{})
			r := e.do("U1", "/logsend 1 message "+tc.note, "")
			if !strings.HasPrefix(r.Text, tc.want) {
				t.Errorf("got %q, want it to start %q", clipped(r.Text), tc.want)
			}
			if !strings.HasPrefix(tc.want, "Logged") {
				e.mustNothingRecorded("U1")
			}
		})
	}
}

func TestLogOverIsLoud(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	r := e.do("U1", "/logsend 105", "")
	js := blocksJSON(t, r)
	for _, want := range []string{":rotating_light: *Over today's message limit by 5.* None left until <!date^", "*105/100 today, 5 over*", "`▓▓▓▓▓▓▓▓▓▓`"} {
		if !strings.Contains(js, want) {
			t.Errorf("blocks %s\nwant them to contain %q", js, want)
		}
	}
	if day, month := e.mustUsed("U1", quota.Message); day != 105 || month != 105 {
		t.Errorf("got %d today, %d this month; want 105 and 105: what was sent is recorded even over the limit", day, month)
	}
}

func TestLogDuplicateCountsOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	first := e.do("U1", "/logsend 5", "trigger-A")
	again := e.do("U1", "/logsend 5", "trigger-A")
	if again.Text != first.Text {
		t.Errorf("duplicate reply: got %q, want the first reply %q", again.Text, first.Text)
	}
	if a, b := blocksJSON(t, first), blocksJSON(t, again); a != b {
		t.Errorf("duplicate blocks differ:\n%s\n%s", a, b)
	}
	if day, _ := e.mustUsed("U1", quota.Message); day != 5 {
		t.Errorf("got %d used today, want 5: the same trigger_id counts once", day)
	}
	e.do("U1", "/logsend 5", "trigger-B")
	if day, _ := e.mustUsed("U1", quota.Message); day != 10 {
		t.Errorf("got %d used today, want 10 after a second command", day)
	}
}

func TestLogConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			e.h.Handle(context.Background(), commands.Request{Command: "/logsend", Text: "3", UserID: "U1", TriggerID: "same"})
		})
	}
	wg.Wait()
	if day, _ := e.mustUsed("U1", quota.Message); day != 3 {
		t.Errorf("got %d used today, want 3: sixteen deliveries of one command", day)
	}
}

func TestInMail(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	r := e.do("U1", "/logsend 3 inmail", "t1")
	if want := "Not logged: your tier, free, has no InMail; set your tier with `/quota tier premium`."; !strings.HasPrefix(r.Text, want) {
		t.Errorf("got %q, want it to start %q", r.Text, want)
	}
	e.mustNothingRecorded("U1")

	r = e.do("U1", "/quota tier premium", "t2")
	if want := "Your tier is now premium: messages 100 a day and 1,500 a month; InMails 20 a day and 300 a month; invitations 100 in any 7 days."; r.Text != want {
		t.Errorf("got %q, want %q", r.Text, want)
	}
	r = e.do("U1", "/logsend inmail 3 follow-ups to Acme", "t3")
	if want := "Logged 3 InMails. Left today: 17 of 20. Left this month: 297 of 300."; r.Text != want {
		t.Errorf("got %q, want %q", r.Text, want)
	}
	if btn := buttons(r); btn[commands.ActionLog5] == nil || btn[commands.ActionLog5].Value != "5 inmail" {
		t.Errorf("got Log 5 button %+v, want it to log InMails", btn[commands.ActionLog5])
	}
}

func TestUndo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	e.do("U1", "/logsend 5", "t1")
	e.clock.Add(time.Minute)
	e.do("U1", "/logsend 2", "t2")

	r := e.do("U1", "/logsend undo", "u1")
	if want := "Took back 2 messages logged Thu 26 Nov 10:01 EST. Left today: 95 of 100. Left this month: 1,495 of 1,500."; r.Text != want {
		t.Errorf("got %q, want %q", r.Text, want)
	}
	again := e.do("U1", "/logsend undo", "u1")
	if again.Text != r.Text {
		t.Errorf("redelivered undo: got %q, want the first reply %q", again.Text, r.Text)
	}
	r = e.do("U1", "/logsend undo", "u2")
	if !strings.HasPrefix(r.Text, "Took back 5 messages") {
		t.Errorf("second undo: got %q, want the 5 taken back", r.Text)
	}
	r = e.do("U1", "/logsend undo", "u3")
	if want := "Nothing to undo: you have no entry from the last 24 hours that still stands."; r.Text != want {
		t.Errorf("got %q, want %q", r.Text, want)
	}
	if day, _ := e.mustUsed("U1", quota.Message); day != 0 {
		t.Errorf("got %d used today, want 0", day)
	}
}

func TestShow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	e.do("U1", "/logsend 60", "")
	e.do("U2", "/quota tier premium", "")
	e.do("U2", "/logsend 17 inmail", "")

	r := e.do("U1", "/quota", "")
	if want := "Your quota (tier free). Messages: 40 left now. Left today: 40 of 100. Left this month: 1,440 of 1,500. Invitations: 100 left now. Left over the last 7 days: 100 of 100."; r.Text != want {
		t.Errorf("got  %q\nwant %q", r.Text, want)
	}
	js := blocksJSON(t, r)
	for _, want := range []string{"*Your quota* · tier free", "`▓▓▓▓▓▓░░░░` 60/100 today", "No InMails on your tier, free. Set your tier with `/quota tier premium`."} {
		if !strings.Contains(js, want) {
			t.Errorf("blocks %s\nwant them to contain %q", js, want)
		}
	}

	for _, mention := range []string{"<@U2|bob>", "<@U2>"} {
		r = e.do("U1", "/quota "+mention, "")
		want := "Quota for <@U2> (tier premium). Messages: 100 left now. Left today: 100 of 100. Left this month: 1,500 of 1,500. " +
			"InMails: 3 left now. Left today: 3 of 20. Left this month: 283 of 300. Warning: 85% of today's InMails used (3 left). " +
			"Invitations: 100 left now. Left over the last 7 days: 100 of 100."
		if r.Text != want {
			t.Errorf("/quota %s:\ngot  %q\nwant %q", mention, r.Text, want)
		}
	}

	r = e.do("U9", "/quota", "")
	if want := "Your quota (tier free). Messages: 100 left now. Left today: 100 of 100. Left this month: 1,500 of 1,500. Invitations: 100 left now. Left over the last 7 days: 100 of 100."; r.Text != want {
		t.Errorf("someone never seen: got %q, want %q", r.Text, want)
	}
}

// TestShowAcrossMidnight checks the windows turn over on the workspace's
// calendar: a new day, same month.
func TestShowAcrossMidnight(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	e.do("U1", "/logsend 100", "")
	e.clock.Add(14 * time.Hour) // Fri 27 Nov 00:00 EST
	r := e.do("U1", "/quota", "")
	if want := "Your quota (tier free). Messages: 100 left now. Left today: 100 of 100. Left this month: 1,400 of 1,500. Invitations: 100 left now. Left over the last 7 days: 100 of 100."; r.Text != want {
		t.Errorf("got %q, want %q", r.Text, want)
	}
}

func TestSetTierRights(t *testing.T) {
	t.Parallel()
	users := &fakeUsers{users: map[string]slack.User{
		"UADMIN": {ID: "UADMIN", IsAdmin: true},
		"UOWNER": {ID: "UOWNER", IsOwner: true},
		"UPRIME": {ID: "UPRIME", IsPrimaryOwner: true},
		"UPLAIN": {ID: "UPLAIN"},
	}}
	for _, tc := range []struct {
		name   string
		caller string
		line   string
		ok     bool
	}{
		{"own tier", "UPLAIN", "/quota tier premium", true},
		{"own tier by mention", "UPLAIN", "/quota tier <@UPLAIN> premium", true},
		{"someone else's, as a member", "UPLAIN", "/quota tier <@U2> premium", false},
		{"someone else's, as a configured admin", "UCONF", "/quota tier <@U2> premium", true},
		{"someone else's, as a workspace admin", "UADMIN", "/quota tier <@U2> premium", true},
		{"someone else's, as an owner", "UOWNER", "/quota tier <@U2|bob> premium", true},
		{"someone else's, as the primary owner", "UPRIME", "/quota tier premium <@U2>", true},
		{"someone else's, unknown to Slack", "UGHOST", "/quota tier <@U2> premium", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, commands.Options{Admins: []string{"UCONF"}, Users: users})
			r := e.do(tc.caller, tc.line, "")
			target := "U2"
			if strings.Contains(tc.line, "UPLAIN") || !strings.Contains(tc.line, "<@") {
				target = tc.caller
			}
			m, err := e.ledger.Member(context.Background(), target)
			if err != nil {
				t.Fatal(err)
			}
			if tc.ok {
				if m.Tier != "premium" {
					t.Errorf("reply %q: got tier %q for %s, want premium", r.Text, m.Tier, target)
				}
				if m.TierSetBy != tc.caller {
					t.Errorf("got tier set by %q, want %q", m.TierSetBy, tc.caller)
				}
				return
			}
			if m.Tier != "free" {
				t.Errorf("got tier %q for %s, want it left at free", m.Tier, target)
			}
			if !strings.HasPrefix(r.Text, "Only admins can set someone else's tier.") &&
				!strings.HasPrefix(r.Text, "I couldn't check with Slack") {
				t.Errorf("got %q, want a refusal", r.Text)
			}
		})
	}
}

func TestSetTierWithoutUsers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{Admins: []string{"UCONF"}})
	if r := e.do("UPLAIN", "/quota tier <@U2> premium", ""); !strings.HasPrefix(r.Text, "Only admins") {
		t.Errorf("got %q, want a refusal", r.Text)
	}
	if r := e.do("UCONF", "/quota tier <@U2> premium", ""); r.Text != "<@U2> is now on tier premium: messages 100 a day and 1,500 a month; InMails 20 a day and 300 a month; invitations 100 in any 7 days." {
		t.Errorf("got %q", r.Text)
	}
}

// TestAdminCache: users.info is asked once per user per TTL, and not at
// all while Slack says to back off. (Simultaneous askers sharing one call is
// TestAdminCacheSharesCalls, inside the package.)
func TestAdminCache(t *testing.T) {
	t.Parallel()
	users := &fakeUsers{users: map[string]slack.User{"UADMIN": {ID: "UADMIN", IsAdmin: true}}}
	e := newEnv(t, commands.Options{Users: users, AdminTTL: 10 * time.Minute})
	set := func(n int) string { return fmt.Sprintf("/quota tier <@U%d> premium", n) }

	for i := range 5 {
		e.do("UADMIN", set(i), "")
	}
	if got := users.calls.Load(); got != 1 {
		t.Errorf("got %d users.info calls for five commands within the TTL, want 1", got)
	}
	e.clock.Add(11 * time.Minute)
	e.do("UADMIN", set(6), "")
	if got := users.calls.Load(); got != 2 {
		t.Errorf("got %d users.info calls after the TTL, want 2", got)
	}

	// Rate limited: refused with words, and Slack is left alone until
	// Retry-After has passed.
	e.clock.Add(11 * time.Minute)
	users.mu.Lock()
	users.hold = nil
	users.mu.Unlock()
	users.setErr(&slack.RateLimitedError{RetryAfter: 30 * time.Second})
	r := e.do("UADMIN", set(8), "")
	if want := "I couldn't check with Slack whether you are an admin just now. Please try again in a minute."; r.Text != want {
		t.Errorf("got %q, want %q", r.Text, want)
	}
	e.do("UADMIN", set(8), "")
	if got := users.calls.Load(); got != 3 {
		t.Errorf("got %d users.info calls, want 3: none while rate limited", got)
	}
	users.setErr(nil)
	e.clock.Add(31 * time.Second)
	if r := e.do("UADMIN", set(8), ""); !strings.HasPrefix(r.Text, "<@U8> is now on tier premium") {
		t.Errorf("after Retry-After: got %q, want the tier set", r.Text)
	}
}

func TestHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	r := e.do("U1", "/quota history", "")
	if want := "You have not logged anything yet. Log sends with `/logsend 5`."; r.Text != want {
		t.Errorf("got %q, want %q", r.Text, want)
	}
	e.do("U1", "/logsend 5 message intro to <!here>", "")
	e.clock.Add(time.Hour)
	e.do("U1", "/logsend 2", "")
	e.do("U1", "/logsend undo", "")
	r = e.do("U1", "/quota history", "")
	if want := "Your last 2 entries, newest first: Thu 26 Nov 11:00 EST: 2 messages, taken back; Thu 26 Nov 10:00 EST: 5 messages (intro to &lt;!here&gt;)."; r.Text != want {
		t.Errorf("got  %q\nwant %q", r.Text, want)
	}
	js := blocksJSON(t, r)
	for _, want := range []string{"intro to &lt;!here&gt;", "~<!date^", "~ · taken back", "|Thu 26 Nov 10:00 EST>"} {
		if !strings.Contains(js, want) {
			t.Errorf("blocks %s\nwant them to contain %q", js, want)
		}
	}

	for i := range 12 {
		e.do("U1", fmt.Sprintf("/logsend %d message %s", i+1, strings.Repeat("<long note> ", 40)), "")
	}
	r = e.do("U1", "/quota history", "")
	if !strings.HasPrefix(r.Text, "Your last 10 entries") {
		t.Errorf("got %q, want the last 10", r.Text[:40])
	}
}

// TestNotesAreInert: a note is shown, never acted on, wherever a reply
// carries it, in the plain-text fallback (which Slack reads as mrkdwn) as
// in the blocks: no mention, no channel ping, no disguised link.
func TestNotesAreInert(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		note string // as Slack sends it, escaped
		want string // as the reply must carry it
		bad  string // what must never appear
	}{
		{"channel ping", "&lt;!channel&gt; read this", "&lt;!channel&gt; read this", "<!channel>"},
		{"here ping", "&lt;!here&gt;", "&lt;!here&gt;", "<!here>"},
		{"mention", "&lt;@U0BOSS&gt; said so", "&lt;@U0BOSS&gt; said so", "<@U0BOSS>"},
		{"disguised link", "&lt;http://evil.example|the deck&gt;", "&lt;http://evil.example|the deck&gt;", "<http://evil.example"},
		{"ampersand", "Q&amp;A", "Q&amp;A", "Q&A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, commands.Options{})
			logged := e.do("U1", "/logsend 1 message "+tc.note, "")
			history := e.do("U1", "/quota history", "")
			for what, s := range map[string]string{
				"log blocks":       blocksJSON(t, logged),
				"log fallback":     logged.Text,
				"history blocks":   blocksJSON(t, history),
				"history fallback": history.Text,
			} {
				if strings.Contains(s, tc.bad) {
					t.Errorf("%s: got %q, which carries %q live", what, s, tc.bad)
				}
			}
			for what, s := range map[string]string{"history blocks": blocksJSON(t, history), "history fallback": history.Text} {
				if !strings.Contains(s, tc.want) {
					t.Errorf("%s: got %q, want it to show %q", what, s, tc.want)
				}
			}
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	for _, tc := range []struct{ line, want string }{
		{"/quota help", "Log sends with `/logsend [count] [kind] [note]`"},
		{"/logsend help", "Log sends with `/logsend [count] [kind] [note]`"},
		{"/quota tema", "I don't know `/quota tema`. Did you mean `/quota team`?"},
		{"/quota frobnicate", "I don't know `/quota frobnicate`."},
		{"/quota @bob", "I can't tell who “@bob” is."},
		{"/quota tier", "• *free* _(yours)_: messages 100 a day and 1,500 a month; invitations 100 in any 7 days.\n"},
		{"/quota tier", "• *sales_navigator*: messages 100 a day and 1,500 a month; InMail credits 50 a month, banked up to 150; invitations 100 in any 7 days."},
	} {
		if r := e.do("U1", tc.line, ""); !strings.Contains(r.Text, tc.want) {
			t.Errorf("%s: got %q, want it to contain %q", tc.line, r.Text, tc.want)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	r := e.do("U1", "/quotas", "")
	if !strings.HasPrefix(r.Text, "I don't answer “/quotas”.") {
		t.Errorf("got %q", r.Text)
	}
}

// TestUnexpectedErrorApologises: a broken ledger shows a short apology,
// never a Go error, and the detail goes to the log.
func TestUnexpectedErrorApologises(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	if err := e.ledger.Close(); err != nil {
		t.Fatal(err)
	}
	r := e.do("U1", "/logsend 5", "t1")
	if want := "I'm restarting. Please try again in a moment."; r.Text != want {
		t.Errorf("got %q, want %q", r.Text, want)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "ledger closed") || !strings.Contains(logs, "user=U1") {
		t.Errorf("got log %q, want the error logged with its detail", logs)
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		err      error
		want     string
		expected bool
	}{
		{"bad count", fmt.Errorf("log: %w", quota.ErrBadCount), "A count is a whole number from 1 to 1000, in digits.", true},
		{"no kind", &quota.NoKindError{Tier: "free", Kind: quota.InMail, Tiers: []string{"premium"}},
			"Not logged: your tier, free, has no InMail; set your tier with `/quota tier premium`.", true},
		{"unknown kind", &quota.UnknownError{What: "kind", Input: "inmial", Known: []string{"message", "inmail"}, Suggestion: "inmail"},
			"I don't know the kind “inmial”. Did you mean *inmail*? Kinds: message, inmail.", true},
		{"unknown kind, no suggestion, input escaped", &quota.UnknownError{What: "kind", Input: "<!channel>", Known: []string{"message"}},
			"I don't know the kind “&lt;!channel&gt;”. Kinds: message.", true},
		{"nothing to undo", fmt.Errorf("undo for U1: %w", quota.ErrNothingToUndo), "Nothing to undo: you have no entry from the last 24 hours that still stands.", true},
		{"no such entry", fmt.Errorf("undo: %w", quota.ErrNoSuchEntry),
			"Nothing was taken back: that entry is not one of yours, or no longer exists. `/logsend undo` takes back your last entry.", true},
		{"spent entry", fmt.Errorf("undo: %w", commands.ErrSpentUndo),
			"Nothing was taken back: that entry was taken back already, or was logged more than 24 hours ago.", true},
		{"unknown tier", &quota.UnknownError{What: "tier", Input: "gold", Known: []string{"free", "premium"}}, "There is no tier “gold”. Tiers: free, premium.", true},
		{"not admin", fmt.Errorf("set tier: %w", commands.ErrNotAdmin), "Only admins can set someone else's tier. You can set your own, for example `/quota tier premium`.", true},
		{"note too long", quota.ErrNoteTooLong, "That note is too long: keep it to 500 characters.", true},
		{"note too long, as parsed", &commands.ParseError{Command: "/logsend", Input: strings.Repeat("😀", 1234), Err: quota.ErrNoteTooLong},
			"That note is 1,234 characters long: keep it to 500.", true},
		{"deadline", fmt.Errorf("log: %w", context.DeadlineExceeded), "That took too long. Please try again in a moment.", false},
		{"store failed", fmt.Errorf("log: %w: %w", store.ErrStoreFailed, errors.New("sync: input/output error")),
			"I can't record anything right now: my storage failed a write. Nothing more is logged until quotabot is restarted; please tell whoever runs it.", false},
		{"anything else", errors.New("open /var/lib/quotabot/000001.vlog: disk on fire"), "Sorry, something went wrong on my side. Please try again in a moment.", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, expected := commands.Explain(tc.err)
			if got != tc.want || expected != tc.expected {
				t.Errorf("got %q, %v; want %q, %v", got, expected, tc.want, tc.expected)
			}
		})
	}
}

// TestRefusalsAreNotErrors: a member's mistake is not logged as an error;
// only the unexpected is.
func TestRefusalsAreNotErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	for _, line := range []string{"/logsend 5 inmial", "/logsend inmail", "/logsend undo", "/quota tier gold", "/quota @bob", "/quota tier <@U2> premium"} {
		e.do("U1", line, "")
	}
	if logs := e.logs.String(); strings.Contains(logs, "level=ERROR") {
		t.Errorf("got errors logged for refusals: %s", logs)
	}
}

func TestReplyMsg(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	r := e.do("U1", "/logsend 5", "")
	b, err := json.Marshal(r.Msg())
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		ResponseType string            `json:"response_type"`
		Text         string            `json:"text"`
		Blocks       []json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.ResponseType != "ephemeral" || m.Text != r.Text || len(m.Blocks) != len(r.Blocks) {
		t.Errorf("got %s, want an ephemeral message with the reply's text and blocks", b)
	}
}

func TestCommandsAnswered(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	for _, c := range e.h.Commands() {
		if r := e.do("U1", c+" help", ""); !strings.Contains(r.Text, "/logsend") {
			t.Errorf("%s help: got %q", c, r.Text)
		}
	}
}
