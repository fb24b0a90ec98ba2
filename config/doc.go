// Package config reads quotabot's YAML config file (quotabot serve
// --config FILE) into a checked [Config]. Without a file, [Default] applies:
// UTC, no channel, the daily post at midnight and the monthly one at nine on
// the 1st, the built-in free and premium tiers with free as the default, no
// extra admins.
//
// # The file
//
// Every key is optional; a key left out, or given no value, keeps its
// default. A full file reads:
//
//	timezone: America/New_York    # IANA name; days and months start at local midnight
//	channel: C0123ABCD            # where the scheduled posts go (a channel ID, not its name)
//	schedule:                     # cron specs, run in `timezone`
//	  daily: "0 0 * * *"          # the reset note with yesterday's totals
//	  monthly: "0 9 1 * *"        # last month's summary
//	default_tier: free            # the tier a member starts on
//	admins: [U0123ABCD]           # Slack user IDs allowed to set anyone's tier
//	notify_near_limit: false      # DM a member who has used 80% of a monthly limit
//	tiers:
//	  free:
//	    message: {day: 100, month: 1500}
//	  premium:
//	    message: {day: 100, month: 1500}
//	    inmail: {day: 20, month: 300}
//	  sales_navigator:
//	    message: {day: 150, month: 2500}
//	    inmail: {day: 25, month: 50}
//	    invite: {week: 100}
//
// # Tiers
//
// The tiers section maps a tier's name to its kinds of send, and each kind
// to its limits per window: day, week (ISO, from Monday) or month, or a
// rolling span of whole days or hours from 1h to 366d such as 7d or 36h
// (so many over the last 7 days), each a whole number from 0 to
// [MaxLimit]. Every window given applies at once; 7d and 168h are one
// window, and giving both is refused. A
// tier named in the file replaces the built-in tier of that name entirely
// (so a premium that only lists message has no InMail); built-in tiers the
// file does not name stay as they are. Any other name adds a tier, and any
// kind name adds a kind, such as invite above. Names are lower case: a-z,
// 0-9, _ and -, starting with a letter.
//
// A kind may be paid for in credits, as LinkedIn's paid plans pay for
// InMail, instead of or beside windows: credits is the grant each month,
// bank the most that banks (at least the grant), renews the day of the
// month the grant comes (1 to 31, default the 1st):
//
//	tiers:
//	  navigator:
//	    message: {day: 150, month: 2500}
//	    inmail: {credits: 50, bank: 150, renews: 1}
//
// YAML anchors, aliases and merge keys work, which saves repeating limits:
//
//	tiers:
//	  premium: &premium
//	    message: {day: 100, month: 1500}
//	    inmail: {day: 20, month: 300}
//	  recruiter:
//	    <<: *premium
//	    inmail: {day: 50, month: 1000}
//
// # Schedules
//
// A schedule is five cron fields (minute, hour, day of month, month, day of
// week) or a descriptor such as @daily or @every 1h; see [ParseSchedule].
// Quote one that starts with @ or *, which YAML reserves. Schedules run in
// `timezone`, so a TZ= or CRON_TZ= prefix is refused.
//
// # Errors
//
// The decoding is strict, since a setting silently ignored is a limit that
// does not hold. An unknown key, a key given twice, a value of the wrong
// type (a quoted "100" where a number goes, 1.5 where a whole number goes),
// an unknown window, time zone or tier, a kind without limits, a malformed
// schedule: each is an [*Error] that names the file, the line, the setting
// and the fix:
//
//	quotabot.yml:12: tiers.premium.inmail.year: unknown window "year" (want day, week or month)
package config
