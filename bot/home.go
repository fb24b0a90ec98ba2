package bot

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/internal/blockkit"
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
// happened, it publishes. The home package's Home is one; without it the
// bot uses a built-in home that shows the member's standing.
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

// builtinHome is the App Home when Options.Home is nil: the member's
// standing, published when the tab is opened and after a press on it.
type builtinHome struct{ b *Bot }

func (h *builtinHome) Publish(ctx context.Context, user string) error {
	view, err := DefaultHome(ctx, h.b.ledger, user)
	if err != nil {
		h.b.metrics.ledgerErrors.Inc()
		return fmt.Errorf("home for %s: %w", user, err)
	}
	err = retry429(ctx, h.b.log, "views.publish", func() error {
		_, err := h.b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: view})
		return err
	})
	if err != nil {
		return fmt.Errorf("publish home for %s: %w", user, err)
	}
	return nil
}

func (h *builtinHome) HandleAction(ctx context.Context, a commands.ActionRequest) (commands.Result, error) {
	res, err := h.b.h.Action(ctx, a)
	if err != nil {
		return res, err
	}
	return res, h.Publish(ctx, a.UserID)
}

// The built-in home is built when opened; it has nothing to keep fresh.
func (h *builtinHome) Refresh(string) {}

// DefaultHome is the built-in App Home: the member's standing, as /quota
// shows it.
func DefaultHome(ctx context.Context, l Ledger, user string) (slack.HomeTabViewRequest, error) {
	u, err := l.Usage(ctx, user)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab,
		Blocks: slack.Blocks{BlockSet: HomeBlocks(u.Member.Tier, blockkit.UsageBlocks(u))}}, nil
}

// HomeBlocks lays out the App Home: a title, the member's standing (from
// blockkit.UsageBlocks) and how to log, within the 100 blocks a Home tab
// takes.
func HomeBlocks(tier string, usage []slack.Block) []slack.Block {
	mrkdwn := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "Your LinkedIn sending quota", false, false)),
		slack.NewContextBlock("", mrkdwn("Tier: *"+tier+"* · change it with `/quota tier premium`")),
	}
	if len(usage) > blockkit.MaxHomeBlocks-len(blocks)-2 {
		usage = usage[:blockkit.MaxHomeBlocks-len(blocks)-2]
	}
	blocks = append(blocks, usage...)
	blocks = append(blocks,
		slack.NewDividerBlock(),
		slack.NewContextBlock("", mrkdwn("Right after sending, log it: `/logsend 5`, `/logsend 5 message intro to Acme`. "+
			"Take one back with `/logsend undo`. See the team with `/quota team`.")),
	)
	return blocks
}
