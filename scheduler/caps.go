package scheduler

import (
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/quota"
)

// heldTitle heads the reset note's list of members an admin holds back.
const heldTitle = "Held back by an admin"

// maxHeldReason is how much of a pause's reason the reset note quotes.
const maxHeldReason = 100

// heldBack is a line per member of team that an admin has paused or
// capped below their tier, by member ID: "• <@U1>: paused (LinkedIn
// warning); invitations capped at 30 over any 7 days".
func heldBack(team []quota.Usage) []string {
	var lines []string
	for _, u := range team {
		var parts []string
		if p := u.Member.Pause; p != nil {
			s := "*paused*"
			if p.Reason != "" {
				s += " (" + blockkit.Escape(blockkit.Clip(p.Reason, maxHeldReason)) + ")"
			}
			parts = append(parts, s)
		}
		for _, ku := range u.Kinds {
			for _, h := range ku.Caps {
				parts = append(parts, "capped at "+blockkit.CapAmount(ku.Kind, h.Cap.Limit))
			}
		}
		if len(parts) > 0 {
			lines = append(lines, "• "+mention(u.Member.ID)+": "+strings.Join(parts, "; "))
		}
	}
	slices.Sort(lines)
	return lines
}

// anyHeld reports whether an admin has paused or capped any of ms.
func anyHeld(ms []quota.Member) bool {
	return slices.ContainsFunc(ms, func(m quota.Member) bool { return m.Pause != nil || len(m.Caps) > 0 })
}

// addList puts a titled list of members, a line each, into the reset
// note m, before its closing line, and into its fallback text.
func addList(m *message, title string, lines []string) {
	if len(lines) == 0 {
		return
	}
	head := "*" + title + "* (" + members(len(lines)) + ")"
	at := max(len(m.blocks)-1, 0)
	m.blocks = slices.Insert(m.blocks, at, slack.Block(blockkit.Section(fitLines(head, lines, blockkit.MaxSectionText))))
	m.text = blockkit.Clip(m.text+"\n\n"+fitLines(head, lines, maxFallbackText/4), maxFallbackText)
}

// overdrawnTitle heads the reset note's list of members past their
// credits.
const overdrawnTitle = "Past their credits now"

// overdrawn is a line per member of team who spent more credits than
// they had, by member ID: "• <@U5>: 15 InMail credits past the balance".
// The sends were recorded (they happened); a lead reads who to talk to.
func overdrawn(team []quota.Usage) []string {
	var lines []string
	for _, u := range team {
		var parts []string
		for _, ku := range u.Kinds {
			if c := ku.Credits; c != nil && c.Balance < 0 {
				parts = append(parts, blockkit.CreditCount(ku.Kind, -c.Balance)+" past the balance")
			}
		}
		if len(parts) > 0 {
			lines = append(lines, "• "+mention(u.Member.ID)+": "+strings.Join(parts, "; "))
		}
	}
	slices.Sort(lines)
	return lines
}

// hasCredits reports whether any tier of plan pays a kind in credits.
func hasCredits(plan quota.Plan) bool {
	for _, t := range plan.Tiers {
		if len(t.Credits) > 0 {
			return true
		}
	}
	return false
}
