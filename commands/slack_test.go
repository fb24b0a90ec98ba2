package commands_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/internal/slackfake"
)

// TestAdminsFromSlack asks a fake Slack through slack-go's real client:
// users.info's answer decides, is asked once per TTL, and a real 429 with
// Retry-After stops the asking until it has passed.
func TestAdminsFromSlack(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	fake.SetUser(slack.User{ID: "UOWNER", IsOwner: true})
	fake.SetUser(slack.User{ID: "UPLAIN"})
	api := slack.New("xoxb-test", slack.OptionAPIURL(fake.APIURL()))
	e := newEnv(t, commands.Options{Users: api})

	if r := e.do("UPLAIN", "/quota tier <@U2> premium", ""); !strings.HasPrefix(r.Text, "Only admins") {
		t.Errorf("member: got %q, want a refusal", r.Text)
	}
	if r := e.do("UOWNER", "/quota tier <@U2> premium", ""); !strings.HasPrefix(r.Text, "<@U2> is now on tier premium") {
		t.Errorf("owner: got %q, want the tier set", r.Text)
	}
	e.do("UOWNER", "/quota tier <@U3> premium", "")
	if n := len(fake.Calls("users.info")); n != 2 {
		t.Errorf("got %d users.info calls, want 2: one per caller within the TTL", n)
	}

	e.clock.Add(commands.DefaultAdminTTL + time.Second)
	fake.Fail("users.info", slackfake.Failure{Status: 429, RetryAfter: 30})
	if r := e.do("UOWNER", "/quota tier <@U4> premium", ""); !strings.HasPrefix(r.Text, "I couldn't check with Slack") {
		t.Errorf("rate limited: got %q, want to be told to try again", r.Text)
	}
	e.do("UOWNER", "/quota tier <@U4> premium", "")
	if n := len(fake.Calls("users.info")); n != 3 {
		t.Errorf("got %d users.info calls, want 3: none during Retry-After", n)
	}
	e.clock.Add(31 * time.Second)
	if r := e.do("UOWNER", "/quota tier <@U4> premium", ""); !strings.HasPrefix(r.Text, "<@U4> is now on tier premium") {
		t.Errorf("after Retry-After: got %q, want the tier set", r.Text)
	}
}

// TestAdminCheck429WithoutRetryAfter: a 429 that names no wait still
// holds users.info back for slackretry's floor of a second, rather than
// letting the next command ask again at once.
func TestAdminCheck429WithoutRetryAfter(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	fake.SetUser(slack.User{ID: "UOWNER", IsOwner: true})
	api := slack.New("xoxb-test", slack.OptionAPIURL(fake.APIURL()))
	e := newEnv(t, commands.Options{Users: api})

	fake.Fail("users.info", slackfake.Failure{Status: 429})
	for range 2 {
		if r := e.do("UOWNER", "/quota tier <@U2> premium", ""); !strings.HasPrefix(r.Text, "I couldn't check with Slack") {
			t.Errorf("rate limited: got %q, want to be told to try again", r.Text)
		}
	}
	if n := len(fake.Calls("users.info")); n != 1 {
		t.Errorf("got %d users.info calls, want 1: none during the second after a 429", n)
	}
	e.clock.Add(time.Second)
	if r := e.do("UOWNER", "/quota tier <@U2> premium", ""); !strings.HasPrefix(r.Text, "<@U2> is now on tier premium") {
		t.Errorf("a second later: got %q, want the tier set", r.Text)
	}
}
