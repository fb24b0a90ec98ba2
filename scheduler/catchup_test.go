package scheduler_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/scheduler"
	"github.com/quotabot/quotabot/store"
)

// What a firing (or the catch-up at start) posts, given when the scheduler
// started and what was posted before.
func TestOwed(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	for _, tc := range []struct {
		name           string
		daily, monthly string
		before         []string  // posted already
		started        time.Time // when Start ran
		startCatchUp   bool      // run the start's catch-up at started first
		now            time.Time // the firing
		created        time.Time // when the store was made; zero: long before
		want           []string
	}{
		{
			name:    "a store created today owes nothing for yesterday or last month",
			created: date(ny, 2026, 11, 27, 9, 0),
			started: date(ny, 2026, 11, 27, 10, 0), now: date(ny, 2026, 11, 27, 10, 0),
			want: nil,
		},
		{
			name:    "a store created today owes today's note at the next firing",
			created: date(ny, 2026, 11, 27, 9, 0),
			started: date(ny, 2026, 11, 27, 10, 0), now: date(ny, 2026, 11, 28, 0, 0),
			want: []string{"daily/2026-11-27"},
		},
		{
			name:    "a store created before yesterday still owes yesterday's note",
			created: date(ny, 2026, 11, 25, 12, 0),
			started: date(ny, 2026, 11, 27, 10, 0), now: date(ny, 2026, 11, 27, 10, 0),
			want: []string{"daily/2026-11-26"},
		},
		{
			name:    "a store created during yesterday owes its note",
			created: date(ny, 2026, 11, 26, 15, 0),
			started: date(ny, 2026, 11, 27, 10, 0), now: date(ny, 2026, 11, 27, 10, 0),
			want: []string{"daily/2026-11-26"},
		},
		{
			name:    "a store created last month owes its summary",
			created: date(ny, 2026, 11, 20, 12, 0),
			started: date(ny, 2026, 12, 1, 9, 0), now: date(ny, 2026, 12, 1, 9, 0),
			want: []string{"daily/2026-11-30", "monthly/2026-11"},
		},
		{
			name:    "created at the very end of a day: that day is not owed",
			created: date(ny, 2026, 11, 27, 0, 0),
			started: date(ny, 2026, 11, 27, 10, 0), now: date(ny, 2026, 11, 27, 10, 0),
			want: nil,
		},
		{
			name:    "fresh start posts the newest of each kind once",
			started: date(ny, 2026, 11, 27, 10, 0), now: date(ny, 2026, 11, 27, 10, 0),
			want: []string{"daily/2026-11-26", "monthly/2026-10"},
		},
		{
			name:   "down for a week: only the newest missed day, not a flood",
			before: []string{"daily/2026-11-19", "monthly/2026-10"},
			// Start at 10:00 on the 27th: the notes for the 20th to the
			// 25th are not posted, the 26th is.
			started: date(ny, 2026, 11, 27, 10, 0), now: date(ny, 2026, 11, 27, 10, 0),
			want: []string{"daily/2026-11-26"},
		},
		{
			name:   "before the monthly spec's hour the month before last is the newest due",
			before: []string{"daily/2026-11-30"},
			// 08:00 on 1 December: November's summary is due at 09:00.
			started: date(ny, 2026, 12, 1, 8, 0), now: date(ny, 2026, 12, 1, 8, 0),
			want: []string{"monthly/2026-10"},
		},
		{
			name: "spring forward: the firing cron skipped is posted by the next one", daily: "30 2 * * *",
			before:  []string{"daily/2026-03-06", "monthly/2026-02"},
			started: date(ny, 2026, 3, 7, 12, 0),
			// Cron never fires on 8 March; the next firing is 02:30 on
			// the 9th, and the note for the 7th, due at 03:30 on the 8th,
			// goes out first.
			now:  date(ny, 2026, 3, 9, 2, 30),
			want: []string{"daily/2026-03-07", "daily/2026-03-08"},
		},
		{
			name: "spring forward, started after the skipped firing was due", daily: "30 2 * * *",
			before:  []string{"daily/2026-03-06", "monthly/2026-02"},
			started: date(ny, 2026, 3, 8, 4, 0), startCatchUp: true,
			// The catch-up at 04:00 on the 8th posted the 7th (the newest
			// due); this firing owes only the 8th.
			now:  date(ny, 2026, 3, 9, 2, 30),
			want: []string{"daily/2026-03-07", "daily/2026-03-08"},
		},
		{
			name: "fall back: the second 01:30 finds the note posted", daily: "30 1 * * *",
			before:  []string{"daily/2026-10-30", "daily/2026-10-31", "monthly/2026-09"},
			started: date(ny, 2026, 10, 1, 0, 0),
			now:     date(ny, 2026, 11, 1, 1, 30).Add(time.Hour), // 01:30 EST
			want:    nil,
		},
		{
			name:    "a firing SkipIfStillRunning dropped is posted by the next",
			before:  []string{"daily/2026-11-24", "monthly/2026-10"},
			started: date(ny, 2026, 11, 1, 0, 0),
			now:     date(ny, 2026, 11, 27, 0, 0),
			want:    []string{"daily/2026-11-25", "daily/2026-11-26"},
		},
		{
			name:    "leap day",
			before:  []string{"daily/2028-02-28", "monthly/2028-01"},
			started: date(ny, 2028, 2, 1, 0, 0),
			now:     date(ny, 2028, 3, 1, 9, 0),
			want:    []string{"daily/2028-02-29", "monthly/2028-02"},
		},
		{
			name:    "New Year",
			before:  []string{"daily/2026-12-30", "monthly/2026-11"},
			started: date(ny, 2026, 12, 1, 0, 0),
			now:     date(ny, 2027, 1, 1, 9, 0),
			want:    []string{"daily/2026-12-31", "monthly/2026-12"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := []envOption{inMemory(), withOptions(func(o *scheduler.Options) {
				o.Daily, o.Monthly = specs(t, tc.daily, tc.monthly)
			})}
			if !tc.created.IsZero() {
				opts = append(opts, createdAt(tc.created))
			}
			e := newEnv(t, ny, tc.started, opts...)
			for _, k := range tc.before {
				if err := e.ledger.SetPost(ctx, k, store.PostRecord{State: store.Posted, TS: "1.0"}); err != nil {
					t.Fatal(err)
				}
			}
			e.sched.SetStarted(tc.started)
			if tc.startCatchUp {
				e.sched.RunOwed(ctx, tc.started)
			}
			e.sched.RunOwed(ctx, tc.now)
			wantKeys(t, e.fake, tc.want...)
			// And a second firing at the same moment posts nothing more.
			e.sched.RunOwed(ctx, tc.now)
			wantKeys(t, e.fake, tc.want...)
		})
	}
}

// A new install's first start posts nothing for the periods that ended
// before its store existed, and the stamp outlives a restart: the next
// day, yesterday's note is owed as usual.
func TestNewStoreOwesNothingBeforeIt(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	start := date(ny, 2026, 11, 30, 10, 0)
	e := newEnv(t, ny, start, createdAt(start))
	e.sched.SetStarted(start)
	e.sched.RunOwed(ctx, start) // what the catch-up at start does
	wantKeys(t, e.fake)

	e.clock.Set(date(ny, 2026, 12, 1, 9, 30))
	e.restart()
	if got := e.ledger.Created(); !got.Equal(start) {
		t.Fatalf("Created after a restart: got %v, want %v", got, start)
	}
	e.sched.SetStarted(e.clock.Now())
	e.sched.RunOwed(ctx, e.clock.Now())
	// 30 November began before the store and ended after: owed. So is
	// November, which ended after it too.
	wantKeys(t, e.fake, "daily/2026-11-30", "monthly/2026-11")
}

// Start catches up once, in the background, and a restart does not post
// again; Stop waits for it.
func TestStartCatchesUpOnce(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	e := newEnv(t, ny, date(ny, 2026, 10, 20, 12, 0))
	e.log(date(ny, 2026, 10, 20, 12, 0), "U1", quota.Message, 12)
	e.log(date(ny, 2026, 11, 26, 12, 0), "U1", quota.Message, 5)
	e.clock.Set(date(ny, 2026, 11, 27, 10, 0))

	for range 2 {
		if err := e.sched.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if err := e.sched.Start(ctx); err == nil {
			t.Error("a second Start returned nil")
		}
		e.fake.WaitCalls(t, "chat.postMessage", 2)
		e.sched.Stop()
		e.restart()
	}
	e.sched.Stop() // not started: returns at once
	ps := posts(e.fake)
	if len(ps) != 2 {
		t.Fatalf("posted %q, want the daily note and the monthly summary once", keys(e.fake))
	}
	got := map[string]string{}
	for _, p := range ps {
		got[p.key()] = p.Text
	}
	for key, want := range map[string]string{"daily/2026-11-26": "5 messages", "monthly/2026-10": "12 messages"} {
		if !strings.Contains(got[key], want) {
			t.Errorf("%s reads %q, want it to say %q", key, got[key], want)
		}
	}
	wantLog(t, e.logs, "scheduler started", "catch-up at start")
}

// Stop ends a job that waits to retry at once, starts no new post, and
// what was left is caught up after the next start.
func TestStopEndsAWaitingRetry(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	e := newEnv(t, ny, date(ny, 2026, 11, 27, 10, 0))
	e.fake.Fail("chat.postMessage", slackfake.Failure{Status: 429, RetryAfter: 3600})
	waiting := make(chan struct{})
	var once sync.Once
	e.sched.SetSleep(func(ctx context.Context, d time.Duration) error {
		once.Do(func() { close(waiting) })
		<-ctx.Done() // a real wait of an hour, ended only by Stop
		return ctx.Err()
	})
	if err := e.sched.Start(ctx); err != nil {
		t.Fatal(err)
	}
	<-waiting
	e.sched.Stop()
	wantKeys(t, e.fake) // neither the daily note nor, after Stop, the summary

	e.restart()
	if err := e.sched.Start(ctx); err != nil {
		t.Fatal(err)
	}
	e.fake.WaitCalls(t, "chat.postMessage", 3) // the 429 and two posts
	e.sched.Stop()
	wantKeys(t, e.fake, "daily/2026-11-26", "monthly/2026-10")
}
