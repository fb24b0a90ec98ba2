package blockkit

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/quota"
)

// barCells is how wide a usage bar is: ten cells read as tenths at a glance.
const barCells = 10

// UsageBlocks renders a member's standing: per kind, what is left now, a bar
// per window with when it resets, and a warning at 80% and at 100% of a
// limit. It is one section per kind, so the App Home can put it under its
// own title; the /quota reply does the same.
func UsageBlocks(u quota.Usage) []slack.Block {
	if len(u.Kinds) == 0 {
		return []slack.Block{Section("Nothing to count on this tier.")}
	}
	var blocks []slack.Block
	for i, ku := range u.Kinds {
		// A plan with dozens of kinds must still fit in one message.
		if i == MaxBlocks-5 {
			blocks = append(blocks, Context(fmt.Sprintf("and %s more kinds", quota.FormatCount(len(u.Kinds)-i))))
			break
		}
		blocks = append(blocks, Section(KindMrkdwn(ku)))
	}
	return blocks
}

// UsageText is UsageBlocks in words, for the plain-text fallback:
// "Messages: 40 left now. Left today: 40 of 100. Left this month: 1,360 of
// 1,500." and the warnings.
func UsageText(u quota.Usage) string {
	var parts []string
	for _, ku := range u.Kinds {
		parts = append(parts, fmt.Sprintf("%s: %s left now. %s", Title(ku.Kind), quota.FormatCount(ku.Left()), LeftText(ku)))
	}
	return strings.Join(parts, " ")
}

// KindMrkdwn is one kind's section: title and what is left now, a bar per
// window, then the warnings.
func KindMrkdwn(ku quota.KindUsage) string {
	s := "*" + Title(ku.Kind) + "* · *" + quota.FormatCount(ku.Left()) + " left now*"
	for _, w := range ku.Windows {
		s += "\n" + windowLine(w)
	}
	for _, warn := range warnings(ku) {
		s += "\n" + warn.mrkdwn
	}
	return s
}

// windowLine is "`▓▓▓▓▓▓░░░░` 60/100 today · resets <date>".
func windowLine(w quota.WindowUsage) string {
	used := quota.FormatCount(w.Used) + "/" + quota.FormatCount(w.Limit.Max) + " " + w.Limit.Window.Adverb()
	if w.Over() > 0 {
		used = "*" + used + ", " + quota.FormatCount(w.Over()) + " over*"
	}
	return "`" + bar(w) + "` " + used + " · resets " + DateToken(w.ResetsAt())
}

// bar draws a window's use in ten cells, like `▓▓▓▓▓▓░░░░` for 60 of 100.
// Any use shows at least one cell and a bar is full only when nothing is
// left, so neither "none yet" nor "all gone" is ever misread.
func bar(w quota.WindowUsage) string {
	filled := 0
	switch {
	case w.Standing() >= quota.Reached:
		filled = barCells
	default:
		filled = w.Used * barCells / w.Limit.Max
		if w.Used > 0 && filled == 0 {
			filled = 1
		}
		filled = min(filled, barCells-1)
	}
	return strings.Repeat("▓", filled) + strings.Repeat("░", barCells-filled)
}

// LeftText is "Left today: 95 of 100. Left this month: 1,495 of 1,500."
// followed by the warnings in words.
func LeftText(ku quota.KindUsage) string {
	var parts []string
	for _, w := range ku.Windows {
		parts = append(parts, "Left "+w.Limit.Window.Adverb()+": "+quota.FormatCount(w.Left())+" of "+quota.FormatCount(w.Limit.Max)+".")
	}
	for _, warn := range warnings(ku) {
		parts = append(parts, warn.text)
	}
	return strings.Join(parts, " ")
}

// warning is one line about a window at 80% or more, in Block Kit and in
// plain words.
type warning struct{ mrkdwn, text string }

// warnings returns a kind's warnings, loudest first. Once a window is at or
// over its limit, "80% used" on another window says nothing new, so near
// warnings are left out then.
func warnings(ku quota.KindUsage) []warning {
	var loud, near []warning
	noun := ku.Kind.Noun(1)
	for _, w := range ku.Windows {
		adv := w.Limit.Window.Adverb()
		when := w.ResetsAt()
		switch w.Standing() {
		case quota.Over:
			loud = append(loud, warning{
				mrkdwn: fmt.Sprintf(":rotating_light: *Over %s's %s limit by %s.* None left until %s.", adv, noun, quota.FormatCount(w.Over()), DateToken(when)),
				text:   fmt.Sprintf("Over %s's %s limit by %s: none left until %s.", adv, noun, quota.FormatCount(w.Over()), PlainDate(when)),
			})
		case quota.Reached:
			loud = append(loud, warning{
				mrkdwn: fmt.Sprintf(":no_entry: *%s's %s limit reached.* None left until %s.", UpperFirst(adv), noun, DateToken(when)),
				text:   fmt.Sprintf("%s's %s limit reached: none left until %s.", UpperFirst(adv), noun, PlainDate(when)),
			})
		case quota.Near:
			pct := w.Used * 100 / w.Limit.Max
			near = append(near, warning{
				mrkdwn: fmt.Sprintf(":warning: *%d%% of %s's %s used:* %s left, resets %s.", pct, adv, ku.Kind.Noun(2), quota.FormatCount(w.Left()), DateToken(when)),
				text:   fmt.Sprintf("Warning: %d%% of %s's %s used (%s left).", pct, adv, ku.Kind.Noun(2), quota.FormatCount(w.Left())),
			})
		}
	}
	if len(loud) > 0 {
		return loud
	}
	return near
}

// DateToken shows t in each reader's own time zone; the fallback, for
// clients that cannot, is t in the workspace's zone.
func DateToken(t time.Time) string {
	return "<!date^" + strconv.FormatInt(t.Unix(), 10) + "^{date_short_pretty} {time}|" + PlainDate(t) + ">"
}

// PlainDate is t in the workspace's zone, in words: "Fri 27 Nov 00:00 UTC".
func PlainDate(t time.Time) string { return t.Format("Mon 2 Jan 15:04 MST") }
