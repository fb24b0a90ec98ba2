package slackfake_test

import (
	"errors"
	"testing"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/slackfake"
)

// The granted scopes come back in X-OAuth-Scopes, as Slack sends them, and
// conversations.info answers by scope and membership as Slack does.
func TestScopesAndConversationsInfo(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	api := slack.New("xoxb-test", slack.OptionAPIURL(fake.APIURL()))
	info := func(id string) (*slack.Channel, string) {
		t.Helper()
		ch, err := api.GetConversationInfoContext(t.Context(), &slack.GetConversationInfoInput{ChannelID: id})
		var se slack.SlackErrorResponse
		if errors.As(err, &se) {
			return nil, se.Err
		} else if err != nil {
			t.Fatal(err)
		}
		return ch, ""
	}

	auth, err := api.AuthTestContext(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := auth.Header.Get("X-OAuth-Scopes"); got != "commands,chat:write,users:read" {
		t.Errorf("X-OAuth-Scopes: got %q, want manifest.yml's scopes", got)
	}
	fake.SetChannel(slackfake.Channel{ID: "C1", Name: "general", IsMember: true})
	fake.SetChannel(slackfake.Channel{ID: "C2", Name: "random"})
	fake.SetChannel(slackfake.Channel{ID: "G1", Name: "secret", IsPrivate: true})
	if _, e := info("C1"); e != "missing_scope" {
		t.Errorf("conversations.info without channels:read: got %q, want missing_scope", e)
	}

	fake.SetScopes("chat:write", "channels:read", "groups:read")
	if auth, err = api.AuthTestContext(t.Context()); err != nil || auth.Header.Get("X-OAuth-Scopes") != "chat:write,channels:read,groups:read" {
		t.Errorf("after SetScopes: got %q (%v)", auth.Header.Get("X-OAuth-Scopes"), err)
	}
	for _, tc := range []struct {
		id, wantErr string
		member      bool
	}{
		{"C1", "", true},
		{"C2", "", false},
		{"G1", "channel_not_found", false}, // private, and the bot is not in it
		{"C404", "channel_not_found", false},
	} {
		ch, e := info(tc.id)
		if e != tc.wantErr || (e == "" && ch.IsMember != tc.member) {
			t.Errorf("conversations.info %s: got error %q, want %q (member %v)", tc.id, e, tc.wantErr, tc.member)
		}
	}
}
