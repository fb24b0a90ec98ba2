package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/quotabot/quotabot/commands"
)

// eventWait is how long an event waits for a free slot before it is
// dropped. Events are acknowledged before they are handled, so Slack will
// not send one again; the only event handled, app_home_opened, comes again
// the next time the member opens the tab.
const eventWait = 5 * time.Second

// event handles one Events API event in the background, once per
// event_id.
func (b *Bot) event(ev slackevents.EventsAPIEvent, transport string) {
	typ := ev.InnerEvent.Type
	if typ == "" {
		typ = "unknown"
	}
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok && cb.EventID != "" {
		c, first := b.seen.claim("event:" + cb.EventID)
		if !first {
			b.metrics.duplicates.WithLabelValues("event").Inc()
			b.log.Info("repeated event ignored", "transport", transport, "type", typ)
			return
		}
		c.finish(false)
	}
	b.metrics.events.WithLabelValues(label(typ)).Inc()
	home, ok := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if !ok || home.Tab != "home" || b.api == nil {
		return
	}
	b.goJob(func(ctx context.Context) {
		if !b.acquire(eventWait) {
			b.log.Warn("busy: App Home not refreshed", "user", home.User)
			return
		}
		defer b.release()
		ctx, cancel := context.WithTimeout(ctx, handleTimeout)
		defer cancel()
		if err := b.publishHome(ctx, home.User); err != nil {
			b.log.Error("App Home not published", "user", home.User, "err", err)
		}
	})
}

// label keeps the event type label to the types the bot subscribes to.
func label(typ string) string {
	if typ == string(slackevents.AppHomeOpened) {
		return typ
	}
	return "other"
}

// publishHome shows the member their App Home.
func (b *Bot) publishHome(ctx context.Context, user string) error {
	if b.api == nil {
		return nil
	}
	view, err := b.home(ctx, user)
	if err != nil {
		b.metrics.ledgerErrors.Inc()
		return fmt.Errorf("home for %s: %w", user, err)
	}
	err = retry429(ctx, b.log, "views.publish", func() error {
		_, err := b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: view})
		return err
	})
	if err != nil {
		return fmt.Errorf("publish home for %s: %w", user, err)
	}
	return nil
}

// DefaultHome is the App Home unless Options.HomeView gives another: the
// member's standing, as /quota shows it.
func DefaultHome(ctx context.Context, l Ledger, user string) (slack.HomeTabViewRequest, error) {
	u, err := l.Usage(ctx, user)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab,
		Blocks: slack.Blocks{BlockSet: HomeBlocks(u.Member.Tier, commands.UsageBlocks(u))}}, nil
}

// HomeBlocks lays out the App Home: a title, the member's standing (from
// commands.UsageBlocks) and how to log, within the 100 blocks a Home tab
// takes.
func HomeBlocks(tier string, usage []slack.Block) []slack.Block {
	mrkdwn := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "Your LinkedIn sending quota", false, false)),
		slack.NewContextBlock("", mrkdwn("Tier: *"+tier+"* · change it with `/quota tier premium`")),
	}
	if len(usage) > commands.MaxHomeBlocks-len(blocks)-2 {
		usage = usage[:commands.MaxHomeBlocks-len(blocks)-2]
	}
	blocks = append(blocks, usage...)
	blocks = append(blocks,
		slack.NewDividerBlock(),
		slack.NewContextBlock("", mrkdwn("Right after sending, log it: `/logsend 5`, `/logsend 3 inmail`. "+
			"Take one back with `/logsend undo`. See the team with `/quota team`.")),
	)
	return blocks
}
