package scheduler_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/scheduler"
	"github.com/quotabot/quotabot/store"
)

var ctx = context.Background()

// newDailyEnv is a team in New York with a few sends on 26 November 2026,
// and the clock at the next midnight, when the reset note is due.
func newDailyEnv(t *testing.T, opts ...envOption) (*env, time.Time) {
	t.Helper()
	ny := testutil.NewYork(t)
	e := newEnv(t, ny, date(ny, 2026, 11, 26, 9, 0), opts...)
	e.log(date(ny, 2026, 11, 26, 9, 0), "U1", quota.Message, 40)
	e.log(date(ny, 2026, 11, 26, 17, 0), "U2", quota.Message, 100)
	now := date(ny, 2026, 11, 27, 0, 0)
	e.clock.Set(now)
	return e, now
}

func TestRepeatedFiringsPostOnce(t *testing.T) {
	t.Parallel()
	e, now := newDailyEnv(t)
	for range 3 {
		if err := e.sched.DailyReset(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	// Firings at the same moment, as a fall-back day's second 01:30 or a
	// catch-up racing a cron firing can make.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := e.sched.DailyReset(ctx, now.Add(time.Hour)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	wantKeys(t, e.fake, "daily/2026-11-26")
	if got := e.post("daily/2026-11-26"); got.State != store.Posted || got.TS == "" {
		t.Errorf("record %+v, want posted <ts>", got)
	}
	if n := len(e.fake.Calls("conversations.history")); n != 0 {
		t.Errorf("%d history lookups for posts that were never interrupted, want 0", n)
	}
}

func TestRestartDoesNotPostAgain(t *testing.T) {
	t.Parallel()
	e, now := newDailyEnv(t)
	if err := e.sched.DailyReset(ctx, now); err != nil {
		t.Fatal(err)
	}
	if err := e.sched.MonthlySummary(ctx, now); err != nil {
		t.Fatal(err)
	}
	e.restart()
	if err := e.sched.DailyReset(ctx, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := e.sched.MonthlySummary(ctx, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, e.fake, "daily/2026-11-26", "monthly/2026-10")
}

// crashingPoster stands for a process that dies around its first post:
// the ledger is closed at the point of death, so nothing after it is
// recorded, and nothing after it reaches Slack.
type crashingPoster struct {
	*slack.Client
	ledger *store.Ledger
	// sent says whether the post reached Slack before the death.
	sent bool
	dead bool
}

var errDead = errors.New("process killed")

func (p *crashingPoster) PostMessageContext(ctx context.Context, ch string, opts ...slack.MsgOption) (string, string, error) {
	if p.dead {
		return "", "", errDead
	}
	p.dead = true
	if p.sent {
		if _, _, err := p.Client.PostMessageContext(ctx, ch, opts...); err != nil {
			return "", "", err
		}
	}
	if err := p.ledger.Close(); err != nil {
		return "", "", err
	}
	return "", "", errDead
}

func (p *crashingPoster) GetConversationHistoryContext(ctx context.Context, params *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error) {
	if p.dead {
		return nil, errDead
	}
	return p.Client.GetConversationHistoryContext(ctx, params)
}

func TestCrashBetweenMarkAndPostedPostsOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		sent bool // the post reached Slack before the crash
	}{
		{"post reached Slack", true},
		{"post never left", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, now := newDailyEnv(t)
			s, err := scheduler.New(e.ledger, &crashingPoster{Client: e.api, ledger: e.ledger, sent: tc.sent},
				scheduler.Options{Channel: channel, Daily: e.opts.Daily, Monthly: e.opts.Monthly, Now: e.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			s.SetSleep(e.sleeps.sleep)
			if err := s.DailyReset(ctx, now); err == nil {
				t.Fatal("DailyReset with the process dying returned nil")
			}

			e.open() // the process starts again on the same directory
			if got := e.post("daily/2026-11-26"); got.State != store.Posting || got.Since.IsZero() {
				t.Fatalf("after the crash the record is %+v, want posting <time>", got)
			}
			for range 2 {
				if err := e.sched.DailyReset(ctx, now.Add(time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			wantKeys(t, e.fake, "daily/2026-11-26")
			if got := e.post("daily/2026-11-26"); got.State != store.Posted || got.TS == "" {
				t.Errorf("record %+v, want posted <ts>", got)
			}
			hist := e.fake.Calls("conversations.history")
			if len(hist) != 1 {
				t.Fatalf("%d history lookups, want 1", len(hist))
			}
			if got := hist[0].Form.Get("channel"); got != channel {
				t.Errorf("history of %q, want %q", got, channel)
			}
			if got := hist[0].Form.Get("include_all_metadata"); got != "1" {
				t.Errorf("include_all_metadata=%q, want 1: without it Slack leaves the metadata out", got)
			}
			if hist[0].Form.Get("oldest") == "" {
				t.Error("history lookup without oldest: it should start from the mark's time")
			}
		})
	}
}

// When the history cannot be read, an interrupted post is sent again: a
// rare duplicate rather than a lost post.
func TestCrashWithoutHistoryScopePostsAgain(t *testing.T) {
	t.Parallel()
	e, now := newDailyEnv(t)
	if err := e.ledger.SetPost(ctx, "daily/2026-11-26", store.PostRecord{State: store.Posting, Since: now}); err != nil {
		t.Fatal(err)
	}
	e.fake.Fail("conversations.history", slackfake.Failure{Error: "missing_scope"})
	if err := e.sched.DailyReset(ctx, now); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, e.fake, "daily/2026-11-26")
	wantLog(t, e.logs, "channels:history", "missing_scope")
}

func TestRateLimitedThenPostedOnce(t *testing.T) {
	t.Parallel()
	e, now := newDailyEnv(t)
	e.fake.Fail("chat.postMessage", slackfake.Failure{Status: 429, RetryAfter: 7})
	e.fake.Fail("chat.postMessage", slackfake.Failure{Status: 429, RetryAfter: 1})
	if err := e.sched.DailyReset(ctx, now); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, e.fake, "daily/2026-11-26")
	if got, want := e.sleeps.all(), []time.Duration{7 * time.Second, time.Second}; !slices.Equal(got, want) {
		t.Errorf("waited %v, want %v (what Retry-After said)", got, want)
	}
	if n := len(e.fake.Calls("conversations.history")); n != 0 {
		t.Errorf("%d history lookups after 429s, want 0: a 429 proves nothing was posted", n)
	}
}

func TestServerErrorsBackOffAndLookBeforeRetrying(t *testing.T) {
	t.Parallel()
	e, now := newDailyEnv(t)
	e.fake.Fail("chat.postMessage", slackfake.Failure{Status: 500})
	e.fake.Fail("chat.postMessage", slackfake.Failure{Status: 503})
	if err := e.sched.DailyReset(ctx, now); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, e.fake, "daily/2026-11-26")
	if got, want := e.sleeps.all(), []time.Duration{2 * time.Second, 4 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("waited %v, want %v", got, want)
	}
	// A 5xx may come after Slack took the message: look before posting.
	if n := len(e.fake.Calls("conversations.history")); n != 2 {
		t.Errorf("%d history lookups, want 2", n)
	}
}

// A call that times out may still have been posted: the retry finds it in
// the history instead of posting it twice.
func TestTimeoutThatPostedIsNotPostedAgain(t *testing.T) {
	t.Parallel()
	e, now := newDailyEnv(t)
	e.sched.SetPostTimeout(50 * time.Millisecond)
	release := make(chan struct{})
	var first sync.Once
	e.fake.Handle("chat.postMessage", func(c slackfake.Call) any {
		first.Do(func() { <-release }) // Slack is slow, but takes it
		return map[string]any{"ok": true, "channel": c.Form.Get("channel"), "ts": "1700000001.000001"}
	})
	// Once: under load the 50 ms lookup that follows may time out too and
	// be retried, which changes nothing the test checks.
	var released sync.Once
	e.sleeps.hook = func(time.Duration) {
		released.Do(func() { close(release) })
		e.fake.WaitCalls(t, "chat.postMessage", 1)
	}
	if err := e.sched.DailyReset(ctx, now); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, e.fake, "daily/2026-11-26")
	if got := e.post("daily/2026-11-26"); got.State != store.Posted || got.TS == "" {
		t.Errorf("record %+v, want posted", got)
	}
	wantLog(t, e.logs, "an interrupted post had gone out")
}

func TestNotInChannelIsLoggedAndRetried(t *testing.T) {
	t.Parallel()
	e, now := newDailyEnv(t)
	e.fake.Fail("chat.postMessage", slackfake.Failure{Error: "not_in_channel"})
	e.fake.Fail("chat.postMessage", slackfake.Failure{Error: "not_in_channel"})
	if err := e.sched.DailyReset(ctx, now); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, e.fake, "daily/2026-11-26")
	wantLog(t, e.logs, "not_in_channel", "/invite @quotabot", channel)
	if got, want := e.sleeps.all(), []time.Duration{5 * time.Minute, 10 * time.Minute}; !slices.Equal(got, want) {
		t.Errorf("waited %v, want %v", got, want)
	}
}

// Past the cap the job gives up for now, and the next firing posts.
func TestChannelNotFoundGivesUpThenNextFiringPosts(t *testing.T) {
	t.Parallel()
	e, now := newDailyEnv(t)
	for range 6 {
		e.fake.Fail("chat.postMessage", slackfake.Failure{Error: "channel_not_found"})
	}
	err := e.sched.DailyReset(ctx, now)
	if err == nil || !strings.Contains(err.Error(), "channel_not_found") {
		t.Fatalf("DailyReset = %v, want channel_not_found", err)
	}
	if got := e.post("daily/2026-11-26"); got.State != store.PostFailed || got.Reason == "" {
		t.Errorf("record %+v, want failed <why>", got)
	}
	wantKeys(t, e.fake)
	if err := e.sched.DailyReset(ctx, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, e.fake, "daily/2026-11-26")
	if n := len(e.fake.Calls("conversations.history")); n != 0 {
		t.Errorf("%d history lookups after answered failures, want 0", n)
	}
}

// A message Slack refuses for what it says is not retried: retrying could
// not help, and the failure is in the log.
func TestRefusedMessageIsNotRetried(t *testing.T) {
	t.Parallel()
	e, now := newDailyEnv(t)
	e.fake.Fail("chat.postMessage", slackfake.Failure{Error: "invalid_blocks"})
	if err := e.sched.DailyReset(ctx, now); err == nil {
		t.Fatal("DailyReset with invalid_blocks returned nil")
	}
	if n := len(e.fake.Calls("chat.postMessage")); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
	if got := e.sleeps.all(); len(got) != 0 {
		t.Errorf("waited %v, want no retry", got)
	}
}

// Stopping a job that waits to retry ends the wait at once; the post stays
// owed.
func TestCancelledWhileWaitingLeavesPostOwed(t *testing.T) {
	t.Parallel()
	e, now := newDailyEnv(t)
	e.fake.Fail("chat.postMessage", slackfake.Failure{Status: 429, RetryAfter: 30})
	c, cancel := context.WithCancel(ctx)
	e.sleeps.hook = func(time.Duration) { cancel() }
	if err := e.sched.DailyReset(c, now); !errors.Is(err, context.Canceled) {
		t.Fatalf("DailyReset = %v, want context.Canceled", err)
	}
	wantKeys(t, e.fake)
	e.sleeps.hook = nil
	if err := e.sched.DailyReset(ctx, now); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, e.fake, "daily/2026-11-26")
}
