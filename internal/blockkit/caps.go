package blockkit

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/quota"
)

// The marks for a member an admin holds back: a pause, and a cap.
const (
	markPaused = ":double_vertical_bar:"
	markCapped = ":lock:"
)

// PauseMrkdwn is the loud line of a paused member: "Paused by <@U0ADMIN>
// on <date>: LinkedIn warning. Sends are still recorded; LinkedIn has
// restricted this account." The date is shown in loc, the workspace's
// zone, to clients that cannot show it in the reader's.
func PauseMrkdwn(p quota.Pause, loc *time.Location) string {
	return fmt.Sprintf("%s *Paused by <@%s> on %s%s.* Sends are still recorded; LinkedIn has restricted this account.",
		markPaused, p.By, dayToken(p.At.In(loc)), PauseReason(p))
}

// PauseText is PauseMrkdwn in plain words, for a fallback.
func PauseText(p quota.Pause, loc *time.Location) string {
	return fmt.Sprintf("Paused by <@%s> on %s%s. Sends are still recorded; LinkedIn has restricted this account.",
		p.By, plainDay(p.At.In(loc)), PauseReason(p))
}

// PauseReason is ": the reason", escaped, or "" without one.
func PauseReason(p quota.Pause) string {
	if p.Reason == "" {
		return ""
	}
	// The line goes on after the reason: a full stop of its own would
	// make two.
	return ": " + Escape(strings.TrimRight(p.Reason, "."))
}

// PauseBlock is the pause line as a section, for u's member if paused;
// nil otherwise.
func PauseBlock(u quota.Usage) slack.Block {
	if u.Member.Pause == nil {
		return nil
	}
	return Section(PauseMrkdwn(*u.Member.Pause, u.At.Location()))
}

// CapAmount is a cap of kind k in words: "30 invitations over any 7
// days", "5 InMails a day".
func CapAmount(k quota.Kind, l quota.Limit) string {
	n := quota.FormatCount(l.Max) + " " + k.Noun(l.Max)
	if l.Rolling() {
		return n + " over any " + SpanNoun(l.Span)
	}
	return n + " a " + l.Window.String()
}

// capLine is one cap that holds a member back, in words: "Capped at 30
// over any 7 days by <@U0ADMIN> (the tier allows 100)". credits says the
// tier pays for k in credits.
func capLine(k quota.Kind, h quota.CapHold, credits bool) string {
	s := fmt.Sprintf("Capped at %s by <@%s>", CapAmount(k, h.Cap.Limit), h.Cap.By)
	switch {
	case h.TierHas:
		return s + " (the tier allows " + quota.FormatCount(h.Tier.Max) + ")"
	case credits:
		return s + " (the tier pays for them in credits, with no limit there)"
	}
	return s + " (the tier sets no limit there)"
}

// capLines are a kind's cap lines for its section, one a line.
func capLines(ku quota.KindUsage) string {
	s := ""
	for _, h := range ku.Caps {
		s += "\n" + markCapped + " " + capLine(ku.Kind, h, ku.Credits != nil) + "."
	}
	return s
}

// capTexts are a kind's cap lines in plain words, each a sentence.
func capTexts(ku quota.KindUsage) []string {
	var out []string
	for _, h := range ku.Caps {
		out = append(out, capLine(ku.Kind, h, ku.Credits != nil)+".")
	}
	return out
}

// dayToken shows the day of t in each reader's own zone.
func dayToken(t time.Time) string {
	return "<!date^" + strconv.FormatInt(t.Unix(), 10) + "^{date_short_pretty}|" + plainDay(t) + ">"
}

// plainDay is the day of t in words: "Mon 30 Nov 2026".
func plainDay(t time.Time) string { return t.Format("Mon 2 Jan 2006") }
