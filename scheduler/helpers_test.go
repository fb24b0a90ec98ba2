package scheduler_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/config"
	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/scheduler"
	"github.com/quotabot/quotabot/store"
)

const channel = "C0POSTS"

// env is a ledger on disk, a fake Slack and a scheduler wired together.
type env struct {
	t      testing.TB
	dir    string
	loc    *time.Location
	clock  *testutil.Clock
	ledger *store.Ledger
	fake   *slackfake.Server
	api    *slack.Client
	logs   *testutil.SyncBuffer
	sleeps *sleeps
	opts   scheduler.Options
	sched  *scheduler.Scheduler
	// created is when the store is first opened (see createdAt).
	created time.Time
}

type envOption func(*env)

// createdAt opens the store for the first time at t; without it the store
// is a year older than the env's start, as for a bot that has been
// running, so that the periods before start are owed.
func createdAt(t time.Time) envOption { return func(e *env) { e.created = t } }

func withOptions(f func(*scheduler.Options)) envOption { return func(e *env) { f(&e.opts) } }

func inMemory() envOption { return func(e *env) { e.dir = "" } }

// newEnv opens a ledger in a temporary directory (or in memory), in zone
// loc, with its clock at start, and a scheduler posting to a fake Slack.
func newEnv(t testing.TB, loc *time.Location, start time.Time, opts ...envOption) *env {
	t.Helper()
	e := &env{
		t: t, dir: t.TempDir(), loc: loc, clock: testutil.NewClock(start),
		logs: &testutil.SyncBuffer{}, sleeps: &sleeps{},
	}
	e.opts = scheduler.Options{Channel: channel}
	e.opts.Daily, e.opts.Monthly = specs(t, "", "")
	e.created = start.AddDate(-1, 0, 0)
	for _, o := range opts {
		o(e)
	}
	e.fake = newFake(t)
	e.api = slack.New("xoxb-test", slack.OptionAPIURL(e.fake.APIURL()))
	e.clock.Set(e.created)
	e.open()
	e.clock.Set(start)
	return e
}

// specs parses the daily and monthly specs as the config does, for
// Options; "" is the config's default.
func specs(t testing.TB, daily, monthly string) (scheduler.Schedule, scheduler.Schedule) {
	t.Helper()
	def := config.Default().Schedule
	parse := func(spec string, c config.Cron) scheduler.Schedule {
		if spec != "" {
			var err error
			if c, err = config.ParseSchedule(spec); err != nil {
				t.Fatal(err)
			}
		}
		return scheduler.Schedule(c)
	}
	return parse(daily, def.Daily), parse(monthly, def.Monthly)
}

// open opens the ledger and makes a new scheduler on it, as a process
// starting up does.
func (e *env) open() {
	e.t.Helper()
	l, err := store.Open(e.dir, store.Options{Location: e.loc, Now: e.clock.Now, InMemory: e.dir == ""})
	if err != nil {
		e.t.Fatal(err)
	}
	e.ledger = l
	e.t.Cleanup(func() { _ = l.Close() })
	opts := e.opts
	opts.Logger = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts.Now = e.clock.Now
	s, err := scheduler.New(l, e.api, opts)
	if err != nil {
		e.t.Fatal(err)
	}
	s.SetSleep(e.sleeps.sleep)
	e.sched = s
}

// restart closes the ledger and opens it again on the same directory.
func (e *env) restart() {
	e.t.Helper()
	if err := e.ledger.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

// log records count sends of kind by member at the given time.
func (e *env) log(at time.Time, member string, kind quota.Kind, count int) {
	e.t.Helper()
	e.clock.Set(at)
	if _, err := e.ledger.Log(context.Background(), store.LogRequest{Member: member, Kind: kind, Count: count}); err != nil {
		e.t.Fatalf("log %d %s for %s at %v: %v", count, kind, member, at, err)
	}
}

// refund gives back count credits of kind for member at at.
func (e *env) refund(at time.Time, member string, kind quota.Kind, count int) {
	e.t.Helper()
	e.clock.Set(at)
	if _, err := e.ledger.Log(context.Background(), store.LogRequest{Member: member, Kind: kind, Count: count, Refund: true}); err != nil {
		e.t.Fatalf("refund %d %s for %s at %v: %v", count, kind, member, at, err)
	}
}

func (e *env) setTier(member, tier string) {
	e.t.Helper()
	if _, err := e.ledger.SetTier(context.Background(), store.SetTierRequest{Member: member, Tier: tier, By: "UADMIN"}); err != nil {
		e.t.Fatal(err)
	}
}

// post returns the outbox record for key ("daily/2026-11-26").
func (e *env) post(key string) store.PostRecord {
	e.t.Helper()
	r, err := e.ledger.Post(context.Background(), key)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// posted is a message the fake took.
type posted struct {
	Channel  string          `json:"channel"`
	Text     string          `json:"text"`
	Metadata json.RawMessage `json:"metadata"`
	Blocks   json.RawMessage `json:"blocks,omitempty"`
}

func (p posted) key() string {
	var m slack.SlackMetadata
	_ = json.Unmarshal(p.Metadata, &m)
	return fmt.Sprint(m.EventPayload["key"])
}

// posts returns the messages the fake accepted, oldest first.
func posts(fake *slackfake.Server) []posted {
	var out []posted
	for _, c := range fake.Calls("chat.postMessage") {
		if c.Status != 200 || c.Error != "" {
			continue
		}
		p := posted{Channel: c.Form.Get("channel"), Text: c.Form.Get("text"), Metadata: json.RawMessage(c.Form.Get("metadata"))}
		if b := c.Form.Get("blocks"); b != "" {
			p.Blocks = json.RawMessage(b)
		}
		out = append(out, p)
	}
	return out
}

// keys lists the outbox keys of what was posted, in order.
func keys(fake *slackfake.Server) []string {
	var out []string
	for _, p := range posts(fake) {
		out = append(out, p.key())
	}
	return out
}

func wantKeys(t testing.TB, fake *slackfake.Server, want ...string) {
	t.Helper()
	if got := keys(fake); !slices.Equal(got, want) {
		t.Fatalf("posted %q, want %q", got, want)
	}
}

// newFake is the repository's fake Slack plus the two methods the
// scheduler needs that it does not serve: conversations.history, answered
// from the messages the fake accepted (with their metadata only when asked
// for, as Slack does), and conversations.open.
func newFake(t testing.TB) *slackfake.Server {
	fake := slackfake.New(t)
	fake.Handle("conversations.history", func(c slackfake.Call) any {
		withMeta := c.Form.Get("include_all_metadata") == "1"
		ps := posts(fake)
		msgs := []map[string]any{}
		for i := len(ps) - 1; i >= 0; i-- { // newest first
			p := ps[i]
			if p.Channel != c.Form.Get("channel") {
				continue
			}
			m := map[string]any{"type": "message", "text": p.Text, "ts": fmt.Sprintf("1700000000.%06d", i+1)}
			if withMeta && len(p.Metadata) > 0 {
				m["metadata"] = p.Metadata
			}
			msgs = append(msgs, m)
		}
		return map[string]any{"ok": true, "messages": msgs, "has_more": false}
	})
	fake.Handle("conversations.open", func(c slackfake.Call) any {
		return map[string]any{"ok": true, "channel": map[string]any{"id": "D" + c.Form.Get("users")}}
	})
	return fake
}

// sleeps records the waits the scheduler asked for instead of waiting.
type sleeps struct {
	mu   sync.Mutex
	got  []time.Duration
	hook func(d time.Duration) // runs on each sleep, if set
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.got = append(s.got, d)
	hook := s.hook
	s.mu.Unlock()
	if hook != nil {
		hook(d)
	}
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

func wantLog(t testing.TB, logs *testutil.SyncBuffer, parts ...string) {
	t.Helper()
	s := logs.String()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("log lacks %q; log:\n%s", p, s)
		}
	}
}

func date(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, loc)
}

// apiOf is slack-go's real client pointed at fake.
func apiOf(fake *slackfake.Server) *slack.Client {
	return slack.New("xoxb-test", slack.OptionAPIURL(fake.APIURL()))
}
