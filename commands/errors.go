package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// Errors the handler returns besides the parser's and quota's.
var (
	// ErrNotAdmin: setting someone else's tier needs an admin.
	ErrNotAdmin = errors.New("not an admin")
	// ErrAdminCheck: Slack could not say whether the caller is an admin
	// (users.info failed or is rate limited), so admin rights are refused
	// for now rather than guessed.
	ErrAdminCheck = errors.New("cannot check admin rights")
	// ErrUnknownAction: an interaction that is not one of this package's
	// buttons; Handler.Action returns it so a transport can pass the
	// action on.
	ErrUnknownAction = errors.New("unknown action")
	// ErrSpentUndo: an Undo button named an entry of the member's that
	// can no longer be taken back (taken back already, or logged more
	// than 24 hours ago). It matches quota.ErrNothingToUndo too.
	ErrSpentUndo = fmt.Errorf("entry can no longer be taken back: %w", quota.ErrNothingToUndo)
)

// apology is what a member reads when something broke that is not their
// doing. It promises nothing it cannot know and shows no Go error.
const apology = "Sorry, something went wrong on my side. Please try again in a moment."

// Explain returns the words a member reads for err, and whether err is an
// expected refusal (a bad count, an unknown kind, no admin rights...).
// Anything else gets a short apology and false: the caller logs it. This is
// the one place errors become words.
func Explain(err error) (string, bool) {
	var pe *ParseError
	input := ""
	if errors.As(err, &pe) {
		input = pe.Input
	}
	var unknown *quota.UnknownError
	var noKind *quota.NoKindError
	if words, ok := explainMore(err, input); ok {
		return words, true
	}
	switch {
	case err == nil:
		return "", true
	case errors.As(err, &noKind):
		if len(noKind.Tiers) == 0 {
			return fmt.Sprintf("Not logged: your tier, %s, has no %s, and no tier has it.", noKind.Tier, noKind.Kind.Noun(1)), true
		}
		return fmt.Sprintf("Not logged: your tier, %s, has no %s; set your tier with `/quota tier %s`.",
			noKind.Tier, noKind.Kind.Noun(1), noKind.Tiers[0]), true
	case errors.As(err, &unknown) && unknown.What == "kind":
		s := fmt.Sprintf("I don't know the kind %s.", quote(unknown.Input))
		if unknown.Suggestion != "" {
			s += fmt.Sprintf(" Did you mean *%s*?", unknown.Suggestion)
		}
		return s + " Kinds: " + strings.Join(unknown.Known, ", ") + ".", true
	case errors.As(err, &unknown) && unknown.What == "tier":
		if unknown.Input == "" {
			return "Say which tier, for example `/quota tier premium`. Tiers: " + strings.Join(unknown.Known, ", ") + ".", true
		}
		s := fmt.Sprintf("There is no tier %s.", quote(unknown.Input))
		if unknown.Suggestion != "" {
			s += fmt.Sprintf(" Did you mean *%s*?", unknown.Suggestion)
		}
		return s + " Tiers: " + strings.Join(unknown.Known, ", ") + ".", true
	case errors.Is(err, quota.ErrBadCount):
		if input != "" {
			return fmt.Sprintf("%s is not a count I can take: a count is a whole number from %d to %d, in digits.", quote(input), quota.MinCount, quota.MaxCount), true
		}
		return fmt.Sprintf("A count is a whole number from %d to %d, in digits.", quota.MinCount, quota.MaxCount), true
	case errors.Is(err, quota.ErrNoteTooLong) && pe != nil:
		return fmt.Sprintf("That note is %s characters long: keep it to %d.",
			quota.FormatCount(utf8.RuneCountInString(pe.Input)), quota.MaxNote), true
	case errors.Is(err, quota.ErrNoteTooLong):
		return fmt.Sprintf("That note is too long: keep it to %d characters.", quota.MaxNote), true
	case errors.Is(err, ErrTooLong):
		return fmt.Sprintf("That is too long for a command: keep it to %s characters.", quota.FormatCount(MaxText)), true
	case errors.Is(err, ErrUnreadable):
		return "That command has characters I can't read (control characters or broken text). Please type it again.", true
	case errors.Is(err, ErrBadMention):
		return fmt.Sprintf("I can't tell who %s is. Pick the person from the list Slack shows when you type @, so the command carries who they are.", quote(input)), true
	case errors.Is(err, ErrUsage):
		return fmt.Sprintf("I can't make sense of %s there.", quote(input)), true
	case errors.Is(err, ErrUnknownCommand):
		return fmt.Sprintf("I don't answer %s.", quote(input)), true
	case errors.Is(err, ErrNotAdmin):
		return "Only admins can set someone else's tier. You can set your own, for example `/quota tier premium`.", true
	case errors.Is(err, ErrAdminCheck):
		return "I couldn't check with Slack whether you are an admin just now. Please try again in a minute.", true
	case errors.Is(err, ErrUnknownAction):
		return "That button is no longer in use. Type the command instead, for example `/logsend 5`.", true
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "That took too long. Please try again in a moment.", false
	case errors.Is(err, store.ErrClosed):
		return "I'm restarting. Please try again in a moment.", false
	case errors.Is(err, store.ErrDamaged):
		return "I can't record anything right now: my storage is damaged, and nothing more is logged until it is restored from a backup. Please tell whoever runs quotabot.", false
	case errors.Is(err, store.ErrDiskFull):
		return "Not logged: the disk holding quotabot's data is full. Logging resumes by itself once there is room again; please tell whoever runs quotabot.", true
	case errors.Is(err, store.ErrStoreFailed):
		return "I can't record anything right now: my storage failed a write. Nothing more is logged until quotabot is restarted; please tell whoever runs it.", false
	}
	return apology, false
}

// explainUndo is Explain for the refusals of an undo; ok is false for an
// error that is none of theirs.
func explainUndo(err error) (words string, ok bool) {
	switch {
	case errors.Is(err, quota.ErrNoSuchEntry):
		return "Nothing was taken back: that entry is not one of yours, or no longer exists. `/logsend undo` takes back your last entry.", true
	case errors.Is(err, ErrSpentUndo):
		return "Nothing was taken back: that entry was taken back already, or was logged more than 24 hours ago.", true
	case errors.Is(err, quota.ErrRefunded):
		return "That send can't be taken back while credits given back for it stand: take back the refund first, with its Undo button (or `/logsend undo` if it is your last entry).", true
	case errors.Is(err, quota.ErrNothingToUndo):
		return "Nothing to undo: you have no entry from the last 24 hours that still stands.", true
	}
	return "", false
}

// errorReply turns err into the reply a member reads: Explain's words, the
// usage line of the command where the words alone would not say what to
// type, and for a refused /logsend the reassurance that nothing was
// recorded. Unexpected errors are logged with their detail. The Outcome
// is Refused for Explain's expected refusals and Failed for the rest.
func (h *Handler) errorReply(ctx context.Context, command, user, text string, err error) (Reply, Outcome) {
	words, expected := Explain(err)
	if !expected {
		h.log.ErrorContext(ctx, "command failed", "command", command, "user", user, "text", clip(text, 200), "err", err)
	}
	var usage string
	switch {
	case !expected:
	case errors.Is(err, quota.ErrBadCount), errors.Is(err, quota.ErrUnknownKind), errors.Is(err, ErrTooLong),
		errors.Is(err, ErrUnreadable), errors.Is(err, ErrUsage), errors.Is(err, quota.ErrNoteTooLong),
		errors.Is(err, ErrBadMention), errors.Is(err, ErrUnknownCommand):
		usage = h.usage(command)
	}
	if command == "/logsend" && expected && !errors.Is(err, quota.ErrNothingToUndo) && !errors.Is(err, quota.ErrRefunded) && !errors.Is(err, quota.ErrNoKind) {
		words += " Nothing was recorded."
	}
	blocks := []slack.Block{blockkit.Section(":warning: " + words)}
	text = words
	if usage != "" {
		blocks = append(blocks, blockkit.Context(usage))
		text += "\n" + usage
	}
	if !expected {
		return Reply{Text: text, Blocks: blocks}, Failed
	}
	return Reply{Text: text, Blocks: blocks}, Refused
}

// usage is the usage line of a command, with the plan's kinds.
func (h *Handler) usage(command string) string {
	switch command {
	case "/logsend":
		kinds := h.ledger.Plan().Kinds()
		names := make([]string, len(kinds))
		for i, k := range kinds {
			names[i] = string(k)
		}
		return fmt.Sprintf("Usage: `/logsend [count] [kind] [note]`, for example `/logsend 5` or "+
			"`/logsend 5 message intro to Acme`. A count is a whole number from %d to %d; kinds: %s. `/logsend undo` takes back your last entry; "+
			"`/logsend refund 2 inmail` gives back InMail credits.",
			quota.MinCount, quota.MaxCount, strings.Join(names, ", "))
	case "/quota":
		return "Usage: `/quota` · `/quota @someone` · `/quota team` · `/quota tier` · `/quota tier premium` · `/quota tier @someone premium` · `/quota history` · `/quota help`; " +
			"admins: `/quota cap @someone invite 7d 30` (or `off`) · `/quota pause @someone [reason]` · `/quota resume @someone`"
	}
	return "Usage: `/quota help`"
}

// quote shows a member's word back to them, shortened and made inert.
func quote(s string) string { return "“" + blockkit.Escape(clip(unescapeSlack(s), 40)) + "”" }
