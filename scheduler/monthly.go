package scheduler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/quota"
)

func (s *Scheduler) monthlyMessage(ctx context.Context, month quota.Period) (*message, error) {
	sum, err := s.ledger.Summary(ctx, month)
	if err != nil {
		return nil, err
	}
	m := buildMonthly(s.ledger.Plan(), sum, s.names(ctx, rows(sum)))
	m.channel = s.channel
	return m, nil
}

// names looks up the display names of the members the chart shows (a chart
// cannot render a mention). A name is a nicety, not worth delaying the
// summary for: all the lookups together get one call's timeout, the first
// failure ends them, and a member without a name is labelled by ID.
func (s *Scheduler) names(ctx context.Context, rs []row) map[string]string {
	out := map[string]string{}
	c, cancel := context.WithTimeout(ctx, s.postTimeout)
	defer cancel()
	for _, r := range rs[:min(len(rs), MaxChartPoints)] {
		id := r.ms.Member.ID
		u, err := s.poster.GetUserInfoContext(c, id)
		if err != nil {
			var se slack.SlackErrorResponse
			if errors.As(err, &se) && se.Err == "user_not_found" {
				continue
			}
			s.log.Warn("no names for the chart; labelling it with IDs", "err", err)
			break
		}
		if n := cmp.Or(u.Profile.DisplayName, u.RealName, u.Name); n != "" {
			out[id] = n
		}
	}
	return out
}

// row is one member of a monthly summary, with how full their fullest
// monthly limit is, for ordering.
type row struct {
	ms   quota.MemberSummary
	top  float64 // the largest share of a limit
	used int     // all kinds together
}

// rows orders the members fullest first, then by use, then by ID, so that
// when the table and the chart cannot show everyone they show who matters.
func rows(sum quota.Summary) []row {
	out := make([]row, len(sum.Members))
	for i, ms := range sum.Members {
		r := row{ms: ms}
		for _, ks := range ms.Kinds {
			r.used += ks.Used
			if ks.HasLimit && ks.Limit.Max > 0 {
				r.top = max(r.top, ks.Share())
			}
		}
		out[i] = r
	}
	slices.SortFunc(out, func(a, b row) int {
		return cmp.Or(cmp.Compare(b.top, a.top), cmp.Compare(b.used, a.used), strings.Compare(a.ms.Member.ID, b.ms.Member.ID))
	})
	return out
}

// buildMonthly is the summary of the month of sum. names holds the
// members' display names by ID, for the chart.
func buildMonthly(plan quota.Plan, sum quota.Summary, names map[string]string) *message {
	month := sum.Period
	kinds := kindsOf(plan, sum.Totals)
	rs := rows(sum)

	var lead string
	over := limited(sum, quota.Over)
	switch {
	case len(rs) == 0:
		lead = fmt.Sprintf("*%s*: nobody logged any sends.", month)
	case len(over) == 0:
		lead = fmt.Sprintf("*%s*: the team sent %s; %s logged sends. Nobody went over a monthly limit.",
			month, totalsLine(kinds, sum.Totals, true), members(len(rs)))
	default:
		lead = fmt.Sprintf("*%s*: the team sent %s; %s logged sends.",
			month, totalsLine(kinds, sum.Totals, true), members(len(rs)))
	}
	const overTitle = "Went over a monthly limit"
	blocks := []slack.Block{blockkit.Header("Monthly summary: " + month.String()), blockkit.Section(lead)}
	if len(over) > 0 {
		blocks = append(blocks, blockkit.Section(list(overTitle, over, blockkit.MaxSectionText)))
	}
	var notes []string
	if len(rs) > 0 {
		notes = append(notes, "Limits are those of each member's tier today.")
		tableKinds := kindsIn(rs, kinds)
		cols := columnsOf(rs, tableKinds)
		blocks = append(blocks, table(month, rs, cols))
		if len(rs) > MaxTableRows-1 {
			notes = append(notes, fmt.Sprintf("The table shows the %d fullest of %s; `quotabot export` has every entry.",
				MaxTableRows-1, members(len(rs))))
		}
		if len(cols) < len(tableKinds) {
			notes = append(notes, fmt.Sprintf("The table shows %d kinds of %d.", len(cols), len(tableKinds)))
		}
		if c := chart(rs, tableKinds, names); c != nil {
			blocks = append(blocks, c)
		}
	}
	credits := creditSections(sum.Credits, blockkit.MaxSectionText)
	for _, c := range credits {
		blocks = append(blocks, blockkit.Section(c))
	}
	if len(notes) > 0 {
		blocks = append(blocks, blockkit.Context(strings.Join(notes, " ")))
	}

	// The fallback text: who went over in at most a third of the budget,
	// then each member, each part saying how many it left out.
	text := "Monthly summary. " + lead
	if len(over) > 0 {
		text += "\n\n" + list(overTitle, over, maxFallbackText/3)
	}
	if len(rs) > 0 {
		lines := make([]string, len(rs))
		for i, r := range rs {
			lines[i] = memberLine(r.ms)
		}
		text = fitLines(text+"\n\n*Each member, used of the monthly limit*", lines, maxFallbackText*3/4)
	}
	for _, c := range creditSections(sum.Credits, maxFallbackText/8) {
		text += "\n\n" + c
	}
	return &message{key: postKey("monthly", month), text: blockkit.Clip(text, maxFallbackText), blocks: blocks}
}

// creditSections is one section per credit kind: each member's account
// over the month, a line each, within limit characters.
func creditSections(accounts []quota.CreditAccount, limit int) []string {
	var kinds []quota.Kind
	lines := map[quota.Kind][]string{}
	for _, a := range accounts {
		if lines[a.Kind] == nil {
			kinds = append(kinds, a.Kind)
		}
		lines[a.Kind] = append(lines[a.Kind], "• "+mention(a.Member.ID)+": "+accountLine(a))
	}
	out := make([]string, len(kinds))
	for i, k := range kinds {
		head := fmt.Sprintf("*%s credits*", k.Noun(1))
		if c, ok := sameCredits(accounts, k); ok {
			head += fmt.Sprintf(" (%s a month, banked up to %s)", quota.FormatCount(c.Grant), quota.FormatCount(c.Cap))
		}
		out[i] = fitLines(head, lines[k], limit)
	}
	return out
}

// sameCredits returns the grant and cap every account of kind k shares,
// if they share one, so the section's title can name them once.
func sameCredits(accounts []quota.CreditAccount, k quota.Kind) (quota.Credits, bool) {
	var c quota.Credits
	seen := false
	for _, a := range accounts {
		switch {
		case a.Kind != k:
		case !seen:
			c, seen = a.Credits, true
		case a.Credits.Grant != c.Grant || a.Credits.Cap != c.Cap:
			return quota.Credits{}, false
		}
	}
	return c, seen
}

// accountLine is one member's credits over the month in words: "30 spent,
// 5 given back, 115 of 150 banked at the month's end, 50 lost to the
// cap", the loss and an overdraft in bold.
func accountLine(a quota.CreditAccount) string {
	parts := []string{quota.FormatCount(a.Spent) + " spent"}
	if a.Refunded > 0 {
		parts = append(parts, quota.FormatCount(a.Refunded)+" given back")
	}
	if a.Banked < 0 {
		parts = append(parts, fmt.Sprintf("*%s past the balance* at the month's end", quota.FormatCount(-a.Banked)))
	} else {
		parts = append(parts, fmt.Sprintf("%s of %s banked at the month's end", quota.FormatCount(a.Banked), quota.FormatCount(a.Credits.Cap)))
	}
	if a.Lost > 0 {
		parts = append(parts, fmt.Sprintf("*%s lost to the cap*", quota.FormatCount(a.Lost)))
	}
	return strings.Join(parts, ", ")
}

// memberLine is a member's month in words: "<@U1>: 1,520 of 1,500 messages
// (101%), 20 of 300 InMails (6%)".
func memberLine(ms quota.MemberSummary) string {
	parts := make([]string, 0, len(ms.Kinds))
	for _, ks := range ms.Kinds {
		switch {
		case ks.Used == 0:
			// A kind the tier has and the member did not use.
		case ks.HasLimit && ks.Limit.Max > 0:
			parts = append(parts, fmt.Sprintf("%s of %s (%s)", quota.FormatCount(ks.Used), count(ks.Kind, ks.Limit.Max), percent(ks.Share())))
		case ks.Paid:
			parts = append(parts, count(ks.Kind, ks.Used)+" on credits")
		case ks.Used > 0:
			parts = append(parts, count(ks.Kind, ks.Used)+", no monthly limit")
		}
	}
	return mention(ms.Member.ID) + ": " + strings.Join(parts, ", ")
}

// kindsIn keeps the kinds, in order, that some member has a figure for.
func kindsIn(rs []row, kinds []quota.Kind) []quota.Kind {
	has := map[quota.Kind]bool{}
	for _, r := range rs {
		for _, ks := range r.ms.Kinds {
			has[ks.Kind] = true
		}
	}
	var out []quota.Kind
	for _, k := range kinds {
		if has[k] {
			out = append(out, k)
		}
	}
	return out
}

// column is one kind in the table: what each member used, and, when
// some member's tier limits the kind by the month, their limit and share.
// A kind limited only over a rolling span (invitations) or paid in
// credits has no monthly limit to hold a month against.
type column struct {
	kind    quota.Kind
	limited bool
}

// width is how many of the table's columns c takes.
func (c column) width() int {
	if c.limited {
		return 3
	}
	return 1
}

// columnsOf lays out kinds, in order, as long as they fit in
// MaxTableColumns beside the member's.
func columnsOf(rs []row, kinds []quota.Kind) []column {
	var cols []column
	room := MaxTableColumns - 1
	for _, k := range kinds {
		c := column{kind: k}
		for _, r := range rs {
			if ks, ok := kindOf(r.ms, k); ok && ks.HasLimit {
				c.limited = true
				break
			}
		}
		if c.width() > room {
			break
		}
		room -= c.width()
		cols = append(cols, c)
	}
	return cols
}

// table is the per-member data table: the member, then for each column
// what they used and, for a kind with monthly limits, their limit and the
// share, as numbers so that Slack sorts the columns numerically. At most
// MaxTableRows rows with the header.
func table(month quota.Period, rs []row, cols []column) *slack.DataTableBlock {
	caption := month.String() + " by member"
	if len(rs) > MaxTableRows-1 {
		caption = fmt.Sprintf("%s: the %d fullest of %s", month, MaxTableRows-1, members(len(rs)))
		rs = rs[:MaxTableRows-1]
	}
	t := slack.NewDataTableBlock(caption, slack.DataTableBlockOptionBlockID("members")).WithPageSize(TablePageSize)
	head := []slack.DataTableCell{slack.NewDataTableRawTextCell("Member")}
	for _, c := range cols {
		head = append(head, slack.NewDataTableRawTextCell(blockkit.Title(c.kind)))
		if c.limited {
			one := blockkit.UpperFirst(c.kind.Noun(1))
			head = append(head, slack.NewDataTableRawTextCell(one+" limit"), slack.NewDataTableRawTextCell(one+" share"))
		}
	}
	t.AddRow(head...)
	for _, r := range rs {
		cells := []slack.DataTableCell{slack.NewDataTableRichTextCell(
			slack.NewRichTextSection(slack.NewRichTextSectionUserElement(r.ms.Member.ID, nil)))}
		for _, c := range cols {
			cells = append(cells, memberCells(r.ms, c)...)
		}
		t.AddRow(cells...)
	}
	return t
}

// memberCells is a member's cells in column c.
func memberCells(ms quota.MemberSummary, c column) []slack.DataTableCell {
	ks, ok := kindOf(ms, c.kind)
	switch {
	case !c.limited && !ok:
		return []slack.DataTableCell{dash()}
	case !c.limited:
		return []slack.DataTableCell{number(ks.Used)}
	case !ok:
		return []slack.DataTableCell{dash(), dash(), dash()}
	case ks.HasLimit:
		share := dash()
		if ks.Limit.Max > 0 {
			share = slack.NewDataTableRawNumberCell(math.Round(ks.Share()*1000) / 10).WithText(percent(ks.Share()))
		}
		return []slack.DataTableCell{number(ks.Used), number(ks.Limit.Max), share}
	}
	return []slack.DataTableCell{number(ks.Used), slack.NewDataTableRawNumberCell(0).WithText("none"), dash()}
}

func kindOf(ms quota.MemberSummary, k quota.Kind) (quota.KindSummary, bool) {
	for _, ks := range ms.Kinds {
		if ks.Kind == k {
			return ks, true
		}
	}
	return quota.KindSummary{}, false
}

func number(n int) *slack.DataTableRawNumberCell {
	return slack.NewDataTableRawNumberCell(float64(n)).WithText(quota.FormatCount(n))
}

// dash is an empty numeric cell: a number, so the column still sorts as
// numbers.
func dash() *slack.DataTableRawNumberCell { return slack.NewDataTableRawNumberCell(0).WithText("–") }

// chart is a bar chart of the fullest members' share of each monthly limit,
// one series per kind; nil when nobody has a monthly limit to show.
func chart(rs []row, kinds []quota.Kind, names map[string]string) *slack.DataVisualizationBlock {
	rs = rs[:min(len(rs), MaxChartPoints)]
	var series []slack.DataVisualizationDataSeries
	labels := chartLabels(rs, names)
	for _, k := range kinds {
		if len(series) == MaxChartSeries {
			break
		}
		points := make([]slack.DataVisualizationDataPoint, len(rs))
		has := false
		for i, r := range rs {
			v := 0.0
			if ks, ok := kindOf(r.ms, k); ok && ks.HasLimit && ks.Limit.Max > 0 {
				v, has = math.Round(ks.Share()*1000)/10, true
			}
			points[i] = slack.NewDataVisualizationDataPoint(labels[i], v)
		}
		if has {
			series = append(series, slack.NewDataVisualizationDataSeries(blockkit.Clip(blockkit.Title(k), MaxChartLabel), points...))
		}
	}
	if len(series) == 0 {
		return nil
	}
	t := "Share of the monthly limit"
	if len(rs) == MaxChartPoints {
		t = fmt.Sprintf("The %d fullest: share of the monthly limit", MaxChartPoints)
	}
	axis := slack.NewDataVisualizationAxisConfig(labels...).WithXLabel("Member").WithYLabel("% of the monthly limit")
	b := slack.NewDataVisualizationBlock(t, slack.NewDataVisualizationBarChart(axis, series...),
		slack.DataVisualizationBlockOptionBlockID("shares"))
	if b.Validate() != nil {
		// Cannot happen with the limits above; a post without the chart
		// is better than a post Slack refuses.
		return nil
	}
	return b
}

// chartLabels names the members on the chart's axis by display name, or
// by ID where there is none, shortened to the 20 characters Slack allows
// and kept unique (two Alexes become "Alex" and "Alex (2)").
func chartLabels(rs []row, names map[string]string) []string {
	labels := make([]string, len(rs))
	seen := map[string]bool{}
	for i, r := range rs {
		name := cmp.Or(strings.TrimSpace(names[r.ms.Member.ID]), r.ms.Member.ID)
		l := blockkit.Clip(name, MaxChartLabel)
		for n := 2; seen[l]; n++ {
			suffix := fmt.Sprintf(" (%d)", n)
			l = blockkit.Clip(name, MaxChartLabel-len(suffix)) + suffix
		}
		seen[l] = true
		labels[i] = l
	}
	return labels
}
