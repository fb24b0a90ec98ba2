package bot

import (
	"context"

	"github.com/slack-go/slack/slackevents"

	"github.com/quotabot/quotabot/commands"
)

// event handles one Events API event, once per event_id:
// app_home_opened publishes the member's home on a job of its own. It
// reports false when no slot came free in time; then nothing was done and
// the event is not marked as seen, and the transport must not acknowledge
// it, so that Slack sends it again.
func (b *Bot) event(ev slackevents.EventsAPIEvent, transport string) bool {
	typ := ev.InnerEvent.Type
	if typ == "" {
		typ = "unknown"
	}
	home, ok := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	act := ok && home.Tab == "home" && b.home != nil
	cb, _ := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if cb != nil && cb.EventID != "" {
		// A repeat of an event already taken needs no slot: turned away
		// busy, Slack would send it again and again.
		if _, ok := b.seen.seen("event:" + cb.EventID); ok {
			b.metrics.duplicates.WithLabelValues("event").Inc()
			b.log.Info("repeated event ignored", "transport", transport, "type", typ)
			return true
		}
	}
	if act && !b.acquire(b.slotWait()) {
		b.busy(transport, "event", home.User)
		return false
	}
	if cb != nil && cb.EventID != "" {
		c, first := b.seen.claim("event:" + cb.EventID)
		if !first {
			if act {
				b.release()
			}
			b.metrics.duplicates.WithLabelValues("event").Inc()
			b.log.Info("repeated event ignored", "transport", transport, "type", typ)
			return true
		}
		c.finish(false)
	}
	b.metrics.events.WithLabelValues(label(typ)).Inc()
	if !act {
		return true
	}
	b.goSlot(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, handleTimeout)
		defer cancel()
		if err := b.home.Publish(ctx, home.User); err != nil {
			b.log.Error("App Home not published", "user", home.User, "err", err)
		}
	})
	return true
}

// label keeps the event type label to the types the bot subscribes to.
func label(typ string) string {
	if typ == string(slackevents.AppHomeOpened) {
		return typ
	}
	return "other"
}

// Home is the App Home as the transports see it: they tell it what
// happened, it publishes. The home package's Home is the one quotabot
// uses; without one, app_home_opened and presses on a home view are
// acknowledged and left alone.
type Home interface {
	// Publish publishes the member's home (app_home_opened).
	Publish(ctx context.Context, user string) error
	// HandleAction answers a press on a home view, which has no
	// response_url, by publishing the home again, and returns what the
	// press did. Its error wraps commands.ErrUnknownAction for an action
	// that is not quotabot's.
	HandleAction(ctx context.Context, a commands.ActionRequest) (commands.Result, error)
	// Refresh is told of every member a slash command or a press on a
	// message changed (commands.Result.Changed), so that the home can
	// keep up with changes made elsewhere. It returns at once.
	Refresh(user string)
}
