package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/bot"
	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

const formType = "application/x-www-form-urlencoded"

// TestHTTPCommands runs slash commands end to end: signed requests to the
// real server, replies in the response body, entries in the ledger.
func TestHTTPCommands(t *testing.T) {
	t.Parallel()
	e := newEnv(t, config{})

	r := e.command("U1", "/logsend 5")
	if want := "Logged 5 messages. Left today: 95 of 100. Left this month: 1,495 of 1,500."; !strings.HasPrefix(r.Text, want) {
		t.Errorf("/logsend 5: got %q, want it to start %q", r.Text, want)
	}
	if day, month := e.used("U1"); day != 5 || month != 5 {
		t.Errorf("after /logsend 5: got %d today, %d this month, want 5 and 5", day, month)
	}
	r = e.command("U1", "/quota")
	if !strings.Contains(r.Text, "Left today: 95 of 100") || !strings.Contains(r.Text, "Left this month: 1,495 of 1,500") {
		t.Errorf("/quota: got %q, want 95 of 100 today and 1,495 of 1,500 this month", r.Text)
	}
	r = e.command("U2", "/quota <@U1|someone>")
	if !strings.Contains(r.Text, "<@U1>") || !strings.Contains(r.Text, "95 of 100") {
		t.Errorf("/quota <@U1|someone>: got %q, want U1's standing", r.Text)
	}
	r = e.command("U1", "/logsend 5 inmial")
	if !strings.Contains(r.Text, "Nothing was recorded") {
		t.Errorf("/logsend 5 inmial: got %q, want a refusal", r.Text)
	}
	if n := e.entries("U1"); n != 1 {
		t.Errorf("got %d entries for U1, want 1: the refused command records nothing", n)
	}

	// One log line per command, with who, what, how it went and how long
	// it took, and never a secret.
	logs := e.logs.String()
	for _, want := range []string{`msg=command`, `user=U1`, `command=/logsend`, `outcome=ok`, `outcome=refused`, `latency=`, `transport=http`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	for _, secretish := range []string{secret, botToken, appToken, "/response/"} {
		if strings.Contains(logs, secretish) {
			t.Errorf("logs contain %q, which must never be logged", secretish)
		}
	}
}

// TestHTTPReplay sends the same signed request twice, as an attacker
// replaying it within its five minutes would: it is counted once, and the
// second answer reads like the first.
func TestHTTPReplay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, config{})
	body := []byte(slashForm("/logsend", "7", "U1", trigger(), e.fake.ResponseURL()).Encode())
	first := signed(t, http.MethodPost, e.url+"/slack/commands", formType, body)
	again, err := http.NewRequest(http.MethodPost, e.url+"/slack/commands", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	again.Header = first.Header.Clone() // the same signature and timestamp

	s1, b1 := do(t, first)
	s2, b2 := do(t, again)
	if s1 != http.StatusOK || s2 != http.StatusOK {
		t.Fatalf("got statuses %d and %d, want 200 and 200", s1, s2)
	}
	if decode(t, b1).Text != decode(t, b2).Text {
		t.Errorf("the replay's reply %q differs from the first %q", decode(t, b2).Text, decode(t, b1).Text)
	}
	if day, _ := e.used("U1"); day != 7 {
		t.Errorf("got %d messages today, want 7: a replay counts once", day)
	}
	if n := e.entries("U1"); n != 1 {
		t.Errorf("got %d entries, want 1", n)
	}
}

// TestHTTPHostile sends requests that must not get through: each is
// refused with its status, records nothing, and leaves the server healthy.
func TestHTTPHostile(t *testing.T) {
	t.Parallel()
	e := newEnv(t, config{})
	good := func() []byte {
		return []byte(slashForm("/logsend", "5", "UHOSTILE", trigger(), e.fake.ResponseURL()).Encode())
	}
	endpoint := e.url + "/slack/commands"
	withHeaders := func(body []byte, ts time.Time, sig string) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
		req.Header.Set("Content-Type", formType)
		req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts.Unix(), 10))
		req.Header.Set("X-Slack-Signature", sig)
		return req
	}
	for _, tc := range []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"unsigned", func() *http.Request {
			req, _ := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(good()))
			req.Header.Set("Content-Type", formType)
			return req
		}, http.StatusUnauthorized},
		{"wrong signature", func() *http.Request {
			body := good()
			return withHeaders(body, time.Now(), sign("not-the-secret", time.Now(), body))
		}, http.StatusUnauthorized},
		{"signature of another body", func() *http.Request {
			return withHeaders(good(), time.Now(), sign(secret, time.Now(), good()))
		}, http.StatusUnauthorized},
		{"malformed signature", func() *http.Request {
			return withHeaders(good(), time.Now(), "v0=zz")
		}, http.StatusUnauthorized},
		{"v1 signature", func() *http.Request {
			body := good()
			return withHeaders(body, time.Now(), strings.Replace(sign(secret, time.Now(), body), "v0=", "v1=", 1))
		}, http.StatusUnauthorized},
		{"stale timestamp", func() *http.Request {
			body := good()
			ts := time.Now().Add(-6 * time.Minute)
			return withHeaders(body, ts, sign(secret, ts, body))
		}, http.StatusUnauthorized},
		{"future timestamp", func() *http.Request {
			body := good()
			ts := time.Now().Add(6 * time.Minute)
			return withHeaders(body, ts, sign(secret, ts, body))
		}, http.StatusUnauthorized},
		{"oversized", func() *http.Request {
			form := slashForm("/logsend", "5 message "+strings.Repeat("x", bot.MaxBody), "UHOSTILE", trigger(), "")
			return signed(t, http.MethodPost, endpoint, formType, []byte(form.Encode()))
		}, http.StatusRequestEntityTooLarge},
		{"wrong content type", func() *http.Request {
			return signed(t, http.MethodPost, endpoint, "application/json", good())
		}, http.StatusUnsupportedMediaType},
		{"no content type", func() *http.Request {
			return signed(t, http.MethodPost, endpoint, "", good())
		}, http.StatusUnsupportedMediaType},
		{"wrong method", func() *http.Request {
			return signed(t, http.MethodGet, endpoint, formType, good())
		}, http.StatusMethodNotAllowed},
		{"PUT", func() *http.Request {
			return signed(t, http.MethodPut, endpoint, formType, good())
		}, http.StatusMethodNotAllowed},
		{"garbage form", func() *http.Request {
			return signed(t, http.MethodPost, endpoint, formType, []byte("%zz;;&&==%"))
		}, http.StatusBadRequest},
		{"form without a command", func() *http.Request {
			return signed(t, http.MethodPost, endpoint, formType, []byte("user_id=UHOSTILE&text=5&team_id="+slackfake.TeamID))
		}, http.StatusBadRequest},
		{"foreign team", func() *http.Request {
			form := slashForm("/logsend", "5", "UHOSTILE", trigger(), "")
			form.Set("team_id", "T0THEIRS")
			return signed(t, http.MethodPost, endpoint, formType, []byte(form.Encode()))
		}, http.StatusForbidden},
		{"no team", func() *http.Request {
			form := slashForm("/logsend", "5", "UHOSTILE", trigger(), "")
			form.Del("team_id")
			return signed(t, http.MethodPost, endpoint, formType, []byte(form.Encode()))
		}, http.StatusForbidden},
		{"unsigned and the wrong content type", func() *http.Request {
			req, _ := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(good()))
			req.Header.Set("Content-Type", "text/plain")
			return req
		}, http.StatusUnauthorized},
		{"unsigned and oversized", func() *http.Request {
			req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(strings.Repeat("x", 2*bot.MaxBody)))
			req.Header.Set("Content-Type", formType)
			return req
		}, http.StatusUnauthorized},
		{"event unsigned", func() *http.Request {
			req, _ := http.NewRequest(http.MethodPost, e.url+"/slack/events", strings.NewReader(`{"type":"url_verification","challenge":"x"}`))
			req.Header.Set("Content-Type", "application/json")
			return req
		}, http.StatusUnauthorized},
		{"event garbage", func() *http.Request {
			return signed(t, http.MethodPost, e.url+"/slack/events", "application/json", []byte(`{{{`))
		}, http.StatusBadRequest},
		{"interactive unsigned", func() *http.Request {
			req, _ := http.NewRequest(http.MethodPost, e.url+"/slack/interactive", strings.NewReader("payload={}"))
			req.Header.Set("Content-Type", formType)
			return req
		}, http.StatusUnauthorized},
		{"interactive garbage payload", func() *http.Request {
			return signed(t, http.MethodPost, e.url+"/slack/interactive", formType, []byte("payload=%7B%7B"))
		}, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := do(t, tc.req())
			if status != tc.status {
				t.Errorf("got status %d (%s), want %d", status, body, tc.status)
			}
		})
	}
	if n := e.entries("UHOSTILE"); n != 0 {
		t.Errorf("got %d entries recorded, want none", n)
	}
	if status, body := do(t, mustGet(t, e.url+"/healthz")); status != http.StatusOK {
		t.Errorf("/healthz after the hostile requests: got %d (%s), want 200", status, body)
	}
	e.command("UHOSTILE", "/quota")
}

func mustGet(t testing.TB, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestHTTPSlow: a command the handler calls Slow (a team table beyond
// BigTeam) is acknowledged at once and its reply posted to response_url,
// exactly once.
func TestHTTPSlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, config{commands: commands.Options{BigTeam: 2}})
	for _, u := range []string{"U1", "U2", "U3"} {
		e.command(u, "/logsend 1")
	}
	ru := e.fake.ResponseURL()
	body := []byte(slashForm("/quota", "team", "U1", trigger(), ru).Encode())
	status, got := do(t, signed(t, http.MethodPost, e.url+"/slack/commands", formType, body))
	if status != http.StatusOK || !strings.Contains(decode(t, got).Text, "Working on it") {
		t.Fatalf("got %d %s, want 200 and a working note", status, got)
	}
	calls := e.fake.WaitCalls(t, "response_url", 1)
	var posted message
	if err := json.Unmarshal(calls[0].JSON, &posted); err != nil {
		t.Fatalf("response_url post %s: %v", calls[0].JSON, err)
	}
	if !strings.Contains(posted.Text, "3") || posted.ResponseType != "ephemeral" {
		t.Errorf("posted %s, want the team table for 3 members", calls[0].JSON)
	}
	// Replayed: the same answer, nothing posted again.
	status, got = do(t, signed(t, http.MethodPost, e.url+"/slack/commands", formType, body))
	if status != http.StatusOK || !strings.Contains(decode(t, got).Text, "Working on it") {
		t.Errorf("replay: got %d %s, want the working note again", status, got)
	}
	drain(t, e)
	if n := len(e.fake.Calls("response_url")); n != 1 {
		t.Errorf("got %d response_url posts, want 1", n)
	}
}

// drain waits for the bot's background jobs.
func drain(t testing.TB, e *env) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.bot.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
}

// TestHTTPLate: a command not answered within the ack deadline is
// acknowledged with a working note and answered through response_url; a
// response_url that says 429 is tried again after its Retry-After.
func TestHTTPLate(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	s := &stub{handle: func(ctx context.Context, req commands.Request) commands.Reply {
		<-release
		return textReply("done at last")
	}}
	e := newEnv(t, config{bot: bot.Options{Handler: s, AckDeadline: time.Millisecond}})
	e.fake.Fail("response_url", slackfake.Failure{Status: http.StatusTooManyRequests, RetryAfter: 1})
	body := []byte(slashForm("/quota", "", "U1", trigger(), e.fake.ResponseURL()).Encode())
	status, got := do(t, signed(t, http.MethodPost, e.url+"/slack/commands", formType, body))
	if status != http.StatusOK || !strings.Contains(decode(t, got).Text, "Working on it") {
		t.Fatalf("got %d %s, want 200 and a working note", status, got)
	}
	close(release)
	calls := e.fake.WaitCalls(t, "response_url", 2)
	if calls[0].Status != http.StatusTooManyRequests || calls[1].Status != http.StatusOK {
		t.Errorf("got response_url statuses %d, %d; want 429 then 200", calls[0].Status, calls[1].Status)
	}
	if !strings.Contains(string(calls[1].JSON), "done at last") {
		t.Errorf("posted %s, want the late reply", calls[1].JSON)
	}
}

// TestHTTPEvents: url_verification answers its challenge; app_home_opened
// publishes the member's Home tab, once per event_id, a retry included.
func TestHTTPEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, config{})
	e.command("U1", "/logsend 12")

	status, body := do(t, signed(t, http.MethodPost, e.url+"/slack/events", "application/json",
		[]byte(`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)))
	if status != http.StatusOK || string(body) != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("url_verification: got %d %q, want 200 and the challenge", status, body)
	}

	event := homeOpened(slackfake.TeamID, "Ev0001", "U1")
	if status, body := do(t, signed(t, http.MethodPost, e.url+"/slack/events", "application/json", event)); status != http.StatusOK {
		t.Fatalf("app_home_opened: got %d %s, want 200", status, body)
	}
	calls := e.fake.WaitCalls(t, "views.publish", 1)
	if !strings.Contains(string(calls[0].JSON), `"user_id":"U1"`) || !strings.Contains(string(calls[0].JSON), "88 left now") {
		t.Errorf("views.publish got %s, want U1's home with 88 left", calls[0].JSON)
	}
	retry := signed(t, http.MethodPost, e.url+"/slack/events", "application/json", event)
	retry.Header.Set("X-Slack-Retry-Num", "1")
	retry.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	if status, _ := do(t, retry); status != http.StatusOK {
		t.Errorf("retried event: got %d, want 200", status)
	}
	if status, _ := do(t, signed(t, http.MethodPost, e.url+"/slack/events", "application/json", homeOpened("T0THEIRS", "Ev0002", "U1"))); status != http.StatusForbidden {
		t.Errorf("event from another team: got %d, want 403", status)
	}
	drain(t, e)
	if n := len(e.fake.Calls("views.publish")); n != 1 {
		t.Errorf("got %d views.publish calls, want 1: the retry is not acted on", n)
	}
}

func homeOpened(team, eventID, user string) []byte {
	b, _ := json.Marshal(map[string]any{
		"token": "x", "team_id": team, "api_app_id": slackfake.AppID, "type": "event_callback",
		"event_id": eventID, "event_time": time.Now().Unix(),
		"event": map[string]any{"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home", "event_ts": "1700000000.000100"},
	})
	return b
}

// TestHTTPInteractive presses the "Log 5" button of a /logsend reply: the
// press is acknowledged, logged once however often it is delivered, and
// its reply posted to the press's response_url.
func TestHTTPInteractive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, config{})
	e.command("U1", "/logsend 1")
	ru := e.fake.ResponseURL()
	cb := slack.InteractionCallback{
		Type:        slack.InteractionTypeBlockActions,
		Team:        slack.Team{ID: slackfake.TeamID},
		User:        slack.User{ID: "U1"},
		Channel:     slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C0FAKE"}}},
		TriggerID:   trigger(),
		ResponseURL: ru,
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{
			{ActionID: commands.ActionLog5, Value: "5 message", ActionTs: "1700000000.123456"},
		}},
	}
	payload, err := json.Marshal(cb)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(url.Values{"payload": {string(payload)}}.Encode())
	for range 2 {
		if status, got := do(t, signed(t, http.MethodPost, e.url+"/slack/interactive", formType, body)); status != http.StatusOK {
			t.Fatalf("got %d %s, want 200", status, got)
		}
	}
	calls := e.fake.WaitCalls(t, "response_url", 1)
	if !strings.Contains(string(calls[0].JSON), "Logged 5 messages") {
		t.Errorf("posted %s, want the log's reply", calls[0].JSON)
	}
	drain(t, e)
	if day, _ := e.used("U1"); day != 6 {
		t.Errorf("got %d messages today, want 6: one press counted once", day)
	}
	if n := len(e.fake.Calls("response_url")); n != 1 {
		t.Errorf("got %d response_url posts, want 1", n)
	}
}

// TestHealthAndMetrics: /healthz reports the store, /metrics counts
// commands by name and outcome in Prometheus text.
func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	e := newEnv(t, config{})
	e.command("U1", "/logsend 2")
	e.command("U1", "/logsend zero")
	e.command("U1", "/quota")

	status, body := do(t, mustGet(t, e.url+"/metrics"))
	if status != http.StatusOK {
		t.Fatalf("/metrics: got %d", status)
	}
	for _, want := range []string{
		`quotabot_commands_total{command="/logsend",outcome="ok"} 1`,
		`quotabot_commands_total{command="/logsend",outcome="refused"} 1`,
		`quotabot_commands_total{command="/quota",outcome="ok"} 1`,
		`quotabot_command_duration_seconds_count{command="/logsend"} 2`,
		`quotabot_ledger_errors_total 0`,
		`go_goroutines`,
		// What an operator watches memory and the store by.
		`go_gc_gomemlimit_bytes`,
		`go_memory_classes_heap_objects_bytes`,
		`go_cpu_classes_gc_total_cpu_seconds_total`,
		`quotabot_badger_level_tables{level="0"}`,
		"quotabot_clock_steps_back_total 0",
		`quotabot_badger_level_bytes{level="6"}`,
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	status, body = do(t, mustGet(t, e.url+"/healthz"))
	if status != http.StatusOK || !strings.Contains(string(body), `"store":"ok"`) {
		t.Errorf("/healthz: got %d %s, want 200 and the store ok", status, body)
	}
	if err := e.ledger.Close(); err != nil {
		t.Fatal(err)
	}
	status, body = do(t, mustGet(t, e.url+"/healthz"))
	if status != http.StatusServiceUnavailable || !strings.Contains(string(body), `"store":"error"`) {
		t.Errorf("/healthz with the store closed: got %d %s, want 503", status, body)
	}
	// A command against a closed store is an error, counted and logged,
	// and the member reads a short note rather than a Go error.
	r := e.command("U1", "/logsend 1")
	if strings.Contains(r.Text, "closed") && strings.Contains(r.Text, "ledger") {
		t.Errorf("got %q, want no Go error shown", r.Text)
	}
	_, body = do(t, mustGet(t, e.url+"/metrics"))
	if !bytes.Contains(body, []byte(`quotabot_commands_total{command="/logsend",outcome="error"} 1`)) {
		t.Errorf("/metrics does not count the failed command as an error:\n%s", grep(body, "quotabot_"))
	}
}

func grep(body []byte, prefix string) string {
	var out []string
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// pressPayload is a block_actions form with one button press.
func pressPayload(t testing.TB, user, view, responseURL, actionID, value string) []byte {
	t.Helper()
	cb := slack.InteractionCallback{
		Type:        slack.InteractionTypeBlockActions,
		Team:        slack.Team{ID: slackfake.TeamID},
		User:        slack.User{ID: user},
		TriggerID:   trigger(),
		ResponseURL: responseURL,
		View:        slack.View{Type: slack.ViewType(view)},
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{
			{ActionID: actionID, Value: value, ActionTs: "1700000001.000001"},
		}},
	}
	payload, err := json.Marshal(cb)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(url.Values{"payload": {string(payload)}}.Encode())
}

// TestHomePress: a button on the App Home has no response_url;
// the press is logged once and the home published again with the new
// numbers.
func TestHomePress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, config{})
	body := pressPayload(t, "U1", string(slack.VTHomeTab), "", commands.ActionLog5, "5 message")
	for range 2 {
		if status, got := do(t, signed(t, http.MethodPost, e.url+"/slack/interactive", formType, body)); status != http.StatusOK {
			t.Fatalf("got %d %s, want 200", status, got)
		}
	}
	calls := e.fake.WaitCalls(t, "views.publish", 1)
	if !strings.Contains(string(calls[0].JSON), "95 left now") || !strings.Contains(string(calls[0].JSON), `"user_id":"U1"`) {
		t.Errorf("views.publish got %s, want U1's home with 95 left", calls[0].JSON)
	}
	drain(t, e)
	if day, _ := e.used("U1"); day != 5 {
		t.Errorf("got %d today, want 5: one press, counted once", day)
	}
	if n := len(e.fake.Calls("views.publish")); n != 1 {
		t.Errorf("got %d views.publish calls, want 1", n)
	}
}

// homeSpy is an App Home that records what the transports tell it.
type homeSpy struct {
	mu    sync.Mutex
	calls []string
	seen  chan struct{}
}

func (h *homeSpy) record(s string) {
	h.mu.Lock()
	h.calls = append(h.calls, s)
	h.mu.Unlock()
	h.seen <- struct{}{}
}

func (h *homeSpy) Publish(ctx context.Context, user string) error {
	h.record("publish " + user)
	return nil
}

func (h *homeSpy) HandleAction(ctx context.Context, a commands.ActionRequest) (commands.Result, error) {
	h.record("action " + a.UserID + " " + a.ActionID)
	return commands.Result{}, nil
}

func (h *homeSpy) Refresh(user string) { h.record("refresh " + user) }

// TestHomeHook: with a Home given, the transports tell it of a tab
// opened, a press on the home, every command and every press on a message.
func TestHomeHook(t *testing.T) {
	t.Parallel()
	spy := &homeSpy{seen: make(chan struct{}, 16)}
	e := newEnv(t, config{bot: bot.Options{Home: spy}})
	next := func(want string) {
		t.Helper()
		select {
		case <-spy.seen:
		case <-time.After(30 * time.Second):
			t.Fatalf("the home was not told %q", want)
		}
		spy.mu.Lock()
		got := spy.calls[len(spy.calls)-1]
		spy.mu.Unlock()
		if got != want {
			t.Errorf("the home was told %q, want %q", got, want)
		}
	}
	do(t, signed(t, http.MethodPost, e.url+"/slack/events", "application/json", homeOpened(slackfake.TeamID, "Ev0200", "U1")))
	next("publish U1")
	e.command("U1", "/logsend 2")
	next("refresh U1")
	do(t, signed(t, http.MethodPost, e.url+"/slack/interactive", formType,
		pressPayload(t, "U1", string(slack.VTHomeTab), "", commands.ActionLog1, "1 message")))
	next("action U1 " + commands.ActionLog1)
	do(t, signed(t, http.MethodPost, e.url+"/slack/interactive", formType,
		pressPayload(t, "U1", "", e.fake.ResponseURL(), commands.ActionLog1, "1 message")))
	next("refresh U1")
	if n := len(e.fake.Calls("views.publish")); n != 0 {
		t.Errorf("got %d views.publish calls from the bot, want none: publishing is the home's", n)
	}
}

// TestRefreshChanged: a slash command tells the App Home of each member it
// changed (commands.Result.Changed): the caller after a log or an undo,
// the member whose tier was set. One that only reads, or is refused,
// tells it nothing.
func TestRefreshChanged(t *testing.T) {
	t.Parallel()
	spy := &homeSpy{seen: make(chan struct{}, 64)}
	e := newEnv(t, config{bot: bot.Options{Home: spy}, commands: commands.Options{Admins: []string{"U9"}}})
	if _, err := e.ledger.Log(context.Background(), store.LogRequest{Member: "U2", Kind: quota.Message, Count: 1}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ user, line string }{
		{"U1", "/logsend 5"},
		{"U2", "/logsend undo"},
		{"U9", "/quota tier <@U3|them> premium"},
		{"U4", "/quota tier premium"},
		{"U5", "/quota"},
		{"U6", "/quota team"},
		{"U7", "/logsend 5 inmial"},
		{"U8", "/quota tier <@U3|them> free"},
	} {
		e.command(c.user, c.line)
	}
	spy.mu.Lock()
	got := strings.Join(spy.calls, ", ")
	spy.mu.Unlock()
	if want := "refresh U1, refresh U2, refresh U3, refresh U4"; got != want {
		t.Errorf("the home was told %q, want %q", got, want)
	}
	// The metrics count the same outcomes: a tier change refused for want
	// of admin rights is refused like a misspelt kind.
	_, body := do(t, mustGet(t, e.url+"/metrics"))
	for _, want := range []string{
		`quotabot_commands_total{command="/logsend",outcome="ok"} 2`,
		`quotabot_commands_total{command="/logsend",outcome="refused"} 1`,
		`quotabot_commands_total{command="/quota",outcome="ok"} 4`,
		`quotabot_commands_total{command="/quota",outcome="refused"} 1`,
		`quotabot_ledger_errors_total 0`,
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("/metrics lacks %q:\n%s", want, grep(body, "quotabot_commands_total"))
		}
	}
}

// TestSSLCheck: Slack's certificate probe of a command URL, which comes
// unsigned, gets a bare 200 before any signature check, as Bolt answers
// it; it acts on nothing, and no other request gets past the check that
// way.
func TestSSLCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t, config{})
	unsigned := func(path, body string) *http.Request {
		req, err := http.NewRequest(http.MethodPost, e.url+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", formType)
		return req
	}
	withCommand := slashForm("/logsend", "5", "USSL", trigger(), "")
	withCommand.Set("ssl_check", "1")
	for _, tc := range []struct {
		name     string
		req      *http.Request
		status   int
		wantBody bool
	}{
		{"unsigned probe", unsigned("/slack/commands", "ssl_check=1&token=x"), http.StatusOK, false},
		{"signed probe", signed(t, http.MethodPost, e.url+"/slack/commands", formType, []byte("ssl_check=1&token=x")), http.StatusOK, false},
		{"unsigned probe carrying a command", unsigned("/slack/commands", withCommand.Encode()), http.StatusOK, false},
		{"unsigned ssl_check=0", unsigned("/slack/commands", "ssl_check=0&token=x"), http.StatusUnauthorized, true},
		{"unsigned command", unsigned("/slack/commands", slashForm("/logsend", "5", "USSL", trigger(), "").Encode()), http.StatusUnauthorized, true},
		{"unsigned probe past its size", unsigned("/slack/commands", "ssl_check=1&token="+strings.Repeat("x", 2000)), http.StatusUnauthorized, true},
		{"unsigned probe to events", unsigned("/slack/events", "ssl_check=1&token=x"), http.StatusUnauthorized, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := do(t, tc.req)
			if status != tc.status || (len(body) > 0) != tc.wantBody {
				t.Errorf("got %d %q, want %d (a body: %v)", status, body, tc.status, tc.wantBody)
			}
		})
	}
	if n := e.entries("USSL"); n != 0 {
		t.Errorf("got %d entries, want none: the probe acts on nothing", n)
	}
	// A signed command larger than the probe's bound still gets through
	// whole.
	r := e.command("USSL", "/logsend 2 message "+strings.Repeat("+", 400)) // 1.2 KB once form-encoded
	if !strings.HasPrefix(r.Text, "Logged 2 messages") {
		t.Errorf("a long signed command: got %q, want it logged", r.Text)
	}
}

// TestIdentify: auth.test tells the bot its workspace, after waiting out
// a 429; a token Slack refuses is named in the error.
func TestIdentify(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	api := slack.New(botToken, slack.OptionAPIURL(fake.APIURL()))
	fake.Fail("auth.test", slackfake.Failure{Status: http.StatusTooManyRequests, RetryAfter: 1})
	id, err := bot.Identify(context.Background(), api, nil)
	if err != nil || id.TeamID != slackfake.TeamID || id.UserID != slackfake.BotUserID {
		t.Errorf("got %+v, %v; want team %s, user %s", id, err, slackfake.TeamID, slackfake.BotUserID)
	}
	if n := len(fake.Calls("auth.test")); n != 2 {
		t.Errorf("got %d auth.test calls, want 2: the 429 and its retry", n)
	}
	fake.SetAuthError("token_revoked")
	if _, err := bot.Identify(context.Background(), api, nil); err == nil || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") || !strings.Contains(err.Error(), "token_revoked") {
		t.Errorf("got %v, want SLACK_BOT_TOKEN refused (token_revoked)", err)
	}
}

// TestHTTPForeignApp: once the bot knows its app, a signed request for
// another app is refused with 403, as one from another workspace is.
func TestHTTPForeignApp(t *testing.T) {
	t.Parallel()
	e := newEnv(t, config{bot: bot.Options{Team: bot.Identity{TeamID: slackfake.TeamID, AppID: slackfake.AppID}}})
	command := func(app string) []byte {
		form := slashForm("/logsend", "5", "UAPP", trigger(), "")
		form.Set("api_app_id", app)
		return []byte(form.Encode())
	}
	event := func(app string) []byte {
		var ev map[string]any
		if err := json.Unmarshal(homeOpened(slackfake.TeamID, "Ev-app-"+app, "UAPP"), &ev); err != nil {
			t.Fatal(err)
		}
		ev["api_app_id"] = app
		b, _ := json.Marshal(ev)
		return b
	}
	press := func(app string) []byte {
		cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, Team: slack.Team{ID: slackfake.TeamID},
			APIAppID: app, User: slack.User{ID: "UAPP"}, TriggerID: trigger(),
			ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{ActionID: commands.ActionLog1, Value: "1 message", ActionTs: "1.2"}}}}
		b, _ := json.Marshal(cb)
		return []byte(url.Values{"payload": {string(b)}}.Encode())
	}
	for _, tc := range []struct {
		name, path, typ string
		body            []byte
		status          int
	}{
		{"command for another app", "/slack/commands", formType, command("A0OTHER"), http.StatusForbidden},
		{"event for another app", "/slack/events", "application/json", event("A0OTHER"), http.StatusForbidden},
		{"press for another app", "/slack/interactive", formType, press("A0OTHER"), http.StatusForbidden},
		{"command for ours", "/slack/commands", formType, command(slackfake.AppID), http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if status, body := do(t, signed(t, http.MethodPost, e.url+tc.path, tc.typ, tc.body)); status != tc.status {
				t.Errorf("got %d %s, want %d", status, body, tc.status)
			}
		})
	}
	drain(t, e)
	if n := e.entries("UAPP"); n != 1 {
		t.Errorf("got %d entries, want 1: only the command for our app", n)
	}
}
