package commands

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/quota"
)

// TeamReply renders `/quota team`: one line per member with what they used
// today and this month, marked when near (80%) or over a limit. Members in
// trouble come first, most over first, so that when a big team does not fit
// it is the quiet members who are left out, and a last line counts them
// ("and 1,234 more"). The reply never has more than maxBlocks blocks, no
// section over blockkit.MaxSectionText characters, and its rows take at most
// maxBytes of JSON; it never fails, whatever the team's size.
func TeamReply(team []quota.Usage, at time.Time, maxBlocks, maxBytes int) Reply {
	header := blockkit.Header("Team quota · " + at.Format("Mon 2 Jan 2006"))
	if len(team) == 0 {
		s := "No one on the team has logged anything yet. Log sends with `/logsend 5`."
		return Reply{Text: s, Blocks: []slack.Block{header, blockkit.Section(s)}}
	}

	rows := blockkit.RankTeam(team)
	blocks := []slack.Block{header, blockkit.Context(blockkit.TeamSummary(rows))}

	// Rows go into sections of up to blockkit.MaxSectionText characters; one block
	// stays free for the "and N more" line.
	lines := func(yield func(string) bool) {
		for _, r := range rows {
			if !yield(r.Line()) {
				return
			}
		}
	}
	packed, shown := packLines(lines, blockkit.MaxSectionText, maxBlocks-len(blocks)-1, maxBytes)
	blocks = append(blocks, packed...)
	if rest := len(rows) - shown; rest > 0 {
		blocks = append(blocks, blockkit.Context(fmt.Sprintf("…and %s more %s, the furthest from their limits. See anyone with `/quota @someone`.",
			quota.FormatCount(rest), blockkit.Plural(rest, "member", "members"))))
	}
	return Reply{Text: teamText(rows), Blocks: blocks}
}

// teamIDs is how many members the text fallback names per group: enough to
// act on, few enough for a notification.
const teamIDs = 10

// idsOf lists, in table order, the members whose standing is s.
func idsOf(rows []blockkit.TeamRow, s quota.Standing) []string {
	var ids []string
	for _, r := range rows {
		if r.Standing == s {
			ids = append(ids, r.Usage.Member.ID)
		}
	}
	return ids
}

// teamText is the table in words: how many members, who is over, at or
// near a limit, and who is paused or capped, naming up to teamIDs members
// per group.
func teamText(rows []blockkit.TeamRow) string {
	n, counts := len(rows), blockkit.TeamCounts(rows)
	parts := []string{fmt.Sprintf("Team quota: %s %s.", quota.FormatCount(n), blockkit.Plural(n, "member", "members"))}
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
	group("over a limit", idsOf(rows, quota.Over))
	group("at a limit", idsOf(rows, quota.Reached))
	group("at 80% or more", idsOf(rows, quota.Near))
	if counts[quota.Over]+counts[quota.Reached]+counts[quota.Near] == 0 {
		parts = append(parts, "Everyone is under 80% of their limits.")
	}
	paused, capped := blockkit.TeamHeldBack(rows)
	group("paused", paused)
	group("capped below their tier", capped)
	return strings.Join(parts, " ")
}
