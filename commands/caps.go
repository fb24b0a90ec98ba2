package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// MaxCap is the largest limit a cap may set: far above any tier, so that
// a typo of a few digits is caught rather than taken.
const MaxCap = 1_000_000

// Errors of the admin commands for caps and pauses.
var (
	// ErrNoMention: the command names no one to cap, pause or resume.
	ErrNoMention = errors.New("no one named")
	// ErrCapUsage: a cap without its kind, window or limit, or with
	// words after them.
	ErrCapUsage = errors.New("cap: kind, window and limit wanted")
	// ErrBadCap: a cap's limit that is not a whole number from 0 to
	// MaxCap.
	ErrBadCap = errors.New("bad cap")
	// ErrReasonTooLong: a pause's reason over quota.MaxNote characters.
	// It matches quota.ErrNoteTooLong too.
	ErrReasonTooLong = fmt.Errorf("reason: %w", quota.ErrNoteTooLong)
	// ErrNotAdminCaps: caps and pauses are for admins. It matches
	// ErrNotAdmin too.
	ErrNotAdminCaps = fmt.Errorf("caps and pauses: %w", ErrNotAdmin)
)

// parseCap parses what follows `/quota cap`: a mention, a kind, then a
// window and a limit, or "off".
func parseCap(plan quota.Plan, args []token, fail func(string, error) (Command, error)) (Command, error) {
	if len(args) == 0 || !looksLikeMention(args[0].s) {
		return fail("cap", ErrNoMention)
	}
	id, err := parseMention(args[0].s)
	if err != nil {
		return fail(args[0].s, err)
	}
	if len(args) < 2 {
		return fail("cap", ErrCapUsage)
	}
	k, err := plan.ParseKind(args[1].s)
	if err != nil {
		return fail(args[1].s, err)
	}
	if len(args) >= 3 && strings.EqualFold(args[2].s, "off") {
		if len(args) > 3 {
			return fail(args[3].s, ErrUsage) // "off" is right; what follows is not
		}
		return Cap{Member: id, Kind: k, Off: true}, nil
	}
	if len(args) != 4 {
		return fail("cap", ErrCapUsage)
	}
	lim, err := quota.ParseLimitWindow(strings.ToLower(args[2].s))
	if err != nil {
		return fail(args[2].s, err)
	}
	n, err := strconv.Atoi(args[3].s)
	if err != nil || n < 0 || n > MaxCap || args[3].s[0] == '+' {
		return fail(args[3].s, ErrBadCap)
	}
	lim.Max = n
	return Cap{Member: id, Kind: k, Limit: lim}, nil
}

// parsePause parses what follows `/quota pause` (a mention and an
// optional reason) or `/quota resume` (a mention alone).
func parsePause(word, text string, args []token, fail func(string, error) (Command, error)) (Command, error) {
	if len(args) == 0 || !looksLikeMention(args[0].s) {
		return fail(word, ErrNoMention)
	}
	id, err := parseMention(args[0].s)
	if err != nil {
		return fail(args[0].s, err)
	}
	if word == "resume" {
		if len(args) > 1 {
			return fail(args[1].s, ErrUsage)
		}
		return Resume{Member: id}, nil
	}
	var reason string
	if len(args) > 1 {
		reason = pauseReason(unescapeSlack(text[args[1].start:]))
		if utf8.RuneCountInString(reason) > quota.MaxNote {
			return fail(reason, ErrReasonTooLong)
		}
	}
	return Pause{Member: id, Reason: reason}, nil
}

// pauseReason is a pause's reason as kept: without the spaces around it
// or its own closing full stops, which every reply adds where a sentence
// ends. A reason of only dots and spaces is no reason.
func pauseReason(s string) string {
	return strings.TrimRightFunc(strings.TrimSpace(s), func(r rune) bool { return r == '.' || unicode.IsSpace(r) })
}

// explainMore is Explain for the refusals of refunds, of undos and of the
// admin commands; ok is false for an error that is none of theirs.
func explainMore(err error, input string) (words string, ok bool) {
	if words, ok := explainRefund(err); ok {
		return words, true
	}
	if words, ok := explainUndo(err); ok {
		return words, true
	}
	return explainCaps(err, input)
}

// explainCaps is Explain for the refusals of the cap, pause and resume
// commands; ok is false for an error that is none of theirs.
func explainCaps(err error, input string) (words string, ok bool) {
	var hold *quota.HoldError
	var change *quota.ChangeError
	switch {
	case errors.As(err, &hold):
		return holdWords(hold), true
	case errors.As(err, &change):
		return changeWords(change), true
	case errors.Is(err, ErrNotAdminCaps):
		return "Only admins can cap, pause or resume a member. Nothing was changed.", true
	case errors.Is(err, ErrReasonTooLong):
		return fmt.Sprintf("That reason is %s characters long: keep it to %d.",
			quota.FormatCount(utf8.RuneCountInString(input)), quota.MaxNote), true
	case errors.Is(err, ErrNoMention):
		return fmt.Sprintf("Say whom, picked with @: for example `/quota %s @ana`.", input) + capUsageHint(input), true
	case errors.Is(err, ErrCapUsage):
		return "A cap needs a kind, a window and a limit, or `off`: " + capExample + ".", true
	case errors.Is(err, ErrBadCap):
		return fmt.Sprintf("%s is not a limit I can take: a cap is a whole number from 0 to %s, in digits.", quote(input), quota.FormatCount(MaxCap)), true
	case errors.Is(err, quota.ErrUnknownWindow):
		return fmt.Sprintf("%s is not a window: say day, week, month, or a span of days or hours from %s to %s such as 7d or 24h.",
			quote(input), quota.FormatSpan(quota.MinSpan), quota.FormatSpan(quota.MaxSpan)), true
	}
	return "", false
}

// holdWords says why a cap that would hold nothing back was refused. It
// names no date: Explain has no time zone to put one in.
func holdWords(e *quota.HoldError) string {
	if e.NoKind {
		return fmt.Sprintf("<@%s>'s tier, %s, sends no %s, so a cap on them would hold nothing back. Nothing was changed.",
			e.Member, e.Tier, e.Kind.Noun(2))
	}
	return fmt.Sprintf("<@%s>'s tier, %s, allows %s: a cap holds someone below that, so %s would hold nothing back. Nothing was changed.",
		e.Member, e.Tier, blockkit.CapAmount(e.Kind, e.TierLimit), quota.FormatCount(e.Cap.Max))
}

// changeWords says why a lift, a resume or a second pause was refused.
func changeWords(e *quota.ChangeError) string {
	switch {
	case errors.Is(e, quota.ErrNoCap):
		return fmt.Sprintf("<@%s> has no cap on %s. Nothing was changed.", e.Member, e.Kind.Noun(2))
	case errors.Is(e, quota.ErrNotPaused):
		return fmt.Sprintf("<@%s> is not paused. Nothing was changed.", e.Member)
	case errors.Is(e, quota.ErrAlreadyPaused) && e.Pause != nil:
		return fmt.Sprintf("<@%s> is already paused (by <@%s>%s). Nothing was changed; `/quota resume` lifts it.",
			e.Member, e.Pause.By, blockkit.PauseReason(*e.Pause))
	}
	return fmt.Sprintf("<@%s> was left as they were: %v. Nothing was changed.", e.Member, e.Err)
}

// adminHelp is /quota help's section on the admin commands.
const adminHelp = "*Admins: hold someone back*\n" +
	"`/quota cap @someone invite 7d 30` at most 30 invitations over any 7 days, below their tier (a window is day, week, month or a span such as 7d or 24h)\n" +
	"`/quota cap @someone invite off` lift the caps on invitations\n" +
	"`/quota pause @someone LinkedIn warning` mark their account restricted: sends are still recorded, and every reply says so\n" +
	"`/quota resume @someone` lift the pause"

// adminHelpText is adminHelp for the plain-text fallback.
const adminHelpText = "Admins: `/quota cap @someone invite 7d 30` (or `off`), `/quota pause @someone [reason]`, `/quota resume @someone`."

// capExample shows both forms of a cap.
const capExample = "`/quota cap @ana invite 7d 30`, or `/quota cap @ana invite off` to lift it"

// capUsageHint is, after ErrNoMention, the rest of a cap's form.
func capUsageHint(word string) string {
	if word == "cap" {
		return " A cap reads " + capExample + "."
	}
	return ""
}

// adminOnly refuses caller unless an admin.
func (h *Handler) adminOnly(ctx context.Context, caller, what string) error {
	admin, err := h.IsAdmin(ctx, caller)
	if err != nil {
		return err
	}
	if !admin {
		return fmt.Errorf("%s by %s: %w", what, caller, ErrNotAdminCaps)
	}
	return nil
}

// setCap caps c.Member, or lifts their caps on a kind, for an admin.
func (h *Handler) setCap(ctx context.Context, caller string, c Cap, key string) (Reply, error) {
	if err := h.adminOnly(ctx, caller, "cap "+c.Member); err != nil {
		return Reply{}, err
	}
	if c.Off {
		if _, err := h.ledger.RemoveCaps(ctx, store.RemoveCapsRequest{Member: c.Member, Kind: c.Kind, By: caller, Key: key}); err != nil {
			return Reply{}, err
		}
		return confirm(fmt.Sprintf("Lifted the caps on %s for <@%s>: their tier's limits hold again.", c.Kind.Noun(2), c.Member)), nil
	}
	m, err := h.ledger.SetCap(ctx, store.SetCapRequest{Member: c.Member, Kind: c.Kind, Limit: c.Limit, By: caller, Key: key})
	if err != nil {
		return Reply{}, err
	}
	return confirm(capReply(h.ledger.Plan().Tier(m.Tier), c)), nil
}

// capReply says what a cap set does: "Capped <@ana> at 30 invitations
// over any 7 days (their tier allows 100)." A cap that would hold nothing
// back never gets here: the store refused it (quota.CheckCap).
func capReply(t quota.Tier, c Cap) string {
	s := fmt.Sprintf("Capped <@%s> at %s", c.Member, blockkit.CapAmount(c.Kind, c.Limit))
	if tl, has := tierLimit(t, c); has {
		return s + fmt.Sprintf(" (their tier allows %s).", quota.FormatCount(tl.Max))
	}
	if _, credits := t.Credits[c.Kind]; credits {
		return s + fmt.Sprintf(" (their tier pays for %s in credits, with no limit on that window).", c.Kind.Noun(2))
	}
	return s + " (their tier sets no limit on that window)."
}

// tierLimit is t's own limit on the cap's kind and window, if it sets one.
func tierLimit(t quota.Tier, c Cap) (quota.Limit, bool) {
	for _, l := range t.Limits[c.Kind] {
		if l.SameWindow(c.Limit) {
			return l, true
		}
	}
	return quota.Limit{}, false
}

// pause marks c.Member's account restricted, for an admin.
func (h *Handler) pause(ctx context.Context, caller string, c Pause, key string) (Reply, error) {
	if err := h.adminOnly(ctx, caller, "pause "+c.Member); err != nil {
		return Reply{}, err
	}
	if _, err := h.ledger.Pause(ctx, store.PauseRequest{Member: c.Member, Reason: c.Reason, By: caller, Key: key}); err != nil {
		return Reply{}, err
	}
	s := fmt.Sprintf("Paused <@%s>", c.Member)
	if c.Reason != "" {
		s += ": " + blockkit.Escape(c.Reason) // parsePause dropped its own full stop
	}
	return confirm(s + ". Their sends are still recorded, and every reply and the team view say they are paused until `/quota resume`."), nil
}

// resume lifts c.Member's pause, for an admin.
func (h *Handler) resume(ctx context.Context, caller string, c Resume, key string) (Reply, error) {
	if err := h.adminOnly(ctx, caller, "resume "+c.Member); err != nil {
		return Reply{}, err
	}
	if _, err := h.ledger.Pause(ctx, store.PauseRequest{Member: c.Member, Resume: true, By: caller, Key: key}); err != nil {
		return Reply{}, err
	}
	return confirm(fmt.Sprintf("Resumed <@%s>: their account is no longer marked restricted.", c.Member)), nil
}

// confirm is a reply confirming a change, in one section and its text.
func confirm(text string) Reply {
	return Reply{Text: text, Blocks: []slack.Block{blockkit.Section(":white_check_mark: " + text)}}
}
