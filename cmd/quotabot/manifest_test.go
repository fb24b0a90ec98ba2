package main

import (
	"net/url"
	"os"
	"slices"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/store"
)

// manifest is the part of a Slack app manifest the test checks.
type manifest struct {
	DisplayInformation struct {
		Name            string `yaml:"name"`
		Description     string `yaml:"description"`
		LongDescription string `yaml:"long_description"`
	} `yaml:"display_information"`
	Features struct {
		AppHome struct {
			HomeTabEnabled             bool `yaml:"home_tab_enabled"`
			MessagesTabEnabled         bool `yaml:"messages_tab_enabled"`
			MessagesTabReadOnlyEnabled bool `yaml:"messages_tab_read_only_enabled"`
		} `yaml:"app_home"`
		BotUser struct {
			DisplayName string `yaml:"display_name"`
		} `yaml:"bot_user"`
		SlashCommands []struct {
			Command      string `yaml:"command"`
			URL          string `yaml:"url"`
			Description  string `yaml:"description"`
			UsageHint    string `yaml:"usage_hint"`
			ShouldEscape bool   `yaml:"should_escape"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		EventSubscriptions struct {
			RequestURL string   `yaml:"request_url"`
			BotEvents  []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			IsEnabled  bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url"`
		} `yaml:"interactivity"`
		SocketModeEnabled bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

// TestManifest keeps manifest.yml and the code in step (STYLE.md 11): every
// slash command in it is handled and every handled command is in it; the
// request URLs are the paths the HTTP transport serves; the scopes are the
// smallest set; and Slack's own limits on the fields hold.
func TestManifest(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../manifest.yml")
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatalf("manifest.yml does not parse: %v", err)
	}

	l, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	handled := commands.New(l, commands.Options{}).Commands()
	var listed []string
	for _, c := range m.Features.SlashCommands {
		listed = append(listed, c.Command)
		if !slices.Contains(handled, c.Command) {
			t.Errorf("manifest lists %s, which the handler does not answer", c.Command)
		}
		if c.Description == "" || c.UsageHint == "" {
			t.Errorf("%s: want a description and a usage hint", c.Command)
		}
		if len(c.Description) > 2000 || len(c.UsageHint) > 1000 {
			t.Errorf("%s: description or usage hint over Slack's limit", c.Command)
		}
		if !c.ShouldEscape {
			t.Errorf("%s: should_escape must be true, so that mentions arrive as <@U123>", c.Command)
		}
		mustPath(t, c.Command+" url", c.URL, "/slack/commands")
	}
	for _, c := range handled {
		if !slices.Contains(listed, c) {
			t.Errorf("the handler answers %s, which manifest.yml lacks", c)
		}
	}

	if want := []string{"commands", "chat:write", "users:read"}; !sameSet(m.OAuthConfig.Scopes.Bot, want) {
		t.Errorf("bot scopes: got %q, want exactly %q", m.OAuthConfig.Scopes.Bot, want)
	}
	if !m.Settings.SocketModeEnabled {
		t.Error("socket_mode_enabled: want true")
	}
	if !m.Features.AppHome.HomeTabEnabled {
		t.Error("home_tab_enabled: want true")
	}
	if !m.Features.AppHome.MessagesTabEnabled || !m.Features.AppHome.MessagesTabReadOnlyEnabled {
		t.Error("the Messages tab: want it enabled and read-only, since the bot does not read direct messages")
	}
	if !sameSet(m.Settings.EventSubscriptions.BotEvents, []string{"app_home_opened"}) {
		t.Errorf("bot_events: got %q, want [app_home_opened]", m.Settings.EventSubscriptions.BotEvents)
	}
	mustPath(t, "event_subscriptions.request_url", m.Settings.EventSubscriptions.RequestURL, "/slack/events")
	if !m.Settings.Interactivity.IsEnabled {
		t.Error("interactivity.is_enabled: want true, for the buttons on /logsend replies")
	}
	mustPath(t, "interactivity.request_url", m.Settings.Interactivity.RequestURL, "/slack/interactive")
	if d := m.DisplayInformation; d.Name == "" || d.Description == "" || len(d.Description) > 140 ||
		len(d.LongDescription) < 175 || len(d.LongDescription) > 4000 {
		t.Errorf("display_information: want a name, a description of at most 140 characters and a long_description of 175 to 4000")
	}
	if n := m.Features.BotUser.DisplayName; n == "" || len(n) > 80 {
		t.Errorf("bot_user.display_name: got %q, want 1 to 80 characters", n)
	}
}

func mustPath(t *testing.T, what, raw, path string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Path != path {
		t.Errorf("%s: got %q, want an https URL with path %s, which the HTTP transport serves", what, raw, path)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
