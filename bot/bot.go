package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/store"
)

// Handler is the command core both transports hand their requests to.
// *commands.Handler is the one quotabot uses; tests put in others to make a
// reply slow or huge on purpose.
type Handler interface {
	Handle(ctx context.Context, req commands.Request) commands.Result
	Slow(req commands.Request) bool
	Commands() []string
	Action(ctx context.Context, a commands.ActionRequest) (commands.Result, error)
}

var _ Handler = (*commands.Handler)(nil)

// Ledger is what the transports ask of the store themselves: its health,
// for /healthz. A Ledger that is also a StoreStats is watched by the
// metrics.
type Ledger interface {
	Ping() error
}

var _ Ledger = (*store.Ledger)(nil)

// Defaults for Options.
const (
	// DefaultAckDeadline leaves half a second of Slack's 3 seconds for the
	// network.
	DefaultAckDeadline = 2500 * time.Millisecond
	// DefaultMaxInFlight bounds the commands, presses and events handled
	// at once: the concurrency the durable write path is measured at
	// (docs/ARCHITECTURE.md §5), where the ledger's batching has reached its rate.
	DefaultMaxInFlight = 64
	// DefaultDrainTimeout bounds how long shutting down waits for commands
	// already taken.
	DefaultDrainTimeout = 20 * time.Second
	// DedupeTTL is how long a trigger_id, event_id or button press is
	// remembered. Slack redelivers within minutes, and a replayed request
	// is refused once its timestamp is five minutes old.
	DedupeTTL = 10 * time.Minute
	// MaxBody is the largest request body accepted over HTTP. Slack's
	// payloads are a few kilobytes; the bound keeps a hostile client from
	// making the bot buffer megabytes before the signature check.
	MaxBody = 64 << 10
)

// dedupeMax bounds the keys remembered. A team's bot sees a few hundred
// commands in DedupeTTL; the bound matters only under a flood, when the
// oldest keys go first, and a repeated /logsend is still caught by the
// ledger, which keeps trigger_ids on disk.
const dedupeMax = 10_000

// handleTimeout bounds one command or action; it is far past Slack's 3
// seconds because a deferred reply still reaches the member.
const handleTimeout = 30 * time.Second

// Options configure a Bot.
type Options struct {
	// Handler answers commands and button presses. Required.
	Handler Handler
	// Ledger is the store behind Handler. Required.
	Ledger Ledger
	// Home is the App Home; nil leaves app_home_opened and presses on a
	// home view unanswered.
	Home Home
	// SigningSecret checks HTTP requests. Required for Handler (HTTP);
	// Socket Mode does not use it.
	SigningSecret string
	// Team is the workspace the bot is installed in, from Identify. An
	// HTTP request from any other team is refused with 403.
	Team Identity
	// Logger gets one line per command and what goes wrong; nil discards.
	Logger *slog.Logger
	// Metrics receives the counters; nil makes a new set.
	Metrics *Metrics
	// HTTPClient posts to response_url; nil means a client with a
	// 10-second timeout.
	HTTPClient *http.Client
	// AckDeadline is how long a command may take before it is
	// acknowledged with "working on it" and answered through
	// response_url; 0 means DefaultAckDeadline.
	AckDeadline time.Duration
	// MaxInFlight bounds the commands, button presses and events handled
	// at once, on every transport: each holds a slot for as long as its
	// work runs, a reply posted to response_url included. One that finds
	// no slot within half of AckDeadline is answered busy instead (see
	// the package documentation); 0 means DefaultMaxInFlight.
	MaxInFlight int
	// DrainTimeout bounds how long ServeSocket waits for envelopes it took
	// once its context ends; 0 means DefaultDrainTimeout.
	DrainTimeout time.Duration
	// Now is the clock for latencies and the repeat memory; nil means
	// time.Now.
	Now func() time.Time
}

// Bot is the transports' shared state: the command core, the memory of
// what was already handled, the metrics and the background jobs (replies
// posted to response_url, events). It is safe for concurrent use.
type Bot struct {
	h        Handler
	ledger   Ledger
	home     Home // nil: no App Home
	secret   string
	team     Identity
	app      atomic.Pointer[string] // the bot's app ID, once known
	log      *slog.Logger
	metrics  *Metrics
	client   *http.Client
	deadline time.Duration
	drain    time.Duration
	now      func() time.Time
	known    map[string]bool // commands the handler answers, for metric labels

	sem  chan struct{} // MaxInFlight tokens
	seen *dedupe

	// base is the context of background jobs: it outlives the request that
	// started them and ends only when Drain gives up waiting.
	base   context.Context
	cancel context.CancelFunc
	jobs   jobs
}

// jobs counts the background jobs running. Unlike a sync.WaitGroup it
// allows a job to start while Drain waits, as a late reply may.
type jobs struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n drops to 0; nil until asked for
}

func (j *jobs) add() {
	j.mu.Lock()
	j.n++
	j.mu.Unlock()
}

func (j *jobs) done() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.n--
	if j.n == 0 && j.idle != nil {
		close(j.idle)
		j.idle = nil
	}
}

// wait returns a channel closed once no job runs.
func (j *jobs) wait() <-chan struct{} {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.n == 0 {
		c := make(chan struct{})
		close(c)
		return c
	}
	if j.idle == nil {
		j.idle = make(chan struct{})
	}
	return j.idle
}

// New checks opts and returns a Bot.
func New(opts Options) (*Bot, error) {
	switch {
	case opts.Handler == nil:
		return nil, errors.New("bot: no command handler")
	case opts.Ledger == nil:
		return nil, errors.New("bot: no ledger")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics()
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.AckDeadline <= 0 {
		opts.AckDeadline = DefaultAckDeadline
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = DefaultMaxInFlight
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = DefaultDrainTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	base, cancel := context.WithCancel(context.Background())
	b := &Bot{
		h: opts.Handler, ledger: opts.Ledger, home: opts.Home, secret: opts.SigningSecret,
		team: opts.Team, log: opts.Logger, metrics: opts.Metrics, client: opts.HTTPClient,
		deadline: opts.AckDeadline, drain: opts.DrainTimeout, now: opts.Now,
		known: map[string]bool{},
		sem:   make(chan struct{}, opts.MaxInFlight),
		seen:  newDedupe(DedupeTTL, dedupeMax, opts.Now),
		base:  base, cancel: cancel,
	}
	if opts.Team.AppID != "" {
		b.app.Store(&opts.Team.AppID)
	}
	for _, c := range opts.Handler.Commands() {
		b.known[c] = true
	}
	if s, ok := opts.Ledger.(StoreStats); ok {
		// Metrics shared by two bots already watch a store.
		var dup prometheus.AlreadyRegisteredError
		if err := b.metrics.WatchStore(s); err != nil && !errors.As(err, &dup) {
			return nil, fmt.Errorf("bot: %w", err)
		}
	}
	return b, nil
}

// Metrics returns the bot's metrics.
func (b *Bot) Metrics() *Metrics { return b.metrics }

// Drain waits for background jobs (replies on their way to response_url,
// events being handled) to finish, until ctx ends; then it cancels those
// left, for good, and returns ctx's error. Call it after the transports
// have stopped taking new requests, before closing the ledger.
func (b *Bot) Drain(ctx context.Context) error {
	select {
	case <-b.jobs.wait():
		return nil
	case <-ctx.Done():
		b.cancel()
		// Jobs end soon once cancelled; one that does not is left
		// behind rather than hold the shutdown.
		t := time.NewTimer(5 * time.Second)
		defer t.Stop()
		select {
		case <-b.jobs.wait():
		case <-t.C:
		}
		return fmt.Errorf("drain: %w", ctx.Err())
	}
}

// goSlot runs f in the background, counted by Drain, on the slot the
// caller took with acquire; the slot is given back when f returns. Every
// background job runs this way, so that MaxInFlight bounds the work in
// flight on every transport, not only the requests.
func (b *Bot) goSlot(f func(ctx context.Context)) {
	b.jobs.add()
	go func() {
		defer b.jobs.done()
		defer b.release()
		f(b.base)
	}()
}

// mustJob runs f in the background like goSlot, for work already promised
// to a member (a reply acknowledged as following). It waits for a slot as
// long as a command may take, and then runs f all the same, past the
// bound, rather than break the promise.
func (b *Bot) mustJob(f func(ctx context.Context)) {
	if b.acquire(handleTimeout) {
		b.goSlot(f)
		return
	}
	b.log.Warn("busy for long: running a promised reply past MaxInFlight", "in_flight", cap(b.sem))
	b.jobs.add()
	go func() {
		defer b.jobs.done()
		f(b.base)
	}()
}

// slotWait is how long a command, press or event waits for a slot before
// it is answered busy: half the ack deadline, which leaves the other half
// for the work before Slack's 3 seconds run out.
func (b *Bot) slotWait() time.Duration { return b.deadline / 2 }

// busy counts and logs work turned away for want of a slot.
func (b *Bot) busy(transport, kind, user string) {
	b.metrics.busy.WithLabelValues(transport, kind).Inc()
	b.log.Warn("busy: not taken", "transport", transport, "kind", kind, "user", user, "in_flight", cap(b.sem))
}

// acquire takes one of the MaxInFlight tokens, waiting at most d.
func (b *Bot) acquire(d time.Duration) bool {
	select {
	case b.sem <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case b.sem <- struct{}{}:
		return true
	case <-t.C:
		return false
	}
}

func (b *Bot) release() { <-b.sem }

// Notes a member reads instead of the real reply.
var (
	workingReply = note(":hourglass_flowing_sand: Working on it… the answer follows in a moment.")
	busyReply    = note("I'm busy right now and did not take that. Please try again in a moment.")
	busyPress    = note("I'm busy right now and did not take that press. Please press again in a moment.")
	longReply    = note("The answer is long, so it follows in a moment.")
)

func note(s string) commands.Reply {
	return commands.Reply{Text: s, Blocks: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, s, false, false), nil, nil),
	}}
}

// message is a reply as it goes to Slack, in an HTTP response, an ack or a
// post to response_url: the fields of reply.Msg() that a reply uses.
// slack.Msg itself would add empty metadata, delete_original and the like
// to every reply, and costs a walk over forty fields to encode.
type message struct {
	ResponseType    string `json:"response_type"`
	Text            string `json:"text"`
	Blocks          []any  `json:"blocks"`
	ReplaceOriginal bool   `json:"replace_original,omitempty"`
}

func wire(r commands.Reply) message {
	m := message{ResponseType: slack.ResponseTypeEphemeral, Text: r.Text, ReplaceOriginal: r.ReplaceOriginal}
	if r.Blocks != nil {
		m.Blocks = make([]any, len(r.Blocks))
	}
	for i, b := range r.Blocks {
		m.Blocks[i] = flat(b)
	}
	return m
}

// flatBlock is an actions or a context block as it goes on the wire.
// slack-go's own types (and slack.Blocks around them) marshal their
// elements to a buffer that encoding/json must then parse and copy again,
// which made that the dearest step of a reply.
type flatBlock struct {
	Type     slack.MessageBlockType `json:"type"`
	BlockID  string                 `json:"block_id,omitempty"`
	Elements any                    `json:"elements"`
}

func flat(b slack.Block) any {
	switch b := b.(type) {
	case *slack.ActionBlock:
		var els []slack.BlockElement
		if b.Elements != nil {
			els = b.Elements.ElementSet
		}
		return flatBlock{Type: b.Type, BlockID: b.BlockID, Elements: els}
	case *slack.ContextBlock:
		return flatBlock{Type: b.Type, BlockID: b.BlockID, Elements: b.ContextElements.Elements}
	}
	return b
}

// answer runs a slash command and returns what to answer now: the reply,
// workingReply when the reply will be posted to response_url instead
// (Slow, or not ready within the ack deadline), or busyReply when no slot
// came free in time (then nothing was done). dup reports a repeat of a
// command already taken (the same trigger_id). A repeat of a command
// answered in time is answered again: the ledger knows the trigger_id
// durably, so a repeated /logsend records nothing and reads like the
// first. A repeat of a deferred command gets the working note, and no
// second post.
func (b *Bot) answer(req commands.Request, transport string) (reply commands.Reply, dup bool) {
	start, t0 := b.now(), time.Now()
	// A repeat of a command already taken is answered without a slot: told
	// "busy, not taken" it would be typed again, under a new trigger_id,
	// and counted twice. Its work is the first delivery's, so it adds none.
	if req.TriggerID != "" {
		if c, ok := b.seen.seen("command:" + req.TriggerID); ok {
			return b.repeat(c, req, transport), true
		}
	}
	if !b.acquire(b.slotWait()) {
		b.busy(transport, "command", req.UserID)
		return busyReply, false
	}
	if req.TriggerID == "" {
		reply, _ := b.handOff(req, transport, start, b.deadline-time.Since(t0))
		return reply, false
	}
	c, first := b.seen.claim("command:" + req.TriggerID)
	if !first {
		defer b.release()
		return b.repeat(c, req, transport), true
	}
	reply, deferred := b.handOff(req, transport, start, b.deadline-time.Since(t0))
	c.finish(deferred)
	return reply, false
}

// repeat answers a repeated command.
func (b *Bot) repeat(c *call, req commands.Request, transport string) commands.Reply {
	b.metrics.duplicates.WithLabelValues("command").Inc()
	b.log.Info("repeated command", "transport", transport, "user", req.UserID, "command", req.Command)
	if known, deferred := c.wait(b.deadline); !known || deferred {
		return workingReply
	}
	ctx, cancel := context.WithTimeout(b.base, handleTimeout)
	defer cancel()
	return b.h.Handle(ctx, req).Reply
}

// handOff runs a command on a job that takes over the caller's slot, and
// returns its reply if it is ready within d; otherwise workingReply, and
// deferred, for the job posts the reply to response_url when ready. The
// handler runs on its own goroutine so that a slow store cannot hold the
// acknowledgement past Slack's 3 seconds.
func (b *Bot) handOff(req commands.Request, transport string, start time.Time, d time.Duration) (commands.Reply, bool) {
	if b.h.Slow(req) {
		b.goSlot(func(ctx context.Context) {
			r := b.run(ctx, req, transport, start, true)
			b.followUp(ctx, req, r)
		})
		return workingReply, true
	}
	var (
		mu    sync.Mutex
		ready = make(chan struct{})
		got   commands.Reply
		late  bool
	)
	b.goSlot(func(ctx context.Context) {
		r := b.run(ctx, req, transport, start, false)
		mu.Lock()
		if late {
			mu.Unlock()
			b.followUp(ctx, req, r)
			return
		}
		got = r
		mu.Unlock()
		close(ready)
	})
	t := time.NewTimer(max(d, 0))
	defer t.Stop()
	select {
	case <-ready:
		return got, false
	case <-t.C:
		mu.Lock()
		defer mu.Unlock()
		select {
		case <-ready:
			return got, false
		default:
		}
		late = true
		return workingReply, true
	}
}

// run calls the handler with a context of its own (the request's may end
// before a deferred reply is ready), asks the App Home to refresh whom the
// command changed, then logs and counts the outcome.
func (b *Bot) run(ctx context.Context, req commands.Request, transport string, start time.Time, deferred bool) commands.Reply {
	ctx, cancel := context.WithTimeout(ctx, handleTimeout)
	defer cancel()
	res := b.h.Handle(ctx, req)
	b.refresh(res.Changed)
	if res.Outcome == commands.Failed {
		b.metrics.ledgerErrors.Inc()
	}
	outcome := outcomeLabel(res.Outcome)
	latency := b.now().Sub(start)
	name := b.label(req.Command)
	b.metrics.commands.WithLabelValues(name, outcome).Inc()
	b.metrics.latency.WithLabelValues(name).Observe(latency.Seconds())
	attrs := []any{"transport", transport, "user", req.UserID, "command", req.Command,
		"outcome", outcome, "latency", latency}
	if deferred {
		attrs = append(attrs, "via", "response_url")
	}
	b.log.InfoContext(ctx, "command", attrs...)
	return res.Reply
}

// outcomeLabel is an outcome as the logs and quotabot_commands_total name
// it: "error" for Failed, the name dashboards already use.
func outcomeLabel(o commands.Outcome) string {
	if o == commands.Failed {
		return "error"
	}
	return o.String()
}

// refresh tells the App Home, if any, of the members a command changed.
func (b *Bot) refresh(changed []string) {
	if b.home == nil {
		return
	}
	for _, m := range changed {
		b.home.Refresh(m)
	}
}

// label keeps metric labels to the commands the handler knows, so that a
// stream of made-up commands cannot grow the metrics without bound.
func (b *Bot) label(command string) string {
	if b.known[command] {
		return command
	}
	return "other"
}

// followUp posts a reply that could not go in the acknowledgement.
func (b *Bot) followUp(ctx context.Context, req commands.Request, r commands.Reply) {
	if req.ResponseURL == "" {
		b.log.Warn("reply lost: no response_url to post it to", "user", req.UserID, "command", req.Command)
		b.metrics.followUps.WithLabelValues("failed").Inc()
		return
	}
	b.deliver(ctx, req.ResponseURL, r, "user", req.UserID, "command", req.Command)
}

// deliver posts r to a response_url and counts how that went; who says
// whose reply it is, for the log.
func (b *Bot) deliver(ctx context.Context, url string, r commands.Reply, who ...any) {
	if err := b.postResponse(ctx, url, r); err != nil {
		b.log.Error("reply not delivered to response_url", append(who, "err", err)...)
		b.metrics.followUps.WithLabelValues("failed").Inc()
		return
	}
	b.metrics.followUps.WithLabelValues("posted").Inc()
}

// action runs one button press in the background, on a slot of its own.
// A press on a message gets its reply posted to the press's response_url,
// and the App Home is told whom it changed; a press on the App Home itself,
// which has no response_url, goes to the home, which answers by publishing
// itself again. A repeat of a press already taken does nothing. It reports
// false when no slot came free in time: then nothing was done, and the
// press is not marked as seen.
func (b *Bot) action(a commands.ActionRequest, fromHome bool, transport string) bool {
	if a.Key != "" {
		if _, ok := b.seen.seen("action:" + a.Key); ok {
			b.metrics.duplicates.WithLabelValues("action").Inc()
			return true
		}
	}
	if !b.acquire(b.slotWait()) {
		b.busy(transport, "action", a.UserID)
		return false
	}
	if a.Key != "" {
		c, first := b.seen.claim("action:" + a.Key)
		if !first {
			b.release()
			b.metrics.duplicates.WithLabelValues("action").Inc()
			return true
		}
		c.finish(false)
	}
	b.goSlot(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, handleTimeout)
		defer cancel()
		start := b.now()
		var res commands.Result
		var err error
		switch {
		case fromHome && b.home != nil:
			res, err = b.home.HandleAction(ctx, a)
		case fromHome:
			return
		default:
			res, err = b.h.Action(ctx, a)
		}
		b.countAction(a, transport, start, res, err)
		if err != nil || fromHome {
			return
		}
		b.refresh(res.Changed)
		if a.ResponseURL == "" {
			return
		}
		b.deliver(ctx, a.ResponseURL, res.Reply, "user", a.UserID, "action", a.ActionID)
	})
	return true
}

// countAction logs and counts how a press went: "unknown" for an action
// that is not quotabot's, "error" when it failed or its home could not be
// published, else "ok".
func (b *Bot) countAction(a commands.ActionRequest, transport string, start time.Time, res commands.Result, err error) {
	outcome := "ok"
	switch {
	case errors.Is(err, commands.ErrUnknownAction):
		outcome = "unknown"
	case err != nil:
		outcome = "error"
	case res.Outcome == commands.Failed:
		outcome = "error"
		b.metrics.ledgerErrors.Inc()
	}
	b.metrics.actions.WithLabelValues(outcome).Inc()
	attrs := []any{"transport", transport, "user", a.UserID, "action", a.ActionID,
		"outcome", outcome, "latency", b.now().Sub(start)}
	if err != nil && outcome == "error" {
		attrs = append(attrs, "err", err)
	}
	b.log.Info("action", attrs...)
}
