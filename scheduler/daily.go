package scheduler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
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
	if st.State != store.Posted {
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
	var rolling []standing
	var held, over []string
	// A rolling window has no day's end to report: what the post can say
	// is where it stands now, which is news only in the post for the day
	// just ended, not in one caught up days late. So are the members an
	// admin holds back, and those past their credits.
	plan := s.ledger.Plan()
	if (hasRolling(plan) || hasCredits(plan) || anyHeld(s.ledger.Members())) && day.Next().Contains(s.now()) {
		team, err := s.ledger.TeamUsage(ctx)
		if err != nil {
			return nil, err
		}
		rolling, held, over = rollingLimited(team), heldBack(team), overdrawn(team)
	}
	m := buildDaily(plan, daySum, monthSum, !month.Contains(day.End()), rolling)
	addList(m, overdrawnTitle, over)
	addList(m, heldTitle, held)
	m.channel = s.channel
	return m, nil
}

// hasRolling reports whether any tier of plan has a rolling limit.
func hasRolling(plan quota.Plan) bool {
	for _, t := range plan.Tiers {
		if t.HasRolling() {
			return true
		}
	}
	return false
}

// rollingLimited lists, per member, the rolling windows of team at 80% of
// their limit or more, as limited lists a summary's, fullest first. Each
// is a KindSummary whose limit is the rolling one.
func rollingLimited(team []quota.Usage) []standing {
	var out []standing
	for _, u := range team {
		x := standing{member: u.Member.ID}
		for _, ku := range u.Kinds {
			for _, r := range ku.Rolling {
				if r.Max > 0 && r.Used > 0 && r.Standing() >= quota.Near {
					x.add(quota.KindSummary{Kind: ku.Kind, Used: r.Used, Limit: quota.Limit{Span: r.Span, Max: r.Max}, HasLimit: true})
				}
			}
		}
		if len(x.kinds) > 0 {
			out = append(out, x)
		}
	}
	return fullestFirst(out)
}

// standing is one member's use against the limits a list is about.
type standing struct {
	member string
	kinds  []quota.KindSummary // plan order
	top    float64             // the largest share among kinds
	used   int
}

// limited lists, per member, the kinds of sum that stand at least at
// least, among kinds used with a limit above zero (a zero limit means the
// tier cannot send that kind at all, and quota refuses such a log),
// fullest first.
func limited(sum quota.Summary, least quota.Standing) []standing {
	var out []standing
	for _, ms := range sum.Members {
		x := standing{member: ms.Member.ID}
		for _, ks := range ms.Kinds {
			if ks.HasLimit && ks.Limit.Max > 0 && ks.Used > 0 && ks.Standing() >= least {
				x.add(ks)
			}
		}
		if len(x.kinds) > 0 {
			out = append(out, x)
		}
	}
	return fullestFirst(out)
}

// add puts ks among x's kinds.
func (x *standing) add(ks quota.KindSummary) {
	x.kinds = append(x.kinds, ks)
	x.top = max(x.top, ks.Share())
	x.used += ks.Used
}

// fullestFirst sorts st by the largest share, then the most used, then
// member ID.
func fullestFirst(st []standing) []standing {
	slices.SortFunc(st, func(a, b standing) int {
		return cmp.Or(cmp.Compare(b.top, a.top), cmp.Compare(b.used, a.used), strings.Compare(a.member, b.member))
	})
	return st
}

// list is a titled list of members, one line each, that fits in limit
// characters and says how many it left out: "*Reached a daily limit* (2
// members)\n• <@U1>: 120 of 100 messages, 20 over; 25 of 20 InMails, 5
// over\n• …".
func list(title string, st []standing, limit int) string {
	lines := make([]string, len(st))
	for i, x := range st {
		parts := make([]string, len(x.kinds))
		for j, ks := range x.kinds {
			parts[j] = against(ks)
		}
		lines[i] = "• " + mention(x.member) + ": " + strings.Join(parts, "; ")
	}
	return fitLines(fmt.Sprintf("*%s* (%s)", title, members(len(st))), lines, limit)
}

// buildDaily is the reset note for the day of daySum. monthSum is the
// month that day is in, so far; monthEnded says the day was its last.
// rolling is who stands at 80% or more of a rolling limit now.
func buildDaily(plan quota.Plan, daySum, monthSum quota.Summary, monthEnded bool, rolling []standing) *message {
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
	type titled struct {
		title string
		st    []standing
	}
	var lists []titled
	if reached := limited(daySum, quota.Reached); len(reached) > 0 {
		lists = append(lists, titled{"Reached a daily limit", reached})
	}
	if !monthEnded {
		near := limited(monthSum, quota.Near)
		if len(near) > 0 {
			lists = append(lists, titled{fmt.Sprintf("At 80%% or more of the monthly limit for %s", month), near})
		}
	}
	if len(rolling) > 0 {
		lists = append(lists, titled{"At 80% or more of a rolling limit now", rolling})
	}

	const head = "Daily limits have reset"
	blocks := []slack.Block{blockkit.Header(head), blockkit.Section(lead)}
	text := []string{head + ". " + lead}
	// The fallback text shares its budget among the lists, so that each
	// says how many it left out instead of the last being cut off.
	budget := (maxFallbackText - utf8.RuneCountInString(text[0]) - 2*len(lists)) / max(len(lists), 1)
	for _, l := range lists {
		blocks = append(blocks, blockkit.Section(list(l.title, l.st, blockkit.MaxSectionText)))
		text = append(text, list(l.title, l.st, budget))
	}
	blocks = append(blocks, blockkit.Context("Counts are what members logged with `/logsend`; `/quota` shows what is left today."))
	return &message{
		key:    postKey("daily", day),
		text:   blockkit.Clip(strings.Join(text, "\n\n"), maxFallbackText),
		blocks: blocks,
	}
}

// notifyNearLimit sends each member at 80% or more of a monthly limit in
// month a direct message, once per member, kind and month.
func (s *Scheduler) notifyNearLimit(ctx context.Context, month quota.Period) error {
	sum, err := s.ledger.Summary(ctx, month)
	if err != nil {
		return fmt.Errorf("near-limit messages for %s: %w", month.Key(), err)
	}
	near := limited(sum, quota.Near)
	var errs []error
	for _, x := range near {
		for _, ks := range x.kinds {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("near-limit messages for %s: %w", month.Key(), err)
			}
			if err := s.deliver(ctx, buildNearLimitDM(month, x.member, ks)); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("near-limit messages for %s: %d not sent: %w", month.Key(), len(errs), errs[0])
	}
	return nil
}

func buildNearLimitDM(month quota.Period, member string, ks quota.KindSummary) *message {
	used := fmt.Sprintf("%s of your %s for %s (%s)", quota.FormatCount(ks.Used), count(ks.Kind, ks.Limit.Max), month, percent(ks.Share()))
	if over := ks.Over(); over > 0 {
		used = fmt.Sprintf("%s of your %s for %s, %s over the limit", quota.FormatCount(ks.Used), count(ks.Kind, ks.Limit.Max), month, quota.FormatCount(over))
	}
	reset := month.End()
	return &message{
		key:  "dm/" + month.Key() + "/" + member + "/" + string(ks.Kind),
		user: member,
		text: fmt.Sprintf("Heads-up: you have used %s. The monthly limit resets <!date^%d^{date_short_pretty}|%s>. `/quota` shows what is left.",
			used, reset.Unix(), reset.Format("Mon 2 Jan 2006 15:04 MST")),
	}
}
