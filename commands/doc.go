// Package commands parses quotabot's slash commands and builds their
// replies. It talks to the quota ledger and returns Block Kit; it knows
// nothing of how a command arrived (Socket Mode, HTTP, the console), so
// every transport ends in the same [Handler.Handle]. Handle and
// [Handler.Action] return a [Result]: the reply, the parsed [Command], the
// [Outcome] (ok, refused, failed) and the members changed, which is all a
// transport needs to count, log and refresh the App Home by.
//
// # Grammar
//
// Text is parsed into a [Command] before anything touches the ledger: a
// refusal happens while nothing can have been recorded.
//
//	/logsend [count] [kind] [note]   record sends that already happened
//	/logsend [kind] [count] [note]   the kind first is accepted too
//	/logsend undo                    take back your last entry (last 24 hours)
//	/logsend refund [count] KIND     give credits back (a credit kind; at most
//	                                 what was spent in the last 90 days, less
//	                                 what was given back)
//	/logsend help
//
//	/quota                           your standing: per kind, a bar per window,
//	                                 what is left now, when each window resets
//	/quota @someone                  theirs
//	/quota team                      one line per member; who is near or over
//	/quota tier TIER                 set your own tier
//	/quota tier @someone TIER        set theirs (admins only)
//	/quota history                   your last 10 entries
//	/quota help                      usage; so is any unknown subcommand
//
// A count is 1 to 1000 in ASCII digits and defaults to 1; "0", "-5",
// "1.5", "1e3", "1,000", fullwidth "５" and "five" are refused as counts.
// The kind defaults to the plan's first (message); it may be singular or
// plural, in any case. A note needs its kind spelled out before it
// (`/logsend 5 message intro to Acme`): a word where the kind goes that is
// not a kind is refused with the list of kinds and a "did you mean", so
// `/logsend 5 inmial` can never count 5 messages. Text longer than
// [MaxText] characters, broken UTF-8 and control characters (NUL and the like)
// are refused whole. Mentions arrive escaped as `<@U123ABC|name>` or
// `<@U123ABC>`; both are accepted. A bare "@name" (an app that does not
// ask Slack to escape mentions) cannot be resolved and is refused with a
// hint, so the manifest's slash commands need should_escape: true. Slack
// sends &, < and > in the text as &amp;, &lt; and &gt;; a note is stored
// unescaped, as the member typed it, and escaped again wherever it is shown.
//
// # Replies
//
// Every reply is ephemeral, in Block Kit, with a plain-text fallback that
// carries the same numbers in words ("Logged 5 messages. Left today: 95 of
// 100. Left this month: 1,495 of 1,500."). Reset times are Slack date
// tokens, so each reader sees their own zone. A window at 80% of its limit
// warns; at 100% it says so loudly, and over it says by how much and when
// the window resets. The standing and the team table are drawn by
// internal/blockkit, which the App Home shares, so the two read alike.
// Replies stay within Block Kit's limits whatever the input or the team's
// size (internal/blockkit's limits); the tests hold them to the fake
// Slack's checks, which refuse what Slack refuses.
//
// Errors read as help: [Explain] is the one place an error becomes words.
// A refusal carries the command's usage line and, for /logsend, that
// nothing was recorded; anything unexpected is logged with its detail and
// the member reads a short apology, never a Go error.
//
// # Repeats
//
// A /logsend delivered twice (same trigger_id) and a button pressed once
// but delivered twice (same [ActionRequest.Key]) act once: the key goes to
// the ledger, which records nothing the second time and returns the first
// entry, and the reply reads like the first.
//
// # Admins
//
// Anyone may set their own tier. Setting someone else's needs an admin:
// one listed in [Options.Admins], or a workspace admin or owner according
// to users.info. Those answers are cached for [Options.AdminTTL], one call
// serves everyone asking about the same user at once, and while Slack
// rate-limits users.info nobody is asked and admin rights are refused for
// the time being rather than guessed.
package commands
