// Package home is quotabot's App Home tab: each member's own dashboard, and
// for admins the whole team, published with views.publish and kept fresh
// after every change that concerns the member.
//
// # What a member sees
//
// Per kind their tier can send: what is left now, a bar per window with
// when it resets (a Slack date token, so each reader sees their own zone),
// the 80% and 100% warnings, and "Log 1" / "Log 5" buttons. Below that, the
// last 14 days as a bar chart (Slack's data_visualization block) with a
// text line that carries the same numbers for clients that do not draw it,
// and the last entries, the newest one that still stands with an Undo
// button while the ledger still lets it be taken back (24 hours).
//
// The 14 days come from the member's own entries ([store.Ledger.History]),
// not from fourteen team summaries ([store.Ledger.Summary] per day). A
// summary scans every member's counters for its day, so a home built from
// summaries costs time in proportion to the team; and since every /logsend
// asks for a republish, a team-wide burst would cost the square of the
// team's size. The member's entries cost in proportion to their own
// activity, serve the "last entries" list in the same read, and are exact:
// undone entries are left out and days are cut in the workspace's zone,
// 23 or 25 hours long across daylight saving. Only a member with more than
// 4,096 entries in 14 days falls back to summaries, for the days the
// entries read do not fully cover.
//
// # Admins
//
// An admin by commands' rule ([commands.Handler.IsAdmin]: config admins,
// workspace admins and owners per users.info, cached) also sees the team:
// one line per member with use today and this month and a mark when near
// or over a limit, in the order of `/quota team` (trouble first), and a tier
// menu per member (action quotabot.tier, values like "U123:premium"). Slack
// takes at most 100 blocks in a Home tab, so the team is paged
// ([Options.PageSize] members a page, buttons [ActionPage]) and the
// member's own part is held to what is left; any team size fits. Members
// who are not admins get no team section, and a tier change they build by
// hand is refused by commands.Handler.Action, which checks rights itself.
//
// # Keeping it fresh
//
// [Home.Refresh] asks for a member's home to be published again and returns
// at once; the transports call it for every member a command's
// [commands.Result] names as changed. One goroutine, [Home.Run], drains the
// members so marked: at most one publish per member per [Options.Interval],
// built when it is sent so the latest state wins, at most
// [Options.PerMinute] publishes a minute in all (views.publish is a Tier 4
// method), and none at all while Slack's Retry-After from a 429 runs. A burst of /logsend therefore costs a
// publish or two, not one per command.
//
// [Home.HandleAction] answers a press on the home (which has no
// response_url): it runs [commands.Handler.Action], then publishes the view
// in place with the outcome on top. A press Slack delivers twice acts once:
// every press carries its key to the ledger, which changes nothing the
// second time and answers as it did the first.
package home
