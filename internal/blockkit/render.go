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
		if b := PauseBlock(u); b != nil {
			return []slack.Block{b, Section("Nothing to count on this tier.")}
		}
		return []slack.Block{Section("Nothing to count on this tier.")}
	}
	var blocks []slack.Block
	if b := PauseBlock(u); b != nil {
		blocks = append(blocks, b)
	}
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
	if p := u.Member.Pause; p != nil {
		parts = append(parts, PauseText(*p, u.At.Location()))
	}
	for _, ku := range u.Kinds {
		parts = append(parts, fmt.Sprintf("%s: %s left now. %s", Title(ku.Kind), quota.FormatCount(ku.Left()), LeftText(ku)))
	}
	return strings.Join(parts, " ")
}

// KindMrkdwn is one kind's section: title and what is left now, a bar per
// window, the credit balance of a kind paid for in credits, then the
// warnings. When a rolling window binds, the title line
// says over what span the room is left and when more frees up.
func KindMrkdwn(ku quota.KindUsage) string {
	s := "*" + Title(ku.Kind) + "* · *" + quota.FormatCount(ku.Left()) + " left now*"
	if r, ok := bindingRolling(ku); ok {
		s = "*" + Title(ku.Kind) + "* · *" + quota.FormatCount(ku.Left()) + " left over " + lastSpan(r.Span) + "*"
		if f := freeUp(r, DateToken); f != "" {
			s += " · " + f
		}
	}
	s += capLines(ku)
	for _, w := range ku.Windows {
		s += "\n" + windowLine(w)
	}
	for _, r := range ku.Rolling {
		s += "\n" + rollingLine(r)
	}
	if ku.Credits != nil {
		s += "\n" + creditLine(ku.Kind, *ku.Credits)
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

// freeUp is "12 free up <date>": the room a rolling window gains when its
// oldest sends turn its span old, written by date; "" when that leaves it
// at or over its limit still (its warning says so) or nothing is used.
// What leaves the window only makes room once the window is under its
// limit: 3 sent against a limit of 1 free up 1, not 3.
func freeUp(r quota.RollingUsage, date func(time.Time) string) string {
	n := r.Freeing - r.Over()
	if n <= 0 {
		return ""
	}
	return quota.FormatCount(n) + " " + freeVerb(n) + " " + date(freeAt(r))
}

// freeVerb is "frees up" for one, "free up" for more.
func freeVerb(n int) string {
	if n == 1 {
		return "frees up"
	}
	return "free up"
}

// rollingLine is "`▓▓▓▓▓▓▓▓░░` 88/100 in the last 7 days · 12 free up
// <date>", without the date while nothing is used.
func rollingLine(r quota.RollingUsage) string {
	used := quota.FormatCount(r.Used) + "/" + quota.FormatCount(r.Max) + " in " + lastSpan(r.Span)
	if r.Over() > 0 {
		used = "*" + used + ", " + quota.FormatCount(r.Over()) + " over*"
	}
	s := "`" + barOf(r.Used, r.Max, r.Standing()) + "` " + used
	if f := freeUp(r, DateToken); f != "" {
		s += " · " + f
	}
	return s
}

// bar draws a window's use in ten cells, like `▓▓▓▓▓▓░░░░` for 60 of 100.
func bar(w quota.WindowUsage) string { return barOf(w.Used, w.Limit.Max, w.Standing()) }

// barOf draws used of limit, at standing s, in ten cells. Any use shows at
// least one cell and a bar is full only when nothing is left, so neither
// "none yet" nor "all gone" is ever misread.
func barOf(used, limit int, s quota.Standing) string {
	filled := 0
	switch {
	case s >= quota.Reached:
		filled = barCells
	default:
		filled = used * barCells / limit
		if used > 0 && filled == 0 {
			filled = 1
		}
		filled = min(filled, barCells-1)
	}
	return strings.Repeat("▓", filled) + strings.Repeat("░", barCells-filled)
}

// LeftText is "Left today: 95 of 100. Left this month: 1,495 of 1,500.",
// then "Left over the last 7 days: 88 of 100; 12 free up Tue 1 Dec 15:05
// EST." per rolling window, the credit balance (see creditText), followed
// by the warnings in words.
func LeftText(ku quota.KindUsage) string {
	var parts []string
	for _, w := range ku.Windows {
		parts = append(parts, "Left "+w.Limit.Window.Adverb()+": "+quota.FormatCount(w.Left())+" of "+quota.FormatCount(w.Limit.Max)+".")
	}
	for _, r := range ku.Rolling {
		left := "Left over " + lastSpan(r.Span) + ": " + quota.FormatCount(r.Left()) + " of " + quota.FormatCount(r.Max)
		if f := freeUp(r, PlainDate); f != "" {
			left += "; " + f
		}
		parts = append(parts, left+".")
	}
	if ku.Credits != nil {
		parts = append(parts, creditText(ku.Kind, *ku.Credits))
	}
	parts = append(parts, capTexts(ku)...)
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
	for _, r := range ku.Rolling {
		w, isLoud := rollingWarning(ku.Kind, r)
		switch {
		case w == nil:
		case isLoud:
			loud = append(loud, *w)
		default:
			near = append(near, *w)
		}
	}
	if ku.Credits != nil {
		if w := creditWarning(ku.Kind, *ku.Credits); w != nil {
			loud = append(loud, *w)
		}
	}
	if len(loud) > 0 {
		return loud
	}
	return near
}

// rollingWarning is a rolling window's warning, if it is at 80% or more,
// and whether it is loud (at or over the limit). A rolling window has no
// reset: the warning says when the oldest sends free up, and, when they
// do not bring the window under its limit, that none are left even then.
func rollingWarning(k quota.Kind, r quota.RollingUsage) (*warning, bool) {
	span, noun, when := spanAdjective(r.Span), k.Noun(1), freeAt(r)
	freeing := quota.FormatCount(r.Freeing)
	switch r.Standing() {
	case quota.Over:
		over := quota.FormatCount(r.Over())
		if r.Freeing > r.Over() {
			return &warning{
				mrkdwn: fmt.Sprintf(":rotating_light: *Over the %s %s limit by %s.* None left until %s.", span, noun, over, DateToken(when)),
				text:   fmt.Sprintf("Over the %s %s limit by %s: none left until %s.", span, noun, over, PlainDate(when)),
			}, true
		}
		return &warning{
			mrkdwn: fmt.Sprintf(":rotating_light: *Over the %s %s limit by %s.* The oldest %s %s %s, and none are left even then.", span, noun, over, freeing, freeVerb(r.Freeing), DateToken(when)),
			text:   fmt.Sprintf("Over the %s %s limit by %s: the oldest %s %s %s, and none are left even then.", span, noun, over, freeing, freeVerb(r.Freeing), PlainDate(when)),
		}, true
	case quota.Reached:
		if r.Freeing == 0 {
			// A limit of 0: nothing was sent, and nothing will free up.
			return &warning{
				mrkdwn: fmt.Sprintf(":no_entry: *%s %s limit reached.* None left.", UpperFirst(span), noun),
				text:   fmt.Sprintf("%s %s limit reached: none left.", UpperFirst(span), noun),
			}, true
		}
		return &warning{
			mrkdwn: fmt.Sprintf(":no_entry: *%s %s limit reached.* None left until %s.", UpperFirst(span), noun, DateToken(when)),
			text:   fmt.Sprintf("%s %s limit reached: none left until %s.", UpperFirst(span), noun, PlainDate(when)),
		}, true
	case quota.Near:
		pct := r.Used * 100 / r.Max
		return &warning{
			// The window's line above says when they free up.
			mrkdwn: fmt.Sprintf(":warning: *%d%% of the %s %s used:* %s left.", pct, span, k.Noun(2), quota.FormatCount(r.Left())),
			text:   fmt.Sprintf("Warning: %d%% of the %s %s used (%s left).", pct, span, k.Noun(2), quota.FormatCount(r.Left())),
		}, false
	}
	return nil, false
}

// bindingRolling returns the rolling window that limits the member now, if
// one does: the one with the least left, when no calendar window has less,
// nor as little and resetting later. Room comes back when it frees up.
func bindingRolling(ku quota.KindUsage) (quota.RollingUsage, bool) {
	var b quota.RollingUsage
	found := false
	for _, r := range ku.Rolling {
		if !found || r.Left() < b.Left() || r.Left() == b.Left() && r.NextFree.After(b.NextFree) {
			b, found = r, true
		}
	}
	if !found {
		return b, false
	}
	for _, w := range ku.Windows {
		if w.Left() < b.Left() || w.Left() == b.Left() && !w.ResetsAt().Before(b.NextFree) {
			return b, false
		}
	}
	return b, true
}

// freeAt is when r's next room comes back, in the zone r was read in (the
// workspace's, as every other time a reply shows).
func freeAt(r quota.RollingUsage) time.Time { return r.NextFree.In(r.At.Location()) }

// lastSpan is a rolling span as a reply says it: "the last 7 days", "the
// last 36 hours", "the last hour".
func lastSpan(d time.Duration) string { return "the last " + SpanNoun(d) }

// SpanNoun is a rolling span in words: "7 days", "36 hours", "hour". A
// span of one day reads "24 hours", which "today" cannot be mistaken for.
func SpanNoun(d time.Duration) string {
	days, hours := int(d/(24*time.Hour)), int(d/time.Hour)
	switch {
	case d%(24*time.Hour) == 0 && days > 1:
		return fmt.Sprintf("%d days", days)
	case hours == 1:
		return "hour"
	}
	return fmt.Sprintf("%d hours", hours)
}

// spanAdjective is a rolling span before a noun: "7-day", "36-hour".
func spanAdjective(d time.Duration) string {
	if d%(24*time.Hour) == 0 && d > 24*time.Hour {
		return fmt.Sprintf("%d-day", int(d/(24*time.Hour)))
	}
	return fmt.Sprintf("%d-hour", int(d/time.Hour))
}

// MissingKinds is the line under a member's usage about the plan's kinds
// their tier cannot send ("No InMails on your tier, free."), with, for
// the member themself, the tier to set to send them; "" when the tier
// sends every kind.
func MissingKinds(plan quota.Plan, u quota.Usage, self bool) string {
	kinds, tier := plan.Missing(u)
	if len(kinds) == 0 {
		return ""
	}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.Noun(2)
	}
	whose := "their"
	if self {
		whose = "your"
	}
	s := fmt.Sprintf("No %s on %s tier, %s.", strings.Join(names, " or "), whose, Escape(u.Member.Tier))
	if self && tier != "" {
		s += fmt.Sprintf(" Set your tier with `/quota tier %s`.", Escape(tier))
	}
	return s
}

// DateToken shows t in each reader's own time zone; the fallback, for
// clients that cannot, is t in the workspace's zone.
func DateToken(t time.Time) string {
	return "<!date^" + strconv.FormatInt(t.Unix(), 10) + "^{date_short_pretty} {time}|" + PlainDate(t) + ">"
}

// PlainDate is t in the workspace's zone, in words: "Fri 27 Nov 00:00 UTC".
func PlainDate(t time.Time) string { return t.Format("Mon 2 Jan 15:04 MST") }
