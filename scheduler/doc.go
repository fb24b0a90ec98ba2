// Package scheduler posts quotabot's scheduled messages to a channel: the
// daily reset note and the monthly summary (docs/ARCHITECTURE.md §2), each exactly
// once per period, whatever restarts, repeated firings or Slack failures
// happen.
//
// # The posts
//
// [Scheduler.DailyReset] posts, for the day that just ended in the ledger's
// time zone, the team's totals per kind, who reached or went over a daily
// limit, and who is at 80% or more of the month's limit.
// [Scheduler.MonthlySummary] posts, for the month that just ended, the
// team's totals and who went over, with a data_table block (each member:
// used, limit and share, per kind) and a data_visualization bar chart (the
// 20 fullest members' share of each monthly limit). Both stay within
// Slack's limits for any team size: at most 50 blocks, section text within
// 3,000 characters, a table of at most 100 rows and 20 columns (the 99
// fullest members, with a note saying how many were left out), a chart of
// at most 20 bars per series and 6 series. The message's text is a
// readable fallback with the same numbers in words.
//
// The chart labels its bars with display names from users.info, since a
// chart cannot render a mention; where a name cannot be had, the member ID.
//
// With [Options].NotifyNearLimit, the daily job also sends each member who
// has used 80% of a monthly limit a direct message, once per member, kind
// and month.
//
// # Exactly once
//
// Each post has an outbox record in the ledger ([store.PostRecord], read
// and written by [store.Ledger.Post] and SetPost), keyed by kind and period
// ("daily/2026-11-26", "monthly/2026-11"). Posting is written durably
// before the post and Posted, with Slack's ts, after Slack accepts it, so
// a repeated firing, a second caller or a restart finds the post done and
// sends nothing. A crash between the two leaves Posting: the next attempt
// looks the post up in the channel's history (every post carries message
// metadata with its key) and records it if it is there, or sends it if
// not. When the history cannot be read (the app lacks channels:history,
// groups:history or im:history) it posts anyway: a duplicate, after a
// crash in a window of milliseconds, is visible and harmless, while a post
// never sent is a silent loss. chat.postMessage has no idempotency key to
// lean on.
//
// # Failures
//
// Posting runs on cron's goroutines, never on a command's, under
// internal/slackretry's background policy: a 429 waits the Retry-After
// Slack gives; a timeout, network error or 5xx backs off exponentially; a
// channel the bot is not in (not_in_channel,
// channel_not_found) is logged with the fix, "invite the bot with /invite
// @quotabot", and tried again at longer intervals. Past a cap of attempts
// the post stays owed and goes out at the next firing or start.
//
// # Schedules and catch-up
//
// [Scheduler.Start] runs both jobs with robfig/cron v3 in the ledger's time
// zone, on the schedules the config parsed (five fields or a descriptor
// such as @daily or @every 1h), wrapped as
// cron.WithChain(cron.SkipIfStillRunning, cron.Recover) so that a panic is
// logged and the job still runs next time.
//
// Cron has no catch-up, and the scheduler supplies it: at start, and at
// every firing of either job, it posts what is owed. For each kind that is
// the newest period whose post has fallen due, if it has not gone out, and
// the period before it when that one fell due while the scheduler was
// running and still has not gone out. Periods that fell due while the bot
// was down are not posted in a flood: only the newest of them is. A period
// that ended before the store was created ([store.Ledger.Created]) is not
// owed: a bot installed today posts no "nobody logged" note for yesterday,
// nor a summary of last month. DailyReset and MonthlySummary, asked for a
// period by name, post it whatever its age.
//
// Daylight saving: a day is 23 or 25 hours long and is cut by the ledger's
// calendar, not by 24 hours. On a fall-back day cron runs a 01:xx job twice;
// the second run finds the period posted. On a spring-forward day cron
// skips a 02:xx job altogether; the next firing sees that the day before
// fell due (at 03:xx, the wall time moved past the gap) while the
// scheduler ran, and posts it too, so a skipped note is late, not lost. A
// schedule outside 01:00-03:00 avoids both.
//
// # Slack scopes
//
// chat:write to post; channels:history (and groups:history for a private
// channel) to look an interrupted post up; users:read for the chart's
// names; with NotifyNearLimit, im:write and im:history for the direct
// messages. The bot must be a member of the channel.
package scheduler
