// Package bot is quotabot's Slack transport: it receives slash commands,
// button presses and events from Slack, over Socket Mode or over HTTP, and
// hands each to the one command core (a [Handler], in practice
// *commands.Handler). Both transports end in the same commands.Request, so
// a command behaves the same whichever way it came.
//
// # HTTP
//
// [Bot.Handler] serves
//
//	POST /slack/commands     slash commands; the reply is the response body
//	POST /slack/events       Events API: url_verification, event_callback
//	POST /slack/interactive  block_actions (the buttons on a /logsend reply)
//	GET  /healthz            200 when the store answers, 503 when it does not or its disk is full
//	GET  /metrics            Prometheus text, from the bot's own registry
//
// Every POST is checked before anything else happens, and refused with
// nothing changed. Only Slack's certificate probe of a command URL
// (ssl_check=1, sent unsigned) gets a bare 200 first, as Bolt answers it;
// it acts on nothing. Then a wrong method gets 405; a missing or malformed
// signature, or a timestamp more than five minutes off, 401 before the
// body is read; a body over [MaxBody] 413; a v0 signature that does not
// match the exact bytes received 401 (slack-go's SecretsVerifier,
// compared in constant time); a content type Slack does not send 415; a
// form or JSON that does not parse 400; and a request from a workspace
// other than the bot's own (learnt from auth.test at start, see
// [Identify]), or for another app once the bot knows its own
// ([Identity].AppID, or Socket Mode's hello), 403.
//
// # Socket Mode
//
// [Bot.ServeSocket] runs slack-go's socketmode client and drains its
// Events channel at all times: each envelope is handled on its own
// goroutine, its work within the bound below, so a slow command never
// stalls the socket (an undrained client stops answering pings and
// reconnects every 30 seconds). Each envelope is checked as an HTTP
// request is, beyond the signature: a command, press or event from another
// workspace, or for another app than the one Slack's hello names, is acked
// and not acted on (a command's ack says why), counted in
// quotabot_http_refused_total{transport="socket"} and logged. A slash
// command's reply travels in its ack.
// slack-go refuses an ack of 20 KB or more, so a reply that large is acked
// with a short note and posted to response_url instead. Drops and Slack's
// routine disconnects are slack-go's to recover from; when RunContext gives
// up (invalid_auth, a revoked token) ServeSocket returns an error that says
// which setting to fix, and the process exits rather than spinning.
//
// # Work in flight
//
// At most [Options].MaxInFlight commands, button presses and events are
// worked on at once, whichever transport brought them: each takes a slot
// before anything is done and holds it until its work ends, a reply posted
// to response_url included, so a flood of clients cannot pile up
// goroutines, store transactions and replies in memory. One that finds no
// slot within half the ack deadline is turned away, undone and not marked
// as seen, in words where Slack lets it be: a command gets a busy reply
// (in the body or the ack); a press is told busy through its response_url
// and acknowledged (a press on the App Home, which has none, gets 503 over
// HTTP, or no ack); an event gets 503 with Retry-After over HTTP, or no
// ack in Socket Mode, and Slack sends it again. Nothing acknowledged is
// dropped: a reply promised to follow waits for a slot, and goes out past
// the bound rather than not at all. quotabot_busy_total counts what was
// turned away.
//
// # Replies in time
//
// Slack waits 3 seconds for an answer. A command the handler calls Slow (a
// large team table), or one not answered within [Options].AckDeadline, is
// acknowledged at once with a short "working on it" and its reply is
// posted to response_url when ready: once, since a response_url takes at
// most 5 posts in 30 minutes; a 429, a 5xx or a post that did not get
// through is retried as internal/slackretry's interactive policy says (3
// posts at most, a minute of waiting at most).
// Button presses and events are acknowledged first and handled after.
//
// # Repeats
//
// Slack redelivers: a Socket Mode envelope not acked in time, an event
// whose answer was slow (with X-Slack-Retry-Num), and an attacker may
// replay a signed request within its five minutes. A command is known by
// its trigger_id, an event by its event_id, a button press by its
// trigger_id and action_ts, for [DedupeTTL]. A repeated event or press is
// not acted on. A repeated command answered in time is answered again (the
// ledger keeps trigger_ids on disk, so a repeated /logsend records nothing
// and reads like the first, even after a restart); a repeat of a command
// answered through response_url gets the working note, and nothing is
// posted twice.
//
// # App Home
//
// The transports tell the App Home ([Options].Home, the home package's in
// quotabot) what happened: app_home_opened publishes the member's home; a
// press on the home, which has no response_url, goes to the home, which
// publishes itself again; every member a slash command or a press on a
// message changed (commands.Result.Changed) is passed on so that the home
// can keep up. Without one, the tab is left alone.
//
// # Logs and metrics
//
// One log line per command through log/slog: transport, user, command,
// outcome and latency, and via=response_url for a deferred reply. The text
// a member typed, tokens, the signing secret and response_url addresses
// (which carry a secret of their own) are never logged. The outcome is the
// handler's own commands.Result.Outcome: "ok", "refused" (the member was
// told why and nothing was recorded: text that does not parse, no admin
// rights, nothing to undo) and "error" (commands.Failed: the handler logged
// a failure and the member read an apology). [Bot.Handler] serves the
// metrics at /metrics: commands by name and outcome, their latency, store
// errors, refused requests by reason, repeats, response_url posts and
// Socket Mode connections, with the Go runtime's and the process's own.
package bot
