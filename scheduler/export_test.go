package scheduler

import (
	"context"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/quota"
)

// SetSleep replaces the wait between attempts, so that tests never sleep.
func (s *Scheduler) SetSleep(f func(context.Context, time.Duration) error) { s.sleep = f }

// SetPostTimeout changes how long one Web API call may take.
func (s *Scheduler) SetPostTimeout(d time.Duration) { s.postTimeout = d }

// SetStarted pretends Start ran at t, for RunOwed.
func (s *Scheduler) SetStarted(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.startedAt = t
}

// RunOwed does what a cron firing at now does.
func (s *Scheduler) RunOwed(ctx context.Context, now time.Time) { s.runOwed(ctx, now, "test") }

// Schedules returns the parsed daily and monthly schedules.
func (s *Scheduler) Schedules() (daily, monthly cron.Schedule) {
	return s.jobs[0].schedule, s.jobs[1].schedule
}

// DueAt is when the post for p falls due under sched.
func DueAt(sched cron.Schedule, p quota.Period) time.Time { return dueAt(sched, p) }

// BuildMonthly builds the monthly summary from a summary, for benchmarks.
func BuildMonthly(plan quota.Plan, sum quota.Summary) (string, []slack.Block) {
	m := buildMonthly(plan, sum, nil)
	return m.text, m.blocks
}

// BuildDaily builds the reset note from summaries and, for the rolling
// limits, the team's standing now.
func BuildDaily(plan quota.Plan, daySum, monthSum quota.Summary, team []quota.Usage) (string, []slack.Block) {
	m := buildDaily(plan, daySum, monthSum, false, rollingLimited(team))
	return m.text, m.blocks
}
