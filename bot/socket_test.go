package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/quotabot/quotabot/bot"
	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/internal/slackfake"
)

// TestSocketCommands drives the bot through the fake's Socket Mode with
// slack-go's real socketmode client: replies travel in the acks, they
// survive a dropped connection and a routine disconnect, and a redelivered
// envelope (the same trigger_id) is counted once.
func TestSocketCommands(t *testing.T) {
	t.Parallel()
	e := newEnv(t, config{})
	e.serveSocket()
	e.fake.WaitConnected(t)

	id := e.fake.SendSlashCommand(t, slack.SlashCommand{Command: "/logsend", Text: "5", UserID: "U1"})
	if r := e.ack(id); !strings.HasPrefix(r.Text, "Logged 5 messages. Left today: 95 of 100.") || r.ResponseType != "ephemeral" {
		t.Errorf("/logsend 5: got %+v, want the log's reply in the ack", r)
	}

	// A connection dropped without a close frame: slack-go reconnects.
	n := e.fake.Connections()
	e.fake.Drop()
	e.fake.WaitConnections(t, n+1)
	id = e.fake.SendSlashCommand(t, slack.SlashCommand{Command: "/quota", UserID: "U1"})
	if r := e.ack(id); !strings.Contains(r.Text, "Left today: 95 of 100") {
		t.Errorf("/quota after a drop: got %q, want 95 of 100 today", r.Text)
	}

	// Slack's routine disconnect.
	n = e.fake.Connections()
	e.fake.Disconnect()
	e.fake.WaitConnections(t, n+1)

	// The same command delivered twice, as Slack redelivers an envelope
	// whose ack it did not see.
	cmd := slack.SlashCommand{Command: "/logsend", Text: "3", UserID: "U1", TeamID: slackfake.TeamID,
		ChannelID: "C0FAKE", TriggerID: trigger(), ResponseURL: e.fake.ResponseURL()}
	payload, err := json.Marshal(cmd)
	if err != nil {
		t.Fatal(err)
	}
	e.fake.SendEnvelope(t, slackfake.Envelope{Type: "slash_commands", EnvelopeID: "env-first", Payload: payload, AcceptsResponsePayload: true})
	first := e.ack("env-first")
	e.fake.SendEnvelope(t, slackfake.Envelope{Type: "slash_commands", EnvelopeID: "env-again", Payload: payload,
		AcceptsResponsePayload: true, RetryAttempt: 1, RetryReason: "timeout"})
	again := e.ack("env-again")
	if first.Text != again.Text || !strings.HasPrefix(first.Text, "Logged 3 messages") {
		t.Errorf("redelivery: got %q then %q, want the same log reply twice", first.Text, again.Text)
	}
	if day, _ := e.used("U1"); day != 8 {
		t.Errorf("got %d messages today, want 8: the redelivered /logsend 3 counts once", day)
	}
	if n := e.entries("U1"); n != 2 {
		t.Errorf("got %d entries, want 2", n)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "transport=socket") || !strings.Contains(logs, "repeated command") {
		t.Errorf("logs lack the socket commands and the ignored repeat:\n%s", logs)
	}
}

// TestSocketSlowHandler: a command that takes long does not stall the
// socket. Others are answered meanwhile, it is acknowledged with a working
// note at the deadline, and its reply follows through response_url.
func TestSocketSlowHandler(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	s := &stub{handle: func(ctx context.Context, req commands.Request) commands.Reply {
		if req.Text == "hold" {
			<-release
			return textReply("held reply")
		}
		return textReply("quick reply")
	}}
	// The deadline decides nothing the test checks: the held command is
	// answered late however long it is.
	e := newEnv(t, config{bot: bot.Options{Handler: s, AckDeadline: 50 * time.Millisecond}})
	e.serveSocket()
	e.fake.WaitConnected(t)

	held := e.fake.SendSlashCommand(t, slack.SlashCommand{Command: "/quota", Text: "hold", UserID: "U1"})
	for range 3 {
		id := e.fake.SendSlashCommand(t, slack.SlashCommand{Command: "/quota", UserID: "U2"})
		if r := e.ack(id); r.Text != "quick reply" {
			t.Errorf("while another command is held: got %q, want the quick reply", r.Text)
		}
	}
	if r := e.ack(held); !strings.Contains(r.Text, "Working on it") {
		t.Errorf("held command: got ack %q, want the working note", r.Text)
	}
	close(release)
	calls := e.fake.WaitCalls(t, "response_url", 1)
	if !strings.Contains(string(calls[0].JSON), "held reply") {
		t.Errorf("response_url got %s, want the held reply", calls[0].JSON)
	}
}

// TestSocketLargeReply: a reply too large for an ack (slack-go refuses 20
// KB) is acked with a short note and posted to response_url, once even
// when the envelope comes again.
func TestSocketLargeReply(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("word ", 600) // 3,000 characters a section
	s := &stub{handle: func(ctx context.Context, req commands.Request) commands.Reply {
		r := textReply("a large reply")
		for range 9 {
			r.Blocks = append(r.Blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, big[:2999], false, false), nil, nil))
		}
		return r
	}}
	e := newEnv(t, config{bot: bot.Options{Handler: s}})
	e.serveSocket()
	e.fake.WaitConnected(t)

	cmd := slack.SlashCommand{Command: "/quota", Text: "team", UserID: "U1", TeamID: slackfake.TeamID,
		TriggerID: trigger(), ResponseURL: e.fake.ResponseURL()}
	payload, _ := json.Marshal(cmd)
	for _, id := range []string{"env-big", "env-big-again"} {
		e.fake.SendEnvelope(t, slackfake.Envelope{Type: "slash_commands", EnvelopeID: id, Payload: payload, AcceptsResponsePayload: true})
		if r := e.ack(id); !strings.Contains(r.Text, "follows in a moment") {
			t.Errorf("%s: got ack %q, want the short note", id, r.Text)
		}
	}
	calls := e.fake.WaitCalls(t, "response_url", 1)
	if len(calls[0].JSON) < bot.MaxAck || !strings.Contains(string(calls[0].JSON), "a large reply") {
		t.Errorf("response_url got %d bytes, want the whole reply (over %d)", len(calls[0].JSON), bot.MaxAck)
	}
	drain(t, e)
	if n := len(e.fake.Calls("response_url")); n != 1 {
		t.Errorf("got %d response_url posts, want 1", n)
	}
}

// TestSocketEvents: app_home_opened over Socket Mode publishes the Home
// tab, once per event_id; a views.publish answered 429 is tried again
// after its Retry-After.
func TestSocketEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, config{})
	e.serveSocket()
	e.fake.WaitConnected(t)
	e.fake.Fail("views.publish", slackfake.Failure{Status: 429, RetryAfter: 1})

	event := json.RawMessage(homeOpened(slackfake.TeamID, "Ev0100", "U7"))
	e.fake.Send(t, "events_api", "env-ev-1", event)
	if p := e.fake.WaitAck(t, "env-ev-1"); p != nil {
		t.Errorf("event ack carries %s, want none", p)
	}
	e.fake.SendEnvelope(t, slackfake.Envelope{Type: "events_api", EnvelopeID: "env-ev-2", Payload: event, RetryAttempt: 1, RetryReason: "timeout"})
	e.fake.WaitAck(t, "env-ev-2")
	calls := e.fake.WaitCalls(t, "views.publish", 2)
	if calls[0].Status != 429 || calls[1].Error != "" || !strings.Contains(string(calls[1].JSON), `"user_id":"U7"`) {
		t.Errorf("views.publish calls: %+v, want a 429 and then U7's home", calls)
	}
	drain(t, e)
	if n := len(e.fake.Calls("views.publish")); n != 2 {
		t.Errorf("got %d views.publish calls, want 2 (the 429 and its retry): the redelivered event is not acted on", n)
	}
}

// TestSocketInvalidAuth: when Slack refuses the app token, ServeSocket
// returns an error that names the setting, rather than spinning.
func TestSocketInvalidAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t, config{})
	e.fake.SetAuthError("invalid_auth")
	err := e.serveSocket().wait(t)
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
		t.Errorf("got %v, want an error naming invalid_auth and SLACK_APP_TOKEN", err)
	}
}

// TestSocketShutdown: when its context ends, ServeSocket answers the
// command it has taken before it closes the connection.
func TestSocketShutdown(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan struct{})
	s := &stub{handle: func(ctx context.Context, req commands.Request) commands.Reply {
		close(started)
		<-release
		return textReply("answered while shutting down")
	}}
	// A deadline far off, so the reply goes in the ack however slow the
	// machine.
	e := newEnv(t, config{bot: bot.Options{Handler: s, AckDeadline: time.Minute}})
	client := socketmode.New(e.api)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.bot.ServeSocket(ctx, client) }()
	t.Cleanup(cancel)
	e.fake.WaitConnected(t)

	id := e.fake.SendSlashCommand(t, slack.SlashCommand{Command: "/quota", UserID: "U1"})
	<-started
	cancel()
	close(release)
	if r := e.ack(id); r.Text != "answered while shutting down" {
		t.Errorf("got %q, want the held reply in the ack", r.Text)
	}
	if err := <-done; err != nil {
		t.Errorf("ServeSocket: %v, want nil after its context ended", err)
	}
}

// TestSocketForeign: Socket Mode checks what HTTP checks beyond the
// signature: a command, press or event from another workspace, or for
// another app than the one Slack's hello names, is acked and not acted on,
// counted and logged.
func TestSocketForeign(t *testing.T) {
	t.Parallel()
	e := newEnv(t, config{})
	e.serveSocket()
	e.fake.WaitConnected(t)

	press := func(team, app string) json.RawMessage {
		cb := slack.InteractionCallback{
			Type: slack.InteractionTypeBlockActions, Team: slack.Team{ID: team}, APIAppID: app,
			User: slack.User{ID: "UFOREIGN"}, TriggerID: trigger(), ResponseURL: e.fake.ResponseURL(),
			ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{
				{ActionID: commands.ActionLog5, Value: "5 message", ActionTs: "1700000003.000001"},
			}},
		}
		b, err := json.Marshal(cb)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	event := func(team, app string) json.RawMessage {
		var ev map[string]any
		if err := json.Unmarshal(homeOpened(team, "Ev-"+team+app, "UFOREIGN"), &ev); err != nil {
			t.Fatal(err)
		}
		ev["api_app_id"] = app
		b, _ := json.Marshal(ev)
		return b
	}
	command := func(team, enterprise, app string) json.RawMessage {
		b, _ := json.Marshal(slack.SlashCommand{Command: "/logsend", Text: "5", UserID: "UFOREIGN", TeamID: team,
			EnterpriseID: enterprise, APIAppID: app, TriggerID: trigger(), ResponseURL: e.fake.ResponseURL()})
		return b
	}
	for i, tc := range []struct {
		name    string
		typ     string
		payload json.RawMessage
		reply   string // in the ack; "" for none
	}{
		{"command from another team", "slash_commands", command("T0THEIRS", "", slackfake.AppID), "not installed for your workspace"},
		{"command from another enterprise", "slash_commands", command("T0THEIRS", "E0THEIRS", slackfake.AppID), "not installed for your workspace"},
		{"command without a team", "slash_commands", command("", "", slackfake.AppID), "not installed for your workspace"},
		{"command for another app", "slash_commands", command(slackfake.TeamID, "", "A0OTHER"), "not installed for your workspace"},
		{"press from another team", "interactive", press("T0THEIRS", slackfake.AppID), ""},
		{"press for another app", "interactive", press(slackfake.TeamID, "A0OTHER"), ""},
		{"event from another team", "events_api", event("T0THEIRS", slackfake.AppID), ""},
		{"event for another app", "events_api", event(slackfake.TeamID, "A0OTHER"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("env-foreign-%d", i)
			e.fake.Send(t, tc.typ, id, tc.payload)
			payload := e.fake.WaitAck(t, id)
			if tc.reply == "" && payload != nil {
				t.Errorf("got ack %s, want none", payload)
			}
			if tc.reply != "" && (payload == nil || !strings.Contains(decode(t, payload).Text, tc.reply)) {
				t.Errorf("got ack %s, want one saying %q", payload, tc.reply)
			}
		})
	}
	drain(t, e)
	if n := e.entries("UFOREIGN"); n != 0 {
		t.Errorf("got %d entries, want none", n)
	}
	if n := len(e.fake.Calls("views.publish")) + len(e.fake.Calls("response_url")); n != 0 {
		t.Errorf("got %d calls to Slack, want none", n)
	}
	e.metric(`quotabot_http_refused_total{reason="foreign_team",transport="socket"} 5`)
	e.metric(`quotabot_http_refused_total{reason="foreign_app",transport="socket"} 3`)
	if logs := e.logs.String(); !strings.Contains(logs, "transport=socket") || !strings.Contains(logs, "reason=foreign_team") {
		t.Errorf("logs lack the refusals:\n%s", logs)
	}
	// Ours still gets through, in the same connection.
	id := e.fake.SendSlashCommand(t, slack.SlashCommand{Command: "/logsend", Text: "2", UserID: "UOURS"})
	if r := e.ack(id); !strings.HasPrefix(r.Text, "Logged 2 messages") {
		t.Errorf("our own command: got %q, want it logged", r.Text)
	}
}
