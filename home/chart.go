package home

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// chartDays is how many days the chart covers, today included.
const chartDays = 14

// maxHistory bounds how many of a member's entries one home reads for the
// chart. Beyond it (more than about 290 entries a day for two weeks) the
// days not fully covered are read from summaries instead.
const maxHistory = 4096

// maxChartSeries is Slack's limit on series in one chart; kinds past it
// are in the text line only.
const maxChartSeries = 6

// day is one day's standing entries per kind.
type day struct {
	period quota.Period
	counts map[quota.Kind]int
}

// activity is what a home shows of a member's past: the days of the chart,
// oldest first, and their newest entries, newest first.
type activity struct {
	days   []day
	recent []quota.Entry
}

// readActivity reads the member's last chartDays days and newest entries.
// It reads entries newest first in growing batches until it has passed the
// oldest day; see the package doc for why entries and not summaries.
func readActivity(ctx context.Context, l *store.Ledger, member string, now time.Time) (activity, error) {
	loc := l.Location()
	days := make([]day, chartDays)
	p := quota.Day.Period(now, loc)
	for i := chartDays - 1; i >= 0; i-- {
		days[i] = day{period: p, counts: map[quota.Kind]int{}}
		p = p.Prev()
	}
	start := days[0].period.Start

	var es []quota.Entry
	complete := false
	for n := 64; ; n *= 4 {
		var err error
		es, err = l.History(ctx, member, n)
		if err != nil {
			return activity{}, fmt.Errorf("activity of %s: %w", member, err)
		}
		if len(es) < n || es[len(es)-1].At.Before(start) {
			complete = true
			break
		}
		if n >= maxHistory {
			break
		}
	}
	byKey := make(map[string]*day, chartDays)
	for i := range days {
		byKey[days[i].period.Key()] = &days[i]
	}
	for _, e := range es {
		if !e.Stands() || e.Refund {
			continue // a refund gives credits back; it sent nothing
		}
		if d := byKey[quota.Day.Period(e.At, loc).Key()]; d != nil {
			d.counts[e.Kind] += e.Count
		}
	}
	if !complete {
		// The oldest entry read may share its day with entries not read:
		// that day and the ones before it come from the counters.
		oldest := quota.Day.Period(es[len(es)-1].At, loc).Start
		for i := range days {
			if days[i].period.Start.After(oldest) {
				break
			}
			s, err := l.Summary(ctx, days[i].period)
			if err != nil {
				return activity{}, fmt.Errorf("activity of %s: %w", member, err)
			}
			days[i].counts = map[quota.Kind]int{}
			for _, m := range s.Members {
				if m.Member.ID != member {
					continue
				}
				for _, k := range m.Kinds {
					if k.Used > 0 {
						days[i].counts[k.Kind] = k.Used
					}
				}
			}
		}
	}
	return activity{days: days, recent: es}, nil
}

// kindsUsed lists the kinds used on any of the days, in the plan's order.
func kindsUsed(plan quota.Plan, days []day) []quota.Kind {
	var out []quota.Kind
	for _, k := range plan.Kinds() {
		for _, d := range days {
			if d.counts[k] > 0 {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// dayLabel names a day on the chart's axis: "Thu 26 Nov", within Slack's
// 20 characters and unique over 14 days.
func dayLabel(p quota.Period) string { return p.Start.Format("Mon 2 Jan") }

// chartBlocks is the chart of the days, one bar series per kind used, and
// a text line per kind with the same numbers for clients that do not draw
// charts. Days with nothing logged get a line saying so and no chart.
func chartBlocks(plan quota.Plan, days []day) []slack.Block {
	kinds := kindsUsed(plan, days)
	if len(kinds) == 0 {
		return []slack.Block{blockkit.Context(fmt.Sprintf("Nothing logged in the last %d days.", chartDays))}
	}
	labels := make([]string, len(days))
	for i, d := range days {
		labels[i] = dayLabel(d.period)
	}
	var series []slack.DataVisualizationDataSeries
	for _, k := range kinds[:min(len(kinds), maxChartSeries)] {
		points := make([]slack.DataVisualizationDataPoint, len(days))
		for i, d := range days {
			points[i] = slack.NewDataVisualizationDataPoint(labels[i], float64(d.counts[k]))
		}
		series = append(series, slack.NewDataVisualizationDataSeries(blockkit.Clip(blockkit.Title(k), 20), points...))
	}
	axis := slack.NewDataVisualizationAxisConfig(labels...).WithYLabel("sent")
	chart := slack.NewDataVisualizationBlock(fmt.Sprintf("Sent per day, last %d days", chartDays),
		slack.NewDataVisualizationBarChart(axis, series...), slack.DataVisualizationBlockOptionBlockID("chart"))

	lines := make([]string, 0, len(kinds))
	for _, k := range kinds {
		lines = append(lines, chartLine(k, days))
	}
	return []slack.Block{chart, blockkit.Context(strings.Join(lines, "\n"))}
}

// chartLine is one kind's days in words and a sparkline:
// "*Messages* `▁▁▃▅█▂▁▁▁▁▁▁▁▃` 0, 0, 5, … , 5 from Fri 13 Nov · 70 in all".
func chartLine(k quota.Kind, days []day) string {
	counts := make([]string, len(days))
	total, peak := 0, 0
	for i, d := range days {
		n := d.counts[k]
		counts[i] = quota.FormatCount(n)
		total += n
		peak = max(peak, n)
	}
	return fmt.Sprintf("*%s* `%s` %s from %s · %s in all",
		blockkit.Title(k), sparkline(k, days, peak), strings.Join(counts, ", "), dayLabel(days[0].period), quota.FormatCount(total))
}

// sparkline draws the days in block heights scaled to the busiest day. An
// empty day is the lowest block and any use at least the next, so a quiet
// day and an empty one differ.
func sparkline(k quota.Kind, days []day, peak int) string {
	used := []rune("▂▃▄▅▆▇█")
	var b strings.Builder
	for _, d := range days {
		n := d.counts[k]
		if n <= 0 || peak <= 0 {
			b.WriteRune('▁')
			continue
		}
		b.WriteRune(used[min(len(used)-1, (n*len(used)-1)/peak)])
	}
	return b.String()
}
