package bot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/bot"
	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/internal/slackfake"
)

// holder is the real command core, except that a command whose text is
// "hold" takes its slot until the test releases it.
type holder struct {
	real    bot.Handler
	held    chan struct{} // closed when the held command runs
	release chan struct{}
}

func newHolder() *holder {
	return &holder{held: make(chan struct{}), release: make(chan struct{})}
}

func (h *holder) Handle(ctx context.Context, req commands.Request) commands.Result {
	if req.Text == "hold" {
		close(h.held)
		<-h.release
		return commands.Result{Reply: textReply("held reply")}
	}
	return h.real.Handle(ctx, req)
}
func (h *holder) Slow(req commands.Request) bool { return h.real.Slow(req) }
func (h *holder) Commands() []string             { return []string{"/quota", "/logsend"} }
func (h *holder) Action(ctx context.Context, a commands.ActionRequest) (commands.Result, error) {
	return h.real.Action(ctx, a)
}

// busyEnv is a bot with one slot, taken by a held command for as long as
// the test wants. The ack deadline is short so that requests give up on
// the slot soon; nothing the test checks depends on how soon.
func busyEnv(t *testing.T) (*env, *holder) {
	t.Helper()
	h := newHolder()
	e := newEnv(t, config{bot: bot.Options{Handler: h, MaxInFlight: 1, AckDeadline: 40 * time.Millisecond}})
	h.real = e.h
	return e, h
}

// metric waits until /metrics carries line.
func (e *env) metric(line string) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, body := do(e.t, mustGet(e.t, e.url+"/metrics"))
		if strings.Contains(string(body), line) {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("/metrics never carried %q:\n%s", line, grep(body, "quotabot_busy"))
		}
		time.Sleep(5 * time.Millisecond) // polling a counter: there is no event to wait on
	}
}

// TestHTTPBusy: with every slot taken, HTTP work is not piled up: a
// command is answered busy in words, an event gets 503 with Retry-After
// (Slack sends it again), a press on a message is told busy through its
// response_url, and a press on the App Home, which has none, gets 503.
// Nothing turned away is done, or marked as seen: once a slot is free the
// same event and press are acted on, once.
func TestHTTPBusy(t *testing.T) {
	t.Parallel()
	e, h := busyEnv(t)
	status, body := do(t, signed(t, http.MethodPost, e.url+"/slack/commands", formType,
		[]byte(slashForm("/quota", "hold", "U1", trigger(), e.fake.ResponseURL()).Encode())))
	if status != http.StatusOK || !strings.Contains(decode(t, body).Text, "Working on it") {
		t.Fatalf("held command: got %d %s, want the working note", status, body)
	}
	<-h.held
	event := homeOpened(slackfake.TeamID, "Ev0900", "U1")
	pressRU := e.fake.ResponseURL()
	press := pressPayload(t, "U1", "", pressRU, commands.ActionLog5, "5 message")
	homePress := pressPayload(t, "U1", string(slack.VTHomeTab), "", commands.ActionLog1, "1 message")
	for _, tc := range []struct {
		name       string
		path, typ  string
		body       []byte
		status     int
		retryAfter string
		reply      string // in the body, for a command
	}{
		{"command", "/slack/commands", formType, []byte(slashForm("/logsend", "3", "U1", trigger(), e.fake.ResponseURL()).Encode()), http.StatusOK, "", "I'm busy right now"},
		{"event", "/slack/events", jsonType, event, http.StatusServiceUnavailable, "1", ""},
		{"press on a message", "/slack/interactive", formType, press, http.StatusOK, "", ""},
		{"press on the App Home", "/slack/interactive", formType, homePress, http.StatusServiceUnavailable, "1", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(signed(t, http.MethodPost, e.url+tc.path, tc.typ, tc.body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status || resp.Header.Get("Retry-After") != tc.retryAfter {
				t.Errorf("got %d, Retry-After %q; want %d, %q", resp.StatusCode, resp.Header.Get("Retry-After"), tc.status, tc.retryAfter)
			}
		})
	}
	// The busy command's words, read again from a fresh request.
	status, body = do(t, signed(t, http.MethodPost, e.url+"/slack/commands", formType,
		[]byte(slashForm("/quota", "", "U1", trigger(), "").Encode())))
	if status != http.StatusOK || !strings.HasPrefix(decode(t, body).Text, "I'm busy right now") {
		t.Errorf("command while busy: got %d %s, want the busy note", status, body)
	}
	calls := e.fake.WaitCalls(t, "response_url", 1)
	if !strings.Contains(string(calls[0].JSON), "did not take that press") {
		t.Errorf("press while busy: response_url got %s, want the busy note", calls[0].JSON)
	}
	if n := e.entries("U1"); n != 0 {
		t.Errorf("got %d entries while busy, want none", n)
	}
	e.metric(`quotabot_busy_total{kind="event",transport="http"} 1`)

	close(h.release)
	e.fake.WaitCalls(t, "response_url", 2) // the held reply
	// One at a time, each once the one slot is free again.
	for _, tc := range []struct {
		name, path, typ string
		body            []byte
	}{
		{"event again", "/slack/events", jsonType, event},
		{"press again", "/slack/interactive", formType, press},
		{"press again, a repeat", "/slack/interactive", formType, press},
	} {
		drain(t, e)
		if status, body := do(t, signed(t, http.MethodPost, e.url+tc.path, tc.typ, tc.body)); status != http.StatusOK {
			t.Errorf("%s: got %d %s, want 200", tc.name, status, body)
		}
	}
	drain(t, e)
	if day, _ := e.used("U1"); day != 5 {
		t.Errorf("got %d messages today, want 5: the press turned away counts once when taken", day)
	}
	if n := len(e.fake.Calls("views.publish")); n != 1 {
		t.Errorf("got %d views.publish calls, want 1", n)
	}
}

const jsonType = "application/json"

// TestSocketBusy: Socket Mode bounds its work the same way: with every
// slot taken a command is acked with the busy note, a press is acked and
// told busy through its response_url, and an event is left unacked, so
// that Slack sends it again; sent again once a slot is free, it is acted
// on.
func TestSocketBusy(t *testing.T) {
	t.Parallel()
	e, h := busyEnv(t)
	e.serveSocket()
	e.fake.WaitConnected(t)

	held := e.fake.SendSlashCommand(t, slack.SlashCommand{Command: "/quota", Text: "hold", UserID: "U1"})
	if r := e.ack(held); !strings.Contains(r.Text, "Working on it") {
		t.Fatalf("held command: got %q, want the working note", r.Text)
	}
	<-h.held

	id := e.fake.SendSlashCommand(t, slack.SlashCommand{Command: "/logsend", Text: "3", UserID: "U1"})
	if r := e.ack(id); !strings.HasPrefix(r.Text, "I'm busy right now") {
		t.Errorf("command while busy: got %q, want the busy note", r.Text)
	}
	cb := slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, Team: slack.Team{ID: slackfake.TeamID}, User: slack.User{ID: "U1"},
		TriggerID: trigger(), ResponseURL: e.fake.ResponseURL(),
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{
			{ActionID: commands.ActionLog5, Value: "5 message", ActionTs: "1700000002.000001"},
		}},
	}
	press, err := json.Marshal(cb)
	if err != nil {
		t.Fatal(err)
	}
	e.fake.Send(t, "interactive", "env-press", json.RawMessage(press))
	if p := e.fake.WaitAck(t, "env-press"); p != nil {
		t.Errorf("press ack carries %s, want none", p)
	}
	calls := e.fake.WaitCalls(t, "response_url", 1)
	if !strings.Contains(string(calls[0].JSON), "did not take that press") {
		t.Errorf("press while busy: response_url got %s, want the busy note", calls[0].JSON)
	}
	event := json.RawMessage(homeOpened(slackfake.TeamID, "Ev0901", "U1"))
	e.fake.Send(t, "events_api", "env-ev-busy", event)
	e.metric(`quotabot_busy_total{kind="event",transport="socket"} 1`)
	for _, a := range e.fake.Acks() {
		if a.EnvelopeID == "env-ev-busy" {
			t.Errorf("the event turned away was acked; want it left for Slack to send again")
		}
	}

	close(h.release)
	e.fake.WaitCalls(t, "response_url", 2) // the held reply
	// One at a time, each once the one slot is free again.
	drain(t, e)
	e.fake.SendEnvelope(t, slackfake.Envelope{Type: "events_api", EnvelopeID: "env-ev-again", Payload: event, RetryAttempt: 1, RetryReason: "timeout"})
	e.fake.WaitAck(t, "env-ev-again")
	e.fake.WaitCalls(t, "views.publish", 1)
	drain(t, e)
	e.fake.Send(t, "interactive", "env-press-again", json.RawMessage(press))
	e.fake.WaitAck(t, "env-press-again")
	drain(t, e)
	if day, _ := e.used("U1"); day != 5 {
		t.Errorf("got %d messages today, want 5: only the press sent again counts", day)
	}
}

// TestRepeatWhileBusy: a command Slack delivers again while every slot is
// taken is answered as the command it repeats, not "busy, not taken":
// told that, a member would type it again and count it twice.
func TestRepeatWhileBusy(t *testing.T) {
	t.Parallel()
	e, h := busyEnv(t)
	tr := trigger()
	logsend := []byte(slashForm("/logsend", "3", "U1", tr, e.fake.ResponseURL()).Encode())
	status, body := do(t, signed(t, http.MethodPost, e.url+"/slack/commands", formType, logsend))
	if status != http.StatusOK || !strings.HasPrefix(decode(t, body).Text, "Logged 3") {
		t.Fatalf("/logsend 3: got %d %s", status, body)
	}
	drain(t, e)
	status, body = do(t, signed(t, http.MethodPost, e.url+"/slack/commands", formType,
		[]byte(slashForm("/quota", "hold", "U1", trigger(), e.fake.ResponseURL()).Encode())))
	if status != http.StatusOK || !strings.Contains(decode(t, body).Text, "Working on it") {
		t.Fatalf("held command: got %d %s, want the working note", status, body)
	}
	<-h.held
	defer close(h.release)

	status, body = do(t, signed(t, http.MethodPost, e.url+"/slack/commands", formType, logsend))
	if got := decode(t, body).Text; status != http.StatusOK || !strings.HasPrefix(got, "Logged 3") {
		t.Errorf("the same /logsend again while busy: got %d %q, want its reply", status, got)
	}
	if day, _ := e.used("U1"); day != 3 {
		t.Errorf("got %d messages today, want 3: counted once", day)
	}
}
