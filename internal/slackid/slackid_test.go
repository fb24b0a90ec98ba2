package slackid_test

import (
	"strings"
	"testing"

	"github.com/quotabot/quotabot/internal/slackid"
)

func TestUserAndChannel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id            string
		user, channel bool
	}{
		{"U0123ABCD", true, false},
		{"W0123ABCDEF", true, false},
		{"U1", true, false}, // short, but what Slack's mentions and the ledger accept
		{"C0123ABCD", false, true},
		{"G0123ABCD", false, true},
		{"D0123ABCD", false, true},
		{"U" + strings.Repeat("A", slackid.MaxLen-1), true, false},
		{"U" + strings.Repeat("A", slackid.MaxLen), false, false},
		{"", false, false},
		{"U", false, false},
		{"C", false, false},
		{"u0123abcd", false, false},
		{"U0123abcd", false, false},
		{"B0123ABCD", false, false},
		{"#general", false, false},
		{"<@U0123ABCD>", false, false},
		{"U0123 ABCD", false, false},
		{"U0123ABCÉ", false, false},
	} {
		if got := slackid.User(tc.id); got != tc.user {
			t.Errorf("User(%q): got %v, want %v", tc.id, got, tc.user)
		}
		if got := slackid.Channel(tc.id); got != tc.channel {
			t.Errorf("Channel(%q): got %v, want %v", tc.id, got, tc.channel)
		}
	}
}
