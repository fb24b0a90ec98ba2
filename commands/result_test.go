package commands_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// TestResult: Handle says what it parsed, how it went and whom it changed,
// so that no transport parses the text again or reads the log for it.
func TestResult(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{Admins: []string{"UADMIN"}})
	if _, err := e.ledger.Log(context.Background(), store.LogRequest{Member: "U2", Kind: quota.Message, Count: 3}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, user, line, trigger string
		command                   commands.Command
		outcome                   commands.Outcome
		changed                   []string
	}{
		{"a good /logsend", "U1", "/logsend 5", "t1",
			commands.Log{Count: 5, Kind: quota.Message}, commands.OK, []string{"U1"}},
		{"the same /logsend delivered again reads like the first", "U1", "/logsend 5", "t1",
			commands.Log{Count: 5, Kind: quota.Message}, commands.OK, []string{"U1"}},
		{"a kind the tier lacks", "U1", "/logsend 2 inmail hello", "",
			commands.Log{Count: 2, Kind: quota.InMail, Note: "hello"}, commands.Refused, nil},
		{"a malformed /logsend", "U1", "/logsend 5 inmial", "",
			nil, commands.Refused, nil},
		{"a count out of range", "U1", "/logsend 0", "",
			nil, commands.Refused, nil},
		{"undo", "U2", "/logsend undo", "",
			commands.Undo{}, commands.OK, []string{"U2"}},
		{"undo with nothing left to undo", "U2", "/logsend undo", "",
			commands.Undo{}, commands.Refused, nil},
		{"an admin sets someone else's tier", "UADMIN", "/quota tier <@U3|them> premium", "",
			commands.SetTier{Member: "U3", Tier: "premium"}, commands.OK, []string{"U3"}},
		{"a member who is not an admin tries to", "U1", "/quota tier <@U3|them> free", "",
			commands.SetTier{Member: "U3", Tier: "free"}, commands.Refused, nil},
		{"a member sets their own tier", "U4", "/quota tier premium", "",
			commands.SetTier{Tier: "premium"}, commands.OK, []string{"U4"}},
		{"an unknown tier", "U4", "/quota tier platinum", "",
			nil, commands.Refused, nil},
		{"/quota reads", "U1", "/quota", "",
			commands.Show{}, commands.OK, nil},
		{"/quota @someone reads", "U1", "/quota <@U2|them>", "",
			commands.Show{Member: "U2"}, commands.OK, nil},
		{"/quota team reads", "U1", "/quota team", "",
			commands.Team{}, commands.OK, nil},
		{"/quota history reads", "U1", "/quota history", "",
			commands.History{}, commands.OK, nil},
		{"/quota help reads", "U1", "/quota help", "",
			commands.Help{Command: "/quota"}, commands.OK, nil},
		{"an unknown subcommand gets help", "U1", "/quota teams", "",
			commands.Help{Command: "/quota", Unknown: "teams", Suggestion: "team"}, commands.OK, nil},
		{"a command this handler does not answer", "U1", "/quotas", "",
			nil, commands.Refused, nil},
	} {
		cmd, text, _ := strings.Cut(tc.line, " ")
		res := e.h.Handle(context.Background(), commands.Request{Command: cmd, Text: text, UserID: tc.user, TriggerID: tc.trigger})
		if !reflect.DeepEqual(res.Command, tc.command) {
			t.Errorf("%s: got command %#v, want %#v", tc.name, res.Command, tc.command)
		}
		if res.Outcome != tc.outcome {
			t.Errorf("%s: got outcome %s, want %s (reply %q)", tc.name, res.Outcome, tc.outcome, res.Reply.Text)
		}
		if !reflect.DeepEqual(res.Changed, tc.changed) {
			t.Errorf("%s: got changed %v, want %v", tc.name, res.Changed, tc.changed)
		}
		if res.Reply.Text == "" {
			t.Errorf("%s: got no reply", tc.name)
		}
	}
	if m, _ := e.ledger.Member(context.Background(), "U3"); m.Tier != "premium" {
		t.Errorf("U3's tier: got %s, want premium (the refused change left it)", m.Tier)
	}
}

// TestResultStoreFailure: a command the store cannot serve is Failed,
// changes no one, and the member reads the short note, not a Go error.
func TestResultStoreFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	if err := e.ledger.Close(); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"/logsend 5", "/quota", "/quota tier premium"} {
		cmd, text, _ := strings.Cut(line, " ")
		res := e.h.Handle(context.Background(), commands.Request{Command: cmd, Text: text, UserID: "U1"})
		if res.Outcome != commands.Failed || res.Changed != nil {
			t.Errorf("%s on a closed store: got %s, changed %v, want failed, no one", line, res.Outcome, res.Changed)
		}
		if res.Command == nil {
			t.Errorf("%s on a closed store: got no command, want what was parsed", line)
		}
		if !strings.Contains(res.Reply.Text, "try again") {
			t.Errorf("%s on a closed store: got %q, want the short note", line, res.Reply.Text)
		}
	}
	if logs := e.logs.String(); !strings.Contains(logs, "command failed") {
		t.Errorf("the failure was not logged:\n%s", logs)
	}
}

// TestActionResult: a press says what it did like a command: the log
// button changes the presser, a forged tier change and a spent Undo are
// refused and change no one.
func TestActionResult(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	res := e.h.Handle(context.Background(), commands.Request{Command: "/logsend", Text: "5", UserID: "U1"})
	undo := buttons(res.Reply)[commands.ActionUndo]
	if undo == nil {
		t.Fatalf("no Undo button on %q", res.Reply.Text)
	}
	for _, tc := range []struct {
		name    string
		a       commands.ActionRequest
		command commands.Command
		outcome commands.Outcome
		changed []string
	}{
		{"Log 1", commands.ActionRequest{ActionID: commands.ActionLog1, Value: "1 message", UserID: "U1", Key: "k1"},
			commands.Log{Count: 1, Kind: quota.Message}, commands.OK, []string{"U1"}},
		{"a log button whose value is not a log", commands.ActionRequest{ActionID: commands.ActionLog5, Value: "undo", UserID: "U1", Key: "k2"},
			nil, commands.Refused, nil},
		{"Undo", commands.ActionRequest{ActionID: commands.ActionUndo, Value: undo.Value, UserID: "U1", Key: "k3"},
			commands.Undo{}, commands.OK, []string{"U1"}},
		{"Undo pressed again", commands.ActionRequest{ActionID: commands.ActionUndo, Value: undo.Value, UserID: "U1", Key: "k4"},
			commands.Undo{}, commands.Refused, nil},
		{"a tier change for someone else, not an admin", commands.ActionRequest{ActionID: commands.ActionTier, Value: "U2:premium", UserID: "U1", Key: "k5"},
			commands.SetTier{Member: "U2", Tier: "premium"}, commands.Refused, nil},
		{"a tier change for oneself", commands.ActionRequest{ActionID: commands.ActionTier, Value: "U1:premium", UserID: "U1", Key: "k6"},
			commands.SetTier{Member: "U1", Tier: "premium"}, commands.OK, []string{"U1"}},
		{"a forged tier value", commands.ActionRequest{ActionID: commands.ActionTier, Value: "<!channel>:premium", UserID: "U1", Key: "k7"},
			nil, commands.Refused, nil},
	} {
		res, err := e.h.Action(context.Background(), tc.a)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(res.Command, tc.command) || res.Outcome != tc.outcome || !reflect.DeepEqual(res.Changed, tc.changed) {
			t.Errorf("%s: got %#v, %s, changed %v; want %#v, %s, changed %v (reply %q)", tc.name,
				res.Command, res.Outcome, res.Changed, tc.command, tc.outcome, tc.changed, res.Reply.Text)
		}
	}
}
