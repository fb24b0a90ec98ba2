package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/quotabot/quotabot/internal/control"
	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/store"
)

// doctorEnv is serve's environment pointed at fake.
func doctorEnv(fake *slackfake.Server) map[string]string {
	return map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-doctor",
		"SLACK_APP_TOKEN": "xapp-doctor",
		"SLACK_API_URL":   fake.APIURL(),
	}
}

// writeConfig writes a config file and returns its path.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "quotabot.yml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const doctorConfig = "timezone: America/New_York\nchannel: C0POSTS\n"

// TestDoctor runs quotabot doctor against the fake Slack: each thing a
// first install gets wrong fails its own line, which names the fix, and
// the command fails; a correct install passes.
func TestDoctor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		config string
		setup  func(t *testing.T, fake *slackfake.Server, dir string)
		// want are lines (or parts of lines) the output must have; a line
		// starting "FAIL" makes the run fail.
		want []string
	}{
		{
			name: "a correct install",
			setup: func(t *testing.T, fake *slackfake.Server, dir string) {
				fake.SetChannel(slackfake.Channel{ID: "C0POSTS", Name: "linkedin", IsMember: true})
			},
			want: []string{
				"ok     bot token: workspace Fake Team (T0FAKE), bot @quotabot (UBOT)",
				"ok     socket mode: SLACK_APP_TOKEN opens a connection",
				"ok     scopes: granted commands, chat:write, users:read",
				"advice scope channels:history: not granted (advised)",
				"advice channel: C0POSTS: cannot check it without channels:read",
				"ok     config: ",
				`ok     schedule.daily: "0 0 * * *" next runs`,
				"ok     data: ",
				"0 failed",
			},
		},
		{
			name: "with channels:read, the membership is checked",
			setup: func(t *testing.T, fake *slackfake.Server, dir string) {
				fake.SetScopes(append(slackfake.DefaultScopes, "channels:read", "channels:history")...)
				fake.SetChannel(slackfake.Channel{ID: "C0POSTS", Name: "linkedin", IsMember: true})
			},
			want: []string{"ok     channel: #linkedin (C0POSTS): the bot is a member", "0 failed, 0 advice: ready to serve"},
		},
		{
			name: "a bad bot token",
			setup: func(t *testing.T, fake *slackfake.Server, dir string) {
				fake.SetAuthError("invalid_auth")
			},
			want: []string{"FAIL   bot token: Slack refused SLACK_BOT_TOKEN (invalid_auth) -> set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…) on the app's OAuth & Permissions page"},
		},
		{
			name: "an app token Slack refuses",
			setup: func(t *testing.T, fake *slackfake.Server, dir string) {
				fake.Handle("apps.connections.open", func(slackfake.Call) any {
					return map[string]any{"ok": false, "error": "invalid_auth"}
				})
			},
			want: []string{"FAIL   socket mode: Slack refused SLACK_APP_TOKEN (invalid_auth) -> generate an app-level token with the connections:write scope"},
		},
		{
			name: "a missing scope",
			setup: func(t *testing.T, fake *slackfake.Server, dir string) {
				fake.SetScopes("commands", "chat:write")
			},
			want: []string{"FAIL   scopes: missing users:read (telling workspace admins apart) -> add it under oauth_config.scopes.bot", "then reinstall the app"},
		},
		{
			name: "a channel the bot is not in",
			setup: func(t *testing.T, fake *slackfake.Server, dir string) {
				fake.SetScopes(append(slackfake.DefaultScopes, "channels:read")...)
				fake.SetChannel(slackfake.Channel{ID: "C0POSTS", Name: "linkedin"})
			},
			want: []string{"FAIL   channel: the bot is not a member of #linkedin (C0POSTS), so it cannot post there -> invite it: type /invite @quotabot in #linkedin"},
		},
		{
			name:   "notify_near_limit without im:write",
			config: doctorConfig + "notify_near_limit: true\n",
			want: []string{"FAIL   scope im:write: notify_near_limit: true sends direct messages, and the token lacks im:write -> add it under oauth_config.scopes.bot",
				"reinstall the app", "or set notify_near_limit: false"},
		},
		{
			name: "a locked data directory",
			setup: func(t *testing.T, fake *slackfake.Server, dir string) {
				l, err := store.Open(dir, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { l.Close() })
			},
			want: []string{"FAIL   data: " + "%DIR% is in use by another process, which does not answer on its control socket -> stop that process"},
		},
		{
			name: "a damaged store",
			setup: func(t *testing.T, fake *slackfake.Server, dir string) {
				l, err := store.Open(dir, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
				if err := os.Remove(filepath.Join(dir, "MANIFEST")); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"FAIL   data: the store in %DIR% is damaged", "MANIFEST is missing", "-> restore the latest backup into a new directory"},
		},
		{
			name: "a data directory the running bot answers for",
			setup: func(t *testing.T, fake *slackfake.Server, dir string) {
				l, err := store.Open(dir, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				c, err := control.Serve(dir, l, slog.New(slog.DiscardHandler))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close(t.Context()); l.Close() })
			},
			want: []string{"ok     data: %DIR% is in use by the running quotabot, which answers on its control socket"},
		},
		{
			name:   "a config that does not load",
			config: "timezone: Mars/Olympus\n",
			want:   []string{"FAIL   config: --config: ", "Mars/Olympus", "fix the file as the message says"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := slackfake.New(t)
			dir := shortDir(t)
			if tc.setup != nil {
				tc.setup(t, fake, dir)
			}
			cfg := tc.config
			if cfg == "" {
				cfg = doctorConfig
			}
			r := runWith(t, doctorEnv(fake), "", "doctor", "--data", dir, "--config", writeConfig(t, cfg))
			lines := strings.Split(r.stdout, "\n")
			failing := false
			for _, w := range tc.want {
				w = strings.ReplaceAll(w, "%DIR%", dir)
				failing = failing || strings.HasPrefix(w, "FAIL")
				if !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, w) }) {
					t.Errorf("no line has %q; doctor printed:\n%s", w, r.stdout)
				}
			}
			if failing != (r.err != nil) {
				t.Errorf("doctor returned %v; want an error exactly when a check fails; it printed:\n%s", r.err, r.stdout)
			}
			if strings.Contains(r.stdout+r.stderr, "xoxb-doctor") || strings.Contains(r.stdout+r.stderr, "xapp-doctor") {
				t.Error("doctor's output shows a token")
			}
		})
	}
}

// TestDoctorCreatesNoStore: doctor only looks; the store's creation time
// stays the first start's.
func TestDoctorCreatesNoStore(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	dir := shortDir(t)
	r := mustRun(t, doctorEnv(fake), "", "doctor", "--data", dir)
	if !strings.Contains(r.stdout, "does not exist yet; serve will create it") {
		t.Errorf("doctor printed:\n%s\nwant the data directory to be found missing and creatable", r.stdout)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("doctor made %s (%v); it should only look", dir, err)
	}
}

// TestServeLogsDoctorFindings: serve runs doctor's Slack checks at start and
// logs what fails with its fix, and starts all the same.
func TestServeLogsDoctorFindings(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	fake.SetScopes(append(slackfake.DefaultScopes, "channels:read")...)
	fake.SetChannel(slackfake.Channel{ID: "C0POSTS", Name: "linkedin"})
	cfg := writeConfig(t, doctorConfig+"notify_near_limit: true\n")
	s := startServe(t, fake, "--config", cfg)
	line := s.stderr.waitFor(t, "doctor: channel")
	if !strings.Contains(line, "level=ERROR") || !strings.Contains(line, "/invite @quotabot in #linkedin") {
		t.Errorf("serve logged %q, want an error with the fix", line)
	}
	if line := s.stderr.waitFor(t, "doctor: scope im:write"); !strings.Contains(line, "reinstall") {
		t.Errorf("serve logged %q, want the fix: add im:write and reinstall", line)
	}
	fake.WaitConnected(t) // and it serves
}
