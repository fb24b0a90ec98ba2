package commands

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// Request is one slash command as any transport received it.
type Request struct {
	Command     string // "/quota" or "/logsend"
	Text        string
	UserID      string
	TeamID      string
	ChannelID   string
	TriggerID   string // idempotency key for /logsend
	ResponseURL string
}

// FromSlash converts slack-go's parsed command.
func FromSlash(s slack.SlashCommand) Request {
	return Request{Command: s.Command, Text: s.Text, UserID: s.UserID, TeamID: s.TeamID,
		ChannelID: s.ChannelID, TriggerID: s.TriggerID, ResponseURL: s.ResponseURL}
}

// Reply is an ephemeral message: a plain-text fallback and Block Kit blocks.
type Reply struct {
	Text   string
	Blocks []slack.Block
	// ReplaceOriginal asks a transport posting to a response_url to replace
	// the message the button was on (an Undo replaces its "Logged" reply,
	// so the spent button goes away). Slash command replies leave it false.
	ReplaceOriginal bool
}

// Msg returns the reply as the JSON body Slack expects in an HTTP response,
// a Socket Mode ack payload or a response_url post.
func (r Reply) Msg() slack.Msg {
	return slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: r.Text, Blocks: slack.Blocks{BlockSet: r.Blocks},
		ReplaceOriginal: r.ReplaceOriginal}
}

// Users looks up Slack users; *slack.Client satisfies it.
type Users interface {
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
}

var _ Users = (*slack.Client)(nil)

// Options configure a Handler.
type Options struct {
	Admins []string // Slack user IDs with admin rights besides workspace admins
	Users  Users    // nil: only Admins are admins
	Logger *slog.Logger
	// AdminTTL is how long a users.info answer about a user's admin rights
	// is trusted; 0 means DefaultAdminTTL.
	AdminTTL time.Duration
	// Now is the clock for that cache; nil means time.Now. (Times shown
	// in replies come from the ledger's clock.)
	Now func() time.Time
	// BigTeam is the team size above which /quota team is Slow; 0 means
	// DefaultBigTeam.
	BigTeam int
}

// DefaultBigTeam is the team size above which `/quota team` is answered
// through response_url: beyond it the table no longer fits the 20 KB a
// Socket Mode ack may carry, and reading every member may take a while.
const DefaultBigTeam = 100

// Handler answers slash commands and button presses from the ledger. It is
// safe for concurrent use.
type Handler struct {
	ledger  *store.Ledger
	opts    Options
	log     *slog.Logger
	admins  map[string]bool
	cache   *adminCache // nil without Options.Users
	bigTeam int
}

// New returns a Handler.
func New(l *store.Ledger, opts Options) *Handler {
	h := &Handler{ledger: l, opts: opts, log: opts.Logger, admins: map[string]bool{}, bigTeam: opts.BigTeam}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	for _, id := range opts.Admins {
		h.admins[id] = true
	}
	if h.bigTeam <= 0 {
		h.bigTeam = DefaultBigTeam
	}
	if opts.Users != nil {
		now, ttl := opts.Now, opts.AdminTTL
		if now == nil {
			now = time.Now
		}
		if ttl <= 0 {
			ttl = DefaultAdminTTL
		}
		h.cache = &adminCache{users: opts.Users, ttl: ttl, now: now,
			known: map[string]adminAnswer{}, calls: map[string]*adminCall{}}
	}
	return h
}

// Commands lists the slash commands the handler answers.
func (h *Handler) Commands() []string { return []string{"/quota", "/logsend"} }

// Slow reports whether req may take longer than Slack's 3 seconds (a large
// team table), so a transport should acknowledge at once and post the reply
// to req.ResponseURL.
func (h *Handler) Slow(req Request) bool {
	// The team's size first: it is a counter read, and most teams are
	// small enough that the text need not be parsed here as well as in
	// Handle.
	if req.Command != "/quota" || h.ledger.MemberCount() <= h.bigTeam {
		return false
	}
	cmd, err := ParseQuota(h.ledger.Plan(), req.Text)
	_, team := cmd.(Team)
	return team && err == nil
}

// Handle answers one command and says what it did. It never returns a Go
// error to show a user: every failure is already a reply that reads as
// help, and the Result's Outcome says which kind of failure it was.
func (h *Handler) Handle(ctx context.Context, req Request) (res Result) {
	defer h.recoverPanic(ctx, &res, "command", "command", req.Command, "user", req.UserID, "text", clip(req.Text, 200))
	cmd, err := Parse(h.ledger.Plan(), req.Command, req.Text)
	res.Command = cmd
	var reply Reply
	if err == nil {
		reply, err = h.run(ctx, req, cmd)
	}
	return h.result(ctx, req.Command, req.UserID, req.Text, cmd, reply, err)
}

func (h *Handler) run(ctx context.Context, req Request, cmd Command) (Reply, error) {
	switch c := cmd.(type) {
	case Log:
		return h.logSend(ctx, req.UserID, c, slashKey(req))
	case Undo:
		return h.undo(ctx, req.UserID, "", slashKey(req))
	case Refund:
		return h.refund(ctx, req.UserID, c, slashKey(req))
	case Show:
		return h.show(ctx, req.UserID, c.Member)
	case Team:
		return h.team(ctx)
	case SetTier:
		return h.setTier(ctx, req.UserID, c, slashKey(req))
	case Tiers:
		return h.tiers(ctx, req.UserID)
	case History:
		return h.history(ctx, req.UserID)
	case Cap:
		return h.setCap(ctx, req.UserID, c, slashKey(req))
	case Pause:
		return h.pause(ctx, req.UserID, c, slashKey(req))
	case Resume:
		return h.resume(ctx, req.UserID, c, slashKey(req))
	case Help:
		return h.help(c), nil
	}
	return Reply{}, fmt.Errorf("run %T: no handler", cmd)
}

// slashKey is the idempotency key of a slash command: Slack gives every
// invocation its own trigger_id and a redelivery repeats it. The prefix
// keeps it apart from button keys in the ledger's one key space.
func slashKey(req Request) string {
	if req.TriggerID == "" {
		return ""
	}
	return "slash:" + req.TriggerID
}

func (h *Handler) logSend(ctx context.Context, user string, c Log, key string) (Reply, error) {
	res, err := h.ledger.Log(ctx, store.LogRequest{Member: user, Kind: c.Kind, Count: c.Count, Note: c.Note, Key: key})
	if err != nil {
		return Reply{}, err
	}
	return logReply(res, h.ledger.Location()), nil
}

// logReply confirms a logged entry, with any date in loc (the workspace's
// zone) for clients that cannot show it in the reader's. A duplicate (the
// same trigger_id delivered again) reads exactly like the first: the
// member did one thing.
func logReply(res store.LogResult, loc *time.Location) Reply {
	e := res.Entry
	logged := fmt.Sprintf("%s %s", quota.FormatCount(e.Count), e.Kind.Noun(e.Count))
	blocks := []slack.Block{
		blockkit.Section(fmt.Sprintf(":white_check_mark: Logged *%s*.", logged)),
		blockkit.Section(blockkit.KindMrkdwn(res.Usage)),
	}
	if e.Note != "" {
		blocks = append(blocks, blockkit.Context("Note: "+blockkit.Escape(e.Note)))
	}
	blocks = append(blocks, logButtons(e))
	text := fmt.Sprintf("Logged %s. %s", logged, blockkit.LeftText(res.Usage))
	if p := res.Pause; p != nil {
		// Loud, and first after the confirmation: the account is restricted.
		blocks = slices.Insert(blocks, 1, slack.Block(blockkit.Section(blockkit.PauseMrkdwn(*p, loc))))
		text += " " + blockkit.PauseText(*p, loc)
	}
	return Reply{Text: text, Blocks: blocks}
}

func (h *Handler) undo(ctx context.Context, user, entryID, key string) (Reply, error) {
	var e quota.Entry
	var err error
	if entryID == "" {
		e, err = h.ledger.Undo(ctx, user, key)
	} else {
		e, err = h.ledger.UndoEntry(ctx, user, entryID, key)
		if errors.Is(err, quota.ErrNothingToUndo) && !errors.Is(err, quota.ErrNoSuchEntry) {
			// The member may well have other entries to take back:
			// say that this one is spent, not that there is none.
			err = fmt.Errorf("undo %s: %w", entryID, ErrSpentUndo)
		}
	}
	if err != nil {
		return Reply{}, err
	}
	took, when := blockkit.EntryWhat(e), " logged "
	if e.Refund {
		// "1 InMail credit given back" already says what happened then:
		// "logged" after it would make it read as two events.
		took, when = "the "+took, " "
	}
	at := e.At.In(h.ledger.Location())
	text := "Took back " + took + when + blockkit.PlainDate(at) + "."
	blocks := []slack.Block{blockkit.Section(":leftwards_arrow_with_hook: Took back *" + took + "*" + when + blockkit.DateToken(at) + ".")}
	u, err := h.ledger.Usage(ctx, user)
	if err != nil {
		return Reply{}, err
	}
	// The member's tier may have changed since, and no longer have the kind.
	if ku, ok := u.Kind(e.Kind); ok {
		text += " " + blockkit.LeftText(ku)
		blocks = append(blocks, blockkit.Section(blockkit.KindMrkdwn(ku)))
	}
	if b := blockkit.PauseBlock(u); b != nil {
		text += " " + blockkit.PauseText(*u.Member.Pause, u.At.Location())
		blocks = append(blocks, b)
	}
	return Reply{Text: text, Blocks: blocks}, nil
}

func (h *Handler) show(ctx context.Context, caller, member string) (Reply, error) {
	self := member == "" || member == caller
	if self {
		member = caller
	}
	u, err := h.ledger.Usage(ctx, member)
	if err != nil {
		return Reply{}, err
	}
	whose, whoseText := "*Your quota*", "Your quota"
	if !self {
		whose = fmt.Sprintf("*Quota for <@%s>*", member)
		whoseText = fmt.Sprintf("Quota for <@%s>", member)
	}
	blocks := []slack.Block{blockkit.Section(fmt.Sprintf("%s · tier %s", whose, u.Member.Tier))}
	blocks = append(blocks, blockkit.UsageBlocks(u)...)
	text := fmt.Sprintf("%s (tier %s). %s", whoseText, u.Member.Tier, blockkit.UsageText(u))
	if missing := blockkit.MissingKinds(h.ledger.Plan(), u, self); missing != "" {
		blocks = append(blocks, blockkit.Context(missing))
	}
	return Reply{Text: text, Blocks: blocks}, nil
}

// Byte budgets for the team table's rows. The small one keeps the whole
// reply within a Socket Mode ack (20 KB); the large one applies when the
// transport posts to response_url (Slow) and Block Kit's own limits bind.
const (
	teamAckBytes  = 14_000
	teamPostBytes = 120_000
)

func (h *Handler) team(ctx context.Context) (Reply, error) {
	team, err := h.ledger.TeamUsage(ctx)
	if err != nil {
		return Reply{}, err
	}
	budget := teamAckBytes
	if len(team) > h.bigTeam {
		budget = teamPostBytes
	}
	return TeamReply(team, h.ledger.Now(), blockkit.MaxBlocks, budget), nil
}

func (h *Handler) setTier(ctx context.Context, caller string, c SetTier, key string) (Reply, error) {
	self := c.Member == "" || c.Member == caller
	target := caller
	if !self {
		target = c.Member
		admin, err := h.IsAdmin(ctx, caller)
		if err != nil {
			return Reply{}, err
		}
		if !admin {
			return Reply{}, fmt.Errorf("set tier of %s by %s: %w", target, caller, ErrNotAdmin)
		}
	}
	m, err := h.ledger.SetTier(ctx, store.SetTierRequest{Member: target, Tier: c.Tier, By: caller, Key: key})
	if err != nil {
		return Reply{}, err
	}
	limits := tierLimits(h.ledger.Plan(), h.ledger.Plan().Tier(m.Tier))
	var text string
	if self {
		text = fmt.Sprintf("Your tier is now %s: %s", m.Tier, limits)
	} else {
		text = fmt.Sprintf("<@%s> is now on tier %s: %s", m.ID, m.Tier, limits)
	}
	return Reply{Text: text, Blocks: []slack.Block{blockkit.Section(":white_check_mark: " + text)}}, nil
}

// tiers lists the plan's tiers, a line each with its limits, the
// caller's marked.
func (h *Handler) tiers(ctx context.Context, user string) (Reply, error) {
	m, err := h.ledger.Member(ctx, user)
	if err != nil {
		return Reply{}, err
	}
	plan := h.ledger.Plan()
	lines := []string{"*Tiers* · set yours with `/quota tier NAME`"}
	for _, name := range plan.TierNames() {
		yours := ""
		if name == plan.Tier(m.Tier).Name {
			yours = " _(yours)_"
		}
		lines = append(lines, fmt.Sprintf("• *%s*%s: %s", name, yours, tierLimits(plan, plan.Tiers[name])))
	}
	text := strings.Join(lines, "\n")
	return Reply{Text: text, Blocks: []slack.Block{blockkit.Section(text)}}, nil
}

// tierLimits is "messages 100 a day and 1,500 a month; InMails 20 a day and
// 300 a month; invitations 30 a day and 100 in any 7 days." A kind paid in
// credits reads "InMail credits 50 a month, banked up to 150".
func tierLimits(plan quota.Plan, t quota.Tier) string {
	var kinds []string
	for _, k := range plan.Kinds() {
		if !t.Has(k) {
			continue
		}
		var ws []string
		for _, l := range t.Limits[k] {
			if l.Rolling() {
				ws = append(ws, fmt.Sprintf("%s in any %s", quota.FormatCount(l.Max), blockkit.SpanNoun(l.Span)))
				continue
			}
			ws = append(ws, fmt.Sprintf("%s a %s", quota.FormatCount(l.Max), l.Window))
		}
		if len(ws) > 0 {
			kinds = append(kinds, k.Noun(2)+" "+strings.Join(ws, " and "))
		}
		if c, ok := t.Credits[k]; ok {
			kinds = append(kinds, creditsLine(k, c))
		}
	}
	if len(kinds) == 0 {
		return "nothing to send."
	}
	return strings.Join(kinds, "; ") + "."
}

// creditsLine is "InMail credits 50 a month, banked up to 150", and the
// renewal day when it is not the 1st.
func creditsLine(k quota.Kind, c quota.Credits) string {
	s := fmt.Sprintf("%s credits %s a month, banked up to %s", k.Noun(1), quota.FormatCount(c.Grant), quota.FormatCount(c.Cap))
	if c.RenewDay > 1 {
		s += fmt.Sprintf(", renewing on day %d", c.RenewDay)
	}
	return s
}

// IsAdmin reports whether user may act for others (set anyone's tier, see
// the whole team on the App Home): a configured admin, or a workspace admin
// or owner according to users.info, cached for Options.AdminTTL. When Slack
// cannot say (users.info fails or is rate limited) it returns false and an
// error wrapping ErrAdminCheck: rights are refused, never guessed.
func (h *Handler) IsAdmin(ctx context.Context, user string) (bool, error) {
	if h.admins[user] {
		return true, nil
	}
	if h.cache == nil {
		return false, nil
	}
	admin, err := h.cache.isAdmin(ctx, user)
	if err != nil {
		h.log.WarnContext(ctx, "admin check failed", "user", user, "err", err)
	}
	return admin, err
}

// historyLen is how many entries /quota history shows; historyNote how
// much of each note, so that ten long notes still read at a glance and fit
// a Socket Mode ack.
const (
	historyLen  = 10
	historyNote = 100
)

func (h *Handler) history(ctx context.Context, user string) (Reply, error) {
	es, err := h.ledger.History(ctx, user, historyLen)
	if err != nil {
		return Reply{}, err
	}
	if len(es) == 0 {
		s := "You have not logged anything yet. Log sends with `/logsend 5`."
		return Reply{Text: s, Blocks: []slack.Block{blockkit.Section(s)}}, nil
	}
	loc := h.ledger.Location()
	lines := make([]string, 0, len(es))
	texts := make([]string, 0, len(es))
	for _, e := range es {
		// Entries come back in UTC; the fallback should read in the
		// workspace's zone like every other time the bot shows.
		e.At = e.At.In(loc)
		what := blockkit.EntryWhat(e)
		line := fmt.Sprintf("• %s · *%s*", blockkit.DateToken(e.At), what)
		text := fmt.Sprintf("%s: %s", blockkit.PlainDate(e.At), what)
		if e.Note != "" {
			// Escaped in the fallback too: Slack reads `text` as
			// mrkdwn, so a note's <!channel> would ping everyone.
			note := blockkit.Escape(clip(e.Note, historyNote))
			line += " · " + note
			text += " (" + note + ")"
		}
		if !e.Stands() {
			line = fmt.Sprintf("• ~%s · %s~ · taken back", blockkit.DateToken(e.At), what)
			text += ", taken back"
		}
		lines = append(lines, line)
		texts = append(texts, text)
	}
	head := fmt.Sprintf("Your last %d entries, newest first", len(es))
	if len(es) == 1 {
		head = "Your only entry"
	}
	blocks := []slack.Block{blockkit.Section("*" + head + "*")}
	packed, _ := packLines(slices.Values(lines), blockkit.MaxSectionText, blockkit.MaxBlocks-1, 0)
	blocks = append(blocks, packed...)
	return Reply{Text: head + ": " + strings.Join(texts, "; ") + ".", Blocks: blocks}, nil
}

// packLines puts lines, in order, into as few sections as fit maxChars
// each, at most maxBlocks of them, and stops before the lines' JSON would
// pass maxBytes (0: no bound). A line too long for a section on its own is
// clipped. It returns the sections and how many lines they hold.
func packLines(lines iter.Seq[string], maxChars, maxBlocks, maxBytes int) ([]slack.Block, int) {
	var blocks []slack.Block
	var cur strings.Builder
	curLen, bytes, packed := 0, 0, 0
	flush := func() {
		if curLen > 0 {
			blocks = append(blocks, blockkit.Section(cur.String()))
			cur.Reset()
			curLen = 0
		}
	}
	for l := range lines {
		l = blockkit.Clip(l, maxChars)
		n := len([]rune(l))
		size := jsonLen(l)
		if maxBytes > 0 && bytes+size > maxBytes {
			break
		}
		if curLen > 0 && curLen+1+n > maxChars {
			flush()
		}
		if len(blocks) >= maxBlocks {
			break
		}
		if curLen > 0 {
			cur.WriteByte('\n')
			curLen++
		}
		cur.WriteString(l)
		curLen += n
		bytes += size
		packed++
	}
	flush()
	return blocks, packed
}

// jsonLen is how many bytes s takes in encoding/json's output, which
// escapes <, > and & as \u003c and the like: a mention costs 22 bytes, not
// 12, and a Socket Mode ack is limited in bytes.
func jsonLen(s string) int {
	n := 2
	for _, r := range s {
		switch {
		case r == '"' || r == '\\' || r == '\n' || r == '\r' || r == '\t':
			n += 2
		case r == '<' || r == '>' || r == '&' || r == '\u2028' || r == '\u2029' || r < 0x20:
			n += 6
		default:
			n += utf8.RuneLen(r)
		}
	}
	return n
}

func (h *Handler) help(c Help) Reply {
	plan := h.ledger.Plan()
	kinds := plan.Kinds()
	kindNames := make([]string, len(kinds))
	for i, k := range kinds {
		kindNames[i] = string(k)
	}
	var intro, introText string
	if c.Unknown != "" {
		intro = fmt.Sprintf("I don't know `%s %s`.", c.Command, blockkit.Escape(clip(c.Unknown, 40)))
		if c.Suggestion != "" {
			intro += fmt.Sprintf(" Did you mean `%s %s`?", c.Command, c.Suggestion)
		}
		introText = intro + " "
	}
	logHelp := "*Log what you sent, right after sending*\n" +
		"`/logsend` 1 message\n" +
		"`/logsend 5` 5 messages\n" +
		"`/logsend 3 inmail` 3 InMails, on a tier with InMail (`/quota tier premium`)\n" +
		"`/logsend 12 invite` 12 connection invitations, counted over the last 7 days\n" +
		"`/logsend inmail 3 follow-ups to Acme` with a note (name the kind before a note)\n" +
		"`/logsend undo` take back your last entry of the last 24 hours\n" +
		"`/logsend refund 2 inmail` give back 2 InMail credits for replies, on a tier with InMail credits"
	quotaHelp := "*See what is left*\n" +
		"`/quota` your remaining sends, today and this month, and when each resets\n" +
		"`/quota @someone` someone else's\n" +
		"`/quota team` everyone, and who is near or over a limit\n" +
		"`/quota history` your last 10 entries\n" +
		"`/quota tier` the tiers and their limits; `/quota tier premium` set yours (admins: `/quota tier @someone premium`)"
	// The count's range is written without a thousands separator
	// because "1,000" typed as a count is refused.
	facts := fmt.Sprintf("A count is a whole number from %d to %d. Kinds: %s. Tiers: %s.",
		quota.MinCount, quota.MaxCount, strings.Join(kindNames, ", "), strings.Join(plan.TierNames(), ", "))
	var blocks []slack.Block
	if intro != "" {
		blocks = append(blocks, blockkit.Section(intro))
	}
	blocks = append(blocks, blockkit.Section(logHelp), blockkit.Section(quotaHelp))
	text := introText + "Log sends with `/logsend [count] [kind] [note]` or take one back with `/logsend undo`; " +
		"give credits back for replies with `/logsend refund 2 inmail`; " +
		"see what is left with `/quota`, `/quota @someone` or `/quota team`; `/quota history`; `/quota tier premium`. " + facts
	if c.Command == "/quota" {
		blocks = append(blocks, blockkit.Section(adminHelp))
		text += " " + adminHelpText
	}
	blocks = append(blocks, blockkit.Context(facts))
	return Reply{Text: text, Blocks: blocks}
}
