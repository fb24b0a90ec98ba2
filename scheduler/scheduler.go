package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/wait"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// Poster is the part of Slack's Web API the scheduler uses: posting,
// reading a channel's recent history (to find out whether a post that was
// interrupted went out), opening a direct message for the optional
// near-limit notes, and reading a member's name for the chart's labels.
// *slack.Client has them all.
type Poster interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	GetConversationHistoryContext(ctx context.Context, params *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error)
	OpenConversationContext(ctx context.Context, params *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error)
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
}

var _ Poster = (*slack.Client)(nil)

// Options configure a Scheduler.
type Options struct {
	// Channel is the ID of the channel the posts go to, such as C0123ABCD.
	// Required.
	Channel string
	// Daily and Monthly say when the posts go out, read in the ledger's
	// time zone: the config's schedules, parsed and checked there.
	// Required.
	Daily, Monthly Schedule
	// NotifyNearLimit sends a direct message to each member who has used
	// 80% or more of a monthly limit, once per member, kind and month.
	NotifyNearLimit bool
	// Logger gets what goes wrong and what was posted; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means the ledger's. Slack's own clock is
	// compared with it to narrow a history lookup, so outside tests it
	// should be the real time.
	Now func() time.Time
}

// Schedule is when a post goes out: a cron spec, as robfig/cron parsed
// it, and the spec as written, for the log. It has the shape of
// config.Cron, which converts to it.
type Schedule struct {
	cron.Schedule
	Spec string
}

// Scheduler posts the daily reset note and the monthly summary. Its methods
// are safe for concurrent use.
type Scheduler struct {
	ledger  *store.Ledger
	poster  Poster
	channel string
	notify  bool
	log     *slog.Logger
	now     func() time.Time
	loc     *time.Location
	jobs    [2]job // daily, monthly

	// sleep waits between attempts; tests replace it so that nothing
	// sleeps for real. It returns ctx's error if ctx ends first.
	sleep func(ctx context.Context, d time.Duration) error
	// postTimeout bounds one Web API call.
	postTimeout time.Duration

	mu        sync.Mutex // guards the fields below
	cron      *cron.Cron
	cancel    context.CancelFunc
	startedAt time.Time
	catchUp   sync.WaitGroup
}

// job is one of the two scheduled posts.
type job struct {
	name     string // "daily" or "monthly": in outbox keys and logs
	window   quota.Window
	spec     string
	schedule cron.Schedule
	// mu makes the work on one kind of post one at a time, whoever asks
	// (a cron firing, the catch-up at start, a test), so that two callers
	// cannot both find a period unposted and both post it.
	mu *sync.Mutex
}

const (
	daily   = 0
	monthly = 1
)

// New checks opts and returns a Scheduler that posts to opts.Channel once
// started.
func New(ledger *store.Ledger, poster Poster, opts Options) (*Scheduler, error) {
	switch {
	case ledger == nil:
		return nil, errors.New("scheduler: no ledger")
	case poster == nil:
		return nil, errors.New("scheduler: no Slack client to post with")
	case opts.Channel == "":
		return nil, errors.New("scheduler: no channel: set `channel` in the config to the ID of the channel for the daily and monthly posts, such as C0123ABCD")
	case opts.Daily.Schedule == nil:
		return nil, errors.New("scheduler: schedule.daily: no schedule")
	case opts.Monthly.Schedule == nil:
		return nil, errors.New("scheduler: schedule.monthly: no schedule")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = ledger.Now
	}
	s := &Scheduler{
		ledger:      ledger,
		poster:      poster,
		channel:     opts.Channel,
		notify:      opts.NotifyNearLimit,
		log:         opts.Logger,
		now:         opts.Now,
		loc:         ledger.Location(),
		sleep:       wait.For,
		postTimeout: 30 * time.Second,
	}
	s.jobs[daily] = job{name: "daily", window: quota.Day, spec: opts.Daily.Spec, schedule: opts.Daily.Schedule, mu: new(sync.Mutex)}
	s.jobs[monthly] = job{name: "monthly", window: quota.Month, spec: opts.Monthly.Spec, schedule: opts.Monthly.Schedule, mu: new(sync.Mutex)}
	return s, nil
}

// Start registers both jobs with cron, in the ledger's time zone, and
// catches up in the background: whatever post is owed now (see the package
// documentation) goes out once. The jobs run on cron's goroutines, never on
// the caller's. ctx bounds the jobs; cancel it, or call Stop, to end them.
// A Scheduler starts once; a second Start is an error.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cron != nil {
		return errors.New("scheduler: already started")
	}
	ctx, cancel := context.WithCancel(ctx)
	l := cronLogger{s.log}
	c := cron.New(
		cron.WithLocation(s.loc),
		cron.WithLogger(l),
		// Recover inside SkipIfStillRunning: the other way round a panic
		// leaves SkipIfStillRunning's token taken and the job never runs
		// again (docs/ARCHITECTURE.md §6).
		cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)),
	)
	for _, j := range s.jobs {
		c.Schedule(j.schedule, cron.FuncJob(func() { s.runOwed(ctx, s.now(), j.name+" firing") }))
	}
	s.cron, s.cancel, s.startedAt = c, cancel, s.now()
	c.Start()
	s.catchUp.Add(1)
	go func() {
		defer s.catchUp.Done()
		defer func() {
			// As cron.Recover does for the firings: a bug in one post
			// must not take the bot down with it.
			if r := recover(); r != nil {
				s.log.Error("catch-up at start panicked", "panic", r, "stack", string(debug.Stack()))
			}
		}()
		s.runOwed(ctx, s.startedAt, "catch-up at start")
	}()
	s.log.Info("scheduler started", "channel", s.channel, "daily", s.jobs[daily].spec,
		"monthly", s.jobs[monthly].spec, "timezone", s.loc.String())
	return nil
}

// Stop ends the schedule and waits for running jobs. A job waiting to try a
// post again stops waiting at once; a post already on its way to Slack is
// given up to postTimeout to finish, so that its outcome is recorded.
// Whatever was left unposted is owed, and is caught up after the next Start.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	c, cancel := s.cron, s.cancel
	s.mu.Unlock()
	if c == nil {
		return
	}
	cancel()
	<-c.Stop().Done()
	s.catchUp.Wait()
}

// started returns when Start ran, zero before.
func (s *Scheduler) started() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.startedAt
}

// runOwed posts everything owed at now, of both kinds, logging failures:
// a cron job has nobody to return an error to.
func (s *Scheduler) runOwed(ctx context.Context, now time.Time, why string) {
	for i := range s.jobs {
		j := &s.jobs[i]
		for _, p := range s.owed(ctx, j, now) {
			if ctx.Err() != nil {
				return // stopping: what is left stays owed
			}
			s.log.Info("posting owed", "post", j.name, "period", p.Key(), "why", why)
			if err := s.postPeriod(ctx, j, p); err != nil {
				s.log.Error("scheduled post not sent; it stays owed", "post", j.name, "period", p.Key(), "err", err)
			}
		}
	}
}

// owed returns the periods of j to post at now, oldest first: the newest
// period whose post is due, and the one before it when its own firing fell
// due while the scheduler was running and it is still unposted (a firing
// cron skipped: a 02:xx spec on a spring-forward day, or a firing
// SkipIfStillRunning dropped while a post was retrying). Periods that fell
// due while the bot was down are not all posted, only the newest; periods
// that ended before the store was created are not owed at all.
func (s *Scheduler) owed(ctx context.Context, j *job, now time.Time) []quota.Period {
	latest, ok := latestDue(j.schedule, j.window, s.loc, now)
	if !ok {
		return nil
	}
	var out []quota.Period
	prev := latest.Prev()
	if started := s.started(); !started.IsZero() {
		d := dueAt(j.schedule, prev)
		if !d.IsZero() && !d.Before(started) && d.Before(dueAt(j.schedule, latest)) && !s.isPosted(ctx, j, prev) {
			out = append(out, prev)
		}
	}
	if !s.isPosted(ctx, j, latest) {
		out = append(out, latest)
	}
	return slices.DeleteFunc(out, s.beforeStore)
}

// beforeStore reports whether p ended before the store was created: a new
// install owes no "nobody logged" post for yesterday or last month.
func (s *Scheduler) beforeStore(p quota.Period) bool {
	return !p.End().After(s.ledger.Created())
}

// isPosted reports whether p's post is known to have gone out. A store error
// reads as not posted: postPeriod reads the record again and stops there.
func (s *Scheduler) isPosted(ctx context.Context, j *job, p quota.Period) bool {
	st, err := s.readState(ctx, postKey(j.name, p))
	return err == nil && st.State == store.Posted
}

// dueAt is when the post for p falls due: the spec's first firing after p
// ends, on the wall clock. Cron skips a wall time that does not exist (02:30
// on a spring-forward day), so the spec is matched on a clock without gaps,
// one that keeps the offset in force at p's end, and the wall time found is
// then read in p's zone, where time.Date moves a time in the gap forward
// past it (02:30 becomes 03:30 daylight time). That lets the next firing
// see that cron skipped the one before. @every schedules count real time
// and are asked directly. Zero means never.
func dueAt(sched cron.Schedule, p quota.Period) time.Time {
	end := p.End()
	spec, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return sched.Next(end.Add(-time.Nanosecond))
	}
	_, offset := end.Zone()
	w := spec.Next(end.In(time.FixedZone("", offset)).Add(-time.Nanosecond))
	if w.IsZero() {
		return w
	}
	return wallTime(w, end.Location())
}

// wallTime is the instant that w's wall clock reads in loc. A wall time in
// a spring-forward gap does not exist; it becomes the instant as far past
// the gap's end as it is past the gap's start (02:30 becomes 03:30), the
// way cron would run it had it not skipped it. time.Date leaves the choice
// open, so the gap is handled here.
func wallTime(w time.Time, loc *time.Location) time.Time {
	t := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc)
	if t.Hour() == w.Hour() && t.Minute() == w.Minute() {
		return t
	}
	asUTC := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC)
	_, before := t.Add(-24 * time.Hour).Zone()
	_, after := t.Add(24 * time.Hour).Zone()
	// Read with the offset from before the gap, which is the smaller
	// one, the wall time lands after it.
	return asUTC.Add(-time.Duration(min(before, after)) * time.Second).In(loc)
}

// latestDue returns the newest period of w whose post is due at or before
// now. It is usually the period that just ended; with a spec that fires
// later than the period's end (a monthly summary at 09:00 on the 1st, at
// 08:00 on the 1st) it is the one before.
func latestDue(sched cron.Schedule, w quota.Window, loc *time.Location, now time.Time) (quota.Period, bool) {
	p := w.Period(now, loc).Prev()
	// A spec may fire rarely (a daily note on Mondays only, a monthly
	// summary yearly); 400 periods back covers a year of days.
	for range 400 {
		d := dueAt(sched, p)
		if !d.IsZero() && !d.After(now) {
			return p, true
		}
		p = p.Prev()
	}
	return quota.Period{}, false
}

// cronLogger hands robfig/cron's logging to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) {
	if msg == "skip" {
		// SkipIfStillRunning: the previous firing is still retrying.
		l.log.Warn("cron: firing skipped: the previous run of this job is still going", kv...)
		return
	}
	l.log.Debug("cron: "+msg, kv...)
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append([]any{"err", err}, kv...)...)
}
