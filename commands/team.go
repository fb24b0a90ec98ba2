package commands

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/quota"
)

// The marks beside a member in the team table.
const (
	markOver    = ":red_circle:"
	markReached = ":large_orange_circle:"
	markNear    = ":large_yellow_circle:"
)

// TeamReply renders `/quota team`: one line per member with what they used
// today and this month, marked when near (80%) or over a limit. Members in
// trouble come first, most over first, so that when a big team does not fit
// it is the quiet members who are left out, and a last line counts them
// ("and 1,234 more"). The reply never has more than maxBlocks blocks, no
// section over blockkit.MaxSectionText characters, and its rows take at most
// maxBytes of JSON; it never fails, whatever the team's size. The App Home
// can call it with blockkit.MaxHomeBlocks.
func TeamReply(team []quota.Usage, at time.Time, maxBlocks, maxBytes int) Reply {
	header := blockkit.Header("Team quota · " + at.Format("Mon 2 Jan 2006"))
	if len(team) == 0 {
		s := "No one on the team has logged anything yet. Log sends with `/logsend 5`."
		return Reply{Text: s, Blocks: []slack.Block{header, blockkit.Section(s)}}
	}

	rows, counts := rank(team)
	summary := summaryLine(len(team), counts)
	blocks := []slack.Block{header, blockkit.Context(summary)}

	// Rows go into sections of up to blockkit.MaxSectionText characters; one block
	// stays free for the "and N more" line.
	lines := func(yield func(string) bool) {
		for _, r := range rows {
			if !yield(teamLine(r.u, r.s)) {
				return
			}
		}
	}
	packed, shown := packLines(lines, blockkit.MaxSectionText, maxBlocks-len(blocks)-1, maxBytes)
	blocks = append(blocks, packed...)
	if rest := len(rows) - shown; rest > 0 {
		blocks = append(blocks, blockkit.Context(fmt.Sprintf("…and %s more %s, the furthest from their limits. See anyone with `/quota @someone`.",
			quota.FormatCount(rest), plural(rest, "member", "members"))))
	}
	return Reply{Text: teamText(len(team), counts, idsOf(rows, quota.Over), idsOf(rows, quota.Reached), idsOf(rows, quota.Near)), Blocks: blocks}
}

// rank orders team as the table shows it, trouble first: over a limit, at
// a limit, near one, then the rest; within each, the largest share of a
// limit first, then by member ID. It also counts the members per standing.
func rank(team []quota.Usage) ([]teamRow, map[quota.Standing]int) {
	rows := make([]teamRow, len(team))
	counts := map[quota.Standing]int{}
	for i, u := range team {
		s, f := standingOf(u)
		rows[i] = teamRow{u, s, f}
		counts[s]++
	}
	slices.SortStableFunc(rows, func(a, b teamRow) int {
		if c := cmp.Compare(b.s, a.s); c != 0 {
			return c
		}
		if c := cmp.Compare(b.frac, a.frac); c != 0 {
			return c
		}
		return strings.Compare(a.u.Member.ID, b.u.Member.ID)
	})
	return rows, counts
}

// summaryLine is "500 members · :red_circle: 3 over a limit · …".
func summaryLine(n int, counts map[quota.Standing]int) string {
	return fmt.Sprintf("%s %s · %s %s over a limit · %s %s at a limit · %s %s at 80%% or more",
		quota.FormatCount(n), plural(n, "member", "members"),
		markOver, quota.FormatCount(counts[quota.Over]),
		markReached, quota.FormatCount(counts[quota.Reached]),
		markNear, quota.FormatCount(counts[quota.Near]))
}

// SortTeam orders team in place as `/quota team` lists it, trouble first,
// so that any other view of the team (the App Home's pages) puts the same
// members first.
func SortTeam(team []quota.Usage) {
	rows, _ := rank(team)
	for i, r := range rows {
		team[i] = r.u
	}
}

// TeamSummary is the team table's count line: how many members, and how
// many are over, at and near a limit, with the marks TeamLine uses.
func TeamSummary(team []quota.Usage) string {
	_, counts := rank(team)
	return summaryLine(len(team), counts)
}

// TeamLine is one member's line in the team table: a mark when near, at or
// over a limit, who, and per kind the use in each window against its limit.
func TeamLine(u quota.Usage) string {
	s, _ := standingOf(u)
	return teamLine(u, s)
}

// teamLine is one member: a mark, who, and per kind what they used in each
// window against the limit, the over-limit figures in bold.
func teamLine(u quota.Usage, s quota.Standing) string {
	var b strings.Builder
	switch s {
	case quota.Over:
		b.WriteString(markOver + " ")
	case quota.Reached:
		b.WriteString(markReached + " ")
	case quota.Near:
		b.WriteString(markNear + " ")
	}
	fmt.Fprintf(&b, "<@%s>", u.Member.ID)
	for _, ku := range u.Kinds {
		var ws []string
		for _, w := range ku.Windows {
			s := fmt.Sprintf("%s/%s %s", quota.FormatCount(w.Used), quota.FormatCount(w.Limit.Max), w.Limit.Window.Adverb())
			if w.Over() > 0 {
				s = fmt.Sprintf("*%s (%s over)*", s, quota.FormatCount(w.Over()))
			}
			ws = append(ws, s)
		}
		fmt.Fprintf(&b, " · %s %s", ku.Kind.Noun(2), strings.Join(ws, ", "))
	}
	return b.String()
}

// teamIDs is how many members the text fallback names per group: enough to
// act on, few enough for a notification.
const teamIDs = 10

// teamRow is a member in the team table with their worst standing and
// largest share of a limit, which order the table.
type teamRow struct {
	u    quota.Usage
	s    quota.Standing
	frac float64
}

// idsOf lists, in table order, the members whose standing is s.
func idsOf(rows []teamRow, s quota.Standing) []string {
	var ids []string
	for _, r := range rows {
		if r.s == s {
			ids = append(ids, r.u.Member.ID)
		}
	}
	return ids
}

// teamText is the table in words: how many members, and who is over, at or
// near a limit.
func teamText(n int, counts map[quota.Standing]int, over, reached, near []string) string {
	parts := []string{fmt.Sprintf("Team quota: %s %s.", quota.FormatCount(n), plural(n, "member", "members"))}
	group := func(label string, ids []string) {
		if len(ids) == 0 {
			return
		}
		names := make([]string, 0, teamIDs)
		for _, id := range ids[:min(len(ids), teamIDs)] {
			names = append(names, "<@"+id+">")
		}
		s := fmt.Sprintf("%s %s: %s", quota.FormatCount(len(ids)), label, strings.Join(names, ", "))
		if len(ids) > teamIDs {
			s += fmt.Sprintf(" and %s more", quota.FormatCount(len(ids)-teamIDs))
		}
		parts = append(parts, s+".")
	}
	group("over a limit", over)
	group("at a limit", reached)
	group("at 80% or more", near)
	if counts[quota.Over]+counts[quota.Reached]+counts[quota.Near] == 0 {
		parts = append(parts, "Everyone is under 80% of their limits.")
	}
	return strings.Join(parts, " ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
