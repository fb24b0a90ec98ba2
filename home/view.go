package home

import (
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/quota"
)

// ActionPage is the prefix of the team section's page buttons; the value
// is the page to show, from 1. The two buttons sit in one actions block,
// where Slack wants distinct action IDs, so they are ActionPage+".prev"
// and ActionPage+".next".
const ActionPage = "quotabot.home.page"

// recentLen is how many entries the home lists.
const recentLen = 5

// teamOverhead is the team section's blocks besides the members: a
// divider, a header, the summary line and the page buttons.
const teamOverhead = 4

// personalFixed is the member's own part besides two blocks per kind: the
// header, the tier line, the outcome of a press, a pause, the kinds left
// out and the kinds missing, a divider, the chart and its text line, a
// divider, the title of the entries, recentLen+1 entries and the footer.
const personalFixed = 12 + recentLen + 1

// teamPage is the part of the team an admin's home shows.
type teamPage struct {
	members []blockkit.TeamRow // this page, in table order
	summary string             // blockkit.TeamSummary of the whole team
	total   int
	first   int // index in the whole team of members[0]
	page    int // from 1
	pages   int
}

// content is everything one home view shows; view lays it out.
type content struct {
	plan     quota.Plan
	now      time.Time // in the workspace's zone
	usage    quota.Usage
	activity activity
	notice   string    // what the last press did; "" for none
	team     *teamPage // nil for members who are not admins
}

// view lays a home out within Slack's 100 blocks: the team section, if
// any, takes its page, and the member's own part what is left, leaving
// kinds out (with a line saying so) only where a plan has dozens.
func view(c content) []slack.Block {
	var team []slack.Block
	if c.team != nil {
		team = teamBlocks(c.plan, *c.team)
	}
	blocks := personalBlocks(c, blockkit.MaxHomeBlocks-len(team))
	return append(blocks, team...)
}

func personalBlocks(c content, budget int) []slack.Block {
	u := c.usage
	blocks := []slack.Block{
		slack.NewHeaderBlock(blockkit.Plain("Your LinkedIn sending quota")),
		blockkit.Context(fmt.Sprintf("Tier *%s* · change it with `/quota tier %s` · as of %s",
			blockkit.Escape(u.Member.Tier), blockkit.Escape(otherTier(c.plan, u)), blockkit.DateToken(c.now))),
	}
	if c.notice != "" {
		blocks = append(blocks, blockkit.Section(c.notice))
	}
	if b := blockkit.PauseBlock(u); b != nil {
		blocks = append(blocks, b)
	}

	kindRoom := max(1, (budget-personalFixed)/2)
	if len(u.Kinds) == 0 {
		blocks = append(blocks, blockkit.Section("Nothing to count on your tier."))
	}
	for i, ku := range u.Kinds {
		if i == kindRoom {
			blocks = append(blocks, blockkit.Context(fmt.Sprintf("…and %s more kinds: see them all with `/quota`.", quota.FormatCount(len(u.Kinds)-i))))
			break
		}
		one := u
		one.Kinds = []quota.KindUsage{ku}
		one.Member.Pause = nil // said once, above
		blocks = append(blocks, blockkit.UsageBlocks(one)...)
		blocks = append(blocks, logButtons(ku.Kind))
	}
	if missing := blockkit.MissingKinds(c.plan, u, true); missing != "" {
		blocks = append(blocks, blockkit.Context(missing))
	}

	blocks = append(blocks, slack.NewDividerBlock())
	blocks = append(blocks, chartBlocks(c.plan, c.activity.days)...)
	blocks = append(blocks, slack.NewDividerBlock())
	blocks = append(blocks, entryBlocks(c.activity.recent, c.now)...)
	blocks = append(blocks, blockkit.Context("Right after sending, log it with the buttons above or `/logsend 5`, `/logsend 5 message intro to Acme`. "+
		"Undo takes back an entry of the last 24 hours."))
	return blocks
}

// logButtons are one kind's "Log 1" and "Log 5". Every kind's pair has
// the same action IDs, each pair in its own block; the value, parsed like
// /logsend text, says the kind.
func logButtons(k quota.Kind) *slack.ActionBlock {
	label := func(n int) string {
		return blockkit.Clip(fmt.Sprintf("Log %d %s", n, k.Noun(n)), blockkit.MaxButtonText)
	}
	return slack.NewActionBlock("log."+string(k),
		slack.NewButtonBlockElement(commands.ActionLog1, "1 "+string(k), blockkit.Plain(label(1))),
		slack.NewButtonBlockElement(commands.ActionLog5, "5 "+string(k), blockkit.Plain(label(5))),
	)
}

// otherTier names a tier for "change it with": one the member is not on,
// so the hint reads as a real choice; the one that sends what theirs
// lacks, or else the plan's default, or else the first.
func otherTier(plan quota.Plan, u quota.Usage) string {
	if _, t := plan.Missing(u); t != "" {
		return t
	}
	if plan.DefaultTier != u.Member.Tier {
		return plan.DefaultTier
	}
	for _, n := range plan.TierNames() {
		if n != u.Member.Tier {
			return n
		}
	}
	return u.Member.Tier
}

// entryBlocks lists the newest entries, one section each, and puts an Undo
// button on the newest that still stands if the ledger would still take
// it back. That entry is listed even when newer, undone ones fill the list.
func entryBlocks(es []quota.Entry, now time.Time) []slack.Block {
	if len(es) == 0 {
		return []slack.Block{blockkit.Section("*Last entries*\nNothing logged yet.")}
	}
	undo := -1
	for i, e := range es {
		if e.Stands() {
			if e.Undoable(now) {
				undo = i
			}
			break
		}
	}
	shown := es[:min(len(es), recentLen)]
	if undo >= recentLen {
		shown = append(shown[:recentLen:recentLen], es[undo])
	}
	blocks := []slack.Block{blockkit.Section("*Last entries*, newest first")}
	for _, e := range shown {
		at := blockkit.DateToken(e.At.In(now.Location()))
		what := blockkit.EntryWhat(e)
		line := fmt.Sprintf("%s · *%s*", at, what)
		if e.Note != "" {
			line += " · " + blockkit.Escape(blockkit.Clip(e.Note, 100))
		}
		if !e.Stands() {
			line = fmt.Sprintf("~%s · %s~ · taken back", at, what)
		}
		var acc *slack.Accessory
		if undo >= 0 && e.ID == es[undo].ID {
			acc = slack.NewAccessory(slack.NewButtonBlockElement(commands.ActionUndo, e.ID, blockkit.Plain("Undo")))
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Mrkdwn(line), nil, acc, slack.SectionBlockOptionBlockID("entry."+e.ID)))
	}
	return blocks
}

// teamBlocks is one page of the team: the summary of the whole team, then
// per member their line and a tier menu, and the page buttons.
func teamBlocks(plan quota.Plan, t teamPage) []slack.Block {
	title := "Team"
	if t.pages > 1 {
		title = fmt.Sprintf("Team · page %d of %d", t.page, t.pages)
	}
	blocks := []slack.Block{slack.NewDividerBlock(), slack.NewHeaderBlock(blockkit.Plain(title))}
	if t.total == 0 {
		return append(blocks, blockkit.Section("No one on the team has logged anything yet."))
	}
	summary := t.summary
	if t.pages > 1 {
		summary += fmt.Sprintf(" · showing %s–%s, trouble first", quota.FormatCount(t.first+1), quota.FormatCount(t.first+len(t.members)))
	}
	blocks = append(blocks, blockkit.Context(summary))
	tiers := plan.TierNames()
	for _, r := range t.members {
		m := r.Usage.Member
		var acc *slack.Accessory
		if menu := tierMenu(m, tiers); menu != nil {
			acc = slack.NewAccessory(menu)
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Mrkdwn(blockkit.Clip(r.Line(), blockkit.MaxSectionText)), nil,
			acc, slack.SectionBlockOptionBlockID("team."+m.ID)))
	}
	var nav []slack.BlockElement
	if t.page > 1 {
		nav = append(nav, slack.NewButtonBlockElement(ActionPage+".prev", strconv.Itoa(t.page-1), blockkit.Plain("← Previous")))
	}
	if t.page < t.pages {
		nav = append(nav, slack.NewButtonBlockElement(ActionPage+".next", strconv.Itoa(t.page+1), blockkit.Plain("Next →")))
	}
	if len(nav) > 0 {
		blocks = append(blocks, slack.NewActionBlock("team.pages", nav...))
	}
	return blocks
}

// tierMenu offers every tier for m, starting at the one they are on. A
// tier whose value would pass Slack's 150 characters is left out, and past
// Slack's 100 options the last place goes to the member's own tier: any
// tier can still be set with /quota tier. Nil means no tier fits.
func tierMenu(m quota.Member, tiers []string) *slack.SelectBlockElement {
	var names []string
	for _, name := range tiers {
		if utf8.RuneCountInString(m.ID+":"+name) <= blockkit.MaxOptionValue {
			names = append(names, name)
		}
	}
	if len(names) > blockkit.MaxOptions {
		own := slices.Contains(names, m.Tier)
		names = slices.DeleteFunc(names, func(n string) bool { return n == m.Tier })[:blockkit.MaxOptions-1]
		if own {
			names = append(names, m.Tier)
		}
	}
	if len(names) == 0 {
		return nil
	}
	opts := make([]*slack.OptionBlockObject, len(names))
	var initial *slack.OptionBlockObject
	for i, name := range names {
		opts[i] = slack.NewOptionBlockObject(m.ID+":"+name, blockkit.Plain(blockkit.Clip(name, blockkit.MaxOptionText)), nil)
		if name == m.Tier {
			initial = opts[i]
		}
	}
	menu := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, blockkit.Plain("Tier"), commands.ActionTier, opts...)
	menu.InitialOption = initial
	return menu
}
