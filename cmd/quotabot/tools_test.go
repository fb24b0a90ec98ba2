package main

import (
	"strings"
	"testing"
)

// The console turns "@U123" into the mention Slack would send, for the IDs
// slackid.User accepts and nothing else.
func TestEscapeMentions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"@U0123ABCD", "<@U0123ABCD>"},
		{"tier @W0123ABCD premium", "tier <@W0123ABCD> premium"},
		{"@U1 and @U2", "<@U1> and <@U2>"},
		{"5 message @bob", "5 message @bob"},
		{"a@U0123ABCD", "a@U0123ABCD"},
		{"@U0123abcd", "@U0123abcd"},
		{"@C0123ABCD", "@C0123ABCD"},
		{"@U", "@U"},
		{"@U" + strings.Repeat("A", 64), "@U" + strings.Repeat("A", 64)},
		{"<@U0123ABCD>", "<@U0123ABCD>"},
	} {
		if got := escapeMentions(tc.in); got != tc.want {
			t.Errorf("escapeMentions(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}
