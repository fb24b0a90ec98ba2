package commands_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/quota"
)

// press presses the button with actionID on reply r as user, with key.
func (e *env) press(r commands.Reply, actionID, user, key string) commands.Reply {
	e.t.Helper()
	btn := buttons(r)[actionID]
	if btn == nil {
		e.t.Fatalf("no %s button on %q", actionID, r.Text)
	}
	res, err := e.h.Action(context.Background(), commands.ActionRequest{ActionID: actionID, Value: btn.Value, UserID: user, Key: key})
	if err != nil {
		e.t.Fatalf("Action(%s): %v", actionID, err)
	}
	got := res.Reply
	mustFit(e.t, got, true)
	return got
}

func TestLogButtons(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	first := e.do("U1", "/logsend 5", "t1")

	r := e.press(first, commands.ActionLog5, "U1", "press-1")
	if want := "Logged 5 messages. Left today: 90 of 100. Left this month: 1,490 of 1,500."; r.Text != want {
		t.Errorf("Log 5: got %q, want %q", r.Text, want)
	}
	again := e.press(first, commands.ActionLog5, "U1", "press-1")
	if again.Text != r.Text {
		t.Errorf("redelivered press: got %q, want the first reply %q", again.Text, r.Text)
	}
	r = e.press(r, commands.ActionLog1, "U1", "press-2")
	if want := "Logged 1 message. Left today: 89 of 100. Left this month: 1,489 of 1,500."; r.Text != want {
		t.Errorf("Log 1: got %q, want %q", r.Text, want)
	}
	if day, _ := e.mustUsed("U1", quota.Message); day != 11 {
		t.Errorf("got %d used today, want 11: 5, then 5 pressed twice but delivered as one, then 1", day)
	}
}

func TestUndoButton(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	first := e.do("U1", "/logsend 5", "t1")
	e.clock.Add(time.Minute)
	e.do("U1", "/logsend 7", "t2")

	// The button names its own entry: pressing it on the older reply takes
	// back the 5, not the newer 7.
	r := e.press(first, commands.ActionUndo, "U1", "undo-1")
	if want := "Took back 5 messages logged Thu 26 Nov 10:00 EST. Left today: 93 of 100. Left this month: 1,493 of 1,500."; r.Text != want {
		t.Errorf("got %q, want %q", r.Text, want)
	}
	if !r.ReplaceOriginal {
		t.Errorf("Undo reply: got ReplaceOriginal false, want true so the spent button goes")
	}
	if again := e.press(first, commands.ActionUndo, "U1", "undo-1"); again.Text != r.Text {
		t.Errorf("redelivered Undo: got %q, want %q", again.Text, r.Text)
	}
	if r := e.press(first, commands.ActionUndo, "U1", "undo-2"); !strings.HasPrefix(r.Text, "Nothing was taken back: that entry was taken back already") {
		t.Errorf("second press of a spent Undo: got %q, want that entry spent", r.Text)
	}
	if day, _ := e.mustUsed("U1", quota.Message); day != 7 {
		t.Errorf("got %d used today, want 7", day)
	}
}

// TestUndoButtonIsOwn: an Undo value naming someone else's entry takes
// nothing back.
func TestUndoButtonIsOwn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	theirs := e.do("U1", "/logsend 5", "t1")
	if r := e.press(theirs, commands.ActionUndo, "U2", "k"); !strings.HasPrefix(r.Text, "Nothing was taken back: that entry is not one of yours") {
		t.Errorf("got %q, want that entry not U2's", r.Text)
	}
	if day, _ := e.mustUsed("U1", quota.Message); day != 5 {
		t.Errorf("got %d used today by U1, want 5", day)
	}
}

// TestUndoUnknownEntry: an Undo press naming no entry of the member's says
// so, and not "no entry from the last 24 hours" while the member has
// some; it takes nothing back. A spent entry is told apart from an unknown
// one.
func TestUndoUnknownEntry(t *testing.T) {
	t.Parallel()
	const (
		unknown = "Nothing was taken back: that entry is not one of yours, or no longer exists. `/logsend undo` takes back your last entry."
		spent   = "Nothing was taken back: that entry was taken back already, or was logged more than 24 hours ago."
	)
	for _, tc := range []struct {
		name  string
		value func(e *env) string
		want  string
	}{
		{"malformed", func(*env) string { return "zz-not-an-entry" }, unknown},
		{"no such entry", func(*env) string { return "0000000000000001" }, unknown},
		{"zero", func(*env) string { return "0000000000000000" }, unknown},
		{"someone else's", func(e *env) string {
			return buttons(e.do("U2", "/logsend 3", ""))[commands.ActionUndo].Value
		}, unknown},
		{"taken back already", func(e *env) string {
			r := e.do("U1", "/logsend 4", "")
			e.press(r, commands.ActionUndo, "U1", "first-press")
			return buttons(r)[commands.ActionUndo].Value
		}, spent},
		{"older than a day", func(e *env) string {
			r := e.do("U1", "/logsend 4", "")
			e.clock.Add(25 * time.Hour)
			return buttons(r)[commands.ActionUndo].Value
		}, spent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, commands.Options{})
			value := tc.value(e)
			e.do("U1", "/logsend 2", "") // the member has an entry that stands
			res, err := e.h.Action(context.Background(), commands.ActionRequest{ActionID: commands.ActionUndo, Value: value, UserID: "U1", Key: "k"})
			r := res.Reply
			if err != nil {
				t.Fatalf("got error %v, want a reply", err)
			}
			mustFit(t, r, true)
			if r.Text != tc.want {
				t.Errorf("got %q, want %q", r.Text, tc.want)
			}
			if day, _ := e.mustUsed("U1", quota.Message); day != 2 {
				t.Errorf("got %d used today by U1, want 2: nothing taken back", day)
			}
		})
	}
}

func TestActionRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		action commands.ActionRequest
		want   string
	}{
		{"forged count", commands.ActionRequest{ActionID: commands.ActionLog5, Value: "5000 message"}, "is not a count I can take"},
		{"forged kind", commands.ActionRequest{ActionID: commands.ActionLog1, Value: "1 inmial"}, "Did you mean *inmail*?"},
		{"kind not on the tier", commands.ActionRequest{ActionID: commands.ActionLog1, Value: "1 inmail"}, "your tier, free, has no InMail"},
		{"log button that is not a log", commands.ActionRequest{ActionID: commands.ActionLog1, Value: "undo"}, "That button is no longer in use."},
		{"undo without an entry", commands.ActionRequest{ActionID: commands.ActionUndo, Value: ""}, "that entry is not one of yours, or no longer exists"},
		{"undo with garbage", commands.ActionRequest{ActionID: commands.ActionUndo, Value: "not-an-id\x00"}, "that entry is not one of yours, or no longer exists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, commands.Options{})
			tc.action.UserID = "U1"
			res, err := e.h.Action(context.Background(), tc.action)
			r := res.Reply
			if err != nil {
				t.Fatalf("got error %v, want a reply", err)
			}
			mustFit(t, r, true)
			if !strings.Contains(r.Text, tc.want) {
				t.Errorf("got %q, want it to contain %q", r.Text, tc.want)
			}
			e.mustNothingRecorded("U1")
		})
	}
}

func TestActionNotOurs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	_, err := e.h.Action(context.Background(), commands.ActionRequest{ActionID: "someone.else", UserID: "U1"})
	if !errors.Is(err, commands.ErrUnknownAction) {
		t.Errorf("got %v, want ErrUnknownAction", err)
	}
}

func TestActionsFromCallback(t *testing.T) {
	t.Parallel()
	cb := slack.InteractionCallback{
		Type:        slack.InteractionTypeBlockActions,
		TriggerID:   "trig",
		ResponseURL: "https://hooks.example/r",
		User:        slack.User{ID: "U1"},
		Team:        slack.Team{ID: "T1"},
		Channel:     slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C1"}}},
	}
	cb.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: commands.ActionLog5, Value: "5 message", ActionTs: "1.2"}}
	got := commands.ActionsFromCallback(cb)
	want := commands.ActionRequest{ActionID: commands.ActionLog5, Value: "5 message", UserID: "U1", TeamID: "T1", ChannelID: "C1",
		ResponseURL: "https://hooks.example/r", Key: "trig/1.2"}
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %+v, want [%+v]", got, want)
	}
}

// TestTierAction: the App Home's tier menu is checked like `/quota tier`,
// whoever built the payload: an admin sets anyone's tier, a member only
// their own, and a forged value changes nothing.
func TestTierAction(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		user     string
		value    string
		want     string // in the reply's text
		wantTier string // U2's tier afterwards
	}{
		{"admin sets someone's", "UADMIN", "U2:premium", "<@U2> is now on tier premium", "premium"},
		{"admin, any case", "UADMIN", "U2:Premium", "<@U2> is now on tier premium", "premium"},
		{"member sets their own", "U2", "U2:premium", "Your tier is now premium", "premium"},
		{"member sets someone's", "U3", "U2:premium", "Only admins can set someone else's tier.", "free"},
		{"unknown tier", "UADMIN", "U2:platinum", "There is no tier “platinum”.", "free"},
		{"typo of a tier", "UADMIN", "U2:premum", "Did you mean *premium*?", "free"},
		{"no member", "UADMIN", ":premium", "I can't make sense of", "free"},
		{"no colon", "UADMIN", "premium", "I can't make sense of", "free"},
		{"mention for a member", "UADMIN", "<@U2>:premium", "I can't make sense of", "free"},
		{"empty", "UADMIN", "", "I can't make sense of", "free"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, commands.Options{Admins: []string{"UADMIN"}})
			res, err := e.h.Action(context.Background(), commands.ActionRequest{ActionID: commands.ActionTier, Value: tc.value, UserID: tc.user, Key: "k"})
			r := res.Reply
			if err != nil {
				t.Fatalf("got error %v, want a reply", err)
			}
			mustFit(t, r, true)
			if !strings.Contains(r.Text, tc.want) {
				t.Errorf("got %q, want it to contain %q", r.Text, tc.want)
			}
			m, err := e.ledger.Member(context.Background(), "U2")
			if err != nil {
				t.Fatal(err)
			}
			if m.Tier != tc.wantTier {
				t.Errorf("U2's tier: got %s, want %s", m.Tier, tc.wantTier)
			}
			if strings.Contains(e.logs.String(), "level=ERROR") {
				t.Errorf("a refusal was logged as an error:\n%s", e.logs)
			}
		})
	}
}

// TestTierActionFromCallback: a menu's choice travels in selected_option,
// and ActionsFromCallback puts it where Action reads it.
func TestTierActionFromCallback(t *testing.T) {
	t.Parallel()
	cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, TriggerID: "trig", User: slack.User{ID: "U1"}}
	cb.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: commands.ActionTier, ActionTs: "1.2",
		SelectedOption: slack.OptionBlockObject{Value: "U2:premium"}}}
	got := commands.ActionsFromCallback(cb)
	if len(got) != 1 || got[0].Value != "U2:premium" || got[0].Key != "trig/1.2" {
		t.Errorf("got %+v, want one request with value U2:premium and key trig/1.2", got)
	}
}
