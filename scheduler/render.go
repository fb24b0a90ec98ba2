package scheduler

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/quota"
)

// Slack's limits that the posts are built to stay within, beside Block
// Kit's own in internal/blockkit: the limits slack-go v0.35.0 documents for
// data_table and data_visualization blocks. Slack refuses a whole message
// that breaks one.
const (
	// A data_table: a page holds 1 to 100 rows. Slack's table blocks take
	// at most 100 rows (the header row included) and 20 columns, and one
	// table per message; the data table is held to the same, so it renders
	// wherever Slack takes either.
	MaxTableRows    = 100
	MaxTableColumns = 20
	TablePageSize   = 10

	// A data_visualization: a title up to 50 characters, 1 to 6 series of
	// 1 to 20 points, one per category; labels and series names up to 20.
	MaxChartTitle  = 50
	MaxChartSeries = 6
	MaxChartPoints = 20
	MaxChartLabel  = 20
	MaxAxisLabel   = 50

	// maxFallbackText bounds the text fallback. Slack takes 40,000
	// characters, but a notification or a screen reader gets lost long
	// before that.
	maxFallbackText = 4000
)

// percent reads a share rounded down, so that 99.6% never shows as a
// limit reached: "83%".
func percent(share float64) string {
	return strconv.Itoa(int(math.Floor(share*100+1e-9))) + "%"
}

// count is a number of a kind: "1 message", "1,250 InMails".
func count(k quota.Kind, n int) string { return quota.FormatCount(n) + " " + k.Noun(n) }

// mention shows a member by name in mrkdwn. Member IDs are letters, digits
// and _-. (quota refuses anything else), so nothing needs escaping.
func mention(id string) string { return "<@" + id + ">" }

// fitLines joins head and as many lines as fit in limit characters, one per
// line; when some do not fit, the last line says how many were left out.
func fitLines(head string, lines []string, limit int) string {
	var b strings.Builder
	b.WriteString(head)
	used := utf8.RuneCountInString(head)
	for i, l := range lines {
		n := utf8.RuneCountInString(l) + 1
		// Keep room for the "and N more" line unless this is the last.
		reserve := 0
		if i < len(lines)-1 {
			reserve = len("\n…and 00000 more")
		}
		if used+n+reserve > limit {
			fmt.Fprintf(&b, "\n…and %s more", quota.FormatCount(len(lines)-i))
			return b.String()
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
		used += n
	}
	return b.String()
}

// kindsOf lists the plan's kinds, then any other kind the totals name (a
// kind the config no longer has still counts), so nothing goes missing.
func kindsOf(plan quota.Plan, totals map[quota.Kind]int) []quota.Kind {
	kinds := plan.Kinds()
	seen := map[quota.Kind]bool{}
	for _, k := range kinds {
		seen[k] = true
	}
	var extra []quota.Kind
	for k := range totals {
		if !seen[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	return append(kinds, extra...)
}

// totalsLine is the team's totals in words, the kinds nobody sent left
// out: "1,234 messages and 56 InMails".
func totalsLine(kinds []quota.Kind, totals map[quota.Kind]int, bold bool) string {
	parts := make([]string, 0, len(kinds))
	for _, k := range kinds {
		if totals[k] == 0 {
			continue // "and 0 InMails" says nothing a reader needs
		}
		c := count(k, totals[k])
		if bold {
			c = "*" + c + "*"
		}
		parts = append(parts, c)
	}
	return joinAnd(parts)
}

// joinAnd joins "a", "b" and "c" as "a, b and c".
func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return "nothing"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// members says "1 member", "25 members".
func members(n int) string {
	if n == 1 {
		return "1 member"
	}
	return quota.FormatCount(n) + " members"
}

// against is a use against a limit: "120 of 100 messages, 20 over",
// "1,250 of 1,500 messages (83%)" or "88 of 100 invitations in the last 7
// days (88%)".
func against(ks quota.KindSummary) string {
	s := fmt.Sprintf("%s of %s", quota.FormatCount(ks.Used), count(ks.Kind, ks.Limit.Max))
	if ks.Limit.Rolling() {
		s += " in the last " + blockkit.SpanNoun(ks.Limit.Span)
	}
	if over := ks.Over(); over > 0 {
		return s + fmt.Sprintf(", %s over", quota.FormatCount(over))
	}
	if ks.Limit.Max > 0 {
		s += " (" + percent(ks.Share()) + ")"
	}
	return s
}
