package commands

import (
	"context"
	"runtime/debug"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/blockkit"
)

// Outcome is how a command or a button press went.
type Outcome int

const (
	// OK: done as asked. A read, and help asked for or offered for an
	// unknown /quota subcommand, are OK too.
	OK Outcome = iota
	// Refused: not done, for a reason the reply explains and the member
	// can act on: text that does not parse, no admin rights, nothing to
	// undo, a kind the tier lacks, a full disk ([Explain]'s expected
	// refusals). Nothing was recorded.
	Refused
	// Failed: not done because something broke that is not the member's
	// doing (the store, a bug). The handler has logged the detail; the
	// member read a short apology.
	Failed
)

// String is "ok", "refused" or "failed".
func (o Outcome) String() string {
	switch o {
	case OK:
		return "ok"
	case Refused:
		return "refused"
	case Failed:
		return "failed"
	}
	return "unknown"
}

// Result is what a command or a press did, for its transport to read: the
// reply to show, what was parsed, how it went, and whose standing or tier
// it changed, so that no caller parses the text again or infers the
// outcome from the log.
type Result struct {
	Reply Reply
	// Command is what the text or the button's value was parsed into; nil
	// when it did not parse.
	Command Command
	Outcome Outcome
	// Changed lists the members whose entries or tier the command changed:
	// the caller after a log or an undo, the member whose tier was set. A
	// repeat of a command already recorded (the same key) names them
	// again, as its reply reads like the first. Empty unless Outcome is OK.
	Changed []string
}

// result is the Result of cmd run for user: reply if err is nil, else the
// refusal or apology err calls for. command and text say, for the usage
// line and the log, what was asked.
func (h *Handler) result(ctx context.Context, command, user, text string, cmd Command, reply Reply, err error) Result {
	if err != nil {
		reply, outcome := h.errorReply(ctx, command, user, text, err)
		return Result{Reply: reply, Command: cmd, Outcome: outcome}
	}
	return Result{Reply: reply, Command: cmd, Changed: changed(cmd, user)}
}

// changed names the members a command run for user changed, having
// succeeded.
func changed(cmd Command, user string) []string {
	switch c := cmd.(type) {
	case Log, Undo, Refund:
		return []string{user}
	case Cap:
		return []string{c.Member}
	case Pause:
		return []string{c.Member}
	case Resume:
		return []string{c.Member}
	case SetTier:
		if c.Member != "" {
			return []string{c.Member}
		}
		return []string{user}
	}
	return nil
}

// recoverPanic, deferred, turns a panic into a Failed result with the
// apology: a bug in one reply must not take the transport down with it,
// nor leave the member with Slack's "operation_timeout". what and attrs
// say, for the log, which command or press it was.
func (h *Handler) recoverPanic(ctx context.Context, res *Result, what string, attrs ...any) {
	r := recover()
	if r == nil {
		return
	}
	h.log.ErrorContext(ctx, what+" panicked", append(attrs, "panic", r, "stack", string(debug.Stack()))...)
	*res = Result{Reply: Reply{Text: apology, Blocks: []slack.Block{blockkit.Section(apology)}},
		Command: res.Command, Outcome: Failed}
}
