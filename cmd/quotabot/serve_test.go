package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/control"
	"github.com/quotabot/quotabot/internal/slackfake"
)

const testSecret = "e2e-signing-secret"

// server is a `quotabot serve` running in-process against a fake Slack.
type server struct {
	fake   *slackfake.Server
	dir    string
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

// startServe runs serve with the fake's Web API and Socket Mode, on a free
// port; the test's end stops it.
func startServe(t *testing.T, fake *slackfake.Server, args ...string) *server {
	t.Helper()
	s := &server{fake: fake, dir: shortDir(t), stderr: &syncBuffer{}, done: make(chan error, 1)}
	env := map[string]string{
		"SLACK_BOT_TOKEN":      "xoxb-e2e",
		"SLACK_APP_TOKEN":      "xapp-e2e",
		"SLACK_SIGNING_SECRET": testSecret,
		"SLACK_API_URL":        fake.APIURL(),
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	args = append([]string{"serve", "--data", s.dir}, args...)
	go func() {
		s.done <- run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, s.stderr)
	}()
	// After slackfake.New's, so this runs first: serve stops before the
	// fake does.
	t.Cleanup(func() {
		cancel()
		s.wait(t)
	})
	return s
}

// wait returns serve's result.
func (s *server) wait(t testing.TB) error {
	t.Helper()
	select {
	case err := <-s.done:
		s.done <- err
		return err
	case <-time.After(time.Minute):
		t.Fatalf("serve did not return; its log:\n%s", s.stderr.String())
		return nil
	}
}

var addrRE = regexp.MustCompile(`addr=(\S+)`)

// listening waits for the HTTP server and returns its base URL.
func (s *server) listening(t testing.TB) string {
	t.Helper()
	m := addrRE.FindStringSubmatch(s.stderr.waitFor(t, `msg="serving HTTP"`))
	if m == nil {
		t.Fatal("no address in the log line")
	}
	return "http://" + m[1]
}

// command posts a slash command signed with the current time, building
// the v0 signature by hand, and returns the reply's text.
func command(t testing.TB, base, user, line string) string {
	t.Helper()
	cmd, text, _ := strings.Cut(line, " ")
	body := url.Values{
		"command": {cmd}, "text": {text}, "user_id": {user}, "team_id": {slackfake.TeamID},
		"channel_id": {"C0FAKE"}, "trigger_id": {"e2e." + strconv.FormatInt(time.Now().UnixNano(), 10)},
	}.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write([]byte("v0:" + ts + ":" + body))
	req, _ := http.NewRequest(http.MethodPost, base+"/slack/commands", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct{ Text string }
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&m) != nil {
		t.Fatalf("%s: got status %d, want 200 and a JSON reply", line, resp.StatusCode)
	}
	return m.Text
}

// TestServe runs the whole bot: commands over HTTP and Socket Mode into
// one store, the scheduler posting, export beside the running bot, and a
// clean stop that frees the store.
func TestServe(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	cfg := filepath.Join(t.TempDir(), "quotabot.yml")
	if err := os.WriteFile(cfg, []byte("channel: C0POSTS\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, fake, "--http", "127.0.0.1:0", "--config", cfg)
	base := s.listening(t)
	fake.WaitConnected(t)

	if got := command(t, base, "U1", "/logsend 5"); !strings.HasPrefix(got, "Logged 5 messages. Left today: 95 of 100.") {
		t.Errorf("/logsend 5 over HTTP: got %q", got)
	}
	id := fake.SendSlashCommand(t, slack.SlashCommand{Command: "/logsend", Text: "2", UserID: "U1"})
	var ack struct{ Text string }
	if err := json.Unmarshal(fake.WaitAck(t, id), &ack); err != nil || !strings.HasPrefix(ack.Text, "Logged 2 messages. Left today: 93 of 100.") {
		t.Errorf("/logsend 2 over Socket Mode: got %q (%v), want 93 left", ack.Text, err)
	}
	s.stderr.waitFor(t, "scheduler started")

	// While serve holds the store, export asks it.
	rows := readCSV(t, mustRun(t, nil, "", "export", "--data", s.dir).stdout)
	if len(rows) != 2 || rows[0][3] != "5" || rows[1][3] != "2" {
		t.Errorf("export beside the running bot: got %q, want the 5 and the 2", rows)
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %v %v", resp, err)
	}
	resp.Body.Close()

	s.cancel()
	if err := s.wait(t); err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
	logs := s.stderr.String()
	for _, want := range []string{"shutting down", "store closed", "outcome=ok", "transport=socket", "transport=http"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %q", want)
		}
	}
	for _, secret := range []string{"xoxb-e2e", "xapp-e2e", testSecret} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log shows the secret %q", secret)
		}
	}
	// Stopped cleanly: the store is free and holds both entries.
	if rows := readCSV(t, mustRun(t, nil, "", "export", "--data", s.dir).stdout); len(rows) != 2 {
		t.Errorf("export after the stop: got %d rows, want 2", len(rows))
	}
	if _, err := os.Stat(control.Path(s.dir)); !os.IsNotExist(err) {
		t.Errorf("the control socket is still there after the stop (%v)", err)
	}
	// A new install: the store did not exist yesterday or last month, so
	// the catch-up at start (which Stop waited for) owed no post.
	if calls := fake.Calls("chat.postMessage"); len(calls) != 0 {
		t.Errorf("a new install posted %d scheduled messages at its first start, want none: %q", len(calls), calls[0].Form.Get("text"))
	}
}

// TestServeRefused: a token Slack refuses ends serve with an error that
// names it, rather than a process that spins, and leaves the store free.
func TestServeRefused(t *testing.T) {
	t.Parallel()
	t.Run("bot token", func(t *testing.T) {
		t.Parallel()
		fake := slackfake.New(t)
		fake.SetAuthError("invalid_auth")
		s := startServe(t, fake)
		err := s.wait(t)
		if err == nil || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") || !strings.Contains(err.Error(), "invalid_auth") {
			t.Errorf("got %v, want SLACK_BOT_TOKEN refused (invalid_auth)", err)
		}
	})
	t.Run("app token", func(t *testing.T) {
		t.Parallel()
		fake := slackfake.New(t)
		fake.Handle("apps.connections.open", func(slackfake.Call) any {
			return map[string]any{"ok": false, "error": "invalid_auth"}
		})
		s := startServe(t, fake)
		err := s.wait(t)
		if err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
			t.Errorf("got %v, want an error naming SLACK_APP_TOKEN", err)
		}
		if r := runWith(t, nil, "", "export", "--data", s.dir); r.err != nil {
			t.Errorf("export after the failed start: %v; want the store free", r.err)
		}
	})
	t.Run("port in use", func(t *testing.T) {
		t.Parallel()
		fake := slackfake.New(t)
		first := startServe(t, fake, "--http", "127.0.0.1:0")
		addr := strings.TrimPrefix(first.listening(t), "http://")
		second := startServe(t, fake, "--http", addr)
		err := second.wait(t)
		if err == nil || !strings.Contains(err.Error(), "--http "+addr) {
			t.Errorf("got %v, want an error naming --http %s", err, addr)
		}
	})
}
