package blockkit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/quotabot/quotabot/quota"
)

// The marks beside a member in the team table.
const (
	markOver    = ":red_circle:"
	markReached = ":large_orange_circle:"
	markNear    = ":large_yellow_circle:"
)

// TeamRow is a member as the team table shows them: their worst standing
// over every kind and window, and the largest share of a limit they used,
// which together order the table.
type TeamRow struct {
	Usage    quota.Usage
	Standing quota.Standing
	frac     float64
}

// RankTeam orders team as `/quota team` and the App Home's pages list it,
// trouble first: over a limit, at a limit, near one, then the rest; within
// each, the largest share of a limit first, then by member ID. When a big
// team does not fit, it is the quiet members who are left out.
func RankTeam(team []quota.Usage) []TeamRow {
	rows := make([]TeamRow, len(team))
	for i, u := range team {
		s, f := standingOf(u)
		rows[i] = TeamRow{u, s, f}
	}
	slices.SortStableFunc(rows, func(a, b TeamRow) int {
		if c := cmp.Compare(b.Standing, a.Standing); c != 0 {
			return c
		}
		if c := cmp.Compare(b.frac, a.frac); c != 0 {
			return c
		}
		return strings.Compare(a.Usage.Member.ID, b.Usage.Member.ID)
	})
	return rows
}

// standingOf returns a member's worst standing over every kind and window,
// and the largest share of a limit used, for ordering.
func standingOf(u quota.Usage) (quota.Standing, float64) {
	s, frac := quota.Within, 0.0
	for _, ku := range u.Kinds {
		for _, w := range ku.Windows {
			frac = max(frac, w.Fraction())
			// The team view flags who used something; a limit of 0
			// no one has used is not news.
			if w.Used > 0 {
				s = max(s, w.Standing())
			}
		}
		for _, r := range ku.Rolling {
			frac = max(frac, quota.WindowUsage{Limit: quota.Limit{Span: r.Span, Max: r.Max}, Used: r.Used}.Fraction())
			if r.Used > 0 {
				s = max(s, r.Standing())
			}
		}
		if c := ku.Credits; c != nil && c.Balance < 0 {
			s = quota.Over
		} else if c != nil {
			s = max(s, creditStanding(*c))
		}
	}
	return s, frac
}

// TeamCounts counts the rows per standing.
func TeamCounts(rows []TeamRow) map[quota.Standing]int {
	counts := map[quota.Standing]int{}
	for _, r := range rows {
		counts[r.Standing]++
	}
	return counts
}

// TeamSummary is the team table's count line, "500 members · :red_circle:
// 3 over a limit · …", with the marks Line uses; it ends with how many
// are paused and how many capped, when any are, since a notification or
// a console shows only this line and the text, not the rows.
func TeamSummary(rows []TeamRow) string {
	n, counts := len(rows), TeamCounts(rows)
	s := fmt.Sprintf("%s %s · %s %s over a limit · %s %s at a limit · %s %s at 80%% or more",
		quota.FormatCount(n), Plural(n, "member", "members"),
		markOver, quota.FormatCount(counts[quota.Over]),
		markReached, quota.FormatCount(counts[quota.Reached]),
		markNear, quota.FormatCount(counts[quota.Near]))
	paused, capped := TeamHeldBack(rows)
	if len(paused) > 0 {
		s += fmt.Sprintf(" · %s %s paused", markPaused, quota.FormatCount(len(paused)))
	}
	if len(capped) > 0 {
		s += fmt.Sprintf(" · %s %s capped", markCapped, quota.FormatCount(len(capped)))
	}
	return s
}

// TeamHeldBack lists, in table order, the members who are paused and
// those a cap holds below their tier on some kind.
func TeamHeldBack(rows []TeamRow) (paused, capped []string) {
	for _, r := range rows {
		id := r.Usage.Member.ID
		if r.Usage.Member.Pause != nil {
			paused = append(paused, id)
		}
		if slices.ContainsFunc(r.Usage.Kinds, quota.KindUsage.Capped) {
			capped = append(capped, id)
		}
	}
	return paused, capped
}

// Line is the member's line in the team table: a mark when near, at or
// over a limit, who, whether paused, and per kind (marked when capped) what they used in each window against
// the limit, the over-limit figures in bold.
func (r TeamRow) Line() string {
	var b strings.Builder
	switch r.Standing {
	case quota.Over:
		b.WriteString(markOver + " ")
	case quota.Reached:
		b.WriteString(markReached + " ")
	case quota.Near:
		b.WriteString(markNear + " ")
	}
	fmt.Fprintf(&b, "<@%s>", r.Usage.Member.ID)
	if r.Usage.Member.Pause != nil {
		b.WriteString(" " + markPaused + " *paused*")
	}
	for _, ku := range r.Usage.Kinds {
		var ws []string
		for _, w := range ku.Windows {
			s := fmt.Sprintf("%s/%s %s", quota.FormatCount(w.Used), quota.FormatCount(w.Limit.Max), w.Limit.Window.Adverb())
			if w.Over() > 0 {
				s = fmt.Sprintf("*%s (%s over)*", s, quota.FormatCount(w.Over()))
			}
			ws = append(ws, s)
		}
		for _, r := range ku.Rolling {
			s := fmt.Sprintf("%s/%s in %s", quota.FormatCount(r.Used), quota.FormatCount(r.Max), lastSpan(r.Span))
			if r.Over() > 0 {
				s = fmt.Sprintf("*%s (%s over)*", s, quota.FormatCount(r.Over()))
			}
			ws = append(ws, s)
		}
		if c := ku.Credits; c != nil {
			s := fmt.Sprintf("%s/%s credits banked", quota.FormatCount(max(c.Balance, 0)), quota.FormatCount(c.Credits.Cap))
			if c.Balance < 0 {
				s = fmt.Sprintf("*%s past the credits*", quota.FormatCount(-c.Balance))
			}
			ws = append(ws, s)
		}
		if len(ws) > 0 {
			noun := ku.Kind.Noun(2)
			if ku.Capped() {
				noun += " " + markCapped + " capped"
			}
			fmt.Fprintf(&b, " · %s %s", noun, strings.Join(ws, ", "))
		}
	}
	return b.String()
}

// Plural is one or many as n asks.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
