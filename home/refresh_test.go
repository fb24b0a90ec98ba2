package home_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/home"
	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// recorder is a Publisher that keeps what it was asked to publish, when,
// and answers with queued errors first.
type recorder struct {
	mu    sync.Mutex
	calls []call
	fail  []error
}

type call struct {
	user string
	at   time.Time
	err  error
	view string // the blocks as JSON
}

func (r *recorder) PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error) {
	b, err := json.Marshal(req.View.Blocks)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c := call{user: req.UserID, at: time.Now(), view: string(b)}
	if len(r.fail) > 0 {
		c.err, r.fail = r.fail[0], r.fail[1:]
	}
	r.calls = append(r.calls, c)
	if c.err != nil {
		return nil, c.err
	}
	return &slack.ViewResponse{}, nil
}

func (r *recorder) failNext(err error) {
	r.mu.Lock()
	r.fail = append(r.fail, err)
	r.mu.Unlock()
}

// published returns the calls that succeeded; all returns every call.
func (r *recorder) published() []call {
	var out []call
	for _, c := range r.all() {
		if c.err == nil {
			out = append(out, c)
		}
	}
	return out
}

func (r *recorder) all() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls...)
}

var _ home.Publisher = (*recorder)(nil)

// running starts a Home on a fresh ledger with Run going, inside the
// current synctest bubble; Run stops and the ledger closes when the test
// ends.
func running(t *testing.T, opts home.Options) (*home.Home, *recorder, *store.Ledger) {
	t.Helper()
	c := testutil.NewClock(thursday(t))
	l := openLedger(t, c)
	rec := &recorder{}
	h := home.New(l, commands.New(l, commands.Options{}), rec, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return h, rec, l
}

// TestRefreshCoalesces: a burst of fifty changes within the interval costs
// two publishes, the first at once and the second when the interval is
// up, carrying the state after the last change; then nothing more.
func TestRefreshCoalesces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, rec, l := running(t, home.Options{})
		start := time.Now()
		for range 50 {
			mustLog(t, l, "U1", quota.Message, 1, "")
			h.Refresh("U1")
			time.Sleep(10 * time.Millisecond)
		}
		synctest.Wait()
		if n := len(rec.published()); n != 1 {
			t.Fatalf("after the burst: got %d publishes, want 1", n)
		}
		time.Sleep(home.DefaultInterval)
		synctest.Wait()
		got := rec.published()
		if len(got) != 2 {
			t.Fatalf("after the interval: got %d publishes, want 2", len(got))
		}
		if got[0].at != start {
			t.Errorf("first publish after %v, want at once", got[0].at.Sub(start))
		}
		if d := got[1].at.Sub(got[0].at); d != home.DefaultInterval {
			t.Errorf("second publish %v after the first, want %v", d, home.DefaultInterval)
		}
		if !strings.Contains(got[1].view, "50/100 today") {
			t.Errorf("the last publish does not carry the last state (50 used): %s", got[1].view)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := len(rec.published()); n != 2 {
			t.Errorf("a minute later: got %d publishes, want still 2", n)
		}
	})
}

// TestRefreshManyMembers: a change for each of 300 members is published
// once each, no faster than PerMinute with its burst.
func TestRefreshManyMembers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, rec, _ := running(t, home.Options{PerMinute: 60})
		for i := range 300 {
			h.Refresh(fmt.Sprintf("U%03d", i))
		}
		synctest.Wait()
		if n := len(rec.published()); n != 6 {
			t.Errorf("at once: got %d publishes, want the burst of 6", n)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := len(rec.published()); n < 60 || n > 66 {
			t.Errorf("after a minute: got %d publishes, want 60 a minute plus the burst", n)
		}
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		seen := map[string]int{}
		for _, c := range rec.published() {
			seen[c.user]++
		}
		if len(seen) != 300 {
			t.Errorf("got %d members published, want 300", len(seen))
		}
		for u, n := range seen {
			if n != 1 {
				t.Errorf("%s published %d times, want once", u, n)
			}
		}
	})
}

// TestRefreshRetryAfter: after a 429 nothing is published until Slack's
// Retry-After is over, not even a direct Publish; then the member's home
// goes out.
func TestRefreshRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, rec, _ := running(t, home.Options{})
		rec.failNext(&slack.RateLimitedError{RetryAfter: 30 * time.Second})
		start := time.Now()
		h.Refresh("U1")
		synctest.Wait()
		h.Refresh("U2")
		time.Sleep(29 * time.Second)
		synctest.Wait()
		if n := len(rec.all()); n != 1 {
			t.Fatalf("during Retry-After: got %d calls, want only the one that got 429", n)
		}
		go func() {
			if err := h.Publish(context.Background(), "U3"); err != nil {
				t.Errorf("Publish: %v", err)
			}
		}()
		time.Sleep(2 * time.Second)
		synctest.Wait()
		calls := rec.published()
		if len(calls) != 3 {
			t.Fatalf("after Retry-After: got %d publishes, want U1, U2 and U3", len(calls))
		}
		for _, c := range calls {
			if d := c.at.Sub(start); d != 30*time.Second {
				t.Errorf("%s published after %v, want when Retry-After ended (30s)", c.user, d)
			}
		}
	})
}
