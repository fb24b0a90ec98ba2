package home

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/internal/slackretry"
	"github.com/quotabot/quotabot/internal/wait"
	"github.com/quotabot/quotabot/store"
)

// Publisher publishes App Home views; *slack.Client is one.
type Publisher interface {
	PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error)
}

var _ Publisher = (*slack.Client)(nil)

// Defaults for Options.
const (
	// DefaultInterval spaces the publishes of one member's home that
	// Refresh asks for: a burst of /logsend within it costs one publish.
	DefaultInterval = 2 * time.Second
	// DefaultPerMinute bounds Refresh's publishes across all members.
	// views.publish is a Tier 4 method, about 100 calls a minute.
	DefaultPerMinute = 100
	// DefaultPageSize is how many members a team page shows.
	DefaultPageSize = 40
	// DefaultTimeout bounds one publish, reading the ledger included.
	DefaultTimeout = 10 * time.Second
)

// MaxPageSize is the most members a team page can show and still leave the
// member's own part room for one kind, within Slack's 100 blocks.
const MaxPageSize = blockkit.MaxHomeBlocks - teamOverhead - personalFixed - 2

// Options configure a Home. The zero value is ready to use.
type Options struct {
	Logger *slog.Logger // nil discards
	// Interval is the least time between two publishes of one member's
	// home asked for by Refresh; 0 means DefaultInterval.
	Interval time.Duration
	// PerMinute bounds the publishes Refresh makes, all members together,
	// with a burst of a tenth of it; 0 means DefaultPerMinute.
	PerMinute int
	// PageSize is how many members a team page shows, at most
	// MaxPageSize; 0 means DefaultPageSize.
	PageSize int
	// Timeout bounds one publish; 0 means DefaultTimeout.
	Timeout time.Duration
	// Now is the clock the publishes are spaced by; nil means time.Now.
	// The views read the ledger's clock.
	Now func() time.Time
}

// Home builds and publishes App Home views. It is safe for concurrent use;
// Run must be running for Refresh to have an effect.
type Home struct {
	ledger *store.Ledger
	cmd    *commands.Handler
	pub    Publisher
	log    *slog.Logger
	opts   Options
	burst  float64

	mu sync.Mutex
	// dirty holds the members whose home Refresh asked for, with when it
	// first asked; Run drains it.
	dirty map[string]time.Time
	// last is when each member's home was last published, for Interval.
	last map[string]time.Time
	// backoff is when Slack's last Retry-After ends: no publish before.
	backoff time.Time
	// tokens and filled are the PerMinute bucket.
	tokens float64
	filled time.Time
	// pages is the team page each admin last asked for.
	pages map[string]int
	// users serialises the publishes of each member, so that views reach
	// Slack in the order they were built and the latest state wins.
	users map[string]*userLock
	wake  chan struct{}
}

type userLock struct {
	mu   sync.Mutex
	refs int
}

// New returns a Home publishing through pub. h answers the presses and
// decides who is an admin; ledger is the store behind h.
func New(ledger *store.Ledger, h *commands.Handler, pub Publisher, opts Options) *Home {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.PerMinute <= 0 {
		opts.PerMinute = DefaultPerMinute
	}
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	opts.PageSize = min(opts.PageSize, MaxPageSize)
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	burst := max(1, float64(opts.PerMinute)/10)
	return &Home{
		ledger: ledger, cmd: h, pub: pub, log: opts.Logger, opts: opts, burst: burst,
		tokens: burst,
		dirty:  map[string]time.Time{},
		last:   map[string]time.Time{},
		pages:  map[string]int{},
		users:  map[string]*userLock{},
		wake:   make(chan struct{}, 1),
	}
}

// Publish builds the member's home from the ledger as it is now and
// publishes it with views.publish. While Slack's Retry-After from a 429
// runs it waits; a failure another call can cure is retried, built afresh,
// as internal/slackretry's interactive policy says.
func (h *Home) Publish(ctx context.Context, user string) error {
	return h.publish(ctx, user, "")
}

// HandleAction answers a press on a home view: a page button, or one of
// commands' actions (Log 1, Log 5, Undo, the tier menu), which
// commands.Handler.Action runs, checking admin rights itself. Then it
// publishes the presser's home in place, with what the press did on top,
// and asks for the home of anyone else the press changed (the member whose
// tier the menu set). A press Slack delivers twice acts once (see the
// package doc). The Result is the action's (zero for a page button or a
// repeat); the error wraps commands.ErrUnknownAction for an action that is
// not quotabot's, and is otherwise the publish's.
func (h *Home) HandleAction(ctx context.Context, a commands.ActionRequest) (commands.Result, error) {
	if strings.HasPrefix(a.ActionID, ActionPage) {
		page, err := strconv.Atoi(a.Value)
		if err != nil || page < 1 {
			page = 1
		}
		h.mu.Lock()
		h.pages[a.UserID] = page
		h.mu.Unlock()
		return commands.Result{}, h.publish(ctx, a.UserID, "")
	}
	res, err := h.cmd.Action(ctx, a)
	if err != nil {
		return res, fmt.Errorf("home action %s: %w", a.ActionID, err)
	}
	for _, m := range res.Changed {
		if m != a.UserID {
			h.Refresh(m)
		}
	}
	return res, h.publish(ctx, a.UserID, res.Reply.Text)
}

func (h *Home) publish(ctx context.Context, user, notice string) error {
	var waited time.Duration
	for n := 1; ; n++ {
		if err := h.waitBackoff(ctx); err != nil {
			return fmt.Errorf("publish home for %s: %w", user, err)
		}
		err := h.publishOnce(ctx, user, notice)
		d, again := slackretry.Interactive.Next(err, n, waited)
		if err == nil || !again || ctx.Err() != nil {
			return err
		}
		// A 429 has set the hold-back that waitBackoff waits out, for
		// every publish; anything else waits here, for this one.
		if slackretry.Classify(err) != slackretry.RateLimited {
			if err := wait.For(ctx, d); err != nil {
				return fmt.Errorf("publish home for %s: %w", user, err)
			}
		}
		waited += d
	}
}

// publishOnce builds the member's home and makes one views.publish call.
// It takes the member off the dirty set as it starts building, so that a
// Refresh arriving meanwhile publishes again later with what changed.
func (h *Home) publishOnce(ctx context.Context, user, notice string) error {
	unlock := h.lockUser(user)
	defer unlock()
	now := h.opts.Now()
	h.mu.Lock()
	delete(h.dirty, user)
	h.last[user] = now
	h.takeLocked(now)
	h.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, h.opts.Timeout)
	defer cancel()
	blocks, err := h.build(ctx, user, notice)
	if err != nil {
		return err
	}
	req := slack.PublishViewContextRequest{UserID: user,
		View: slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}}
	if _, err := h.pub.PublishViewContext(ctx, req); err != nil {
		if d, limited := slackretry.RetryAfter(err); limited {
			h.rateLimited(d)
		}
		return fmt.Errorf("publish home for %s: %w", user, err)
	}
	return nil
}

// build reads what the member's home shows and lays it out.
func (h *Home) build(ctx context.Context, user, notice string) ([]slack.Block, error) {
	u, err := h.ledger.Usage(ctx, user)
	if err != nil {
		return nil, fmt.Errorf("home for %s: %w", user, err)
	}
	now := h.ledger.Now()
	act, err := readActivity(ctx, h.ledger, user, now)
	if err != nil {
		return nil, fmt.Errorf("home for %s: %w", user, err)
	}
	c := content{plan: h.ledger.Plan(), now: now, usage: u, activity: act, notice: notice}
	admin, err := h.cmd.IsAdmin(ctx, user)
	if err != nil {
		// Rights that cannot be checked are refused, as commands does;
		// the member still gets their own part.
		h.log.WarnContext(ctx, "App Home without the team section: admin rights unknown", "user", user, "err", err)
	}
	if admin {
		if c.team, err = h.teamPage(ctx, user); err != nil {
			return nil, fmt.Errorf("home for %s: %w", user, err)
		}
	}
	return view(c), nil
}

// teamPage reads the whole team, puts it in /quota team's order and cuts
// out the page the admin last asked for, the last one if the team shrank.
func (h *Home) teamPage(ctx context.Context, admin string) (*teamPage, error) {
	team, err := h.ledger.TeamUsage(ctx)
	if err != nil {
		return nil, err
	}
	rows := blockkit.RankTeam(team)
	size := h.opts.PageSize
	pages := max(1, (len(rows)+size-1)/size)
	h.mu.Lock()
	page := min(max(h.pages[admin], 1), pages)
	h.mu.Unlock()
	first := (page - 1) * size
	return &teamPage{
		members: rows[first:min(first+size, len(rows))],
		summary: blockkit.TeamSummary(rows),
		total:   len(rows), first: first, page: page, pages: pages,
	}, nil
}

// lockUser takes the member's publish lock and returns its release; locks
// of members nobody is publishing are forgotten.
func (h *Home) lockUser(user string) (unlock func()) {
	h.mu.Lock()
	l := h.users[user]
	if l == nil {
		l = &userLock{}
		h.users[user] = l
	}
	l.refs++
	h.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		h.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(h.users, user)
		}
		h.mu.Unlock()
	}
}
