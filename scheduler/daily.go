package scheduler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/quota"
)

// DailyReset posts the reset note for the day that ended last before now,
// in the ledger's time zone, unless it went out already: the team's totals
// per kind, who reached or went over a daily limit, and who is at 80% or
// more of the month's limit. With NotifyNearLimit it then sends the
// near-limit direct messages still owed for the month under way.
//
// Cron calls it through the schedule; tests call it with the time they
// want. Calling it again for the same day posts nothing more.
func (s *Scheduler) DailyReset(ctx context.Context, now time.Time) error {
	return s.postPeriod(ctx, &s.jobs[daily], quota.Day.Period(now, s.loc).Prev())
}

// MonthlySummary posts the summary of the month that ended last before
// now, in the ledger's time zone, unless it went out already: each member
// against their monthly limits (used, limit, share) in a table and a bar
// chart, the team's totals, and who went over. Calling it again for the
// same month posts nothing more.
func (s *Scheduler) MonthlySummary(ctx context.Context, now time.Time) error {
	return s.postPeriod(ctx, &s.jobs[monthly], quota.Month.Period(now, s.loc).Prev())
}

// postPeriod posts j's message for period p, once, one caller at a time.
func (s *Scheduler) postPeriod(ctx context.Context, j *job, p quota.Period) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	key := postKey(j.name, p)
	st, err := s.readState(ctx, key)
	if err != nil {
		return fmt.Errorf("%s post for %s: %w", j.name, p.Key(), err)
	}
	var errs []error
	if st.kind != statePosted {
		var m *message
		if j.window == quota.Day {
			m, err = s.dailyMessage(ctx, p)
		} else {
			m, err = s.monthlyMessage(ctx, p)
		}
		if err == nil {
			err = s.deliver(ctx, m)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s post for %s: %w", j.name, p.Key(), err))
		}
	}
	if j.window == quota.Day && s.notify {
		// The month under way when the day ended: on the 1st that is a
		// new month with nothing used, so nobody is told about a month
		// that has already reset.
		if err := s.notifyNearLimit(ctx, quota.Month.Period(p.End(), s.loc)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Scheduler) dailyMessage(ctx context.Context, day quota.Period) (*message, error) {
	daySum, err := s.ledger.Summary(ctx, day)
	if err != nil {
		return nil, err
	}
	month := quota.Month.Period(day.Start, s.loc)
	monthSum, err := s.ledger.Summary(ctx, month)
	if err != nil {
		return nil, err
	}
	m := buildDaily(s.ledger.Plan(), daySum, monthSum, !month.Contains(day.End()))
	m.channel = s.channel
	return m, nil
}

// standing is one member's use of one kind against a limit, for the lists.
type standing struct {
	member string
	ks     quota.KindSummary
}

// byShare sorts the fullest first, then by member, then by kind.
func byShare(a, b standing) int {
	return cmp.Or(
		cmp.Compare(b.ks.Share(), a.ks.Share()),
		cmp.Compare(b.ks.Used, a.ks.Used),
		strings.Compare(a.member, b.member),
		strings.Compare(string(a.ks.Kind), string(b.ks.Kind)),
	)
}

// limited lists the standings of sum that keep returns true for, among the
// kinds with a limit above zero (a zero limit means the tier cannot send
// that kind at all; quota refuses such a log).
func limited(sum quota.Summary, keep func(quota.KindSummary) bool) []standing {
	var out []standing
	for _, ms := range sum.Members {
		for _, ks := range ms.Kinds {
			if ks.HasLimit && ks.Limit.Max > 0 && ks.Used > 0 && keep(ks) {
				out = append(out, standing{ms.Member.ID, ks})
			}
		}
	}
	slices.SortFunc(out, byShare)
	return out
}

func bullets(st []standing) []string {
	lines := make([]string, len(st))
	for i, x := range st {
		lines[i] = "• " + limitLine(x.member, x.ks)
	}
	return lines
}

// buildDaily is the reset note for the day of daySum. monthSum is the
// month that day is in, so far; monthEnded says the day was its last.
func buildDaily(plan quota.Plan, daySum, monthSum quota.Summary, monthEnded bool) *message {
	day, month := daySum.Period, monthSum.Period
	kinds := kindsOf(plan, daySum.Totals)

	var lead string
	if len(daySum.Members) == 0 {
		lead = fmt.Sprintf("*%s*: nobody logged any sends.", day)
	} else {
		lead = fmt.Sprintf("*%s*: the team sent %s (%s logged sends).",
			day, totalsLine(kinds, daySum.Totals, true), members(len(daySum.Members)))
	}
	if monthEnded {
		lead += fmt.Sprintf(" That was the last day of %s, so monthly limits have reset too; the monthly summary follows.", month)
	}
	sections := []string{lead}

	if reached := limited(daySum, quota.KindSummary.Reached); len(reached) > 0 {
		sections = append(sections, fitLines(
			fmt.Sprintf("*Reached a daily limit* (%s)", members(countMembers(reached))),
			bullets(reached), MaxSectionText))
	}
	if !monthEnded {
		near := limited(monthSum, func(ks quota.KindSummary) bool { return ks.Share() >= quota.NearFraction })
		if len(near) > 0 {
			sections = append(sections, fitLines(
				fmt.Sprintf("*At 80%% or more of the monthly limit for %s* (%s)", month, members(countMembers(near))),
				bullets(near), MaxSectionText))
		}
	}

	blocks := []slack.Block{header("Daily limits have reset")}
	for _, s := range sections {
		blocks = append(blocks, section(s))
	}
	blocks = append(blocks, contextBlock("Counts are what members logged with `/logsend`; `/quota` shows what is left today."))
	return &message{
		key:    postKey("daily", day),
		text:   clip("Daily limits have reset. "+strings.Join(sections, "\n\n"), maxFallbackText),
		blocks: blocks,
	}
}

func countMembers(st []standing) int {
	seen := map[string]bool{}
	for _, x := range st {
		seen[x.member] = true
	}
	return len(seen)
}

// notifyNearLimit sends each member at 80% or more of a monthly limit in
// month a direct message, once per member, kind and month.
func (s *Scheduler) notifyNearLimit(ctx context.Context, month quota.Period) error {
	sum, err := s.ledger.Summary(ctx, month)
	if err != nil {
		return fmt.Errorf("near-limit messages for %s: %w", month.Key(), err)
	}
	near := limited(sum, func(ks quota.KindSummary) bool { return ks.Share() >= quota.NearFraction })
	var errs []error
	for _, x := range near {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		m := buildNearLimitDM(month, x)
		if err := s.deliver(ctx, m); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("near-limit messages for %s: %d not sent: %w", month.Key(), len(errs), errs[0])
	}
	return nil
}

func buildNearLimitDM(month quota.Period, x standing) *message {
	ks := x.ks
	var used string
	if over := ks.Over(); over > 0 {
		used = fmt.Sprintf("%s of your %s for %s, %s over the limit", fmtInt(ks.Used), count(ks.Kind, ks.Limit.Max), month, fmtInt(over))
	} else {
		used = fmt.Sprintf("%s of your %s for %s (%s)", fmtInt(ks.Used), count(ks.Kind, ks.Limit.Max), month, percent(ks.Share()))
	}
	reset := month.End()
	return &message{
		key:  "dm/" + month.Key() + "/" + x.member + "/" + string(ks.Kind),
		user: x.member,
		text: fmt.Sprintf("Heads-up: you have used %s. The monthly limit resets <!date^%d^{date_short_pretty}|%s>. `/quota` shows what is left.",
			used, reset.Unix(), reset.Format("Mon 2 Jan 2006 15:04 MST")),
	}
}
