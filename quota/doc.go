// Package quota is quotabot's domain: the sending limits a LinkedIn account
// lives under, the members of a team who log what they sent, and the rules
// that say what a member has used, has left and may take back. It is pure:
// plain types and plain functions over them, with no store, no Slack and no
// clock of its own. The store package keeps these values durably in Badger
// and applies these rules inside its transactions; its tests open a store,
// this package's never do.
//
// # Limits
//
// A [Plan] names the [Tier]s a member can be on (free, premium, and whatever
// the config adds) and, for each tier, the [Limit]s per [Kind] of send. A limit
// applies to a calendar [Window] (a day, an ISO week or a month) in the
// workspace's time zone, so a day runs from local midnight to local midnight
// and is 23 or 25 hours long on a daylight-saving day. Every window of a kind
// applies at once: what a member can still send now is the smallest amount
// left over all of them ([KindUsage.Left]).
//
// # Entries
//
// An [Entry] is one logged batch of sends (who sent how many of what, and
// when). Logging is recorded even over a limit, because the sends already
// happened; [StandingOf] says how a use stands against its limit.
//
// # Rules
//
// Every rule is a function of values the caller passes, time included:
// [Plan.CheckLog] for what may be logged at all, [Plan.Allows] for whether a
// member's tier can send a kind, [Plan.Usage] and [Tier.Usage] for what a
// member has used and has left in each window from the counts, [Entry.Undoable]
// for the 24-hour undo rule, [StandingOf] for the ok / near / reached / over
// edges, and [Plan.MemberSummary] for a member's use over a finished period.
package quota
