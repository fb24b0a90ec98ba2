package slackfake_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/quotabot/quotabot/internal/slackfake"
)

// sockClient is a running socketmode.Client whose events are handled by a
// handler and copied to events for the test to look at.
type sockClient struct {
	*socketmode.Client
	events chan socketmode.Event
	done   chan error // RunContext's result
}

// eventHandler handles one event; it runs on the goroutine that drains
// Client.Events, as a bot's loop would.
type eventHandler func(c *socketmode.Client, e socketmode.Event)

// ackAll acks every request: a slash command with a reply in the payload,
// anything else without a payload.
func ackAll(c *socketmode.Client, e socketmode.Event) {
	if e.Request == nil || e.Request.EnvelopeID == "" {
		return
	}
	if cmd, ok := e.Data.(slack.SlashCommand); ok {
		_ = c.Ack(*e.Request, map[string]any{"response_type": "ephemeral", "text": "got " + cmd.Command + " " + cmd.Text})
		return
	}
	_ = c.Ack(*e.Request)
}

// startClient runs slack-go's socketmode client against fake until the test
// ends; handle nil means ackAll.
func startClient(t *testing.T, fake *slackfake.Server, handle eventHandler, opts ...socketmode.Option) *sockClient {
	t.Helper()
	if handle == nil {
		handle = ackAll
	}
	c := &sockClient{
		Client: socketmode.New(newClient(fake), opts...),
		events: make(chan socketmode.Event, 1000),
		done:   make(chan error, 1),
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { c.done <- c.RunContext(ctx) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case e := <-c.Events:
				handle(c.Client, e)
				select {
				case c.events <- e:
				default: // the test does not look at this many
				}
			}
		}
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return c
}

// nextEvent returns the next event of one of the types, skipping others.
func (c *sockClient) nextEvent(t *testing.T, types ...socketmode.EventType) socketmode.Event {
	t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case e := <-c.events:
			for _, typ := range types {
				if e.Type == typ {
					return e
				}
			}
		case <-timeout.C:
			t.Fatalf("no event of types %v", types)
		}
	}
}

func TestSocketModeSlashCommand(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	client := startClient(t, fake, nil)
	fake.WaitConnected(t)

	fake.Send(t, "slash_commands", "env-1", slack.SlashCommand{Command: "/quota", Text: "team", UserID: "U1"})
	var reply struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	payload := fake.WaitAck(t, "env-1")
	if err := json.Unmarshal(payload, &reply); err != nil || reply.Text != "got /quota team" || reply.ResponseType != "ephemeral" {
		t.Errorf("got ack payload %s (%v), want the handler's reply", payload, err)
	}

	var types []socketmode.EventType
	for range 4 {
		types = append(types, client.nextEvent(t,
			socketmode.EventTypeConnecting, socketmode.EventTypeConnected,
			socketmode.EventTypeHello, socketmode.EventTypeSlashCommand).Type)
	}
	want := []socketmode.EventType{
		socketmode.EventTypeConnecting, socketmode.EventTypeConnected,
		socketmode.EventTypeHello, socketmode.EventTypeSlashCommand,
	}
	if strings.Join(eventNames(types), ",") != strings.Join(eventNames(want), ",") {
		t.Errorf("got events %v, want %v", types, want)
	}
	if calls := fake.Calls("apps.connections.open"); len(calls) != 1 || calls[0].Token != appToken {
		t.Errorf("got apps.connections.open calls %+v, want one with %s", calls, appToken)
	}
}

func eventNames(types []socketmode.EventType) []string {
	out := make([]string, len(types))
	for i, typ := range types {
		out[i] = string(typ)
	}
	return out
}

func TestSocketModeEnvelopeKinds(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	client := startClient(t, fake, nil)
	fake.WaitConnected(t)

	envID := fake.SendSlashCommand(t, slack.SlashCommand{Command: "/logsend", Text: "5"})
	if got := fake.WaitAck(t, envID); !strings.Contains(string(got), "got /logsend 5") {
		t.Errorf("got ack %s, want the reply to /logsend 5", got)
	}
	e := client.nextEvent(t, socketmode.EventTypeSlashCommand)
	cmd := e.Data.(slack.SlashCommand)
	if cmd.TeamID != slackfake.TeamID || cmd.TriggerID == "" || cmd.UserID == "" ||
		!strings.HasPrefix(cmd.ResponseURL, "http://") || !e.Request.AcceptsResponsePayload {
		t.Errorf("got %+v, accepts payload %v; want team, trigger_id, user and response_url filled", cmd, e.Request.AcceptsResponsePayload)
	}

	fake.Send(t, "interactive", "env-int", json.RawMessage(`{"type":"block_actions","trigger_id":"1.2.3","user":{"id":"U1"},"actions":[{"action_id":"undo","block_id":"b","type":"button","value":"x"}]}`))
	if got := fake.WaitAck(t, "env-int"); got != nil {
		t.Errorf("got ack payload %s, want none", got)
	}
	cb := client.nextEvent(t, socketmode.EventTypeInteractive).Data.(slack.InteractionCallback)
	if cb.Type != slack.InteractionTypeBlockActions || cb.User.ID != "U1" {
		t.Errorf("got callback %+v, want block_actions from U1", cb)
	}

	fake.Send(t, "events_api", "env-ev", map[string]any{
		"type": "event_callback", "team_id": slackfake.TeamID, "api_app_id": slackfake.AppID, "event_id": "Ev1",
		"event": map[string]any{"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"},
	})
	fake.WaitAck(t, "env-ev")
	ev := client.nextEvent(t, socketmode.EventTypeEventsAPI)
	if ev.Request.AcceptsResponsePayload || ev.Request.RetryAttempt != 0 {
		t.Errorf("got request %+v, want accepts_response_payload false and no retry", ev.Request)
	}

	fake.SendEnvelope(t, slackfake.Envelope{
		Type: "slash_commands", EnvelopeID: "env-retry", Payload: json.RawMessage(`{"command":"/quota"}`),
		AcceptsResponsePayload: true, RetryAttempt: 1, RetryReason: "timeout",
	})
	fake.WaitAck(t, "env-retry")
	if r := client.nextEvent(t, socketmode.EventTypeSlashCommand).Request; r.RetryAttempt != 1 || r.RetryReason != "timeout" {
		t.Errorf("got retry %d %q, want 1 timeout", r.RetryAttempt, r.RetryReason)
	}
	if acks := fake.Acks(); len(acks) != 4 {
		t.Errorf("got %d acks, want 4", len(acks))
	}
}

func TestSocketModeReconnects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cut  func(*slackfake.Server)
	}{
		{name: "drop", cut: (*slackfake.Server).Drop},
		{name: "disconnect", cut: (*slackfake.Server).Disconnect},
		{name: "disconnect warning", cut: func(s *slackfake.Server) { s.DisconnectWithReason("warning") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := slackfake.New(t)
			client := startClient(t, fake, nil)
			fake.WaitConnected(t)
			fake.Send(t, "slash_commands", "before", slack.SlashCommand{Command: "/quota"})
			fake.WaitAck(t, "before")

			tc.cut(fake)
			// Sent at once: the fake holds it until the client is back.
			fake.Send(t, "slash_commands", "after", slack.SlashCommand{Command: "/quota", Text: "again"})
			if got := fake.WaitAck(t, "after"); !strings.Contains(string(got), "again") {
				t.Errorf("got ack %s after reconnecting, want the reply", got)
			}
			fake.WaitConnections(t, 2)
			if got := fake.Connections(); got != 2 {
				t.Errorf("got %d connections, want 2", got)
			}
			if e := client.nextEvent(t, socketmode.EventTypeConnected); e.Data.(*socketmode.ConnectedEvent).ConnectionCount != 0 {
				t.Errorf("got first connection count %d, want 0", e.Data.(*socketmode.ConnectedEvent).ConnectionCount)
			}
			if e := client.nextEvent(t, socketmode.EventTypeConnected); e.Data.(*socketmode.ConnectedEvent).ConnectionCount != 1 {
				t.Errorf("got second connection count %d, want 1", e.Data.(*socketmode.ConnectedEvent).ConnectionCount)
			}
			select {
			case err := <-client.done:
				t.Errorf("RunContext returned %v, want it still running", err)
			default:
			}
		})
	}
}

func TestSocketModeInvalidAuth(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	fake.SetAuthError("invalid_auth")
	client := startClient(t, fake, nil)

	select {
	case err := <-client.done:
		if err == nil || err.Error() != "invalid_auth" {
			t.Errorf("RunContext: got %v, want invalid_auth", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("RunContext did not return on invalid_auth")
	}
	if got := fake.Connections(); got != 0 {
		t.Errorf("got %d connections, want none", got)
	}
}

func TestSocketModeRateLimitedOpen(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	fake.Fail("apps.connections.open", slackfake.Failure{Status: http.StatusTooManyRequests, RetryAfter: 1})
	client := startClient(t, fake, nil)
	fake.WaitConnected(t)

	e := client.nextEvent(t, socketmode.EventTypeConnectionError)
	if ce := e.Data.(*slack.ConnectionErrorEvent); ce.Backoff < time.Second {
		t.Errorf("got backoff %v, want at least Retry-After's second", ce.Backoff)
	}
	if calls := fake.Calls("apps.connections.open"); len(calls) != 2 || calls[0].Status != http.StatusTooManyRequests {
		t.Errorf("got %+v, want a 429 then a success", calls)
	}
}

func TestSocketModePings(t *testing.T) {
	t.Parallel()
	t.Run("keep the connection alive", func(t *testing.T) {
		t.Parallel()
		fake := slackfake.New(t, slackfake.WithPingInterval(20*time.Millisecond))
		startClient(t, fake, nil, socketmode.OptionPingInterval(200*time.Millisecond))
		fake.WaitConnected(t)
		// Twenty pongs take some 400 ms, twice the client's ping interval.
		fake.WaitPongs(t, 20)
		if got := fake.Connections(); got != 1 {
			t.Errorf("got %d connections, want 1: the client should stay", got)
		}
	})
	t.Run("without pings the client reconnects", func(t *testing.T) {
		t.Parallel()
		fake := slackfake.New(t, slackfake.WithPingInterval(0))
		startClient(t, fake, nil, socketmode.OptionPingInterval(100*time.Millisecond))
		fake.WaitConnections(t, 2)
	})
}

// TestSocketWire looks at the frames on the wire, with a bare websocket.
func TestSocketWire(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t, slackfake.WithPingInterval(10*time.Millisecond))
	api := newClient(fake)
	_, wsURL, err := api.StartSocketModeContext(context.Background())
	if err != nil {
		t.Fatalf("apps.connections.open: %v", err)
	}
	if !strings.HasPrefix(wsURL, "ws://") || !strings.Contains(wsURL, "ticket=") {
		t.Errorf("got URL %s, want ws:// with a ticket", wsURL)
	}
	header := http.Header{"Origin": {"https://api.slack.com"}}
	conn, _, err := websocket.DefaultDialer.Dial(wsURL, header)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	if _, resp, err := websocket.DefaultDialer.Dial(wsURL, header); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("second dial with the same ticket: got %v, want HTTP 401", err)
	}

	pinged := make(chan string, 100)
	conn.SetPingHandler(func(data string) error {
		select {
		case pinged <- data:
		default:
		}
		return conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	ponged := make(chan struct{}, 1)
	conn.SetPongHandler(func(string) error {
		select {
		case ponged <- struct{}{}:
		default:
		}
		return nil
	})
	frames := make(chan []byte, 10)
	go func() {
		defer close(frames)
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			frames <- data
		}
	}()

	var hello socketmode.Request
	if err := json.Unmarshal(recv(t, frames), &hello); err != nil {
		t.Fatal(err)
	}
	if hello.Type != "hello" || hello.NumConnections != 1 || hello.ConnectionInfo.AppID != slackfake.AppID || hello.DebugInfo.Host == "" {
		t.Errorf("got hello %+v, want type hello, 1 connection, app %s and a host", hello, slackfake.AppID)
	}
	for range 3 {
		recv(t, pinged)
	}
	if err := conn.WriteControl(websocket.PingMessage, []byte("client"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	recv(t, ponged)

	fake.Disconnect()
	var bye socketmode.Request
	if err := json.Unmarshal(recv(t, frames), &bye); err != nil {
		t.Fatal(err)
	}
	if bye.Type != "disconnect" || bye.Reason != "refresh_requested" {
		t.Errorf("got %+v, want disconnect refresh_requested", bye)
	}
}

// recv receives from ch, failing the test after a generous timeout.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting on a channel")
		panic("unreachable")
	}
}
