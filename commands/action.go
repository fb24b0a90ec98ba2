package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/quota"
)

// The buttons on a /logsend reply and the App Home, and the App Home's tier
// menu. Their action IDs are fixed, so that a button on a message posted
// before a restart or an upgrade still works.
//
//	action_id        value                               does
//	quotabot.log.1   /logsend text, e.g. "1 message"     logs that again
//	quotabot.log.5   /logsend text, e.g. "5 inmail"      logs that again
//	quotabot.undo    entry ID, e.g. "188b2c0e4f1a2b3c"   takes back that entry
//	quotabot.tier    member:tier, e.g. "U123:premium"    sets that member's tier
//
// A log button's value is parsed by ParseLogsend like typed text, so a
// forged or stale value gets the same checks as a command. The Undo button
// names its entry, so a late press cannot take back a newer entry. The tier
// menu is checked like `/quota tier @member tier`: anyone may set their own
// tier, only an admin someone else's, whoever built the payload.
const (
	ActionLog1 = "quotabot.log.1"
	ActionLog5 = "quotabot.log.5"
	ActionUndo = "quotabot.undo"
	ActionTier = "quotabot.tier"
)

// ActionRequest is one button press as any transport received it.
type ActionRequest struct {
	ActionID    string
	Value       string
	UserID      string
	TeamID      string
	ChannelID   string
	ResponseURL string
	// Key identifies the press: the same press delivered twice (a
	// redelivered envelope, a replayed request) carries the same Key and
	// acts once. ActionsFromCallback derives it from trigger_id and
	// action_ts. Empty means no protection against repeats.
	Key string
}

// ActionsFromCallback converts slack-go's parsed block_actions payload, one
// request per action in it (a button press carries one).
func ActionsFromCallback(cb slack.InteractionCallback) []ActionRequest {
	var out []ActionRequest
	for _, a := range cb.ActionCallback.BlockActions {
		if a == nil {
			continue
		}
		key := ""
		if cb.TriggerID != "" || a.ActionTs != "" {
			key = cb.TriggerID + "/" + a.ActionTs
		}
		// A menu (the App Home's tier menu) carries its choice in
		// selected_option, not in value.
		value := a.Value
		if value == "" {
			value = a.SelectedOption.Value
		}
		out = append(out, ActionRequest{
			ActionID: a.ActionID, Value: value,
			UserID: cb.User.ID, TeamID: cb.Team.ID, ChannelID: cb.Channel.ID,
			ResponseURL: cb.ResponseURL, Key: key,
		})
	}
	return out
}

// Action answers a press of one of the buttons above and says what it
// did. The error is non-nil only for an action ID that is not this
// package's (ErrUnknownAction), so a transport can pass the action on;
// every other failure is a Result whose Reply reads as help, like
// Handle's.
func (h *Handler) Action(ctx context.Context, a ActionRequest) (res Result, err error) {
	defer h.recoverPanic(ctx, &res, "action", "action", a.ActionID, "user", a.UserID)
	key := ""
	if a.Key != "" {
		key = "action:" + a.Key
	}
	var reply Reply
	switch a.ActionID {
	case ActionLog1, ActionLog5:
		res.Command, reply, err = h.actionLog(ctx, a, key)
		return h.result(ctx, "/logsend", a.UserID, a.Value, res.Command, reply, err), nil
	case ActionUndo:
		res.Command, err = Undo{}, quota.ErrNoSuchEntry
		if a.Value != "" {
			reply, err = h.undo(ctx, a.UserID, a.Value, key)
			reply.ReplaceOriginal = true
		}
		return h.result(ctx, "/logsend", a.UserID, a.Value, res.Command, reply, err), nil
	case ActionTier:
		var c SetTier
		c, err = parseTierValue(h.ledger.Plan(), a.Value)
		if err == nil {
			res.Command = c
			reply, err = h.setTier(ctx, a.UserID, c, key)
		}
		return h.result(ctx, "/quota", a.UserID, a.Value, res.Command, reply, err), nil
	}
	return Result{}, fmt.Errorf("action %q: %w", a.ActionID, ErrUnknownAction)
}

// parseTierValue reads a tier menu's value, "U123:premium", so that a
// forged value is refused as help before anything is asked of Slack or the
// store. A Slack user ID is letters and digits.
func parseTierValue(plan quota.Plan, v string) (SetTier, error) {
	member, tier, ok := strings.Cut(v, ":")
	if !ok || member == "" || len(member) > 64 || strings.IndexFunc(member, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) >= 0 {
		return SetTier{}, &ParseError{Command: "/quota", Input: v, Err: ErrUsage}
	}
	t, err := plan.ParseTier(tier)
	if err != nil {
		return SetTier{}, &ParseError{Command: "/quota", Input: tier, Err: err}
	}
	return SetTier{Member: member, Tier: t.Name}, nil
}

// actionLog runs a log button: its value parsed like /logsend text.
func (h *Handler) actionLog(ctx context.Context, a ActionRequest, key string) (Command, Reply, error) {
	cmd, err := ParseLogsend(h.ledger.Plan(), a.Value)
	if err != nil {
		return nil, Reply{}, err
	}
	c, ok := cmd.(Log)
	if !ok {
		return nil, Reply{}, fmt.Errorf("button value %q is not a log: %w", clip(a.Value, 40), ErrUnknownAction)
	}
	reply, err := h.logSend(ctx, a.UserID, c, key)
	return c, reply, err
}

// logButtons offers the next log of the same kind at one press, and an
// Undo for the entry just logged while it still stands.
func logButtons(e quota.Entry) *slack.ActionBlock {
	label := func(n int) string {
		if e.Kind == quota.Message {
			return fmt.Sprintf("Log %d", n)
		}
		return fmt.Sprintf("Log %d %s", n, e.Kind.Noun(n))
	}
	els := []slack.BlockElement{
		slack.NewButtonBlockElement(ActionLog1, "1 "+string(e.Kind), blockkit.Plain(blockkit.Clip(label(1), blockkit.MaxButtonText))),
		slack.NewButtonBlockElement(ActionLog5, "5 "+string(e.Kind), blockkit.Plain(blockkit.Clip(label(5), blockkit.MaxButtonText))),
	}
	if e.Stands() && e.ID != "" {
		els = append(els, slack.NewButtonBlockElement(ActionUndo, e.ID, blockkit.Plain("Undo")))
	}
	return slack.NewActionBlock("", els...)
}
