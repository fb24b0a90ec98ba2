package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// Refund is `/logsend refund N kind`: give back Count credits of Kind, for
// InMails that got a reply. Parse only builds one with 1 <= Count <= 1000
// and a kind of the plan; whether the member's tier pays for it in
// credits, and how much may be given back, is the ledger's to say.
type Refund struct {
	Count int
	Kind  quota.Kind
}

func (Refund) isCommand() {}

// ErrRefundKind: `/logsend refund` without the kind whose credits come
// back. No kind is assumed: the default one, messages, has no credits.
var ErrRefundKind = errors.New("refund without a kind")

// parseRefund parses what follows `/logsend refund`: a kind and a count,
// in either order, the count 1 when left out. Nothing else: a refund has
// no note.
func parseRefund(plan quota.Plan, args []token, fail func(string, error) (Command, error)) (Command, error) {
	c := Refund{Count: 1}
	if len(args) > 2 {
		return fail(args[2].s, ErrUsage)
	}
	sawCount := false
	for _, a := range args {
		n, isCount, err := parseCount(a.s)
		switch {
		case isCount && err != nil:
			return fail(a.s, err)
		case isCount && sawCount:
			return fail(a.s, ErrUsage)
		case isCount:
			c.Count, sawCount = n, true
		case numberish(a.s):
			return fail(a.s, quota.ErrBadCount)
		case c.Kind != "":
			return fail(a.s, ErrUsage)
		default:
			k, err := plan.ParseKind(a.s)
			if err != nil {
				return fail(a.s, err)
			}
			c.Kind = k
		}
	}
	if c.Kind == "" {
		return fail(strings.TrimSpace("refund "+joinTokens(args)), ErrRefundKind)
	}
	return c, nil
}

// joinTokens is the words of args, one space apart.
func joinTokens(args []token) string {
	words := make([]string, len(args))
	for i, a := range args {
		words[i] = a.s
	}
	return strings.Join(words, " ")
}

func (h *Handler) refund(ctx context.Context, user string, c Refund, key string) (Reply, error) {
	res, err := h.ledger.Log(ctx, store.LogRequest{Member: user, Kind: c.Kind, Count: c.Count, Key: key, Refund: true})
	if err != nil {
		return Reply{}, err
	}
	return refundReply(res), nil
}

// refundReply confirms credits given back, with the kind's standing after;
// a repeat of the same trigger_id reads like the first.
func refundReply(res store.LogResult) Reply {
	e := res.Entry
	gave := blockkit.CreditCount(e.Kind, e.Count)
	blocks := []slack.Block{
		blockkit.Section(fmt.Sprintf(":leftwards_arrow_with_hook: Gave back *%s*.", gave)),
		blockkit.Section(blockkit.KindMrkdwn(res.Usage)),
	}
	if e.Stands() && e.ID != "" {
		blocks = append(blocks, slack.NewActionBlock("",
			slack.NewButtonBlockElement(ActionUndo, e.ID, blockkit.Plain("Undo"))))
	}
	return Reply{
		Text:   fmt.Sprintf("Gave back %s. %s", gave, blockkit.LeftText(res.Usage)),
		Blocks: blocks,
	}
}

// explainRefund is the words for a refused refund, and whether err is one.
func explainRefund(err error) (string, bool) {
	var re *quota.RefundError
	switch {
	case errors.As(err, &re) && re.NoCredits:
		return fmt.Sprintf("Only credits can be given back, and your tier, %s, has no %s credits.",
			blockkit.Escape(re.Tier), re.Kind.Noun(1)), true
	case errors.As(err, &re) && re.Refundable == 0:
		return fmt.Sprintf("No %s credits can be given back: none were spent in the last %d days that are not given back already.",
			re.Kind.Noun(1), quota.RefundDays), true
	case errors.As(err, &re):
		return fmt.Sprintf("You can give back at most %s now (what was spent in the last %d days, less what was given back), not %s.",
			blockkit.CreditCount(re.Kind, re.Refundable), quota.RefundDays, quota.FormatCount(re.Count)), true
	case errors.Is(err, ErrRefundKind):
		return "Say which credits come back, for example `/logsend refund 2 inmail`.", true
	}
	return "", false
}
