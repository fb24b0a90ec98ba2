package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/quotabot/quotabot/commands"
)

// MaxAck is the size from which slack-go refuses a Socket Mode ack (and
// Slack would drop it): the whole frame, envelope ID included.
const MaxAck = 20 * 1024

// ackTimeout bounds handing an ack to the client, which queues it for the
// connection; while the client reconnects nothing takes it, and an ack
// that never went out is redelivered by Slack.
const ackTimeout = 5 * time.Second

// ackFlush is how long shutting down waits for the client to write the
// acks queued last.
const ackFlush = 500 * time.Millisecond

// Socket is the part of slack-go's socketmode client ServeSocket uses.
type Socket interface {
	RunContext(ctx context.Context) error
	AckCtx(ctx context.Context, envelopeID string, payload any) error
}

var _ Socket = (*socketmode.Client)(nil)

// fatalConnect are the answers of apps.connections.open that no retry will
// change. slack-go returns from RunContext on the auth ones, but retries
// the others forever with backoff; both end ServeSocket.
var fatalConnect = []string{"invalid_auth", "not_authed", "account_inactive", "token_revoked",
	"token_expired", "not_allowed_token_type", "missing_scope", "app_missing_action_url"}

// ServeSocket runs Socket Mode until ctx ends or the client gives up. It
// drains events (the channel given is the client's Events) at all times
// and handles each envelope on a goroutine of its own. When ctx ends it
// stops taking envelopes (Slack redelivers those left unacked), waits up
// to DrainTimeout for those taken, then closes the connection and returns
// nil. When the client gives up for good (a refused token) it returns an
// error that says which setting to fix.
func (b *Bot) ServeSocket(ctx context.Context, client *socketmode.Client) error {
	return b.serveSocket(ctx, client, client.Events)
}

func (b *Bot) serveSocket(ctx context.Context, client Socket, events <-chan socketmode.Event) error {
	// The connection outlives ctx while the envelopes already taken are
	// answered: their acks need it.
	runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRun()
	runErr := make(chan error, 1)
	go func() { runErr <- client.RunContext(runCtx) }()

	var inFlight sync.WaitGroup
	fatal := make(chan error, 1)
	for {
		select {
		case evt := <-events:
			b.socketEvent(runCtx, client, evt, &inFlight, fatal)
		case err := <-runErr:
			inFlight.Wait()
			return socketError(err)
		case err := <-fatal:
			stopRun()
			<-runErr
			inFlight.Wait()
			return err
		case <-ctx.Done():
			return b.drainSocket(events, &inFlight, stopRun, runErr)
		}
	}
}

// drainSocket waits for the envelopes taken, still draining events so the
// client never blocks (those are left unacked: Slack sends them again,
// to this process's successor), then closes the connection.
func (b *Bot) drainSocket(events <-chan socketmode.Event, inFlight *sync.WaitGroup, stopRun func(), runErr <-chan error) error {
	done := make(chan struct{})
	go func() {
		inFlight.Wait()
		close(done)
	}()
	t := time.NewTimer(b.drain)
	defer t.Stop()
wait:
	for {
		select {
		case evt := <-events:
			if evt.Request != nil && evt.Request.EnvelopeID != "" {
				b.log.Info("shutting down: envelope left for Slack to redeliver", "type", string(evt.Type))
			}
		case <-done:
			break wait
		case <-t.C:
			b.log.Warn("shutting down with Socket Mode envelopes still being handled", "waited", b.drain)
			break wait
		}
	}
	// The last acks are queued in the client, and written by a goroutine
	// of its own that stops as soon as the connection's context ends,
	// queue or no queue; slack-go gives no sign that the queue is empty,
	// so give it a moment.
	flush := time.NewTimer(ackFlush)
	defer flush.Stop()
flushing:
	for {
		select {
		case <-events:
		case <-flush.C:
			break flushing
		}
	}
	stopRun()
	// RunContext returns once its goroutines have stopped; until then it
	// may still send on events.
	for {
		select {
		case <-events:
		case <-runErr:
			return nil
		}
	}
}

// socketError explains why RunContext returned.
func socketError(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return nil
	}
	var code slack.StatusCodeError
	if isFatalConnect(err) || errors.As(err, &code) {
		return fmt.Errorf("socket mode: Slack refused the connection (%v): set SLACK_APP_TOKEN to an app-level token (xapp-…) with the connections:write scope, from the app's Basic Information page, and check that Socket Mode is on", err)
	}
	return fmt.Errorf("socket mode: %w", err)
}

func isFatalConnect(err error) bool {
	s := err.Error()
	for _, f := range fatalConnect {
		if s == f || strings.HasSuffix(s, ": "+f) {
			return true
		}
	}
	return false
}

// socketEvent dispatches one event from the client. It never blocks: the
// client stops reading the socket while its Events channel is not drained.
func (b *Bot) socketEvent(ctx context.Context, client Socket, evt socketmode.Event, inFlight *sync.WaitGroup, fatal chan<- error) {
	switch evt.Type {
	case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
		if evt.Request == nil {
			return
		}
		inFlight.Add(1)
		go func() {
			defer inFlight.Done()
			b.envelope(ctx, client, evt)
		}()
	case socketmode.EventTypeConnected:
		b.metrics.connections.Inc()
		b.log.Info("socket mode connected")
	case socketmode.EventTypeHello:
		b.hello(evt.Request)
	case socketmode.EventTypeConnecting:
		b.log.Debug("socket mode", "event", string(evt.Type))
	case socketmode.EventTypeConnectionError:
		var err error
		if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			err = ce.ErrorObj
		}
		if err != nil && isFatalConnect(err) {
			select {
			case fatal <- socketError(err):
			default:
			}
			return
		}
		b.log.Warn("socket mode: cannot connect; slack-go retries", "err", err)
	case socketmode.EventTypeInvalidAuth:
		b.log.Error("socket mode: Slack refused SLACK_APP_TOKEN")
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage, socketmode.EventTypeErrorWriteFailed:
		b.log.Warn("socket mode: connection trouble; slack-go reconnects", "event", string(evt.Type), "err", fmt.Sprint(evt.Data))
	default:
		b.log.Debug("socket mode", "event", string(evt.Type))
	}
}

// envelope handles one envelope. The work it starts takes a slot of the
// MaxInFlight bound, as on HTTP; an envelope that finds none in time is
// answered busy (a command) or left unacked, for Slack to send again.
func (b *Bot) envelope(ctx context.Context, client Socket, evt socketmode.Event) {
	ack := func(payload any) {
		actx, cancel := context.WithTimeout(ctx, ackTimeout)
		defer cancel()
		if err := client.AckCtx(actx, evt.Request.EnvelopeID, payload); err != nil {
			b.log.Warn("socket mode: ack not sent; Slack will send the envelope again", "type", evt.Type, "err", err)
		}
	}
	if !b.socketOurs(evt) {
		if evt.Type == socketmode.EventTypeSlashCommand {
			ack(wire(foreignReply))
		} else {
			ack(nil)
		}
		return
	}
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			ack(nil)
			return
		}
		b.socketCommand(commands.FromSlash(cmd), evt.Request.EnvelopeID, ack)
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if ok && !b.interaction(cb, "socket") && !b.tellBusy(cb.ResponseURL) {
			return // unacked: the member sees the press fail, and may press again
		}
		ack(nil)
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if ok && ev.Type == slackevents.CallbackEvent && !b.event(ev, "socket") {
			return // unacked: Slack sends it again
		}
		ack(nil)
	}
}

// foreignReply answers a command from a workspace the bot does not serve.
var foreignReply = note("This app is not installed for your workspace, so I did not take that.")

// socketOurs checks an envelope as HTTP checks a request beyond its
// signature (see foreign): a command, press or event from another workspace
// or for another app is acked and not acted on, counted and logged.
func (b *Bot) socketOurs(evt socketmode.Event) bool {
	var team, enterprise, app, user string
	switch d := evt.Data.(type) {
	case slack.SlashCommand:
		team, enterprise, app, user = d.TeamID, d.EnterpriseID, d.APIAppID, d.UserID
	case slack.InteractionCallback:
		team, enterprise, app, user = d.Team.ID, d.Enterprise.ID, d.APIAppID, d.User.ID
	case slackevents.EventsAPIEvent:
		if d.Type != slackevents.CallbackEvent {
			return true
		}
		team, enterprise, app = d.TeamID, d.EnterpriseID, d.APIAppID
	default:
		return true // nothing to act on: acked and left alone
	}
	why := b.foreign(team, enterprise, app)
	if why == "" {
		return true
	}
	b.metrics.refused.WithLabelValues("socket", why).Inc()
	b.log.Warn("request refused", "transport", "socket", "type", string(evt.Type), "reason", why,
		"team", team, "enterprise", enterprise, "app", app, "user", user)
	return false
}

// hello learns the bot's app from Slack's hello, when the options did not
// say it: the app token belongs to one app, and every envelope is for it.
func (b *Bot) hello(req *socketmode.Request) {
	b.log.Debug("socket mode", "event", "hello")
	if req == nil || req.ConnectionInfo.AppID == "" {
		return
	}
	app := req.ConnectionInfo.AppID
	if known := b.appID(); known != "" && known != app {
		b.log.Warn("socket mode: Slack's hello names another app than the one configured", "hello", app, "configured", known)
		return
	}
	b.app.CompareAndSwap(nil, &app)
}

// socketCommand answers a slash command in its ack. A reply too large for
// an ack is acked with a note and posted to response_url (once: a repeat
// finds it already sent).
func (b *Bot) socketCommand(req commands.Request, envelopeID string, ack func(any)) {
	reply, dup := b.answer(req, "socket")
	payload, err := json.Marshal(wire(reply))
	if err == nil && ackSize(envelopeID, payload) < MaxAck {
		ack(json.RawMessage(payload))
		return
	}
	ack(wire(longReply))
	if !dup {
		b.mustJob(func(ctx context.Context) { b.followUp(ctx, req, reply) })
	}
}

// ackSize is the size of the frame slack-go would send for an ack with
// payload, measured the way slack-go measures it before refusing.
func ackSize(envelopeID string, payload []byte) int {
	js, err := json.Marshal(socketmode.Response{EnvelopeID: envelopeID, Payload: json.RawMessage(payload)})
	if err != nil {
		return MaxAck
	}
	return len(js)
}
