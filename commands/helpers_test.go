package commands_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// thursday is the tests' "now": Thursday 26 November 2026, 10:00 in New
// York, so today resets Fri 27 Nov 00:00 EST and the month Tue 1 Dec.
func thursday(tb testing.TB) time.Time {
	return time.Date(2026, 11, 26, 10, 0, 0, 0, testutil.NewYork(tb))
}

// env is a handler on a real in-memory ledger with a settable clock.
type env struct {
	t      *testing.T
	clock  *testutil.Clock
	ledger *store.Ledger
	h      *commands.Handler
	logs   *testutil.SyncBuffer
}

// newEnv opens a ledger and a handler; opts.Logger and opts.Now are set
// for the caller unless given.
func newEnv(t *testing.T, opts commands.Options) *env {
	t.Helper()
	c := testutil.NewClock(thursday(t))
	l, err := store.Open(t.TempDir(), store.Options{InMemory: true, Now: c.Now, Location: testutil.NewYork(t)})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
			t.Errorf("Close: %v", err)
		}
	})
	logs := &testutil.SyncBuffer{}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	if opts.Now == nil {
		opts.Now = c.Now
	}
	return &env{t: t, clock: c, ledger: l, h: commands.New(l, opts), logs: logs}
}

// do runs one command as user and checks the reply is one Slack takes.
// trigger may be empty.
func (e *env) do(user, line, trigger string) commands.Reply {
	e.t.Helper()
	cmd, text, _ := strings.Cut(line, " ")
	req := commands.Request{Command: cmd, Text: text, UserID: user, TeamID: "T1", ChannelID: "C1", TriggerID: trigger}
	r := e.h.Handle(context.Background(), req).Reply
	mustFit(e.t, r, !e.h.Slow(req))
	return r
}

// mustFit fails the test if r breaks a Block Kit limit, has no fallback
// text, or, when it travels in a Socket Mode ack, is 20 KB or more.
func mustFit(tb testing.TB, r commands.Reply, inAck bool) {
	tb.Helper()
	if r.Text == "" {
		tb.Errorf("reply has no fallback text")
	}
	if len(r.Blocks) == 0 {
		tb.Errorf("reply has no blocks")
	}
	if err := slackfake.CheckBlocks(r.Blocks, blockkit.MaxBlocks); err != nil {
		tb.Errorf("CheckBlocks: %v", err)
	}
	b, err := json.Marshal(r.Msg())
	if err != nil {
		tb.Fatalf("marshal reply: %v", err)
	}
	// A second opinion: the fake Slack's own checks of a message.
	if err := slackfake.ValidateMessage(b); err != nil {
		tb.Errorf("slackfake.ValidateMessage: %v", err)
	}
	if inAck && len(b) >= 20_000 {
		tb.Errorf("reply is %d bytes of JSON; a Socket Mode ack must stay under 20 KB", len(b))
	}
}

// blocksJSON is the reply's blocks as Slack would read them, for looking
// for a fragment without walking block types.
func blocksJSON(tb testing.TB, r commands.Reply) string {
	tb.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r.Blocks); err != nil {
		tb.Fatal(err)
	}
	// Blocks with their own MarshalJSON escape HTML whatever the encoder
	// says; undo it so tests can look for mrkdwn as written.
	return strings.NewReplacer(`\u0026`, "&", `\u003c`, "<", `\u003e`, ">").Replace(buf.String())
}

// mustUsed returns how many of kind the member used today and this month.
func (e *env) mustUsed(member string, kind quota.Kind) (day, month int) {
	e.t.Helper()
	u, err := e.ledger.Usage(context.Background(), member)
	if err != nil {
		e.t.Fatalf("Usage(%s): %v", member, err)
	}
	ku, ok := u.Kind(kind)
	if !ok {
		return 0, 0
	}
	d, _ := ku.Window(quota.Day)
	m, _ := ku.Window(quota.Month)
	return d.Used, m.Used
}

// mustNothingRecorded fails the test if member has any entry.
func (e *env) mustNothingRecorded(member string) {
	e.t.Helper()
	es, err := e.ledger.History(context.Background(), member, 10)
	if err != nil {
		e.t.Fatalf("History: %v", err)
	}
	if len(es) != 0 {
		e.t.Errorf("got %d entries recorded (first: %+v), want none", len(es), es[0])
	}
}

// buttons returns the reply's buttons by action ID.
func buttons(r commands.Reply) map[string]*slack.ButtonBlockElement {
	out := map[string]*slack.ButtonBlockElement{}
	for _, b := range r.Blocks {
		a, ok := b.(*slack.ActionBlock)
		if !ok {
			continue
		}
		for _, el := range a.Elements.ElementSet {
			if btn, ok := el.(*slack.ButtonBlockElement); ok {
				out[btn.ActionID] = btn
			}
		}
	}
	return out
}

// fakeUsers is an in-test users.info: it answers from a map, counts
// calls, and can fail or hold calls until released.
type fakeUsers struct {
	mu    sync.Mutex
	users map[string]slack.User
	err   error
	hold  chan struct{} // when set, calls wait for it to close
	calls atomic.Int32
}

func (f *fakeUsers) GetUserInfoContext(ctx context.Context, id string, _ ...slack.GetUserInfoOption) (*slack.User, error) {
	f.calls.Add(1)
	f.mu.Lock()
	hold, err := f.hold, f.err
	u, ok := f.users[id]
	f.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New("user_not_found")
	}
	return &u, nil
}

func (f *fakeUsers) setErr(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

var _ commands.Users = (*fakeUsers)(nil)
