package bot_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/quotabot/quotabot/bot"
	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/home"
	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

const (
	secret   = "8f742231b10e8888abcd99yyyzzz85a5"
	botToken = "xoxb-test-token"
	appToken = "xapp-test-token"
)

// env is a bot on a real ledger (Badger on disk), with slack-go's real
// client pointed at a fake Slack, and its HTTP transport served on a free
// port of 127.0.0.1.
type env struct {
	t      testing.TB
	fake   *slackfake.Server
	api    *slack.Client
	ledger *store.Ledger
	h      *commands.Handler
	bot    *bot.Bot
	url    string // the HTTP server's base URL
	logs   *testutil.SyncBuffer
}

// config changes how newEnv builds the bot.
type config struct {
	commands commands.Options
	bot      bot.Options // Handler, Ledger, Home, Team and Logger are filled in unless set
	inMemory bool
	dir      string        // the data directory; "" is a new temporary one
	ledger   store.Options // InMemory comes from inMemory
}

func newEnv(t testing.TB, c config) *env {
	t.Helper()
	fake := slackfake.New(t)
	api := slack.New(botToken, slack.OptionAPIURL(fake.APIURL()), slack.OptionAppLevelToken(appToken))
	if c.dir == "" {
		c.dir = t.TempDir()
	}
	c.ledger.InMemory = c.inMemory
	l, err := store.Open(c.dir, c.ledger)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
			t.Errorf("ledger Close: %v", err)
		}
	})
	logs := &testutil.SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if c.commands.Logger == nil {
		c.commands.Logger = log
	}
	h := commands.New(l, c.commands)
	team, err := bot.Identify(context.Background(), api, log)
	if err != nil {
		t.Fatalf("Identify: %v", err)
	}
	o := c.bot
	if o.Handler == nil {
		o.Handler = h
	}
	if o.Ledger == nil {
		o.Ledger = l
	}
	if o.Home == nil {
		// The App Home serve wires, without Run: a test sees the
		// publishes the bot asks for, not the refreshes after them.
		o.Home = home.New(l, h, api, home.Options{Logger: log})
	}
	if o.Team.TeamID == "" {
		o.Team = team
	}
	if o.SigningSecret == "" {
		o.SigningSecret = secret
	}
	if o.Logger == nil {
		o.Logger = log
	}
	b, err := bot.New(o)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: b.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if err := b.Drain(ctx); err != nil {
			t.Errorf("Drain: %v", err)
		}
	})
	return &env{t: t, fake: fake, api: api, ledger: l, h: h, bot: b, url: "http://" + ln.Addr().String(), logs: logs}
}

// sign returns Slack's v0 signature of body at ts, made the way Slack
// makes it: HMAC-SHA256 over "v0:<ts>:<body>" with the signing secret.
func sign(secret string, ts time.Time, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + strconv.FormatInt(ts.Unix(), 10) + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// signed is a request as Slack would send it, signed now.
func signed(t testing.TB, method, url, contentType string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("X-Slack-Signature", sign(secret, now, body))
	return req
}

// slashForm is a slash command's form as Slack posts it.
func slashForm(command, text, user, trigger, responseURL string) url.Values {
	return url.Values{
		"token":        {"deprecated-verification-token"},
		"team_id":      {slackfake.TeamID},
		"team_domain":  {"fake"},
		"channel_id":   {"C0FAKE"},
		"channel_name": {"general"},
		"user_id":      {user},
		"user_name":    {"someone"},
		"command":      {command},
		"text":         {text},
		"api_app_id":   {slackfake.AppID},
		"response_url": {responseURL},
		"trigger_id":   {trigger},
	}
}

// do sends req and returns the status and body.
func do(t testing.TB, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// message is the part of a reply the tests read.
type message struct {
	ResponseType    string            `json:"response_type"`
	Text            string            `json:"text"`
	Blocks          []json.RawMessage `json:"blocks"`
	ReplaceOriginal bool              `json:"replace_original"`
}

func decode(t testing.TB, body []byte) message {
	t.Helper()
	var m message
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("reply %q is not JSON: %v", body, err)
	}
	return m
}

var triggers struct {
	mu sync.Mutex
	n  int
}

// trigger returns a trigger_id no other command in the run has.
func trigger() string {
	triggers.mu.Lock()
	defer triggers.mu.Unlock()
	triggers.n++
	return "13345224609." + strconv.Itoa(triggers.n) + ".abc"
}

// command sends a signed slash command and returns the reply; it fails
// the test unless the answer is 200 with an ephemeral JSON message.
func (e *env) command(user, line string) message {
	e.t.Helper()
	cmd, text, _ := strings.Cut(line, " ")
	body := []byte(slashForm(cmd, text, user, trigger(), e.fake.ResponseURL()).Encode())
	status, got := do(e.t, signed(e.t, http.MethodPost, e.url+"/slack/commands", "application/x-www-form-urlencoded", body))
	if status != http.StatusOK {
		e.t.Fatalf("%s: got status %d (%s), want 200", line, status, got)
	}
	m := decode(e.t, got)
	if m.ResponseType != "ephemeral" || m.Text == "" || len(m.Blocks) == 0 {
		e.t.Fatalf("%s: got %s, want an ephemeral message with text and blocks", line, got)
	}
	if err := slackfake.ValidateMessage(got); err != nil {
		e.t.Errorf("%s: Slack would refuse the reply: %v", line, err)
	}
	return m
}

// used returns how many messages member used today and this month.
func (e *env) used(member string) (day, month int) {
	e.t.Helper()
	u, err := e.ledger.Usage(context.Background(), member)
	if err != nil {
		e.t.Fatalf("Usage(%s): %v", member, err)
	}
	ku, ok := u.Kind(quota.Message)
	if !ok {
		return 0, 0
	}
	d, _ := ku.Window(quota.Day)
	m, _ := ku.Window(quota.Month)
	return d.Used, m.Used
}

// entries returns how many entries member has, undone ones included.
func (e *env) entries(member string) int {
	e.t.Helper()
	es, err := e.ledger.History(context.Background(), member, 100)
	if err != nil {
		e.t.Fatalf("History: %v", err)
	}
	return len(es)
}

// socketRun is a ServeSocket running in the background.
type socketRun struct {
	done chan struct{}
	err  error
}

// wait returns what ServeSocket returned, waiting for it; it may be called
// any number of times.
func (r *socketRun) wait(t testing.TB) error {
	t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-time.After(30 * time.Second):
		t.Errorf("ServeSocket did not return")
		return nil
	}
}

// serveSocket runs the bot's Socket Mode transport against the fake until
// the test ends.
func (e *env) serveSocket(opts ...socketmode.Option) *socketRun {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	client := socketmode.New(e.api, opts...)
	r := &socketRun{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = e.bot.ServeSocket(ctx, client)
	}()
	// Registered after slackfake.New, so it runs first: the client stops
	// before the fake does.
	e.t.Cleanup(func() {
		cancel()
		r.wait(e.t)
	})
	return r
}

// ack waits for the ack of envelope id and decodes its payload.
func (e *env) ack(id string) message {
	e.t.Helper()
	payload := e.fake.WaitAck(e.t, id)
	if payload == nil {
		e.t.Fatalf("ack of %s carries no payload, want the reply", id)
	}
	if err := slackfake.ValidateMessage(payload); err != nil {
		e.t.Errorf("ack of %s: Slack would refuse the reply: %v", id, err)
	}
	return decode(e.t, payload)
}

// stub is a Handler whose answers a test chooses: it can hold a command
// until released, or answer with a reply of any size.
type stub struct {
	handle func(ctx context.Context, req commands.Request) commands.Reply
	slow   bool
}

func (s *stub) Handle(ctx context.Context, req commands.Request) commands.Result {
	return commands.Result{Reply: s.handle(ctx, req)}
}
func (s *stub) Slow(commands.Request) bool { return s.slow }
func (s *stub) Commands() []string         { return []string{"/quota", "/logsend"} }
func (s *stub) Action(context.Context, commands.ActionRequest) (commands.Result, error) {
	return commands.Result{}, commands.ErrUnknownAction
}

func textReply(s string) commands.Reply {
	return commands.Reply{Text: s, Blocks: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, s, false, false), nil, nil),
	}}
}
